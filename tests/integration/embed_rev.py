#!/usr/bin/env python3
"""tests/integration/embed_rev.py — put revocation data where signed objects carry them, with plain DER and
string editing (no ASN.1 or XML library), for tests/integration/test_embedded_rev.sh.

  embed_rev.py basic RESPONSE.der OUT.der
      the BasicOCSPResponse inside an OCSPResponse (responseBytes.response OCTET STRING)
  embed_rev.py cades IN.cms OUT.cms [--crl CRL.der]... [--basic BASIC.der]...
      IN's (first) SignerInfo gets the unsigned attribute id-aa-ets-revocationValues
      (1.2.840.113549.1.9.16.2.24) = RevocationValues { crlVals [0] SEQUENCE OF CertificateList,
      ocspVals [1] SEQUENCE OF BasicOCSPResponse } (RFC 5126 §6.3.4, explicit tags)
  embed_rev.py xades IN.xml OUT.xml [--crl CRL.der]... [--ocsp RESPONSE.der]...
      a ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties/
      xades:RevocationValues {CRLValues/EncapsulatedCRLValue, OCSPValues/EncapsulatedOCSPValue} (base64)
      inserted before </ds:Signature> — outside SignedInfo, so the signature stays valid; with --v141 the
      RevocationValues sit inside xadesv141:TimeStampValidationData (http://uri.etsi.org/01903/v1.4.1#)
"""
import base64
import sys


def tlv(b, i):
    """(tag, start of contents, end) of the element at b[i]."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n


def enc(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(ln)]) + ln
    return bytes([tag]) + head + body


def children(b, start, end):
    out, i = [], start
    while i < end:
        tag, s, e = tlv(b, i)
        out.append((tag, b[i:e]))
        i = e
    return out


def basic_of(resp):
    _, s, _ = tlv(resp, 0)                    # OCSPResponse
    _, st, ste = tlv(resp, s)                 # responseStatus
    _, x, _ = tlv(resp, ste)                  # [0] EXPLICIT
    _, rb, _ = tlv(resp, x)                   # ResponseBytes
    _, o, oe = tlv(resp, rb)                  # responseType
    _, bs, be = tlv(resp, oe)                 # OCTET STRING
    return resp[bs:be]


def cades(args):
    cms = open(args[0], "rb").read()
    crls, basics, i = [], [], 2
    while i < len(args):
        data = open(args[i + 1], "rb").read()
        (crls if args[i] == "--crl" else basics).append(data)
        i += 2
    rv = b""
    if crls:
        rv += enc(0xA0, enc(0x30, b"".join(crls)))
    if basics:
        rv += enc(0xA1, enc(0x30, b"".join(basics)))
    oid = bytes.fromhex("060b2a864886f70d0109100218")   # 1.2.840.113549.1.9.16.2.24
    attr = enc(0x30, oid + enc(0x31, enc(0x30, rv)))
    _, ci, _ = tlv(cms, 0)
    _, o, oend = tlv(cms, ci)
    _, x, _ = tlv(cms, oend)
    _, sd, sdend = tlv(cms, x)
    elems = children(cms, sd, sdend)
    tag, sis = elems[-1]
    _, ss, se = tlv(sis, 0)
    infos = children(sis, ss, se)
    _, first = infos[0]
    _, fs, fe = tlv(first, 0)
    si_elems = children(first, fs, fe)
    assert all(t != 0xA1 for t, _ in si_elems), "the SignerInfo already has unsigned attributes"
    new_si = enc(0x30, b"".join(e for _, e in si_elems) + enc(0xA1, attr))
    new_sis = enc(0x31, new_si + b"".join(e for _, e in infos[1:]))
    body = b"".join(e for _, e in elems[:-1]) + new_sis
    out = enc(0x30, cms[ci:oend] + enc(0xA0, enc(0x30, body)))
    open(args[1], "wb").write(out)


def xades(args):
    doc = open(args[0], "r", encoding="utf-8").read()
    crls, ocsps, i, tsvd = [], [], 2, False
    if "--v141" in args:                      # inside xadesv141:TimeStampValidationData instead
        args = [a for a in args if a != "--v141"]
        tsvd = True
    while i < len(args):
        data = base64.b64encode(open(args[i + 1], "rb").read()).decode()
        (crls if args[i] == "--crl" else ocsps).append(data)
        i += 2
    rv = ""
    if crls:
        rv += "<xades:CRLValues>" + "".join("<xades:EncapsulatedCRLValue>%s</xades:EncapsulatedCRLValue>" % c
                                           for c in crls) + "</xades:CRLValues>"
    if ocsps:
        rv += "<xades:OCSPValues>" + "".join("<xades:EncapsulatedOCSPValue>%s</xades:EncapsulatedOCSPValue>" % c
                                             for c in ocsps) + "</xades:OCSPValues>"
    rv = "<xades:RevocationValues>%s</xades:RevocationValues>" % rv
    if tsvd:
        rv = ('<xadesv141:TimeStampValidationData xmlns:xadesv141="http://uri.etsi.org/01903/v1.4.1#">%s'
              "</xadesv141:TimeStampValidationData>" % rv)
    obj = ('<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig">'
           "<xades:UnsignedProperties><xades:UnsignedSignatureProperties>%s"
           "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>"
           "</xades:QualifyingProperties></ds:Object>" % rv)
    at = doc.rindex("</ds:Signature>")
    open(args[1], "w", encoding="utf-8").write(doc[:at] + obj + doc[at:])


def main():
    if sys.argv[1] == "basic":
        open(sys.argv[3], "wb").write(basic_of(open(sys.argv[2], "rb").read()))
    elif sys.argv[1] == "cades":
        cades(sys.argv[2:])
    elif sys.argv[1] == "xades":
        xades(sys.argv[2:])
    else:
        sys.exit("usage: see the docstring")


main()

#!/usr/bin/env python3
"""tests/integration/cms_add_crl.py IN.der CRL... OUT.der — put CRLs into the `crls` field ([1] IMPLICIT SET OF
CertificateList, RFC 5652 §5.1) of a DER SignedData made by `openssl cms -sign` (OpenSSL 3.0's cms has no
-crlfile). The field is outside what the signature covers, so the signature stays valid. Each CRL file is PEM
or DER (converted with `openssl crl`)."""
import subprocess
import sys


def tlv(d, i):
    """(tag, header start, content start, end) of the element at i."""
    tag = d[i]
    n = d[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(d[j:j + k], "big")
        j += k
    return tag, i, j, j + n


def children(d, start, end):
    out = []
    i = start
    while i < end:
        t = tlv(d, i)
        out.append(t)
        i = t[3]
    return out


def enc(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + body


def main():
    src, crl_files, dst = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
    d = open(src, "rb").read()
    crls = b"".join(subprocess.run(["openssl", "crl", "-in", f, "-outform", "DER"], capture_output=True,
                                   check=True).stdout for f in crl_files)
    _, _, c, e = tlv(d, 0)                        # ContentInfo
    oid, ctx = children(d, c, e)                  # contentType, [0] EXPLICIT
    _, _, sc, se = tlv(d, ctx[2])                 # SignedData
    parts = children(d, sc, se)
    if any(p[0] == 0xA1 for p in parts):
        sys.exit("the object already has crls")
    body = b""
    for p in parts:
        if p[0] == 0x31 and p is parts[-1]:       # signerInfos: crls go just before
            body += enc(0xA1, crls)
        body += d[p[1]:p[3]]
    sd = enc(0x30, body)
    out = enc(0x30, d[oid[1]:oid[3]] + enc(0xA0, sd))
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()

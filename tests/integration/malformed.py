#!/usr/bin/env python3
"""tests/integration/malformed.py — the hostile-input table (issue 10), run by test_malformed.sh.

Every case is a malformed input generated here from a good object of the test PKI (SB_PKI, made by
tests/pki/make-all.sh) or from `sigbridge sign` / `openssl cms -sign`: truncations at many offsets, tag
flips, length inflations and deflations, OID swaps, indefinite lengths, huge counts, bad base64, wrong
PEM labels, nesting bombs, broken MIME. Each runs through the real CLI (SB_BIN) with --json and must
give exactly the expected exit code, the expected reason code (top-level "reason", or "error.code" on
exit 2) and a message matching a case-specific pattern, so a generic failure never passes for the
specific one. Structural edits re-encode every enclosing length (DER tree edit), so the input is broken
exactly where intended; certificate edits that must get past signature checks are re-signed with the
issuing CA's key (openssl dgst -sign).

Prints one line per failed case (and per case with -v), then "N passed, M failed"; exits 1 on failure.
Usage: SB_BIN=build/sigbridge SB_PKI=build/pki python3 tests/integration/malformed.py [-v] [-k SUBSTRING]
"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(os.environ.get("SB_BIN", "build/sigbridge"))
PKI = os.path.abspath(os.environ.get("SB_PKI", "build/pki"))
VERBOSE = "-v" in sys.argv
ONLY = sys.argv[sys.argv.index("-k") + 1] if "-k" in sys.argv else None
DOC = b"sigbridge malformed-input table\n"

# ---- DER tree -------------------------------------------------------------------------------------------


class N:
    """One DER element: tag bytes, and either children (constructed) or a value (primitive)."""

    def __init__(self, tag, kids=None, val=b""):
        self.tag = tag if isinstance(tag, bytes) else bytes([tag])
        self.kids = kids
        self.val = val

    def __getitem__(self, i):
        return self.kids[i]

    def __setitem__(self, i, v):
        self.kids[i] = v

    def copy(self):
        return N(self.tag, [k.copy() for k in self.kids] if self.kids is not None else None, self.val)


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return (tag if isinstance(tag, bytes) else bytes([tag])) + der_len(len(body)) + body


def header(b, i):
    """(tag bytes, content start, content end) of the element at b[i]."""
    s = i
    i += 1
    if b[s] & 0x1F == 0x1F:
        while b[i] & 0x80:
            i += 1
        i += 1
    tag = b[s:i]
    n = b[i]
    i += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def parse(b, i=0, end=None, primitive_only=False):
    tag, c, e = header(b, i)
    if tag[0] & 0x20 and not primitive_only:
        kids, j = [], c
        while j < e:
            k, j = parse(b, j, e)
            kids.append(k)
        node = N(tag, kids)
    else:
        node = N(tag, None, b[c:e])
    return node, e


def tree(b):
    return parse(b)[0]


def enc(n):
    if n.kids is not None:
        return tlv(n.tag, b"".join(enc(k) for k in n.kids))
    return tlv(n.tag, n.val)


def oid(dotted):
    a = [int(x) for x in dotted.split(".")]
    out = b""
    for v in [40 * a[0] + a[1]] + a[2:]:
        part = [v & 0x7F]
        v >>= 7
        while v:
            part.insert(0, 0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(part)
    return N(0x06, None, out)


def seq(*kids):
    return N(0x30, list(kids))


OID = {
    "data": "1.2.840.113549.1.7.1", "signedData": "1.2.840.113549.1.7.2", "envelopedData": "1.2.840.113549.1.7.3",
    "gmtData": "1.2.156.10197.6.1.4.2.1", "gmtSigned": "1.2.156.10197.6.1.4.2.2", "gmtEnveloped": "1.2.156.10197.6.1.4.2.3",
    "contentType": "1.2.840.113549.1.9.3", "messageDigest": "1.2.840.113549.1.9.4", "signingTime": "1.2.840.113549.1.9.5",
    "md5": "1.2.840.113549.2.5", "sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1", "sm3": "1.2.156.10197.1.401",
    "rsa": "1.2.840.113549.1.1.1", "sha1WithRSA": "1.2.840.113549.1.1.5", "md5WithRSA": "1.2.840.113549.1.1.4",
    "sha256WithRSA": "1.2.840.113549.1.1.11", "ecdsaSha256": "1.2.840.10045.4.3.2", "sm2sm3": "1.2.156.10197.1.501",
    "ed25519": "1.3.101.112", "bogus": "1.2.3.4.5.6.7",
}

# ---- running cases ---------------------------------------------------------------------------------------

W = tempfile.mkdtemp(prefix="sb-malformed.")
atexit.register(shutil.rmtree, W, True)
results = {"pass": 0, "fail": 0}
seen_inputs = {}


SLOWX = 10 if os.environ.get("SB_TEST_SLOW") else 1   # SB_TEST_SLOW: every sigbridge run under valgrind


def run(argv, timeout=20):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout * SLOWX)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def must(argv, what):
    rc, out, err = run(argv)
    if rc != 0:
        sys.exit(f"malformed.py: cannot make {what}: {' '.join(argv)}: {err[:400]}")
    return out


def outcome(out):
    """(code, message) from the --json output: reason (null → OK) or error.code."""
    try:
        d = json.loads(out)
    except ValueError:
        return "<no-json>", out[:200]
    if "error" in d:
        return d["error"].get("code"), d["error"].get("message", "")
    return d.get("reason") or "OK", d.get("message", "")


def check(name, argv, want_exit, want_code, want_msg):
    if ONLY is not None and ONLY not in name:
        return
    rc, out, err = run(argv)
    code, msg = outcome(out)
    ok = rc == want_exit and code == want_code and re.search(want_msg, msg or "") is not None
    results["pass" if ok else "fail"] += 1
    if not ok:
        print(f"FAIL {name}: exit {rc} {code} '{(msg or '')[:300]}' (want exit {want_exit} {want_code} /{want_msg}/)")
    elif VERBOSE:
        print(f"ok   {name}: exit {rc} {code}: {(msg or '')[:160]}")


def write(name, data):
    """Write one case's input; two cases of one kind (the prefix of name) may not share an input."""
    path = os.path.join(W, re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    with open(path, "wb") as f:
        f.write(data)
    key = (name.split("-", 1)[0], data)
    prev = seen_inputs.get(key)
    if prev is not None and prev != name:
        sys.exit(f"malformed.py: cases '{prev}' and '{name}' have the same input (the table must be distinct)")
    seen_inputs[key] = name
    return path


def jur_args(j):
    return ["--anchor", f"{PKI}/{j}/root.pem", "--untrusted", f"{PKI}/{j}/int.pem"]


def cert_case(name, data, want_exit, want_code, want_msg, extra=()):
    """sigbridge chain on a malformed certificate file (HK anchors)."""
    path = write("cert-" + name, data)
    check("cert: " + name, [BIN, "chain", "--json", *jur_args("hk"), *extra, path], want_exit, want_code, want_msg)


def crl_case(name, data, want_exit, want_code, want_msg, extra=()):
    """sigbridge chain --crl on a malformed CRL (the HK leaf, revocation required)."""
    path = write("crl-" + name, data)
    check("crl: " + name, [BIN, "chain", "--json", *jur_args("hk"), "--revocation", "require", "--crl", path, *extra,
                           f"{PKI}/hk/leaf.pem"], want_exit, want_code, want_msg)


def cms_case(name, data, want_exit, want_code, want_msg, jur="hk", extra=()):
    """sigbridge verify on a malformed CMS / PKCS#7 / GM/T 0010 object."""
    path = write("cms-" + name, data)
    check("cms: " + name, [BIN, "verify", "--json", *jur_args(jur), *extra, path], want_exit, want_code, want_msg)


# ---- good objects ----------------------------------------------------------------------------------------

def pem_to_der(path, kind="x509"):
    return subprocess.run(["openssl", kind, "-in", path, "-outform", "DER"], stdout=subprocess.PIPE,
                          check=True).stdout


def pem(label, der):
    import base64
    b = base64.b64encode(der).decode()
    return ("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(b[i:i + 64] for i in range(0, len(b), 64)),
                                                           label)).encode()


def sign_tbs(tbs_der, key, md="-sha256"):
    t = os.path.join(W, "tbs.bin")
    with open(t, "wb") as f:
        f.write(tbs_der)
    return subprocess.run(["openssl", "dgst", md, "-sign", key, t], stdout=subprocess.PIPE, check=True).stdout


def resign_cert(cert, key):
    """cert (tree) with its signature recomputed over its (edited) tbsCertificate, RSA/SHA-256."""
    c = cert.copy()
    c.kids[2] = N(0x03, None, b"\x00" + sign_tbs(enc(c[0]), key))
    return enc(c)


doc = os.path.join(W, "doc.txt")
with open(doc, "wb") as f:
    f.write(DOC)

LEAF_DER = open(f"{PKI}/hk/leaf.der", "rb").read()
LEAF_PEM = open(f"{PKI}/hk/leaf.pem", "rb").read()
CRL_PEM = open(f"{PKI}/hk/int.crl", "rb").read()
CRL_DER = pem_to_der(f"{PKI}/hk/int.crl", "crl")
INT_KEY = f"{PKI}/hk/int.key"


def sb_sign(jur, leaf, *opts):
    out = os.path.join(W, "signed.der")
    must(["sh", "-c", f"'{BIN}' sign --key '{PKI}/{jur}/{leaf}.key' --cert '{PKI}/{jur}/{leaf}.pem' "
                      f"--chain '{PKI}/{jur}/chain.pem' {' '.join(opts)} '{doc}' >'{out}'"], "sigbridge sign")
    return open(out, "rb").read()


def ossl_sign(*opts):
    out = os.path.join(W, "ossl.out")
    must(["openssl", "cms", "-sign", "-in", doc, "-signer", f"{PKI}/hk/leaf.pem", "-inkey",
          f"{PKI}/hk/leaf.key", "-certfile", f"{PKI}/hk/chain.pem", "-out", out, *opts], "openssl cms -sign")
    return open(out, "rb").read()


HK_CMS = sb_sign("hk", "leaf", "--format", "cms")
CN_GMT = sb_sign("cn", "leaf", "--format", "gmt0010")
CN_GMT_DET = sb_sign("cn", "leaf", "--format", "gmt0010", "--detached")
OSSL_PEM = ossl_sign("-binary", "-nodetach", "-outform", "PEM")
OSSL_SMIME = ossl_sign("-outform", "SMIME")   # text mode: the multipart content is canonicalised (CRLF)
OSSL_BER = ossl_sign("-binary", "-nodetach", "-stream", "-outform", "DER")

# sanity: the good objects pass, so every failure below is caused by the edit
for name, data, jur, extra in (("hk cms", HK_CMS, "hk", ()), ("cn gmt0010", CN_GMT, "cn", ()),
                               ("openssl PEM", OSSL_PEM, "hk", ()), ("openssl S/MIME", OSSL_SMIME, "hk", ()),
                               ("openssl BER", OSSL_BER, "hk", ()), ("cn gmt0010 detached", CN_GMT_DET, "cn",
                                                                      ("--data", doc))):
    p = os.path.join(W, "good.bin")
    open(p, "wb").write(data)
    rc, out, err = run([BIN, "verify", "--json", *jur_args(jur), *extra, p])
    if rc != 0:
        sys.exit(f"malformed.py: the good object '{name}' does not verify (exit {rc}): {out[:300]} {err[:300]}")


def offsets(n, count):
    """count distinct truncation lengths spread over 1..n-1, dense at both ends."""
    s = set([1, 2, 3, 4, 5, 8, 16, n - 1, n - 2, n - 3, n - 8])
    step = max(1, n // count)
    s.update(range(20, n - 1, step))
    return sorted(x for x in s if 0 < x < n)[:count]


# ======================================== certificates ======================================================
M_TRUNC = r"DER certificate 1 is truncated or malformed"

for k in offsets(len(LEAF_DER), 24):
    cert_case(f"DER truncated to {k} bytes", LEAF_DER[:k], 2, "INPUT_MALFORMED", M_TRUNC)

for b in (0x31, 0x10, 0xA0, 0x00, 0xFF, 0x02):
    cert_case(f"first byte 0x30 -> 0x{b:02x}", bytes([b]) + LEAF_DER[1:], 2, "INPUT_MALFORMED",
              r"not PEM or DER \(byte 0 is 0x%02x, not a SEQUENCE\)" % b)

C = tree(LEAF_DER)
TBS = C[0]
tag_flips = [
    ("tbsCertificate SEQUENCE -> SET", lambda c: setattr(c[0], "tag", b"\x31")),
    ("version [0] -> [1]", lambda c: setattr(c[0][0], "tag", b"\xa1")),
    ("serialNumber INTEGER -> OCTET STRING", lambda c: setattr(c[0][1], "tag", b"\x04")),
    ("signature AlgorithmIdentifier SEQUENCE -> SET", lambda c: setattr(c[0][2], "tag", b"\x31")),
    ("issuer Name SEQUENCE -> SET", lambda c: setattr(c[0][3], "tag", b"\x31")),
    ("validity SEQUENCE -> SET", lambda c: setattr(c[0][4], "tag", b"\x31")),
    ("notBefore UTCTime -> OCTET STRING", lambda c: setattr(c[0][4][0], "tag", b"\x04")),
    ("subjectPublicKeyInfo SEQUENCE -> SET", lambda c: setattr(c[0][6], "tag", b"\x31")),
    ("extensions [3] -> [2]", lambda c: setattr(c[0][7], "tag", b"\xa2")),
    ("outer signatureAlgorithm SEQUENCE -> NULL", lambda c: setattr(c[1], "tag", b"\x05")),
    ("signatureValue BIT STRING -> OCTET STRING", lambda c: setattr(c[2], "tag", b"\x04")),
    ("tbsCertificate removed", lambda c: c.kids.pop(0)),
    ("signatureValue removed", lambda c: c.kids.pop(2)),
    ("extra element after signatureValue", lambda c: c.kids.append(N(0x05))),
    ("subjectPublicKey BIT STRING -> INTEGER", lambda c: setattr(c[0][6][1], "tag", b"\x02")),
    ("AttributeTypeAndValue type OID -> INTEGER", lambda c: setattr(c[0][5][0][0][0], "tag", b"\x02")),
]
for name, edit in tag_flips:
    c = C.copy()
    edit(c)
    cert_case(name, enc(c), 2, "INPUT_MALFORMED", M_TRUNC)

# length fields: the outer SEQUENCE header is 30 82 hh ll
n = len(LEAF_DER) - 4
for delta in (1, 2, 100, 0x7FFF - n):
    cert_case(f"outer length +{delta}", b"\x30\x82" + (n + delta).to_bytes(2, "big") + LEAF_DER[4:], 2,
              "INPUT_MALFORMED", M_TRUNC)
cert_case("outer length 0x84 0x7fffffff", b"\x30\x84\x7f\xff\xff\xff" + LEAF_DER[4:], 2, "INPUT_MALFORMED", M_TRUNC)
cert_case("outer length 0x88 ff*8", b"\x30\x88" + b"\xff" * 8 + LEAF_DER[4:], 2, "INPUT_MALFORMED", M_TRUNC)
cert_case("outer length 0x80|0x7f octets", b"\x30\xff" + LEAF_DER[4:], 2, "INPUT_MALFORMED", M_TRUNC)
for delta in (1, 7):
    cert_case(f"outer length -{delta}", b"\x30\x82" + (n - delta).to_bytes(2, "big") + LEAF_DER[4:], 2,
              "INPUT_MALFORMED", M_TRUNC)
tbs_der = enc(TBS)
cert_case("tbsCertificate length +1", LEAF_DER[:4] + b"\x30\x82" + (len(tbs_der) - 4 + 1).to_bytes(2, "big")
          + LEAF_DER[8:], 2, "INPUT_MALFORMED", M_TRUNC)

cert_case("trailing zero byte", LEAF_DER + b"\x00", 2, "INPUT_MALFORMED",
          r"not PEM or DER \(byte %d is 0x00, not a SEQUENCE\)" % len(LEAF_DER))
cert_case("trailing empty SEQUENCE", LEAF_DER + b"\x30\x00", 2, "INPUT_MALFORMED",
          r"DER certificate 2 is truncated or malformed")
cert_case("trailing half certificate", LEAF_DER + LEAF_DER[:500], 2, "INPUT_MALFORMED",
          r"DER certificate 2 is truncated or malformed")
cert_case("empty file", b"", 2, "INPUT_MALFORMED", r"empty input")
cert_case("only white space", b" \n\t\n", 2, "INPUT_MALFORMED", r"byte 0 is 0x20")
cert_case("1001 DER certificates", LEAF_DER * 1001, 2, "INPUT_TOO_LARGE", r"more than 1000 objects")
cert_case("1001 PEM certificates", LEAF_PEM * 1001, 2, "INPUT_TOO_LARGE", r"more than 1000 objects")
cert_case("nesting bomb: 100000 nested SEQUENCEs", b"".join([b"\x30\x84" + (6 * (100000 - i - 1)).to_bytes(4, "big")
                                                              for i in range(100000)]), 2, "INPUT_MALFORMED", M_TRUNC)

# PEM
body = LEAF_PEM.split(b"\n")
M_DAMAGED = r"PEM block 1 is damaged \(bad base64 or truncated\)"
for i, ch in ((1, b"!"), (5, b"*"), (10, b"\x00"), (3, b"-")):
    lines = list(body)
    lines[i] = lines[i][:10] + ch + lines[i][11:]
    cert_case(f"PEM base64 line {i} char 10 -> {ch!r}", b"\n".join(lines), 2, "INPUT_MALFORMED", M_DAMAGED)
cert_case("PEM END line missing", b"\n".join(body[:-2]) + b"\n", 2, "INPUT_MALFORMED", M_DAMAGED)
cert_case("PEM END label differs", LEAF_PEM.replace(b"END CERTIFICATE", b"END X509 CRL"), 2, "INPUT_MALFORMED",
          M_DAMAGED)
cert_case("PEM body cut in the middle", LEAF_PEM[:len(LEAF_PEM) // 2] + b"\n-----END CERTIFICATE-----\n", 2,
          "INPUT_MALFORMED", M_DAMAGED + r".*bad base64 decode")
for label in (b"PRIVATE KEY", b"X509 CRL", b"PKCS7", b"CERTIFICATE REQUEST", b"CMS", b"certificate"):
    cert_case(f"PEM label {label.decode()}", LEAF_PEM.replace(b"CERTIFICATE", label), 2, "INPUT_MALFORMED",
              r"PEM input holds no certificate")
cert_case("PEM CERTIFICATE holding a CRL", pem("CERTIFICATE", CRL_DER), 2, "INPUT_MALFORMED",
          r"PEM block 1 \(CERTIFICATE\) does not hold a valid DER certificate")
cert_case("PEM CERTIFICATE holding a truncated certificate", pem("CERTIFICATE", LEAF_DER[:700]), 2,
          "INPUT_MALFORMED", r"PEM block 1 \(CERTIFICATE\) does not hold a valid DER certificate")
cert_case("PEM CERTIFICATE with trailing DER bytes", pem("CERTIFICATE", LEAF_DER + b"\x05\x00"), 2,
          "INPUT_MALFORMED", r"PEM block 1 \(CERTIFICATE\) does not hold a valid DER certificate")
cert_case("PEM second block damaged", LEAF_PEM + LEAF_PEM.replace(b"\nMII", b"\nM!I", 1), 2, "INPUT_MALFORMED",
          r"PEM block 2 is damaged")
cert_case("PEM empty body", b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", 2, "INPUT_MALFORMED",
          M_DAMAGED)
cert_case("PEM only a BEGIN line", b"-----BEGIN CERTIFICATE-----\n", 2, "INPUT_MALFORMED", M_DAMAGED)

# parse, then fail validation: signature, algorithm OID swaps, profile violations (re-signed by the CA)
HK = jur_args("hk")
c = C.copy()
c.kids[2].val = c.kids[2].val[:-1] + bytes([c.kids[2].val[-1] ^ 1])
cert_case("signature value bit flipped", enc(c), 1, "SIG_CRYPTO", r"certificate signature does not verify with the issuer key.*invalid padding")
M_BADSIG = r"certificate signature does not verify with the issuer key"
for name, alg, want in (("sha1WithRSA", "sha1WithRSA", ("SIG_CRYPTO", 1, M_BADSIG + r".*bad signature")),
                        ("md5WithRSA", "md5WithRSA", ("SIG_CRYPTO", 1, M_BADSIG + r".*bad signature")),
                        ("ecdsa-with-SHA256", "ecdsaSha256", ("SIG_CRYPTO", 1, M_BADSIG)),
                        ("sm2-with-sm3", "sm2sm3", ("SIG_CRYPTO", 1, r"SM2 signature but the issuer key is not an SM2 key")),
                        ("unknown OID", "bogus", ("SIG_CRYPTO", 1, M_BADSIG + r".*unknown signature algorithm"))):
    c = C.copy()
    c[0][2][0] = oid(OID[alg])
    c[1][0] = oid(OID[alg])
    cert_case(f"signature OID (both) -> {name}", enc(c), want[1], want[0], want[2])
for name, alg, md in (("SHA-1", "sha1WithRSA", "-sha1"), ("MD5", "md5WithRSA", "-md5")):
    c = C.copy()
    c[0][2][0] = oid(OID[alg])
    c[1][0] = oid(OID[alg])
    c.kids[2] = N(0x03, None, b"\x00" + sign_tbs(enc(c[0]), INT_KEY, md))
    cert_case(f"re-signed by the CA with {name}", enc(c), 3, "WEAK_ALGORITHM", name + r" signature \(%s" % (
        "sha1WithRSAEncryption" if md == "-sha1" else "md5WithRSAEncryption") + r"\) not allowed")
c = C.copy()
c[1][0] = oid(OID["sha1WithRSA"])
cert_case("outer signature OID only -> sha1WithRSA", enc(c), 1, "SIG_CRYPTO", r"differ|mismatch|inner")


def resigned(edit):
    c = C.copy()
    edit(c[0])
    return resign_cert(c, INT_KEY)


def ext_index(tbs, dotted):
    want = enc(oid(dotted))
    for i, e in enumerate(tbs[7][0].kids):
        if enc(e[0]) == want:
            return i
    raise KeyError(dotted)


def set_validity(tbs, nb, na):
    tbs[4].kids = [N(0x17, None, nb), N(0x17, None, na)]


cert_case("re-signed: unknown critical extension", resigned(
    lambda t: t[7][0].kids.append(seq(oid("1.2.3.4.5"), N(0x01, None, b"\xff"), N(0x04, None, b"\x05\x00")))),
    3, "UNKNOWN_CRITICAL_EXT", r"1\.2\.3\.4\.5")
cert_case("re-signed: duplicate keyUsage extension", resigned(
    lambda t: t[7][0].kids.append(t[7][0][ext_index(t, "2.5.29.15")].copy())), 3, "CERT_MALFORMED",
    r"certificate 0 .* has an extension that cannot be decoded")
cert_case("re-signed: notBefore after notAfter", resigned(
    lambda t: set_validity(t, b"340101000000Z", b"240101000000Z")), 3, "CERT_NOT_YET_VALID",
    r"certificate 0 .* is not valid before 2034-01-01T00:00:00Z")
cert_case("re-signed: UTCTime without seconds", resigned(
    lambda t: set_validity(t, b"2401010000Z", b"340101000000Z")), 3, "CERT_MALFORMED",
    r"has a validity time outside the RFC 5280 profile")
cert_case("re-signed: UTCTime month 13", resigned(
    lambda t: set_validity(t, b"241301000000Z", b"340101000000Z")), 3, "CERT_MALFORMED",
    r"has an unreadable validity period")
cert_case("re-signed: issuer name changed", resigned(
    lambda t: setattr(t[3][-1][0][1], "val", b"Someone Else CA")), 3, "CHAIN_NO_ANCHOR",
    r"no path from the certificate to a trusted anchor")
cert_case("re-signed: second basicConstraints (CA:TRUE)", resigned(
    lambda t: t[7][0].kids.append(seq(oid("2.5.29.19"), N(0x01, None, b"\xff"), N(0x04, None, enc(seq(N(0x01, None,
                                                                                                         b"\xff"))))))),
    3, "CERT_MALFORMED", r"certificate 0 .* has an extension that cannot be decoded")
cert_case("re-signed: version v1 with extensions", resigned(
    lambda t: setattr(t[0][0], "val", b"\x00")), 3, "CERT_MALFORMED", r"carries extensions but is not version 3")
cert_case("re-signed: zero-length serial", resigned(
    lambda t: setattr(t[1], "val", b"")), 2, "INPUT_MALFORMED", M_TRUNC)
cert_case("re-signed: 21-octet serial", resigned(
    lambda t: setattr(t[1], "val", b"\x01" * 21)), 3, "CERT_MALFORMED", r"serial number longer than 20 octets")

# ============================================= CRLs ==========================================================
M_CRL_TRUNC = r"DER CRL 1 is truncated or malformed"
for k in offsets(len(CRL_DER), 14):
    crl_case(f"DER truncated to {k} bytes", CRL_DER[:k], 2, "INPUT_MALFORMED", M_CRL_TRUNC)
CR = tree(CRL_DER)
for name, edit in (("tbsCertList SEQUENCE -> SET", lambda c: setattr(c[0], "tag", b"\x31")),
                   ("thisUpdate UTCTime -> INTEGER", lambda c: setattr(c[0][3], "tag", b"\x02")),
                   ("signatureValue BIT STRING -> OCTET STRING", lambda c: setattr(c[2], "tag", b"\x04")),
                   ("issuer removed", lambda c: c[0].kids.pop(2)),
                   ("extra element after signatureValue", lambda c: c.kids.append(N(0x05)))):
    c = CR.copy()
    edit(c)
    crl_case(name, enc(c), 2, "INPUT_MALFORMED", M_CRL_TRUNC)
crl_case("first byte 0x30 -> 0x31", b"\x31" + CRL_DER[1:], 2, "INPUT_MALFORMED", r"byte 0 is 0x31")
crl_case("outer length +1", CRL_DER[:2] + bytes([CRL_DER[2]]) + bytes([CRL_DER[3] + 1]) + CRL_DER[4:], 2,
         "INPUT_MALFORMED", M_CRL_TRUNC)
crl_case("trailing zero byte", CRL_DER + b"\x00", 2, "INPUT_MALFORMED", r"byte %d is 0x00" % len(CRL_DER))
crl_case("1001 CRLs", CRL_DER * 1001, 2, "INPUT_TOO_LARGE", r"more than 1000 objects")
crl_case("PEM label CERTIFICATE", CRL_PEM.replace(b"X509 CRL", b"CERTIFICATE"), 2, "INPUT_MALFORMED",
         r"PEM input holds no CRL")
crl_case("PEM X509 CRL holding a certificate", pem("X509 CRL", LEAF_DER), 2, "INPUT_MALFORMED",
         r"PEM block 1 \(X509 CRL\) does not hold a valid DER CRL")
lines = CRL_PEM.split(b"\n")
lines[2] = lines[2][:5] + b"%" + lines[2][6:]
crl_case("PEM bad base64", b"\n".join(lines), 2, "INPUT_MALFORMED", r"PEM block 1 is damaged")
crl_case("empty file", b"", 2, "INPUT_MALFORMED", r"empty input")
c = CR.copy()
c.kids[2].val = c.kids[2].val[:-1] + bytes([c.kids[2].val[-1] ^ 0x80])
crl_case("signature bit flipped (CRL unusable)", enc(c), 3, "REVOCATION_UNAVAILABLE", r"no usable current CRL")
c = CR.copy()
c[0][2][-1][0][1].val = b"Nobody CA"
crl_case("issuer name changed (no CRL from the issuer)", enc(c), 3, "REVOCATION_UNAVAILABLE", r"no CRL from issuer")

# ========================================== CMS (PKCS#7 OIDs) ================================================
M_CI = r"ContentInfo: bad DER header or length past the end"
for k in offsets(len(HK_CMS), 24):
    cms_case(f"DER truncated to {k} bytes", HK_CMS[:k], 2, "INPUT_MALFORMED", M_CI)

T = tree(HK_CMS)


def cms_edit(name, edit, want_exit, want_code, want_msg, base=T, jur="hk", extra=()):
    t = base.copy()
    edit(t)
    cms_case(name, enc(t), want_exit, want_code, want_msg, jur=jur, extra=extra)


def sd(t):
    return t[1][0]


def si(t, i=0):
    return sd(t)[-1][i]


def attrs(t):
    return si(t)[3]


def attr_index(t, name):
    want = enc(oid(OID[name]))
    for i, a in enumerate(attrs(t).kids):
        if enc(a[0]) == want:
            return i
    raise KeyError(name)


def attr(t, name):
    return attrs(t)[attr_index(t, name)]


def add_certs(t, n):
    c = sd(t)[3]
    c.kids = (c.kids * ((n // len(c.kids)) + 1))[:n]


for name, o, code, exitc, msg in (("envelopedData", "envelopedData", "FORMAT", 1, r"is not signedData"),
                                  ("data", "data", "FORMAT", 1, r"is not signedData"),
                                  ("GM/T envelopedData", "gmtEnveloped", "FORMAT", 1, r"is not signedData"),
                                  ("unknown 1.2.3.4.5.6.7", "bogus", "FORMAT", 1, r"1\.2\.3\.4\.5\.6\.7 is not signedData")):
    cms_edit(f"outer contentType -> {name}", lambda t, o=o: t.kids.__setitem__(0, oid(OID[o])), exitc, code, msg)
cms_edit("outer contentType with a bad OID encoding", lambda t: setattr(t[0], "val", b"\x2a\x86"), 2, "INPUT_MALFORMED",
         r"malformed OBJECT IDENTIFIER")
cms_edit("outer contentType empty OID", lambda t: setattr(t[0], "val", b""), 2, "INPUT_MALFORMED",
         r"not an OBJECT IDENTIFIER")
cms_edit("outer contentType OID -> INTEGER", lambda t: setattr(t[0], "tag", b"\x02"), 2, "INPUT_MALFORMED",
         r"contentType: expected universal tag 6")
cms_edit("ContentInfo SEQUENCE -> SET", lambda t: setattr(t, "tag", b"\x31"), 2, "INPUT_MALFORMED",
         r"CMS: input is not DER, PEM or S/MIME")
cms_edit("content [0] -> [1]", lambda t: setattr(t[1], "tag", b"\xa1"), 1, "FORMAT",
         r"ContentInfo content: expected context tag 0")
cms_edit("content [0] missing", lambda t: t.kids.pop(1), 1, "FORMAT", r"ContentInfo content: missing")
cms_edit("extra element in ContentInfo", lambda t: t.kids.append(N(0x05)), 1, "FORMAT",
         r"ContentInfo: 2 unexpected trailing bytes")
cms_edit("SignedData SEQUENCE -> SET", lambda t: setattr(sd(t), "tag", b"\x31"), 1, "FORMAT",
         r"SignedData: expected universal tag 16")
cms_edit("second element inside [0]", lambda t: t[1].kids.append(N(0x05)), 1, "FORMAT",
         r"ContentInfo content: 2 unexpected trailing bytes")
cms_edit("SignedData version INTEGER -> OCTET STRING", lambda t: setattr(sd(t)[0], "tag", b"\x04"), 1, "FORMAT",
         r"SignedData version: expected universal tag 2")
cms_edit("digestAlgorithms SET -> SEQUENCE", lambda t: setattr(sd(t)[1], "tag", b"\x30"), 1, "FORMAT",
         r"digestAlgorithms: expected universal tag 17")
cms_edit("encapContentInfo SEQUENCE -> SET", lambda t: setattr(sd(t)[2], "tag", b"\x31"), 1, "FORMAT",
         r"encapContentInfo: expected universal tag 16")
cms_edit("eContentType removed", lambda t: sd(t)[2].kids.pop(0), 1, "FORMAT",
         r"eContentType: expected universal tag 6 \(primitive\), found context tag 0")
cms_edit("eContent [0] -> [1]", lambda t: setattr(sd(t)[2][1], "tag", b"\xa1"), 1, "FORMAT",
         r"eContent: expected context tag 0 \(constructed\), found context tag 1")
cms_edit("eContent as constructed OCTET STRING", lambda t: sd(t)[2][1].kids.__setitem__(
    0, N(0x24, [N(0x04, None, DOC[:10]), N(0x04, None, DOC[10:])])), 1, "FORMAT",
    r"eContent is a constructed OCTET STRING")
cms_edit("eContent modified", lambda t: setattr(sd(t)[2][1][0], "val", DOC.upper()), 1, "HASH_MISMATCH",
         r"message-digest attribute does not match")
cms_edit("eContentType -> 1.2.3.4.5.6.7", lambda t: sd(t)[2].kids.__setitem__(0, oid(OID["bogus"])), 1, "FORMAT",
         r"content-type attribute 1\.2\.840\.113549\.1\.7\.1 differs from eContentType 1\.2\.3\.4\.5\.6\.7")
cms_edit("certificates [0] primitive", lambda t: setattr(sd(t)[3], "tag", b"\x80"), 1, "FORMAT",
         r"certificates: expected context tag 0 \(constructed\)")
cms_edit("first certificate truncated inside the set", lambda t: setattr(sd(t)[3], "kids", [
    N(0x30, None, enc(sd(t)[3][0])[4:300])] + sd(t)[3].kids[1:]), 1, "FORMAT",
    r"certificate 1 in the SignedData cannot be decoded")
cms_edit("certificate replaced by a 40-level SEQUENCE bomb", lambda t: sd(t)[3].kids.insert(0, tree(
    b"".join(b"\x30" + bytes([2 * (40 - i - 1)]) for i in range(40)))), 1, "FORMAT",
    r"certificate 1 in the SignedData cannot be decoded")
cms_edit("257 certificates", lambda t: add_certs(t, 257), 1, "FORMAT", r"more than 256 certificates")
cms_edit("crls [1] with a broken CRL", lambda t: sd(t).kids.insert(4, N(0xA1, [N(0x30, None, CRL_DER[4:200])])),
         1, "FORMAT", r"CRL 1 in the SignedData cannot be decoded")
cms_edit("crls [1] with 257 CRLs", lambda t: sd(t).kids.insert(4, N(0xA1, [tree(CRL_DER)] * 257)), 1, "FORMAT",
         r"more than 256 CRLs")
cms_edit("signerInfos SET -> SEQUENCE", lambda t: setattr(sd(t)[-1], "tag", b"\x30"), 1, "FORMAT",
         r"signerInfos: expected universal tag 17")
cms_edit("signerInfos empty", lambda t: setattr(sd(t)[-1], "kids", []), 1, "FORMAT", r"has no SignerInfo")
cms_edit("signerInfos removed", lambda t: sd(t).kids.pop(), 1, "FORMAT", r"signerInfos: missing \(no bytes left\)")
cms_edit("65 SignerInfos", lambda t: setattr(sd(t)[-1], "kids", sd(t)[-1].kids * 65), 1, "FORMAT",
         r"more than 64 SignerInfos")
cms_edit("element after signerInfos", lambda t: sd(t).kids.append(N(0x05)), 1, "FORMAT",
         r"SignedData: 2 unexpected trailing bytes")
cms_edit("SignerInfo SEQUENCE -> SET", lambda t: setattr(si(t), "tag", b"\x31"), 1, "FORMAT",
         r"SignerInfo 1 is not a SEQUENCE")
cms_edit("second SignerInfo is a NULL", lambda t: sd(t)[-1].kids.append(N(0x05)), 1, "FORMAT",
         r"SignerInfo 2 is not a SEQUENCE")
cms_edit("SignerInfo version removed", lambda t: si(t).kids.pop(0), 1, "FORMAT",
         r"SignerInfo version: expected universal tag 2")
cms_edit("sid -> NULL", lambda t: si(t).kids.__setitem__(1, N(0x05)), 1, "FORMAT",
         r"sid is neither issuerAndSerialNumber nor subjectKeyIdentifier")
cms_edit("sid -> empty [0] keyid", lambda t: si(t).kids.__setitem__(1, N(0x80)), 1, "FORMAT",
         r"sid is neither")
cms_edit("issuerAndSerialNumber serial -> OCTET STRING", lambda t: setattr(si(t)[1][1], "tag", b"\x04"), 1,
         "FORMAT", r"issuerAndSerialNumber serialNumber: expected universal tag 2")
cms_edit("issuerAndSerialNumber extra element", lambda t: si(t)[1].kids.append(N(0x05)), 1, "FORMAT",
         r"issuerAndSerialNumber: 2 unexpected trailing bytes")
cms_edit("issuer Name holding an INTEGER", lambda t: si(t)[1].kids.__setitem__(0, seq(N(0x02, None, b"\x01"))), 1,
         "FORMAT", r"issuerAndSerialNumber cannot be decoded")
cms_edit("digestAlgorithm SEQUENCE -> SET", lambda t: setattr(si(t)[2], "tag", b"\x31"), 1, "FORMAT",
         r"digestAlgorithm: expected universal tag 16")
cms_edit("signedAttrs [0] primitive", lambda t: setattr(attrs(t), "tag", b"\x80"), 1, "FORMAT",
         r"signedAttrs: expected context tag 0 \(constructed\), found context tag 0 \(primitive\)")
cms_edit("65 signed attributes", lambda t: attrs(t).kids.extend(
    seq(oid(f"1.2.3.4.{i}"), N(0x31, [N(0x05)])) for i in range(65 - len(attrs(t).kids))), 1, "FORMAT",
    r"SignerInfo 1: more than 64 signed attributes")
cms_edit("64 signed attributes (the limit) with unknown types", lambda t: attrs(t).kids.extend(
    seq(oid(f"1.2.3.4.{i}"), N(0x31, [N(0x05)])) for i in range(64 - len(attrs(t).kids))), 1, "SIG_CRYPTO",
    r"RSA signature value does not verify")
cms_edit("Attribute SEQUENCE -> SET", lambda t: setattr(attrs(t)[0], "tag", b"\x31"), 1, "FORMAT",
         r"Attribute: expected universal tag 16")
cms_edit("Attribute without values", lambda t: attrs(t)[0].kids.pop(1), 1, "FORMAT", r"attrValues: missing")
cms_edit("Attribute with a trailing element", lambda t: attrs(t)[0].kids.append(N(0x05)), 1, "FORMAT",
         r"Attribute: 2 unexpected trailing bytes")
cms_edit("content-type attribute twice", lambda t: attrs(t).kids.append(attr(t, "contentType").copy()), 1, "FORMAT",
         r"content-type attribute given twice")
cms_edit("message-digest attribute twice", lambda t: attrs(t).kids.append(attr(t, "messageDigest").copy()), 1,
         "FORMAT", r"message-digest attribute given twice")
cms_edit("signing-time attribute twice", lambda t: attrs(t).kids.append(attr(t, "signingTime").copy()), 1,
         "FORMAT", r"signing-time attribute given twice")
cms_edit("content-type with two values", lambda t: attr(t, "contentType")[1].kids.append(oid(OID["data"])), 1,
         "FORMAT", r"content-type attribute has more than one value")
cms_edit("content-type with no value", lambda t: setattr(attr(t, "contentType")[1], "kids", []), 1, "FORMAT",
         r"content-type: missing")
cms_edit("content-type value INTEGER", lambda t: attr(t, "contentType")[1].kids.__setitem__(0, N(0x02, None, b"\x01")),
         1, "FORMAT", r"content-type value is not an OID")
cms_edit("content-type value -> signedData", lambda t: attr(t, "contentType")[1].kids.__setitem__(
    0, oid(OID["signedData"])), 1, "FORMAT", r"content-type attribute 1\.2\.840\.113549\.1\.7\.2 differs")
cms_edit("message-digest value INTEGER", lambda t: setattr(attr(t, "messageDigest")[1][0], "tag", b"\x02"), 1,
         "FORMAT", r"message-digest value is not an OCTET STRING")
cms_edit("message-digest value bit flipped", lambda t: setattr(attr(t, "messageDigest")[1][0], "val", bytes(
    [attr(t, "messageDigest")[1][0].val[0] ^ 1]) + attr(t, "messageDigest")[1][0].val[1:]), 1, "HASH_MISMATCH",
    r"message-digest attribute does not match the SHA256 of the content|message-digest attribute does not match")
cms_edit("message-digest value truncated", lambda t: setattr(attr(t, "messageDigest")[1][0], "val", attr(
    t, "messageDigest")[1][0].val[:20]), 1, "HASH_MISMATCH", r"message-digest attribute does not match")
cms_edit("signing-time value OCTET STRING", lambda t: setattr(attr(t, "signingTime")[1][0], "tag", b"\x04"), 1,
         "FORMAT", r"signing-time value is not a time")
cms_edit("signing-time 'ZZ'", lambda t: setattr(attr(t, "signingTime")[1][0], "val", b"ZZ"), 1, "FORMAT",
         r"signing-time attribute is not a valid time")
cms_edit("signing-time month 13", lambda t: setattr(attr(t, "signingTime")[1][0], "val", b"251301000000Z"), 1,
         "FORMAT", r"signing-time attribute is not a valid time")
cms_edit("content-type attribute removed", lambda t: attrs(t).kids.pop(attr_index(t, "contentType")), 1, "FORMAT",
         r"signed attributes lack the content-type attribute")
cms_edit("message-digest attribute removed", lambda t: attrs(t).kids.pop(attr_index(t, "messageDigest")), 1,
         "FORMAT", r"signed attributes lack the message-digest attribute")
cms_edit("signatureAlgorithm removed", lambda t: si(t).kids.pop(4), 1, "FORMAT",
         r"signatureAlgorithm: expected universal tag 16")
cms_edit("signature OCTET STRING -> BIT STRING", lambda t: setattr(si(t)[5], "tag", b"\x03"), 1, "FORMAT",
         r"signature: expected universal tag 4")
cms_edit("signature bit flipped", lambda t: setattr(si(t)[5], "val", si(t)[5].val[:-1] + bytes(
    [si(t)[5].val[-1] ^ 1])), 1, "SIG_CRYPTO", r"RSA signature value does not verify with the signer's key")
cms_edit("signature empty", lambda t: setattr(si(t)[5], "val", b""), 1, "SIG_CRYPTO", r"wrong signature length")
cms_edit("unsignedAttrs [1] primitive", lambda t: si(t).kids.append(N(0x81, None, b"x")), 1, "FORMAT",
         r"unsignedAttrs: expected context tag 1 \(constructed\)")
cms_edit("element after the signature", lambda t: si(t).kids.append(N(0x05)), 1, "FORMAT",
         r"SignerInfo: 2 unexpected trailing bytes")
for name, alg, code, exitc, msg in (("md5", "md5", "WEAK_ALGORITHM", 3, r"digest algorithm MD5 is not allowed"),
                                    ("sha1", "sha1", "WEAK_ALGORITHM", 3, r"digest algorithm SHA1 is not allowed"),
                                    ("sm3", "sm3", "HASH_MISMATCH", 1, r"message-digest attribute does not match"),
                                    ("unknown OID", "bogus", "WEAK_ALGORITHM", 3,
                                     r"digest algorithm 1\.2\.3\.4\.5\.6\.7 is not supported")):
    cms_edit(f"digestAlgorithm -> {name}", lambda t, alg=alg: si(t)[2].kids.__setitem__(0, oid(OID[alg])), exitc,
             code, msg)
for name, alg, code, exitc, msg in (("sha1WithRSA", "sha1WithRSA", "FORMAT", 1,
                                     r"signatureAlgorithm 1\.2\.840\.113549\.1\.1\.5 implies SHA1 but digestAlgorithm is SHA256"),
                                    ("ecdsa-with-SHA256", "ecdsaSha256", "SIG_CRYPTO", 1,
                                     r"signature algorithm 1\.2\.840\.10045\.4\.3\.2 does not match the signer's RSA key"),
                                    ("sm2-with-sm3", "sm2sm3", "FORMAT", 1,
                                     r"implies SM3 but digestAlgorithm is SHA256"),
                                    ("Ed25519", "ed25519", "SIG_CRYPTO", 1,
                                     r"signature algorithm 1\.3\.101\.112 does not match the signer's RSA key"),
                                    ("unknown OID", "bogus", "WEAK_ALGORITHM", 3,
                                     r"signature algorithm 1\.2\.3\.4\.5\.6\.7 is not supported")):
    cms_edit(f"signatureAlgorithm -> {name}", lambda t, alg=alg: si(t)[4].kids.__setitem__(0, oid(OID[alg])), exitc,
             code, msg)

# lengths and encodings of the whole object
cms_case("ContentInfo length 0x84 0x7fffffff", b"\x30\x84\x7f\xff\xff\xff" + HK_CMS[4:], 2, "INPUT_MALFORMED", M_CI)
cms_case("ContentInfo length +1", HK_CMS[:2] + (int.from_bytes(HK_CMS[2:4], "big") + 1).to_bytes(2, "big")
         + HK_CMS[4:], 2, "INPUT_MALFORMED", M_CI)
cms_case("ContentInfo length -1", HK_CMS[:2] + (int.from_bytes(HK_CMS[2:4], "big") - 1).to_bytes(2, "big")
         + HK_CMS[4:], 1, "FORMAT", r"ContentInfo: 1 unexpected trailing bytes")
cms_case("trailing zero bytes after ContentInfo", HK_CMS + b"\x00\x00", 1, "FORMAT",
         r"ContentInfo: 2 unexpected trailing bytes")
cms_case("indefinite-length ContentInfo with a bogus content type", b"\x30\x80" + enc(oid(OID["bogus"])) +
         b"\xa0\x80\x30\x00\x00\x00\x00\x00", 1, "FORMAT", r"accepted only for PKCS#7 SignedData")
cms_case("indefinite-length SignedData truncated", OSSL_BER[:len(OSSL_BER) // 2], 1, "FORMAT",
         r"BER SignedData cannot be decoded")
cms_case("indefinite-length SignedData with trailing bytes", OSSL_BER + b"\x05\x00", 1, "FORMAT",
         r"trailing bytes after the BER ContentInfo")
cms_case("indefinite length, end-of-contents missing", OSSL_BER[:-2], 1, "FORMAT", r"BER SignedData cannot be decoded")
cms_case("random bytes, not a SEQUENCE", bytes(range(7, 250)) * 3, 2, "INPUT_MALFORMED",
         r"input is not DER, PEM or S/MIME")
cms_case("plain text", b"Hello, this is not a signature.\n", 2, "INPUT_MALFORMED", r"input is not DER, PEM or S/MIME")
cms_case("empty file", b"", 2, "INPUT_MALFORMED", r"empty input")
cms_case("a certificate, not CMS", LEAF_DER, 2, "INPUT_MALFORMED", r"contentType: expected universal tag 6")
cms_case("nesting bomb: 100000 nested SEQUENCEs", b"".join([b"\x30\x84" + (6 * (100000 - i - 1)).to_bytes(4, "big")
                                                             for i in range(100000)]), 2, "INPUT_MALFORMED",
         r"ContentInfo contentType: expected universal tag 6")
cms_case("indefinite-length nesting bomb", b"\x30\x80" * 50000 + b"\x00\x00" * 50000, 2, "INPUT_MALFORMED",
         r"indefinite-length \(BER\) encoding is accepted only for PKCS#7 SignedData$")

# PEM and S/MIME
cms_case("PEM label CERTIFICATE", OSSL_PEM.replace(b"CMS", b"CERTIFICATE"), 2, "INPUT_MALFORMED",
         r"PEM label 'CERTIFICATE' is not CMS or PKCS7")
cms_case("PEM label X509 CRL", OSSL_PEM.replace(b"CMS", b"X509 CRL"), 2, "INPUT_MALFORMED",
         r"PEM label 'X509 CRL' is not CMS or PKCS7")
pl = OSSL_PEM.split(b"\n")
pl[3] = pl[3][:7] + b"!" + pl[3][8:]
cms_case("PEM bad base64", b"\n".join(pl), 2, "INPUT_MALFORMED", r"PEM block cannot be decoded")
cms_case("PEM END line missing", b"\n".join(OSSL_PEM.split(b"\n")[:-2]) + b"\n", 2, "INPUT_MALFORMED",
         r"PEM block cannot be decoded")
cms_case("PEM empty body", b"-----BEGIN CMS-----\n-----END CMS-----\n", 2, "INPUT_MALFORMED",
         r"PEM block cannot be decoded")
cms_case("PEM holding a certificate", pem("PKCS7", LEAF_DER), 2, "INPUT_MALFORMED",
         r"contentType: expected universal tag 6")
cms_case("PEM holding truncated DER", pem("CMS", HK_CMS[:1000]), 2, "INPUT_MALFORMED", M_CI)
cms_case("PEM holding a random blob", pem("CMS", bytes(range(256))), 2, "INPUT_MALFORMED",
         r"ContentInfo: expected universal tag 16")
for k in (12, 40, len(OSSL_PEM) // 2, len(OSSL_PEM) - 20):
    cms_case(f"PEM truncated to {k} bytes", OSSL_PEM[:k], 2, "INPUT_MALFORMED", r"PEM block cannot be decoded")
sm = OSSL_SMIME
cms_case("S/MIME signed content modified", sm.replace(DOC.rstrip(b"\n"), DOC.rstrip(b"\n").upper(), 1), 1,
         "HASH_MISMATCH", r"message-digest attribute does not match")
b_idx = sm.index(b"boundary=")
cms_case("S/MIME boundary renamed in the header", sm[:b_idx] + b"boundary=\"XYZ-not-used\"" +
         sm[sm.index(b"\n", b_idx):], 2, "INPUT_MALFORMED", r"S/MIME message cannot be read")
sig_at = sm.index(b"MII")
cms_case("S/MIME signature part base64 damaged", sm[:sig_at] + b"!!!!" + sm[sig_at + 4:], 2, "INPUT_MALFORMED",
         r"S/MIME message cannot be read")
cms_case("S/MIME signature part removed", sm[:sm.rindex(b"Content-Type: application/")], 2, "INPUT_MALFORMED",
         r"S/MIME message cannot be read")
cms_case("S/MIME headers only", sm[:sm.index(b"\n\n") + 2] if b"\n\n" in sm else sm[:sm.index(b"\r\n\r\n") + 4], 2,
         "INPUT_MALFORMED", r"S/MIME message cannot be read")
cms_case("MIME header naming pkcs7 with a text body", b"Content-Type: application/pkcs7-mime\n\nhello\n", 2,
         "INPUT_MALFORMED", r"S/MIME message cannot be read")
for k in (len(sm) // 3, 2 * len(sm) // 3, len(sm) - 40):
    cms_case(f"S/MIME truncated to {k} bytes", sm[:k], 2, "INPUT_MALFORMED", r"S/MIME message cannot be read")

# ============================================== GM/T 0010 ====================================================
G = tree(CN_GMT)
for k in [x for x in offsets(len(CN_GMT), 14) if x > 4]:
    cms_case(f"GM/T DER truncated to {k} bytes", CN_GMT[:k], 2, "INPUT_MALFORMED", M_CI, jur="cn")
cms_edit("GM/T outer contentType -> GM/T envelopedData", lambda t: t.kids.__setitem__(0, oid(OID["gmtEnveloped"])),
         1, "FORMAT", r"1\.2\.156\.10197\.6\.1\.4\.2\.3 is not signedData", base=G, jur="cn")
cms_edit("GM/T eContentType -> 1.2.3.4.5.6.7", lambda t: sd(t)[2].kids.__setitem__(0, oid(OID["bogus"])), 1,
         "FORMAT", r"content-type attribute 1\.2\.156\.10197\.6\.1\.4\.2\.1 differs from eContentType", base=G,
         jur="cn")
cms_edit("GM/T eContent modified", lambda t: setattr(sd(t)[2][1][0], "val", DOC[:-2]), 1, "HASH_MISMATCH",
         r"message-digest attribute does not match the SM3", base=G, jur="cn")
cms_edit("GM/T digestAlgorithm sm3 -> sha256", lambda t: si(t)[2].kids.__setitem__(0, oid(OID["sha256"])), 1,
         "FORMAT", r"signatureAlgorithm 1\.2\.156\.10197\.1\.301\.1 implies SM3 but digestAlgorithm is SHA256",
         base=G, jur="cn")
cms_edit("GM/T digestAlgorithm -> md5", lambda t: si(t)[2].kids.__setitem__(0, oid(OID["md5"])), 3,
         "WEAK_ALGORITHM", r"digest algorithm MD5 is not allowed", base=G, jur="cn")
cms_edit("GM/T signatureAlgorithm sm2-with-sm3 -> sha256WithRSA", lambda t: si(t)[4].kids.__setitem__(
    0, oid(OID["sha256WithRSA"])), 1, "FORMAT", r"1\.2\.840\.113549\.1\.1\.11 implies SHA256 but digestAlgorithm is SM3",
    base=G, jur="cn")
cms_edit("GM/T signatureAlgorithm -> ecdsa-with-SHA256", lambda t: si(t)[4].kids.__setitem__(
    0, oid(OID["ecdsaSha256"])), 1, "FORMAT", r"1\.2\.840\.10045\.4\.3\.2 implies SHA256 but digestAlgorithm is SM3",
    base=G, jur="cn")
cms_edit("GM/T SM2 signature: r bit flipped", lambda t: setattr(si(t)[5], "val", (lambda s: enc(N(0x30, [N(
    0x02, None, s[0].val[:-1] + bytes([s[0].val[-1] ^ 1])), s[1]])))(tree(si(t)[5].val))), 1, "SIG_CRYPTO",
    r"SM2 signature does not verify", base=G, jur="cn")
cms_edit("GM/T SM2 signature not a SEQUENCE", lambda t: setattr(si(t)[5], "val", b"\x04\x02ab"), 1, "SIG_CRYPTO",
         r"SM2 signature is not a DER SEQUENCE\{r,s\}", base=G, jur="cn")
cms_edit("GM/T SM2 signature with trailing bytes", lambda t: setattr(si(t)[5], "val", si(t)[5].val + b"\x00"), 1,
         "SIG_CRYPTO", r"SM2 signature has 1 trailing bytes after SEQUENCE\{r,s\}", base=G, jur="cn")
cms_edit("GM/T content-type attribute removed", lambda t: attrs(t).kids.pop(attr_index(t, "contentType")), 1,
         "FORMAT", r"lack the content-type attribute", base=G, jur="cn")
cms_edit("GM/T 65 SignerInfos", lambda t: setattr(sd(t)[-1], "kids", sd(t)[-1].kids * 65), 1, "FORMAT",
         r"more than 64 SignerInfos", base=G, jur="cn")
cms_edit("GM/T signerInfos empty", lambda t: setattr(sd(t)[-1], "kids", []), 1, "FORMAT", r"has no SignerInfo",
         base=G, jur="cn")
cms_case("GM/T with indefinite-length ContentInfo", b"\x30\x80" + enc(G)[4:] + b"\x00\x00", 1, "FORMAT",
         r"the GM/T 0010 object must be DER", jur="cn")
cms_case("GM/T signed with another SM2 ID", CN_GMT, 1, "SM2_ID_MISMATCH",
         r"distinguishing ID 'ALICE123@YAHOO.COM' \(it was made with ID '1234567812345678'\)", jur="cn",
         extra=("--sm2-id", "ALICE123@YAHOO.COM"))
GD = tree(CN_GMT_DET)
cms_case("GM/T detached without content", CN_GMT_DET, 3, "SIGNED_DATA_NOT_FOUND", r"detached signature", jur="cn")
cms_edit("GM/T detached, eContent added", lambda t: sd(t)[2].kids.append(N(0xA0, [N(0x04, None, b"other")])), 1,
         "HASH_MISMATCH", r"does not match the SM3 of the content", base=GD, jur="cn")

# ============================================ policy YAML =====================================================
# sigbridge check-config --policy-dir DIR has no --json: the exit code (2) and the located message
# "file:line:col: key.path: what" are asserted instead, on a copy of policies/ with one file edited.
# The base set is written here (not copied from policies/, which changes with the demo): every case edits
# one file of it, so positions in the expected messages are stable.
POL_BASE = {
    "hk.yaml": b"""jurisdiction: hk
description: Hong Kong (malformed-input table)
trust_anchors:
  - file: PKI/hk/root.pem
intermediates:
  - PKI/hk/int.pem
algorithms:
  signature: [rsa-pkcs1-sha256, rsa-pss-sha256, ecdsa-sha256]
  min_rsa_bits: 2048
certificate:
  policy_oids: ["2.16.344.8.2.2008.810.2.*", "1.3.6.1.4.1.16030.1.*"]
  require_explicit_policy: false
  key_usage: [digitalSignature, nonRepudiation]
  max_chain_length: 5
  assurance_levels:
    substantial: ["1.3.6.1.4.1.16030.1.*"]
    high: ["2.16.344.8.2.2008.810.2.*"]
revocation:
  mode: prefer
  crl:
    - PKI/hk/int.crl
time:
  validate_at: now
  max_clock_skew_s: 300
""",
    "cn.yaml": b"""jurisdiction: cn
description: Mainland China (malformed-input table)
trust_anchors:
  - file: PKI/cn/root.pem
intermediates:
  - PKI/cn/int.pem
algorithms:
  signature: [sm2-sm3]
certificate:
  policy_oids: ["2.16.344.8.2.2008.810.2.*"]
  key_usage: [digitalSignature, nonRepudiation]
  max_chain_length: 4
  assurance_levels:
    high: ["2.16.344.8.2.2008.810.2.*"]
revocation:
  mode: require
  crl:
    - PKI/cn/int.crl
    - PKI/cn/root.crl
time:
  validate_at: now
sm2:
  default_id: "1234567812345678"
""",
    "mo.yaml": b"""jurisdiction: mo
description: Macao (malformed-input table)
trust_anchors:
  - file: PKI/mo/root.pem
intermediates: [PKI/mo/int.pem]
algorithms:
  signature: [rsa-pkcs1-sha256, ecdsa-sha256]
certificate:
  policy_oids: ["1.3.6.1.4.1.99999.1.*"]
  assurance_levels:
    substantial: ["1.3.6.1.4.1.99999.1.*"]
""",
    "recognition.yaml": b"""- from: hk
  to: cn
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*"], min_level: substantial }
  attest: { format: gmt0010, key: PKI/cn/leaf.key, cert: PKI/cn/leaf.pem }
- from: cn
  to: hk
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*"], min_level: high }
  attest: { format: cms, key: PKI/hk/leaf.key, cert: PKI/hk/leaf.pem }
- from: mo
  to: hk
  accept: { min_level: substantial }
""",
}
POL_BASE = {k: v.replace(b"PKI/", PKI.encode() + b"/") for k, v in POL_BASE.items()}
rc, out, err = run([BIN, "check-config", "--help"])
HAVE_CHECK_CONFIG = rc == 0 and "policy-dir" in out + err
pol_n = [0]


def policy_case(name, fn, data, want_msg, want_exit=2):
    """check-config on policies/ with fn replaced by data (bytes) or edited by data (function of bytes)."""
    if ONLY is not None and ONLY not in "policy: " + name:
        return
    pol_n[0] += 1
    d = os.path.join(W, "pol%03d" % pol_n[0])
    os.mkdir(d)
    for f, b in POL_BASE.items():
        open(os.path.join(d, f), "wb").write(b)
    new = data(POL_BASE[fn]) if callable(data) else data
    key = ("policy", fn, new)
    if key in seen_inputs:
        sys.exit(f"malformed.py: policy cases '{seen_inputs[key]}' and '{name}' have the same input")
    seen_inputs[key] = name
    path = os.path.join(d, fn)
    open(path, "wb").write(new)
    rc, out, err = run([BIN, "check-config", "--policy-dir", d])
    text = out + err
    ok = rc == want_exit and re.search(want_msg.replace("FILE", re.escape(path)), text) is not None
    results["pass" if ok else "fail"] += 1
    if not ok:
        print(f"FAIL policy: {name}: exit {rc} '{text[-600:]}' (want exit {want_exit} /{want_msg}/)")
    elif VERBOSE:
        first = [l for l in text.splitlines() if path in l][:1]
        print(f"ok   policy: {name}: exit {rc}: {first[0][:200] if first else text[-160:]}")


def sub(old, new, count=1):
    def f(b):
        if old not in b:
            sys.exit(f"malformed.py: policy edit: {old!r} not found")
        return b.replace(old, new, count)
    return f


def bomb(levels, width=9):
    lines = [b"jurisdiction: hk", b"trust_anchors: [{file: " + PKI.encode() + b"/hk/root.pem}]", b"l0: &l0 [x" +
             b", x" * (width - 1) + b"]"]
    for i in range(1, levels):
        lines.append(b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * width) + b"]")
    return b"\n".join(lines) + b"\n"


if HAVE_CHECK_CONFIG:
    d0 = os.path.join(W, "pol-base")
    os.mkdir(d0)
    for f, b in POL_BASE.items():
        open(os.path.join(d0, f), "wb").write(b)
    rc, out, err = run([BIN, "check-config", "--policy-dir", d0])
    if rc != 0:
        sys.exit(f"malformed.py: the base policy set does not load (exit {rc}): {(out + err)[-600:]}")
    policy_case("billion laughs (9 levels of 9 aliases)", "hk.yaml", bomb(9),
                r"FILE:3:5: YAML anchors \(&l0\) are not allowed in policy files")
    policy_case("one alias to a sequence", "hk.yaml", sub(b"intermediates:", b"x: &i [a]\nintermediates:"),
                r"FILE:\d+:4: YAML anchors \(&i\) are not allowed")
    policy_case("alias used as a value", "cn.yaml", sub(b"description: Mainland", b"description: *nowhere\n#"),
                r"FILE:\d+:14: YAML aliases \(\*nowhere\) are not allowed")
    policy_case("merge key <<", "mo.yaml", lambda b: b + b"\ntime2: &t {a: 1}\n<<: *t\n",
                r"FILE:\d+:8: YAML anchors \(&t\) are not allowed in policy files")
    policy_case("tag !!str on a value", "hk.yaml", sub(b"jurisdiction: hk", b"jurisdiction: !!str hk"),
                r"FILE:1:15: YAML tags \(tag:yaml\.org,2002:str\) are not allowed in policy files")
    policy_case("local tag !x on a mapping", "hk.yaml", sub(b"algorithms:", b"algorithms: !x"),
                r"FILE:\d+:13: YAML tags \(!x\) are not allowed in policy files")
    policy_case("duplicate key jurisdiction", "hk.yaml", lambda b: b + b"\njurisdiction: hk\n",
                r"FILE:\d+:1: jurisdiction: duplicate key \(first at line 1, column 1\)")
    policy_case("typo trust_anchor", "mo.yaml", sub(b"trust_anchors:", b"trust_anchor:"),
                r"FILE:\d+:1: trust_anchor: unknown key \(did you mean 'trust_anchors'\?\)")
    policy_case("unknown top-level key", "cn.yaml", lambda b: b + b"\nfoo: bar\n", r"FILE:\d+:1: foo: unknown key; expected one of jurisdiction, description, trust_anchors")
    policy_case("unknown key in certificate", "hk.yaml", sub(b"  max_chain_length:", b"  max_chain_lenght:"),
                r"FILE:\d+:3: certificate\.max_chain_lenght: unknown key \(did you mean 'max_chain_length'\?\)")
    policy_case("jurisdiction is a list", "hk.yaml", sub(b"jurisdiction: hk", b"jurisdiction: [hk]"),
                r"FILE:\d+:15: jurisdiction: expected a string, got a list")
    policy_case("jurisdiction with upper case", "hk.yaml", sub(b"jurisdiction: hk", b"jurisdiction: HK"),
                r"FILE:\d+:15: jurisdiction: expected an id of a lowercase letter.*got 'HK'")
    policy_case("jurisdiction 33 characters", "hk.yaml", sub(b"jurisdiction: hk", b"jurisdiction: " + b"h" * 33),
                r"FILE:\d+:15: jurisdiction: expected an id of a lowercase letter then up to 31")
    policy_case("jurisdiction missing", "mo.yaml", sub(b"jurisdiction: mo", b"description2: x"),
                r"FILE:\d+:\d+: jurisdiction: required key is missing")
    policy_case("two files claim the same jurisdiction", "mo.yaml", sub(b"jurisdiction: mo", b"jurisdiction: hk"),
                r"FILE:\d+:15: jurisdiction: 'hk' is already defined in .*hk\.yaml:1:15")
    policy_case("min_rsa_bits a string", "hk.yaml", sub(b"min_rsa_bits: 2048", b"min_rsa_bits: big"),
                r"FILE:\d+:17: algorithms\.min_rsa_bits: expected an integer from 1024 to 16384, got string 'big'")
    policy_case("min_rsa_bits 2^70", "hk.yaml", sub(b"min_rsa_bits: 2048", b"min_rsa_bits: 1180591620717411303424"),
                r"FILE:\d+:17: algorithms\.min_rsa_bits: expected an integer from 1024 to 16384, got integer 1180591620717411303424")
    policy_case("max_chain_length -1", "cn.yaml", sub(b"max_chain_length: 4", b"max_chain_length: -1"),
                r"FILE:\d+:\d+: certificate\.max_chain_length: expected an integer from 1 to 32, got integer -1")
    policy_case("require_explicit_policy maybe", "hk.yaml", sub(b"require_explicit_policy: false",
                                                                b"require_explicit_policy: maybe"),
                r"FILE:\d+:\d+: certificate\.require_explicit_policy: expected true or false, got string 'maybe'")
    policy_case("revocation mode always", "hk.yaml", sub(b"mode: prefer", b"mode: always"),
                r"FILE:\d+:\d+: revocation\.mode: expected one of require, prefer, off, got 'always'")
    policy_case("validate_at yesterday", "cn.yaml", sub(b"validate_at: now", b"validate_at: yesterday"),
                r"FILE:\d+:\d+: time\.validate_at: expected one of now, signing_time, got 'yesterday'")
    policy_case("unknown signature algorithm", "mo.yaml", sub(b"rsa-pkcs1-sha256", b"rsa-md5"),
                r"FILE:\d+:\d+: algorithms\.signature\[0\]: unknown signature algorithm 'rsa-md5'")
    policy_case("unknown key usage", "cn.yaml", sub(b"key_usage: [digitalSignature", b"key_usage: [flying"),
                r"FILE:\d+:\d+: certificate\.key_usage\[0\]: unknown key usage 'flying'")
    policy_case("OID with * in the middle", "hk.yaml", sub(b'"1.3.6.1.4.1.16030.1.*"', b'"1.3.*.1"'),
                r"FILE:\d+:\d+: certificate\.policy_oids\[1\]: '1\.3\.\*\.1' is not an OID or OID prefix.*may only stand for the last arc")
    policy_case("OID not numeric", "mo.yaml", sub(b'"1.3.6.1.4.1.99999.1.*"', b'"one.two"'),
                r"FILE:\d+:\d+: certificate\.policy_oids\[0\]: 'one\.two' is not an OID.*arcs are decimal numbers")
    policy_case("OID of 200 characters", "cn.yaml", sub(b'"2.16.344.8.2.2008.810.2.*"',
                                                        b'"2.' + b".".join([b"1"] * 99) + b'"'),
                r"FILE:\d+:\d+: certificate\.policy_oids\[0\]: '2\.1\.1\.1")
    policy_case("SM2 default_id unquoted (an integer)", "cn.yaml", sub(b'default_id: "1234567812345678"',
                                                                       b"default_id: 1234567812345678"),
                r"FILE:\d+:\d+: sm2\.default_id: expected a string, got integer 1234567812345678 \(put it in quotes")
    policy_case("anchor file missing", "hk.yaml", sub(b"/hk/root.pem", b"/hk/absent.pem"),
                r"FILE:\d+:11: trust_anchors\[0\]\.file: cannot read '.*/hk/absent\.pem': No such file or directory")
    policy_case("anchor file is a CRL", "hk.yaml", sub(b"/hk/root.pem", b"/hk/root.crl"),
                r"FILE:\d+:11: trust_anchors\[0\]\.file: not a certificate file: .*root\.crl: PEM input holds no certificate")
    policy_case("anchor file is a directory", "mo.yaml", sub(b"/mo/root.pem", b"/mo/ca"),
                r"FILE:\d+:11: trust_anchors\[0\]\.file: cannot read '.*/mo/ca': not a regular file")
    policy_case("anchor file is /dev/zero", "mo.yaml", sub(PKI.encode() + b"/mo/root.pem", b"/dev/zero"),
                r"FILE:\d+:11: trust_anchors\[0\]\.file: cannot read '/dev/zero': not a regular file")
    policy_case("anchor expired", "hk.yaml", sub(b"/hk/root.pem", b"/hk/leaf-expired.pem"),
                r"FILE:\d+:\d+: trust_anchors\[0\]\.file: anchor .* expired on 2023-06-01")
    policy_case("trust_anchors empty", "cn.yaml", lambda b: re.sub(rb"trust_anchors:\n  - file: [^\n]*\n",
                                                                   b"trust_anchors: []\n", b),
                r"FILE:\d+:16: trust_anchors: expected at least one trust anchor")
    policy_case("trust_anchors a string", "mo.yaml", lambda b: re.sub(rb"trust_anchors:\n  - file: [^\n]*\n",
                                                                      b"trust_anchors: root.pem\n", b),
                r"FILE:\d+:16: trust_anchors: expected a list of \{file: PATH\}, got string 'root\.pem'")
    policy_case("YAML: tab indentation", "hk.yaml", sub(b"\n  min_rsa_bits", b"\n\tmin_rsa_bits"),
                r"FILE:\d+:1: YAML syntax error: found character that cannot start any token")
    policy_case("YAML: unclosed quote", "mo.yaml", sub(b'["1.3.6.1.4.1.99999.1.*"]', b'["1.3.6.1.4.1.99999.1.*]'),
                r"FILE:\d+:\d+: YAML syntax error: did not find expected ',' or '\]' \(while parsing a flow sequence at line 9, column 16\)")
    policy_case("YAML: unclosed flow sequence", "cn.yaml", sub(b"signature: [sm2-sm3]", b"signature: [sm2-sm3"),
                r"FILE:9:12: YAML syntax error: did not find expected ',' or '\]' \(while parsing a flow sequence at line 8, column 14\)")
    policy_case("YAML: two documents", "hk.yaml", lambda b: b + b"\n---\njurisdiction: hk\n",
                r"FILE:\d+:1: a second YAML document \('---'\); a policy file holds exactly one")
    policy_case("YAML: 40 nested lists", "hk.yaml", lambda b: b + b"\ndeep: " + b"[" * 40 + b"]" * 40 + b"\n",
                r"FILE:\d+:38: nested more than 32 levels deep")
    policy_case("YAML: 20001 nodes", "mo.yaml", lambda b: b + b"\nmany: [" + b",".join([b"1"] * 20001) + b"]\n",
                r"FILE:\d+:\d+: more than 20000 YAML nodes")
    policy_case("YAML: NUL byte", "cn.yaml", sub(b"description: Mainland", b"description: Main\x00land"),
                r"FILE:\d+:18: not valid UTF-8 YAML text: control characters are not allowed \(byte 0x00\)")
    policy_case("YAML: invalid UTF-8", "hk.yaml", sub(b"description: Hong Kong", b"description: Hong \xff\xfe Kong"),
                r"FILE:\d+:19: not valid UTF-8 YAML text: invalid leading UTF-8 octet \(byte 0xff\)")
    policy_case("file of 1 MiB + 1 byte", "mo.yaml", lambda b: b + b"#" * (1024 * 1024 + 1 - len(b)),
                r"FILE: cannot read: 1048577 bytes is over the limit of 1048576 bytes")
    policy_case("empty jurisdiction file", "mo.yaml", b"", r"FILE:1:1: the file is empty; expected a mapping")
    policy_case("a list instead of a mapping", "cn.yaml", b"- jurisdiction: cn\n",
                r"FILE:1:1: expected a mapping \(key: value lines\) at the top level, got a list")
    policy_case("recognition: unknown jurisdiction", "recognition.yaml", sub(b"  to: cn", b"  to: xx"),
                r"FILE:\d+:7: \[0\]\.to: unknown jurisdiction 'xx' \(the policy files define: cn, hk, mo\)")
    policy_case("recognition: min_level extreme", "recognition.yaml", sub(b"min_level: high", b"min_level: extreme"),
                r"FILE:\d+:\d+: \[1\]\.accept\.min_level: expected one of low, substantial, high, got 'extreme'")
    policy_case("recognition: attest format pdf", "recognition.yaml", sub(b"format: gmt0010", b"format: pdf"),
                r"FILE:\d+:\d+: \[0\]\.attest\.format: expected one of cms, gmt0010, xmldsig, got 'pdf'")
    policy_case("recognition: attest key file readable by others (key and cert swapped)", "recognition.yaml", sub(
        b"key: " + PKI.encode() + b"/cn/leaf.key, cert: " + PKI.encode() + b"/cn/leaf.pem",
        b"key: " + PKI.encode() + b"/cn/leaf.pem, cert: " + PKI.encode() + b"/cn/leaf.key"),
        r"FILE:\d+:\d+: \[0\]\.attest\.key: private key '.*/cn/leaf\.pem' is accessible by group or others \(mode 0644\)")
    policy_case("recognition: gmt0010 with an RSA key", "recognition.yaml", sub(
        b"key: " + PKI.encode() + b"/cn/leaf.key, cert: " + PKI.encode() + b"/cn/leaf.pem",
        b"key: " + PKI.encode() + b"/hk/leaf.key, cert: " + PKI.encode() + b"/hk/leaf.pem"),
        r"FILE:\d+:\d+: \[0\]\.attest\.format: gmt0010 attestations need an SM2 key; attest\.key is RSA")
    policy_case("recognition: key of another certificate", "recognition.yaml", sub(
        b"key: " + PKI.encode() + b"/hk/leaf.key, cert: " + PKI.encode() + b"/hk/leaf.pem",
        b"key: " + PKI.encode() + b"/hk/leaf-revoked.key, cert: " + PKI.encode() + b"/hk/leaf.pem"),
        r"FILE:\d+:\d+: \[1\]\.attest\.cert: certificate .* does not belong to the private key")
    policy_case("recognition: rule without accept", "recognition.yaml",
                b"- from: hk\n  to: cn\n", r"FILE:1:3: \[0\]\.accept: required key is missing")
    policy_case("recognition: duplicate rule", "recognition.yaml", b"- {from: hk, to: cn, accept: {min_level: low}}\n"
                b"- {from: hk, to: cn, accept: {min_level: high}}\n", r"FILE:2:3: \[1\]: a second rule from hk to cn \(the first is at line 1, column 3\)")
    policy_case("recognition: a mapping instead of a list", "recognition.yaml", b"from: hk\nto: cn\n",
                r"FILE:1:1: expected a list of rules \(- from: hk \.\.\.\) at the top level, got a mapping")
    policy_case("recognition: billion laughs", "recognition.yaml", b"- &r {from: hk, to: cn, accept: {min_level: low}}\n"
                + b"\n".join(b"- *r" for _ in range(50)) + b"\n", r"FILE:1:3: YAML anchors \(&r\) are not allowed")
else:
    print("note: sigbridge check-config not available; policy YAML cases skipped")

# ---- inputs the loaders refuse before parsing --------------------------------------------------------------
big = os.path.join(W, "big.bin")
with open(big, "wb") as f:
    f.write(LEAF_DER)
    f.truncate(16 * 1024 * 1024 + 1)
check("cert: file of 16 MiB + 1 byte", [BIN, "chain", "--json", *jur_args("hk"), big], 2, "INPUT_TOO_LARGE",
      r"16777217 bytes is over the limit of 16777216 bytes")
check("cms: file of 16 MiB + 1 byte", [BIN, "verify", "--json", *jur_args("hk"), big], 2, "INPUT_TOO_LARGE",
      r"16777217 bytes is over the limit of 16777216 bytes")
check("crl: file of 16 MiB + 1 byte", [BIN, "chain", "--json", *jur_args("hk"), "--crl", big, f"{PKI}/hk/leaf.pem"],
      2, "INPUT_TOO_LARGE", r"16777217 bytes is over the limit of 16777216 bytes")
check("cert: a directory", [BIN, "chain", "--json", *jur_args("hk"), W], 2, "INPUT_UNREADABLE", r"not a regular file")
check("cms: a directory", [BIN, "verify", "--json", *jur_args("hk"), W], 2, "INPUT_UNREADABLE", r"not a regular file")
check("cert: missing file", [BIN, "chain", "--json", *jur_args("hk"), W + "/absent.pem"], 2, "INPUT_UNREADABLE",
      r"cannot open: No such file or directory")
check("cms: /dev/zero", [BIN, "verify", "--json", *jur_args("hk"), "/dev/zero"], 2, "INPUT_UNREADABLE",
      r"not a regular file")

print(f"{results['pass']} passed, {results['fail']} failed")
sys.exit(1 if results["fail"] else 0)

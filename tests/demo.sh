#!/bin/sh
# make demo: start the gateway on the embedded default configuration (conf/sigbridge.yaml: API on
# 127.0.0.1:7420, admin on 127.0.0.1:7421, policies/), push real signed objects from Hong Kong, the
# Mainland and Macao through /v1/verify and /v1/translate with curl, print the verdicts, stop the gateway.
# Usage: tests/demo.sh BIN PKI_DIR
set -u
BIN=${1:-build/sigbridge}
P=${2:-build/pki}
OUT=$(dirname "$P")/demo
CONF=${DEMO_CONF:-conf/sigbridge.yaml}
API=${DEMO_API:-http://127.0.0.1:7420}
AUDIT=${DEMO_AUDIT:-build/audit.jsonl}
mkdir -p "$OUT"
printf 'Greater Bay Area cross-border e-contract #%s\n' "$(date +%Y%m%d)" > "$OUT/contract.txt"

# --- signed objects, made by independent tools where they exist ---------------------------------------
# HK: an e-Cert RSA CMS from `openssl cms`, a revoked signer, a tampered copy, and an iAM Smart signing
# result (raw PKCS#1 v1.5 signature over the SHA-256 of the document, made with `openssl pkeyutl`).
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$P/hk/leaf.pem" \
    -inkey "$P/hk/leaf.key" -certfile "$P/hk/int.pem" -md sha256 -out "$OUT/hk.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$P/hk/leaf-revoked.pem" \
    -inkey "$P/hk/leaf-revoked.key" -certfile "$P/hk/int.pem" -md sha256 -out "$OUT/hk-revoked.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$P/hk/leaf-wrongpolicy.pem" \
    -inkey "$P/hk/leaf-wrongpolicy.key" -certfile "$P/hk/int.pem" -md sha256 -out "$OUT/hk-wrongpolicy.p7s" 2>/dev/null
python3 - "$OUT/hk.p7s" "$OUT/hk-tampered.p7s" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); i = b.find(b'Greater Bay'); b[i] ^= 0x20
open(sys.argv[2], 'wb').write(bytes(b))
PY
openssl dgst -sha256 -binary "$OUT/contract.txt" > "$OUT/contract.sha256"
openssl pkeyutl -sign -inkey "$P/hk/leaf.key" -pkeyopt digest:sha256 -in "$OUT/contract.sha256" \
    -out "$OUT/iamsmart.sig" 2>/dev/null
python3 - "$OUT" "$P/hk/leaf.pem" <<'PY'
import base64, json, sys
out, cert = sys.argv[1], sys.argv[2]
b64 = lambda p: base64.b64encode(open(p, 'rb').read()).decode()
json.dump({"hash": b64(out + "/contract.sha256"), "hash_alg": "SHA-256", "signature": b64(out + "/iamsmart.sig"),
           "certificate": b64(cert), "document": b64(out + "/contract.txt")}, open(out + "/iamsmart.json", "w"))
PY
# CN: SM2/SM3 GM/T 0010 SignedData (OpenSSL 3.0 cannot make one; sigbridge's signer is checked against
# `openssl pkeyutl` in the test suite).
"$BIN" sign --format gmt0010 --key "$P/cn/leaf.key" --cert "$P/cn/leaf.pem" --chain "$P/cn/int.pem" \
    "$OUT/contract.txt" > "$OUT/cn.p7s"
# MO: an ECDSA CMS and an enveloped XML-DSig document (RSA).
"$BIN" sign --format cms --key "$P/mo/leaf-ec.key" --cert "$P/mo/leaf-ec.pem" --chain "$P/mo/int.pem" \
    "$OUT/contract.txt" > "$OUT/mo.p7s"
printf '<contract xmlns="urn:gba:demo"><party>Macao SME Ltd</party><amount currency="MOP">12000</amount></contract>\n' \
    > "$OUT/contract.xml"
"$BIN" sign --format xmldsig --key "$P/mo/leaf-rsa.key" --cert "$P/mo/leaf-rsa.pem" --chain "$P/mo/int.pem" \
    "$OUT/contract.xml" > "$OUT/mo-signed.xml"

# --- the gateway -----------------------------------------------------------------------------------------
"$BIN" serve -c "$CONF" > "$OUT/gateway.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT INT TERM
i=0
until curl -sf "$API/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 $PID 2>/dev/null; then
        echo "demo: the gateway did not become ready; its log:" >&2
        cat "$OUT/gateway.log" >&2
        exit 1
    fi
    sleep 0.1
done

row() {
    label=$1 url=$2 ctype=$3 file=$4
    curl -s -o "$OUT/reply.json" -w '%{http_code}' -H "Content-Type: $ctype" --data-binary @"$file" "$API$url" \
        > "$OUT/status" 2>/dev/null
    python3 - "$label" "$(cat "$OUT/status")" "$OUT/reply.json" <<'PY'
import json, sys
label, status, path = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    d = json.load(open(path))
except Exception:
    d = {}
e = d.get("error") or {}
rec = d.get("recognition") or {}
att = ""
if "recognition" in d:
    att = ("attested %s" % d.get("attestation_format")) if d.get("attestation") else "not recognised"
print("%-40s %s  %-14s %-28s %-22s %s" % (label, status, d.get("indication") or e.get("code", "?"),
      d.get("subindication") or "", d.get("reason") or "", att))
PY
}

echo "sigbridge demo: gateway $API ($CONF), policies/, PKIs in $P"
printf '%-40s %s  %-14s %-28s %-22s %s\n' "object" "http" "indication" "subindication" "reason" "translation"
row "HK e-Cert RSA CMS (openssl cms)"      "/v1/verify?from=hk" application/pkcs7-mime "$OUT/hk.p7s"
row "HK revoked signer"                    "/v1/verify?from=hk" application/pkcs7-mime "$OUT/hk-revoked.p7s"
row "HK content tampered"                  "/v1/verify?from=hk" application/pkcs7-mime "$OUT/hk-tampered.p7s"
row "CN SM2 GM/T 0010"                     "/v1/verify?from=cn" application/pkcs7-mime "$OUT/cn.p7s"
row "MO eSignTrust ECDSA CMS"              "/v1/verify?from=mo" application/pkcs7-mime "$OUT/mo.p7s"
row "MO object claimed as HK"              "/v1/verify?from=hk" application/pkcs7-mime "$OUT/mo.p7s"
row "HK iAM Smart result -> CN (SM2)"      "/v1/translate?from=hk&to=cn" application/json "$OUT/iamsmart.json"
row "HK e-Cert CMS -> MO (XML-DSig)"       "/v1/translate?from=hk&to=mo" application/pkcs7-mime "$OUT/hk.p7s"
row "HK wrong policy OID -> CN"            "/v1/translate?from=hk&to=cn" application/pkcs7-mime "$OUT/hk-wrongpolicy.p7s"
row "CN SM2 GM/T 0010 -> HK (RSA CMS)"     "/v1/translate?from=cn&to=hk" application/pkcs7-mime "$OUT/cn.p7s"
row "MO XML-DSig -> HK (RSA CMS)"          "/v1/translate?from=mo&to=hk" application/xml "$OUT/mo-signed.xml"
row "CN -> MO (no recognition rule)"       "/v1/translate?from=cn&to=mo" application/pkcs7-mime "$OUT/cn.p7s"
row "garbage body"                         "/v1/verify?from=hk" application/pkcs7-mime "$OUT/contract.txt"
# live revocation: a certificate revoked while the gateway runs, refused through OCSP with no reload (~1 min)
LIVE_RC=0
sh "$(dirname "$0")/demo_revocation.sh" "$BIN" "$P" "$OUT" "$API" || LIVE_RC=1
kill $PID
wait $PID 2>/dev/null
trap - EXIT INT TERM
if "$BIN" audit verify "$AUDIT" >/dev/null 2>&1; then
    echo "audit log $AUDIT: hash chain intact, $(grep -c . "$AUDIT") records"
else
    echo "audit log $AUDIT: sigbridge audit verify reports a problem" >&2
fi
exit $LIVE_RC

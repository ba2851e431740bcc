#!/bin/sh
# The demo's objects through the real gateway (POST /v1/verify and /v1/translate) on free loopback ports,
# with the shipped policies/ and the default configuration's other settings: every row's HTTP status,
# indication, reason and translation outcome is checked, and the audit chain must verify.
. "$(dirname "$0")/lib.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
API_PORT=$(free_port)
ADM_PORT=$(free_port)
mkdir -p build
CONF=build/test-demo-http-$$.yaml
AUDIT=build/test-demo-http-audit-$$.jsonl
rm -f "$AUDIT"
sed -e "s/port: 7420/port: $API_PORT/" -e "s/port: 7421/port: $ADM_PORT/" \
    -e "s|path: ../build/audit.jsonl|path: test-demo-http-audit-$$.jsonl|" conf/sigbridge.yaml > "$CONF"
DEMO_CONF=$CONF DEMO_API=http://127.0.0.1:$API_PORT DEMO_AUDIT=$AUDIT sh tests/demo.sh "$SB_BIN" "$SB_PKI" > "$TMP/demo.out" 2>&1
cat "$TMP/demo.out"

# row LABEL STATUS INDICATION REASON TRANSLATION
row() {
    line=$(grep -F "$1" "$TMP/demo.out" | head -1)
    if printf '%s\n' "$line" | python3 -c '
import sys
want = sys.argv[1:]
line = sys.stdin.read()
rest = line[40:].split()
ok = rest[:2] == want[:2] and (want[2] == "-" or want[2] in rest) and (want[3] == "-" or want[3] in line)
sys.exit(0 if ok else 1)' "$2" "$3" "$4" "$5"; then
        PASS=$((PASS + 1)); echo "ok   $1"
    else
        FAIL=$((FAIL + 1)); echo "FAIL $1: got '$line', want $2 $3 $4 $5"
    fi
}
row "HK e-Cert RSA CMS (openssl cms)"  200 TOTAL_PASSED - -
row "HK revoked signer"                200 TOTAL_FAILED REVOKED -
row "HK content tampered"              200 TOTAL_FAILED HASH_MISMATCH -
row "CN SM2 GM/T 0010"                 200 TOTAL_PASSED - -
row "MO eSignTrust ECDSA CMS"          200 TOTAL_PASSED - -
row "MO object claimed as HK"          200 INDETERMINATE CHAIN_NO_ANCHOR -
row "HK iAM Smart result -> CN (SM2)"  200 TOTAL_PASSED - "attested gmt0010"
row "HK e-Cert CMS -> MO (XML-DSig)"   200 TOTAL_PASSED - "attested xmldsig"
row "HK wrong policy OID -> CN"        200 INDETERMINATE POLICY "not recognised"
row "CN SM2 GM/T 0010 -> HK (RSA CMS)" 200 TOTAL_PASSED - "attested cms"
row "MO XML-DSig -> HK (RSA CMS)"      200 TOTAL_PASSED - "attested cms"
row "CN -> MO (no recognition rule)"   200 INDETERMINATE POLICY "not recognised"
row "garbage body"                     400 INPUT_MALFORMED - -
# the live revocation part: one verdict line per request after the 13 rows (or skipped when 7430 is taken)
if grep -q "live revocation: skipped" "$TMP/demo.out"; then
    live=0
    SKIP_LIVE=1
    echo "skip live revocation: 127.0.0.1:7430 in use"
else
    live=$(grep -cE '^  (signed while|again|after [0-9]+ s)' "$TMP/demo.out")
    if grep -q "signed while the certificate is good .*TOTAL_PASSED .*evidence: ocsp http://127.0.0.1:7430/" "$TMP/demo.out" &&
        grep -q "again (answered from the OCSP cache) .*TOTAL_PASSED" "$TMP/demo.out" &&
        grep -qE "refused as REVOKED [0-9]+ s after the revocation, through OCSP, with no reload" "$TMP/demo.out" &&
        grep -qE "^  after [0-9]+ s .*TOTAL_FAILED +REVOKED" "$TMP/demo.out"; then
        PASS=$((PASS + 1)); echo "ok   live revocation: good via OCSP, then REVOKED via OCSP with no reload"
    else
        FAIL=$((FAIL + 1)); echo "FAIL live revocation (see the demo output above)"
    fi
fi
if grep -q "hash chain intact, $((12 + live)) records" "$TMP/demo.out"; then
    PASS=$((PASS + 1)); echo "ok   audit chain of the $((12 + live)) decisions verifies (the garbage body is no decision)"
else
    FAIL=$((FAIL + 1)); echo "FAIL audit chain (want $((12 + live)) records)"
fi
if grep -qE "AddressSanitizer|runtime error" build/demo/gateway.log; then
    FAIL=$((FAIL + 1)); echo "FAIL sanitizer report in the gateway log"
fi
rm -f "$CONF" "$AUDIT"
finish

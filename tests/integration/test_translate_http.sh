#!/bin/sh
# tests/integration/test_translate_http.sh — POST /v1/translate on the real daemon, across the hk / cn / mo
# matrix.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_translate_http.sh
#
# Starts `sigbridge serve` on two free loopback ports with a copy of conf/sigbridge.yaml in build/ (ports,
# audit path and policy_dir replaced) and a generated policy set with all six recognition rules
# (translate_lib.sh: absolute paths into SB_PKI, gateway keys in SB_PKI/gw). Then, through HTTP:
#   * the full 3x2 matrix hk->cn, hk->mo, cn->hk, cn->mo, mo->hk, mo->cn: 200, recognised, and each
#     attestation checked by the receiving side's own tool (CN: `sigbridge verify` with only the gateway's
#     CN certificate as anchor plus `openssl pkeyutl -verify -digest sm3 -pkeyopt distid:…` over the signed
#     attributes; HK: `openssl cms -verify`; MO: `xmlsec1 --verify`), the attested object_sha256 equal to
#     the SHA-256 of the posted body, and the audit record of that request (by X-Request-Id) saying so;
#   * rejections: an HK leaf without the mutual-recognition OID is not recognised by CN (POLICY), a revoked
#     CN signer gets no attestation (REVOKED), an iAM Smart envelope whose document does not match its
#     hash is HASH_FAILURE; each reason in the JSON reply and in the audit record of the request;
#   * bad envelopes (translate_lib.sh's bad.list): 400 with the specific ENVELOPE_* code in
#     {"error":{"code",...}}, no audit record, the daemon still serving, and no AddressSanitizer /
#     UBSan report in its log.
# Needs curl, openssl 3.0, python3; xmlsec1 for the MO checks (skipped with a note when missing).
# Prints "N passed, M failed"; exits 1 on any failure.
set -u

BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $PKI in /*) ;; *) PKI=$(pwd)/$PKI ;; esac
if [ ! -x "$BIN" ] || [ ! -f "$PKI/hk/root.pem" ] || [ ! -f "$PKI/gw/gw-cn-sm2.pem" ]; then
    echo "test_translate_http: need $BIN and the fixture PKIs with gw/ in $PKI (sh tests/pki/make-all.sh $PKI)" >&2
    exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "test_translate_http: curl is required" >&2
    exit 2
fi
ROOT=$(pwd)
LIB=$(cd "$(dirname "$0")" && pwd)/translate_lib.sh
if [ ! -f "$ROOT/conf/sigbridge.yaml" ]; then
    echo "test_translate_http: run from the repository root (conf/sigbridge.yaml)" >&2
    exit 2
fi
mkdir -p "$ROOT/build"
# per-run names: `make test` may run in two checkouts' shells at once, and each run removes its own files
CONF=$ROOT/build/test-translate-http-$$.yaml
AUDIT=$ROOT/build/test-translate-http-$$-audit.jsonl
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-translate-http.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null
        wait "$PID" 2>/dev/null
    fi
    rm -rf "$T"
    rm -f "$CONF" "$AUDIT"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2
# shellcheck source=tests/integration/translate_lib.sh
. "$LIB"
write_policies "$T/pol" || exit 2

# ---- the daemon -----------------------------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
API_PORT=$(free_port)
ADM_PORT=$(free_port)
while [ "$ADM_PORT" = "$API_PORT" ]; do
    ADM_PORT=$(free_port)
done
rm -f "$AUDIT"
# the copy lives next to the default (relative paths resolve against the file's directory): the audit
# log goes to build/, the policy set is the generated one
sed -e "s/port: 7420/port: $API_PORT/" -e "s/port: 7421/port: $ADM_PORT/" \
    -e "s|path: ../build/audit.jsonl|path: test-translate-http-$$-audit.jsonl|" \
    -e "s|^policy_dir: .*|policy_dir: $T/pol|" "$ROOT/conf/sigbridge.yaml" >"$CONF"
if ! grep -q "port: $API_PORT" "$CONF" || ! grep -q "policy_dir: $T/pol" "$CONF" ||
    ! grep -q "path: test-translate-http-$$-audit.jsonl" "$CONF"; then
    echo "test_translate_http: conf/sigbridge.yaml changed shape; the sed edits did not apply" >&2
    exit 2
fi
API=http://127.0.0.1:$API_PORT
NODE=$(sed -n 's/^ *node_id: *//p' "$CONF" | head -1)
"$BIN" serve -c "$CONF" >gateway.log 2>&1 &
PID=$!
i=0
until curl -sf "$API/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
        echo "test_translate_http: the gateway did not become ready; its log:" >&2
        cat gateway.log >&2
        exit 1
    fi
    sleep 0.1
done
ok "daemon ready on $API (config build/${CONF##*/}, policies $T/pol)"

# ---- helpers --------------------------------------------------------------------------------------
# post NAME FROM TO CONTENT-TYPE FILE: POST FILE to /v1/translate?from=FROM&to=TO. Reply body in NAME.res
# (flattened: NAME.kv), HTTP status in NAME.status, request id in NAME.rid, the decoded attestation (if
# any) in NAME.att.
post() {
    p_name=$1
    curl -s -D "$p_name.hdr" -o "$p_name.res" -w '%{http_code}' -H "Content-Type: $4" --data-binary @"$5" \
        "$API/v1/translate?from=$2&to=$3" >"$p_name.status" 2>"$p_name.curl"
    tr -d '\r' <"$p_name.hdr" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' | tail -1 >"$p_name.rid"
    rm -f "$p_name.att"
    python3 -S -c "$JFLAT_PY"'
import base64
try:
    v = json.load(open(sys.argv[1]))
except Exception:
    v = {}
v = v if isinstance(v, dict) else {}
flat(v, sys.argv[2])
if v.get("attestation"):
    open(sys.argv[3], "wb").write(base64.b64decode(v["attestation"]))' "$p_name.res" "$p_name.kv" "$p_name.att"
}

# status NAME WANT: the HTTP status of NAME.
status() {
    check "$1: HTTP $2" "$2" "$(cat "$1.status")"
    [ "$(cat "$1.status")" = "$2" ]
}

# audit_of NAME: the audit record of NAME's request (by its X-Request-Id), flattened into NAME.audit
# (empty when there is none).
audit_of() {
    python3 -S -c "$JFLAT_PY"'
path, rid, found = sys.argv[1], sys.argv[2], {}
try:
    for line in open(path):
        try:
            r = json.loads(line)
        except Exception:
            continue
        if rid and isinstance(r, dict) and r.get("request_id") == rid:
            found = r
except OSError:
    pass
flat(found, sys.argv[3])' "$AUDIT" "$(cat "$1.rid")" "$1.audit"
}

audit_count() { if [ -f "$AUDIT" ]; then grep -c . "$AUDIT"; else echo 0; fi; }

# audited NAME FROM TO FILE INDICATION REASON: the audit record of NAME's request names the translation,
# the SHA-256 of FILE, the indication and the reason ("null" for none).
audited() {
    audit_of "$1"
    if [ ! -s "$1.audit" ]; then
        ko "$1: no audit record with request_id '$(cat "$1.rid")' in $AUDIT"
        return
    fi
    check "$1: audit route/from/to" "translate $2 $3" \
        "$(jv "$1.audit" route) $(jv "$1.audit" from) $(jv "$1.audit" to)"
    check "$1: audit object_sha256 = SHA-256 of the body" "$(sha256_of "$4")" "$(jv "$1.audit" object_sha256)"
    check "$1: audit indication" "$5" "$(jv "$1.audit" indication)"
    check "$1: audit reason" "$6" "$(jv "$1.audit" reason)"
}

# matrix NAME FROM TO CONTENT-TYPE FILE FORMAT: a translation that must be recognised and attested in
# FORMAT, checked by TO's own tool.
matrix() {
    post "$1" "$2" "$3" "$4" "$5"
    status "$1" 200 || { ko "$1: reply $(head -c 500 "$1.res")"; return; }
    check "$1: indication" "TOTAL_PASSED" "$(jv "$1.kv" indication)"
    check "$1: recognised" "true" "$(jv "$1.kv" recognition.accepted)"
    check "$1: rule" "$2->$3" "$(jv "$1.kv" recognition.rule)"
    check "$1: attestation_format" "$6" "$(jv "$1.kv" attestation_format)"
    check "$1: object_sha256 = SHA-256 of the body" "$(sha256_of "$5")" "$(jv "$1.kv" object_sha256)"
    check "$1: attested gateway_id = audit.node_id" "$NODE" "$(jv "$1.kv" attested.gateway_id)"
    if [ ! -s "$1.att" ]; then
        ko "$1: no attestation in the reply"
        return
    fi
    case $3 in
    cn) cn_attestation "$1" "$5" ;;
    hk) hk_attestation "$1" "$5" ;;
    mo) mo_attestation "$1" "$5" ;;
    esac
    audited "$1" "$2" "$3" "$5" TOTAL_PASSED null
}

# ---- inputs ---------------------------------------------------------------------------------------
translate_inputs

# ---- the 3x2 matrix -------------------------------------------------------------------------------
matrix hk-cn hk cn application/json iam.json gmt0010
check "hk-cn: attested content_sha256 = SHA-256 of the document" "$(sha256_of doc.txt)" \
    "$(jv hk-cn.kv attested.content_sha256)"
matrix hk-mo hk mo application/json iam-docok.json xmldsig
matrix cn-hk cn hk application/pkcs7-mime cn.p7s cms
matrix cn-mo cn mo application/pkcs7-mime cn.p7s xmldsig
matrix mo-hk mo hk application/xml mo.xml cms
matrix mo-cn mo cn application/xml mo.xml gmt0010
matrix cn-raw-hk cn hk application/json cn-raw.json cms

# ---- rejections: the reason in the reply and in the audit record --------------------------------
post hk-cn-wrongpolicy hk cn application/json iam-wrongpolicy.json
if status hk-cn-wrongpolicy 200; then
    verdict hk-cn-wrongpolicy CHAIN_CONSTRAINTS_FAILURE POLICY
    check "hk-cn-wrongpolicy: not recognised" "false" "$(jv hk-cn-wrongpolicy.kv recognition.accepted)"
    why=$(jv hk-cn-wrongpolicy.kv recognition.why_not)
    case $why in
    *1.2.3.4.5*"hk -> cn"*) ok "hk-cn-wrongpolicy: why_not names the OID 1.2.3.4.5 and the rule hk -> cn" ;;
    *) ko "hk-cn-wrongpolicy: why_not '$why' does not name 1.2.3.4.5 and the rule hk -> cn" ;;
    esac
    audited hk-cn-wrongpolicy hk cn iam-wrongpolicy.json INDETERMINATE POLICY
fi
post cn-hk-revoked cn hk application/pkcs7-mime cn-revoked.p7s
if status cn-hk-revoked 200; then
    verdict cn-hk-revoked REVOKED REVOKED
    audited cn-hk-revoked cn hk cn-revoked.p7s TOTAL_FAILED REVOKED
fi
post cn-mo-revoked cn mo application/pkcs7-mime cn-revoked.p7s
if status cn-mo-revoked 200; then
    verdict cn-mo-revoked REVOKED REVOKED
    audited cn-mo-revoked cn mo cn-revoked.p7s TOTAL_FAILED REVOKED
fi
post hk-cn-docmismatch hk cn application/json iam-docmismatch.json
if status hk-cn-docmismatch 200; then
    verdict hk-cn-docmismatch HASH_FAILURE HASH_MISMATCH
    audited hk-cn-docmismatch hk cn iam-docmismatch.json TOTAL_FAILED HASH_MISMATCH
    check "hk-cn-docmismatch: audit subindication" "HASH_FAILURE" "$(jv hk-cn-docmismatch.audit subindication)"
fi

# ---- bad envelopes: 400 with the specific code, no decision, never a crash ------------------------
bad_inputs
before=$(audit_count)
TAB=$(printf '\t')
while IFS=$TAB read -r b_name b_file b_from b_to b_ct b_code b_needle; do
    post "$b_name" "$b_from" "$b_to" "$b_ct" "$b_file"
    if status "$b_name" 400; then
        input_error "$b_name" "$b_code" "$b_needle"
        check "$b_name: error.status" "400" "$(jv "$b_name.kv" error.status)"
    else
        ko "$b_name: reply $(head -c 400 "$b_name.res")"
    fi
done <bad.list
# truncated envelopes and binary noise declared as JSON
sz=$(wc -c <iam.json)
for cut in 1 2 17 $((sz / 3)) $((sz / 2)) $((sz - 2)) $((sz - 1)); do
    head -c "$cut" iam.json >trunc-$cut.json
    post trunc-$cut hk cn application/json trunc-$cut.json
    status trunc-$cut 400 && check "trunc-$cut: error code" "ENVELOPE_BAD_JSON" "$(jv trunc-$cut.kv error.code)"
done
head -c 3000 "$PKI/hk/leaf.der" >noise.bin
post noise hk cn application/json noise.bin
status noise 400 && check "noise: error code" "ENVELOPE_BAD_JSON" "$(jv noise.kv error.code)"
check "bad envelopes: no audit record written" "$before" "$(audit_count)"
if curl -sf "$API/readyz" >/dev/null 2>&1 && kill -0 "$PID" 2>/dev/null; then
    ok "the daemon still serves after the bad envelopes"
else
    ko "the daemon stopped serving"
fi

# ---- the audit log and the daemon's own log -------------------------------------------------------
post hk-cn-again hk cn application/json iam.json
status hk-cn-again 200 && audited hk-cn-again hk cn iam.json TOTAL_PASSED null
if "$BIN" audit verify "$AUDIT" >audit-verify.out 2>&1; then
    ok "audit verify: the hash chain of $(audit_count) records is intact"
else
    ko "audit verify: $(head -c 400 audit-verify.out)"
fi
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
if grep -qE "AddressSanitizer|LeakSanitizer|runtime error" gateway.log; then
    ko "sanitizer report in the daemon log: $(grep -E -m 3 'AddressSanitizer|LeakSanitizer|runtime error' gateway.log)"
else
    ok "no AddressSanitizer / UBSan report in the daemon log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

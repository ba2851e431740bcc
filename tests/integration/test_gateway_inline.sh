#!/bin/sh
# tests/integration/test_gateway_inline.sh — validations answered on the event loop that received them
# (config `inline_budget_us`, gateway/daemon/verify_job.c, pki/base/work_budget.h), on the real `sigbridge serve`.
#
#   1. default budget: RSA and ECDSA objects — valid, revoked (by a CRL of the policy), expired, tampered —
#      are answered on the loop (sigbridge_loop_validations_total{outcome="answered"}) with the verdict and
#      reason a worker gives; each decision has its audit record, in chain order (`sigbridge audit verify`).
#   2. a budget of 100 µs: an RSA object still fits (two cheap certificate decodes, two RSA-2048
#      verifications); an SM2 object (one verification is ~370 µs) and an XML-DSig document are deferred to a
#      worker ({outcome="deferred"}) and get the same verdicts and reasons as with no budget.
#   3. inline_budget_us: 0, and audit fsync: every (a record's fdatasync must not stall a loop): nothing runs on
#      a loop, the verdicts are unchanged.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects

BUDGET_LINE=""
FSYNC=batch
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
$BUDGET_LINE
cache: { chains: 100, certificates: 100 }
audit: { path: $TMP/audit-$FSYNC.jsonl, fsync: $FSYNC, node_id: it-inline }
EOF
}
post() { # post NAME FILE JUR CONTENT_TYPE PY_EXPR
    t "$1" 200 "$5" -X POST --data-binary "@$O/$2" -H "Content-Type: $4" "http://127.0.0.1:$API/v1/verify?from=$3"
}
answered() { metric "$ADM" '^sigbridge_loop_validations_total\{outcome="answered"\}'; }
deferred() { metric "$ADM" '^sigbridge_loop_validations_total\{outcome="deferred"\}'; }
PASSED='d["indication"] == "TOTAL_PASSED" and d["reason"] is None'
REVOKED='d["indication"] == "TOTAL_FAILED" and d["reason"] == "REVOKED"'
EXPIRED='d["indication"] == "INDETERMINATE" and d["reason"] == "CERT_EXPIRED"'
HASH='d["indication"] == "TOTAL_FAILED" and d["reason"] == "HASH_MISMATCH"'

section "1. default budget: cheap validations are answered on the loop, verdicts as on a worker"
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
a0=$(answered); d0=$(deferred)
check_sh "the counters are exported (answered ${a0:-none}, deferred ${d0:-none})" '[ "$a0" = 0 ] && [ "$d0" = 0 ]'
post "hk (RSA): TOTAL_PASSED" hk.p7s hk application/cms "$PASSED"
post "hk again (path cached): TOTAL_PASSED" hk.p7s hk application/cms "$PASSED"
post "mo (ECDSA under RSA): TOTAL_PASSED" mo.p7s mo application/cms "$PASSED"
post "hk leaf-revoked (int.crl): TOTAL_FAILED/REVOKED" hk-revoked.p7s hk application/cms "$REVOKED"
post "mo leaf-revoked: TOTAL_FAILED/REVOKED" mo-revoked.p7s mo application/cms "$REVOKED"
post "hk leaf-expired: INDETERMINATE/CERT_EXPIRED" hk-expired.p7s hk application/cms "$EXPIRED"
post "hk tampered: TOTAL_FAILED/HASH_MISMATCH" hk-tampered.p7s hk application/cms "$HASH"
a1=$(answered); d1=$(deferred)
check_sh "the 7 validations were answered on the loop (answered $a0 -> $a1, deferred $d0 -> $d1)" \
    '[ "$((a1 - a0))" -eq 7 ] && [ "$d1" -eq "$d0" ]'
stop_daemon
check_sh "daemon drained and exited 0" '[ "$rc" -eq 0 ]'
n=$(wc -l <"$TMP/audit-batch.jsonl")
check_sh "one audit record per decision (7 = $n)" '[ "$n" -eq 7 ]'
check "the audit chain verifies (sigbridge audit verify)" sh -c '"$0" audit verify "$1" >/dev/null' "$SB_BIN" "$TMP/audit-batch.jsonl"

section "2. a budget of 100 µs: SM2 and XML go to a worker, with the same verdicts"
BUDGET_LINE="inline_budget_us: 100"
rm -f "$TMP/audit-batch.jsonl"
start_daemon d2 conf || { bad "daemon (inline_budget_us: 100) did not start"; gw_finish; exit 1; }
post "hk (RSA, fits in 100 µs): TOTAL_PASSED" hk.p7s hk application/cms "$PASSED"
a1=$(answered); d1=$(deferred)
check_sh "the RSA object was answered on the loop (answered $a1, deferred $d1)" '[ "$a1" -eq 1 ] && [ "$d1" -eq 0 ]'
post "cn (SM2): TOTAL_PASSED" cn.p7s cn application/cms "$PASSED"
post "cn leaf-revoked (SM2): TOTAL_FAILED/REVOKED" cn-revoked.p7s cn application/cms "$REVOKED"
post "cn tampered (SM2): TOTAL_FAILED/HASH_MISMATCH" cn-tampered.p7s cn application/cms "$HASH"
post "mo XML-DSig: TOTAL_PASSED" mo.xml mo application/xml "$PASSED"
post "mo XML-DSig tampered: TOTAL_FAILED/HASH_MISMATCH" mo-tampered.xml mo application/xml "$HASH"
a2=$(answered); d2=$(deferred)
check_sh "the 3 SM2 objects and 2 XML documents were deferred to a worker (deferred $d1 -> $d2, answered $a1 -> $a2)" \
    '[ "$((d2 - d1))" -eq 5 ] && [ "$a2" -eq "$a1" ]'
stop_daemon
check_sh "daemon drained and exited 0" '[ "$rc" -eq 0 ]'
check "the audit chain verifies (sigbridge audit verify)" sh -c '"$0" audit verify "$1" >/dev/null' "$SB_BIN" "$TMP/audit-batch.jsonl"

section "3. inline_budget_us: 0, and fsync: every: every validation on a worker"
for mode in off every; do
    if [ "$mode" = off ]; then BUDGET_LINE="inline_budget_us: 0"; FSYNC=batch; else BUDGET_LINE=""; FSYNC=every; fi
    rm -f "$TMP/audit-$FSYNC.jsonl"
    start_daemon "d3-$mode" conf || { bad "daemon ($mode) did not start"; gw_finish; exit 1; }
    post "$mode: hk: TOTAL_PASSED" hk.p7s hk application/cms "$PASSED"
    post "$mode: hk leaf-revoked: TOTAL_FAILED/REVOKED" hk-revoked.p7s hk application/cms "$REVOKED"
    post "$mode: cn: TOTAL_PASSED" cn.p7s cn application/cms "$PASSED"
    a=$(answered); d=$(deferred)
    check_sh "$mode: nothing ran on a loop (answered $a, deferred $d)" '[ "$a" -eq 0 ] && [ "$d" -eq 0 ]'
    stop_daemon
    check_sh "$mode: daemon drained and exited 0" '[ "$rc" -eq 0 ]'
done

gw_finish

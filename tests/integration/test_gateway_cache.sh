#!/bin/sh
# tests/integration/test_gateway_cache.sh — the daemon's caches never serve a stale verdict.
#
# With every cache on (validated paths, decoded certificates, SM2 key forms), on the real `sigbridge serve`:
#   1. a repeat signer is answered from the validated-path cache (hits counted), for hk (RSA), mo (ECDSA)
#      and cn (SM2, whose key form + ZA is counted in the SM2 key cache);
#   2. a CRL added to the policy and reloaded (SIGHUP) revokes a signer whose path was cached a moment
#      before: REVOKED at once, the reload counted as a cache flush;
#   3. a policy edit (policy_oids no longer matching) rejects a signer whose path was cached: POLICY;
#   4. an expired signer is never answered from the cache, however often it comes (its path never
#      validates, so it is never stored: misses only);
#   5. with the path and certificate caches off, the CA-certificate and CRL signatures are verified when a
#      snapshot is loaded (cache.prefixes) and never per request; a reload verifies the new ones; an
#      expired or revoked signer is still refused; prefixes: 0 turns the memo off.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
# Phase 1 policy: hk checks only the root's CRL, so leaf-revoked (listed in int.crl) still passes.
cp "$POL/hk.yaml" "$TMP/hk.yaml.full"
grep -v 'hk/int.crl' "$TMP/hk.yaml.full" >"$POL/hk.yaml"

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
cache: { chains: 100, certificates: 100 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-cache }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

post() { # post NAME FILE JUR STATUS PY_EXPR
    t "$1" "$4" "$5" -X POST --data-binary "@$O/$2" -H 'Content-Type: application/cms' \
        "http://127.0.0.1:$API/v1/verify?from=$3"
}
hits() { metric "$ADM" '^sigbridge_chain_cache_hits_total'; }
misses() { metric "$ADM" '^sigbridge_chain_cache_misses_total'; }
reload_and_wait() { # SIGHUP, then wait until the snapshot generation moves
    before=$(metric "$ADM" '^sigbridge_reloads_total\{result="ok"\}')
    kill -HUP "$DPID"
    i=0
    while [ $i -lt 100 ]; do
        now=$(metric "$ADM" '^sigbridge_reloads_total\{result="ok"\}')
        [ -n "$now" ] && [ "$now" != "$before" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
PASSED='d["indication"] == "TOTAL_PASSED"'

section "1. repeat signers are served from the caches"
h0=$(hits)
for k in 1 2 3; do
    post "hk repeat $k: TOTAL_PASSED" hk.p7s hk 200 "$PASSED"
    post "mo repeat $k: TOTAL_PASSED" mo.p7s mo 200 "$PASSED"
    post "cn repeat $k: TOTAL_PASSED" cn.p7s cn 200 "$PASSED"
done
h1=$(hits)
check_sh "6 of the 9 answers came from the validated-path cache (hits $h0 -> $h1)" '[ "$((h1 - h0))" -ge 6 ]'
sm2h=$(metric "$ADM" '^sigbridge_sm2_key_cache_hits_total')
check_sh "SM2 key form + ZA reused (sm2 key cache hits $sm2h >= 2)" '[ "${sm2h:-0}" -ge 2 ]'
certh=$(metric "$ADM" '^sigbridge_cert_cache_hits_total')
check_sh "carried certificates decoded once (certificate cache hits $certh >= 6)" '[ "${certh:-0}" -ge 6 ]'

section "2. a CRL loaded by a reload revokes a cached signer at once"
post "hk leaf-revoked without int.crl: TOTAL_PASSED" hk-revoked.p7s hk 200 "$PASSED"
post "hk leaf-revoked again (now cached): TOTAL_PASSED" hk-revoked.p7s hk 200 "$PASSED"
f0=$(metric "$ADM" '^sigbridge_chain_cache_flushes_total')
cp "$TMP/hk.yaml.full" "$POL/hk.yaml"
check "reload with hk/int.crl added" reload_and_wait
f1=$(metric "$ADM" '^sigbridge_chain_cache_flushes_total')
check_sh "the reload flushed the validated-path cache ($f0 -> $f1)" '[ "$((f1 - f0))" -eq 1 ]'
for k in 1 2; do
    post "hk leaf-revoked after the reload ($k): TOTAL_FAILED/REVOKED" hk-revoked.p7s hk 200 \
        'd["indication"] == "TOTAL_FAILED" and d["reason"] == "REVOKED"'
done

section "3. a policy edit rejects a cached signer"
post "hk leaf (cached again): TOTAL_PASSED" hk.p7s hk 200 "$PASSED"
post "hk leaf (from the cache): TOTAL_PASSED" hk.p7s hk 200 "$PASSED"
sed 's#policy_oids: \[.*\]#policy_oids: ["1.2.3.4.5.6.7"]#' "$TMP/hk.yaml.full" >"$POL/hk.yaml"
check_sh "policy_oids edited" 'grep -q "1.2.3.4.5.6.7" "$POL/hk.yaml"'
check "reload with the new policy_oids" reload_and_wait
for k in 1 2; do
    post "hk leaf under the edited policy ($k): INDETERMINATE/POLICY" hk.p7s hk 200 \
        'd["indication"] == "INDETERMINATE" and d["reason"] == "POLICY"'
done
cp "$TMP/hk.yaml.full" "$POL/hk.yaml"
check "reload back to the shipped policy" reload_and_wait
post "hk leaf under the shipped policy again: TOTAL_PASSED" hk.p7s hk 200 "$PASSED"

section "4. an expired signer is never served from the cache"
m0=$(misses); h0=$(hits)
for k in 1 2 3; do
    post "hk leaf-expired ($k): INDETERMINATE/CERT_EXPIRED" hk-expired.p7s hk 200 'd["indication"] == "INDETERMINATE" and d["reason"] == "CERT_EXPIRED"'
done
m1=$(misses); h1=$(hits)
check_sh "3 misses and no hit for the expired signer (misses $m0 -> $m1, hits $h0 -> $h1)" \
    '[ "$((m1 - m0))" -eq 3 ] && [ "$h1" -eq "$h0" ]'

stop_daemon
check_sh "daemon drained and exited 0" '[ "$rc" -eq 0 ]'

section "5. a new signer costs its own signatures: CA and CRL signatures are verified at load (cache.prefixes)"
# Without the path and certificate caches every request builds its path; the intermediate's and the CRLs'
# signatures must come from the memo filled when the snapshot was loaded, never verified per request.
conf_prefix() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
cache: { chains: 0, certificates: 0, prefixes: $1 }
audit: { path: $TMP/audit-$1.jsonl, fsync: batch, node_id: it-cache }
EOF
}
conf_memo() { conf_prefix 64; }
conf_nomemo() { conf_prefix 0; }
pm() { metric "$ADM" "^sigbridge_prefix_memo_$1"; }
start_daemon d2 conf_memo || { bad "daemon (prefixes: 64) did not start"; gw_finish; exit 1; }
v0=$(pm misses_total); u0=$(pm hits_total)
check_sh "the snapshot's CA and CRL signatures were verified at load (verified $v0 > 0, hits ${u0:-?} = 0)" \
    '[ "${v0:-0}" -gt 0 ] && [ "${u0:-1}" -eq 0 ]'
for k in 1 2; do
    post "hk leaf, path built ($k): TOTAL_PASSED" hk.p7s hk 200 "$PASSED"
    post "mo leaf, path built ($k): TOTAL_PASSED" mo.p7s mo 200 "$PASSED"
    post "cn leaf, path built ($k): TOTAL_PASSED" cn.p7s cn 200 "$PASSED"
done
post "hk leaf-expired, path built: INDETERMINATE/CERT_EXPIRED" hk-expired.p7s hk 200 \
    'd["indication"] == "INDETERMINATE" and d["reason"] == "CERT_EXPIRED"'
v1=$(pm misses_total); u1=$(pm hits_total)
check_sh "no CA or CRL signature verified per request (verified $v0 -> $v1), all from the memo (hits $u1 >= 18)" \
    '[ "$v1" -eq "$v0" ] && [ "${u1:-0}" -ge 18 ]'
check "reload (the memo is emptied and filled again from the new snapshot)" reload_and_wait
v2=$(pm misses_total)
check_sh "the reloaded snapshot's signatures were verified once more ($v1 -> $v2)" '[ "$((v2 - v1))" -eq "$v0" ]'
post "hk leaf-revoked after the reload: TOTAL_FAILED/REVOKED" hk-revoked.p7s hk 200 \
    'd["indication"] == "TOTAL_FAILED" and d["reason"] == "REVOKED"'
stop_daemon
check_sh "daemon (prefixes: 64) drained and exited 0" '[ "$rc" -eq 0 ]'
start_daemon d3 conf_nomemo || { bad "daemon (prefixes: 0) did not start"; gw_finish; exit 1; }
post "hk leaf without the memo: TOTAL_PASSED" hk.p7s hk 200 "$PASSED"
post "cn leaf without the memo: TOTAL_PASSED" cn.p7s cn 200 "$PASSED"
check_sh "prefixes: 0 is off (capacity $(pm capacity), hits $(pm hits_total))" \
    '[ "$(pm capacity)" -eq 0 ] && [ "$(pm hits_total)" -eq 0 ] && [ "$(pm misses_total)" -eq 0 ]'
stop_daemon
check_sh "daemon (prefixes: 0) drained and exited 0" '[ "$rc" -eq 0 ]'
gw_finish

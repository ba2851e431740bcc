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
#      validates, so it is never stored: misses only).
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
gw_finish

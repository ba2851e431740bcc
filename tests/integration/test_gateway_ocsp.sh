#!/bin/sh
# tests/integration/test_gateway_ocsp.sh — OCSP status fetched by `sigbridge serve` from the responders named in
# the certificates' authorityInfoAccess (revocation.sources: [embedded, ocsp, files], gateway/daemon/ocsp_fetch.c).
#
# Its own PKI, made here by the openssl CLI (one CA, EC P-256, leaves signed directly by it), whose leaves carry
# OCSP URLs on loopback ports chosen now. Responders: three real `openssl ocsp -index` servers (R1 signed by
# the CA itself, nextUpdate 1 min; R2 a delegated responder with id-kp-OCSPSigning, no nextUpdate, so
# revocation.max_age_s = 4 s is the window; R3 a responder certificate without OCSPSigning), and ocsp_server.py
# serving canned responses made by `openssl ocsp -reqin ... -respout` (stale, for another certificate, tampered,
# slow) and misbehaving (stall, trickle, oversize, redirect). hk runs the policy under require, mo under prefer.
# Cases: good; revoked (reason, time); unknown; delegated; responder without OCSPSigning; stale; another
# certificate's response; tampered; responder down; stall and trickle (answered within timeout_ms + 1 s);
# oversize; responder outside revocation.fetch.allow and a redirect out of it (never contacted); the cache (a
# second policy asks nothing of the network, nor a reload); 100 concurrent requests for one uncached certificate (one OCSP
# request) while another certificate is answered; a certificate revoked while the gateway runs, refused once
# its cached response's window ends, with no reload (the background refresh fetched the new status).
# With revocation_cache.dir a fetched response is written to DIR/ocsp/, and a restarted daemon answers from it
# without asking the responder.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
K=$TMP/pki
R=$TMP/resp
mkdir -p "$K" "$R"
ports=""
newport() { while :; do p=$(free_port); case " $ports " in *" $p "*) ;; *) ports="$ports $p"; echo "$p"; return;; esac; done; }
PR1=$(newport); PR2=$(newport); PR3=$(newport); PPY=$(newport); PX=$(newport); PD=$(newport)

section "0. a PKI with OCSP responders on 127.0.0.1: $PR1 (CA), $PR2 (delegated), $PR3 (no OCSPSigning), $PPY (canned), $PX (outside), $PD (down)"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/$1.key"; }
mkkey ca
ossl req -x509 -new -key "$K/ca.key" -subj "/O=sigbridge test/CN=OCSP test CA" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$K/ca.pem"
mkdir -p "$K/db"
: >"$K/db/index.txt"
cat >"$K/ca.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
database = $K/db/index.txt
certificate = $K/ca.pem
private_key = $K/ca.key
default_md = sha256
EOF
issue() { # issue NAME SERIAL SUBJECT_CN OCSP_URL [EXTRA_EXT]
    mkkey "$1"
    printf '[ e ]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\n%s\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' \
        "${5:-authorityInfoAccess = OCSP;URI:$4}" >"$K/$1.ext"
    ossl req -new -key "$K/$1.key" -subj "/O=sigbridge test/CN=$3" -out "$K/$1.csr"
    ossl x509 -req -in "$K/$1.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -set_serial "$2" -days 365 -sha256 \
        -extfile "$K/$1.ext" -extensions e -out "$K/$1.pem"
}
valid() { ossl ca -config "$K/ca.cnf" -valid "$K/$1.pem"; }
# responder certificates: delegated (id-kp-OCSPSigning, nocheck) and one without OCSPSigning
issue resp 900 "OCSP delegated responder" x \
    "extendedKeyUsage = OCSPSigning
noCheck = ignored"
issue noekuresp 901 "OCSP responder without OCSPSigning" x "extendedKeyUsage = clientAuth"
U1="http://127.0.0.1:$PR1/"
U2="http://127.0.0.1:$PR2/"
U3="http://127.0.0.1:$PR3/"
UP="http://127.0.0.1:$PPY"
issue good 101 "good leaf" "$U1"
issue revoked 102 "revoked leaf" "$U1"
issue unknown 103 "leaf the responder does not know" "$U1"
issue deleg 104 "leaf answered by a delegated responder" "$U2"
issue live 105 "leaf revoked while the gateway runs" "$U2"
issue noeku 106 "leaf answered by a responder without OCSPSigning" "$U3"
issue stale 107 "leaf with a stale response" "$UP/stale"
issue other 108 "leaf answered about another certificate" "$UP/other"
issue tampered 109 "leaf with a tampered response" "$UP/tampered"
issue down 110 "leaf whose responder is down" "http://127.0.0.1:$PD/"
issue stall 111 "leaf whose responder stalls" "$UP/stall"
issue trickle 112 "leaf whose responder trickles" "$UP/trickle"
issue big 113 "leaf whose responder sends too much" "$UP/big"
issue outside 114 "leaf with a responder outside the allow-list" "http://127.0.0.1:$PX/outside"
issue redirect 115 "leaf whose responder redirects out of the allow-list" "$UP/redirect"
issue burst 116 "leaf asked 100 times at once" "$UP/slowburst"
issue ldap 117 "leaf with an ldap responder" "ldap://127.0.0.1:$PR1/ocsp"
issue slowtwo 118 "leaf whose responder answers after 2 s" "$UP/slowtwo"
issue fresh 119 "leaf asked while another one's fetch is in flight" "$U1"
for l in good deleg live noeku stale other tampered burst slowtwo fresh; do valid "$l"; done
ossl ca -config "$K/ca.cnf" -revoke "$K/revoked.pem" -crl_reason keyCompromise

# canned responses (the CA signs; -resp_no_certs: the last bytes of the DER are the signature's)
canned() { # canned NAME CERT [openssl ocsp options]
    n=$1 c=$2; shift 2
    ossl ocsp -issuer "$K/ca.pem" -cert "$K/$c.pem" -no_nonce -reqout "$R/$n.req"
    ossl ocsp -index "$K/db/index.txt" -CA "$K/ca.pem" -rsigner "$K/ca.pem" -rkey "$K/ca.key" -reqin "$R/$n.req" \
        -respout "$R/$n.der" -resp_no_certs "$@"
}
canned stale stale                       # no nextUpdate: stale once revocation.max_age_s (4 s) has passed
STALE_AT=$(date +%s)
canned other good -ndays 1               # about the good leaf, served for "other"
canned tampered tampered -ndays 1
canned slowburst burst -ndays 1
canned slowtwo slowtwo -ndays 1
py - "$R/tampered.der" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[-3] ^= 0x01; open(p, 'wb').write(bytes(b))
PY

printf 'OCSP test: a document signed by one leaf\n' >"$TMP/doc.txt"
for l in good revoked unknown deleg live noeku stale other tampered down stall trickle big outside redirect burst ldap \
    slowtwo fresh; do
    ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/$l.pem" -inkey "$K/$l.key" \
        -md sha256 -out "$TMP/$l.p7s"
done

responder() { # responder PORT SIGNER [options]: a real openssl ocsp responder in the background
    port=$1 signer=$2; shift 2
    openssl ocsp -index "$K/db/index.txt" -CA "$K/ca.pem" -rsigner "$K/$signer.pem" -rkey "$K/$signer.key" \
        -port "$port" "$@" >>"$TMP/responder_$port.log" 2>&1 &
    RPID=$!
    PIDS="$PIDS $RPID"
}
# (not wait_listen: OpenSSL 3.0's responder hangs on a connection closed without a request, as a probe's)
wait_responder() { # wait_responder PORT [N]: its log says it listens (for the N-th time)
    i=0
    while [ "$(grep -c 'waiting for OCSP client connections' "$TMP/responder_$1.log" 2>/dev/null)" -lt "${2:-1}" ]; do
        i=$((i + 1)); [ $i -lt 200 ] || { bad "responder on $1 did not start"; return 1; }; sleep 0.05
    done
}
responder "$PR1" ca -nmin 1
responder "$PR2" resp
R2PID=$RPID
responder "$PR3" noekuresp -nmin 1
"$PYBIN" -S "$ROOT/tests/integration/ocsp_server.py" "$PPY" "$R" "http://127.0.0.1:$PX/" >>"$TMP/ocsp_server.log" 2>&1 &
PIDS="$PIDS $!"
"$PYBIN" -S "$ROOT/tests/integration/ocsp_server.py" "$PX" "$R" >>"$TMP/ocsp_server.log" 2>&1 &
PIDS="$PIDS $!"
for p in "$PR1" "$PR2" "$PR3"; do wait_responder "$p"; done
for p in "$PPY" "$PX"; do wait_listen "$p"; done
count() { curl -s --max-time 5 "http://127.0.0.1:$1/_count${2:+/$2}"; }

policy() { # policy JURISDICTION MODE
    cat <<EOF
jurisdiction: $1
description: OCSP integration test ($2)
trust_anchors:
  - file: $K/ca.pem
revocation:
  mode: $2
  sources: [embedded, ocsp, files]
  max_age_s: 4
  fetch:
    allow: ["$U1", "$U2", "$U3", "$UP/", "http://127.0.0.1:$PD/"]
    timeout_ms: 1000
    max_bytes: 64KiB
EOF
}
policy hk require >"$POL/hk.yaml"
policy mo prefer >"$POL/mo.yaml"
policy nx require | sed 's/^  max_age_s: 4$/  max_age_s: 4\n  ocsp_nonce: true/' >"$POL/nx.yaml"
policy bx require | sed 's/timeout_ms: 1000/timeout_ms: 5000/' >"$POL/bx.yaml"

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 4
cache: { chains: 100, certificates: 100 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-ocsp }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

post() { # post NAME LEAF JUR PY_EXPR
    t "$1" 200 "$4" -X POST --data-binary "@$TMP/$2.p7s" -H 'Content-Type: application/cms' \
        "http://127.0.0.1:$API/v1/verify?from=$3"
}
PASSED='d["indication"] == "TOTAL_PASSED" and d["reason"] is None'
REVOKED='d["indication"] == "TOTAL_FAILED" and d["subindication"] == "REVOKED" and d["reason"] == "REVOKED"'
UNAVAIL='d["indication"] == "INDETERMINATE" and d["subindication"] == "TRY_LATER" and d["reason"] == "REVOCATION_UNAVAILABLE"'
msg() { echo "$UNAVAIL and '$1' in d['message']"; }
m() { metric "$ADM" "$1"; }
mf() { curl -s --max-time 10 "http://127.0.0.1:$ADM/metrics" | grep -F "$1 " | head -1 | awk '{print $NF}'; }
both() { # both NAME LEAF REQUIRE_TEXT: require INDETERMINATE/TRY_LATER naming the text, prefer TOTAL_PASSED
    post "$1 (require): INDETERMINATE/TRY_LATER, '$3'" "$2" hk "$(msg "$3")"
    post "$1 (prefer): TOTAL_PASSED without status" "$2" mo "$PASSED"
}

section "1. good (CA-signed responder): passes; the second policy is answered from the OCSP cache"
post "good leaf (require): TOTAL_PASSED" good hk "$PASSED"
f0=$(m '^sigbridge_ocsp_fetches_total'); h0=$(m '^sigbridge_ocsp_cache_hits_total')
post "good leaf (prefer, another policy: its own path, the same OCSP cache): TOTAL_PASSED" good mo "$PASSED"
f1=$(m '^sigbridge_ocsp_fetches_total'); h1=$(m '^sigbridge_ocsp_cache_hits_total')
check_sh "the cached response served it: no fetch ($f0 -> $f1), one hit ($h0 -> $h1)" '[ "$f1" = "$f0" ] && [ "$((h1 - h0))" = 1 ]'
g=$(mf 'sigbridge_ocsp_requests_total{result="good"}')
check_sh "metrics: sigbridge_ocsp_requests_total{result=\"good\"} = 2 ($g)" '[ "$g" = 2 ]'

f2=$(m '^sigbridge_ocsp_fetches_total')
post "good leaf under a policy with ocsp_nonce (the responder echoes it): TOTAL_PASSED" good nx "$PASSED"
f3=$(m '^sigbridge_ocsp_fetches_total'); h3=$(m '^sigbridge_ocsp_cache_hits_total')
check_sh "ocsp_nonce: the cached response (sent without a nonce) is not reused: fetched ($f2 -> $f3), no hit ($h1 -> $h3)" \
    '[ "$((f3 - f2))" = 1 ] && [ "$h3" = "$h1" ]'
post "good leaf under hk again (its path is cached): TOTAL_PASSED" good hk "$PASSED"

section "2. revoked: TOTAL_FAILED/REVOKED with the time and the reason, both modes"
post "revoked leaf (require): TOTAL_FAILED/REVOKED, revocation time and reason 1 (keyCompromise)" revoked hk \
    "$REVOKED and 'revoked according to OCSP' in d['message'] and 'revoked at 20' in d['message'] and 'reason 1' in d['message']"
post "revoked leaf (prefer): TOTAL_FAILED/REVOKED" revoked mo "$REVOKED"

section "2b. a policy reload does not flush the OCSP cache"
sed -i 's/^description: .*/description: OCSP integration test (require, reloaded)/' "$POL/hk.yaml"
t "POST /admin/reload with hk changed: ok, changed" 200 "d['result'] == 'ok' and d['changed']" -X POST \
    "http://127.0.0.1:$ADM/admin/reload"
f0=$(m '^sigbridge_ocsp_fetches_total'); h0=$(m '^sigbridge_ocsp_cache_hits_total')
post "good leaf (require) after the reload: TOTAL_PASSED" good hk "$PASSED"
f1=$(m '^sigbridge_ocsp_fetches_total'); h1=$(m '^sigbridge_ocsp_cache_hits_total')
check_sh "answered from the OCSP cache kept across the reload: no fetch ($f0 -> $f1), a hit ($h0 -> $h1)" \
    '[ "$f1" = "$f0" ] && [ "$((h1 - h0))" = 1 ]'

section "3. unknown"
both "unknown leaf" unknown "does not know"

section "4. delegated responder (id-kp-OCSPSigning): passes; responder without OCSPSigning: unusable"
post "delegated (require): TOTAL_PASSED" deleg hk "$PASSED"
both "responder without OCSPSigning" noeku "RESPONDER_NO_OCSP_SIGNING"

section "5. canned responses: stale, another certificate's, tampered"
while [ "$(date +%s)" -le "$((STALE_AT + 5))" ]; do sleep 0.2; done
both "stale response (no nextUpdate, older than max_age_s 4)" stale "[STALE]"
both "response about another certificate" other "[OTHER_CERT]"
both "tampered response" tampered "[BAD_SIGNATURE]"
check_sh "unusable responses are not cached (stale fetched $(count "$PPY" stale) times)" '[ "$(count "$PPY" stale)" = 2 ]'

section "6. responder down, stalling, trickling, oversize"
both "responder down" down "cannot connect to http://127.0.0.1:$PD/"
timed() { # timed NAME LEAF JUR PY_EXPR: the request's own time (curl's time_total), then its verdict checked
    ms=$(curl -s -o "$TMP/tbody" -w '%{time_total}' --max-time 10 -X POST --data-binary "@$TMP/$2.p7s" \
        -H 'Content-Type: application/cms' "http://127.0.0.1:$API/v1/verify?from=$3" | awk '{printf "%d", $1 * 1000}')
    check_sh "$1: answered in $ms ms (timeout_ms 1000; bound 2000)" '[ "$ms" -le 2000 ]'
    if py -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/tbody" "$4"; then ok "$1"; else bad "$1" "$(head -c 300 "$TMP/tbody")"; fi
}
timed "stall (require): INDETERMINATE/TRY_LATER" stall hk "$(msg 'within')"
timed "stall (prefer): TOTAL_PASSED without status" stall mo "$PASSED"
timed "trickle, a byte every 500 ms (require): INDETERMINATE/TRY_LATER, cut at the deadline" trickle hk "$(msg 'within')"
both "a response over max_bytes (64 KiB)" big "cap of 65536 bytes"

section "7. the allow-list: never contacted outside it, not even after a redirect; other schemes refused"
both "responder outside the allow-list" outside "not fetched"
both "redirect out of the allow-list" redirect "redirect"
check_sh "the redirect was received ($(count "$PPY" redirect) requests)" '[ "$(count "$PPY" redirect)" = 2 ]'
check_sh "the listener outside the allow-list saw no request at all ($(count "$PX"))" '[ "$(count "$PX")" = 0 ]'
both "an ldap: responder" ldap "ldap"

section "8. 100 concurrent requests for one uncached certificate (responder answers after 2 s; bx: timeout_ms 5000): one OCSP request; another certificate answered meanwhile"
py - "$API" "$TMP/burst.p7s" >"$TMP/burst.out" 2>&1 <<'PY' &
import json, sys, threading, urllib.request
api, path = sys.argv[1], sys.argv[2]
body = open(path, 'rb').read()
res = []
def one():
    rq = urllib.request.Request('http://127.0.0.1:%s/v1/verify?from=bx' % api, data=body,
                                headers={'Content-Type': 'application/cms'})
    try:
        with urllib.request.urlopen(rq, timeout=30) as r:
            res.append(json.loads(r.read())['indication'])
    except Exception as e:
        res.append('error %r' % e)
ts = [threading.Thread(target=one) for _ in range(100)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(1 for r in res if r == 'TOTAL_PASSED'), len(res), sorted(set(res)))
PY
BPID=$!
sleep 0.5
ms=$(curl -s -o "$TMP/mbody" -w '%{time_total}' --max-time 10 -X POST --data-binary "@$TMP/good.p7s" \
    -H 'Content-Type: application/cms' "http://127.0.0.1:$API/v1/verify?from=hk" | awk '{printf "%d", $1 * 1000}')
check_sh "meanwhile: the good leaf (status cached) TOTAL_PASSED in $ms ms, while the burst's responder still holds its reply" \
    'grep -q "\"indication\":\"TOTAL_PASSED\"" "$TMP/mbody" && [ "$ms" -lt 1000 ] && [ "$(count "$PPY" slowburst)" = 1 ]'
wait "$BPID"
check_sh "all 100 passed ($(cat "$TMP/burst.out"))" '[ "$(cut -d" " -f1-2 "$TMP/burst.out")" = "100 100" ]'
check_sh "the responder received exactly one request ($(count "$PPY" slowburst))" '[ "$(count "$PPY" slowburst)" = 1 ]'

# the same with another *uncached* certificate: workers are free, its fetch is not held up by the slow one
for i in 1 2; do
    curl -s -o "$TMP/slowtwo.$i" --max-time 10 -X POST --data-binary "@$TMP/slowtwo.p7s" \
        -H 'Content-Type: application/cms' "http://127.0.0.1:$API/v1/verify?from=bx" &
    SPIDS="${SPIDS:-} $!"
done
sleep 0.5
ms=$(curl -s -o "$TMP/fbody" -w '%{time_total}' --max-time 10 -X POST --data-binary "@$TMP/fresh.p7s" \
    -H 'Content-Type: application/cms' "http://127.0.0.1:$API/v1/verify?from=hk" | awk '{printf "%d", $1 * 1000}')
check_sh "an uncached leaf fetched from its responder while another leaf's fetch is in flight: TOTAL_PASSED in $ms ms" \
    'grep -q "\"indication\":\"TOTAL_PASSED\"" "$TMP/fbody" && [ "$ms" -lt 1000 ]'
for p in $SPIDS; do wait "$p"; done
check_sh "the two requests for the slow leaf shared one OCSP request ($(count "$PPY" slowtwo)) and passed" \
    '[ "$(count "$PPY" slowtwo)" = 1 ] && grep -q TOTAL_PASSED "$TMP/slowtwo.1" && grep -q TOTAL_PASSED "$TMP/slowtwo.2"'

section "9. a certificate revoked while the gateway runs is refused once its response's window ends, no reload"
post "live leaf, responder says good (require): TOTAL_PASSED" live hk "$PASSED"
LIVE_AT=$(date +%s)
ossl ca -config "$K/ca.cnf" -revoke "$K/live.pem" -crl_reason superseded
kill "$R2PID" 2>/dev/null; wait "$R2PID" 2>/dev/null
responder "$PR2" resp                    # (openssl ocsp reads index.txt at start)
wait_responder "$PR2" 2
post "live leaf again, within the window: TOTAL_PASSED (cached)" live hk "$PASSED"
r0=$(m '^sigbridge_ocsp_refreshes_total')
while [ "$(date +%s)" -le "$((LIVE_AT + 6))" ]; do sleep 0.2; done
post "live leaf after the window (max_age_s 4): TOTAL_FAILED/REVOKED by the response the background refresh fetched" \
    live hk "$REVOKED and 'reason 4' in d['message'] and 'refreshed from' in d['message']"
r1=$(m '^sigbridge_ocsp_refreshes_total')
check_sh "the background refresh ran ($r0 -> $r1 refreshes)" '[ "${r1:-0}" -ge 1 ]'
el=$(($(date +%s) - LIVE_AT))
check_sh "refused ${el} s after the revocation (< 60 s)" '[ "$el" -lt 60 ]'

section "10. metrics"
curl -s --max-time 5 "http://127.0.0.1:$ADM/metrics" >"$TMP/metrics.txt"
for l in 'sigbridge_ocsp_requests_total{result="revoked"}' 'sigbridge_ocsp_requests_total{result="unknown"}' \
         'sigbridge_ocsp_requests_total{result="unusable"}' 'sigbridge_ocsp_requests_total{result="unavailable"}' \
         'sigbridge_fetch_fetches_total{result="timeout"}' 'sigbridge_fetch_fetches_total{result="too_large"}' \
         'sigbridge_fetch_duration_seconds_count' 'sigbridge_fetch_in_flight' \
         "sigbridge_fetch_origin_failing{origin=\"http://127.0.0.1:$PD\""; do
    check_sh "metrics has $l ($(grep -F "$l" "$TMP/metrics.txt" | head -1 | awk '{print $NF}'))" \
        "grep -qF '$l' '$TMP/metrics.txt'"
done

stop_daemon
check_sh "daemon stopped cleanly (rc $rc)" '[ "$rc" = 0 ]'

section "11. revocation_cache.dir: a restarted daemon answers from the response it wrote to disk"
conf_disk() { conf; echo "revocation_cache: { dir: $TMP/revcache }"; }
start_daemon d2 conf_disk || { bad "daemon with a revocation cache did not start"; gw_finish; exit 1; }
post "good leaf (require), daemon with a revocation cache: TOTAL_PASSED" good hk "$PASSED"
f=$(m '^sigbridge_ocsp_fetches_total'); w=$(mf 'sigbridge_revocation_cache_writes_total{kind="ocsp"}')
check_sh "fetched once ($f) and written to the directory ($w)" '[ "$f" = 1 ] && [ "${w:-0}" -ge 1 ]'
check_sh "the file is DIR/ocsp/<issuerKeyHash>-<serial>.ocsp" 'ls "$TMP"/revcache/ocsp/*-*.ocsp >/dev/null 2>&1'
stop_daemon
start_daemon d3 conf_disk || { bad "restarted daemon did not start"; gw_finish; exit 1; }
post "good leaf (require) after a restart: TOTAL_PASSED" good hk "$PASSED"
f=$(m '^sigbridge_ocsp_fetches_total'); l=$(mf 'sigbridge_revocation_cache_loads_total{kind="ocsp"}')
check_sh "after the restart: no fetch ($f), the response loaded from the directory ($l)" \
    '[ "${f:-x}" = 0 ] && [ "${l:-0}" -ge 1 ]'
stop_daemon
check_sh "restarted daemon stopped cleanly (rc $rc)" '[ "$rc" = 0 ]'
gw_finish

#!/bin/sh
# tests/integration/test_gateway_audit_anchor.sh — RFC 3161 time anchors of the audit log's checkpoints
# (audit.timestamp) against a REAL time-stamping authority: tsa_server.py on loopback answering with
# `openssl ts -reply` (TSA key and certificate made by `openssl req` under a test root, extendedKeyUsage
# critical,timeStamping). Anchor records follow checkpoints and chain; every token verifies independently with
# `openssl ts -verify` over the checkpoint's hash (and fails over another digest); gen_time is close to the
# checkpoint's time. The TSA stopped: requests still 200, errors counted in /metrics and logged once, no anchor
# record; the TSA accepting but never answering: requests still 200 and checkpoints still written; the TSA
# back: anchors resume; an https TSA verified against the CA store (SSL_CERT_FILE) and refused when its
# certificate is not trusted. Configuration: timestamp without signing_key refused, reload of audit.timestamp refused.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects

K=$TMP/keys
TSA=$TMP/tsa
mkdir -p "$K" "$TSA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/node.key" -out "$K/node.pem" \
    -subj "/O=sigbridge test/CN=audit node it-anchor" -days 30 2>/dev/null
chmod 600 "$K/node.key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TSA/root.key" -out "$TSA/root.pem" \
    -subj "/O=sigbridge test/CN=TSA root" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TSA/tsa.key" -out "$TSA/tsa.pem" \
    -subj "/O=sigbridge test/CN=TSA unit" -days 30 -CA "$TSA/root.pem" -CAkey "$TSA/root.key" \
    -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=critical,timeStamping" 2>/dev/null
echo 01 >"$TSA/tsaserial"
cat >"$TSA/tsa.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = $TSA/tsaserial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
for f in "$K/node.pem" "$TSA/root.pem" "$TSA/tsa.pem"; do
    [ -s "$f" ] || { bad "fixture $f not made"; gw_finish; exit 1; }
done

TPORT=$(free_port)
TSA_PID=""
tsa_start() {
    # the interpreter itself in the background (not the py function: its subshell's pid would be killed,
    # leaving the server running)
    "$PYBIN" -S "$ROOT/tests/integration/tsa_server.py" "$TPORT" "$TSA" 2>>"$TMP/tsa.log" &
    TSA_PID=$!
    PIDS="$PIDS $TSA_PID"
    wait_listen "$TPORT"
}
tsa_stop() {
    kill "$TSA_PID" 2>/dev/null
    wait "$TSA_PID" 2>/dev/null
}

AUD=$TMP/a/audit.jsonl
mkdir -p "$TMP/a"
EVERY=20 EVERY_S=1 TSA_URL="http://127.0.0.1:$TPORT/tsa" TS_KEY=yes
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
queue_max: 256
audit:
  path: $AUD
  fsync: batch
  batch_ms: 50
  node_id: it-anchor
EOF
    if [ "$TS_KEY" = yes ]; then
        printf '  signing_key: %s\n  signing_cert: %s\n' "$K/node.key" "$K/node.pem"
    fi
    cat <<EOF
  checkpoint: { every_records: $EVERY, every_s: $EVERY_S }
  timestamp: { tsa: '$TSA_URL', timeout_ms: 2000 }
EOF
}

# load N PREFIX: N verify requests on one connection; prints "ok other" counts
load() {
    py - "$API" "$O" "$1" "$2" <<'PY'
import http.client, json, sys
api, o, n, pre = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
body = open(o + '/hk.p7s', 'rb').read()
c = http.client.HTTPConnection('127.0.0.1', api, timeout=30)
ok = other = 0
for i in range(n):
    c.request('POST', '/v1/verify?from=hk', body, {'Content-Type': 'application/cms', 'X-Request-Id': '%s-%d' % (pre, i)})
    r = c.getresponse(); d = json.loads(r.read())
    if r.status == 200 and d.get('indication') == 'TOTAL_PASSED':
        ok += 1
    else:
        other += 1
print(ok, other)
PY
}

# anchors LOG: the number of anchor records
anchors() { grep -c '"type":"anchor"' "$1" 2>/dev/null || true; }

# wait_anchors LOG N: wait (at most 15 s) until LOG holds at least N anchor records
wait_anchors() {
    i=0
    while [ "$(anchors "$1")" -lt "$2" ] && [ $i -lt $((150 * SLOWX)) ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(anchors "$1")" -ge "$2" ]
}

# wait_metric REGEX MIN: wait (at most 15 s) until the admin listener's metric REGEX is at least MIN; prints it
wait_metric() {
    i=0
    while [ "$(metric "$ADM" "$1")" -lt "$2" ] 2>/dev/null && [ $i -lt $((75 * SLOWX)) ]; do
        sleep 0.2; i=$((i + 1))
    done
    metric "$ADM" "$1"
}

# chaincheck LOG: every record's hash and prev recomputed; every anchor names an earlier checkpoint by seq and
# hash and follows it; gen_time within [checkpoint time - 5 s, + 10 s]; writes one "SEQ HASH TOKEN_B64" line
# per anchor to $TMP/anchors.txt; prints "records checkpoints anchors last_event"
chaincheck() {
    py - "$1" "$TMP/anchors.txt" <<'PY'
import calendar, hashlib, json, sys, time
canon = lambda d: json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()
def t(s):
    return calendar.timegm(time.strptime(s.split('.')[0].rstrip('Z'), '%Y-%m-%dT%H:%M:%S'))
recs, by_seq, prev, out = [], {}, None, []
for ln, line in enumerate(open(sys.argv[1], 'rb'), 1):
    r = json.loads(line)
    h = r['hash']
    c = dict(r); del c['hash']
    assert hashlib.sha256(canon(c)).hexdigest() == h, 'line %d: hash' % ln
    assert prev is None or r['prev'] == prev, 'line %d: prev' % ln
    prev = h
    by_seq[r['seq']] = r
    recs.append(r)
    if r.get('type') == 'anchor':
        ck = by_seq.get(r['checkpoint_seq'])
        assert ck is not None and ck.get('type') == 'checkpoint', 'line %d: names no checkpoint' % ln
        assert ck['hash'] == r['checkpoint_hash'] and r['seq'] > ck['seq'], 'line %d: checkpoint' % ln
        assert r['tsa'].startswith(('http://127.0.0.1:', 'https://127.0.0.1:')), 'line %d: tsa' % ln
        d = t(r['gen_time']) - t(ck['time'])
        assert r['gen_time'].endswith('Z') and -5 <= d <= 10, 'line %d: gen_time %s vs %s' % (ln, r['gen_time'], ck['time'])
        assert set(r) == {'seq', 'time', 'node', 'type', 'checkpoint_seq', 'checkpoint_hash', 'tsa', 'gen_time',
                          'token', 'prev', 'hash'}, 'line %d: members %s' % (ln, sorted(r))
        out.append('%d %s %s' % (r['seq'], r['checkpoint_hash'], r['token']))
open(sys.argv[2], 'w').write(''.join(l + '\n' for l in out))
last = recs[-1]
print(len(recs), sum(r.get('type') == 'checkpoint' for r in recs), len(out), last.get('event', last.get('type')))
PY
}

# tokcheck: every anchor in $TMP/anchors.txt verified by `openssl ts -verify` over its checkpoint's hash with
# the TSA root as the only trust anchor; and refused over another digest. Prints "verified refused".
tokcheck() {
    v=0 r=0
    while read -r seq hash tok; do
        printf '%s' "$tok" | base64 -d >"$TMP/tok.der"
        if openssl ts -verify -in "$TMP/tok.der" -token_in -digest "$hash" -CAfile "$TSA/root.pem" >/dev/null 2>&1
        then v=$((v + 1)); fi
        other=$(printf '%s' "$hash" | tr '0123456789abcdef' '123456789abcdef0')
        if ! openssl ts -verify -in "$TMP/tok.der" -token_in -digest "$other" -CAfile "$TSA/root.pem" \
            >/dev/null 2>&1; then r=$((r + 1)); fi
    done <"$TMP/anchors.txt"
    echo "$v $r"
}

section "configuration"
TS_KEY=no API=1 ADM=2 conf >"$TMP/nokey.yaml"
"$SB_BIN" serve -c "$TMP/nokey.yaml" --check >"$TMP/check.txt" 2>&1
rc=$?
check_sh "audit.timestamp without signing_key: refused (rc $rc)" \
    '[ "$rc" = 1 ] && grep -q "audit.timestamp: time anchors need signed checkpoints" "$TMP/check.txt"'

section "anchors from a real TSA"
tsa_start
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
check "the 'start' checkpoint is anchored" wait_anchors "$AUD" 1
res=$(load 100 a)
check "100 requests answered 200 ($res)" [ "$res" = "100 0" ]
slow_sleep 2.5          # every_s: the tail's checkpoint, then its anchor
check "anchors follow the checkpoints" wait_anchors "$AUD" 2
out=$(chaincheck "$AUD" 2>&1)
check_sh "the chain is whole; each anchor names an earlier checkpoint by seq and hash; gen_time within 10 s of it ($out)" \
    'echo "$out" | grep -Eq "^[0-9]+ [0-9]+ [0-9]+ "'
i=0    # idle: the last checkpoint's anchor written, then 3 x every_s with nothing new
while ! tail -n 1 "$AUD" | grep -q '"type":"anchor"' && [ $i -lt $((100 * SLOWX)) ]; do sleep 0.1; i=$((i + 1)); done
l1=$(wc -l <"$AUD")
slow_sleep 3
l2=$(wc -l <"$AUD")
check "idle: an anchor record does not start another checkpoint (no checkpoint / anchor loop: $l1 -> $l2 lines)" \
    [ "$l1" = "$l2" ]
n_anchor=$(anchors "$AUD")
out=$(tokcheck)
check_sh "every token verifies with openssl ts -verify over its checkpoint's hash, none over another ($out of $n_anchor)" \
    '[ "$out" = "$n_anchor $n_anchor" ] && [ "$n_anchor" -ge 2 ]'
check "the TSA was asked with Content-Type application/timestamp-query" \
    grep -q '^application/timestamp-query ' "$TSA/requests"
v=$(metric "$ADM" '^sigbridge_audit_anchors_total')
e=$(metric "$ADM" '^sigbridge_audit_anchor_errors_total')
check "metrics: sigbridge_audit_anchors_total $v >= $n_anchor anchor records, anchor errors ${e:-?}" \
    [ "${v:-0}" -ge "$n_anchor" ] && [ "${e:-x}" = 0 ]
"$SB_BIN" audit verify "$AUD" >"$TMP/verify.txt" 2>&1
rc=$?
check "sigbridge audit verify: a log with anchor records is intact (rc $rc)" [ "$rc" = 0 ]
cp "$TMP/d1.yaml" "$TMP/d1.yaml.orig"
sed "s#timeout_ms: 2000#timeout_ms: 3000#" "$TMP/d1.yaml.orig" >"$TMP/d1.yaml"
reload_rc=$(curl -s -o "$TMP/reload.json" -w '%{http_code}' --max-time 10 -X POST "http://127.0.0.1:$ADM/admin/reload")
check_sh "reload changing audit.timestamp: refused, needs a restart (HTTP $reload_rc)" \
    '[ "$reload_rc" != 200 ] && grep -q "audit.timestamp: tsa, timeout_ms and policy need a restart" "$TMP/reload.json"'
cp "$TMP/d1.yaml.orig" "$TMP/d1.yaml"

section "the TSA stopped"
slow_sleep 1.5          # an exchange in flight settles
tsa_stop
a0=$(anchors "$AUD")
e0=$(metric "$ADM" '^sigbridge_audit_anchor_errors_total')
res=$(load 40 b)
slow_sleep 1.5
res2=$(load 40 c)
slow_sleep 1.5
check "80 requests while the TSA is down answered 200 ($res / $res2)" [ "$res $res2" = "40 0 40 0" ]
# OpenSSL retries a refused connection until timeout_ms: each failure takes up to 2 s here
e1=$(wait_metric '^sigbridge_audit_anchor_errors_total' $((${e0:-0} + 2)))
check "metrics: anchor errors counted ($e0 -> $e1)" [ "${e1:-0}" -ge $((${e0:-0} + 2)) ]
check "no anchor record while the TSA is down ($(anchors "$AUD") = $a0)" [ "$(anchors "$AUD")" = "$a0" ]
nwarn=$(grep -c 'not anchored by http://127.0.0.1' "$TMP/d1.log")
check "the failure is logged once for the streak ($nwarn warning for $((${e1:-0} - ${e0:-0})) errors)" [ "$nwarn" = 1 ]
c1=$(metric "$ADM" '^sigbridge_audit_checkpoints_total')

section "the TSA accepts and never answers"
: >"$TSA/hang"
r0=$(wc -l <"$TSA/requests")
tsa_start
res=$(load 40 d)
slow_sleep 1.5
res2=$(load 40 e)
check "80 requests while the TSA hangs answered 200 ($res / $res2)" [ "$res $res2" = "40 0 40 0" ]
c2=$(metric "$ADM" '^sigbridge_audit_checkpoints_total')
check "checkpoints are still written while an exchange hangs ($c1 -> $c2)" [ "${c2:-0}" -ge $((${c1:-0} + 4)) ]
t "/readyz: ready while the TSA hangs" 200 "True" "http://127.0.0.1:$ADM/readyz"
e2=$(wait_metric '^sigbridge_audit_anchor_errors_total' $((${e1:-0} + 1)))   # timeout_ms 2000
r1=$(wc -l <"$TSA/requests")
check "the hanging TSA was asked ($r0 -> $r1 requests) and the exchange timed out, counted ($e1 -> $e2)" \
    [ "$r1" -gt "$r0" ] && [ "${e2:-0}" -gt "${e1:-0}" ]
check "still no anchor record ($(anchors "$AUD") = $a0)" [ "$(anchors "$AUD")" = "$a0" ]

section "the TSA back"
rm -f "$TSA/hang"
res=$(load 40 f)
slow_sleep 1.5
check "anchors resume" wait_anchors "$AUD" $((a0 + 1))
check "resumption logged" grep -q 'time anchors from http://127.0.0.1:[0-9]*/tsa again' "$TMP/d1.log"
stop_daemon
check "graceful stop with the anchor thread (rc $rc)" [ "$rc" = 0 ]
out=$(chaincheck "$AUD" 2>&1)
check_sh "after the stop: the chain is whole, the last record the 'stop' checkpoint, not anchored ($out)" \
    'echo "$out" | grep -Eq "^[0-9]+ [0-9]+ [0-9]+ stop$"'
n_anchor=$(anchors "$AUD")
out=$(tokcheck)
check_sh "every token of the log verifies with openssl ts -verify ($out of $n_anchor)" \
    '[ "$out" = "$n_anchor $n_anchor" ]'
"$SB_BIN" audit verify --cert "$K/node.pem" --tsa-anchor "$TSA/root.pem" "$AUD" >"$TMP/av.txt" 2>&1
rc=$?
check_sh "sigbridge audit verify --cert --tsa-anchor: exit 0, every token verifies ($(sed -n 3p "$TMP/av.txt"))" \
    '[ "$rc" = 0 ] && grep -q "anchors: $n_anchor (genTime .* to .*), every token verifies under the given TSA anchors" "$TMP/av.txt"'
"$SB_BIN" audit verify --json --cert "$K/node.pem" --tsa-anchor "$TSA/root.pem" "$AUD" >"$TMP/av.json"
check "--json: anchors, anchors_verified, first/last_anchor_time" py - "$TMP/av.json" "$n_anchor" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d['status'] == 'intact' and d['anchors'] == int(sys.argv[2]) and d['anchors_verified'] is True
         and d['first_anchor_time'] <= d['last_anchor_time'] and d['signed'] is True else 1)
PY
"$SB_BIN" audit verify --cert "$K/node.pem" --tsa-anchor "$K/node.pem" "$AUD" >"$TMP/av.txt" 2>&1
rc=$?
FIRST_ANCHOR=$(grep -n '"type":"anchor"' "$AUD" | head -1 | cut -d: -f1)
check_sh "another TSA anchor: exit 1 at the first anchor, line $FIRST_ANCHOR ($(head -1 "$TMP/av.txt" | sed "s#$TMP/##" | cut -c1-140))" \
    '[ "$rc" = 1 ] && grep -q "^$AUD:$FIRST_ANCHOR: broken chain: time anchor does not verify" "$TMP/av.txt"'
# the anchors cut out (every later hash recomputed; the checkpoints' signatures then fail too, but the
# first failure must name what is missing when only anchors are checked)
py - "$AUD" "$TMP/noanchor.jsonl" <<'PY'
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"type":"anchor"' not in l]
canon = lambda d: json.dumps({k: v for k, v in d.items() if k != 'hash'}, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()
for i, r in enumerate(recs):
    r['seq'] = i + 1 if recs[0]['seq'] == 1 else recs[0]['seq'] + i
    if i > 0:
        r['prev'] = recs[i - 1]['hash']
    r['hash'] = hashlib.sha256(canon(r)).hexdigest()
open(sys.argv[2], 'w').write(''.join(json.dumps(r, separators=(',', ':')) + '\n' for r in recs))
PY
"$SB_BIN" audit verify --tsa-anchor "$TSA/root.pem" "$TMP/noanchor.jsonl" >"$TMP/av.txt" 2>&1
rc=$?
check_sh "anchor records removed (hashes recomputed): exit 1, no time anchor ($(head -1 "$TMP/av.txt" | sed "s#$TMP/##" | cut -c1-140))" \
    '[ "$rc" = 1 ] && grep -q "broken chain: no time anchor in the log" "$TMP/av.txt"'
tsa_stop

section "an https TSA: verified against the CA store (SSL_CERT_FILE) and the URL's address"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TSA/tls.key" -out "$TSA/tls.pem" \
    -subj "/O=sigbridge test/CN=TSA web" -days 30 -CA "$TSA/root.pem" -CAkey "$TSA/root.key" \
    -addext "subjectAltName=IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth" 2>/dev/null
TPORT=$(free_port)
"$PYBIN" -S "$ROOT/tests/integration/tsa_server.py" "$TPORT" "$TSA" "$TSA/tls.pem" "$TSA/tls.key" 2>>"$TMP/tsa.log" &
TSA_PID=$!
PIDS="$PIDS $TSA_PID"
wait_listen "$TPORT"
AUD=$TMP/b/audit.jsonl
mkdir -p "$TMP/b"
TSA_URL="https://127.0.0.1:$TPORT/tsa"
SSL_CERT_FILE=$TSA/root.pem
export SSL_CERT_FILE
start_daemon d2 conf || { bad "daemon d2 did not start"; gw_finish; exit 1; }
res=$(load 40 g)
check "https: the 'start' checkpoint and the cadence ones are anchored" wait_anchors "$AUD" 2
stop_daemon
out=$(chaincheck "$AUD" 2>&1)
n_anchor=$(anchors "$AUD")
tok=$(tokcheck)
check_sh "https: the chain is whole and every token verifies with openssl ts -verify ($out; $tok of $n_anchor)" \
    'echo "$out" | grep -Eq " stop$" && [ "$tok" = "$n_anchor $n_anchor" ]'
# the same server, but the daemon trusts only the system store: the TLS handshake fails
SSL_CERT_FILE=$TMP/none.pem
AUD=$TMP/c/audit.jsonl
mkdir -p "$TMP/c"
start_daemon d3 conf || { bad "daemon d3 did not start"; gw_finish; exit 1; }
res=$(load 40 h)
e=$(wait_metric '^sigbridge_audit_anchor_errors_total' 1)
check "https with an untrusted server certificate: requests 200 ($res), errors counted ($e), no anchor" \
    [ "$res" = "40 0" ] && [ "${e:-0}" -ge 1 ] && [ "$(anchors "$AUD")" = 0 ]
check "... and the warning names the certificate check" grep -q 'not anchored by https://.*certificate verify failed' \
    "$TMP/d3.log"
stop_daemon
unset SSL_CERT_FILE
tsa_stop

gw_finish

#!/bin/sh
# tests/integration/test_gateway_audit.sh — the audit chain of the real `sigbridge serve` across a crash.
#
# Four clients load POST /v1/verify (hk, cn, mo; good and bad objects; audit.fsync: batch) and the daemon
# is SIGKILLed in the middle of it. Then: `sigbridge audit verify` exits 0 (or 3 for a torn tail only);
# every verdict a client received is in the log (records are written before the reply); a torn tail is
# reported as such, cut on restart and the restarted daemon continues the same chain (seq and prev link);
# hand edits of a middle record (each field in turn; also with the record's own hash recomputed, deleted,
# swapped and replayed records) are detected, exit 1 naming the line; the daemon refuses to start on a
# log whose last record was edited. Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
AUD=$TMP/audit.jsonl
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
policy_dir: $POL
workers: 2
queue_max: 256
audit: { path: $AUDIT_PATH, fsync: batch, batch_ms: 100, node_id: it-audit }
EOF
}
AUDIT_PATH=$AUD
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

section "SIGKILL in the middle of a request load"
py - "$API" "$DPID" "$O" "$TMP/answers.json" <<'PY'
import http.client, json, os, signal, sys, threading, time
api, pid, objdir, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
CASES = [('hk.p7s', 'hk', 'TOTAL_PASSED'), ('cn.p7s', 'cn', 'TOTAL_PASSED'), ('mo.p7s', 'mo', 'TOTAL_PASSED'),
         ('hk-revoked.p7s', 'hk', 'TOTAL_FAILED'), ('mo-tampered.p7s', 'mo', 'TOTAL_FAILED'),
         ('hk-expired.p7s', 'hk', 'INDETERMINATE')]
OBJ = {f: open(os.path.join(objdir, f), 'rb').read() for f, _, _ in CASES}
answers, errors, lock = {}, [0], threading.Lock()
killed = threading.Event()
deadline = time.time() + 20
def client(k):
    c = None
    for i in range(3000):
        if time.time() > deadline or (killed.is_set() and errors[0] > 20):
            return
        f, jur, ind = CASES[(i + k) % len(CASES)]
        rid = 'k%d-%d' % (k, i)
        try:
            if c is None:
                c = http.client.HTTPConnection('127.0.0.1', api, timeout=5)
            c.request('POST', '/v1/verify?from=' + jur, OBJ[f], {'Content-Type': 'application/cms', 'X-Request-Id': rid})
            r = c.getresponse(); d = json.loads(r.read())
            with lock:
                answers[rid] = [r.status, d.get('indication'), jur]
        except Exception:
            with lock:
                errors[0] += 1
            c = None
            if not killed.is_set():
                time.sleep(0.01)
def killer():
    while len(answers) < 400 and time.time() < deadline:
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    killed.set()
ts = [threading.Thread(target=client, args=(k,)) for k in range(4)] + [threading.Thread(target=killer)]
[t.start() for t in ts]; [t.join() for t in ts]
json.dump({'answers': answers, 'errors': errors[0], 'killed_after': 400}, open(out, 'w'))
PY
wait "$DPID" 2>/dev/null
rc=$?
check "daemon died of SIGKILL under load (rc $rc)" [ "$rc" = 137 ]
"$SB_BIN" audit verify "$AUD" >"$TMP/av.txt"
rc=$?
check_sh "after SIGKILL: chain verifies, exit 0 (or 3 for a torn tail only) (rc $rc: $(cut -c1-100 "$TMP/av.txt"))" \
    '[ "$rc" = 0 ] || { [ "$rc" = 3 ] && grep -q "truncated tail" "$TMP/av.txt"; }'
check "every verdict a client received is in the audit log, with its indication (written before the reply)" \
    py - "$AUD" "$TMP/answers.json" <<'PY'
import json, sys
recs = {}
for line in open(sys.argv[1], 'rb'):
    if line.endswith(b'\n'):
        r = json.loads(line); recs[r.get('client_request_id')] = r   # the client's id
a = json.load(open(sys.argv[2]))['answers']
got = {k: v for k, v in a.items() if v[0] == 200}
missing = [k for k in got if k not in recs]
wrong = [k for k in got if k in recs and (recs[k]['indication'], recs[k]['from']) != (got[k][1], got[k][2])]
print('     %d answered, %d records, %d missing, %d wrong' % (len(got), len(recs), len(missing), len(wrong)))
sys.exit(0 if len(got) >= 400 and not missing and not wrong else 1)
PY

# the state of the chain at the crash (a torn line, if any, left in place: the restart must cut it)
py - "$AUD" >"$TMP/crash.txt" <<'PY'
import json, sys
data = open(sys.argv[1], 'rb').read()
whole = data[:data.rfind(b'\n') + 1].splitlines()
last = json.loads(whole[-1])
print(len(whole), last['seq'], last['hash'], len(data) - len(b'\n'.join(whole)) - 1)
PY
read -r N1 SEQ1 HASH1 TORN1 <"$TMP/crash.txt"
echo "     $N1 whole records at the crash, last seq $SEQ1, torn bytes $TORN1"
check "records numbered 1..N without gaps ($N1, last seq $SEQ1)" [ "$N1" = "$SEQ1" ]
if [ "$TORN1" = 0 ]; then   # write(2) of whole lines usually leaves no torn tail: make one
    printf '{"seq":%d,"time":"2026-01-01T00:00:00.000Z","node":"it-au' $((SEQ1 + 1)) >>"$AUD"
fi
"$SB_BIN" audit verify "$AUD" >"$TMP/av.txt"
rc=$?
check_sh "torn tail: exit 3 naming line $((N1 + 1)) ($(cut -c1-100 "$TMP/av.txt"))" \
    '[ "$rc" = 3 ] && grep -q ":$((N1 + 1)): truncated tail" "$TMP/av.txt"'

section "restart on the same audit file"
if start_daemon d2 conf; then
    check "restart: torn record cut and logged" grep -q 'audit: cut a torn last record' "$TMP/d2.log"
    check "restart: continues after record $SEQ1" grep -q "audit: $AUD, $SEQ1 records" "$TMP/d2.log"
    py - "$API" "$O" >"$TMP/after.txt" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)
ok = 0
for i in range(60):
    f, jur = [('hk.p7s', 'hk'), ('cn.p7s', 'cn'), ('mo.p7s', 'mo')][i % 3]
    c.request('POST', '/v1/verify?from=' + jur, open(sys.argv[2] + '/' + f, 'rb').read(),
              {'Content-Type': 'application/cms', 'X-Request-Id': 'after-%d' % i})
    r = c.getresponse()
    ok += r.status == 200 and json.loads(r.read())['indication'] == 'TOTAL_PASSED'
print(ok)
PY
    check "restart: 60 requests answered ($(cat "$TMP/after.txt"))" [ "$(cat "$TMP/after.txt")" = 60 ]
    stop_daemon
    check "restarted daemon: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon did not restart on the crashed audit file"
fi
"$SB_BIN" audit verify "$AUD" >"$TMP/av.txt"
rc=$?
check "chain intact across the crash ($(cut -c1-100 "$TMP/av.txt"))" [ "$rc" = 0 ]
check "the first record after the restart continues the chain (seq $((SEQ1 + 1)), prev = hash of record $SEQ1)" \
    py - "$AUD" "$N1" "$SEQ1" "$HASH1" <<'PY'
import json, sys
lines = open(sys.argv[1], 'rb').read().splitlines()
n1, seq1, h1 = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
nxt = json.loads(lines[n1])
sys.exit(0 if len(lines) == n1 + 60 and nxt['seq'] == seq1 + 1 and nxt['prev'] == h1
         and nxt.get('client_request_id') == 'after-0' and nxt['request_id'] != 'after-0' else 1)
PY

section "hand-edited records"
# edits of record M (a middle line): one field each, then structural edits; the tamperer's own tools
py - "$AUD" "$TMP/edit" <<'PY'
import hashlib, json, sys
src, pre = sys.argv[1], sys.argv[2]
lines = open(src, 'rb').read().decode().splitlines(True)
m = len(lines) // 2                       # 0-based index; line number m + 1
def rehash(d):
    c = dict(d); c.pop('hash', None)
    d['hash'] = hashlib.sha256(json.dumps(c, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()).hexdigest()
    return d
def dump(d):
    return json.dumps(d, separators=(',', ':')) + '\n'
cases = []
rec = json.loads(lines[m])
flips = {'indication': 'TOTAL_PASSED' if rec['indication'] != 'TOTAL_PASSED' else 'TOTAL_FAILED',
         'reason': None if rec['reason'] is not None else 'REVOKED',
         'from': 'mo' if rec['from'] != 'mo' else 'hk', 'node': 'another-node',
         'object_sha256': '0' * 64, 'time': '2020-01-01T00:00:00.000Z', 'request_id': 'forged',
         'signer_subject': 'CN=Someone Else', 'snapshot': 'f' * 64, 'seq': rec['seq'] + 1000}
for field, val in flips.items():
    d = json.loads(lines[m]); d[field] = val
    cases.append(('field-' + field, lines[:m] + [dump(d)] + lines[m + 1:], m + 1, 'record hash does not match'))
# the editor recomputes the edited record's own hash: the next record's prev gives it away
d = json.loads(lines[m]); d['indication'] = flips['indication']; d = rehash(d)
cases.append(('rehashed', lines[:m] + [dump(d)] + lines[m + 1:], m + 2, 'prev does not match the hash of line %d' % (m + 1)))
cases.append(('deleted', lines[:m] + lines[m + 1:], m + 1, 'prev does not match'))
cases.append(('swapped', lines[:m] + [lines[m + 1], lines[m]] + lines[m + 2:], m + 1, 'prev does not match'))
cases.append(('replayed', lines[:m + 1] + [lines[m]] + lines[m + 1:], m + 2, 'prev does not match'))
# a byte flip inside a JSON string value that the hash covers
d = lines[m]; i = d.index('"object_sha256":"') + 17
cases.append(('hex-digit', lines[:m] + [d[:i] + ('1' if d[i] != '1' else '2') + d[i + 1:]] + lines[m + 1:], m + 1, 'record hash does not match'))
cases.append(('not-json', lines[:m] + ['{"seq":' + lines[m][7:40] + '\n'] + lines[m + 1:], m + 1, 'not a JSON record'))
with open(pre + '.cases', 'w') as idx:
    for name, body, line, why in cases:
        open('%s-%s.jsonl' % (pre, name), 'w').write(''.join(body))
        idx.write('%s\t%d\t%s\n' % (name, line, why))
PY
while IFS='	' read -r name line why; do
    f=$TMP/edit-$name.jsonl
    "$SB_BIN" audit verify "$f" >"$TMP/av.txt" 2>&1
    rc=$?
    check_sh "edited record ($name): exit 1 naming line $line ($(sed "s#^$TMP/##" "$TMP/av.txt" | cut -c1-110))" \
        '[ "$rc" = 1 ] && grep -q "^$f:$line: broken chain: $why" "$TMP/av.txt"'
done <"$TMP/edit.cases"
"$SB_BIN" audit verify --json "$TMP/edit-field-indication.jsonl" >"$TMP/av.json"
rc=$?
M=$(sed -n 's/^field-indication\t\([0-9]*\)\t.*/\1/p' "$TMP/edit.cases")
check "--json: status broken, the line, records before it ($(cut -c1-160 "$TMP/av.json"))" py - "$TMP/av.json" "$rc" "$M" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sys.argv[2] == '1' and d['status'] == 'broken' and d['line'] == int(sys.argv[3])
         and d['records'] == int(sys.argv[3]) - 1 else 1)
PY

section "the daemon refuses a log whose last record was edited"
cp "$AUD" "$TMP/edited-last.jsonl"
py - "$TMP/edited-last.jsonl" <<'PY'
import sys
p = sys.argv[1]; lines = open(p).read().splitlines(True)
lines[-1] = lines[-1].replace('"indication":"TOTAL_PASSED"', '"indication":"TOTAL_FAILED"', 1) \
    if '"TOTAL_PASSED"' in lines[-1] else lines[-1].replace('"node":"it-audit"', '"node":"forged"', 1)
open(p, 'w').write(''.join(lines))
PY
AUDIT_PATH=$TMP/edited-last.jsonl
API=$(free_port)
conf >"$TMP/d3.yaml"
"$SB_BIN" serve -c "$TMP/d3.yaml" 2>"$TMP/d3.log" &
DPID=$!
PIDS="$PIDS $DPID"
wait_bounded "$DPID" 10
check_sh "serve on an edited audit log: refuses to start (rc $rc), says why" \
    '[ "$rc" != 0 ] && [ "$rc" != 137 ] && grep -q "hash does not match its content" "$TMP/d3.log"'
check "the edited log was left untouched" [ "$(wc -l <"$TMP/edited-last.jsonl")" = "$(wc -l <"$AUD")" ]

section "records removed from the start"
tail -n +4 "$AUD" >"$TMP/headless.jsonl"
"$SB_BIN" audit verify "$TMP/headless.jsonl" >"$TMP/av.txt"
rc=$?
check "first 3 records removed: exit 1 (the first record must be seq 1 with the genesis prev) (rc $rc)" [ "$rc" = 1 ]

gw_finish

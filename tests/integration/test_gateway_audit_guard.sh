#!/bin/sh
# tests/integration/test_gateway_audit_guard.sh — the audit log against the person who runs the machine:
# signed checkpoints written by the real daemon (node key made by `openssl req`, signatures checked with
# python-cryptography, an independent implementation), the side file, the log file removed / renamed /
# replaced by a directory under load (reopened within a second, a record naming the gap, 503 only while no
# file could be written), SIGUSR1, a full disk (a real 256 KiB tmpfs in a private mount namespace: /readyz
# not ready, 503 AUDIT_UNAVAILABLE, a "resumed" record once space is back), and the restart rules: a torn
# tail continues, a replaced or cut log refuses to start, --audit-new-chain starts a linked chain.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
# a python with python-cryptography (site packages: not py's -S)
PYC=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import cryptography' 2>/dev/null; then PYC=$p; break; fi
done
[ -n "$PYC" ] || { bad "python3-cryptography is needed (make deps installs it)"; gw_finish; exit 1; }

K=$TMP/keys
mkdir -p "$K"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/node.key" -out "$K/node.pem" \
    -subj "/O=sigbridge test/CN=audit node it-guard" -days 30 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/other.key" -out "$K/other.pem" \
    -subj "/CN=another node" -days 30 2>/dev/null
chmod 600 "$K/node.key" "$K/other.key"

AUD=$TMP/a/audit.jsonl
mkdir -p "$TMP/a"
KEY=$K/node.key CERT=$K/node.pem EVERY=20 EVERY_S=1
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
  node_id: it-guard
  signing_key: $KEY
  signing_cert: $CERT
  checkpoint: { every_records: $EVERY, every_s: $EVERY_S }
EOF
}

# load N [PREFIX [REMOVE_AT FILE]]: N verify requests on one connection (FILE is removed after request
# REMOVE_AT, while the load goes on); prints "ok unavailable other" counts
load() {
    py - "$API" "$O" "$1" "${2:-r}" "${3:--1}" "${4:-}" <<'PY'
import http.client, json, os, sys
api, o, n, pre, rm_at, rm_file = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
objs = [(open(o + '/' + f, 'rb').read(), j) for f, j in (('hk.p7s', 'hk'), ('cn.p7s', 'cn'), ('mo.p7s', 'mo'))]
c = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
ok = unav = other = 0
for i in range(n):
    body, jur = objs[i % 3]
    c.request('POST', '/v1/verify?from=' + jur, body, {'Content-Type': 'application/cms', 'X-Request-Id': '%s-%d' % (pre, i)})
    r = c.getresponse(); d = json.loads(r.read())
    if r.status == 200 and d.get('indication') == 'TOTAL_PASSED':
        ok += 1
    elif r.status == 503 and d['error']['code'] == 'AUDIT_UNAVAILABLE':
        unav += 1
    else:
        other += 1
    if i == rm_at:
        os.remove(rm_file)
print(ok, unav, other)
PY
}

# sigcheck LOG CERT: every checkpoint's signature verified with python-cryptography over the record's
# canonical form without sig and hash; every record's hash and prev; prints "checkpoints events" or fails
sigcheck() {
    "$PYC" - "$1" "$2" <<'PY'
import base64, hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
cert = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
pub = cert.public_key()
fp = hashlib.sha256(cert.public_bytes(__import__('cryptography.hazmat.primitives.serialization', fromlist=['x']).Encoding.DER)).hexdigest()
canon = lambda d: json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()
prev, n, events = None, 0, []
for ln, line in enumerate(open(sys.argv[1], 'rb'), 1):
    r = json.loads(line)
    h = r.pop('hash')
    assert hashlib.sha256(canon(r)).hexdigest() == h, 'line %d: hash' % ln
    assert prev is None or r['prev'] == prev, 'line %d: prev' % ln
    prev = h
    if r.get('type') == 'checkpoint':
        assert r['cert_sha256'] == fp and r['sig_alg'] == 'ecdsa-sha256', 'line %d: key' % ln
        sig = base64.b64decode(r.pop('sig'))
        pub.verify(sig, canon(r), ec.ECDSA(hashes.SHA256()))       # raises on a bad signature
        n += 1; events.append(r['event'])
print(n, ','.join(events))
PY
}

# wait_ready STATUS: poll the admin /readyz until it answers STATUS (at most 10 s x SLOWX)
wait_ready() {
    i=0
    while [ $i -lt $((100 * SLOWX)) ] &&
          [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$ADM/readyz")" != "$1" ]; do
        sleep 0.1; i=$((i + 1))
    done
}

# serve_refused NAME: `serve` on a fresh $TMP/NAME.yaml (new ports) expected to exit by itself; rc its status
serve_refused() {
    API=$(free_port); ADM=$(free_port)
    conf >"$TMP/$1.yaml"
    "$SB_BIN" serve -c "$TMP/$1.yaml" 2>"$TMP/$1.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
    wait_bounded "$DPID" 10
}

section "configuration: the audit key"
cp "$K/node.key" "$K/loose.key"; chmod 644 "$K/loose.key"
KEY=$K/loose.key API=1 ADM=2 conf >"$TMP/loose.yaml"
"$SB_BIN" serve -c "$TMP/loose.yaml" --check >"$TMP/check.txt" 2>&1
rc=$?
check_sh "signing_key readable by others: refused (rc $rc: $(grep -o 'readable by group or others[^"]*' "$TMP/check.txt" | head -1))" \
    '[ "$rc" = 1 ] && grep -q "signing_key.*readable by group or others" "$TMP/check.txt"'
CERT=$K/other.pem API=1 ADM=2 conf >"$TMP/mismatch.yaml"
"$SB_BIN" serve -c "$TMP/mismatch.yaml" --check >"$TMP/check.txt" 2>&1
rc=$?
check_sh "signing_key of another certificate: refused (rc $rc)" \
    '[ "$rc" = 1 ] && grep -q "does not belong to audit.signing_cert" "$TMP/check.txt"'

section "signed checkpoints under load"
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
check "start: a signed 'start' checkpoint is the first record" py - "$AUD" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if r['seq'] == 1 and r['event'] == 'start' and r['sig'] and r['prev'] == '0' * 64 else 1)
PY
res=$(load 100 a)
check "100 requests answered 200 ($res)" [ "$res" = "100 0 0" ]
# every_s: a time checkpoint covers the tail (wait for it: at most 10 s)
i=0; while [ $i -lt $((100 * SLOWX)) ] && ! tail -n 1 "$AUD" | grep -q '"event":"cadence"'; do sleep 0.1; i=$((i + 1)); done
out=$(sigcheck "$AUD" "$CERT" 2>&1)
check_sh "every checkpoint verifies with python-cryptography and the chain is whole ($out)" \
    'echo "$out" | grep -Eq "^[0-9]+ start(,cadence)+$"'
check "a checkpoint after every $EVERY records, and one on time for the tail" py - "$AUD" "$EVERY" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n, since, bad = int(sys.argv[2]), 0, []
for r in recs[1:]:
    if r.get('type') == 'checkpoint':
        if since != n and r is not recs[-1]:
            bad.append((r['seq'], since))
        since = 0
    else:
        since += 1
last = recs[-1]
print('     %d records, %d checkpoints, last %s' % (len(recs), sum(r.get('type') == 'checkpoint' for r in recs), last['event']))
sys.exit(0 if not bad and last.get('type') == 'checkpoint' and since == 0 else 1)
PY
check "side file: a checkpoint at its offset in the log, the latest one within a few seconds (updated at most 1/s)" \
    py - "$AUD" "$SLOWX" <<'PY'
import json, sys, time
for _ in range(int(100 * float(sys.argv[2]))):
    side = json.load(open(sys.argv[1] + '.checkpoint'))
    data = open(sys.argv[1], 'rb').read()
    line = data[side['offset']:data.index(b'\n', side['offset'])]
    assert json.loads(line) == side['checkpoint'] and side['log'] == sys.argv[1]
    if line == [l for l in data.splitlines() if b'"type":"checkpoint"' in l][-1]:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
v=$(metric "$ADM" '^sigbridge_audit_checkpoints_total')
check "metric sigbridge_audit_checkpoints_total ($v)" [ "${v:-0}" -ge 6 ]

section "SIGUSR1 after the log was renamed (logrotate)"
mv "$AUD" "$AUD.1"
kill -USR1 "$DPID"
i=0; while [ $i -lt $((100 * SLOWX)) ] && ! grep -q '"event":"reopen"' "$AUD" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
res=$(load 30 b)
check "30 requests after the rotation answered 200 ($res)" [ "$res" = "30 0 0" ]
check "the renamed file ends with a 'rotate' checkpoint; the new one starts with 'reopen' continuing the chain" \
    py - "$AUD.1" "$AUD" <<'PY'
import json, sys
old = [json.loads(l) for l in open(sys.argv[1])]
new = [json.loads(l) for l in open(sys.argv[2])]
o, n = old[-1], new[0]
ok = (o['event'] == 'rotate' and n['event'] == 'reopen' and n['seq'] == o['seq'] + 1 and n['prev'] == o['hash']
      and n['previous']['state'] == 'renamed' and n['previous']['last_seq'] == o['seq'] - 1
      and any(r.get('client_request_id') == 'b-0' for r in new))
sys.exit(0 if ok else 1)
PY
out=$(sigcheck "$AUD" "$CERT" 2>&1)
check_sh "the new file verifies on its own with python-cryptography ($out)" 'echo "$out" | grep -Eq "^[0-9]+ reopen"'

section "the live file removed under load"
res=$(load 400 c 100 "$AUD")
check "400 requests, the file removed after the 100th: all 200 (a new file is opened at once) ($res)" [ "$res" = "400 0 0" ]
# the flusher notices within a tick, or later when an fsync of a busy disk holds it: wait for the new file
i=0; while [ $i -lt $((100 * SLOWX)) ] && ! grep -q '"event":"reopen"' "$AUD" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "records resume in a new file whose first record names the removed file's last record" py - "$AUD" <<'PY'
import json, sys
new = [json.loads(l) for l in open(sys.argv[1])]
f = new[0]
sys.exit(0 if f['event'] == 'reopen' and f['previous']['state'] == 'removed' and f['prev'] and f['seq'] > 100
         and f['why'] == 'the log file was removed' else 1)
PY
i=0; while [ $i -lt $((100 * SLOWX)) ] && ! grep -q 'removed log.s .* bytes were copied' "$TMP/d1.log"; do sleep 0.1; i=$((i + 1)); done
check "the removed file's content was copied aside (named in the reopen record): no record is lost" \
    py - "$AUD" <<'PY'
import json, sys
new = [json.loads(l) for l in open(sys.argv[1])]
old = [json.loads(l) for l in open(new[0]['previous']['copied_to'])]
ids = {r.get('client_request_id') for r in old + new}
sys.exit(0 if old[-1]['hash'] == new[0]['prev'] and all('c-%d' % i in ids for i in range(400)) else 1)
PY
check "reopen logged" grep -q 'audit: the log file was removed (removed); reopened' "$TMP/d1.log"
v=$(metric "$ADM" '^sigbridge_audit_reopens_total')
check "metric sigbridge_audit_reopens_total ($v)" [ "${v:-0}" -ge 2 ]

section "the path replaced by a dangling symlink: 503 only while nothing can be written"
# one rename(2) replaces the log by a symlink into a directory that does not exist: the log is removed and no
# file can be created at the path (a rm then a mkdir would race the daemon re-creating the file in between)
py - "$AUD" <<'PY'
import os, sys
os.symlink('/nonexistent-sigbridge-dir/audit.jsonl', sys.argv[1] + '.link')
os.replace(sys.argv[1] + '.link', sys.argv[1])
PY
wait_ready 503
t "no file can be opened: 503 AUDIT_UNAVAILABLE" 503 "d['error']['code']=='AUDIT_UNAVAILABLE'" \
    -H 'Content-Type: application/cms' --data-binary "@$O/hk.p7s" "http://127.0.0.1:$API/v1/verify?from=hk"
t "/readyz: 503 NOT_READY naming the audit log" 503 \
    "d['error']['code']=='NOT_READY' and 'decisions cannot be audited' in d['error']['message'] and 'No such file or directory' in d['error']['message']" \
    "http://127.0.0.1:$ADM/readyz"
v=$(metric "$ADM" '^sigbridge_audit_writable')
check "metric sigbridge_audit_writable 0 ($v)" [ "$v" = 0 ]
rm "$AUD"
wait_ready 200
t "/readyz ready again once the path is free" 200 "d['ready'] is True" "http://127.0.0.1:$ADM/readyz"
res=$(load 9 d)
check "9 requests answered 200 again ($res)" [ "$res" = "9 0 0" ]
check "the new file: 'reopen', then 'resumed' naming the gap (since, refused >= 1, the error)" py - "$AUD" <<'PY'
import json, sys
new = [json.loads(l) for l in open(sys.argv[1])]
a, b = new[0], new[1]
sys.exit(0 if a['event'] == 'reopen' and b['event'] == 'resumed' and b['gap']['refused'] >= 1
         and b['gap']['error'] == 'No such file or directory' and b['prev'] == a['hash'] else 1)
PY
stop_daemon
check "graceful stop: exit 0 (rc $rc)" [ "$rc" = 0 ]
check "graceful stop: the last record is a signed 'stop' checkpoint, named by the side file" py - "$AUD" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).readlines()[-1])
side = json.load(open(sys.argv[1] + '.checkpoint'))
sys.exit(0 if last['event'] == 'stop' and side['checkpoint'] == last else 1)
PY

section "sigbridge audit verify --cert on the files the daemon wrote"
# av NAME WANT_RC GREP FILE [options]: `audit verify --cert node.pem` and its first line
av() {
    name=$1 want=$2 pat=$3 f=$4; shift 4
    "$SB_BIN" audit verify --cert "$CERT" "$@" "$f" >"$TMP/av.txt" 2>&1
    avrc=$?
    check_sh "$name: exit $want ($(head -1 "$TMP/av.txt" | sed "s#$TMP/##" | cut -c1-150))" \
        '[ "$avrc" = "$want" ] && grep -q -- "$pat" "$TMP/av.txt"'
}
av "the live log (starts with a reopen, ends with stop; side file)" 0 "every checkpoint verifies" "$AUD"
grep -q "its checkpoint (seq [0-9]*) is in the log" "$TMP/av.txt" || bad "the live log: side file checked" "$(cat "$TMP/av.txt")"
av "the rotated file (start .. rotate)" 0 "chain intact" "$AUD.1"
av "the copy of the removed file" 0 "chain intact" "$(ls "$AUD".removed-* | head -1)"
"$SB_BIN" audit verify --cert "$K/other.pem" "$AUD" >"$TMP/av.txt" 2>&1
rc=$?
check_sh "--cert of another node only: exit 1, another key (rc $rc)" '[ "$rc" = 1 ] && grep -q "another key" "$TMP/av.txt"'
# the operator's edit: a decision of the rotated file flipped, every later hash recomputed
py - "$AUD.1" "$TMP/edited.jsonl" <<'PY' >"$TMP/edit.txt"
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
canon = lambda d: json.dumps({k: v for k, v in d.items() if k != 'hash'}, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()
m = next(i for i, r in enumerate(recs) if i > 30 and r.get('indication'))
recs[m]['indication'] = 'TOTAL_FAILED'
for i in range(m, len(recs)):
    if i > 0:
        recs[i]['prev'] = recs[i - 1]['hash']
    recs[i]['hash'] = hashlib.sha256(canon(recs[i])).hexdigest()
open(sys.argv[2], 'w').write(''.join(json.dumps(r, separators=(',', ':')) + '\n' for r in recs))
ck = next(i for i in range(m, len(recs)) if recs[i].get('type') == 'checkpoint')
print(m + 1, ck + 1)
PY
read -r EDITED CKLINE <"$TMP/edit.txt"
"$SB_BIN" audit verify "$TMP/edited.jsonl" >"$TMP/av.txt" 2>&1
rc=$?
check "edit of line $EDITED + recomputed hashes: without --cert the chain looks intact (rc $rc)" [ "$rc" = 0 ]
av "edit of line $EDITED + recomputed hashes: fails at the next checkpoint, line $CKLINE" 1 \
    "edited.jsonl:$CKLINE: broken chain: checkpoint signature does not verify" "$TMP/edited.jsonl"

section "restart rules"
start_daemon d2 conf || bad "restart on an intact log"
check "restart: the side file's checkpoint was found in the log" grep -q "the side file's checkpoint is in the log" "$TMP/d2.log"
res=$(load 25 e)
check "25 requests after the restart ($res)" [ "$res" = "25 0 0" ]
kill -9 "$DPID"; wait "$DPID" 2>/dev/null
printf '{"seq":999,"time":"2026-01-01T00:00:00.000Z","node":"it-gu' >>"$AUD"
start_daemon d3 conf || bad "restart after a crash with a torn tail"
check "torn tail after kill -9: cut, the chain continues (no refusal)" grep -q 'audit: cut a torn last record' "$TMP/d3.log"
res=$(load 5 f)
check "requests after the crash restart ($res)" [ "$res" = "5 0 0" ]
stop_daemon
cp "$AUD" "$TMP/full.jsonl"
# the log replaced by an older copy of itself: everything up to (not including) the last two checkpoints
py - "$AUD" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').read().splitlines(True)
cks = [i for i, l in enumerate(lines) if b'"type":"checkpoint"' in l]
open(sys.argv[1], 'wb').write(b''.join(lines[:cks[-2]]))
PY
serve_refused d4
check_sh "a log cut before its last checkpoint: the daemon refuses to start (rc $rc), says why and what to do" \
    '[ "$rc" = 1 ] && grep -q "does not hold the checkpoint named by" "$TMP/d4.log" && grep -q -- "--audit-new-chain" "$TMP/d4.log"'
CUT_LINES=$(wc -l <"$AUD")
check "the refused log was left untouched" [ "$(wc -l <"$AUD")" = "$CUT_LINES" ]
av "the cut log against its side file" 1 "broken chain: the side file's checkpoint (seq [0-9]*, hash [0-9a-f]*.*) is not in the log" "$AUD"
SIDE_SEQ=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"]["seq"])' "$AUD.checkpoint")
"$SB_BIN" serve -c "$TMP/d4.yaml" --audit-new-chain 2>"$TMP/d5.log" &
DPID=$!
PIDS="$PIDS $DPID"
i=0; while [ $i -lt $((50 * SLOWX)) ] && ! curl -s -o /dev/null "http://127.0.0.1:$ADM/readyz"; do sleep 0.1; i=$((i + 1)); done
res=$(load 5 g)
check "--audit-new-chain: started, requests answered ($res)" [ "$res" = "5 0 0" ]
check "--audit-new-chain: the old log moved aside, kept whole" sh -c "[ \"\$(wc -l <\"\$(ls $AUD.replaced-* | head -1)\")\" = $CUT_LINES ]"
check "--audit-new-chain: the first record (seq 1) names the old head and the moved file" py - "$AUD" "$SIDE_SEQ" <<'PY'
import glob, json, sys
r = json.loads(open(sys.argv[1]).readline())
p = r['previous']
sys.exit(0 if r['seq'] == 1 and r['event'] == 'new_chain' and r['prev'] == '0' * 64 and r['sig']
         and p['checkpoint_seq'] == int(sys.argv[2]) and len(p['checkpoint_hash']) == 64
         and p['moved_to'] == glob.glob(sys.argv[1] + '.replaced-*')[0] and p['found'] else 1)
PY
stop_daemon
out=$(sigcheck "$AUD" "$CERT" 2>&1)
check_sh "the new chain verifies with python-cryptography ($out)" 'echo "$out" | grep -Eq "^[0-9]+ new_chain,.*stop$"'
av "the new chain, with its side file" 0 "every checkpoint verifies" "$AUD"
av "the old log moved aside by --audit-new-chain (no side file of its own)" 0 "chain intact" "$(ls "$AUD".replaced-* | head -1)"
rm -f "$AUD" "$AUD".replaced-*
serve_refused d6
check_sh "the log removed while stopped: refuses rather than starting a chain from genesis (rc $rc)" \
    '[ "$rc" = 1 ] && grep -q "does not hold the checkpoint" "$TMP/d6.log"'

section "a full disk (a 256 KiB tmpfs)"
FS=$TMP/fs
mkdir -p "$FS"
AUD=$FS/audit.jsonl
if ! unshare -m sh -c "mount -t tmpfs -o size=256k tmpfs '$FS'" 2>"$TMP/unshare.txt"; then
    skip "full disk" "no private mount namespace here: $(head -c 200 "$TMP/unshare.txt")"
else
    API=$(free_port); ADM=$(free_port)
    conf >"$TMP/d7.yaml"
    unshare -m sh -c "mount -t tmpfs -o size=256k tmpfs '$FS' && exec '$SB_BIN' serve -c '$TMP/d7.yaml'" 2>"$TMP/d7.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
    i=0; while [ $i -lt $((50 * SLOWX)) ] && ! curl -s -o /dev/null "http://127.0.0.1:$ADM/readyz"; do sleep 0.1; i=$((i + 1)); done
    R=/proc/$DPID/root$FS             # the daemon's tmpfs, seen through its mount namespace
    res=$(load 10 h)
    check "full disk: 10 requests before the disk fills ($res)" [ "$res" = "10 0 0" ]
    dd if=/dev/zero of="$R/filler" bs=4k 2>/dev/null
    # the file's last page may still hold a few records; after that every decision is refused
    res=$(load 30 i)
    N_OK=${res%% *} N_OTHER=${res##* } REFUSED=${res#* }
    REFUSED=${REFUSED% *}
    check_sh "full disk: decisions refused, 503 AUDIT_UNAVAILABLE once the last page is full ($res)" \
        '[ "$N_OK" -le 8 ] && [ "$REFUSED" -ge 22 ] && [ "$N_OTHER" = 0 ]'
    t "full disk: /readyz 503 NOT_READY 'No space left on device'" 503 \
        "d['error']['code']=='NOT_READY' and 'No space left on device' in d['error']['message']" \
        "http://127.0.0.1:$ADM/readyz"
    rm -f "$R/filler"
    wait_ready 200
    t "space back: /readyz ready" 200 "d['ready'] is True" "http://127.0.0.1:$ADM/readyz"
    res=$(load 5 j)
    check "space back: requests answered ($res)" [ "$res" = "5 0 0" ]
    # a "resumed" record is small: it may fit in the last page where the next decision does not, and then a
    # second gap follows it; together the gaps name every refusal
    check "'resumed' records name the gap ($REFUSED or more refused, ENOSPC)" py - "$R/audit.jsonl" "$REFUSED" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
res = [r for r in recs if r.get('event') == 'resumed']
print('     %s' % ([r['gap'] for r in res] if res else 'no resumed record'))
sys.exit(0 if res and sum(r['gap']['refused'] for r in res) >= int(sys.argv[2]) and
         all(r['gap']['error'] == 'No space left on device' for r in res) else 1)
PY
    kill -TERM "$DPID"; wait_bounded "$DPID"
    check "full disk daemon: clean exit (rc $rc)" [ "$rc" = 0 ]
fi

gw_finish

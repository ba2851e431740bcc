#!/bin/sh
# tests/integration/test_gateway_reload.sh — reloads under load on the real `sigbridge serve`.
#
# 2,000 POST /v1/verify requests (hk, cn, mo objects, good and bad, each with its exact expected verdict;
# two keep-alive clients and two clients with a new connection per request) run while 100 successful
# reloads (50 SIGHUP, 50 POST /admin/reload, each publishing a changed policy set) and 10 broken ones
# (a policy file with an unknown key) happen, paced so they interleave. Checked: no request fails, every
# answer names a snapshot that was published, each client only ever moves forward through the snapshots,
# reload counters are exact, a broken reload keeps the old snapshot and answers the located error, a
# burst of concurrent reload requests is coalesced without losing an answer, and the audit chain holds
# every decision. Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
cp "$POL/hk.yaml" "$TMP/hk.yaml.orig"

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
queue_max: 256
limits: { request_timeout_ms: 20000, idle_timeout_s: 30 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-reload }
EOF
}
# Under SB_TEST_SLOW (valgrind) the load is a fifth: 400 requests, 20 reloads + 2 broken ones, same pacing.
N_REQ=2000 N_GOOD=100 N_LABEL=2,000
[ "$SLOWX" = 1 ] || { N_REQ=400 N_GOOD=20 N_LABEL=400; }
N_BROKEN=$(((N_GOOD + 5) / 10))
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
section "$N_LABEL requests, $N_GOOD reloads + $N_BROKEN broken ones"

py - "$API" "$ADM" "$DPID" "$O" "$POL/hk.yaml" "$TMP/hk.yaml.orig" "$TMP/result.json" "$N_REQ" "$N_GOOD" \
    "$SLOWX" <<'PY'
import http.client, json, os, re, signal, sys, threading, time
api, adm, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
objdir, hk_yaml, orig, out = sys.argv[4], sys.argv[5], open(sys.argv[6]).read(), sys.argv[7]
N_REQ, N_GOOD, THREADS = int(sys.argv[8]), int(sys.argv[9]), 4
DEADLINE = time.time() + 50 * int(sys.argv[10])
# (file, jurisdiction, indication, reason)
CASES = [('hk.p7s', 'hk', 'TOTAL_PASSED', None), ('cn.p7s', 'cn', 'TOTAL_PASSED', None),
         ('mo.p7s', 'mo', 'TOTAL_PASSED', None), ('hk-revoked.p7s', 'hk', 'TOTAL_FAILED', 'REVOKED'),
         ('cn-tampered.p7s', 'cn', 'TOTAL_FAILED', 'HASH_MISMATCH'),
         ('mo.p7s', 'hk', 'INDETERMINATE', 'CHAIN_NO_ANCHOR')]
OBJ = {f: open(os.path.join(objdir, f), 'rb').read() for f, _, _, _ in CASES}
lock = threading.Lock()
st = {'done': 0, 'reloads': 0, 'fail': [], 'seen': [[] for _ in range(THREADS)]}

def admin(method, path):
    c = http.client.HTTPConnection('127.0.0.1', adm, timeout=10)
    c.request(method, path)
    r = c.getresponse(); body = r.read(); c.close()
    return r.status, json.loads(body) if body[:1] == b'{' else body

def metric(name):
    _, body = admin('GET', '/metrics')
    m = re.search(re.escape(name) + r' (\d+)', body.decode())
    return int(m.group(1)) if m else 0

def client(k):
    keep = k < 2
    c = None
    for i in range(N_REQ // THREADS):
        with lock:
            while st['done'] > (st['reloads'] + 2) * 18 and time.time() < DEADLINE:
                lock.release(); time.sleep(0.002); lock.acquire()
        f, jur, ind, why = CASES[(i + k) % len(CASES)]
        try:
            if c is None:
                c = http.client.HTTPConnection('127.0.0.1', api, timeout=15)
            hdrs = {'Content-Type': 'application/cms', 'X-Request-Id': 'c%d-%d' % (k, i)}
            if not keep:
                hdrs['Connection'] = 'close'
            c.request('POST', '/v1/verify?from=' + jur, OBJ[f], hdrs)
            r = c.getresponse(); body = r.read()
            d = json.loads(body) if r.status == 200 else None
            if d is None or d['indication'] != ind or d['reason'] != why or \
                    d.get('snapshot') != r.getheader('Sigbridge-Snapshot'):
                raise ValueError('HTTP %d %s' % (r.status, body[:160]))
            st['seen'][k].append(d['snapshot'])
        except Exception as e:
            with lock:
                st['fail'].append('client %d request %d (%s as %s): %r' % (k, i, f, jur, e))
            c = None
        finally:
            if not keep and c is not None:
                c.close(); c = None
        with lock:
            st['done'] += 1

def wait_metric(name, want):
    while time.time() < DEADLINE:
        if metric(name) >= want:
            return True
        time.sleep(0.01)
    return False

snaps = []          # published snapshots in order (index = generation as this test sees it)
problems = []
def reloader():
    _, pol = admin('GET', '/v1/policies')
    snaps.append(pol['snapshot'])
    ok0 = metric('sigbridge_reloads_total{result="ok"}')
    bad0 = metric('sigbridge_reloads_total{result="failed"}')
    good = broken = 0
    plan = []
    for g in range(N_GOOD):
        plan.append('good')
        if g % 10 == 4:
            plan.append('broken')
    for n, kind in enumerate(plan):
        while st['done'] < n * 18 - 30 and time.time() < DEADLINE:
            time.sleep(0.002)
        use_signal = (good if kind == 'good' else broken) % 2 == 1
        if kind == 'good':
            good += 1
            open(hk_yaml + '.tmp', 'w').write(orig.replace('description:', 'description: reload %d of' % good, 1))
            os.rename(hk_yaml + '.tmp', hk_yaml)
            if use_signal:
                os.kill(pid, signal.SIGHUP)
                if not wait_metric('sigbridge_reloads_total{result="ok"}', ok0 + good):
                    problems.append('SIGHUP reload %d not counted' % good)
                _, pol = admin('GET', '/v1/policies')
                snap = pol['snapshot']
                if not any(('reload %d of' % good) in j['description'] for j in pol['jurisdictions']):
                    problems.append('SIGHUP reload %d: policies do not show the new description' % good)
            else:
                s, d = admin('POST', '/admin/reload')
                if s != 200 or d.get('result') != 'ok' or not d.get('changed') or d.get('previous') != snaps[-1]:
                    problems.append('admin reload %d: %d %r' % (good, s, d))
                snap = d.get('snapshot') if isinstance(d, dict) else None
            if snap in snaps:
                problems.append('reload %d did not publish a new snapshot' % good)
            snaps.append(snap)
        else:
            broken += 1
            open(hk_yaml + '.tmp', 'w').write(open(hk_yaml).read() + 'certificate_policy_typo: %d\n' % broken)
            os.rename(hk_yaml + '.tmp', hk_yaml)
            if use_signal:
                os.kill(pid, signal.SIGHUP)
                if not wait_metric('sigbridge_reloads_total{result="failed"}', bad0 + broken):
                    problems.append('broken SIGHUP reload %d not counted as failed' % broken)
            else:
                s, d = admin('POST', '/admin/reload')
                if s != 422 or d['error']['code'] != 'RELOAD_FAILED' or \
                        not any(re.search(r'hk\.yaml:\d+:\d+: .*certificate_policy_typo', e) for e in d['error']['errors']):
                    problems.append('broken admin reload %d: %d %r' % (broken, s, d))
            _, pol = admin('GET', '/v1/policies')
            if pol['snapshot'] != snaps[-1]:
                problems.append('broken reload %d replaced the snapshot' % broken)
        with lock:
            st['reloads'] += 1
    ok1 = metric('sigbridge_reloads_total{result="ok"}')
    bad1 = metric('sigbridge_reloads_total{result="failed"}')
    st['counted'] = (ok1 - ok0, bad1 - bad0)
    open(hk_yaml, 'w').write(orig)

t0 = time.time()
ts = [threading.Thread(target=client, args=(k,)) for k in range(THREADS)] + [threading.Thread(target=reloader)]
[t.start() for t in ts]; [t.join() for t in ts]
elapsed = time.time() - t0
gen = {s: i for i, s in enumerate(snaps)}
unknown = sorted({s for seen in st['seen'] for s in seen if s not in gen})
backwards = [k for k, seen in enumerate(st['seen']) if any(gen.get(a, 0) > gen.get(b, 0) for a, b in zip(seen, seen[1:]))]
distinct = len({s for seen in st['seen'] for s in seen})
json.dump({'done': st['done'], 'failed': st['fail'][:5], 'n_failed': len(st['fail']), 'reloads': st['reloads'],
           'counted': st.get('counted'), 'problems': problems[:5], 'n_problems': len(problems),
           'unknown': unknown[:3], 'backwards': backwards, 'distinct': distinct, 'snaps': snaps,
           'secs': round(elapsed, 1), 'timed_out': time.time() > DEADLINE}, open(out, 'w'))
PY
R=$TMP/result.json
rj() { py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$R" "$1"; }
if [ ! -s "$R" ]; then
    bad "the load + reload driver did not finish"
else
    echo "     $(rj "'%s requests and %s reloads in %s s, %s snapshots seen by clients' % (d['done'], d['reloads'], d['secs'], d['distinct'])")"
    check "$N_LABEL requests during $((N_GOOD + N_BROKEN)) reloads: none failed ($(rj "d['n_failed']") failed $(rj "d['failed'][:2]"))" \
        [ "$(rj "d['done'], d['n_failed'], d['timed_out']")" = "($N_REQ, 0, False)" ]
    check "reload counters exact: $N_GOOD ok, $N_BROKEN failed ($(rj "d['counted']"))" \
        [ "$(rj "d['counted']")" = "[$N_GOOD, $N_BROKEN]" ]
    check "each reload answered / observed as expected, broken ones kept the old snapshot ($(rj "d['n_problems']"): $(rj "d['problems'][:2]"))" \
        [ "$(rj "d['n_problems']")" = 0 ]
    check "every answer names a published snapshot ($(rj "d['unknown']"))" [ "$(rj "len(d['unknown'])")" = 0 ]
    check "no client ever saw an older snapshot after a newer one (clients: $(rj "d['backwards']"))" \
        [ "$(rj "len(d['backwards'])")" = 0 ]
    check "the reloads really happened during the load ($(rj "d['distinct']") snapshots answered)" \
        [ "$(rj "d['distinct']")" -ge $((N_GOOD / 2)) ]
fi

section "a burst of concurrent reload requests"
py - "$API" "$ADM" "$DPID" "$O/hk.p7s" >"$TMP/burst.txt" <<'PY'
import http.client, json, os, re, signal, sys, threading, time
api, adm, pid, obj = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], 'rb').read()
def count():
    c = http.client.HTTPConnection('127.0.0.1', adm, timeout=10); c.request('GET', '/metrics')
    return int(re.search(r'sigbridge_reloads_total\{result="ok"\} (\d+)', c.getresponse().read().decode()).group(1))
before = count()
answers, bad, gate = [], [], threading.Barrier(12)
def admin_reload():
    try:
        c = http.client.HTTPConnection('127.0.0.1', adm, timeout=10)
        gate.wait(); c.request('POST', '/admin/reload'); r = c.getresponse()
        answers.append((r.status, json.loads(r.read()).get('result')))
    except Exception as e:
        answers.append((0, repr(e)))
def hups():
    gate.wait()
    for _ in range(10):
        os.kill(pid, signal.SIGHUP); time.sleep(0.002)
def verify():
    c = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
    gate.wait()
    for _ in range(50):
        c.request('POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
        r = c.getresponse(); b = r.read()
        if r.status != 200 or b'"TOTAL_PASSED"' not in b:
            bad.append(r.status)
ts = [threading.Thread(target=admin_reload) for _ in range(10)] + [threading.Thread(target=hups), threading.Thread(target=verify)]
[t.start() for t in ts]; [t.join() for t in ts]
time.sleep(0.5)
n = count() - before
print(sum(1 for a in answers if a == (200, 'ok')), len(bad), n)
PY
read -r b_ok b_bad b_n <"$TMP/burst.txt"
check_sh "10 admin reloads + 10 SIGHUPs at once: every admin call answered ok ($b_ok), requests unharmed ($b_bad failed), runs coalesced ($b_n reloads, 1..20)" \
    '[ "$b_ok" = 10 ] && [ "$b_bad" = 0 ] && [ "$b_n" -ge 1 ] && [ "$b_n" -le 20 ]'
t "daemon healthy after the reloads" 200 "d['ready']" "http://127.0.0.1:$API/readyz"

section "audit"
stop_daemon
check "SIGTERM: clean exit (rc $rc)" [ "$rc" = 0 ]
"$SB_BIN" audit verify "$TMP/audit.jsonl" >"$TMP/av.txt"
rc=$?
check "audit chain intact after the reloads (rc $rc: $(cut -c1-80 "$TMP/av.txt"))" [ "$rc" = 0 ]
check "every decision audited under a published snapshot" py - "$TMP/audit.jsonl" "$R" "$N_REQ" <<'PY'
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
snaps = set(json.load(open(sys.argv[2]))['snaps'])
n_req = int(sys.argv[3])
ids = {r.get('client_request_id') for r in recs}     # the clients' X-Request-Id
missing = [i for i in ('c%d-%d' % (k, n) for k in range(4) for n in range(n_req // 4)) if i not in ids]
stray = [r['snapshot'] for r in recs if re.match(r'c\d+-\d+$', r.get('client_request_id') or '') and r['snapshot'] not in snaps]
if missing or stray or len(recs) < n_req + 50:
    print('     %d records, missing %r, stray %r' % (len(recs), missing[:3], stray[:3])); sys.exit(1)
PY

gw_finish

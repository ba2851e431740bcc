#!/bin/sh
# tests/integration/test_gateway_conns.sh — many and slow connections against the real `sigbridge serve`.
#
# With 1,000 concurrent idle connections open (500 fresh, never sending a byte; 500 kept alive after one
# request) the daemon answers /healthz in under 1 s and still verifies signatures; then 100 clients dribble
# their request headers a byte at a time while /healthz stays under 1 s, and the dribblers are answered in
# the end; idle connections are closed after limits.idle_timeout_s, a client stalled mid-request gets 408
# REQUEST_TIMEOUT at limits.header_timeout_ms (default 10 s) and a header dribbled forever is cut there too;
# the sigbridge_connections gauge counts every accepted connection; over limits.max_connections a client
# gets 503 OVERLOADED and is served again once others leave.
# Needs ~1,150 file descriptors per process: raises `ulimit -n` when the hard limit allows, else skips
# those parts with the reason.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
NEED_FD=1400
num() { case $1 in unlimited) echo 1000000000 ;; ''|*[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
cur=$(num "$(ulimit -n 2>/dev/null)")
hard=$(num "$(ulimit -H -n 2>/dev/null)")
if [ "$cur" -lt "$NEED_FD" ] && [ "$hard" -ge "$NEED_FD" ]; then
    ulimit -n "$NEED_FD" 2>/dev/null
fi
cur=$(num "$(ulimit -n 2>/dev/null)")
FD_OK=1
[ "$cur" -ge "$NEED_FD" ] || FD_OK=0

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
limits: { idle_timeout_s: $IDLE, max_connections: $MAXCONN, max_headers: 16KiB, header_timeout_ms: $HDR }
audit: { path: $TMP/audit-$MAXCONN.jsonl }
EOF
}
IDLE=5
MAXCONN=4096
HDR=10000
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

section "1,000 concurrent idle connections, then 100 slow clients"
if [ "$FD_OK" = 1 ]; then
    py - "$API" "$ADM" "$O/hk.p7s" "$IDLE" >"$TMP/conns.txt" <<'PY'
import http.client, json, re, select, socket, sys, time
api, adm, obj, idle = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], 'rb').read(), int(sys.argv[4])
out = []
def say(k, v):
    out.append('%s=%s' % (k, v))

def timed(port, method, path, body=None, hdrs=None):
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=1)
        c.request(method, path, body, hdrs or {})
        r = c.getresponse(); b = r.read(); c.close()
        return r.status, b, time.monotonic() - t
    except Exception as e:
        return 0, repr(e).encode(), time.monotonic() - t

def probe(tag):
    worst, bad = 0.0, 0
    for _ in range(5):
        st, b, dt = timed(api, 'GET', '/healthz')
        worst = max(worst, dt)
        bad += st != 200 or json.loads(b).get('status') != 'ok'
        time.sleep(0.05)
    say(tag + '_healthz_bad', bad)
    say(tag + '_healthz_worst_ms', int(worst * 1000))
    st, b, dt = timed(api, 'POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
    say(tag + '_verify', 'ok' if st == 200 and b'"TOTAL_PASSED"' in b else 'bad-%d' % st)

# 500 fresh connections that never send a byte, 500 that send one request and stay open (keep-alive)
fresh, kept, failed = [], [], 0
for i in range(500):
    try:
        fresh.append(socket.create_connection(('127.0.0.1', api), timeout=5))
    except OSError:
        failed += 1
t_fresh = time.monotonic()
for i in range(500):
    try:
        s = socket.create_connection(('127.0.0.1', api), timeout=5)
        s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
        kept.append(s)
    except OSError:
        failed += 1
for s in kept:
    s.settimeout(5)
    try:
        d = s.recv(4096)
        if not d.startswith(b'HTTP/1.1 200'):
            failed += 1
    except OSError:
        failed += 1
t_open = time.monotonic()
say('opened', len(fresh) + len(kept) - failed)
probe('idle')
m = timed(adm, 'GET', '/metrics')[1].decode()
g = re.search(r'^sigbridge_connections (\d+)', m, re.M)
say('gauge', g.group(1) if g else 'none')
# a stalled client: half a request line, then nothing
stalled = socket.create_connection(('127.0.0.1', api), timeout=5)
stalled.sendall(b'POST /v1/verify?from=hk HTTP/1.1\r\nHost: x\r\nContent-Le')
t_stall = time.monotonic()

# 100 clients dribbling their request a byte every 50 ms (each gap well under idle_timeout_s)
REQ = b'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-Client: ' + b'x' * 30 + b'\r\n\r\n'
drib = [socket.create_connection(('127.0.0.1', api), timeout=5) for _ in range(100)]
for s in drib:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
worst, bad, probes = 0.0, 0, 0
next_probe = time.monotonic()
for i in range(len(REQ)):
    for s in drib:
        try:
            s.send(REQ[i:i + 1])
        except OSError:
            pass
    if time.monotonic() >= next_probe:
        st, b, dt = timed(api, 'GET', '/healthz')
        worst, bad, probes = max(worst, dt), bad + (st != 200), probes + 1
        next_probe = time.monotonic() + 0.3
    time.sleep(0.05)
say('slow_probes', probes)
say('slow_healthz_bad', bad)
say('slow_healthz_worst_ms', int(worst * 1000))
st, b, dt = timed(api, 'POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
say('slow_verify', 'ok' if st == 200 and b'"TOTAL_PASSED"' in b else 'bad-%d' % st)
answered = 0
for s in drib:
    try:
        answered += s.recv(4096).startswith(b'HTTP/1.1 200')
    except OSError:
        pass
    s.close()
say('dribblers_answered', answered)

# everything left idle is closed by the daemon: kept-alive connections after idle_timeout_s, fresh ones that
# never sent a byte at header_timeout_ms (10 s) from accept (allow 3 s more)
conns = fresh + kept
closed, deadline = set(), max(t_open + idle, t_fresh + 10) + 3
while len(closed) < len(conns) and time.monotonic() < deadline:
    r, _, _ = select.select([s for s in conns if s not in closed], [], [], 0.2)
    for s in r:
        try:
            if s.recv(4096) == b'':
                closed.add(s)
        except OSError:
            closed.add(s)
say('idle_closed', len(closed))
say('idle_closed_after_s', round(time.monotonic() - t_open, 1))
# the stalled client: 408 REQUEST_TIMEOUT at header_timeout_ms (10 s after its first byte; allow 3 s more),
# then closed
stalled.settimeout(max(0.1, t_stall + 10 + 3 - time.monotonic()))
d = b''
try:
    while True:
        c = stalled.recv(4096)
        if not c:
            break
        d += c
    say('stalled', '408-closed' if d.startswith(b'HTTP/1.1 408') and b'"REQUEST_TIMEOUT"' in d else
        'closed-%r' % d[:12] if d else 'closed-silently')
except socket.timeout:
    say('stalled', '408-open' if d.startswith(b'HTTP/1.1 408') else 'open')
except OSError:
    say('stalled', 'reset')
probe('after')
print(' '.join(out))
PY
    cat "$TMP/conns.txt"
    v() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" "$TMP/conns.txt"; }
    check "1,000 connections accepted ($(v opened))" [ "$(v opened)" = 1000 ]
    check_sh "with 1,000 idle connections: /healthz 5/5 under 1 s (worst $(v idle_healthz_worst_ms) ms)" \
        '[ "$(v idle_healthz_bad)" = 0 ] && [ "$(v idle_healthz_worst_ms)" -lt 1000 ]'
    check "with 1,000 idle connections: a verification still passes ($(v idle_verify))" [ "$(v idle_verify)" = ok ]
    check_sh "connections gauge counts the 1,000 accepted ones, fresh and kept alive ($(v gauge))" \
        '[ "$(v gauge)" -ge 1000 ] && [ "$(v gauge)" -le 1002 ]'
    check_sh "100 slow clients dribbling headers: /healthz under 1 s every time ($(v slow_probes) probes, worst $(v slow_healthz_worst_ms) ms)" \
        '[ "$(v slow_healthz_bad)" = 0 ] && [ "$(v slow_probes)" -ge 5 ] && [ "$(v slow_healthz_worst_ms)" -lt 1000 ]'
    check "during the dribbling: a verification still passes ($(v slow_verify))" [ "$(v slow_verify)" = ok ]
    check "the slow clients are answered once their request is complete ($(v dribblers_answered)/100)" \
        [ "$(v dribblers_answered)" = 100 ]
    check "idle connections closed (kept-alive: idle_timeout_s=$IDLE, fresh: header_timeout_ms) ($(v idle_closed)/1000 after $(v idle_closed_after_s) s)" \
        [ "$(v idle_closed)" = 1000 ]
    check "a client stalled mid-request gets 408 REQUEST_TIMEOUT at header_timeout_ms, then closed ($(v stalled))" \
        [ "$(v stalled)" = 408-closed ]
    check_sh "afterwards: /healthz fast, verification passes ($(v after_healthz_worst_ms) ms, $(v after_verify))" \
        '[ "$(v after_healthz_bad)" = 0 ] && [ "$(v after_verify)" = ok ]'
else
    skip "1,000 concurrent connections" "open-file limit $cur, hard limit $hard, need $NEED_FD"
fi
t "daemon alive" 200 "d['ready']" "http://127.0.0.1:$API/readyz"
stop_daemon
check "daemon: clean exit (rc $rc)" [ "$rc" = 0 ]

section "max_connections"
IDLE=30
MAXCONN=8
if start_daemon d2 conf; then
    py - "$API" >"$TMP/max.txt" <<'PY'
import http.client, json, sys
port = int(sys.argv[1])
def get(c):
    c.request('GET', '/healthz'); r = c.getresponse(); b = r.read()
    return r.status, (json.loads(b).get('error') or {}).get('code'), r.getheader('Retry-After'), r.getheader('Connection')
held = [http.client.HTTPConnection('127.0.0.1', port, timeout=5) for _ in range(8)]
first = [get(c)[0] for c in held]
extra = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
over = get(extra)
extra.close()
for c in held[:2]:
    c.close()
import time; time.sleep(0.3)
again = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
after = get(again)
print(first.count(200), over[0], over[1], over[2], over[3], after[0])
PY
    read -r m_ok m_st m_code m_ra m_conn m_after <"$TMP/max.txt"
    check_sh "max_connections 8: eight kept-alive clients served ($m_ok)" '[ "$m_ok" = 8 ]'
    check_sh "the ninth: 503 OVERLOADED, Retry-After, Connection: close ($m_st $m_code $m_ra $m_conn)" \
        '[ "$m_st" = 503 ] && [ "$m_code" = OVERLOADED ] && [ "$m_ra" = 1 ] && [ "$m_conn" = close ]'
    check "after two leave, a new client is served ($m_after)" [ "$m_after" = 200 ]
    stop_daemon
    check "daemon 2: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 2 did not start"
fi

section "slow loris"
{
    # a client dribbling its headers forever is cut at header_timeout_ms (2 s here), however often it sends
    IDLE=2
    MAXCONN=4096
    HDR=2000
    if start_daemon d3 conf; then
        py - "$API" >"$TMP/loris.txt" <<'PY'
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=0.5)
s.sendall(b'GET /healthz HTTP/1.1\r\nX-Slow: ')
s.settimeout(None)
t = time.monotonic(); state = 'open'
for i in range(40):                       # then 1 header byte every 0.25 s for up to 10 s
    try:
        s.sendall(b'a')
        if s.recv(1, socket.MSG_DONTWAIT) == b'':
            state = 'closed'; break
    except BlockingIOError:
        pass
    except OSError:
        state = 'closed'; break
    time.sleep(0.25)
print(state, round(time.monotonic() - t, 1))
PY
        check "a header dribbled a byte every 0.25 s is cut by header_timeout_ms=2000 ($(cat "$TMP/loris.txt"))" \
            grep -q '^closed' "$TMP/loris.txt"
        stop_daemon
    else
        bad "daemon 3 did not start"
    fi
}

section "out of file descriptors"
# accept() failing with EMFILE must pause the listener, not crash the daemon
{
    IDLE=3
    MAXCONN=8
    API=$(free_port); ADM=$(free_port)
    conf >"$TMP/d4.yaml"
    sh -c 'ulimit -n 128; exec "$0" serve -c "$1"' "$SB_BIN" "$TMP/d4.yaml" 2>>"$TMP/d4.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
    slow_sleep 0.5
    py - "$API" >"$TMP/emfile.txt" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); ss = []
for i in range(200):
    try:
        ss.append(socket.create_connection(('127.0.0.1', port), timeout=1))
    except OSError:
        pass
time.sleep(1)
for s in ss:
    s.close()
time.sleep(0.5)
print(len(ss))
PY
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time $((2 * SLOWX)) "http://127.0.0.1:$API/healthz")
    check "out of file descriptors (ulimit 128, 200 clients): daemon survives and answers again ($code)" [ "$code" = 200 ]
    kill -9 "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null
}

gw_finish

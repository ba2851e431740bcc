#!/bin/sh
# tests/integration/test_gateway_loops.sh — several event loops (config `loops`) on the real `sigbridge serve`.
#
# With loops: 2 the api listener has one SO_REUSEPORT socket per loop: 24 kept-alive clients land on both
# loops, balanced within one or two whatever the kernel's hash chose (a connection is started on the loop
# with fewer: loop_handoff.c; sigbridge_loop_connections / sigbridge_loop_accepted_total), every one of them gets its verification
# back (worker completions return to the loop that owns the connection), the per-loop gauges add up to
# sigbridge_connections, and both loops report their callbacks' CPU time (sigbridge_loop_callback_cpu_*;
# present and counted, never a timing assertion). The caps stay process-wide: max_connections 8 (the smallest
# allowed) with 16 clients → exactly 8 served and 8 refused with 503 OVERLOADED (Retry-After, Connection:
# close), a new client served once one leaves. SIGHUP reloads for every loop (fresh connections see the new
# policies), and SIGTERM drains every loop: listeners close, requests still arriving on either loop are
# finished and answered with Connection: close, the daemon exits 0.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
loops: 2
limits: { max_connections: $MAXCONN, idle_timeout_s: 30, drain_timeout_s: 10 }
audit: { path: $TMP/audit-$MAXCONN.jsonl }
EOF
}

section "connections spread over two loops"
MAXCONN=64
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
py - "$API" "$ADM" "$O/hk.p7s" >"$TMP/spread.txt" <<'PY'
import http.client, json, re, sys
api, adm, obj = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], 'rb').read()
held = [http.client.HTTPConnection('127.0.0.1', api, timeout=10) for _ in range(24)]
passed = 0
for c in held:
    c.request('POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
    r = c.getresponse(); b = r.read()
    passed += r.status == 200 and json.loads(b).get('indication') == 'TOTAL_PASSED'
for c in held:                            # a second request on every kept-alive connection
    c.request('GET', '/healthz')
    r = c.getresponse(); b = r.read()
    passed += r.status == 200 and json.loads(b).get('status') == 'ok'
m = http.client.HTTPConnection('127.0.0.1', adm, timeout=10)
m.request('GET', '/metrics'); text = m.getresponse().read().decode()
def val(pat):
    g = re.search(pat, text, re.M)
    return int(g.group(1)) if g else -1
busy = sum(1 for l in ('0', '1')
           if val(r'^sigbridge_loop_callback_cpu_seconds_count\{loop="%s"\} (\d+)$' % l) >= 1 and
           re.search(r'^sigbridge_loop_callback_cpu_max_seconds\{loop="%s"\} [0-9.]+$' % l, text, re.M))
print(passed, busy, val(r'^sigbridge_loops (\d+)$'), val(r'^sigbridge_loop_connections\{loop="0"\} (\d+)$'),
      val(r'^sigbridge_loop_connections\{loop="1"\} (\d+)$'), val(r'^sigbridge_loop_accepted_total\{loop="0"\} (\d+)$'),
      val(r'^sigbridge_loop_accepted_total\{loop="1"\} (\d+)$'), val(r'^sigbridge_connections (\d+)$'))
PY
read -r s_pass s_busy s_loops s_c0 s_c1 s_a0 s_a1 s_conns <"$TMP/spread.txt"
check "24 kept-alive clients: 24 verifications TOTAL_PASSED + 24 /healthz on the same connections ($s_pass/48)" \
    [ "$s_pass" = 48 ]
check "sigbridge_loops 2 ($s_loops)" [ "$s_loops" = 2 ]
check "both loops count their callbacks' CPU time (sigbridge_loop_callback_cpu_seconds, _max_seconds) ($s_busy/2)" \
    [ "$s_busy" = 2 ]
check_sh "connections open on both loops (loop 0: $s_c0, loop 1: $s_c1)" '[ "$s_c0" -ge 1 ] && [ "$s_c1" -ge 1 ]'
# whatever SO_REUSEPORT's hash chose, each new connection is started on the loop with fewer (loop_handoff.c);
# loop 0 also holds this script's /metrics connection on the admin listener
check_sh "the 24 api connections are balanced over the two loops (loop 0: $s_c0, loop 1: $s_c1)" \
    '[ $((s_c0 - s_c1)) -le 2 ] && [ $((s_c1 - s_c0)) -le 2 ]'
check_sh "per-loop gauges add up to sigbridge_connections ($s_c0 + $s_c1 = $s_conns)" \
    '[ $((s_c0 + s_c1)) = "$s_conns" ] && [ "$s_conns" -ge 25 ]'
check_sh "both loops accepted connections (loop 0: $s_a0, loop 1: $s_a1)" '[ "$s_a0" -ge 1 ] && [ "$s_a1" -ge 1 ]'

section "SIGHUP reload reaches every loop"
sed 's/description:/description: reloaded by test_gateway_loops,/' "$POL/hk.yaml" >"$POL/hk.yaml.tmp" &&
    mv "$POL/hk.yaml.tmp" "$POL/hk.yaml"
kill -HUP "$DPID"
i=0
while [ $i -lt $((100 * SLOWX)) ] && [ "$(metric "$ADM" '^sigbridge_reloads_total\{result="ok"\}')" != 1 ]; do
    sleep 0.1; i=$((i + 1))
done
check "SIGHUP: reload counted" [ "$(metric "$ADM" '^sigbridge_reloads_total\{result="ok"\}')" = 1 ]
py - "$API" "$O/hk.p7s" >"$TMP/reload.txt" <<'PY'
import http.client, json, sys
api, obj = int(sys.argv[1]), open(sys.argv[2], 'rb').read()
seen = ok = 0
for _ in range(16):                       # fresh connections: both loops
    c = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
    c.request('GET', '/v1/policies'); r = c.getresponse(); d = json.loads(r.read())
    seen += r.status == 200 and any('reloaded by test_gateway_loops' in j.get('description', '')
                                    for j in d['jurisdictions'])
    c.request('POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
    r = c.getresponse(); ok += r.status == 200 and json.loads(r.read()).get('indication') == 'TOTAL_PASSED'
    c.close()
print(seen, ok)
PY
read -r r_seen r_ok <"$TMP/reload.txt"
check "after SIGHUP: 16 fresh connections see the new policy set ($r_seen/16)" [ "$r_seen" = 16 ]
check "after SIGHUP: verifications still pass ($r_ok/16)" [ "$r_ok" = 16 ]

section "SIGTERM drains every loop"
py - "$API" "$O/hk.p7s" "$DPID" >"$TMP/drain.txt" <<'PY'
import json, os, signal, socket, sys, time
api, obj, pid = int(sys.argv[1]), open(sys.argv[2], 'rb').read(), int(sys.argv[3])
head = ('POST /v1/verify?from=hk HTTP/1.1\r\nHost: x\r\nContent-Type: application/cms\r\n'
        'Content-Length: %d\r\n\r\n' % len(obj)).encode()
half = len(obj) // 2
ss = []
for _ in range(12):                       # requests still arriving on both loops when SIGTERM comes
    s = socket.create_connection(('127.0.0.1', api), timeout=10)
    s.sendall(head + obj[:half])
    ss.append(s)
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
refused = 0
for _ in range(50):                       # every loop's listener closes
    time.sleep(0.1)
    try:
        socket.create_connection(('127.0.0.1', api), timeout=1).close()
    except ConnectionRefusedError:
        refused = 1
        break
    except OSError:
        pass
answered = 0
for s in ss:
    s.sendall(obj[half:])
for s in ss:
    d = b''
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            d += c
    except OSError:
        pass
    h, _, b = d.partition(b'\r\n\r\n')
    try:
        passed = json.loads(b).get('indication') == 'TOTAL_PASSED'
    except Exception:
        passed = False
    answered += h.startswith(b'HTTP/1.1 200') and b'\r\nConnection: close' in h and passed
    s.close()
print(refused, answered)
PY
read -r d_refused d_answered <"$TMP/drain.txt"
check "SIGTERM: new connections refused on the api port ($d_refused)" [ "$d_refused" = 1 ]
check "SIGTERM: 12 requests still arriving are finished and answered with Connection: close ($d_answered/12)" \
    [ "$d_answered" = 12 ]
wait_bounded "$DPID"
check "SIGTERM with two loops: clean exit (rc $rc)" [ "$rc" = 0 ]
check "drain logged" grep -q '"SIGTERM: draining' "$TMP/d1.log"

section "caps stay process-wide"
MAXCONN=8
if start_daemon d2 conf; then
    py - "$API" >"$TMP/cap.txt" <<'PY'
import http.client, json, sys, time
port = int(sys.argv[1])
def get(c):
    c.request('GET', '/healthz'); r = c.getresponse(); b = r.read()
    return (r.status, (json.loads(b).get('error') or {}).get('code'), r.getheader('Retry-After'),
            r.getheader('Connection'))
held = [http.client.HTTPConnection('127.0.0.1', port, timeout=10) for _ in range(16)]
res = [get(c) for c in held]
served = sum(1 for r in res if r[0] == 200)
refused = sum(1 for r in res if r == (503, 'OVERLOADED', '1', 'close'))
for c, r in zip(held, res):
    if r[0] == 200:
        c.close()
        break
for c, r in zip(held, res):
    if r[0] != 200:
        c.close()
time.sleep(0.3)
again = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
after = get(again)[0]
print(served, refused, after)
PY
    read -r c_served c_refused c_after <"$TMP/cap.txt"
    check "max_connections 8, 16 clients on two loops: 8 served ($c_served)" [ "$c_served" = 8 ]
    check "... and 8 refused: 503 OVERLOADED, Retry-After: 1, Connection: close ($c_refused)" [ "$c_refused" = 8 ]
    check "after one leaves, a new client is served ($c_after)" [ "$c_after" = 200 ]
    stop_daemon
    check "daemon 2: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 2 did not start"
fi

gw_finish

#!/bin/sh
# tests/integration/test_gateway_upstream.sh — proxy routes relaying a real upstream's reply (issue 24 item 2):
# routes[].max_response and the total deadline routes[].timeout_ms. A py upstream on loopback sends 100 MiB
# (with Content-Length, and chunked) to a route with max_response 1MiB: JSON 502 UPSTREAM_ERROR naming the
# route, and the daemon's resident memory (VmRSS, sampled while the request runs) grows by less than 10 MiB;
# 8 MiB (Content-Length: streamed; chunked: held, then sent with its length) through a route with
# max_response 16MiB arrives intact (SHA-256) at a client reading slowly from a small socket buffer, with the
# daemon's memory bounded by the backpressure; an upstream trickling its reply past timeout_ms is cut: 504
# UPSTREAM_TIMEOUT while nothing was relayed, a short body and a closed connection after the head went out.
# No reply names the upstream's address. Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
O=$TMP/obj
mkdir -p "$O"
printf 'Greater Bay Area cross-border e-contract (upstream relay test)\n' >"$O/doc.txt"
openssl cms -sign -binary -nodetach -outform DER -in "$O/doc.txt" -signer "$SB_PKI/hk/leaf.pem" \
    -inkey "$SB_PKI/hk/leaf.key" -certfile "$SB_PKI/hk/int.pem" -md sha256 -out "$O/hk.p7s" 2>/dev/null
[ -s "$O/hk.p7s" ] || { echo "FAIL fixture hk.p7s not made"; exit 1; }
: >"$O/empty"                  # a detached signature over the empty body of a HEAD request
openssl cms -sign -binary -outform DER -in "$O/empty" -signer "$SB_PKI/hk/leaf.pem" -inkey "$SB_PKI/hk/leaf.key" \
    -certfile "$SB_PKI/hk/int.pem" -md sha256 -out "$O/empty.p7s" 2>/dev/null
EMPTY_SIG=$(py -c 'import base64,sys; print(base64.b64encode(open(sys.argv[1],"rb").read()).decode())' "$O/empty.p7s")

# The upstream. /x/cl/N: N bytes with Content-Length; /x/chunked/N: N bytes in 64 KiB chunks; the bytes are
# the same seeded pseudo-random stream for every N (its SHA-256 is computed by the client the same way).
# /x/trickle-cl/N, /x/trickle-chunked/N: 1000 bytes every 0.2 s.
cat >"$TMP/upstream.py" <<'PY'
import http.server, random, sys, time
port = int(sys.argv[1])
BLOCK = random.Random(24).randbytes(1 << 20)       # 1 MiB, repeated with a counter byte to vary it
def stream(n):
    i = 0
    while n > 0:
        b = bytes([i & 255]) + BLOCK[1:]
        yield b[:n]
        n -= len(b[:n]); i += 1
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self.reply()
    def do_HEAD(self):
        self.reply()
    def reply(self):
        parts = self.path.split('/')
        kind, n = parts[2], int(parts[3])
        try:
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('X-Upstream-Kind', kind)
            if kind in ('cl', 'trickle-cl'):
                self.send_header('Content-Length', str(n))
            else:
                self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            if self.command == 'HEAD':
                return
            if kind == 'cl':
                for b in stream(n):
                    self.wfile.write(b)
            elif kind == 'chunked':
                for b in stream(n):
                    for k in range(0, len(b), 65536):
                        c = b[k:k + 65536]
                        self.wfile.write(b'%x\r\n' % len(c) + c + b'\r\n')
                self.wfile.write(b'0\r\n\r\n')
            else:
                sent = 0
                while sent < n:
                    c = b'x' * min(1000, n - sent)
                    self.wfile.write(c if kind == 'trickle-cl' else b'%x\r\n' % len(c) + c + b'\r\n')
                    sent += len(c)
                    time.sleep(0.2)
                if kind != 'trickle-cl':
                    self.wfile.write(b'0\r\n\r\n')
        except OSError:
            pass                        # the gateway gave up on us
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), H).serve_forever()
PY
UP=$(free_port)
"$PYBIN" -S "$TMP/upstream.py" "$UP" &
PIDS="$PIDS $!"
wait_listen "$UP"

# client.py API PATH BODY PID MODE [METHOD [SIGNATURE]] — one request on a raw socket (MODE fast, or slow: 16 KiB reads
# from a 32 KiB receive buffer with a pause each); prints one JSON line: status, headers, body length and
# SHA-256, the body if short, whether the connection closed before the Content-Length, the daemon's VmRSS
# (kB) before and at its highest while the request ran, and the expected SHA-256 of the upstream's N bytes.
cat >"$TMP/client.py" <<'PY'
import hashlib, json, random, socket, sys, threading, time
port, path, bodyf, pid, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
method = sys.argv[6] if len(sys.argv) > 6 else 'POST'
def rss():
    for line in open('/proc/%s/status' % pid):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0
base = rss(); peak = [base]; done = [False]
def sample():
    while not done[0]:
        peak[0] = max(peak[0], rss()); time.sleep(0.01)
th = threading.Thread(target=sample); th.start()
body = open(bodyf, 'rb').read() if method == 'POST' else b''
s = socket.socket()
if mode == 'slow':
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(60)
s.connect(('127.0.0.1', port))
sig = 'X-Sigbridge-Signature: %s\r\n' % sys.argv[7] if len(sys.argv) > 7 else ''
s.sendall(('%s %s HTTP/1.1\r\nHost: gw\r\nContent-Type: application/cms\r\nContent-Length: %d\r\n%s'
           'Connection: close\r\n\r\n' % (method, path, len(body), sig)).encode() + body)
buf = b''
while b'\r\n\r\n' not in buf:
    d = s.recv(65536)
    if not d:
        break
    buf += d
head, _, rest = buf.partition(b'\r\n\r\n')
lines = head.decode('latin-1').split('\r\n')
status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
hdrs = {}
for l in lines[1:]:
    k, _, v = l.partition(':')
    hdrs[k.strip().lower()] = v.strip()
cl = int(hdrs['content-length']) if 'content-length' in hdrs else None
want = 0 if method == 'HEAD' else cl
h = hashlib.sha256(rest); n = len(rest); small = rest[:4096]; closed_early = False
while want is None or n < want:
    try:
        d = s.recv(16384 if mode == 'slow' else 262144)
    except OSError:
        d = b''
    if not d:
        closed_early = want is not None
        break
    h.update(d); n += len(d)
    if len(small) < 4096:
        small += d[:4096 - len(small)]
    if mode == 'slow':
        time.sleep(0.004)
s.close()
done[0] = True; th.join()
exp = None
parts = path.split('/')
if len(parts) > 3 and parts[3].isdigit():
    blk = random.Random(24).randbytes(1 << 20); e = hashlib.sha256(); left = int(parts[3]); i = 0
    while left > 0:
        b = (bytes([i & 255]) + blk[1:])[:left]; e.update(b); left -= len(b); i += 1
    exp = e.hexdigest()
try:
    text = small.decode()
except UnicodeDecodeError:
    text = None
print(json.dumps({'status': status, 'headers': hdrs, 'len': n, 'sha256': h.hexdigest(), 'expected': exp,
                  'body': text if n <= 4096 else None, 'closed_early': closed_early,
                  'rss_base_kb': base, 'rss_peak_kb': peak[0]}))
PY

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
queue_max: 64
limits: { max_body: 65536, request_timeout_ms: 10000, idle_timeout_s: 30, drain_timeout_s: 10 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-upstream }
routes:
  - { name: big, prefix: /big/, upstream: "http://127.0.0.1:$UP", from: hk, max_response: 1MiB }
  - { name: mid, prefix: /mid/, upstream: "http://127.0.0.1:$UP", from: hk, max_response: 16MiB }
  - { name: headroute, prefix: /head/, upstream: "http://127.0.0.1:$UP", from: hk, require: detached-header }
  - { name: trickle, prefix: /trickle/, upstream: "http://127.0.0.1:$UP", from: hk, timeout_ms: 2000 }
EOF
}
# Under AddressSanitizer (make test SAN=1) freed memory waits in a quarantine and would count in VmRSS: none.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
export ASAN_OPTIONS
start_daemon d conf || { bad "daemon did not start"; gw_finish; exit 1; }

# req MODE PATH [METHOD [SIGNATURE]] → $TMP/r.json; then rcheck NAME PY_EXPR (r = that JSON, d = its body as JSON)
req() {
    py "$TMP/client.py" "$API" "$2" "$O/hk.p7s" "$DPID" "$1" ${3:+"$3"} ${4:+"$4"} >"$TMP/r.json" 2>"$TMP/r.err" ||
        { echo "     client: $(head -c 400 "$TMP/r.err")"; echo '{}' >"$TMP/r.json"; }
}
rcheck() {
    if py - "$TMP/r.json" "$2" "$UP" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
try:
    d = json.loads(r.get('body') or 'null')
except ValueError:
    d = None
up = sys.argv[3]
def no_upstream(msg):
    return '127.0.0.1' not in msg and up not in msg
try:
    sys.exit(0 if eval(sys.argv[2]) else 1)
except Exception as e:
    print('     check raised %r' % e)
    sys.exit(1)
PY
    then ok "$1"; else bad "$1" "$(head -c 500 "$TMP/r.json")"; fi
}
growth() { py -c 'import json,sys; r=json.load(open(sys.argv[1])); print((r["rss_peak_kb"]-r["rss_base_kb"])//1024)' "$TMP/r.json"; }

req fast /mid/cl/1000      # warm-up: the first proxied request allocates the daemon's steady-state buffers
rcheck "warm-up: 1000 bytes relayed with their Content-Length" \
    "r['status']==200 and r['len']==1000 and r['sha256']==r['expected'] and r['headers']['content-length']=='1000' and r['headers']['x-upstream-kind']=='cl' and 'x-request-id' in r['headers']"

section "max_response: 100 MiB to a route with max_response 1MiB"
req fast /big/cl/104857600
rcheck "100 MiB with Content-Length: 502 UPSTREAM_ERROR naming the route and the limit, before any byte" \
    "r['status']==502 and d['error']['code']=='UPSTREAM_ERROR' and d['error']['status']==502 and 'route big' in d['error']['message'] and 'max_response' in d['error']['message'] and '104857600' in d['error']['message'] and no_upstream(d['error']['message'])"
echo "     RSS: $(py -c 'import json,sys; r=json.load(open(sys.argv[1])); print("base %d kB, peak %d kB" % (r["rss_base_kb"], r["rss_peak_kb"]))' "$TMP/r.json")"
check_sh "100 MiB with Content-Length: daemon RSS grew by less than 10 MiB" "[ \"\$(growth)\" -lt 10 ]"
req fast /big/chunked/104857600
rcheck "100 MiB chunked: 502 UPSTREAM_ERROR naming the route, not the upstream" \
    "r['status']==502 and d['error']['code']=='UPSTREAM_ERROR' and 'route big' in d['error']['message'] and 'max_response' in d['error']['message'] and no_upstream(d['error']['message'])"
echo "     RSS: $(py -c 'import json,sys; r=json.load(open(sys.argv[1])); print("base %d kB, peak %d kB" % (r["rss_base_kb"], r["rss_peak_kb"]))' "$TMP/r.json")"
check_sh "100 MiB chunked: daemon RSS grew by less than 10 MiB" "[ \"\$(growth)\" -lt 10 ]"

section "streaming within max_response, slow client"
req slow /mid/cl/8388608
rcheck "8 MiB with Content-Length through max_response 16MiB, slow reader: intact (SHA-256), streamed with its length" \
    "r['status']==200 and r['len']==8388608 and r['sha256']==r['expected'] and r['headers']['content-length']=='8388608' and not r['closed_early']"
cp "$TMP/r.json" "$TMP/r8.json"
echo "     RSS: $(py -c 'import json,sys; r=json.load(open(sys.argv[1])); print("base %d kB, peak %d kB" % (r["rss_base_kb"], r["rss_peak_kb"]))' "$TMP/r.json")"
check_sh "8 MiB streamed to a slow reader: daemon RSS grew by less than 6 MiB (backpressure)" "[ \"\$(growth)\" -lt 6 ]"
req slow /mid/chunked/8388608
rcheck "8 MiB chunked (length unknown): held, then sent intact with Content-Length" \
    "r['status']==200 and r['len']==8388608 and r['sha256']==r['expected'] and r['headers']['content-length']=='8388608' and 'transfer-encoding' not in r['headers']"
req fast /head/cl/8388608 HEAD "$EMPTY_SIG"
rcheck "HEAD (detached signature over the empty body): the upstream's Content-Length, no body relayed" \
    "r['status']==200 and r['headers']['content-length']=='8388608' and r['headers']['x-upstream-kind']=='cl' and r['len']==0 and not r['closed_early']"
KA=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}:%{size_download}:%{num_connects} ' --max-time 30 \
    -H "Content-Type: application/cms" --data-binary "@$O/hk.p7s" "http://127.0.0.1:$API/mid/cl/300000" \
    "http://127.0.0.1:$API/mid/chunked/300000")
check_sh "keep-alive: a streamed and a held reply one after the other on one connection ($KA)" \
    '[ "$KA" = "200:300000:1 200:300000:0 " ]'

section "timeout_ms: a total deadline"
T1=$(date +%s)
req fast /trickle/trickle-chunked/100000
T2=$(date +%s)
rcheck "trickling chunked reply (nothing relayed yet): 504 UPSTREAM_TIMEOUT naming the route and timeout_ms" \
    "r['status']==504 and d['error']['code']=='UPSTREAM_TIMEOUT' and 'route trickle' in d['error']['message'] and 'timeout_ms' in d['error']['message'] and no_upstream(d['error']['message'])"
check_sh "trickling chunked reply cut near the deadline (2 s; the upstream needs 20 s)" "[ $((T2 - T1)) -lt 12 ]"
T1=$(date +%s)
req fast /trickle/trickle-cl/100000
T2=$(date +%s)
rcheck "trickling reply with Content-Length (head relayed): the connection closes early with a short body" \
    "r['status']==200 and r['headers']['content-length']=='100000' and r['closed_early'] and 0 < r['len'] < 100000"
check_sh "trickling reply with Content-Length cut near the deadline" "[ $((T2 - T1)) -lt 12 ]"
check_sh "the daemon logged the cut with the route (warning log)" \
    "grep -q 'proxy trickle: upstream http://127.0.0.1:$UP: route trickle' \"$TMP/d.log\""
t "daemon still serves after the cuts" 200 "d['status']=='ok'" "http://127.0.0.1:$API/healthz"
stop_daemon
check_sh "daemon: clean exit after the relays and the cuts (rc $rc)" "[ $rc = 0 ]"

section "streaming over TLS (a client reading at 2 MiB/s)"
T=$TMP/tls
mkdir -p "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/server.key" -out "$T/server.pem" \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" -days 2 2>/dev/null
chmod 600 "$T/server.key"
conf_tls() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API, tls: { cert: $T/server.pem, key: $T/server.key } }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
limits: { max_body: 65536, idle_timeout_s: 30 }
audit: { path: $TMP/audit-tls.jsonl }
routes:
  - { name: mid, prefix: /mid/, upstream: "http://127.0.0.1:$UP", from: hk, max_response: 16MiB }
EOF
}
READY_SCHEME=https
READY_ARGS="--cacert $T/server.pem"
if start_daemon dtls conf_tls; then
    code=$(curl -s -o "$TMP/tls.bin" -w '%{http_code}' --max-time 60 --limit-rate 2M --cacert "$T/server.pem" \
        -H "Content-Type: application/cms" --data-binary "@$O/hk.p7s" "https://127.0.0.1:$API/mid/cl/8388608")
    check_sh "TLS: 8 MiB streamed to a slowly reading client arrives intact (HTTP $code, SHA-256)" \
        "[ $code = 200 ] && py -c 'import hashlib,json,sys; sys.exit(0 if hashlib.sha256(open(sys.argv[1],\"rb\").read()).hexdigest()==json.load(open(sys.argv[2]))[\"expected\"] else 1)' \"$TMP/tls.bin\" \"$TMP/r8.json\""
    stop_daemon
    check_sh "TLS daemon: clean exit (rc $rc)" "[ $rc = 0 ]"
else
    bad "TLS daemon did not start"
fi

gw_finish

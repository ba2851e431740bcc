#!/bin/sh
# tests/integration/test_gateway_frontdoor.sh — the front door against hostile clients (issue 20), against
# the real `sigbridge serve` over real sockets; the clients are tests/integration/frontdoor.py.
#
# Daemon 1 (plain HTTP, a proxy route /up/ to a py upstream that logs every request it gets; small limits:
# header_timeout_ms 1000, body_min_rate 1KiB, pending_body_bytes 16MiB, max_body 10MiB, idle_timeout_s 6):
#   framing   each request-framing attack (duplicate / signed / listed Content-Length, bad chunk sizes, bare
#             LF / CR, obs-fold, whitespace before ':', TE + CL, TE in 1.0, Host missing or twice) gets
#             exactly one 400 BAD_REQUEST JSON reply and the connection closes; a signed request to /up/
#             pipelined behind each never reaches the upstream; TE gzip,chunked 501, 431, TRACE 405,
#             PROPFIND / CONNECT 501, HTTP/2.0 and the h2 preface 505, a 20-digit Content-Length 413;
#             valid pipelining in order, chunked bodies, Expect: 100-continue, HEAD/GET with a body
#   early     404 / 404 UNKNOWN_JURISDICTION / 415 / 413 / 405 / 417 answered right after the headers,
#             the body never sent, then closed
#   timeouts  a dripped header block: 408 at header_timeout_ms; a silent new connection: closed without a
#             byte; keep-alive gaps under idle_timeout_s; a body under body_min_rate: 408
#   pending   a declared 9 MiB body refused 503 OVERLOADED while a 10 MiB upload is half sent; the upload
#             completes 200 TOTAL_PASSED; sigbridge_pending_body_bytes follows (declared length, then 0)
#   and every error reply seen has its access-log line (same X-Request-Id) and is counted in /metrics.
# Daemon 2: max_connections 40 idle connections → admin /healthz 200, the 41st 503 OVERLOADED; the
#   sigbridge_connections gauge counts them; admin_connections 8 likewise.
# Daemon 3 (TLS, client certificates, access lists): close_notify on every close; the access lists refuse
#   before the body.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
# a 6 KB and a ~10 MiB document (max_body 10MiB = 10485760 bytes, the signed object included), signed by hk
py - "$O" <<'PY'
import sys
o = sys.argv[1]
open(o + '/mid.txt', 'wb').write(b'Greater Bay Area e-contract, medium\n' * 170)
line = b'Greater Bay Area e-contract annex, large upload line .......................................\n'
open(o + '/big.txt', 'wb').write(line * (10460000 // len(line)))
PY
for n in mid big; do
    openssl cms -sign -binary -nodetach -outform DER -in "$O/$n.txt" -signer "$SB_PKI/hk/leaf.pem" \
        -inkey "$SB_PKI/hk/leaf.key" -certfile "$SB_PKI/hk/int.pem" -md sha256 -out "$O/$n.p7s" 2>/dev/null
done
size=$(wc -c <"$O/big.p7s" | tr -d ' ')
[ -s "$O/mid.p7s" ] && [ "$size" -le 10485760 ] && [ "$size" -ge 10000000 ] ||
    { echo "FAIL fixture big.p7s ($size bytes) / mid.p7s not made"; exit 1; }

# the upstream: appends one line per request it receives
cat >"$TMP/upstream.py" <<'PY'
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        with open(log, 'a') as f:
            f.write('%s %s %d\n' % (self.command, self.path, len(body)))
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '15')
        self.end_headers()
        self.wfile.write(b'{"upstream":1}\n')
    do_PUT = do_GET = do_HEAD = do_PROPFIND = do_TRACE = do_POST
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), H).serve_forever()
PY
UP=$(free_port)
: >"$TMP/upstream.txt"
"$PYBIN" -S "$TMP/upstream.py" "$UP" "$TMP/upstream.txt" &
PIDS="$PIDS $!"
wait_listen "$UP"

# fd PART [args] — run one part of frontdoor.py, counting its ok / FAIL lines
fd() {
    part=$1
    shift
    py "$ROOT/tests/integration/frontdoor.py" "$part" "$@" >"$TMP/fd-$part.out" 2>&1
    frc=$?
    while IFS= read -r line; do
        case $line in
            "ok   "*) ok "${line#ok   }" ;;
            "FAIL "*) bad "${line#FAIL }" ;;
            *) echo "     $line" ;;
        esac
    done <"$TMP/fd-$part.out"
    [ "$frc" = 0 ] || bad "frontdoor.py $part exited $frc"
}

conf1() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
limits:
  max_body: 10MiB
  max_headers: 16KiB
  max_connections: 40
  admin_connections: 8
  header_timeout_ms: 1000
  body_min_rate: 1KiB
  pending_body_bytes: 16MiB
  idle_timeout_s: 6
  request_timeout_ms: 20000
audit: { path: $TMP/audit1.jsonl, fsync: off, node_id: it-frontdoor }
log: { level: info, path: $TMP/d1-access.log }
routes:
  - { name: up, prefix: /up/, upstream: "http://127.0.0.1:$UP", from: hk }
EOF
}
RIDS=$TMP/rids.txt
: >"$RIDS"
if start_daemon d1 conf1; then
    FD1="--api $API --adm $ADM --obj $O/hk.p7s --mid $O/mid.p7s --big $O/big.p7s --uplog $TMP/upstream.txt --rids $RIDS"
    section "framing"
    # shellcheck disable=SC2086
    fd framing $FD1
    section "early refusals"
    # shellcheck disable=SC2086
    fd early $FD1
    section "timeouts"
    # shellcheck disable=SC2086
    fd timeouts $FD1
    section "pending body bytes"
    # shellcheck disable=SC2086
    fd pending $FD1
    section "access log and metrics"
    fd accounting --adm "$ADM" --rids "$RIDS" --log "$TMP/d1-access.log"
    t "daemon 1 still healthy" 200 "d['status']=='ok'" "http://127.0.0.1:$API/healthz"
    stop_daemon
    check "daemon 1: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 1 did not start" "$(tail -3 "$TMP/d1.log")"
fi

section "connection caps"
conf2() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 1
limits: { max_connections: 40, admin_connections: 8, header_timeout_ms: 10000, idle_timeout_s: 30 }
audit: { path: $TMP/audit2.jsonl, fsync: off }
EOF
}
if start_daemon d2 conf2; then
    fd conns --api "$API" --adm "$ADM" --max-conns 40 --admin-conns 8
    stop_daemon
    check "daemon 2: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 2 did not start" "$(tail -3 "$TMP/d2.log")"
fi

section "TLS"
T=$TMP/tls
mkdir -p "$T"
mkca() { # mkca NAME SUBJECT
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" \
        -subj "$2" -days 2 2>/dev/null
}
mk() { # mk NAME SUBJECT ISSUER EXT
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" \
        -subj "$2" 2>/dev/null
    printf '%s\n' "$4" >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial -days 2 \
        -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
    chmod 600 "$T/$1.key"
}
mkca ca "/CN=sigbridge frontdoor client CA"
mk server "/CN=127.0.0.1" ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
for c in bank-a bank-b bank-x ops; do
    mk "$c" "/O=$c/CN=$c" ca "extendedKeyUsage=clientAuth"
    [ -s "$T/$c.pem" ] || { echo "FAIL fixture $c.pem not made"; exit 1; }
done
fp() { openssl x509 -in "$T/$1.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
conf3() {
    cat <<EOF
listeners:
  api:
    address: 127.0.0.1
    port: $API
    tls:
      cert: $T/server.pem
      key: $T/server.key
      client_ca: $T/ca.pem
      clients:
        - { id: bank-a, sha256: "$(fp bank-a)" }
        - { id: bank-b, sha256: "$(fp bank-b)" }
  admin:
    address: 127.0.0.1
    port: $ADM
    tls:
      cert: $T/server.pem
      key: $T/server.key
      client_ca: $T/ca.pem
      clients:
        - { id: ops, sha256: "$(fp ops)" }
policy_dir: $POL
workers: 1
limits: { header_timeout_ms: 1000, idle_timeout_s: 5 }
audit: { path: $TMP/audit3.jsonl, fsync: off }
api:
  clients: [bank-a, bank-b]
  jurisdictions:
    cn: [bank-b]
routes:
  - { name: pay, prefix: /pay/, upstream: "http://127.0.0.1:$UP", from: hk, clients: [bank-a] }
EOF
}
READY_SCHEME=https
READY_ARGS="--cacert $T/ca.pem --cert $T/bank-a.pem --key $T/bank-a.key"
if start_daemon d3 conf3; then
    fd tls --api "$API" --adm "$ADM" --tls "$T"
    stop_daemon
    check "daemon 3 (TLS): clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 3 (TLS) did not start" "$(tail -3 "$TMP/d3.log")"
fi

gw_finish

#!/bin/sh
# tests/integration/test_gateway_protocol.sh — HTTP framing the client can rely on, over raw sockets.
#
# The gateway answers in HTTP/1.1 (RFC 9110 §2.5: the highest version it conforms to, also to a 1.0 request)
# and only serves 1.0 and 1.1: another well-formed version (HTTP/DIGIT.DIGIT, RFC 9112 §2.3) is refused with
# 505 HTTP_VERSION_NOT_SUPPORTED, a malformed one ("HTTP/1.44") with 400 BAD_REQUEST, then the connection
# closes, so every reply can be framed. HEAD replies carry headers only, with the Content-Length a GET gets,
# so a pipelined keep-alive request after a HEAD is read correctly (a fuzzing find). Env: SB_BIN, SB_PKI.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 1
audit: { path: $TMP/audit.jsonl, fsync: off, node_id: it-protocol }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

raw() { # raw NAME PY_EXPR REQUEST-BYTES(python literal) [keep-write] — d = every byte sent until the server closed
    # By default the client half-closes after sending. With keep-write it does not: libevent may close a
    # connection whose peer sent FIN before it answered requests still buffered (pipelined), so the
    # pipelining check relies on the last request's Connection: close instead.
    if py - "$API" "$2" "$3" "${4:-}" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(eval(sys.argv[3]))
if sys.argv[4] != "keep-write":
    s.shutdown(socket.SHUT_WR)
d = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    d += c
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
    then ok "$1"; else bad "$1"; fi
}

section "HTTP versions"
for v in 0.1 1.2 1.9 2.0; do
    raw "HTTP/$v: 505 HTTP_VERSION_NOT_SUPPORTED in HTTP/1.1" \
        "d.startswith(b'HTTP/1.1 505 ') and b'\"code\":\"HTTP_VERSION_NOT_SUPPORTED\"' in d and b'\"status\":505' in d" \
        "b'GET /healthz HTTP/$v\r\nHost: x\r\n\r\n'" keep-write
done
raw "HTTP/1.44 (not HTTP/DIGIT.DIGIT): 400 BAD_REQUEST in HTTP/1.1" \
    "d.startswith(b'HTTP/1.1 400 ') and b'\"code\":\"BAD_REQUEST\"' in d and b'\"status\":400' in d and d.count(b'HTTP/1.1 ') == 1" \
    "b'GET /healthz HTTP/1.44\r\nHost: x\r\n\r\n'" keep-write
raw "HTTP/1.0: served in HTTP/1.1, then closed (no keep-alive asked)" \
    "d.startswith(b'HTTP/1.1 200 ') and b'\\r\\nconnection: close\\r\\n' in d.lower()" \
    "b'GET /healthz HTTP/1.0\r\n\r\n'" keep-write
raw "HTTP/1.1: served" "d.startswith(b'HTTP/1.1 200 ')" "b'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'"

section "HEAD then GET pipelined on one connection"
raw "HEAD reply has no body; the GET reply after it is intact" \
    "d.count(b'HTTP/1.1 200 ') == 2 and d.split(b'\r\n\r\n', 1)[1].startswith(b'HTTP/1.1 200 ') and d.endswith(b'}') and b'content-length: ' in d.lower()" \
    "b'HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'" keep-write

stop_daemon
check_sh "daemon drained and exited 0" '[ "$rc" -eq 0 ]'
gw_finish

#!/bin/sh
# tests/integration/test_gateway_forwarding.sh — what a proxy route sends upstream (issue 24 items 1, 4 and
# 5c), against the real `sigbridge serve` and a real upstream on loopback that records every request it gets.
#
# Each attack is reproduced and must be refused (status, error code and message; the upstream never
# contacted) or cleaned (what the upstream received): dot-segments escaping the route, raw and
# percent-encoded; encoded '/', '\' and NUL; an absolute-form target naming another host; a gateway header
# spelled with '_' (Sigbridge_Signer); client X-Forwarded-For / Forwarded / X-Real-IP from an untrusted peer
# (127.0.0.1) and from a trusted one (127.0.0.2, in api.trusted_proxies); a Connection-nominated header;
# the client's Connection: close; a client X-Request-Id, which is never the request id but is logged and
# audited as client_request_id. Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects

# The upstream: answers 200 {"upstream":true} and appends one JSON line per request to its log: method, the
# request-target exactly as received, every header (in order, duplicates kept) and the body's length.
cat >"$TMP/upstream.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n)
        rec = {'method': self.command, 'target': self.path, 'headers': list(self.headers.items()), 'body_len': len(body)}
        with open(sys.argv[2], 'a') as f:
            f.write(json.dumps(rec) + '\n')
        out = b'{"upstream":true}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = any
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
UP=$(free_port)
UPLOG=$TMP/upstream.jsonl
: >"$UPLOG"
"$PYBIN" -S "$TMP/upstream.py" "$UP" "$UPLOG" &
PIDS="$PIDS $!"
wait_listen "$UP"

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
limits: { request_timeout_ms: 10000, idle_timeout_s: 10 }
audit: { path: $TMP/audit.jsonl, fsync: off, node_id: it-forwarding }
api:
  trusted_proxies: [127.0.0.2/32, "fd00::/8"]
routes:
  - { name: contracts, prefix: /contracts/, upstream: "http://127.0.0.1:$UP", from: hk, timeout_ms: 5000 }
  - { name: contracts-admin, prefix: /contracts/admin/, upstream: "http://127.0.0.1:$UP", from: hk }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API
CMS="Content-Type: application/cms"
SIGNED="--data-binary @$O/hk.p7s"

# up NAME PY_EXPR — the upstream's requests since the last `fresh`: u is the last one (None if none), n how
# many; hv(NAME) the list of values of header NAME (case-insensitive) in u.
up() {
    if py - "$UPLOG" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = len(recs)
u = recs[-1] if recs else None
def hv(name):
    return [v for k, v in (u['headers'] if u else []) if k.lower() == name.lower()]
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print('     check raised %r' % e); ok = False
if not ok:
    print('     upstream saw: %s' % json.dumps(recs)[:900])
sys.exit(0 if ok else 1)
PY
    then ok "$1"; else bad "$1"; fi
}
fresh() { : >"$UPLOG"; }
# refused NAME CODE MESSAGE_SUBSTRING curl-args — 400 with that code and message, the upstream not contacted
refused() {
    name=$1 code=$2 sub=$3
    shift 3
    fresh
    t "$name: 400 $code" 400 "d['error']['code']=='$code' and d['error']['status']==400 and \"$sub\" in d['error']['message']" "$@"
    up "$name: the upstream was not contacted" "n == 0"
}

section "normalised targets (item 1)"
fresh
t "a dot-segment inside the route is resolved: 200 from the upstream" 200 "d=={'upstream':True}" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/a/./b/../c?x=1&y=/../z"
up "  ... which received the normalised path and the query as sent" "n == 1 and u['target'] == '/contracts/a/c?x=1&y=/../z' and u['method'] == 'POST'"
fresh
t "unreserved escapes decoded, other escapes upper-cased: 200" 200 "d=={'upstream':True}" \
    --path-as-is -H "$CMS" $SIGNED "$A/%63ontracts/%7Eb%c3%a9%3b"
up "  ... the upstream received /contracts/~b%C3%A9%3B" "n == 1 and u['target'] == '/contracts/~b%C3%A9%3B'"
refused "POST /contracts/../admin/secret" BAD_REQUEST "path escapes route contracts" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/../admin/secret"
refused "POST /contracts/%2e%2e/admin/secret (encoded dots)" BAD_REQUEST "path escapes route contracts" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/%2e%2e/admin/secret"
refused "POST /contracts/admin/../x: out of the longer route contracts-admin" BAD_REQUEST \
    "path escapes route contracts-admin" --path-as-is -H "$CMS" $SIGNED "$A/contracts/admin/../x"
refused "POST /contracts/../healthz: into a built-in endpoint" BAD_REQUEST "path escapes route contracts" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/../healthz"
refused "POST /contracts/..%2Fadmin (encoded '/')" BAD_REQUEST "encoded '/' (%2F) in the path" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/..%2Fadmin"
refused "POST /contracts/..%5Cadmin (encoded '\\')" BAD_REQUEST "encoded '\\\\' (%5C) in the path" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/..%5Cadmin"
refused "POST /contracts/x%00.json (encoded NUL)" BAD_REQUEST "encoded NUL (%00) in the path" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/x%00.json"
refused "POST /contracts/../../etc/passwd (above the root)" BAD_REQUEST "climbs above '/'" \
    --path-as-is -H "$CMS" $SIGNED "$A/contracts/../../etc/passwd"
refused "absolute-form target naming another host" BAD_REQUEST "origin-form request-targets only" \
    -H "$CMS" $SIGNED --request-target "http://internal.evil:8080/contracts/x" "$A/contracts/x"
t "built-in endpoints are matched on the normalised path too: GET /v1/../healthz" 200 "d['status']=='ok'" \
    --path-as-is "$A/v1/../healthz"
t "GET /x/%2e%2e/v1/policies is /v1/policies" 200 "d['jurisdictions'] and d['snapshot']" \
    --path-as-is "$A/x/%2e%2e/v1/policies"
check "the access log names the normalised path" grep -q '"path":"/v1/policies"' "$TMP/d1.log"

section "forwarding headers (item 4)"
HDRS='-H Sigbridge_Signer:forged -H X_Forwarded_For:6.6.6.6 -H X-Forwarded-For:1.2.3.4 -H Forwarded:for=1.2.3.4 -H X-Real-IP:1.2.3.4 -H X-Forwarded-Host:evil.example -H X-Forwarded-Proto:https -H X-Secret:s -H X-Keep:yes'
fresh
# shellcheck disable=SC2086
t "untrusted peer with spoofed forwarding headers: 200" 200 "d=={'upstream':True}" $HDRS \
    -H "Connection: X-Secret, keep-alive" -H "$CMS" $SIGNED "$A/contracts/h"
up "  ... no header with '_' reached the upstream (Sigbridge_Signer, X_Forwarded_For)" "n == 1 and not [k for k, v in u['headers'] if '_' in k]"
up "  ... X-Forwarded-For is the gateway's alone: the peer" "hv('X-Forwarded-For') == ['127.0.0.1']"
up "  ... X-Forwarded-Proto is the gateway's: http" "hv('X-Forwarded-Proto') == ['http']"
up "  ... the client's Forwarded, X-Real-IP, X-Forwarded-Host removed" "hv('Forwarded') == [] and hv('X-Real-IP') == [] and hv('X-Forwarded-Host') == []"
up "  ... the Connection-nominated X-Secret and Connection itself removed, X-Keep kept" "hv('X-Secret') == [] and hv('Connection') in ([], ['keep-alive'], ['close']) and hv('X-Keep') == ['yes']"
up "  ... Sigbridge-Signer is the validated signer" "len(hv('Sigbridge-Signer')) == 1 and 'CHAN Tai Man' in hv('Sigbridge-Signer')[0] and hv('Sigbridge-Verdict') == ['TOTAL_PASSED']"
fresh
# shellcheck disable=SC2086
t "trusted peer (127.0.0.2) with forwarding headers: 200" 200 "d=={'upstream':True}" --interface 127.0.0.2 $HDRS \
    -H "Connection: X-Secret" -H "$CMS" $SIGNED "$A/contracts/h"
up "  ... X-Forwarded-For is the proxy's with the peer appended" "hv('X-Forwarded-For') == ['1.2.3.4, 127.0.0.2']"
up "  ... the trusted proxy's Forwarded, X-Real-IP, X-Forwarded-Host and -Proto are kept" "hv('Forwarded') == ['for=1.2.3.4'] and hv('X-Real-IP') == ['1.2.3.4'] and hv('X-Forwarded-Host') == ['evil.example'] and hv('X-Forwarded-Proto') == ['https']"
up "  ... '_' headers and the nominated X-Secret still removed" "not [k for k, v in u['headers'] if '_' in k] and hv('X-Secret') == []"
fresh
t "trusted peer without X-Forwarded-For: the peer alone" 200 "d=={'upstream':True}" --interface 127.0.0.2 \
    -H "$CMS" $SIGNED "$A/contracts/h2"
up "  ... X-Forwarded-For: 127.0.0.2, X-Forwarded-Proto: http" "hv('X-Forwarded-For') == ['127.0.0.2'] and hv('X-Forwarded-Proto') == ['http']"

section "Connection: close is honoured"
# raw socket: one request with Connection: close, then a second one on the same connection; the reply says
# close, the server closes after it, and the second request is never answered
cc() { # cc PATH BODY_FILE — prints "<status> <connection header> <replies> <closed>"
    py - "$API" "$1" "${2:-}" <<'PY'
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
body = open(sys.argv[3], 'rb').read() if sys.argv[3] else b''
s = socket.create_connection(('127.0.0.1', port), timeout=10)
head = 'POST' if body else 'GET'
req = ('%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' % (head, path)).encode()
if body:
    req += b'Content-Type: application/cms\r\nContent-Length: %d\r\n' % len(body)
req += b'\r\n' + body
s.sendall(req + b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
data, closed = b'', 'open'
try:
    while True:
        d = s.recv(65536)
        if not d:
            closed = 'closed'
            break
        data += d
except socket.timeout:
    pass
t = data.decode('latin-1')
conn = [l.split(':', 1)[1].strip() for l in t.split('\r\n') if l.lower().startswith('connection:')]
print(t[9:12] or '-', conn[0] if conn else '-', t.count('HTTP/1.1 '), closed)
PY
}
read -r c_st c_conn c_n c_closed <<EOF
$(cc /healthz)
EOF
check_sh "GET /healthz with Connection: close: 200, Connection: close, one reply, then the server closes ($c_st $c_conn $c_n $c_closed)" \
    '[ "$c_st" = 200 ] && [ "$c_conn" = close ] && [ "$c_n" = 1 ] && [ "$c_closed" = closed ]'
fresh
read -r c_st c_conn c_n c_closed <<EOF
$(cc /contracts/close "$O/hk.p7s")
EOF
check_sh "proxied POST with Connection: close: 200, Connection: close, one reply, closed ($c_st $c_conn $c_n $c_closed)" \
    '[ "$c_st" = 200 ] && [ "$c_conn" = close ] && [ "$c_n" = 1 ] && [ "$c_closed" = closed ]'
up "  ... the upstream got the request" "n == 1 and u['target'] == '/contracts/close'"

section "request ids (item 5c)"
t "a client X-Request-Id is not the request id" 200 "h.get('x-request-id') not in (None, '', 'it-abc-1')" \
    -H "X-Request-Id: it-abc-1" "$A/healthz"
RID1=$(sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' "$TMP/hdrs" | tr -d '\r')
check "  ... the access log line has the server's id as req and client_request_id it-abc-1" py - "$TMP/d1.log" "$RID1" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
sys.exit(0 if [l for l in lines if l.get('req') == sys.argv[2] and l.get('client_request_id') == 'it-abc-1'] else 1)
PY
t "an invalid X-Request-Id (a space) is neither used nor kept" 200 "h.get('x-request-id') not in (None, '')" \
    -H "X-Request-Id: a b" "$A/healthz"
RID2=$(sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' "$TMP/hdrs" | tr -d '\r')
check "  ... its access log line has client_request_id null" py - "$TMP/d1.log" "$RID2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
m = [l for l in lines if l.get('req') == sys.argv[2]]
sys.exit(0 if m and all(l.get('client_request_id') is None for l in m) else 1)
PY
fresh
t "proxied request with X-Request-Id: client-abc-1" 200 "h.get('x-request-id') not in (None, '', 'client-abc-1')" \
    -H "X-Request-Id: client-abc-1" -H "$CMS" $SIGNED "$A/contracts/rid"
RID3=$(sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' "$TMP/hdrs" | tr -d '\r')
up "  ... the upstream gets the server's id (X-Request-Id and Sigbridge-Request-Id), never the client's" \
    "hv('X-Request-Id') == ['$RID3'] and hv('Sigbridge-Request-Id') == ['$RID3']"

stop_daemon
check "clean exit (rc $rc)" [ "$rc" = 0 ]
"$SB_BIN" audit verify "$TMP/audit.jsonl" >"$TMP/av.txt"
rc=$?
check "audit chain with and without client_request_id verifies (rc $rc: $(cat "$TMP/av.txt"))" [ "$rc" = 0 ]
check "audit: the proxied decision has the server's request id and client_request_id client-abc-1; the others none" \
    py - "$TMP/audit.jsonl" "$RID3" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in recs if r['request_id'] == sys.argv[2]]
others = [r for r in recs if r['request_id'] != sys.argv[2]]
ok = (len(mine) == 1 and mine[0].get('client_request_id') == 'client-abc-1' and mine[0]['route'] == 'proxy:contracts'
      and others and all('client_request_id' not in r for r in others))
sys.exit(0 if ok else 1)
PY

gw_finish

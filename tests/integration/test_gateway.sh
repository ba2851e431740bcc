#!/bin/sh
# tests/integration/test_gateway.sh — the real `sigbridge serve` on loopback ports, driven by real clients
# (curl, py http.client) with real signed objects made by `openssl cms -sign` (HK, MO) and
# `sigbridge sign --format gmt0010` (CN).
#
# Three daemons: (1) plain HTTP api + admin with proxy routes to a py upstream stub — verdicts per
# jurisdiction with exact indication/reason/status, HTTP errors, metrics, policies, OpenAPI routes,
# reloads (admin, SIGHUP, broken policy), reloads under load, proxying, graceful drain, audit chain;
# (2) TLS with client certificates — allowed, unknown and missing client; (3) workers=1 queue_max=1 —
# 503 + Retry-After under a burst, SIGKILL mid-load, audit chain after restart.
# Companion scripts (helpers in gw_lib.sh): test_gateway_verdicts.sh (verdicts per jurisdiction, HTTP
# errors), test_gateway_reload.sh (100 reloads during 2,000 requests), test_gateway_audit.sh (SIGKILL
# mid-load, restart, hand-edited records), test_gateway_tls.sh (openssl s_client, access lists),
# test_gateway_conns.sh (1,000 connections, slow clients, max_connections).
# Env: SB_BIN (sigbridge binary), SB_PKI (tests/pki output). Prints 'N passed, M failed'.
set -u
SB_BIN=${SB_BIN:-build/sigbridge}
SB_PKI=${SB_PKI:-build/pki}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
abspath() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }
SB_BIN=$(abspath "$SB_BIN")
SB_PKI=$(cd "$SB_PKI" && pwd)
PYBIN=$(python3 -c 'import sys; print(sys.executable)')
py() { "$PYBIN" -S "$@"; }   # resolved once, without site: version-manager shims cost ~0.3 s a call
PASS=0
FAIL=0
TMP=$(mktemp -d /tmp/sb_gw_XXXXXX)
PIDS=""

cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "${SB_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() {
    FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}"
    [ -f "$TMP/body" ] && printf '     body: %s\n' "$(head -c 400 "$TMP/body")"
}
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
check_sh() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# t NAME WANT_STATUS PY_EXPR curl-args... — one request (bounded by --max-time 10); PY_EXPR sees d (the
# JSON body or None), b (raw bytes) and h (lower-cased response headers).
t() {
    name=$1 want=$2 expr=$3
    shift 3
    code=$(curl -s -o "$TMP/body" -D "$TMP/hdrs" -w '%{http_code}' --max-time 10 "$@")
    if [ "$code" != "$want" ]; then
        bad "$name" "HTTP $code (want $want)"
        return
    fi
    if py - "$TMP/body" "$TMP/hdrs" "$expr" <<'PY'
import json, sys
b = open(sys.argv[1], 'rb').read()
try:
    d = json.loads(b)
except Exception:
    d = None
h = {}
for line in open(sys.argv[2], 'rb').read().decode('latin-1').split('\r\n'):
    if ':' in line:
        k, v = line.split(':', 1)
        h[k.strip().lower()] = v.strip()
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
    then ok "$name"; else bad "$name" "check failed: $expr"; fi
}

free_port() {
    py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_daemon NAME CONF_TEMPLATE_FN — writes the config with fresh ports, starts, waits for /readyz.
# Sets DPID and the ports API/ADM; retries with other ports when binding fails.
start_daemon() {
    dname=$1 gen=$2
    for attempt in 1 2 3; do
        API=$(free_port); ADM=$(free_port)
        $gen >"$TMP/$dname.yaml"
        "$SB_BIN" serve -c "$TMP/$dname.yaml" 2>>"$TMP/$dname.log" &
        DPID=$!
        PIDS="$PIDS $DPID"
        i=0
        while [ $i -lt 100 ]; do
            if ! kill -0 "$DPID" 2>/dev/null; then break; fi
            if curl -s -o /dev/null --max-time 1 $READY_ARGS "$READY_SCHEME://127.0.0.1:$API/readyz" ||
               curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ADM/readyz"; then
                return 0
            fi
            sleep 0.1; i=$((i + 1))
        done
        kill -9 "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
    done
    echo "cannot start daemon $dname:"; tail -20 "$TMP/$dname.log"
    return 1
}
READY_SCHEME=http
READY_ARGS=""

metric() { # metric PORT REGEX → the value of the first matching sample line ("" if none)
    curl -s --max-time 10 "http://127.0.0.1:$1/metrics" | grep -E "$2" | head -1 | awk '{print $NF}'
}

# ---- fixtures ------------------------------------------------------------------------------------
P=$SB_PKI
POL=$TMP/policies
mkdir -p "$POL" "$TMP/obj"
for f in "$ROOT"/policies/*.yaml; do
    sed "s#\.\./build/pki#$P#g" "$f" >"$POL/$(basename "$f")"
done
O=$TMP/obj
printf 'Greater Bay Area cross-border e-contract (integration test)\n' >"$O/doc.txt"
printf 'a different document\n' >"$O/other.txt"
openssl cms -sign -binary -nodetach -outform DER -in "$O/doc.txt" -signer "$P/hk/leaf.pem" -inkey "$P/hk/leaf.key" \
    -certfile "$P/hk/int.pem" -md sha256 -out "$O/hk.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform PEM -in "$O/doc.txt" -signer "$P/hk/leaf.pem" -inkey "$P/hk/leaf.key" \
    -md sha256 -out "$O/hk.pem" 2>/dev/null
openssl cms -sign -binary -outform DER -in "$O/doc.txt" -signer "$P/hk/leaf.pem" -inkey "$P/hk/leaf.key" \
    -md sha256 -out "$O/hk-detached.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform DER -in "$O/doc.txt" -signer "$P/hk/leaf-revoked.pem" \
    -inkey "$P/hk/leaf-revoked.key" -md sha256 -out "$O/hk-revoked.p7s" 2>/dev/null
openssl cms -sign -binary -nodetach -outform DER -in "$O/doc.txt" -signer "$P/hk/leaf-wrongpolicy.pem" \
    -inkey "$P/hk/leaf-wrongpolicy.key" -md sha256 -out "$O/hk-wrongpolicy.p7s" 2>/dev/null
"$SB_BIN" sign --format gmt0010 --key "$P/cn/leaf.key" --cert "$P/cn/leaf.pem" --chain "$P/cn/int.pem" \
    "$O/doc.txt" >"$O/cn.p7s"
"$SB_BIN" sign --format cms --key "$P/mo/leaf-ec.key" --cert "$P/mo/leaf-ec.pem" --chain "$P/mo/int.pem" \
    "$O/doc.txt" >"$O/mo.p7s"
py - "$O" <<'PY'
import base64, json, sys
o = sys.argv[1]
b = bytearray(open(o + '/hk.p7s', 'rb').read())
i = b.find(b'Greater Bay'); b[i] ^= 0x20
open(o + '/hk-tampered.p7s', 'wb').write(bytes(b))
sig = base64.b64encode(open(o + '/hk-detached.p7s', 'rb').read()).decode()
doc = base64.b64encode(open(o + '/doc.txt', 'rb').read()).decode()
oth = base64.b64encode(open(o + '/other.txt', 'rb').read()).decode()
json.dump({'signature': sig, 'content': doc}, open(o + '/env-good.json', 'w'))
json.dump({'signature': sig, 'content': oth}, open(o + '/env-wrong.json', 'w'))
json.dump({'signature': sig, 'contents': doc}, open(o + '/env-unknown.json', 'w'))
open(o + '/detached.b64', 'w').write(sig)
open(o + '/big.bin', 'wb').write(b'\x30' * 70000)
PY
DIGEST=$(openssl dgst -sha256 -r "$O/doc.txt" | cut -d' ' -f1)
for f in hk.p7s hk.pem hk-detached.p7s hk-revoked.p7s hk-wrongpolicy.p7s cn.p7s mo.p7s hk-tampered.p7s; do
    [ -s "$O/$f" ] || { echo "FAIL fixture $f not made"; exit 1; }
done

# py upstream stub: logs every request it sees; /slow/ answers after 3 s.
cat >"$TMP/upstream.py" <<'PY'
import http.server, json, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n)
        with open(log, 'a') as f:
            f.write(json.dumps({'path': self.path, 'verdict': self.headers.get('Sigbridge-Verdict'),
                                'signer': self.headers.get('Sigbridge-Signer'),
                                'jur': self.headers.get('Sigbridge-Jurisdiction'), 'len': len(body)}) + '\n')
        if self.path.startswith('/slow/'):
            time.sleep(3)
        out = json.dumps({'upstream': 'ok', 'path': self.path}).encode()
        try:
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('X-Upstream', 'yes')
            self.send_header('Content-Length', str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except OSError:
            pass            # the gateway gave up on us (timeout test)
    do_PUT = do_POST
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), H).serve_forever()
PY
UP=$(free_port)
DOWN=$(free_port)
: >"$TMP/upstream.log"
"$PYBIN" -S "$TMP/upstream.py" "$UP" "$TMP/upstream.log" &
UPID=$!
PIDS="$PIDS $UPID"
wait_listen "$UP"
up_hits() { wc -l <"$TMP/upstream.log" | tr -d ' '; }

# ---- daemon 1: plain HTTP, proxy routes ---------------------------------------------------------
conf1() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
queue_max: 64
limits: { max_body: 65536, request_timeout_ms: 10000, idle_timeout_s: 30, drain_timeout_s: 10 }
audit: { path: $TMP/audit1.jsonl, fsync: batch, node_id: it-node-1 }
routes:
  - { name: signed, prefix: /signed/, upstream: "http://127.0.0.1:$UP", from: hk, to: cn }
  - { name: detached, prefix: /detached/, upstream: "http://127.0.0.1:$UP", from: hk, require: detached-header }
  - { name: down, prefix: /down/, upstream: "http://127.0.0.1:$DOWN", from: hk }
  - { name: slow, prefix: /slow/, upstream: "http://127.0.0.1:$UP", from: hk, timeout_ms: 1000 }
EOF
}
start_daemon d1 conf1 || exit 1
A=http://127.0.0.1:$API
M=http://127.0.0.1:$ADM
V="$A/v1/verify"
CMS="Content-Type: application/cms"

echo "== $(date +%S.%N | cut -c1-5) verdicts"
t "hk RSA CMS passes" 200 "d['indication']=='TOTAL_PASSED' and d['valid'] and d['reason'] is None and d['jurisdiction']=='hk' and len(d['chain'])==3 and 'sigbridge-snapshot' in h and 'x-request-id' in h" \
    -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=hk"
t "hk PEM CMS passes" 200 "d['indication']=='TOTAL_PASSED'" \
    -H "Content-Type: application/pkcs7-mime; smime-type=signed-data" --data-binary "@$O/hk.pem" "$V?from=hk"
t "hk revoked signer: TOTAL_FAILED/REVOKED" 200 "d['indication']=='TOTAL_FAILED' and d['subindication']=='REVOKED' and d['reason']=='REVOKED'" \
    -H "$CMS" --data-binary "@$O/hk-revoked.p7s" "$V?from=hk"
t "hk tampered content: HASH_FAILURE" 200 "d['indication']=='TOTAL_FAILED' and d['subindication']=='HASH_FAILURE' and d['reason']=='HASH_MISMATCH'" \
    -H "$CMS" --data-binary "@$O/hk-tampered.p7s" "$V?from=hk"
t "hk wrong certificate policy: INDETERMINATE/POLICY" 200 "d['indication']=='INDETERMINATE' and d['reason']=='POLICY'" \
    -H "$CMS" --data-binary "@$O/hk-wrongpolicy.p7s" "$V?from=hk"
t "cn SM2 GM/T 0010 passes" 200 "d['indication']=='TOTAL_PASSED' and d['jurisdiction']=='cn'" \
    -H "Content-Type: application/octet-stream" --data-binary "@$O/cn.p7s" "$V?from=cn"
t "cn SM2 wrong signer ID: SM2_ID_MISMATCH" 200 "d['indication']=='TOTAL_FAILED' and d['reason']=='SM2_ID_MISMATCH'" \
    -H "$CMS" -H "X-Sigbridge-SM2-Id: 1234567812345679" --data-binary "@$O/cn.p7s" "$V?from=cn"
t "mo ECDSA CMS passes" 200 "d['indication']=='TOTAL_PASSED'" -H "$CMS" --data-binary "@$O/mo.p7s" "$V?from=mo"
t "mo object under hk policy: CHAIN_NO_ANCHOR" 200 "d['indication']=='INDETERMINATE' and d['subindication']=='NO_CERTIFICATE_CHAIN_FOUND' and d['reason']=='CHAIN_NO_ANCHOR'" \
    -H "$CMS" --data-binary "@$O/mo.p7s" "$V?from=hk"
t "detached content in the JSON envelope passes" 200 "d['indication']=='TOTAL_PASSED'" \
    -H "Content-Type: application/json" --data-binary "@$O/env-good.json" "$V?from=hk"
t "detached: other content is HASH_FAILURE" 200 "d['reason']=='HASH_MISMATCH'" \
    -H "Content-Type: application/json" --data-binary "@$O/env-wrong.json" "$V?from=hk"
t "detached without content: SIGNED_DATA_NOT_FOUND" 200 "d['indication']=='INDETERMINATE' and d['subindication']=='SIGNED_DATA_NOT_FOUND'" \
    -H "$CMS" --data-binary "@$O/hk-detached.p7s" "$V?from=hk"
t "digest-only via X-Sigbridge-Digest passes" 200 "d['indication']=='TOTAL_PASSED'" \
    -H "$CMS" -H "X-Sigbridge-Digest: sha256=$DIGEST" --data-binary "@$O/hk-detached.p7s" "$V?from=hk"

echo "== $(date +%S.%N | cut -c1-5) HTTP errors"
t "unknown jurisdiction: 404" 404 "d['error']['code']=='UNKNOWN_JURISDICTION' and d['error']['status']==404" \
    -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=zz"
t "missing from: 400" 400 "d['error']['code']=='MISSING_PARAMETER'" -H "$CMS" --data-binary "@$O/hk.p7s" "$V"
t "garbage body: 400 INPUT_MALFORMED" 400 "d['error']['code']=='INPUT_MALFORMED' and d['error']['status']==400" \
    -H "$CMS" --data-binary "not a signature" "$V?from=hk"
t "unknown envelope member: 400" 400 "d['error']['code']=='BAD_REQUEST' and 'contents' in d['error']['message']" \
    -H "Content-Type: application/json" --data-binary "@$O/env-unknown.json" "$V?from=hk"
t "bad digest header: 400" 400 "d['error']['code']=='BAD_REQUEST'" \
    -H "$CMS" -H "X-Sigbridge-Digest: md5=00" --data-binary "@$O/hk-detached.p7s" "$V?from=hk"
t "unsupported type: 415" 415 "d['error']['code']=='UNSUPPORTED_MEDIA_TYPE'" \
    -H "Content-Type: text/plain" --data-binary "@$O/hk.p7s" "$V?from=hk"
t "over max_body: 413" 413 "d['error']['code']=='BODY_TOO_LARGE' and d['error']['status']==413" \
    -H "$CMS" --data-binary "@$O/big.bin" "$V?from=hk"
t "Accept: application/xml: the ETSI TS 119 102-2 report" 200 "h['content-type'].startswith('application/xml') and b'SignatureValidationReport' in b and b'urn:etsi:019102:mainindication:total-failed' in b and b'REVOKED' in b" \
    -H "$CMS" -H "Accept: application/xml" --data-binary "@$O/hk-revoked.p7s" "$V?from=hk"
t "Accept: text/html: 406" 406 "d['error']['code']=='NOT_ACCEPTABLE'" \
    -H "$CMS" -H "Accept: text/html" --data-binary "@$O/hk.p7s" "$V?from=hk"
t "GET /v1/verify: 405 with Allow" 405 "d['error']['code']=='METHOD_NOT_ALLOWED' and h.get('allow')=='POST'" "$V?from=hk"
t "unknown path: 404 JSON" 404 "d['error']['code']=='NOT_FOUND'" "$A/nope"
# the request id is always the server's (issue 24): a client's own is kept apart as client_request_id
t "a client's X-Request-Id is not adopted as the request id" 200 "h.get('x-request-id') not in (None, '', 'it-abc-1')" \
    -H "X-Request-Id: it-abc-1" "$A/healthz"

echo "== $(date +%S.%N | cut -c1-5) policies, metrics, OpenAPI"
t "GET /v1/policies" 200 "sorted(j['id'] for j in d['jurisdictions'])==['cn','hk','mo'] and len(d['snapshot'])==64 and all(len(a['sha256'])==64 and a['subject'] for j in d['jurisdictions'] for a in j['anchors']) and any(r['from']=='hk' and r['to']=='cn' for r in d['recognition'])" \
    "$A/v1/policies"
SNAP=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"])' "$TMP/body")
t "GET /readyz" 200 "d['ready'] and d['snapshot']=='$SNAP' and d['workers']==2" "$A/readyz"
t "GET /metrics" 200 "all(s in b for s in [b'sigbridge_requests_total{route=\"verify\",status=\"200\",indication=\"TOTAL_PASSED\"}', b'sigbridge_requests_total{route=\"verify\",status=\"200\",indication=\"TOTAL_FAILED\"}', b'sigbridge_requests_total{route=\"verify\",status=\"404\",indication=\"none\"}', b'sigbridge_request_duration_seconds_bucket{route=\"verify\",le=\"+Inf\"}', b'sigbridge_queue_depth ', b'sigbridge_worker_busy_seconds_total ', b'sigbridge_reloads_total{result=\"ok\"} 0', b'sigbridge_policy_snapshot_info{id=\"$SNAP\"} 1', b'sigbridge_audit_records_total '])" \
    "$M/metrics"
openapi_ok=1
py - "$ROOT/docs/openapi.yaml" >"$TMP/routes.txt" <<'PY' || openapi_ok=0
import re, sys
path = None
in_paths = False
for line in open(sys.argv[1]):
    if re.match(r'^paths:\s*$', line):
        in_paths = True; continue
    if in_paths and re.match(r'^\S', line):
        break
    m = re.match(r'^  (/\S*):\s*$', line)
    if in_paths and m:
        path = m.group(1); continue
    m = re.match(r'^    (get|post|put|delete|head|patch):\s*$', line)
    if in_paths and path and m:
        print(m.group(1).upper(), path)
PY
n_routes=$(wc -l <"$TMP/routes.txt" | tr -d ' ')
[ "$n_routes" -ge 6 ] || openapi_ok=0
while read -r meth path; do
    base=$A
    [ "$path" = "/admin/reload" ] && base=$M
    if [ "$meth" = POST ]; then
        code=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 10 -H "$CMS" --data-binary "@$O/hk.p7s" \
            "$base$path?from=hk")
    else
        code=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 10 -X "$meth" "$base$path")
    fi
    if [ "$code" = 404 ] || [ "$code" = 405 ] || [ "$code" = 000 ]; then
        openapi_ok=0; echo "     documented route $meth $path answered $code"
    fi
done <"$TMP/routes.txt"
check "every route in docs/openapi.yaml exists ($n_routes)" [ "$openapi_ok" = 1 ]

echo "== $(date +%S.%N | cut -c1-5) reload"
t "POST /admin/reload on admin: 200, same snapshot" 200 "d['result']=='ok' and d['snapshot']=='$SNAP' and not d['changed']" -X POST "$M/admin/reload"
t "POST /admin/reload on the api listener: 404" 404 "d['error']['code']=='NOT_FOUND'" -X POST "$A/admin/reload"
cp "$POL/hk.yaml" "$TMP/hk.yaml.good"
printf 'certificate_policy_typo: true\n' >>"$POL/hk.yaml"
t "broken policy: reload refused with located errors (422)" 422 "d['error']['code']=='RELOAD_FAILED' and any('hk.yaml:' in e and 'certificate_policy_typo' in e for e in d['error']['errors'])" \
    -X POST "$M/admin/reload"
t "old snapshot still served after the failed reload" 200 "d['snapshot']=='$SNAP'" "$A/v1/policies"
t "verify still works on the old snapshot" 200 "d['indication']=='TOTAL_PASSED' and d['snapshot']=='$SNAP'" \
    -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=hk"
check "reloads_total{result=\"failed\"} counted" [ "$(metric "$ADM" 'reloads_total\{result="failed"\}')" = 1 ]
check "failed reload logged with file:line:col" grep -q 'reload: .*hk.yaml:[0-9]*:[0-9]*: certificate_policy_typo' "$TMP/d1.log"
sed 's/^description: .*/description: Hong Kong (reloaded by SIGHUP)/' "$TMP/hk.yaml.good" >"$POL/hk.yaml"
n_ok=$(metric "$ADM" 'reloads_total\{result="ok"\}')
kill -HUP "$DPID"
i=0
while [ $i -lt 50 ] && [ "$(metric "$ADM" 'reloads_total\{result="ok"\}')" != $((n_ok + 1)) ]; do
    sleep 0.1; i=$((i + 1))
done
check "SIGHUP reload counted ok" [ "$(metric "$ADM" 'reloads_total\{result="ok"\}')" = $((n_ok + 1)) ]
t "SIGHUP published a new snapshot" 200 "d['snapshot']!='$SNAP' and any('SIGHUP' in j['description'] for j in d['jurisdictions'])" "$A/v1/policies"
SNAP2=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"])' "$TMP/body")
t "snapshot_info follows the reload" 200 "b'sigbridge_policy_snapshot_info{id=\"$SNAP2\"} 1' in b" "$A/metrics"
# reloads while requests are in flight: no request may fail
py - "$API" "$ADM" "$O/hk.p7s" >"$TMP/load.txt" <<'PY'
import http.client, sys, threading
api, adm, obj = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], 'rb').read()
bad, done, reloads = [], [], []
def client():
    c = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
    for _ in range(150):
        c.request('POST', '/v1/verify?from=hk', obj, {'Content-Type': 'application/cms'})
        r = c.getresponse(); body = r.read()
        if r.status != 200 or b'"TOTAL_PASSED"' not in body:
            bad.append(r.status)
        done.append(1)
def reloader():
    c = http.client.HTTPConnection('127.0.0.1', adm, timeout=10)
    for _ in range(20):
        c.request('POST', '/admin/reload'); r = c.getresponse(); r.read()
        reloads.append(r.status)
ts = [threading.Thread(target=client) for _ in range(2)] + [threading.Thread(target=reloader)]
[t.start() for t in ts]; [t.join() for t in ts]
print(len(done), len(bad), sum(1 for s in reloads if s == 200))
PY
check "300 requests during 20 reloads: none failed ($(cat "$TMP/load.txt"))" [ "$(cat "$TMP/load.txt")" = "300 0 20" ]

echo "== $(date +%S.%N | cut -c1-5) proxy"
H0=$(up_hits)
t "proxy: valid attached body forwarded with verdict headers" 200 "d['upstream']=='ok' and h.get('x-upstream')=='yes'" \
    -H "$CMS" -H "Sigbridge-Signer: spoofed" --data-binary "@$O/hk.p7s" "$A/signed/contract?id=7"
check "upstream saw Sigbridge-Verdict and the real signer" py -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if r["path"] == "/signed/contract?id=7" and r["verdict"] == "TOTAL_PASSED" and "CHAN Tai Man" in r["signer"] and r["jur"] == "hk" else 1)' "$TMP/upstream.log"
H1=$(up_hits)
t "proxy: tampered body refused 403, reason given" 403 "d['error']['code']=='SIGNATURE_REJECTED' and d['error']['reason']=='HASH_MISMATCH' and d['verdict']['indication']=='TOTAL_FAILED'" \
    -H "$CMS" -H "Sigbridge-Verdict: TOTAL_PASSED" --data-binary "@$O/hk-tampered.p7s" "$A/signed/contract"
t "proxy: garbage body refused 403" 403 "d['error']['code']=='SIGNATURE_REJECTED' and d['error']['reason']=='INPUT_MALFORMED'" \
    -H "$CMS" --data-binary "garbage" "$A/signed/x"
t "proxy: wrong jurisdiction (mo object on an hk route) 403" 403 "d['error']['reason']=='CHAIN_NO_ANCHOR'" \
    -H "$CMS" --data-binary "@$O/mo.p7s" "$A/signed/x"
t "proxy detached-header: valid signature forwarded" 200 "d['upstream']=='ok'" \
    -H "X-Sigbridge-Signature: $(cat "$O/detached.b64")" --data-binary "@$O/doc.txt" "$A/detached/doc"
H2=$(up_hits)
t "proxy detached-header: other body refused 403" 403 "d['error']['reason']=='HASH_MISMATCH'" \
    -H "X-Sigbridge-Signature: $(cat "$O/detached.b64")" --data-binary "@$O/other.txt" "$A/detached/doc"
t "proxy detached-header: missing header refused 403" 403 "d['error']['code']=='SIGNATURE_REJECTED'" \
    --data-binary "@$O/doc.txt" "$A/detached/doc"
check_sh "upstream never contacted for refused requests" \
    '[ "$H1" = $((H0 + 1)) ] && [ "$H2" = $((H1 + 1)) ] && [ "$(up_hits)" = "$H2" ]'
t "proxy: upstream down: 502" 502 "d['error']['code']=='UPSTREAM_ERROR'" -H "$CMS" --data-binary "@$O/hk.p7s" "$A/down/x"
t "proxy: upstream too slow: 504" 504 "d['error']['code']=='UPSTREAM_TIMEOUT'" -H "$CMS" --data-binary "@$O/hk.p7s" "$A/slow/x"

echo "== $(date +%S.%N | cut -c1-5) drain and audit"
# a request in flight when SIGTERM arrives is finished before the daemon exits
curl -s -o "$TMP/inflight" -w '%{http_code}' --max-time 10 -H "$CMS" --data-binary "@$O/hk.p7s" "$A/slow/x" >"$TMP/inflight.code" &
CPID=$!
sleep 0.4
kill -TERM "$DPID"
wait "$CPID"
check "in-flight request answered during the drain ($(cat "$TMP/inflight.code"))" [ "$(cat "$TMP/inflight.code")" = 504 ]
wait "$DPID"
rc=$?
check "SIGTERM: clean exit (rc $rc)" [ "$rc" = 0 ]
check "drain logged" grep -q '"SIGTERM: draining' "$TMP/d1.log"
"$SB_BIN" audit verify "$TMP/audit1.jsonl" >"$TMP/av.txt"
rc=$?
check "audit verify: chain intact (rc $rc: $(cat "$TMP/av.txt"))" [ "$rc" = 0 ]
check "audit records carry node, from, to, route, reason" py -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = any(r["route"] == "proxy:signed" and r["to"] == "cn" and r["reason"] == "HASH_MISMATCH" for r in recs)
ok = ok and any(r["from"] == "cn" and r["indication"] == "TOTAL_PASSED" and r["node"] == "it-node-1" for r in recs)
ok = ok and all(len(r["object_sha256"]) == 64 and len(r["hash"]) == 64 for r in recs)
sys.exit(0 if ok and len(recs) > 300 else 1)' "$TMP/audit1.jsonl"
cp "$TMP/audit1.jsonl" "$TMP/audit-edit.jsonl"
py - "$TMP/audit-edit.jsonl" <<'PY'
import sys
p = sys.argv[1]; lines = open(p).read().splitlines(True)
lines[2] = lines[2].replace('"from":"hk"', '"from":"mo"', 1).replace('"from":"cn"', '"from":"mo"', 1)
open(p, 'w').write(''.join(lines))
PY
"$SB_BIN" audit verify "$TMP/audit-edit.jsonl" >"$TMP/av.txt"
rc=$?
check_sh "audit verify: hand-edited record 3 detected (rc $rc: $(cat "$TMP/av.txt"))" \
    '[ "$rc" = 1 ] && grep -q ":3: broken chain" "$TMP/av.txt"'
size=$(wc -c <"$TMP/audit1.jsonl")
head -c $((size - 20)) "$TMP/audit1.jsonl" >"$TMP/audit-torn.jsonl"
"$SB_BIN" audit verify "$TMP/audit-torn.jsonl" >"$TMP/av.txt"
rc=$?
check "audit verify: truncated last line is exit 3 ($(cat "$TMP/av.txt"))" [ "$rc" = 3 ]

# ---- daemon 2: TLS with client certificates ------------------------------------------------------
echo "== $(date +%S.%N | cut -c1-5) TLS and client certificates"
T=$TMP/tls
mkdir -p "$T"
mk() { # mk NAME SUBJECT ISSUER EXT
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" \
        -subj "$2" 2>/dev/null
    printf '%s\n' "$4" >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial -days 2 \
        -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
    chmod 600 "$T/$1.key"
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
    -subj "/CN=sigbridge test client CA" -days 2 2>/dev/null
mk server "/CN=127.0.0.1" ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mk bank-a "/O=Bank A/CN=bank-a" ca "extendedKeyUsage=clientAuth"
mk bank-b "/O=Bank B/CN=bank-b" ca "extendedKeyUsage=clientAuth"
mk bank-x "/O=Unknown/CN=bank-x" ca "extendedKeyUsage=clientAuth"
FP_A=$(openssl x509 -in "$T/bank-a.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
SUBJ_B=$(openssl x509 -in "$T/bank-b.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
conf2() {
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
        - { id: bank-a, sha256: "$FP_A" }
        - { id: bank-b, subject: "$SUBJ_B" }
        - { id: bank-x-known-but-not-allowed, sha256: "00000000000000000000000000000000000000000000000000000000000000ff" }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 1
audit: { path: $TMP/audit2.jsonl }
api:
  clients: [bank-a, bank-b]
  jurisdictions:
    cn: [bank-b]
EOF
}
READY_SCHEME=https
READY_ARGS="--cacert $T/ca.pem --cert $T/bank-a.pem --key $T/bank-a.key"
if start_daemon d2 conf2; then
    S=https://127.0.0.1:$API
    CA="--cacert $T/ca.pem"
    t "mTLS: allowed client (by fingerprint) verifies" 200 "d['indication']=='TOTAL_PASSED'" $CA \
        --cert "$T/bank-a.pem" --key "$T/bank-a.key" -H "$CMS" --data-binary "@$O/hk.p7s" "$S/v1/verify?from=hk"
    t "mTLS: allowed client (by subject) verifies cn" 200 "d['indication']=='TOTAL_PASSED'" $CA \
        --cert "$T/bank-b.pem" --key "$T/bank-b.key" -H "$CMS" --data-binary "@$O/cn.p7s" "$S/v1/verify?from=cn"
    t "mTLS: jurisdiction access list refuses bank-a for cn (403)" 403 "d['error']['code']=='FORBIDDEN'" $CA \
        --cert "$T/bank-a.pem" --key "$T/bank-a.key" -H "$CMS" --data-binary "@$O/cn.p7s" "$S/v1/verify?from=cn"
    t "mTLS: unknown client certificate refused (403)" 403 "d['error']['code']=='FORBIDDEN'" $CA \
        --cert "$T/bank-x.pem" --key "$T/bank-x.key" -H "$CMS" --data-binary "@$O/hk.p7s" "$S/v1/verify?from=hk"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 $CA -H "$CMS" --data-binary "@$O/hk.p7s" \
        "$S/v1/verify?from=hk")
    check "mTLS: no client certificate: handshake refused ($code)" [ "$code" = 000 ]
    kill -TERM "$DPID"; wait "$DPID"; rc=$?
    check "TLS daemon: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "TLS daemon did not start"
fi
READY_SCHEME=http
READY_ARGS=""

# ---- daemon 3: one worker, queue of one ----------------------------------------------------------
echo "== $(date +%S.%N | cut -c1-5) overload, SIGKILL"
conf3() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
policy_dir: $POL
workers: 1
queue_max: 1
audit: { path: $TMP/audit3.jsonl, fsync: every }
EOF
}
BURST=$TMP/burst.py
cat >"$BURST" <<'PY'
import http.client, sys, threading
port, obj, n = int(sys.argv[1]), open(sys.argv[2], 'rb').read(), int(sys.argv[3])
res, gate = [], threading.Barrier(n)
def one():
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        gate.wait()
        c.request('POST', '/v1/verify?from=cn', obj, {'Content-Type': 'application/cms'})
        r = c.getresponse(); body = r.read()
        if r.status == 503 and b'"OVERLOADED"' not in body:
            res.append((-1, None)); return
        res.append((r.status, r.getheader('Retry-After')))
    except Exception as e:
        res.append((0, None))
ts = [threading.Thread(target=one) for _ in range(n)]
[t.start() for t in ts]; [t.join() for t in ts]
ok = sum(1 for s, _ in res if s == 200)
busy = sum(1 for s, ra in res if s == 503 and ra == '1')
print(ok, busy, len(res) - ok - busy)
PY
if start_daemon d3 conf3; then
    py "$BURST" "$API" "$O/cn.p7s" 40 >"$TMP/burst.txt"
    read -r n_ok n_busy n_other <"$TMP/burst.txt"
    check_sh "queue full: 503 OVERLOADED + Retry-After for some, 200 for others, nothing else ($n_ok $n_busy $n_other)" \
        '[ "$n_ok" -ge 1 ] && [ "$n_busy" -ge 1 ] && [ "$n_other" = 0 ]'
    check "overload counted in metrics" [ -n "$(metric "$API" 'requests_total\{route="verify",status="503"')" ]
    py "$BURST" "$API" "$O/cn.p7s" 30 >/dev/null 2>&1 &
    BPID=$!
    sleep 0.2
    kill -9 "$DPID"
    wait "$DPID" 2>/dev/null
    wait "$BPID" 2>/dev/null
    "$SB_BIN" audit verify "$TMP/audit3.jsonl" >"$TMP/av.txt"
    rc=$?
    check_sh "SIGKILL mid-load: audit chain intact or torn tail only (rc $rc)" '[ "$rc" = 0 ] || [ "$rc" = 3 ]'
    printf '{"seq":999,"torn' >>"$TMP/audit3.jsonl"
    if start_daemon d3 conf3; then
        t "restart after SIGKILL: ready" 200 "d['ready']" "http://127.0.0.1:$API/readyz"
        t "restart: verify works" 200 "d['indication']=='TOTAL_PASSED'" -H "$CMS" --data-binary "@$O/cn.p7s" \
            "http://127.0.0.1:$API/v1/verify?from=cn"
        check "restart: torn tail cut and logged" grep -q 'cut a torn last record' "$TMP/d3.log"
        kill -TERM "$DPID"; wait "$DPID"; rc=$?
        check "restarted daemon: clean exit (rc $rc)" [ "$rc" = 0 ]
        "$SB_BIN" audit verify "$TMP/audit3.jsonl" >"$TMP/av.txt"
        rc=$?
        check "audit chain continues across the crash ($(cat "$TMP/av.txt"))" [ "$rc" = 0 ]
    else
        bad "daemon 3 did not restart"
    fi
else
    bad "daemon 3 did not start"
fi

# ---- daemon 4: an audit log that cannot be written ----------------------------------------------
echo "== $(date +%S.%N | cut -c1-5) audit unavailable"
conf4() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
policy_dir: $POL
workers: 1
audit: { path: /dev/full, fsync: off }
EOF
}
if [ -w /dev/full ] && start_daemon d4 conf4; then
    t "audit write fails: 503 AUDIT_UNAVAILABLE + Retry-After, no unaudited verdict" 503 "d['error']['code']=='AUDIT_UNAVAILABLE' and h.get('retry-after')=='1' and b'indication' not in b" \
        -H "$CMS" --data-binary "@$O/hk.p7s" "http://127.0.0.1:$API/v1/verify?from=hk"
    t "audit write fails: still alive" 200 "d['status']=='ok'" "http://127.0.0.1:$API/healthz"
    kill -TERM "$DPID"; wait "$DPID"; rc=$?
    check "daemon 4: clean exit (rc $rc)" [ "$rc" = 0 ]
fi

kill "$UPID" 2>/dev/null
wait "$UPID" 2>/dev/null
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error' "$TMP"/d*.log; then
    bad "sanitizer report in a daemon log"
else
    ok "no sanitizer report in the daemon logs"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

#!/bin/sh
# tests/integration/test_gateway_verdicts.sh — the real `sigbridge serve` answering POST /v1/verify for
# objects signed in each jurisdiction: good and bad ones for hk (RSA CMS by openssl cms), cn (SM2 GM/T 0010
# and PKCS#7-OID CMS by sigbridge sign) and mo (ECDSA and RSA CMS; XML-DSig through /v1/translate and
# /v1/verify), each with its exact indication, subindication and reason; the HTTP error cases 400 / 404 /
# 413 / 415 / 503 (TIMEOUT, SHUTTING_DOWN during a drain) with their JSON error codes; and one audit record
# per decision.
# (403 cases: test_gateway_tls.sh; 503 OVERLOADED / AUDIT_UNAVAILABLE: test_gateway.sh and
# test_gateway_conns.sh.) Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects

conf1() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
queue_max: 64
limits: { max_body: 65536, request_timeout_ms: 10000, idle_timeout_s: 10, drain_timeout_s: 10 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-verdicts }
routes:
  - { name: slow, prefix: /slow/, upstream: "http://127.0.0.1:$UP", from: hk, timeout_ms: 5000 }
EOF
}
# An upstream that answers after 1.5 s (keeps a request in flight while the daemon drains).
cat >"$TMP/upstream.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        open(sys.argv[2], 'a').write(self.path + '\n')
        time.sleep(1.5)
        try:
            self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers()
            self.wfile.write(b'{}')
        except OSError:
            pass
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
UP=$(free_port)
"$PYBIN" -S "$TMP/upstream.py" "$UP" "$TMP/upstream.log" &
PIDS="$PIDS $!"
wait_listen "$UP"

start_daemon d1 conf1 || { bad "daemon 1 did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API
V=$A/v1/verify
CMS="Content-Type: application/cms"
DECISIONS=0

# v NAME FROM FILE INDICATION SUBINDICATION REASON [curl args] — one verdict (HTTP 200) with its exact
# indication / subindication / reason ("-" = null), valid flag and jurisdiction; counts the decision.
v() {
    name=$1 from=$2 file=$3 ind=$4 sub=$5 why=$6
    shift 6
    DECISIONS=$((DECISIONS + 1))
    t "$from: $name: $ind/$sub/$why" 200 "d['indication']=='$ind' and d['subindication']==(None if '$sub'=='-' else '$sub') and d['reason']==(None if '$why'=='-' else '$why') and d['valid']==('$ind'=='TOTAL_PASSED') and d['jurisdiction']=='$from' and d['message'] and len(h.get('sigbridge-snapshot',''))==64" \
        -H "$CMS" "$@" --data-binary "@$O/$file" "$V?from=$from"
}

section "hk: RSA CMS (openssl cms)"
DECISIONS=$((DECISIONS + 1))
t "hk: good e-Cert signature: TOTAL_PASSED, 3-certificate chain, signer named" 200 "d['indication']=='TOTAL_PASSED' and d['valid'] and d['subindication'] is None and d['reason'] is None and len(d['chain'])==3 and 'CHAN Tai Man' in d['chain'][0]['subject']" \
    -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=hk"
# the shipped hk policy lists its CRL files: each certificate's evidence is "file", by the SHA-256 of the CRL's DER
HK_INT_SHA=$(openssl crl -in "$SB_PKI/hk/int.crl" -outform DER | openssl dgst -sha256 -r | cut -d ' ' -f 1)
HK_ROOT_SHA=$(openssl crl -in "$SB_PKI/hk/root.crl" -outform DER | openssl dgst -sha256 -r | cut -d ' ' -f 1)
t "hk: revocation evidence per chain element (policy CRL files), none for the anchor" 200 \
    "[c.get('revocation', {}).get('sha256') for c in d['chain']] == ['$HK_INT_SHA', '$HK_ROOT_SHA', None] and \
     all(c['revocation']['source'] == 'file' and c['revocation']['url'] is None for c in d['chain'][:2]) and \
     d['signers'][0]['chain'] == d['chain']" \
    -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=hk"
DECISIONS=$((DECISIONS + 1))
v "revoked signer" hk hk-revoked.p7s TOTAL_FAILED REVOKED REVOKED
v "content changed after signing" hk hk-tampered.p7s TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
v "certificate policy not accepted" hk hk-wrongpolicy.p7s INDETERMINATE CHAIN_CONSTRAINTS_FAILURE POLICY
v "signer certificate expired" hk hk-expired.p7s INDETERMINATE OUT_OF_BOUNDS_NO_POE CERT_EXPIRED
v "signer certificate not yet valid" hk hk-notyet.p7s INDETERMINATE OUT_OF_BOUNDS_NO_POE CERT_NOT_YET_VALID
v "keyUsage keyEncipherment only" hk hk-wrongku.p7s INDETERMINATE CHAIN_CONSTRAINTS_FAILURE KEY_USAGE
v "certificate signed with SHA-1" hk hk-sha1cert.p7s INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE WEAK_ALGORITHM
v "RSA-1024 signer key" hk hk-rsa1024.p7s INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE WEAK_KEY
v "SHA-1 message digest" hk hk-mdsha1.p7s INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE WEAK_ALGORITHM
v "cn object claimed as hk" hk cn.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR
v "mo object claimed as hk" hk mo.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR

section "cn: SM2/SM3 (sigbridge sign)"
DECISIONS=$((DECISIONS + 1))
t "cn: good GM/T 0010 signature: TOTAL_PASSED, SM2 chain" 200 "d['indication']=='TOTAL_PASSED' and d['valid'] and d['reason'] is None and len(d['chain'])==3 and 'ZHANG San' in d['chain'][0]['subject']" \
    -H "Content-Type: application/octet-stream" --data-binary "@$O/cn.p7s" "$V?from=cn"
v "good SM2 signature with PKCS#7 OIDs" cn cn-cms.p7s TOTAL_PASSED - -
v "revoked signer (revocation: require)" cn cn-revoked.p7s TOTAL_FAILED REVOKED REVOKED
v "content changed after signing" cn cn-tampered.p7s TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
v "wrong SM2 distinguishing ID" cn cn.p7s TOTAL_FAILED SIG_CRYPTO_FAILURE SM2_ID_MISMATCH -H "X-Sigbridge-SM2-Id: 1234567812345679"
v "hk RSA object claimed as cn" cn hk.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR
v "mo object claimed as cn" cn mo.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR

section "mo: ECDSA / RSA CMS (sigbridge sign), XML-DSig"
DECISIONS=$((DECISIONS + 1))
t "mo: good ECDSA signature: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED' and d['valid'] and d['reason'] is None and 'eSignTrust' in d['chain'][0]['issuer']" \
    -H "$CMS" --data-binary "@$O/mo.p7s" "$V?from=mo"
v "good RSA signature" mo mo-rsa.p7s TOTAL_PASSED - -
v "revoked signer" mo mo-revoked.p7s TOTAL_FAILED REVOKED REVOKED
v "content changed after signing" mo mo-tampered.p7s TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
v "hk object claimed as mo" mo hk.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR
v "cn object claimed as mo" mo cn.p7s INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR
# XML-DSig through /v1/translate and POST /v1/verify (the same pipeline; more in test_gateway_pipeline.sh).
x() { # x NAME FILE INDICATION SUBINDICATION REASON
    DECISIONS=$((DECISIONS + 1))
    t "mo: XML-DSig $1 (/v1/translate): $3/$4/$5" 200 "d['indication']=='$3' and d['subindication']==(None if '$4'=='-' else '$4') and d['reason']==(None if '$5'=='-' else '$5')" \
        -H "Content-Type: application/xml" --data-binary "@$O/$2" "$A/v1/translate?from=mo&to=hk"
}
x "good signature" mo.xml TOTAL_PASSED - -
x "revoked signer" mo-revoked.xml TOTAL_FAILED REVOKED REVOKED
x "document changed after signing" mo-tampered.xml TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
DECISIONS=$((DECISIONS + 1))
t "mo: XML-DSig through POST /v1/verify: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED' and d['reason'] is None and d['jurisdiction']=='mo'" \
    -H "Content-Type: application/xml" --data-binary "@$O/mo.xml" "$V?from=mo"
DECISIONS=$((DECISIONS + 1))
t "mo: XML-DSig revoked signer through POST /v1/verify: TOTAL_FAILED/REVOKED" 200 "d['indication']=='TOTAL_FAILED' and d['reason']=='REVOKED'" \
    -H "Content-Type: application/xml" --data-binary "@$O/mo-revoked.xml" "$V?from=mo"

section "ETSI report for a failure"
DECISIONS=$((DECISIONS + 1))
t "cn revoked as an ETSI TS 119 102-2 report" 200 "h['content-type'].startswith('application/xml') and b'urn:etsi:019102:mainindication:total-failed' in b and b'REVOKED' in b" \
    -H "$CMS" -H "Accept: application/xml" --data-binary "@$O/cn-revoked.p7s" "$V?from=cn"

section "400"
e() { # e NAME STATUS CODE [MESSAGE_SUBSTRING] -- curl args
    name=$1 st=$2 code=$3 sub=$4
    shift 5
    t "$name: $st $code" "$st" "d['error']['code']=='$code' and d['error']['status']==$st and '$sub' in d['error']['message'] and set(d)=={'error'} and h['content-type'].startswith('application/json')" "$@"
}
e "empty body" 400 BAD_REQUEST "empty" -- -H "$CMS" --data-binary '' "$V?from=hk"
e "from= empty" 400 MISSING_PARAMETER "from" -- -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from="
e "no from" 400 MISSING_PARAMETER "from" -- -H "$CMS" --data-binary "@$O/hk.p7s" "$V"
e "not DER" 400 INPUT_MALFORMED "" -- -H "$CMS" --data-binary "not a signature" "$V?from=hk"
e "a certificate, not a CMS object" 400 INPUT_MALFORMED "ContentInfo" -- -H "$CMS" --data-binary "@$SB_PKI/hk/leaf.der" "$V?from=hk"
e "PEM armour around garbage" 400 INPUT_MALFORMED "" -- -H "Content-Type: application/x-pem-file" \
    --data-binary "$(printf -- '-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n')" "$V?from=hk"
e "JSON envelope does not parse" 400 BAD_REQUEST "does not parse" -- -H "Content-Type: application/json" --data-binary '{"signature":' "$V?from=hk"
e "JSON envelope is an array" 400 BAD_REQUEST "" -- -H "Content-Type: application/json" --data-binary '[1]' "$V?from=hk"
e "JSON envelope with trailing garbage" 400 BAD_REQUEST "does not parse" -- -H "Content-Type: application/json" --data-binary '{"signature":"MIIB"} x' "$V?from=hk"
# the gateway's envelope is refused at its first unknown member, before the rest is parsed (issue 20): the
# same code, the member named (unescaped) with its byte offset, even when the body breaks off after it
UNK="unknown member 'junk' in the envelope (signature, content, digest, sm2_id, ocsp_responses, crls) at byte 1"
t "envelope refused at its first unknown member, before a syntax error after it: 400 BAD_REQUEST" 400 \
    "d['error']['code']=='BAD_REQUEST' and d['error']['status']==400 and d['error']['message']==\"$UNK\"" \
    -H "Content-Type: application/json" --data-binary '{"j\u0075nk":[[[1]]],"signature":' "$V?from=mo"
py -c 'import sys; sys.stdout.write("{\"signature\":\"MIIB\",\"content\":\"" + "QUFB" * 12000 + "\",\"x\":1}")' \
    >"$TMP/env-last.json"
t "envelope with an unknown member after 48 KB of content: 400 BAD_REQUEST naming it and its offset" 400 \
    "d['error']['code']=='BAD_REQUEST' and d['error']['message']==\"unknown member 'x' in the envelope (signature, content, digest, sm2_id, ocsp_responses, crls) at byte 48033\"" \
    -H "Content-Type: application/json" --data-binary "@$TMP/env-last.json" "$V?from=hk"
e "envelope signature not base64" 400 BAD_REQUEST "signature" -- -H "Content-Type: application/json" --data-binary '{"signature":"!!","content":"YQ=="}' "$V?from=hk"
e "envelope without signature" 400 BAD_REQUEST "signature" -- -H "Content-Type: application/json" --data-binary '{"content":"YQ=="}' "$V?from=hk"
# the envelope is built from the scan when its strings have no escapes; anything else is jansson's parse, with
# the same outcome: a repeated member is refused, escaped base64 ("\/") is the same object
e "envelope with a repeated member" 400 BAD_REQUEST "duplicate" -- -H "Content-Type: application/json" --data-binary '{"signature":"MIIB","signature":"MIIB"}' "$V?from=hk"
py -c 'import base64,json,sys; b=base64.b64encode(open(sys.argv[1],"rb").read()).decode(); s=json.dumps({"signature": b}); open(sys.argv[2],"w").write(s); open(sys.argv[3],"w").write(s.replace("/", "\\/"))' \
    "$O/hk.p7s" "$TMP/env-plain.json" "$TMP/env-escaped.json"
DECISIONS=$((DECISIONS + 2))
t "envelope, base64 as it stands: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED' and d['reason'] is None" \
    -H "Content-Type: application/json" --data-binary "@$TMP/env-plain.json" "$V?from=hk"
t "envelope, base64 with escaped solidus: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED' and d['reason'] is None and '\\\\/' in open('$TMP/env-escaped.json').read()" \
    -H "Content-Type: application/json" --data-binary "@$TMP/env-escaped.json" "$V?from=hk"
e "digest header of the wrong length" 400 BAD_REQUEST "X-Sigbridge-Digest" -- -H "$CMS" -H "X-Sigbridge-Digest: sha256=abcd" --data-binary "@$O/hk.p7s" "$V?from=hk"
e "digest header with an unknown algorithm" 400 BAD_REQUEST "" -- -H "$CMS" -H "X-Sigbridge-Digest: md5=00" --data-binary "@$O/hk.p7s" "$V?from=hk"
e "translate without to" 400 MISSING_PARAMETER "" -- -H "$CMS" --data-binary "@$O/cn.p7s" "$A/v1/translate?from=cn"

section "404"
e "unknown jurisdiction" 404 UNKNOWN_JURISDICTION "zz" -- -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=zz"
e "jurisdiction ids are case-sensitive" 404 UNKNOWN_JURISDICTION "HK" -- -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=HK"
e "a path as a jurisdiction" 404 UNKNOWN_JURISDICTION "" -- -H "$CMS" --data-binary "@$O/hk.p7s" "$V?from=../policies/hk"
e "translate to an unknown jurisdiction" 404 UNKNOWN_JURISDICTION "zz" -- -H "$CMS" --data-binary "@$O/cn.p7s" "$A/v1/translate?from=cn&to=zz"
e "unknown path" 404 NOT_FOUND "" -- "$A/v2/verify"
e "admin endpoint on the api listener" 404 NOT_FOUND "" -- -X POST "$A/admin/reload"

section "413"
py -c 'import sys; open(sys.argv[1], "wb").write(b"\x30" * 70000); open(sys.argv[2], "wb").write(b"\x30" * 300000)' \
    "$TMP/70k.bin" "$TMP/300k.bin"
e "body over max_body" 413 BODY_TOO_LARGE "65536" -- -H "$CMS" --data-binary "@$TMP/70k.bin" "$V?from=hk"
e "JSON envelope over max_body" 413 BODY_TOO_LARGE "" -- -H "Content-Type: application/json" --data-binary "@$TMP/70k.bin" "$V?from=hk"
# far over the limit libevent refuses while reading (its own text/html 413 — see http.c)
t "body far over max_body: 413" 413 "True" -H "$CMS" --data-binary "@$TMP/300k.bin" "$V?from=hk"
t "chunked body far over max_body: 413" 413 "True" -H "$CMS" -H "Transfer-Encoding: chunked" --data-binary "@$TMP/300k.bin" "$V?from=hk"
py - "$API" >"$TMP/cl.txt" <<'PY'
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
t = time.time()
s.sendall(b'POST /v1/verify?from=hk HTTP/1.1\r\nHost: x\r\nContent-Type: application/cms\r\n'
          b'Content-Length: 1073741824\r\n\r\n')
try:
    d = s.recv(200)
except OSError:
    d = b''
print('%s %.1f' % (d[9:12].decode('latin-1') or 'none', time.time() - t))
PY
read -r cl_status cl_secs <"$TMP/cl.txt"
check_sh "Content-Length: 1 GiB answered 413 before any body byte (${cl_status} in ${cl_secs} s)" \
    '[ "$cl_status" = 413 ] && [ "${cl_secs%.*}" -lt 2 ]'

section "415"
e "text/plain" 415 UNSUPPORTED_MEDIA_TYPE "Content-Type" -- -H "Content-Type: text/plain" --data-binary "@$O/hk.p7s" "$V?from=hk"
e "no Content-Type" 415 UNSUPPORTED_MEDIA_TYPE "" -- -H "Content-Type:" --data-binary "@$O/hk.p7s" "$V?from=hk"
e "form encoding (curl's default)" 415 UNSUPPORTED_MEDIA_TYPE "" -- --data-binary "@$O/hk.p7s" "$V?from=hk"
e "multipart" 415 UNSUPPORTED_MEDIA_TYPE "" -- -F "sig=@$O/hk.p7s" "$V?from=hk"
t "daemon alive after the error cases" 200 "d['status']=='ok'" "$A/healthz"

section "audit of the decisions"
stop_daemon
check "SIGTERM: clean exit (rc $rc)" [ "$rc" = 0 ]
"$SB_BIN" audit verify "$TMP/audit.jsonl" >"$TMP/av.txt"
rc=$?
check "audit chain intact (rc $rc: $(cat "$TMP/av.txt"))" [ "$rc" = 0 ]
check "one audit record per decision, none for HTTP errors ($DECISIONS decisions)" py - "$TMP/audit.jsonl" "$DECISIONS" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = int(sys.argv[2])
if len(recs) != want:
    print('     %d records' % len(recs)); sys.exit(1)
by = {}
for r in recs:
    by.setdefault((r['from'], r['indication'], r['reason']), 0)
    by[(r['from'], r['indication'], r['reason'])] += 1
need = [('hk', 'TOTAL_PASSED', None), ('hk', 'TOTAL_FAILED', 'REVOKED'), ('hk', 'INDETERMINATE', 'WEAK_KEY'),
        ('cn', 'TOTAL_FAILED', 'SM2_ID_MISMATCH'), ('cn', 'TOTAL_FAILED', 'HASH_MISMATCH'),
        ('mo', 'TOTAL_FAILED', 'REVOKED'), ('mo', 'INDETERMINATE', 'CHAIN_NO_ANCHOR')]
missing = [k for k in need if k not in by]
if missing or any(r['node'] != 'it-verdicts' for r in recs):
    print('     missing %r' % missing); sys.exit(1)
PY

check "audit: a passing hk record names the policy's CRL files by SHA-256 (revocation member)" py - \
    "$TMP/audit.jsonl" "$HK_INT_SHA" "$HK_ROOT_SHA" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r['from'] == 'hk' and r['indication'] == 'TOTAL_PASSED']
parts = ok[0]['revocation'].split(';') if ok and 'revocation' in ok[0] else []
sys.exit(0 if len(parts) == 2 and parts[0].startswith('file,crl,%s,' % sys.argv[2]) and
         parts[1].startswith('file,crl,%s,' % sys.argv[3]) else 1)
PY

# ---- 503 TIMEOUT: one worker, a 10 ms deadline, a burst (inline_budget_us: 0: every validation queues for it;
# caches off: each SM2 validation costs a few ms, so the burst outlasts the deadline however slowly it arrives)
section "503 TIMEOUT"
conf2() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
policy_dir: $POL
workers: 1
inline_budget_us: 0
queue_max: 256
cache: { chains: 0, certificates: 0, prefixes: 0 }
limits: { request_timeout_ms: 10 }
audit: { path: $TMP/audit2.jsonl }
EOF
}
if start_daemon d2 conf2; then
    py - "$API" "$O/cn.p7s" 60 >"$TMP/burst.txt" <<'PY'
import http.client, json, sys, threading
port, obj, n = int(sys.argv[1]), open(sys.argv[2], 'rb').read(), int(sys.argv[3])
res, gate = [], threading.Barrier(n)
def one():
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        c.connect()
        gate.wait()
        c.request('POST', '/v1/verify?from=cn', obj, {'Content-Type': 'application/cms'})
        r = c.getresponse(); body = r.read()
        if r.status == 200 and json.loads(body)['indication'] == 'TOTAL_PASSED':
            res.append('ok')
        elif r.status == 503 and json.loads(body)['error']['code'] == 'TIMEOUT' and r.getheader('Retry-After') == '1':
            res.append('timeout')
        else:
            res.append('other %d' % r.status)
    except Exception as e:
        res.append('exc %r' % e)
ts = [threading.Thread(target=one) for _ in range(n)]
[t.start() for t in ts]; [t.join() for t in ts]
print(res.count('ok'), res.count('timeout'), len(res) - res.count('ok') - res.count('timeout'))
PY
    read -r n_ok n_to n_other <"$TMP/burst.txt"
    check_sh "deadline 10 ms, 60 at once on one worker: 503 TIMEOUT + Retry-After for the late ones ($n_ok ok, $n_to timeout, $n_other other)" \
        '[ "$n_to" -ge 1 ] && [ "$n_other" = 0 ] && [ $((n_ok + n_to)) = 60 ]'
    if [ "$SLOWX" = 1 ]; then
        t "after the timeouts: a single request passes" 200 "d['indication']=='TOTAL_PASSED'" \
            -H "$CMS" --data-binary "@$O/cn.p7s" "http://127.0.0.1:$API/v1/verify?from=cn"
    else    # SB_TEST_SLOW (valgrind): one verification alone may take longer than 10 ms
        code=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time $((10 * SLOWX)) -H "$CMS" \
            --data-binary "@$O/cn.p7s" "http://127.0.0.1:$API/v1/verify?from=cn")
        check_sh "after the timeouts: a single request is answered, TOTAL_PASSED or (SB_TEST_SLOW) 503 TIMEOUT ($code)" \
            '{ [ "$code" = 200 ] && grep -q "\"TOTAL_PASSED\"" "$TMP/body"; } ||
             { [ "$code" = 503 ] && grep -q "\"TIMEOUT\"" "$TMP/body"; }'
    fi
    check "timeouts counted in metrics" [ -n "$(metric "$API" 'requests_total\{route="verify",status="503"')" ]
    stop_daemon
    check "daemon 2: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 2 did not start"
fi

# ---- 503 SHUTTING_DOWN: a request in flight keeps the drain open ------------------------------------
section "503 SHUTTING_DOWN during a drain"
if start_daemon d3 conf1; then
    A=http://127.0.0.1:$API
    curl -s -o "$TMP/inflight" -w '%{http_code}' --max-time 10 -H "$CMS" --data-binary "@$O/hk.p7s" \
        "$A/slow/x" >"$TMP/inflight.code" &
    CPID=$!
    py - "$API" "$DPID" "$TMP/upstream.log" >"$TMP/drain.txt" <<'PY'
import http.client, json, os, signal, socket, sys, time
port, pid, uplog = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection('127.0.0.1', port, timeout=5)       # a keep-alive connection, opened first
c.request('GET', '/healthz'); r = c.getresponse(); r.read()
for _ in range(100):                                              # wait until /slow/ is upstream
    if os.path.exists(uplog) and '/slow/' in open(uplog).read():
        break
    time.sleep(0.05)
os.kill(pid, signal.SIGTERM)
time.sleep(0.3)
c.request('GET', '/readyz'); r = c.getresponse(); body = r.read()
code = json.loads(body)['error']['code'] if r.status == 503 else '-'
try:
    socket.create_connection(('127.0.0.1', port), timeout=2).close()
    new = 'accepted'
except OSError:
    new = 'refused'
print(r.status, code, r.getheader('Retry-After'), r.getheader('Connection'), new)
PY
    read -r d_st d_code d_ra d_conn d_new <"$TMP/drain.txt"
    check_sh "draining: /readyz on a kept-alive connection is 503 SHUTTING_DOWN, Retry-After, Connection: close ($d_st $d_code $d_ra $d_conn)" \
        '[ "$d_st" = 503 ] && [ "$d_code" = SHUTTING_DOWN ] && [ "$d_ra" = 1 ] && [ "$d_conn" = close ]'
    check "draining: new connections are refused ($d_new)" [ "$d_new" = refused ]
    wait "$CPID"
    check "draining: the request in flight is answered ($(cat "$TMP/inflight.code"))" [ "$(cat "$TMP/inflight.code")" = 200 ]
    wait_bounded "$DPID"
    check "drained daemon: clean exit (rc $rc)" [ "$rc" = 0 ]
else
    bad "daemon 3 did not start"
fi

gw_finish

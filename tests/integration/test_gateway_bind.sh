#!/bin/sh
# tests/integration/test_gateway_bind.sh — proxy routes with `bind` (issue 24 item 3): the detached signature
# covers the canonical request (method, target, Date, SHA-256 of the body), not the body alone.
#
# A real `sigbridge serve` in front of a py upstream on loopback that records every request reaching it.
# The README "Proxy routes" client example (openssl cms + curl) is extracted from README.md and run as is:
# it must pass and reach the upstream. Then: the same request again → 403 REPLAYED (also with the base64
# spaced out, with another method, and with the same canonical request under a re-encoded CMS), a fresh
# signature sent with another method, target, body or Date → 403 HASH_MISMATCH (and still good for its own
# request afterwards), a Date outside max_skew_s → 403 DATE_SKEW, no / repeated / malformed Date → 403
# DATE_INVALID — each refusal with the upstream's count unchanged. And `bind` on a require: attached route →
# a located configuration error. Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
P=$SB_PKI
C=$TMP/client
mkdir -p "$C"

# py upstream: one JSON line per request that reaches it (method, path, SHA-256 of the body, verdict).
cat >"$TMP/upstream.py" <<'PY'
import hashlib, http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        with open(sys.argv[2], 'a') as f:
            f.write(json.dumps({'method': self.command, 'path': self.path, 'sha256': hashlib.sha256(body).hexdigest(),
                                'verdict': self.headers.get('Sigbridge-Verdict'),
                                'date': self.headers.get('Date')}) + '\n')
        out = json.dumps({'upstream': 'ok', 'method': self.command, 'path': self.path}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_PUT = do_PATCH = do_DELETE = do_POST
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
UP=$(free_port)
: >"$TMP/upstream.log"
"$PYBIN" -S "$TMP/upstream.py" "$UP" "$TMP/upstream.log" &
PIDS="$PIDS $!"
wait_listen "$UP"
up_hits() { wc -l <"$TMP/upstream.log" | tr -d ' '; }

conf1() {
    cat <<CONF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
limits: { max_body: 65536, request_timeout_ms: 10000, idle_timeout_s: 10, drain_timeout_s: 5 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-bind }
routes:
  - name: contracts
    prefix: /contracts/
    upstream: "http://127.0.0.1:$UP"
    from: hk
    require: detached-header
    bind: [method, target, date]
    max_skew_s: 120
CONF
}
start_daemon d1 conf1 || { bad "daemon did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API

# ---- the README example, as written ------------------------------------------------------------------
section "README example"
awk '/<!-- bind-example: begin -->/ { f = 1; next } f && /^```sh/ { g = 1; next } g && /^```/ { exit } g { print }' \
    "$ROOT/README.md" >"$C/example.sh"
check "README has the bind example block" grep -q 'openssl cms -sign' "$C/example.sh"
cp "$P/hk/leaf.pem" "$C/signer.pem"
cp "$P/hk/leaf.key" "$C/signer.key"
printf '{"action":"close","account":42}\n' >"$C/body.json"
# the block as is, then keep what it made for the requests below
(cd "$C" && GW=$A sh -c "$(cat example.sh)
printf '%s' \"\$SIG\" >sig.b64; printf '%s' \"\$DATE\" >date.txt") >"$C/example.out" 2>"$C/example.err"
check_sh "README example: the upstream's answer" \
    "py -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"upstream\"]==\"ok\" and d[\"method\"]==\"POST\" else 1)' '$C/example.out'"
check_sh "README example: README's content-digest line is that of its body" \
    "grep -qF \"sha-256=:\$(openssl dgst -sha256 -binary '$C/body.json' | base64 -w0):\" '$ROOT/README.md'"
check "README example reached the upstream once: POST, the target, the body, TOTAL_PASSED" py -c '
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
body = open(sys.argv[2], "rb").read()
sys.exit(0 if len(recs) == 1 and recs[0]["method"] == "POST" and recs[0]["path"] == "/contracts/accounts/42?action=close"
         and recs[0]["sha256"] == hashlib.sha256(body).hexdigest() and recs[0]["verdict"] == "TOTAL_PASSED" else 1)' \
    "$TMP/upstream.log" "$C/body.json"
SIG1=$(cat "$C/sig.b64")
DATE1=$(cat "$C/date.txt")
T1='/contracts/accounts/42?action=close'

# ---- helpers: the same canonical request as the README, signed with openssl cms ---------------------
now_date() { LC_ALL=C date -u -d "@$(($(date +%s) + ${1:-0}))" '+%a, %d %b %Y %H:%M:%S GMT'; }
# sign METHOD TARGET DATE BODYFILE [openssl cms options] → base64 detached CMS over the canonical request
sign() {
    digest=$(openssl dgst -sha256 -binary "$4" | base64 -w0)
    printf '"@method": %s\n"@target": %s\n"date": %s\n"content-digest": sha-256=:%s:\n"@signature-params": %s' \
        "$1" "$2" "$3" "$digest" '("@method" "@target" "date" "content-digest");alg="cms"' >"$C/canon.txt"
    shift 4
    openssl cms -sign -binary -md sha256 -in "$C/canon.txt" -signer "$P/hk/leaf.pem" -inkey "$P/hk/leaf.key" \
        -outform DER "$@" | base64 -w0
}
rej() { # rej NAME REASON curl-args… — 403 SIGNATURE_REJECTED with REASON, upstream count unchanged
    name=$1 why=$2
    shift 2
    before=$(up_hits)
    t "$name" 403 "d['error']['code']=='SIGNATURE_REJECTED' and d['error']['status']==403 and d['error']['reason']=='$why'" "$@"
    check "$name: the upstream saw nothing" [ "$(up_hits)" = "$before" ]
}
J="Content-Type: application/json"

section "replays"
rej "the README request again: REPLAYED" REPLAYED -X POST -H "Date: $DATE1" -H "X-Sigbridge-Signature: $SIG1" -H "$J" \
    --data-binary "@$C/body.json" "$A$T1"
SPACED=$(printf '%s' "$SIG1" | sed 's/.\{64\}/& /g')
rej "again with the base64 spaced out: REPLAYED" REPLAYED -X POST -H "Date: $DATE1" -H "X-Sigbridge-Signature: $SPACED" \
    -H "$J" --data-binary "@$C/body.json" "$A$T1"
rej "same signature, another method: REPLAYED (refused on the head)" REPLAYED -X PUT -H "Date: $DATE1" \
    -H "X-Sigbridge-Signature: $SIG1" -H "$J" --data-binary "@$C/body.json" "$A$T1"
SIG1B=$(sign POST "$T1" "$DATE1" "$C/body.json" -certfile "$P/hk/int.pem")
check_sh "a re-encoded CMS over the same canonical request is other bytes" "[ -n '$SIG1B' ] && [ '$SIG1B' != '$SIG1' ]"
rej "same canonical request, re-encoded CMS: REPLAYED" REPLAYED -X POST -H "Date: $DATE1" \
    -H "X-Sigbridge-Signature: $SIG1B" -H "$J" --data-binary "@$C/body.json" "$A$T1"

section "a signature does not travel to another request"
printf '{"action":"close","account":43}\n' >"$C/body2.json"
printf '{"action":"open","account":43}\n' >"$C/body3.json"
T2='/contracts/accounts/43?action=close'
D2=$(now_date)
SIG2=$(sign DELETE "$T2" "$D2" "$C/body2.json")
rej "another method (POST for a signed DELETE): HASH_MISMATCH" HASH_MISMATCH -X POST -H "Date: $D2" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A$T2"
rej "another method (PUT): HASH_MISMATCH" HASH_MISMATCH -X PUT -H "Date: $D2" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A$T2"
rej "another target: HASH_MISMATCH" HASH_MISMATCH -X DELETE -H "Date: $D2" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A/contracts/accounts/43?action=open"
rej "the target without its query: HASH_MISMATCH" HASH_MISMATCH -X DELETE -H "Date: $D2" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A/contracts/accounts/43"
rej "another body: HASH_MISMATCH" HASH_MISMATCH -X DELETE -H "Date: $D2" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body3.json" "$A$T2"
rej "another Date (in the window): HASH_MISMATCH" HASH_MISMATCH -X DELETE -H "Date: $(now_date -7)" \
    -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A$T2"
before=$(up_hits)
t "the refused signature is still good for its own request" 200 "d['upstream']=='ok' and d['method']=='DELETE' and d['path']=='$T2'" \
    -X DELETE -H "Date: $D2" -H "X-Sigbridge-Signature: $SIG2" -H "$J" --data-binary "@$C/body2.json" "$A$T2"
check "it reached the upstream once" [ "$(up_hits)" = "$((before + 1))" ]

section "Date"
DOLD=$(now_date -3600)
SIG3=$(sign POST "$T1" "$DOLD" "$C/body3.json")
rej "Date an hour old (max_skew_s 120): DATE_SKEW" DATE_SKEW -X POST -H "Date: $DOLD" -H "X-Sigbridge-Signature: $SIG3" \
    -H "$J" --data-binary "@$C/body3.json" "$A$T1"
DNEW=$(now_date 600)
SIG4=$(sign POST "$T1" "$DNEW" "$C/body3.json")
rej "Date ten minutes ahead: DATE_SKEW" DATE_SKEW -X POST -H "Date: $DNEW" -H "X-Sigbridge-Signature: $SIG4" \
    -H "$J" --data-binary "@$C/body3.json" "$A$T1"
D5=$(now_date)
SIG5=$(sign POST "$T1" "$D5" "$C/body3.json")
rej "no Date: DATE_INVALID" DATE_INVALID -X POST -H "X-Sigbridge-Signature: $SIG5" -H "$J" \
    --data-binary "@$C/body3.json" "$A$T1"
rej "two Date headers: DATE_INVALID" DATE_INVALID -X POST -H "Date: $D5" -H "Date: $D5" -H "X-Sigbridge-Signature: $SIG5" \
    -H "$J" --data-binary "@$C/body3.json" "$A$T1"
rej "an RFC 850 Date: DATE_INVALID" DATE_INVALID -X POST -H "Date: Sunday, 06-Nov-94 08:49:37 GMT" \
    -H "X-Sigbridge-Signature: $SIG5" -H "$J" --data-binary "@$C/body3.json" "$A$T1"
check "the upstream saw exactly the 2 accepted requests" [ "$(up_hits)" = 2 ]

section "configuration"
cat >"$TMP/bad.yaml" <<CONF
listeners:
  api: { address: 127.0.0.1, port: $(free_port) }
policy_dir: $POL
audit: { path: $TMP/audit-bad.jsonl }
routes:
  - { name: a, prefix: /a/, upstream: "http://127.0.0.1:$UP", from: hk, require: attached, bind: [method] }
CONF
"$SB_BIN" serve -c "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1 &
BPID=$!
PIDS="$PIDS $BPID"
wait_bounded "$BPID" 10
check "bind with require: attached: serve refuses to start" [ "$rc" != 0 ]
check_sh "the error is located (file:line:col: routes[0].bind)" \
    "grep -q 'bad.yaml:6:[0-9]*: routes\[0\]\.bind: needs require: detached-header' '$TMP/bad.out'"

gw_finish

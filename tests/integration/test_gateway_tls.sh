#!/bin/sh
# tests/integration/test_gateway_tls.sh — the TLS / mutual-TLS listeners of the real `sigbridge serve`,
# driven by `openssl s_client` as a real TLS client (and curl where it is simpler).
#
# Checked: the handshake (TLS 1.2 and 1.3, the server certificate verifying for 127.0.0.1), HTTP over it;
# client certificates — a known client (by SHA-256 fingerprint or by subject) is served; a certificate
# from the client CA that maps to no client id is unauthenticated: 403 saying so, also on /metrics and
# /v1/policies (issue 24); a certificate from another CA (even one copying a known client's subject), no
# certificate at all, or TLS 1.1 are refused in the handshake; the access lists (api.clients,
# api.jurisdictions, routes[].clients, api.clients inherited by a route without its own, the admin
# listener's own clients) answer 403 FORBIDDEN; plain HTTP on the TLS port gets no answer; a reload that
# drops a client takes effect.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
gw_objects
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
mkca ca "/CN=sigbridge test client CA"
mkca rogue "/CN=rogue CA"
mk server "/CN=127.0.0.1" ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
CLIENT="extendedKeyUsage=clientAuth"
mk bank-a "/O=Bank A/CN=bank-a" ca "$CLIENT"
mk bank-b "/O=Bank B/CN=bank-b" ca "$CLIENT"
mk bank-x "/O=Unknown/CN=bank-x" ca "$CLIENT"
mk ops "/O=Ops/CN=deploy" ca "$CLIENT"
mk evil-b "/O=Bank B/CN=bank-b" rogue "$CLIENT"
for f in server bank-a bank-b bank-x ops evil-b; do
    [ -s "$T/$f.pem" ] || { echo "FAIL fixture $f.pem not made"; exit 1; }
done
fp() { openssl x509 -in "$T/$1.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
FP_A=$(fp bank-a)
FP_OPS=$(fp ops)
SUBJ_B=$(openssl x509 -in "$T/bank-b.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
DOWN=$(free_port)     # nothing listens here: a route that passes its checks answers 502

CLIENTS_B="        - { id: bank-b, subject: \"$SUBJ_B\" }"
conf() {
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
$CLIENTS_B
        - { id: ops, sha256: "$FP_OPS" }
  admin:
    address: 127.0.0.1
    port: $ADM
    tls:
      cert: $T/server.pem
      key: $T/server.key
      client_ca: $T/ca.pem
      clients:
        - { id: ops, sha256: "$FP_OPS" }
policy_dir: $POL
workers: 2
audit: { path: $TMP/audit.jsonl }
api:
  clients: [bank-a, bank-b]
  jurisdictions:
    cn: [bank-b]
routes:
  - { name: pay, prefix: /pay/, upstream: "http://127.0.0.1:$DOWN", from: hk, clients: [bank-a] }
  - { name: open, prefix: /open/, upstream: "http://127.0.0.1:$DOWN", from: hk }
EOF
}
READY_SCHEME=https
READY_ARGS="--cacert $T/ca.pem --cert $T/bank-a.pem --key $T/bank-a.key"
start_daemon d1 conf || { bad "TLS daemon did not start"; gw_finish; exit 1; }

# request FILE METHOD PATH [BODY_FILE] — an HTTP/1.1 request with Connection: close
request() {
    py - "$@" <<'PY'
import sys
out, method, path = sys.argv[1:4]
body = open(sys.argv[4], 'rb').read() if len(sys.argv) > 4 else b''
head = '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' % (method, path)
if body:
    head += 'Content-Type: application/cms\r\nContent-Length: %d\r\n' % len(body)
open(out, 'wb').write(head.encode() + b'\r\n' + body)
PY
}
request "$TMP/rq-hk" POST "/v1/verify?from=hk" "$O/hk.p7s"
request "$TMP/rq-cn" POST "/v1/verify?from=cn" "$O/cn.p7s"
request "$TMP/rq-pay" POST "/pay/invoice" "$O/hk.p7s"
request "$TMP/rq-health" GET /healthz
request "$TMP/rq-metrics" GET /metrics
request "$TMP/rq-pol" GET /v1/policies
request "$TMP/rq-open" POST "/open/invoice" "$O/hk.p7s"
request "$TMP/rq-reload" POST /admin/reload

# sc NAME PORT REQUEST CLIENT [s_client options] — openssl s_client (bounded by timeout 10) sending the
# request; CLIENT "-" = no certificate. Leaves the output in $TMP/sc-NAME.out and sets the summary
# SC="<rc> <protocol> <verify code> <HTTP status> <error code or indication> <alert>". s_client's rc is
# only checked where it matters (close_notify, at the end): other rows would mix in the handshake outcome.
sc() {
    name=$1 port=$2 rq=$3 who=$4
    shift 4
    if [ "$who" = - ]; then certargs=""; else certargs="-cert $T/$who.pem -key $T/$who.key"; fi
    # shellcheck disable=SC2086
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/ca.pem" -verify_ip 127.0.0.1 \
        -verify_return_error -ign_eof -nocommands $certargs "$@" <"$TMP/$rq" >"$TMP/sc-$name.out" 2>&1
    src=$?
    SC="$src $(py - "$TMP/sc-$name.out" <<'PY'
import json, re, sys
t = open(sys.argv[1], 'rb').read().decode('latin-1')
proto = re.search(r'Protocol\s*: (\S+)', t) or re.search(r'New, (TLSv[\d.]+), Cipher', t)
vc = re.search(r'Verify return code: (\d+)', t)
st = re.search(r'HTTP/1\.1 (\d{3}) ', t)
code = '-'
if st:
    i = t.find('{', st.end())
    try:
        d = json.JSONDecoder().raw_decode(t[i:])[0]
        code = (d.get('error') or {}).get('code') or d.get('indication') or d.get('status') or d.get('result') or '-'
    except Exception:
        code = 'nojson'
alert = re.search(r'alert ([a-z ]+?)(?::|\s*$)', t, re.M)
print(proto.group(1) if proto else '-', vc.group(1) if vc else '-', st.group(1) if st else '-', code,
      alert.group(1).strip().replace(' ', '_') if alert else '-')
PY
)"
}
# expect_sc CHECK_NAME WANT_PATTERN — SC matched against a shell case pattern
expect_sc() {
    # shellcheck disable=SC2254
    case "$SC" in
        $2) ok "$1 [$SC]" ;;
        *) bad "$1" "got [$SC], want [$2]"; grep -aE 'alert|error|HTTP/1|Verify' "$TMP/sc-$name.out" | head -5 | sed 's/^/     /' ;;
    esac
}

section "s_client: handshakes and known clients"
sc a13 "$API" rq-hk bank-a -tls1_3
expect_sc "TLS 1.3, server cert verified for 127.0.0.1, bank-a (by fingerprint) verifies hk: 200 TOTAL_PASSED" "* TLSv1.3 0 200 TOTAL_PASSED *"
sc b12 "$API" rq-cn bank-b -tls1_2
expect_sc "TLS 1.2, bank-b (by subject) verifies cn: 200 TOTAL_PASSED" "* TLSv1.2 0 200 TOTAL_PASSED *"
check "the server presents its certificate for CN=127.0.0.1" grep -q 'subject=CN = 127.0.0.1' "$TMP/sc-b12.out"

section "s_client: unknown or missing client certificates"
sc x13 "$API" rq-hk bank-x -tls1_3
expect_sc "certificate from the client CA but no client id: handshake ok, 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
check "  ... the 403 says the certificate maps to no configured client id (not 'no client certificate')" \
    grep -q 'client (the client certificate maps to no configured client id) may not call /v1/verify' "$TMP/sc-x13.out"
sc xm13 "$API" rq-metrics bank-x -tls1_3
expect_sc "unmapped certificate: GET /metrics on an mTLS listener with tls.clients: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
check "  ... saying the certificate maps to no client id" grep -q 'maps to no configured client id) may not read /metrics' \
    "$TMP/sc-xm13.out"
sc xp12 "$API" rq-pol bank-x -tls1_2
expect_sc "unmapped certificate: GET /v1/policies: 403 FORBIDDEN" "* TLSv1.2 0 403 FORBIDDEN *"
sc am13 "$API" rq-metrics ops -tls1_3
expect_sc "a mapped client (ops, on no access list) reads /metrics: 200" "* TLSv1.3 0 200 *"
check "  ... and gets the metrics text" grep -q 'sigbridge_requests_total' "$TMP/sc-am13.out"
sc ap13 "$API" rq-pol bank-b -tls1_3
expect_sc "a mapped client reads /v1/policies: 200" "* TLSv1.3 0 200 *"
sc x12 "$API" rq-health bank-x -tls1_2
expect_sc "no client id: /healthz still answered (liveness is not access-controlled)" "* TLSv1.2 0 200 ok *"
sc e12 "$API" rq-hk evil-b -tls1_2
expect_sc "TLS 1.2: bank-b's subject under another CA: handshake refused (unknown ca), no HTTP" "[1-9]* * - - unknown_ca"
sc e13 "$API" rq-hk evil-b -tls1_3
expect_sc "TLS 1.3: bank-b's subject under another CA: refused (unknown ca), no HTTP" "[1-9]* * - - unknown_ca"
sc n12 "$API" rq-hk - -tls1_2
expect_sc "TLS 1.2 without a client certificate: handshake failure, no HTTP" "[1-9]* * - - handshake_failure"
sc n13 "$API" rq-hk - -tls1_3
expect_sc "TLS 1.3 without a client certificate: certificate required, no HTTP" "[1-9]* * - - certificate_required"
sc v11 "$API" rq-hk bank-a -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
expect_sc "TLS 1.1: refused (protocol version), no HTTP" "[1-9]* * - - protocol_version"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$API/healthz")
check "plain HTTP on the TLS port: no HTTP answer ($code)" [ "$code" = 000 ]

section "access lists: 403"
sc a-cn "$API" rq-cn bank-a -tls1_3
expect_sc "api.jurisdictions: bank-a may not ask about cn: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
sc o-hk "$API" rq-hk ops -tls1_3
expect_sc "api.clients: ops (a known id, not on the list) may not verify: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
sc b-pay "$API" rq-pay bank-b -tls1_3
expect_sc "routes[].clients: bank-b may not use /pay/: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
sc a-pay "$API" rq-pay bank-a -tls1_3
expect_sc "routes[].clients: bank-a passes the list and the signature check, upstream down: 502" "* TLSv1.3 0 502 UPSTREAM_ERROR *"
sc o-open "$API" rq-open ops -tls1_3
expect_sc "a route without clients inherits api.clients: ops may not use /open/: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
check "  ... the 403 names the inherited list" grep -q 'client ops may not use route open (api.clients, which routes without clients inherit)' \
    "$TMP/sc-o-open.out"
sc x-open "$API" rq-open bank-x -tls1_3
expect_sc "an unmapped certificate may not use /open/ either: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
sc b-open "$API" rq-open bank-b -tls1_3
expect_sc "bank-b (on api.clients) passes the inherited list, upstream down: 502" "* TLSv1.3 0 502 UPSTREAM_ERROR *"
sc adm-a "$ADM" rq-reload bank-a -tls1_3
expect_sc "admin listener: bank-a (not an admin client) cannot reload: 403 FORBIDDEN" "* TLSv1.3 0 403 FORBIDDEN *"
sc adm-n "$ADM" rq-reload - -tls1_3
expect_sc "admin listener without a client certificate: refused in the handshake" "[1-9]* * - - certificate_required"
sc adm-o "$ADM" rq-reload ops -tls1_2
expect_sc "admin listener: ops reloads: 200 ok" "* TLSv1.2 0 200 ok *"

section "reload drops a client"
# the running configuration without bank-b (same ports)
py - "$TMP/d1.yaml" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r'\n        - \{ id: bank-b, subject: .*\}', '', s)
s = s.replace('  jurisdictions:\n    cn: [bank-b]\n', '')
s = s.replace('clients: [bank-a, bank-b]', 'clients: [bank-a]')
open(p, 'w').write(s)
PY
sc adm-o2 "$ADM" rq-reload ops -tls1_3
expect_sc "reload over mTLS with bank-b removed: 200 ok" "* TLSv1.3 0 200 ok *"
sc b12b "$API" rq-cn bank-b -tls1_2
expect_sc "after the reload bank-b maps to no client id: 403 FORBIDDEN" "* TLSv1.2 0 403 FORBIDDEN *"
sc a13b "$API" rq-hk bank-a -tls1_3
expect_sc "after the reload bank-a still verifies: 200 TOTAL_PASSED" "* TLSv1.3 0 200 TOTAL_PASSED *"
sc cn13 "$API" rq-health bank-a -tls1_3
expect_sc "the server ends the TLS connection with close_notify (s_client sees no unexpected EOF)" "0 TLSv1.3 0 200 ok *"
sc cn12 "$API" rq-health bank-a -tls1_2
expect_sc "TLS 1.2: the server ends the connection with close_notify" "0 TLSv1.2 0 200 ok *"
t "curl over mTLS after all that: healthy" 200 "d['status']=='ok'" --cacert "$T/ca.pem" --cert "$T/bank-a.pem" \
    --key "$T/bank-a.key" "https://127.0.0.1:$API/healthz"
check "refused handshakes did not reach the audit log (only decisions are audited)" py - "$TMP/audit.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if recs and all(r['client'] in ('bank-a', 'bank-b') for r in recs) else 1)
PY
stop_daemon
check "TLS daemon: clean exit (rc $rc)" [ "$rc" = 0 ]

gw_finish

#!/bin/sh
# tests/integration/test_revocation_fetch_cli.sh — `sigbridge revocation fetch --policy-dir DIR --cache DIR`
# (gateway/cli/cmd_revocation.c): the cron command that fills the revocation cache directory.
#
# Its own PKI made by the openssl CLI: a root (its own CDP outside the allow-list) and intermediates int1
# (CDP root.crl, OCSP responder), int2 (CDP on a port where nothing listens), int3 (revoked at the
# responder), int4 (CDP serving a stale CRL). CRLs by `openssl ca -gencrl` served by crl_server.py; OCSP
# answered by the real `openssl ocsp` responder on loopback, signed by the root.
#   1. policy dir A (hk: int1): exit 0; root.crl and int1's OCSP response fetched and stored (files named
#      by the SHA-256 of the URL and by issuerKeyHash-serial); the root's CDP outside the allow-list is listed
#      as skipped and never contacted; the stored response is the responder's, for int1, "good" (checked by
#      `openssl ocsp -respin`); the printed nextUpdate is the CRL's; --json says the same;
#   2. policy dir B (hk and mo: int1..int4): exit 1; the unreachable CDP and the stale CRL are listed as
#      failed, the revoked intermediate's response is stored (revoked), root.crl is fetched once for both;
#   3. the daemon started on the cache directory answers without fetching root.crl or asking the responder;
#   4. usage errors: exit 2.
# The command's stderr goes to $TMP/*.log, so gw_finish also checks it for sanitizer reports.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

K=$TMP/pki
C=$TMP/crls
CACHE=$TMP/cache
mkdir -p "$K" "$C"
P1=$(free_port); P2=$(free_port); P3=$(free_port); P4=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
while [ "$P3" = "$P1" ] || [ "$P3" = "$P2" ]; do P3=$(free_port); done
while [ "$P4" = "$P1" ] || [ "$P4" = "$P2" ] || [ "$P4" = "$P3" ]; do P4=$(free_port); done

section "0. a PKI: CRLs on $P1, OCSP on $P2, outside the allow-list $P3, down $P4"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/$1.key"; }
issue() { # issue NAME SERIAL CDP_URL OCSP_URL(or -) — an intermediate issued by root
    mkkey "$1"
    printf '[ e ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\ncrlDistributionPoints = URI:%s\n' "$3" >"$K/$1.ext"
    [ "$4" = - ] || printf 'authorityInfoAccess = OCSP;URI:%s\n' "$4" >>"$K/$1.ext"
    ossl req -new -key "$K/$1.key" -subj "/O=sigbridge test/CN=revocation fetch $1" -out "$K/$1.csr"
    ossl x509 -req -in "$K/$1.csr" -CA "$K/root.pem" -CAkey "$K/root.key" -set_serial "$2" -days 365 -sha256 \
        -extfile "$K/$1.ext" -extensions e -out "$K/$1.pem"
}
mkkey root
ossl req -x509 -new -key "$K/root.key" -subj "/O=sigbridge test/CN=revocation fetch root" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash" -addext "crlDistributionPoints=URI:http://127.0.0.1:$P3/self.crl" \
    -out "$K/root.pem"
mkdir -p "$K/db"
: >"$K/db/index.txt"
echo 1000 >"$K/db/crlnumber"
printf '[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = %s\ncrlnumber = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\ndefault_crl_days = 7\ncrl_extensions = crl_ext\n[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n' \
    "$K/db/index.txt" "$K/db/crlnumber" "$K/root.pem" "$K/root.key" >"$K/root.cnf"
issue int1 11 "http://127.0.0.1:$P1/root.crl" "http://127.0.0.1:$P2/"
issue int2 12 "http://127.0.0.1:$P4/down.crl" -
issue int3 13 "http://127.0.0.1:$P1/root.crl" "http://127.0.0.1:$P2/"
issue int4 14 "http://127.0.0.1:$P1/stale.crl" -
# the responder's database: int1 valid, int3 revoked (keyCompromise)
printf 'V\t301231235959Z\t\t0B\tunknown\t/O=sigbridge test/CN=revocation fetch int1\n' >>"$K/db/index.txt"
ossl ca -config "$K/root.cnf" -revoke "$K/int3.pem" -crl_reason keyCompromise
ossl ca -config "$K/root.cnf" -gencrl -out "$C/root.crl.pem"
ossl crl -in "$C/root.crl.pem" -outform DER -out "$C/root.crl"
ossl ca -config "$K/root.cnf" -gencrl -out "$C/stale.crl.pem" \
    -crl_lastupdate "$(date -u -d '3 days ago' +%Y%m%d%H%M%SZ)" -crl_nextupdate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
ossl crl -in "$C/stale.crl.pem" -outform DER -out "$C/stale.crl"

# (python started directly, not through the py function: $! is then the server itself, killed at exit)
"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P1" "$C" serve >>"$TMP/crl_server.log" 2>&1 &
PIDS="$PIDS $!"
"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P3" "$C" serve >>"$TMP/crl_server.log" 2>&1 &
PIDS="$PIDS $!"
# OpenSSL 3.0's responder runs in a child it names in its log (ACCEPT ... PID=N), and a connection closed
# without a request wedges it: wait for its log line instead of probing the port
openssl ocsp -index "$K/db/index.txt" -CA "$K/root.pem" -rsigner "$K/root.pem" -rkey "$K/root.key" \
    -port "$P2" -nmin 10 >>"$TMP/ocsp.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q 'waiting for OCSP client connections' "$TMP/ocsp.log" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
OCSP_PID=$(sed -n 's/^ACCEPT .* PID=\([0-9]*\).*/\1/p' "$TMP/ocsp.log" | head -1)
[ -n "$OCSP_PID" ] && PIDS="$PIDS $OCSP_PID"
wait_listen "$P1"
wait_listen "$P3"
count() { curl -s --max-time 5 "http://127.0.0.1:$1/_count${2:+/$2}"; }

policy() { # policy DIR JURISDICTION INTERMEDIATES...
    d=$1 j=$2; shift 2
    mkdir -p "$d"
    {
        printf 'jurisdiction: %s\ndescription: revocation fetch test\ntrust_anchors:\n  - file: %s\nintermediates: [' "$j" "$K/root.pem"
        sep=""
        for i in "$@"; do printf '%s %s' "$sep" "$K/$i.pem"; sep=","; done
        printf ' ]\nrevocation:\n  mode: require\n  sources: [embedded, ocsp, crl, files]\n  fetch:\n'
        printf '    allow: ["http://127.0.0.1:%s/", "http://127.0.0.1:%s/", "http://127.0.0.1:%s/"]\n' "$P1" "$P2" "$P4"
        printf '    timeout_ms: 3000\n    max_bytes: 1MiB\n'
    } >"$d/$j.yaml"
}
policy "$TMP/polA" hk int1
policy "$TMP/polB" hk int1
policy "$TMP/polB" mo int2 int3 int4

url_file() { printf '%s/crl/%s.crl' "$CACHE" "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
# the OCSP file name from an independent tool: python's cryptography builds the CertID's issuerKeyHash
ikh=$(py - "$K/root.pem" "$K/int1.pem" <<'PY' 2>>"$TMP/py.log"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
root = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
cert = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
req = ocsp.OCSPRequestBuilder().add_certificate(cert, root, hashes.SHA1()).build()
print(req.issuer_key_hash.hex())
PY
)
[ -n "$ikh" ] || ikh=$(openssl x509 -in "$K/root.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
    tail -c 65 | openssl dgst -sha1 -r | cut -d' ' -f1)       # P-256: the key's last 65 bytes are the point
OCSP_FILE="$CACHE/ocsp/$ikh-0b.ocsp"

section "1. one policy, all fresh"
"$SB_BIN" revocation fetch --policy-dir "$TMP/polA" --cache "$CACHE" >"$TMP/outA" 2>"$TMP/cli_a.log"
rcA=$?
cat "$TMP/outA" | sed 's/^/     /'
check_sh "exit 0 (all fresh) (rc $rcA)" '[ "$rcA" = 0 ]'
nu=$(date -u -d "$(openssl crl -in "$C/root.crl" -inform DER -noout -nextupdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
check_sh "root.crl: ok with its nextUpdate $nu" \
    'grep -q "^crl  *http://127.0.0.1:$P1/root.crl ok $nu (hk" "$TMP/outA"'
check_sh "int1's OCSP status: ok, good" 'grep -q "^ocsp http://127.0.0.1:$P2/ ok [0-9T:Z-]* (hk: good;" "$TMP/outA"'
check_sh "the root's own CDP outside the allow-list: skipped" \
    'grep -q "^crl  *http://127.0.0.1:$P3/self.crl skipped - (hk: " "$TMP/outA"'
check_sh "... and never contacted ($(count "$P3"))" '[ "$(count "$P3")" = 0 ]'
check_sh "summary: 2 fresh, 0 failed, 1 skipped" 'grep -q "^revocation fetch: 2 fresh, 0 failed, 1 skipped" "$TMP/outA"'
check_sh "root.crl stored under crl/<sha256 of the URL>.crl with the server's DER" \
    'f=$(url_file "http://127.0.0.1:$P1/root.crl"); [ -s "$f" ] && tail -c "$(stat -c %s "$C/root.crl")" "$f" | cmp -s - "$C/root.crl"'
check_sh "int1's response stored under ocsp/<issuerKeyHash>-<serial>.ocsp" '[ -s "$OCSP_FILE" ]'
len=$(grep -a '^length ' "$OCSP_FILE" | head -1 | cut -d' ' -f2)
tail -c "${len:-1}" "$OCSP_FILE" >"$TMP/stored.ocsp"
openssl ocsp -respin "$TMP/stored.ocsp" -issuer "$K/root.pem" -cert "$K/int1.pem" -CAfile "$K/root.pem" \
    >"$TMP/ocsp_check" 2>&1
check_sh "openssl ocsp -respin: the stored response says int1 is good and verifies" \
    'grep -q "int1.pem: good" "$TMP/ocsp_check" && grep -q "Response verify OK" "$TMP/ocsp_check"'
check_sh "the cache directory is mode 700" '[ "$(stat -c %a "$CACHE")" = 700 ]'
"$SB_BIN" revocation fetch --policy-dir "$TMP/polA" --cache "$CACHE" --json >"$TMP/jsonA" 2>>"$TMP/cli_a.log"
rcJ=$?
check_sh "--json: exit 0 (rc $rcJ)" '[ "$rcJ" = 0 ]'
check_sh "--json: one object with the counts and the items" "py - '$TMP/jsonA' <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
it = {(i['kind'], i['result']) for i in d['items']}
sys.exit(0 if d['fresh'] == 2 and d['failed'] == 0 and d['skipped'] == 1 and ('crl', 'ok') in it and
         ('ocsp', 'ok') in it and ('crl', 'skipped') in it and d['cache'] == '$CACHE' and
         all(i['jurisdiction'] == 'hk' for i in d['items']) else 1)
PY"

section "2. two policies: some fail"
c0=$(count "$P1" root.crl)
"$SB_BIN" revocation fetch --policy-dir "$TMP/polB" --cache "$CACHE" >"$TMP/outB" 2>"$TMP/cli_b.log"
rcB=$?
cat "$TMP/outB" | sed 's/^/     /'
check_sh "exit 1 (some failed) (rc $rcB)" '[ "$rcB" = 1 ]'
check_sh "the CDP where nothing listens: failed, named" \
    'grep -q "^crl  *http://127.0.0.1:$P4/down.crl failed - (mo: .*127.0.0.1:$P4" "$TMP/outB"'
check_sh "the stale CRL: failed, stale" 'grep -q "^crl  *http://127.0.0.1:$P1/stale.crl failed .*(mo: stale" "$TMP/outB"'
check_sh "the revoked intermediate's response: stored, revoked" \
    'grep -q "^ocsp http://127.0.0.1:$P2/ ok .*(mo: revoked; .*int3" "$TMP/outB"'
check_sh "root.crl fetched once for both jurisdictions ($c0 -> $(count "$P1" root.crl))" \
    '[ "$(count "$P1" root.crl)" = $((c0 + 1)) ]'
check_sh "summary: 3 fresh, 2 failed" 'grep -q "^revocation fetch: 3 fresh, 2 failed" "$TMP/outB"'
check_sh "no stale CRL in the cache" '[ ! -e "$(url_file "http://127.0.0.1:$P1/stale.crl")" ]'

section "3. the daemon reads what the command stored"
c1=$(count "$P1" root.crl)
mkkey leaf
printf '[ e ]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' >"$K/leaf.ext"
ossl req -new -key "$K/leaf.key" -subj "/O=sigbridge test/CN=leaf under int1" -out "$K/leaf.csr"
ossl x509 -req -in "$K/leaf.csr" -CA "$K/int1.pem" -CAkey "$K/int1.key" -set_serial 101 -days 30 -sha256 \
    -extfile "$K/leaf.ext" -extensions e -out "$K/leaf.pem"
printf 'revocation fetch test\n' >"$TMP/doc.txt"
ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/leaf.pem" -inkey "$K/leaf.key" \
    -certfile "$K/int1.pem" -md sha256 -out "$TMP/leaf.p7s"
mkdir -p "$TMP/polD"
sed -e 's/mode: require/mode: prefer/' -e 's/sources: \[embedded, ocsp, crl, files\]/sources: [embedded, crl, files]/' \
    "$TMP/polA/hk.yaml" >"$TMP/polD/hk.yaml"
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $TMP/polD
workers: 1
revocation_cache: { dir: $CACHE }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-revfetch }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }
# the leaf has no CDP (prefer: passes without its status); int1's status comes from root.crl, loaded from disk
t "a leaf under int1: TOTAL_PASSED" 200 'd["indication"] == "TOTAL_PASSED"' -X POST --data-binary "@$TMP/leaf.p7s" \
    -H 'Content-Type: application/cms' "http://127.0.0.1:$API/v1/verify?from=hk"
h=$(metric "$ADM" '^sigbridge_crl_fetch_cache_hits_total')
check_sh "root.crl served from the loaded cache (hits $h), not fetched ($c1 -> $(count "$P1" root.crl))" \
    '[ "${h:-0}" -ge 1 ] && [ "$(count "$P1" root.crl)" = "$c1" ]'
stop_daemon

section "4. usage"
"$SB_BIN" revocation fetch --policy-dir "$TMP/polA" >/dev/null 2>&1
rc4=$?
check_sh "no --cache: exit 2 (rc $rc4)" '[ "$rc4" = 2 ]'
"$SB_BIN" revocation frob --policy-dir "$TMP/polA" --cache "$CACHE" >/dev/null 2>&1
rc4=$?
check_sh "unknown subcommand: exit 2 (rc $rc4)" '[ "$rc4" = 2 ]'
"$SB_BIN" revocation fetch --policy-dir "$TMP/nope" --cache "$CACHE" >/dev/null 2>&1
rc4=$?
check_sh "unreadable policy directory: exit 2 (rc $rc4)" '[ "$rc4" = 2 ]'
"$SB_BIN" revocation fetch --policy-dir "$TMP/polA" --cache "$K/root.pem" >/dev/null 2>"$TMP/err4"
rc4=$?
check_sh "a cache path that is a file: exit 2 (rc $rc4)" '[ "$rc4" = 2 ] && grep -q "cache" "$TMP/err4"'
gw_finish

#!/bin/sh
# tests/integration/test_gateway_crl_cache.sh — the daemon's CRL cache kept on disk and refreshed before expiry
# (revocation_cache.dir; gateway/daemon/rev_disk_cache.c, revocation_fetch.c).
#
# Its own PKI made by the openssl CLI (root -> intermediate -> leaf, EC P-256) with CDPs on a loopback
# crl_server.py; int.crl is made by `openssl ca -gencrl -crlsec 40` (refresh window: its last 20 s).
# The validated-path cache is off, so every request asks the CRL source.
#   1. first request: both CRLs fetched and written to DIR/crl (0700 directory, one file per URL);
#      sigbridge_crl_next_update_seconds for each; a second request before the refresh window fetches nothing;
#   2. in the refresh window a request is answered from the cache while the refetch runs in the background
#      (the server holds it 3 s: the answer came before the refetch finished), the server sees the refetch
#      before nextUpdate, the new CRL (an hour long) replaces the old one (metric, file rewritten);
#   3. a policy reload keeps the cache (no fetch);
#   4. a restart with the same directory answers the first request without fetching int.crl (loaded from
#      disk); root.crl's file, damaged while the daemon was down, is removed and root.crl fetched again.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

K=$TMP/pki
C=$TMP/crls
POL=$TMP/policies
RC=$TMP/revcache
mkdir -p "$K" "$C" "$POL"
P1=$(free_port)

section "0. a PKI with CDPs on 127.0.0.1:$P1"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/$1.key"; }
mkdb() {
    mkdir -p "$K/$1.db"
    : >"$K/$1.db/index.txt"
    echo 1000 >"$K/$1.db/crlnumber"
    printf '[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = %s\ncrlnumber = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\ndefault_crl_days = 7\ncrl_extensions = crl_ext\n[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n' \
        "$K/$1.db/index.txt" "$K/$1.db/crlnumber" "$K/$1.pem" "$K/$1.key" >"$K/$1.cnf"
}
issue() { # issue NAME CA SERIAL SUBJECT CA(0|1) CDP_URL
    mkkey "$1"
    if [ "$5" = 1 ]; then
        ext="basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign"
    else
        ext="basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation"
    fi
    printf '[ e ]\n%s\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\ncrlDistributionPoints = URI:%s\n' \
        "$ext" "$6" >"$K/$1.ext"
    ossl req -new -key "$K/$1.key" -subj "$4" -out "$K/$1.csr"
    ossl x509 -req -in "$K/$1.csr" -CA "$K/$2.pem" -CAkey "$K/$2.key" -set_serial "$3" -days 365 -sha256 \
        -extfile "$K/$1.ext" -extensions e -out "$K/$1.pem"
}
gencrl() { # gencrl CA OUT [openssl ca options] — written beside, then renamed (the server never sees half)
    ca=$1 out=$2; shift 2
    ossl ca -config "$K/$ca.cnf" -gencrl -out "$C/$out.pem" "$@"
    ossl crl -in "$C/$out.pem" -outform DER -out "$C/$out.tmp"
    mv "$C/$out.tmp" "$C/$out"
}
mkkey root
ossl req -x509 -new -key "$K/root.key" -subj "/O=sigbridge test/CN=CRL cache root" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$K/root.pem"
mkdb root
issue int root 2 "/O=sigbridge test/CN=CRL cache issuing CA" 1 "http://127.0.0.1:$P1/root.crl"
mkdb int
issue good int 101 "/O=sigbridge test/CN=good leaf" 0 "http://127.0.0.1:$P1/int.crl"
gencrl root root.crl
printf 'CRL cache test\n' >"$TMP/doc.txt"
ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/good.pem" -inkey "$K/good.key" \
    -certfile "$K/int.pem" -md sha256 -out "$TMP/good.p7s"

"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P1" "$C" serve >>"$TMP/crl_server.log" 2>&1 &   # $! = python
PIDS="$PIDS $!"
wait_listen "$P1"
count() { curl -s --max-time 5 "http://127.0.0.1:$P1/_count/$1"; }
done_n() { curl -s --max-time 5 "http://127.0.0.1:$P1/_done/$1"; }

cat >"$POL/hk.yaml" <<EOF
jurisdiction: hk
description: CRL cache integration test
trust_anchors:
  - file: $K/root.pem
intermediates: [ $K/int.pem ]
revocation:
  mode: require
  sources: [embedded, crl, files]
  fetch:
    allow: ["http://127.0.0.1:$P1/"]
    timeout_ms: 8000
    max_bytes: 1MiB
EOF
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
cache: { chains: 0, certificates: 100 }
revocation_cache: { dir: $RC }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-crlcache }
EOF
}
post() { # post NAME PY_EXPR
    t "$1" 200 "$2" -X POST --data-binary "@$TMP/good.p7s" -H 'Content-Type: application/cms' \
        "http://127.0.0.1:$API/v1/verify?from=hk"
}
PASSED='d["indication"] == "TOTAL_PASSED" and d["reason"] is None'
url_file() { printf '%s/crl/%s.crl' "$RC" "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
INT_URL="http://127.0.0.1:$P1/int.crl"
ROOT_URL="http://127.0.0.1:$P1/root.crl"
next_s() { metric "$ADM" "^sigbridge_crl_next_update_seconds\\{url=\"$1\"\\}"; }

gencrl int int.crl -crlsec 40
INT_NEXT=$(($(date +%s) + 40))
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

section "1. CRLs fetched once, written to the cache directory"
post "good leaf: TOTAL_PASSED" "$PASSED"
check_sh "int.crl and root.crl fetched once ($(count int.crl), $(count root.crl))" \
    '[ "$(count int.crl)" = 1 ] && [ "$(count root.crl)" = 1 ]'
check_sh "the cache directory is mode 700 ($(stat -c %a "$RC"))" '[ "$(stat -c %a "$RC")" = 700 ]'
check_sh "one file per CRL URL under crl/ (named by the SHA-256 of the URL)" \
    '[ -s "$(url_file "$INT_URL")" ] && [ -s "$(url_file "$ROOT_URL")" ] && [ "$(ls "$RC/crl" | wc -l)" = 2 ]'
check_sh "the file holds the URL and the CRL's DER" \
    'grep -a -q "^key $INT_URL\$" "$(url_file "$INT_URL")" && tail -c "$(stat -c %s "$C/int.crl")" "$(url_file "$INT_URL")" | cmp -s - "$C/int.crl"'
w=$(metric "$ADM" '^sigbridge_revocation_cache_writes_total\{kind="crl"\}')
check_sh "metrics: 2 CRL files written ($w)" '[ "$w" = 2 ]'
n=$(next_s "$INT_URL")
check_sh "metrics: int.crl's nextUpdate in 0..40 s ($n)" '[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le 40 ]'
n=$(next_s "$ROOT_URL")
check_sh "metrics: root.crl's nextUpdate in about 7 days ($n)" '[ -n "$n" ] && [ "$n" -gt 600000 ]'
post "good leaf again: TOTAL_PASSED" "$PASSED"
check_sh "no refetch before the refresh window ($(count int.crl))" '[ "$(count int.crl)" = 1 ]'
m=$(metric "$ADM" '^sigbridge_crl_fetch_cache_misses_total')
check_sh "metrics: 2 cache misses ($m)" '[ "$m" = 2 ]'

section "2. refreshed in the background before nextUpdate"
# the CA publishes a new CRL (an hour long); its distribution point now takes 3 s to answer
gencrl int int.crl -crlsec 3600
echo 3 >"$C/int.crl.delay"
while [ "$(date +%s)" -lt $((INT_NEXT - 18)) ]; do sleep 0.2; done
post "good leaf in int.crl's refresh window: TOTAL_PASSED from the cache" "$PASSED"
i=0
while [ "$(count int.crl)" != 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
seen_at=$(date +%s)
check_sh "the server saw the refetch ($(count int.crl) requests)" '[ "$(count int.crl)" = 2 ]'
check_sh "... while it was still being answered: the request did not wait for it (done $(done_n int.crl))" \
    '[ "$(done_n int.crl)" = 1 ]'
check_sh "... before int.crl's nextUpdate ($((INT_NEXT - seen_at)) s left)" '[ "$seen_at" -lt "$INT_NEXT" ]'
i=0
while [ "$(metric "$ADM" '^sigbridge_crl_refreshes_total\{result="ok"\}')" != 1 ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
r=$(metric "$ADM" '^sigbridge_crl_refreshes_total\{result="ok"\}')
check_sh "metrics: one refresh ok ($r)" '[ "$r" = 1 ]'
n=$(next_s "$INT_URL")
check_sh "the new CRL replaced the old one: nextUpdate in about an hour ($n)" '[ -n "$n" ] && [ "$n" -gt 3000 ]'
w=$(metric "$ADM" '^sigbridge_revocation_cache_writes_total\{kind="crl"\}')
check_sh "... and was written to the cache directory ($w writes)" '[ "$w" = 3 ]'
rm -f "$C/int.crl.delay"
post "good leaf after the refresh: TOTAL_PASSED" "$PASSED"
check_sh "no further fetch ($(count int.crl))" '[ "$(count int.crl)" = 2 ]'

section "3. a policy reload keeps the cache"
t "POST /admin/reload: 200, result ok" 200 'd["result"] == "ok"' \
    -X POST "http://127.0.0.1:$ADM/admin/reload"
post "good leaf after the reload: TOTAL_PASSED" "$PASSED"
check_sh "nothing fetched after the reload ($(count int.crl), $(count root.crl))" \
    '[ "$(count int.crl)" = 2 ] && [ "$(count root.crl)" = 1 ]'
stop_daemon
check_sh "daemon stopped cleanly (rc $rc)" '[ "$rc" = 0 ]'

section "4. a restart with the same directory does not refetch"
# root.crl's file is damaged while the daemon is down (cut short): removed at load, fetched again
f=$(url_file "$ROOT_URL")
truncate -s $(($(stat -c %s "$f") - 10)) "$f"
start_daemon d2 conf || { bad "daemon did not restart"; gw_finish; exit 1; }
l=$(metric "$ADM" '^sigbridge_revocation_cache_loads_total\{kind="crl"\}')
check_sh "metrics: one CRL loaded from the directory ($l)" '[ "$l" = 1 ]'
rm=$(metric "$ADM" '^sigbridge_revocation_cache_removed_total\{kind="crl"\}')
check_sh "metrics: the damaged file removed ($rm)" '[ "$rm" = 1 ]'
post "first request after the restart: TOTAL_PASSED" "$PASSED"
check_sh "int.crl answered from the loaded cache: no fetch ($(count int.crl))" '[ "$(count int.crl)" = 2 ]'
check_sh "root.crl (damaged file) fetched again ($(count root.crl))" '[ "$(count root.crl)" = 2 ]'
check_sh "root.crl's file rewritten whole" '[ -s "$f" ] && tail -c "$(stat -c %s "$C/root.crl")" "$f" | cmp -s - "$C/root.crl"'
check_sh "the log says what was loaded" 'grep -q "1 current CRL(s) loaded" "$TMP/d2.log"'
stop_daemon
check_sh "daemon stopped cleanly (rc $rc)" '[ "$rc" = 0 ]'
gw_finish

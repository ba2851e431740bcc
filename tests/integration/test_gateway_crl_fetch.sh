#!/bin/sh
# tests/integration/test_gateway_crl_fetch.sh — CRLs fetched from cRLDistributionPoints by `sigbridge serve`
# (revocation.sources: [embedded, crl, files], gateway/daemon/revocation_fetch.c).
#
# Its own PKI, made here by the openssl CLI (root -> intermediate -> leaves, EC P-256), whose certificates
# carry CDP URLs on loopback ports chosen now; CRLs made by `openssl ca -gencrl`, served by
# crl_server.py (counts requests; one instance stalls). hk runs the policy under require, mo under prefer:
#   1. a good leaf passes with int.crl and root.crl fetched once each; a second request fetches nothing;
#   2. a revoked leaf is TOTAL_FAILED/REVOKED (int.crl from the decoded cache: still one fetch), both modes;
#   3. a CDP outside revocation.fetch.allow is never contacted (its server counts 0): require
#      INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE, prefer TOTAL_PASSED;
#   4. a server that is down: the same;
#   5. a server that stalls: answered within timeout_ms (1000) + 1 s, the same outcomes;
#   6. a CRL named like the intermediate but signed by another key: unusable, the same outcomes; an ldap:
#      distribution point is refused with a reason; a stale CRL is unusable and not cached;
#   7. a path validated (and cached) while its CRL said good is refused as REVOKED once that CRL's
#      nextUpdate has passed and the new CRL lists the leaf (the validated-path cache is bounded by
#      fetched CRLs).
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

gw_policies
K=$TMP/pki
C=$TMP/crls
mkdir -p "$K" "$C"
P1=$(free_port); P2=$(free_port); P3=$(free_port); P4=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
while [ "$P3" = "$P1" ] || [ "$P3" = "$P2" ]; do P3=$(free_port); done
while [ "$P4" = "$P1" ] || [ "$P4" = "$P2" ] || [ "$P4" = "$P3" ]; do P4=$(free_port); done

section "0. a PKI with CDPs on 127.0.0.1:$P1 (serve), $P2 (outside the allow-list), $P3 (stall), $P4 (down)"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/$1.key"; }
mkdb() { # mkdb CA — an `openssl ca` database for CA (its CRLs: crlNumber, authorityKeyIdentifier)
    mkdir -p "$K/$1.db"
    : >"$K/$1.db/index.txt"
    echo 1000 >"$K/$1.db/crlnumber"
    cat >"$K/$1.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
database = $K/$1.db/index.txt
crlnumber = $K/$1.db/crlnumber
certificate = $K/$1.pem
private_key = $K/$1.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
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
gencrl() { # gencrl CA OUT [openssl ca options]
    ca=$1 out=$2; shift 2
    ossl ca -config "$K/$ca.cnf" -gencrl -out "$C/$out.pem" "$@"
    ossl crl -in "$C/$out.pem" -outform DER -out "$C/$out"
}
mkkey root
ossl req -x509 -new -key "$K/root.key" -subj "/O=sigbridge test/CN=CRL fetch root" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$K/root.pem"
mkdb root
issue int root 2 "/O=sigbridge test/CN=CRL fetch issuing CA" 1 "http://127.0.0.1:$P1/root.crl"
mkdb int
issue good int 101 "/O=sigbridge test/CN=good leaf" 0 "http://127.0.0.1:$P1/int.crl"
issue revoked int 102 "/O=sigbridge test/CN=revoked leaf" 0 "http://127.0.0.1:$P1/int.crl"
issue outside int 103 "/O=sigbridge test/CN=leaf with a CDP outside the allow-list" 0 "http://127.0.0.1:$P2/int.crl"
issue stall int 104 "/O=sigbridge test/CN=leaf with a stalling CDP" 0 "http://127.0.0.1:$P3/int.crl"
issue down int 105 "/O=sigbridge test/CN=leaf with a CDP that is down" 0 "http://127.0.0.1:$P4/int.crl"
issue badsig int 106 "/O=sigbridge test/CN=leaf whose CRL is signed by another key" 0 "http://127.0.0.1:$P1/bad.crl"
issue later int 107 "/O=sigbridge test/CN=leaf revoked later" 0 "http://127.0.0.1:$P1/short.crl"
issue ldap int 108 "/O=sigbridge test/CN=leaf with an LDAP CDP" 0 "ldap://127.0.0.1:$P1/cn=int?certificateRevocationList"
issue stale int 109 "/O=sigbridge test/CN=leaf whose CRL is stale" 0 "http://127.0.0.1:$P1/stale.crl"
ossl ca -config "$K/int.cnf" -revoke "$K/revoked.pem" -crl_reason keyCompromise
gencrl int int.crl
gencrl root root.crl
gencrl int stale.crl -crl_lastupdate "$(date -u -d '3 days ago' +%Y%m%d%H%M%SZ)" \
    -crl_nextupdate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
# another key under the intermediate's name signs bad.crl
mkkey evil
ossl req -x509 -new -key "$K/evil.key" -subj "/O=sigbridge test/CN=CRL fetch issuing CA" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$K/evil.pem"
mkdb evil
gencrl evil bad.crl

printf 'CRL fetch test: a document signed by one leaf\n' >"$TMP/doc.txt"
for l in good revoked outside stall down badsig later ldap stale; do
    ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/$l.pem" -inkey "$K/$l.key" \
        -certfile "$K/int.pem" -md sha256 -out "$TMP/$l.p7s"
done

"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P1" "$C" serve >>"$TMP/crl_server.log" 2>&1 &
PIDS="$PIDS $!"
"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P2" "$C" serve >>"$TMP/crl_server.log" 2>&1 &
PIDS="$PIDS $!"
"$PYBIN" -S "$ROOT/tests/integration/crl_server.py" "$P3" "$C" stall >>"$TMP/crl_server.log" 2>&1 &
PIDS="$PIDS $!"
wait_listen "$P1"
wait_listen "$P2"
wait_listen "$P3"
count() { curl -s --max-time 5 "http://127.0.0.1:$1/_count${2:+/$2}"; }

policy() { # policy JURISDICTION MODE
    cat <<EOF
jurisdiction: $1
description: CRL fetching integration test ($2)
trust_anchors:
  - file: $K/root.pem
intermediates: [ $K/int.pem ]
revocation:
  mode: $2
  sources: [embedded, crl, files]
  fetch:
    allow: ["http://127.0.0.1:$P1/", "http://127.0.0.1:$P3/", "http://127.0.0.1:$P4/"]
    timeout_ms: 1000
    max_bytes: 1MiB
EOF
}
policy hk require >"$POL/hk.yaml"
policy mo prefer >"$POL/mo.yaml"

conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
cache: { chains: 100, certificates: 100 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-crlfetch }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

post() { # post NAME LEAF JUR PY_EXPR
    t "$1" 200 "$4" -X POST --data-binary "@$TMP/$2.p7s" -H 'Content-Type: application/cms' \
        "http://127.0.0.1:$API/v1/verify?from=$3"
}
PASSED='d["indication"] == "TOTAL_PASSED" and d["reason"] is None'
REVOKED='d["indication"] == "TOTAL_FAILED" and d["subindication"] == "REVOKED" and d["reason"] == "REVOKED"'
UNAVAIL='d["indication"] == "INDETERMINATE" and d["subindication"] == "TRY_LATER" and d["reason"] == "REVOCATION_UNAVAILABLE"'
hits() { metric "$ADM" '^sigbridge_chain_cache_hits_total'; }
msg() { echo "$UNAVAIL and '$1' in json.dumps(d)"; }

section "1. a good leaf: CRLs fetched once, then cached"
# the evidence: each certificate's CRL from its distribution point ("crl"), its URL and the SHA-256 of its DER
INT_SHA=$(openssl dgst -sha256 -r "$C/int.crl" | cut -d ' ' -f 1)
ROOT_SHA=$(openssl dgst -sha256 -r "$C/root.crl" | cut -d ' ' -f 1)
EVID="[c.get('revocation') for c in d['chain']] == [d['chain'][0]['revocation'], d['chain'][1]['revocation'], None] \
 and d['chain'][0]['revocation']['source'] == 'crl' and d['chain'][0]['revocation']['type'] == 'crl' \
 and d['chain'][0]['revocation']['url'] == 'http://127.0.0.1:$P1/int.crl' \
 and d['chain'][0]['revocation']['sha256'] == '$INT_SHA' and d['chain'][0]['revocation']['this_update'].endswith('Z') \
 and d['chain'][1]['revocation']['url'] == 'http://127.0.0.1:$P1/root.crl' \
 and d['chain'][1]['revocation']['sha256'] == '$ROOT_SHA' and d['signers'][0]['chain'] == d['chain']"
post "good leaf (require): TOTAL_PASSED, evidence: fetched CRLs with URL and SHA-256" good hk "$PASSED and $EVID"
check_sh "int.crl fetched once ($(count "$P1" int.crl))" '[ "$(count "$P1" int.crl)" = 1 ]'
check_sh "root.crl fetched once ($(count "$P1" root.crl))" '[ "$(count "$P1" root.crl)" = 1 ]'
h0=$(hits)
post "good leaf again (require, validated-path cache): TOTAL_PASSED, the same evidence" good hk "$PASSED and $EVID"
h1=$(hits)
check_sh "that answer came from the validated-path cache (hits $h0 -> $h1)" '[ "$((h1 - h0))" -eq 1 ]'
t "good leaf as an ETSI report: the fetched CRL's ValidationObject and URL" 200 \
    "b'urn:etsi:019102:validationObject:CRL' in b and b'http://127.0.0.1:$P1/int.crl' in b and \
     b'urn:sigbridge:revocation-source' in b" \
    -X POST --data-binary "@$TMP/good.p7s" -H 'Content-Type: application/cms' -H 'Accept: application/xml' \
    "http://127.0.0.1:$API/v1/verify?from=hk"
post "good leaf (prefer): TOTAL_PASSED" good mo "$PASSED"
check_sh "no new fetch for the repeats (server count $(count "$P1"))" '[ "$(count "$P1")" = 2 ]'

fetched=$(metric "$ADM" '^sigbridge_crl_fetch_fetched_total')
check_sh "metrics: 2 CRLs fetched ($fetched)" '[ "$fetched" = 2 ]'

section "2. a revoked leaf"
post "revoked leaf (require): TOTAL_FAILED/REVOKED" revoked hk "$REVOKED and 'keyCompromise' in d['message']"
post "revoked leaf (prefer): TOTAL_FAILED/REVOKED" revoked mo "$REVOKED"
check_sh "int.crl came from the decoded cache (count $(count "$P1" int.crl))" '[ "$(count "$P1" int.crl)" = 1 ]'
chits=$(metric "$ADM" '^sigbridge_crl_fetch_cache_hits_total')
check_sh "metrics: decoded-cache hits counted ($chits >= 2)" '[ "${chits:-0}" -ge 2 ]'
# translation validates through the same hook (without it, require would say REVOCATION_UNAVAILABLE)
t "revoked leaf through /v1/translate (hk -> mo): TOTAL_FAILED/REVOKED, nothing attested" 200 \
    "$REVOKED and not d.get('attestation')" \
    -X POST --data-binary "@$TMP/revoked.p7s" -H 'Content-Type: application/cms' \
    "http://127.0.0.1:$API/v1/translate?from=hk&to=mo"

section "3. a CDP outside the allow-list is never contacted"
post "outside (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" outside hk "$(msg 'not fetched')"
post "outside (prefer): TOTAL_PASSED without status, the note says why" outside mo \
    "$PASSED and 'revocation' not in d['chain'][0] and \
     d['chain'][0]['revocation_note'].startswith('passed without status') and \
     'not fetched' in d['chain'][0]['revocation_note'] and d['chain'][1]['revocation']['source'] == 'crl'"
check_sh "the server outside the allow-list saw no request ($(count "$P2"))" '[ "$(count "$P2")" = 0 ]'

section "4. a CRL server that is down"
post "down (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" down hk "$(msg "127.0.0.1:$P4")"
post "down (prefer): TOTAL_PASSED without status" down mo "$PASSED"

section "5. a CRL server that stalls: answered within timeout_ms + 1 s"
s0=$(date +%s%N)
post "stall (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" stall hk "$(msg 'within the deadline of 1000 ms') or $(msg 'no result within 1000 ms')"
s1=$(date +%s%N)
check_sh "require answered in $(((s1 - s0) / 1000000)) ms (<= 2000)" '[ $(((s1 - s0) / 1000000)) -le 2000 ]'
s0=$(date +%s%N)
post "stall (prefer): TOTAL_PASSED without status" stall mo "$PASSED"
s1=$(date +%s%N)
check_sh "prefer answered in $(((s1 - s0) / 1000000)) ms (<= 2000)" '[ $(((s1 - s0) / 1000000)) -le 2000 ]'
check_sh "the stalling server was asked ($(count "$P3"))" '[ "$(count "$P3")" -ge 1 ]'

section "6. a CRL signed by another key is unusable"
post "bad signature (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" badsig hk "$(msg 'unusable')"
post "bad signature (prefer): TOTAL_PASSED" badsig mo "$PASSED"

section "6b. an LDAP distribution point is refused; a stale CRL is unavailable (and not cached)"
post "ldap CDP (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" ldap hk "$(msg 'ldap')"
post "ldap CDP (prefer): TOTAL_PASSED" ldap mo "$PASSED"
post "stale CRL (require): INDETERMINATE/TRY_LATER/REVOCATION_UNAVAILABLE" stale hk "$(msg 'expired')"
post "stale CRL (prefer): TOTAL_PASSED" stale mo "$PASSED"
check_sh "the stale CRL was not cached (fetched $(count "$P1" stale.crl) times)" '[ "$(count "$P1" stale.crl)" = 2 ]'

section "7. a cached path does not outlive the fetched CRL it was validated with"
# short.crl: good for 6 s; the leaf "later" is revoked in the next one
gencrl int short.crl -crlsec 6
SHORT_NEXT=$(($(date +%s) + 6))
post "later leaf while short.crl says good: TOTAL_PASSED" later hk "$PASSED"
ossl ca -config "$K/int.cnf" -revoke "$K/later.pem" -crl_reason superseded
gencrl int short.crl.next -crlsec 3600
mv "$C/short.crl.next" "$C/short.crl"
h0=$(hits)
post "later leaf again before nextUpdate (cached): TOTAL_PASSED" later hk "$PASSED"
h1=$(hits)
check_sh "that answer came from the validated-path cache (hits $h0 -> $h1)" '[ "$((h1 - h0))" -eq 1 ]'
check_sh "short.crl fetched once so far ($(count "$P1" short.crl))" '[ "$(count "$P1" short.crl)" = 1 ]'
while [ "$(date +%s)" -le "$((SHORT_NEXT + 1))" ]; do sleep 0.2; done
post "later leaf after nextUpdate: TOTAL_FAILED/REVOKED by the new CRL" later hk "$REVOKED and 'superseded' in d['message']"
h2=$(hits)
check_sh "the path cached with the old CRL was not served after its nextUpdate (hits $h1 -> $h2)" '[ "$h2" = "$h1" ]'
check_sh "short.crl fetched again ($(count "$P1" short.crl))" '[ "$(count "$P1" short.crl)" = 2 ]'

stop_daemon
check_sh "daemon stopped cleanly (rc $rc)" '[ "$rc" = 0 ]'

section "8. the audit records carry the evidence, and the chain still verifies"
# the first decision (good leaf, require): both fetched CRLs, compactly; its hash recomputed here over the
# canonical form (sorted keys, compact, ASCII) as an independent check of the new member
check_sh "audit: the good leaf's record names both CRLs (crl,crl,SHA-256,thisUpdate,URL)" \
    "py - '$TMP/audit.jsonl' '$INT_SHA' '$ROOT_SHA' '$P1' <<'PY'
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dec = [r for r in recs if r.get('object_sha256') and r.get('indication') == 'TOTAL_PASSED']
r = dec[0]
parts = r['revocation'].split(';')
ok = len(parts) == 2 and parts[0].startswith('crl,crl,' + sys.argv[2] + ',') and \
    parts[0].endswith(',http://127.0.0.1:%s/int.crl' % sys.argv[4]) and parts[1].startswith('crl,crl,' + sys.argv[3] + ',')
body = {k: v for k, v in r.items() if k != 'hash'}
canon = json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=True)
ok = ok and hashlib.sha256(canon.encode()).hexdigest() == r['hash']
sys.exit(0 if ok else 1)
PY"
check_sh "audit: a record without status under prefer says none for that certificate" \
    "grep -q '\"revocation\":\"none;crl,crl,' '$TMP/audit.jsonl'"
check_sh "audit: the translation's record carries the evidence too (the CRL that revoked the leaf)" \
    "py - '$TMP/audit.jsonl' '$INT_SHA' <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tr = [r for r in recs if 'translate' in (r.get('route') or '')]
sys.exit(0 if tr and all(r.get('revocation', '').startswith('crl,crl,' + sys.argv[2] + ',') for r in tr) else 1)
PY"
check_sh "sigbridge audit verify accepts the log with revocation members" \
    "\"$SB_BIN\" audit verify '$TMP/audit.jsonl' >'$TMP/averify.out' 2>&1"
gw_finish

#!/bin/sh
# tests/integration/test_cli_fetch.sh — `sigbridge chain` / `sigbridge verify` with --fetch and --fetch-allow
# (gateway/cli/cli_fetch.c, DESIGN §7): offline by default; with --fetch the OCSP responders of the certificate's
# authorityInfoAccess are asked, only inside the allow-list (--fetch-allow without a policy, the policy's
# revocation.fetch.allow with one).
#
# Its own PKI made by the openssl CLI (RSA-2048 root -> intermediate -> leaves with an AIA OCSP URL on a loopback
# port), a root CRL for the intermediate, and the real `openssl ocsp` responder signed by the intermediate:
#   1. offline (no --fetch) under require: INDETERMINATE/TRY_LATER, exit 3;
#   2. --fetch --fetch-allow the responder: TOTAL_PASSED, the leaf's evidence source "ocsp" with the URL and
#      the SHA-256 of the response; the revoked leaf: TOTAL_FAILED/REVOKED with the reason, exit 1;
#   3. an allow-list that does not cover the responder: exit 3 naming the allow-list, and the responder's log
#      shows no request; --fetch without an allow-list and --fetch-allow without --fetch: exit 2;
#   4. verify --policy-dir with `ocsp` in revocation.sources and --fetch: the policy's allow-list; without
#      --fetch the policy's network sources are not used (exit 3);
#   5. SM2: an SM2 leaf under the cn test intermediate, OpenSSL's responder signing its SM2 responses with the
#      GM/T distinguishing ID (-rsigopt distid:1234567812345678): passes; with another ID: TRY_LATER naming it.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

K=$TMP/pki
mkdir -p "$K"
P1=$(free_port)
section "0. a PKI with an OCSP responder on 127.0.0.1:$P1"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/$1.key"; }
mkkey root
ossl req -x509 -new -key "$K/root.key" -subj "/O=sigbridge test/CN=cli fetch root" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$K/root.pem"
issue() { # issue NAME ISSUER SERIAL EXTENSIONS
    mkkey "$1"
    printf '%s\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' "$4" >"$K/$1.ext"
    ossl req -new -key "$K/$1.key" -subj "/O=sigbridge test/CN=cli fetch $1" -out "$K/$1.csr"
    ossl x509 -req -in "$K/$1.csr" -CA "$K/$2.pem" -CAkey "$K/$2.key" -set_serial "$3" -days 365 -sha256 \
        -extfile "$K/$1.ext" -out "$K/$1.pem"
}
issue int root 2 "basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = 2.5.29.32.0"
LEAF_EXT="basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
certificatePolicies = 2.16.344.8.2.2008.810.2.2012.1.0
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$P1/"
issue good int 4097 "$LEAF_EXT"
issue revoked int 4098 "$LEAF_EXT"
mkdir -p "$K/rootdb"
: >"$K/rootdb/index.txt"
echo 1000 >"$K/rootdb/crlnumber"
printf '[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = %s\ncrlnumber = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\ndefault_crl_days = 30\ncrl_extensions = crl_ext\n[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n' \
    "$K/rootdb/index.txt" "$K/rootdb/crlnumber" "$K/root.pem" "$K/root.key" >"$K/root.cnf"
ossl ca -config "$K/root.cnf" -gencrl -out "$K/root.crl"
printf 'V\t301231235959Z\t\t1001\tunknown\t/O=sigbridge test/CN=cli fetch good\n' >"$K/index.txt"
printf 'R\t301231235959Z\t250101000000Z,keyCompromise\t1002\tunknown\t/O=sigbridge test/CN=cli fetch revoked\n' \
    >>"$K/index.txt"
# OpenSSL 3.0's responder runs in a child it names in its log (ACCEPT ... PID=N), and a connection closed
# without a request wedges it: wait for its log line instead of probing the port
openssl ocsp -index "$K/index.txt" -CA "$K/int.pem" -rsigner "$K/int.pem" -rkey "$K/int.key" -port "$P1" \
    -nmin 10 -resp_text >>"$TMP/ocsp.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q 'waiting for OCSP client connections' "$TMP/ocsp.log" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
OCSP_PID=$(sed -n 's/^ACCEPT .* PID=\([0-9]*\).*/\1/p' "$TMP/ocsp.log" | head -1)
[ -n "$OCSP_PID" ] && PIDS="$PIDS $OCSP_PID"
answered() { grep -c 'OCSP Response Data:' "$TMP/ocsp.log"; }
CH="--revocation require --anchor $K/root.pem --untrusted $K/int.pem --crl $K/root.crl"
jq_() { py -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

section "1. offline by default"
# shellcheck disable=SC2086
"$SB_BIN" chain $CH --json "$K/good.pem" >"$TMP/o1.json" 2>"$TMP/o1.err"; rc=$?
check_sh "no --fetch: exit 3" '[ $rc -eq 3 ]'
check_sh "no --fetch: TRY_LATER / REVOCATION_UNAVAILABLE" \
    '[ "$(jq_ "$TMP/o1.json" "d[\"subindication\"], d[\"reason\"]")" = "TRY_LATER REVOCATION_UNAVAILABLE" ]'
check_sh "no --fetch: the responder was not asked" '[ "$(answered)" = 0 ]'

section "2. --fetch --fetch-allow"
# shellcheck disable=SC2086
"$SB_BIN" chain $CH --fetch --fetch-allow "http://127.0.0.1:$P1/" --json "$K/good.pem" >"$TMP/o2.json" \
    2>"$TMP/o2.err"; rc=$?
check_sh "good leaf: exit 0" '[ $rc -eq 0 ]'
check_sh "good leaf: TOTAL_PASSED" '[ "$(jq_ "$TMP/o2.json" "d[\"indication\"]")" = TOTAL_PASSED ]'
check_sh "good leaf: evidence source ocsp, the responder's URL" \
    '[ "$(jq_ "$TMP/o2.json" "d[\"chain\"][0][\"revocation\"][\"source\"], d[\"chain\"][0][\"revocation\"][\"url\"]")" = "ocsp http://127.0.0.1:$P1/" ]'
check_sh "good leaf: the intermediate's evidence is the root CRL file" \
    '[ "$(jq_ "$TMP/o2.json" "d[\"chain\"][1][\"revocation\"][\"source\"]")" = file ]'
check_sh "the responder answered once" '[ "$(answered)" = 1 ]'
# shellcheck disable=SC2086
"$SB_BIN" chain $CH --fetch --fetch-allow "http://127.0.0.1:$P1/" --json "$K/revoked.pem" >"$TMP/o3.json" \
    2>"$TMP/o3.err"; rc=$?
check_sh "revoked leaf: exit 1" '[ $rc -eq 1 ]'
check_sh "revoked leaf: TOTAL_FAILED / REVOKED" \
    '[ "$(jq_ "$TMP/o3.json" "d[\"indication\"], d[\"reason\"]")" = "TOTAL_FAILED REVOKED" ]'
check_sh "revoked leaf: the message says OCSP and keyCompromise" \
    'jq_ "$TMP/o3.json" "d[\"message\"]" | grep -q "according to OCSP.*reason 1\|according to OCSP.*keyCompromise"'

section "3. the allow-list"
n0=$(answered)
# shellcheck disable=SC2086
"$SB_BIN" chain $CH --fetch --fetch-allow "http://127.0.0.1:$P1/other/" --json "$K/good.pem" >"$TMP/o4.json" \
    2>"$TMP/o4.err"; rc=$?
check_sh "responder outside the allow-list: exit 3" '[ $rc -eq 3 ]'
check_sh "responder outside the allow-list: the message says so" \
    'jq_ "$TMP/o4.json" "d[\"message\"]" | grep -q "outside the fetch allow-list"'
check_sh "responder outside the allow-list: never asked" '[ "$(answered)" = "$n0" ]'
"$SB_BIN" chain --fetch "$K/good.pem" >"$TMP/o5.out" 2>"$TMP/o5.err"; rc=$?
check_sh "--fetch without an allow-list: exit 2 with a reason" \
    '[ $rc -eq 2 ] && grep -q "needs --fetch-allow PREFIX" "$TMP/o5.err"'
"$SB_BIN" chain --fetch-allow "http://127.0.0.1:$P1/" "$K/good.pem" >"$TMP/o6.out" 2>"$TMP/o6.err"; rc=$?
check_sh "--fetch-allow without --fetch: exit 2" '[ $rc -eq 2 ] && grep -q "without --fetch" "$TMP/o6.err"'
"$SB_BIN" chain --fetch --fetch-allow "ldap://127.0.0.1/" "$K/good.pem" >"$TMP/o7.out" 2>"$TMP/o7.err"; rc=$?
check_sh "--fetch-allow ldap://: exit 2" '[ $rc -eq 2 ] && grep -q "fetch-allow" "$TMP/o7.err"'

section "4. verify under a policy with ocsp in revocation.sources"
gw_policies
# hk trusts this PKI; its revocation section asks OCSP inside the responder's prefix
py - "$TMP/policies/hk.yaml" "$K" "$P1" <<'PY'
import re, sys
path, k, port = sys.argv[1], sys.argv[2], sys.argv[3]
t = open(path).read()
t = re.sub(r"(?m)^trust_anchors:\n(?:  .*\n)+", "trust_anchors:\n  - file: %s/root.pem\n" % k, t)
t = re.sub(r"(?m)^intermediates:\n(?:  .*\n)+", "intermediates:\n  - %s/int.pem\n" % k, t)
t = re.sub(r"(?ms)^revocation:\n(?:(?:  .*|\s*#.*)?\n)*", "revocation:\n  mode: require\n  sources: [embedded, ocsp, files]\n"
           "  crl: [%s/root.crl]\n  fetch: { allow: [\"http://127.0.0.1:%s/\"], timeout_ms: 2000 }\n\n" % (k, port), t)
open(path, "w").write(t)
PY
printf 'cross-border contract\n' >"$TMP/doc.txt"
ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/good.pem" -inkey "$K/good.key" \
    -certfile "$K/int.pem" -md sha256 -out "$TMP/good.p7s"
"$SB_BIN" verify --policy-dir "$TMP/policies" --from hk --json "$TMP/good.p7s" >"$TMP/v1.json" 2>"$TMP/v1.err"; rc=$?
check_sh "policy with ocsp, no --fetch: exit 3 (the command line stays offline)" '[ $rc -eq 3 ]'
"$SB_BIN" verify --policy-dir "$TMP/policies" --from hk --fetch --json "$TMP/good.p7s" >"$TMP/v2.json" \
    2>"$TMP/v2.err"; rc=$?
check_sh "policy with ocsp, --fetch: exit 0" '[ $rc -eq 0 ]'
check_sh "policy with ocsp, --fetch: evidence source ocsp" \
    '[ "$(jq_ "$TMP/v2.json" "d[\"chain\"][0][\"revocation\"][\"source\"]")" = ocsp ]'

section "5. SM2: a real responder signing with the GM/T distinguishing ID, then with another one"
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
CN=$SB_PKI/cn
ossl genpkey -algorithm SM2 -out "$K/sm2leaf.key"
ossl req -new -key "$K/sm2leaf.key" -subj "/C=CN/O=SM2 Test CA (test)/CN=LI Si (fetch)" -out "$K/sm2leaf.csr" \
    -sigopt distid:1234567812345678
printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\nauthorityInfoAccess = OCSP;URI:http://127.0.0.1:%s/\n' \
    "$P2" >"$K/sm2leaf.ext"
ossl x509 -req -in "$K/sm2leaf.csr" -CA "$CN/int.pem" -CAkey "$CN/int.key" -set_serial 77777 -days 30 -sm3 \
    -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678 -extfile "$K/sm2leaf.ext" -out "$K/sm2leaf.pem"
printf 'V\t301231235959Z\t\t012FD1\tunknown\t/CN=LI Si (fetch)\n' >"$K/sm2index.txt"
sm2_responder() { # sm2_responder DISTID LOG — OpenSSL's responder for the cn intermediate, signing with DISTID
    openssl ocsp -index "$K/sm2index.txt" -CA "$CN/int.pem" -rsigner "$CN/int.pem" -rkey "$CN/int.key" -port "$P2" \
        -nmin 10 -rsigopt "distid:$1" >>"$TMP/$2" 2>&1 &
    SM2_PIDS="$!"
    i=0
    while ! grep -q 'waiting for OCSP client connections' "$TMP/$2" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    SM2_PIDS="$SM2_PIDS $(sed -n 's/^ACCEPT .* PID=\([0-9]*\).*/\1/p' "$TMP/$2" | head -1)"
    PIDS="$PIDS $SM2_PIDS"
}
sm2_stop() { for p in $SM2_PIDS; do kill "$p" 2>/dev/null; done; for p in $SM2_PIDS; do wait "$p" 2>/dev/null; done; }
SM2="--revocation require --anchor $CN/root.pem --untrusted $CN/int.pem --crl $CN/root.crl --fetch"
sm2_responder 1234567812345678 sm2ocsp1.log
# shellcheck disable=SC2086
"$SB_BIN" chain $SM2 --fetch-allow "http://127.0.0.1:$P2/" --json "$K/sm2leaf.pem" >"$TMP/s1.json" 2>"$TMP/s1.err"; rc=$?
check_sh "SM2 response signed with the GM/T ID: exit 0, evidence ocsp" \
    '[ $rc -eq 0 ] && [ "$(jq_ "$TMP/s1.json" "d[\"chain\"][0][\"revocation\"][\"source\"]")" = ocsp ]'
sm2_stop
sm2_responder wrong-id@example.cn sm2ocsp2.log
# shellcheck disable=SC2086
"$SB_BIN" chain $SM2 --fetch-allow "http://127.0.0.1:$P2/" --json "$K/sm2leaf.pem" >"$TMP/s2.json" 2>"$TMP/s2.err"; rc=$?
check_sh "SM2 response signed with another ID: exit 3 TRY_LATER" \
    '[ $rc -eq 3 ] && [ "$(jq_ "$TMP/s2.json" "d[\"subindication\"]")" = TRY_LATER ]'
check_sh "SM2 response signed with another ID: the message names the distinguishing ID" \
    'jq_ "$TMP/s2.json" "d[\"message\"]" | grep -q "SM2 signature does not verify with distinguishing ID .1234567812345678."'
sm2_stop

gw_finish

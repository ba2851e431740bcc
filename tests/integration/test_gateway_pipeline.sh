#!/bin/sh
# tests/integration/test_gateway_pipeline.sh — one validation pipeline (pki/verdict/validate.h) behind every
# entry: the real `sigbridge serve` over real sockets, and `sigbridge verify --policy-dir`.
#   1. XML-DSig documents signed by xmlsec1 through POST /v1/verify (Content-Type application/xml, or
#      application/octet-stream and sniffed), each with its exact indication, subindication and reason;
#      the ETSI report of one;
#   2. iAM Smart signing results (raw RSA signature + certificate, made with openssl; and the PKCS#7 form)
#      and a GM/T 0009 raw SM2 signature (openssl pkeyutl) through POST /v1/verify, verdict and reason;
#   3. bad envelopes on POST /v1/verify answer 400 with the adapter's specific ENVELOPE_* code, no audit
#      record; the gateway's own envelope keeps BAD_REQUEST;
#   4. translation is served from the daemon's caches: the validated-path cache hit counter of /metrics
#      grows on a repeated POST /v1/translate (CMS, XML-DSig, iAM Smart envelope);
#   5. time.validate_at: signing_time is honoured by `verify --policy-dir` and by the daemon: an iAM Smart
#      result by a signer whose certificate has expired since, claiming a signing time inside its validity,
#      is CERT_EXPIRED under the shipped policy (validate_at: now) and TOTAL_PASSED, validated at the claimed
#      time, under a copy with validate_at: signing_time; a claim from the future is SIG_CONSTRAINTS.
# Env: SB_BIN, SB_PKI. Needs curl, openssl, python3, xmlsec1. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

command -v xmlsec1 >/dev/null 2>&1 || { echo "test_gateway_pipeline: xmlsec1 is required"; exit 2; }
gw_policies
gw_objects
P=$SB_PKI
W=$TMP/work
mkdir -p "$W"
cd "$W" || exit 2
# the same policies with time.validate_at: signing_time
POLST=$TMP/policies-signing-time
mkdir -p "$POLST"
cp "$POL"/*.yaml "$POLST/"
sed -i 's/validate_at: now/validate_at: signing_time/' "$POLST/hk.yaml"
printf 'xml:\n  require_full_coverage: true\n' >>"$POLST/mo.yaml"     # and mo wants XML signed whole
grep -q 'validate_at: signing_time' "$POLST/hk.yaml" || { echo "FAIL no validate_at in hk.yaml"; exit 1; }

conf_with() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $1
workers: 2
queue_max: 64
cache: { chains: 100, certificates: 100 }
limits: { max_body: 262144, request_timeout_ms: 10000, idle_timeout_s: 10, drain_timeout_s: 10 }
audit: { path: $TMP/audit-$2.jsonl, fsync: batch, node_id: it-pipeline }
routes:
  - { name: xmlfwd, prefix: /fwd/, upstream: "http://127.0.0.1:$DEAD", from: mo, timeout_ms: 2000 }
EOF
}
DEAD=$(free_port)    # the proxy route's upstream: nothing listens there (a forwarded request answers 502)
conf_now() { conf_with "$POL" now; }
conf_st() { conf_with "$POLST" st; }

# ---- inputs, made by independent tools -------------------------------------------------------------
printf 'Cross-border e-contract for the validation pipeline test\n' >doc.txt
printf 'Another document\n' >doc2.txt
DSIG=http://www.w3.org/2000/09/xmldsig#
EXC=http://www.w3.org/2001/10/xml-exc-c14n#
cat >tmpl.xml <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Contract xmlns="urn:example:mo"><Party>Macao SME Ltd</Party><Amount currency="MOP">12000</Amount>
  <Signature xmlns="$DSIG">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="$EXC"/>
      <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <Reference URI="">
        <Transforms><Transform Algorithm="${DSIG}enveloped-signature"/><Transform Algorithm="$EXC"/></Transforms>
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo><X509Data/></KeyInfo>
  </Signature>
</Contract>
EOF
xsign() { # xsign LEAF OUT — xmlsec1 signs the template with mo/LEAF (certificate and intermediate in KeyInfo)
    xmlsec1 --sign --privkey-pem "$P/mo/$1.key,$P/mo/$1.pem,$P/mo/int.pem" --output "$2" tmpl.xml >xs.log 2>&1 ||
        { echo "FAIL xmlsec1 --sign $1: $(head -c 300 xs.log)"; exit 1; }
}
xsign leaf-rsa xs-good.xml
# the same contract signed by a same-document "#amt" reference over the Amount alone: Party is unsigned
sed -e 's|<Amount currency|<Amount Id="amt" currency|' -e 's|<Reference URI="">|<Reference URI="#amt">|' tmpl.xml \
    >tmpl-part.xml
xmlsec1 --sign --id-attr:Id urn:example:mo:Amount --privkey-pem "$P/mo/leaf-rsa.key,$P/mo/leaf-rsa.pem,$P/mo/int.pem" \
    --output xs-part.xml tmpl-part.xml >xs.log 2>&1 || { echo "FAIL xmlsec1 --sign tmpl-part.xml: $(head -c 300 xs.log)"; exit 1; }
grep -q 'URI="#amt"' xs-part.xml || { echo "FAIL xs-part.xml is not signed over #amt"; exit 1; }
xsign leaf-revoked xs-revoked.xml
sed 's/12000/92000/' xs-good.xml >xs-tampered.xml
xmlsec1 --verify --trusted-pem "$P/mo/root.pem" --untrusted-pem "$P/mo/int.pem" xs-good.xml >/dev/null 2>&1 &&
    ok "xmlsec1 itself verifies its document" || bad "xmlsec1 itself verifies its document"

# iam OUT LEAF [extra JSON members]: an iAM Smart raw signing result over doc.txt by hk/LEAF (openssl).
iam() {
    h=$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)
    s=$(openssl dgst -sha256 -binary doc.txt | openssl pkeyutl -sign -inkey "$P/hk/$2.key" -pkeyopt digest:sha256 |
        openssl base64 -A)
    c=$(openssl base64 -A -in "$P/hk/$2.der")
    printf '{"hash":"%s","hash_alg":"SHA-256","signature":"%s","certificate":"%s"%s}' "$h" "$s" "$c" "${3:-}" >"$1"
}
iam iam.json leaf
iam iam-revoked.json leaf-revoked
iam iam-wrongpolicy.json leaf-wrongpolicy
iam iam-docmismatch.json leaf ",\"document\":\"$(openssl base64 -A -in doc2.txt)\""
iam iam-expired-claim.json leaf-expired ',"signing_time":"2022-06-01T00:00:00Z"'
iam iam-future-claim.json leaf ',"signing_time":"2035-01-01T00:00:00Z"'
# the PKCS#7 form: a detached SignedData over doc.txt (openssl cms) with the document's hash
openssl cms -sign -binary -outform DER -in doc.txt -signer "$P/hk/leaf.pem" -inkey "$P/hk/leaf.key" \
    -certfile "$P/hk/int.pem" -md sha256 -out iam-p7.der 2>/dev/null
printf '{"hash":"%s","pkcs7":"%s","document":"%s"}' "$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)" \
    "$(openssl base64 -A -in iam-p7.der)" "$(openssl base64 -A -in doc.txt)" >iam-p7.json
# a GM/T 0009 raw SM2 signature (GM/T default ID) with its certificate and message
openssl pkeyutl -sign -inkey "$P/cn/leaf.key" -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in doc.txt \
    -out cn.sig 2>/dev/null
printf '{"signature":"%s","certificate":"%s","data":"%s"}' "$(openssl base64 -A -in cn.sig)" \
    "$(openssl base64 -A -in "$P/cn/leaf.der")" "$(openssl base64 -A -in doc.txt)" >cn-raw.json
for f in xs-good.xml xs-revoked.xml iam.json iam-p7.json cn-raw.json; do
    [ -s "$f" ] || { echo "FAIL input $f not made"; exit 1; }
done

start_daemon d1 conf_now || { bad "daemon did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API
V=$A/v1/verify
DECISIONS=0

# v NAME FROM FILE CONTENT-TYPE INDICATION SUBINDICATION REASON [PY_EXTRA] — one verdict (HTTP 200) with its
# exact indication / subindication / reason ("-" = null); counts the decision.
v() {
    name=$1 from=$2 file=$3 ct=$4 ind=$5 sub=$6 why=$7 extra=${8:-True}
    DECISIONS=$((DECISIONS + 1))
    t "$from: $name: $ind/$sub/$why" 200 "d['indication']=='$ind' and d['subindication']==(None if '$sub'=='-' else '$sub') and d['reason']==(None if '$why'=='-' else '$why') and d['valid']==('$ind'=='TOTAL_PASSED') and d['jurisdiction']=='$from' and d['message'] and ($extra)" \
        -H "Content-Type: $ct" --data-binary "@$file" "$V?from=$from"
}

section "1. XML-DSig (xmlsec1) through POST /v1/verify"
v "xmlsec1 document" mo xs-good.xml application/xml TOTAL_PASSED - - \
    "len(d['chain'])==3 and d['signers'][0]['signed_references'][0]['element']=='/Contract' and d['signed_references']"
v "xmlsec1 document, octet-stream sniffed" mo xs-good.xml application/octet-stream TOTAL_PASSED - -
v "xmlsec1 document by a revoked signer" mo xs-revoked.xml text/xml TOTAL_FAILED REVOKED REVOKED
v "xmlsec1 document changed after signing" mo xs-tampered.xml application/xml TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
v "xmlsec1 document signed over one element (#amt)" mo xs-part.xml application/xml TOTAL_PASSED - - \
    "d['unsigned_content']==['/Contract/Party'] and [r['element'] for r in d['signed_references']]==['/Contract/Amount']"
v "Macao XML claimed as hk" hk xs-good.xml application/xml INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR
DECISIONS=$((DECISIONS + 1))
t "mo: xmlsec1 document as an ETSI TS 119 102-2 report" 200 "h['content-type'].startswith('application/xml') and b'urn:etsi:019102:mainindication:total-passed' in b" \
    -H "Content-Type: application/xml" -H "Accept: application/xml" --data-binary "@xs-good.xml" "$V?from=mo"

section "2. adapters' envelopes through POST /v1/verify"
J=application/json
v "iAM Smart signing result" hk iam.json $J TOTAL_PASSED - - "'CHAN Tai Man' in d['signers'][0]['subject'] and len(d['chain'])==3"
v "iAM Smart result by a revoked signer" hk iam-revoked.json $J TOTAL_FAILED REVOKED REVOKED
v "iAM Smart result without the recognised policy OID" hk iam-wrongpolicy.json $J INDETERMINATE CHAIN_CONSTRAINTS_FAILURE POLICY
v "iAM Smart result whose document is not the hashed one" hk iam-docmismatch.json $J TOTAL_FAILED HASH_FAILURE HASH_MISMATCH
v "iAM Smart PKCS#7 form (openssl cms)" hk iam-p7.json $J TOTAL_PASSED - -
v "GM/T 0009 raw SM2 signature (openssl pkeyutl)" cn cn-raw.json $J TOTAL_PASSED - - "'ZHANG San' in d['signers'][0]['subject']"
py -c 'import json,sys; d=json.load(open(sys.argv[1])); d["data"]="b3RoZXI="; json.dump(d, open(sys.argv[2], "w"))' \
    cn-raw.json cn-raw-other.json
v "GM/T 0009 signature over other data" cn cn-raw-other.json $J TOTAL_FAILED SIG_CRYPTO_FAILURE SIG_CRYPTO
printf '{"signature":"%s","content":"%s"}' "$(openssl base64 -A -in iam-p7.der)" "$(openssl base64 -A -in doc.txt)" \
    >gw-env.json
v "the gateway's own envelope still answers for hk" hk gw-env.json $J TOTAL_PASSED - -

section "3. bad envelopes on POST /v1/verify: the adapters' codes"
edit() { # edit IN OUT PYTHON — OUT is IN's JSON object after PYTHON on it (as d)
    py -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2], "w"))' \
        "$1" "$2" "$3"
}
# e NAME FROM FILE CODE NEEDLE — 400, exactly {"error"} with CODE and a message containing NEEDLE
e() {
    t "$2: $1: 400 $4" 400 "d['error']['code']=='$4' and d['error']['status']==400 and \"$5\" in d['error']['message'] and set(d)=={'error'}" \
        -H "Content-Type: application/json" --data-binary "@$3" "$V?from=$2"
}
edit iam.json b-b64.json 'd["hash"]="@@@@"'
e "hash not base64" hk b-b64.json ENVELOPE_BAD_BASE64 "'hash': not base64"
edit iam.json b-missing.json 'del d["certificate"]'
e "certificate missing" hk b-missing.json ENVELOPE_MISSING_FIELD "missing 'certificate'"
edit iam.json b-hashlen.json 'd["hash"]=d["hash"][:-4]'
e "hash too short" hk b-hashlen.json ENVELOPE_BAD_HASH_LENGTH "a SHA-256 hash is 32 bytes"
edit iam.json b-hashalg.json 'd["hash_alg"]="MD5"'
e "hash_alg MD5" hk b-hashalg.json ENVELOPE_UNKNOWN_HASH_ALG "'hash_alg' 'MD5'"
edit iam.json b-certsig.json 'd["signature"]=d["certificate"]'
e "a certificate as the signature" hk b-certsig.json ENVELOPE_NOT_A_SIGNATURE "'signature' holds a certificate"
edit iam.json b-sigsize.json 'd["signature"]="c2hvcnQ="'
e "signature of the wrong size" hk b-sigsize.json ENVELOPE_BAD_SIGNATURE "is 256 bytes"
edit iam.json b-cert.json 'd["certificate"]="QUJDRA=="'
e "certificate unreadable" hk b-cert.json ENVELOPE_BAD_CERTIFICATE "'certificate'"
edit iam.json b-type.json 'd["hash"]=[1]'
e "hash of the wrong type" hk b-type.json ENVELOPE_BAD_TYPE "'hash' must be a base64 string"
edit iam.json b-both.json 'd["pkcs7"]="MIIB"'
e "pkcs7 and signature" hk b-both.json ENVELOPE_CONFLICTING_FIELDS "not both"
edit iam-p7.json b-p7.json 'd["pkcs7"]="bm90IGEgU2lnbmVkRGF0YQ=="'
e "pkcs7 not a SignedData" hk b-p7.json ENVELOPE_BAD_PKCS7 "'pkcs7' does not hold"
edit iam.json b-time.json 'd["signing_time"]="yesterday"'
e "signing_time not RFC 3339" hk b-time.json ENVELOPE_BAD_VALUE "'signing_time' is not an RFC 3339 time"
edit cn-raw.json b-cn-rsa.json "d['certificate']='$(openssl base64 -A -in "$P/hk/leaf.der")'"
e "SM2 envelope with an RSA certificate" cn b-cn-rsa.json ENVELOPE_BAD_CERTIFICATE "needs an SM2 key"
edit cn-raw.json b-cn-form.json 'd["signature_format"]="hex"'
e "SM2 envelope with an unknown signature_format" cn b-cn-form.json ENVELOPE_BAD_VALUE "'signature_format' 'hex'"
e "an iAM Smart result sent as cn's (read by cn's adapter)" cn iam.json ENVELOPE_BAD_SIGNATURE "neither a DER SM2 signature"
printf '{"signature":"%s","contents":"eA=="}' "$(openssl base64 -A -in iam-p7.der)" >b-gw.json
e "the gateway's envelope with an unknown member" hk b-gw.json BAD_REQUEST "unknown member 'contents'"
# the adapters ignore unknown members (README): one before the adapter's own members is no gateway envelope
edit iam.json iam-extra.json 'd = {"vendor_note": [{"x": [1, 2]}], **d}'
v "iAM Smart result led by an unknown member (ignored)" hk iam-extra.json $J TOTAL_PASSED - - \
    "list(json.load(open('iam-extra.json')))[0]=='vendor_note'"
check_sh "one audit record per decision, none for the refused envelopes ($DECISIONS)" \
    "[ \"\$(wc -l <'$TMP/audit-now.jsonl')\" -eq $DECISIONS ]"

section "4. translation served from the daemon's caches"
hits() { metric "$ADM" '^sigbridge_chain_cache_hits_total'; }
# tr NAME FILE FROM TO CONTENT-TYPE — the same translation twice; the second must hit the path cache
tr() {
    t "$1: first translation $3 -> $4: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED'" \
        -H "Content-Type: $5" --data-binary "@$2" "$A/v1/translate?from=$3&to=$4"
    h0=$(hits)
    t "$1: repeated translation $3 -> $4: TOTAL_PASSED" 200 "d['indication']=='TOTAL_PASSED' and d['recognition']['accepted']" \
        -H "Content-Type: $5" --data-binary "@$2" "$A/v1/translate?from=$3&to=$4"
    h1=$(hits)
    check_sh "$1: the repeated translation was served from the validated-path cache (hits $h0 -> $h1)" \
        "[ \"\$((${h1:-0} - ${h0:-0}))\" -ge 1 ]"
}
tr "CMS (openssl cms)" "$O/hk.p7s" hk cn application/cms
tr "iAM Smart envelope" iam.json hk mo application/json
# the cache is shared with /v1/verify: a signer validated there is a hit for translation
h0=$(hits)
t "XML-DSig verified once more under mo" 200 "d['indication']=='TOTAL_PASSED'" \
    -H "Content-Type: application/xml" --data-binary "@xs-good.xml" "$V?from=mo"
h1=$(hits)
check_sh "an XML-DSig signer verified before is served from the cache (hits $h0 -> $h1)" \
    "[ \"\$((${h1:-0} - ${h0:-0}))\" -ge 1 ]"
stop_daemon
check "daemon 1: clean exit (rc $rc)" [ "$rc" = 0 ]

section "5. time.validate_at: signing_time"
# vp NAME DIR FROM FILE EXIT PY_EXPR — sigbridge verify --policy-dir DIR --from FROM --json FILE
vp() {
    "$SB_BIN" verify --policy-dir "$2" --from "$3" --json "$4" >vp.json 2>vp.err
    got=$?
    if [ "$got" != "$5" ]; then
        bad "$1" "exit $got (want $5): $(head -c 300 vp.json) $(head -c 300 vp.err)"
        return
    fi
    if py - vp.json "$6" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
    then ok "$1"; else bad "$1" "check failed: $6: $(head -c 400 vp.json)"; fi
}
vp "verify --policy-dir, validate_at now: a signer expired since is CERT_EXPIRED" "$POL" hk iam-expired-claim.json 3 \
    "d['reason']=='CERT_EXPIRED' and d['validation_time']!='2022-06-01T00:00:00Z' and d['signers'][0]['signing_time']=='2022-06-01T00:00:00Z'"
vp "verify --policy-dir, validate_at signing_time: TOTAL_PASSED, validated at the claimed time" "$POLST" hk \
    iam-expired-claim.json 0 "d['valid'] and d['reason'] is None and d['validation_time']=='2022-06-01T00:00:00Z'"
vp "verify --policy-dir, validate_at signing_time: a claim from the future is SIG_CONSTRAINTS" "$POLST" hk \
    iam-future-claim.json 3 "d['reason']=='SIG_CONSTRAINTS' and d['subindication']=='SIG_CONSTRAINTS_FAILURE'"
vp "verify --policy-dir, validate_at signing_time: a CMS signed now by an expired signer is CERT_EXPIRED" "$POLST" hk \
    "$O/hk-expired.p7s" 3 "d['reason']=='CERT_EXPIRED' and d['validation_time']==d['signers'][0]['signing_time']"
vp "verify --policy-dir reads XML-DSig" "$POL" mo xs-good.xml 0 "d['valid'] and d['signed_references']"
vp "verify --policy-dir reads the iAM Smart envelope" "$POL" hk iam.json 0 "d['valid']"
vp "verify --policy-dir: the adapter's verdict while reading (document mismatch)" "$POL" hk iam-docmismatch.json 1 \
    "d['reason']=='HASH_MISMATCH'"
"$SB_BIN" verify --policy-dir "$POL" --from hk --json b-hashlen.json >vp.json 2>/dev/null
got=$?
check_sh "verify --policy-dir: a bad envelope is exit 2 with the adapter's code (exit $got)" \
    "[ $got = 2 ] && grep -q ENVELOPE_BAD_HASH_LENGTH vp.json"
start_daemon d2 conf_st || { bad "daemon 2 did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API
V=$A/v1/verify
t "POST /v1/verify under validate_at signing_time: TOTAL_PASSED at the claimed time" 200 "d['valid'] and d['validation_time']=='2022-06-01T00:00:00Z'" \
    -H "Content-Type: application/json" --data-binary "@iam-expired-claim.json" "$V?from=hk"
t "POST /v1/translate under validate_at signing_time: valid under hk at the claimed time" 200 "d['signers'][0]['reason'] is None and d['validation_time']=='2022-06-01T00:00:00Z'" \
    -H "Content-Type: application/json" --data-binary "@iam-expired-claim.json" "$A/v1/translate?from=hk&to=mo"
section "6. partial XML-DSig coverage where the whole document must be signed"
t "POST /v1/verify, mo's xml.require_full_coverage: INDETERMINATE/SIG_CONSTRAINTS_FAILURE/UNSIGNED_CONTENT" 200 \
    "d['indication']=='INDETERMINATE' and d['subindication']=='SIG_CONSTRAINTS_FAILURE' and d['reason']=='UNSIGNED_CONTENT' and d['unsigned_content']==['/Contract/Party'] and '/Contract/Party' in d['message']" \
    -H "Content-Type: application/xml" --data-binary "@xs-part.xml" "$V?from=mo"
t "POST /v1/verify, mo's xml.require_full_coverage: a document signed whole passes" 200 \
    "d['indication']=='TOTAL_PASSED' and d['unsigned_content']==[]" \
    -H "Content-Type: application/xml" --data-binary "@xs-good.xml" "$V?from=mo"
vp "verify --policy-dir with xml.require_full_coverage: exit 3 UNSIGNED_CONTENT" "$POLST" mo xs-part.xml 3 \
    "d['reason']=='UNSIGNED_CONTENT' and d['unsigned_content']==['/Contract/Party']"
t "POST /v1/translate mo -> hk: partial coverage refused (the attestation would vouch for all of it)" 200 \
    "d['reason']=='UNSIGNED_CONTENT' and d['indication']=='INDETERMINATE' and d['attestation'] is None and d['unsigned_content']==['/Contract/Party']" \
    -H "Content-Type: application/xml" --data-binary "@xs-part.xml" "$A/v1/translate?from=mo&to=hk"
t "proxy route: partial coverage is 403 SIGNATURE_REJECTED with reason UNSIGNED_CONTENT, upstream not contacted" 403 \
    "d['error']['code']=='SIGNATURE_REJECTED' and d['error']['reason']=='UNSIGNED_CONTENT' and d['verdict']['unsigned_content']==['/Contract/Party']" \
    -H "Content-Type: application/xml" --data-binary "@xs-part.xml" "$A/fwd/order"
t "proxy route: a document signed whole is forwarded (the dead upstream answers 502)" 502 "True" \
    -H "Content-Type: application/xml" --data-binary "@xs-good.xml" "$A/fwd/order"
stop_daemon
check "daemon 2: clean exit (rc $rc)" [ "$rc" = 0 ]
start_daemon d3 conf_now || { bad "daemon 3 did not start"; gw_finish; exit 1; }
A=http://127.0.0.1:$API
t "proxy route without the policy key: partial coverage still refused (UNSIGNED_CONTENT)" 403 \
    "d['error']['reason']=='UNSIGNED_CONTENT'" \
    -H "Content-Type: application/xml" --data-binary "@xs-part.xml" "$A/fwd/order"
t "POST /v1/translate without the policy key: partial coverage still refused (UNSIGNED_CONTENT)" 200 \
    "d['reason']=='UNSIGNED_CONTENT' and d['attestation'] is None" \
    -H "Content-Type: application/xml" --data-binary "@xs-part.xml" "$A/v1/translate?from=mo&to=hk"
stop_daemon
check "daemon 3: clean exit (rc $rc)" [ "$rc" = 0 ]

gw_finish

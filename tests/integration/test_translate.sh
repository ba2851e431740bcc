#!/bin/sh
# tests/integration/test_translate.sh — `sigbridge translate` across the hk / cn / mo matrix.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_translate.sh
#
# Needs the fixture PKIs of tests/pki/make-all.sh in SB_PKI (including gw/, the gateway's attestation
# keys), openssl 3.0, python3 (JSON and DER cutting) and, for the Macao XML-DSig attestations, xmlsec1
# (those checks are skipped with a note when it is missing). The policy set is written into a temp dir
# with absolute paths into SB_PKI, so the test does not depend on policies/.
# Each attestation is checked by the receiving side's own tool: CN (GM/T 0010) by `sigbridge verify` with
# only the gateway's CN certificate as anchor AND by `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt
# distid:…` over the signed attributes; HK (CMS) by `openssl cms -verify -CAfile hk/root.pem`; MO
# (XML-DSig) by `xmlsec1 --verify`. The attested object_sha256 must equal the input file's SHA-256.
# Prints "N passed, M failed"; exits 1 on any failure.
set -u

BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $PKI in /*) ;; *) PKI=$(pwd)/$PKI ;; esac
if [ ! -x "$BIN" ] || [ ! -f "$PKI/hk/root.pem" ] || [ ! -f "$PKI/gw/gw-cn-sm2.pem" ]; then
    echo "test_translate: need $BIN and the fixture PKIs with gw/ in $PKI (sh tests/pki/make-all.sh $PKI)" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-translate.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
GMID=1234567812345678

# ---- the policy set -------------------------------------------------------------------------------
mkdir pol
cat >pol/hk.yaml <<EOF
jurisdiction: hk
trust_anchors:
  - file: $PKI/hk/root.pem
intermediates: [ $PKI/hk/int.pem ]
algorithms:
  signature: [rsa-pkcs1-sha256, ecdsa-sha256]
certificate:
  key_usage: [digitalSignature, nonRepudiation]
  assurance_levels:
    high: ["2.16.344.8.2.2008.810.2.*"]
revocation: { mode: require, crl: [$PKI/hk/int.crl, $PKI/hk/root.crl] }
EOF
cat >pol/cn.yaml <<EOF
jurisdiction: cn
trust_anchors:
  - file: $PKI/cn/root.pem
intermediates: [ $PKI/cn/int.pem ]
algorithms:
  signature: [sm2-sm3]
certificate:
  policy_oids: ["2.16.344.8.2.2008.810.2.*"]
  key_usage: [digitalSignature, nonRepudiation]
revocation: { mode: require, crl: [$PKI/cn/int.crl, $PKI/cn/root.crl] }
sm2: { default_id: "$GMID" }
EOF
cat >pol/mo.yaml <<EOF
jurisdiction: mo
trust_anchors:
  - file: $PKI/mo/root.pem
intermediates: [ $PKI/mo/int.pem ]
certificate:
  policy_oids: ["1.3.6.1.4.1.99999.1.*"]
revocation: { mode: prefer, crl: [$PKI/mo/int.crl, $PKI/mo/root.crl] }
EOF
GW=$PKI/gw
cat >pol/recognition.yaml <<EOF
- from: hk
  to: cn
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*"] }
  attest: { format: gmt0010, key: $GW/gw-cn-sm2.key, cert: $GW/gw-cn-sm2.pem }
- from: hk
  to: mo
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*", "1.3.6.1.4.1.16030.1.*"] }
  attest: { format: xmldsig, key: $GW/gw-mo-rsa.key, cert: $GW/gw-mo-rsa.pem }
- from: cn
  to: hk
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*"] }
  attest: { format: cms, key: $GW/gw-hk-rsa.key, cert: $GW/gw-hk-rsa.pem }
- from: cn
  to: mo
  accept: { policy_oids: ["2.16.344.8.2.2008.810.2.*"] }
  attest: { format: xmldsig, key: $GW/gw-mo-rsa.key, cert: $GW/gw-mo-rsa.pem }
- from: mo
  to: hk
  accept: { policy_oids: ["1.3.6.1.4.1.99999.1.*"] }
  attest: { format: cms, key: $GW/gw-hk-rsa.key, cert: $GW/gw-hk-rsa.pem }
- from: mo
  to: cn
  accept: { policy_oids: ["1.3.6.1.4.1.99999.1.*"] }
  attest: { format: gmt0010, key: $GW/gw-cn-sm2.key, cert: $GW/gw-cn-sm2.pem }
EOF
if ! "$BIN" check-config --policy-dir pol >check.out 2>&1; then
    cat check.out
    echo "test_translate: the generated policy set does not load" >&2
    exit 2
fi

# ---- helpers --------------------------------------------------------------------------------------
# jget PATH < json: value at a dotted path ("recognition.accepted", "error.code"); "null" for null.
jget() {
    python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("<no-json>"); sys.exit(0)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$1"
}

# cms_cut DER PREFIX: PREFIX.attrs (signed attributes re-tagged as SET OF), PREFIX.sig, PREFIX.content.
cms_cut() {
    python3 - "$1" "$2" <<'PY'
import sys
def tlv(b, i):
    t = b[i]; l = b[i + 1]; i += 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i + n], "big"); i += n
    return t, i, l
def kids(b, s, e):
    out, i = [], s
    while i < e:
        t, c, l = tlv(b, i); out.append((t, i, c, l)); i = c + l
    return out
d = open(sys.argv[1], "rb").read()
_, c, l = tlv(d, 0)
ci = kids(d, c, c + l)
_, sc, sl = tlv(d, ci[1][2])
sd = kids(d, sc, sc + sl)
eci = kids(d, sd[2][2], sd[2][2] + sd[2][3])
_, oc, ol = tlv(d, eci[1][2])
open(sys.argv[2] + ".content", "wb").write(d[oc:oc + ol])
si = kids(d, sd[-1][2], sd[-1][2] + sd[-1][3])[0]
f = kids(d, si[2], si[2] + si[3])
a = [x for x in f if x[0] == 0xA0][0]
s = [x for x in f if x[0] == 0x04][-1]
attrs = bytearray(d[a[1]:a[2] + a[3]]); attrs[0] = 0x31
open(sys.argv[2] + ".attrs", "wb").write(bytes(attrs))
open(sys.argv[2] + ".sig", "wb").write(d[s[2]:s[2] + s[3]])
PY
}

sha256_of() { openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1; }

# translate NAME FROM TO WANT_EXIT FILE [extra args]: run with --json (verdict NAME.res, attestation NAME.att).
translate() {
    t_name=$1 t_from=$2 t_to=$3 t_want=$4 t_file=$5
    shift 5
    "$BIN" translate --policy-dir pol --from "$t_from" --to "$t_to" --gateway-id test-gw --json \
        --out "$t_name.att" "$@" "$t_file" >"$t_name.res" 2>"$t_name.err"
    t_got=$?
    if grep -q 'Sanitizer\|runtime error' "$t_name.err"; then
        ko "$t_name: sanitizer report: $(head -c 600 "$t_name.err")"
        return 1
    fi
    if [ "$t_got" = "$t_want" ]; then
        ok "$t_name: exit $t_got"
        return 0
    fi
    ko "$t_name: exit $t_got, want $t_want: $(head -c 500 "$t_name.res") $(head -c 300 "$t_name.err")"
    return 1
}

# check NAME WANT GOT
check() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        ko "$1: got '$3', want '$2'"
    fi
}

# cn_attestation NAME INPUT: NAME.att is a GM/T 0010 attestation about INPUT that CN's tools accept.
cn_attestation() {
    if "$BIN" verify --anchor "$GW/gw-cn-sm2.pem" "$1.att" >"$1.verify" 2>&1; then
        ok "$1: sigbridge verify --anchor gw-cn-sm2.pem"
    else
        ko "$1: sigbridge verify --anchor gw-cn-sm2.pem: $(cat "$1.verify")"
    fi
    cms_cut "$1.att" "$1.x"
    openssl x509 -in "$GW/gw-cn-sm2.pem" -pubkey -noout >gwcn.pub
    if openssl pkeyutl -verify -pubin -inkey gwcn.pub -rawin -digest sm3 -pkeyopt "distid:$GMID" \
        -in "$1.x.attrs" -sigfile "$1.x.sig" >/dev/null 2>&1; then
        ok "$1: openssl pkeyutl -verify -digest sm3 -pkeyopt distid:$GMID over the signed attributes"
    else
        ko "$1: openssl pkeyutl SM2 check of the signed attributes failed"
    fi
    if openssl pkeyutl -verify -pubin -inkey gwcn.pub -rawin -digest sm3 -pkeyopt distid:9999999999999999 \
        -in "$1.x.attrs" -sigfile "$1.x.sig" >/dev/null 2>&1; then
        ko "$1: the SM2 signature also verifies under a wrong ID"
    else
        ok "$1: the SM2 signature fails under a wrong ID"
    fi
    md=$(openssl dgst -sm3 -r "$1.x.content" | cut -d ' ' -f 1)
    if od -An -v -tx1 "$1.x.attrs" | tr -d ' \n' | grep -q "0420$md"; then
        ok "$1: message-digest attribute = SM3 of the attested JSON"
    else
        ko "$1: message-digest attribute is not SM3 of the attested JSON"
    fi
    check "$1: attested object_sha256" "$(sha256_of "$2")" "$(jget object_sha256 <"$1.x.content")"
}

# hk_attestation NAME INPUT: NAME.att is an RSA CMS attestation about INPUT that `openssl cms` accepts.
hk_attestation() {
    if openssl cms -verify -inform DER -in "$1.att" -CAfile "$PKI/hk/root.pem" -purpose any \
        -out "$1.content" >"$1.cms" 2>&1; then
        ok "$1: openssl cms -verify -CAfile hk/root.pem"
    else
        ko "$1: openssl cms -verify: $(cat "$1.cms")"
        return
    fi
    check "$1: attested object_sha256" "$(sha256_of "$2")" "$(jget object_sha256 <"$1.content")"
}

# mo_attestation NAME INPUT: NAME.att is an enveloped XML-DSig attestation that xmlsec1 accepts.
mo_attestation() {
    if "$BIN" verify --anchor "$PKI/mo/root.pem" "$1.att" >"$1.verify" 2>&1; then
        ok "$1: sigbridge verify --anchor mo/root.pem (XML-DSig)"
    else
        ko "$1: sigbridge verify of the XML attestation: $(cat "$1.verify")"
    fi
    if ! command -v xmlsec1 >/dev/null 2>&1; then
        echo "note $1: xmlsec1 not installed; independent XML-DSig check skipped"
    elif xmlsec1 --verify --trusted-pem "$PKI/mo/root.pem" "$1.att" >"$1.xmlsec" 2>&1; then
        ok "$1: xmlsec1 --verify --trusted-pem mo/root.pem"
    else
        ko "$1: xmlsec1 --verify: $(head -c 400 "$1.xmlsec")"
    fi
    got=$(sed -n 's:.*<ObjectSHA256>\([0-9a-f]*\)</ObjectSHA256>.*:\1:p' "$1.att")
    check "$1: attested ObjectSHA256" "$(sha256_of "$2")" "$got"
}

# verdict NAME EXIT SUBINDICATION REASON: the JSON verdict of NAME.json, and no attestation written.
verdict() {
    check "$1: subindication" "$2" "$(jget subindication <"$1.res")"
    check "$1: reason" "$3" "$(jget reason <"$1.res")"
    check "$1: no attestation" "null" "$(jget attestation <"$1.res")"
    if [ -e "$1.att" ]; then
        ko "$1: an attestation file was written"
    fi
}

# input_error NAME CODE NEEDLE: exit-2 JSON error with that code, the message naming NEEDLE.
input_error() {
    check "$1: error code" "$2" "$(jget error.code <"$1.res")"
    if jget error.message <"$1.res" | grep -qF -- "$3"; then
        ok "$1: message names $3"
    else
        ko "$1: message '$(jget error.message <"$1.res")' does not name $3"
    fi
}

# ---- inputs ---------------------------------------------------------------------------------------
printf 'Cross-border contract, version 1\n' >doc.txt
printf 'Cross-border contract, version 2\n' >doc2.txt

# iam_envelope OUT LEAF [extra JSON members]: iAM Smart raw result for doc.txt signed by hk/LEAF.
iam_envelope() {
    h=$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)
    s=$(openssl dgst -sha256 -binary doc.txt | openssl pkeyutl -sign -inkey "$PKI/hk/$2.key" -pkeyopt digest:sha256 |
        openssl base64 -A)
    c=$(openssl base64 -A -in "$PKI/hk/$2.der")
    printf '{"hash":"%s","hash_alg":"SHA-256","signature":"%s","certificate":"%s"%s}' "$h" "$s" "$c" "${3:-}" >"$1"
}

iam_envelope iam.json leaf
iam_envelope iam-wrongpolicy.json leaf-wrongpolicy
iam_envelope iam-revoked.json leaf-revoked
iam_envelope iam-docmismatch.json leaf ",\"document\":\"$(openssl base64 -A -in doc2.txt)\""
iam_envelope iam-docok.json leaf ",\"document\":\"$(openssl base64 -A -in doc.txt)\""

# ---- HK -> CN ------------------------------------------------------------------------------------
if translate hk-cn hk cn 0 iam.json; then
    check "hk-cn: recognised" "true" "$(jget recognition.accepted <hk-cn.res)"
    check "hk-cn: matched OID" "2.16.344.8.2.2008.810.2.2012.1.0" "$(jget recognition.matched_oid <hk-cn.res)"
    check "hk-cn: format" "gmt0010" "$(jget attestation_format <hk-cn.res)"
    check "hk-cn: --out equals the JSON attestation" "$(jget attestation <hk-cn.res)" "$(openssl base64 -A -in hk-cn.att)"
    check "hk-cn: attested content_sha256 = SHA-256 of the document" "$(sha256_of doc.txt)" \
        "$(jget attested.content_sha256 <hk-cn.res)"
    check "hk-cn: gateway id" "test-gw" "$(jget attested.gateway_id <hk-cn.res)"
    cn_attestation hk-cn iam.json
fi
translate hk-cn-docok hk cn 0 iam-docok.json

# iAM Smart PKCS#7 form: a detached SignedData over doc.txt; the envelope carries its hash.
"$BIN" sign --format cms --detached --key "$PKI/hk/leaf.key" --cert "$PKI/hk/leaf.pem" doc.txt >hk-detached.p7s
printf '{"hash":"%s","pkcs7":"%s"}' "$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)" \
    "$(openssl base64 -A -in hk-detached.p7s)" >iam-p7.json
if translate hk-cn-pkcs7 hk cn 0 iam-p7.json; then
    cn_attestation hk-cn-pkcs7 iam-p7.json
fi

# rejections
translate hk-cn-wrongpolicy hk cn 3 iam-wrongpolicy.json && verdict hk-cn-wrongpolicy CHAIN_CONSTRAINTS_FAILURE POLICY
why=$(jget recognition.why_not <hk-cn-wrongpolicy.res)
case $why in
*1.2.3.4.5*"hk -> cn"*) ok "hk-cn-wrongpolicy: why_not names the OID and the rule" ;;
*) ko "hk-cn-wrongpolicy: why_not '$why' does not name 1.2.3.4.5 and the rule hk -> cn" ;;
esac
check "hk-cn-wrongpolicy: valid under hk (signer passed)" "TOTAL_PASSED" \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["signers"][0]["indication"])' <hk-cn-wrongpolicy.res)"
translate hk-cn-revoked hk cn 1 iam-revoked.json && verdict hk-cn-revoked REVOKED REVOKED
translate hk-cn-docmismatch hk cn 1 iam-docmismatch.json && verdict hk-cn-docmismatch HASH_FAILURE HASH_MISMATCH

# bad envelopes: exit 2 with a specific message
printf '{"hash":"@@@","signature":"AAAA","certificate":"AAAA"}' >bad-b64.json
translate bad-b64 hk cn 2 bad-b64.json && input_error bad-b64 INPUT_MALFORMED "'hash': not base64"
python3 -c 'import json; d=json.load(open("iam.json")); del d["certificate"]; print(json.dumps(d))' >bad-missing.json
translate bad-missing hk cn 2 bad-missing.json && input_error bad-missing INPUT_MALFORMED "missing 'certificate'"
python3 -c 'import json; d=json.load(open("iam.json")); d["hash"]=d["hash"][:-4]; print(json.dumps(d))' >bad-hashlen.json
translate bad-hashlen hk cn 2 bad-hashlen.json && input_error bad-hashlen INPUT_MALFORMED "'hash' is"
python3 -c 'import json; d=json.load(open("iam.json")); d["signature"]=d["certificate"]; print(json.dumps(d))' >bad-certsig.json
translate bad-certsig hk cn 2 bad-certsig.json && input_error bad-certsig INPUT_MALFORMED "holds a certificate"
python3 -c 'import json; d=json.load(open("iam.json")); d["hash"]=[1]; print(json.dumps(d))' >bad-type.json
translate bad-type hk cn 2 bad-type.json && input_error bad-type INPUT_MALFORMED "must be a base64 string"
printf '{"hash": ' >bad-json.json
translate bad-json hk cn 2 bad-json.json && input_error bad-json INPUT_MALFORMED "not valid JSON"
translate bad-jur hk xx 2 iam.json && input_error bad-jur USAGE "unknown jurisdiction 'xx'"

# ---- HK -> MO ------------------------------------------------------------------------------------
if translate hk-mo hk mo 0 iam.json; then
    check "hk-mo: format" "xmldsig" "$(jget attestation_format <hk-mo.res)"
    mo_attestation hk-mo iam.json
fi

# ---- CN -> HK / MO -------------------------------------------------------------------------------
"$BIN" sign --format gmt0010 --key "$PKI/cn/leaf.key" --cert "$PKI/cn/leaf.pem" --chain "$PKI/cn/chain.pem" \
    doc.txt >cn.p7s
"$BIN" sign --format gmt0010 --key "$PKI/cn/leaf-revoked.key" --cert "$PKI/cn/leaf-revoked.pem" \
    --chain "$PKI/cn/chain.pem" doc.txt >cn-revoked.p7s
if translate cn-hk cn hk 0 cn.p7s; then
    check "cn-hk: evidence format" "gmt0010" "$(jget evidence_format <cn-hk.res)"
    hk_attestation cn-hk cn.p7s
fi
if translate cn-mo cn mo 0 cn.p7s; then
    mo_attestation cn-mo cn.p7s
fi
translate cn-hk-revoked cn hk 1 cn-revoked.p7s && verdict cn-hk-revoked REVOKED REVOKED

# raw GM/T 0009 SM2 signature envelopes (DER and r||s)
openssl pkeyutl -sign -inkey "$PKI/cn/leaf.key" -rawin -digest sm3 -pkeyopt "distid:$GMID" -in doc.txt -out cn.sig
cn_env() {
    printf '{"signature":"%s","certificate":"%s","data":"%s"%s}' "$(openssl base64 -A -in "$2")" \
        "$(openssl base64 -A -in "$PKI/cn/leaf.der")" "$(openssl base64 -A -in doc.txt)" "${3:-}" >"$1"
}
cn_env cn-raw.json cn.sig
python3 - <<'PY'
d = open("cn.sig", "rb").read()
def ints(b):
    out, i = [], 2 if b[1] < 0x80 else 3
    while i < len(b):
        l = b[i + 1]; out.append(b[i + 2:i + 2 + l].lstrip(b"\0").rjust(32, b"\0")); i += 2 + l
    return out
r, s = ints(d)
open("cn.rs", "wb").write(r + s)
PY
cn_env cn-rs.json cn.rs
cn_env cn-wrongid.json cn.sig ',"id":"ALICE123@YAHOO.COM"'
if translate cn-raw-hk cn hk 0 cn-raw.json; then
    hk_attestation cn-raw-hk cn-raw.json
fi
translate cn-rs-hk cn hk 0 cn-rs.json
translate cn-wrongid-hk cn hk 1 cn-wrongid.json && verdict cn-wrongid-hk SIG_CRYPTO_FAILURE SM2_ID_MISMATCH

# ---- MO -> HK / CN -------------------------------------------------------------------------------
printf '<?xml version="1.0" encoding="UTF-8"?>\n<Contract xmlns="urn:example:mo"><Party>CHAN Siu Ming</Party><Amount>100</Amount></Contract>\n' >mo-doc.xml
"$BIN" sign --format xmldsig --key "$PKI/mo/leaf-rsa.key" --cert "$PKI/mo/leaf-rsa.pem" --chain "$PKI/mo/chain.pem" \
    mo-doc.xml >mo.xml
"$BIN" sign --format xmldsig --key "$PKI/mo/leaf-ec.key" --cert "$PKI/mo/leaf-ec.pem" --chain "$PKI/mo/chain.pem" \
    mo-doc.xml >mo-ec.xml
sed 's/<Amount>100</<Amount>900</' mo.xml >mo-tampered.xml
if translate mo-hk mo hk 0 mo.xml; then
    hk_attestation mo-hk mo.xml
fi
if translate mo-cn mo cn 0 mo.xml; then
    cn_attestation mo-cn mo.xml
fi
if translate mo-ec-hk mo hk 0 mo-ec.xml; then
    hk_attestation mo-ec-hk mo-ec.xml
fi
translate mo-tampered-cn mo cn 1 mo-tampered.xml && verdict mo-tampered-cn HASH_FAILURE HASH_MISMATCH
"$BIN" sign --format cms --key "$PKI/mo/leaf-rsa.key" --cert "$PKI/mo/leaf-rsa.pem" --chain "$PKI/mo/chain.pem" \
    doc.txt >mo.p7s
translate mo-cms-cn mo cn 0 mo.p7s

# ---- text mode -----------------------------------------------------------------------------------
if "$BIN" translate --policy-dir pol --from hk --to cn iam.json >text.out 2>&1 && grep -q '^OK: hk -> cn' text.out; then
    ok "text mode: exit 0 and an OK line"
else
    ko "text mode: $(cat text.out)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

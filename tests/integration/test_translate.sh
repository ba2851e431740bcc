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
# Bad envelopes (translate_lib.sh's bad.list) exit 2 with their specific ENVELOPE_* code and message.
# The policy set, inputs and checks are shared with test_translate_http.sh (translate_lib.sh).
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
LIB=$(cd "$(dirname "$0")" && pwd)/translate_lib.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-translate.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2
# ok / ko / check, the policy set, the inputs and the attestation checks (cn_attestation, hk_attestation,
# mo_attestation, verdict, input_error)
# shellcheck source=tests/integration/translate_lib.sh
. "$LIB"
write_policies pol || exit 2

# ---- helpers --------------------------------------------------------------------------------------
# translate NAME FROM TO WANT_EXIT FILE [extra args]: run with --json (verdict NAME.res, attestation NAME.att).
translate() {
    t_name=$1 t_from=$2 t_to=$3 t_want=$4 t_file=$5
    shift 5
    rm -f "$t_name.kv"
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

# ---- inputs ---------------------------------------------------------------------------------------
translate_inputs

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

# bad envelopes: exit 2 with the specific ENVELOPE_* code (translate_lib.sh's bad.list), never a crash
bad_inputs
TAB=$(printf '\t')
while IFS=$TAB read -r b_name b_file b_from b_to b_ct b_code b_needle; do
    translate "$b_name" "$b_from" "$b_to" 2 "$b_file" --content-type "$b_ct" &&
        input_error "$b_name" "$b_code" "$b_needle"
done <bad.list
translate bad-jur hk xx 2 iam.json && input_error bad-jur USAGE "unknown jurisdiction 'xx'"

# ---- HK -> MO ------------------------------------------------------------------------------------
if translate hk-mo hk mo 0 iam.json; then
    check "hk-mo: format" "xmldsig" "$(jget attestation_format <hk-mo.res)"
    mo_attestation hk-mo iam.json
fi

# ---- CN -> HK / MO -------------------------------------------------------------------------------
if translate cn-hk cn hk 0 cn.p7s; then
    check "cn-hk: evidence format" "gmt0010" "$(jget evidence_format <cn-hk.res)"
    hk_attestation cn-hk cn.p7s
fi
if translate cn-mo cn mo 0 cn.p7s; then
    mo_attestation cn-mo cn.p7s
fi
translate cn-hk-revoked cn hk 1 cn-revoked.p7s && verdict cn-hk-revoked REVOKED REVOKED

# raw GM/T 0009 SM2 signature envelopes (DER and r||s)
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

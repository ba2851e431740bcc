# tests/integration/translate_lib.sh — helpers shared by test_translate.sh (CLI) and test_translate_http.sh
# (POST /v1/translate): the six-rule policy set, the standard inputs and the receiving side's own checks
# of an attestation. Sourced, not run. The caller sets BIN and PKI (absolute), cds into a scratch
# directory and keeps the counters pass / fail. Every check prints one "ok" / "FAIL" line.
#
# Conventions: a case NAME leaves its JSON reply in NAME.res and, when there is one, the attestation's
# bytes in NAME.att; NAME.kv, when present, is jflat of the current NAME.res (the runner removes or
# rewrites it with each new reply).

pass=0
fail=0
GMID=1234567812345678
GW=$PKI/gw

ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

# check NAME WANT GOT
check() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        ko "$1: got '$3', want '$2'"
    fi
}

# write_policies DIR: hk, cn, mo trust policies with absolute paths into PKI and a recognition.yaml with
# all six rules (hk<->cn, hk<->mo, cn<->mo), each attesting with the gateway keys in PKI/gw.
write_policies() {
    mkdir -p "$1"
    cat >"$1/hk.yaml" <<EOF
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
    cat >"$1/cn.yaml" <<EOF
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
    cat >"$1/mo.yaml" <<EOF
jurisdiction: mo
trust_anchors:
  - file: $PKI/mo/root.pem
intermediates: [ $PKI/mo/int.pem ]
certificate:
  policy_oids: ["1.3.6.1.4.1.99999.1.*"]
revocation: { mode: prefer, crl: [$PKI/mo/int.crl, $PKI/mo/root.crl] }
EOF
    cat >"$1/recognition.yaml" <<EOF
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
    if ! "$BIN" check-config --policy-dir "$1" >"$1.check" 2>&1; then
        cat "$1.check"
        echo "the generated policy set in $1 does not load" >&2
        return 1
    fi
}

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

# jflat JSON KV: the scalar leaves of the JSON file JSON as "dotted.path<TAB>value" lines in KV (arrays
# indexed: "signers.0.indication"; booleans lowercase; null "null"); KV is empty when JSON is not JSON.
# One python start per reply; jv then reads values with awk (python's start-up dominates the run time).
JFLAT_PY='
import json, sys
def walk(p, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(p + [str(k)], x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(p + [str(i)], x, out)
    else:
        s = "null" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
        out.append(".".join(p) + "\t" + s.replace("\n", " ").replace("\t", " "))
def flat(v, path):
    out = []
    walk([], v, out)
    open(path, "w").write("".join(x + "\n" for x in out))
'
jflat() {
    python3 -S -c "$JFLAT_PY"'
try:
    v = json.load(open(sys.argv[1]))
except Exception:
    v = None
flat(v if isinstance(v, (dict, list)) else {}, sys.argv[2])' "$1" "$2"
}

# jv KV PATH: the value at PATH in a jflat file; "null" when absent.
jv() {
    awk -F '\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; f = 1; exit } END { if (!f) print "null" }' "$1"
}

sha256_of() { openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1; }

# cn_attestation NAME INPUT: NAME.att is a GM/T 0010 attestation about INPUT that CN's tools accept.
cn_attestation() {
    if "$BIN" verify --anchor "$GW/gw-cn-sm2.pem" "$1.att" >"$1.verify" 2>&1; then
        ok "$1: sigbridge verify --anchor gw-cn-sm2.pem"
    else
        ko "$1: sigbridge verify --anchor gw-cn-sm2.pem: $(cat "$1.verify")"
    fi
    if ! cms_cut "$1.att" "$1.x" 2>"$1.cut"; then
        ko "$1: the attestation is not a SignedData that can be cut: $(head -c 300 "$1.cut")"
        return
    fi
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

# verdict NAME SUBINDICATION REASON: the JSON verdict in NAME.res, and no attestation.
verdict() {
    [ -s "$1.kv" ] || jflat "$1.res" "$1.kv"
    check "$1: subindication" "$2" "$(jv "$1.kv" subindication)"
    check "$1: reason" "$3" "$(jv "$1.kv" reason)"
    check "$1: no attestation" "null" "$(jv "$1.kv" attestation)"
    if [ -e "$1.att" ]; then
        ko "$1: an attestation file was written"
    fi
}

# input_error NAME CODE NEEDLE: a JSON error in NAME.res with that code, the message naming NEEDLE.
input_error() {
    [ -s "$1.kv" ] || jflat "$1.res" "$1.kv"
    check "$1: error code" "$2" "$(jv "$1.kv" error.code)"
    if jv "$1.kv" error.message | grep -qF -- "$3"; then
        ok "$1: message names $3"
    else
        ko "$1: message '$(jv "$1.kv" error.message)' does not name $3"
    fi
}

# iam_envelope OUT LEAF [extra JSON members]: iAM Smart raw result for doc.txt signed by hk/LEAF.
iam_envelope() {
    h=$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)
    s=$(openssl dgst -sha256 -binary doc.txt | openssl pkeyutl -sign -inkey "$PKI/hk/$2.key" -pkeyopt digest:sha256 |
        openssl base64 -A)
    c=$(openssl base64 -A -in "$PKI/hk/$2.der")
    printf '{"hash":"%s","hash_alg":"SHA-256","signature":"%s","certificate":"%s"%s}' "$h" "$s" "$c" "${3:-}" >"$1"
}

# json_edit IN OUT PYTHON: OUT is the JSON object of IN after the statement PYTHON on it (as d).
json_edit() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[3]); print(json.dumps(d))' \
        "$1" "$2" "$3" >"$2"
}

# translate_inputs: the objects both tests send. doc.txt / doc2.txt; iAM Smart envelopes iam.json (leaf),
# iam-wrongpolicy.json (no mutual-recognition OID), iam-revoked.json, iam-docmismatch.json (document is
# doc2.txt), iam-docok.json; GM/T 0010 cn.p7s and cn-revoked.p7s; Macao XML-DSig mo.xml over mo-doc.xml;
# the raw SM2 signature cn.sig over doc.txt (GM/T default ID) and its envelope cn-raw.json.
translate_inputs() {
    printf 'Cross-border contract, version 1\n' >doc.txt
    printf 'Cross-border contract, version 2\n' >doc2.txt
    iam_envelope iam.json leaf
    iam_envelope iam-wrongpolicy.json leaf-wrongpolicy
    iam_envelope iam-revoked.json leaf-revoked
    iam_envelope iam-docmismatch.json leaf ",\"document\":\"$(openssl base64 -A -in doc2.txt)\""
    iam_envelope iam-docok.json leaf ",\"document\":\"$(openssl base64 -A -in doc.txt)\""
    "$BIN" sign --format gmt0010 --key "$PKI/cn/leaf.key" --cert "$PKI/cn/leaf.pem" --chain "$PKI/cn/chain.pem" \
        doc.txt >cn.p7s
    "$BIN" sign --format gmt0010 --key "$PKI/cn/leaf-revoked.key" --cert "$PKI/cn/leaf-revoked.pem" \
        --chain "$PKI/cn/chain.pem" doc.txt >cn-revoked.p7s
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<Contract xmlns="urn:example:mo"><Party>CHAN Siu Ming</Party><Amount>100</Amount></Contract>\n' >mo-doc.xml
    "$BIN" sign --format xmldsig --key "$PKI/mo/leaf-rsa.key" --cert "$PKI/mo/leaf-rsa.pem" \
        --chain "$PKI/mo/chain.pem" mo-doc.xml >mo.xml
    openssl pkeyutl -sign -inkey "$PKI/cn/leaf.key" -rawin -digest sm3 -pkeyopt "distid:$GMID" -in doc.txt -out cn.sig
    cn_env cn-raw.json cn.sig
}

# cn_env OUT SIGFILE [extra JSON members]: GM/T 0009 envelope for doc.txt signed by cn/leaf.
cn_env() {
    printf '{"signature":"%s","certificate":"%s","data":"%s"%s}' "$(openssl base64 -A -in "$2")" \
        "$(openssl base64 -A -in "$PKI/cn/leaf.der")" "$(openssl base64 -A -in doc.txt)" "${3:-}" >"$1"
}

# bad_inputs: bodies that are no readable envelope, made from the translate_inputs objects, and the table
# bad.list (tab-separated: NAME FILE FROM TO CONTENT-TYPE CODE NEEDLE) of the error each must get: HTTP
# 400 / exit 2 with CODE in {"error":{"code"}} and a message containing NEEDLE. No decision is made, so
# no audit record is written.
bad_inputs() {
    : >bad.list
    bad() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>bad.list; }
    h=$(openssl dgst -sha256 -binary doc.txt | openssl base64 -A)
    printf '{"hash":"@@@","signature":"AAAA","certificate":"AAAA"}' >bad-b64.json
    bad bad-b64 bad-b64.json hk cn application/json ENVELOPE_BAD_BASE64 "'hash': not base64"
    json_edit iam.json bad-missing.json 'del d["certificate"]'
    bad bad-missing bad-missing.json hk cn application/json ENVELOPE_MISSING_FIELD "missing 'certificate'"
    printf '{"hash":"%s"}' "$h" >bad-nosig.json
    bad bad-nosig bad-nosig.json hk cn application/json ENVELOPE_MISSING_FIELD \
        "missing 'signature' and 'certificate' (or 'pkcs7')"
    json_edit iam.json bad-hashlen.json 'd["hash"]=d["hash"][:-4]'
    bad bad-hashlen bad-hashlen.json hk cn application/json ENVELOPE_BAD_HASH_LENGTH \
        "'hash' is 30 bytes; a SHA-256 hash is 32 bytes"
    json_edit iam.json bad-hashalg.json 'd["hash_alg"]="MD5"'
    bad bad-hashalg bad-hashalg.json hk cn application/json ENVELOPE_UNKNOWN_HASH_ALG "'hash_alg' 'MD5' is not SHA-256"
    json_edit iam.json bad-certsig.json 'd["signature"]=d["certificate"]'
    bad bad-certsig bad-certsig.json hk cn application/json ENVELOPE_NOT_A_SIGNATURE "'signature' holds a certificate"
    json_edit iam.json bad-sigsize.json 'd["signature"]="c2hvcnQ="'
    bad bad-sigsize bad-sigsize.json hk cn application/json ENVELOPE_BAD_SIGNATURE \
        "'signature' is 5 bytes; a signature of the certificate's RSA-2048 key is 256 bytes"
    json_edit iam.json bad-cert.json 'd["certificate"]="QUJDRA=="'
    bad bad-cert bad-cert.json hk cn application/json ENVELOPE_BAD_CERTIFICATE "envelope 'certificate': not PEM or DER"
    json_edit iam.json bad-type.json 'd["hash"]=[1]'
    bad bad-type bad-type.json hk cn application/json ENVELOPE_BAD_TYPE "'hash' must be a base64 string, got an array"
    json_edit iam.json bad-chain.json 'd["chain"]={"a":1}'
    bad bad-chain bad-chain.json hk mo application/json ENVELOPE_BAD_TYPE "'chain' must be an array"
    json_edit iam.json bad-time.json 'd["signing_time"]="yesterday"'
    bad bad-time bad-time.json hk mo application/json ENVELOPE_BAD_VALUE "'signing_time' is not an RFC 3339 time"
    json_edit iam.json bad-both.json 'd["pkcs7"]="MIIB"'
    bad bad-both bad-both.json hk cn application/json ENVELOPE_CONFLICTING_FIELDS \
        "give either 'pkcs7' or 'signature' + 'certificate', not both"
    printf '{"hash":"%s","pkcs7":"%s"}' "$h" "$(printf 'not a SignedData' | openssl base64 -A)" >bad-p7.json
    bad bad-p7 bad-p7.json hk cn application/json ENVELOPE_BAD_PKCS7 "'pkcs7' does not hold a CMS / PKCS#7 SignedData"
    printf '{"hash":"%s","pkcs7":"%s"}' "$h" "$(openssl base64 -A -in "$PKI/hk/leaf.der")" >bad-p7cert.json
    bad bad-p7cert bad-p7cert.json hk cn application/json ENVELOPE_NOT_A_SIGNATURE "'pkcs7' holds a certificate"
    printf '{"hash": ' >bad-json.json
    bad bad-json bad-json.json hk cn application/json ENVELOPE_BAD_JSON "not valid JSON"
    printf '{"hash":"%s","hash":"%s"}' "$h" "$h" >bad-dup.json
    bad bad-dup bad-dup.json hk cn application/json ENVELOPE_BAD_JSON "duplicate object key"
    printf '[1,2]' >bad-array.json
    bad bad-array bad-array.json hk cn application/json ENVELOPE_BAD_JSON "expected a JSON object, got an array"
    json_edit cn-raw.json cn-bad-rsacert.json "d['certificate']='$(openssl base64 -A -in "$PKI/hk/leaf.der")'"
    bad cn-bad-rsacert cn-bad-rsacert.json cn hk application/json ENVELOPE_BAD_CERTIFICATE \
        "'certificate' carries an RSA key; a GM/T 0009 signature needs an SM2 key"
    json_edit cn-raw.json cn-bad-certsig.json 'd["signature"]=d["certificate"]'
    bad cn-bad-certsig cn-bad-certsig.json cn hk application/json ENVELOPE_NOT_A_SIGNATURE \
        "'signature' holds a certificate"
    json_edit cn-raw.json cn-bad-sig.json 'd["signature"]="MDEyMzQ1Njc4OQ=="'
    bad cn-bad-sig cn-bad-sig.json cn mo application/json ENVELOPE_BAD_SIGNATURE \
        "'signature' (10 bytes) is neither a DER SM2 signature nor a 64-byte"
    json_edit cn-raw.json cn-bad-form.json 'd["signature_format"]="hex"'
    bad cn-bad-form cn-bad-form.json cn hk application/json ENVELOPE_BAD_VALUE "'signature_format' 'hex' is not"
    json_edit cn-raw.json cn-bad-data.json 'del d["data"]'
    bad cn-bad-data cn-bad-data.json cn hk application/json ENVELOPE_MISSING_FIELD "missing 'data'"
    json_edit cn-raw.json cn-bad-id.json 'd["id"]=1234567812345678'
    bad cn-bad-id cn-bad-id.json cn mo application/json ENVELOPE_BAD_TYPE "'id' must be a string, got a number"
    # not an envelope at all: the generic input error
    printf 'hello, gateway\n' >garbage.bin
    bad garbage garbage.bin hk cn application/octet-stream INPUT_MALFORMED \
        "neither a JSON envelope, an XML document nor CMS"
    cp iam.json mo-json.json
    bad mo-json mo-json.json mo hk application/json INPUT_MALFORMED "no JSON envelope is defined for Macao"
}

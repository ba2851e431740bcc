#!/bin/sh
# tests/integration/test_gateway_envelope_rev.sh — OCSP responses and CRLs carried in a JSON envelope posted
# to the daemon's POST /v1/verify ("ocsp_responses", "crls": base64 DER), used as embedded revocation data
# without any network source; bad entries are HTTP 400 with the envelope's machine-readable codes.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_gateway_envelope_rev.sh
#
# A CA, its index and CRL (`openssl ca -gencrl`), responses from the real responder (`openssl ocsp -index ...
# -respout`, no port), CMS from `openssl cms -sign`; the daemon is the real binary on loopback, the client
# curl. Policies: "tst" (revocation required, sources [embedded, files]), "tsf" (required, [files]: the
# envelope's data are not used) and "hk" (the iAM Smart adapter's envelope, same CA). Each case checks the
# HTTP status, the indication / subindication / reason or the error code (the gateway's own envelope answers
# every error with BAD_REQUEST, an adapter's envelope with its ENVELOPE_* code), and a part of the message.
. "$(dirname "$0")/gw_lib.sh"

K=$TMP/pki
mkdir -p "$K"
section "0. a CA, a CRL and OCSP responses (openssl), CMS objects and envelopes"
ossl() { openssl "$@" >>"$TMP/openssl.log" 2>&1 || { echo "FAIL openssl $*"; tail -5 "$TMP/openssl.log"; exit 1; }; }
mkkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/$1.key"; }
mkkey ca
ossl req -x509 -new -key "$K/ca.key" -subj "/O=sigbridge test/CN=Envelope revocation CA" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$K/ca.pem"
issue() { # issue NAME SERIAL CN
    mkkey "$1"
    printf '[ e ]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\n' \
        >"$K/$1.ext"
    ossl req -new -key "$K/$1.key" -subj "/O=sigbridge test/CN=$3" -out "$K/$1.csr"
    ossl x509 -req -in "$K/$1.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -set_serial "$2" -days 365 -sha256 \
        -extfile "$K/$1.ext" -extensions e -out "$K/$1.pem"
}
issue good 101 "good leaf"
issue revoked 102 "revoked leaf"
: >"$K/index.txt"
echo 01 >"$K/crlnumber"
cat >"$K/ca.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
database = $K/index.txt
crlnumber = $K/crlnumber
certificate = $K/ca.pem
private_key = $K/ca.key
default_md = sha256
default_crl_days = 1
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
ossl ca -config "$K/ca.cnf" -valid "$K/good.pem"
ossl ca -config "$K/ca.cnf" -revoke "$K/revoked.pem" -crl_reason keyCompromise
ossl ca -config "$K/ca.cnf" -gencrl -out "$K/crl.pem"
ossl crl -in "$K/crl.pem" -outform DER -out "$K/crl.der"
respond() { # respond NAME CERT
    ossl ocsp -issuer "$K/ca.pem" -cert "$K/$2.pem" -no_nonce -reqout "$K/$1.req"
    ossl ocsp -index "$K/index.txt" -CA "$K/ca.pem" -rsigner "$K/ca.pem" -rkey "$K/ca.key" -reqin "$K/$1.req" \
        -respout "$K/$1.der" -ndays 1
}
respond good good
respond revoked revoked
py "$ROOT/tests/integration/embed_rev.py" basic "$K/good.der" "$K/good.basic" || { bad "basic"; exit 1; }
printf 'a document whose signer status travels in the envelope\n' >"$TMP/doc.txt"
for l in good revoked; do
    ossl cms -sign -binary -nodetach -outform DER -in "$TMP/doc.txt" -signer "$K/$l.pem" -inkey "$K/$l.key" \
        -md sha256 -out "$TMP/$l.p7s"
    ossl cms -sign -binary -outform DER -in "$TMP/doc.txt" -signer "$K/$l.pem" -inkey "$K/$l.key" \
        -md sha256 -out "$TMP/$l-detached.p7s"
done

# envelope OUT KEY=FILE... : a JSON body; KEY signature/pkcs7 = base64 of FILE, hash = SHA-256 of FILE (base64),
# ocsp/crl = one more base64 entry of ocsp_responses / crls, crlbad = one more crls entry as written,
# raw:JSON = the member given as written
envelope() {
    py - "$@" <<'PY'
import base64, hashlib, json, sys
out, body = sys.argv[1], {}
for a in sys.argv[2:]:
    k, v = a.split("=", 1)
    if k.startswith("raw:"):
        body[k[4:]] = json.loads(v)
    elif k == "hash":
        body["hash"] = base64.b64encode(hashlib.sha256(open(v, "rb").read()).digest()).decode()
        body["hash_alg"] = "SHA-256"
    elif k == "crlbad":
        body.setdefault("crls", []).append(v)
    elif k in ("ocsp", "crl"):
        body.setdefault("ocsp_responses" if k == "ocsp" else "crls", []).append(
            base64.b64encode(open(v, "rb").read()).decode())
    else:
        body[k] = base64.b64encode(open(v, "rb").read()).decode()
open(out, "w").write(json.dumps(body))
PY
}
E=$TMP/env
mkdir -p "$E"
envelope "$E/none.json" signature="$TMP/good.p7s"
envelope "$E/good-ocsp.json" signature="$TMP/good.p7s" ocsp="$K/good.der"
envelope "$E/good-basic.json" signature="$TMP/good.p7s" ocsp="$K/good.basic"
envelope "$E/good-crl.json" signature="$TMP/good.p7s" crl="$K/crl.der"
envelope "$E/good-wrong.json" signature="$TMP/good.p7s" ocsp="$K/revoked.der"
envelope "$E/revoked-ocsp.json" signature="$TMP/revoked.p7s" ocsp="$K/revoked.der"
envelope "$E/revoked-crl.json" signature="$TMP/revoked.p7s" crl="$K/crl.der"
envelope "$E/revoked-both.json" signature="$TMP/revoked.p7s" ocsp="$K/good.der" crl="$K/crl.der"
envelope "$E/bad-b64.json" signature="$TMP/good.p7s" 'raw:ocsp_responses=["MIIB!!!"]'
envelope "$E/bad-b64-crl.json" signature="$TMP/good.p7s" crl="$K/crl.der" 'crlbad=not base64'
envelope "$E/bad-type.json" signature="$TMP/good.p7s" 'raw:ocsp_responses="MIIB"'
envelope "$E/bad-item.json" signature="$TMP/good.p7s" 'raw:crls=[42]'
envelope "$E/not-ocsp.json" signature="$TMP/good.p7s" ocsp="$K/crl.der"
envelope "$E/not-crl.json" signature="$TMP/good.p7s" crl="$K/good.der"
envelope "$E/too-many.json" signature="$TMP/good.p7s" \
    "raw:ocsp_responses=$(py -c 'import json; print(json.dumps(["AAAA"] * 17))')"
envelope "$E/hk-good.json" hash="$TMP/doc.txt" pkcs7="$TMP/good-detached.p7s" ocsp="$K/good.der"
envelope "$E/hk-revoked.json" hash="$TMP/doc.txt" pkcs7="$TMP/revoked-detached.p7s" ocsp="$K/revoked.der"
envelope "$E/hk-bad.json" hash="$TMP/doc.txt" pkcs7="$TMP/good-detached.p7s" 'raw:ocsp_responses=["@@@@"]'

POL=$TMP/policies
mkdir -p "$POL"
policy() { # policy JURISDICTION SOURCES
    printf 'jurisdiction: %s\ndescription: envelope revocation test\ntrust_anchors:\n  - file: %s\nrevocation:\n  mode: require\n  sources: %s\n' \
        "$1" "$K/ca.pem" "$2"
}
policy tst "[embedded, files]" >"$POL/tst.yaml"
policy tsf "[files]" >"$POL/tsf.yaml"
policy hk "[embedded, files]" >"$POL/hk.yaml"
conf() {
    cat <<EOF
listeners:
  api: { address: 127.0.0.1, port: $API }
  admin: { address: 127.0.0.1, port: $ADM }
policy_dir: $POL
workers: 2
cache: { chains: 100, certificates: 100 }
audit: { path: $TMP/audit.jsonl, fsync: batch, node_id: it-envrev }
EOF
}
start_daemon d1 conf || { bad "daemon did not start"; gw_finish; exit 1; }

post() { # post NAME STATUS ENVELOPE JUR PY_EXPR
    t "$1" "$2" "$5" -X POST --data-binary "@$E/$3.json" -H 'Content-Type: application/json' \
        "http://127.0.0.1:$API/v1/verify?from=$4"
}
PASSED='d["indication"] == "TOTAL_PASSED" and d["reason"] is None'
TRYLATER='d["indication"] == "INDETERMINATE" and d["subindication"] == "TRY_LATER" and d["reason"] == "REVOCATION_UNAVAILABLE"'
REVOKED='d["indication"] == "TOTAL_FAILED" and d["subindication"] == "REVOKED" and d["reason"] == "REVOKED"'
err() { echo "d['error']['code'] == '$1' and \"$2\" in d['error']['message']"; }

section "1. the gateway's own envelope"
post "no revocation data: require gives TRY_LATER" 200 none tst "$TRYLATER and 'no CRL from issuer' in d['message']"
post "ocsp_responses good: passes" 200 good-ocsp tst "$PASSED"
post "a bare BasicOCSPResponse, wrapped: passes" 200 good-basic tst "$PASSED"
post "crls with a current CRL: passes" 200 good-crl tst "$PASSED"
post "a response about another certificate: TRY_LATER" 200 good-wrong tst \
    "$TRYLATER and 'no SingleResponse has a CertID' in d['message']"
post "ocsp_responses revoked: REVOKED, time and reason" 200 revoked-ocsp tst \
    "$REVOKED and 'supplied OCSP response (embedded)' in d['message'] and '(reason 1)' in d['message']"
post "crls listing the signer: REVOKED" 200 revoked-crl tst \
    "$REVOKED and 'serial 66' in d['message'] and 'by CRL 1' in d['message']"
post "a good response for the revoked signer does not outweigh the CRL" 200 revoked-both tst "$REVOKED"
post "policy without embedded: the envelope's data are not used" 200 good-ocsp tsf \
    "$TRYLATER and 'no CRL from issuer' in d['message']"
post "policy without embedded: a revoking response is not used either" 200 revoked-ocsp tsf "$TRYLATER"

section "2. bad entries: HTTP 400 (the gateway's envelope keeps its one code, BAD_REQUEST; the message names the entry)"
post "bad base64 in ocsp_responses" 400 bad-b64 tst "$(err BAD_REQUEST "'ocsp_responses[0]': not base64")"
post "bad base64 in crls[1]" 400 bad-b64-crl tst "$(err BAD_REQUEST "'crls[1]': not base64")"
post "ocsp_responses not an array" 400 bad-type tst "$(err BAD_REQUEST "'ocsp_responses' must be an array")"
post "crls[0] not a string" 400 bad-item tst "$(err BAD_REQUEST "'crls[0]' must be a non-empty base64 string")"
post "a CRL where a response belongs" 400 not-ocsp tst \
    "$(err BAD_REQUEST "'ocsp_responses[0]' is neither a DER OCSPResponse nor a BasicOCSPResponse")"
post "a response where a CRL belongs" 400 not-crl tst "$(err BAD_REQUEST "'crls[0]' is not a DER CRL")"
post "17 responses: over the limit" 400 too-many tst "$(err BAD_REQUEST "has 17 entries; at most 16")"

section "3. an adapter's envelope (iAM Smart, hk) carries them too"
post "hk envelope with a good response: passes" 200 hk-good hk "$PASSED"
post "hk envelope with a revoking response: REVOKED" 200 hk-revoked hk "$REVOKED and '(embedded)' in d['message']"
post "hk envelope with bad base64: 400" 400 hk-bad hk "$(err ENVELOPE_BAD_BASE64 "'ocsp_responses[0]': not base64")"

gw_finish

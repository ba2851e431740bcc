#!/bin/sh
# make-seeds.sh PKI BIN OUT — generate the seed corpora of the fuzz targets (tests/fuzz/fuzz_<t>.c) into
# OUT/<t>/ from the test PKIs (tests/pki/make-all.sh PKI), our CLI (BIN sign) and `openssl cms -sign`.
# Nothing generated is committed. Idempotent: returns at once when OUT/.complete records the same hash
# of this script, the PKI's .complete stamp and BIN; otherwise OUT is rebuilt from scratch.
#
#   der         certificates, CRLs and CMS objects as DER/BER, plus nesting at and past SB_DER_MAX_DEPTH
#   cert, path  bundles: leaf first, anchor last, CRLs appended (PEM), and concatenated DER chains
#   cms         ours (cms / gmt0010, attached / detached, RSA / ECDSA / SM2) and OpenSSL's (DER, PEM, S/MIME
#               multipart and opaque, BER -stream, -noattr, RSA-PSS, SHA-384, two signers, -keyid, PKCS7 PEM)
#   policy      policies/{hk,cn,mo}.yaml and small variants (one jurisdiction file each)
#   policy_set  policies/recognition.yaml and small variants (the set's recognition.yaml)
#   xmldsig     XML-DSig documents signed by BIN sign --format xmldsig (RSA, ECDSA) and the trusted lists
#   trustlist   PKI/tl/*.xml (tests/pki/make-tl.sh: xmlsec1-signed, XAdES)
#   envelope    adapter envelopes: HK iAM Smart JSON (raw PKCS#1 signature over the hash, pkcs7 over the
#               hash), CN JSON (SM2 DER and r||s signatures over the data, GM/T 0010 pkcs7), CMS, XML
#   http        raw HTTP/1.x client byte streams ("@" first = the admin listener): every route with real
#               objects from cms/ and envelope/ (verify, translate, proxy routes), chunked and pipelined
#               bodies, over-limit sizes, bad methods / versions / framing, header folding, NUL bytes
#   http_parse  a split byte, then a client stream: the http seeds, and heads with chunked bodies (extensions,
#               trailers, pipelined requests) and the framing refusals of gateway/daemon/http_parse.h
#   ocsp        OCSPResponses from the real `openssl ocsp` responder (index.txt files written here) for the
#               fixed pairs hk/leaf + hk/int and cn/leaf + cn/int (SM2): good, revoked (reasons, hold), unknown,
#               delegated (with and without OCSPSigning), SHA-256 CertID, key-hash ResponderID, no certs,
#               another certificate, two SingleResponses, unsuccessful statuses
#   fetch       raw HTTP responses for the fetcher: 2xx / 3xx (allowed and refused Locations) / 4xx / 5xx,
#               chunked, over the cap, Content-Length mismatches, interim 1xx, malformed heads
# Every detached object signs DOC, the content fuzz_cms.c supplies.
set -eu

if [ $# -ne 3 ]; then
    echo "usage: sh tests/fuzz/make-seeds.sh PKI BIN OUT" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PKI=$(cd "$1" && pwd)
BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
[ -f "$PKI/.complete" ] || { echo "make-seeds: no test PKI in $PKI (sh tests/pki/make-all.sh $PKI)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "make-seeds: $BIN is not executable" >&2; exit 2; }

HASH=$({ cat "$0" "$PKI/.complete" "$BIN" "$ROOT"/policies/*.yaml; } | openssl dgst -sha256 -r | cut -d ' ' -f 1)
if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$HASH" ]; then
    exit 0
fi
TARGET_DIRS="der cert path cms policy policy_set xmldsig trustlist envelope http http_parse ocsp fetch"
for d in $TARGET_DIRS .tmp .complete; do rm -rf "${OUT:?}/$d"; done
T=$OUT/.tmp
for d in der cert cms policy policy_set xmldsig trustlist envelope http http_parse ocsp fetch .tmp; do mkdir -p "$OUT/$d"; done
trap 'rm -rf "$T"' EXIT

die() {
    echo "make-seeds: $*" >&2
    exit 1
}
q() {
    "$@" >"$T/log" 2>&1 || { cat "$T/log" >&2; die "command failed: $*"; }
}

DOC=$T/doc.txt
printf 'sigbridge fuzz document\n' >"$DOC"

# ---- cert / path: bundles -------------------------------------------------------------------------------
bundle() { # NAME FILE...: concatenate into cert/NAME
    out=$OUT/cert/$1
    shift
    cat "$@" >"$out"
}
bundle hk-leaf-chain-crls.pem "$PKI/hk/leaf.pem" "$PKI/hk/chain.pem" "$PKI/hk/int.crl" "$PKI/hk/root.crl"
bundle hk-revoked.pem "$PKI/hk/leaf-revoked.pem" "$PKI/hk/chain.pem" "$PKI/hk/int.crl" "$PKI/hk/root.crl"
bundle hk-stale-crl.pem "$PKI/hk/leaf.pem" "$PKI/hk/chain.pem" "$PKI/hk/int-stale.crl"
for v in expired notyet wrongku wrongpolicy sha1 rsa1024; do
    bundle "hk-$v.pem" "$PKI/hk/leaf-$v.pem" "$PKI/hk/chain.pem"
done
bundle cn-leaf-chain-crls.pem "$PKI/cn/leaf.pem" "$PKI/cn/chain.pem" "$PKI/cn/int.crl" "$PKI/cn/root.crl"
bundle cn-revoked.pem "$PKI/cn/leaf-revoked.pem" "$PKI/cn/chain.pem" "$PKI/cn/int.crl" "$PKI/cn/root.crl"
bundle cn-wrongid-crl.pem "$PKI/cn/leaf.pem" "$PKI/cn/chain.pem" "$PKI/cn/int-wrongid.crl"
bundle cn-altid.pem "$PKI/cn-altid/leaf.pem" "$PKI/cn-altid/chain.pem" "$PKI/cn-altid/int.crl"
bundle mo-rsa.pem "$PKI/mo/leaf-rsa.pem" "$PKI/mo/chain.pem" "$PKI/mo/int.crl" "$PKI/mo/root.crl"
bundle mo-ec.pem "$PKI/mo/leaf-ec.pem" "$PKI/mo/chain.pem" "$PKI/mo/int.crl"
bundle mo-revoked.pem "$PKI/mo/leaf-revoked.pem" "$PKI/mo/chain.pem" "$PKI/mo/int.crl" "$PKI/mo/root.crl"
bundle hk-root-only.pem "$PKI/hk/root.pem"
for j in hk cn mo; do
    q openssl x509 -in "$PKI/$j/int.pem" -outform DER -out "$T/$j-int.der"
    q openssl x509 -in "$PKI/$j/root.pem" -outform DER -out "$T/$j-root.der"
    q openssl crl -in "$PKI/$j/int.crl" -outform DER -out "$OUT/der/crl-$j-int.der"
done
leaf_der() { case $1 in mo) echo "$PKI/mo/leaf-rsa.der" ;; *) echo "$PKI/$1/leaf.der" ;; esac; }
for j in hk cn mo; do
    cat "$(leaf_der $j)" "$T/$j-int.der" "$T/$j-root.der" >"$OUT/cert/$j-chain.der"
    cp "$(leaf_der $j)" "$OUT/der/cert-$j-leaf.der"
done
cp "$PKI/hk/leaf.der" "$OUT/cert/hk-leaf-only.der"
cp -R "$OUT/cert" "$OUT/path"

# ---- cms ------------------------------------------------------------------------------------------------
sb_sign() { # NAME PKI-DIR LEAF [sign options]: our signer, chain carried
    name=$1 dir=$2 leaf=$3
    shift 3
    "$BIN" sign --key "$PKI/$dir/$leaf.key" --cert "$PKI/$dir/$leaf.pem" --chain "$PKI/$dir/chain.pem" "$@" "$DOC" \
        >"$OUT/cms/$name" 2>"$T/log" || { cat "$T/log" >&2; die "sigbridge sign $name failed"; }
}
sb_sign sb-hk-cms.der hk leaf --format cms
sb_sign sb-hk-cms-detached.der hk leaf --format cms --detached
sb_sign sb-cn-cms.der cn leaf --format cms
sb_sign sb-cn-gmt0010.der cn leaf --format gmt0010
sb_sign sb-cn-gmt0010-detached.der cn leaf --format gmt0010 --detached
sb_sign sb-cn-altid-gmt0010.der cn-altid leaf --format gmt0010 --sm2-id ALICE123@YAHOO.COM
sb_sign sb-mo-ec-cms.der mo leaf-ec --format cms
sb_sign sb-mo-rsa-cms-detached.der mo leaf-rsa --format cms --detached
sb_sign sb-hk-revoked.der hk leaf-revoked --format cms

ossl() { # NAME PKI-DIR LEAF [openssl cms -sign options]
    name=$1 dir=$2 leaf=$3
    shift 3
    q openssl cms -sign -binary -in "$DOC" -signer "$PKI/$dir/$leaf.pem" -inkey "$PKI/$dir/$leaf.key" \
        -certfile "$PKI/$dir/chain.pem" -out "$OUT/cms/$name" "$@"
}
ossl ossl-hk.der hk leaf -nodetach -outform DER
ossl ossl-hk-detached.der hk leaf -outform DER
ossl ossl-hk.pem hk leaf -nodetach -outform PEM
ossl ossl-hk-smime-multipart.eml hk leaf -outform SMIME
ossl ossl-hk-smime-opaque.eml hk leaf -nodetach -outform SMIME
ossl ossl-hk-ber.der hk leaf -nodetach -stream -outform DER
ossl ossl-hk-noattr.der hk leaf -nodetach -noattr -outform DER
ossl ossl-hk-pss.der hk leaf -nodetach -keyopt rsa_padding_mode:pss -outform DER
ossl ossl-hk-keyid.der hk leaf -nodetach -keyid -outform DER
ossl ossl-mo-ec-sha384.der mo leaf-ec -nodetach -md sha384 -outform DER
q openssl cms -sign -binary -nodetach -in "$DOC" -signer "$PKI/hk/leaf.pem" -inkey "$PKI/hk/leaf.key" \
    -signer "$PKI/mo/leaf-ec.pem" -inkey "$PKI/mo/leaf-ec.key" -certfile "$PKI/hk/chain.pem" \
    -outform DER -out "$OUT/cms/ossl-two-signers.der"
q openssl smime -sign -binary -nodetach -in "$DOC" -signer "$PKI/hk/leaf.pem" -inkey "$PKI/hk/leaf.key" \
    -certfile "$PKI/hk/chain.pem" -outform PEM -out "$OUT/cms/ossl-smime-pkcs7.pem"
for f in sb-hk-cms.der sb-cn-gmt0010.der ossl-hk-ber.der ossl-two-signers.der; do
    cp "$OUT/cms/$f" "$OUT/der/cms-$f"
done

# ---- der: nesting around the depth cap, long OID, high tag number, indefinite length ---------------------
python3 - "$OUT/der" <<'EOF'
import sys
out = sys.argv[1]
def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body
def nest(depth):
    b = tlv(0x05, b"")
    for _ in range(depth):
        b = tlv(0x30, b)
    return b
for d in (31, 32, 33, 200):
    open(f"{out}/nest-{d}.der", "wb").write(nest(d))
arcs = bytes([0x2a]) + b"\x81\x80\x80\x80\x80\x80\x80\x80\x01" * 20
open(f"{out}/oid-long.der", "wb").write(tlv(0x30, tlv(0x06, arcs)))
open(f"{out}/high-tag.der", "wb").write(tlv(0x30, b"\x9f\x81\x00\x01\x00" + tlv(0x04, b"x")))
open(f"{out}/indefinite.ber", "wb").write(b"\x30\x80\x04\x01x\x00\x00")
EOF

# ---- policy / policy_set ----------------------------------------------------------------------------------
for j in hk cn mo; do
    cp "$ROOT/policies/$j.yaml" "$OUT/policy/$j.yaml"
done
cp "$ROOT/policies/recognition.yaml" "$OUT/policy_set/recognition.yaml"
cat >"$OUT/policy/minimal.yaml" <<'EOF'
jurisdiction: hk
trust_anchors:
  - file: ../build/pki/hk/root.pem
EOF
cat >"$OUT/policy/flow.yaml" <<'EOF'
{jurisdiction: mo, trust_anchors: [{file: ../build/pki/mo/root.pem}], intermediates: [../build/pki/mo/int.pem],
 algorithms: {signature: [rsa-pkcs1-sha256, ecdsa-sha256], min_rsa_bits: 2048},
 certificate: {policy_oids: ["1.3.6.1.4.1.99999.1.*"], require_explicit_policy: true, max_chain_length: 3,
   key_usage: [digitalSignature], assurance_levels: {substantial: ["1.3.6.1.4.1.99999.1.1"]}},
 revocation: {mode: prefer, crl: [../build/pki/mo/int.crl]}, time: {validate_at: signing_time, max_clock_skew_s: 60},
 sm2: {default_id: "1234567812345678"}}
EOF
cat >"$OUT/policy/alias-bomb.yaml" <<'EOF'
jurisdiction: hk
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
trust_anchors: [*c]
EOF
cat >"$OUT/policy/wrong-types.yaml" <<'EOF'
jurisdiction: [hk]
trust_anchors: yes
certificate: {max_chain_length: "five", policy_oids: [1.2.3, "2.16.*.1"]}
revocation: {mode: always}
sm2: {default_id: 1234567812345678}
unknown_key: 1
EOF
cat >"$OUT/policy_set/minimal.yaml" <<'EOF'
- from: hk
  to: cn
  accept: { min_level: substantial }
EOF
cat >"$OUT/policy_set/bad.yaml" <<'EOF'
- from: hk
  to: xx
  accept: { policy_oids: ["2.16.344.*", "not-an-oid"], min_level: extreme }
  attest: { format: pdf, key: ../build/pki/hk/leaf.pem, cert: ../build/pki/hk/leaf.key }
- &r { from: cn, to: hk, accept: { min_level: low } }
- *r
EOF

# ---- xmldsig / trustlist ----------------------------------------------------------------------------------
XML=$T/doc.xml
printf '<?xml version="1.0" encoding="UTF-8"?>\n<doc xmlns="urn:example:sigbridge"><item Id="a">sigbridge fuzz document</item><item Id="b">second</item></doc>\n' >"$XML"
xsign() { # NAME PKI-DIR LEAF
    "$BIN" sign --format xmldsig --key "$PKI/$2/$3.key" --cert "$PKI/$2/$3.pem" --chain "$PKI/$2/chain.pem" "$XML" \
        >"$OUT/xmldsig/$1" 2>"$T/log" || { cat "$T/log" >&2; die "sigbridge sign --format xmldsig $1 failed"; }
}
xsign sb-hk-rsa.xml hk leaf
xsign sb-mo-ec.xml mo leaf-ec
xsign sb-mo-rsa.xml mo leaf-rsa
if [ -d "$PKI/tl" ]; then
    for f in "$PKI"/tl/*.xml; do
        cp "$f" "$OUT/trustlist/"
        cp "$f" "$OUT/xmldsig/tl-$(basename "$f")"
    done
fi

# ---- envelope ----------------------------------------------------------------------------------------------
b64() { openssl base64 -A <"$1"; }
q openssl dgst -sha256 -binary -out "$T/doc.sha256" "$DOC"
q openssl dgst -sha256 -sign "$PKI/hk/leaf.key" -out "$T/hk.sig" "$DOC"
q openssl x509 -in "$PKI/hk/leaf.pem" -outform DER -out "$T/hk-leaf.der"
q openssl x509 -in "$PKI/cn/leaf.pem" -outform DER -out "$T/cn-leaf.der"
printf '{"hash": "%s", "hash_alg": "SHA-256", "signature": "%s", "certificate": "%s", "document": "%s", "signing_time": "2026-01-01T00:00:00Z"}\n' \
    "$(b64 "$T/doc.sha256")" "$(b64 "$T/hk.sig")" "$(b64 "$T/hk-leaf.der")" "$(b64 "$DOC")" >"$OUT/envelope/hk-raw.json"
printf '{"hash": "%s", "pkcs7": "%s", "chain": ["%s"]}\n' "$(b64 "$T/doc.sha256")" \
    "$(b64 "$OUT/cms/sb-hk-cms-detached.der")" "$(b64 "$T/hk-int.der")" >"$OUT/envelope/hk-pkcs7.json"
q openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 -inkey "$PKI/cn/leaf.key" \
    -in "$DOC" -out "$T/cn.sig"
printf '{"signature": "%s", "certificate": "%s", "data": "%s", "id": "1234567812345678", "chain": ["%s"]}\n' \
    "$(b64 "$T/cn.sig")" "$(b64 "$T/cn-leaf.der")" "$(b64 "$DOC")" "$(b64 "$T/cn-int.der")" >"$OUT/envelope/cn-sm2-der.json"
python3 - "$T/cn.sig" "$T/cn.rs" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
def tlv(i):
    n = d[i + 1]; h = 2
    if n & 0x80:
        k = n & 0x7F; n = int.from_bytes(d[i + 2:i + 2 + k], "big"); h += k
    return i + h, i + h + n
c, e = tlv(0)
r0, r1 = tlv(c)
s0, s1 = tlv(r1)
open(sys.argv[2], "wb").write(d[r0:r1].lstrip(b"\0").rjust(32, b"\0") + d[s0:s1].lstrip(b"\0").rjust(32, b"\0"))
EOF
printf '{"signature": "%s", "signature_format": "rs", "certificate": "%s", "data": "%s"}\n' \
    "$(b64 "$T/cn.rs")" "$(b64 "$T/cn-leaf.der")" "$(b64 "$DOC")" >"$OUT/envelope/cn-sm2-rs.json"
printf '{"pkcs7": "%s", "data": "%s", "id": "1234567812345678"}\n' "$(b64 "$OUT/cms/sb-cn-gmt0010-detached.der")" \
    "$(b64 "$DOC")" >"$OUT/envelope/cn-pkcs7.json"
cp "$OUT/cms/sb-cn-gmt0010.der" "$OUT/envelope/cn-gmt0010.der"
cp "$OUT/cms/ossl-hk.pem" "$OUT/envelope/hk-cms.pem"
cp "$OUT/xmldsig/sb-mo-ec.xml" "$OUT/envelope/mo-xmldsig.xml"

# the canonical request (gateway/daemon/canon_request.h) of `PUT /fz/b/doc?v=1` with body DOC, for the bound route
# /fz/b/ (bind: [method, target]), signed detached by mo's RSA leaf
printf '"@method": PUT\n"@target": /fz/b/doc?v=1\n"content-digest": sha-256=:%s:\n"@signature-params": %s' \
    "$(openssl dgst -sha256 -binary "$DOC" | base64 -w0)" '("@method" "@target" "content-digest");alg="cms"' \
    >"$T/canon.txt"
q openssl cms -sign -binary -md sha256 -in "$T/canon.txt" -signer "$PKI/mo/leaf-rsa.pem" -inkey "$PKI/mo/leaf-rsa.key" \
    -certfile "$PKI/mo/chain.pem" -outform DER -out "$T/canon.p7s"

# ---- http: raw client streams for fuzz_http.c (limits there: max_body 16 KiB, max_headers 8 KiB) -----------
python3 - "$OUT" "$DOC" "$T/canon.p7s" <<'EOF'
import base64, hashlib, json, sys
out, doc = sys.argv[1], open(sys.argv[2], "rb").read()
def rd(p):
    return open(f"{out}/{p}", "rb").read()
def req(method, target, headers=(), body=None, version=b"HTTP/1.1", length=True):
    h = [method + b" " + target + b" " + version, b"Host: sigbridge"] + list(headers)
    if body is not None and length:
        h.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(h) + b"\r\n\r\n" + (body or b"")
def chunked(body, size=1000):
    parts = [b"%x\r\n" % len(body[i:i + size]) + body[i:i + size] + b"\r\n" for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"
def w(name, data):
    open(f"{out}/http/{name}", "wb").write(data)
CMS = b"Content-Type: application/cms"
JSON = b"Content-Type: application/json"
hk, cn, mo = rd("cms/sb-hk-cms.der"), rd("cms/sb-cn-gmt0010.der"), rd("cms/sb-mo-ec-cms.der")
hk_det = rd("cms/sb-hk-cms-detached.der")
# every route, GET / HEAD / HTTP/1.0
for path in (b"/healthz", b"/readyz", b"/metrics", b"/v1/policies"):
    n = path.decode().strip("/").replace("/", "-")
    w(f"get-{n}", req(b"GET", path))
    w(f"admin-get-{n}", b"@" + req(b"GET", path))
w("head-readyz", req(b"HEAD", b"/readyz"))
w("get-healthz-http10", req(b"GET", b"/healthz", version=b"HTTP/1.0"))
w("get-healthz-http10-keepalive", req(b"GET", b"/healthz", [b"Connection: keep-alive"], version=b"HTTP/1.0") * 2)
w("get-policies-close", req(b"GET", b"/v1/policies", [b"Connection: close"]))
w("get-absolute-uri", req(b"GET", b"http://sigbridge/healthz?x=1#f"))
w("get-unknown-path", req(b"GET", b"/v2/verify"))
w("get-request-id", req(b"GET", b"/healthz", [b"X-Request-Id: client-id_1.2"]))
w("get-request-id-bad", req(b"GET", b"/healthz", [b"X-Request-Id: bad id/\xff"]))
w("get-percent-path", req(b"GET", b"/v1/%70olicies%2f..%00"))
# admin routes
w("admin-reload", b"@" + req(b"POST", b"/admin/reload", body=b""))
w("admin-reload-get", b"@" + req(b"GET", b"/admin/reload"))
w("admin-reload-twice", b"@" + req(b"POST", b"/admin/reload", body=b"") * 2)
w("admin-verify-404", b"@" + req(b"POST", b"/v1/verify?from=hk", [CMS], hk))
w("api-reload-404", req(b"POST", b"/admin/reload", body=b""))
# /v1/verify: every input form
w("verify-hk-cms", req(b"POST", b"/v1/verify?from=hk", [CMS], hk))
w("verify-cn-gmt0010", req(b"POST", b"/v1/verify?from=cn", [b"Content-Type: application/pkcs7-mime; smime-type=signed-data"], cn))
w("verify-mo-ec-xml-report", req(b"POST", b"/v1/verify?from=mo", [b"Content-Type: application/octet-stream", b"Accept: application/xml"], mo))
w("verify-hk-pem", req(b"POST", b"/v1/verify?from=hk", [b"Content-Type: application/x-pem-file"], rd("cms/ossl-hk.pem")))
w("verify-hk-smime", req(b"POST", b"/v1/verify?from=hk", [b"Content-Type: message/rfc822"], rd("cms/ossl-hk-smime-opaque.eml")))
w("verify-hk-wrong-jurisdiction", req(b"POST", b"/v1/verify?from=cn", [CMS], hk))
w("verify-cn-altid-sm2-id", req(b"POST", b"/v1/verify?from=cn", [CMS, b"X-Sigbridge-SM2-Id: ALICE123@YAHOO.COM"], rd("cms/sb-cn-altid-gmt0010.der")))
w("verify-hk-digest-header", req(b"POST", b"/v1/verify?from=hk", [CMS, b"X-Sigbridge-Digest: sha256=" + hashlib.sha256(doc).hexdigest().encode()], hk_det))
w("verify-hk-digest-header-bad", req(b"POST", b"/v1/verify?from=hk", [CMS, b"X-Sigbridge-Digest: sha256=zz"], hk_det))
b64 = lambda b: base64.b64encode(b).decode()
env = json.dumps({"signature": b64(hk_det), "content": b64(doc)}).encode()
w("verify-envelope-content", req(b"POST", b"/v1/verify?from=hk", [JSON], env))
env = json.dumps({"signature": b64(hk_det), "digest": {"alg": "sha256", "value": hashlib.sha256(doc).hexdigest()}}).encode()
w("verify-envelope-digest", req(b"POST", b"/v1/verify?from=hk", [JSON, b"Accept: application/json"], env))
w("verify-envelope-bad", req(b"POST", b"/v1/verify?from=hk", [JSON], b'{"signature": 1, "extra": [}'))
w("verify-chunked", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Transfer-Encoding: chunked"], chunked(hk), length=False))
w("verify-chunked-bad-size", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Transfer-Encoding: chunked"], b"fffffffffffffffff\r\nx\r\n0\r\n\r\n", length=False))
w("verify-chunked-and-length", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Transfer-Encoding: chunked", b"Content-Length: 5"], chunked(b"hello"), length=False))
w("verify-expect-100", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Expect: 100-continue"], hk))
w("verify-missing-from", req(b"POST", b"/v1/verify", [CMS], hk))
w("verify-unknown-from", req(b"POST", b"/v1/verify?from=xx&from=hk", [CMS], hk))
w("verify-no-type", req(b"POST", b"/v1/verify?from=hk", [], hk))
w("verify-xml-type", req(b"POST", b"/v1/verify?from=hk", [b"Content-Type: text/xml"], rd("xmldsig/sb-hk-rsa.xml")))
w("verify-accept-html", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Accept: text/html"], hk))
w("verify-empty-body", req(b"POST", b"/v1/verify?from=hk", [CMS], b""))
w("verify-get", req(b"GET", b"/v1/verify?from=hk"))
w("verify-over-max-body", req(b"POST", b"/v1/verify?from=hk", [CMS], b"\x30" * 20000))
w("verify-content-length-1gib", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Content-Length: 1073741824"], length=False))
w("verify-content-length-short", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Content-Length: 5000"], hk[:100], length=False))
w("verify-content-length-negative", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Content-Length: -1"], b"x", length=False))
w("verify-content-length-twice", req(b"POST", b"/v1/verify?from=hk", [CMS, b"Content-Length: 1", b"Content-Length: 2"], b"xy", length=False))
# /v1/translate
w("translate-hk-cn-iamsmart", req(b"POST", b"/v1/translate?from=hk&to=cn", [JSON], rd("envelope/hk-raw.json")))
w("translate-hk-cn-pkcs7-json", req(b"POST", b"/v1/translate?from=hk&to=cn", [JSON], rd("envelope/hk-pkcs7.json")))
w("translate-cn-hk-gmt0010", req(b"POST", b"/v1/translate?from=cn&to=hk", [b"Content-Type: application/pkcs7-mime"], cn))
w("translate-cn-mo-sm2-json", req(b"POST", b"/v1/translate?from=cn&to=mo", [JSON], rd("envelope/cn-sm2-der.json")))
w("translate-mo-hk-xml", req(b"POST", b"/v1/translate?from=mo&to=hk", [b"Content-Type: application/xml"], rd("envelope/mo-xmldsig.xml")))
w("translate-missing-to", req(b"POST", b"/v1/translate?from=hk", [CMS], hk))
w("translate-no-type", req(b"POST", b"/v1/translate?from=hk&to=cn", [], hk))
# proxy routes (upstream closed: 502 after a passed verdict, 403 otherwise)
w("proxy-attached-hk", req(b"POST", b"/fz/a/orders?id=1", [CMS, b"Sigbridge-Verdict: forged"], hk))
w("proxy-attached-bad", req(b"POST", b"/fz/a/x", [CMS], b"not cms"))
w("proxy-attached-empty", req(b"GET", b"/fz/a/"))
w("proxy-detached-mo", req(b"PUT", b"/fz/d/doc", [b"Content-Type: text/plain", b"X-Sigbridge-Signature: " + base64.b64encode(rd("cms/sb-mo-rsa-cms-detached.der"))], doc))
w("proxy-detached-missing", req(b"POST", b"/fz/d/doc", [b"Content-Type: text/plain"], doc))
# bound routes: /fz/b/ binds method and target, /fz/t/ also the Date (a fixed Date: always outside max_skew_s)
bsig = b"X-Sigbridge-Signature: " + base64.b64encode(open(sys.argv[3], "rb").read())
w("proxy-bound-mo", req(b"PUT", b"/fz/b/doc?v=1", [b"Content-Type: text/plain", bsig], doc))
w("proxy-bound-mo-replayed", req(b"PUT", b"/fz/b/doc?v=1", [bsig], doc) * 2)
w("proxy-bound-other-method", req(b"POST", b"/fz/b/doc?v=1", [bsig], doc))
w("proxy-bound-other-target", req(b"PUT", b"/fz/b/doc?v=2", [bsig], doc))
w("proxy-bound-ctl-in-target", req(b"PUT", b"/fz/b/doc?v=\x01", [bsig], doc))
w("proxy-bound-date-skewed", req(b"PUT", b"/fz/t/doc", [b"Date: Sun, 06 Nov 1994 08:49:37 GMT", bsig], doc))
w("proxy-bound-date-missing", req(b"PUT", b"/fz/t/doc", [bsig], doc))
w("proxy-bound-date-bad", req(b"PUT", b"/fz/t/doc", [b"Date: Sunday, 06-Nov-94 08:49:37 GMT", bsig], doc))
w("proxy-bound-date-twice", req(b"PUT", b"/fz/t/doc", [b"Date: Sun, 06 Nov 1994 08:49:37 GMT", b"Date: x", bsig], doc))
# keep-alive: pipelined requests on one connection
w("pipelined-healthz-verify", req(b"GET", b"/healthz") + req(b"POST", b"/v1/verify?from=hk", [CMS], hk))
w("pipelined-verify-verify-close", req(b"POST", b"/v1/verify?from=mo", [CMS], mo) + req(b"POST", b"/v1/verify?from=cn", [CMS, b"Connection: close"], cn) + req(b"GET", b"/healthz"))
w("pipelined-head-get", req(b"HEAD", b"/readyz") + req(b"HEAD", b"/v1/policies") + req(b"GET", b"/healthz"))
w("pipelined-error-then-get", req(b"DELETE", b"/healthz") + req(b"GET", b"/nope") + req(b"GET", b"/metrics"))
# request line and framing
w("method-unknown", req(b"FOO", b"/healthz"))
w("method-trace", req(b"TRACE", b"/healthz"))
w("method-connect", req(b"CONNECT", b"sigbridge:443"))
w("method-options-star", req(b"OPTIONS", b"*"))
w("method-patch-verify", req(b"PATCH", b"/v1/verify?from=hk", [CMS], hk))
w("version-2", req(b"GET", b"/healthz", version=b"HTTP/2.0"))
w("version-bad", req(b"GET", b"/healthz", version=b"HTTP/1.x"))
w("version-09", b"GET /healthz\r\n\r\n")
w("version-12-and-minus-1", req(b"HEAD", b"/healthz", version=b"HTTP/1.2") + req(b"GET", b"/healthz", version=b"HTTP/1.-1"))
w("version-01-keepalive", req(b"GET", b"/healthz", [b"Connection: keep-alive"], version=b"HTTP/0.1") + req(b"GET", b"/healthz"))
w("request-line-spaces", b"GET  /healthz  HTTP/1.1\r\n\r\n")
w("lf-only", b"GET /healthz HTTP/1.1\nHost: x\n\n")
w("header-folding", req(b"GET", b"/healthz", [b"X-Folded: a", b" b", b"\tc"]))
w("header-nul", req(b"GET", b"/healthz", [b"X-Nul: a\x00b", b"X-Request-Id: a\x00"]))
w("header-no-colon", req(b"GET", b"/healthz", [b"NoColonHere"]))
w("header-too-large", req(b"GET", b"/healthz", [b"X-Big: " + b"a" * 9000]))
w("header-many", req(b"GET", b"/healthz", [b"X-H%d: %d" % (i, i) for i in range(600)]))
w("uri-long", req(b"GET", b"/healthz?" + b"a" * 10000))
w("empty-lines-first", b"\r\n\r\n" + req(b"GET", b"/healthz"))
w("partial-request-line", b"GET /heal")
w("partial-headers", b"POST /v1/verify?from=hk HTTP/1.1\r\nContent-Type: applica")
w("binary-garbage", bytes(range(256)))
EOF

# ---- http_parse: first byte = where fuzz_http_parse.c cuts the stream, then the stream ----------------------
python3 - "$OUT" <<'EOF'
import os, sys
out = sys.argv[1]
def w(name, split, data):
    open(f"{out}/http_parse/{name}", "wb").write(bytes([split]) + data)
for i, name in enumerate(sorted(os.listdir(f"{out}/http"))):
    w("http-" + name, (i * 37) % 256, open(f"{out}/http/{name}", "rb").read())
H = b"POST /v1/verify?from=hk HTTP/1.1\r\nHost: sigbridge:8080\r\n"
w("chunked-ext-trailer", 60, H + b"Transfer-Encoding: chunked\r\n\r\n"
  b"5;a=b ; c=\"d\\\"e\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: v\r\n\r\n"
  b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
w("chunked-bad-size", 70, H + b"Transfer-Encoding: chunked\r\n\r\n0x10\r\n" + b"a" * 16 + b"\r\n0\r\n\r\n")
w("chunked-bare-lf", 3, H + b"Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n")
w("te-cl", 5, H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
w("te-gzip-chunked", 9, H + b"Transfer-Encoding: gzip, chunked\r\n\r\n")
w("cl-dup", 11, H + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
w("absolute-form-expect", 13, b"\r\n\r\nPUT https://example.com:443/a?b=%2F HTTP/1.1\r\nHost: x\r\n"
  b"Expect: 100-continue\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n")
w("http10-keepalive", 17, b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
w("pri-preface", 19, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
w("connect-authority", 23, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
w("obs-fold", 29, b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n")
EOF

# ---- ocsp: DER OCSPResponses from the real `openssl ocsp` responder for (hk/leaf, hk/int) and (cn/leaf, cn/int) -
# (fuzz_ocsp.c checks them for that fixed pair; SM2-signed ones for the cn pair). index.txt files are written
# here: good / revoked (keyCompromise, certificateHold, no reason) / unknown (serial not listed).
O=$T/ocsp
mkdir -p "$O"
ocsp_index() { # FILE STATUS-LINE...: an `openssl ca` index.txt
    f=$1
    shift
    : >"$f"
    for l in "$@"; do printf '%s\n' "$l" >>"$f"; done
    printf 'unique_subject = no\n' >"$f.attr"
}
HKSUBJ='/C=HK/O=Hongkong Post (test)/OU=e-Cert (Personal)/CN=CHAN Tai Man (test)'
HKSER=$(openssl x509 -in "$PKI/hk/leaf.pem" -noout -serial | cut -d= -f2)
CNSER=$(openssl x509 -in "$PKI/cn/leaf.pem" -noout -serial | cut -d= -f2)
ocsp_index "$O/good.txt" "$(printf 'V\t340101000000Z\t\t%s\tunknown\t%s' "$HKSER" "$HKSUBJ")"
ocsp_index "$O/revoked.txt" "$(printf 'R\t340101000000Z\t250101000000Z,keyCompromise\t%s\tunknown\t%s' "$HKSER" "$HKSUBJ")"
ocsp_index "$O/hold.txt" "$(printf 'R\t340101000000Z\t250101000000Z,certificateHold\t%s\tunknown\t%s' "$HKSER" "$HKSUBJ")"
ocsp_index "$O/revoked-noreason.txt" "$(printf 'R\t340101000000Z\t250101000000Z\t%s\tunknown\t%s' "$HKSER" "$HKSUBJ")"
ocsp_index "$O/unknown.txt" "$(printf 'V\t340101000000Z\t\t0BAD\tunknown\t/CN=someone else')"
ocsp_index "$O/cn-good.txt" "$(printf 'V\t340101000000Z\t\t%s\tunknown\t/CN=cn leaf' "$CNSER")"
ocsp_index "$O/cn-revoked.txt" "$(printf 'R\t340101000000Z\t250101000000Z,superseded\t%s\tunknown\t/CN=cn leaf' "$CNSER")"
# a delegated responder of hk/int: id-kp-OCSPSigning, id-pkix-ocsp-nocheck; and one without OCSPSigning
printf 'extendedKeyUsage = OCSPSigning\nkeyUsage = critical, digitalSignature\nnoCheck = ignored\n' >"$O/resp.ext"
printf 'extendedKeyUsage = clientAuth\nkeyUsage = critical, digitalSignature\n' >"$O/resp-noeku.ext"
q openssl req -new -newkey rsa:2048 -nodes -keyout "$O/resp.key" -subj "/CN=hk OCSP responder (fuzz)" -out "$O/resp.csr"
q openssl x509 -req -in "$O/resp.csr" -CA "$PKI/hk/int.pem" -CAkey "$PKI/hk/int.key" -set_serial 0x7001 -days 3650 \
    -extfile "$O/resp.ext" -out "$O/resp.pem"
q openssl x509 -req -in "$O/resp.csr" -CA "$PKI/hk/int.pem" -CAkey "$PKI/hk/int.key" -set_serial 0x7002 -days 3650 \
    -extfile "$O/resp-noeku.ext" -out "$O/resp-noeku.pem"
ocsp_resp() { # NAME PAIR(hk|cn) INDEX SIGNER-PEM SIGNER-KEY [request options] -- [responder options]
    name=$1 j=$2 idx=$3 rs=$4 rk=$5
    shift 5
    ro=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do ro="$ro $1"; shift; done
    [ $# -gt 0 ] && shift
    # shellcheck disable=SC2086
    q openssl ocsp -issuer "$PKI/$j/int.pem" $ro -cert "$PKI/$j/leaf.pem" -reqout "$O/req.der"
    q openssl ocsp -index "$idx" -CA "$PKI/$j/int.pem" -rsigner "$rs" -rkey "$rk" -reqin "$O/req.der" \
        -respout "$OUT/ocsp/$name" "$@"
}
HKI="$PKI/hk/int.pem" HKK="$PKI/hk/int.key"
ocsp_resp hk-good.der hk "$O/good.txt" "$HKI" "$HKK"
ocsp_resp hk-good-nonce-absent.der hk "$O/good.txt" "$HKI" "$HKK" -no_nonce
ocsp_resp hk-good-ndays.der hk "$O/good.txt" "$HKI" "$HKK" -- -ndays 7
ocsp_resp hk-good-keyid-nocerts.der hk "$O/good.txt" "$HKI" "$HKK" -- -resp_key_id -resp_no_certs
ocsp_resp hk-good-sha256-certid.der hk "$O/good.txt" "$HKI" "$HKK" -sha256
ocsp_resp hk-good-rmd-sha512.der hk "$O/good.txt" "$HKI" "$HKK" -- -rmd sha512
ocsp_resp hk-revoked.der hk "$O/revoked.txt" "$HKI" "$HKK" -- -ndays 1
ocsp_resp hk-revoked-noreason.der hk "$O/revoked-noreason.txt" "$HKI" "$HKK"
ocsp_resp hk-hold.der hk "$O/hold.txt" "$HKI" "$HKK"
ocsp_resp hk-unknown.der hk "$O/unknown.txt" "$HKI" "$HKK"
ocsp_resp hk-delegated.der hk "$O/good.txt" "$O/resp.pem" "$O/resp.key" -- -ndays 1
ocsp_resp hk-delegated-revoked-sha256.der hk "$O/revoked.txt" "$O/resp.pem" "$O/resp.key" -sha256
ocsp_resp hk-delegated-no-ocspsigning.der hk "$O/good.txt" "$O/resp-noeku.pem" "$O/resp.key"
# another certificate's status (hk/leaf-revoked): OTHER_CERT for the fixed pair
q openssl ocsp -issuer "$PKI/hk/int.pem" -cert "$PKI/hk/leaf-revoked.pem" -reqout "$O/req.der"
q openssl ocsp -index "$PKI/hk/ca/int/index.txt" -CA "$HKI" -rsigner "$HKI" -rkey "$HKK" -reqin "$O/req.der" \
    -respout "$OUT/ocsp/hk-other-cert.der"
# two certificates in one request / response (the fixed leaf second)
q openssl ocsp -issuer "$PKI/hk/int.pem" -cert "$PKI/hk/leaf-revoked.pem" -cert "$PKI/hk/leaf.pem" -reqout "$O/req.der"
q openssl ocsp -index "$PKI/hk/ca/int/index.txt" -CA "$HKI" -rsigner "$HKI" -rkey "$HKK" -reqin "$O/req.der" \
    -respout "$OUT/ocsp/hk-two-singles.der"
# SM2: the cn pair signed by its SM2 CA (OpenSSL's default SM2 ID)
ocsp_resp cn-sm2-good.der cn "$O/cn-good.txt" "$PKI/cn/int.pem" "$PKI/cn/int.key"
ocsp_resp cn-sm2-revoked.der cn "$O/cn-revoked.txt" "$PKI/cn/int.pem" "$PKI/cn/int.key" -- -ndays 1
# unsuccessful responseStatus values (tryLater, unauthorized, malformedRequest): no responseBytes
printf '\060\003\012\001\003' >"$OUT/ocsp/try-later.der"
printf '\060\003\012\001\006' >"$OUT/ocsp/unauthorized.der"
printf '\060\003\012\001\001' >"$OUT/ocsp/malformed-request.der"

# ---- fetch: raw HTTP responses the fuzz_fetch.c listener sends to the fetcher (cap 4 KiB, deadline 300 ms) -
# Locations: /f/... is inside the allow-list (the same listener: it answers with the same bytes again),
# http://127.0.0.1:1/f/ is allowed but closed, /g/... and other hosts are outside it (never contacted).
python3 - "$OUT/fetch" "$OUT/ocsp/hk-good.der" <<'PYEOF'
import sys
out, ocsp = sys.argv[1], open(sys.argv[2], "rb").read()
def w(name, data):
    open(f"{out}/{name}", "wb").write(data)
def resp(status, headers, body=b"", version=b"HTTP/1.1"):
    h = b"".join(k + b": " + v + b"\r\n" for k, v in headers)
    return version + b" " + status + b"\r\n" + h + b"\r\n" + body
def chunked(parts, trailer=b""):
    return b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n" + trailer + b"\r\n"
OC = (b"Content-Type", b"application/ocsp-response")
w("200-ocsp", resp(b"200 OK", [OC, (b"Content-Length", b"%d" % len(ocsp))], ocsp))
w("200-ocsp-close-delimited", resp(b"200 OK", [OC, (b"Connection", b"close")], ocsp))
w("200-ocsp-http10", resp(b"200 OK", [OC, (b"Content-Length", b"%d" % len(ocsp))], ocsp, b"HTTP/1.0"))
w("200-empty", resp(b"200 OK", [(b"Content-Length", b"0")]))
w("204", resp(b"204 No Content", []))
w("200-chunked", resp(b"200 OK", [OC, (b"Transfer-Encoding", b"chunked")], chunked([ocsp[:100], ocsp[100:]])))
w("200-chunked-ext-trailer", resp(b"200 OK", [(b"Transfer-Encoding", b"chunked")],
                                  b"5;x=y\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"))
w("200-chunked-oversized", resp(b"200 OK", [(b"Transfer-Encoding", b"chunked")], chunked([b"a" * 3000, b"b" * 3000])))
w("200-chunked-bad-size", resp(b"200 OK", [(b"Transfer-Encoding", b"chunked")], b"zz\r\nhello\r\n0\r\n\r\n"))
w("200-chunked-truncated", resp(b"200 OK", [(b"Transfer-Encoding", b"chunked")], b"100\r\nshort"))
w("200-cl-over-cap", resp(b"200 OK", [(b"Content-Length", b"5000")], b"x" * 5000))
w("200-cl-over-cap-not-sent", resp(b"200 OK", [(b"Content-Length", b"99999999999")]))
w("200-close-delimited-over-cap", resp(b"200 OK", []) + b"y" * 5000)
w("200-cl-short-body", resp(b"200 OK", [(b"Content-Length", b"100")], b"only ten b"))
w("200-cl-long-body", resp(b"200 OK", [(b"Content-Length", b"4")], b"more than four bytes"))
w("200-cl-dup-conflict", resp(b"200 OK", [(b"Content-Length", b"4"), (b"Content-Length", b"5")], b"abcde"))
w("200-cl-negative", resp(b"200 OK", [(b"Content-Length", b"-1")], b"abc"))
w("200-cl-and-chunked", resp(b"200 OK", [(b"Content-Length", b"3"), (b"Transfer-Encoding", b"chunked")],
                             chunked([b"abc"])))
w("100-then-200", b"HTTP/1.1 100 Continue\r\n\r\n" + resp(b"200 OK", [(b"Content-Length", b"2")], b"ok"))
w("103-then-200", b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + resp(b"200 OK", [(b"Content-Length", b"2")], b"ok"))
w("404", resp(b"404 Not Found", [(b"Content-Length", b"9")], b"not found"))
w("500", resp(b"500 Internal Server Error", [(b"Content-Length", b"0")]))
w("503-retry-after", resp(b"503 Service Unavailable", [(b"Retry-After", b"1"), (b"Content-Length", b"0")]))
w("301-allowed-relative", resp(b"301 Moved Permanently", [(b"Location", b"/f/next")]))
w("302-allowed-absolute", resp(b"302 Found", [(b"Location", b"http://127.0.0.1:PORT/f/abs")]))
w("302-allowed-localhost", resp(b"302 Found", [(b"Location", b"http://localhost:PORT/f/dns")]))
w("307-allowed-closed-port", resp(b"307 Temporary Redirect", [(b"Location", b"http://127.0.0.1:1/f/x")]))
w("308-dot-segments", resp(b"308 Permanent Redirect", [(b"Location", b"/f/a/../b/./c?q=1#frag")]))
w("303-query-only", resp(b"303 See Other", [(b"Location", b"?only=query")]))
w("302-disallowed-path", resp(b"302 Found", [(b"Location", b"/g/outside")]))
w("302-disallowed-dotdot", resp(b"302 Found", [(b"Location", b"/f/../g/x")]))
w("302-disallowed-encoded-dotdot", resp(b"302 Found", [(b"Location", b"/f/%2e%2e/g")]))
w("302-disallowed-encoded-slash", resp(b"302 Found", [(b"Location", b"/f/..%2Fg")]))
w("302-disallowed-host", resp(b"302 Found", [(b"Location", b"http://169.254.169.254/latest/meta-data/")]))
w("302-disallowed-scheme-relative", resp(b"302 Found", [(b"Location", b"//evil.example/f/")]))
w("302-disallowed-userinfo", resp(b"302 Found", [(b"Location", b"http://127.0.0.1:PORT@evil.example/f/")]))
w("302-disallowed-https", resp(b"302 Found", [(b"Location", b"https://127.0.0.1:PORT/f/")]))
w("302-disallowed-file", resp(b"302 Found", [(b"Location", b"file:///etc/passwd")]))
w("302-disallowed-ldap", resp(b"302 Found", [(b"Location", b"ldap://ldap.example/cn=ca?certificateRevocationList")]))
w("302-no-location", resp(b"302 Found", [(b"Content-Length", b"0")]))
w("302-empty-location", resp(b"302 Found", [(b"Location", b"")]))
w("302-two-locations", resp(b"302 Found", [(b"Location", b"/f/1"), (b"Location", b"/g/2")]))
w("302-control-in-location", resp(b"302 Found", [(b"Location", b"/f/%00%0d%0a")]))
w("302-long-location", resp(b"302 Found", [(b"Location", b"/f/" + b"a" * 3000)]))
w("304", resp(b"304 Not Modified", []))
w("header-folding", b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok")
w("bare-lf", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
w("no-reason", b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
w("status-999", resp(b"999 Odd", [(b"Content-Length", b"0")]))
w("status-0", resp(b"000 Zero", [(b"Content-Length", b"0")]))
w("http09-body-only", ocsp[:64])
w("http2-version", resp(b"200 OK", [(b"Content-Length", b"2")], b"ok", b"HTTP/2.0"))
w("garbage-status-line", b"HTTP/1.1 OK 200\r\n\r\n")
w("empty", b"")
w("nul-in-header", b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 2\r\n\r\nok")
w("huge-header", b"HTTP/1.1 200 OK\r\nX-Big: " + b"h" * 8000 + b"\r\nContent-Length: 2\r\n\r\nok")
w("many-headers", b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(400)) + b"Content-Length: 2\r\n\r\nok")
w("head-cut", b"HTTP/1.1 200 OK\r\nContent-Le")
PYEOF

printf '%s\n' "$HASH" >"$OUT/.complete"
n=$(find "$OUT" -type f ! -name .complete | wc -l)
echo "make-seeds: $n seeds in $OUT"

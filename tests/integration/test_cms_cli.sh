#!/bin/sh
# tests/integration/test_cms_cli.sh — `sigbridge verify` / `sigbridge sign` against the real OpenSSL CLI.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_cms_cli.sh
#
# Needs the fixture PKIs of tests/pki/make-all.sh in SB_PKI, openssl 3.0 and python3 (to cut the signed
# attributes and the signature out of our DER for the independent SM2 check with `openssl pkeyutl`).
# Interop: objects from `openssl cms -sign` (attached, detached, -noattr, SHA-384, RSA-PSS, ECDSA, S/MIME,
# PEM, BER -stream) verify with us; our RSA/ECDSA output verifies with `openssl cms -verify`; our SM2
# (cms and gmt0010) output verifies with us and with pkeyutl, and fails with the wrong ID. Negative
# cases check exit code and JSON subindication. Prints "N passed, M failed"; exits 1 on any failure.
set -u

BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $PKI in /*) ;; *) PKI=$(pwd)/$PKI ;; esac
if [ ! -x "$BIN" ] || [ ! -f "$PKI/hk/root.pem" ]; then
    echo "test_cms_cli: need $BIN and the fixture PKIs in $PKI (sh tests/pki/make-all.sh $PKI)" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-cms-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2

pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# jfield KEY < json: the top-level value of KEY ("" for null), or error.code on exit-2 output.
jfield() {
    python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("<no-json>"); sys.exit(0)
if "error" in d:
    print("error:" + d["error"]["code"]); sys.exit(0)
v = d.get(sys.argv[1])
print("" if v is None else (json.dumps(v) if isinstance(v, (list, dict)) else v))' "$1"
}

# expect NAME EXIT SUBINDICATION PKI-DIR FILE [verify options]: run verify --json and check both.
expect() {
    name=$1 want_exit=$2 want_sub=$3 dir=$4 file=$5
    shift 5
    "$BIN" verify --json --anchor "$PKI/$dir/root.pem" --untrusted "$PKI/$dir/int.pem" "$@" "$file" >out.json 2>err.txt
    got=$?
    sub=$(jfield subindication <out.json)
    if [ "$got" -ne "$want_exit" ]; then
        ko "$name: exit $got, expected $want_exit ($(head -c 300 out.json) $(head -c 200 err.txt))"
    elif [ "$sub" != "$want_sub" ]; then
        ko "$name: subindication '$sub', expected '$want_sub' ($(head -c 300 out.json))"
    elif [ "$want_exit" -eq 0 ] && [ "$(jfield indication <out.json)" != TOTAL_PASSED ]; then
        ko "$name: indication is not TOTAL_PASSED"
    else
        ok
    fi
}

# expect_r NAME EXIT SUBINDICATION REASON PKI-DIR FILE [verify options]: expect, and the reason too.
expect_r() {
    r_name=$1 r_exit=$2 r_sub=$3 r_reason=$4 r_dir=$5 r_file=$6
    shift 6
    r_before=$fail
    expect "$r_name" "$r_exit" "$r_sub" "$r_dir" "$r_file" "$@"
    if [ "$fail" -eq "$r_before" ] && [ "$(jfield reason <out.json)" != "$r_reason" ]; then
        pass=$((pass - 1))
        ko "$r_name: reason '$(jfield reason <out.json)', expected '$r_reason' ($(head -c 300 out.json))"
    fi
}

# run NAME CMD...: the command must succeed.
run() {
    name=$1
    shift
    if "$@" >run.out 2>&1; then ok; else ko "$name: $* ($(head -c 300 run.out))"; fi
}

# sm2_parts FILE: write attrs.der (signed attributes re-tagged 0xA0 -> 0x31) and sig.der from our DER.
sm2_parts() {
    python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
def tlv(b, i):
    tag = b[i]; n = b[i + 1]; h = 2
    if n & 0x80:
        k = n & 0x7F; n = int.from_bytes(b[i + 2:i + 2 + k], "big"); h = 2 + k
    return tag, i + h, i + h + n          # tag, content start, end
def children(b, s, e):
    out = []
    while s < e:
        t, c, n = tlv(b, s); out.append((t, s, c, n)); s = n
    return out
_, c, e = tlv(d, 0)                          # ContentInfo
kids = children(d, c, e)                     # OID, [0]
_, _, c, e = kids[1]
_, c, e = tlv(d, c)                          # SignedData
sis = children(d, c, e)[-1]                  # signerInfos SET
si = children(d, sis[2], sis[3])[0]          # first SignerInfo
parts = children(d, si[2], si[3])
attrs = [p for p in parts if p[0] == 0xA0][0]
sig = [p for p in parts if p[0] == 0x04][-1]
open("attrs.der", "wb").write(b"\x31" + d[attrs[1] + 1:attrs[3]])
open("sig.der", "wb").write(d[sig[2]:sig[3]])
EOF
}

printf 'The quick brown fox jumps over the lazy dog.\n' >msg.txt
printf 'The quick brown fox jumps over the lazy cat.\n' >other.txt
HK=$PKI/hk MO=$PKI/mo CN=$PKI/cn

# ---- objects made by openssl cms -sign verify with us ---------------------------------------------
osign() { out=$1; shift; openssl cms -sign -in msg.txt -out "$out" "$@" 2>>osign.err; }
osign att.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -certfile "$HK/int.pem" -outform DER -nodetach -binary
expect "openssl attached DER" 0 "" hk att.der
osign det.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -binary
expect "openssl detached DER" 0 "" hk det.der --data msg.txt
expect "detached, other content" 1 HASH_FAILURE hk det.der --data other.txt
expect "detached without --data" 3 SIGNED_DATA_NOT_FOUND hk det.der
DG=$(openssl dgst -sha256 -r msg.txt | cut -d ' ' -f 1)
expect "detached, --digest" 0 "" hk det.der --digest "$DG" --digest-alg sha256
expect "detached, wrong --digest" 1 HASH_FAILURE hk det.der --digest "$(openssl dgst -sha256 -r other.txt | cut -d ' ' -f 1)"
osign noattr.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -nodetach -binary -noattr
expect "openssl -noattr" 0 "" hk noattr.der
osign noattr-det.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -binary -noattr
expect "-noattr detached, other content" 1 HASH_FAILURE hk noattr-det.der --data other.txt
expect "-noattr detached, --digest (RSA over the digest)" 0 "" hk noattr-det.der --digest "$DG"
# the signer used SHA-384, the caller gives a SHA-256 digest: the signed data is not there (as before), and
# the reason says why
osign det384.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -binary -md sha384
DG384=$(openssl dgst -sha384 -r msg.txt | cut -d ' ' -f 1)
expect_r "SHA-384 signer, --digest-alg sha384" 0 "" "" hk det384.der --digest "$DG384" --digest-alg sha384
expect_r "SHA-384 signer, --digest-alg sha256" 3 SIGNED_DATA_NOT_FOUND DIGEST_ALG_MISMATCH hk det384.der \
    --digest "$DG" --digest-alg sha256
osign noattr-det384.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -binary -noattr -md sha384
expect_r "-noattr SHA-384 signer, --digest-alg sha256" 3 SIGNED_DATA_NOT_FOUND DIGEST_ALG_MISMATCH hk \
    noattr-det384.der --digest "$DG" --digest-alg sha256
osign s384.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -nodetach -binary -md sha384
expect "openssl -md sha384" 0 "" hk s384.der
osign pss.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -nodetach -binary -keyopt rsa_padding_mode:pss
if openssl asn1parse -inform DER -in pss.der | grep -q rsassaPss; then ok; else ko "openssl did not make RSA-PSS"; fi
expect "openssl RSA-PSS" 0 "" hk pss.der
osign ec.der -signer "$MO/leaf-ec.pem" -inkey "$MO/leaf-ec.key" -outform DER -nodetach -binary
expect "openssl ECDSA P-256" 0 "" mo ec.der
osign smime.txt -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key"
expect "openssl S/MIME (default: multipart/signed)" 0 "" mo smime.txt
osign smime-att.txt -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -nodetach
expect "openssl S/MIME attached" 0 "" mo smime-att.txt
osign out.pem -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -outform PEM -nodetach -binary
expect "openssl -outform PEM" 0 "" mo out.pem
osign stream.der -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -outform DER -nodetach -binary -stream
expect "openssl -stream (BER, indefinite lengths)" 0 "" mo stream.der
osign keyid.der -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -outform DER -nodetach -binary -keyid
expect "openssl -keyid (subjectKeyIdentifier sid)" 0 "" mo keyid.der
osign nocerts.der -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -outform DER -nodetach -binary -nocerts
# ETSI EN 319 102-1: the signing certificate cannot be identified -> INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND
expect_r "-nocerts, signer not supplied" 3 NO_SIGNING_CERTIFICATE_FOUND NO_SIGNING_CERTIFICATE_FOUND mo nocerts.der
osign nocerts-keyid.der -signer "$MO/leaf-rsa.pem" -inkey "$MO/leaf-rsa.key" -outform DER -nodetach -binary -nocerts -keyid
expect_r "-nocerts -keyid, signer not supplied" 3 NO_SIGNING_CERTIFICATE_FOUND NO_SIGNING_CERTIFICATE_FOUND mo \
    nocerts-keyid.der
expect_r "-nocerts, another certificate supplied" 3 NO_SIGNING_CERTIFICATE_FOUND NO_SIGNING_CERTIFICATE_FOUND mo \
    nocerts.der --untrusted "$MO/leaf-ec.pem"
expect "-nocerts, signer given with --untrusted" 0 "" mo nocerts.der --untrusted "$MO/leaf-rsa.pem"

# two signers: one good, one revoked -> overall REVOKED, two entries in "signers"
osign two.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -signer "$HK/leaf-revoked.pem" \
    -inkey "$HK/leaf-revoked.key" -outform DER -nodetach -binary
expect "two signers, one revoked" 1 REVOKED hk two.der --crl "$HK/int.crl"
if [ "$(jfield signers <out.json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ]; then ok; else
    ko "two signers: signers array"; fi

# ---- negative cases with exact exit codes and subindications -------------------------------------
osign rev.der -signer "$HK/leaf-revoked.pem" -inkey "$HK/leaf-revoked.key" -outform DER -nodetach -binary
expect "revoked leaf with --crl" 1 REVOKED hk rev.der --crl "$HK/int.crl"
osign exp.der -signer "$HK/leaf-expired.pem" -inkey "$HK/leaf-expired.key" -outform DER -nodetach -binary
expect "expired leaf" 3 OUT_OF_BOUNDS_NO_POE hk exp.der
expect "expired leaf, --at inside its validity" 0 "" hk exp.der --at 2022-06-01T00:00:00Z
osign ku.der -signer "$HK/leaf-wrongku.pem" -inkey "$HK/leaf-wrongku.key" -outform DER -nodetach -binary
expect "leaf without digitalSignature/nonRepudiation" 3 CHAIN_CONSTRAINTS_FAILURE hk ku.der
osign sha1.der -signer "$HK/leaf.pem" -inkey "$HK/leaf.key" -outform DER -nodetach -binary -md sha1
expect "SHA-1 digest" 3 CRYPTO_CONSTRAINTS_FAILURE hk sha1.der
osign sha1cert.der -signer "$HK/leaf-sha1.pem" -inkey "$HK/leaf-sha1.key" -outform DER -nodetach -binary
expect "SHA-1-signed leaf certificate" 3 CRYPTO_CONSTRAINTS_FAILURE hk sha1cert.der
expect "no anchor for the signer" 3 NO_CERTIFICATE_CHAIN_FOUND mo att.der
expect "--revocation require without CRLs" 3 TRY_LATER hk att.der --revocation require
head -c 2000 /dev/urandom >garbage.bin
expect "garbage file" 2 error:INPUT_MALFORMED hk garbage.bin
head -c 500 att.der >trunc.der
expect "truncated DER" 2 error:INPUT_MALFORMED hk trunc.der
openssl x509 -in "$HK/leaf.pem" -outform DER -out cert.der
expect "a certificate, not CMS" 2 error:INPUT_MALFORMED hk cert.der
# tampered signature value (last byte of the file is the end of the RSA signature)
python3 -c 'import sys; d=bytearray(open("att.der","rb").read()); d[-1]^=1; open("badsig.der","wb").write(d)'
expect "tampered signature" 1 SIG_CRYPTO_FAILURE hk badsig.der
rm -f r.xml
"$BIN" verify --report r.xml --anchor "$HK/root.pem" att.der >/dev/null 2>&1
if [ $? -eq 0 ] && grep -q 'urn:etsi:019102:mainindication:total-passed' r.xml; then ok; else ko "--report does not write a TOTAL_PASSED ETSI report"; fi
# --report -: the report alone on stdout (a well-formed XML document), no file named "-"
"$BIN" verify --report - --anchor "$HK/root.pem" att.der >r-stdout.xml 2>err.txt
if [ $? -eq 0 ] && [ ! -e ./- ] && python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' r-stdout.xml \
    && grep -q 'urn:etsi:019102:mainindication:total-passed' r-stdout.xml; then ok; else
    ko "--report - does not write the ETSI report alone to stdout ($(head -c 200 r-stdout.xml))"; fi
"$BIN" verify --report - --anchor "$MO/root.pem" --untrusted "$MO/int.pem" nocerts.der >r-nocert.xml 2>err.txt
if [ $? -eq 3 ] && grep -q 'urn:etsi:019102:mainindication:indeterminate' r-nocert.xml \
    && grep -q 'urn:etsi:019102:subindication:NO_SIGNING_CERTIFICATE_FOUND' r-nocert.xml; then ok; else
    ko "--report - for a missing signer certificate lacks INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND"; fi
expect "--report - with --json" 2 error:USAGE hk att.der --report -
if [ ! -e ./- ]; then ok; else ko "--report - with --json created a file named '-'"; fi
"$BIN" verify --report - --json --anchor "$HK/root.pem" att.der >out.json 2>err.txt
if [ $? -eq 2 ] && [ "$(jfield subindication <out.json)" = error:USAGE ]; then ok; else
    ko "--report - before --json is not refused with exit 2 USAGE ($(head -c 200 out.json))"; fi

# ---- our RSA / ECDSA output verifies with openssl cms -verify -------------------------------------
run "sign cms RSA" sh -c "'$BIN' sign --key '$HK/leaf.key' --cert '$HK/leaf.pem' --chain '$HK/int.pem' msg.txt >our-rsa.der"
run "openssl verifies our RSA" openssl cms -verify -inform DER -in our-rsa.der -CAfile "$HK/root.pem" -purpose any -out v.txt
run "content round trip" cmp v.txt msg.txt
expect "we verify our RSA" 0 "" hk our-rsa.der
run "sign cms RSA detached" sh -c "'$BIN' sign --detached --key '$HK/leaf.key' --cert '$HK/leaf.pem' --chain '$HK/int.pem' msg.txt >our-rsa-det.der"
run "openssl verifies our detached RSA" openssl cms -verify -binary -inform DER -in our-rsa-det.der -content msg.txt \
    -CAfile "$HK/root.pem" -purpose any -out /dev/null
expect "we verify our detached RSA" 0 "" hk our-rsa-det.der --data msg.txt
run "sign cms ECDSA" sh -c "'$BIN' sign --key '$MO/leaf-ec.key' --cert '$MO/leaf-ec.pem' --chain '$MO/int.pem' msg.txt >our-ec.der"
run "openssl verifies our ECDSA" openssl cms -verify -inform DER -in our-ec.der -CAfile "$MO/root.pem" -purpose any -out /dev/null
expect "we verify our ECDSA" 0 "" mo our-ec.der

# ---- our SM2 output: us, and the independent pkeyutl check ----------------------------------------
openssl x509 -in "$CN/leaf.pem" -pubkey -noout >signer.pub
for fmt in cms gmt0010; do
    run "sign $fmt SM2" sh -c "'$BIN' sign --format $fmt --key '$CN/leaf.key' --cert '$CN/leaf.pem' --chain '$CN/int.pem' msg.txt >our-$fmt.der"
    expect "we verify our SM2 $fmt" 0 "" cn "our-$fmt.der"
    expect "our SM2 $fmt, wrong --sm2-id" 1 SIG_CRYPTO_FAILURE cn "our-$fmt.der" --sm2-id 1234567812345679
    sm2_parts "our-$fmt.der"
    run "pkeyutl verifies our SM2 $fmt" openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -digest sm3 \
        -pkeyopt distid:1234567812345678 -in attrs.der -sigfile sig.der
    if openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -digest sm3 -pkeyopt distid:1234567812345679 \
        -in attrs.der -sigfile sig.der >/dev/null 2>&1; then
        ko "pkeyutl accepts our SM2 $fmt signature under the wrong ID"
    else
        ok
    fi
    run "sign $fmt SM2 detached" sh -c "'$BIN' sign --detached --format $fmt --key '$CN/leaf.key' --cert '$CN/leaf.pem' --chain '$CN/int.pem' msg.txt >our-$fmt-det.der"
    expect "our SM2 $fmt detached" 0 "" cn "our-$fmt-det.der" --data msg.txt
    expect "our SM2 $fmt detached, --digest sm3" 0 "" cn "our-$fmt-det.der" \
        --digest "$(openssl dgst -sm3 -r msg.txt | cut -d ' ' -f 1)" --digest-alg sm3
    expect "our SM2 $fmt detached, other content" 1 HASH_FAILURE cn "our-$fmt-det.der" --data other.txt
done
if openssl asn1parse -inform DER -in our-gmt0010.der | grep -q '1.2.156.10197.6.1.4.2.2'; then ok; else
    ko "gmt0010 output lacks the GM/T signedData OID"; fi
run "sign SM2 with another ID" sh -c "'$BIN' sign --format gmt0010 --sm2-id ALICE123@YAHOO.COM --key '$CN/leaf.key' --cert '$CN/leaf.pem' msg.txt >our-alice.der"
expect "SM2 made with another ID, default --sm2-id" 1 SIG_CRYPTO_FAILURE cn our-alice.der
expect "SM2 made with another ID, right --sm2-id" 0 "" cn our-alice.der --sm2-id ALICE123@YAHOO.COM
"$BIN" sign --format gmt0010 --key "$HK/leaf.key" --cert "$HK/leaf.pem" msg.txt >/dev/null 2>&1
if [ $? -eq 2 ]; then ok; else ko "gmt0010 with an RSA key is not refused with exit 2"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

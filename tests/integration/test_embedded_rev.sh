#!/bin/sh
# tests/integration/test_embedded_rev.sh — revocation data carried in the object itself (issue 16): CAdES
# revocation-values, XAdES RevocationValues, and "ocsp_responses" / "crls" in a JSON envelope posted to the
# daemon; judged without network, as source "embedded" (left out under a policy whose revocation.sources lacks
# embedded).
#
#   SB_BIN=build/sigbridge sh tests/integration/test_embedded_rev.sh
#
# Made by independent tools: a CA with `openssl req` / `openssl x509`, an `openssl ca` index.txt, a CRL from
# `openssl ca -gencrl`, responses from the real responder `openssl ocsp -index ... -respout` (no port),
# signatures from `openssl cms -sign` and `sigbridge sign --format xmldsig`; the revocation data are put in by
# tests/integration/embed_rev.py with plain DER and string editing (a CAdES ocspVals entry is the
# BasicOCSPResponse taken out of the responder's OCSPResponse). Every case checks the exit code, subindication,
# reason and a part of the message. Prints "N passed, M failed".
set -u

BIN=${SB_BIN:-build/sigbridge}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
EMBED="python3 $HERE/embed_rev.py"
if [ ! -x "$BIN" ]; then
    echo "test_embedded_rev: need $BIN" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-embedrev.XXXXXX")
GW_PID=
cleanup() {
    [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2

pass=0
fail=0

# check NAME EXIT SUBINDICATION REASON MESSAGE-PART -- command...: as in test_cli_ocsp.sh
check() {
    name=$1 want_exit=$2 want_sub=$3 want_reason=$4 want_msg=$5
    shift 6
    "$@" >out.json 2>err.txt
    got=$?
    judge "$name" "$want_exit" "$want_sub" "$want_reason" "$want_msg" "$got"
}

# judge NAME EXIT SUB REASON MSG GOT: out.json against the expectations
judge() {
    res=$(python3 -c 'import json,sys
try:
    d = json.load(open("out.json"))
except Exception:
    print("nojson\tnojson\t"); sys.exit(0)
if "error" in d:
    print("-\t%s\t%s" % (d["error"]["code"], d["error"]["message"])); sys.exit(0)
print("%s\t%s\t%s" % (d.get("subindication") or "-", d.get("reason") or "-", d.get("message") or ""))')
    sub=$(printf '%s' "$res" | cut -f1)
    reason=$(printf '%s' "$res" | cut -f2)
    msg=$(printf '%s' "$res" | cut -f3-)
    case "$msg" in
    *"$5"*) msg_ok=1 ;;
    *) msg_ok=0 ;;
    esac
    if [ "$6" = "$2" ] && [ "$sub" = "$3" ] && [ "$reason" = "$4" ] && [ $msg_ok = 1 ]; then
        pass=$((pass + 1))
        echo "ok   $1"
    else
        fail=$((fail + 1))
        echo "FAIL $1: exit $6 (want $2), $sub/$reason (want $3/$4)"
        echo "     message: $msg"
        [ $msg_ok = 1 ] || echo "     lacks: $5"
        head -c 300 err.txt
    fi
}

die() { echo "test_embedded_rev: setup failed: $*" >&2; cat setup.log >&2; exit 2; }

# ---- a CA (RSA: xmldsig signs with RSA-SHA256 or ECDSA), its index, CRL and responses --------------------

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key 2>>setup.log || die "ca key"
openssl req -x509 -new -key ca.key -subj "/O=sigbridge tests/CN=Embedded revocation CA" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem 2>>setup.log || die "ca"
cert() { # cert NAME SERIAL CN
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>>setup.log || die "key $1"
    printf '[v3]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >"$1.cnf"
    openssl req -new -key "$1.key" -subj "/O=sigbridge tests/CN=$3" -out "$1.csr" 2>>setup.log || die "csr $1"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$2" -days 365 -sha256 \
        -extfile "$1.cnf" -extensions v3 -out "$1.pem" 2>>setup.log || die "cert $1"
}
cert leaf 0x1001 "leaf"
cert revoked 0x1002 "revoked leaf"
EXP=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t1001\tunknown\t/O=sigbridge tests/CN=leaf\n' "$EXP" >index.txt
printf 'R\t%s\t240101000000Z,keyCompromise\t1002\tunknown\t/O=sigbridge tests/CN=revoked leaf\n' "$EXP" >>index.txt
echo 01 >crlnumber
cat >ca.cnf <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
database         = index.txt
crlnumber        = crlnumber
certificate      = ca.pem
private_key      = ca.key
default_md       = sha256
default_crl_days = 1
crl_extensions   = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
openssl ca -config ca.cnf -gencrl -out crl.pem >>setup.log 2>&1 || die "gencrl"
openssl crl -in crl.pem -outform DER -out crl.der 2>>setup.log || die "crl der"

respond() { # respond OUT CERT [responder options]
    o=$1 c=$2
    shift 2
    openssl ocsp -issuer ca.pem -cert "$c" -no_nonce -reqout req.der >>setup.log 2>&1 || die "request for $c"
    openssl ocsp -index index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -reqin req.der -respout "$o" \
        -ndays 1 "$@" >>setup.log 2>&1 || die "response $o"
}
respond good.der leaf.pem
respond revoked.der revoked.pem
respond good-nc.der leaf.pem -resp_no_certs    # no certificates: the signature ends the DER
$EMBED basic good.der good.basic || die "basic"
$EMBED basic revoked.der revoked.basic || die "basic"
openssl asn1parse -inform DER -in good.basic >>setup.log 2>&1 || die "the BasicOCSPResponse does not parse"

# policies: the same anchor, revocation required, with and without `embedded`
mkdir -p pol_embedded pol_files
for d in pol_embedded pol_files; do cp ca.pem "$d/"; done
printf 'jurisdiction: tst\ntrust_anchors:\n  - file: ca.pem\nrevocation:\n  mode: require\n  sources: [embedded, files]\n' \
    >pol_embedded/tst.yaml
printf 'jurisdiction: tst\ntrust_anchors:\n  - file: ca.pem\nrevocation:\n  mode: require\n  sources: [files]\n' \
    >pol_files/tst.yaml

# ---- CAdES revocation-values ------------------------------------------------------------------------------

printf 'signed with its revocation values\n' >data.txt
signed() {
    openssl cms -sign -binary -nodetach -in data.txt -signer "$1.pem" -inkey "$1.key" -certfile ca.pem \
        -outform DER -out "$2" 2>>setup.log || die "cms $2"
}
signed leaf leaf.cms
signed revoked revoked.cms
$EMBED cades leaf.cms leaf-ocsp.cms --basic good.basic || die "cades"
$EMBED cades leaf.cms leaf-crl.cms --crl crl.der || die "cades"
$EMBED cades leaf.cms leaf-both.cms --crl crl.der --basic good.basic || die "cades"
$EMBED cades revoked.cms revoked-ocsp.cms --basic revoked.basic || die "cades"
$EMBED cades revoked.cms revoked-crl.cms --crl crl.der || die "cades"
$EMBED cades leaf.cms leaf-wrong.cms --basic revoked.basic || die "cades"
# a SEQUENCE that is no BasicOCSPResponse in ocspVals, and a tampered one (a signature byte flipped)
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("3003020100"))' >junk.basic
$EMBED basic good-nc.der good-nc.basic || die "basic"
python3 -c 'import sys
b = bytearray(open("good-nc.basic", "rb").read()); b[-1] ^= 1; sys.stdout.buffer.write(bytes(b))' >tampered.basic
$EMBED cades leaf.cms leaf-junk.cms --basic junk.basic || die "cades"
$EMBED cades leaf.cms leaf-tampered.cms --basic tampered.basic || die "cades"
$EMBED cades leaf.cms leaf-tampered-good.cms --basic tampered.basic --basic good.basic || die "cades"
# OpenSSL reads the result back: the attribute is where CAdES puts it
openssl cms -cmsout -print -inform DER -in leaf-both.cms 2>>setup.log | grep -q 'revocationValues' \
    || die "openssl cms does not see the revocation-values attribute"
# the signature is still valid for OpenSSL (unsigned attributes are outside it)
openssl cms -verify -inform DER -in leaf-both.cms -CAfile ca.pem -purpose any -out /dev/null 2>>setup.log \
    || die "openssl cms -verify refuses the object with revocation-values"

V="$BIN verify --json --anchor ca.pem"
check "CAdES: no revocation values, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    $V --revocation require leaf.cms
check "CAdES: ocspVals good, require" 0 - - "" -- $V --revocation require leaf-ocsp.cms
check "CAdES: crlVals, require" 0 - - "" -- $V --revocation require leaf-crl.cms
check "CAdES: both, require" 0 - - "" -- $V --revocation require leaf-both.cms
check "CAdES: ocspVals revoked" 1 REVOKED REVOKED \
    "supplied OCSP response (embedded): OCSP: serial 1002 revoked at 2024-01-01T00:00:00Z (reason 1)" -- \
    $V --revocation require revoked-ocsp.cms
check "CAdES: crlVals revoked" 1 REVOKED REVOKED "1002" -- $V --revocation prefer revoked-crl.cms
check "CAdES: ocspVals for another certificate, require" 3 TRY_LATER REVOCATION_UNAVAILABLE \
    "no SingleResponse has a CertID" -- $V --revocation require leaf-wrong.cms
check "CAdES: a malformed ocspVals entry decides nothing, require" 3 TRY_LATER REVOCATION_UNAVAILABLE \
    "embedded:" -- $V --revocation require leaf-junk.cms
check "CAdES: a malformed ocspVals entry, prefer" 0 - - "" -- $V --revocation prefer leaf-junk.cms
check "CAdES: a tampered BasicOCSPResponse is unusable, require" 3 TRY_LATER REVOCATION_UNAVAILABLE \
    "embedded: OCSP response for serial 1001 unusable" -- $V --revocation require leaf-tampered.cms
check "CAdES: tampered and good: the good one decides" 0 - - "" -- $V --revocation require leaf-tampered-good.cms
check "CAdES: policy with embedded" 0 - - "" -- "$BIN" verify --json --policy-dir pol_embedded --from tst leaf-ocsp.cms
check "CAdES: policy without embedded: not used" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    "$BIN" verify --json --policy-dir pol_files --from tst leaf-both.cms
check "CAdES: policy with embedded, revoked" 1 REVOKED REVOKED "(embedded)" -- \
    "$BIN" verify --json --policy-dir pol_embedded --from tst revoked-ocsp.cms

# ---- XAdES RevocationValues --------------------------------------------------------------------------------

printf '<?xml version="1.0" encoding="UTF-8"?>\n<doc Id="d"><item>an XML document</item></doc>\n' >doc.xml
"$BIN" sign --format xmldsig --key leaf.key --cert leaf.pem doc.xml >leaf.xml 2>>setup.log || die "xmldsig leaf"
"$BIN" sign --format xmldsig --key revoked.key --cert revoked.pem doc.xml >revoked.xml 2>>setup.log || die "xmldsig"
$EMBED xades leaf.xml leaf-ocsp.xml --ocsp good.der || die "xades"
$EMBED xades leaf.xml leaf-crl.xml --crl crl.der || die "xades"
$EMBED xades leaf.xml leaf-basic.xml --ocsp good.basic || die "xades"
$EMBED xades revoked.xml revoked-ocsp.xml --ocsp revoked.der || die "xades"
$EMBED xades revoked.xml revoked-crl.xml --crl crl.der || die "xades"
$EMBED xades revoked.xml revoked-v141.xml --v141 --ocsp revoked.der || die "xades"
$EMBED xades leaf.xml leaf-v141.xml --v141 --ocsp good.der || die "xades"
printf 'not a response' >junk.der
$EMBED xades leaf.xml leaf-junk.xml --ocsp junk.der || die "xades"
# xmlsec1, when installed, still verifies the signature: the unsigned properties are outside SignedInfo
if command -v xmlsec1 >/dev/null 2>&1; then
    xmlsec1 --verify --trusted-pem ca.pem leaf-ocsp.xml >>setup.log 2>&1 || die "xmlsec1 refuses leaf-ocsp.xml"
fi

check "XAdES: no revocation values, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    $V --revocation require leaf.xml
check "XAdES: EncapsulatedOCSPValue good, require" 0 - - "" -- $V --revocation require leaf-ocsp.xml
check "XAdES: EncapsulatedCRLValue, require" 0 - - "" -- $V --revocation require leaf-crl.xml
check "XAdES: a bare BasicOCSPResponse, wrapped, require" 0 - - "" -- $V --revocation require leaf-basic.xml
check "XAdES: OCSP revoked" 1 REVOKED REVOKED \
    "supplied OCSP response (embedded): OCSP: serial 1002 revoked at 2024-01-01T00:00:00Z (reason 1)" -- \
    $V --revocation prefer revoked-ocsp.xml
check "XAdES: CRL revoked" 1 REVOKED REVOKED "1002" -- $V --revocation require revoked-crl.xml
check "XAdES 1.4.1: TimeStampValidationData good, require" 0 - - "" -- $V --revocation require leaf-v141.xml
check "XAdES 1.4.1: TimeStampValidationData revoked" 1 REVOKED REVOKED "(embedded)" -- \
    $V --revocation require revoked-v141.xml
check "XAdES: an undecodable value is skipped, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    $V --revocation require leaf-junk.xml
check "XAdES: an undecodable value is skipped, prefer" 0 - - "" -- $V --revocation prefer leaf-junk.xml
check "XAdES: policy with embedded" 0 - - "" -- "$BIN" verify --json --policy-dir pol_embedded --from tst leaf-ocsp.xml
check "XAdES: policy without embedded: not used" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    "$BIN" verify --json --policy-dir pol_files --from tst leaf-ocsp.xml
check "XAdES: policy with embedded, revoked" 1 REVOKED REVOKED "(embedded)" -- \
    "$BIN" verify --json --policy-dir pol_embedded --from tst revoked-ocsp.xml

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# tests/integration/test_cli_ocsp.sh — revocation decided by OCSP responses supplied on the command line
# (`sigbridge chain|verify --ocsp-response FILE`) or carried in the CMS object (RFC 5940), without network.
#
#   SB_BIN=build/sigbridge sh tests/integration/test_cli_ocsp.sh
#
# Everything is made here by independent tools: a small CA with `openssl req` / `openssl x509`, an
# `openssl ca`-style index.txt, requests with `openssl ocsp -reqout` and responses with the real responder
# `openssl ocsp -index ... -rsigner ... -reqin ... -respout` (no port): good, revoked (keyCompromise at a
# given time), unknown, from a delegated responder with id-kp-OCSPSigning, from a responder certificate
# without it, stale (-ndays 1 and --at three days later), for another certificate, and tampered (one byte
# of the signature flipped). A CMS from `openssl cms -sign` gets a response spliced into its crls as
# RFC 5940 other [1] { id-ri-ocsp-response, OCSPResponse } by a few lines of python (OpenSSL's CLI cannot
# add one). Every case checks the exit code, the subindication and reason, and the message of --json.
# SM2 responses (right and wrong distinguishing ID) are unit-tested in tests/unit/test_revocation.c: the
# OpenSSL 3.0 CLI cannot sign an OCSP response under an SM2 ID. Prints "N passed, M failed".
set -u

BIN=${SB_BIN:-build/sigbridge}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
if [ ! -x "$BIN" ]; then
    echo "test_cli_ocsp: need $BIN" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-cli-ocsp.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2

pass=0
fail=0

# check NAME EXIT SUBINDICATION REASON MESSAGE-PART -- command...: the exit code, and in the JSON the
# subindication and reason ("-" = null) and a part of the message ("" = any); on exit 2 the error object's
# code and message stand for reason and message.
check() {
    name=$1 want_exit=$2 want_sub=$3 want_reason=$4 want_msg=$5
    shift 6
    "$@" >out.json 2>err.txt
    got=$?
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
    *"$want_msg"*) msg_ok=1 ;;
    *) msg_ok=0 ;;
    esac
    if [ "$got" = "$want_exit" ] && [ "$sub" = "$want_sub" ] && [ "$reason" = "$want_reason" ] && [ $msg_ok = 1 ]; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $got (want $want_exit), $sub/$reason (want $want_sub/$want_reason)"
        echo "     message: $msg"
        [ $msg_ok = 1 ] || echo "     lacks: $want_msg"
        head -c 300 err.txt
    fi
}

# ---- a small CA, its certificates and its index ----------------------------------------------------------

die() { echo "test_cli_ocsp: setup failed: $*" >&2; cat setup.log >&2; exit 2; }

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>>setup.log || die "key $1"; }

# cert NAME SERIAL CN EXTENSIONS: NAME.pem/NAME.key issued by ca.pem
cert() {
    key "$1.key"
    printf '[v3]\n%s\n' "$4" >"$1.cnf"
    openssl req -new -key "$1.key" -subj "/O=sigbridge tests/CN=$3" -out "$1.csr" 2>>setup.log || die "csr $1"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$2" -days 365 -sha256 \
        -extfile "$1.cnf" -extensions v3 -out "$1.pem" 2>>setup.log || die "cert $1"
}

key ca.key
openssl req -x509 -new -key ca.key -subj "/O=sigbridge tests/CN=OCSP CLI CA" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem 2>>setup.log || die "ca"
LEAF_EXT='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation'
cert leaf 0x1001 "leaf" "$LEAF_EXT"
cert revoked 0x1002 "revoked leaf" "$LEAF_EXT"
cert unknown 0x1003 "leaf not in the index" "$LEAF_EXT"
cert other 0x1004 "another leaf" "$LEAF_EXT"
cert future 0x1005 "leaf revoked next month" "$LEAF_EXT"
cert resp 0x2001 "OCSP responder" 'keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
1.3.6.1.5.5.7.48.1.5=ASN1:NULL'
cert resp_noeku 0x2002 "responder without OCSPSigning" 'keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'
EXP=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t1001\tunknown\t/O=sigbridge tests/CN=leaf\n' "$EXP" >index.txt
printf 'R\t%s\t240101000000Z,keyCompromise\t1002\tunknown\t/O=sigbridge tests/CN=revoked leaf\n' "$EXP" >>index.txt
printf 'V\t%s\t\t1004\tunknown\t/O=sigbridge tests/CN=another leaf\n' "$EXP" >>index.txt
FUT=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
printf 'R\t%s\t%s,superseded\t1005\tunknown\t/O=sigbridge tests/CN=leaf revoked next month\n' "$EXP" "$FUT" \
    >>index.txt

# respond OUT CERT RSIGNER RKEY [responder options]: the real responder's answer about CERT
respond() {
    out=$1 c=$2 rs=$3 rk=$4
    shift 4
    openssl ocsp -issuer ca.pem -cert "$c" -no_nonce -reqout req.der >>setup.log 2>&1 || die "request for $c"
    openssl ocsp -index index.txt -CA ca.pem -rsigner "$rs" -rkey "$rk" -reqin req.der -respout "$out" \
        -ndays 1 "$@" >>setup.log 2>&1 || die "response $out"
}

respond good.der leaf.pem ca.pem ca.key
respond delegated.der leaf.pem resp.pem resp.key
respond noeku.der leaf.pem resp_noeku.pem resp_noeku.key
respond revoked.der revoked.pem ca.pem ca.key
respond unknown.der unknown.pem ca.pem ca.key
respond other.der other.pem ca.pem ca.key
respond future.der future.pem ca.pem ca.key
# the same leaf as the responder answers once it has been revoked
sed 's/^V\(\t[^\t]*\t\)\t1001\t/R\1240601000000Z,keyCompromise\t1001\t/' index.txt >index.later
cp index.txt index.now && cp index.later index.txt
respond leaf-revoked.der leaf.pem ca.pem ca.key
cp index.now index.txt
# tampered: the last byte of the signature (the response carries no certificate after it)
respond tampered.der leaf.pem ca.pem ca.key -resp_no_certs
python3 -c 'import sys
b = bytearray(open("tampered.der", "rb").read()); b[-1] ^= 1; open("tampered.der", "wb").write(b)'
{ echo '-----BEGIN OCSP RESPONSE-----'; openssl base64 -in good.der; echo '-----END OCSP RESPONSE-----'; } >good.pem
LATER=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)

C="$BIN chain --json --anchor ca.pem"

# ---- sigbridge chain --ocsp-response --------------------------------------------------------------------

check "good, signed by the CA, require" 0 - - "" -- $C --revocation require --ocsp-response good.der leaf.pem
check "good, PEM" 0 - - "" -- $C --revocation require --ocsp-response good.pem leaf.pem
check "good, delegated responder with OCSPSigning" 0 - - "" -- \
    $C --revocation require --ocsp-response delegated.der leaf.pem
check "no response, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    $C --revocation require leaf.pem
check "revoked, require" 1 REVOKED REVOKED "revoked according to the supplied OCSP response (file): OCSP: serial 1002" -- \
    $C --revocation require --ocsp-response good.der --ocsp-response revoked.der revoked.pem
check "revoked: time and reason" 1 REVOKED REVOKED "revoked at 2024-01-01T00:00:00Z (reason 1)" -- \
    $C --revocation require --ocsp-response revoked.der revoked.pem
check "revoked, prefer" 1 REVOKED REVOKED "revoked according to the supplied OCSP response" -- \
    $C --revocation prefer --ocsp-response revoked.der revoked.pem
check "revoked only after the validation time" 0 - - "" -- \
    $C --revocation require --ocsp-response future.der future.pem
check "revoked, revocation off" 0 - - "" -- $C --revocation off --ocsp-response revoked.der revoked.pem
check "unknown, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "the responder does not know serial 1003" -- \
    $C --revocation require --ocsp-response unknown.der unknown.pem
check "unknown, prefer" 0 - - "" -- $C --revocation prefer --ocsp-response unknown.der unknown.pem
check "responder without OCSPSigning, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "id-kp-OCSPSigning" -- \
    $C --revocation require --ocsp-response noeku.der leaf.pem
check "responder without OCSPSigning, prefer" 0 - - "" -- $C --revocation prefer --ocsp-response noeku.der leaf.pem
check "stale, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "unusable: stale: nextUpdate" -- \
    $C --revocation require --at "$LATER" --ocsp-response good.der leaf.pem
check "stale, prefer" 0 - - "" -- $C --revocation prefer --at "$LATER" --ocsp-response good.der leaf.pem
check "for another certificate, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no SingleResponse has a CertID" -- \
    $C --revocation require --ocsp-response other.der leaf.pem
check "tampered, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "OCSP response for serial 1001 unusable" -- \
    $C --revocation require --ocsp-response tampered.der leaf.pem
check "tampered and good: the good one decides" 0 - - "" -- \
    $C --revocation require --ocsp-response tampered.der --ocsp-response good.der leaf.pem
check "not an OCSP response" 2 - INPUT_MALFORMED "--ocsp-response: leaf.pem is not an OCSP response" -- \
    $C --ocsp-response leaf.pem leaf.pem
printf 'garbage' >garbage.der
check "garbage" 2 - INPUT_MALFORMED "is not an OCSP response" -- $C --ocsp-response garbage.der leaf.pem
check "unreadable" 2 - INPUT_UNREADABLE "--ocsp-response: missing.der: cannot open" -- \
    $C --ocsp-response missing.der leaf.pem

# ---- sigbridge verify: the response embedded in the CMS (RFC 5940), or given as a file ----------------

printf 'signed with its revocation status alongside\n' >data.txt
# splice IN RESPONSE OUT: IN's SignedData with crls [1] { other [1] { id-ri-ocsp-response, RESPONSE } }
splice() {
    python3 - "$1" "$2" "$3" <<'EOF'
import sys

def tlv(b, i):
    """(tag, start of contents, end) of the element at b[i]."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n

def enc(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(ln)]) + ln
    return bytes([tag]) + head + body

cms = open(sys.argv[1], "rb").read()
resp = open(sys.argv[2], "rb").read()
_, ci, _ = tlv(cms, 0)                      # ContentInfo
_, o, oend = tlv(cms, ci)                   # contentType
_, x, _ = tlv(cms, oend)                    # [0] EXPLICIT
_, sd, sdend = tlv(cms, x)                  # SignedData
elems, i = [], sd
while i < sdend:
    tag, s, e = tlv(cms, i)
    elems.append((tag, cms[i:e]))
    i = e
assert all(t != 0xA1 for t, _ in elems), "the object already has crls"
oid = bytes.fromhex("06082b06010505071002")   # 1.3.6.1.5.5.7.16.2 id-ri-ocsp-response
crls = enc(0xA1, enc(0xA1, oid + resp))
body = b"".join(e for _, e in elems[:-1]) + crls + elems[-1][1]
out = enc(0x30, cms[ci:oend] + enc(0xA0, enc(0x30, body)))
open(sys.argv[3], "wb").write(out)
EOF
}
signed() {
    openssl cms -sign -binary -nodetach -in data.txt -signer "$1.pem" -inkey "$1.key" -certfile ca.pem \
        -outform DER -out "$2" 2>>setup.log || die "cms $2"
}
signed leaf leaf.cms
signed revoked revoked.cms
splice leaf.cms good.der leaf-good.cms || die "splice"
splice leaf.cms noeku.der leaf-noeku.cms || die "splice"
splice revoked.cms revoked.der revoked-revoked.cms || die "splice"
# what was spliced in is what `openssl cms` reads back as the object's other revocation information
openssl cms -cmsout -print -inform DER -in leaf-good.cms 2>>setup.log | grep -q 'id-ri-ocsp-response\|1.3.6.1.5.5.7.16.2' \
    || die "openssl cms does not read the spliced crls"

V="$BIN verify --json --anchor ca.pem"
check "CMS without revocation data, require" 3 TRY_LATER REVOCATION_UNAVAILABLE "no CRL from issuer" -- \
    $V --revocation require leaf.cms
check "CMS with an embedded good response, require" 0 - - "" -- $V --revocation require leaf-good.cms
check "CMS with an embedded revoked response" 1 REVOKED REVOKED "supplied OCSP response (embedded)" -- \
    $V --revocation prefer revoked-revoked.cms
check "CMS with an embedded unusable response, require" 3 TRY_LATER REVOCATION_UNAVAILABLE \
    "embedded: OCSP response for serial 1001 unusable" -- $V --revocation require leaf-noeku.cms
check "CMS with the response as a file, require" 0 - - "" -- $V --revocation require --ocsp-response good.der leaf.cms
check "CMS: a revoking file beside a good embedded response" 1 REVOKED REVOKED \
    "supplied OCSP response (file): OCSP: serial 1001 revoked at 2024-06-01T00:00:00Z (reason 1)" -- \
    $V --revocation require --ocsp-response leaf-revoked.der leaf-good.cms

# under a trust policy: revocation.sources without embedded leaves the object's response out
mkdir -p pol_embedded pol_files
for d in pol_embedded pol_files; do
    cp ca.pem "$d/"
done
printf 'jurisdiction: tst\ntrust_anchors:\n  - file: ca.pem\nrevocation:\n  mode: require\n  sources: [embedded, files]\n' \
    >pol_embedded/tst.yaml
printf 'jurisdiction: tst\ntrust_anchors:\n  - file: ca.pem\nrevocation:\n  mode: require\n  sources: [files]\n' \
    >pol_files/tst.yaml
check "policy with embedded: the embedded response decides" 0 - - "" -- \
    "$BIN" verify --json --policy-dir pol_embedded --from tst leaf-good.cms
check "policy without embedded: the embedded response is not used" 3 TRY_LATER REVOCATION_UNAVAILABLE \
    "no CRL from issuer" -- "$BIN" verify --json --policy-dir pol_files --from tst leaf-good.cms
check "policy without embedded, --ocsp-response given" 0 - - "" -- \
    "$BIN" verify --json --policy-dir pol_files --from tst --ocsp-response good.der leaf-good.cms
check "chain under a policy with --ocsp-response" 0 - - "" -- \
    "$BIN" chain --json --policy-dir pol_files --from tst --ocsp-response good.der leaf.pem
check "chain under a policy, unknown response" 3 TRY_LATER REVOCATION_UNAVAILABLE "does not know serial 1003" -- \
    "$BIN" chain --json --policy-dir pol_files --from tst --ocsp-response unknown.der unknown.pem

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

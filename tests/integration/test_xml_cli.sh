#!/bin/sh
# tests/integration/test_xml_cli.sh — `sigbridge verify` / `sign --format xmldsig` / `tl show` against
# xmlsec1, the independent XML-DSig implementation.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_xml_cli.sh
#
# Needs the fixture PKIs and the demo trusted lists of tests/pki/make-all.sh in SB_PKI, xmlsec1, xmllint,
# openssl and python3. Interop: documents signed by `xmlsec1 --sign` (enveloped, enveloping, same-document
# "#id" and XPointer references; RSA and ECDSA; C14N 1.0 / 1.1 / exclusive, with and without comments,
# InclusiveNamespaces) verify with us; our `sign --format xmldsig` output verifies with `xmlsec1 --verify`.
# Attacks: changed content, changed SignatureValue, the wrapping variants, XXE, billion laughs, deep
# nesting, a 50 MB document. ETSI reports checked with xmllint --xpath. Trusted lists: signer, expiry,
# tampering, XAdES signing-certificate binding, not-a-list. Prints "N passed, M failed"; exits 1 on failure.
set -u

BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $PKI in /*) ;; *) PKI=$(pwd)/$PKI ;; esac
if [ ! -x "$BIN" ] || [ ! -f "$PKI/mo/root.pem" ] || [ ! -f "$PKI/tl/mo-tl.xml" ]; then
    echo "test_xml_cli: need $BIN and the fixtures in $PKI (sh tests/pki/make-all.sh $PKI)" >&2
    exit 2
fi
for tool in xmlsec1 xmllint openssl python3; do
    command -v $tool >/dev/null 2>&1 || { echo "test_xml_cli: $tool not installed" >&2; exit 2; }
done
SRC=$(cd "$(dirname "$0")/../.." && pwd)   # the repository (its policies/)
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-xml-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 2

# python3 for JSON checks: the system one when present (a version-manager shim costs ~0.5 s a call)
PY=python3
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; fi
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

MO=$PKI/mo HK=$PKI/hk TL=$PKI/tl
DSIG=http://www.w3.org/2000/09/xmldsig#
C14N=http://www.w3.org/TR/2001/REC-xml-c14n-20010315
C14N11=http://www.w3.org/2006/12/xml-c14n11
EXC=http://www.w3.org/2001/10/xml-exc-c14n#
RSA256=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
RSA512=http://www.w3.org/2001/04/xmldsig-more#rsa-sha512
EC256=http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256
EC384=http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384
SHA256=http://www.w3.org/2001/04/xmlenc#sha256
SHA384=http://www.w3.org/2001/04/xmldsig-more#sha384

# jfield EXPR < json: a Python expression over the parsed object d ("" for None), or error:CODE.
jfield() {
    $PY -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("<no-json>"); sys.exit(0)
if "error" in d:
    print("error:" + d["error"]["code"]); sys.exit(0)
v = eval(sys.argv[1])
print("" if v is None else (json.dumps(v) if isinstance(v, (list, dict)) else v))' "$1"
}

# expect NAME EXIT SUBINDICATION FILE [verify options]: verify --json with the MO anchors.
expect() {
    name=$1 want_exit=$2 want_sub=$3 file=$4
    shift 4
    "$BIN" verify --json --anchor "$MO/root.pem" --untrusted "$MO/int.pem" "$@" "$file" >out.json 2>err.txt
    got=$?
    sub=$(jfield 'd.get("subindication")' <out.json)
    if [ "$got" -ne "$want_exit" ]; then
        ko "$name: exit $got, expected $want_exit ($(head -c 400 out.json) $(head -c 200 err.txt))"
    elif [ "$sub" != "$want_sub" ]; then
        ko "$name: subindication '$sub', expected '$want_sub' ($(head -c 400 out.json))"
    else
        ok
    fi
}

# check NAME CONDITION-COMMAND...: the command must succeed.
check() {
    name=$1
    shift
    if "$@" >check.out 2>&1; then ok; else ko "$name ($(head -c 300 check.out))"; fi
}

# tmpl FILE C14N SIGMETHOD DIGEST URI [TRANSFORMS-XML]: an enveloped-signature template over doc content.
tmpl() {
    f=$1 c=$2 sm=$3 dg=$4 uri=$5
    tr=${6:-"<Transform Algorithm=\"${DSIG}enveloped-signature\"/><Transform Algorithm=\"$c\"/>"}
    cat >"$f" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- outside the root -->
<Envelope xmlns="urn:example:envelope" xmlns:x="urn:example:x" Id="env">
  <!-- inside -->
  <Data Id="data-1" x:kind="payment">Pay <x:amount currency="MOP">100.00</x:amount> to Chan Siu Ming</Data>
  <Signature xmlns="$DSIG">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="$c"/>
      <SignatureMethod Algorithm="$sm"/>
      <Reference URI="$uri">
        <Transforms>$tr</Transforms>
        <DigestMethod Algorithm="$dg"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo><X509Data/></KeyInfo>
  </Signature>
</Envelope>
EOF
}

IDS="--id-attr:Id urn:example:envelope:Envelope --id-attr:Id urn:example:envelope:Data"
# xsign KEYNAME IN OUT: sign a template with an MO leaf key (and its certificate) using xmlsec1.
xsign() {
    # shellcheck disable=SC2086
    if ! xmlsec1 --sign $IDS --privkey-pem "$MO/$1.key,$MO/$1.pem" --output "$3" "$2" >xs.log 2>&1; then
        ko "xmlsec1 --sign $2: $(head -c 300 xs.log)"
        return 1
    fi
}

# ---- documents signed by xmlsec1 verify with us -------------------------------------------------
n=0
for spec in "leaf-rsa $EXC $RSA256 $SHA256" "leaf-rsa $C14N $RSA256 $SHA256" "leaf-rsa $C14N11 $RSA512 $SHA384" \
    "leaf-ec $EXC $EC256 $SHA256" "leaf-ec $C14N $EC384 $SHA384" "leaf-ec $C14N11 $EC256 $SHA256" \
    "leaf-rsa ${EXC}WithComments $RSA256 $SHA256" "leaf-ec ${C14N}#WithComments $EC256 $SHA256" \
    "leaf-rsa ${C14N11}#WithComments $RSA256 $SHA256"; do
    # shellcheck disable=SC2086
    set -- $spec
    n=$((n + 1))
    tmpl "t$n.xml" "$2" "$3" "$4" ""
    xsign "$1" "t$n.xml" "s$n.xml" && expect "xmlsec1 enveloped $1 $2 $3" 0 "" "s$n.xml"
done
# the reference's signed element is reported
check "signed_references names the document element" test "$(jfield 'd["signed_references"][0]["element"]' <out.json)" = /Envelope

# same-document "#id" reference (detached sibling) plus an XPointer reference with comments
tmpl tid.xml "$EXC" "$RSA256" "$SHA256" "#data-1" "<Transform Algorithm=\"$EXC\"/>"
$PY - <<'EOF'
s = open("tid.xml").read()
ref2 = ('<Reference URI="#xpointer(id(\'data-1\'))"><Transforms><Transform '
        'Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>')
s = s.replace("</Reference>", "</Reference>" + ref2, 1)
open("tid.xml", "w").write(s)
EOF
xsign leaf-rsa tid.xml sid.xml && expect "xmlsec1 #id + xpointer(id()) references" 0 "" sid.xml
check "both references reported" test "$(jfield '[r["element"] for r in d["signed_references"]]' <out.json)" = '["/Envelope/Data", "/Envelope/Data"]'

# exclusive C14N with InclusiveNamespaces
tmpl tin.xml "$EXC" "$EC256" "$SHA256" "" "<Transform Algorithm=\"${DSIG}enveloped-signature\"/><Transform Algorithm=\"$EXC\"><InclusiveNamespaces xmlns=\"$EXC\" PrefixList=\"x #default\"/></Transform>"
xsign leaf-ec tin.xml sin.xml && expect "xmlsec1 exc-c14n InclusiveNamespaces" 0 "" sin.xml

# enveloping signature (the signed data in ds:Object)
cat >tenv.xml <<EOF
<?xml version="1.0"?>
<Signature xmlns="$DSIG">
  <SignedInfo>
    <CanonicalizationMethod Algorithm="$C14N"/>
    <SignatureMethod Algorithm="$RSA256"/>
    <Reference URI="#obj"><DigestMethod Algorithm="$SHA256"/><DigestValue/></Reference>
  </SignedInfo>
  <SignatureValue/>
  <KeyInfo><X509Data/></KeyInfo>
  <Object Id="obj"><Order xmlns="urn:example:order">Enveloped data: 3 boxes</Order></Object>
</Signature>
EOF
xsign leaf-rsa tenv.xml senv.xml && expect "xmlsec1 enveloping" 0 "" senv.xml
sed 's/3 boxes/30 boxes/' senv.xml >senv-bad.xml
expect "enveloping, object changed" 1 HASH_FAILURE senv-bad.xml
# unsigned content slipped into the enveloping signature's Object: the signature stays valid (issue 15), the
# unsigned Order is listed and only the signed Object is a signed reference
sed 's|<Object Id="obj">|<Object><Order xmlns="urn:example:order">evil</Order></Object><Object Id="obj">|' senv.xml >senv-xsw.xml
expect "enveloping, unsigned ds:Object added: valid" 0 "" senv-xsw.xml
check "enveloping, unsigned ds:Object added: reason null, the added Order listed, the signed Object referenced" \
    test "$(jfield '[d["reason"], d["unsigned_content"], [r["element"] for r in d["signed_references"]]]' <out.json)" = \
    '[null, ["/Signature/Object[1]/Order"], ["/Signature/Object[2]"]]'

# BOM before the XML declaration
printf '\357\273\277' >bom.xml
cat s1.xml >>bom.xml
expect "BOM + XML declaration routed to XML-DSig" 0 "" bom.xml

# ---- our signatures verify with xmlsec1 -----------------------------------------------------------
cat >plain.xml <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<Order xmlns="urn:example:order" xmlns:p="urn:example:party" Id="o1">
  <p:Buyer>Chan Siu Ming</p:Buyer>
  <Item qty="3">Boxes &amp; tape</Item>
</Order>
EOF
for k in leaf-rsa leaf-ec; do
    if "$BIN" sign --format xmldsig --key "$MO/$k.key" --cert "$MO/$k.pem" --chain "$MO/int.pem" plain.xml >"our-$k.xml" 2>sign.err; then
        ok
    else
        ko "sign --format xmldsig $k: $(cat sign.err)"
    fi
    check "xmlsec1 verifies our $k signature" xmlsec1 --verify --trusted-pem "$MO/root.pem" --untrusted-pem "$MO/int.pem" "our-$k.xml"
    expect "we verify our $k signature" 0 "" "our-$k.xml"
done
check "our signature uses exclusive C14N" grep -q "xml-exc-c14n#" our-leaf-rsa.xml
check "our ECDSA signature is ECDSA-SHA256" grep -q "ecdsa-sha256" our-leaf-ec.xml
"$BIN" sign --format xmldsig --detached --key "$MO/leaf-rsa.key" --cert "$MO/leaf-rsa.pem" plain.xml >/dev/null 2>&1
check "--detached with xmldsig is a usage error" test $? -eq 2
"$BIN" sign --format xmldsig --key "$MO/leaf-rsa.key" --cert "$MO/leaf-rsa.pem" "$MO/leaf-rsa.der" >/dev/null 2>&1
check "signing a non-XML input fails with 2" test $? -eq 2

# ---- RSA-PSS (RFC 6931 sha256-rsa-MGF1): xmlsec1 1.2 has none, so xmllint + openssl check it ---------
# An RSA-PSS key (rsassaPss SPKI, as the German trusted list signer's) issued by mo/int.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out pss.key 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >pss.ext
openssl req -new -key pss.key -subj "/C=MO/O=eSignTrust (test)/CN=PSS signer (test)" -out pss.csr 2>/dev/null
openssl x509 -req -in pss.csr -CA "$MO/int.pem" -CAkey "$MO/int.key" -set_serial 0x7001 -days 30 -extfile pss.ext -out pss.pem 2>/dev/null
openssl x509 -in pss.pem -pubkey -noout >pss.pub
"$BIN" sign --format xmldsig --key pss.key --cert pss.pem --chain "$MO/int.pem" plain.xml >our-pss.xml 2>sign.err
check "sign with an RSA-PSS key" grep -q "sha256-rsa-MGF1" our-pss.xml
expect "we verify our RSA-PSS signature" 0 "" our-pss.xml
# pss_parts FILE: si.xml (SignedInfo as a document: exclusive C14N of it is the same), sv.bin, nosig.xml
# (the document without the signature and comments: the "" reference's node-set), dv.txt
pss_parts() {
    $PY - "$1" <<'PYEOF'
import base64, re, sys
s = open(sys.argv[1]).read()
si = re.search(r"<ds:SignedInfo>.*?</ds:SignedInfo>", s, re.S).group(0)
open("si.xml", "w").write(si.replace("<ds:SignedInfo>", '<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">', 1))
open("sv.bin", "wb").write(base64.b64decode(re.search(r"<ds:SignatureValue>(.*?)</ds:SignatureValue>", s, re.S).group(1)))
doc = re.sub(r"<ds:Signature .*?</ds:Signature>", "", s, flags=re.S)
open("nosig.xml", "w").write(re.sub(r"<!--.*?-->", "", doc, flags=re.S))
open("dv.txt", "w").write(re.search(r"<ds:DigestValue>(.*?)</ds:DigestValue>", s, re.S).group(1))
PYEOF
}
pss_parts our-pss.xml
xmllint --exc-c14n si.xml >si.c14n
check "openssl verifies our RSA-PSS SignatureValue" openssl dgst -sha256 -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha256 -verify pss.pub -signature sv.bin si.c14n
check "xmllint + openssl reproduce our DigestValue" test "$(xmllint --exc-c14n nosig.xml | openssl dgst -sha256 -binary | openssl base64 -A)" = "$(cat dv.txt)"
# the other way: an RSA-PSS SignatureValue made by openssl (plain RSA key) over SignedInfo, verified by us
sed 's|http://www.w3.org/2001/04/xmldsig-more#rsa-sha256|http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1|' our-leaf-rsa.xml >pss-tmpl.xml
pss_parts pss-tmpl.xml
xmllint --exc-c14n si.xml >si.c14n
openssl dgst -sha512 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha512 \
    -sign "$MO/leaf-rsa.key" -out pss-sv.bin si.c14n
$PY - <<'PYEOF'
import base64, re
s = open("pss-tmpl.xml").read()
sv = base64.b64encode(open("pss-sv.bin", "rb").read()).decode()
open("openssl-pss.xml", "w").write(re.sub(r"<ds:SignatureValue>.*?</ds:SignatureValue>", "<ds:SignatureValue>" + sv + "</ds:SignatureValue>", s, flags=re.S))
PYEOF
check "SignatureMethod is sha512-rsa-MGF1" grep -q 'Algorithm="http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"' openssl-pss.xml
expect "RSA-PSS SHA-512 signature made by openssl" 0 "" openssl-pss.xml

# ---- negative cases ----------------------------------------------------------------------------------
sed 's/100.00/900.00/' s1.xml >tampered.xml
expect "content changed after signing" 1 HASH_FAILURE tampered.xml
$PY - <<'EOF'
import re
s = open("s1.xml").read()
m = re.search(r"<SignatureValue>\s*(\S)", s)
i = m.start(1)
s = s[:i] + ("B" if s[i] == "A" else "A") + s[i + 1:]
open("badsig.xml", "w").write(s)
EOF
expect "SignatureValue changed" 1 SIG_CRYPTO_FAILURE badsig.xml
"$BIN" verify --json --anchor "$HK/root.pem" s1.xml >out.json 2>/dev/null
check "no anchor (HK root only)" test "$(jfield 'd["subindication"]' <out.json)" = NO_CERTIFICATE_CHAIN_FOUND
tmpl tsha1.xml "$EXC" "http://www.w3.org/2000/09/xmldsig#rsa-sha1" "$SHA256" ""
xsign leaf-rsa tsha1.xml ssha1.xml && expect "RSA-SHA1 signature method" 3 CRYPTO_CONSTRAINTS_FAILURE ssha1.xml
tmpl tx.xml "$EXC" "$RSA256" "$SHA256" "" "<Transform Algorithm=\"${DSIG}enveloped-signature\"/><Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><XPath>not(ancestor-or-self::x:amount)</XPath></Transform>"
xsign leaf-rsa tx.xml sx.xml && expect "XPath transform refused" 1 FORMAT_FAILURE sx.xml
check "the refused transform is named" grep -q "REC-xpath-19991116" out.json
expect "document without signature" 1 FORMAT_FAILURE plain.xml
"$BIN" verify --json --anchor "$MO/root.pem" --data plain.xml s1.xml >out.json 2>&1
check "--data with XML is a usage error (2)" test "$(jfield 'd' <out.json)" = error:USAGE

# signature wrapping: the signed Data moved into a wrapper, an attacker Data with the same Id in its place
xsign leaf-rsa tid.xml sid.xml
$PY - <<'EOF'
import re
s = open("sid.xml").read()
orig = re.search(r'<Data Id="data-1".*?</Data>', s, re.S).group(0)
open("xsw-dup.xml", "w").write(s.replace(orig, '<Data Id="data-1" x:kind="payment">Pay 1000000 to Mallory</Data><Wrapper>' + orig + '</Wrapper>'))
open("xsw-newid.xml", "w").write(s.replace(orig, '<Data Id="evil" x:kind="payment">Pay 1000000 to Mallory</Data><Wrapper>' + orig + '</Wrapper>'))
EOF
expect "XSW: moved signed element + injected one with the same Id" 1 FORMAT_FAILURE xsw-dup.xml
check "XSW message names the duplicate Id" grep -q "data-1" out.json
# (issue 15) a fresh Id: the signature is valid; the injected Data is listed as unsigned, the signed
# references name the moved one (consumers read what was signed, never the first Data)
expect "XSW: moved signed element + injected one with a new Id: valid" 0 "" xsw-newid.xml
check "XSW new Id: reason null, the injected Data unsigned, the references at the moved Data" \
    test "$(jfield '[d["reason"], d["unsigned_content"], [r["element"] for r in d["signed_references"]]]' <out.json)" = \
    '[null, ["/Envelope/Data"], ["/Envelope/Wrapper/Data", "/Envelope/Wrapper/Data"]]'
# signature moved into an unsigned wrapper: the Envelope signed by its Id, then wrapped with attacker content
tmpl troot.xml "$EXC" "$RSA256" "$SHA256" "#env"
xsign leaf-rsa troot.xml sroot.xml && expect "root signed by Id" 0 "" sroot.xml
$PY - <<'EOF'
s = open("sroot.xml").read()
i = s.index("<Envelope")
j = s.index("</Envelope>") + len("</Envelope>")
open("xsw-wrap.xml", "w").write(s[:i] + '<Wrapper xmlns="urn:example:envelope"><Data Id="x">Pay Mallory</Data>' + s[i:j] + "</Wrapper>" + s[j:])
EOF
expect "XSW: signed document moved into an unsigned wrapper: valid" 0 "" xsw-wrap.xml
check "XSW wrapper: the attacker's Data unsigned, the Envelope signed" \
    test "$(jfield '[d["reason"], d["unsigned_content"], [r["element"] for r in d["signed_references"]]]' <out.json)" = \
    '[null, ["/Wrapper/Data"], ["/Wrapper/Envelope"]]'

# ---- partial coverage (issue 15): an xmlsec1 "#id" reference over one element -------------------------
cat >tpart.xml <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Form xmlns="urn:example:form">
  <Header>Routing header, not signed</Header>
  <Body Id="body-1"><Amount currency="MOP">100.00</Amount></Body>
  <Note>Pay <b>later</b></Note>
  <Signature xmlns="$DSIG">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="$EXC"/>
      <SignatureMethod Algorithm="$RSA256"/>
      <Reference URI="#body-1">
        <Transforms><Transform Algorithm="$EXC"/></Transforms>
        <DigestMethod Algorithm="$SHA256"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo><X509Data/></KeyInfo>
  </Signature>
</Form>
EOF
if xmlsec1 --sign --id-attr:Id urn:example:form:Body --privkey-pem "$MO/leaf-rsa.key,$MO/leaf-rsa.pem" \
    --output spart.xml tpart.xml >xs.log 2>&1; then ok; else ko "xmlsec1 --sign tpart.xml: $(head -c 300 xs.log)"; fi
expect "partial coverage: TOTAL_PASSED" 0 "" spart.xml
check "partial coverage: reason null, Header and Note unsigned, Body signed" \
    test "$(jfield '[d["indication"], d["reason"], d["unsigned_content"], [r["element"] for r in d["signed_references"]]]' <out.json)" = \
    '["TOTAL_PASSED", null, ["/Form/Header", "/Form/Note"], ["/Form/Body"]]'
"$BIN" verify --anchor "$MO/root.pem" --untrusted "$MO/int.pem" --report part-report.xml spart.xml >/dev/null 2>&1
check "partial coverage: the ETSI report passes" test "$(xmllint --xpath "string(//*[local-name()='MainIndication'])" part-report.xml)" = \
    urn:etsi:019102:mainindication:total-passed
check "partial coverage: the ETSI report lists the unsigned content" \
    test "$(xmllint --xpath "//*[local-name()='ReportData'][*[local-name()='Type']='urn:sigbridge:unsigned-content']/*[local-name()='Value']/text()" part-report.xml | tr '\n' ' ')" = \
    "/Form/Header /Form/Note "
# an Object inside the enveloped signature covered by a second reference (as XAdES SignedProperties): the
# signature's own elements are never listed, only the document's unsigned content
$PY - <<'EOF'
s = open("tpart.xml").read()
ref2 = ('<Reference URI="#props"><Transforms><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>')
s = s.replace("</Reference>", "</Reference>" + ref2, 1)
s = s.replace("</KeyInfo>", '</KeyInfo><Object Id="props"><Props xmlns="urn:example:form">signed here</Props></Object>', 1)
open("tpart2.xml", "w").write(s)
EOF
if xmlsec1 --sign --id-attr:Id urn:example:form:Body --privkey-pem "$MO/leaf-rsa.key,$MO/leaf-rsa.pem" \
    --output spart2.xml tpart2.xml >xs.log 2>&1; then ok; else ko "xmlsec1 --sign tpart2.xml: $(head -c 300 xs.log)"; fi
expect "partial coverage with a signed ds:Object in the signature: TOTAL_PASSED" 0 "" spart2.xml
check "signed ds:Object in the signature: only Header and Note unsigned" \
    test "$(jfield '[d["reason"], d["unsigned_content"], [r["element"] for r in d["signed_references"]]]' <out.json)" = \
    '[null, ["/Form/Header", "/Form/Note"], ["/Form/Body", "/Form/Signature/Object"]]'
# a policy copy with xml.require_full_coverage: true refuses it; the shipped policy lists it
PD=$T/policies
mkdir -p "$PD"
for f in "$SRC"/policies/*.yaml; do
    sed "s#\.\./build/pki#$PKI#g" "$f" >"$PD/$(basename "$f")"
done
"$BIN" verify --json --policy-dir "$PD" --from mo spart.xml >out.json 2>err.txt
got=$?
check "policy without require_full_coverage: exit 0, unsigned content listed (exit $got)" \
    test "$got:$(jfield '[d["reason"], d["unsigned_content"]]' <out.json)" = '0:[null, ["/Form/Header", "/Form/Note"]]'
printf 'xml:\n  require_full_coverage: true\n' >>"$PD/mo.yaml"
"$BIN" verify --json --policy-dir "$PD" --from mo spart.xml >out.json 2>err.txt
got=$?
check "require_full_coverage: exit 3 INDETERMINATE/SIG_CONSTRAINTS_FAILURE/UNSIGNED_CONTENT naming /Form/Header (exit $got)" \
    test "$got:$(jfield '[d["indication"], d["subindication"], d["reason"], d["unsigned_content"], "/Form/Header" in d["message"]]' <out.json)" = \
    '3:["INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", "UNSIGNED_CONTENT", ["/Form/Header", "/Form/Note"], true]'
"$BIN" verify --policy-dir "$PD" --from mo --report part-refused.xml spart.xml >/dev/null 2>&1
got=$?
check "require_full_coverage: the ETSI report says indeterminate / SIG_CONSTRAINTS_FAILURE / UNSIGNED_CONTENT (exit $got)" \
    test "$got $(xmllint --xpath "string(//*[local-name()='MainIndication'])" part-refused.xml) $(xmllint --xpath "string(//*[local-name()='SubIndication'])" part-refused.xml) $(xmllint --xpath "string(//*[local-name()='ReportData'][*[local-name()='Type']='urn:sigbridge:reason']/*[local-name()='Value'])" part-refused.xml)" = \
    "3 urn:etsi:019102:mainindication:indeterminate urn:etsi:019102:subindication:SIG_CONSTRAINTS_FAILURE UNSIGNED_CONTENT"
"$BIN" verify --json --policy-dir "$PD" --from mo s1.xml >out.json 2>err.txt
got=$?
check "require_full_coverage: a fully signed document passes (exit $got)" \
    test "$got:$(jfield '[d["reason"], d["unsigned_content"]]' <out.json)" = '0:[null, []]'
# duplicate IDs refuse the signature whatever the coverage rule
sed 's|<Header>|<Header Id="body-1">|' spart.xml >part-dup.xml
expect "partial coverage, the referenced Id on a second element" 1 FORMAT_FAILURE part-dup.xml
check "duplicate Id: reason FORMAT naming the Id" test "$(jfield '[d["reason"], "body-1" in d["message"]]' <out.json)" = '["FORMAT", true]'
# any DOCTYPE is refused, also an external subset without internal subset (nothing is loaded)
$PY - <<'EOF'
s = open("spart.xml").read()
open("part-doctype.xml", "w").write(s.replace("?>", '?>\n<!DOCTYPE Form SYSTEM "file:///etc/passwd">', 1))
open("part-attlist.xml", "w").write(s.replace("?>", '?>\n<!DOCTYPE Form [ <!ATTLIST Body Id ID #IMPLIED> ]>', 1))
EOF
expect "external-subset DOCTYPE" 1 FORMAT_FAILURE part-doctype.xml
check "external-subset DOCTYPE: reason FORMAT, DOCTYPE named" test "$(jfield '[d["reason"], "DOCTYPE" in d["message"]]' <out.json)" = '["FORMAT", true]'
if grep -q "root:" out.json err.txt; then ko "DOCTYPE: the file's content appears in the output"; else ok; fi
expect "internal-subset DOCTYPE (ATTLIST only)" 1 FORMAT_FAILURE part-attlist.xml
check "ATTLIST DOCTYPE: reason FORMAT" test "$(jfield 'd["reason"]' <out.json)" = FORMAT

# XXE: a DOCTYPE entity pointing at a local file
cat >xxe.xml <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE Envelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Envelope xmlns="urn:example:envelope"><Data>&xxe;</Data></Envelope>
EOF
expect "XXE refused" 1 FORMAT_FAILURE xxe.xml
if grep -q "root:" out.json err.txt; then ko "XXE: the file's content appears in the output"; else ok; fi
"$BIN" verify --anchor "$MO/root.pem" --report xxe-report.xml xxe.xml >out.txt 2>&1
if grep -q "root:" out.txt xxe-report.xml; then ko "XXE: the file's content appears in the text output or report"; else ok; fi
cat >xxe-pe.xml <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE Envelope [ <!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe; ]>
<Envelope/>
EOF
expect "parameter-entity XXE refused" 1 FORMAT_FAILURE xxe-pe.xml

# billion laughs: answered within a second (SB_TEST_SLOW, i.e. under valgrind: within ten)
$PY - <<'EOF'
lines = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', ' <!ENTITY lol "lol">']
lines.append(' <!ENTITY lol1 "' + "&lol;" * 10 + '">')
for i in range(2, 10):
    lines.append(' <!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
lines += [']>', '<lolz>&lol9;</lolz>']
open("laughs.xml", "w").write("\n".join(lines) + "\n")
EOF
start=$(date +%s%N)
expect "billion laughs refused" 1 FORMAT_FAILURE laughs.xml
ms=$((($(date +%s%N) - start) / 1000000))
limit_ms=1000
[ -z "${SB_TEST_SLOW:-}" ] || limit_ms=10000
if [ "$ms" -lt "$limit_ms" ]; then ok; else ko "billion laughs took ${ms} ms"; fi

# 50 MB document: refused by the size limit before parsing
$PY -c 'import sys; sys.stdout.write("<a>" + "x" * (50 * 1024 * 1024) + "</a>")' >big.xml
"$BIN" verify --json --anchor "$MO/root.pem" big.xml >out.json 2>/dev/null
got=$?
check "50 MB document: exit 2 INPUT_TOO_LARGE" test "$got:$(jfield 'd' <out.json)" = 2:error:INPUT_TOO_LARGE
rm -f big.xml
$PY -c 'print("<a>" * 1000 + "</a>" * 1000)' >deep.xml
"$BIN" verify --json --anchor "$MO/root.pem" deep.xml >out.json 2>/dev/null
got=$?
check "1000 levels deep: exit 2 INPUT_TOO_LARGE" test "$got:$(jfield 'd' <out.json)" = 2:error:INPUT_TOO_LARGE
printf '<a><b></a>' >broken.xml
"$BIN" verify --json --anchor "$MO/root.pem" broken.xml >out.json 2>/dev/null
got=$?
check "not well-formed: exit 2 INPUT_MALFORMED" test "$got:$(jfield 'd' <out.json)" = 2:error:INPUT_MALFORMED

# ---- ETSI TS 119 102-2 reports ---------------------------------------------------------------------
# xp FILE XPATH: xmllint's string value of XPATH
xp() { xmllint --xpath "string($2)" "$1" 2>/dev/null; }
V='*[local-name()="ValidationReport" and namespace-uri()="http://uri.etsi.org/19102/v1.4.1#"]'
"$BIN" verify --anchor "$MO/root.pem" --untrusted "$MO/int.pem" --report pass.xml s1.xml >/dev/null 2>&1
check "report of a passing verification is well-formed" xmllint --noout pass.xml
check "passing: MainIndication total-passed" test "$(xp pass.xml "/$V//*[local-name()='MainIndication']")" = urn:etsi:019102:mainindication:total-passed
check "passing: signer named" test "$(xp pass.xml "/$V//*[local-name()='SignerInformation']/*[local-name()='Signer']")" = "CN=CHAN Siu Ming (test\\, RSA),OU=Qualified Certificate,O=eSignTrust (test),C=MO"
check "passing: three certificates as validation objects" test "$(xp pass.xml "count(//*[local-name()='ValidationObject'])")" = 3
"$BIN" verify --anchor "$MO/root.pem" --untrusted "$MO/int.pem" --report fail.xml tampered.xml >/dev/null 2>&1
check "failing verification: exit 1 with a report" test $? -eq 1
check "report of a failing verification is well-formed" xmllint --noout fail.xml
check "failing: MainIndication total-failed" test "$(xp fail.xml "/$V//*[local-name()='MainIndication']")" = urn:etsi:019102:mainindication:total-failed
check "failing: SubIndication HASH_FAILURE" test "$(xp fail.xml "/$V//*[local-name()='SubIndication']")" = urn:etsi:019102:subindication:HASH_FAILURE
# CMS input gets the same report
printf 'hello\n' >msg.txt
"$BIN" sign --key "$MO/leaf-ec.key" --cert "$MO/leaf-ec.pem" msg.txt >msg.p7 2>/dev/null
"$BIN" verify --anchor "$MO/root.pem" --untrusted "$MO/int.pem" --report cms.xml msg.p7 >/dev/null 2>&1
check "CMS verification writes a report" test $? -eq 0
check "CMS report: total-passed" test "$(xp cms.xml "/$V//*[local-name()='MainIndication']")" = urn:etsi:019102:mainindication:total-passed
check "CMS report: signing time as claimed" test -n "$(xp cms.xml "//*[local-name()='SigningTime']/*[local-name()='Time']")"

# ---- trusted lists -----------------------------------------------------------------------------------
# tl EXIT NAME ARGS...: run tl show --json and check the exit status.
tl() {
    want=$1 name=$2
    shift 2
    "$BIN" tl show --json "$@" >tl.json 2>tl.err
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else ko "tl show $name: exit $got, expected $want ($(head -c 400 tl.json) $(head -c 200 tl.err))"; fi
}
tl 0 "demo list, KeyInfo signer" "$TL/mo-tl.xml"
check "tl: exactly the documented top-level keys, the common ones first" test "$(jfield 'list(d.keys())' <tl.json)" = \
    '["valid", "indication", "subindication", "reason", "message", "territory", "sequence_number", "issue_date", "next_update", "signer", "services", "pointers"]'
check "tl: service keys" test "$(jfield 'sorted(d["services"][0].keys())' <tl.json)" = \
    '["certificates_sha256", "name", "status", "status_start", "tsp", "type"]'
check "tl: pointer keys" test "$(jfield 'sorted(d["pointers"][0].keys())' <tl.json)" = '["location", "mime_type", "territory"]'
check "tl: signer source keyinfo" test "$(jfield 'd["signer"]["source"]' <tl.json)" = keyinfo
check "tl: territory, sequence, dates" test "$(jfield '"%s %s %s %s" % (d["territory"], d["sequence_number"], d["issue_date"], d["next_update"])' <tl.json)" = \
    "MO 7 2025-01-01T00:00:00Z 2035-01-01T00:00:00Z"
check "tl: pointer" test "$(jfield '"%s %s %s" % (d["pointers"][0]["territory"], d["pointers"][0]["location"], d["pointers"][0]["mime_type"])' <tl.json)" = \
    "HK https://tl.example.invalid/hk-tl.xml application/vnd.etsi.tsl+xml"
ROOT_FP=$(openssl x509 -in "$MO/root.pem" -outform DER | openssl dgst -sha256 -r | cut -d ' ' -f 1)
check "tl: certificate SHA-256 of the MO root" test "$(jfield 'd["services"][0]["certificates_sha256"][0]' <tl.json)" = "$ROOT_FP"
check "tl: withdrawn HK service" test "$(jfield '"%s %s" % (d["services"][2]["status"], d["services"][2]["status_start"])' <tl.json)" = \
    "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn 2025-06-01T00:00:00Z"
tl 0 "--signer mo/int" --signer "$MO/int.pem" "$TL/mo-tl.xml"
check "tl: signer source argument" test "$(jfield 'd["signer"]["source"]' <tl.json)" = argument
tl 0 "several --signer, one right" --signer "$HK/int.pem" --signer "$MO/chain.pem" "$TL/mo-tl.xml"
tl 1 "wrong --signer" --signer "$HK/int.pem" "$TL/mo-tl.xml"
tl 3 "expired (--at after NextUpdate)" --at 2035-06-01T00:00:00Z "$TL/mo-tl.xml"
tl 0 "--at just before NextUpdate" --at 2034-12-31T23:59:59+00:00 "$TL/mo-tl.xml"
tl 1 "expired and wrong signer: 1 wins" --signer "$HK/int.pem" --at 2036-01-01T00:00:00Z "$TL/mo-tl.xml"
tl 0 "BOM" --signer "$MO/int.pem" "$TL/mo-tl-bom.xml"
tl 0 "URI \"\" + exclusive C14N" --signer "$MO/int.pem" "$TL/mo-tl-exc.xml"
tl 1 "XAdES SigningCertificate naming another certificate" --signer "$MO/int.pem" "$TL/mo-tl-badcert.xml"
sed 's/Hongkong Post e-Cert Test Root CA/Evil Root CA/' "$TL/mo-tl.xml" >tl-tampered.xml
tl 1 "tampered list" --signer "$MO/int.pem" tl-tampered.xml
check "tl: tampered reason" test "$(jfield 'd["signer"]["reason"]' <tl.json)" = HASH_MISMATCH
sed 's|Svcstatus/withdrawn</ServiceStatus>|Svcstatus/granted</ServiceStatus>|' "$TL/mo-tl.xml" >tl-status.xml
tl 1 "withdrawn status turned back to granted" --signer "$MO/int.pem" tl-status.xml
$PY - "$TL/mo-tl.xml" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
open("tl-nosig.xml", "w").write(re.sub(r"<ds:Signature.*</ds:Signature>", "", s, flags=re.S))
EOF
tl 1 "no signature" tl-nosig.xml
tl 2 "not a trusted list" plain.xml
check "not a TSL: error JSON" test "$(jfield 'd' <tl.json)" = error:INPUT_MALFORMED
tl 2 "XXE in a list" xxe.xml
tl 2 "garbage" "$MO/root.crl"
tl 2 "missing file" does-not-exist.xml
"$BIN" tl list "$TL/mo-tl.xml" >/dev/null 2>&1
check "tl with an unknown subcommand: 2" test $? -eq 2
"$BIN" tl show "$TL/mo-tl.xml" >tl.txt 2>&1
check "tl show text output names the services" grep -q "Hongkong Post e-Cert Test Root CA" tl.txt

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

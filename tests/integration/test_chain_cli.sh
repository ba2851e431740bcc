#!/bin/sh
# `sigbridge chain` on the generated HK / CN (SM2) / MO PKIs: verdicts, reason codes and exit codes of
# DESIGN §7, including SM2 distinguishing IDs on certificates and CRLs.
. "$(dirname "$0")/lib.sh"
B=$SB_BIN
P=$SB_PKI
AT=--at=2026-06-01T00:00:00+08:00

expect "hk leaf validates" 0 - - -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "hk leaf from a bundle file (leaf + intermediate)" 0 - - -- \
    sh -c "cat $P/hk/leaf.pem $P/hk/int.pem > $TMP/bundle.pem && $B chain --json $AT --anchor $P/hk/root.pem $TMP/bundle.pem"
expect "hk leaf DER input" 0 - - -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.der
expect "hk missing intermediate" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json $AT --anchor $P/hk/root.pem $P/hk/leaf.pem
expect "hk revoked leaf with CRLs" 1 REVOKED REVOKED -- \
    $B chain --json --revocation require --crl $P/hk/int.crl --crl $P/hk/root.crl \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-revoked.pem
expect "hk good leaf, revocation require with CRLs" 0 - - -- \
    $B chain --json --revocation require --crl $P/hk/int.crl --crl $P/hk/root.crl \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "hk revocation require without CRLs" 3 TRY_LATER REVOCATION_UNAVAILABLE -- \
    $B chain --json --revocation require --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "hk stale CRL under require" 3 TRY_LATER REVOCATION_UNAVAILABLE -- \
    $B chain --json --revocation require --crl $P/hk/int-stale.crl --crl $P/hk/root.crl \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "hk stale CRL listing the leaf still revokes" 1 REVOKED REVOKED -- \
    $B chain --json --revocation prefer --crl $P/hk/int-stale.crl \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-revoked.pem
expect "hk expired leaf" 3 OUT_OF_BOUNDS_NO_POE CERT_EXPIRED -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-expired.pem
expect "hk not-yet-valid leaf" 3 OUT_OF_BOUNDS_NO_POE CERT_NOT_YET_VALID -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-notyet.pem
expect "hk SHA-1 signed leaf" 3 CRYPTO_CONSTRAINTS_FAILURE WEAK_ALGORITHM -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-sha1.pem
expect "hk RSA-1024 leaf" 3 CRYPTO_CONSTRAINTS_FAILURE WEAK_KEY -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-rsa1024.pem
expect "hk required policy absent (explicit)" 3 CHAIN_CONSTRAINTS_FAILURE POLICY -- \
    $B chain --json $AT --policy 2.16.344.8.2.2008.810.2.2012.1.0 --explicit-policy \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-wrongpolicy.pem
expect "hk required policy present (explicit)" 0 - - -- \
    $B chain --json $AT --policy 2.16.344.8.2.2008.810.2.2012.1.0 --explicit-policy \
    --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "hk key usage nonRepudiation required, leaf lacks it" 3 CHAIN_CONSTRAINTS_FAILURE KEY_USAGE -- \
    $B chain --json $AT --key-usage nonRepudiation --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf-wrongku.pem
expect "hk max-depth 0 with one intermediate" 3 CHAIN_CONSTRAINTS_FAILURE CHAIN_TOO_LONG -- \
    $B chain --json $AT --max-depth 0 --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect "leaf trusted directly as anchor" 0 - - -- \
    $B chain --json $AT --anchor $P/hk/leaf.pem $P/hk/leaf.pem

# Revocation evidence per chain element (DESIGN §7 "revocation"): which CRL decided, by the SHA-256 of its DER
HK_CRLS="--crl $P/hk/int.crl --crl $P/hk/root.crl --anchor $P/hk/root.pem --untrusted $P/hk/int.pem"
expect_json "evidence: --crl files decide, source file, sha256 of each CRL's DER, none for the anchor" \
    "rev(d,0)['source'] == 'file' and rev(d,0)['type'] == 'crl' and rev(d,0)['url'] is None and \
     rev(d,0)['sha256'] == der_sha256('$P/hk/int.crl') and rev(d,0)['this_update'].endswith('Z') and \
     'next_update' in rev(d,0) and 'revoked_after' not in rev(d,0) and \
     rev(d,1)['source'] == 'file' and rev(d,1)['sha256'] == der_sha256('$P/hk/root.crl') and \
     'revocation' not in d['chain'][2] and len(d['chain']) == 3" -- \
    $B chain --json --revocation require $HK_CRLS $P/hk/leaf.pem
expect_json "evidence: the CRL that lists a revoked leaf, with time and reason" \
    "d['reason'] == 'REVOKED' and rev(d,0)['source'] == 'file' and rev(d,0)['sha256'] == der_sha256('$P/hk/int.crl') \
     and rev(d,0)['revocation_time'].endswith('Z') and rev(d,0)['revocation_reason'] is not None" -- \
    $B chain --json --revocation require $HK_CRLS $P/hk/leaf-revoked.pem
expect_json "evidence: revocation off, no revocation member anywhere" \
    "d['valid'] and all('revocation' not in c for c in d['chain'])" -- \
    $B chain --json --revocation off $HK_CRLS $P/hk/leaf.pem
expect_json "evidence: prefer without CRLs passes without status, and says so" \
    "d['valid'] and 'revocation' not in d['chain'][0] and \
     d['chain'][0]['revocation_note'].startswith('passed without status') and \
     'no CRL from issuer' in d['chain'][0]['revocation_note'] and 'revocation' not in d['chain'][1] and \
     d['chain'][1]['revocation_note'].startswith('passed without status') and 'revocation' not in d['chain'][2] \
     and 'revocation_note' not in d['chain'][2]" -- \
    $B chain --json --revocation prefer --anchor $P/hk/root.pem --untrusted $P/hk/int.pem $P/hk/leaf.pem
expect_json "evidence: prefer with a stale CRL says why there is no status" \
    "d['valid'] and 'revocation' not in d['chain'][0] and 'passed without status' in d['chain'][0]['revocation_note']" -- \
    $B chain --json --revocation prefer --crl $P/hk/int-stale.crl --anchor $P/hk/root.pem --untrusted $P/hk/int.pem \
    $P/hk/leaf.pem
# the same through `verify`: a CMS object made by openssl cms -sign, the intermediate's CRL put into its crls
# field (cms_add_crl.py: OpenSSL 3.0's cms has no -crlfile) is "embedded", the root's CRL given with --crl "file"
printf 'revocation evidence\n' >"$TMP/ev.txt"
openssl cms -sign -binary -nodetach -outform DER -in "$TMP/ev.txt" -signer $P/hk/leaf.pem -inkey $P/hk/leaf.key \
    -certfile $P/hk/int.pem -md sha256 -out "$TMP/ev.p7s" 2>"$TMP/err" &&
    python3 "$(dirname "$0")/cms_add_crl.py" "$TMP/ev.p7s" $P/hk/int.crl "$TMP/ev-crl.p7s" ||
    { echo "FAIL making the CMS objects: $(head -c 300 "$TMP/err")"; FAIL=$((FAIL + 1)); }
expect_json "verify: a CRL carried in the CMS is embedded, a --crl one file; top-level chain and signer's agree" \
    "d['valid'] and rev(d,0)['source'] == 'embedded' and rev(d,0)['sha256'] == der_sha256('$P/hk/int.crl') and \
     rev(d,1)['source'] == 'file' and rev(d,1)['sha256'] == der_sha256('$P/hk/root.crl') and \
     d['signers'][0]['chain'] == d['chain']" -- \
    $B verify --json --revocation require --crl $P/hk/root.crl --anchor $P/hk/root.pem "$TMP/ev-crl.p7s"
expect_json "verify: the same CRL given as a file is file" \
    "d['valid'] and rev(d,0)['source'] == 'file' and rev(d,0)['sha256'] == der_sha256('$P/hk/int.crl')" -- \
    $B verify --json --revocation require $HK_CRLS "$TMP/ev.p7s"
expect_json "verify: revocation off, no revocation member" \
    "d['valid'] and all('revocation' not in c for c in d['chain'] + d['signers'][0]['chain'])" -- \
    $B verify --json --revocation off --anchor $P/hk/root.pem "$TMP/ev-crl.p7s"
# the ETSI TS 119 102-2 report: a CRL ValidationObject by its SHA-256, referenced from the certificate's
if $B verify --report - --revocation require --crl $P/hk/root.crl --anchor $P/hk/root.pem "$TMP/ev-crl.p7s" \
    >"$TMP/ev.xml" 2>"$TMP/err" && xmllint --noout "$TMP/ev.xml" 2>>"$TMP/err"; then
    H=$(openssl crl -in $P/hk/int.crl -outform DER | openssl dgst -sha256 -binary | openssl base64 -A)
    crlvo=$(xmllint --xpath "string(//*[local-name()='ValidationObject'][*[local-name()='ObjectType']='urn:etsi:019102:validationObject:CRL'][.//*[local-name()='DigestValue']='$H']/@id)" "$TMP/ev.xml" 2>/dev/null)
    leafvo=$(xmllint --xpath "string(//*[local-name()='SigningCertificate']/@VOReference)" "$TMP/ev.xml" 2>/dev/null)
    ref=$(xmllint --xpath "string(//*[local-name()='ValidationObject'][@id='$leafvo']/*[local-name()='ValidationReport']//*[local-name()='RelatedValidationObject']/@VOReference)" "$TMP/ev.xml" 2>/dev/null)
    src=$(xmllint --xpath "string(//*[local-name()='ValidationObject'][@id='$leafvo']//*[local-name()='ReportData'][*[local-name()='Type']='urn:sigbridge:revocation-source']/*[local-name()='Value'])" "$TMP/ev.xml" 2>/dev/null)
    if [ -n "$crlvo" ] && [ "$ref" = "$crlvo" ] && [ "$src" = embedded ]; then
        PASS=$((PASS + 1)); echo "ok   ETSI report: CRL ValidationObject $crlvo by SHA-256, referenced from the leaf's"
    else
        FAIL=$((FAIL + 1)); echo "FAIL ETSI report: crl vo '$crlvo', leaf vo '$leafvo' refers to '$ref', source '$src'"
    fi
else
    FAIL=$((FAIL + 1)); echo "FAIL ETSI report with evidence: $(head -c 300 "$TMP/err")"
fi

# SM2 (GM/T default ID 1234567812345678 on every certificate and CRL)
expect "cn SM2 chain, default ID" 0 - - -- \
    $B chain --json $AT --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf.pem
expect "cn SM2 chain, wrong --sm2-id" 1 SIG_CRYPTO_FAILURE SM2_ID_MISMATCH -- \
    $B chain --json $AT --sm2-id 1234567812345679 --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf.pem
expect "cn-altid chain under the default ID" 1 SIG_CRYPTO_FAILURE SIG_CRYPTO -- \
    $B chain --json $AT --anchor $P/cn-altid/root.pem --untrusted $P/cn-altid/int.pem $P/cn-altid/leaf.pem
expect "cn-altid chain with its ID" 0 - - -- \
    $B chain --json $AT --sm2-id ALICE123@YAHOO.COM --anchor $P/cn-altid/root.pem --untrusted $P/cn-altid/int.pem $P/cn-altid/leaf.pem
expect "cn SM2 CRL revokes the leaf" 1 REVOKED REVOKED -- \
    $B chain --json --revocation require --crl $P/cn/int.crl --crl $P/cn/root.crl \
    --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf-revoked.pem
expect "cn SM2 CRLs cover the good leaf" 0 - - -- \
    $B chain --json --revocation require --crl $P/cn/int.crl --crl $P/cn/root.crl \
    --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf.pem
expect "cn SM2 CRL under a wrong ID is not usable (require)" 3 TRY_LATER REVOCATION_UNAVAILABLE -- \
    $B chain --json --revocation require --crl $P/cn/int-wrongid.crl --crl $P/cn/root.crl \
    --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf-revoked.pem
expect "cn SM2 CRL under a wrong ID is not usable (prefer)" 0 - - -- \
    $B chain --json --revocation prefer --crl $P/cn/int-wrongid.crl \
    --anchor $P/cn/root.pem --untrusted $P/cn/int.pem $P/cn/leaf-revoked.pem

# Macao RSA and ECDSA
expect "mo RSA leaf" 0 - - -- $B chain --json $AT --anchor $P/mo/root.pem --untrusted $P/mo/int.pem $P/mo/leaf-rsa.pem
expect "mo ECDSA leaf" 0 - - -- $B chain --json $AT --anchor $P/mo/root.pem --untrusted $P/mo/int.pem $P/mo/leaf-ec.pem
expect "mo leaf against the hk anchor" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json $AT --anchor $P/hk/root.pem --untrusted $P/mo/int.pem $P/mo/leaf-rsa.pem

# Profiles (DESIGN §7 --profile) and impostor issuers, on certificates made here with the openssl CLI.
# rfc5280 (default) does not judge RFC 5280 §4 rules that bind the issuing CA; strict does.
X=$TMP/x
mkdir -p "$X"
. "$(dirname "$0")/xcert.sh"
CA_EXT="basicConstraints=critical,CA:TRUE;keyUsage=critical,keyCertSign,cRLSign"
EE_EXT="basicConstraints=critical,CA:FALSE;keyUsage=critical,digitalSignature;subjectAltName=DNS:leaf.example"
xcert root "/O=sigbridge profile test/CN=Profile Root" self "$CA_EXT" || FAIL=$((FAIL + 1))
xcert int-pc "/O=sigbridge profile test/CN=PC CA" root "$CA_EXT;policyConstraints=inhibitPolicyMapping:0" \
    || FAIL=$((FAIL + 1))
xcert leaf-pc "/O=sigbridge profile test/CN=leaf under PC CA" int-pc "$EE_EXT" || FAIL=$((FAIL + 1))
xcert root-bcnc "/O=sigbridge profile test/CN=BC Root" self "basicConstraints=CA:TRUE;keyUsage=critical,keyCertSign,cRLSign" \
    || FAIL=$((FAIL + 1))
xcert leaf-bcnc "/O=sigbridge profile test/CN=leaf under BC Root" root-bcnc "$EE_EXT" || FAIL=$((FAIL + 1))
xcert int "/O=sigbridge profile test/CN=Issuing CA" root "$CA_EXT" || FAIL=$((FAIL + 1))
xcert leaf "/O=sigbridge profile test/CN=leaf" int "$EE_EXT" || FAIL=$((FAIL + 1))
xcert impostor "/O=sigbridge profile test/CN=Issuing CA" root "$CA_EXT" || FAIL=$((FAIL + 1))

expect "CA with non-critical policyConstraints, default profile (rfc5280)" 0 - - -- \
    $B chain --json --revocation off --anchor $X/root.pem --untrusted $X/int-pc.pem $X/leaf-pc.pem
expect "CA with non-critical policyConstraints, --profile rfc5280" 0 - - -- \
    $B chain --json --profile rfc5280 --revocation off --anchor $X/root.pem --untrusted $X/int-pc.pem $X/leaf-pc.pem
expect "CA with non-critical policyConstraints, --profile strict" 3 CHAIN_CONSTRAINTS_FAILURE CERT_MALFORMED -- \
    $B chain --json --profile strict --revocation off --anchor $X/root.pem --untrusted $X/int-pc.pem $X/leaf-pc.pem
expect_msg "strict names the policyConstraints rule" "non-critical policyConstraints" -- \
    $B chain --json --profile strict --revocation off --anchor $X/root.pem --untrusted $X/int-pc.pem $X/leaf-pc.pem
expect "anchor with non-critical basicConstraints, rfc5280" 0 - - -- \
    $B chain --json --revocation off --anchor $X/root-bcnc.pem $X/leaf-bcnc.pem
expect "anchor with non-critical basicConstraints, strict" 3 CHAIN_CONSTRAINTS_FAILURE BASIC_CONSTRAINTS -- \
    $B chain --json --profile strict --revocation off --anchor $X/root-bcnc.pem $X/leaf-bcnc.pem
expect_msg "strict names the basicConstraints rule" "basicConstraints is not critical" -- \
    $B chain --json --profile strict --revocation off --anchor $X/root-bcnc.pem $X/leaf-bcnc.pem
expect "anchor with non-critical basicConstraints, webpki" 3 CHAIN_CONSTRAINTS_FAILURE BASIC_CONSTRAINTS -- \
    $B chain --json --profile webpki --revocation off --anchor $X/root-bcnc.pem $X/leaf-bcnc.pem
expect "real issuer" 0 - - -- \
    $B chain --json --revocation off --anchor $X/root.pem --untrusted $X/int.pem $X/leaf.pem
expect "same-name impostor CA with another key: no chain" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json --revocation off --anchor $X/root.pem --untrusted $X/impostor.pem $X/leaf.pem
expect_msg "the impostor is named as set aside" \
    "candidate CN=Issuing CA,O=sigbridge profile test was set aside as issuer of CN=leaf" -- \
    $B chain --json --revocation off --anchor $X/root.pem --untrusted $X/impostor.pem $X/leaf.pem
expect "same-name impostor CA, strict" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json --profile strict --revocation off --anchor $X/root.pem --untrusted $X/impostor.pem $X/leaf.pem
expect "impostor beside the real issuer" 0 - - -- \
    $B chain --json --revocation off --anchor $X/root.pem --untrusted $X/impostor.pem --untrusted $X/int.pem $X/leaf.pem
expect "same-name impostor anchor" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json --revocation off --anchor $X/impostor.pem $X/leaf.pem
# the same path builder under CMS: `openssl cms -sign` with the impostor as the only other certificate
xcert cms-leaf "/O=sigbridge profile test/CN=cms signer" int "keyUsage=critical,digitalSignature,nonRepudiation" \
    || FAIL=$((FAIL + 1))
printf 'signed text\n' > "$X/doc.txt"
openssl cms -sign -binary -nodetach -in "$X/doc.txt" -signer "$X/cms-leaf.pem" -inkey "$X/cms-leaf.key" \
    -certfile "$X/impostor.pem" -outform DER -out "$X/imp.p7s" 2>"$X/err" || { echo "FAIL openssl cms"; FAIL=$((FAIL + 1)); }
expect "CMS whose only issuer candidate is the impostor" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B verify --json --revocation off --anchor $X/root.pem $X/imp.p7s
expect_msg "CMS: the impostor is named as set aside" "candidate CN=Issuing CA,O=sigbridge profile test was set aside" -- \
    $B verify --json --revocation off --anchor $X/root.pem $X/imp.p7s
expect "CMS with the real issuer supplied" 0 - - -- \
    $B verify --json --revocation off --anchor $X/root.pem --untrusted $X/int.pem $X/imp.p7s
# ... and under XML-DSig: `xmlsec1 --sign`, the impostor in KeyInfo beside the signer
DS=http://www.w3.org/2000/09/xmldsig#
printf '%s' "<Doc><Data>signed</Data><Signature xmlns=\"$DS\"><SignedInfo><CanonicalizationMethod \
Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><SignatureMethod \
Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/><Reference URI=\"\"><Transforms><Transform \
Algorithm=\"${DS}enveloped-signature\"/></Transforms><DigestMethod \
Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference></SignedInfo><SignatureValue/>\
<KeyInfo><X509Data/></KeyInfo></Signature></Doc>" > "$X/tmpl.xml"
xmlsec1 --sign --privkey-pem "$X/cms-leaf.key,$X/cms-leaf.pem,$X/impostor.pem" --output "$X/imp.xml" "$X/tmpl.xml" \
    2>"$X/err" || { echo "FAIL xmlsec1 --sign: $(cat "$X/err")"; FAIL=$((FAIL + 1)); }
expect "XML-DSig whose only issuer candidate is the impostor" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B verify --json --revocation off --anchor $X/root.pem $X/imp.xml
expect_msg "XML-DSig: the impostor is named as set aside" "candidate CN=Issuing CA,O=sigbridge profile test" -- \
    $B verify --json --revocation off --anchor $X/root.pem $X/imp.xml
expect "XML-DSig with the real issuer supplied" 0 - - -- \
    $B verify --json --revocation off --anchor $X/root.pem --untrusted $X/int.pem $X/imp.xml

# Indirect CRL (RFC 5280 §5.2.5, §6.3.3 (b)/(f)): the CRL issuer is a separate certificate named in the
# leaf's cRLIssuer, and its own status comes from the indirect CRL it issued itself.
DP_IND="crlDistributionPoints=dp;[dp];fullname=URI:http://crl.example/ind.crl;CRLissuer=dirName:crliss"
DP_IND="$DP_IND;[crliss];O=sigbridge profile test;CN=Indirect CRL Issuer"
xcert ica "/O=sigbridge profile test/CN=Indirect CA" root "$CA_EXT;crlDistributionPoints=URI:http://crl.example/root.crl" \
    || FAIL=$((FAIL + 1))
xcert icrl "/O=sigbridge profile test/CN=Indirect CRL Issuer" ica "keyUsage=critical,cRLSign;$DP_IND" \
    || FAIL=$((FAIL + 1))
# the same CRL issuer (name and key) without the distribution point that puts it under its own CRL
XKEY=icrl
xcert icrl-nodp "/O=sigbridge profile test/CN=Indirect CRL Issuer" ica "keyUsage=critical,cRLSign" || FAIL=$((FAIL + 1))
XKEY=
xcert ileaf "/O=sigbridge profile test/CN=leaf under Indirect CA" ica "keyUsage=critical,digitalSignature;$DP_IND" \
    || FAIL=$((FAIL + 1))
xcrl root root || FAIL=$((FAIL + 1))
xcrl ind icrl "issuingDistributionPoint=critical,@idp;[idp];fullname=URI:http://crl.example/ind.crl;indirectCRL=TRUE" \
    || FAIL=$((FAIL + 1))
expect "indirect CRL whose issuer is covered by its own CRL" 0 - - -- \
    $B chain --json --revocation require --anchor $X/root.pem --untrusted $X/ica.pem --untrusted $X/icrl.pem \
    --crl $X/root.crl --crl $X/ind.crl $X/ileaf.pem
expect "indirect CRL issuer with no CRL for itself" 3 TRY_LATER REVOCATION_UNAVAILABLE -- \
    $B chain --json --revocation require --anchor $X/root.pem --untrusted $X/ica.pem --untrusted $X/icrl-nodp.pem \
    --crl $X/root.crl --crl $X/ind.crl $X/ileaf.pem
expect_msg "the CRL issuer's own status is what is missing" "CRL signer certificate does not validate" -- \
    $B chain --json --revocation require --anchor $X/root.pem --untrusted $X/ica.pem --untrusted $X/icrl-nodp.pem \
    --crl $X/root.crl --crl $X/ind.crl $X/ileaf.pem
expect "indirect CRL without the anchor's CRL for the CA" 3 TRY_LATER REVOCATION_UNAVAILABLE -- \
    $B chain --json --revocation require --anchor $X/root.pem --untrusted $X/ica.pem --untrusted $X/icrl.pem \
    --crl $X/ind.crl $X/ileaf.pem

# Bad input: exit 2 with {"error":…}, never a crash
head -c 3000 /dev/urandom > "$TMP/random.bin"
printf '%s\n' '-----BEGIN CERTIFICATE-----' 'MIIB!!!notbase64' '-----END CERTIFICATE-----' > "$TMP/badb64.pem"
head -c 300 $P/hk/leaf.der > "$TMP/trunc.der"
expect "random bytes" 2 - - -- $B chain --json --anchor $P/hk/root.pem "$TMP/random.bin"
expect "bad base64" 2 - - -- $B chain --json --anchor $P/hk/root.pem "$TMP/badb64.pem"
expect "truncated DER" 2 - - -- $B chain --json --anchor $P/hk/root.pem "$TMP/trunc.der"
expect "missing file" 2 - - -- $B chain --json --anchor $P/hk/root.pem "$TMP/nope.pem"
expect "bad --at" 2 - - -- $B chain --json --at yesterday --anchor $P/hk/root.pem $P/hk/leaf.pem
expect "bad --revocation" 2 - - -- $B chain --json --revocation maybe --anchor $P/hk/root.pem $P/hk/leaf.pem
expect "unknown option" 2 - - -- $B chain --json --frobnicate --anchor $P/hk/root.pem $P/hk/leaf.pem
finish

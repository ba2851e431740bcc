#!/bin/sh
# make-tl.sh OUTDIR — a small demo/test ETSI TS 119 612 trusted list for the demo PKIs, signed with
# xmlsec1 (the independent XML-DSig implementation). Needs OUTDIR/mo and OUTDIR/hk from make-all.sh
# (which calls this script after generating them) and writes OUTDIR/tl/:
#
#   mo-tl.xml        territory MO, sequence 7, issued 2025-01-01, NextUpdate 2035-01-01. XAdES-BES-like
#                    enveloped signature by mo/int (key + certificate in KeyInfo): reference "#tl-mo-7"
#                    (the root's Id; enveloped-signature + C14N 1.0, as EU lists do) and a reference of type
#                    http://uri.etsi.org/01903#SignedProperties to xades:SignedProperties (SigningTime,
#                    SigningCertificateV2 naming mo/int). Services:
#                      eSignTrust (test) / root CA   CA/QC granted since 2020-01-01
#                      eSignTrust (test) / int CA    CA/QC granted since 2023-01-01; history: withdrawn
#                                                    2022-01-01, granted 2021-01-01
#                      Hongkong Post (test) / root   CA/PKC withdrawn since 2025-06-01; history: granted 2020-01-01
#                    One pointer to another list (territory HK, application/vnd.etsi.tsl+xml).
#   mo-tl-bom.xml    the same bytes behind a UTF-8 BOM
#   mo-tl-exc.xml    the same list signed with reference URI "" and exclusive C14N
#   mo-tl-badcert.xml as mo-tl.xml, but its signed xades:SigningCertificateV2 names mo/root (a XAdES
#                    binding error xmlsec1 does not check; sigbridge must refuse it)
#   manifest         lines for OUTDIR/README.txt
#
# Every output is verified with `xmlsec1 --verify` before the script succeeds.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pki/make-tl.sh OUTDIR" >&2
    exit 2
fi
OUT=$(cd "$1" && pwd)
MO=$OUT/mo HK=$OUT/hk T=$OUT/tl
for f in "$MO/root.pem" "$MO/int.pem" "$MO/int.key" "$HK/root.pem"; do
    [ -f "$f" ] || { echo "make-tl.sh: $f missing (run make-all.sh)" >&2; exit 1; }
done
command -v xmlsec1 >/dev/null 2>&1 || { echo "make-tl.sh: xmlsec1 not installed" >&2; exit 1; }
rm -rf "$T"
mkdir -p "$T"
W=$(mktemp -d "${TMPDIR:-/tmp}/sb-tl.XXXXXX")
trap 'rm -rf "$W"' EXIT

b64cert() { openssl x509 -in "$1" -outform DER | openssl base64 -A; }
MO_ROOT=$(b64cert "$MO/root.pem")
MO_INT=$(b64cert "$MO/int.pem")
HK_ROOT=$(b64cert "$HK/root.pem")
SIGNER_DIGEST=$(openssl x509 -in "$MO/int.pem" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A)

NS_TSL=http://uri.etsi.org/02231/v2#
NS_XADES=http://uri.etsi.org/01903/v1.3.2#
STATUS=http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus
C14N=http://www.w3.org/TR/2001/REC-xml-c14n-20010315
EXC=http://www.w3.org/2001/10/xml-exc-c14n#

# service TSP-NAME SERVICE-NAME TYPE STATUS START CERT-B64 [HISTORY-XML]
service() {
    cat <<EOF
      <TSPService>
        <ServiceInformation>
          <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/$3</ServiceTypeIdentifier>
          <ServiceName><Name xml:lang="zh">$2 (zh)</Name><Name xml:lang="en">$2</Name></ServiceName>
          <ServiceDigitalIdentity><DigitalId><X509Certificate>$6</X509Certificate></DigitalId></ServiceDigitalIdentity>
          <ServiceStatus>$STATUS/$4</ServiceStatus>
          <StatusStartingTime>$5</StatusStartingTime>
        </ServiceInformation>${7:-}
      </TSPService>
EOF
}

# hist_entry STATUS START: one ServiceHistoryInstance of a CA/QC service.
hist_entry() {
    cat <<EOF
          <ServiceHistoryInstance>
            <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
            <ServiceName><Name xml:lang="en">history</Name></ServiceName>
            <ServiceDigitalIdentity><DigitalId><X509SKI>AAAA</X509SKI></DigitalId></ServiceDigitalIdentity>
            <ServiceStatus>$STATUS/$1</ServiceStatus>
            <StatusStartingTime>$2</StatusStartingTime>
          </ServiceHistoryInstance>
EOF
}

# template REF-URI C14N-URI > file: the unsigned list with its signature template.
template() {
    int_hist="
        <ServiceHistory>
$(hist_entry withdrawn 2022-01-01T00:00:00Z)
$(hist_entry granted 2021-01-01T00:00:00Z)
        </ServiceHistory>"
    hk_hist="
        <ServiceHistory>
$(hist_entry granted 2020-01-01T00:00:00Z)
        </ServiceHistory>"
    cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="$NS_TSL" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xades="$NS_XADES" xmlns:tslx="http://uri.etsi.org/02231/v2/additionaltypes#" Id="tl-mo-7" TSLTag="http://uri.etsi.org/19612/TSLTag">
  <SchemeInformation>
    <TSLVersionIdentifier>5</TSLVersionIdentifier>
    <TSLSequenceNumber>7</TSLSequenceNumber>
    <TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>
    <SchemeOperatorName><Name xml:lang="en">sigbridge test scheme operator (MO)</Name></SchemeOperatorName>
    <SchemeTerritory>MO</SchemeTerritory>
    <PointersToOtherTSL>
      <OtherTSLPointer>
        <ServiceDigitalIdentities><ServiceDigitalIdentity><DigitalId><X509Certificate>$HK_ROOT</X509Certificate></DigitalId></ServiceDigitalIdentity></ServiceDigitalIdentities>
        <TSLLocation>https://tl.example.invalid/hk-tl.xml</TSLLocation>
        <AdditionalInformation>
          <OtherInformation><TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType></OtherInformation>
          <OtherInformation><SchemeTerritory>HK</SchemeTerritory></OtherInformation>
          <OtherInformation><tslx:MimeType>application/vnd.etsi.tsl+xml</tslx:MimeType></OtherInformation>
        </AdditionalInformation>
      </OtherTSLPointer>
    </PointersToOtherTSL>
    <ListIssueDateTime>2025-01-01T00:00:00Z</ListIssueDateTime>
    <NextUpdate><dateTime>2035-01-01T00:00:00Z</dateTime></NextUpdate>
  </SchemeInformation>
  <TrustServiceProviderList>
    <TrustServiceProvider>
      <TSPInformation><TSPName><Name xml:lang="en">eSignTrust (test)</Name></TSPName></TSPInformation>
      <TSPServices>
$(service "eSignTrust (test)" "eSignTrust Test Root CA" CA/QC granted 2020-01-01T00:00:00Z "$MO_ROOT")
$(service "eSignTrust (test)" "eSignTrust Test Qualified CA" CA/QC granted 2023-01-01T00:00:00Z "$MO_INT" "$int_hist")
      </TSPServices>
    </TrustServiceProvider>
    <TrustServiceProvider>
      <TSPInformation><TSPName><Name xml:lang="en">Hongkong Post (test)</Name></TSPName></TSPInformation>
      <TSPServices>
$(service "Hongkong Post (test)" "Hongkong Post e-Cert Test Root CA" CA/PKC withdrawn 2025-06-01T00:00:00Z "$HK_ROOT" "$hk_hist")
      </TSPServices>
    </TrustServiceProvider>
  </TrustServiceProviderList>
  <ds:Signature Id="sig-tl-mo-7">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="$2"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference Id="ref-list" URI="$1">
        <ds:Transforms>
          <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <ds:Transform Algorithm="$2"/>
        </ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
      <ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xades-sig-tl-mo-7">
        <ds:Transforms><ds:Transform Algorithm="$2"/></ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
    <ds:Object>
      <xades:QualifyingProperties Target="#sig-tl-mo-7">
        <xades:SignedProperties Id="xades-sig-tl-mo-7">
          <xades:SignedSignatureProperties>
            <xades:SigningTime>2025-01-01T00:00:00Z</xades:SigningTime>
            <xades:SigningCertificateV2>
              <xades:Cert>
                <xades:CertDigest>
                  <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
                  <ds:DigestValue>$SIGNER_DIGEST</ds:DigestValue>
                </xades:CertDigest>
              </xades:Cert>
            </xades:SigningCertificateV2>
          </xades:SignedSignatureProperties>
        </xades:SignedProperties>
      </xades:QualifyingProperties>
    </ds:Object>
  </ds:Signature>
</TrustServiceStatusList>
EOF
}

# sign TEMPLATE OUT: sign with mo/int and check with xmlsec1 --verify.
sign() {
    ids="--id-attr:Id ${NS_TSL}:TrustServiceStatusList --id-attr:Id ${NS_XADES}:SignedProperties"
    # shellcheck disable=SC2086 # $ids split on purpose
    if ! xmlsec1 --sign $ids --privkey-pem "$MO/int.key,$MO/int.pem" --output "$2" "$1" >"$W/log" 2>&1; then
        cat "$W/log" >&2
        echo "make-tl.sh: xmlsec1 --sign failed for $2" >&2
        exit 1
    fi
    # shellcheck disable=SC2086
    if ! xmlsec1 --verify $ids --trusted-pem "$MO/root.pem" --untrusted-pem "$MO/int.pem" "$2" >"$W/log" 2>&1; then
        cat "$W/log" >&2
        echo "make-tl.sh: xmlsec1 --verify failed for $2" >&2
        exit 1
    fi
}

template "#tl-mo-7" "$C14N" >"$W/tmpl.xml"
sign "$W/tmpl.xml" "$T/mo-tl.xml"
printf '\357\273\277' >"$T/mo-tl-bom.xml"
cat "$T/mo-tl.xml" >>"$T/mo-tl-bom.xml"
template "" "$EXC" >"$W/tmpl-exc.xml"
sign "$W/tmpl-exc.xml" "$T/mo-tl-exc.xml"
# XAdES SigningCertificateV2 naming another certificate (mo/root) than the one whose key signed
SIGNER_DIGEST=$(openssl x509 -in "$MO/root.pem" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A)
template "#tl-mo-7" "$C14N" >"$W/tmpl-badcert.xml"
sign "$W/tmpl-badcert.xml" "$T/mo-tl-badcert.xml"

cat >"$T/manifest" <<EOF
  tl/mo-tl.xml             ETSI TS 119 612 list (MO, seq 7, 2025-01-01..2035-01-01) signed by mo/int (xmlsec1,
                           ref "#tl-mo-7" + xades:SignedProperties, C14N 1.0); services: mo root CA/QC granted
                           2020-, mo int CA/QC granted 2021-2022 and 2023-, hk root CA/PKC granted 2020-2025-06-01
                           then withdrawn; one pointer (HK)
  tl/mo-tl-bom.xml         the same behind a UTF-8 BOM
  tl/mo-tl-exc.xml         the same list signed with URI "" and exclusive C14N
  tl/mo-tl-badcert.xml     as mo-tl.xml, but xades:SigningCertificateV2 names mo/root, not the signer
EOF

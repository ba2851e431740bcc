# pki-mo.sh — Macao test PKI (eSignTrust-like): RSA-2048 CAs, RSA-2048 and ECDSA P-256 leaves, SHA-256.
# shellcheck shell=sh disable=SC2034,SC2086 # globals shared across the sourced files; $v/$crls split on purpose
# Sourced by make-all.sh.
#
# Policy OID 1.3.6.1.4.1.99999.1.1 is a PLACEHOLDER arc chosen for these tests; it is not eSignTrust's
# real certificate policy OID. policies/mo.yaml for the demo must use the same placeholder.

MO_POL=1.3.6.1.4.1.99999.1.1
MO_ORG="/C=MO/O=eSignTrust (test)"
MO_LEAF="$MO_ORG/OU=Qualified Certificate/CN=CHAN Siu Ming (test"
MO_MAIL=chan.siuming@example.com

make_mo() {
    PKI=mo P=$OUT/mo MD=sha256 SM2ID=
    mkdir -p "$P"
    good=$(ext_leaf digitalSignature,nonRepudiation $MO_POL $MO_MAIL)

    ca_state root 1000
    ISSUER=root
    cert root "$MO_ORG/CN=eSignTrust Test Root CA" rsa2048 $ROOT_START $ROOT_END "$(ext_root)"
    cert int "$MO_ORG/CN=eSignTrust Test Qualified CA" rsa2048 $INT_START $INT_END "$(ext_int)"

    ca_state int 2000
    ISSUER=int
    cert leaf-rsa "$MO_LEAF, RSA)" rsa2048 $LEAF_START $LEAF_END "$good"
    cert leaf-ec "$MO_LEAF, ECDSA)" p256 $LEAF_START $LEAF_END "$good"
    cert leaf-revoked "$MO_LEAF, revoked)" rsa2048 $LEAF_START $LEAF_END "$good"

    revoke leaf-revoked keyCompromise
    gencrl int-stale.crl $STALE_LAST $STALE_NEXT
    gencrl int.crl "$CRL_LAST" "$CRL_NEXT"
    ISSUER=root
    gencrl root.crl "$CRL_LAST" "$CRL_NEXT"
    chainfile
    der leaf-rsa
    der leaf-ec
    der leaf-revoked

    (
        cd "$P" || exit 1
        v="openssl verify -CAfile root.pem -untrusted int.pem"
        crls="-crl_check_all -CRLfile root.crl -CRLfile int.crl"
        expect OK $v -x509_strict -check_ss_sig leaf-rsa.pem
        expect OK $v -x509_strict leaf-ec.pem
        expect OK $v $crls -explicit_policy -policy $MO_POL leaf-rsa.pem
        expect OK $v $crls -explicit_policy -policy $MO_POL leaf-ec.pem
        expect 23 $v $crls leaf-revoked.pem
        expect 12 $v -crl_check_all -CRLfile root.crl -CRLfile int-stale.crl leaf-ec.pem
    )

    note root.pem "root CA, self-signed, RSA-2048/SHA-256, 2020-01-01..2045-01-01"
    note int.pem "intermediate CA (RSA-2048, pathlen 0, anyPolicy), 2021-01-01..2040-01-01"
    note chain.pem "int.pem + root.pem"
    note leaf-rsa.pem "RSA-2048 leaf 2024-01-01..2034-01-01, KU digitalSignature+nonRepudiation,"
    note "" "policy $MO_POL (placeholder arc), SAN email $MO_MAIL"
    note leaf-ec.pem "as leaf-rsa with an ECDSA P-256 key (signed by int with RSA/SHA-256)"
    note leaf-revoked.pem "RSA leaf revoked on int.crl (keyCompromise, revocation date 2025-01-01)"
    note "leaf*.der" "DER copy of each leaf*.pem"
    note "*.key" "PKCS#8 PEM private key of each certificate (mode 600)"
    note root.crl "root's CRL (empty); now-1d..now+30d"
    note int.crl "int's CRL listing leaf-revoked; now-1d..now+30d"
    note int-stale.crl "int's CRL listing leaf-revoked; 2025-02-01..2025-03-01 (stale)"
    note "ca/{root,int}/" "openssl ca state"
}

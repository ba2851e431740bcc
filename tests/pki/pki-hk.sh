# pki-hk.sh — Hong Kong test PKI (Hongkong Post e-Cert-like): RSA-2048, SHA-256. Sourced by make-all.sh.
# shellcheck shell=sh disable=SC2034,SC2086 # globals shared across the sourced files; $v/$crls split on purpose
#
# Leaf policies: 2.16.344.8.2.2008.810.2.2012.1.0 (HK–Guangdong mutual-recognition arc, DESIGN.md §8) and
# 1.3.6.1.4.1.16030.1.1.1 (under the Hongkong Post e-Cert CPS arc 1.3.6.1.4.1.16030.1).

HK_POL="2.16.344.8.2.2008.810.2.2012.1.0, 1.3.6.1.4.1.16030.1.1.1"
HK_MAIL=chan.taiman@example.com
HK_ORG="/C=HK/O=Hongkong Post (test)"
HK_LEAF="$HK_ORG/OU=e-Cert (Personal)/CN=CHAN Tai Man (test"
HK_LEAVES="leaf leaf-revoked leaf-expired leaf-notyet leaf-wrongku leaf-wrongpolicy leaf-sha1 leaf-rsa1024"

make_hk() {
    PKI=hk P=$OUT/hk MD=sha256 SM2ID=
    mkdir -p "$P"
    ku=digitalSignature,nonRepudiation
    good=$(ext_leaf $ku "$HK_POL" $HK_MAIL)

    ca_state root 1000
    ISSUER=root
    cert root "$HK_ORG/CN=Hongkong Post Test Root CA 3" rsa2048 $ROOT_START $ROOT_END "$(ext_root)"
    cert int "$HK_ORG/CN=Hongkong Post Test e-Cert CA 15" rsa2048 $INT_START $INT_END "$(ext_int)"

    ca_state int 2000
    ISSUER=int
    cert leaf "$HK_LEAF)" rsa2048 $LEAF_START $LEAF_END "$good"
    cert leaf-revoked "$HK_LEAF, revoked)" rsa2048 $LEAF_START $LEAF_END "$good"
    cert leaf-expired "$HK_LEAF, expired)" rsa2048 $EXPIRED_START $EXPIRED_END "$good"
    cert leaf-notyet "$HK_LEAF, not yet valid)" rsa2048 $NOTYET_START $NOTYET_END "$good"
    cert leaf-wrongku "$HK_LEAF, wrong key usage)" rsa2048 $LEAF_START $LEAF_END \
        "$(ext_leaf keyEncipherment "$HK_POL" $HK_MAIL)"
    cert leaf-wrongpolicy "$HK_LEAF, wrong policy)" rsa2048 $LEAF_START $LEAF_END \
        "$(ext_leaf $ku 1.2.3.4.5 $HK_MAIL)"
    cert leaf-sha1 "$HK_LEAF, sha1)" rsa2048 $LEAF_START $LEAF_END "$good" sha1
    cert leaf-rsa1024 "$HK_LEAF, rsa1024)" rsa1024 $LEAF_START $LEAF_END "$good"

    revoke leaf-revoked keyCompromise
    gencrl int-stale.crl $STALE_LAST $STALE_NEXT
    gencrl int.crl "$CRL_LAST" "$CRL_NEXT"
    ISSUER=root
    gencrl root.crl "$CRL_LAST" "$CRL_NEXT"
    chainfile
    for l in $HK_LEAVES; do
        der $l
    done

    # Self-checks (subshell: the cd stays local; die still aborts make-all.sh through set -e).
    (
        cd "$P" || exit 1
        v="openssl verify -CAfile root.pem -untrusted int.pem"
        crls="-crl_check_all -CRLfile root.crl -CRLfile int.crl"
        expect OK $v -x509_strict -check_ss_sig leaf.pem
        expect OK $v $crls leaf.pem
        expect OK $v -explicit_policy -policy 2.16.344.8.2.2008.810.2.2012.1.0 leaf.pem
        expect 43 $v -explicit_policy -policy 2.16.344.8.2.2008.810.2.2012.1.0 leaf-wrongpolicy.pem
        expect 23 $v $crls leaf-revoked.pem
        expect 12,23 $v -crl_check_all -CRLfile root.crl -CRLfile int-stale.crl leaf-revoked.pem
        expect 12 $v -crl_check_all -CRLfile root.crl -CRLfile int-stale.crl leaf.pem
        expect 10 $v leaf-expired.pem
        expect OK $v -attime 1640995200 leaf-expired.pem
        expect 9 $v leaf-notyet.pem
        expect OK $v -attime 2082758400 leaf-notyet.pem
        expect OK $v leaf-wrongku.pem
        expect OK $v leaf-rsa1024.pem
        expect 66 $v -auth_level 2 leaf-rsa1024.pem
        expect OK $v leaf-sha1.pem
        expect 68 $v -auth_level 1 leaf-sha1.pem
    )

    note root.pem "root CA, self-signed, RSA-2048/SHA-256, 2020-01-01..2045-01-01"
    note int.pem "intermediate CA (pathlen 0, anyPolicy), 2021-01-01..2040-01-01"
    note chain.pem "int.pem + root.pem"
    note leaf.pem "good leaf 2024-01-01..2034-01-01: KU digitalSignature+nonRepudiation (critical),"
    note "" "policies 2.16.344.8.2.2008.810.2.2012.1.0 + 1.3.6.1.4.1.16030.1.1.1, SAN email $HK_MAIL"
    note leaf-revoked.pem "as leaf; revoked on int.crl (keyCompromise, revocation date 2025-01-01)"
    note leaf-expired.pem "validity 2021-06-01..2023-06-01 (expired now; valid at 2022-01-01)"
    note leaf-notyet.pem "validity 2035-01-01..2039-01-01 (not yet valid; valid at 2036-01-01)"
    note leaf-wrongku.pem "keyUsage keyEncipherment only"
    note leaf-wrongpolicy.pem "certificatePolicies 1.2.3.4.5 only"
    note leaf-sha1.pem "signed sha1WithRSAEncryption (openssl verify -auth_level 1: error 68, too weak)"
    note leaf-rsa1024.pem "RSA-1024 subject key (passes -auth_level 1, fails level 2: error 66)"
    note "leaf*.der" "DER copy of each leaf*.pem"
    note "*.key" "PKCS#8 PEM private key of each certificate (mode 600)"
    note root.crl "root's CRL (scope: int; empty); thisUpdate now-1d, nextUpdate now+30d"
    note int.crl "int's CRL listing leaf-revoked (keyCompromise); now-1d..now+30d"
    note int-stale.crl "int's CRL listing leaf-revoked; 2025-02-01..2025-03-01 (stale)"
    note "ca/{root,int}/" "openssl ca state: index.txt, serial, crlnumber, ca.cnf (absolute paths)"
}

# pki-cn.sh — Mainland China test PKIs: SM2 keys, SM2-with-SM3 signatures. Sourced by make-all.sh.
# shellcheck shell=sh disable=SC2034,SC2086 # globals shared across the sourced files; $v/$crls split on purpose
#
#   cn/        everything signed with the GM/T 0009 default distinguishing ID 1234567812345678
#   cn-altid/  a second chain made entirely with the ID "ALICE123@YAHOO.COM"
# OpenSSL 3.0 quirks handled here (DESIGN.md §8): `openssl ca` needs -sigopt distid:ID to sign and
# -vfyopt distid:ID to accept the SM2 CSR; `openssl verify -vfyopt` sets the ID on the target certificate
# only, and anchors from -CAfile/-trusted never get it, so every link is checked one by one with
# -partial_chain, and self-signatures and CRL signatures are checked with pkeyutl (sm2_sig in lib.sh).

GM_ID=1234567812345678
ALT_ID=ALICE123@YAHOO.COM
WRONG_ID=9999999999999999
CN_POL=2.16.344.8.2.2008.810.2.2012.1.0
CN_ORG="/C=CN/O=SM2 Test CA (test)"

# link_ok ISSUER CERT ID: CERT's signature verifies under ISSUER with ID, and does not without the ID.
link_ok() {
    expect OK openssl verify -partial_chain -vfyopt "distid:$3" -trusted "$1" "$2"
    expect 7 openssl verify -partial_chain -trusted "$1" "$2"
    sm2_sig good "$2" "$1" "$3"
}

make_cn() {
    PKI=cn P=$OUT/cn MD=sm3 SM2ID=$GM_ID
    mkdir -p "$P"
    good=$(ext_leaf digitalSignature,nonRepudiation $CN_POL zhang.san@example.com)

    ca_state root 1000
    ISSUER=root
    cert root "$CN_ORG/CN=SM2 Test Root CA" sm2 $ROOT_START $ROOT_END "$(ext_root)"
    cert int "$CN_ORG/CN=SM2 Test Personal CA" sm2 $INT_START $INT_END "$(ext_int)"

    ca_state int 2000
    ISSUER=int
    cert leaf "$CN_ORG/CN=ZHANG San (test)" sm2 $LEAF_START $LEAF_END "$good"
    cert leaf-revoked "$CN_ORG/CN=ZHANG San (test, revoked)" sm2 $LEAF_START $LEAF_END "$good"

    revoke leaf-revoked keyCompromise
    gencrl int-stale.crl $STALE_LAST $STALE_NEXT
    gencrl int.crl "$CRL_LAST" "$CRL_NEXT"
    gencrl int-wrongid.crl "$CRL_LAST" "$CRL_NEXT" $WRONG_ID
    ISSUER=root
    gencrl root.crl "$CRL_LAST" "$CRL_NEXT"
    chainfile
    der leaf
    der leaf-revoked

    (
        cd "$P" || exit 1
        sm2_sig good root.pem root.pem $GM_ID
        sm2_sig bad root.pem root.pem $WRONG_ID
        link_ok root.pem int.pem $GM_ID
        link_ok int.pem leaf.pem $GM_ID
        link_ok int.pem leaf-revoked.pem $GM_ID
        sm2_sig good root.crl root.pem $GM_ID
        sm2_sig good int.crl int.pem $GM_ID
        sm2_sig good int-stale.crl int.pem $GM_ID
        sm2_sig bad int.crl int.pem $WRONG_ID
        sm2_sig good int-wrongid.crl int.pem $WRONG_ID
        sm2_sig bad int-wrongid.crl int.pem $GM_ID
        serial=$(openssl x509 -in leaf-revoked.pem -noout -serial | sed 's/^serial=//')
        for crl in int.crl int-stale.crl int-wrongid.crl; do
            openssl crl -in $crl -noout -text | grep -q "Serial Number: $serial" ||
                die "cn/$crl does not list leaf-revoked ($serial)"
        done
    )

    note root.pem "root CA, self-signed, SM2/SM3, ID $GM_ID, 2020-01-01..2045-01-01"
    note int.pem "intermediate CA (pathlen 0, anyPolicy), 2021-01-01..2040-01-01"
    note chain.pem "int.pem + root.pem"
    note leaf.pem "good leaf 2024-01-01..2034-01-01: KU digitalSignature+nonRepudiation (critical),"
    note "" "policy $CN_POL, SAN email zhang.san@example.com"
    note leaf-revoked.pem "as leaf; revoked on int.crl (keyCompromise, revocation date 2025-01-01)"
    note "leaf*.der" "DER copy of each leaf*.pem"
    note "*.key" "PKCS#8 PEM SM2 private key of each certificate (mode 600)"
    note root.crl "root's CRL (empty), ID $GM_ID; now-1d..now+30d"
    note int.crl "int's CRL listing leaf-revoked, ID $GM_ID; now-1d..now+30d"
    note int-wrongid.crl "same content as int.crl but signed with ID $WRONG_ID (must fail with the default)"
    note int-stale.crl "int's CRL listing leaf-revoked, ID $GM_ID; 2025-02-01..2025-03-01 (stale)"
    note "ca/{root,int}/" "openssl ca state (sign with: -md sm3 -sigopt distid:$GM_ID)"
}

make_cn_altid() {
    PKI=cn-altid P=$OUT/cn-altid MD=sm3 SM2ID=$ALT_ID
    mkdir -p "$P"
    org="/C=CN/O=SM2 Alt-ID Test CA (test)"

    ca_state root 1000
    ISSUER=root
    cert root "$org/CN=SM2 Alt-ID Test Root CA" sm2 $ROOT_START $ROOT_END "$(ext_root)"
    cert int "$org/CN=SM2 Alt-ID Test Personal CA" sm2 $INT_START $INT_END "$(ext_int)"

    ca_state int 2000
    ISSUER=int
    cert leaf "$org/CN=LI Si (test)" sm2 $LEAF_START $LEAF_END \
        "$(ext_leaf digitalSignature,nonRepudiation $CN_POL li.si@example.com)"
    gencrl int.crl "$CRL_LAST" "$CRL_NEXT"
    ISSUER=root
    gencrl root.crl "$CRL_LAST" "$CRL_NEXT"
    chainfile
    der leaf

    (
        cd "$P" || exit 1
        sm2_sig good root.pem root.pem $ALT_ID
        sm2_sig bad root.pem root.pem $GM_ID
        link_ok root.pem int.pem $ALT_ID
        link_ok int.pem leaf.pem $ALT_ID
        expect 7 openssl verify -partial_chain -vfyopt "distid:$GM_ID" -trusted int.pem leaf.pem
        sm2_sig good root.crl root.pem $ALT_ID
        sm2_sig good int.crl int.pem $ALT_ID
        sm2_sig bad int.crl int.pem $GM_ID
    )

    note root.pem "root CA, self-signed, SM2/SM3, every signature with ID $ALT_ID"
    note int.pem "intermediate CA, ID $ALT_ID"
    note chain.pem "int.pem + root.pem"
    note leaf.pem "leaf (policy $CN_POL, SAN email li.si@example.com), ID $ALT_ID"
    note leaf.der "DER copy of leaf.pem"
    note "*.key" "PKCS#8 PEM SM2 private keys (mode 600)"
    note root.crl "root's CRL (empty), ID $ALT_ID"
    note int.crl "int's CRL (empty), ID $ALT_ID"
    note "ca/{root,int}/" "openssl ca state"
}

# pki-gateway.sh — the gateway's attestation keys, one per receiving side. Sourced by make-all.sh and run
# after the hk, cn and mo PKIs exist (it issues from their intermediates' `openssl ca` state).
# shellcheck shell=sh disable=SC2034 # globals shared across the sourced files
#
#   gw/gw-cn-sm2.{key,pem}   SM2/SM3 (ID 1234567812345678), issued by cn/int: signs GM/T 0010 attestations
#   gw/gw-hk-rsa.{key,pem}   RSA-2048 / SHA-256, issued by hk/int: signs CMS attestations
#   gw/gw-mo-rsa.{key,pem}   RSA-2048 / SHA-256, issued by mo/int: signs XML-DSig attestations
# Keys are PKCS#8 PEM, mode 600 (recognition.yaml refuses attest keys readable by group or others).
# Leaves: keyUsage critical digitalSignature+nonRepudiation, no certificate policies (the gateway attests,
# it is not a citizen signer), validity 2024-01-01..2034-01-01.

GW_ORG_CN="/C=CN/O=sigbridge (test)"
GW_ORG_HK="/C=HK/O=sigbridge (test)"
GW_ORG_MO="/C=MO/O=sigbridge (test)"

ext_gw() {
    cat <<'EOF2'
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
EOF2
}

# gw_cert NAME SRC_PKI KEYTYPE SUBJECT MD SM2ID: $OUT/gw/NAME.{key,pem} issued by $OUT/SRC_PKI/int.
gw_cert() {
    g_name=$1 g_src=$OUT/$2 g_kt=$3 g_subj=$4 g_md=$5 g_id=$6
    mkkey "$g_kt" "$P/$g_name.key"
    printf '[ ext ]\n%s\n' "$(ext_gw)" >"$TMP/ext.cnf"
    if [ -n "$g_id" ]; then
        set -- -sm3 -sigopt "distid:$g_id"
    else
        set -- -sha256
    fi
    q openssl req -new -config "$TMP/req.cnf" -key "$P/$g_name.key" -subj "$g_subj" "$@" -out "$TMP/$g_name.csr"
    set -- -cert "$g_src/int.pem" -keyfile "$g_src/int.key"
    if [ -n "$g_id" ]; then
        set -- "$@" -sigopt "distid:$g_id" -vfyopt "distid:$g_id"
    fi
    q openssl ca -config "$g_src/ca/int/ca.cnf" -batch -notext -preserveDN -md "$g_md" \
        -startdate "$LEAF_START" -enddate "$LEAF_END" -extfile "$TMP/ext.cnf" -extensions ext \
        -in "$TMP/$g_name.csr" -out "$P/$g_name.pem" "$@"
    chmod 644 "$P/$g_name.pem"
}

make_gateway() {
    PKI=gw P=$OUT/gw
    mkdir -p "$P"
    gw_cert gw-cn-sm2 cn sm2 "$GW_ORG_CN/CN=sigbridge gateway attestation (cn)" sm3 1234567812345678
    gw_cert gw-hk-rsa hk rsa2048 "$GW_ORG_HK/CN=sigbridge gateway attestation (hk)" sha256 ""
    gw_cert gw-mo-rsa mo rsa2048 "$GW_ORG_MO/CN=sigbridge gateway attestation (mo)" sha256 ""

    (
        cd "$P" || exit 1
        expect OK openssl verify -partial_chain -vfyopt distid:1234567812345678 -trusted "$OUT/cn/int.pem" gw-cn-sm2.pem
        sm2_sig good gw-cn-sm2.pem "$OUT/cn/int.pem" 1234567812345678
        expect OK openssl verify -CAfile "$OUT/hk/root.pem" -untrusted "$OUT/hk/int.pem" -x509_strict gw-hk-rsa.pem
        expect OK openssl verify -CAfile "$OUT/mo/root.pem" -untrusted "$OUT/mo/int.pem" -x509_strict gw-mo-rsa.pem
        for k in gw-cn-sm2 gw-hk-rsa gw-mo-rsa; do
            [ "$(stat -c %a $k.key 2>/dev/null || stat -f %Lp $k.key)" = 600 ] || die "gw/$k.key is not mode 600"
        done
    )

    note gw-cn-sm2.pem "gateway attestation certificate for cn: SM2/SM3, ID 1234567812345678, issued by cn/int"
    note gw-hk-rsa.pem "gateway attestation certificate for hk: RSA-2048/SHA-256, issued by hk/int"
    note gw-mo-rsa.pem "gateway attestation certificate for mo: RSA-2048/SHA-256, issued by mo/int"
    note "gw-*.key" "their PKCS#8 PEM private keys (mode 600); recognition.yaml attest.key"
}

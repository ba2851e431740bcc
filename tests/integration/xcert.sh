# tests/integration/xcert.sh — sourced by integration scripts: make small test certificates and CRLs with the
# openssl CLI into the directory $X (set by the caller). Returns non-zero (after a FAIL line) when
# openssl fails.
# shellcheck shell=sh

# xcert NAME SUBJECT ISSUER|self EXTENSIONS(;-separated): EC P-256 key NAME.key, certificate NAME.pem, SKI
# and (issued) AKI keyid, valid for 10 years from now. With XKEY=OTHER set, NAME reuses OTHER.key.
xcert() {
    { printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectKeyIdentifier=hash\n'
      [ "$3" = self ] || printf 'authorityKeyIdentifier=keyid:always\n'
      printf '%s\n' "$4" | tr ';' '\n'; } > "$X/$1.cnf"
    if [ -n "${XKEY:-}" ]; then cp "$X/$XKEY.key" "$X/$1.key"; else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$X/$1.key" 2>"$X/err"; fi &&
    if [ "$3" = self ]; then
        openssl req -new -x509 -key "$X/$1.key" -subj "$2" -days 3650 -set_serial "0x$(openssl rand -hex 8)" \
            -config "$X/$1.cnf" -extensions v3 -out "$X/$1.pem" 2>"$X/err"
    else
        openssl req -new -key "$X/$1.key" -subj "$2" -config "$X/$1.cnf" -out "$X/$1.csr" 2>"$X/err" &&
        openssl x509 -req -in "$X/$1.csr" -CA "$X/$3.pem" -CAkey "$X/$3.key" -days 3650 \
            -set_serial "0x$(openssl rand -hex 8)" -extfile "$X/$1.cnf" -extensions v3 -out "$X/$1.pem" 2>"$X/err"
    fi || { echo "FAIL openssl could not make $1: $(cat "$X/err")"; return 1; }
}

# xcrl NAME ISSUER [CRL-EXTENSIONS(;-separated)]: an empty CRL NAME.crl signed by ISSUER (made by xcert),
# with an authorityKeyIdentifier and a CRL number, valid from now for 30 days
xcrl() {
    mkdir -p "$X/ca-$1" && : > "$X/ca-$1/index.txt" && echo 01 > "$X/ca-$1/crlnumber"
    { printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\ndefault_crl_days=30\n' \
          "$X/ca-$1/index.txt" "$X/ca-$1/crlnumber"
      printf '[crlext]\nauthorityKeyIdentifier=keyid:always\n'
      [ -z "${3:-}" ] || printf '%s\n' "$3" | tr ';' '\n'; } > "$X/ca-$1/ca.cnf"
    openssl ca -gencrl -config "$X/ca-$1/ca.cnf" -cert "$X/$2.pem" -keyfile "$X/$2.key" -crlexts crlext \
        -out "$X/$1.crl" 2>"$X/err" || { echo "FAIL openssl could not make $1.crl: $(cat "$X/err")"; return 1; }
}

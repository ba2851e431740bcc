# tests/integration/xcert.sh — sourced by integration scripts: make small test certificates with the
# openssl CLI into the directory $X (set by the caller). Returns non-zero (after a FAIL line) when
# openssl fails.
# shellcheck shell=sh

# xcert NAME SUBJECT ISSUER|self EXTENSIONS(;-separated): EC P-256 key NAME.key, certificate NAME.pem, SKI
# and (issued) AKI keyid, valid for 10 years from now
xcert() {
    { printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectKeyIdentifier=hash\n'
      [ "$3" = self ] || printf 'authorityKeyIdentifier=keyid:always\n'
      printf '%s\n' "$4" | tr ';' '\n'; } > "$X/$1.cnf"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$X/$1.key" 2>"$X/err" &&
    if [ "$3" = self ]; then
        openssl req -new -x509 -key "$X/$1.key" -subj "$2" -days 3650 -set_serial "0x$(openssl rand -hex 8)" \
            -config "$X/$1.cnf" -extensions v3 -out "$X/$1.pem" 2>"$X/err"
    else
        openssl req -new -key "$X/$1.key" -subj "$2" -config "$X/$1.cnf" -out "$X/$1.csr" 2>"$X/err" &&
        openssl x509 -req -in "$X/$1.csr" -CA "$X/$3.pem" -CAkey "$X/$3.key" -days 3650 \
            -set_serial "0x$(openssl rand -hex 8)" -extfile "$X/$1.cnf" -extensions v3 -out "$X/$1.pem" 2>"$X/err"
    fi || { echo "FAIL openssl could not make $1: $(cat "$X/err")"; return 1; }
}

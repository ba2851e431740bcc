# Shared helpers for integration scripts: SB_BIN (sigbridge binary) and SB_PKI (generated PKIs).
# Each check prints one line; the script ends with 'N passed, M failed' and exits 1 on any failure.
SB_BIN=${SB_BIN:-build/sigbridge}
SB_PKI=${SB_PKI:-build/pki}
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect NAME EXIT SUBINDICATION REASON -- command...  (SUBINDICATION/REASON "-" = null/any)
expect() {
    name=$1 want_exit=$2 want_sub=$3 want_reason=$4
    shift 5
    out=$("$@" 2>"$TMP/stderr")
    got=$?
    sub=$(printf '%s' "$out" | python3 -c 'import json,sys
try:
    d=json.load(sys.stdin); print(d.get("subindication") or "-", d.get("reason") or "-")
except Exception: print("nojson nojson")')
    got_sub=${sub% *}
    got_reason=${sub#* }
    if [ "$got" = "$want_exit" ] && { [ "$want_sub" = "*" ] || [ "$got_sub" = "$want_sub" ]; } &&
       { [ "$want_reason" = "*" ] || [ "$got_reason" = "$want_reason" ]; }; then
        PASS=$((PASS + 1))
        echo "ok   $name"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL $name: exit $got (want $want_exit), $got_sub/$got_reason (want $want_sub/$want_reason)"
        printf '     %s\n' "$out" | head -c 600
        head -c 600 "$TMP/stderr"
    fi
}

# expect_msg NAME TEXT -- command...: the JSON "message" contains TEXT
expect_msg() {
    name=$1 want_text=$2
    shift 3
    msg=$("$@" 2>/dev/null | python3 -c 'import json,sys
try: print(json.load(sys.stdin).get("message") or "")
except Exception: print("nojson")')
    case "$msg" in
    *"$want_text"*)
        PASS=$((PASS + 1))
        echo "ok   $name" ;;
    *)
        FAIL=$((FAIL + 1))
        echo "FAIL $name: message '$msg' lacks '$want_text'" ;;
    esac
}

# expect_json NAME PY_EXPR -- command...: the command prints JSON d for which PY_EXPR is true. PY_EXPR may call
# der_sha256(FILE) (SHA-256 of a PEM CRL's DER, by `openssl crl -outform DER | openssl dgst -sha256`) and
# rev(d, i) (d["chain"][i].get("revocation")).
expect_json() {
    name=$1 expr=$2
    shift 3
    "$@" >"$TMP/ej.json" 2>"$TMP/stderr"
    if python3 - "$TMP/ej.json" "$expr" <<'PY'
import json, subprocess, sys
def der_sha256(path):
    der = subprocess.run(["openssl", "crl", "-in", path, "-outform", "DER"], capture_output=True, check=True).stdout
    out = subprocess.run(["openssl", "dgst", "-sha256", "-r"], input=der, capture_output=True, check=True).stdout
    return out.split()[0].decode()
def rev(d, i):
    return d["chain"][i].get("revocation")
try:
    d = json.load(open(sys.argv[1]))
    sys.exit(0 if eval(sys.argv[2]) else 1)
except Exception as e:
    print("     check raised %r" % e)
    sys.exit(1)
PY
    then
        PASS=$((PASS + 1))
        echo "ok   $name"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL $name: $expr"
        head -c 1500 "$TMP/ej.json"
        echo
        head -c 600 "$TMP/stderr"
    fi
}

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

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

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

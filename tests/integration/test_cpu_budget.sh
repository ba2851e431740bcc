#!/bin/sh
# tests/integration/test_cpu_budget.sh — hostile inputs built to make path building do unbounded work are
# answered with their specific reason, well inside the fuzzers' one-second budget per input.
#
# tests/fuzz/poc/cpu_exhaustion.py writes them (see its header): a CMS object with 64 copies of one
# SignerInfo over 255 issuer candidates, and a chain whose CRL names the intermediate but is signed by the
# key of 48 look-alike CRL-signer certificates, each issued by 48 candidates. With ~2047-bit RSA exponents
# (the original finding: 42 and 5.6 CPU-seconds) the key check refuses the candidates; with e = 65537 every
# check is a real verification and the shared signature budgets bound the work. Each answer is checked for
# its exact indication / reason and exit status; the wall-clock ceiling (5 s, x SLOWX) only catches a
# regression to unbounded work, it is not a benchmark.
# Env: SB_BIN, SB_PKI.
. "$(dirname "$0")/gw_lib.sh"

# timed OUT CMD... — runs CMD (stdout to OUT) and sets rc and ms (wall-clock milliseconds); CMD is killed
# after 4 x LIMIT_MS, so a regression to unbounded work fails the check instead of hanging the suite
timed() {
    out=$1
    shift
    t_start=$(date +%s%N)
    timeout -s KILL $((LIMIT_MS * 4 / 1000)) "$@" >"$out" 2>"$out.err"
    rc=$?
    ms=$((($(date +%s%N) - t_start) / 1000000))
}
LIMIT_MS=$((5000 * SLOWX))
field() { py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# expect NAME OUT RC IND REASON — the answer in OUT (exit status rc, timed) is IND / REASON within LIMIT_MS
expect() {
    got="$(field "$2" "d['indication']") / $(field "$2" "d.get('reason')")" want_rc=$3 want="$4 / $5"
    check_sh "$1: $got in $ms ms (< $LIMIT_MS), exit $rc" \
        '[ "$ms" -lt "$LIMIT_MS" ] && [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]'
}

# exp: "" = the ~2047-bit exponents of the original finding, 65537 = ordinary keys (each check a real
# RSA verification: the shared signature budgets bound the work, not the key check)
for exp in "" 65537; do
    d=$TMP/poc${exp:+-$exp}
    section "inputs with ${exp:-~2047-bit} exponents"
    if ! SB_BIN=$SB_BIN SB_PKI=$SB_PKI SB_POC_EXPONENT=$exp py "$ROOT/tests/fuzz/poc/cpu_exhaustion.py" "$d" \
        >"$TMP/gen.txt" 2>&1; then
        bad "cpu_exhaustion.py wrote its inputs" "$(tail -c 400 "$TMP/gen.txt")"
        continue
    fi
    ok "cpu_exhaustion.py wrote its inputs ($(wc -c <"$d/signers.cms") + $(wc -c <"$d/attack.der") bytes)"

    timed "$d/signers.json" "$SB_BIN" verify --json --anchor "$SB_PKI/hk/root.pem" "$d/signers.cms"
    if [ -z "$exp" ]; then
        expect "64 SignerInfos x 255 issuer candidates" "$d/signers.json" 3 INDETERMINATE WEAK_KEY
    else
        expect "64 SignerInfos x 255 issuer candidates" "$d/signers.json" 1 TOTAL_FAILED SIG_CRYPTO
    fi
    timed "$d/crl.json" "$SB_BIN" chain --json --revocation require --anchor "$SB_PKI/hk/root.pem" \
        --untrusted "$SB_PKI/hk/int.pem" --untrusted "$d/attack.der" --crl "$d/evil.crl" "$SB_PKI/hk/leaf.pem"
    expect "CRL by 48 look-alike signers x 48 candidates, revocation required" "$d/crl.json" 3 \
        INDETERMINATE REVOCATION_UNAVAILABLE
done

gw_finish

#!/bin/sh
# The command line of every `sigbridge` subcommand (gateway/cli/cli_parse.c): --help / -h on stdout with
# exit 0, options after the positional argument, --name=value, and the exact usage errors (exit 2) of
# DESIGN §7: "unknown option or missing value: ARG" (as {"error":…} with --json), the wrong number of
# positional arguments, missing required options, refused option words; and the own wordings of
# check-config, serve and audit verify.
. "$(dirname "$0")/lib.sh"
B=$SB_BIN
P=$SB_PKI
AT=--at=2026-06-01T00:00:00+08:00

# run NAME EXIT STREAM TEXT -- command...: exit status EXIT and TEXT as one whole line of STREAM (out / err)
run() {
    name=$1 want_exit=$2 stream=$3 text=$4
    shift 5
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" = "$want_exit" ] && grep -qxF -- "$text" "$TMP/$stream"; then
        PASS=$((PASS + 1))
        echo "ok   $name"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL $name: exit $got (want $want_exit), $stream lacks: $text"
        head -c 400 "$TMP/out" "$TMP/err"
    fi
}

# each command's first usage line, on stdout with exit 0, for --help and -h
while IFS='|' read -r c line; do
    for h in --help -h; do
        # shellcheck disable=SC2086
        run "$c $h" 0 out "$line" -- $B $c $h
    done
done <<'LINES'
chain|usage: sigbridge chain [options] CERT
verify|usage: sigbridge verify [options] FILE
sign|usage: sigbridge sign --key KEY --cert CERT [options] IN
translate|usage: sigbridge translate --policy-dir DIR --from A --to B [options] FILE
check-config|usage: sigbridge check-config [--policy-dir DIR]
serve|usage: sigbridge serve [-c FILE] [--check] [--audit-new-chain]
tl show|usage: sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE
policy explain|usage: sigbridge policy explain [--policy-dir DIR] --from JUR --to JUR [--at TIME] [--json] CERT
LINES

# options after the positional argument, and --name=value
expect "chain: options after CERT" 0 - - -- \
    $B chain $P/hk/leaf.pem --json $AT --anchor $P/hk/root.pem --untrusted $P/hk/int.pem
expect "chain: --anchor=FILE" 0 - - -- \
    $B chain --json $AT --anchor=$P/hk/root.pem --untrusted=$P/hk/int.pem $P/hk/leaf.pem

# unknown options and missing values
run "chain --json: unknown option as JSON" 2 out \
    '{"error":{"code":"USAGE","message":"unknown option or missing value: --frobnicate"}}' -- \
    $B chain --json --frobnicate $P/hk/leaf.pem
run "chain --json: missing value as JSON" 2 out \
    '{"error":{"code":"USAGE","message":"unknown option or missing value: --anchor"}}' -- \
    $B chain --json $P/hk/leaf.pem --anchor
run "verify: unknown option" 2 err "sigbridge: unknown option or missing value: --frobnicate" -- \
    $B verify --frobnicate x.p7s
run "sign: unknown option" 2 err "sigbridge: unknown option or missing value: --frobnicate" -- \
    $B sign --frobnicate --key k --cert c in
run "tl show: missing value" 2 err "sigbridge: unknown option or missing value: --signer" -- \
    $B tl show tl.xml --signer
run "translate: unknown option" 2 err "sigbridge: unknown option or missing value: --frobnicate" -- \
    $B translate --frobnicate x
run "policy explain: unknown option" 2 err "sigbridge: unknown option or missing value: --frobnicate" -- \
    $B policy explain --frobnicate x

# positional arguments and required options
run "chain: no CERT" 2 err "sigbridge: exactly one CERT argument expected (see sigbridge chain --help)" -- \
    $B chain --anchor $P/hk/root.pem
run "verify: two FILEs" 2 err "sigbridge: exactly one FILE argument expected (see sigbridge verify --help)" -- \
    $B verify a b
run "tl show: no FILE" 2 err "sigbridge: exactly one FILE argument expected (see sigbridge tl show --help)" -- \
    $B tl show
run "sign: no --cert" 2 err \
    "sigbridge: --key, --cert and exactly one IN argument are required (see sigbridge sign --help)" -- \
    $B sign --key k in
run "translate: no FILE" 2 err "sigbridge: exactly one FILE argument expected (see sigbridge translate --help)" -- \
    $B translate --policy-dir d --from a --to b
run "translate: no --to" 2 err "sigbridge: --policy-dir, --from and --to are required" -- \
    $B translate --policy-dir d --from a x
run "policy explain: no --to" 2 err \
    "sigbridge: --from JUR, --to JUR and exactly one CERT are required (see sigbridge policy explain --help)" -- \
    $B policy explain --from a x
run "verify: --policy-dir without --from" 2 err "sigbridge: --policy-dir and --from go together" -- \
    $B verify --policy-dir d x

# option words
run "chain: --revocation word" 2 err "sigbridge: --revocation: 'maybe' is not require, prefer or off" -- \
    $B chain --revocation maybe x
run "chain: --profile word" 2 err "sigbridge: --profile: 'x' is not rfc5280, strict or webpki" -- \
    $B chain --profile x y
run "sign: --format word" 2 err "sigbridge: --format: 'pdf' is not cms, gmt0010 or xmldsig" -- \
    $B sign --format pdf --key k --cert c in

# the commands that word their own usage errors
run "check-config: unknown option" 2 err "sigbridge: check-config: unknown option or missing value: --json" -- \
    $B check-config --json
run "check-config: usage after it" 2 err "usage: sigbridge check-config [--policy-dir DIR]" -- \
    $B check-config --json
run "check-config: stray argument" 2 err "sigbridge: check-config: unexpected argument 'extra'" -- \
    $B check-config extra
run "serve: stray argument" 2 err "sigbridge serve: unexpected argument 'extra'" -- $B serve extra
run "serve: -c without FILE" 2 err "sigbridge serve: unexpected argument '-c'" -- $B serve -c
run "serve: unknown option" 2 err "sigbridge serve: unexpected argument '--frobnicate'" -- $B serve --frobnicate
run "audit verify: unknown option" 2 err "sigbridge audit verify: unknown option '--frobnicate'" -- \
    $B audit verify --frobnicate log
AUDIT_USAGE="usage: sigbridge audit verify [--json] [--cert NODE.pem]... [--checkpoint FILE] [--tsa-anchor TSA.pem]... LOG"
run "audit verify: two files" 2 err "$AUDIT_USAGE" -- $B audit verify a b
run "audit verify: no file" 2 err "$AUDIT_USAGE" -- $B audit verify
run "audit verify: --cert without its value" 2 err "sigbridge audit verify: option '--cert' needs a value" -- \
    $B audit verify log --cert
run "audit verify: --cert naming no file" 2 err "sigbridge audit verify: cannot load a certificate: /nonexistent.pem: cannot open: No such file or directory" -- \
    $B audit verify --cert /nonexistent.pem log
finish

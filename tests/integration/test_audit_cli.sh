#!/bin/sh
# tests/integration/test_audit_cli.sh — `sigbridge audit verify --cert` on logs written by an independent
# implementation (audit_forge.py: Python's json + hashlib + `cryptography`, keys and certificates from
# `openssl req -x509`: ECDSA P-256, RSA-2048, Ed25519). An intact signed log with its side file verifies (exit 0)
# and names its unsigned tail; the attacker's edits with every later hash recomputed fail at the next
# checkpoint (exit 1, that line); records cut before the last checkpoint fail, records cut after it only
# shorten the unsigned tail; a checkpoint signed by another key, an unsigned checkpoint, a side file naming a
# checkpoint cut from the log, checkpoints stripped, and checkpoints cut from the end (tail longer than the
# cadence) fail; a "reopen" continuation file and a torn tail (exit 3) are reported; --json carries the
# summary keys. Every case checks the exit code, the first line's FILE:LINE and the message.
# Env: SB_BIN, SB_PKI. Prints 'N passed, M failed'.
. "$(dirname "$0")/gw_lib.sh"

FORGE="$ROOT/tests/integration/audit_forge.py"
if ! python3 -c 'import cryptography' 2>/dev/null; then
    skip "python3 cryptography is not installed: audit_forge.py cannot sign"
    gw_finish
    exit 0
fi
forge() { python3 "$FORGE" "$@"; }
D=$TMP/audit
mkdir -p "$D"
cd "$D" || exit 1

section "keys and certificates (openssl req -x509)"
mk() { # mk NAME ALGOPTS... : NAME.key, NAME.pem
    n=$1
    shift
    openssl req -x509 "$@" -nodes -keyout "$n.key" -out "$n.pem" -subj "/CN=audit $n/O=sigbridge test" -days 30 \
        >/dev/null 2>&1
}
mk ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
mk rsa -newkey rsa:2048
mk ed -newkey ed25519
mk other -newkey ec -pkeyopt ec_paramgen_curve:P-256
check_sh "four key pairs made" '[ -s ec.pem ] && [ -s rsa.pem ] && [ -s ed.pem ] && [ -s other.pem ]'
EC_SHA=$(openssl x509 -in ec.pem -outform DER | sha256sum | cut -c1-64)

# av NAME WANT_RC WANT_FIRST_LINE_PREFIX -- verify args... : exit code and the first line (fixed-string prefix)
av() {
    name=$1 want_rc=$2 want=$3
    shift 4
    "$SB_BIN" audit verify "$@" >"$D/out.txt" 2>"$D/err.txt"
    rc=$?
    first=$(head -n 1 "$D/out.txt")
    case "$first" in
    "$want"*) line_ok=1 ;;
    *) line_ok=0 ;;
    esac
    if [ "$rc" = "$want_rc" ] && [ "$line_ok" = 1 ]; then
        ok "$name (exit $rc)"
    else
        bad "$name" "exit $rc (want $want_rc); first line '$first' (want '$want...'); stderr $(head -c 300 "$D/err.txt")"
    fi
}
# has NAME TEXT: the last av's output holds TEXT (fixed string)
has() { check "$1" grep -qF -- "$2" "$D/out.txt"; }

section "intact logs written by Python verify (P-256, RSA, Ed25519)"
forge gen ec.key ec.pem "$D/ec.jsonl" 23 10
av "P-256 log + side file" 0 "$D/ec.jsonl: 26 records, chain intact; last hash " -- --cert ec.pem "$D/ec.jsonl"
has "  counts" "  records: 26 (23 decisions, 3 checkpoints, 3 signed checkpoints)"
has "  unsigned tail named" "  unsigned tail: 3 records after the last checkpoint (lines 24–26), not covered by a signature"
has "  last checkpoint" "  last checkpoint: line 23, seq 23, 2026-12-07T10:00:23.000Z, event cadence"
has "  side file found by default and in the log" \
    "  checkpoint file: $D/ec.jsonl.checkpoint (default): its checkpoint (seq 23) is in the log"
has "  signatures verified" "  signatures: every checkpoint verifies with the given certificates"
has "  signer subject" "  signed by: "
has "  anchors" "  anchors: 0"
has "  node" "  nodes: py-node"
for k in rsa ed; do
    forge gen $k.key $k.pem "$D/$k.jsonl" 12 5
    av "$k log" 0 "$D/$k.jsonl: 15 records, chain intact" -- --cert $k.pem "$D/$k.jsonl"
done
av "several --cert: any of them may have signed" 0 "$D/ec.jsonl: 26 records, chain intact" -- \
    --cert rsa.pem --cert ec.pem --cert ed.pem "$D/ec.jsonl"
av "without --cert: the chain only" 0 "$D/ec.jsonl: 26 records, chain intact" -- "$D/ec.jsonl"
has "  says signatures were not checked" "  signatures: not checked (no --cert)"

section "the attacker edits and recomputes every later hash"
cp ec.jsonl edit.jsonl
cp ec.jsonl.checkpoint edit.jsonl.checkpoint
forge edit edit.jsonl 5
av "chain alone cannot tell" 0 "$D/edit.jsonl: 26 records, chain intact" -- "$D/edit.jsonl"
av "edit at line 5: the checkpoint at line 12 fails" 1 "$D/edit.jsonl:12: broken chain: checkpoint signature does \
not verify: the records it covers (lines 2–11) or the checkpoint were changed" -- --cert ec.pem "$D/edit.jsonl"
has "  records before it" "(11 records before it verify)"
cp ec.jsonl edit2.jsonl
forge edit edit2.jsonl 20
av "edit at line 20: the checkpoint at line 23 fails" 1 "$D/edit2.jsonl:23: broken chain: checkpoint signature \
does not verify: the records it covers (lines 13–22)" -- --cert ec.pem "$D/edit2.jsonl"
cp ec.jsonl edit3.jsonl
forge edit edit3.jsonl 25
av "edit in the unsigned tail: not covered (exit 0, the tail named)" 0 "$D/edit3.jsonl: 26 records, chain intact" -- \
    --cert ec.pem "$D/edit3.jsonl"
has "  tail named" "unsigned tail: 3 records after the last checkpoint (lines 24–26)"

section "records cut"
cp ec.jsonl cut.jsonl
cp ec.jsonl.checkpoint cut.jsonl.checkpoint
forge cut cut.jsonl 3 4
av "lines 3-4 cut, seq/prev/hash recomputed" 1 "$D/cut.jsonl:10: broken chain: checkpoint signature does not \
verify: the records it covers (lines 2–9)" -- --cert ec.pem "$D/cut.jsonl"
cp ec.jsonl cutk.jsonl
forge cut cutk.jsonl 14 14 --keep-seq
av "line 14 cut, prev/hash recomputed, seq kept" 1 "$D/cutk.jsonl:14: broken chain: seq jumps from 13 to 15" -- \
    --cert ec.pem "$D/cutk.jsonl"
cp ec.jsonl cutt.jsonl
cp ec.jsonl.checkpoint cutt.jsonl.checkpoint
forge cut cutt.jsonl 25 25
av "a record after the last checkpoint cut: intact, a shorter tail" 0 "$D/cutt.jsonl: 25 records, chain intact" -- \
    --cert ec.pem "$D/cutt.jsonl"
has "  shorter tail" "  unsigned tail: 2 records after the last checkpoint (lines 24–25)"
head -n 13 ec.jsonl >side.jsonl
cp ec.jsonl.checkpoint side.jsonl.checkpoint
SIDE_H=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"]["hash"][:16])' ec.jsonl.checkpoint)
av "log cut back to line 13, the side file names seq 23" 1 "$D/side.jsonl:14: broken chain: the side file's checkpoint \
(seq 23, hash $SIDE_H…) is not in the log: records were cut or the log replaced" -- --cert ec.pem "$D/side.jsonl"
has "  side file status" "its checkpoint (seq 23) is NOT in the log"
mv side.jsonl.checkpoint moved.checkpoint
av "the same log without its side file: intact (nothing tells)" 0 "$D/side.jsonl: 13 records, chain intact" -- \
    --cert ec.pem "$D/side.jsonl"
has "  no side file found" "  checkpoint file: none found"
av "...and with --checkpoint naming the moved side file: 1" 1 "$D/side.jsonl:14: broken chain: the side file's \
checkpoint (seq 23" -- --cert ec.pem --checkpoint "$D/moved.checkpoint" "$D/side.jsonl"
has "  the given side file named" "  checkpoint file: $D/moved.checkpoint (given)"
av "--checkpoint naming no file: 2" 2 "" -- --cert ec.pem --checkpoint "$D/nothing.checkpoint" "$D/side.jsonl"
check "  says why on stderr" grep -q "cannot read the checkpoint file" "$D/err.txt"

section "checkpoints removed or signed by another key"
cp ec.jsonl strip.jsonl
forge strip strip.jsonl
av "every checkpoint stripped, recomputed" 1 "$D/strip.jsonl:24: broken chain: no signed checkpoint in the log: \
checkpoints were removed, or the log was not written with audit.signing_key" -- --cert ec.pem "$D/strip.jsonl"
forge gen ec.key ec.pem "$D/cad.jsonl" 35 10 --no-side
forge cut cad.jsonl 34 34
av "the last checkpoint cut (recomputed): tail longer than the cadence" 1 "$D/cad.jsonl:34: broken chain: unsigned \
tail of 15 records is longer than the checkpoint cadence (10 records): checkpoints after line 23 were removed" -- \
    --cert ec.pem "$D/cad.jsonl"
av "another key" 1 "$D/ec.jsonl:1: broken chain: checkpoint signed by another key (cert_sha256 $EC_SHA)" -- \
    --cert other.pem "$D/ec.jsonl"
forge gen ec.key ec.pem "$D/uns.jsonl" 5 10 --unsigned
av "unsigned checkpoints: intact without --cert" 0 "$D/uns.jsonl: 6 records, chain intact" -- "$D/uns.jsonl"
av "unsigned checkpoints with --cert" 1 "$D/uns.jsonl:1: broken chain: checkpoint without a signature" -- \
    --cert ec.pem "$D/uns.jsonl"

section "continuation files, torn tails, errors"
forge gen ed.key ed.pem "$D/reopen.jsonl" 4 10 --reopen 100
av "a file that starts with a reopen checkpoint" 0 "$D/reopen.jsonl: 5 records, chain intact" -- "$D/reopen.jsonl"
has "  continues" "  continues the chain of seq 99 (hash "
av "...signed" 0 "$D/reopen.jsonl: 5 records, chain intact" -- --cert ed.pem "$D/reopen.jsonl"
tail -n +3 ec.jsonl >headless.jsonl
av "records removed from the start" 1 "$D/headless.jsonl:1: broken chain: the first record is seq 3 with a \
non-genesis prev and not a \"reopen\" checkpoint" -- --cert ec.pem "$D/headless.jsonl"
cp ec.jsonl torn.jsonl
cp ec.jsonl.checkpoint torn.jsonl.checkpoint
truncate -s -1 torn.jsonl
av "torn last line with --cert: 3" 3 "$D/torn.jsonl:26: truncated tail: the last line" -- --cert ec.pem "$D/torn.jsonl"
av "--cert that is not a certificate: 2" 2 "" -- --cert "$D/ec.key" "$D/ec.jsonl"
check "  says so on stderr" grep -q "sigbridge audit verify: " "$D/err.txt"

section "--json"
"$SB_BIN" audit verify --json --cert ec.pem "$D/ec.jsonl" >"$D/ok.json"
rc_ok=$?
"$SB_BIN" audit verify --json --cert ec.pem "$D/edit.jsonl" >"$D/bad.json"
rc_bad=$?
"$SB_BIN" audit verify --json "$D/strip.jsonl" >"$D/none.json"
check "--json: every key, intact and broken ($(cut -c1-120 "$D/bad.json"))" py - "$D" "$rc_ok" "$rc_bad" <<'PY'
import json, sys
d = sys.argv[1]
ok, bad, none = (json.load(open(d + '/' + n)) for n in ('ok.json', 'bad.json', 'none.json'))
keys = {'file', 'status', 'records', 'line', 'message', 'last_hash', 'decisions', 'checkpoints', 'signed_checkpoints',
        'anchors', 'nodes', 'first_time', 'last_time', 'first_seq', 'last_seq', 'last_checkpoint', 'unsigned_tail',
        'checkpoint_file', 'signed'}
assert keys <= set(ok) and keys <= set(bad), keys - set(ok)
assert sys.argv[2] == '0' and sys.argv[3] == '1'
assert ok['status'] == 'intact' and ok['records'] == 26 and ok['line'] is None and ok['signed'] is True
assert ok['decisions'] == 23 and ok['checkpoints'] == 3 and ok['signed_checkpoints'] == 3 and ok['anchors'] == 0
assert ok['nodes'] == ['py-node'] and ok['first_seq'] == 1 and ok['last_seq'] == 26
assert ok['first_time'] == '2026-12-07T10:00:01.000Z' and ok['last_time'] == '2026-12-07T10:00:26.000Z'
assert ok['last_checkpoint'] == {'line': 23, 'seq': 23, 'time': '2026-12-07T10:00:23.000Z', 'event': 'cadence'}
assert ok['unsigned_tail'] == {'records': 3, 'first_line': 24, 'last_line': 26}
assert ok['checkpoint_file'] == {'file': d + '/ec.jsonl.checkpoint', 'seq': 23, 'status': 'in_log'}
assert bad['status'] == 'broken' and bad['line'] == 12 and bad['records'] == 11 and bad['signed'] is False
assert bad['message'].startswith('checkpoint signature does not verify: the records it covers (lines 2\u201311)')
assert none['status'] == 'intact' and none['signed'] is False and none['last_checkpoint'] is None
assert none['checkpoint_file'] is None and none['unsigned_tail']['records'] == 23
PY

gw_finish

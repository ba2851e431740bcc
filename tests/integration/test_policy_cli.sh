#!/bin/sh
# tests/integration/test_policy_cli.sh — trust policies end to end through the real binary:
# `sigbridge check-config`, `sigbridge policy explain` and `sigbridge chain --policy-dir DIR --from JUR`
# on the demo PKIs with the shipped policies/ and with variants that change one key each (proving
# each key is applied, not just parsed); `sigbridge serve --check` reporting a broken policy directory
# with exactly the lines check-config prints.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_policy_cli.sh
#
# Run from the repository root (it reads policies/). Needs python3 for the JSON checks.
# Prints "N passed, M failed"; exits 1 on any failure.
set -u

BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $PKI in /*) ;; *) PKI=$(pwd)/$PKI ;; esac
POL=$(pwd)/policies
if [ ! -x "$BIN" ] || [ ! -f "$PKI/hk/root.pem" ] || [ ! -f "$POL/hk.yaml" ]; then
    echo "test_policy_cli: need $BIN, the fixture PKIs in $PKI and policies/ (run from the repository root)" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/sb-policy-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# jget EXPR < json: python expression over d (the parsed object); "<no-json>" if unparsable.
jget() {
    python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("<no-json>"); sys.exit(0)
try:
    v = eval(sys.argv[1])
except Exception as e:
    v = "<missing:%s>" % e
print("null" if v is None else (json.dumps(v) if isinstance(v, (list, dict, bool)) else v))' "$1"
}

# The shipped policies, laid out so that their ../build/pki references resolve in T.
mkdir -p "$T/build" && ln -s "$PKI" "$T/build/pki"
# variant NAME SED-SCRIPT: T/NAME = shipped policies with hk.yaml edited by SED-SCRIPT
variant() {
    mkdir -p "$T/$1" && cp "$POL"/*.yaml "$T/$1/" && sed -i "$2" "$T/$1/hk.yaml"
    grep -q . "$T/$1/hk.yaml" || ko "variant $1: hk.yaml empty"
}

# expect_run NAME WANT-EXIT CMD...: run, check the exit status (output in out.txt / err.txt).
expect_run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out.txt" 2>"$T/err.txt"
    got=$?
    if [ "$got" -ne "$want" ]; then
        ko "$name: exit $got, expected $want: $(head -c 400 "$T/out.txt") $(head -c 400 "$T/err.txt")"
        return 1
    fi
    return 0
}

# expect_json NAME EXPR WANT: EXPR over the last out.txt must print WANT.
expect_json() {
    v=$(jget "$2" <"$T/out.txt")
    if [ "$v" = "$3" ]; then ok; else ko "$1: $2 = '$v', expected '$3'"; fi
}

# expect_grep NAME FILE PATTERN: fixed-string PATTERN must occur in FILE (out.txt / err.txt).
expect_grep() {
    if grep -qF -- "$3" "$T/$2"; then ok; else ko "$1: '$3' not in $2: $(head -c 600 "$T/$2")"; fi
}

# ---- check-config ---------------------------------------------------------------------------------
if expect_run "check-config shipped" 0 "$BIN" check-config --policy-dir "$POL"; then
    expect_grep "check-config OK line" out.txt "configuration OK"
    expect_grep "check-config anchor fingerprint" out.txt \
        "sha256 $(openssl x509 -in "$PKI/hk/root.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)"
    expect_grep "check-config rules" out.txt "[0] hk -> cn"
fi
(cd "$(dirname "$POL")" && "$BIN" check-config >"$T/out.txt" 2>"$T/err.txt") && ok || ko "check-config default dir"

mkdir -p "$T/broken"
cp "$POL"/*.yaml "$T/broken/"
sed -i 's/^  max_chain_length: 5/  max_chain_lenght: 5/; s/^  mode: prefer/  mode: sometimes/' "$T/broken/hk.yaml"
sed -i 's/^  to: mo/  to: macau/' "$T/broken/recognition.yaml"
l1=$(grep -n '^  max_chain_lenght' "$T/broken/hk.yaml" | cut -d: -f1)
l2=$(grep -n '^  mode: sometimes' "$T/broken/hk.yaml" | cut -d: -f1)
l3=$(grep -n '^  to: macau' "$T/broken/recognition.yaml" | cut -d: -f1)
if expect_run "check-config broken" 2 "$BIN" check-config --policy-dir "$T/broken"; then
    expect_grep "broken: typo located" err.txt \
        "$T/broken/hk.yaml:$l1:3: certificate.max_chain_lenght: unknown key (did you mean 'max_chain_length'?)"
    expect_grep "broken: enum located" err.txt \
        "$T/broken/hk.yaml:$l2:9: revocation.mode: expected one of require, prefer, off, got 'sometimes'"
    expect_grep "broken: rule located" err.txt \
        "$T/broken/recognition.yaml:$l3:7: [1].to: unknown jurisdiction 'macau'"
    if grep -q "configuration OK" "$T/out.txt"; then ko "broken: printed configuration OK"; else ok; fi
fi
# serve --check loads the same directory with the same loader: the same located lines (exit codes stay 2 / 1)
cp "$T/err.txt" "$T/check-config.err"
printf 'listeners:\n  api: { port: 7420 }\npolicy_dir: broken\naudit: { path: audit.jsonl }\n' >"$T/broken.conf.yaml"
if expect_run "serve --check broken" 1 "$BIN" serve -c "$T/broken.conf.yaml" --check; then
    grep -v '^sigbridge' "$T/check-config.err" >"$T/a.txt"
    grep -v '^sigbridge' "$T/err.txt" >"$T/b.txt"
    if [ "$(wc -l <"$T/a.txt")" -ge 3 ] && cmp -s "$T/a.txt" "$T/b.txt"; then ok; else
        ko "check-config and serve --check differ: $(diff "$T/a.txt" "$T/b.txt" | head -c 600)"
    fi
fi
expect_run "check-config missing dir" 2 "$BIN" check-config --policy-dir "$T/nowhere" && ok

# ---- recognition decisions ------------------------------------------------------------------------
if expect_run "explain hk->cn MR leaf" 0 "$BIN" policy explain --json --policy-dir "$POL" --from hk --to cn \
    "$PKI/hk/leaf.pem"; then
    expect_json "hk->cn recognised" 'd["recognised"]' true
    expect_json "hk->cn rule" 'd["steps"][2]["rule"]' 0
    expect_json "hk->cn matched" 'd["steps"][2]["matched_oid"]' 2.16.344.8.2.2008.810.2.2012.1.0
    expect_json "hk->cn anchor" 'd["steps"][0]["anchor"]["file"]' ../build/pki/hk/root.pem
    expect_json "hk->cn chain" 'len(d["steps"][0]["chain"])' 3
fi
if expect_run "explain hk->mo MR leaf" 0 "$BIN" policy explain --json --policy-dir "$POL" --from hk --to mo \
    "$PKI/hk/leaf.pem"; then
    expect_json "hk->mo recognised" 'd["recognised"]' true
    expect_json "hk->mo rule" 'd["steps"][2]["rule"]' 1
fi
if expect_run "explain text" 0 "$BIN" policy explain --policy-dir "$POL" --from hk --to cn "$PKI/hk/leaf.pem"; then
    expect_grep "explain text anchor" out.txt "trust anchor from $POL/hk.yaml:"
    expect_grep "explain text rule" out.txt \
        "rule [0] hk -> cn at $POL/recognition.yaml:$(grep -n '^- from: hk' "$POL/recognition.yaml" | head -1 | cut -d: -f1):3"
    expect_grep "explain text match" out.txt "2.16.344.8.2.2008.810.2.2012.1.0 matches 2.16.344.8.2.2008.810.2.*: ok"
    expect_grep "explain text decision" out.txt "decision: RECOGNISED"
fi
# the wrong-policy leaf: hk's own policy already refuses it, and the account names the OID and the rule
if expect_run "explain wrong policy" 3 "$BIN" policy explain --json --policy-dir "$POL" --from hk --to cn \
    "$PKI/hk/leaf-wrongpolicy.pem"; then
    expect_json "wrongpolicy not recognised" 'd["recognised"]' false
    expect_json "wrongpolicy reason" 'd["reason"]' POLICY
    expect_json "wrongpolicy names OID and rule" \
        '"1.2.3.4.5" in d["steps"][2]["why_not"] and "rule [0] hk -> cn" in d["steps"][2]["why_not"]' true
fi
# with an hk policy that accepts any policy OID, the recognition rule alone decides
variant anypolicy '/^  policy_oids:/d'
if expect_run "explain wrong policy (rule decides)" 3 "$BIN" policy explain --json --policy-dir "$T/anypolicy" \
    --from hk --to cn "$PKI/hk/leaf-wrongpolicy.pem"; then
    expect_json "rule decides: validation passed" 'd["steps"][0]["passed"] and d["steps"][1]["passed"]' true
    expect_json "rule decides: reason" 'd["reason"]' POLICY
    expect_json "rule decides: message" \
        '"certificate policy 1.2.3.4.5 of" in d["message"] and "rule [0] hk -> cn" in d["message"]' true
fi
if expect_run "explain no rule" 3 "$BIN" policy explain --json --policy-dir "$POL" --from cn --to mo \
    "$PKI/cn/leaf.pem"; then
    expect_json "no rule: rule null" 'd["steps"][2]["rule"]' null
    expect_json "no rule: why" 'd["steps"][2]["why_not"].startswith("no recognition rule from cn to mo")' true
fi
expect_run "explain mo->hk" 0 "$BIN" policy explain --policy-dir "$POL" --from mo --to hk "$PKI/mo/leaf-ec.pem" && ok
expect_run "explain unknown --to" 2 "$BIN" policy explain --policy-dir "$POL" --from hk --to tw "$PKI/hk/leaf.pem" && ok

# ---- chain under a jurisdiction's policy -----------------------------------------------------------
chain_json() { # NAME WANT-EXIT WANT-REASON DIR JUR CERT [chain options]
    n=$1 w=$2 r=$3 dir=$4 jur=$5 cert=$6
    shift 6
    if expect_run "$n" "$w" "$BIN" chain --json --policy-dir "$dir" --from "$jur" "$@" "$cert"; then
        expect_json "$n: reason" 'd["reason"]' "$r"
    fi
}
chain_json "chain hk leaf" 0 null "$POL" hk "$PKI/hk/leaf.pem"
chain_json "chain cn SM2 leaf (default ID)" 0 null "$POL" cn "$PKI/cn/leaf.pem"
chain_json "chain cn SM2 leaf, wrong --sm2-id" 1 SM2_ID_MISMATCH "$POL" cn "$PKI/cn/leaf.pem" --sm2-id ""
chain_json "chain mo EC leaf" 0 null "$POL" mo "$PKI/mo/leaf-ec.pem"
chain_json "chain hk leaf under cn" 3 CHAIN_NO_ANCHOR "$POL" cn "$PKI/hk/leaf.pem"
chain_json "chain SHA-1 by default" 3 WEAK_ALGORITHM "$POL" hk "$PKI/hk/leaf-sha1.pem"
variant sha1 's/signature: \[rsa-pkcs1-sha256,/signature: [rsa-pkcs1-sha1, rsa-pkcs1-sha256,/'
chain_json "chain SHA-1 allowed by policy" 0 null "$T/sha1" hk "$PKI/hk/leaf-sha1.pem"
variant rsa3072 's/min_rsa_bits: 2048/min_rsa_bits: 3072/'
chain_json "chain min_rsa_bits 3072" 3 WEAK_KEY "$T/rsa3072" hk "$PKI/hk/leaf.pem"
variant short 's/max_chain_length: 5/max_chain_length: 2/'
chain_json "chain max_chain_length 2" 3 CHAIN_TOO_LONG "$T/short" hk "$PKI/hk/leaf.pem"
expect_json "max_chain_length message" '"max_chain_length 2" in d["message"]' true
chain_json "chain key usage" 3 KEY_USAGE "$POL" hk "$PKI/hk/leaf-wrongku.pem"
chain_json "chain revoked" 1 REVOKED "$POL" hk "$PKI/hk/leaf-revoked.pem"
chain_json "chain --at still applies" 3 CERT_EXPIRED "$POL" hk "$PKI/hk/leaf-expired.pem"
chain_json "chain --at in the past" 0 null "$POL" hk "$PKI/hk/leaf-expired.pem" --at 2022-01-01T00:00:00Z
chain_json "chain --policy tightens" 3 POLICY "$POL" hk "$PKI/hk/leaf.pem" --policy 1.2.3.4 --explicit-policy
if expect_run "chain --anchor refused" 2 "$BIN" chain --policy-dir "$POL" --from hk --anchor "$PKI/mo/root.pem" \
    "$PKI/mo/leaf-ec.pem"; then
    expect_grep "--anchor message" err.txt "--anchor cannot be combined with --policy-dir"
fi
if expect_run "chain weaker revocation refused" 2 "$BIN" chain --policy-dir "$POL" --from cn --revocation prefer \
    "$PKI/cn/leaf.pem"; then
    expect_grep "--revocation message" err.txt "weaker than cn's revocation.mode require"
fi
expect_run "chain --from without --policy-dir" 2 "$BIN" chain --from hk "$PKI/hk/leaf.pem" && ok
expect_run "chain unknown jurisdiction" 2 "$BIN" chain --policy-dir "$POL" --from xx "$PKI/hk/leaf.pem" && ok
expect_run "chain broken policy dir" 2 "$BIN" chain --json --policy-dir "$T/broken" --from hk "$PKI/hk/leaf.pem" &&
    expect_json "broken dir JSON error" 'd["error"]["code"]' INPUT_MALFORMED

# ---- certificate.profile and check-config's CA-profile warning -------------------------------------
# An anchor made with the openssl CLI whose basicConstraints is not critical: a trust input that the
# default rfc5280 profile accepts and strict refuses; check-config warns (exit unchanged).
X=$T/x
mkdir -p "$X" "$T/bcnc"
. "$(dirname "$0")/xcert.sh"
xcert root "/O=sigbridge policy test/CN=BC Root" self "basicConstraints=CA:TRUE;keyUsage=critical,keyCertSign,cRLSign" &&
xcert leaf "/O=sigbridge policy test/CN=leaf" root \
    "keyUsage=critical,digitalSignature;subjectAltName=DNS:leaf.example" || ko "openssl certificates"
printf 'jurisdiction: xx\ntrust_anchors:\n  - file: %s\nrevocation:\n  mode: off\n' "$X/root.pem" >"$T/bcnc/xx.yaml"
if expect_run "check-config anchor with non-critical basicConstraints" 0 "$BIN" check-config --policy-dir "$T/bcnc"; then
    expect_grep "check-config names the rule" out.txt \
        "warning: breaks the RFC 5280 CA profile (BASIC_CONSTRAINTS): trust anchor (CN=BC Root,O=sigbridge policy test) is a CA whose basicConstraints is not critical; accepted under certificate.profile rfc5280, refused under strict"
    expect_grep "check-config warns on stderr" err.txt "sigbridge: warning: xx: anchor from $X/root.pem"
    expect_grep "check-config profile line" out.txt "  certificate profile rfc5280"
    expect_grep "check-config still OK" out.txt "configuration OK"
fi
if expect_run "check-config shipped policies: no warning" 0 "$BIN" check-config --policy-dir "$POL"; then
    if grep -q warning "$T/out.txt" "$T/err.txt"; then ko "shipped anchors warned: $(grep warning "$T/out.txt")"; else ok; fi
fi
chain_json "policy rfc5280: anchor with non-critical basicConstraints" 0 null "$T/bcnc" xx "$X/leaf.pem"
chain_json "policy rfc5280, --profile strict tightens" 3 BASIC_CONSTRAINTS "$T/bcnc" xx "$X/leaf.pem" --profile strict
expect_json "--profile strict: subindication" 'd["subindication"]' CHAIN_CONSTRAINTS_FAILURE
mkdir -p "$T/bcnc-strict"
printf 'jurisdiction: xx\ntrust_anchors:\n  - file: %s\ncertificate:\n  profile: strict\nrevocation:\n  mode: off\n' \
    "$X/root.pem" >"$T/bcnc-strict/xx.yaml"
chain_json "policy strict: anchor refused" 3 BASIC_CONSTRAINTS "$T/bcnc-strict" xx "$X/leaf.pem"
expect_json "policy strict: subindication" 'd["subindication"]' CHAIN_CONSTRAINTS_FAILURE
expect_json "policy strict: message" '"basicConstraints is not critical" in d["message"]' true
if expect_run "check-config policy strict" 0 "$BIN" check-config --policy-dir "$T/bcnc-strict"; then
    expect_grep "check-config strict verdict" out.txt "this policy's certificate.profile strict refuses it"
fi
if expect_run "chain weaker profile refused" 2 "$BIN" chain --policy-dir "$T/bcnc-strict" --from xx --profile rfc5280 \
    "$X/leaf.pem"; then
    expect_grep "--profile message" err.txt "--profile rfc5280 is weaker than xx's certificate.profile strict"
fi
chain_json "policy strict, --profile webpki" 3 BASIC_CONSTRAINTS "$T/bcnc-strict" xx "$X/leaf.pem" --profile webpki
mkdir -p "$T/bad-profile"
sed 's/profile: strict/profile: webpki/' "$T/bcnc-strict/xx.yaml" >"$T/bad-profile/xx.yaml"
if expect_run "certificate.profile webpki is not a policy profile" 2 "$BIN" check-config --policy-dir "$T/bad-profile"; then
    expect_grep "profile enum located" err.txt "certificate.profile: expected one of rfc5280, strict, got 'webpki'"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# Trust anchors from an ETSI TS 119 612 trusted list in a policy file (`trusted_list:` + `signer:`): the
# list's signature is checked against the configured signer, only services granted now become anchors,
# and a list under a foreign signer, a tampered list or a withdrawn CA is refused.
# Then `tl show --json` (DESIGN §7): the common keys valid / indication / subindication / reason / message
# come first, with values that agree with the exit code; the signature is checked before the content is
# read, so a signed list whose structure was altered after signing is exit 1 (HASH_FAILURE), not 2.
. "$(dirname "$0")/lib.sh"
B=$SB_BIN
P=$(cd "$SB_PKI" && pwd)
[ -f "$P/tl/mo-tl.xml" ] || { echo "test_policy_tl: no trusted lists in $P/tl (xmlsec1 missing?)"; exit 1; }

mkpol() { # DIR ANCHOR-BLOCK
    mkdir -p "$1"
    cat > "$1/mo.yaml" <<YAML
jurisdiction: mo
trust_anchors:
$2
algorithms:
  signature: [rsa-pkcs1-sha256, ecdsa-sha256]
YAML
}
mkpol "$TMP/ok" "  - trusted_list: $P/tl/mo-tl.xml
    signer: $P/mo/int.pem"
mkpol "$TMP/foreign" "  - trusted_list: $P/tl/mo-tl.xml
    signer: $P/hk/int.pem"
mkpol "$TMP/nosigner" "  - trusted_list: $P/tl/mo-tl.xml"
sed 's/eSignTrust Test Root CA/eSignTrust Test Root CB/' "$P/tl/mo-tl.xml" > "$TMP/tampered.xml"
mkpol "$TMP/tampered" "  - trusted_list: $TMP/tampered.xml
    signer: $P/mo/int.pem"

check() { # NAME WANT-EXIT PATTERN -- cmd
    name=$1 want=$2 pat=$3
    shift 4
    out=$("$@" 2>&1)
    got=$?
    if [ "$got" = "$want" ] && printf '%s' "$out" | grep -q -- "$pat"; then
        PASS=$((PASS + 1)); echo "ok   $name"
    else
        FAIL=$((FAIL + 1)); echo "FAIL $name: exit $got (want $want), output lacks '$pat':"; printf '%s\n' "$out" | head -5
    fi
}
check "list under its signer loads" 0 "configuration OK" -- $B check-config --policy-dir "$TMP/ok"
check "granted CA of the list is an anchor" 0 "eSignTrust Test Root CA" -- $B check-config --policy-dir "$TMP/ok"
check "withdrawn CA of the list is not an anchor" 0 "not listed" -- \
    sh -c "$B check-config --policy-dir '$TMP/ok' | grep -q 'Hongkong Post e-Cert Test Root' && echo listed || echo not listed"
expect "mo leaf validates under the list's anchors" 0 - - -- \
    $B chain --json --policy-dir "$TMP/ok" --from mo --untrusted "$P/mo/int.pem" "$P/mo/leaf-rsa.pem"
expect "hk leaf: its CA was withdrawn from the list" 3 NO_CERTIFICATE_CHAIN_FOUND CHAIN_NO_ANCHOR -- \
    $B chain --json --policy-dir "$TMP/ok" --from mo --untrusted "$P/hk/int.pem" "$P/hk/leaf.pem"
check "foreign signer refused with a located error" 2 "mo.yaml:3:[0-9]*: trust_anchors\[0\].trusted_list: trusted list not usable" -- \
    $B check-config --policy-dir "$TMP/foreign"
check "signer is required" 2 "trust_anchors\[0\].signer: required key is missing" -- \
    $B check-config --policy-dir "$TMP/nosigner"
check "tampered list refused" 2 "trusted list not usable" -- $B check-config --policy-dir "$TMP/tampered"
# Structural tampering after signing (python3 edits of the xmlsec1-signed list): the first TSPInformation,
# or the whole first TrustServiceProvider, removed. Either no longer reads as a list; the signature says why.
python3 - "$P/tl/mo-tl.xml" "$TMP" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
def save(name, t):
    open(sys.argv[2] + "/" + name, "w").write(t)
def cut(pat, text):
    t, n = re.subn(pat, "", text, count=1, flags=re.S)
    assert n == 1, pat
    return t
TSPINFO = r"<TSPInformation>.*?</TSPInformation>"
SIG = r"<ds:Signature.*</ds:Signature>"
save("no-tspinfo.xml", cut(TSPINFO, s))
save("no-tsp.xml", cut(r"<TrustServiceProvider>.*?</TrustServiceProvider>", s))
save("unsigned.xml", cut(SIG, s))
save("unsigned-no-tspinfo.xml", cut(TSPINFO, cut(SIG, s)))
save("wrong-root.xml", s.replace("<TrustServiceStatusList ", "<TrustServiceStatusListX ", 1)
                        .replace("</TrustServiceStatusList>", "</TrustServiceStatusListX>", 1))
EOF
mkpol "$TMP/notspinfo" "  - trusted_list: $TMP/no-tspinfo.xml
    signer: $P/mo/int.pem"
check "list without TSPInformation refused by the loader: its signature, not its structure" 2 \
    "trusted list not usable.*digest does not match" -- $B check-config --policy-dir "$TMP/notspinfo"

# tlkeys NAME WANT-EXIT EXPECTED -- command: the JSON's first five keys must be the common ones; their
# values as one line "valid indication subindication reason"; the message a non-empty string.
tlkeys() {
    name=$1 want=$2 exp=$3
    shift 4
    "$@" >"$TMP/tl.json" 2>"$TMP/tl.err"
    got=$?
    line=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
k = list(d)[:5]
assert k == ["valid", "indication", "subindication", "reason", "message"], k
assert isinstance(d["message"], str) and d["message"], d["message"]
print(" ".join("null" if d[x] is None else str(d[x]).lower() if x == "valid" else str(d[x]) for x in k[:4]))' \
        "$TMP/tl.json" 2>&1)
    if [ "$got" = "$want" ] && [ "$line" = "$exp" ]; then
        PASS=$((PASS + 1)); echo "ok   $name"
    else
        FAIL=$((FAIL + 1)); echo "FAIL $name: exit $got (want $want), keys '$line' (want '$exp')"
        head -c 600 "$TMP/tl.json"; head -c 300 "$TMP/tl.err"
    fi
}
TL=$P/tl/mo-tl.xml
tlkeys "tl show: valid list under its signer" 0 "true TOTAL_PASSED null null" -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TL"
check "tl show: valid message names the signer" 0 '"message":"[^"]*signature valid under CN=eSignTrust Test Qualified CA' -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TL"
tlkeys "tl show: valid list, KeyInfo signer" 0 "true TOTAL_PASSED null null" -- $B tl show --json "$TL"
tlkeys "tl show: foreign signer" 1 "false TOTAL_FAILED SIG_CRYPTO_FAILURE SIG_CRYPTO" -- \
    $B tl show --json --signer "$P/hk/int.pem" "$TL"
tlkeys "tl show: tampered text" 1 "false TOTAL_FAILED HASH_FAILURE HASH_MISMATCH" -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/tampered.xml"
tlkeys "tl show: expired" 3 "false INDETERMINATE TRY_LATER REVOCATION_UNAVAILABLE" -- \
    $B tl show --json --signer "$P/mo/int.pem" --at 2035-06-01T00:00:00Z "$TL"
check "tl show: expired message" 3 '"message":"trusted list MO #7 expired: NextUpdate 2035-01-01T00:00:00Z is before' -- \
    $B tl show --json --signer "$P/mo/int.pem" --at 2035-06-01T00:00:00Z "$TL"
tlkeys "tl show: expired and foreign: the signature wins" 1 "false TOTAL_FAILED SIG_CRYPTO_FAILURE SIG_CRYPTO" -- \
    $B tl show --json --signer "$P/hk/int.pem" --at 2035-06-01T00:00:00Z "$TL"
tlkeys "tl show: TSPInformation removed after signing" 1 "false TOTAL_FAILED HASH_FAILURE HASH_MISMATCH" -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/no-tspinfo.xml"
check "tl show: TSPInformation removed: the message says the digest" 1 \
    '"reason":"HASH_MISMATCH","message":"reference 1 (URI .*): digest does not match (content changed after signing)","territory"' -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/no-tspinfo.xml"
check "tl show: TSPInformation removed: the list's own keys are empty" 1 \
    '"territory":null,"sequence_number":null,"issue_date":null,"next_update":null,"signer":{.*"services":\[\],"pointers":\[\]}' -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/no-tspinfo.xml"
tlkeys "tl show: TSPInformation removed, KeyInfo signer" 1 "false TOTAL_FAILED HASH_FAILURE HASH_MISMATCH" -- \
    $B tl show --json "$TMP/no-tspinfo.xml"
tlkeys "tl show: a whole TrustServiceProvider removed" 1 "false TOTAL_FAILED HASH_FAILURE HASH_MISMATCH" -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/no-tsp.xml"
check "tl show: text output of a list altered after signing" 1 "content not read: TrustServiceProvider without TSPInformation" -- \
    $B tl show --signer "$P/mo/int.pem" "$TMP/no-tspinfo.xml"
tlkeys "tl show: no signature" 1 "false TOTAL_FAILED FORMAT_FAILURE FORMAT" -- $B tl show --json "$TMP/unsigned.xml"
tlkeys "tl show: no signature and no TSPInformation: a missing signature" 1 "false TOTAL_FAILED FORMAT_FAILURE FORMAT" -- \
    $B tl show --json "$TMP/unsigned-no-tspinfo.xml"
check "tl show: not a TrustServiceStatusList root: 2 with the error object" 2 \
    '^{"error":{"code":"INPUT_MALFORMED","message":"[^"]*not an ETSI TS 119 612 trusted list' -- \
    $B tl show --json --signer "$P/mo/int.pem" "$TMP/wrong-root.xml"
check "tl show: not XML: 2 with the error object" 2 '^{"error":{"code":"INPUT_MALFORMED"' -- \
    $B tl show --json --signer "$P/mo/int.pem" "$P/mo/int.pem"
finish

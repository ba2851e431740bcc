#!/bin/sh
# Trust anchors from an ETSI TS 119 612 trusted list in a policy file (`trusted_list:` + `signer:`): the
# list's signature is checked against the configured signer, only services granted now become anchors,
# and a list under a foreign signer, a tampered list or a withdrawn CA is refused.
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
finish

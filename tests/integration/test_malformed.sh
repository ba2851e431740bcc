#!/bin/sh
# tests/integration/test_malformed.sh — the hostile-input table (issue 10): several hundred malformed
# certificates, CRLs, CMS / PKCS#7 (DER, PEM, S/MIME, BER) and GM/T 0010 objects generated from good ones
# (tests/integration/malformed.py), each run through the CLI with --json and checked for its exact exit
# code, reason / error code and message.
#
#   SB_BIN=build/sigbridge SB_PKI=build/pki sh tests/integration/test_malformed.sh [-v] [-k SUBSTRING]
#
# Needs the fixture PKIs (sh tests/pki/make-all.sh SB_PKI), openssl and python3. Prints
# "N passed, M failed"; exits 1 on any failure, 2 when the prerequisites are missing.
set -u
BIN=${SB_BIN:-build/sigbridge}
PKI=${SB_PKI:-build/pki}
if [ ! -x "$BIN" ] || [ ! -f "$PKI/hk/root.pem" ]; then
    echo "test_malformed: need $BIN and the fixture PKIs in $PKI (sh tests/pki/make-all.sh $PKI)" >&2
    exit 2
fi
SB_BIN=$BIN SB_PKI=$PKI exec python3 "$(dirname "$0")/malformed.py" "$@"

#!/bin/sh
# tests/demo_revocation.sh — the live revocation part of `make demo` (called by tests/demo.sh while the gateway
# runs on conf/sigbridge.yaml): a Hong Kong certificate revoked while the gateway runs is refused through OCSP
# within a minute, with no reload.
#
# The demo makes a new issuing CA under the HK demo root (build/pki/hk/root.*; the root's CRL in policies/hk.yaml
# covers it) and a new e-Cert under that CA whose authorityInfoAccess names an OCSP responder on 127.0.0.1:7430 —
# the URL prefix policies/hk.yaml allows in revocation.fetch.allow. No CRL file covers the e-Cert, so its status
# comes from OCSP. The responder is OpenSSL's own (`openssl ocsp -index ...` without -nmin/-ndays: its responses
# carry no nextUpdate, so policies/hk.yaml's revocation.max_age_s, 30 s, is how long one counts as current). The signer's document passes, with the OCSP response as its revocation evidence; the CA then revokes
# the certificate (its database line becomes R, keyCompromise) and restarts its responder; the gateway keeps its
# cached "good" until that response's nextUpdate (refreshing it in the background shortly before), then
# refuses the signature as REVOKED.
# Usage: tests/demo_revocation.sh BIN PKI_DIR OUT API
set -u
BIN=$1 P=$2 OUT=$3 API=$4
OCSP_PORT=${DEMO_OCSP_PORT:-7430}
D=$OUT/live
rm -rf "$D"
mkdir -p "$D"
if python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$OCSP_PORT" 2>/dev/null; then
    :
else
    echo
    echo "live revocation: skipped, 127.0.0.1:$OCSP_PORT (policies/hk.yaml's OCSP allow-list) is in use"
    exit 0
fi

# --- the CA and the certificate, issued now, the certificate with an OCSP URL ------------------------------
cat >"$D/ca.ext" <<EOF
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = 2.5.29.32.0
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
EOF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/ca.key" 2>/dev/null
openssl req -new -key "$D/ca.key" -subj "/C=HK/O=Hongkong Post (test)/CN=Hongkong Post Test e-Cert CA 16 (demo)" \
    -out "$D/ca.csr" 2>/dev/null
openssl x509 -req -in "$D/ca.csr" -CA "$P/hk/root.pem" -CAkey "$P/hk/root.key" \
    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | sed 's/^./5/')" -days 365 -sha256 \
    -extfile "$D/ca.ext" -out "$D/ca.pem" 2>/dev/null
cat >"$D/leaf.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
certificatePolicies = 2.16.344.8.2.2008.810.2.2012.1.0, 1.3.6.1.4.1.16030.1.1.1
subjectAltName = email:lee.siuming@example.com
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP_PORT/
EOF
SERIAL=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | sed 's/^./4/')
SUBJECT="/C=HK/O=Hongkong Post (test)/OU=e-Cert (Personal)/CN=LEE Siu Ming (demo, live revocation)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/leaf.key" 2>/dev/null
openssl req -new -key "$D/leaf.key" -subj "$SUBJECT" -out "$D/leaf.csr" 2>/dev/null
openssl x509 -req -in "$D/leaf.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -set_serial "0x$SERIAL" -days 30 \
    -sha256 -extfile "$D/leaf.ext" -out "$D/leaf.pem" 2>/dev/null
SERIAL_HEX=$(openssl x509 -in "$D/leaf.pem" -noout -serial | sed 's/^serial=//')
EXPIRY=$(date -u -d "+30 days" +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t%s\n' "$EXPIRY" "$SERIAL_HEX" "$SUBJECT" >"$D/index.txt"
printf 'unique_subject = no\n' >"$D/index.txt.attr"
openssl cms -sign -binary -nodetach -outform DER -in "$OUT/contract.txt" -signer "$D/leaf.pem" \
    -inkey "$D/leaf.key" -certfile "$D/ca.pem" -md sha256 -out "$D/signed.p7s" 2>/dev/null

RESPONDER=
# OpenSSL 3.0's responder serves from a child it names in its log (ACCEPT ... PID=N), and a connection closed
# without a request wedges it: wait for its log line instead of probing the port, and stop both processes.
responder() {
    : >"$D/responder.log"
    openssl ocsp -index "$D/index.txt" -CA "$D/ca.pem" -rsigner "$D/ca.pem" -rkey "$D/ca.key" \
        -port "$OCSP_PORT" -ignore_err >>"$D/responder.log" 2>&1 &
    RESPONDER=$!
    i=0
    while ! grep -q 'waiting for OCSP client connections' "$D/responder.log" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    child=$(sed -n 's/^ACCEPT .* PID=\([0-9]*\).*/\1/p' "$D/responder.log" | head -1)
    RESPONDER="$RESPONDER $child"
}
stop_responder() {
    for p in $RESPONDER; do
        kill "$p" 2>/dev/null
    done
    for p in $RESPONDER; do
        wait "$p" 2>/dev/null
    done
    RESPONDER=
}
trap 'stop_responder' EXIT INT TERM

verdict() { # verdict LABEL — POST the object, print one line: indication, reason, the leaf's revocation evidence
    curl -s -o "$D/reply.json" -H "Content-Type: application/pkcs7-mime" --data-binary @"$D/signed.p7s" \
        "$API/v1/verify?from=hk" 2>/dev/null
    python3 - "$1" "$D/reply.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
try:
    d = json.load(open(path))
except Exception:
    d = {}
sig = (d.get("signatures") or d.get("signers") or [{}])[0] if isinstance(d.get("signatures") or d.get("signers"), list) else {}
chain = d.get("chain") or sig.get("chain") or []
rev = (chain[0].get("revocation") if chain and isinstance(chain[0], dict) else None) or {}
ev = ""
if rev:
    ev = "evidence: %s %s produced %s" % (rev.get("source", "?"), rev.get("url", ""), rev.get("produced_at", "?"))
print("  %-44s %-14s %-22s %s" % (label, d.get("indication", "?"), d.get("reason") or "", ev))
if d.get("indication") != "TOTAL_PASSED" and d.get("message"):
    print("  %-44s %s" % ("", d["message"][:150]))
PY
}

echo
echo "live revocation: a new HK e-Cert (serial $SERIAL_HEX) with an OCSP responder on 127.0.0.1:$OCSP_PORT" \
     "(openssl ocsp; a response counts as current for 30 s)"
responder
verdict "signed while the certificate is good"
verdict "again (answered from the OCSP cache)"
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$EXPIRY" "$(date -u +%y%m%d%H%M%SZ)" "$SERIAL_HEX" "$SUBJECT" \
    >"$D/index.txt"
stop_responder
responder
echo "  the CA revokes it now ($(date -u +%H:%M:%SZ)); the gateway is not reloaded; asking every 3 s:"
start=$(date +%s)
while :; do
    now=$(date +%s)
    verdict "after $((now - start)) s"
    if grep -q '"REVOKED"' "$D/reply.json" 2>/dev/null || [ $((now - start)) -ge 75 ]; then
        break
    fi
    sleep 3
done
if grep -q '"REVOKED"' "$D/reply.json" 2>/dev/null; then
    echo "  refused as REVOKED $(( $(date +%s) - start )) s after the revocation, through OCSP, with no reload"
else
    echo "  demo: the gateway still accepts the revoked certificate after 75 s; see $D and $OUT/gateway.log" >&2
    exit 1
fi

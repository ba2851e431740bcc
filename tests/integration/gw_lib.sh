# tests/integration/gw_lib.sh — shared by the gateway integration scripts (test_gateway*.sh); sourced, never
# run on its own (the Makefile runs tests/integration/test_*.sh only).
#
# Gives: SB_BIN / SB_PKI as absolute paths, ROOT, PYBIN + py (python3 without site), TMP (removed at exit
# unless SB_KEEP is set), PIDS (every process in it is SIGKILLed at exit), the checks ok / bad / skip /
# check / check_sh / t, free_port, start_daemon, metric, gw_policies (the shipped policies pointing at
# SB_PKI), gw_objects (signed test objects in $O) and gw_finish (sanitizer grep + the summary line).
# SB_TEST_SLOW=1 (make test-valgrind: every sigbridge process under valgrind) sets SLOWX=10, the factor for
# the waits and client timeouts below and in the scripts; unset, SLOWX=1 and nothing changes.
set -u
SLOWX=1
[ -z "${SB_TEST_SLOW:-}" ] || SLOWX=10
slow_sleep() { if [ "$SLOWX" = 1 ]; then sleep "$1"; else sleep "$(awk "BEGIN { print $1 * $SLOWX }")"; fi; }
SB_BIN=${SB_BIN:-build/sigbridge}
SB_PKI=${SB_PKI:-build/pki}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
abspath() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }
SB_BIN=$(abspath "$SB_BIN")
SB_PKI=$(cd "$SB_PKI" && pwd)
PYBIN=$(python3 -c 'import sys; print(sys.executable)')
py() { "$PYBIN" -S "$@"; }   # resolved once, without site: version-manager shims cost ~0.3 s a call
PASS=0
FAIL=0
SKIP=0
TMP=$(mktemp -d /tmp/sb_gw_XXXXXX)
PIDS=""
T0=$(date +%s)

gw_cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    [ -n "${SB_KEEP:-}" ] || rm -rf "$TMP"
}
trap gw_cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}"; }
skip() { SKIP=$((SKIP + 1)); echo "skip $1${2:+: $2}"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
check_sh() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
section() { echo "== $(($(date +%s) - T0))s $1"; }

# t NAME WANT_STATUS PY_EXPR curl-args... — one request (bounded by --max-time 10); PY_EXPR sees d (the
# JSON body or None), b (raw bytes) and h (lower-cased response headers).
t() {
    name=$1 want=$2 expr=$3
    shift 3
    rm -f "$TMP/body" "$TMP/hdrs"
    code=$(curl -s -o "$TMP/body" -D "$TMP/hdrs" -w '%{http_code}' --max-time $((10 * SLOWX)) "$@")
    if [ "$code" != "$want" ]; then
        bad "$name" "HTTP $code (want $want)"
        printf '     body: %s\n' "$(head -c 400 "$TMP/body" 2>/dev/null)"
        return
    fi
    if py - "$TMP/body" "$TMP/hdrs" "$expr" <<'PY'
import json, sys
b = open(sys.argv[1], 'rb').read()
try:
    d = json.loads(b)
except Exception:
    d = None
h = {}
for line in open(sys.argv[2], 'rb').read().decode('latin-1').split('\r\n'):
    if ':' in line:
        k, v = line.split(':', 1)
        h[k.strip().lower()] = v.strip()
try:
    sys.exit(0 if eval(sys.argv[3]) else 1)
except Exception as e:
    print('     check raised %r' % e)
    sys.exit(1)
PY
    then ok "$name"; else
        bad "$name" "check failed: $expr"
        printf '     body: %s\n' "$(head -c 400 "$TMP/body" 2>/dev/null)"
    fi
}

# wait_listen PORT — wait (at most 10 s) until something listens on 127.0.0.1:PORT: a test upstream started
# in the background must not race the first request that reaches it.
wait_listen() {
    py -c 'import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1" || bad "nothing listens on port $1 (test upstream)"
}

free_port() {
    py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_daemon NAME CONF_FN — writes $TMP/NAME.yaml from CONF_FN with fresh ports API / ADM, starts the
# daemon (stderr appended to $TMP/NAME.log), waits up to 10 s (x SLOWX) for /readyz. Sets DPID. Retries with
# other ports when binding fails. READY_SCHEME / READY_ARGS select how the api listener is probed.
READY_SCHEME=http
READY_ARGS=""
start_daemon() {
    dname=$1 gen=$2
    for attempt in 1 2 3; do
        API=$(free_port); ADM=$(free_port)
        $gen >"$TMP/$dname.yaml"
        "$SB_BIN" serve -c "$TMP/$dname.yaml" 2>>"$TMP/$dname.log" &
        DPID=$!
        PIDS="$PIDS $DPID"
        i=0
        while [ $i -lt $((100 * SLOWX)) ]; do
            if ! kill -0 "$DPID" 2>/dev/null; then break; fi
            # shellcheck disable=SC2086
            if curl -s -o /dev/null --max-time 1 $READY_ARGS "$READY_SCHEME://127.0.0.1:$API/readyz" ||
               curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ADM/readyz"; then
                return 0
            fi
            sleep 0.1; i=$((i + 1))
        done
        kill -9 "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
    done
    echo "cannot start daemon $dname:"; tail -20 "$TMP/$dname.log"
    return 1
}

# wait_bounded PID [SECS] — wait for a child, SIGKILLing it after SECS (default 15 x SLOWX); sets rc to its
# exit status. The watchdog polls a flag file (no signals: a killed subshell can leave its sleep behind,
# holding make's output pipe open).
wait_bounded() {
    wflag=$TMP/.wait.$1
    rm -f "$wflag"
    ( n=$((${2:-$((15 * SLOWX))} * 10))
      while [ "$n" -gt 0 ] && [ ! -e "$wflag" ]; do sleep 0.1; n=$((n - 1)); done
      [ -e "$wflag" ] || kill -9 "$1" 2>/dev/null ) >/dev/null 2>&1 &
    wd=$!
    wait "$1"; rc=$?
    : >"$wflag"
    wait "$wd" 2>/dev/null
    return 0
}

# stop_daemon — SIGTERM $DPID and wait_bounded for it; rc is its exit status.
stop_daemon() {
    kill -TERM "$DPID" 2>/dev/null
    wait_bounded "$DPID"
}

metric() { # metric PORT REGEX → the value of the first matching sample line ("" if none)
    curl -s --max-time 10 "http://127.0.0.1:$1/metrics" | grep -E "$2" | head -1 | awk '{print $NF}'
}

# gw_policies — the shipped policies/ in $POL, pointing at SB_PKI.
gw_policies() {
    POL=$TMP/policies
    mkdir -p "$POL"
    for f in "$ROOT"/policies/*.yaml; do
        sed "s#\.\./build/pki#$SB_PKI#g" "$f" >"$POL/$(basename "$f")"
    done
}

# gw_objects — signed objects in $O: hk (RSA CMS, openssl cms), cn (SM2 GM/T 0010, sigbridge sign), mo
# (ECDSA and RSA CMS, sigbridge sign) — good ones and bad ones; exits the script if one cannot be made.
gw_objects() {
    O=$TMP/obj
    P=$SB_PKI
    mkdir -p "$O"
    printf 'Greater Bay Area cross-border e-contract (integration test)\n' >"$O/doc.txt"
    hk_sign() { # hk_sign OUT LEAF [openssl cms options]
        out=$1 leaf=$2; shift 2
        openssl cms -sign -binary -nodetach -outform DER -in "$O/doc.txt" -signer "$P/hk/$leaf.pem" \
            -inkey "$P/hk/$leaf.key" "$@" -out "$O/$out" 2>/dev/null
    }
    hk_sign hk.p7s leaf -certfile "$P/hk/int.pem" -md sha256
    hk_sign hk-revoked.p7s leaf-revoked -md sha256
    hk_sign hk-wrongpolicy.p7s leaf-wrongpolicy -md sha256
    hk_sign hk-expired.p7s leaf-expired -md sha256
    hk_sign hk-notyet.p7s leaf-notyet -md sha256
    hk_sign hk-wrongku.p7s leaf-wrongku -md sha256
    hk_sign hk-sha1cert.p7s leaf-sha1 -md sha256
    hk_sign hk-rsa1024.p7s leaf-rsa1024 -md sha256
    hk_sign hk-mdsha1.p7s leaf -md sha1
    "$SB_BIN" sign --format gmt0010 --key "$P/cn/leaf.key" --cert "$P/cn/leaf.pem" --chain "$P/cn/int.pem" \
        "$O/doc.txt" >"$O/cn.p7s"
    "$SB_BIN" sign --format cms --key "$P/cn/leaf.key" --cert "$P/cn/leaf.pem" --chain "$P/cn/int.pem" \
        "$O/doc.txt" >"$O/cn-cms.p7s"
    "$SB_BIN" sign --format gmt0010 --key "$P/cn/leaf-revoked.key" --cert "$P/cn/leaf-revoked.pem" \
        --chain "$P/cn/int.pem" "$O/doc.txt" >"$O/cn-revoked.p7s"
    "$SB_BIN" sign --format cms --key "$P/mo/leaf-ec.key" --cert "$P/mo/leaf-ec.pem" --chain "$P/mo/int.pem" \
        "$O/doc.txt" >"$O/mo.p7s"
    "$SB_BIN" sign --format cms --key "$P/mo/leaf-rsa.key" --cert "$P/mo/leaf-rsa.pem" --chain "$P/mo/int.pem" \
        "$O/doc.txt" >"$O/mo-rsa.p7s"
    "$SB_BIN" sign --format cms --key "$P/mo/leaf-revoked.key" --cert "$P/mo/leaf-revoked.pem" \
        --chain "$P/mo/int.pem" "$O/doc.txt" >"$O/mo-revoked.p7s"
    printf '<contract xmlns="urn:gba:demo"><party>Macao SME Ltd</party><amount currency="MOP">12000</amount></contract>\n' \
        >"$O/contract.xml"
    "$SB_BIN" sign --format xmldsig --key "$P/mo/leaf-rsa.key" --cert "$P/mo/leaf-rsa.pem" --chain "$P/mo/int.pem" \
        "$O/contract.xml" >"$O/mo.xml"
    "$SB_BIN" sign --format xmldsig --key "$P/mo/leaf-revoked.key" --cert "$P/mo/leaf-revoked.pem" \
        --chain "$P/mo/int.pem" "$O/contract.xml" >"$O/mo-revoked.xml"
    sed 's/12000/92000/' "$O/mo.xml" >"$O/mo-tampered.xml"
    # one flipped byte in the signed content of each good object: HASH_FAILURE
    py - "$O" <<'PY'
import sys
o = sys.argv[1]
for name in ('hk', 'cn', 'mo'):
    b = bytearray(open('%s/%s.p7s' % (o, name), 'rb').read())
    i = b.find(b'Greater Bay')
    b[i] ^= 0x20
    open('%s/%s-tampered.p7s' % (o, name), 'wb').write(bytes(b))
PY
    for f in hk hk-revoked hk-wrongpolicy hk-expired hk-notyet hk-wrongku hk-sha1cert hk-rsa1024 hk-mdsha1 \
             cn cn-cms cn-revoked mo mo-rsa mo-revoked hk-tampered cn-tampered mo-tampered; do
        [ -s "$O/$f.p7s" ] || { echo "FAIL fixture $f.p7s not made"; exit 1; }
    done
    for f in mo mo-revoked mo-tampered; do
        [ -s "$O/$f.xml" ] || { echo "FAIL fixture $f.xml not made"; exit 1; }
    done
}

# gw_finish — no sanitizer report in any daemon log, then 'N passed, M failed'; exit status.
gw_finish() {
    if cat "$TMP"/*.log 2>/dev/null | grep -E 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation fault' \
        >"$TMP/san.txt"; then
        bad "sanitizer report in a daemon log" "$(head -c 600 "$TMP/san.txt")"
    else
        ok "no sanitizer report in the daemon logs"
    fi
    echo "$(basename "$0"): $(($(date +%s) - T0)) s, $SKIP skipped"
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

#!/usr/bin/env python3
"""tests/bench/bench.py — `make bench`: the whole fast-path benchmark in one invocation. Timing only; never
run by `make test`, and nothing here is asserted.

On the same three signed objects (one document):
  rsa   3-level RSA-2048 CMS         hk leaf -> int -> root   (policies/hk.yaml: revocation prefer, 2 CRLs)
  ecdsa 3-level ECDSA P-256 CMS      mo leaf-ec -> int -> root (policies/mo.yaml: prefer, 2 CRLs)
  sm2   3-level SM2 GM/T 0010 object cn leaf -> int -> root   (policies/cn.yaml: require, 2 CRLs)
it measures
  speed  `openssl speed -mr` verify rate of RSA-2048 / ECDSA P-256 / SM2 (1 core): the crypto limit;
  bare   tests/bench/bench_bare.c: d2i_CMS_ContentInfo + CMS_verify with an X509_STORE, 1 and 2 threads
         (stock OpenSSL 3.0 cannot verify SM2 SignedData: attempted once, shown as n/a);
  lib    tests/bench/bench_lib.c: sb_validate under the jurisdiction's policy + the verdict JSON,
         2 threads, in-process;
  http   `sigbridge serve` under wrk (keep-alive, 2 threads, 2 connections per core, wrk on the same cores),
         POST /v1/verify?from=J with the object as the body;
each in three cache modes:
  cold   cache: {chains: 0, certificates: 0}    nothing is remembered between requests
  certs  cache: {chains: 0, certificates: N}    decoded certificates only (no validated-path cache)
  warm   cache: {chains: N, certificates: N}    a repeat signer costs one signature verification
and, last, the cost of signed audit checkpoints: the rsa object, warm, over HTTP, without and with an audit
key (ECDSA P-256) at the default cadence (every 1000 records / 10 s), three runs each, alternated
(`--checkpoints-only` runs just that comparison).
Then live revocation (tests/bench/bench_ocsp.py): an RSA CMS whose signer's status comes from a real `openssl ocsp`
responder, warm caches, next to the same object with revocation off (`--ocsp-only` runs just that).
Then real traffic (tests/bench/bench_distinct.py, whose docstring has the details): per algorithm N distinct
signers, each with its own key, issued by the demo intermediate (tests/bench/gen_distinct.c, cached in OUT), every
request a different content in the gateway's JSON envelope (detached content), under tests/bench/sbload.c's
closed loop: caches smaller than N ("distinct"), caches off (with a /healthz probe every 20 ms), one signer with
a different content per request (warm caches), the bare CMS_verify loop on the same inputs, and latency at half
saturation (`--distinct-only` runs just that part with openssl speed and the one-object bare loop, ~2.5 min;
`--reps R` reports the median of R saturation runs).
The table gives requests/s, wrk's p50/p99 latency, the daemon's CPU per request (utime+stime from
/proc/PID/stat over the run, divided by the requests wrk completed), wrk's own CPU per request, and the
ratios to the bare 2-thread loop and to the 2-core crypto limit (2 x openssl-speed verifies/s divided by the
signature verifications one request needs, each at its algorithm's speed: content + leaf + intermediate +
2 CRLs when the path is validated, the content signature alone when the path comes from the cache; the
Macao CAs are RSA, so the ECDSA object's CA signatures are RSA ones).

Usage: bench.py --bin build/sigbridge --pki build/pki --policies policies --bench-bin DIR --out DIR
                [--seconds S] [--log-level warn] [--checkpoints-only] [--distinct-only] [--reps R]
                [--latency-seconds S]
"""
import argparse
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in tests/bench
sys.modules.setdefault("bench", sys.modules[__name__])    # bench_distinct imports bench: this very module
import bench_distinct  # noqa: E402
import bench_ocsp  # noqa: E402

# id, jurisdiction, signer files under PKI, format, signer key algorithm, CA key algorithm (openssl speed names)
CASES = [
    ("rsa", "hk", "hk/leaf", "hk/chain.pem", "cms", "rsa2048", "rsa2048"),
    ("ecdsa", "mo", "mo/leaf-ec", "mo/chain.pem", "cms", "ecdsap256", "rsa2048"),    # Macao CAs are RSA
    ("sm2", "cn", "cn/leaf", "cn/chain.pem", "gmt0010", "sm2", "sm2"),
]
MODES = [("cold", 0, 0), ("certs", 0, 10000), ("warm", 10000, 10000)]
# Signature verifications per request beyond the content signature (made with the CA keys): the leaf and
# intermediate certificates, plus the 2 CRLs every demo policy lists when the path is validated.
CA_SIGS = {"bare": 2, "cold": 4, "certs": 4, "warm": 0}


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def kv_line(out):
    """ops=N seconds=S rate=R cpu_us=C -> dict of floats."""
    m = dict(re.findall(r"(\w+)=([0-9.]+)", out))
    return {k: float(v) for k, v in m.items()}


def openssl_speed(alg, seconds):
    r = run(["openssl", "speed", "-mr", "-seconds", str(seconds), alg])
    for line in r.stdout.splitlines():
        if line.startswith("+F"):
            return float(line.split(":")[-1])       # the verify rate is the last field
    die("openssl speed %s: no result (%s)" % (alg, r.stderr.strip()[:200]))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, data=None, ctype=None, timeout=10):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Daemon:
    def __init__(self, a, mode, chains, certs, audit_key=None, cache=None):
        self.a = a
        self.mode = mode
        self.api = free_port()
        self.adm = free_port()
        self.conf = os.path.join(a.out, "gw-%s.yaml" % mode)
        self.audit = os.path.join(a.out, "audit-%s.jsonl" % mode)
        self.log = os.path.join(a.out, "gw-%s.log" % mode)
        for f in (self.audit, self.audit + ".checkpoint", self.log):
            if os.path.exists(f):
                os.unlink(f)
        with open(self.conf, "w") as f:
            f.write("listeners:\n  api: {address: 127.0.0.1, port: %d}\n  admin: {address: 127.0.0.1, port: %d}\n"
                    "policy_dir: %s\nworkers: 0\nqueue_max: 1024\ncache: %s\n"
                    "audit: {path: %s, fsync: batch, node_id: bench%s}\nlog: {level: %s, path: %s}\n"
                    % (self.api, self.adm, os.path.abspath(a.policies),
                       cache or "{chains: %d, certificates: %d}" % (chains, certs), self.audit,
                       ", signing_key: %s, signing_cert: %s" % audit_key if audit_key else "", a.log_level,
                       self.log))
        self.p = subprocess.Popen([a.bin, "serve", "-c", self.conf], stdout=subprocess.DEVNULL,
                                  stderr=open(self.log + ".stderr", "w"))
        for _ in range(100):
            if self.p.poll() is not None:
                break
            try:
                if http("http://127.0.0.1:%d/readyz" % self.adm, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        die("daemon (%s) did not start; see %s.stderr" % (mode, self.log))

    def cpu_s(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime

    def metrics(self):
        out = {}
        st, body = http("http://127.0.0.1:%d/metrics" % self.adm)
        for line in body.decode().splitlines():
            m = re.match(r"^(sigbridge_(?:chain|cert)_cache_\w+) (\S+)$", line)
            if m:
                out[m.group(1)] = float(m.group(2))
        return out

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def parse_wrk(out):
    def ms(v, unit):
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    res = {}
    m = re.search(r"(\d+) requests in ([0-9.]+)(\w+)", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for q in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+([0-9.]+)(us|ms|s)\s*$" % q, out, re.M)
        res["p" + q] = ms(m.group(1), m.group(2)) if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["errors"] = m.group(1).strip() if m else ""
    return res


def wrk(a, d, case_id, jur, obj, secs):
    lua = os.path.join(a.out, "post.lua")
    url = "http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur)
    env = dict(os.environ, SB_OBJ=obj)
    conns = 2 * (os.cpu_count() or 2)
    threads = os.cpu_count() or 2
    run(["wrk", "-t%d" % threads, "-c%d" % conns, "-d1s", "-s", lua, url], env=env)        # warm-up
    c0 = d.cpu_s()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run(["wrk", "-t%d" % threads, "-c%d" % conns, "-d%gs" % secs, "--latency", "-s", lua, url], env=env)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c1 = d.cpu_s()
    res = parse_wrk(r.stdout)
    n = max(1, res["requests"])
    res["cpu_us"] = 1e6 * (c1 - c0) / n
    res["wrk_cpu_us"] = 1e6 * ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) / n
    if res["requests"] == 0:
        die("wrk %s/%s: no requests completed:\n%s%s" % (d.mode, case_id, r.stdout, r.stderr))
    return res


def make_objects(a):
    """Signs the benchmark document once per case with `sigbridge sign`: {case id: path of the DER object}.
    Also used by tests/bench/soak.py."""
    doc = os.path.join(a.out, "bench-doc.txt")
    with open(doc, "w") as f:
        f.write("sigbridge make bench document\n")
    objs = {}
    for cid, jur, leaf, chain, fmt, *_ in CASES:
        obj = os.path.join(a.out, "%s.der" % cid)
        with open(obj, "wb") as f:
            r = subprocess.run([a.bin, "sign", "--format", fmt, "--key", os.path.join(a.pki, leaf + ".key"), "--cert",
                                os.path.join(a.pki, leaf + ".pem"), "--chain", os.path.join(a.pki, chain), doc],
                               stdout=f, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            die("cannot sign the %s object: %s" % (cid, r.stderr.strip()))
        objs[cid] = obj
    return objs


def checkpoint_runs(a, objs):
    """The rsa object, warm, over HTTP: runs without and with an audit key at the default cadence, alternated."""
    key, cert = os.path.join(a.out, "audit-node.key"), os.path.join(a.out, "audit-node.pem")
    newkey = ["-newkey", "rsa:2048"] if a.checkpoint_key == "rsa" else \
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    run(["openssl", "req", "-x509"] + newkey + ["-nodes", "-keyout", key, "-out", cert, "-subj",
                                                "/CN=sigbridge bench audit node", "-days", "30"])
    os.chmod(key, 0o600)
    ckpt = {False: [], True: []}
    ckpt_count = 0
    for rep in range(a.checkpoint_reps):       # alternated, so drift in the machine's load hits both alike
        for signed in (False, True):
            d = Daemon(a, "warm-ckpt" if signed else "warm-plain", 10000, 10000, (key, cert) if signed else None)
            try:
                ckpt[signed].append(wrk(a, d, "rsa", "hk", objs["rsa"], a.seconds)["rps"])
                if signed:
                    with open(d.audit) as f:
                        ckpt_count += sum('"type":"checkpoint"' in line for line in f)
            finally:
                d.stop()
    return ckpt, ckpt_count


def key_name(a):
    return "RSA-2048" if a.checkpoint_key == "rsa" else "ECDSA P-256"


def report_checkpoints(ckpt, ckpt_count, key):
    """Runs come in pairs (without, with) back to back: the median of the pairs' ratios is the cost, robust to
    the machine's speed drifting between pairs."""
    pairs = sorted(100.0 * (w - p) / p for p, w in zip(ckpt[False], ckpt[True]) if p)
    med = pairs[len(pairs) // 2] if pairs else 0.0
    print("\naudit checkpoints (rsa, warm, HTTP; %s audit key, default cadence: every 1000 records / 10 s):" % key)
    print("  req/s without / with, in pairs run back to back: " + ", ".join(
        "%.0f/%.0f" % (p, w) for p, w in zip(ckpt[False], ckpt[True])))
    print("  cost: median of the pairs %+.1f%% (pairs %s); %d checkpoint records written in the signed runs" % (
        med, " ".join("%+.1f" % x for x in pairs), ckpt_count))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--bench-bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=4.0, help="measured seconds per HTTP run")
    ap.add_argument("--log-level", default="warn")
    ap.add_argument("--checkpoints-only", action="store_true", help="only the audit checkpoint comparison")
    ap.add_argument("--checkpoint-reps", type=int, default=3, help="alternated runs of each side (odd)")
    ap.add_argument("--checkpoint-key", choices=("ec", "rsa"), default="ec",
                    help="the audit key of the signed runs: ECDSA P-256 (default) or RSA-2048")
    ap.add_argument("--distinct-only", action="store_true",
                    help="only the distinct-signer and one-signer rows (with openssl speed and the bare loops)")
    ap.add_argument("--ocsp-only", action="store_true", help="only the live revocation row (OCSP warm vs off)")
    ap.add_argument("--reps", type=int, default=1, help="runs of each distinct / one-signer saturation row (median)")
    ap.add_argument("--latency-seconds", type=float, default=10.0, help="half-saturation latency runs")
    a = ap.parse_args()
    if a.reps < 1:
        die("--reps must be at least 1")
    a.out = os.path.abspath(a.out)             # the daemon resolves relative paths against its config's directory
    t_start = time.time()
    os.makedirs(a.out, exist_ok=True)
    for tool in ("wrk", "openssl"):
        if run(["sh", "-c", "command -v " + tool]).returncode != 0:
            die("%s is not installed (make deps installs it)" % tool)
    for tool in ("sbload", "gen_distinct", "bench_bare") + (() if a.distinct_only else ("bench_lib",)):
        if not os.access(os.path.join(a.bench_bin, tool), os.X_OK):
            die("%s is not built (make bench builds it)" % os.path.join(a.bench_bin, tool))
    lib_s = max(1.0, a.seconds / 2)

    # ---- inputs ----
    objs = make_objects(a)
    with open(os.path.join(a.out, "post.lua"), "w") as f:
        f.write('local f = io.open(os.getenv("SB_OBJ"), "rb")\nlocal body = f:read("*a")\nf:close()\n'
                'wrk.method = "POST"\nwrk.body = body\nwrk.headers["Content-Type"] = "application/cms"\n')

    print("sigbridge make bench — %s; %d cores (shared by wrk, the daemon and everything else running)"
          % (run(["openssl", "version"]).stdout.strip(), os.cpu_count() or 0))
    print("objects: %s; HTTP runs %g s each after 1 s warm-up; log level %s" % (
        ", ".join("%s=%s (%d bytes)" % (c, os.path.basename(o), os.path.getsize(o)) for c, o in objs.items()),
        a.seconds, a.log_level))
    sys.stdout.flush()
    if a.checkpoints_only:
        report_checkpoints(*checkpoint_runs(a, objs), key_name(a))
        return
    if a.ocsp_only:
        bench_ocsp.report(bench_ocsp.run(a), 0.0)
        return

    # ---- crypto limit ----
    speed = {}
    for alg in ("rsa2048", "ecdsap256", "sm2"):
        speed[alg] = openssl_speed(alg, 2)

    def limit(case, mode):
        """Requests/s the 2 cores could do if only the signature verifications of one request counted."""
        _, _, _, _, _, leaf_alg, ca_alg = case
        return 2.0 / (1.0 / speed[leaf_alg] + CA_SIGS[mode] / speed[ca_alg])

    # ---- bare OpenSSL loop ----
    bare = {}
    bare_note = {}
    for cid, jur, *_ in CASES:
        anchors = os.path.join(a.pki, jur, "root.pem")
        for t in ((2,) if a.distinct_only else (1, 2)):
            r = run([os.path.join(a.bench_bin, "bench_bare"), "--seconds", "%g" % lib_s, "--threads", str(t), anchors,
                     objs[cid]])
            if r.returncode != 0:
                bare_note[cid] = " ".join(r.stderr.split())[:150]
                break
            bare[(cid, t)] = kv_line(r.stdout)

    if a.distinct_only:
        dres = bench_distinct.run(a, objs)
        print("\ncrypto limit (openssl speed -mr, 1 core, verifies/s): " +
              ", ".join("%s %.0f" % (alg, v) for alg, v in speed.items()))
        print("one-object bare CMS_verify loop, 2 threads (req/s): " + ", ".join(
            "%s %.0f" % (cid, bare[(cid, 2)]["rate"]) if (cid, 2) in bare else "%s n/a" % cid for cid, *_ in CASES))
        bench_distinct.report(a, dres, speed, bare)
        print("\n(total %.0f s; timing only — never asserted by tests)" % (time.time() - t_start))
        return

    # ---- library path in-process ----
    lib = {}
    for cid, jur, *_ in CASES:
        for mode, chains, certs in MODES:
            r = run([os.path.join(a.bench_bin, "bench_lib"), "--seconds", "%g" % lib_s, "--threads", "2",
                     "--chains", str(chains), "--certificates", str(certs), a.policies, jur, objs[cid]])
            if r.returncode != 0:
                die("bench_lib %s %s: %s" % (cid, mode, r.stderr.strip()))
            lib[(cid, mode)] = kv_line(r.stdout)

    # ---- HTTP gateway under wrk ----
    web = {}
    caches = {}
    for mode, chains, certs in MODES:
        d = Daemon(a, mode, chains, certs)
        try:
            for cid, jur, *_ in CASES:
                with open(objs[cid], "rb") as f:
                    st, body = http("http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur), f.read(), "application/cms")
                verdict = json.loads(body) if st == 200 else {}
                if verdict.get("indication") != "TOTAL_PASSED":
                    die("%s through the daemon: HTTP %d %s" % (cid, st, body[:300]))
                web[(cid, mode)] = wrk(a, d, cid, jur, objs[cid], a.seconds)
            caches[mode] = d.metrics()
        finally:
            d.stop()

    ckpt, ckpt_count = checkpoint_runs(a, objs)
    dres = bench_distinct.run(a, objs)
    ocsp = bench_ocsp.run(a)

    # ---- report ----
    def ratio(x, y):
        return "%5.2fx" % (x / y) if y else "   n/a"

    print("\ncrypto limit (openssl speed -mr, 1 core, verifies/s): " +
          ", ".join("%s %.0f" % (alg, v) for alg, v in speed.items()))
    for cid, *_ in CASES:
        if cid in bare_note:
            print("bare %s: n/a — stock OpenSSL CMS_verify fails on it: %s" % (cid, bare_note[cid]))
    hdr = "%-6s %-5s %-34s %9s %8s %8s %9s %8s %8s %8s" % (
        "object", "cache", "path", "req/s", "p50 ms", "p99 ms", "CPU us/r", "wrk us/r", "vs bare2", "vs limit")
    print("\n" + hdr)
    print("-" * len(hdr))
    for case in CASES:
        cid = case[0]
        b2 = bare.get((cid, 2), {}).get("rate", 0.0)
        for t in (1, 2):
            if (cid, t) in bare:
                b = bare[(cid, t)]
                lim = limit(case, "bare")
                print("%-6s %-5s %-34s %9.0f %8s %8s %9.1f %8s %8s %7.1f%%" % (
                    cid, "-", "bare CMS_verify, %d thread%s" % (t, "s" if t > 1 else ""), b["rate"], "", "",
                    b["cpu_us"], "", ratio(b["rate"], b2), 100 * b["rate"] / lim))
        for mode, *_ in MODES:
            lim = limit(case, mode)
            r = lib[(cid, mode)]
            print("%-6s %-5s %-34s %9.0f %8s %8s %9.1f %8s %8s %7.1f%%" % (
                cid, mode, "library in-process, 2 threads", r["rate"], "", "", r["cpu_us"], "", ratio(r["rate"], b2),
                100 * r["rate"] / lim))
        for mode, *_ in MODES:
            lim = limit(case, mode)
            w = web[(cid, mode)]
            extra = ""
            if w["non2xx"] or w["errors"]:
                extra = "  (non-2xx %d; socket errors %s)" % (w["non2xx"], w["errors"] or "0")
            print("%-6s %-5s %-34s %9.0f %8.2f %8.2f %9.1f %8.1f %8s %7.1f%%%s" % (
                cid, mode, "HTTP /v1/verify, wrk keep-alive", w["rps"], w["p50"], w["p99"], w["cpu_us"],
                w["wrk_cpu_us"], ratio(w["rps"], b2), 100 * w["rps"] / lim, extra))
        print()
    print("vs bare2: requests/s divided by the bare CMS_verify loop at 2 threads on the same object.")
    print("vs limit: requests/s as a share of what 2 cores could do if a request cost only its signature"
          " verifications at openssl-speed rates:")
    print("          content signature + %d CA signatures (leaf, intermediate, 2 CRLs) when the path is validated,"
          " + 2 for bare CMS_verify (no CRLs), + 0 warm." % CA_SIGS["cold"])
    print("          Limits (req/s): " + "; ".join("%s %s" % (c[0], "/".join("%.0f" % limit(c, m) for m in
          ("bare", "cold", "warm"))) for c in CASES) + " (bare/validated/warm)")
    for mode, m in caches.items():
        if m:
            print("daemon %-5s caches after its runs: %s" % (mode, ", ".join(
                "%s %.0f" % (k.replace("sigbridge_", ""), v) for k, v in sorted(m.items()) if not k.endswith("capacity"))))
    report_checkpoints(ckpt, ckpt_count, key_name(a))
    bench_distinct.report(a, dres, speed, bare)
    bench_ocsp.report(ocsp, bare.get(("rsa", 2), {}).get("rate", 0.0))
    print("\n(total %.0f s; timing only — never asserted by tests)" % (time.time() - t_start))


if __name__ == "__main__":
    main()

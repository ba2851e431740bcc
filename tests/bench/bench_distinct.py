"""tests/bench/bench_distinct.py — the "distinct signers" and "one signer, distinct content" part of `make bench`
(tests/bench/bench.py calls run() and report()). Timing only; nothing here is asserted.

Inputs (tests/bench/gen_distinct.c, cached in OUT as distinct-ALG-NxK.{bodies,pairs}, regenerated when missing or
older than the generator, the intermediate's certificate or key, or the leaf template): per algorithm N signers,
each with its own key, issued by the demo PKI's intermediate, and N x K requests, each a detached SignedData over
its own content in the gateway's JSON envelope {"signature", "content"}; request r is signed by signer r % N.
  rsa    N 2000, K 20   hk intermediate, RSA-2048 leaves
  ecdsa  N 4000, K 10   mo intermediate (RSA), P-256 leaves
  sm2    N 4000, K 10   cn intermediate (SM2), SM2 leaves, GM/T 0010 objects
  one signer: N 1, K 80000 for ecdsa and rsa (a warm RSA signer runs at ~15k req/s: no repeat in 4 s).
No body repeats within a measured run below ~10,000 req/s x 4 s; each run has a fresh daemon (so no run sees the
bodies of another), warmed up for 1 s with the one-object body of bench.py (another signer, other content).

Rows (HTTP: POST /v1/verify?from=J, Content-Type application/json, tests/bench/sbload.c closed loop
`--rate 0 --connections 4`, every verdict checked: sbload --expect '"TOTAL_PASSED"'):
  distinct       daemon cache {chains: 1000, certificates: 1000}, smaller than the rotation N
  distinct, off  cache {chains: 0, certificates: 0, prefixes: 0} (prefixes only when `serve --check` accepts it);
                 meanwhile a second client sends GET /healthz on the API port every 20 ms on its own keep-alive
                 connection: its p50/p99/max
  one signer     cache {chains: 10000, certificates: 10000}, the same signer, a different content each request
  bare           tests/bench/bench_bare.c --pairs: d2i_CMS_ContentInfo + CMS_verify with the detached content, the
                 same pairs in rotation, 1 and 2 threads (stock OpenSSL cannot verify SM2 SignedData: n/a)
Then, for the distinct and one-signer rows, latency at half the saturation rate (open loop, 8 connections,
--latency-seconds, default 10; a fresh daemon warmed up for 1 s; p50/p99/p99.9/max and requests over 100 ms).
--reps R repeats each saturation run (fresh daemon each) and reports the run with the median req/s.
Crypto limit (2 cores): a distinct-signer request needs 2 signature verifications (content at the leaf's algorithm,
leaf certificate at the CA's); a one-signer request with warm caches 1 (the content signature).
"""
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

import bench

# id, jurisdiction, leaf template under PKI, N, K, leaf key algorithm, CA key algorithm (openssl speed names)
DISTINCT = [
    ("rsa", "hk", "hk/leaf.pem", 2000, 20, "rsa2048", "rsa2048"),
    ("ecdsa", "mo", "mo/leaf-ec.pem", 4000, 10, "ecdsap256", "rsa2048"),     # Macao CAs are RSA
    ("sm2", "cn", "cn/leaf.pem", 4000, 10, "sm2", "sm2"),
]
ONE_SIGNER = [c[:3] + (1, 80000) + c[5:] for c in DISTINCT if c[0] in ("ecdsa", "rsa")]
DISTINCT_CACHE = 1000
WARM_CACHE = 10000
CONNS = 4
LAT_CONNS = 8                 # open loop: as make bench-latency (tests/bench/soak.py), headroom for bursts
EXPECT = '"TOTAL_PASSED"'
HEALTHZ_PERIOD = 0.020


def inputs(a, case):
    """OUT/distinct-ALG-NxK.{bodies,pairs}, regenerated when missing or older than what they are made from (the generator's source, the template, the intermediate)."""
    cid, jur, tmpl, n, k = case[:5]
    stem = os.path.join(a.out, "distinct-%s-%dx%d" % (cid, n, k))
    bodies, pairs = stem + ".bodies", stem + ".pairs"
    gen = os.path.join(a.bench_bin, "gen_distinct")
    # the generator's source, not its binary: the binary is relinked whenever libsbpki changes, and RSA inputs
    # take minutes to make
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_distinct.c")
    deps = [src, os.path.join(a.pki, tmpl)] + [os.path.join(a.pki, jur, f) for f in ("int.pem", "int.key")]
    newest = max(os.path.getmtime(f) for f in deps)
    if all(os.path.exists(f) and os.path.getmtime(f) >= newest for f in (bodies, pairs)):
        return bodies, pairs
    print("distinct: generating %s: %d signers x %d requests ..." % (cid, n, k))
    sys.stdout.flush()
    t = time.time()
    r = subprocess.run([gen, cid, a.pki, str(n), str(k), bodies, pairs], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        bench.die("gen_distinct %s failed: %s" % (cid, r.stderr.strip()[-400:]))
    print("distinct: %s generated in %.0f s" % (cid, time.time() - t))
    return bodies, pairs


def last_body(path):
    """The file's last body: the one a measured run is least likely to reach, so checking it repeats nothing."""
    with open(path, "rb") as f:
        at, size = 0, os.fstat(f.fileno()).st_size
        while True:
            f.seek(at)
            n = int.from_bytes(f.read(4), "big")
            if at + 4 + n >= size:
                return f.read(n)
            at += 4 + n


def prefixes_accepted(a):
    """Whether this daemon knows cache.prefixes (the validated-prefix memo): `serve --check` on a probe config."""
    conf = os.path.join(a.out, "gw-prefixes-probe.yaml")
    with open(conf, "w") as f:
        f.write("listeners:\n  api: {address: 127.0.0.1, port: %d}\n  admin: {address: 127.0.0.1, port: %d}\n"
                "policy_dir: %s\nworkers: 0\ncache: {chains: 0, certificates: 0, prefixes: 0}\n"
                "audit: {path: %s, fsync: batch, node_id: benchprobe}\n"
                % (bench.free_port(), bench.free_port(), os.path.abspath(a.policies),
                   os.path.join(a.out, "audit-prefixes-probe.jsonl")))
    return bench.run([a.bin, "serve", "-c", conf, "--check"]).returncode == 0


class Healthz(threading.Thread):
    """GET /healthz every HEALTHZ_PERIOD on one keep-alive connection; latencies in ms (failures counted)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.ms = []
        self.failed = 0
        self.stop_ev = threading.Event()

    def one(self, sock, buf):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError("closed")
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        while len(rest) < length:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError("closed")
            rest += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            raise OSError(head.split(b"\r\n")[0].decode(errors="replace"))
        return rest[length:]

    def run(self):
        sock, buf = None, b""
        nxt = time.perf_counter()
        while not self.stop_ev.is_set():
            try:
                if sock is None:
                    sock, buf = socket.create_connection(("127.0.0.1", self.port), timeout=10), b""
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                t = time.perf_counter()
                buf = self.one(sock, buf)
                self.ms.append(1000.0 * (time.perf_counter() - t))
            except OSError:
                self.failed += 1
                if sock is not None:
                    sock.close()
                sock = None
            nxt += HEALTHZ_PERIOD
            self.stop_ev.wait(max(0.0, nxt - time.perf_counter()))
        if sock is not None:
            sock.close()

    def stop(self):
        self.stop_ev.set()
        self.join()


def sbload(a, d, jur, secs, rate=0.0, bodies=None, body=None, ctype="application/json", conns=CONNS):
    cmd = [os.path.join(a.bench_bin, "sbload"), "--url", "http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur),
           "--rate", "%g" % rate, "--connections", str(conns), "--duration", "%g" % secs, "--content-type", ctype,
           "--expect", EXPECT]
    cmd += ["--bodies", bodies] if bodies else ["--body", body]
    c0 = d.cpu_s()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = bench.run(cmd)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c1 = d.cpu_s()
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        bench.die("sbload failed (exit %d): %s" % (p.returncode, p.stderr.strip()[:400]))
    res = json.loads(lines[-1])
    n = max(1, res["completed"])
    res["cpu_us"] = 1e6 * (c1 - c0) / n
    res["load_cpu_us"] = 1e6 * ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) / n
    res["bad"] = res["status_other"] + res["errors"] + res["unfinished"] + res["body_mismatch"]
    res["repeats"] = res["sent"] > res["bodies"]
    res["stderr"] = [line for line in p.stderr.splitlines() if line.strip()][:3]
    return res


def with_daemon(a, mode, cache, fn):
    d = bench.Daemon(a, mode, 0, 0, cache=cache)
    try:
        return fn(d)
    finally:
        d.stop()
        for f in (d.audit, d.audit + ".checkpoint"):     # ~1 KB per request; not what is measured
            if os.path.exists(f):
                os.unlink(f)


def saturate(a, mode, cache, case, bodies, obj, healthz=False):
    """One fresh daemon: check the last body's verdict, 1 s warm-up on the one-object body, then the closed loop."""
    cid, jur = case[:2]

    def go(d):
        st, body = bench.http("http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur), last_body(bodies),
                              "application/json")
        if st != 200 or json.loads(body).get("indication") != "TOTAL_PASSED":
            bench.die("%s %s: the last body through the daemon: HTTP %d %s" % (cid, mode, st, body[:300]))
        sbload(a, d, jur, 1.0, body=obj, ctype="application/cms")
        probe = Healthz(d.api) if healthz else None
        if probe:
            probe.start()
        try:
            res = sbload(a, d, jur, a.seconds, bodies=bodies)
        finally:
            if probe:
                probe.stop()
        res["healthz"] = (probe.ms, probe.failed) if probe else None
        res["metrics"] = d.metrics()
        return res

    return with_daemon(a, "%s-%s" % (mode, cid), cache, go)


def median_run(runs):
    s = sorted(runs, key=lambda r: r["rate_achieved"])
    m = s[len(s) // 2]
    m["all_rates"] = [r["rate_achieved"] for r in runs]
    return m


def latency(a, mode, cache, case, bodies, obj, sat):
    cid, jur = case[:2]

    def go(d):
        sbload(a, d, jur, 1.0, body=obj, ctype="application/cms")
        return sbload(a, d, jur, a.latency_seconds, rate=max(1.0, 0.5 * sat), bodies=bodies, conns=LAT_CONNS)

    return with_daemon(a, "lat-%s-%s" % (mode, cid), cache, go)


def bare_pairs(a, jur, pairs, threads):
    r = bench.run([os.path.join(a.bench_bin, "bench_bare"), "--seconds", "%g" % max(1.0, a.seconds / 2), "--threads",
                   str(threads), "--pairs", pairs, os.path.join(a.pki, jur, "root.pem")])
    if r.returncode != 0:
        why = re.findall(r":error:[0-9A-F]+:[^:]*:([^:]+):", r.stderr)      # OpenSSL's reason strings
        return None, "; ".join(why) if why else " ".join(r.stderr.split())[:150]
    return bench.kv_line(r.stdout), None


def run(a, objs):
    """All the measurements; the result is for report()."""
    res = {"prefixes": prefixes_accepted(a), "files": {}, "sat": {}, "lat": {}, "bare": {}, "bare_note": {}}
    off = "{chains: 0, certificates: 0%s}" % (", prefixes: 0" if res["prefixes"] else "")
    distinct = "{chains: %d, certificates: %d}" % (DISTINCT_CACHE, DISTINCT_CACHE)
    warm = "{chains: %d, certificates: %d}" % (WARM_CACHE, WARM_CACHE)
    jobs = [(c, "distinct", distinct) for c in DISTINCT] + [(c, "off", off) for c in DISTINCT] + \
        [(c, "one", warm) for c in ONE_SIGNER]
    for case, mode, _ in jobs:
        res["files"][(case[0], mode == "one")] = inputs(a, case)
    for case, mode, _ in jobs:
        cid, jur = case[:2]
        pairs = res["files"][(cid, mode == "one")][1]
        if mode == "off" or (cid, mode) in res["bare_note"]:
            continue
        for t in ((1, 2) if mode == "distinct" else (2,)):
            r, note = bare_pairs(a, jur, pairs, t)
            if note:
                res["bare_note"][(cid, mode)] = note
                break
            res["bare"][(cid, mode, t)] = r
    for case, mode, cache in jobs:
        cid = case[0]
        bodies = res["files"][(cid, mode == "one")][0]
        runs = [saturate(a, mode, cache, case, bodies, objs[cid], healthz=(mode == "off")) for _ in range(a.reps)]
        res["sat"][(cid, mode)] = median_run(runs)
        if mode == "off":
            res["sat"][(cid, mode)]["healthz"] = ([x for r in runs for x in r["healthz"][0]],
                                                  sum(r["healthz"][1] for r in runs))
        print("  %s %s: %.0f req/s" % (cid, mode, res["sat"][(cid, mode)]["rate_achieved"]))
        sys.stdout.flush()
    for case, mode, cache in jobs:
        cid = case[0]
        if mode != "off":
            res["lat"][(cid, mode)] = latency(a, mode, cache, case, res["files"][(cid, mode == "one")][0], objs[cid],
                                              res["sat"][(cid, mode)]["rate_achieved"])
    res["jobs"] = [(c, m) for c, m, _ in jobs]
    res["off_cache"] = off
    return res


def pct(xs, q):
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def report(a, res, speed, bare_one):
    """Prints the tables. speed: openssl speed verifies/s by algorithm; bare_one: {(case id, threads): kv} of the
    one-object bare loop."""
    def limit(case, sigs):
        leaf_alg, ca_alg = case[5], case[6]
        return 2.0 / (1.0 / speed[leaf_alg] + (1.0 / speed[ca_alg] if sigs == 2 else 0.0))

    def ratio(x, y):
        return "%5.2fx" % (x / y) if y else "   n/a"

    label = {"distinct": "distinct, cache %d" % DISTINCT_CACHE, "off": "distinct, caches off",
             "one": "one signer, distinct content"}
    print("\ndistinct signers / one signer with distinct contents (JSON envelope, detached content; sbload closed"
          " loop, %d connections; %g s runs%s)" % (CONNS, a.seconds, ", median of %d" % a.reps if a.reps > 1 else ""))
    print("  signers N: " + ", ".join("%s %d (x %d requests)" % (c[0], c[3], c[4]) for c in DISTINCT) +
          "; one signer: " + ", ".join("%s 1 (x %d)" % (c[0], c[4]) for c in ONE_SIGNER))
    print("  daemon caches: distinct {chains: %d, certificates: %d}; caches off %s (cache.prefixes %s);"
          " one signer {chains: %d, certificates: %d}" % (
              DISTINCT_CACHE, DISTINCT_CACHE, res["off_cache"],
              "accepted by serve --check, included" if res["prefixes"] else "refused by serve --check, left out",
              WARM_CACHE, WARM_CACHE))
    hdr = "%-6s %-29s %9s %8s %8s %9s %9s %8s %8s %8s %6s" % (
        "object", "row", "req/s", "p50 ms", "p99 ms", "CPU us/r", "load us/r", "vs bare2", "vs 1obj", "vs limit",
        "!ok")
    print("\n" + hdr)
    print("-" * len(hdr))
    cases = {c[0]: c for c in DISTINCT}
    for cid in [c[0] for c in DISTINCT]:
        for mode in ("distinct", "one"):
            if mode == "one" and cid not in [c[0] for c in ONE_SIGNER]:
                continue
            note = res["bare_note"].get((cid, mode))
            for t in ((1, 2) if mode == "distinct" else (2,)):
                b = res["bare"].get((cid, mode, t))
                if b is None:
                    continue
                b2 = res["bare"].get((cid, mode, 2), {}).get("rate", 0.0)
                print("%-6s %-29s %9.0f %8s %8s %9.1f %9s %8s %8s %7.1f%%" % (
                    cid, "bare %s, %dt" % ("distinct" if mode == "distinct" else "one signer", t), b["rate"], "", "",
                    b["cpu_us"], "", ratio(b["rate"], b2), ratio(b["rate"], bare_one.get((cid, 2), {}).get("rate", 0)),
                    100 * b["rate"] / (2.0 / (1.0 / speed[cases[cid][5]] + 2.0 / speed[cases[cid][6]]))))
            if note and mode == "distinct":
                print("%-6s %-29s       n/a   (stock OpenSSL 3.0 CMS_verify: %s)" % (cid, "bare distinct", note[:80]))
        for mode in ("distinct", "off", "one"):
            r = res["sat"].get((cid, mode))
            if r is None:
                continue
            b2 = res["bare"].get((cid, "distinct" if mode != "one" else "one", 2), {}).get("rate", 0.0)
            lim = limit(cases[cid], 1 if mode == "one" else 2)
            rates = " (runs %s)" % "/".join("%.0f" % x for x in r["all_rates"]) if len(r["all_rates"]) > 1 else ""
            print("%-6s %-29s %9.0f %8.2f %8.2f %9.1f %9.1f %8s %8s %7.1f%% %6d%s%s" % (
                cid, label[mode], r["rate_achieved"], r["p50_ms"], r["p99_ms"], r["cpu_us"], r["load_cpu_us"],
                ratio(r["rate_achieved"], b2), ratio(r["rate_achieved"], bare_one.get((cid, 2), {}).get("rate", 0)),
                100 * r["rate_achieved"] / lim, r["bad"], " BODIES REPEATED" if r["repeats"] else "", rates))
        print()
    print("vs bare2: req/s over the bare CMS_verify loop at 2 threads on the same kind of input (distinct pairs for"
          " the distinct rows, the one signer's pairs for its row); vs 1obj: over the one-object bare loop (bench.py).")
    print("vs limit: share of the 2-core crypto limit; distinct: 2 verifications (content at the leaf's algorithm +"
          " leaf certificate at the CA's), one signer warm: 1; bare: 3 (+ intermediate). Limits (req/s): " +
          "; ".join("%s %.0f/%.0f" % (c[0], limit(c, 2), limit(c, 1)) for c in DISTINCT) + " (distinct/one signer)")
    print("!ok: non-2xx + socket errors + unanswered + verdicts other than TOTAL_PASSED (sbload --expect %s)." % EXPECT)
    for cid in [c[0] for c in DISTINCT]:
        m = res["sat"][(cid, "distinct")]["metrics"]
        if m:
            print("daemon %s distinct caches after the run: %s" % (cid, ", ".join(
                "%s %.0f" % (k.replace("sigbridge_", ""), v) for k, v in sorted(m.items()) if not k.endswith("capacity"))))

    print("\n/healthz (API port, own keep-alive connection, every %d ms) while 'distinct, caches off' saturates"
          " the daemon:" % int(HEALTHZ_PERIOD * 1000))
    for cid in [c[0] for c in DISTINCT]:
        ms, failed = res["sat"][(cid, "off")]["healthz"]
        print("  %-6s n %4d  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  failed %d" % (
            cid, len(ms), pct(ms, 0.5), pct(ms, 0.99), max(ms) if ms else float("nan"), failed))

    hdr = "%-6s %-29s %9s %9s %9s %8s %8s %8s %9s %7s %6s" % (
        "object", "row", "sat req/s", "target/s", "achieved", "p50 ms", "p99 ms", "p999 ms", "max ms", ">100ms", "!ok")
    print("\nlatency at half saturation (open loop, %d connections, latency from the intended send time, %g s, fresh"
          " daemon):" % (LAT_CONNS, a.latency_seconds))
    print(hdr)
    print("-" * len(hdr))
    for (cid, mode), r in res["lat"].items():       # in the order of the saturation rows
        print("%-6s %-29s %9.0f %9.0f %9.0f %8.2f %8.2f %8.2f %9.2f %7d %6d%s" % (
            cid, label[mode], res["sat"][(cid, mode)]["rate_achieved"], r["rate_target"], r["rate_achieved"],
            r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"], r["over_100ms"], r["bad"],
            " BODIES REPEATED" if r["repeats"] else ""))
    for key, r in list(res["sat"].items()) + list(res["lat"].items()):
        for line in r["stderr"]:
            print("%s %s sbload: %s" % (key[0], key[1], line))

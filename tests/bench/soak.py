#!/usr/bin/env python3
"""tests/bench/soak.py — `make bench-latency` and `make bench-soak`: the latency and memory goals of the
"fast path" issue, measured with an open-loop load generator (tests/bench/sbload.c). Timing only; never run
by `make test`, nothing asserted: the goals are printed as met / MISSED.

latency  For the objects of `make bench` (rsa: hk RSA CMS, ecdsa: mo ECDSA CMS, sm2: cn GM/T 0010), against
         one `sigbridge serve` with warm caches (chains/certificates 10000, log level warn):
           saturation  sbload --rate 0 (closed loop, 4 connections) for --sat-seconds (10) after 1 s warm-up
           latency     sbload at 50% of that rate, 8 connections, for --seconds (BENCH_LATENCY_SECONDS, 60),
                       latency from each request's intended send time (no coordinated omission)
         Goal (a): p99 < 5 ms and no request over 100 ms (errors and unanswered requests count as misses).
soak     N distinct Macao ECDSA signers (tests/bench/gen_signers.c; one signed object each, cached in
         OUT/signers-N.bin) through a daemon with the default caches (10000 entries each, so the chain cache
         must evict): rate = --rate, or 50% of a closed-loop --sat-seconds run over the same bodies; for
         --seconds (BENCH_SOAK_SECONDS, 300) with 8 connections; the daemon's VmRSS sampled every 5 s.
         Goal (b): RSS at the end within 10% of RSS once every signer has been sent (then every cache is
         full and only replaces entries; at least --warmup s); every signer sent at least once.
         Goal (issue 20): RSS flat within 5% over the last 20 minutes (runs shorter than 20 minutes: over
         their last half): (max - min) / min of the samples in that window; printed after the RSS curve at
         every minute.

Usage: soak.py latency|soak --bin build/sigbridge --pki build/pki --policies policies --bench-bin DIR --out DIR
                            [--seconds S] [--sat-seconds S] [--signers N] [--rate R] [--log-level warn]
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in tests/bench
import bench  # noqa: E402  (Daemon, http, make_objects, CASES)

EXPECT = '"indication":"TOTAL_PASSED"'
P99_GOAL_MS = 5.0
RSS_GOAL_PCT = 10.0
FLAT_GOAL_PCT = 5.0           # issue 20: RSS flat within 5% ...
FLAT_WINDOW_S = 1200.0        # ... over the last 20 minutes (the last half of a shorter run)


def die(msg):
    print("soak: " + msg, file=sys.stderr)
    sys.exit(1)


def sbload(a, url, rate, conns, secs, body=None, bodies=None, wait=True):
    cmd = [os.path.join(a.bench_bin, "sbload"), "--url", url, "--rate", "%g" % rate, "--connections", str(conns),
           "--duration", "%g" % secs, "--content-type", "application/cms", "--expect", EXPECT]
    if body is not None:
        cmd += ["--body", body]
    if bodies is not None:
        cmd += ["--bodies", bodies]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return sbload_result(p) if wait else p


def sbload_result(p):
    out, err = p.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        die("sbload failed (exit %d): %s" % (p.returncode, err.strip()[:400]))
    res = json.loads(lines[-1])
    res["stderr"] = [line for line in err.splitlines() if line.strip()][:6]
    return res


def problems(r):
    """What went wrong besides latency: non-2xx, errors, unanswered, wrong verdicts."""
    out = []
    for k, label in (("status_other", "non-2xx"), ("errors", "errors"), ("unfinished", "unanswered"),
                     ("body_mismatch", "not TOTAL_PASSED")):
        if r.get(k):
            out.append("%s %d" % (label, r[k]))
    return out


def check_verdict(d, jur, path):
    with open(path, "rb") as f:
        st, body = bench.http("http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur), f.read(), "application/cms")
    verdict = json.loads(body) if st == 200 else {}
    if verdict.get("indication") != "TOTAL_PASSED":
        d.stop()
        die("%s through the daemon: HTTP %d %s" % (path, st, body[:300]))


# ---- latency ------------------------------------------------------------------------------------

def cmd_latency(a):
    secs = a.seconds if a.seconds is not None else 60.0
    objs = bench.make_objects(a)
    print("sigbridge make bench-latency — open-loop (tests/bench/sbload.c); %d cores shared by sbload, the daemon"
          " and everything else running" % (os.cpu_count() or 0))
    print("per object: saturation = closed loop, 4 connections, %g s (after 1 s warm-up); then 50%% of it,"
          " 8 connections, %g s; warm caches; log level %s" % (a.sat_seconds, secs, a.log_level))
    sys.stdout.flush()
    rows = []
    d = bench.Daemon(a, "latency", 10000, 10000)
    try:
        for cid, jur, *_ in bench.CASES:
            check_verdict(d, jur, objs[cid])
            url = "http://127.0.0.1:%d/v1/verify?from=%s" % (d.api, jur)
            sbload(a, url, 0, 4, 1.0, body=objs[cid])                       # warm-up
            sat = sbload(a, url, 0, 4, a.sat_seconds, body=objs[cid])
            if sat["rate_achieved"] <= 0:
                die("%s: the closed-loop run completed nothing: %s" % (cid, sat))
            lat = sbload(a, url, 0.5 * sat["rate_achieved"], 8, secs, body=objs[cid])
            rows.append((cid, sat, lat))
            print("  %s done: %s" % (cid, json.dumps({k: v for k, v in lat.items() if k != "stderr"})))
            sys.stdout.flush()
    finally:
        d.stop()
        try:
            os.unlink(d.audit)      # ~1 KB per request; the audit chain is not what is measured
        except OSError:
            pass

    hdr = "%-6s %10s %9s %9s %8s %8s %8s %9s %7s  %-6s %s" % (
        "object", "sat req/s", "target/s", "achieved", "p50 ms", "p99 ms", "p999 ms", "max ms", ">100ms", "goal",
        "problems")
    print("\n" + hdr)
    print("-" * len(hdr))
    for cid, sat, lat in rows:
        probs = problems(lat)
        met = lat["p99_ms"] < P99_GOAL_MS and lat["over_100ms"] == 0 and not (lat["errors"] or lat["unfinished"])
        print("%-6s %10.0f %9.0f %9.0f %8.2f %8.2f %8.2f %9.2f %7d  %-6s %s" % (
            cid, sat["rate_achieved"], lat["rate_target"], lat["rate_achieved"], lat["p50_ms"], lat["p99_ms"],
            lat["p999_ms"], lat["max_ms"], lat["over_100ms"], "met" if met else "MISSED",
            ", ".join(probs + (["saturation run: " + ", ".join(problems(sat))] if problems(sat) else []))))
    for cid, sat, lat in rows:
        for line in sat["stderr"] + lat["stderr"]:
            print("%s: %s" % (cid, line))
    print("\ngoal (issue \"fast path\" a): p99 < %g ms at half the saturating load and no request over 100 ms"
          " (latency from the intended send time; %g s runs%s)."
          % (P99_GOAL_MS, secs, "" if secs >= 60 else " — shorter than the 60 s the goal names"))


# ---- soak ---------------------------------------------------------------------------------------

def signers_file(a):
    """OUT/signers-N.bin, regenerated when missing or older than the Macao PKI or gen_signers."""
    path = os.path.join(a.out, "signers-%d.bin" % a.signers)
    gen = os.path.join(a.bench_bin, "gen_signers")
    deps = [gen] + [os.path.join(a.pki, "mo", f) for f in ("int.pem", "int.key", "leaf-ec.pem")]
    newest = max(os.path.getmtime(f) for f in deps)
    if os.path.exists(path) and os.path.getmtime(path) >= newest:
        print("signers: reusing %s" % path)
        return path
    print("signers: generating %d into %s ..." % (a.signers, path))
    sys.stdout.flush()
    t = time.time()
    if subprocess.run([gen, a.pki, str(a.signers), path]).returncode != 0:
        die("gen_signers failed")
    print("signers: %d generated in %.1f s" % (a.signers, time.time() - t))
    return path


def first_body(path, out):
    with open(path, "rb") as f:
        n = struct.unpack(">I", f.read(4))[0]
        data = f.read(n)
    with open(out, "wb") as f:
        f.write(data)


def vmrss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def per_minute(samples, rss0):
    """(t, KiB) at 0 (before the load) and at the first sample at or after each whole minute, then the last
    one unless it is within 5 s of the last minute."""
    out = [(0.0, rss0)]
    minute = 60.0
    for t, k in samples:
        if t >= minute - 0.5:
            out.append((minute, k))
            minute += 60.0
    if samples and samples[-1][0] >= out[-1][0] + 5.0:     # not the sample taken just after the last minute
        out.append(samples[-1])
    return out


def flat_goal(samples, secs):
    """Issue 20: RSS flat within FLAT_GOAL_PCT over the last FLAT_WINDOW_S (the last half of a shorter run)."""
    window = FLAT_WINDOW_S if secs >= FLAT_WINDOW_S else secs / 2.0
    start = samples[-1][0] - window if samples else 0.0
    inside = [s for s in samples if s[0] >= start - 0.5]
    if len(inside) < 2:
        print("flatness: too few samples in the last %.0f s" % window)
        return
    lo = min(inside, key=lambda s: s[1])
    hi = max(inside, key=lambda s: s[1])
    spread = 100.0 * (hi[1] - lo[1]) / lo[1] if lo[1] else float("nan")
    first, last = inside[0], inside[-1]
    print("last %s (%.0f-%.0f s): min %.1f MiB at %.0f s, max %.1f MiB at %.0f s, spread %.1f%%; %.1f -> %.1f MiB"
          " (%+.1f%%)  -> goal (issue 20, flat within %g%% over the last 20 min): %s%s" % (
              "20 min" if window == FLAT_WINDOW_S else "half (%.0f s)" % window, first[0], last[0],
              lo[1] / 1024.0, lo[0], hi[1] / 1024.0, hi[0], spread, first[1] / 1024.0, last[1] / 1024.0,
              100.0 * (last[1] - first[1]) / first[1] if first[1] else float("nan"), FLAT_GOAL_PCT,
              "met" if spread <= FLAT_GOAL_PCT else "MISSED",
              "" if window == FLAT_WINDOW_S else " (a %g s run: judged over its last half, not 20 min)" % secs))


def cmd_soak(a):
    secs = a.seconds if a.seconds is not None else 300.0
    path = signers_file(a)
    sample = os.path.join(a.out, "signer-0.der")
    first_body(path, sample)
    r = subprocess.run([a.bin, "verify", "--policy-dir", a.policies, "--from", "mo", sample],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die("the first generated signer does not validate under %s/mo.yaml:\n%s" % (a.policies, r.stdout))

    d = bench.Daemon(a, "soak", 10000, 10000)          # the default cache sizes (conf/sigbridge.yaml)
    try:
        check_verdict(d, "mo", sample)
        url = "http://127.0.0.1:%d/v1/verify?from=mo" % d.api
        sat = None
        rate = a.rate
        if not rate:
            sat = sbload(a, url, 0, 4, a.sat_seconds, bodies=path)
            rate = 0.5 * sat["rate_achieved"]
            if rate <= 0:
                die("the closed-loop run completed nothing: %s" % sat)
        cover = rate * secs
        print("sigbridge make bench-soak — %d distinct signers, %g s at %.0f req/s (%s), 8 connections, caches"
              " {chains: 10000, certificates: 10000}" % (
                  a.signers, secs, rate, "fixed by --rate" if a.rate else
                  "50%% of %.0f req/s closed loop over the same bodies" % sat["rate_achieved"]))
        if cover < a.signers:
            print("\n*** WARNING: %.0f req/s x %g s = %.0f requests < %d signers: NOT every signer will be sent"
                  " (raise the duration or the rate) ***\n" % (rate, secs, cover, a.signers))
        sys.stdout.flush()

        rss0 = vmrss_kib(d.p.pid)
        p = sbload(a, url, rate, 8, secs, bodies=path, wait=False)
        t0 = time.time()
        samples = []
        next_t = a.sample
        while p.poll() is None:
            now = time.time() - t0
            if d.p.poll() is not None:
                p.kill()
                die("the daemon exited during the soak (status %s); see %s" % (d.p.returncode, d.log))
            if now >= next_t:
                samples.append((now, vmrss_kib(d.p.pid)))
                next_t += a.sample
            time.sleep(min(0.2, max(0.01, next_t - now)))
        samples.append((time.time() - t0, vmrss_kib(d.p.pid)))
        lat = sbload_result(p)
        metrics = d.metrics()
    finally:
        d.stop()
    try:
        os.unlink(d.audit)          # hundreds of MB at soak rates; the audit chain is not what is measured
    except OSError:
        pass

    def mib(k):
        return k / 1024.0

    # Steady state: every signer has been seen once, so every cache (chains, certificates, the direct-mapped
    # verdict memo) is full and only replaces entries from then on; before that RSS grows with the caches.
    steady = max(a.warmup, a.signers / rate)
    warm = [s for s in samples if s[0] >= steady - 0.5]
    base = warm[0] if warm else samples[0]
    at30 = [s for s in samples if s[0] >= a.warmup - 0.5]
    end = samples[-1]
    peak = max(samples, key=lambda s: s[1])
    growth = 100.0 * (end[1] - base[1]) / base[1] if base[1] else float("nan")
    print("\nRSS (VmRSS of the daemon, MiB): before %.1f; at %.0f s (every signer sent once: caches full) %.1f;"
          " end (%.0f s) %.1f; max %.1f at %.0f s" % (mib(rss0), base[0], mib(base[1]), end[0], mib(end[1]),
                                                      mib(peak[1]), peak[0]))
    if at30 and at30[0][1]:
        print("(from the %.0f s mark, while the caches were still filling: %+.1f%%)" % (
            at30[0][0], 100.0 * (end[1] - at30[0][1]) / at30[0][1]))
    print("growth from the %.0f s mark to the end: %+.1f%%  -> goal (b, within %g%%): %s" % (
        base[0], growth, RSS_GOAL_PCT, "met" if abs(growth) <= RSS_GOAL_PCT else "MISSED"))
    if not warm:
        print("  (the run is shorter than the %.0f s it takes to send every signer once: measured from the first"
              " sample)" % steady)
    print("samples every %g s (MiB): %s" % (a.sample, " ".join("%.1f" % mib(s[1]) for s in samples)))
    print("RSS every minute (MiB): %s" % "  ".join(
        "%d:%02d %.1f" % (int(t) // 60, int(t) % 60, mib(k)) for t, k in per_minute(samples, rss0)))
    flat_goal(samples, secs)
    print("caches at the end: %s" % ", ".join(
        "%s %.0f" % (k.replace("sigbridge_", ""), v) for k, v in sorted(metrics.items())))
    print("latency: %s" % json.dumps({k: v for k, v in lat.items() if k != "stderr"}))
    probs = problems(lat)
    if probs:
        print("problems: %s" % ", ".join(probs))
    for line in lat["stderr"]:
        print("  " + line)
    if lat["distinct_bodies"] < a.signers:
        print("\n*** NOT COVERED: only %d of %d distinct signers were sent (%d requests); the memory figure does"
              " not cover the whole signer population ***" % (lat["distinct_bodies"], a.signers, lat["sent"]))
    else:
        print("distinct signers sent: %d of %d (%d requests, each signer %.1f times on average)" % (
            lat["distinct_bodies"], a.signers, lat["sent"], lat["sent"] / float(a.signers)))
    if secs < 300:
        print("(a %g s run — the goal names 5 minutes)" % secs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("latency", "soak"))
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--bench-bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, help="measured seconds (latency: 60, soak: 300)")
    ap.add_argument("--sat-seconds", type=float, default=10.0, help="closed-loop saturation run")
    ap.add_argument("--signers", type=int, default=100000)
    ap.add_argument("--rate", type=float, default=0.0, help="soak: fixed req/s instead of 50%% of saturation")
    ap.add_argument("--sample", type=float, default=5.0, help="soak: RSS sampling period, s")
    ap.add_argument("--warmup", type=float, default=30.0, help="soak: RSS baseline taken at this mark, s")
    ap.add_argument("--log-level", default="warn")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    if a.signers < 1:
        die("--signers must be at least 1")
    for tool in ("sbload",) + (("gen_signers",) if a.what == "soak" else ()):
        if not os.access(os.path.join(a.bench_bin, tool), os.X_OK):
            die("%s/%s is not built (make builds it)" % (a.bench_bin, tool))
    t = time.time()
    if a.what == "latency":
        cmd_latency(a)
    else:
        cmd_soak(a)
    print("\n(total %.0f s; timing only — never asserted by tests)" % (time.time() - t))


if __name__ == "__main__":
    main()

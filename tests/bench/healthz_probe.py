#!/usr/bin/env python3
"""tests/bench/healthz_probe.py — how long one request can block an event loop: GET /healthz latency while the
daemon is saturated with cold validations (DESIGN §6: no loop blocked longer than ~1 ms by one request).
Timing only; never a test (not part of make test).

Starts `sigbridge serve` with caches off (cache: {chains: 0, certificates: 0, prefixes: 0}: every request
builds and checks its whole path), saturates POST /v1/verify?from=hk with build/bench/sbload (closed loop,
--connections keep-alive connections, the 3-level RSA object of make bench), and meanwhile sends GET /healthz
every --interval-ms on one separate keep-alive connection (then on fresh connections, which shows the accept
path too). Prints the probe's p50 / p99 / max before the load (idle) and under it, sbload's figures and,
when the daemon has them, each loop's sigbridge_loop_callback_cpu_seconds (the CPU time of each callback
that handled one connection or one job's answer: how long one request held its loop, scheduling excluded).

Usage: healthz_probe.py --bin build/sigbridge --pki build/pki --policies policies --sbload build/bench/sbload
                        --out DIR [--seconds 10] [--loops N] [--workers N] [--connections 8] [--interval-ms 20]
                        [--listener api|admin]
--loops is only written to the configuration when given (a binary from before `loops` refuses the key).
"""
import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time


def die(msg):
    print("healthz_probe: " + msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Probe(threading.Thread):
    """GET /healthz every interval: on one keep-alive connection (fresh=False) or a new one each time."""

    def __init__(self, port, interval, fresh):
        super().__init__(daemon=True)
        self.port, self.interval, self.fresh = port, interval, fresh
        self.lat, self.errors, self.stop = [], 0, threading.Event()

    def run(self):
        c = None
        nxt = time.monotonic()
        while not self.stop.is_set():
            try:
                if c is None:
                    c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                    if not self.fresh:
                        c.connect()
                t = time.monotonic()
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                dt = time.monotonic() - t
                if r.status == 200:
                    self.lat.append(dt * 1000.0)
                else:
                    self.errors += 1
                if self.fresh or r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = None
            except OSError:
                self.errors += 1
                c = None
            nxt += self.interval
            time.sleep(max(0.0, nxt - time.monotonic()))

    def summary(self):
        return "n=%d errors=%d p50=%.2f ms p99=%.2f ms max=%.2f ms" % (
            len(self.lat), self.errors, pct(self.lat, 0.5), pct(self.lat, 0.99), max(self.lat or [float("nan")]))


def probe_for(port, secs, interval, fresh):
    p = Probe(port, interval, fresh)
    p.start()
    time.sleep(secs)
    p.stop.set()
    p.join()
    return p


def loop_busy(adm):
    """Each loop's callback CPU histogram from /metrics (absent before the loops existed)."""
    c = http.client.HTTPConnection("127.0.0.1", adm, timeout=5)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    loops = {}
    for line in text.splitlines():
        m = re.match(r'^sigbridge_loop_callback_cpu_seconds_bucket\{loop="(\d+)",le="([^"]+)"\} (\d+)$', line)
        if m:
            loops.setdefault(m.group(1), []).append((m.group(2), int(m.group(3))))
        m = re.match(r'^sigbridge_loop_callback_cpu_max_seconds\{loop="(\d+)"\} (\S+)$', line)
        if m:
            loops.setdefault("max" + m.group(1), float(m.group(2)))
    if not loops:
        print("loop callbacks: no sigbridge_loop_callback_cpu_seconds in /metrics")
        return
    for lp in sorted(k for k in loops if not k.startswith("max")):
        total = loops[lp][-1][1]
        under = {le: n for le, n in loops[lp]}
        print("loop %s sampled callbacks (1 in 16): %d, <=100us %.2f%%, <=500us %.3f%%, <=1ms %.3f%%, over 1 ms %d, max %.3f ms" % (
            lp, total, 100.0 * under.get("0.0001", 0) / max(1, total), 100.0 * under.get("0.0005", 0) / max(1, total),
            100.0 * under.get("0.001", 0) / max(1, total), total - under.get("0.001", 0),
            1000 * loops.get("max" + lp, float("nan"))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--sbload", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--loops", type=int, default=None)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--interval-ms", type=float, default=20.0)
    ap.add_argument("--listener", choices=("api", "admin"), default="api")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    api, adm = free_port(), free_port()
    conf = os.path.join(a.out, "probe.yaml")
    with open(conf, "w") as f:
        f.write("listeners:\n  api: {address: 127.0.0.1, port: %d}\n  admin: {address: 127.0.0.1, port: %d}\n"
                "policy_dir: %s\nworkers: %d\n%squeue_max: 1024\ncache: {chains: 0, certificates: 0, prefixes: 0}\n"
                "audit: {path: %s, fsync: batch, node_id: probe}\nlog: {level: warn, path: %s}\n"
                % (api, adm, os.path.abspath(a.policies), a.workers,
                   "loops: %d\n" % a.loops if a.loops is not None else "",
                   os.path.join(a.out, "probe-audit.jsonl"), os.path.join(a.out, "probe.log")))
    for f in ("probe-audit.jsonl", "probe-audit.jsonl.checkpoint"):
        if os.path.exists(os.path.join(a.out, f)):
            os.unlink(os.path.join(a.out, f))
    doc, obj = os.path.join(a.out, "probe-doc.txt"), os.path.join(a.out, "probe-rsa.der")
    with open(doc, "w") as f:
        f.write("sigbridge healthz probe document\n")
    with open(obj, "wb") as f:
        r = subprocess.run([a.bin, "sign", "--format", "cms", "--key", os.path.join(a.pki, "hk/leaf.key"), "--cert",
                            os.path.join(a.pki, "hk/leaf.pem"), "--chain", os.path.join(a.pki, "hk/int.pem"), doc],
                           stdout=f, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        die("cannot sign: " + r.stderr.strip())
    d = subprocess.Popen([a.bin, "serve", "-c", conf], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(a.out, "probe.stderr"), "w"))
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", adm, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            die("the daemon did not start (see %s/probe.stderr)" % a.out)
        port = api if a.listener == "api" else adm
        iv = a.interval_ms / 1000.0
        print("%s; loops %s, workers %s, cache off, %d sbload connections, /healthz on the %s listener every %g ms"
              % (a.bin, a.loops if a.loops is not None else "(not set)", a.workers or "cores", a.connections,
                 a.listener, a.interval_ms))
        print("idle,   keep-alive probe: " + probe_for(port, 2.0, iv, False).summary())
        load = subprocess.Popen([a.sbload, "--url", "http://127.0.0.1:%d/v1/verify?from=hk" % api, "--rate", "0",
                                 "--connections", str(a.connections), "--duration", str(a.seconds), "--body", obj,
                                 "--content-type", "application/cms", "--expect", "TOTAL_PASSED", "--drain", "5"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)                                     # the load ramps up first
        half = max(1.0, (a.seconds - 2.0) / 2)
        ka = probe_for(port, half, iv, False)
        fr = probe_for(port, half, iv, True)
        out, err = load.communicate()
        print("loaded, keep-alive probe: " + ka.summary())
        print("loaded, fresh-conn probe: " + fr.summary())
        try:
            s = json.loads(out.strip().splitlines()[-1])
            print("sbload: %s req/s completed=%s 2xx=%s other=%s errors=%s p50=%s ms p99=%s ms" % (
                s.get("rate_achieved"), s.get("completed"), s.get("status_2xx"), s.get("status_other"),
                s.get("errors"), s.get("p50_ms"), s.get("p99_ms")))
        except (ValueError, IndexError):
            print("sbload: no result: %s %s" % (out, err))
        loop_busy(adm)
    finally:
        d.terminate()
        try:
            d.wait(15)
        except subprocess.TimeoutExpired:
            d.kill()


if __name__ == "__main__":
    main()

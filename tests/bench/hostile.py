#!/usr/bin/env python3
"""tests/bench/hostile.py — `make bench-hostile`: the front door under hostile clients (issue 20). Timing and
memory only; never run by `make test`, nothing asserted: the goals are printed as met / MISSED.

One `sigbridge serve` with the values of the stock conf/sigbridge.yaml (limits and the issue-20 defaults:
header_timeout_ms 10000, body_min_rate 4KiB, pending_body_bytes 256MiB), except listeners on free loopback
ports, files under --out and limits.max_connections 25000. RLIMIT_NOFILE (soft and hard) is raised for this
script and, inherited, for the daemon (which raises its own soft limit to max_connections + its reserve).

  baseline  admin GET /healthz (a new connection each) and POST /v1/verify?from=hk (one keep-alive client),
            --probes requests each, nothing else running
  hostile   --conns connections held open by a separate load process: half idle (never a byte), half
            dripping their header block one byte every --drip-s seconds; whatever the daemon closes (silent
            close, 408 at header_timeout_ms) is reopened at once, so --conns stay open. Then the same probes
            as the baseline, plus GET /healthz on a new API connection.
            Goals: admin /healthz p95 < 50 ms, keep-alive /v1/verify p95 < 100 ms.
  bodies    the hostile load stopped; --uploads connections each declare a 10 MiB body (max_body) on
            POST /v1/verify?from=hk, send 9 MiB of it and hold. pending_body_bytes admits 25 of them, the
            others must get 503 OVERLOADED after their headers. The daemon's VmRSS before / after and VmHWM.
            Goal: RSS growth < pending_body_bytes + 64 MiB.

Usage: hostile.py --bin build/sigbridge --pki build/pki --policies policies --conf conf/sigbridge.yaml --out DIR
                  [--conns 20000] [--drip-s 3] [--probes 200] [--uploads 60]
"""
import argparse
import collections
import errno
import json
import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in tests/bench
import bench  # noqa: E402  (free_port, http, make_objects)

MIB = 1 << 20
MAX_CONNECTIONS = 25000
PENDING = 256 * MIB
HEALTHZ_P95_MS = 50.0
VERIFY_P95_MS = 100.0
NOFILE = 65536
PER_LOAD_PROCESS = 15000     # connections per load process (the hard RLIMIT_NOFILE may be as low as 20000)
REFUSED_PAUSE = 1.0          # s before a connection refused 503 (over the cap) is reopened


def die(msg):
    print("hostile: " + msg, file=sys.stderr)
    sys.exit(1)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n and hard >= n:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, hard if hard != resource.RLIM_INFINITY else n)))
    except (ValueError, OSError) as e:
        # without CAP_SYS_RESOURCE the hard limit stays: take all of it
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        print("hostile: cannot raise RLIMIT_NOFILE to %d (%s); soft and hard limit %d" % (n, e, hard),
              file=sys.stderr)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def listen_overflows():
    """TcpExtListenOverflows of the host (SYNs dropped because an accept queue was full)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for i in range(0, len(lines) - 1, 2):
        if lines[i].startswith("TcpExt:"):
            kv = dict(zip(lines[i].split()[1:], lines[i + 1].split()[1:]))
            return int(kv.get("ListenOverflows", 0))
    return 0


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q / 100.0 * len(xs)))]


# ---- the daemon ---------------------------------------------------------------------------------

class Daemon:
    """conf/sigbridge.yaml with ports, files and limits.max_connections replaced."""

    def __init__(self, a):
        self.api, self.adm = bench.free_port(), bench.free_port()
        with open(a.conf) as f:
            text = f.read()
        subs = [
            (r"(\n  api:\n    address: \S+\n    port: )\d+", r"\g<1>%d" % self.api),
            (r"(\n  admin:\n    address: \S+\n    port: )\d+", r"\g<1>%d" % self.adm),
            (r"\npolicy_dir: .*", "\npolicy_dir: %s" % os.path.abspath(a.policies)),
            (r"(\n  max_connections: )\d+", r"\g<1>%d" % MAX_CONNECTIONS),
            (r"(\naudit:\n  path: ).*", r"\g<1>%s" % os.path.join(a.out, "hostile-audit.jsonl")),
            (r"(\nlog:\n  level: \w+)", r"\g<1>\n  path: %s" % os.path.join(a.out, "hostile.log")),
        ]
        for pat, rep in subs:
            text, n = re.subn(pat, rep, text)
            if n != 1:
                die("%s: cannot find %r to replace" % (a.conf, pat))
        self.conf = os.path.join(a.out, "hostile.yaml")
        for f in ("hostile-audit.jsonl", "hostile.log"):
            if os.path.exists(os.path.join(a.out, f)):
                os.unlink(os.path.join(a.out, f))
        with open(self.conf, "w") as f:
            f.write(text)
        self.stderr = os.path.join(a.out, "hostile.stderr")
        self.p = subprocess.Popen([a.bin, "serve", "-c", self.conf], stdout=subprocess.DEVNULL,
                                  stderr=open(self.stderr, "w"))
        for _ in range(100):
            if self.p.poll() is not None:
                break
            try:
                if bench.http("http://127.0.0.1:%d/readyz" % self.adm, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        die("the daemon did not start; see %s" % self.stderr)

    def rss(self):
        return status_kib(self.p.pid, "VmRSS")

    def hwm(self):
        return status_kib(self.p.pid, "VmHWM")

    def nofile(self):
        with open("/proc/%d/limits" % self.p.pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    return " / ".join(line.split()[3:5])
        return "?"

    def cpu_s(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime

    def gauge(self):
        try:
            st, body = bench.http("http://127.0.0.1:%d/metrics" % self.adm, timeout=10)
        except OSError:
            return -1
        m = re.search(r"^sigbridge_connections (\d+)", body.decode(), re.M)
        return int(m.group(1)) if m else -1

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


# ---- probes ----------------------------------------------------------------------------------------

def recv_reply(s):
    """One HTTP reply with a Content-Length body from a blocking socket: (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise OSError("closed before the reply")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    st = int(head.split(b" ", 2)[1])
    m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            raise OSError("closed inside the reply")
        rest += d
    return st, rest[:n]


def probe_new_conn(port, n, gap, split=None):
    """n GET /healthz, a new connection each: latencies (ms) of the good ones, and the failures. split, a
    list: gets (connect ms, request-to-reply ms) of each good one."""
    lat, bad = [], []
    for _ in range(n):
        t = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            tc = time.monotonic()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            st, body = recv_reply(s)
            s.close()
            if st == 200:
                lat.append(1000 * (time.monotonic() - t))
                if split is not None:
                    split.append((1000 * (tc - t), 1000 * (time.monotonic() - tc)))
            else:
                bad.append("HTTP %d" % st)
        except OSError as e:
            bad.append(type(e).__name__)
        time.sleep(gap)
    return lat, bad


def probe_verify(port, obj, n, gap):
    """n POST /v1/verify?from=hk on one keep-alive connection (reopened if the daemon closes it)."""
    lat, bad, s = [], [], None
    req = (b"POST /v1/verify?from=hk HTTP/1.1\r\nHost: bench\r\nContent-Type: application/cms\r\n"
           b"Content-Length: %d\r\n\r\n" % len(obj)) + obj
    for _ in range(n):
        t = time.monotonic()
        try:
            if s is None:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                t = time.monotonic()
            s.sendall(req)
            st, body = recv_reply(s)
            if st == 200 and b'"TOTAL_PASSED"' in body:
                lat.append(1000 * (time.monotonic() - t))
            else:
                bad.append("HTTP %d" % st)
        except OSError as e:
            bad.append(type(e).__name__)
            if s is not None:
                s.close()
            s = None
        time.sleep(gap)
    if s is not None:
        s.close()
    return lat, bad


def summary(lat, bad):
    errs = {}
    for b in bad:
        errs[b] = errs.get(b, 0) + 1
    return "n=%d p50 %.1f ms p95 %.1f ms max %.1f ms%s" % (
        len(lat), pct(lat, 50), pct(lat, 95), max(lat) if lat else float("nan"),
        ("; failed: " + ", ".join("%s x%d" % kv for kv in sorted(errs.items()))) if errs else "")


def probes(a, d, obj, label, api_too, gap=0.02):
    """The probes, gap s apart (under the hostile load each series spans at least one header_timeout_ms
    cycle of the load, whose connections expire in waves)."""
    out = {}
    split = []
    out["admin_healthz"] = probe_new_conn(d.adm, a.probes, gap, split)
    if api_too:
        out["api_healthz"] = probe_new_conn(d.api, a.probes, gap)
    out["verify"] = probe_verify(d.api, obj, a.probes, gap)
    print("  %-8s admin /healthz (new connection each):     %s" % (label, summary(*out["admin_healthz"])))
    print("  %-8s   of which TCP connect p50 %.1f p95 %.1f ms, request to reply p50 %.1f p95 %.1f ms" % (
        "", pct([x[0] for x in split], 50), pct([x[0] for x in split], 95), pct([x[1] for x in split], 50),
        pct([x[1] for x in split], 95)))
    if api_too:
        print("  %-8s api /healthz (new connection each):       %s" % (label, summary(*out["api_healthz"])))
    print("  %-8s api POST /v1/verify (keep-alive client):  %s" % (label, summary(*out["verify"])))
    sys.stdout.flush()
    return out


# ---- the hostile load (a separate process: `hostile.py load PORT N DRIP_S`) ----------------------

def cmd_load(port, n, drip_s, rate):
    """Holds n connections to port (half idle, half dripping a header byte every drip_s s), reopening any
    the daemon closes, opening at most rate connections a second (a burst of non-blocking connects only
    overflows the listen backlog). Prints a JSON status line every second; stops when stdin closes."""
    raise_nofile(NOFILE)
    sel = selectors.DefaultSelector()
    conns = {}                 # fd -> [socket, kind (0 idle, 1 dripping), bytes sent]
    drips = collections.deque()  # (fd, socket) of the dripping connections, in drip order
    st = {"open": 0, "opened": 0, "reopened": 0, "closed_silent": 0, "replies": {}, "connect_errors": 0,
          "drip_bytes": 0}
    prefix = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Drip: "
    stop = []

    def watch_stdin():
        sys.stdin.read()
        stop.append(1)
    threading.Thread(target=watch_stdin, daemon=True).start()

    def open_one(kind):
        # a non-blocking connect: a blocking one costs ~1.4 ms on loopback with many ports in TIME_WAIT
        s = socket.socket()
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            st["connect_errors"] += 1
            return False
        conns[s.fileno()] = [s, kind, 0]
        sel.register(s, selectors.EVENT_READ)
        if kind == 1:
            drips.append((s.fileno(), s))
        st["open"] += 1
        st["opened"] += 1
        return True

    def close_one(fd, data):
        s, kind = conns[fd][0], conns[fd][1]
        sel.unregister(s)
        s.close()
        del conns[fd]
        st["open"] -= 1
        if data:
            m = re.match(rb"HTTP/1\.\d (\d{3})", data)
            k = m.group(1).decode() if m else "other"
            st["replies"][k] = st["replies"].get(k, 0) + 1
        else:
            st["closed_silent"] += 1
        return kind

    reopen = []                # kinds to reopen now
    later = collections.deque()  # (time, kind): refused ones (503, the cap) are reopened after REFUSED_PAUSE s
    t_start = last_print = last_drip = last_open = time.monotonic()
    credit = 0.0
    open_credit = 0.0
    while not stop:
        # open up to n, paced
        now = time.monotonic()
        while later and later[0][0] <= now:
            reopen.append(later.popleft()[1])
        open_credit = min(open_credit + (now - last_open) * rate, rate / 20.0)
        last_open = now
        while len(conns) + len(later) < n and open_credit >= 1 and not stop:
            if not open_one(reopen.pop() if reopen else len(conns) % 2):
                break
            open_credit -= 1
        for key, _ in sel.select(timeout=0.02):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            kind = close_one(key.fd, data)
            if data.startswith(b"HTTP/1.1 503"):
                later.append((time.monotonic() + REFUSED_PAUSE, kind))
            else:
                reopen.append(kind)
            st["reopened"] += 1
        # drip: len(drips) / drip_s bytes per second, round robin
        now = time.monotonic()
        credit = min(credit + (now - last_drip) * len(drips) / drip_s, len(drips))
        last_drip = now
        while credit >= 1 and drips:
            fd, s = drips.popleft()
            c = conns.get(fd)
            if c is None or c[0] is not s:
                continue                  # closed since
            credit -= 1
            b = prefix if c[2] == 0 else b"a"
            try:
                s.send(b)
                c[2] += len(b)
                st["drip_bytes"] += 1
            except OSError:
                pass
            drips.append((fd, s))
        if now - last_print >= 1.0:
            last_print = now
            print(json.dumps(dict(st, t=round(now - t_start, 1))))
            sys.stdout.flush()
    for fd in list(conns):
        conns[fd][0].close()


class Load:
    """n connections held by ceil(n / PER_LOAD_PROCESS) load processes."""

    def __init__(self, port, n, drip_s, rate):
        k = (n + PER_LOAD_PROCESS - 1) // PER_LOAD_PROCESS
        shares = [n // k + (1 if i < n % k else 0) for i in range(k)]
        self.ps = [subprocess.Popen([sys.executable, "-S", os.path.abspath(__file__), "load", str(port), str(m),
                                     str(drip_s), str(rate / k)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
                   for m in shares]
        self.last = [{} for _ in self.ps]
        self.lock = threading.Lock()
        for i, p in enumerate(self.ps):
            threading.Thread(target=self._read, args=(i, p), daemon=True).start()

    def _read(self, i, p):
        for line in p.stdout:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.last[i] = d

    def alive(self):
        return all(p.poll() is None for p in self.ps)

    def status(self):
        """The processes' last status lines added up (t: the smallest)."""
        out = {"replies": {}}
        with self.lock:
            for d in self.last:
                for k, v in d.items():
                    if k == "replies":
                        for code, m in v.items():
                            out["replies"][code] = out["replies"].get(code, 0) + m
                    elif k == "t":
                        out["t"] = min(out.get("t", v), v)
                    else:
                        out[k] = out.get(k, 0) + v
        return out

    def stop(self):
        for p in self.ps:
            p.stdin.close()
        for p in self.ps:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# ---- held bodies -----------------------------------------------------------------------------------

def upload(port, declared, send, chunk, res, i):
    """Declare `declared` bytes, send `send` of them, hold; res[i] = what happened."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(b"POST /v1/verify?from=hk HTTP/1.1\r\nHost: bench\r\nContent-Type: application/cms\r\n"
                  b"Content-Length: %d\r\n\r\n" % declared)
        s.settimeout(0.5)
        try:
            d = s.recv(4096)
            m = re.match(rb"HTTP/1\.\d (\d{3})", d or b"")
            code = re.search(rb'"code":"(\w+)"', d or b"")
            res[i] = ("refused %s %s" % (m.group(1).decode() if m else "?", code.group(1).decode() if code else "")
                      if d else "closed", s)
            return
        except socket.timeout:
            pass
        s.settimeout(120)
        sent = 0
        while sent < send:
            s.sendall(chunk[:min(len(chunk), send - sent)])
            sent += min(len(chunk), send - sent)
        res[i] = ("held", s)
    except OSError as e:
        res[i] = ("error %s" % type(e).__name__, None)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        cmd_load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--conns", type=int, default=20000)
    ap.add_argument("--drip-s", type=float, default=3.0)
    ap.add_argument("--open-rate", type=float, default=4000.0, help="hostile connections opened per second, at most")
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--uploads", type=int, default=60)
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    nofile = raise_nofile(NOFILE)
    objs = bench.make_objects(a)
    with open(objs["rsa"], "rb") as f:
        obj = f.read()
    d = Daemon(a)
    print("sigbridge make bench-hostile — %d cores shared by the daemon, the load process and the probes" %
          (os.cpu_count() or 0))
    print("daemon: conf/sigbridge.yaml values, max_connections %d; open files: script %d, daemon %s" % (
        MAX_CONNECTIONS, nofile, d.nofile()))
    results = {}
    try:
        # the baseline
        rss0 = d.rss()
        print("\n[baseline] daemon VmRSS %.1f MiB" % (rss0 / 1024.0))
        probes(a, d, obj, "quiet", True)

        # hostile connections
        print("\n[hostile] %d connections: %d idle, %d dripping a header byte every %g s, reopened when closed"
              % (a.conns, a.conns - a.conns // 2, a.conns // 2, a.drip_s))
        lo0, cpu_h0, t_h0 = listen_overflows(), d.cpu_s(), time.monotonic()
        load = Load(d.api, a.conns, a.drip_s, a.open_rate)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            s = load.status()
            if s.get("open", 0) >= a.conns:
                break
            if not load.alive():
                die("a load process exited")
            time.sleep(0.5)
        s = load.status()
        t_fill = time.monotonic() - t0
        time.sleep(3)
        g = d.gauge()
        print("  %d open on the client side after %.1f s (connect errors %d); 3 s later sigbridge_connections %d;"
              " daemon VmRSS %.1f MiB" % (s.get("open", 0), t_fill, s.get("connect_errors", 0), g, d.rss() / 1024.0))
        sys.stdout.flush()
        results["hostile"] = probes(a, d, obj, "hostile", True, gap=12.0 / a.probes)
        s = load.status()
        g = d.gauge()
        rss_h = d.rss()
        print("  load after the probes (%.0f s): %d open, %d opened in all, %d closed by the daemon (%d silently, "
              "replies %s), %d connect errors; sigbridge_connections %d; daemon VmRSS %.1f MiB" % (
                  s.get("t", 0), s.get("open", 0), s.get("opened", 0), s.get("reopened", 0),
                  s.get("closed_silent", 0), json.dumps(s.get("replies", {})), s.get("connect_errors", 0), g,
                  rss_h / 1024.0))
        print("  during the hostile phase (%.0f s): the daemon used %.0f%% of a core; listen queue overflows "
              "(TcpExtListenOverflows, SYNs dropped) %d" % (time.monotonic() - t_h0, 100 * (d.cpu_s() - cpu_h0) /
                                                            (time.monotonic() - t_h0), listen_overflows() - lo0))
        load.stop()
        time.sleep(2)
        print("  load stopped: sigbridge_connections %d" % d.gauge())

        # held bodies
        print("\n[bodies] %d connections declaring %d bytes (max_body), sending %d and holding" % (
            a.uploads, 10 * MIB, 9 * MIB))
        rss_b0, hwm_b0, cpu_b0 = d.rss(), d.hwm(), d.cpu_s()
        chunk = os.urandom(MIB)
        res = [None] * a.uploads
        ts = [threading.Thread(target=upload, args=(d.api, 10 * MIB, 9 * MIB, chunk, res, i))
              for i in range(a.uploads)]
        tb = time.monotonic()
        for t in ts:
            t.start()
        peak = rss_b0
        while any(t.is_alive() for t in ts) and time.monotonic() - tb < 300:
            peak = max(peak, d.rss())
            time.sleep(0.2)
        for t in ts:
            t.join(1)
        t_up = time.monotonic() - tb
        cpu_up = d.cpu_s() - cpu_b0
        time.sleep(1.0)
        rss_b1, hwm_b1 = d.rss(), d.hwm()
        c0 = d.cpu_s()
        time.sleep(3.0)
        cpu_hold = (d.cpu_s() - c0) / 3.0
        peak = max(peak, rss_b1)
        outcomes = {}
        for r in res:
            k = r[0] if r else "unfinished"
            outcomes[k] = outcomes.get(k, 0) + 1
        probes_b = probes(a, d, obj, "bodies", False)
        held = outcomes.get("held", 0)
        print("  outcomes: %s; the held bodies (%d MiB) were sent in %.1f s (%.0f MiB/s), the daemon used %.1f s "
              "of CPU meanwhile; holding them it uses %.0f%% of a core" % (
                  ", ".join("%s x%d" % kv for kv in sorted(outcomes.items())), held * 9, t_up,
                  held * 9 / max(t_up, 0.001), cpu_up, 100 * cpu_hold))
        print("  daemon VmRSS %.1f -> %.1f MiB (sampled peak %.1f), VmHWM %.1f -> %.1f MiB" % (
            rss_b0 / 1024.0, rss_b1 / 1024.0, peak / 1024.0, hwm_b0 / 1024.0, hwm_b1 / 1024.0))
        for r in res:
            if r and r[1] is not None:
                r[1].close()
        time.sleep(1.0)
        print("  bodies dropped: daemon VmRSS %.1f MiB; /healthz %s" % (
            d.rss() / 1024.0, bench.http("http://127.0.0.1:%d/healthz" % d.adm, timeout=10)[0]))
    finally:
        d.stop()
        for f in ("hostile-audit.jsonl",):
            try:
                os.unlink(os.path.join(a.out, f))
            except OSError:
                pass

    # goals
    h = results["hostile"]
    growth = max(rss_b1, peak) - rss_b0
    rows = [
        ("admin /healthz p95 with %d hostile connections" % a.conns, pct(h["admin_healthz"][0], 95), HEALTHZ_P95_MS,
         "ms", not h["admin_healthz"][1]),
        ("keep-alive /v1/verify p95 with %d hostile connections" % a.conns, pct(h["verify"][0], 95), VERIFY_P95_MS,
         "ms", not h["verify"][1]),
        ("RSS growth, %d held 9 MiB bodies (peak - before)" % a.uploads, growth / 1024.0,
         (PENDING + 64 * MIB) / float(MIB), "MiB", True),
    ]
    print("\n%-60s %10s %10s  %s" % ("goal", "measured", "limit", "result"))
    for name, v, lim, unit, clean in rows:
        met = v == v and v < lim and clean
        print("%-60s %7.1f %-2s %7.1f %-2s  %s" % (name, v, unit, lim, unit,
                                                   "met" if met else "MISSED" + ("" if clean else " (failures)")))
    print("(VmHWM over the whole run: %.1f MiB; bodies probes: verify %s)" % (
        hwm_b1 / 1024.0, summary(*probes_b["verify"])))
    print("\n(total %.0f s; timing only — never asserted by tests)" % (time.time() - t_start))


if __name__ == "__main__":
    main()

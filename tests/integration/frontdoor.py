#!/usr/bin/env python3
"""tests/integration/frontdoor.py — the raw-socket clients of test_gateway_frontdoor.sh (issue 20, "the front
door against hostile clients"); never run on its own (the Makefile runs tests/integration/test_*.sh only).

One subcommand per part of the test, each against a daemon the shell script started:
  framing   request-framing attacks (RFC 9112): each gets exactly one 400 (or 501/505/431/405/413/417)
            JSON error reply, then the connection closes and nothing after it is processed — the smuggled
            request pipelined behind each never reaches the proxy route's upstream; the valid cases
            (pipelining, chunked, Expect: 100-continue, HEAD/GET with a body) are answered in order
  early     refusals answered right after the headers, the body never sent, then the connection closes
  timeouts  limits.header_timeout_ms (408 with bytes received, silent close without), idle_timeout_s
            between keep-alive requests, limits.body_min_rate (408)
  pending   limits.pending_body_bytes: a declared 9 MiB body is refused 503 while a 10 MiB upload is half
            sent; the upload then completes with TOTAL_PASSED
  conns     limits.max_connections / admin_connections and the sigbridge_connections gauge
  tls       close_notify on every close of a TLS connection; early refusals by the access lists
  accounting every error reply seen (recorded in --rids) has its access-log line (same request id and
            status) and is counted in sigbridge_requests_total
Every error reply must be {"error":{"code","message","status"}} with Content-Type application/json and an
X-Request-Id. Prints "ok   NAME" or "FAIL NAME: why" per check; the script counts them.
"""
import argparse
import http.client
import json
import os
import re
import select
import socket
import ssl
import sys
import threading
import time

A = None                 # the parsed arguments
SEEN = []                # (request id, status) of every error reply checked, for `accounting`
LOCK = threading.Lock()
OUT = []                 # result lines, printed in order at the end of each part


def report(name, problems):
    # the script prints these with dash's echo, which expands backslash escapes
    name, problems = name.replace("\\", "\\\\"), [x.replace("\\", "\\\\") for x in problems]
    with LOCK:
        if problems:
            OUT.append("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            OUT.append("ok   %s" % name)


def flush():
    with LOCK:
        for line in OUT:
            print(line)
        del OUT[:]
    sys.stdout.flush()


# ---- HTTP responses ---------------------------------------------------------------------------------

class Resp:
    def __init__(self, status, line, h, body):
        self.status, self.line, self.h, self.body = status, line, h, body

    def __repr__(self):
        return "%d %r" % (self.status, self.body[:100])


def parse(data, head_at=()):
    """Split data into responses (interim 1xx included); head_at: indexes of final replies that answer a
    HEAD (no body). Returns (responses, the bytes left that are no whole response)."""
    out, i, finals = [], 0, 0
    while i < len(data):
        e = data.find(b"\r\n\r\n", i)
        if e < 0:
            return out, data[i:]
        lines = data[i:e].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3})( .*)?$", lines[0])
        if not m:
            return out, data[i:]
        st, h = int(m.group(1)), {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            h[k.strip().lower()] = v.strip()
        j = e + 4
        if 100 <= st < 200:
            out.append(Resp(st, lines[0], h, b""))
            i = j
            continue
        body = b""
        if finals in head_at or st in (204, 304):
            pass
        elif "chunked" in h.get("transfer-encoding", "").lower():
            while True:
                le = data.find(b"\r\n", j)
                if le < 0:
                    return out, data[i:]
                n = int(data[j:le].split(b";")[0], 16)
                if n == 0:
                    te = data.find(b"\r\n\r\n", le)
                    if te < 0:
                        return out, data[i:]
                    j = te + 4
                    break
                if len(data) < le + 2 + n + 2:
                    return out, data[i:]
                body += data[le + 2:le + 2 + n]
                j = le + 2 + n + 2
        elif "content-length" in h:
            n = int(h["content-length"])
            if len(data) < j + n:
                return out, data[i:]
            body = data[j:j + n]
            j += n
        else:
            body = data[j:]
            j = len(data)
        out.append(Resp(st, lines[0], h, body))
        finals += 1
        i = j
    return out, b""


def finals(rs):
    return [r for r in rs if r.status >= 200]


def error_problems(r, status, code):
    """Why r is not the JSON error reply status/code (empty list: it is). Records its request id."""
    if r is None:
        return ["no reply"]
    p = []
    if r.status != status:
        p.append("HTTP %d (want %d)" % (r.status, status))
    ct = r.h.get("content-type", "")
    if not ct.startswith("application/json"):
        p.append("Content-Type %r (want application/json)" % ct)
    rid = r.h.get("x-request-id")
    if not rid:
        p.append("no X-Request-Id")
    try:
        e = json.loads(r.body)["error"]
        if e.get("code") != code:
            p.append("code %r (want %s)" % (e.get("code"), code))
        if e.get("status") != status:
            p.append("error.status %r (want %d)" % (e.get("status"), status))
        if not isinstance(e.get("message"), str) or not e["message"]:
            p.append("no error.message")
    except Exception:
        p.append("body is not {\"error\":{...}}: %r" % r.body[:160])
    if rid:
        with LOCK:
            SEEN.append((rid, r.status))
    return p


# ---- a client connection ----------------------------------------------------------------------------

class Conn:
    """A client socket (plain, or TLS with ctx) with a receive buffer."""

    def __init__(self, port, ctx=None, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ctx is not None:
            self.s = ctx.wrap_socket(self.s, server_hostname="127.0.0.1", suppress_ragged_eofs=False)
        self.buf = b""
        self.end = None          # None (open), "eof", "reset", "no close_notify" or an error text

    def send(self, b):
        try:
            self.s.sendall(b)
            return True
        except OSError:
            return False

    def _recv(self, timeout):
        """One read of at most timeout s: True if something happened (data or the end)."""
        if self.end is not None:
            return False
        pending = isinstance(self.s, ssl.SSLSocket) and self.s.pending()
        if not pending:
            r, _, _ = select.select([self.s], [], [], max(0.0, timeout))
            if not r:
                return False
        try:
            self.s.settimeout(max(0.05, timeout))
            d = self.s.recv(65536)
        except ssl.SSLEOFError:
            self.end = "no close_notify"
            return True
        except ConnectionResetError:
            self.end = "reset"
            return True
        except socket.timeout:
            return False
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except OSError as e:
            self.end = repr(e)
            return True
        if d == b"":
            self.end = "eof"
        self.buf += d
        return True

    def replies(self, n, timeout=5, head_at=()):
        """Read until n final replies are buffered, the end, or timeout s; returns the parsed replies."""
        deadline = time.monotonic() + timeout
        while True:
            rs, _ = parse(self.buf, head_at)
            if len(finals(rs)) >= n or self.end is not None:
                return rs
            left = deadline - time.monotonic()
            if left <= 0:
                return rs
            self._recv(min(left, 0.5))

    def interim_or_final(self, timeout=5):
        """Read until any response (1xx included) is buffered."""
        deadline = time.monotonic() + timeout
        while True:
            rs, _ = parse(self.buf)
            if rs or self.end is not None or time.monotonic() >= deadline:
                return rs
            self._recv(min(deadline - time.monotonic(), 0.5))

    def until_end(self, timeout=5):
        """Read until the server ends the connection or timeout s: "eof", "reset", "no close_notify", ...,
        or "open" (still open after timeout)."""
        deadline = time.monotonic() + timeout
        while self.end is None and time.monotonic() < deadline:
            self._recv(min(deadline - time.monotonic(), 0.5))
        return self.end or "open"

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def closed_problems(c, rs, timeout=5, head_at=()):
    """After rs were read: the connection must end within timeout s, with no byte beyond rs."""
    how = c.until_end(timeout)
    p = []
    if how not in ("eof", "reset"):
        p.append("connection not closed after the reply (%s %g s later)" % (how, timeout))
    rs2, rest = parse(c.buf, head_at)
    if len(rs2) > len(rs):
        p.append("%d more replies after it: %s" % (len(rs2) - len(rs), [r.status for r in rs2[len(rs):]]))
    elif rest:
        p.append("bytes after the reply: %r" % rest[:80])
    return p


def up_count():
    try:
        with open(A.uplog) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def post_head(path, ctype, length, extra=b""):
    return (b"POST %s HTTP/1.1\r\nHost: gw.test\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
            % (path.encode(), ctype.encode(), length, extra))


def simple(port, req, n=1, timeout=5, head_at=()):
    c = Conn(port)
    c.send(req)
    rs = c.replies(n, timeout, head_at)
    c.close()
    return finals(rs)


# ---- framing ----------------------------------------------------------------------------------------

def part_framing():
    obj = read(A.obj)
    smug = post_head("/up/smuggled", "application/cms", len(obj)) + obj
    H = b"Host: gw.test\r\n"

    # control: the same request sent on its own does reach the upstream
    up0 = up_count()
    rs = simple(A.api, smug.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1))
    time.sleep(0.2)
    report("control: the request smuggled below reaches the upstream when sent on its own (HTTP %s, upstream "
           "+%d)" % (rs[0].status if rs else "-", up_count() - up0),
           [] if rs and rs[0].status == 200 and up_count() == up0 + 1 else ["not forwarded"])

    post = b"POST /up/a HTTP/1.1\r\n" + H
    chunked = post + b"Transfer-Encoding: chunked\r\n\r\n"
    cases = [
        ("two different Content-Length fields", post + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
        ("two equal Content-Length fields", post + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
        ("Content-Length: +5", post + b"Content-Length: +5\r\n\r\nhello"),
        ("Content-Length: 5, 5", post + b"Content-Length: 5, 5\r\n\r\nhello"),
        ("Content-Length: -1", post + b"Content-Length: -1\r\n\r\n"),
        ("chunk size 0x5", chunked + b"0x5\r\nhello\r\n0\r\n\r\n"),
        ("chunk size ' 5' (leading space)", chunked + b" 5\r\nhello\r\n0\r\n\r\n"),
        ("chunk data not followed by CRLF", chunked + b"5\r\nhelloXX\r\n0\r\n\r\n"),
        ("bare LF ending the request line", b"GET /healthz HTTP/1.1\n" + H + b"\r\n"),
        ("bare LF ending every line", b"GET /healthz HTTP/1.1\nHost: gw.test\nX-A: 1\n\n"),
        ("bare CR inside the header block", b"GET /healthz HTTP/1.1\r\nHost: gw.test\rX-A: 1\r\n\r\n"),
        ("obs-fold continuation line", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: 1\r\n 2\r\n\r\n"),
        ("whitespace before the colon (Content-Length : 5)", post + b"Content-Length : 5\r\n\r\nhello"),
        ("Transfer-Encoding and Content-Length", post + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"0\r\n\r\n"),
        ("Transfer-Encoding in HTTP/1.0", b"POST /up/a HTTP/1.0\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
         b"0\r\n\r\n"),
        ("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n"),
        ("two Host fields", b"GET /healthz HTTP/1.1\r\nHost: gw.test\r\nHost: other.test\r\n\r\n"),
        ("chunk size of 17 hex digits", chunked + b"00000000000000005\r\nhello\r\n0\r\n\r\n"),
        ("NUL in a header value", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n"),
        ("two spaces in the request line", b"GET  /healthz HTTP/1.1\r\n" + H + b"\r\n"),
    ]
    up0 = up_count()
    for name, payload in cases:
        one_reply(name + ": one 400 BAD_REQUEST, closed, nothing after it processed", payload + smug, 400,
                  "BAD_REQUEST")
    one_reply("Transfer-Encoding: gzip, chunked: one 501 NOT_IMPLEMENTED, closed",
              post + b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + smug, 501, "NOT_IMPLEMENTED")
    one_reply("header block over max_headers (20 KiB): 431 HEADERS_TOO_LARGE, closed",
              b"GET /healthz HTTP/1.1\r\n" + H + b"X-Big: " + b"b" * 20480 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE")
    # TRACE on existing resources (RFC 9110 §15.5.6: 405 is for a resource that exists; TRACE / may be 404)
    one_reply("TRACE /healthz: 405 METHOD_NOT_ALLOWED",
              b"TRACE /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n" + smug, 405, "METHOD_NOT_ALLOWED")
    one_reply("TRACE on the proxy route: 405 METHOD_NOT_ALLOWED, not forwarded",
              b"TRACE /up/a HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n" + smug, 405, "METHOD_NOT_ALLOWED")
    one_reply("unknown method PROPFIND: 501 NOT_IMPLEMENTED",
              b"PROPFIND /up/a HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n" + smug, 501, "NOT_IMPLEMENTED")
    one_reply("CONNECT host:443: 501 NOT_IMPLEMENTED, closed (no tunnel, no hang)",
              b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n" + smug, 501, "NOT_IMPLEMENTED")
    one_reply("HTTP/2.0 request line: 505 HTTP_VERSION_NOT_SUPPORTED, closed",
              b"GET /healthz HTTP/2.0\r\n" + H + b"\r\n" + smug, 505, "HTTP_VERSION_NOT_SUPPORTED")
    one_reply("h2 connection preface (PRI * HTTP/2.0): 505 HTTP_VERSION_NOT_SUPPORTED, closed",
              b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00", 505,
              "HTTP_VERSION_NOT_SUPPORTED")
    one_reply("Content-Length: 99999999999999999999: 413 BODY_TOO_LARGE, closed",
              post_head("/v1/verify?from=hk", "application/cms", 0).replace(b"Length: 0", b"Length: " + b"9" * 20)
              + smug, 413, "BODY_TOO_LARGE")
    one_reply("lower-case method get (methods are case-sensitive): 501 NOT_IMPLEMENTED",
              b"get /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n" + smug, 501, "NOT_IMPLEMENTED")
    one_reply("chunked body announcing more than max_body in a chunk-size line: 413 BODY_TOO_LARGE, closed",
              b"POST /v1/verify?from=hk HTTP/1.1\r\n" + H + b"Content-Type: application/cms\r\n"
              b"Transfer-Encoding: chunked\r\n\r\nA00001\r\n" + b"x" * 1000, 413, "BODY_TOO_LARGE")
    time.sleep(0.5)
    n = up_count() - up0
    report("none of the %d smuggled requests reached the upstream (it got %d)" % (len(cases) + 10, n),
           [] if n == 0 else ["%d reached it" % n])

    # valid: pipelined requests answered in order, the last one closing
    body = obj
    c = Conn(A.api)
    c.send(b"GET /healthz HTTP/1.1\r\n" + H + b"\r\n" + post_head("/v1/verify?from=hk", "application/cms", len(body))
           + body + b"HEAD /healthz HTTP/1.1\r\n" + H + b"\r\n" + b"GET /v1/policies HTTP/1.1\r\n" + H + b"\r\n"
           + b"GET /readyz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    rs = finals(c.replies(5, 10, head_at=(2,)))
    p = []
    try:
        want = [200] * 5
        if [r.status for r in rs] != want:
            p.append("statuses %s (want %s)" % ([r.status for r in rs], want))
        else:
            if json.loads(rs[0].body).get("status") != "ok":
                p.append("1st is not /healthz: %r" % rs[0].body[:80])
            if json.loads(rs[1].body).get("indication") != "TOTAL_PASSED":
                p.append("2nd is not the verdict: %r" % rs[1].body[:80])
            if rs[2].body != b"" or "content-length" not in rs[2].h:
                p.append("3rd (HEAD) has a body or no Content-Length")
            if "ready" in json.loads(rs[3].body) or "status" in json.loads(rs[3].body):
                p.append("4th is not /v1/policies: %r" % rs[3].body[:80])
            if "ready" not in json.loads(rs[4].body):
                p.append("5th is not /readyz: %r" % rs[4].body[:80])
    except ValueError as e:
        p.append("a body is not JSON (%s)" % e)
    p += closed_problems(c, c.replies(5, 0, head_at=(2,)), 5, head_at=(2,))
    c.close()
    report("five pipelined requests (GET, POST verify, HEAD, GET, GET close) answered in order, then closed", p)

    # valid chunked body, then a pipelined request on the same connection
    c = Conn(A.api)
    half = len(obj) // 2
    c.send(b"POST /v1/verify?from=hk HTTP/1.1\r\n" + H + b"Content-Type: application/cms\r\nTransfer-Encoding: "
           b"chunked\r\n\r\n" + b"%x\r\n" % half + obj[:half] + b"\r\n" + b"%x;ext=1\r\n" % (len(obj) - half)
           + obj[half:] + b"\r\n0\r\n\r\n" + b"GET /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    rs = finals(c.replies(2, 10))
    p = []
    if [r.status for r in rs] != [200, 200]:
        p.append("statuses %s (want [200, 200])" % [r.status for r in rs])
    elif b'"TOTAL_PASSED"' not in rs[0].body or b'"ok"' not in rs[1].body:
        p.append("bodies %r / %r" % (rs[0].body[:80], rs[1].body[:80]))
    c.close()
    report("a valid chunked body (with a chunk extension) verifies, the pipelined GET after it is answered", p)

    # HEAD / GET with a Content-Length body: the body is the request's, never a second request
    for method in ("HEAD", "GET"):
        up0 = up_count()
        c = Conn(A.api)
        c.send(b"%s /healthz HTTP/1.1\r\n" % method.encode() + H + b"Content-Length: %d\r\n\r\n" % len(smug) + smug
               + b"GET /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
        head_at = (0,) if method == "HEAD" else ()
        rs = finals(c.replies(2, 5, head_at=head_at))
        p = []
        if [r.status for r in rs] != [200, 200]:
            p.append("replies %s (want [200, 200]: the %s and the GET after its body)" % ([r.status for r in rs],
                                                                                          method))
        elif b'"ok"' not in rs[1].body:
            p.append("2nd reply %r" % rs[1].body[:80])
        p += closed_problems(c, c.replies(2, 0, head_at=head_at), 5, head_at=head_at)
        c.close()
        time.sleep(0.2)
        if up_count() != up0:
            p.append("the request in the body reached the upstream")
        report("%s with a Content-Length body holding a request: the body is consumed, the request in it never "
               "parsed nor forwarded" % method, p)

    # Expect
    c = Conn(A.api)
    c.send(post_head("/v1/verify?from=hk", "application/cms", len(obj), b"Expect: 100-continue\r\nConnection: close\r\n"))
    rs = c.interim_or_final(5)
    p = []
    if not rs or rs[0].status != 100 or not rs[0].line.startswith("HTTP/1.1 100"):
        p.append("first response %s (want HTTP/1.1 100 Continue before the body)" % (rs[0].line if rs else "none"))
    c.send(obj)
    rs = finals(c.replies(1, 10))
    if not rs or rs[0].status != 200 or b'"TOTAL_PASSED"' not in rs[0].body:
        p.append("final reply %r" % rs)
    c.close()
    report("Expect: 100-continue: interim 100 Continue before the body is sent, then 200 TOTAL_PASSED", p)


def one_reply(name, payload, status, code):
    """payload sent at once, the write side left open: exactly one reply status/code, then the server
    closes (within 5 s) with nothing after it; the upstream count is checked by the caller."""
    up0 = up_count()
    c = Conn(A.api)
    c.send(payload)
    rs = c.replies(1, 5)
    p = []
    f = finals(rs)
    if len(rs) != len(f):
        p.append("an interim reply %s" % [r.line for r in rs if r.status < 200])
    if not f:
        p.append("no reply (%s; got %r)" % (c.end or "open", c.buf[:80]))
    else:
        p += error_problems(f[0], status, code)
        p += closed_problems(c, rs, 5)
    c.close()
    time.sleep(0.05)
    if up_count() != up0:
        p.append("the request after it reached the upstream")
    report(name, p)


# ---- early refusals ---------------------------------------------------------------------------------

def refused_early(name, port, head, status, code, ctx=None, check=None):
    """head sent, the body never: the reply status/code within 5 s, then the connection closes."""
    p = []
    try:
        c = Conn(port, ctx)
    except (OSError, ssl.SSLError) as e:
        report(name, ["connect/handshake failed: %r" % e])
        return
    t0 = time.monotonic()
    c.send(head)
    rs = finals(c.replies(1, 5))
    dt = time.monotonic() - t0
    if not rs:
        p.append("no reply %.1f s after the headers without the body (%s)" % (dt, c.end or "open"))
    else:
        p += error_problems(rs[0], status, code)
        if check is not None:
            p += check(rs[0])
        p += closed_problems(c, rs, 5)
    c.close()
    report(name, p)


def part_early():
    mib = 1 << 20
    cms = "application/cms"
    refused_early("unknown route: 404 NOT_FOUND before the body", A.api, post_head("/nope", cms, mib), 404,
                  "NOT_FOUND")
    refused_early("unknown jurisdiction: 404 UNKNOWN_JURISDICTION before the body", A.api,
                  post_head("/v1/verify?from=zz", cms, mib), 404, "UNKNOWN_JURISDICTION")
    refused_early("wrong Content-Type: 415 UNSUPPORTED_MEDIA_TYPE before the body", A.api,
                  post_head("/v1/verify?from=hk", "text/plain", mib), 415, "UNSUPPORTED_MEDIA_TYPE")
    refused_early("Content-Length max_body + 1: 413 BODY_TOO_LARGE before the body", A.api,
                  post_head("/v1/verify?from=hk", cms, 10 * mib + 1), 413, "BODY_TOO_LARGE")
    refused_early("wrong method (PUT /v1/verify): 405 METHOD_NOT_ALLOWED with Allow: POST, before the body", A.api,
                  post_head("/v1/verify?from=hk", cms, mib).replace(b"POST", b"PUT", 1), 405, "METHOD_NOT_ALLOWED",
                  check=lambda r: [] if r.h.get("allow") == "POST" else ["Allow %r" % r.h.get("allow")])
    refused_early("Expect: something: 417 EXPECTATION_FAILED before the body", A.api,
                  post_head("/v1/verify?from=hk", cms, mib, b"Expect: something\r\n"), 417, "EXPECTATION_FAILED")
    refused_early("proxy route, Content-Length over max_body: 413 before the body", A.api,
                  post_head("/up/big", cms, 10 * mib + 1), 413, "BODY_TOO_LARGE")


# ---- timeouts ---------------------------------------------------------------------------------------

def drip_until_reply(c, step, deadline_s):
    """Send step() bytes every 0.1 s until a reply or the end arrives, or deadline_s; returns the time of
    the first reply or end (monotonic) or None."""
    t_end = time.monotonic() + deadline_s
    while time.monotonic() < t_end:
        if c._recv(0.1) and (parse(c.buf)[0] or c.end is not None):
            return time.monotonic()
        c.send(step())
    return None


def t_drip_header():
    name = "a header block dripped a byte / 0.1 s is cut at header_timeout_ms (1 s): 408 REQUEST_TIMEOUT, closed"
    c = Conn(A.api)
    t0 = time.monotonic()
    c.send(b"GET /healthz HTTP/1.1\r\nHost: gw.test\r\nX-Drip: ")
    t = drip_until_reply(c, lambda: b"a", 8)
    rs = finals(c.replies(1, 0.5))
    p = []
    if t is None:
        p.append("still open after 8 s")
    elif not rs:
        p.append("closed after %.1f s without the 408 (%s)" % (t - t0, c.end))
    else:
        p += error_problems(rs[0], 408, "REQUEST_TIMEOUT")
        if t - t0 < 0.9:
            p.append("cut after %.2f s, before header_timeout_ms" % (t - t0))
        p += closed_problems(c, rs, 5)
    c.close()
    report(name + (" (%.1f s)" % (t - t0) if t else ""), p)


def t_silent():
    name = "a new connection that sends nothing is closed silently at header_timeout_ms"
    c = Conn(A.api)
    t0 = time.monotonic()
    how = c.until_end(8)
    dt = time.monotonic() - t0
    p = []
    if how not in ("eof", "reset"):
        p.append("still %s after 8 s" % how)
    elif c.buf:
        p.append("bytes sent: %r" % c.buf[:80])
    elif dt < 0.9 or dt > 4.5:
        p.append("closed after %.2f s: not at header_timeout_ms (1 s; idle_timeout_s is 6 s)" % dt)
    c.close()
    report(name + " (%.1f s)" % dt, p)


def t_keepalive():
    name = ("keep-alive: idle 1.6 s between requests is allowed (idle_timeout_s), the next request dripped "
            "from its first byte is cut at header_timeout_ms: 408, closed")
    c = Conn(A.api)
    p = []
    req = b"GET /healthz HTTP/1.1\r\nHost: gw.test\r\n\r\n"
    c.send(req)
    if [r.status for r in finals(c.replies(1, 5))] != [200]:
        p.append("1st request not answered 200")
    time.sleep(1.6)
    c.send(req)
    if [r.status for r in finals(c.replies(2, 5))] != [200, 200]:
        p.append("2nd request after 1.6 s idle not answered 200 (%s)" % (c.end or "open"))
    n = len(finals(parse(c.buf)[0]))
    time.sleep(1.6)
    t0 = time.monotonic()
    c.send(b"G")
    t = drip_until_reply(c, iter_bytes(b"ET /healthz HTTP/1.1\r\nHost: gw.test\r\nX-Drip: " + b"a" * 200), 8)
    rs = finals(c.replies(n + 1, 0.5))[n:]
    if t is None:
        p.append("3rd request dripped: still open after 8 s")
    elif not rs:
        p.append("3rd request dripped: closed after %.1f s without the 408 (%s)" % (t - t0, c.end))
    else:
        p += error_problems(rs[0], 408, "REQUEST_TIMEOUT")
        if t - t0 < 0.9:
            p.append("cut %.2f s after the first byte" % (t - t0))
        p += closed_problems(c, finals(parse(c.buf)[0]), 5)
    c.close()
    report(name, p)


def iter_bytes(b):
    it = iter(b)

    def step():
        try:
            return bytes([next(it)])
        except StopIteration:
            return b""
    return step


def t_idle():
    name = "keep-alive: an idle connection after a reply is closed silently at idle_timeout_s (6 s)"
    c = Conn(A.api)
    c.send(b"GET /healthz HTTP/1.1\r\nHost: gw.test\r\n\r\n")
    rs = finals(c.replies(1, 5))
    t0 = time.monotonic()
    how = c.until_end(12)
    dt = time.monotonic() - t0
    p = []
    if [r.status for r in rs] != [200]:
        p.append("request not answered 200")
    if how not in ("eof", "reset"):
        p.append("still %s after 12 s" % how)
    elif len(finals(parse(c.buf)[0])) != 1 or parse(c.buf)[1]:
        p.append("bytes sent at the close: %r" % c.buf[-80:])
    elif dt < 5.5:
        p.append("closed after %.1f s, before idle_timeout_s" % dt)
    c.close()
    report(name + " (%.1f s)" % dt, p)


def t_trickle():
    name = "a body trickled at 256 B/s (body_min_rate 1 KiB/s) is cut after the grace: 408 REQUEST_TIMEOUT, closed"
    c = Conn(A.api)
    c.send(post_head("/v1/verify?from=hk", "application/cms", 65536))
    t0 = time.monotonic()
    t_end = t0 + 10
    t = None
    while time.monotonic() < t_end:
        if c._recv(0.25) and (parse(c.buf)[0] or c.end is not None):
            t = time.monotonic()
            break
        c.send(b"0" * 64)
    rs = finals(c.replies(1, 0.5))
    p = []
    if t is None:
        p.append("still open after 10 s")
    elif not rs:
        p.append("closed after %.1f s without the 408 (%s)" % (t - t0, c.end))
    else:
        p += error_problems(rs[0], 408, "REQUEST_TIMEOUT")
        if t - t0 < 0.9:
            p.append("cut %.2f s after the headers, inside the grace" % (t - t0))
        p += closed_problems(c, rs, 5)
    c.close()
    report(name + (" (%.1f s)" % (t - t0) if t else ""), p)


def t_slow_ok():
    obj = read(A.mid)
    name = "a %d-byte body sent in 6 parts over 1.5 s (above body_min_rate) is served: 200 TOTAL_PASSED" % len(obj)
    c = Conn(A.api)
    c.send(post_head("/v1/verify?from=hk", "application/cms", len(obj), b"Connection: close\r\n"))
    k = (len(obj) + 5) // 6
    for i in range(6):
        if i:
            time.sleep(0.3)
        c.send(obj[i * k:(i + 1) * k])
    rs = finals(c.replies(1, 10))
    p = []
    if not rs or rs[0].status != 200 or b'"TOTAL_PASSED"' not in rs[0].body:
        p.append("reply %r (%s)" % (rs, c.end))
    c.close()
    report(name, p)


def part_timeouts():
    ts = [threading.Thread(target=f) for f in (t_drip_header, t_silent, t_keepalive, t_idle, t_trickle, t_slow_ok)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


# ---- pending body bytes -----------------------------------------------------------------------------

def part_pending():
    big = read(A.big)
    mib = 1 << 20
    p = []
    c1 = Conn(A.api, timeout=30)
    c1.send(post_head("/v1/verify?from=hk", "application/cms", len(big), b"Connection: close\r\n"))
    half = len(big) // 2
    ok1 = c1.send(big[:half])
    time.sleep(0.3)
    if c1._recv(0.01) and (c1.buf or c1.end):
        p.append("the 10 MiB upload was answered after its first half: %r" % c1.buf[:120])
    v = metric("sigbridge_pending_body_bytes")
    report("sigbridge_pending_body_bytes holds the declared length of the half-sent upload (%s, want %d)"
           % (v, len(big)), [] if v == len(big) else ["%s" % v])
    t0 = time.monotonic()
    refused_early("pending_body_bytes (16 MiB): with a 10 MiB upload half sent, a request declaring 9 MiB gets "
                  "503 OVERLOADED with Retry-After right after its headers, then closed", A.api,
                  post_head("/v1/verify?from=hk", "application/cms", 9 * mib), 503, "OVERLOADED",
                  check=lambda r: [] if r.h.get("retry-after") else ["no Retry-After"])
    dt = time.monotonic() - t0
    ok1 = ok1 and c1.send(big[half:])
    rs = finals(c1.replies(1, 30))
    if not ok1:
        p.append("sending the upload failed (%s)" % c1.end)
    if not rs or rs[0].status != 200 or b'"TOTAL_PASSED"' not in rs[0].body:
        p.append("reply %r (%s)" % (rs, c1.end))
    c1.close()
    report("the %d-byte upload then completes: 200 TOTAL_PASSED (the 503 took %.1f s)" % (len(big), dt), p)
    # the bytes are released: the same upload again, on its own
    c = Conn(A.api, timeout=30)
    c.send(post_head("/v1/verify?from=hk", "application/cms", len(big), b"Connection: close\r\n") + big)
    rs = finals(c.replies(1, 30))
    c.close()
    report("afterwards the pending bytes are released: the upload again: 200 TOTAL_PASSED",
           [] if rs and rs[0].status == 200 and b'"TOTAL_PASSED"' in rs[0].body else ["reply %r" % rs])
    v = metric("sigbridge_pending_body_bytes")
    report("sigbridge_pending_body_bytes back to 0 (%s)" % v, [] if v == 0 else ["%s" % v])


# ---- connection caps and gauge ----------------------------------------------------------------------

def metric(name):
    """The value of the unlabelled sample name on the admin /metrics (int), or a text saying why not."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", A.adm, timeout=5)
        c.request("GET", "/metrics")
        b = c.getresponse().read().decode()
        c.close()
    except (OSError, http.client.HTTPException) as e:
        return "error %r" % e
    m = re.search(r"^%s (\d+)" % re.escape(name), b, re.M)
    return int(m.group(1)) if m else "absent"


def gauge():
    try:
        c = http.client.HTTPConnection("127.0.0.1", A.adm, timeout=5)
        c.request("GET", "/metrics")
        r = c.getresponse()
        b = r.read().decode()
        c.close()
    except (OSError, http.client.HTTPException) as e:
        return "error %r" % e
    m = re.search(r"^sigbridge_connections (\d+)", b, re.M)
    return int(m.group(1)) if m else "absent"


def healthz(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except (OSError, http.client.HTTPException) as e:
        return repr(e)


def over_cap(name, port):
    c = Conn(port)
    c.send(b"GET /healthz HTTP/1.1\r\nHost: gw.test\r\n\r\n")
    rs = finals(c.replies(1, 5))
    p = error_problems(rs[0] if rs else None, 503, "OVERLOADED")
    if rs:
        p += closed_problems(c, rs, 5)
    c.close()
    report(name, p)


def fill(port, n):
    """n idle connections the daemon has accepted under its cap: one refused because a connection closed just
    before was not yet freed by the daemon (a race of the test, not of the cap) is replaced."""
    conns = [Conn(port) for _ in range(n)]
    for _ in range(5):
        time.sleep(0.3)
        refused = [c for c in conns if c._recv(0) or c.end is not None]
        if not refused:
            break
        for c in refused:
            c.close()
            conns.remove(c)
        time.sleep(0.3)
        conns += [Conn(port) for _ in refused]
    return conns


def part_conns():
    g0 = gauge()
    idle = fill(A.api, A.max_conns)
    g = gauge()
    report("sigbridge_connections counts %d accepted connections that sent nothing (%s, before %s; the metrics "
           "request's own connection may count)" % (A.max_conns, g, g0),
           [] if isinstance(g, int) and isinstance(g0, int) and A.max_conns <= g - g0 + 1 <= A.max_conns + 1
           else ["gauge %s, before %s" % (g, g0)])
    st = healthz(A.adm)
    report("API listener full (max_connections %d idle connections): admin /healthz 200 (%s)" % (A.max_conns, st),
           [] if st == 200 else ["admin /healthz %s" % st])
    over_cap("API listener full: one more API connection gets 503 OVERLOADED, then closed", A.api)
    for c in idle:
        c.close()
    time.sleep(0.5)
    st = healthz(A.api)
    g = gauge()
    report("the idle connections closed: API served again (%s), the gauge back down (%s)" % (st, g),
           [] if st == 200 and isinstance(g, int) and isinstance(g0, int) and g <= g0 + 1 else ["API %s gauge %s" % (st, g)])

    adm = fill(A.adm, A.admin_conns)
    over_cap("admin listener full (admin_connections %d): one more admin connection gets 503 OVERLOADED, then "
             "closed" % A.admin_conns, A.adm)
    st = healthz(A.api)
    report("admin listener full: the API listener still serves /healthz (%s)" % st, [] if st == 200 else [str(st)])
    for c in adm:
        c.close()
    time.sleep(0.5)
    st = healthz(A.adm)
    report("the admin connections closed: admin /healthz 200 again (%s)" % st, [] if st == 200 else [str(st)])


# ---- TLS --------------------------------------------------------------------------------------------

def tls_ctx(who):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(A.tls, "ca.pem"))
    ctx.load_cert_chain(os.path.join(A.tls, who + ".pem"), os.path.join(A.tls, who + ".key"))
    return ctx


def tls_case(name, port, who, req, status, code=None, n=1):
    p = []
    try:
        c = Conn(port, tls_ctx(who))
    except (OSError, ssl.SSLError) as e:
        report(name, ["connect/handshake failed: %r" % e])
        return
    c.send(req)
    rs = finals(c.replies(n, 5))
    if not rs:
        p.append("no reply (%s)" % c.end)
    elif code is not None:
        p += error_problems(rs[-1], status, code)
    elif rs[-1].status != status:
        p.append("HTTP %d (want %d)" % (rs[-1].status, status))
    how = c.until_end(5)
    if how != "eof":
        p.append("the connection ended with %s (want close_notify: recv() == b'')" % how)
    c.close()
    report(name, p)


def part_tls():
    H = b"Host: 127.0.0.1\r\n"
    mib = 1 << 20
    tls_case("TLS: after a Connection: close request (200) the server sends close_notify", A.api, "bank-a",
             b"GET /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n", 200)
    tls_case("TLS: after a 400 (bare LF) the server sends close_notify", A.api, "bank-a",
             b"GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n", 400, "BAD_REQUEST")
    tls_case("TLS: after a 408 (half a header block, then nothing past header_timeout_ms) close_notify", A.api,
             "bank-a", b"GET /healthz HTTP/1.1\r\n" + H, 408, "REQUEST_TIMEOUT")
    tls_case("TLS: keep-alive, two requests, the 2nd with Connection: close: both answered, close_notify", A.api,
             "bank-a", b"GET /healthz HTTP/1.1\r\n" + H + b"\r\nGET /readyz HTTP/1.1\r\n" + H
             + b"Connection: close\r\n\r\n", 200, n=2)
    for name, port, who, path, st, code in (
            ("api.clients: a client certificate with no client id", A.api, "bank-x", "/v1/verify?from=hk", 403,
             "FORBIDDEN"),
            ("api.jurisdictions: bank-a asking about cn", A.api, "bank-a", "/v1/verify?from=cn", 403, "FORBIDDEN"),
            ("routes[].clients: bank-b on /pay/", A.api, "bank-b", "/pay/invoice", 403, "FORBIDDEN"),
            ("admin listener: bank-a (not on listeners.admin.tls.clients) POST /admin/reload", A.adm, "bank-a",
             "/admin/reload", 403, "FORBIDDEN")):
        refused_early("TLS early refusal, %s: %d %s before the body, then closed" % (name, st, code), port,
                      post_head(path, "application/cms", mib), st, code, ctx=tls_ctx(who))
    # close_notify on an early refusal as well
    c = Conn(A.api, tls_ctx("bank-x"))
    c.send(post_head("/v1/verify?from=hk", "application/cms", mib))
    rs = finals(c.replies(1, 5))
    how = c.until_end(5)
    c.close()
    report("TLS: after an early refusal (403) the server sends close_notify",
           [] if rs and how == "eof" else ["reply %r, end %s" % (rs, how)])


# ---- accounting -------------------------------------------------------------------------------------

def part_accounting():
    seen = []
    with open(A.rids) as f:
        for line in f:
            rid, st = line.split()
            seen.append((rid, int(st)))
    logged = {}
    with open(A.log, errors="replace") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("msg") == "request":
                logged[d.get("req")] = d.get("status")
    missing = ["%s(%d)->%s" % (rid, st, logged.get(rid)) for rid, st in seen if logged.get(rid) != st]
    report("every error reply seen (%d) has its access-log line with the same request id and status" % len(seen),
           ["%d not: %s" % (len(missing), " ".join(missing[:8]))] if missing else [])
    c = http.client.HTTPConnection("127.0.0.1", A.adm, timeout=5)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    counted = {}
    for m in re.finditer(r'^sigbridge_requests_total\{[^}]*status="(\d+)"[^}]*\} (\d+)', text, re.M):
        counted[int(m.group(1))] = counted.get(int(m.group(1)), 0) + int(m.group(2))
    want = {}
    for _, st in seen:
        want[st] = want.get(st, 0) + 1
    short = ["%d: %d counted, %d seen" % (st, counted.get(st, 0), n) for st, n in sorted(want.items())
             if counted.get(st, 0) < n]
    report("sigbridge_requests_total counts them (%s)" % ", ".join(
        "%d: %d/%d" % (st, counted.get(st, 0), n) for st, n in sorted(want.items())), short)


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("part")
    ap.add_argument("--api", type=int)
    ap.add_argument("--adm", type=int)
    ap.add_argument("--obj")
    ap.add_argument("--mid")
    ap.add_argument("--big")
    ap.add_argument("--uplog")
    ap.add_argument("--rids")
    ap.add_argument("--log")
    ap.add_argument("--tls")
    ap.add_argument("--max-conns", type=int, default=40)
    ap.add_argument("--admin-conns", type=int, default=8)
    A = ap.parse_args()
    try:
        globals()["part_" + A.part]()
    finally:
        flush()
        if A.rids and A.part != "accounting":
            with open(A.rids, "a") as f:
                for rid, st in SEEN:
                    f.write("%s %d\n" % (rid, st))


if __name__ == "__main__":
    main()

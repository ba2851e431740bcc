#!/usr/bin/env python3
"""tests/unit/fetch_server.py — a loopback HTTP server with misbehaving routes, for tests/unit/test_fetch.c.

Binds 127.0.0.1 on a free port (or --port), prints the port on one line of stdout, then serves until killed.
Counts every accepted connection and every request by path+query; GET /__stats answers
{"accepts": <connections accepted, stats ones not counted>, "requests": {"<path?query>": n, ...}} and is not counted.
With --tls CERT KEY it serves https instead.

Routes: /ok, /echo (echoes method, Content-Type, length and body), /status/<n>, /big?n= (Content-Length n),
/stream?n= (chunked, no Content-Length),
/close?n= (no Content-Length, ends when the connection closes), /stall (never answers), /trickle?n= (Content-Length n, one byte
every 500 ms), /slow?ms= (answers after ms), /redirect?to=URL[&code=] (Location: URL), /loop?n= (redirects to
/loop?n=n+1 forever).
"""
import argparse
import json
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.lock = threading.Lock()
        self.accepts = 0
        self.requests = {}

    def verify_request(self, request, client_address):
        with self.lock:
            self.accepts += 1
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="text/plain", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def handle_any(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if u.path == "/__stats":
            with self.server.lock:
                self.server.accepts -= 1          # a stats connection is never counted
                st = {"accepts": self.server.accepts, "requests": dict(self.server.requests)}
            self.reply(200, json.dumps(st).encode(), "application/json")
            return
        with self.server.lock:
            self.server.requests[self.path] = self.server.requests.get(self.path, 0) + 1
        p = u.path
        if p == "/ok":
            self.reply(200, b"hello from fetch_server")
        elif p == "/echo":
            head = "method=%s ctype=%s len=%d\n" % (method, self.headers.get("Content-Type"), len(body))
            self.reply(200, head.encode() + body, "application/x-echo")
        elif p.startswith("/status/"):
            self.reply(int(p[8:]), b"status body")
        elif p == "/big":
            n = int(q["n"][0])
            self.reply(200, b"x" * n, "application/octet-stream")
        elif p == "/stream":
            n = int(q["n"][0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while n > 0:
                    k = min(n, 1024)
                    self.wfile.write(b"%x\r\n" % k + b"y" * k + b"\r\n")
                    self.wfile.flush()
                    n -= k
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
        elif p == "/close":
            n = int(q["n"][0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(0, n, 1024):
                    self.wfile.write(b"c" * min(1024, n - i))
                    self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
        elif p == "/stall":
            time.sleep(30)
            self.close_connection = True
        elif p == "/trickle":
            n = int(q["n"][0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(n):
                    self.wfile.write(b"t")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
        elif p == "/slow":
            time.sleep(int(q["ms"][0]) / 1000.0)
            self.reply(200, b"slow done")
        elif p == "/redirect":
            code = int(q.get("code", ["302"])[0])
            self.reply(code, b"moved", headers=[("Location", q["to"][0])])
        elif p == "/loop":
            n = int(q["n"][0])
            self.reply(302, b"again", headers=[("Location", "/loop?n=%d" % (n + 1))])
        else:
            self.reply(404, b"no such route")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()

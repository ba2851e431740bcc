#!/usr/bin/env python3
"""tests/integration/ocsp_server.py — a misbehaving OCSP responder on loopback for test_gateway_ocsp.sh.

Usage: ocsp_server.py PORT DIR [REDIRECT_BASE]
The first path segment NAME of a request (GET /NAME/<base64 request> or POST /NAME) chooses the answer:
  stall...    accepted and never answered (the connection is held for 60 s);
  trickle...  a 200 head announcing 4000 bytes, then one byte every 500 ms;
  big...      a 200 reply without Content-Length streaming 512 KiB of zeros, then close;
  redirect... 302 to REDIRECT_BASE/redirected;
  slow...     DIR/NAME.der after 2 s;
  otherwise   DIR/NAME.der (application/ocsp-response: canned responses made by `openssl ocsp -respout`) or 404.
Every request except GET /_count is counted by NAME; GET /_count answers the number of counted requests (all
names) as text, GET /_count/NAME those for NAME. Threaded: a stalled request does not stop /_count.
"""
import http.server
import os
import sys
import threading
import time

PORT, DIR = int(sys.argv[1]), sys.argv[2]
REDIRECT = sys.argv[3] if len(sys.argv) > 3 else 'http://127.0.0.1:9/'
counts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype='text/plain', extra=()):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'close')
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def answer(self):
        name = self.path.lstrip('/').split('/', 1)[0].split('?', 1)[0]
        with lock:
            counts[name] = counts.get(name, 0) + 1
        if name.startswith('stall'):
            time.sleep(60)
            return
        if name.startswith('trickle'):
            self.send_response(200)
            self.send_header('Content-Type', 'application/ocsp-response')
            self.send_header('Content-Length', '4000')
            self.end_headers()
            self.wfile.flush()
            for _ in range(4000):
                self.wfile.write(b'0')
                self.wfile.flush()
                time.sleep(0.5)
            return
        if name.startswith('big'):
            self.send_response(200)
            self.send_header('Content-Type', 'application/ocsp-response')
            self.send_header('Connection', 'close')
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b'\0' * 8192)
            return
        if name.startswith('redirect'):
            self.reply(302, b'moved\n', extra=(('Location', REDIRECT.rstrip('/') + '/redirected'),))
            return
        if name.startswith('slow'):
            time.sleep(2)
        path = os.path.join(DIR, name + '.der')
        if not name or not os.path.isfile(path):
            self.reply(404, b'no such response\n')
            return
        with open(path, 'rb') as f:
            self.reply(200, f.read(), 'application/ocsp-response')

    def do_GET(self):
        if self.path == '/_count' or self.path.startswith('/_count/'):
            name = self.path[len('/_count/'):] if self.path.startswith('/_count/') else None
            with lock:
                n = sum(counts.values()) if name is None else counts.get(name, 0)
            self.reply(200, str(n).encode())
            return
        try:
            self.answer()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        if n > 0:
            self.rfile.read(n)
        try:
            self.answer()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(('127.0.0.1', PORT), Handler).serve_forever()

#!/usr/bin/env python3
"""tests/integration/crl_server.py — a CRL distribution point on loopback for test_gateway_crl_fetch.sh.

Usage: crl_server.py PORT DIR MODE   (MODE: serve | stall)
  serve: GET /NAME answers DIR/NAME (application/pkix-crl) or 404.
  stall: every GET /NAME is accepted and never answered (the connection is held for 60 s).
In both modes every request except GET /_count is counted, and GET /_count answers the number of counted
requests (all paths) as text, GET /_count/NAME those for /NAME. Threaded: a stalled request does not stop
/_count from being answered. serve: when DIR/NAME.delay exists, the answer for /NAME waits that many seconds
(a float), and GET /_done/NAME answers how many answers for /NAME were completely sent.
"""
import http.server
import os
import sys
import threading
import time

PORT, DIR, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
counts = {}
done = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype='text/plain'):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == '/_count' or self.path.startswith('/_count/'):
            name = self.path[len('/_count/'):] if self.path.startswith('/_count/') else None
            with lock:
                n = sum(counts.values()) if name is None else counts.get('/' + name, 0)
            self.reply(200, str(n).encode())
            return
        if self.path.startswith('/_done/'):
            with lock:
                n = done.get('/' + self.path[len('/_done/'):], 0)
            self.reply(200, str(n).encode())
            return
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
        if MODE == 'stall':
            time.sleep(60)
            return
        name = os.path.basename(self.path)
        path = os.path.join(DIR, name)
        if not name or not os.path.isfile(path):
            self.reply(404, b'no such CRL\n')
            return
        with open(path, 'rb') as f:
            body = f.read()
        if os.path.isfile(path + '.delay'):
            with open(path + '.delay') as f:
                time.sleep(float(f.read().strip() or 0))
        self.reply(200, body, 'application/pkix-crl')
        with lock:
            done[self.path] = done.get(self.path, 0) + 1


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


Server(('127.0.0.1', PORT), Handler).serve_forever()

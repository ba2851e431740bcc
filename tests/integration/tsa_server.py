#!/usr/bin/env python3
"""tests/integration/tsa_server.py — a real RFC 3161 time-stamping authority for test_gateway_audit_anchor.sh;
never run on its own (the Makefile runs tests/integration/test_*.sh only).

    tsa_server.py PORT DIR [CERT KEY]

Listens on 127.0.0.1:PORT. Each POST body (a TimeStampReq) is answered by `openssl ts -reply -config
DIR/tsa.cnf -queryfile … -inkey DIR/tsa.key -signer DIR/tsa.pem -chain DIR/root.pem` with Content-Type
application/timestamp-reply. Every request appends a line to DIR/requests. While DIR/hang exists a request
is held unanswered (at most 30 s): a TSA that accepts and never replies. With CERT and KEY it serves https.
"""
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import time

PORT, DIR = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        with open(os.path.join(DIR, 'requests'), 'a') as f:
            f.write('%s %d\n' % (self.headers.get('Content-Type'), len(body)))
        end = time.time() + 30
        while os.path.exists(os.path.join(DIR, 'hang')) and time.time() < end:
            time.sleep(0.1)
        with tempfile.TemporaryDirectory(dir=DIR) as t:
            q, r = os.path.join(t, 'q.tsq'), os.path.join(t, 'r.tsr')
            open(q, 'wb').write(body)
            p = subprocess.run(['openssl', 'ts', '-reply', '-config', os.path.join(DIR, 'tsa.cnf'), '-queryfile', q,
                                '-inkey', os.path.join(DIR, 'tsa.key'), '-signer', os.path.join(DIR, 'tsa.pem'),
                                '-chain', os.path.join(DIR, 'root.pem'), '-out', r],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if p.returncode != 0:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(p.stderr)
                return
            data = open(r, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'application/timestamp-reply')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


http.server.ThreadingHTTPServer.allow_reuse_address = True
srv = http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler)
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()

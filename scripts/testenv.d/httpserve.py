#!/usr/bin/env python3
"""Static file server for the test environment's HTTP chart repositories.

Serves one directory three ways, each on its own 127.0.0.1 port:
  --http-port   plain HTTP, anonymous
  --auth-port   plain HTTP, HTTP basic auth required (401 otherwise)
  --https-port  HTTPS with the given certificate, anonymous
Standard library only, so it runs with any python3.
"""
import argparse
import base64
import functools
import hmac
import http.server
import ssl
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    # Chart repos are read-only; only GET and HEAD are served.
    credentials = None  # "user:password" when basic auth is required

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.server.name, fmt % args))

    def _authorized(self):
        if self.credentials is None:
            return True
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:], validate=True).decode()
        except ValueError:
            return False
        return hmac.compare_digest(given.encode(), self.credentials.encode())

    def _deny(self):
        body = b"unauthorized\n"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="deployer-testenv"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if not self._authorized():
            return self._deny()
        super().do_GET()

    def do_HEAD(self):
        if not self._authorized():
            return self._deny()
        super().do_HEAD()


def serve(name, port, root, credentials=None, tls=None):
    handler = type(name, (Handler,), {"credentials": credentials})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=root)
    )
    server.name = name
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    t = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    t.start()
    return t


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--root", required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--auth-port", type=int, required=True)
    p.add_argument("--https-port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    a = p.parse_args()
    with open(a.password_file) as f:
        password = f.read().strip()

    threads = [
        serve("http", a.http_port, a.root),
        serve("http-auth", a.auth_port, a.root, credentials=f"{a.user}:{password}"),
        serve("https", a.https_port, a.root, tls=(a.cert, a.key)),
    ]
    print(f"serving {a.root} on 127.0.0.1:{a.http_port} (http), "
          f":{a.auth_port} (basic auth), :{a.https_port} (https)", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A Standard Webhooks receiver for the delivery tests (standard library only).

Verifies webhook-id, webhook-timestamp and webhook-signature with the secret given on the command line
(401 when they do not verify), records every verified batch as one JSON line in --record
({"path", "headers", "raw", "body"}), and answers 204. POST /control with {"mode": "ok"|"500"|"429"|"400",
"count": N, "retry_after": "7"} makes the next N webhook requests answer that status instead (429 and
500 with the given Retry-After). GET /stats returns {"requests": N, "connections": M}.

Prints the port it listens on as its first line of stdout.
"""

import argparse
import base64
import hashlib
import hmac
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def signing_key(secret):
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except ValueError:
            pass
    return secret.encode()


class State:
    def __init__(self, secret, record):
        self.key = signing_key(secret)
        self.record = record
        self.lock = threading.Lock()
        self.mode = "ok"
        self.count = 0
        self.retry_after = None
        self.requests = 0
        self.connections = 0

    def next_mode(self):
        with self.lock:
            self.requests += 1
            if self.count <= 0:
                return "ok", None
            self.count -= 1
            return self.mode, self.retry_after


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-receiver"

    def setup(self):
        super().setup()
        state = self.server.state
        with state.lock:
            state.connections += 1

    def log_message(self, format, *args):
        pass

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length)

    def do_GET(self):
        state = self.server.state
        if self.path == "/stats":
            with state.lock:
                stats = {"requests": state.requests, "connections": state.connections}
            self.answer(200, json.dumps(stats).encode())
        else:
            self.answer(404, b'{"error": "not found"}')

    def do_POST(self):
        state = self.server.state
        body = self.read_body()
        if self.path == "/control":
            control = json.loads(body)
            with state.lock:
                state.mode = control.get("mode", "ok")
                state.count = int(control.get("count", 1))
                state.retry_after = control.get("retry_after")
            self.answer(200, b'{"ok": true}')
            return
        mode, retry_after = state.next_mode()
        if not self.verified(body):
            self.answer(401, b'{"error": "signature does not verify"}')
            return
        if mode in ("500", "429", "400"):
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            self.answer(int(mode), b'{"error": "told to fail"}', headers)
            return
        line = {
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "raw": body.decode(),
            "body": json.loads(body),
        }
        with state.lock:
            with open(state.record, "a") as out:
                out.write(json.dumps(line) + "\n")
        self.answer(204)

    def verified(self, body):
        msg_id = self.headers.get("webhook-id")
        timestamp = self.headers.get("webhook-timestamp")
        signatures = self.headers.get("webhook-signature")
        if not msg_id or not timestamp or not signatures:
            return False
        try:
            if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
                return False
        except ValueError:
            return False
        signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
        expected = base64.b64encode(hmac.new(self.server.state.key, signed, hashlib.sha256).digest()).decode()
        for signature in signatures.split(" "):
            version, _, value = signature.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return True
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True, help="file that receives one JSON line per batch")
    parser.add_argument("--cert", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.secret, args.record)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A minimal, fast webhook sink for bench/run (standard library only).

test/tools/webhook_receiver.py parses every batch with json.loads and records it twice (raw and
parsed) as a JSON line; on a 2-core machine shared with moonkeyd, MariaDB and wrk, that CPU would
be charged to the webhook provider. This sink does the least a real receiver must: it checks the
Standard Webhooks signature (HMAC-SHA-256 over "id.timestamp.body"; 401 when it does not verify),
counts the messages of the batch without parsing the JSON, and records one line per batch:

    <unix time received, s> <messages> <sms> <email> <bytes>

then answers 204. GET /stats returns {"batches", "messages", "bad_signatures", "connections"}.
Prints the port it listens on as its first line of stdout.

    webhook_sink.py --port 0 --secret whsec_… --record FILE
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signing_key(secret):
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except ValueError:
            pass
    return secret.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-webhook-sink"

    def setup(self):
        super().setup()
        with self.server.state["lock"]:
            self.server.state["connections"] += 1

    def log_message(self, format, *args):
        pass

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        state = self.server.state
        if self.path == "/stats":
            with state["lock"]:
                stats = {k: state[k] for k in ("batches", "messages", "bad_signatures", "connections")}
            self.answer(200, json.dumps(stats).encode())
        else:
            self.answer(404, b'{"error": "not found"}')

    def do_POST(self):
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received = time.time()
        if not self.verified(body):
            with state["lock"]:
                state["bad_signatures"] += 1
            self.answer(401, b'{"error": "signature does not verify"}')
            return
        messages = body.count(b'"id":"msg_')
        sms = body.count(b'"channel":"sms"')
        email = body.count(b'"channel":"email"')
        line = f"{received:.6f} {messages} {sms} {email} {len(body)}\n"
        with state["lock"]:
            state["batches"] += 1
            state["messages"] += messages
            state["out"].write(line)
            state["out"].flush()
        self.answer(204)

    def verified(self, body):
        msg_id = self.headers.get("webhook-id")
        timestamp = self.headers.get("webhook-timestamp")
        signatures = self.headers.get("webhook-signature")
        if not msg_id or not timestamp or not signatures:
            return False
        signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
        expected = base64.b64encode(hmac.new(self.server.state["key"], signed, hashlib.sha256).digest()).decode()
        for signature in signatures.split(" "):
            version, _, value = signature.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return True
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True, help="file that receives one line per batch")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = {
        "key": signing_key(args.secret),
        "lock": threading.Lock(),
        "out": open(args.record, "a"),
        "batches": 0,
        "messages": 0,
        "bad_signatures": 0,
        "connections": 0,
    }
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

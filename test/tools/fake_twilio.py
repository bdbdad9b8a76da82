#!/usr/bin/python3
"""A fake of Twilio's Messages API for the delivery tests (standard library only).

POST /2010-04-01/Accounts/<sid>/Messages.json checks HTTP Basic auth against --sid and --token (401
with Twilio's JSON error otherwise), parses the form (To, From or MessagingServiceSid, Body; 400 with
code 21604 when one is missing), records the accepted message as one JSON line in --record (with the
I-Twilio-Idempotency-Token header) and answers 201 with a Twilio-like message resource.

POST /control with {"mode": ..., "count": N, "retry_after": "3", "sleep": 2.0, "delay": 0.5} makes the
next N message requests misbehave: "500", "429" (with Retry-After), "timeout" (sleep, then close
without an answer), "close" (close the connection without an answer), "400" (Twilio error 21211); "ok"
behaves. Every message request waits `delay` seconds before its answer until told otherwise. GET /stats
returns {"requests": N, "connections": M, "max_in_flight": K}: connections counts the connections
that carried a message request, max_in_flight the most message requests handled at once.

Prints the port it listens on as its first line of stdout.
"""

import argparse
import base64
import hmac
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class State:
    def __init__(self, sid, token, record):
        self.sid = sid
        self.token = token
        self.record = record
        self.lock = threading.Lock()
        self.mode = "ok"
        self.count = 0
        self.retry_after = None
        self.sleep = 2.0
        self.delay = 0.0
        self.requests = 0
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def next_mode(self):
        with self.lock:
            self.requests += 1
            if self.count <= 0:
                return "ok"
            self.count -= 1
            return self.mode


def twilio_error(code, message, status):
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-twilio"

    def log_message(self, format, *args):
        pass

    def answer(self, status, document, headers=None):
        body = json.dumps(document).encode()
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

    def hang_up(self):
        self.close_connection = True

    def do_GET(self):
        state = self.server.state
        if self.path == "/stats":
            with state.lock:
                stats = {"requests": state.requests, "connections": state.connections,
                         "max_in_flight": state.max_in_flight}
            self.answer(200, stats)
        else:
            self.answer(404, twilio_error(20404, "The requested resource was not found", 404))

    def do_POST(self):
        state = self.server.state
        body = self.read_body()
        if self.path == "/control":
            control = json.loads(body)
            with state.lock:
                state.mode = control.get("mode", "ok")
                state.count = int(control.get("count", 1))
                state.retry_after = control.get("retry_after")
                state.sleep = float(control.get("sleep", 2.0))
                state.delay = float(control.get("delay", 0.0))
            self.answer(200, {"ok": True})
            return
        if self.path != f"/2010-04-01/Accounts/{state.sid}/Messages.json":
            self.answer(404, twilio_error(20404, "The requested resource was not found", 404))
            return
        if not getattr(self, "counted", False):
            self.counted = True
            with state.lock:
                state.connections += 1
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self.message(body)
        finally:
            with state.lock:
                state.in_flight -= 1

    def message(self, body):
        state = self.server.state
        mode = state.next_mode()
        if state.delay > 0:
            time.sleep(state.delay)
        if mode == "close":
            self.hang_up()
            return
        if mode == "timeout":
            time.sleep(state.sleep)
            self.hang_up()
            return
        if mode == "500":
            self.answer(500, twilio_error(20500, "Internal Server Error", 500))
            return
        if mode == "429":
            headers = {"Retry-After": str(state.retry_after)} if state.retry_after is not None else {}
            self.answer(429, twilio_error(20429, "Too Many Requests", 429), headers)
            return
        if not self.authorized():
            self.answer(401, twilio_error(20003, "Authenticate", 401))
            return
        form = {name: values[0] for name, values in parse_qs(body.decode(), keep_blank_values=True).items()}
        sender = form.get("From") or form.get("MessagingServiceSid")
        if not form.get("To") or not sender or not form.get("Body"):
            self.answer(400, twilio_error(21604, "A 'To' phone number, a sender and a 'Body' are required.", 400))
            return
        if mode == "400":
            self.answer(400, twilio_error(21211, "The 'To' number is not a valid phone number.", 400))
            return
        line = {
            "form": form,
            "idempotency_token": self.headers.get("I-Twilio-Idempotency-Token"),
            "content_type": self.headers.get("Content-Type"),
        }
        with state.lock:
            with open(state.record, "a") as out:
                out.write(json.dumps(line) + "\n")
        self.answer(201, {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": state.sid,
            "status": "queued",
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
        })

    def authorized(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[len("Basic "):], validate=True).decode().partition(":")
        except ValueError:
            return False
        state = self.server.state
        return hmac.compare_digest(user, state.sid) and hmac.compare_digest(password, state.token)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sid", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--record", required=True, help="file that receives one JSON line per message")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.sid, args.token, args.record)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

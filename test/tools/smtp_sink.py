#!/usr/bin/python3
"""A real SMTP server for the delivery tests, built on aiosmtpd (Debian's python3-aiosmtpd).

Every message it accepts becomes two files in --out: NNNN.eml (the raw RFC 5322 bytes, after
dot-unstuffing) and NNNN.json (the envelope, the session, and the message as Python's email package
reads it). The file `connections` holds how many connections were opened so far. Files appear whole
(written, then renamed) before the 250 reply to DATA. --implicit-tls serves smtps (TLS from the
first byte); otherwise --tls offers STARTTLS, and with --auth, AUTH is then accepted only over TLS.

Prints the port it listens on as the first line of stdout. Run it with /usr/bin/python3.
"""

import argparse
import asyncio
import email
import email.policy
import email.utils
import json
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_whole(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def describe(raw):
    """The message as Python's email package parses it, with the parts decoded."""
    out = {}
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        out["headers"] = {k.lower(): str(v) for k, v in msg.items()}
        out["content_type"] = msg.get_content_type()
        try:
            out["date_epoch"] = email.utils.parsedate_to_datetime(msg["date"]).timestamp()
        except Exception as e:  # noqa: BLE001 - reported, the test fails on it
            out["date_error"] = str(e)
        defects = [repr(d) for d in msg.defects]
        parts = []
        if msg.is_multipart():
            for part in msg.iter_parts():
                defects += [repr(d) for d in part.defects]
                parts.append({
                    "content_type": part.get_content_type(),
                    "charset": part.get_content_charset(),
                    "transfer_encoding": part.get("content-transfer-encoding", ""),
                    "text": part.get_content(),
                })
        out["parts"] = parts
        out["defects"] = defects
    except Exception as e:  # noqa: BLE001
        out["parse_error"] = str(e)
    out["longest_line"] = max((len(line) for line in raw.split(b"\r\n")), default=0)
    out["bare_lf"] = b"\n" in raw.replace(b"\r\n", b"")
    return out


class Sink:
    def __init__(self, out_dir, fail_rcpts):
        self.out_dir = out_dir
        self.fail_rcpts = {a.lower() for a in fail_rcpts}
        # A sink restarted on the same directory goes on counting.
        self.messages = len([f for f in os.listdir(out_dir) if f.endswith(".eml")])
        try:
            with open(os.path.join(out_dir, "connections")) as f:
                self.connections = int(f.read() or 0)
        except FileNotFoundError:
            self.connections = 0

    def connection_opened(self):
        self.connections += 1
        write_whole(os.path.join(self.out_dir, "connections"), str(self.connections).encode())
        return self.connections

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.fail_rcpts:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        n = self.messages
        raw = envelope.original_content
        auth = session.auth_data
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "connection": server.connection_number,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "auth_login": auth.login.decode() if isinstance(auth, LoginPassword) else None,
            "message": describe(raw),
        }
        base = os.path.join(self.out_dir, f"{n:04d}")
        write_whole(base + ".eml", raw)
        write_whole(base + ".json", json.dumps(info, indent=1).encode())
        return f"250 2.0.0 OK: queued as {n:04d}"


class CountingSMTP(SMTP):
    """Counts connections (not the second connection_made that follows STARTTLS)."""

    def __init__(self, sink, **kwargs):
        super().__init__(sink, **kwargs)
        self.sink = sink
        self.connection_number = 0

    def connection_made(self, transport):
        if self.transport is None:
            self.connection_number = self.sink.connection_opened()
        super().connection_made(transport)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--out", required=True, help="directory for the received messages")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH with these credentials")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="offer STARTTLS with this certificate")
    parser.add_argument("--implicit-tls", action="store_true",
                        help="speak TLS from the first byte (smtps) with the --tls certificate")
    parser.add_argument("--fail-rcpt", action="append", default=[], metavar="ADDRESS",
                        help="answer 550 to RCPT TO for this address (repeatable)")
    args = parser.parse_args()
    # aiosmtpd warns about AUTH without TLS, which the tests use on purpose, and logs the handshakes
    # that tests make fail on purpose.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.out, exist_ok=True)

    sink = Sink(args.out, args.fail_rcpt)
    if args.implicit_tls and not args.tls:
        parser.error("--implicit-tls needs --tls CERT KEY")
    kwargs = {"hostname": "sink.test", "enable_SMTPUTF8": True}
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        if not args.implicit_tls:
            kwargs["tls_context"] = context
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and data.login.decode() == user
                  and data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

        kwargs["auth_required"] = True
        kwargs["authenticator"] = authenticator
        # With TLS offered, AUTH is accepted only after STARTTLS (so the test proves the order).
        kwargs["auth_require_tls"] = bool(args.tls) and not args.implicit_tls
    else:
        kwargs["auth_require_tls"] = False

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: CountingSMTP(sink, loop=loop, **kwargs),
                                          host=args.host, port=args.port, reuse_address=True,
                                          ssl=context if args.implicit_tls else None)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Opens many keep-alive connections to an HTTP server and leaves them idle (bench/README.md,
"RSS with 10,000 idle keep-alive connections").

    bench/idle_connections.py --port PORT [--connections 10000] [--hold 10]

Each connection sends one `GET /healthz` (HTTP/1.1, keep-alive) and reads the whole answer; when
every connection has its answer, prints `open N` (N: connections answered 200) and keeps them all
open and silent for --hold seconds (stay under the server's idle_timeout), then closes them,
prints `closed` and a JSON summary, and exits. Exit 1 when fewer than --connections were answered.
Only loopback addresses are accepted as --host.
"""
import argparse
import asyncio
import ipaddress
import json
import resource
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench-idle\r\n\r\n"


async def open_one(host, port, timeout):
    """Connects, sends the request, reads the answer; returns ((reader, writer), status) or (None, error)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        return None, "connect: %s" % (type(e).__name__,)
    try:
        writer.write(REQUEST)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await asyncio.wait_for(reader.readexactly(length), timeout)
        return (reader, writer), status
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
        writer.close()
        return None, "request: %s" % (type(e).__name__,)


async def run(args):
    started = time.monotonic()
    streams, outcomes = [], {}
    # In waves, so the listen backlog never overflows and a refusal shows as an outcome.
    for first in range(0, args.connections, args.wave):
        wave = min(args.wave, args.connections - first)
        results = await asyncio.gather(*(open_one(args.host, args.port, args.timeout) for _ in range(wave)))
        for stream, status in results:
            outcomes[str(status)] = outcomes.get(str(status), 0) + 1
            if stream is not None:
                streams.append(stream)
    opened_s = time.monotonic() - started
    answered = outcomes.get("200", 0)
    print("open %d" % answered, flush=True)
    await asyncio.sleep(args.hold)
    # A connection the server closed meanwhile has seen EOF: not counted as held.
    held = sum(1 for reader, _ in streams if not reader.at_eof())
    for _, writer in streams:
        writer.close()
    await asyncio.gather(*(writer.wait_closed() for _, writer in streams), return_exceptions=True)
    print("closed", flush=True)
    print(json.dumps({"connections": args.connections, "answered_200": answered, "outcomes": outcomes,
                      "open_seconds": round(opened_s, 3), "hold_seconds": args.hold, "held": held}), flush=True)
    return 0 if answered == args.connections else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--wave", type=int, default=500, help="connections opened at once")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds to keep them idle")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per connect and answer")
    args = parser.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        sys.exit("idle_connections: --host must be a loopback address")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.connections + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1024), hard))
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()

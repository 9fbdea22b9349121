#!/usr/bin/env python3
"""Loopback TCP proxy that adds a fixed latency to every HTTP request.

    python3 bench/latency_proxy.py --upstream 127.0.0.1:5000 [--port 0] \
        [--delay-ms 25] [--port-file F] [--stats-file F]

Raw asyncio TCP forwarding, so HTTP/1.1 keep-alive and any number of
concurrent connections pass through untouched.  Each connection has two
pumps; the client->server pump sleeps --delay-ms before forwarding the first
chunk of each request, i.e. the first chunk that arrives from the client after
the server has sent (part of) a response (or the first chunk on a new
connection).  Further chunks of the same request body are not delayed, so
every request/response round trip gets exactly one delay, like ~25 ms RTT to
AWS.  (HTTP pipelining would get fewer delays; SDK clients don't pipeline.)

Request counts (total, and per X-Amz-Target operation when it is visible in the
first chunk) are written as JSON to --stats-file on SIGTERM/SIGINT.
"""

import argparse
import asyncio
import collections
import json
import os
import re
import signal
import sys

TARGET_RE = re.compile(rb"\r\nx-amz-target:\s*([^\r\n]+)", re.IGNORECASE)
BUF = 256 * 1024

stats = {"connections": 0, "requests": 0, "by_target": collections.Counter()}


class Conn:
    __slots__ = ("new_request",)

    def __init__(self) -> None:
        self.new_request = True  # next client chunk starts a new request


async def pump_client_to_server(conn, reader, writer, delay):
    try:
        while True:
            data = await reader.read(BUF)
            if not data:
                break
            if conn.new_request:
                conn.new_request = False
                stats["requests"] += 1
                m = TARGET_RE.search(data)
                if m:
                    stats["by_target"][m.group(1).decode(errors="replace").split(".")[-1]] += 1
                if delay > 0:
                    await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def pump_server_to_client(conn, reader, writer):
    try:
        while True:
            data = await reader.read(BUF)
            if not data:
                break
            conn.new_request = True  # response seen: next client data is a new request
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def handle(client_reader, client_writer, upstream, delay):
    stats["connections"] += 1
    host, port = upstream
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError as e:
        print(f"latency_proxy: upstream connect failed: {e}", file=sys.stderr)
        client_writer.close()
        return
    conn = Conn()
    try:
        await asyncio.gather(
            pump_client_to_server(conn, client_reader, server_writer, delay),
            pump_server_to_client(conn, server_reader, client_writer),
        )
    finally:
        for w in (server_writer, client_writer):
            try:
                w.close()
            except Exception:
                pass


def write_stats(path):
    if path:
        out = dict(stats, by_target=dict(stats["by_target"]))
        with open(path, "w") as f:
            json.dump(out, f)


async def main_async(args):
    uh, up = args.upstream.rsplit(":", 1)
    upstream = (uh, int(up))
    delay = args.delay_ms / 1000.0
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream, delay), args.host, args.port, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"latency_proxy: 127.0.0.1:{port} -> {args.upstream}, delay {args.delay_ms} ms",
          file=sys.stderr)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    write_stats(args.stats_file)


def main():
    ap = argparse.ArgumentParser(description="loopback latency proxy")
    ap.add_argument("--upstream", required=True, help="host:port of the real server")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="listen port (0 = pick a free one)")
    ap.add_argument("--delay-ms", type=float, default=25.0)
    ap.add_argument("--port-file", help="write the chosen listen port here")
    ap.add_argument("--stats-file", help="write request counts (JSON) here on exit")
    args = ap.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

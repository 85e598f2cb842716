"""The replica server for benchmarks: crawler.replica.server's content, answered from memory by one
asyncio loop.

    python -m benchmarks.serve --site-dir DIR [--hosts N --first-address 127.0.0.10] [--request-log FILE]

Prints the replica's banner line (crawler.replica.server.banner), one per host, then serves until
interrupted (Ctrl-C or SIGTERM).

With --hosts N the same site is served on N loopback addresses, `--first-address` and the next
ones (127.0.0.10 … 127.0.0.29 for 20), each on a port of its own: N hosts, and so N download
slots to a crawler (Scrapy keys its slots by host name), each a site of its own to tnu-archive
(the many-hosts measure of benchmarks/run.py). With --request-log every request is noted, as
`<time.time()> <host:port> <method> <target>` a line, in memory while serving and written to the
file when the server stops: the achieved request rate of each host is read from it.

Why not crawler.replica.server's own server: a thread per connection and http.server's request
parsing cost ~0.7 ms of CPU a response. The benchmark machine has two cores, the crawl under
test uses both and the bare spider one, so the replica's CPU was taken from the archive crawl
alone: ~0.9 CPU-s of a 300-article crawl, where the live site's server costs the crawler's
machine nothing. Here every answer is computed once by crawler.replica.server's `_Host.respond` (so
what is served, status, headers and bytes, is still decided there) and kept as the bytes
that go on the wire; a request costs a dictionary lookup and one write. Every file of the site
is answered once at start-up, so that the first crawl of a run does not pay for reading the
site from disk (the server holds the site in memory: ~80 MB for 300 articles).

The listen backlog is 1,024: with socketserver's 5, a crawl opening a few dozen connections at
once on a busy machine overflowed it, Linux dropped the handshake's last packet and the client
waited for DOWNLOAD_TIMEOUT (30 s) (the kernel's ListenOverflows counter grew).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import signal
import time
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from crawler.replica.server import QUERY_SEP, _Host, banner, route_key

BACKLOG = 1024
MAX_HEAD = 64 * 1024  # a request head longer than this is not a crawler's: the connection is closed


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (Linux)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    # strict=False: a counter is a measure, not worth a crash; the kernel writes a header line then
    # its values line, and an unpaired last line or uneven pair is left out rather than guessed at.
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


class _Date:
    """The Date header's line, formatted once a second rather than once a response."""

    def __init__(self) -> None:
        self._second = -1
        self._line = b""

    def line(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._line = f"Date: {formatdate(now, usegmt=True)}\r\n".encode("ascii")
        return self._line


class Answers:
    """One host's responses as wire bytes: (status line, header block, body), the Date line goes
    between the first two. The body is the very bytes object crawler.replica.server keeps, not a copy."""

    def __init__(self, host: _Host, origin: str) -> None:
        self.host = host
        self.origin = origin
        self.host_port = origin.removeprefix("http://")
        self._cache: dict[tuple[str, str], tuple[bytes, bytes, bytes]] = {}

    def get(self, method: str, target: str) -> tuple[bytes, bytes, bytes]:
        key = (method, target)
        found = self._cache.get(key)
        if found is None:
            found = self._render(method, target)
            # fail-once routes answer differently the second time: never remembered
            if route_key(target) not in self.host.fail_once:
                self._cache[key] = found
        return found

    def warm_up(self) -> None:
        """Answer every file of the host's document root once, before any crawl: the first crawl
        of a benchmark must not pay for reading the site from disk."""
        for path in sorted(self.host.root.rglob("*")):
            target = target_of(path.relative_to(self.host.root).as_posix()) if path.is_file() else None
            if target is not None and route_key(target) not in self.host.fail_once:  # (its failure is the crawl's)
                self.get("GET", target)

    def _render(self, method: str, target: str) -> tuple[bytes, bytes, bytes]:
        response = self.host.respond(method, target, self.origin)
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        status_line = f"HTTP/1.1 {response.status} {reason}\r\n".encode("latin-1")
        headers = {"Server": "tnu-replica", **response.headers, "Content-Length": str(len(response.body))}
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        return status_line, head.encode("latin-1"), b"" if method == "HEAD" else response.body


def target_of(relative_file: str) -> str:
    """The request target a file of a document root answers (crawler.replica.server.file_for reversed)."""
    folder, _, name = relative_file.rpartition("/")
    name, _, query = name.partition(QUERY_SEP)
    if name == "index.html" and not query:
        name = ""
    path = quote("/" + (f"{folder}/" if folder else "") + name)
    return f"{path}?{query}" if query else path


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive (and pipelining): one complete response written per request."""

    def __init__(self, answers: Answers, date: _Date, log: list[str] | None = None) -> None:
        self.answers = answers
        self.date = date
        self.log = log
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.transport.close()
                return
            head, rest = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
            request_line, _, header_text = head.partition("\r\n")
            fields = {}
            for line in header_text.split("\r\n"):
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get("content-length") or 0)
            if len(rest) < length:
                return  # the request's body is still coming
            self.buffer = rest[length:]
            parts = request_line.split(" ")
            if len(parts) != 3:
                self.transport.close()
                return
            method, target, version = parts
            if self.log is not None:
                self.log.append(f"{time.time():.6f} {self.answers.host_port} {method} {target}\n")
            slow = self.answers.host.slow.get(route_key(target))
            status_line, head, body = self.answers.get(method, target)
            response = (status_line, self.date.line(), head, body)
            close = fields.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            if slow:
                asyncio.get_running_loop().call_later(slow, self._send_late, response, close)
                return  # (no pipelining past a slow answer: its client waits for it anyway)
            self.transport.writelines(response)  # joined into one send
            if close:
                self.transport.close()

    def _send_late(self, response: tuple[bytes, ...], close: bool) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.writelines(response)
            if close:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def addresses(first: str, count: int) -> list[str]:
    """`count` loopback addresses from `first` on (127.0.0.10, 127.0.0.11, …); ValueError past 127/8."""
    start = ipaddress.IPv4Address(first)
    out = [start + k for k in range(count)]
    if count < 1 or not all(a.is_loopback for a in out):
        raise ValueError(f"{count} loopback addresses from {first}: not all in 127.0.0.0/8")
    return [str(a) for a in out]


async def serve(
    site_dir: Path, host: str = "127.0.0.1", hosts: int = 1, request_log: Path | None = None, warm_up: bool = True
) -> None:
    """Serve the replica in `site_dir` (as crawler.replica.server.ReplicaServer lays it out) until
    cancelled: on `host`, or on `hosts` loopback addresses from `host` on, each on a port of its
    own; the other host once, on localhost. With `request_log`, every request is written there
    when serving ends."""
    loop = asyncio.get_running_loop()
    routes_file = site_dir / "routes.json"
    routes = json.loads(routes_file.read_text(encoding="utf-8")) if routes_file.exists() else {}
    date = _Date()
    log: list[str] | None = [] if request_log is not None else None
    site_hosts = addresses(host, hosts) if hosts > 1 else [host]
    holders: dict[str, Answers] = {}  # by listening address, filled before the first connection

    def factory(key: str):
        return lambda: _Connection(holders[key], date, log)

    site_servers = [await loop.create_server(factory(a), a, 0, backlog=BACKLOG) for a in site_hosts]
    # As crawler.replica.server: the other host is another name for 127.0.0.1, whichever addresses the site is on.
    other_server = await loop.create_server(factory("other"), "127.0.0.1", 0, backlog=BACKLOG)
    other_origin = f"http://localhost:{other_server.sockets[0].getsockname()[1]}"
    origins = [
        f"http://{a}:{server.sockets[0].getsockname()[1]}" for a, server in zip(site_hosts, site_servers, strict=True)
    ]
    for address, origin in zip(site_hosts, origins, strict=True):
        holders[address] = Answers(_Host("site", site_dir / "www", routes, (origin, other_origin)), origin)
    holders["other"] = Answers(_Host("other", site_dir / "_other", {}, (origins[0], other_origin)), other_origin)
    if warm_up:
        for answers in holders.values():
            answers.warm_up()
    for origin in origins:
        print(banner(origin + "/", other_origin), flush=True)
    try:
        await asyncio.gather(*(server.serve_forever() for server in [*site_servers, other_server]))
    finally:
        if request_log is not None and log is not None:
            request_log.write_text("".join(log), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--site-dir", type=Path, required=True)
    ap.add_argument("--hosts", type=int, default=1, help="serve the site on this many loopback addresses")
    ap.add_argument("--first-address", default="127.0.0.1", help="the first of them (default: %(default)s)")
    ap.add_argument("--request-log", type=Path, default=None, help="write every request here when stopped")
    ap.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false", help="answer files when asked, not all at start-up"
    )
    args = ap.parse_args(argv)
    if args.hosts < 1:
        ap.error("--hosts must be at least 1")
    try:
        addresses(args.first_address, args.hosts)
    except ValueError as exc:
        ap.error(str(exc))
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(
            _until_stopped(serve(args.site_dir, args.first_address, args.hosts, args.request_log, args.warm_up))
        )


async def _until_stopped(serving) -> None:
    """Run `serving` until SIGTERM or SIGINT, then let it finish (its request log is written then)."""
    task = asyncio.ensure_future(serving)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


if __name__ == "__main__":
    main()

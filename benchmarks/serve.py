"""The replica server for benchmarks: crawler.replica's content, answered from memory by one
asyncio loop.

    python -m benchmarks.serve --site-dir DIR

Prints the replica's banner line (crawler.replica.banner), then serves until interrupted.

Why not crawler.replica's own server: a thread per connection and http.server's request
parsing cost ~0.7 ms of CPU a response. The benchmark machine has two cores, the crawl under
test uses both and the bare spider one, so the replica's CPU was taken from the archive crawl
alone: ~0.9 CPU-s of a 300-article crawl, where the live site's server costs the crawler's
machine nothing. Here every answer is computed once by crawler.replica's `_Host.respond` (so
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
import json
import time
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from crawler.replica import QUERY_SEP, _Host, banner, route_key

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
    between the first two. The body is the very bytes object crawler.replica keeps, not a copy."""

    def __init__(self, host: _Host, origin: str) -> None:
        self.host = host
        self.origin = origin
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
    """The request target a file of a document root answers (crawler.replica.file_for reversed)."""
    folder, _, name = relative_file.rpartition("/")
    name, _, query = name.partition(QUERY_SEP)
    if name == "index.html" and not query:
        name = ""
    path = quote("/" + (f"{folder}/" if folder else "") + name)
    return f"{path}?{query}" if query else path


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive (and pipelining): one complete response written per request."""

    def __init__(self, answers: Answers, date: _Date) -> None:
        self.answers = answers
        self.date = date
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


async def serve(site_dir: Path, host: str = "127.0.0.1") -> None:
    """Serve the replica in `site_dir` (as crawler.replica.ReplicaServer lays it out) until cancelled."""
    loop = asyncio.get_running_loop()
    routes_file = site_dir / "routes.json"
    routes = json.loads(routes_file.read_text(encoding="utf-8")) if routes_file.exists() else {}
    date = _Date()
    holders: list[Answers] = []
    factories = [lambda: _Connection(holders[0], date), lambda: _Connection(holders[1], date)]
    servers = [await loop.create_server(factory, host, 0, backlog=BACKLOG) for factory in factories]
    site_port, other_port = (server.sockets[0].getsockname()[1] for server in servers)
    # As crawler.replica: the other host is another name for the same loopback address.
    origin, other_origin = f"http://{host}:{site_port}", f"http://localhost:{other_port}"
    holders.append(Answers(_Host("site", site_dir / "www", routes, (origin, other_origin)), origin))
    holders.append(Answers(_Host("other", site_dir / "_other", {}, (origin, other_origin)), other_origin))
    for answers in holders:
        answers.warm_up()
    print(banner(origin + "/", other_origin), flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--site-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.site_dir))


if __name__ == "__main__":
    main()

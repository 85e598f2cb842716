"""A fault mode of the replica: the same site, with chosen URLs answering the way a struggling or
hostile server does. For tests only, and like the replica itself it listens on loopback only.

    faults = {
        "/slow-dn1.html": Slow(seconds=5),              # longer than the crawler's timeout
        "/cut-dn2.html": Truncate(),                    # half the body, then the connection closes
        "/gone-dn3.html": Reset(),                      # TCP reset before any byte
        "/busy-dn4.html": Status(503),                  # 503 while the server is faulty
        "/limit-dn5.html": Status(429, {"Retry-After": "1"}, times=1),  # once, then the page
        "/a-dn6.html": Redirect("/b-dn7.html"), "/b-dn7.html": Redirect("/a-dn6.html"),  # a loop
        "/x-dn8.html": Redirect("{{OTHER_ORIGIN}}/x-dn8.html"),  # to another host
        "/big-dn9.html": Oversize(600_000),             # the page, padded past DOWNLOAD_MAXSIZE
        "/Uploads/a.jpg": Body(b"<html>...</html>", "text/html; charset=utf-8"),  # not an image
    }
    with FaultServer(site_dir, faults) as site:
        ...                      # crawl: every fault is met
        site.faulty = False      # the server behaves again: every path answers as the replica does
        ...                      # the next crawl must archive what failed

Faults are keyed by the request path with its query (percent-decoded, parameters sorted as in
crawler.replica.server.route_key), on the site's own host. A fault with `times=N` hits the first N
requests of its path and then lets the replica answer; `times=None` hits every request while
`faulty` is true; `always=True` faults (a page in a legacy charset, a corrupt file) stay when the
server is healed. `applied` lists (path, fault name) of every hit, in order; `timeline` has
(time.monotonic(), path, status) of every answer on the site's host, to measure waits.

Two kinds of fault, matching the replica's two hooks: those that replace the answer
(Status, Redirect, Header, Body, Oversize — the request log records what was sent) and those that
spoil its delivery on the wire (Slow, Truncate, Reset; Oversize without Content-Length too).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from crawler.replica.server import DEFAULT_SITE_DIR, HTML, ReplicaServer, Response, route_key, substitute

if TYPE_CHECKING:
    from crawler.replica.server import _Handler


def fault_key(target: str) -> str:
    """One spelling per path: `/a%20b.jpg?y=1&x=2` and `/a b.jpg?x=2&y=1` are the same fault."""
    return unquote(route_key(target))


@dataclass
class Fault:
    """A way of answering wrong; the base class answers as the replica does."""

    times: int | None = field(default=None, kw_only=True)  # requests hit per path; None: all
    # Hostile by nature (a legacy charset, a corrupt file), not by outage: applied even when the
    # server behaves (`faulty` false).
    always: bool = field(default=False, kw_only=True)

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def replace(self, response: Response, server: FaultServer) -> Response:
        """The answer to send instead of `response` (the replica's own answer)."""
        return response

    def send(self, server: FaultServer, handler: _Handler, response: Response) -> None:
        """Put `response` on the wire (or fail to)."""
        ReplicaServer.deliver(server, handler, response)


# --- faults that replace the answer ------------------------------------------------------------


@dataclass
class Status(Fault):
    """An error status with a small HTML page (`headers` e.g. Retry-After)."""

    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"status_{self.status}"

    def replace(self, response: Response, server: FaultServer) -> Response:
        body = f"<html><head><title>{self.status}</title></head><body>{self.status}</body></html>".encode()
        return Response(self.status, {"Content-Type": HTML, **self.headers}, body)


@dataclass
class Redirect(Fault):
    """A redirect; `location` may start with `/` (this host) or `{{OTHER_ORIGIN}}` (the other)."""

    location: str = "/"
    status: int = 301

    def replace(self, response: Response, server: FaultServer) -> Response:
        location = self.location.replace("{{OTHER_ORIGIN}}", server.other_origin)
        if location.startswith("/"):
            location = server.origin + location
        return Response(self.status, {"Content-Type": HTML, "Location": location}, b"<html>moved</html>")


@dataclass
class Header(Fault):
    """The replica's answer with some headers replaced (e.g. a legacy charset's Content-Type)."""

    headers: dict[str, str] = field(default_factory=dict)

    def replace(self, response: Response, server: FaultServer) -> Response:
        return Response(response.status, {**response.headers, **self.headers}, response.body)


@dataclass
class Body(Fault):
    """Other bytes than the file's, with 200 (an HTML page under an image URL, corrupt bytes)."""

    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200

    def replace(self, response: Response, server: FaultServer) -> Response:
        body = self.body
        if self.content_type.startswith("text/"):
            body = substitute(body, server.origin, server.other_origin)
        return Response(self.status, {"Content-Type": self.content_type}, body)


@dataclass
class Oversize(Fault):
    """The page itself, padded with an HTML comment to `size` bytes (past DOWNLOAD_MAXSIZE).

    `announce=False` sends no Content-Length (the body ends when the connection closes), so a
    client learns the size only while reading, as with a streamed or generated page. Sent
    uncompressed: the fault is the size on the wire (the padding would gzip to almost nothing);
    `gzipped=True` sends it gzip-encoded (whatever its type): a few KB on the wire, `size` once
    decoded.
    """

    size: int = 10 * 1024 * 1024
    announce: bool = True
    gzipped: bool = False

    def replace(self, response: Response, server: FaultServer) -> Response:
        missing = max(self.size - len(response.body), 0)
        padding = b"<!--" + b"x" * max(missing - 7, 0) + b"-->"
        if self.gzipped:
            body = gzip.compress(response.body + padding, compresslevel=9, mtime=0)
            return Response(response.status, {**response.headers, "Content-Encoding": "gzip"}, body)
        return Response(response.status, dict(response.headers), response.body + padding, compressible=False)

    def send(self, server: FaultServer, handler: _Handler, response: Response) -> None:
        if self.announce:
            ReplicaServer.deliver(server, handler, response)
            return
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            for start in range(0, len(response.body), 65536):
                handler.wfile.write(response.body[start : start + 65536])
        except OSError:
            pass  # the client stopped reading at its limit


# --- faults on the wire ------------------------------------------------------------------------


@dataclass
class Slow(Fault):
    """Nothing for `seconds` (longer than the client's timeout), then the answer, if anyone
    is still listening."""

    seconds: float = 5.0

    def send(self, server: FaultServer, handler: _Handler, response: Response) -> None:
        time.sleep(self.seconds)
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client gave up long ago
            ReplicaServer.deliver(server, handler, response)


@dataclass
class Truncate(Fault):
    """Headers announcing the whole body, `keep` of it, then an orderly close (FIN)."""

    keep: float = 0.5

    def send(self, server: FaultServer, handler: _Handler, response: Response) -> None:
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        handler.wfile.write(response.body[: int(len(response.body) * self.keep)])
        handler.close_connection = True


@dataclass
class Reset(Fault):
    """A TCP reset (RST) instead of any answer."""

    def send(self, server: FaultServer, handler: _Handler, response: Response) -> None:
        # SO_LINGER with a zero timeout makes close() abort the connection with RST instead of
        # the orderly FIN; the socket closes only once its file objects are closed too.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.rfile.close()
        handler.wfile.close()
        handler.connection.close()


# --- the server --------------------------------------------------------------------------------


class FaultServer(ReplicaServer):
    """The replica with `faults` applied on its own host while `faulty` is true."""

    def __init__(
        self,
        site_dir: Path = DEFAULT_SITE_DIR,
        faults: Mapping[str, Fault] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(site_dir, host=host, port=port)
        self.faults: dict[str, Fault] = {fault_key(k): v for k, v in (faults or {}).items()}
        self.faulty = True
        self.applied: list[tuple[str, str]] = []
        # (time.monotonic(), path, status) of every answer on the site's host: when things happened
        self.timeline: list[tuple[float, str, int]] = []
        self._hits: Counter[str] = Counter()
        self._fault_lock = threading.Lock()
        self._pending = threading.local()  # the fault chosen by respond(), for deliver()

    def _choose(self, handler: _Handler) -> Fault | None:
        if handler.host_content.name != "site":
            return None
        key = fault_key(handler.path)
        fault = self.faults.get(key)
        if fault is None or not (self.faulty or fault.always):
            return None
        with self._fault_lock:
            if fault.times is not None and self._hits[key] >= fault.times:
                return None
            self._hits[key] += 1
            self.applied.append((handler.path, fault.name))
        return fault

    def respond(self, handler: _Handler) -> Response:
        fault = self._choose(handler)
        # respond() and deliver() run one after the other on the handler's thread
        self._pending.fault = fault
        response = super().respond(handler)
        if fault:
            response = fault.replace(response, self)
        if handler.host_content.name == "site":
            with self._fault_lock:
                self.timeline.append((time.monotonic(), handler.path, response.status))
        return response

    def deliver(self, handler: _Handler, response: Response) -> None:
        fault, self._pending.fault = getattr(self._pending, "fault", None), None
        if fault is None:
            super().deliver(handler, response)
        else:
            fault.send(self, handler, response)

    def reset_faults(self) -> None:
        """Faults with `times` hit again from their first request; `applied` and `timeline` are emptied."""
        with self._fault_lock:
            self._hits.clear()
            self.applied.clear()
            self.timeline.clear()

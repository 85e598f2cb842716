"""A replica of tnu.edu.vn served on loopback, for tests, benchmarks and `tnu-archive demo`.

Two HTTP servers on loopback, standard library only:
- the site itself (`origin`, http://127.0.0.1:PORT, or another loopback address given as `host`:
  a second replica on 127.0.0.2 is a second site to a crawler) serving `<site_dir>/www/`;
- "another host" (`other_origin`, http://localhost:PORT2 — another host name, so another site to
  a crawler) serving `<site_dir>/_other/`: hot-linked images and an off-site page.

How a request finds its file (the generator, tests/site/build.py, writes files the same way):
- `/a/b.html` -> `www/a/b.html`; a path ending in `/` -> its `index.html`;
- the query string is part of the file name, its parameters sorted so that their order does not
  matter: `/news/x.html?page=2` -> `www/news/x.html__page=2`,
  `/tin-tuc-su-kien.html?page=2&categoryId=5` -> `www/tin-tuc-su-kien.html__categoryId=5&page=2`;
- the Content-Type comes from the path's extension (no extension: HTML).

What files cannot say is in `<site_dir>/routes.json`, keyed by path-with-query (parameters sorted):
    {"redirects": {"/old-dn1.html": {"status": 301, "location": "/new.html?categoryId=3"}},
     "fail_once": {"/flaky-dn2.html": 500},
     "slow": {"/news/x.html?page=2": 1.5},
     "content_types": {"/feed/": "application/rss+xml; charset=UTF-8"}}
A fail_once path answers that status to its first request on each server instance, then 200.
A slow path is recorded in the request log at once and answered after that many seconds, so a
test can see the request arrive and act (e.g. kill the crawler) while its answer is pending.
A content_types entry is the Content-Type of a path whose file name cannot say it (WordPress
serves its feed at `/feed/`).
Files edited while the server runs are served as edited (the cache follows mtime and size).

Text responses (HTML, robots.txt, XML; text inside a .gz file too) have `{{ORIGIN}}` and
`{{OTHER_ORIGIN}}` replaced by the two servers' origins, as the old CMS wrote absolute
`http://tnu.edu.vn/...` links.

Like a real web server (nginx's `gzip on`), text responses go out gzip-compressed to a client
that accepts gzip (`Content-Encoding: gzip`, `Vary: Accept-Encoding`); images, already
compressed, go out as they are. A client that does not ask for gzip gets the plain bytes.

Every request to either server is recorded (`ReplicaServer.requests`) for tests to assert on.

    with ReplicaServer() as site:
        urlopen(site.url)
        assert site.requests[0].path == "/"

`python -m crawler.replica.server [--port N]` serves the bundled replica until Ctrl-C.
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

# tests/site of the source tree (the package is installed editable, so this is the checkout's).
DEFAULT_SITE_DIR = Path(__file__).resolve().parents[2] / "tests" / "site"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".aspx": "text/html; charset=utf-8",  # ASP.NET pages (DotNetNuke portals)
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
}
HTML = CONTENT_TYPES[".html"]
QUERY_SEP = "__"  # between a path and its (sorted) query in a file name


def route_key(target: str) -> str:
    """`/x.html?b=2&a=1` -> `/x.html?a=1&b=2`: one spelling per URL, whatever the parameter order."""
    path, _, query = target.partition("?")
    if not query:
        return path
    return path + "?" + "&".join(sorted(query.split("&")))


def file_for(target: str) -> str:
    """The file (relative to a document root) that serves a request target (path with query)."""
    path, _, query = target.partition("?")
    path = unquote(path)
    if path.endswith("/"):
        path += "index.html"
    if query:
        path += QUERY_SEP + "&".join(sorted(query.split("&")))
    return path.lstrip("/")


def substitute(body: bytes, origin: str, other_origin: str) -> bytes:
    """Fill a text file's placeholders with the origins it is served from."""
    return body.replace(b"{{ORIGIN}}", origin.encode()).replace(b"{{OTHER_ORIGIN}}", other_origin.encode())


def fill(body: bytes, ctype: str, origins: tuple[str, str]) -> bytes:
    """A file's bytes as served: placeholders filled in text and XML (sitemaps, feeds need
    absolute URLs), and inside gzipped files (a gzipped sitemap), recompressed the same way."""
    if ctype.startswith("text/") or "xml" in ctype:
        return substitute(body, *origins)
    if ctype == "application/gzip":
        inner = gzip.decompress(body)
        if b"{{" in inner:
            return gzip.compress(substitute(inner, *origins), mtime=0)
    return body


def read_page(target: str, origin: str, other_origin: str, site_dir: Path = DEFAULT_SITE_DIR) -> str:
    """A page of the replica as the server would send it, without a server: for extraction
    tests that parse saved pages (`read_page(path, "http://127.0.0.1:8000", "http://localhost:8001")`)."""
    body = (Path(site_dir) / "www" / file_for(target)).read_bytes()
    return substitute(body, origin, other_origin).decode("utf-8")


def content_type(relative_file: str) -> str:
    name = relative_file.split(QUERY_SEP, 1)[0].rsplit("/", 1)[-1]
    if "." not in name:
        return HTML
    return CONTENT_TYPES.get("." + name.rsplit(".", 1)[1].lower(), "application/octet-stream")


def deliberate_404s(site_dir: Path = DEFAULT_SITE_DIR) -> frozenset[str]:
    """Paths of the images the replica answers 404 on purpose (a picture deleted from the site
    long ago, as the real site has them), from its `expected.json`; empty without one."""
    manifest = Path(site_dir) / "expected.json"
    if not manifest.is_file():
        return frozenset()
    articles = json.loads(manifest.read_text(encoding="utf-8")).get("articles", {})
    return frozenset(
        image["src"]
        for article in articles.values()
        for image in article.get("images", [])
        if image.get("status") == 404
    )


@dataclass(frozen=True)
class RequestRecord:
    """One request as a server saw it."""

    server: str  # "site" or "other"
    host: str  # the Host header as sent
    method: str
    path: str  # path with query, as sent
    status: int
    user_agent: str


@dataclass
class Response:
    """What a server is about to send; `ReplicaServer.deliver` puts it on the wire."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    compressible: bool = True  # False: sent as it is even to a client that accepts gzip


# What a real server compresses (nginx's gzip_types): text; images and PDFs are compressed already.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header value admits gzip (`gzip;q=0` refuses it; `*` admits it)."""
    admitted: dict[str, bool] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().lower().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            admitted[coding.strip()] = float(quality) > 0
        except ValueError:
            admitted[coding.strip()] = False
    return admitted.get("gzip", admitted.get("x-gzip", admitted.get("*", False)))


@lru_cache(maxsize=512)
def _gzipped(body: bytes) -> bytes:
    # mtime 0: the same page compresses to the same bytes every time (as a caching server's would)
    return gzip.compress(body, compresslevel=6, mtime=0)


def content_coded(response: Response, accept_encoding: str) -> Response:
    """`response` as a server that compresses would send it to a client with this Accept-Encoding."""
    ctype = response.headers.get("Content-Type", "")
    if (
        not response.compressible
        or not response.body
        or "Content-Encoding" in response.headers
        or not ctype.startswith(COMPRESSIBLE)
        or not accepts_gzip(accept_encoding)
    ):
        return response
    headers = {**response.headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(response.status, headers, _gzipped(response.body))


def _page(status: int, text: str) -> Response:
    body = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status} {text}</title></head>'
        f"<body><h1>{status} {text}</h1></body></html>\n".encode()
    )
    return Response(status, {"Content-Type": HTML}, body)


class _Host:
    """One host's content: a document root, its routes and the placeholders of its text files."""

    def __init__(self, name: str, root: Path, routes: dict, origins: tuple[str, str]) -> None:
        self.name = name
        self.root = root.resolve()
        self.redirects: dict[str, dict] = {route_key(k): v for k, v in routes.get("redirects", {}).items()}
        self.fail_once: dict[str, int] = {route_key(k): v for k, v in routes.get("fail_once", {}).items()}
        self.slow: dict[str, float] = {route_key(k): float(v) for k, v in routes.get("slow", {}).items()}
        self.types: dict[str, str] = {route_key(k): v for k, v in routes.get("content_types", {}).items()}
        self.origins = origins  # (site, other host): what the placeholders become
        self._failed: set[str] = set()
        self._cache: dict[Path, tuple[tuple[int, int], bytes]] = {}  # path -> ((mtime_ns, size), body)
        self._lock = threading.Lock()

    def respond(self, method: str, target: str, origin: str) -> Response:
        if method not in ("GET", "HEAD"):
            return _page(405, "Method Not Allowed")
        key = route_key(target)
        if key in self.fail_once:
            with self._lock:
                first = key not in self._failed
                self._failed.add(key)
            if first:
                return _page(self.fail_once[key], "Internal Server Error")
        if key in self.redirects:
            rule = self.redirects[key]
            location = rule["location"]
            if location.startswith("/"):
                location = origin + location
            resp = _page(rule.get("status", 301), "Moved Permanently")
            resp.headers["Location"] = location
            return resp
        relative = file_for(target)
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return _page(404, "Not Found")
        ctype = self.types.get(key) or content_type(relative)
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            body = cached[1]
        else:
            body = fill(path.read_bytes(), ctype, self.origins)
            self._cache[path] = (stamp, body)
        return Response(200, {"Content-Type": ctype}, body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries a Content-Length
    server_version = "tnu-replica"
    sys_version = ""
    # an idle keep-alive connection must not pin a thread forever
    timeout = 30
    # headers and body go out in two writes: with Nagle on, delayed ACKs cost ~40 ms per response
    disable_nagle_algorithm = True

    # set on the per-server subclass
    replica: ReplicaServer
    host_content: _Host
    origin: str

    def _serve(self) -> None:
        response = self.replica.respond(self)
        self.replica._record(
            RequestRecord(
                server=self.host_content.name,
                host=self.headers.get("Host", ""),
                method=self.command,
                path=self.path,
                status=response.status,
                user_agent=self.headers.get("User-Agent", ""),
            )
        )
        delay = self.host_content.slow.get(route_key(self.path))
        if delay:
            time.sleep(delay)  # after recording: the request is visible while its answer waits
        self.replica.deliver(self, response)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests read `requests`, not stderr


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default listen backlog of 5 overflows on a loaded machine when the crawler opens its
    # connections at once; an overflowed SYN is retried only after seconds (tests waited 30 s).
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-response (crawler shut down, timeout) is normal here.
        pass


class ReplicaServer:
    """The replica site and its "other host", on loopback, in daemon threads."""

    def __init__(
        self, site_dir: Path = DEFAULT_SITE_DIR, host: str = "127.0.0.1", port: int = 0, other_port: int = 0
    ) -> None:
        self.site_dir = Path(site_dir)
        self.host = host
        self.port = port
        self.other_port = other_port
        self._requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._origin = ""
        self._other_origin = ""

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        if self._servers:
            return self
        routes_file = self.site_dir / "routes.json"
        routes = json.loads(routes_file.read_text(encoding="utf-8")) if routes_file.exists() else {}
        site = self._bind(self.host, self.port)
        # `localhost` names 127.0.0.1, whichever loopback address the site itself is on.
        other = self._bind("127.0.0.1", self.other_port)
        self._origin = f"http://{self.host}:{site.server_address[1]}"
        # Another host name for the same loopback address: a different site to any crawler.
        self._other_origin = f"http://localhost:{other.server_address[1]}"
        origins = (self._origin, self._other_origin)
        self._serve(site, _Host("site", self.site_dir / "www", routes, origins), self._origin)
        self._serve(other, _Host("other", self.site_dir / "_other", {}, origins), self._other_origin)
        return self

    def _bind(self, host: str, port: int) -> _Server:
        server = _Server((host, port), _Handler)
        self._servers.append(server)
        return server

    def _serve(self, server: _Server, content: _Host, origin: str) -> None:
        server.RequestHandlerClass = type(
            "Handler", (_Handler,), {"replica": self, "host_content": content, "origin": origin}
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"replica-{content.name}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, the replica site."""
        self._require_started()
        return self._origin

    @property
    def url(self) -> str:
        """The home page, the natural start URL of a crawl."""
        return self.origin + "/"

    @property
    def other_origin(self) -> str:
        """`http://localhost:PORT2`, the other host (hot-linked images, an off-site page)."""
        self._require_started()
        return self._other_origin

    def _require_started(self) -> None:
        if not self._servers:
            raise RuntimeError("ReplicaServer is not started (use start() or `with`)")

    # --- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request both servers answered so far, in arrival order (a copy)."""
        with self._log_lock:
            return list(self._requests)

    def reset_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._requests.append(record)

    # --- the wire ----------------------------------------------------------------------------

    def respond(self, handler: _Handler) -> Response:
        """What to answer `handler`'s request with (before it is recorded and delivered).

        The hook for policies that replace a response (crawler.replica.faults: 429s, 503 bursts,
        redirect loops, wrong bodies), so that the request log records what was really sent.
        """
        return handler.host_content.respond(handler.command, handler.path, handler.origin)

    def deliver(self, handler: BaseHTTPRequestHandler, response: Response) -> None:
        """Send `response` to the client.

        The one place where bytes leave the replica: a fault mode (slow responses, connection
        resets, truncated bodies, wrong Content-Length) belongs here, as a policy that sees the
        request (`handler.path`) and the response about to go out and may delay, cut or replace it.
        Compression is applied here, last, as a web server's output filter is.
        """
        response = content_coded(response, handler.headers.get("Accept-Encoding", ""))
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.replica.server", description="Serve the replica of tnu.edu.vn on loopback."
    )
    parser.add_argument("--port", type=int, default=0, help="port of the site (default: any free port)")
    parser.add_argument(
        "--site-dir", type=Path, default=DEFAULT_SITE_DIR, help="replica to serve (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    with ReplicaServer(args.site_dir, port=args.port) as server:
        serve_until_interrupted(server, "  Ctrl-C to stop")


def banner(url: str, other_origin: str) -> str:
    """The line a replica server announces itself with on stdout; scripts (benchmarks/run.py) read it."""
    return f"Replica of tnu.edu.vn: {url}  (other host: {other_origin}/)"


def serve_until_interrupted(server: ReplicaServer, note: str = "") -> None:
    """Announce the server's addresses on stdout (the banner), then serve until interrupted
    (Ctrl-C; a SIGTERM simply ends the process)."""
    print(banner(server.url, server.other_origin) + note, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

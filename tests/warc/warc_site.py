"""A tiny news site on loopback with every kind of response a crawl must capture.

Pages (one of them gzip-encoded, one sent chunked), a redirect, a 404, a 500, PNG images made
with Pillow and a robots.txt. Bodies are built once, deterministically (gzip mtime 0), so a
second crawl sees byte-identical responses.
"""

from __future__ import annotations

import gzip
import io
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def _png(color: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


HOME = _page(
    "Tin tức Đại học Thái Nguyên",
    '<a href="/tin/a.html">Bài A</a> <a href="/tin/nen.html">Bài nén</a> '
    '<a href="/tin/chunked.html">Bài chunked</a> <a href="/tin/cu">Bài cũ</a> '
    '<a href="/tin/mat.html">Bài mất</a> <a href="/tin/loi.html">Bài lỗi</a> '
    '<a href="/account/login">Đăng nhập</a> <img src="/img/logo.png" alt="logo">',
)
ARTICLE_A = _page("Hội nghị sơ kết công tác tuyên giáo", '<p>Nội dung.</p><img src="/img/anh.png" alt="ảnh">')
GZIP_HTML = _page("Bài viết nén gzip", "<p>Đọc qua Content-Encoding: gzip.</p>")
CHUNKED_HTML = _page("Bài viết gửi từng khúc", "<p>Transfer-Encoding: chunked.</p>")
MOVED_HTML = _page("Bài đã chuyển", "<p>Địa chỉ mới.</p>")
NOT_FOUND = _page("Không tìm thấy", "<p>404</p>")
SERVER_ERROR = _page("Lỗi máy chủ", "<p>500</p>")
ROBOTS = b"User-agent: *\nDisallow: /account/\n"
LOGO = _png((200, 30, 30), (40, 20))
PHOTO = _png((20, 90, 200), (64, 48))

HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False


ROUTES: dict[str, Route] = {
    "/": Route(200, HOME, [("Content-Type", HTML)]),
    "/robots.txt": Route(200, ROBOTS, [("Content-Type", "text/plain")]),
    "/tin/a.html": Route(200, ARTICLE_A, [("Content-Type", HTML)]),
    "/tin/nen.html": Route(
        200,
        gzip.compress(GZIP_HTML, mtime=0),
        [("Content-Type", HTML), ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
    ),
    "/tin/chunked.html": Route(200, CHUNKED_HTML, [("Content-Type", HTML)], chunked=True),
    "/tin/cu": Route(301, b"", [("Location", "/tin/moi.html")]),
    "/tin/moi.html": Route(200, MOVED_HTML, [("Content-Type", HTML)]),
    "/tin/mat.html": Route(404, NOT_FOUND, [("Content-Type", HTML)]),
    "/tin/loi.html": Route(500, SERVER_ERROR, [("Content-Type", HTML)]),
    "/img/logo.png": Route(200, LOGO, [("Content-Type", "image/png")]),
    "/img/anh.png": Route(200, PHOTO, [("Content-Type", "image/png")]),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked transfer needs 1.1

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        route = ROUTES.get(self.path, Route(404, NOT_FOUND, [("Content-Type", HTML)]))
        self.send_response(route.status)
        for name, value in route.headers:
            self.send_header(name, value)
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(route.body), 50):
                piece = route.body[start : start + 50]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    def log_message(self, format: str, *args) -> None:
        pass


class SiteServer:
    """`with SiteServer() as site:` serves ROUTES on 127.0.0.1 at `site.url`."""

    def __enter__(self) -> SiteServer:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.paths = []
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def paths(self) -> list[str]:
        return self.httpd.paths

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

"""A trap mode of the replica: the same site, plus the traps that keep a crawler that follows
everything busy for ever (issue 25). For tests only; like the replica it listens on loopback only.

    with TrapServer(site_dir, articles=["/a-dn1.html", ...]) as site:
        ...                   # crawl: every trap is met
        site.armed = False    # the site is fixed: the replica answers as itself
        ...                   # the next crawl must not go back to the junk

The traps (while `armed`), on the site's own host:
- an endless pager: `/news/vo-tan.html?page=N` (a listing by the site's URL rules) always links
  page N+1, shows the real articles again with one link never shown before
  (`/bai-rac/trang-N/tin-rac`, a 404) and announces a feed never announced before
  (`/feeds/trang-K.rss`, a few junk items): new pages, new links and new feeds without end, which
  only the run's budgets stop;
- an endless pager of nothing new: `/news/lap-lai.html?page=N` always links page N+1 and shows
  the real articles again, nothing else: left after LISTING_STALE_PAGES pages;
- session ids: `/news/phien.html` (two pages) is linked with a fresh session id on every link
  (`?PHPSESSID=`, `;jsessionid=`, `?sid=`, `?sessionid=`, `?ASP.NET_SessionId=`), and so are
  the real articles it shows: without the ids dropped, every link is a page never seen;
- an endless chain of sitemap indexes: robots.txt names `/sitemaps/chuoi-1.xml`, and each index
  N names index N+1 and `/sitemaps/rac-N.xml`, a sitemap of `junk_per_sitemap` URLs that all
  answer 404 (`/bai-rac/N/<i>-tin-rac`);
- the home page links both pagers and the session listing.

As a PHP or Java site would, the server ignores session ids in what it serves: a page asked with
`?PHPSESSID=…` or `;jsessionid=…` is the page without it. Every token is fresh (a counter), and
the same from one run of the tests to the next.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from crawler.replica.server import DEFAULT_SITE_DIR, HTML, ReplicaServer, Response

if TYPE_CHECKING:
    from crawler.replica.server import _Handler

PAGER = "/news/vo-tan.html"
STALE_PAGER = "/news/lap-lai.html"
SESSIONS = "/news/phien.html"
CHAIN = re.compile(r"^/sitemaps/chuoi-(\d{1,9})\.xml$")
JUNK_SITEMAP = re.compile(r"^/sitemaps/rac-(\d{1,9})\.xml$")
FEED = re.compile(r"^/feeds/trang-(\d{1,9})\.rss$")
JUNK_PREFIX = "/bai-rac/"
XML = "application/xml; charset=utf-8"

# What the server ignores in a request, as the session handling of PHP, Java EE and ASP.NET does.
_SESSION_KEYS = frozenset({"phpsessid", "jsessionid", "sid", "sessionid", "asp.net_sessionid"})
_PATH_PARAM = re.compile(r";[^/?]*")


def junk_url(origin: str, sitemap: int, i: int) -> str:
    return f"{origin}{JUNK_PREFIX}{sitemap}/{i}-tin-rac"


class TrapServer(ReplicaServer):
    """The replica with the traps of the module's docstring while `armed` is true."""

    def __init__(
        self,
        site_dir: Path = DEFAULT_SITE_DIR,
        articles: Sequence[str] = (),
        junk_per_sitemap: int = 20_000,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(site_dir, host=host, port=port)
        self.articles = list(articles)  # paths of real articles the trap pages show
        self.junk_per_sitemap = junk_per_sitemap
        self.armed = True
        self._tokens = itertools.count(1)
        self._token_lock = threading.Lock()

    def _next(self) -> int:
        with self._token_lock:
            return next(self._tokens)

    def token(self, length: int = 32) -> str:
        """A session id never handed out before."""
        return hashlib.sha256(str(self._next()).encode()).hexdigest()[:length]

    def respond(self, handler: _Handler) -> Response:
        content = handler.host_content
        if content.name != "site":
            return super().respond(handler)
        path, _, query = handler.path.partition("?")
        path = _PATH_PARAM.sub("", path)
        params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() not in _SESSION_KEYS]
        if self.armed:
            trap = self.trap(path, dict(params), handler.origin)
            if trap is not None:
                return trap
        target = path + ("?" + urlencode(params) if params else "")
        response = content.respond(handler.command, target, handler.origin)
        if self.armed and response.status == 200:
            if path == "/robots.txt":
                line = f"\nSitemap: {handler.origin}/sitemaps/chuoi-1.xml\n".encode()
                response = Response(200, dict(response.headers), response.body.rstrip(b"\n") + line)
            elif path == "/":
                links = (
                    f'<div class="trap"><a href="{PAGER}">Tin mới</a> <a href="{STALE_PAGER}">Tin cũ</a> '
                    f"{self.session_link(SESSIONS)}</div>"
                )
                response = Response(
                    200, dict(response.headers), response.body.replace(b"</body>", links.encode() + b"</body>", 1)
                )
        return response

    def trap(self, path: str, params: dict[str, str], origin: str) -> Response | None:
        number = params.get("page", "1")
        page = int(number) if number.isdigit() else 1
        if path == PAGER:
            return self.pager(page)
        if path == STALE_PAGER:
            return self.stale_pager(page)
        if path == SESSIONS and page <= 2:
            return self.sessions(page)
        match = CHAIN.match(path)
        if match:
            return self.chain(int(match[1]), origin)
        match = JUNK_SITEMAP.match(path)
        if match:
            return self.junk_sitemap(int(match[1]), origin)
        match = FEED.match(path)
        if match:
            return self.feed(int(match[1]), origin)
        return None

    # --- the pages -------------------------------------------------------------------------

    def session_link(self, path: str, text: str = "Tin phiên") -> str:
        """A link to `path` carrying a fresh session id, in one of the usual spellings."""
        n = self._next()
        separator = "&amp;" if "?" in path else "?"
        spelling = (
            f"{separator}PHPSESSID={self.token(26)}",
            f";jsessionid={self.token(32).upper()}",
            f"{separator}sid={self.token(32)}",
            f"{separator}sessionid={self.token(24)}",
            f"{separator}ASP.NET_SessionId={self.token(24)}",
        )[n % 5]
        if spelling.startswith(";") and "?" in path:
            base, _, query = path.partition("?")
            href = f"{base}{spelling}?{escape(query)}"
        else:
            href = escape(path) + spelling
        return f'<a href="{href}">{escape(text)}</a>'

    def page(self, title: str, body: str, head: str = "") -> Response:
        html = (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title>{head}</head>'
            f'<body><h1>{escape(title)}</h1><div class="news-list">{body}</div></body></html>\n'
        )
        return Response(200, {"Content-Type": HTML}, html.encode())

    def items(self) -> str:
        return "".join(
            f'<div class="item"><h2><a href="{escape(p)}">Bài {i}</a></h2></div>' for i, p in enumerate(self.articles)
        )

    def pager(self, page: int) -> Response:
        new = f'<div class="item"><a href="{JUNK_PREFIX}trang-{page}/tin-rac">Tin {page}</a></div>'
        feed = f'<link rel="alternate" type="application/rss+xml" href="/feeds/trang-{self._next()}.rss">'
        pager = f'<div class="pager"><a href="{PAGER}?page={page + 1}">Trang sau</a></div>'
        return self.page(f"Tin mới - trang {page}", self.items() + new + pager, feed)

    def stale_pager(self, page: int) -> Response:
        pager = f'<div class="pager"><a href="{STALE_PAGER}?page={page + 1}">Trang sau</a></div>'
        return self.page(f"Tin cũ - trang {page}", self.items() + pager)

    def sessions(self, page: int) -> Response:
        links = [self.session_link(SESSIONS), self.session_link(SESSIONS, "Trang đầu")]
        links += [self.session_link(p, f"Bài {i}") for i, p in enumerate(self.articles)]
        if page == 1:
            links.append(self.session_link(f"{SESSIONS}?page=2", "Trang sau"))
        return self.page(f"Tin phiên - trang {page}", "".join(f'<div class="item">{a}</div>' for a in links))

    def chain(self, n: int, origin: str) -> Response:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{origin}/sitemaps/chuoi-{n + 1}.xml</loc></sitemap>"
            f"<sitemap><loc>{origin}/sitemaps/rac-{n}.xml</loc></sitemap>"
            "</sitemapindex>\n"
        )
        return Response(200, {"Content-Type": XML}, body.encode())

    def junk_sitemap(self, n: int, origin: str) -> Response:
        entries = "".join(
            f"<url><loc>{junk_url(origin, n, i)}</loc></url>" for i in range(1, self.junk_per_sitemap + 1)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n'
        )
        return Response(200, {"Content-Type": XML}, body.encode())

    def feed(self, n: int, origin: str) -> Response:
        items = "".join(
            f"<item><title>Tin rác {i}</title><link>{origin}{JUNK_PREFIX}feed-{n}/{i}-tin-rac</link></item>"
            for i in range(1, 11)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<rss version="2.0"><channel><title>Trang {n}</title><link>{origin}{PAGER}</link>{items}</channel></rss>\n'
        )
        return Response(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body.encode())

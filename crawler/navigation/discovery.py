"""Discovery that does not depend on URL shapes: sitemaps, feeds, what a page says about itself,
and the bound on how many unknown pages a run may look at (docs/discovery.md).

The readers are pure functions over bytes (no Scrapy response, no I/O); the middleware at the
end is the one place where a queued discovery request is dropped: once the run has met its cap
of non-article pages (MAX_DISCOVERY_PAGES), or when an article fetched meanwhile announced the
request's URL as one of its own (a short link, a canonical URL), so no article is fetched
twice in a run under two names.
"""

from __future__ import annotations

import logging
import re
from html import unescape
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.navigation.links import clean_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# A sitemap may hold 50,000 URLs (about 10 MB uncompressed, the protocol's limit); more is refused.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024


def sitemaps_in_robots(robots_txt: bytes, base_url: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, absolute."""
    return [urljoin(base_url, url.strip()) for url in sitemap_urls_from_robots(robots_txt, base_url=base_url)]


def read_sitemap(body: bytes, limit: int | None = None) -> tuple[str, list[str]]:
    """("sitemapindex" | "urlset" | "", the <loc> URLs) of a sitemap, gzipped or not: the first
    `limit` of them (the rest is not parsed). Anything that is not a sitemap (an HTML error page,
    broken XML) is ("", [])."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
        except (OSError, EOFError, ValueError) as exc:
            logger.warning("a gzipped sitemap could not be read: %s", exc)
            return "", []
    if b"<" not in body[:512]:
        return "", []
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml's errors for broken XML vary; a broken sitemap is simply not used
        return "", []
    kind = sitemap.type if sitemap.type in ("sitemapindex", "urlset") else ""
    if not kind:
        return "", []
    entries = (entry["loc"].strip() for entry in sitemap if entry.get("loc"))
    return kind, list(islice(entries, limit))


_FEED_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


def read_feed(body: bytes, base_url: str, limit: int | None = None) -> list[str]:
    """The item links of an RSS 2.0 / RSS 1.0 / Atom feed, absolute, in feed order (the first `limit`)."""
    try:
        root = etree.fromstring(body, _FEED_PARSER)
    except (etree.LxmlError, ValueError):
        return []
    if root is None:
        return []
    hrefs = root.xpath(
        "//*[local-name()='item']/*[local-name()='link']/text()"
        " | //*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
    )
    out: list[str] = []
    seen: set[str] = set()  # (a feed of 50,000 items: `url not in out` was quadratic)
    for href in hrefs:
        url = urljoin(base_url, str(href).strip())
        if urlsplit(url).scheme in ("http", "https") and url not in seen:
            seen.add(url)
            out.append(url)
            if limit is not None and len(out) >= limit:
                break
    return out


# <link …> and <meta …> tags of a page's head, and their attributes: read with a regex from the
# first bytes, not a parse, because it is asked of every article page the spider hands over
# (the extraction worker parses the page; the spider must not do it twice).
_HEAD_TAG = re.compile(rb"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
HEAD_BYTES = 65536


def self_references(body: bytes, page_url: str) -> tuple[str | None, list[str]]:
    """(canonical URL, other URLs) a page announces for itself: <link rel=canonical> (else
    og:url) and <link rel=shortlink>; absolute and cleaned (tracking parameters dropped), the
    page's own URL left out. Not checked for host here: the caller keeps the same-site ones."""
    head = body[:HEAD_BYTES]
    end = head.lower().find(b"</head>")
    if end >= 0:
        head = head[:end]
    if b"canonical" not in head and b"og:url" not in head and b"shortlink" not in head:
        return None, []
    canonical = og_url = None
    others: list[str] = []
    for tag in _HEAD_TAG.findall(head):
        attrs = {m[0].lower(): (m[1] or m[2] or m[3]) for m in _ATTR.findall(tag)}
        rel = attrs.get(b"rel", b"").lower().split()
        if b"canonical" in rel and attrs.get(b"href") and canonical is None:
            canonical = _absolute(page_url, attrs[b"href"])
        elif b"shortlink" in rel and attrs.get(b"href"):
            others.append(_absolute(page_url, attrs[b"href"]))
        elif attrs.get(b"property", b"").lower() == b"og:url" and attrs.get(b"content") and og_url is None:
            og_url = _absolute(page_url, attrs[b"content"])
    canonical = canonical or og_url
    own = clean_url(page_url)
    others = [u for u in dict.fromkeys(others) if u and u != own and u != canonical]
    return (canonical if canonical != own else None), others


def _absolute(base: str, raw: bytes) -> str:
    url = urljoin(base, unescape(raw.decode("utf-8", "replace")).strip())
    return clean_url(url) if urlsplit(url).scheme in ("http", "https") else ""


class DiscoveryCapped(IgnoreRequest):
    """A discovery request not made: the run's MAX_DISCOVERY_PAGES was met."""


class DiscoveryMiddleware:
    """Downloader middleware: drops a queued discovery request (meta `tnu_nav` == "candidate")
    when the run's cap of non-article pages is met, or when its URL turned out to be another name
    of an article this run has fetched (the spider keeps those in `announced`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getint("MAX_DISCOVERY_PAGES", 500)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoveryMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("tnu_nav") != "candidate":
            return None
        spider = self.crawler.spider
        if request.url in getattr(spider, "announced", ()):
            raise IgnoreRequest(f"already fetched under another name: {request.url}")
        from crawler.crawl_run import get_run  # the run exists only while a crawl does

        run = get_run(self.crawler)
        if run.tally.discovery_not_articles >= self.cap:
            run.tally.capped["MAX_DISCOVERY_PAGES"] += 1
            raise DiscoveryCapped(f"MAX_DISCOVERY_PAGES ({self.cap}) reached: {request.url}")
        return None

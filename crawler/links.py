"""Which links of a listing page lead to articles and which to more listings (pure functions).

The patterns come from crawler/sites.py; here is only the generic work: resolving, cleaning and
de-duplicating URLs, and recognizing pagination.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler import sites


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def is_article(url: str) -> bool:
    return _kind(_path(url)) == "article"


def is_listing(url: str) -> bool:
    return _kind(_path(url)) == "listing"


def clean_url(url: str) -> str:
    """Drop the fragment, and `page=1` (the listing itself), so each page has one URL."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not (k == sites.PAGE_PARAM and v in ("", "1"))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def page_number(url: str) -> int:
    """1 for a listing's first page, N for `?page=N`."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == sites.PAGE_PARAM and value.isdigit():
            return int(value)
    return 1


def listing_key(url: str) -> str:
    """The listing a page belongs to: its URL without the page number."""
    parts = urlsplit(clean_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != sites.PAGE_PARAM]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@dataclass
class PageLinks:
    articles: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)


def classify_hrefs(base_url: str, hrefs: list[str]) -> PageLinks:
    """Sort a page's hrefs into article and listing URLs, each once, in page order."""
    found = PageLinks()
    seen: set[str] = set()
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    for href in hrefs:
        href = href.strip()
        # An absolute or root-relative link resolves the same on every page of the host: its
        # answer is cached by origin, and a site's menus and footers are read once a crawl.
        absolute = href.startswith(("http://", "https://")) or (href.startswith("/") and not href.startswith("//"))
        kind, url = _classify(origin if absolute else base_url, href)
        if not kind or url in seen:
            continue
        seen.add(url)
        (found.articles if kind == "article" else found.listings).append(url)
    return found


@lru_cache(maxsize=16384)
def _classify(base_url: str, href: str) -> tuple[str, str]:
    """("article" | "listing" | "", clean URL) of one stripped href on a page at base_url."""
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return "", ""
    if href.startswith("/") and not href.startswith("//") and "/." not in href:
        # A root-relative link's path is the href's own (no dot segments to resolve): most of a
        # page's links are ruled out here without being resolved.
        path = href.split("#", 1)[0].split("?", 1)[0]
        if not _kind(path):
            return "", ""
    url = urljoin(base_url, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "", ""
    # Hosts are not checked here: Scrapy's offsite middleware keeps pages on the start hosts.
    kind = _kind(parts.path or "/")
    # Only the links followed are cleaned: most of a page's links (documents, menus) are not.
    return (kind, clean_url(url)) if kind else ("", "")


def _kind(path: str) -> str:
    if any(p.search(path) for p in sites.EXCLUDED_PATHS):
        return ""
    if any(p.match(path) for p in sites.ARTICLE_PATHS):
        return "article"
    if any(p.match(path) for p in sites.LISTING_PATHS):
        return "listing"
    return ""


def classify_links(response) -> PageLinks:
    """The links of a Scrapy response (hrefs of <a> and <link rel=next>)."""
    # lxml's own strings: a parsel Selector for each of a page's hundreds of links cost more
    # than classifying them.
    hrefs = _tree(response).xpath("//a/@href | //link[@rel='next']/@href")
    return classify_hrefs(response.url, [str(href) for href in hrefs])


def _tree(response):
    # The bytes parsed as they came, in the response's encoding: parsel's Selector decodes the
    # body, re-encodes it to UTF-8 and parses that, twice lxml's time on a listing page.
    try:
        root = etree.fromstring(response.body, _parser(response.encoding))
    except (LookupError, ValueError, etree.LxmlError):  # an encoding libxml2 lacks, an empty page
        root = None
    return root if root is not None else response.selector.root


@lru_cache(maxsize=8)
def _parser(encoding: str) -> etree.HTMLParser:
    return etree.HTMLParser(encoding=encoding, recover=True, huge_tree=True)

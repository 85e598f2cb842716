"""Which links of a page lead to articles, to more listings, or somewhere unknown (pure functions).

The patterns come from the site's profile (crawler/sites/: the site of each URL, by its host)
and are hints: a link they do not know is not dropped
but returned among `others`, for the spider to look at (discovery, docs/discovery.md). Here is
only the generic work: resolving, cleaning (fragments, tracking parameters, page 1) and
de-duplicating URLs (session ids dropped too), recognizing pagination in its common forms (`?page=N`, `/page/N`,
`/trang-N`, NukeViet's `/page-N.html`, rel=next, "Trang sau", "Tiếp", "›", "»"), and reading what a page says about
itself (canonical URL, short link, feeds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.sites import Site, Sites, packaged


def _site(url: str, sites: Sites | None) -> Site:
    # no sites given: the shipped profiles' (a test, a caller outside a crawl)
    return (sites or packaged()).of(url)


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def is_article(url: str, sites: Sites | None = None) -> bool:
    return _kind(_path(url), _site(url, sites)) == "article"


def is_listing(url: str, sites: Sites | None = None) -> bool:
    return _kind(_path(url), _site(url, sites)) == "listing"


def kind(url: str, sites: Sites | None = None) -> str:
    """What the rules of its site say a URL is: "article", "listing", "other" (no rule names
    it) or "" (excluded, or a file)."""
    return _kind(_path(url), _site(url, sites))


# Query parameters that only say who sent the reader (campaigns, ad clicks): the same page
# without them. Dropped from every link, so a page linked with them is fetched once, at its URL.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "zarsrc",
        "gidzl",
    }
)
TRACKING_PREFIXES = ("utm_",)

# Session ids a server puts in the links it writes (PHP, Java EE, ASP.NET, ColdFusion, shop
# systems) when a client keeps no cookie, as this crawler does: a fresh one on every link, so a
# site looks endless to whoever keeps them. Dropped from every link, query or path (`;jsessionid=`).
SESSION_PARAMS = frozenset(
    {
        "phpsessid",
        "jsessionid",
        "sessionid",
        "session_id",
        "sessid",
        "asp.net_sessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
    }
)
SESSION_PREFIXES = ("aspsessionid",)  # classic ASP: ASPSESSIONIDQQGGQGPG=…
# `sid` names a session on many sites, but a story in others (PHP-Nuke's `?sid=123`): dropped
# only when its value looks like a session token, not a number.
_SESSION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,}$")
# Path parameters (`/a.html;jsessionid=1A2B`) and ASP.NET's cookieless segment (`/(S(x1y2))/a.aspx`).
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;?#]*", re.IGNORECASE)
_ASPNET_SEGMENT = re.compile(r"/\((?:[A-Z]\([A-Za-z0-9]*\))+\)(?=/)")

# Query parameters that number a listing's pages, besides the site's own (Site.page_param).
PAGE_PARAMS = frozenset({"page", "trang", "paged", "pg"})
# ... and the same in the path: /page/2, /page/2/, /trang-2, /trang/2/, and NukeViet's
# /page-2.html (its category listings: /vi/news/<cat>/page-2.html), as the last segment only.
_PAGE_IN_PATH = re.compile(r"^(?P<base>.*?)/(?:page[-/]|trang[-/])(?P<n>\d{1,5})(?:\.html?)?/?$", re.IGNORECASE)

# Links that are files, not pages: never candidates for discovery.
_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|css|js|json|txt|xml|rss|atom|gz|pdf|docx?|xlsx?|pptx?|"
    r"zip|rar|7z|mp[34]|m4a|avi|mov|wmv|flv|woff2?|ttf|eot|exe|apk)$",
    re.IGNORECASE,
)


def _is_tracking(key: str) -> bool:
    return key.lower() in TRACKING_PARAMS or key.lower().startswith(TRACKING_PREFIXES)


def _is_session(key: str, value: str) -> bool:
    key = key.lower()
    if key == "sid":
        return bool(_SESSION_TOKEN.match(value))
    return key in SESSION_PARAMS or key.startswith(SESSION_PREFIXES)


@cache
def _page_params(site: Site) -> frozenset[str]:
    return PAGE_PARAMS | {site.page_param} if site.page_param else PAGE_PARAMS


def clean_url(url: str, sites: Sites | None = None) -> str:
    """Drop the fragment, tracking parameters (utm_*, fbclid, …), session ids (PHPSESSID,
    `;jsessionid=`, …) and page 1's number (the listing itself), so each page has one URL."""
    parts = urlsplit(url)
    page_params = _page_params(_site(url, sites))
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k in page_params and v in ("", "1")) and not _is_tracking(k) and not _is_session(k, v)
    ]
    path = parts.path or "/"
    if ";" in path or "(" in path:
        path = _ASPNET_SEGMENT.sub("", _PATH_SESSION.sub("", path)) or "/"
    match = _PAGE_IN_PATH.match(path)
    if match and match["n"] == "1":
        path = match["base"] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def page_number(url: str, sites: Sites | None = None) -> int:
    """1 for a listing's first page, N for `?page=N` (or `?trang=N`, `?paged=N`), `/page/N`, `/trang-N`,
    `/page-N.html`."""
    parts = urlsplit(url)
    page_params = _page_params(_site(url, sites))
    for key, value in parse_qsl(parts.query):
        if key in page_params and value.isdigit():
            return int(value)
    match = _PAGE_IN_PATH.match(parts.path)
    return int(match["n"]) if match else 1


def listing_key(url: str, sites: Sites | None = None) -> str:
    """The listing a page belongs to: its URL without the page number (and without a trailing
    slash, so `/chuyen-muc/x/` and `/chuyen-muc/x/page/2` belong to one listing)."""
    parts = urlsplit(clean_url(url, sites))
    page_params = _page_params(_site(url, sites))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in page_params]
    path = parts.path
    match = _PAGE_IN_PATH.match(path)
    if match:
        path = match["base"]
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


# How a pager names the next page, strongest first (compared lower-cased, spaces collapsed).
# "»" alone comes last: some pagers use it for the last page.
NEXT_TEXTS: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "trang sau",
            "trang sau ›",
            "trang sau »",
            "trang sau >",
            "tiếp",
            "tiếp theo",
            "tiếp »",
            "tiếp ›",
            "tiếp >",
            "sau",
            "sau ›",
            "sau »",
            "next",
            "next ›",
            "next »",
            "next page",
        }
    ),
    frozenset({"›", ">", "→"}),
    frozenset({"»", ">>"}),
)

# A path that says "one dated or numbered item": /2026/10/12/…, /tin/1150/…, …-1201, …-dn5521.html.
_ITEM_PATH = re.compile(
    r"/(?:19|20)\d\d/[01]?\d/|/\d{3,}(?:/|$)|[-_]\w*\d{3,}(?:\.\w+)?/?$|(?:[a-z0-9]+-){4,}[a-z0-9]+"
)


def looks_like_item(url: str) -> bool:
    """Whether a URL's path looks like one news item rather than a section: a hint that orders
    discovery (such links are fetched first), never a gate."""
    return bool(_ITEM_PATH.search(urlsplit(url).path))


@dataclass
class PageLinks:
    articles: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    # Links the site's profile does not know (neither article nor listing, not excluded, not a file).
    others: list[str] = field(default_factory=list)
    # What the page says about itself and where its pager leads (see classify_links).
    next_pages: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)


def classify_hrefs(base_url: str, hrefs: list[str], sites: Sites | None = None) -> PageLinks:
    """Sort a page's hrefs into article and listing URLs, each once, in page order (each by the
    rules of the site it leads to)."""
    sites = sites or packaged()
    found = PageLinks()
    seen: set[str] = set()
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    for href in hrefs:
        href = href.strip()
        # An absolute or root-relative link resolves the same on every page of the host: its
        # answer is cached by origin, and a site's menus and footers are read once a crawl.
        absolute = href.startswith(("http://", "https://")) or (href.startswith("/") and not href.startswith("//"))
        kind, url = _classify(origin if absolute else base_url, href, sites)
        if not kind or url in seen:
            continue
        seen.add(url)
        (found.articles if kind == "article" else found.listings if kind == "listing" else found.others).append(url)
    return found


@lru_cache(maxsize=16384)
def _classify(base_url: str, href: str, sites: Sites) -> tuple[str, str]:
    """("article" | "listing" | "other" | "", clean URL) of one stripped href on a page at base_url."""
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return "", ""
    if href.startswith("/") and not href.startswith("//") and "/." not in href:
        # A root-relative link's path is the href's own (no dot segments to resolve): files and
        # excluded paths are ruled out here without being resolved.
        path = href.split("#", 1)[0].split("?", 1)[0]
        if not _kind(path, sites.of(base_url)):
            return "", ""
    url = urljoin(base_url, href)
    if urlsplit(url).scheme not in ("http", "https"):
        return "", ""
    # Judged once cleaned: `/news/x.html;jsessionid=1A2B` is the listing /news/x.html.
    # Hosts are not checked here: the spider keeps pages on the start hosts.
    url = clean_url(url, sites)
    kind = _kind(urlsplit(url).path or "/", sites.of(url))
    return (kind, url) if kind else ("", "")


def _kind(path: str, site: Site) -> str:
    if any(p.search(path) for p in site.excluded_paths):
        return ""
    if any(p.match(path) for p in site.article_paths):
        return "article"
    if any(p.match(path) for p in site.listing_paths):
        return "listing"
    if _ASSET.search(path):
        return ""
    return "other"


def classify_links(response, sites: Sites | None = None) -> PageLinks:
    """The links of a Scrapy response (hrefs of <a> and <link rel=next>), its pager's next page
    (rel=next, then "Trang sau"/"Tiếp"/"›"/"»" links, strongest first), the other URLs it
    announces for itself (<link rel=canonical>, og:url, <link rel=shortlink>) and its feeds
    (<link rel=alternate> RSS/Atom); all absolute and cleaned."""
    # lxml's own strings: a parsel Selector for each of a page's hundreds of links cost more
    # than classifying them.
    tree = _tree(response)
    hrefs = tree.xpath("//a/@href | //link[@rel='next']/@href")
    found = classify_hrefs(response.url, [str(href) for href in hrefs], sites)
    base = response.url
    nexts = [str(h) for h in tree.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href")]
    ranked: list[list[str]] = [[] for _ in NEXT_TEXTS]
    for anchor in tree.xpath("//a[@href][string-length(normalize-space(.)) < 20]"):
        text = " ".join("".join(anchor.itertext()).split()).lower()
        for rank, names in enumerate(NEXT_TEXTS):
            if text in names:
                ranked[rank].append(anchor.get("href"))
                break
    found.next_pages = _absolute(base, nexts + [h for group in ranked for h in group], sites)
    found.aliases = _absolute(
        base,
        [
            str(h)
            for h in tree.xpath(
                "//link[@rel='canonical']/@href | //meta[@property='og:url']/@content | //link[@rel='shortlink']/@href"
            )
        ],
        sites,
    )
    found.feeds = _absolute(
        base,
        [
            str(h)
            for h in tree.xpath("//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href")
        ],
        sites,
    )
    return found


def _absolute(base: str, hrefs: list[str], sites: Sites | None = None) -> list[str]:
    out: list[str] = []
    for href in hrefs:
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = clean_url(urljoin(base, href), sites)
        if urlsplit(url).scheme in ("http", "https") and url not in out:
            out.append(url)
    return out


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

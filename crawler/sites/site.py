"""The `Site` type: what tnu-archive knows about one news site, read from its profile.

A profile is data, one TOML table per site (profiles/*.toml shipped in the package, or a
`[sites.NAME]` table of tnu-archive.toml beside the database). Only `hosts` or `start_urls` are
needed; every rule is optional, and a site without rules is read by the generic rules alone:

    title = "Trường Đại học Ví dụ"                   # the site's owner, as it names itself
    title_en = "Example University"                  # the same name in English (the dataset's metadata)
    member_of = "tnu"                                # the site of the institution it belongs to
    home = "https://example.edu.vn/"                 # its home page (default: the first start URL)
    hosts = ["example.edu.vn", "www.example.edu.vn"] # each with its subdomains
    start_urls = ["https://example.edu.vn/"]
    timezone = "Asia/Ho_Chi_Minh"                    # the site's clock
    language = "vi"
    enabled = true                                   # crawled by a plain `tnu-archive crawl`
    title_names = ["…"]                              # how the site's name ends page titles
    archive_matches = ["*.example.edu.vn"]           # `recover`'s CDX patterns besides every host's
    shared_rules = false                             # its rules also read hosts no profile claims

    [urls]                                           # hints that save requests, never gates
    article = ['^/tin-tuc/[a-z0-9-]+\\.html$']       # regular expressions matched on the path
    listing = ['^/tin-tuc\\.html$']
    excluded = ['^/admin/']                          # searched anywhere in the path
    page_param = "trang"                             # the query parameter numbering a listing's pages

    [[layouts]]                                      # CSS selectors per layout, newest first
    layout = "2026"
    body = "article .content"                        # also title, date, views, author, breadcrumb, furniture

    [politeness]                                     # per host, above the crawl's defaults
    download_delay = 2.0
    concurrency = 1

    [categories]                                     # a category as printed -> as the dataset names it
    "News" = "Tin tức"

Nothing here fetches or reads files: `parse` turns one table into one Site, with a one-line
SiteError for anything it cannot use.
"""

from __future__ import annotations

import hashlib
import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archive.storage.sites import adhoc_name

# A profile's name: what `--site` takes and `articles.site` holds. Host-like names (dots,
# colons) are left to the sites no profile claims, which are named by their host.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# A site's clock and language when its profile names none: those of every site listed so far.
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANGUAGE = "vi"
# A language tag as BCP 47 writes the common ones: vi, en, en-GB, zh-Hant.
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
SELECTOR_KEYS = ("body", "title", "date", "views", "author", "breadcrumb", "furniture")
_TOP_KEYS = {
    "title",
    "title_en",
    "member_of",
    "home",
    "hosts",
    "start_urls",
    "timezone",
    "language",
    "enabled",
    "title_names",
    "archive_matches",
    "shared_rules",
    "urls",
    "layouts",
    "politeness",
    "categories",
}
_URL_KEYS = {"article", "listing", "excluded", "page_param"}
_POLITENESS_KEYS = {"download_delay", "concurrency"}


class SiteError(ValueError):
    """A profile that cannot be used; the message is one line naming where it is."""


@dataclass(frozen=True, eq=False)
class Site:
    """One site. Frozen and compared by identity: a crawl's sites are made once, and the URL
    classifier caches its answers per site."""

    name: str
    title: str | None  # the name of the site's owner, as it names itself: the dataset's publisher
    hosts: tuple[str, ...]
    start_urls: tuple[str, ...] = ()
    title_en: str | None = None  # the same name in English, for the dataset's metadata
    home: str | None = None  # the site's home page: its first start URL unless the profile says
    # the site (its name) of the institution this one's owner belongs to: a dataset of the
    # institution's sites is titled after it (archive/dataset/publisher.py)
    member_of: str | None = None
    timezone: str = DEFAULT_TIMEZONE  # an IANA name: a printed time without an offset is on this clock
    language: str = DEFAULT_LANGUAGE  # a BCP 47 tag: the language dates are read in first
    enabled: bool = True
    # URL rules (crawler/navigation/links.py): hints, not gates
    article_paths: tuple[re.Pattern[str], ...] = ()
    listing_paths: tuple[re.Pattern[str], ...] = ()
    excluded_paths: tuple[re.Pattern[str], ...] = ()
    page_param: str | None = None
    # extraction (crawler/extract/article.py): one selector set per layout, newest first
    selectors: tuple[Mapping[str, str], ...] = ()
    title_names: tuple[str, ...] = ()
    categories: Mapping[str, str] = field(default_factory=dict)
    # politeness, per host (crawler/sites/registry.py download_slots)
    download_delay: float | None = None
    concurrency: int | None = None
    archive_matches: tuple[str, ...] = ()  # the profile's own; `recover_matches` adds every host's
    shared_rules: bool = False
    digest: str | None = None  # of the profile's data: the `sites` table notes when it changes
    origin: str = ""  # where it was defined: a profile file, tnu-archive.toml, or "" (ad hoc)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The site's clock (ZoneInfo caches one instance per name)."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def adhoc(self) -> bool:
        """A site no profile defines: a host crawled from a --start-url."""
        return not self.origin

    @property
    def recover_matches(self) -> tuple[str, ...]:
        """What `tnu-archive recover` asks web archives for: every host as `host/*` (its port
        too), then the profile's own `archive_matches`. A `www.` host is asked for though most
        CDX servers fold it into the bare host: one that does not would hide its captures, and
        the same capture answered twice is fetched once."""
        return tuple(dict.fromkeys([*(f"{host}/*" for host in self.hosts), *self.archive_matches]))


def digest(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def parse(name: str, data: Mapping[str, Any], origin: str) -> Site:
    """The Site a profile's table describes; SiteError (one line, naming `origin`) otherwise."""
    where = f"{origin}: site {name!r}"
    if not NAME.match(name):
        raise SiteError(f"{where}: a site's name is lower-case letters, digits, - and _ (at most 40)")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise SiteError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    start_urls = _strings(data, "start_urls", where)
    home = _string(data, "home", where)
    for key, url in [*(("start_urls", u) for u in start_urls), *((("home", home),) if home else ())]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SiteError(f"{where}: {key}: not an http(s) URL: {url!r}")
    # hosts default to the start URLs' (with their ports): a one-line profile of a test replica
    hosts = _strings(data, "hosts", where) or tuple(dict.fromkeys(adhoc_name(u) for u in start_urls))
    if not hosts:
        raise SiteError(f'{where}: give its hosts (hosts = ["example.edu.vn"]) or its start_urls')
    for host in hosts:
        if "/" in host or not adhoc_name(host):
            raise SiteError(f'{where}: hosts: {host!r} is no host name (e.g. "example.edu.vn", "127.0.0.1:8001")')
    timezone = _string(data, "timezone", where) or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SiteError(f'{where}: timezone {timezone!r} is no IANA time zone (e.g. "Asia/Ho_Chi_Minh")') from None
    language = _string(data, "language", where) or DEFAULT_LANGUAGE
    if not LANGUAGE.match(language):
        raise SiteError(f'{where}: language {language!r} is no language tag (e.g. "vi", "en")')
    urls = _table(data, "urls", where, _URL_KEYS)
    politeness = _table(data, "politeness", where, _POLITENESS_KEYS)
    categories = _table(data, "categories", where, None)
    for printed, archived in categories.items():
        if not isinstance(archived, str):
            raise SiteError(f"{where}: categories: {printed!r} must name a category (a string)")
    title = _string(data, "title", where)
    member_of = _string(data, "member_of", where)
    if member_of is not None and (not NAME.match(member_of) or member_of == name):
        raise SiteError(f'{where}: member_of {member_of!r} is no other site\'s name (e.g. "tnu")')
    return Site(
        name=name,
        title=title,
        hosts=tuple(h.lower() for h in hosts),
        start_urls=start_urls,
        title_en=_string(data, "title_en", where),
        member_of=member_of,
        home=home or (start_urls[0] if start_urls else None),
        timezone=timezone,
        language=language,
        enabled=_flag(data, "enabled", where, True),
        article_paths=_patterns(urls, "article", where),
        listing_paths=_patterns(urls, "listing", where),
        excluded_paths=_patterns(urls, "excluded", where),
        page_param=_string(urls, "page_param", f"{where}: urls"),
        selectors=_layouts(data, where),
        title_names=_strings(data, "title_names", where) or ((title,) if title else ()),
        categories=dict(categories),
        download_delay=_number(politeness, "download_delay", where, float),
        concurrency=_number(politeness, "concurrency", where, int),
        archive_matches=_archive_matches(data, where),
        shared_rules=_flag(data, "shared_rules", where, False),
        digest=digest({"name": name, **data}),
        origin=origin,
    )


def _string(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise SiteError(f"{where}: {key} must be a string")
    return value or None


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SiteError(f"{where}: {key} must be a list of strings")
    return tuple(v.strip() for v in value)


def match_host(pattern: str) -> str:
    """The host a URL pattern names (`tnu.edu.vn/*`, `*.tnu.edu.vn`, `http://en.tnu.edu.vn/news/*`):
    recovery keeps the captures of that host and its subdomains. ValueError when it names none."""
    rest = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", pattern.strip()).removeprefix("*.")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    host = re.sub(r":\d*$", "", host).strip(".").lower()
    if not host or re.search(r"[\s*\[\]:@\\]", host):
        raise ValueError(f"no host in the URL pattern {pattern!r} (e.g. tnu.edu.vn/*)")
    return host


def _archive_matches(data: Mapping[str, Any], where: str) -> tuple[str, ...]:
    matches = _strings(data, "archive_matches", where)
    for pattern in matches:
        try:
            match_host(pattern)
        except ValueError as exc:
            raise SiteError(f"{where}: archive_matches: {exc}") from None
    return matches


def _flag(data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise SiteError(f"{where}: {key} must be true or false")
    return value


def _number(data: Mapping[str, Any], key: str, where: str, kind: type) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (kind is int and value < 1):
        raise SiteError(f"{where}: politeness.{key} must be a positive number")
    return kind(value)


def _table(data: Mapping[str, Any], key: str, where: str, known: set[str] | None) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise SiteError(f"{where}: {key} must be a table ([{key}])")
    if known is not None:
        unknown = sorted(set(value) - known)
        if unknown:
            raise SiteError(f"{where}: unknown key {key}.{unknown[0]} (known: {', '.join(sorted(known))})")
    return value


def _patterns(urls: Mapping[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for pattern in _strings(urls, key, f"{where}: urls"):
        try:
            out.append(re.compile(pattern))
        except re.error as exc:
            raise SiteError(f"{where}: urls.{key}: {pattern!r} is no regular expression ({exc})") from None
    return tuple(out)


def _layouts(data: Mapping[str, Any], where: str) -> tuple[Mapping[str, str], ...]:
    from lxml.cssselect import CSSSelector  # noqa: PLC0415 — lxml only when a profile has layouts

    layouts = data.get("layouts", [])
    if not isinstance(layouts, list) or not all(isinstance(layout, Mapping) for layout in layouts):
        raise SiteError(f"{where}: layouts must be tables ([[layouts]])")
    out = []
    for number, layout in enumerate(layouts, start=1):
        name = layout.get("layout") or str(number)
        unknown = sorted(set(layout) - {"layout", *SELECTOR_KEYS})
        if unknown:
            raise SiteError(f"{where}: layout {name}: unknown key {unknown[0]!r} (known: {', '.join(SELECTOR_KEYS)})")
        if not isinstance(layout.get("body"), str):
            raise SiteError(f"{where}: layout {name}: needs a body selector (the article's text)")
        for key in SELECTOR_KEYS:
            selector = layout.get(key)
            if selector is None:
                continue
            try:
                CSSSelector(selector, translator="html")
            except Exception as exc:  # cssselect's SelectorError, or a non-string
                raise SiteError(f"{where}: layout {name}: {key} = {selector!r} is no CSS selector ({exc})") from None
        out.append({"layout": str(name), **{k: layout[k] for k in SELECTOR_KEYS if k in layout}})
    return tuple(out)

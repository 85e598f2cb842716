"""Every site tnu-archive knows, and the site of any URL.

The profiles shipped in the package (profiles/*.toml, one file a site) come first; an operator
adds sites, or changes a shipped one's keys, with `[sites.NAME]` tables in tnu-archive.toml
beside the database. A URL belongs to the site whose hosts claim its host most specifically
(archive/storage/sites.py); a host no profile claims is never refused: it is a site of its own, named
by its host (and port), read by the rules of the profiles that share theirs (`shared_rules`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from archive.storage.sites import adhoc_name, claimant
from crawler.sites.config import ConfigError, read_config

from .site import Site, SiteError, parse

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
# The same folder read as package data: in a scrapyd job the package is a zipped egg, where
# PROFILES_DIR is no folder and a glob of it finds nothing (docs/scale.md).
PROFILES = resources.files(__package__).joinpath("profiles")
# The rules an ad-hoc site borrows from the profiles that share theirs.
_RULES = ("article_paths", "listing_paths", "excluded_paths", "selectors", "title_names")


class Sites:
    """The sites of one crawl (or one command), by name, and `of(url)`: the site of any URL."""

    def __init__(self, sites: Iterable[Site]):
        self.by_name: dict[str, Site] = {}
        for site in sites:
            self.by_name[site.name] = site
        self._claims = [(site.name, site.hosts) for site in self.by_name.values()]
        self._check_claims()
        for site in self.by_name.values():
            if site.member_of is not None and site.member_of not in self.by_name:
                raise SiteError(f"{site.origin}: site {site.name!r}: member_of {site.member_of!r} names no site")
        shared = [site for site in self.by_name.values() if site.shared_rules]
        self._borrowed = {name: tuple(x for site in shared for x in getattr(site, name)) for name in _RULES}
        self._borrowed["page_param"] = next((s.page_param for s in shared if s.page_param), None)
        self._by_host: dict[str, Site] = {}

    def _check_claims(self) -> None:
        owner: dict[str, str] = {}
        for name, hosts in self._claims:
            for host in hosts:
                if owner.setdefault(adhoc_name(host), name) != name:
                    where = self.by_name[name].origin
                    raise SiteError(f"{where}: host {host} is claimed by both {owner[adhoc_name(host)]} and {name}")

    def __iter__(self) -> Iterator[Site]:
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def get(self, name: str) -> Site | None:
        return self.by_name.get(name)

    def enabled(self) -> list[Site]:
        return [site for site in self if site.enabled]

    def of(self, url: str) -> Site:
        """The site a URL belongs to: the profile that claims its host most specifically, else
        an ad-hoc site named by the host (and port)."""
        netloc = urlsplit(url).netloc
        site = self._by_host.get(netloc)
        if site is None:
            name = claimant(url, self._claims)
            site = self.by_name[name] if name else self._adhoc(url)
            if len(self._by_host) < 4096:  # a crawl meets a few hosts; a bound all the same
                self._by_host[netloc] = site
        return site

    def _adhoc(self, url: str) -> Site:
        name = adhoc_name(url)
        return Site(name=name, title=None, hosts=(name,), **self._borrowed)

    def chosen(self, names: Sequence[str]) -> list[Site]:
        """The sites of these names, in order; SiteError (one line) for a name no profile has."""
        out = []
        for name in names:
            site = self.get(name)
            if site is None:
                known = ", ".join(sorted(self.by_name)) or "none"
                raise SiteError(f"no site named {name!r} (`tnu-archive sites` lists them: {known})")
            out.append(site)
        return out

    def start(self, names: Sequence[str] = (), start_urls: Sequence[str] = ()) -> list[str]:
        """The start URLs of a crawl: those given, and those of the sites named; neither: those
        of every enabled site. SiteError for a name no profile has, or a site without start URLs."""
        urls = list(start_urls)
        for site in self.chosen(names):
            name = site.name
            if not site.start_urls:
                raise SiteError(f"{site.origin}: site {name!r} has no start_urls to crawl from")
            urls.extend(site.start_urls)
        if not names and not start_urls:
            urls = [url for site in self.enabled() for url in site.start_urls]
        return list(dict.fromkeys(urls))

    def recover_matches(self, names: Sequence[str] = (), matches: Sequence[str] = ()) -> list[str]:
        """The CDX patterns `tnu-archive recover` asks web archives for: those given, and every
        host of the sites named (Site.recover_matches); neither: those of every enabled site.
        SiteError for a name no profile has."""
        patterns = [p for site in self.chosen(names) for p in site.recover_matches]
        if not names and not matches:
            patterns = [p for site in self.enabled() for p in site.recover_matches]
        return list(dict.fromkeys([*patterns, *matches]))

    def of_run(self, start_urls: Sequence[str]) -> list[Site]:
        """The sites a crawl from these start URLs covers, each once, in order."""
        return list({id(site): site for site in (self.of(url) for url in start_urls)}.values())


def download_slots(sites: Iterable[Site]) -> dict[str, dict[str, float | int]]:
    """Scrapy's DOWNLOAD_SLOTS for the profiles' politeness overrides: one slot per host (Scrapy's
    slots are host names), with the site's delay and concurrency."""
    slots: dict[str, dict[str, float | int]] = {}
    for site in sites:
        overrides: dict[str, float | int] = {}
        if site.download_delay is not None:
            overrides["delay"] = site.download_delay
        if site.concurrency is not None:
            overrides["concurrency"] = site.concurrency
        if overrides:
            for host in site.hosts:
                slots[urlsplit("//" + host).hostname or host] = dict(overrides)
    return slots


@cache
def _packaged() -> tuple[Site, ...]:
    sites = []
    for path in sorted((p for p in PROFILES.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name):
        sites.append(parse(path.name.removesuffix(".toml"), _profile(path.name), str(path)))
    return tuple(sites)


def _profile(file_name: str) -> dict:
    """A shipped profile's table, read as package data (from a folder or a zipped egg alike)."""
    path = PROFILES.joinpath(file_name)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteError(f"{path}: cannot read the profile ({exc})") from None


@cache
def packaged() -> Sites:
    """The sites whose profiles ship with tnu-archive (one registry: callers that name no sites
    share it, and what it caches)."""
    return Sites(_packaged())


def load(db_path: str | Path | None = None) -> Sites:
    """The shipped profiles, with the `[sites.NAME]` tables of tnu-archive.toml beside the
    database: a new name adds a site, a shipped one's name changes the keys it gives.
    SiteError (one line) for a profile that cannot be used."""
    sites = {site.name: site for site in _packaged()}
    if db_path is None:
        return Sites(sites.values())
    try:
        config, path = read_config(db_path)
    except ConfigError as exc:
        raise SiteError(str(exc)) from None
    tables = config.get("sites", {})
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise SiteError(f"{path}: sites must be tables, one a site: [sites.NAME]")
    for name, table in tables.items():
        shipped = sites.get(name)
        if shipped is None:
            sites[name] = parse(name, table, str(path))
        else:  # the shipped profile with the operator's keys in place of its own
            data = {**_profile(f"{name}.toml"), **table}
            sites[name] = replace(parse(name, data, str(path)), origin=f"{shipped.origin} + {path}")
    return Sites(sites.values())

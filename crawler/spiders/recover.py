"""Spider `recover`: the site's lost years, from a web archive speaking the Wayback CDX API.

Navigation only, as the `news` spider: the CDX index is walked (crawler/recovery/cdx.py reads both
dialects and decides when the walk is over), each capture worth reading is fetched raw
(`<replay><timestamp>id_/<url>`) and handed to the pipeline (crawler/recovery/pipeline.py),
which extracts it with the crawler's extractor and stores it under its original URL.

The patterns are every host of the sites asked for (`-a site=tnu,tnue`, their profiles'), and
any given (`-a match=…`); neither: every enabled site's. Only successful HTML captures are
fetched, and only http(s) ones of the hosts the patterns name (and their subdomains, the crawl's
off-site rule), with a capture time that is a date and not in the future: the index is hostile
input. Captures of article URLs (their sites' profiles' rules) are fetched; listings, excluded
paths, files and home pages are not; a URL no rule names is a candidate, judged by the content of
one capture (crawler/recovery/candidates.py, bounded by RECOVER_MAX_CANDIDATES), so the URLs of
older generations of a site come back too. Identical captures (same URL, same digest) are
fetched once, and captures recovered by an earlier run (recovered_captures), or of a URL judged
no article, never again: a killed recovery resumes where it stopped, a second one changes nothing.

Every walk of the index is bounded (cdx.Walk: CDX_MAX_PAGES, CDX_MAX_BARREN_PAGES) and so is
what one page may hold in memory (CDX_MAX_PAGE_ROWS); a bound that cut a walk short is one of
the run's problems, never silent. A walk left unfinished (a bound, --limit, a kill) goes on in the
next run where it stopped: its resume key is kept in the archive (cdx_walks).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import groupby
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive.error_kinds import (
    CAPTURE_NOT_HTML,
    CDX_BAD_TIMESTAMP,
    CDX_NOT_SITE,
    CDX_ROWS_UNREAD,
    CDX_UNREADABLE,
)
from archive.operations import recovery
from archive.outcome import EXIT_FAILED, EXIT_USAGE
from crawler import settings as default_settings
from crawler.crawl_run import STANDS_FOR, get_run, refuse
from crawler.fetching.errors import error_kind
from crawler.fetching.offsite import on_hosts
from crawler.navigation import links
from crawler.recovery import cdx
from crawler.recovery.candidates import Candidates
from crawler.sites import Site, SiteError, Sites
from crawler.sites import load as load_sites
from crawler.sites.site import match_host

# Older index pages first would not matter (each page is read whole); captures before the next
# index page, so a long walk keeps few requests waiting.
CDX_PRIORITY = 0
CAPTURE_PRIORITY = 10
# A candidate's verdict decides whether its URL's other captures are read: after the article
# captures, before the next index page.
CANDIDATE_PRIORITY = 5

MAX_PROBLEMS_NAMED = 50

# A replay URL after the archive's redirect to the nearest capture: `.../<timestamp>id_/<url>`.
_RAW_TIMESTAMP = re.compile(r"/(\d{14})id_/")
# A URL an index lists raw never holds a space or a control character (they are %-encoded).
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class RecoverSpider(scrapy.Spider):
    name = "recover"
    run_kind = "recover"  # crawl_runs.kind
    # Set by from_crawler: every site known, the CDX patterns asked for, the hosts they name, and
    # the sites of those hosts: the run's sites, each accounted on its own (run_sites), as a crawl's.
    sites: Sites
    matches: list[str]
    hosts: list[str]
    run_sites: list[Site]
    # Why a run that found no article capture is "empty" (exit 3), in its terms.
    nothing_found = (
        "the CDX index listed no successful HTML capture of an article URL, nor of a page that read "
        "as an article (check --site, --match, --from/--to, and that --cdx-api answers CDX queries)"
    )

    custom_settings = {
        "ITEM_PIPELINES": {"crawler.recovery.pipeline.RecoverPipeline": 300},
        # The Wayback Machine throttles heavy users: one request at a time, at most one a
        # second (no jitter below it); AutoThrottle only ever slows down from there, and 429s
        # wait for their Retry-After (crawler/fetching/retry_after.py). --set overrides any of these.
        "DOWNLOAD_DELAY": 1.0,
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 1,
        # A CDX answer for a whole host can be large; raw captures are pages like the site's.
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 16 * 1024 * 1024,
        # The archive's robots.txt rules its own replay and index (web.archive.org allows them).
        "ROBOTSTXT_OBEY": True,
    }

    def __init__(
        self,
        cdx_api: str = cdx.WAYBACK_CDX,
        replay: str = cdx.WAYBACK_REPLAY,
        match: str | Iterable[str] | None = None,
        site: str | Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | str | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # `scrapy crawl recover -a match=A,B -a site=tnu,tnue` passes one string each.
        self.asked_matches = _listed(match)
        self.asked_sites = _listed(site)
        self.cdx_api = cdx_api
        self.replay = replay if replay.endswith("/") else replay + "/"
        self.since = cdx.check_date(since) if since else None
        self.until = cdx.check_date(until) if until else None
        self.limit = int(limit) if limit not in (None, "") else None
        # The archive's addresses are the run's start hosts: the only ones it connects to.
        self.start_urls = [cdx_api, self.replay]
        self.allowed_domains = sorted({urlsplit(u).hostname for u in self.start_urls if urlsplit(u).hostname})
        # (url, digest) of the captures worth reading met in this run: no more than the pages
        # read hold (CDX_MAX_PAGES x CDX_MAX_PAGE_ROWS), and in practice what the run fetches.
        self.seen: set[tuple[str, str]] = set()
        self.walks: dict[str, cdx.Walk] = {}
        self.scheduled = 0

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> RecoverSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The sites: the shipped profiles and the operator's (tnu-archive.toml beside the archive).
        try:
            spider.sites = load_sites(crawler.settings.get("ARCHIVE_DB"))
        except SiteError as exc:
            refuse(str(exc), EXIT_FAILED)
        try:  # `scrapy crawl recover -a site=nowhere` (`tnu-archive recover` checked it before)
            spider.matches = spider.sites.recover_matches(spider.asked_sites, spider.asked_matches)
            # Only the captures of the hosts asked for (and their subdomains) are read.
            spider.hosts = sorted({match_host(m) for m in spider.matches})
        except (SiteError, ValueError) as exc:
            refuse(str(exc), EXIT_USAGE)
        if not spider.matches:
            refuse("no site to recover: every profile is disabled (give --site NAME or --match PATTERN)", EXIT_USAGE)
        # A pattern's index pages count for the site of its host (its captures, for their own URL's).
        spider.pattern_sites = {m: f"http://{match_host(m)}/" for m in spider.matches}
        spider.run_sites = spider.sites.of_run(list(spider.pattern_sites.values()))
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        def bound(name: str, least: int = 1) -> int:  # crawler/settings.py documents each
            return max(least, self.crawler.settings.getint(name, getattr(default_settings, name)))

        self.max_page_rows = bound("CDX_MAX_PAGE_ROWS")
        self.candidates = Candidates(bound("RECOVER_MAX_CANDIDATES", 0))
        db = get_run(self.crawler).archive.db
        for match in self.matches:
            walk = cdx.Walk(max_pages=bound("CDX_MAX_PAGES"), max_barren=bound("CDX_MAX_BARREN_PAGES"))
            self.walks[match] = walk
            # a walk an earlier run left unfinished goes on where it was (cdx_walks)
            walk.resume_at = recovery.walk_resume_key(db, self.cdx_api, match, self.since, self.until)
            if walk.resume_at is not None:
                self.logger.info("the CDX walk of %s goes on at the resume key %r", match, walk.resume_at)
            yield self.cdx_request(match, walk.resume_at)

    def cdx_request(self, match: str, key: str | None) -> scrapy.Request:
        return scrapy.Request(
            cdx.query_url(self.cdx_api, match, since=self.since, until=self.until, resume_key=key),
            callback=self.parse_cdx,
            errback=self.failed,
            priority=CDX_PRIORITY,
            dont_filter=True,
            meta={"match": match, "resume_key": key, STANDS_FOR: self.pattern_sites[match]},
        )

    def save_walk(self, match: str, key: str | None) -> None:
        get_run(self.crawler).writer.save_walk(self.cdx_api, match, self.since, self.until, key)

    def run_finished(self) -> None:
        """Every request done (the run was not stopped): each walk goes on next time where it
        ends now; one that read its index to the end starts again from its first page."""
        for match, walk in self.walks.items():
            self.save_walk(match, walk.resume_at)

    def parse_cdx(self, response: Response) -> Iterable[scrapy.Request]:
        run = get_run(self.crawler)
        match = response.meta["match"]
        walk = self.walks[match]
        site = run.request_site(response.request)
        walk.reading(response.meta["resume_key"])
        if walk.previous is not None:
            # A run killed from now on goes on at the page before this one: its captures are
            # all fetched and written by now (they come before the next index page), or waiting
            # for their candidate's verdict, so the next run reads it again (what it recovered is skipped).
            self.save_walk(match, walk.previous)
        try:
            page = cdx.parse(response.text, now=cdx.now_timestamp(), max_rows=self.max_page_rows, html_only=True)
        except (cdx.CdxError, AttributeError) as exc:  # AttributeError: not a text response
            run.tally.error(CDX_UNREADABLE, site)
            run.tally.problems.append(f"{response.url}: not a CDX answer ({exc})")
            return
        if walk.repeats(page):
            return  # a server that ignores paging answered with a page read already
        if page.bad_times:
            run.tally.error(CDX_BAD_TIMESTAMP, site, page.bad_times)
        if page.unread:
            run.tally.error(CDX_ROWS_UNREAD, site, page.unread)
            run.tally.problems.append(
                f"{response.url}: {page.unread} rows past the first {self.max_page_rows} not read "
                "(CDX_MAX_PAGE_ROWS; or narrow --match, --from/--to)"
            )
        articles, others = [], []
        for capture in page.captures:  # successful HTML captures only: no redirect, error or image
            if not self.on_site(capture.url):
                run.tally.error(CDX_NOT_SITE, site)
            elif cdx.in_range(capture, self.since, self.until):
                kind = self.kind(capture.url)
                if kind == "article":
                    articles.append(capture)
                elif kind == "other" and self.candidates.cap:
                    others.append(capture)
        fresh = cdx.collapse(articles, self.seen)
        wanted = len(fresh)
        for capture in fresh:
            request = self.article_capture(capture)
            if request is not None:
                yield request
        # collapse() keeps a URL's captures together, oldest first
        for url, captures in groupby(cdx.collapse(others, self.seen), key=lambda capture: capture.url):
            worth, requests = self.candidate_captures(url, list(captures))
            wanted += worth
            yield from requests
        key = walk.next_key(page, wanted=wanted)
        if walk.stopped:
            run.tally.problems.append(
                f"the CDX walk of {match} {walk.stopped}: captures after it not read (the next recovery goes on there)"
            )
        if self.limited():
            walk.resume_at = walk.current  # this page's captures past --limit are read next time
        elif key is not None:
            yield self.cdx_request(match, key)

    def on_site(self, url: str) -> bool:
        """An http(s) URL of a host asked for, or of its subdomains: an index's `original` can
        be `javascript:…`, `data:…` or another site's page, which are never the site's articles."""
        if _UNSAFE.search(url):
            return False
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:  # e.g. an unclosed [IPv6 address
            return False
        return parts.scheme.lower() in ("http", "https") and on_hosts(host, self.hosts)

    def kind(self, url: str) -> str:
        """What the rules of its site's profile say a capture's URL is (links.kind); a home page
        is never an article, whatever rules its site has (or lacks)."""
        parts = urlsplit(url)
        if parts.path in ("", "/") and not parts.query:
            return ""
        return links.kind(url, self.sites)

    def limited(self) -> bool:
        """--limit met: no more captures fetched this run."""
        return self.limit is not None and self.scheduled >= self.limit

    def article_capture(self, capture: cdx.Capture) -> scrapy.Request | None:
        """The request for a capture of an article URL, unless recovered before or past --limit."""
        run = get_run(self.crawler)
        run.tally.links_seen(1, run.site_name(capture.url))
        if recovery.is_recovered(run.archive.db, capture.url, capture.timestamp, capture.digest) or self.limited():
            return None
        self.scheduled += 1
        return self.capture_request(capture)

    def candidate_captures(self, url: str, captures: list[cdx.Capture]) -> tuple[int, Iterator[scrapy.Request]]:
        """(how many are worth reading, the requests) for the fresh captures of a URL no rule
        names (crawler/recovery/candidates.py): read as an article's once one of its captures
        was an article, never once judged no article, else one fetched to judge the URL by."""
        run = get_run(self.crawler)
        verdict = self.candidates.verdict(url)
        if verdict is None and not self.candidates.judging(url):
            verdict = recovery.url_verdict(run.archive.db, url)
        if verdict is False:
            return 0, iter(())  # no article: none of its captures is fetched again
        if verdict is True:
            requests = [self.article_capture(capture) for capture in captures]
            return len(captures), (request for request in requests if request is not None)
        if self.candidates.judging(url):
            self.candidates.wait(url, captures)
            return len(captures), iter(())
        if self.limited():
            return len(captures), iter(())
        capture = self.candidates.take(url, captures)
        if capture is None:  # the run's cap met: counted, named among its problems (crawler/navigation/budgets.py)
            run.tally.capped["RECOVER_MAX_CANDIDATES"] += 1
            return 0, iter(())
        self.scheduled += 1
        return len(captures), iter((self.capture_request(capture, candidate=True),))

    def judged(self, url: str, article: bool | None) -> None:
        """The verdict on a candidate URL (the pipeline read its capture; None: it could not be
        read): an article's waiting captures are fetched now."""
        for capture in self.candidates.judged(url, article):
            if self.limited():
                break
            self.scheduled += 1
            self.crawler.engine.crawl(self.capture_request(capture))

    def capture_request(self, capture: cdx.Capture, *, candidate: bool = False) -> scrapy.Request:
        meta = {
            "capture": {
                "url": capture.url,
                "timestamp": capture.timestamp,
                "digest": capture.digest,
                "captured_at": capture.captured_at,
                "raw_url": capture.raw_url(self.replay),
                "candidate": candidate,  # its URL is judged by what this capture holds
            },
            STANDS_FOR: capture.url,  # a page of the capture's site
        }
        return scrapy.Request(
            capture.raw_url(self.replay),
            callback=self.parse_capture,
            errback=self.failed,
            priority=CANDIDATE_PRIORITY if candidate else CAPTURE_PRIORITY,
            meta=meta,
        )

    def parse_capture(self, response: Response) -> Iterable[dict[str, Any]]:
        run = get_run(self.crawler)
        capture = dict(response.meta["capture"])
        if not isinstance(response, TextResponse):
            run.tally.error(CAPTURE_NOT_HTML, run.site_name(capture["url"]))
            if capture["candidate"]:
                self.judged(capture["url"], None)
            return
        # When the asked capture is not exact, the Wayback Machine redirects to the nearest one
        # and pywb serves it directly, naming it in Content-Location: the content is that
        # capture's, and so are its time and address.
        served = urljoin(response.url, (response.headers.get(b"Content-Location") or b"").decode("latin-1"))
        # A time that is no date or is in the future is not believed: the index's stays.
        for address in (served, response.url):
            moved = _RAW_TIMESTAMP.search(address)
            if (
                moved
                and address.endswith("id_/" + capture["url"])
                and moved.group(1) != capture["timestamp"]
                and cdx.valid_timestamp(moved.group(1), cdx.now_timestamp()) is not None
            ):
                capture["timestamp"] = moved.group(1)
                capture["captured_at"] = cdx.Capture(capture["url"], moved.group(1), 200, None, None).captured_at
                capture["raw_url"] = address
                break
        yield {"capture": capture, "body": response.body, "encoding": response.encoding}

    def failed(self, failure) -> None:
        # Already in fetch_log (one row per attempt); a capture that failed is not marked
        # recovered, so the next run asks for it again.
        run = get_run(self.crawler)
        response = getattr(failure.value, "response", None)
        kind = f"http_{response.status}" if response is not None else error_kind(failure.value)
        request = getattr(failure, "request", None)
        run.tally.error(kind, run.request_site(request) if request is not None else None)
        capture = request.meta.get("capture") if request is not None else None
        if capture and capture["candidate"]:
            self.judged(capture["url"], None)
        # The first ones by name (an archive can fail thousands of captures; the counts say the rest).
        if request is not None and len(run.tally.problems) < MAX_PROBLEMS_NAMED:
            run.tally.problems.append(f"{request.url}: {kind}")


def _listed(value: str | Iterable[str] | None) -> list[str]:
    """A spider argument as a list: `a,b` from the command line, or a list from Python."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value or ())

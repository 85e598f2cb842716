"""Spider `recover`: the site's lost years, from a web archive speaking the Wayback CDX API.

Navigation only, as the `news` spider: the CDX index is walked (crawler/cdx.py reads both
dialects and decides when the walk is over), each capture worth reading is fetched raw
(`<replay><timestamp>id_/<url>`) and handed to the pipeline (crawler/recover_pipeline.py),
which extracts it with the crawler's extractor and stores it under its original URL.

Only successful HTML captures of article URLs (their sites' profiles' rules) are fetched, and
only http(s) ones of the hosts the patterns name (and their subdomains, the crawl's off-site
rule), with a capture time that is a date and not in the future: the index is hostile input.
Redirects, errors, listings, images and static pages are not. Identical captures (same URL,
same digest) are fetched once, and captures recovered by an earlier run (recovered_captures)
never again: a killed recovery resumes where it stopped, a second one changes nothing.

Every walk of the index is bounded (cdx.Walk: CDX_MAX_PAGES, CDX_MAX_BARREN_PAGES) and so is
what one page may hold in memory (CDX_MAX_PAGE_ROWS); a bound that cut a walk short is one of
the run's problems, never silent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive import recovery
from archive.error_kinds import CAPTURE_NOT_HTML, CDX_BAD_TIMESTAMP, CDX_NOT_SITE, CDX_ROWS_UNREAD, CDX_UNREADABLE
from crawler import cdx, links
from crawler import settings as default_settings
from crawler.errors import error_kind
from crawler.offsite import on_hosts
from crawler.run import get_run
from crawler.sites import recover_matches

# Older index pages first would not matter (each page is read whole); captures before the next
# index page, so a long walk keeps few requests waiting.
CDX_PRIORITY = 0
CAPTURE_PRIORITY = 10

MAX_PROBLEMS_NAMED = 50

# A replay URL after the archive's redirect to the nearest capture: `.../<timestamp>id_/<url>`.
_RAW_TIMESTAMP = re.compile(r"/(\d{14})id_/")
# A URL an index lists raw never holds a space or a control character (they are %-encoded).
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class RecoverSpider(scrapy.Spider):
    name = "recover"
    run_kind = "recover"  # crawl_runs.kind
    # Why a run that found no article capture is "empty" (exit 3), in its terms.
    nothing_found = (
        "the CDX index listed no successful HTML capture of an article URL "
        "(check --match, --from/--to, and that --cdx-api answers CDX queries)"
    )

    custom_settings = {
        "ITEM_PIPELINES": {"crawler.recover_pipeline.RecoverPipeline": 300},
        # The Wayback Machine throttles heavy users: one request at a time, at most one a
        # second (no jitter below it); AutoThrottle only ever slows down from there, and 429s
        # wait for their Retry-After (crawler/retry_after.py). --set overrides any of these.
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
        since: str | None = None,
        until: str | None = None,
        limit: int | str | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if isinstance(match, str):  # `scrapy crawl recover -a match=A,B`
            match = [m.strip() for m in match.split(",") if m.strip()]
        self.cdx_api = cdx_api
        self.replay = replay if replay.endswith("/") else replay + "/"
        self.matches = list(match or recover_matches())
        # The sites asked for: only their captures (and their subdomains') are read.
        self.hosts = sorted({cdx.match_host(m) for m in self.matches})
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

    async def start(self) -> AsyncIterator[scrapy.Request]:
        def bound(name: str) -> int:  # crawler/settings.py documents each
            return max(1, self.crawler.settings.getint(name, getattr(default_settings, name)))

        self.max_page_rows = bound("CDX_MAX_PAGE_ROWS")
        for match in self.matches:
            self.walks[match] = cdx.Walk(max_pages=bound("CDX_MAX_PAGES"), max_barren=bound("CDX_MAX_BARREN_PAGES"))
            yield self.cdx_request(cdx.query_url(self.cdx_api, match, since=self.since, until=self.until), match)

    def cdx_request(self, url: str, match: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_cdx,
            errback=self.failed,
            priority=CDX_PRIORITY,
            dont_filter=True,
            meta={"match": match},
        )

    def parse_cdx(self, response: Response) -> Iterable[scrapy.Request]:
        run = get_run(self.crawler)
        match = response.meta["match"]
        walk = self.walks[match]
        try:
            page = cdx.parse(response.text, now=cdx.now_timestamp(), max_rows=self.max_page_rows, html_only=True)
        except (cdx.CdxError, AttributeError) as exc:  # AttributeError: not a text response
            run.tally.errors[CDX_UNREADABLE] += 1
            run.tally.problems.append(f"{response.url}: not a CDX answer ({exc})")
            return
        if walk.repeats(page):
            return  # a server that ignores paging answered with a page read already
        if page.bad_times:
            run.tally.errors[CDX_BAD_TIMESTAMP] += page.bad_times
        if page.unread:
            run.tally.errors[CDX_ROWS_UNREAD] += page.unread
            run.tally.problems.append(
                f"{response.url}: {page.unread} rows past the first {self.max_page_rows} not read "
                "(CDX_MAX_PAGE_ROWS; or narrow --match, --from/--to)"
            )
        wanted = []
        for capture in page.captures:  # successful HTML captures only: no redirect, error or image
            if not self.on_site(capture.url):
                run.tally.errors[CDX_NOT_SITE] += 1
            elif self.wanted(capture):
                wanted.append(capture)
        fresh = cdx.collapse(wanted, self.seen)
        db = run.archive.db
        for capture in fresh:
            run.tally.article_links_seen += 1
            if recovery.is_recovered(db, capture.url, capture.timestamp, capture.digest):
                continue
            if self.limit is not None and self.scheduled >= self.limit:
                continue
            self.scheduled += 1
            yield self.capture_request(capture)
        key = walk.next_key(page, wanted=len(fresh))
        if walk.stopped:
            run.tally.problems.append(f"the CDX walk of {match} {walk.stopped}: captures after it not read")
        if key is not None and (self.limit is None or self.scheduled < self.limit):
            next_url = cdx.query_url(self.cdx_api, match, since=self.since, until=self.until, resume_key=key)
            yield self.cdx_request(next_url, match)

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

    def wanted(self, capture: cdx.Capture) -> bool:
        """A capture of an article URL, within --from/--to."""
        return links.is_article(capture.url) and cdx.in_range(capture, self.since, self.until)

    def capture_request(self, capture: cdx.Capture) -> scrapy.Request:
        meta = {
            "capture": {
                "url": capture.url,
                "timestamp": capture.timestamp,
                "digest": capture.digest,
                "captured_at": capture.captured_at,
                "raw_url": capture.raw_url(self.replay),
            }
        }
        return scrapy.Request(
            capture.raw_url(self.replay),
            callback=self.parse_capture,
            errback=self.failed,
            priority=CAPTURE_PRIORITY,
            meta=meta,
        )

    def parse_capture(self, response: Response) -> Iterable[dict[str, Any]]:
        run = get_run(self.crawler)
        capture = dict(response.meta["capture"])
        if not isinstance(response, TextResponse):
            run.tally.errors[CAPTURE_NOT_HTML] += 1
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
        run.tally.errors[kind] += 1
        request = getattr(failure, "request", None)
        # The first ones by name (an archive can fail thousands of captures; the counts say the rest).
        if request is not None and len(run.tally.problems) < MAX_PROBLEMS_NAMED:
            run.tally.problems.append(f"{request.url}: {kind}")

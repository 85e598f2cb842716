"""Spider `recover`: the site's lost years, from a web archive speaking the Wayback CDX API.

Navigation only, as the `news` spider: the CDX index is walked (crawler/cdx.py reads both
dialects and decides when the walk is over), each capture worth reading is fetched raw
(`<replay><timestamp>id_/<url>`) and handed to the pipeline (crawler/recover_pipeline.py),
which extracts it with the crawler's extractor and stores it under its original URL.

Only successful HTML captures of article URLs (their sites' profiles' rules) are fetched;
redirects, errors, listings, images and static pages are not. Identical captures (same URL,
same digest) are fetched once, and captures recovered by an earlier run (recovered_captures)
never again: a killed recovery resumes where it stopped, a second one changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive import recovery
from crawler import cdx, links
from crawler.errors import error_kind
from crawler.run import get_run
from crawler.sites import recover_matches

# Older index pages first would not matter (each page is read whole); captures before the next
# index page, so a long walk keeps few requests waiting.
CDX_PRIORITY = 0
CAPTURE_PRIORITY = 10

MAX_PROBLEMS_NAMED = 50

# A replay URL after the archive's redirect to the nearest capture: `.../<timestamp>id_/<url>`.
_RAW_TIMESTAMP = re.compile(r"/(\d{14})id_/")


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
        self.since = cdx.check_date(since) if since else None
        self.until = cdx.check_date(until) if until else None
        self.limit = int(limit) if limit not in (None, "") else None
        # The archive's addresses are the run's start hosts: the only ones it connects to.
        self.start_urls = [cdx_api, self.replay]
        self.allowed_domains = sorted({urlsplit(u).hostname for u in self.start_urls if urlsplit(u).hostname})
        self.seen: set[tuple[str, str]] = set()  # (url, digest) of captures met in this run
        self.seen_pages: dict[str, set] = {}
        self.scheduled = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for match in self.matches:
            self.seen_pages[match] = set()
            yield self.cdx_request(
                cdx.query_url(self.cdx_api, match, since=self.since, until=self.until), match, keys_used=()
            )

    def cdx_request(self, url: str, match: str, *, keys_used: tuple[str, ...]) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_cdx,
            errback=self.failed,
            priority=CDX_PRIORITY,
            dont_filter=True,
            meta={"match": match, "keys_used": keys_used},
        )

    def parse_cdx(self, response: Response) -> Iterable[scrapy.Request]:
        run = get_run(self.crawler)
        match = response.meta["match"]
        try:
            page = cdx.parse(response.text)
        except (cdx.CdxError, AttributeError) as exc:  # AttributeError: not a text response
            run.tally.errors["cdx_unreadable"] += 1
            run.tally.problems.append(f"{response.url}: not a CDX answer ({exc})")
            return
        if not cdx.page_is_new(page, self.seen_pages[match]):
            return  # a server that ignores paging answered with a page read already
        fresh = cdx.collapse(page.captures, self.seen)
        db = run.archive.db
        for capture in fresh:
            if not self.wanted(capture):
                continue
            run.tally.article_links_seen += 1
            if recovery.is_recovered(db, capture.url, capture.timestamp, capture.digest):
                continue
            if self.limit is not None and self.scheduled >= self.limit:
                continue
            self.scheduled += 1
            yield self.capture_request(capture)
        next_url = cdx.next_query(
            self.cdx_api,
            match,
            page,
            new_captures=len(fresh),
            keys_used=response.meta["keys_used"],
            since=self.since,
            until=self.until,
        )
        if next_url is not None and (self.limit is None or self.scheduled < self.limit):
            yield self.cdx_request(next_url, match, keys_used=(*response.meta["keys_used"], page.resume_key))

    def wanted(self, capture: cdx.Capture) -> bool:
        """A successful HTML capture of an article URL, within --from/--to."""
        return (
            cdx.is_html_success(capture)
            and links.is_article(capture.url)
            and cdx.in_range(capture, self.since, self.until)
        )

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
            run.tally.errors["capture_not_html"] += 1
            return
        # When the asked capture is not exact, the Wayback Machine redirects to the nearest one
        # and pywb serves it directly, naming it in Content-Location: the content is that
        # capture's, and so are its time and address.
        served = urljoin(response.url, (response.headers.get(b"Content-Location") or b"").decode("latin-1"))
        for address in (served, response.url):
            moved = _RAW_TIMESTAMP.search(address)
            if moved and address.endswith("id_/" + capture["url"]) and moved.group(1) != capture["timestamp"]:
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

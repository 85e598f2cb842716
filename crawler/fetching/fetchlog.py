"""Downloader middleware that writes one `fetch_log` row per HTTP exchange (provenance).

It sits between the redirect (600) and cookies (700) middlewares, so it sees every response as
the server sent it — 301s and 500s included, before redirects and retries replace them — and
every exception of every attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

from archive.error_kinds import INTERRUPTED, REDIRECT_LOOP, REDIRECT_OFFSITE
from archive.storage.runs import utc_now
from crawler.crawl_run import get_run
from crawler.fetching.addresses import BlockedAddress
from crawler.fetching.errors import NETWORK_KINDS, error_kind, status_kind
from crawler.fetching.offsite import on_hosts
from crawler.fetching.warc import META_KEY as WARC_META_KEY

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


logger = logging.getLogger(__name__)

# Scrapy's loggers that report each failed request (with a traceback, or a "Gave up retrying"
# line): for a network failure that is a page of log per URL on a night without network.
NOISY_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.core.scraper",
)


class NetworkFailureFilter(logging.Filter):
    """Drops Scrapy's per-request reports of network failures (NETWORK_KINDS): fetch_log has
    every attempt, and FetchLogMiddleware logs one line per kind. Anything else passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None and isinstance(record.args, Mapping):
            exc = record.args.get("reason")  # the retry middleware's give-up line
        return not (isinstance(exc, BaseException) and error_kind(exc) in NETWORK_KINDS)


def quiet_network_failures() -> None:
    for name in NOISY_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, NetworkFailureFilter) for f in target.filters):
            target.addFilter(NetworkFailureFilter())


def request_kind(request: Request) -> str:
    return request.meta.get("tnu_kind", "page")


class FetchLogMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._reported: set[str] = set()  # network failure kinds already in the log

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchLogMiddleware:
        quiet_network_failures()
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        run = get_run(self.crawler)
        kind = request_kind(request)
        if kind == "page" and not request.meta.get("dont_obey_robotstxt"):  # robots.txt is no page of the site
            run.tally.page(response.status < 400, run.request_site(request))
        row = {
            "url": request.url,
            "final_url": response.url,
            "kind": kind,
            "status": response.status,
            "error": status_kind(response.status) or self._redirect_fault(request, response),
            "fetched_at": utc_now(),
        }
        # The WARC capture of this same exchange (crawler/fetching/warc.py runs before us) carries the
        # same bytes to the writer: the row takes their size and digest from it.
        capture = request.meta.get(WARC_META_KEY)
        if capture:
            run.writer.fetch(row, capture_token=capture["token"])
        else:
            # still compressed here (HttpCompressionMiddleware, 590, comes after us): the writer
            # decodes it by these headers, so the row means what a captured one means
            codings = [("Content-Encoding", v.decode("latin-1")) for v in response.headers.getlist("Content-Encoding")]
            run.writer.fetch(row, response.body, codings=codings)
        return response

    def _redirect_fault(self, request: Request, response: Response) -> str | None:
        """Name a redirect that cannot lead to the page: back into its own chain (a loop that
        Scrapy's duplicate filter ends silently) or, for a page, off the crawled hosts (dropped
        by the offsite filter without a request, so without a row of its own)."""
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return None
        target = urljoin(request.url, location.decode("latin-1"))
        kind = None
        if target in (*request.meta.get("redirect_urls", ()), request.url):
            kind = REDIRECT_LOOP
        elif request_kind(request) == "page" and not request.meta.get("allow_offsite"):
            domains = getattr(self.crawler.spider, "allowed_domains", None)
            if domains and not on_hosts(urlsplit(target).hostname, domains):
                kind = REDIRECT_OFFSITE
        if kind:
            run = get_run(self.crawler)
            run.tally.error(kind, run.request_site(request))
        return kind

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) and not isinstance(exception, BlockedAddress):
            return None  # filtered (robots.txt, offsite) before anything was sent: no request made
        # (a private address, refused before connecting, is logged: someone pointed us there)
        row = {
            "url": request.url,
            "final_url": None,
            "kind": request_kind(request),
            "status": None,
            # a download the run's stop cut (RunExtension) is no failure of the site
            "error": INTERRUPTED if get_run(self.crawler).stopping else error_kind(exception),
            "fetched_at": utc_now(),
        }
        if row["error"] in NETWORK_KINDS and row["error"] not in self._reported:
            self._reported.add(row["error"])
            logger.warning(
                "%s: %s (%s); this run's other %s failures are recorded in fetch_log only",
                row["error"],
                request.url,
                " ".join(str(exception).split()) or type(exception).__name__,
                row["error"],
            )
        get_run(self.crawler).writer.fetch(row)
        return None

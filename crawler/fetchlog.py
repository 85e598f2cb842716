"""Downloader middleware that writes one `fetch_log` row per HTTP exchange (provenance).

It sits between the redirect (600) and cookies (700) middlewares, so it sees every response as
the server sent it — 301s and 500s included, before redirects and retries replace them — and
every exception of every attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from archive.warc_index import CaptureLedger
from crawler.errors import error_kind, status_kind
from crawler.warc import META_KEY as WARC_META_KEY
from crawler.run import get_run, utc_now

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def request_kind(request: Request) -> str:
    return request.meta.get("tnu_kind", "page")


class FetchLogMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        run = get_run(self.crawler)
        kind = request_kind(request)
        if kind == "page":
            run.pages += 1
            run.pages_ok += response.status < 400
        fetch_id = run.archive.log_fetch(
            run.run_id,
            url=request.url,
            final_url=response.url,
            kind=kind,
            status=response.status,
            error=status_kind(response.status),
            body=response.body,
            fetched_at=utc_now(),
        )
        capture = request.meta.get(WARC_META_KEY)
        if capture:  # the WARC record of this same exchange (crawler/warc.py runs before us)
            CaptureLedger(run.archive.db).link_fetch(capture["id"], fetch_id)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return None  # filtered (robots.txt, offsite) before anything was sent: no request made
        run = get_run(self.crawler)
        run.archive.log_fetch(
            run.run_id,
            url=request.url,
            final_url=None,
            kind=request_kind(request),
            status=None,
            error=error_kind(exception),
            body=None,
            fetched_at=utc_now(),
        )
        return None

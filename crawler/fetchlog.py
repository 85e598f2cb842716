"""Downloader middleware that writes one `fetch_log` row per HTTP exchange (provenance).

It sits between the redirect (600) and cookies (700) middlewares, so it sees every response as
the server sent it — 301s and 500s included, before redirects and retries replace them — and
every exception of every attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

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
            run.pages_ok += response.status < 400
        row = {
            "url": request.url,
            "final_url": response.url,
            "kind": kind,
            "status": response.status,
            "error": status_kind(response.status) or self._redirect_fault(request, response),
            "fetched_at": utc_now(),
        }
        # The WARC capture of this same exchange (crawler/warc.py runs before us) carries the
        # same bytes to the writer: the row takes their size and digest from it.
        capture = request.meta.get(WARC_META_KEY)
        if capture:
            run.send("fetch", row, None, capture["token"])
        else:
            run.send("fetch", row, response.body, None)
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
            kind = "redirect_loop"
        elif request_kind(request) == "page" and not request.meta.get("allow_offsite"):
            domains = getattr(self.crawler.spider, "allowed_domains", None)
            host = (urlsplit(target).hostname or "").lower()
            # the offsite filter's rule: a start host or a subdomain of one, whatever the port
            if domains and not any(host == d or host.endswith("." + d) for d in domains):
                kind = "redirect_offsite"
        if kind:
            get_run(self.crawler).errors[kind] += 1
        return kind

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return None  # filtered (robots.txt, offsite) before anything was sent: no request made
        row = {
            "url": request.url,
            "final_url": None,
            "kind": request_kind(request),
            "status": None,
            # a download the run's stop cut (RunExtension) is no failure of the site
            "error": "interrupted" if get_run(self.crawler).stopping else error_kind(exception),
            "fetched_at": utc_now(),
        }
        get_run(self.crawler).send("fetch", row, None, None)
        return None

"""Scrapy's HttpCompressionMiddleware, with a body past the size limit once decoded named as one.

A body small on the wire (a 9 KB gzip) can decode past DOWNLOAD_MAXSIZE (an 8 MB page of
padding; a gzip bomb, by mistake or not). Scrapy decodes at most to the limit and then drops the
response with IgnoreRequest: the fetch log had already written its row (it sits above, and sees
the response still compressed) with status 200 and no error, and the spider or the image
pipeline counted an `ignored` request. Here that refusal is `too_large`, as a body past the limit
on the wire is: the response's fetch_log row says so, and the exception raised is the one the
download handler raises at its limit (DownloadCancelledError), so that the spider and the image
pipeline count and retry it alike (crawler/fetching/errors.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware as ScrapyHttpCompression
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from archive.error_kinds import TOO_LARGE
from crawler.crawl_run import get_run

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class DecodedTooLarge(DownloadCancelledError):
    """The body passed its size limit (DOWNLOAD_MAXSIZE, or the request's download_maxsize)
    while being decoded."""


def _decoded_past_limit(exc: IgnoreRequest) -> bool:
    # Scrapy 2.19 raises IgnoreRequest from its private _DecompressionMaxSizeExceeded, which
    # carries the limit it passed; any other IgnoreRequest is not about size.
    cause = exc.__cause__
    return cause is not None and hasattr(cause, "max_size") and hasattr(cause, "decompressed_size")


class HttpCompressionMiddleware(ScrapyHttpCompression):
    def __init__(self, stats=None, *, crawler: Crawler | None = None):
        super().__init__(stats, crawler=crawler)
        self.crawler = crawler

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if not _decoded_past_limit(exc) or self.crawler is None:
                raise
            # the row of this response, written above with the body as it came, gets its outcome
            get_run(self.crawler).writer.fetch_refused(response.url, TOO_LARGE)
            raise DecodedTooLarge(str(exc)) from exc

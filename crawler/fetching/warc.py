"""Downloader middleware that records every HTTP exchange of a crawl in a WARC file.

Enabled at order 950, closer to the downloader than every built-in middleware, so it sees
each response as the HTTP client delivered it: before HttpCompressionMiddleware (590) undoes
the gzip, before RedirectMiddleware (600) and RetryMiddleware (550) turn 3xx and 5xx into new
requests, and including robots.txt and image requests. A request that got no response (DNS
failure, timeout, refused connection) leaves no record: there are no bytes to keep; the fetch
log has the error. The exchange is handed to the run's writer process (archive/writer.py),
which writes the records, decides on revisits and lists them in the `captures` table
(archive/captures/warc_writer.py; no Scrapy there). It needs the run (crawler.operations.run.RunExtension).

Settings:
- `WARC_ENABLED` (default True): False switches capture off.
- `WARC_DIR` (default: `warc/` beside `ARCHIVE_DB`, i.e. `data/warc/`).
- `WARC_MAX_SIZE` (default 1 GB): a run's records go on in a new file past this size.
- `ARCHIVE_DB`: the SQLite file whose `captures` table lists the records.
"""

from __future__ import annotations

import itertools
import logging
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.captures.warc_index import WARC_SUFFIX
from archive.captures.warc_writer import HttpExchange, new_record_id, run_file_name, unused_path
from archive.storage.paths import DEFAULT_DB, default_warc_dir
from crawler.crawl_run import get_run, recorded_settings  # warcinfo names the settings the run row records

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Where the capture of an exchange is announced to later middlewares, the spider and pipelines:
# its WARC-Record-ID, and the token the fetch log ties its row to the capture by. (Which file
# holds it is the writer's to decide, when it writes the record: `captures.warc_file`.)
META_KEY = "warc_capture"


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, warc_dir: Path):
        self.crawler = crawler
        self.warc_dir = warc_dir
        self.recording = False
        self._tokens = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        warc_dir = Path(settings.get("WARC_DIR") or default_warc_dir(settings.get("ARCHIVE_DB") or DEFAULT_DB))
        middleware = cls(crawler, warc_dir)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        # The run (crawler.operations.run.RunExtension) opens first; its writer process writes the WARC
        # file, and closes it with the run. The name is the run's own: nothing else takes it
        # before the writer opens it (runs take a lock), so the crawl need not wait for that.
        run = get_run(self.crawler)
        path = unused_path(self.warc_dir, run_file_name(run.run_id))
        max_bytes = self.crawler.settings.getint("WARC_MAX_SIZE", 0) or None
        run.writer.open_warc(self.warc_dir, path.name.removesuffix(WARC_SUFFIX), self._warcinfo(spider), max_bytes)
        self.recording = True
        logger.info("recording responses in %s", path)

    def process_response(self, request: Request, response: Response) -> Response:
        # A retry or redirect copies meta: never let a later reader see an earlier attempt's capture.
        request.meta.pop(META_KEY, None)
        if not self.recording or not response.url.startswith(("http://", "https://")):
            return response
        if "cached" in response.flags:
            # Served from Scrapy's HTTP cache: it was captured when it was really fetched.
            return response
        token, record_id = next(self._tokens), new_record_id()
        get_run(self.crawler).writer.capture(token, _exchange(request, response), record_id)
        # The record is written by the writer process a moment later; what is known now is
        # which record it will be (captures.record_id) and the token the fetch log ties it by.
        request.meta[META_KEY] = {"token": token, "record_id": record_id}
        return response

    def _warcinfo(self, spider: Spider) -> dict[str, str]:
        settings = self.crawler.settings
        info = {
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-client": f"Scrapy {scrapy.__version__} (Twisted), warcio {version('warcio')}",
            "spider": spider.name,
        }
        for name, value in recorded_settings(settings).items():
            if value is not None and value != {}:
                info[f"setting-{name}"] = str(value)
        start_urls = getattr(spider, "start_urls", None)
        if start_urls:
            info["start-urls"] = " ".join(start_urls)
        return info


def _exchange(request: Request, response: Response) -> HttpExchange:
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_header_pairs(request.headers),
        request_body=request.body,
        status=response.status,
        response_headers=_header_pairs(response.headers),
        body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


def _header_pairs(headers) -> list[tuple[str, str]]:
    # HTTP header bytes are ISO-8859-1 on the wire; latin-1 round-trips every byte.
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]

"""Downloader middleware that records every HTTP exchange of a crawl in a WARC file.

Enabled at order 950, closer to the downloader than every built-in middleware, so it sees
each response as the HTTP client delivered it: before HttpCompressionMiddleware (590) undoes
the gzip, before RedirectMiddleware (600) and RetryMiddleware (550) turn 3xx and 5xx into new
requests, and including robots.txt and image requests. A request that got no response (DNS
failure, timeout, refused connection) leaves no record: there are no bytes to keep; the fetch
log has the error. The WARC writing itself, the revisit decision and the `captures` table live
in `archive.warc_writer` (no Scrapy there).

Settings:
- `WARC_ENABLED` (default True): False switches capture off.
- `WARC_DIR` (default: `warc/` beside `ARCHIVE_DB`, i.e. `data/warc/`).
- `ARCHIVE_DB`: the SQLite file whose `captures` table lists the records.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.db import connect
from archive.warc_index import CaptureLedger
from archive.warc_writer import HttpExchange, WarcRecorder, finish_interrupted, run_file_name
from crawler.run import RECORDED_SETTINGS  # warcinfo names the settings the run row records

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Where the capture of an exchange is announced to later middlewares, the spider and pipelines
# (e.g. the fetch log, to link its row: CaptureLedger.link_fetch(meta[...]["id"], fetch_id)).
META_KEY = "warc_capture"


def default_warc_dir(archive_db: str | Path) -> Path:
    """`warc/` beside the database: `data/tnu.sqlite` -> `data/warc/`."""
    return Path(archive_db).parent / "warc"


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, warc_dir: Path, archive_db: Path):
        self.crawler = crawler
        self.warc_dir = warc_dir
        self.archive_db = archive_db
        self.recorder: WarcRecorder | None = None
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        archive_db = Path(settings.get("ARCHIVE_DB") or "data/tnu.sqlite")
        warc_dir = Path(settings.get("WARC_DIR") or default_warc_dir(archive_db))
        middleware = cls(crawler, warc_dir, archive_db)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        # A run killed earlier left its WARC without an index (and maybe a half record).
        for index in finish_interrupted(self.warc_dir):
            logger.warning("indexed the WARC of an interrupted run: %s", index)
        self.db = connect(self.archive_db)
        run_id = self._run_id()
        self.recorder = WarcRecorder(
            self.warc_dir,
            CaptureLedger(self.db),
            run_file_name(run_id),
            info=self._warcinfo(spider),
            run_id=run_id,
        )
        logger.info("recording responses in %s", self.recorder.path)

    def spider_closed(self, spider: Spider) -> None:
        if self.recorder is not None:
            index = self.recorder.close()
            logger.info("WARC %s indexed in %s", self.recorder.path, index)
            self.recorder = None
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_response(self, request: Request, response: Response) -> Response:
        # A retry or redirect copies meta: never let a later reader see an earlier attempt's capture.
        request.meta.pop(META_KEY, None)
        if self.recorder is None or not response.url.startswith(("http://", "https://")):
            return response
        if "cached" in response.flags:
            # Served from Scrapy's HTTP cache: it was captured when it was really fetched.
            return response
        capture = self.recorder.record(_exchange(request, response), run_id=self._run_id())
        request.meta[META_KEY] = {
            "id": capture.id,
            "record_id": capture.record_id,
            "record_type": capture.record_type,
            "warc_file": capture.warc_file,
            "offset": capture.offset,
            "length": capture.length,
        }
        return response

    def _run_id(self) -> int | None:
        # The crawl's run (crawler.run.RunExtension) opens before this middleware's
        # spider_opened; outside a run (tests, plain `scrapy crawl` without it) there is none.
        run = getattr(self.crawler, "tnu_run", None)
        return getattr(run, "run_id", None)

    def _warcinfo(self, spider: Spider) -> dict[str, str]:
        settings = self.crawler.settings
        info = {
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-client": f"Scrapy {scrapy.__version__} (Twisted), warcio {version('warcio')}",
            "spider": spider.name,
        }
        for name in RECORDED_SETTINGS:
            value = settings.get(name)
            if value is not None:
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
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]

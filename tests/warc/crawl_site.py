"""A real Scrapy crawl with the WARC middleware on: `python crawl_site.py START_URL DB WARC_DIR FEED`.

Run in a subprocess by the tests (Twisted's reactor cannot restart within one process). The
spider follows every link and image on the start URL's host and parses nothing; for each
response it reaches, it writes to FEED (JSON lines) the capture the middleware announced.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import TextResponse

from crawler.operations.loopback import LOOPBACK_SETTINGS


class LinkSpider(Spider):
    name = "warc-test"

    def __init__(self, start_url: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]

    async def start(self):
        yield Request(self.start_urls[0])

    def parse(self, response):
        yield {"url": response.url, "warc_capture": response.meta.get("warc_capture")}
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href), img::attr(src)").getall():
            yield response.follow(href, self.parse)


def main(start_url: str, db: str, warc_dir: str, feed: str) -> None:
    process = CrawlerProcess(
        settings={
            "ARCHIVE_DB": db,
            "IMAGES_STORE": str(Path(db).parent / "images"),
            "WARC_DIR": warc_dir,
            # WARC capture is part of an archive run: the run's writer process writes the records.
            "EXTENSIONS": {"crawler.operations.run.RunExtension": 0},
            "DOWNLOADER_MIDDLEWARES": {"crawler.fetching.warc.WarcCaptureMiddleware": 950},
            "ROBOTSTXT_OBEY": True,
            "RETRY_TIMES": 1,
            **LOOPBACK_SETTINGS,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "FEEDS": {feed: {"format": "jsonlines"}},
        }
    )
    process.crawl(LinkSpider, start_url=start_url)
    process.start()


if __name__ == "__main__":
    main(*sys.argv[1:5])

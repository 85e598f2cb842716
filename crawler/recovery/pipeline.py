"""The hand-off of a web archive's capture to the archive (the `recover` spider's pipeline).

As the crawl's pipeline (crawler/pipelines.py), whose machinery it reuses: extraction in the
worker process, images through the engine (fetch log, WARC capture, politeness), every write
through the run's writer. What differs: the page is extracted and stored under its original
URL (so relative image links resolve on the original site), each image is fetched from the
archive's capture nearest the article's (`<replay><timestamp>id_/<src>`) and stored under its
original URL, and the article goes to `save_capture` (archive/operations/recovery.py), which places the
capture in the article's history by its time, under the site of its URL (`articles.site`).

A candidate (a capture of a URL no rule names, crawler/recovery/candidates.py) is judged here by
what the extractor reads in it, and the spider told: an article's other captures are fetched
next; a URL that is no article is marked (recovered_captures) and never fetched again. Such a
page is not held against the extractor: the drift alarm counts only pages at article URLs that
turned out not to be articles.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request

from archive.error_kinds import EXTRACT_ERROR
from crawler.crawl_run import get_run
from crawler.pipelines import IMAGE_MAXSIZE, IMAGE_PRIORITY, ArchivePipeline
from crawler.recovery.cdx import raw_capture_url


class RecoverPipeline(ArchivePipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._image_timestamp: dict[str, str] = {}  # src_url -> the capture time to ask the archive for

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        run = get_run(self.crawler)
        capture = item["capture"]
        candidate = capture.get("candidate", False)
        extracted = await self.extract(run, item["body"], capture["url"], item["encoding"], capture["raw_url"])
        if extracted is None:
            if candidate:
                self.crawler.spider.judged(capture["url"], None)  # asked for again by the next run
            return {"url": capture["raw_url"], "outcome": EXTRACT_ERROR}
        article, raw, generic = extracted
        if candidate:
            self.crawler.spider.judged(capture["url"], article.is_article)
        here = run.site_name(capture["url"])  # the run's site it counts for (None: another's)
        if not article.is_article:
            # A static page (history, contacts) at an article-shaped URL, or a candidate that is
            # no article (a listing, a static page): noted, not stored, not fetched again.
            run.writer.capture_not_article(capture)
            if not candidate:
                run.tally.not_article(capture["url"], here)
            return {"url": capture["raw_url"], "outcome": "not_an_article"}
        if candidate:
            run.tally.links_seen(1, here)  # an article link after all, by its content
        run.tally.count_fields(article, generic=generic, site=here)
        site = run.site_of(capture["url"])  # the captured URL's site (its profile named the hosts asked)
        for ref in article.images:
            self._image_timestamp.setdefault(ref.src_url, capture["timestamp"])
        await asyncio.gather(*(self._image(run, ref.src_url) for ref in article.images))
        for ref in article.images:
            self._image_timestamp.pop(ref.src_url, None)
        run.register(site)
        run.writer.save_capture(capture, article, raw, site.name)
        return {"url": capture["raw_url"], "outcome": "sent"}

    def image_request(self, src_url: str) -> Request:
        """The archive's capture of the image nearest the article's: pywb serves it directly,
        the Wayback Machine redirects to it. Never the original host: recovery reads archives."""
        timestamp = self._image_timestamp[src_url]
        replay = self.crawler.spider.replay
        return Request(
            raw_capture_url(replay, timestamp, src_url),
            priority=IMAGE_PRIORITY,
            meta={"download_maxsize": IMAGE_MAXSIZE, "tnu_kind": "image"},
        )

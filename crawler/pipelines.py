"""The hand-off from Scrapy to the archive: extract each article page, download its images,
store both.

Images are fetched through the engine (so robots.txt, retries, throttling and the fetch log apply
to them too), hashed and written by archive/storage/images.py with their original bytes; Scrapy's
ImagesPipeline would re-encode them, and FilesPipeline neither writes atomically nor keeps
failures. An image that fails is recorded and never costs its article. Every write goes to the
run's writer process (archive/writer.py) without waiting for it; an article's images are sent
before the article, which the writer keeps as the order it applies them in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from scrapy import Request

from archive.error_kinds import EXTRACT_ERROR, EXTRACT_TIMEOUT, http_kind
from archive.storage import frontier
from archive.storage.runs import utc_now
from archive.writer import WriterDied
from crawler.crawl_run import CrawlRun, get_run
from crawler.fetching.errors import error_kind
from crawler.navigation import links
from crawler.operations.extract_pool import ExtractPool, ExtractTimeout

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Photographs from a newsroom camera rarely pass 15 MB; the page limit (8 MB) would cut them.
IMAGE_MAXSIZE = 40 * 1024 * 1024

# Images of an article are fetched before the next article is started.
IMAGE_PRIORITY = 20

# Image URLs this run has finished with, the latest ones: an image shown by several articles is
# fetched once, including while the writer has not committed it yet (the archive answers for
# the older ones). A bound, not a set of every image of the run: a crawl's memory must not grow
# with the site (the futures kept for 6,017 images were 5 MB of a 2,000-article crawl).
RECENT_IMAGES = 10_000


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._in_flight: dict[str, asyncio.Future[None]] = {}  # src_url -> its download
        self._recent: OrderedDict[str, None] = OrderedDict()  # src_urls done with, oldest first
        # Extraction runs in a worker process: the reactor's thread was the crawl's bottleneck.
        self._extract = ExtractPool(time_limit=crawler.settings.getfloat("EXTRACT_TIMEOUT", 0))
        self.listing_min_items = crawler.settings.getint("LISTING_MIN_ITEMS", 5)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    async def close_spider(self) -> None:
        self._extract.close()
        # The crawl is not over until what it sent is written: wait for the writer to apply
        # all of it (here, before the spider_closed signal, so Scrapy's elapsed time counts it).
        with contextlib.suppress(WriterDied):  # the run reports it (crawler.operations.run.RunExtension.spider_closed)
            await asyncio.wrap_future(get_run(self.crawler).writer.caught_up())

    async def extract(self, run, body: bytes, url: str, encoding: str | None, where: str, link: str | None = None):
        """(Article, RawPage, read by generic rules alone) from the extraction worker, by the rules
        of the site of `url`, or None when extraction raised or passed EXTRACT_TIMEOUT: a page no
        rule foresaw is counted, named (`where`, the URL it was fetched from) and marked in its
        fetch_log row, and the run goes on. A `link` (an article link of the site) whose page
        passed the time limit waits before it is fetched again (1, 2, 4… days), as a failed
        download does: it would cost as much every night."""
        try:
            return await self._extract.extract(body, url, encoding, run.site_of(url))
        except ExtractTimeout as exc:
            kind, what = EXTRACT_TIMEOUT, f"{exc} (EXTRACT_TIMEOUT)"
            logger.warning("%s: %s", where, what)
            if link is not None:
                run.writer.link_failed(link, utc_now())
        except Exception as exc:
            kind, what = EXTRACT_ERROR, f"extraction failed ({type(exc).__name__}: {exc})"
            logger.exception("extraction failed for %s", where)
        run.tally.error(kind, run.site_name(url))
        run.tally.problems.append(f"{where}: {what}")
        run.writer.fetch_refused(where, kind)
        return None

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        run = get_run(self.crawler)
        if "retry_image" in item:  # from the spider's start: an image that failed in an earlier run
            await self._image(run, item["retry_image"])
            return {"url": item["retry_image"], "outcome": "image_retried"}
        fetched_at = utc_now()
        extracted = await self.extract(
            run, item["body"], item["final_url"], item["encoding"], item["final_url"], link=item["url"]
        )
        if extracted is None:
            return {"url": item["final_url"], "outcome": EXTRACT_ERROR}
        article, raw, generic = extracted
        # The article is its URL's site's, whichever site's page linked it.
        site = run.site_of(item["final_url"])
        here = run.site_name(item["final_url"])
        if not article.is_article and not await self._archived(run, item["url"], article.url):
            # A static page (history, contacts) reached through an article-shaped URL, or a page
            # discovery looked at (a listing, a tag page). An archived article that lost its date
            # and counter is not one: it is counted and saved below, so the fill rates show the
            # loss and the stored values are kept.
            run.writer.not_an_article(item["url"], fetched_at)
            if item.get("candidate"):
                run.tally.discovery_not_articles += 1  # against MAX_DISCOVERY_PAGES
                if item.get("item_links", 0) >= self.listing_min_items:
                    # a listing recognised by what it holds (no pager needed): walked by the next
                    # runs like the listings its profile knows, not remembered as a static page
                    run.writer.listing_crawled(links.listing_key(item["final_url"], run.sites), fetched_at)
            if not item.get("candidate") or item.get("likely"):
                # the drift alarm counts pages that were expected to be articles, not every
                # menu and tag page discovery looked at
                run.tally.not_article(item["url"], here)
            return {"url": article.url, "outcome": "not_an_article"}
        run.tally.count_fields(article, generic=generic, site=here)
        # The images' rows are sent before the article's: the writer applies them in that order.
        await asyncio.gather(*(self._image(run, ref.src_url) for ref in article.images))
        # Not awaited: the item is done once the writer has it (its outcome is counted there,
        # its problems reported at the end of the run); the next pages need the room.
        run.register(site)
        run.writer.save_article(
            item["url"], article, fetched_at, raw, item.get("canonical"), tuple(item.get("aliases", ())), site.name
        )
        return {"url": article.url, "outcome": "sent"}

    @staticmethod
    async def _archived(run: CrawlRun, *urls: str) -> bool:
        try:
            return await asyncio.wrap_future(run.writer.is_archived(*urls))
        except WriterDied:
            return True  # the run is being stopped; nothing is marked

    def _image(self, run: CrawlRun, src_url: str) -> asyncio.Future[None]:
        # One download per URL per run, however many articles (or positions) show it.
        download = self._in_flight.get(src_url)
        if download is not None:
            return download
        if src_url in self._recent:
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        download = self._in_flight[src_url] = asyncio.ensure_future(self._download_image(run, src_url))
        download.add_done_callback(lambda _: self._done_with(src_url))
        return download

    def _done_with(self, src_url: str) -> None:
        del self._in_flight[src_url]
        self._recent[src_url] = None
        if len(self._recent) > RECENT_IMAGES:
            self._recent.popitem(last=False)

    async def _download_image(self, run: CrawlRun, src_url: str) -> None:
        if run.archive.image_for_url(src_url) is not None:
            return  # stored by an earlier run (or earlier in this one), file on disk: never downloaded again
        if frontier.image_waiting(run.archive.db, src_url):
            return  # failed lately: tried again when its wait is over (frontier.retry_due)
        request = self.image_request(src_url)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:
            self._image_failed(run, src_url, status=None, error=error_kind(exc))
            return
        if response.status != 200:
            self._image_failed(run, src_url, status=response.status, error=http_kind(response.status))
            return
        # Hashed, checked (an HTML error page under an image's URL is recorded as not_an_image)
        # and written by the writer process, off the thread that drives the downloads.
        run.writer.store_image(src_url, response.body, response.status, utc_now())

    def image_request(self, src_url: str) -> Request:
        """The download of an image (from any host: images are not pages to follow)."""
        return Request(
            src_url,
            priority=IMAGE_PRIORITY,
            meta={"allow_offsite": True, "download_maxsize": IMAGE_MAXSIZE, "tnu_kind": "image"},
        )

    def _image_failed(self, run: CrawlRun, src_url: str, *, status: int | None, error: str) -> None:
        if run.stopping:  # cut by the run's own stop, not failed: asked for again next run, no wait
            return
        run.tally.errors[error] += 1
        run.writer.image_failed(src_url, status, error, utc_now())

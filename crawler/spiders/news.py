"""Spider `news`: navigation only — start pages -> category listings -> pagination -> articles.

It never parses an article's fields: an article page is handed to the pipeline as raw bytes
(crawler/pipelines.py extracts and stores it). Which URLs are articles or listings is site
knowledge and lives in crawler/sites.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler import links
from crawler.errors import error_kind
from crawler.sites import LIVE_START_URLS

# Articles before listings: finish what has been found before discovering more.
ARTICLE_PRIORITY = 10
LISTING_PRIORITY = 0


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, start_url: str | Iterable[str] | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if isinstance(start_url, str):
            # `scrapy crawl news -a start_url=A,B` passes one string.
            urls = [u.strip() for u in start_url.split(",") if u.strip()]
        else:
            urls = list(start_url or LIVE_START_URLS)
        self.start_urls = urls
        # Pages are followed only on the start URLs' hosts (and their subdomains); images are
        # fetched from anywhere by the pipeline with `allow_offsite`.
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, priority=LISTING_PRIORITY)

    def parse(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, TextResponse):
            return
        if links.is_article(response.url):
            yield {"url": response.request.url if response.request else response.url,
                   "final_url": response.url, "status": response.status,
                   "body": response.body, "encoding": response.encoding}
            return
        yield from self.follow_listing(response)

    def follow_listing(self, response: TextResponse) -> Iterable[scrapy.Request]:
        found = links.classify_links(response)
        run = getattr(self.crawler, "tnu_run", None)
        if run is not None:
            run.article_links_seen += len(found.articles)
        for url in found.articles:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, priority=ARTICLE_PRIORITY)
        for url in found.listings:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, priority=LISTING_PRIORITY)

    def failed(self, failure) -> None:
        # Already in fetch_log (one row per attempt); here the final outcome is counted once.
        run = getattr(self.crawler, "tnu_run", None)
        if run is None:
            return
        response = getattr(failure.value, "response", None)
        kind = f"http_{response.status}" if response is not None else error_kind(failure.value)
        run.errors[kind] += 1

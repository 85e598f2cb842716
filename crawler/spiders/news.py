"""Spider `news`: navigation only — start pages -> category listings -> pagination -> articles.

It never parses an article's fields: an article page is handed to the pipeline as raw bytes
(crawler/pipelines.py extracts and stores it). Which URLs are articles or listings is site
knowledge and lives in crawler/sites.py.

Incremental by default: an archived article is not fetched again unless it was published
within REFRESH_DAYS (to observe its view counter), and a listing that has been walked to its
end once is descended only while its pages still show new (or due) articles. Article links
found earlier but never archived are retried first, and so are those taken for static pages
more than NOT_ARTICLE_RECHECK_DAYS ago. FULL_CRAWL walks everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive import frontier
from archive.error_kinds import http_kind
from archive.runs import utc_days_ago
from crawler import links
from crawler.errors import error_kind
from crawler.offsite import on_hosts
from crawler.run import get_run, utc_now
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
        settings = self.crawler.settings
        self.full = settings.getbool("FULL_CRAWL")
        self.refresh_days = settings.getint("REFRESH_DAYS", 30)
        db = get_run(self.crawler).archive.db
        recheck_days = settings.getint("NOT_ARTICLE_RECHECK_DAYS", 30)
        self.recheck_before = utc_days_ago(recheck_days) if recheck_days > 0 else None
        # What this run has asked for. Listings repeat the same links (the latest articles on
        # every page, every category on every listing): Scrapy's duplicate filter would drop the
        # repeats, but only after building a request for each and passing it through every
        # middleware, three times the requests actually made.
        self.requested: set[str] = set()
        for url in self.start_urls:
            yield self.listing_request(url)
        for url in frontier.pending_links(db, self.recheck_before):
            yield self.article_request(url)
        # Failed images are retried even when their article is not fetched again; downloading
        # them is the pipeline's job, so they are handed over as items.
        for url in frontier.failed_images(db):
            yield {"retry_image": url}

    def article_request(self, url: str) -> scrapy.Request:
        self.requested.add(url)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=ARTICLE_PRIORITY)

    def listing_request(self, url: str) -> scrapy.Request:
        self.requested.add(url)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=LISTING_PRIORITY)

    def on_site(self, url: str) -> bool:
        """On a start URL's host or a subdomain of one (the offsite filter's rule)."""
        return on_hosts(urlsplit(url).hostname, self.allowed_domains)

    def wanted(self, url: str) -> tuple[bool, bool]:
        """(wanted, known): not archived yet (and not waiting after a failure), or recent enough
        that its view counter is observed again; and whether the archive knows it (an archived
        article, or a static page)."""
        db = get_run(self.crawler).archive.db
        known, published_at = frontier.known_article(db, url, self.recheck_before)
        if not known:
            return self.full or not frontier.link_waiting(db, url), False
        return self.full or frontier.is_due_for_refresh(published_at, self.refresh_days), True

    def parse(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, TextResponse):
            return
        if links.is_article(response.url):
            # `url` is the link as found (before redirects), `final_url` where the page is.
            linked = response.meta.get("redirect_urls", [response.url])[0]
            yield {"url": linked, "final_url": response.url, "status": response.status,
                   "body": response.body, "encoding": response.encoding}
            return
        yield from self.follow_listing(response)

    def follow_listing(self, response: TextResponse) -> Iterable[scrapy.Request]:
        found = links.classify_links(response)
        run = get_run(self.crawler)
        # An article-shaped link on another host would be dropped by the offsite filter, and
        # noted in the frontier it would stay pending (and be requested again) in every run.
        on_site = [url for url in found.articles if self.on_site(url)]
        run.tally.article_links_seen += len(on_site)
        # A link asked for earlier in this run was wanted then; listings repeat their links, and
        # only the others are looked up in the archive.
        wanted = False
        fresh, unknown = [], []
        for url in on_site:
            if url in self.requested:
                wanted = True
                continue
            want, known = self.wanted(url)
            if want:
                wanted = True
                fresh.append(url)
                if not known:
                    unknown.append(url)
        if unknown:
            run.writer.note_links(unknown, utc_now())
        for url in fresh:
            yield self.article_request(url)

        here, page = links.listing_key(response.url), links.page_number(response.url)
        next_page = None
        for url in found.listings:
            if links.listing_key(url) != here:
                # Another listing: entered at its first page; its own pages lead further.
                if links.page_number(url) == 1 and url not in self.requested:
                    yield self.listing_request(url)
            elif links.page_number(url) == page + 1:
                next_page = url

        if not links.is_listing(response.url):
            return
        if page == 1:
            run.writer.listing_crawled(here, utc_now())
        if next_page is None:
            run.writer.listing_reached_end(here, page, utc_now())
        elif self.full or wanted or not frontier.listing_completed(run.archive.db, here):
            # Pages are walked one after another (never by their numbered links), so the walk
            # can stop exactly where the archived articles begin. (Completion is read on the
            # crawler's own connection: earlier runs' walks; this run's comes at the end.)
            yield self.listing_request(next_page)

    def failed(self, failure) -> None:
        # Already in fetch_log (one row per attempt); here the final outcome is counted once.
        run = get_run(self.crawler)
        if run.stopping:  # cut by the run's own stop (RunExtension): not the site's failure
            return
        response = getattr(failure.value, "response", None)
        kind = http_kind(response.status) if response is not None else error_kind(failure.value)
        run.tally.errors[kind] += 1
        request = getattr(failure, "request", None)
        if request is not None:
            linked = request.meta.get("redirect_urls", [request.url])[0]
            if links.is_article(linked):  # it waits longer before each next attempt (frontier.retry_due)
                run.writer.link_failed(linked, utc_now())

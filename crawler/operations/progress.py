"""Crawl progress on stderr: a Scrapy extension that polls the run's counters and hands them to
archive/operations/progress.py (a live display on a terminal, a plain line a minute in cron logs).

Settings: TNU_PROGRESS (`auto`, `live`, `plain`, `off`) and TNU_PROGRESS_INTERVAL (seconds between
plain lines). The final summary is not printed here: `tnu-archive crawl` prints it after the run.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.httpobj import urlparse_cached

from archive.operations.progress import (
    LIVE,
    LIVE_REFRESH,
    MODES,
    OFF,
    Reporter,
    Snapshot,
    choose_mode,
    interval_from_env,
    make_reporter,
    parse_interval,
)
from crawler.fetching.fetchlog import request_kind
from crawler.fetching.offsite import on_hosts
from crawler.navigation import links

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.crawl_run import CrawlRun

# Meta key carried by an article request and by the retries and redirects made from it.
CHAIN = "tnu_progress_chain"
# Keys Scrapy's retry and redirect middlewares add to the requests they make.
_FOLLOW_UPS = ("retry_times", "redirect_times")


class ArticleQueue:
    """Article pages asked for in this run, and how many of them are finished.

    An article counts once however many requests it takes: retries and redirects inherit their
    first request's meta, so they carry its chain number. It is queued when first scheduled on a
    followed host (a duplicate dropped by the scheduler is not), and done when no request of its
    chain is scheduled or downloading any more, whatever the outcome.
    """

    def __init__(self, allowed_domains: list[str] | None = None):
        self.allowed_domains = [d.lower() for d in allowed_domains or [] if d]
        self.queued = 0
        self.done = 0
        self._in_flight: dict[int, int] = {}  # chain -> its requests scheduled or downloading
        self._ids = itertools.count(1)

    def _is_new_article(self, request: Request) -> bool:
        if request_kind(request) != "page" or not links.is_article(request.url):
            return False
        # Scrapy's offsite filter drops other hosts' pages inside this same signal; same rule here.
        return not self.allowed_domains or on_hosts(urlparse_cached(request).hostname, self.allowed_domains)

    def scheduled(self, request: Request) -> None:
        chain = request.meta.get(CHAIN)
        if chain is None:
            if self._is_new_article(request):
                request.meta[CHAIN] = next(self._ids)
                self._in_flight[request.meta[CHAIN]] = 1
                self.queued += 1
            return
        if chain in self._in_flight:
            self._in_flight[chain] += 1
        else:  # a retry or redirect of an article already counted done
            self._in_flight[chain] = 1
            self.done -= 1

    def dropped(self, request: Request) -> None:
        chain = request.meta.get(CHAIN)
        if chain is None:
            return
        if not any(key in request.meta for key in _FOLLOW_UPS):
            # A duplicate of an article already asked for: never a job of its own.
            self._in_flight.pop(chain, None)
            self.queued -= 1
            return
        self._attempt_over(chain)

    def left_downloader(self, request: Request) -> None:
        chain = request.meta.get(CHAIN)
        if chain is not None and chain in self._in_flight:
            self._attempt_over(chain)

    def _attempt_over(self, chain: int) -> None:
        self._in_flight[chain] -= 1
        if self._in_flight[chain] <= 0:
            del self._in_flight[chain]
            self.done += 1


def crawl_snapshot(run: CrawlRun | None, queue: ArticleQueue, listing_pages: int) -> Snapshot:
    fields: list[tuple[str, str]] = [("listing pages", str(listing_pages))]
    if run is not None:
        c = run.tally.counts
        fields.append(
            (
                "articles",
                f"{c['articles_new']} new / {c['articles_changed']} changed / {c['articles_unchanged']} unchanged",
            )
        )
        fields.append(("images", f"{c['images_new']} new / {c['images_failed']} failed"))
        errors = sum(run.tally.errors.values())
        detail = ", ".join(f"{kind} {n}" for kind, n in run.tally.errors.most_common(3))
        fields.append(("errors", f"{errors} ({detail})" if errors else "0"))
    return Snapshot(done=queue.done, total=queue.queued, fields=tuple(fields), final_total=False)


class ProgressExtension:
    """Polls the run every fraction of a second (live) or second (plain) and reports it."""

    def __init__(self, crawler: Crawler, reporter: Reporter):
        self.crawler = crawler
        self.reporter = reporter
        self.queue = ArticleQueue()
        self.listing_pages = 0
        self.task = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        settings = crawler.settings
        mode = (settings.get("TNU_PROGRESS") or "auto").lower()
        if mode == "auto":
            mode = choose_mode()
        if mode not in MODES:
            raise ValueError(f"TNU_PROGRESS must be auto, {', '.join(MODES)}; got {mode!r}")
        if mode == OFF:
            raise NotConfigured
        raw = settings.get("TNU_PROGRESS_INTERVAL")
        interval = interval_from_env() if raw in (None, "") else parse_interval(raw)
        ext = cls(crawler, make_reporter(mode, "crawl", "article pages", interval=interval))
        for handler, signal in (
            (ext.spider_opened, signals.spider_opened),
            (ext.spider_closed, signals.spider_closed),
            (ext.request_scheduled, signals.request_scheduled),
            (ext.request_dropped, signals.request_dropped),
            (ext.request_left_downloader, signals.request_left_downloader),
            (ext.response_received, signals.response_received),
        ):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.queue = ArticleQueue(getattr(spider, "allowed_domains", None))
        self.reporter.start()
        # Plain lines are throttled by the reporter; polling more often than it prints keeps the
        # line's timing exact without measurable cost.
        tick = LIVE_REFRESH if self.reporter.mode == LIVE else min(1.0, getattr(self.reporter, "interval", 1.0) / 4)
        self.task = create_looping_call(self.poll)
        self.task.start(tick, now=False)

    def poll(self) -> None:
        self.reporter.update(self.snapshot())

    def snapshot(self) -> Snapshot:
        return crawl_snapshot(getattr(self.crawler, "tnu_run", None), self.queue, self.listing_pages)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.reporter.mode == LIVE:
            self.reporter.update(self.snapshot())  # the display's last frame shows the end
        self.reporter.stop()

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        self.queue.scheduled(request)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        self.queue.dropped(request)

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        self.queue.left_downloader(request)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        # Pages that are not articles: listings, start pages, static pages (robots.txt aside).
        if CHAIN in request.meta or request_kind(request) != "page" or request.meta.get("dont_obey_robotstxt"):
            return
        self.listing_pages += 1

"""One crawl run: the open archive, its run row, and the counters that end up in `crawl_runs`.

The run is shared by the spider (navigation counters), the fetch-log middleware and the
pipeline; `RunExtension` opens it when the spider opens and closes it with a status.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy import signals

from archive import frontier
from archive.images import remove_abandoned_temp_files
from archive.lock import RunLock
from archive.outcome import BASELINE_RUNS, baseline_history, decide
from archive.runs import utc_now  # noqa: F401 — one time format for the whole archive
from archive.store import Archive
from archive.writer import ArchiveWriter, WriterDied
from crawler.gctune import crawl_pace
from crawler.helpers import helpers_context, warm_up_helpers

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

# Fields whose fill rate is watched from run to run (a drop means the layout changed).
WATCHED_FIELDS = ("title", "published_at", "views", "body_text", "images")

# Settings recorded with each run, so a later reader knows how it was crawled.
RECORDED_SETTINGS = (
    "BOT_NAME", "USER_AGENT", "ROBOTSTXT_OBEY", "COOKIES_ENABLED", "DEPTH_LIMIT",
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "RETRY_TIMES", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE",
    "FULL_CRAWL", "REFRESH_DAYS", "NOT_ARTICLE_RECHECK_DAYS", "MAX_DISCOVERY_PAGES", "DISCOVERY_SITEMAPS",
    "LISTING_MIN_ITEMS",
)


@dataclass
class CrawlRun:
    archive: Archive  # read here; written during the crawl by the writer process alone
    writer: ArchiveWriter
    run_id: int
    start_urls: list[str]
    # Pages, articles new/changed/unchanged and images are counted by the archive as it writes
    # them (in the writer process, ArchiveWriter.counts); here only what the archive cannot see.
    pages_ok: int = 0  # page responses below 400
    errors: Counter = field(default_factory=Counter)
    filled: Counter = field(default_factory=Counter)  # field -> articles where it was found
    articles_fetched: int = 0
    article_links_seen: int = 0
    not_article_links: list[str] = field(default_factory=list)  # article URLs showing neither date nor counter
    discovery_not_articles: int = 0  # pages no URL rule knew, fetched, and not articles (MAX_DISCOVERY_PAGES)
    discovery_capped: int = 0  # discovery requests dropped once MAX_DISCOVERY_PAGES was met
    problems: list[str] = field(default_factory=list)
    status: str = "running"
    exit_code: int | None = None
    final_counts: dict[str, int] | None = None  # frozen when the run is closed
    writes_lost: int = 0  # sent after the writer died

    def send(self, write: str, *args) -> None:
        """Hand a write to the run's writer (archive/writer.py). Once the writer has died the run
        is being stopped (RunExtension): what comes meanwhile is dropped, and fetched again by
        the next run."""
        try:
            self.writer.send(write, *args)
        except WriterDied:
            self.writes_lost += 1

    def count_fields(self, article) -> None:
        self.articles_fetched += 1
        for name in WATCHED_FIELDS:
            value = getattr(article, name)
            if value not in (None, "", ()):
                self.filled[name] += 1

    def fill_rates(self) -> dict[str, float]:
        if not self.articles_fetched:
            return {}
        return {name: round(self.filled[name] / self.articles_fetched, 4) for name in WATCHED_FIELDS}

    def counts(self) -> dict[str, int]:
        """pages, articles_new/changed/unchanged, images_new/failed of this run so far."""
        return self.final_counts or self.writer.counts

    def summary(self) -> str:
        c = self.counts()
        errors = sum(self.errors.values())
        return (
            f"run {self.run_id} {self.status}: {c['pages']} pages, articles {c['articles_new']} new / "
            f"{c['articles_changed']} changed / {c['articles_unchanged']} unchanged, images "
            f"{c['images_new']} new / {c['images_failed']} failed, {errors} errors"
        )


def get_run(crawler: Crawler) -> CrawlRun:
    run = getattr(crawler, "tnu_run", None)
    if run is None:
        raise RuntimeError("the archive run is not open (is crawler.run.RunExtension enabled?)")
    return run


class RunExtension:
    """Opens the archive and a `crawl_runs` row with the spider; records the outcome on close."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.lock = RunLock(crawler.settings.get("ARCHIVE_DB"))
        self._pace = ExitStack()  # the garbage collector's crawl pace, from open to close

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunExtension:
        ext = cls(crawler)
        # One run at a time per archive, however the crawl was started: `tnu-archive crawl` holds
        # the lock already (and reports a refusal in one line); `scrapy crawl news` is refused
        # here, before anything is opened or fetched.
        ext.lock.acquire()
        warm_up_helpers()  # already running when started by `tnu-archive crawl`
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        # Here rather than around the reactor, so that `scrapy crawl news` runs at it too.
        self._pace.enter_context(crawl_pace())
        settings = self.crawler.settings
        archive = Archive(settings.get("ARCHIVE_DB"), settings.get("IMAGES_STORE"))
        start_urls = list(getattr(spider, "start_urls", []))
        recorded = {name: settings.get(name) for name in RECORDED_SETTINGS}
        run_id = archive.start_run(start_urls, recorded)
        for path in remove_abandoned_temp_files(archive.images_dir):
            logger.warning("removed %s, left by a killed run", path)
        loop = asyncio.get_running_loop()
        writer = ArchiveWriter(
            archive.db_path, archive.images_dir, run_id, mp_context=helpers_context(), schedule=loop.call_soon,
            on_death=lambda why: loop.call_soon_threadsafe(self._writer_died, why),
        )
        self.crawler.tnu_run = CrawlRun(archive=archive, writer=writer, run_id=run_id, start_urls=start_urls)

    def _writer_died(self, why: str) -> None:
        # Nothing fetched from now on could be archived: stop instead of asking the site for it.
        logger.error("%s: stopping the crawl; the next run fetches again what was not written", why)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            asyncio.ensure_future(engine.close_spider_async(reason="writer_died"))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        run = get_run(self.crawler)
        try:
            # Everything the crawl sent is written (and counted) before the run is judged.
            run.final_counts, problems, errors = run.writer.close()
            run.problems.extend(problems)
            run.errors.update(errors)
        except WriterDied as exc:
            run.final_counts = run.writer.counts
            run.errors["writer_died"] += 1
            run.problems.append(
                f"{exc}: the writes in flight were lost, and {run.writes_lost} sent after it; "
                "the next run fetches those pages again"
            )
            reason = "the archive writer died"  # archiving stopped before the crawl did
        # More rows than the baseline needs: runs that raised the alarm, or fetched nothing, are skipped.
        previous = baseline_history(run.archive.finished_runs(limit=BASELINE_RUNS * 10, before=run.run_id))
        run.status, run.exit_code, problems = decide(
            close_reason=reason,
            pages_ok=run.pages_ok,
            article_links_seen=run.article_links_seen,
            articles_fetched=run.articles_fetched,
            not_articles=len(run.not_article_links),
            fill_rates=run.fill_rates(),
            previous_fill_rates=previous,
        )
        run.problems.extend(problems)
        if run.discovery_capped:
            run.problems.append(
                f"discovery met MAX_DISCOVERY_PAGES ({self.crawler.settings.getint('MAX_DISCOVERY_PAGES')}) "
                f"pages that were no articles; {run.discovery_capped} requests were left for the next run"
            )
        if run.status == "drift":
            # Taken for static pages while the layout was changing: not to be skipped from now on.
            frontier.forget_not_articles(run.archive.db, run.not_article_links)
        run.archive.finish_run(
            run.run_id,
            status=run.status,
            exit_code=run.exit_code,
            counts=run.final_counts,
            errors=dict(run.errors),
            fill_rates=run.fill_rates(),
            problems=run.problems,
        )
        logger.info(run.summary())
        run.archive.close()
        self.lock.release()
        self._pace.close()

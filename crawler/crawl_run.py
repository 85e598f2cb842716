"""The run a crawl's parts share: `CrawlRun` (its archive, writer process, tally and sites), which
the run's extension (crawler/operations/run.py) opens with the spider and hangs on Scrapy's
crawler, and `get_run`, by which the spider, the middlewares and the pipeline find it.

Below them all: it imports nothing of the crawler's but its sites, so that fetching/,
navigation/ and spiders/ reach the run without reaching up into operations/, which drives them.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from archive.storage.runs import RunTally, summary_line, utc_now
from archive.store import Archive
from archive.writer import ArchiveWriter
from crawler.sites import Site, Sites

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

# Settings recorded with each run, so a later reader knows how it was crawled.
RECORDED_SETTINGS = (
    "BOT_NAME",
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "COOKIES_ENABLED",
    "DEPTH_LIMIT",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "RETRY_TIMES",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "EXTRACT_TIMEOUT",
    "FULL_CRAWL",
    "REFRESH_DAYS",
    "NOT_ARTICLE_RECHECK_DAYS",
    "MAX_DISCOVERY_PAGES",
    "DISCOVERY_SITEMAPS",
    "MAX_LISTING_PAGES",
    "LISTING_STALE_PAGES",
    "MAX_SITEMAP_REQUESTS",
    "MAX_FEED_REQUESTS",
    "MAX_SITEMAP_ENTRIES",
    "MAX_DISCOVERY_BACKLOG",
    "MAX_PENDING_LINKS",
    "LISTING_MIN_ITEMS",
    "DOWNLOAD_SLOTS",
)


def recorded_settings(settings) -> dict:
    """RECORDED_SETTINGS as the run's row keeps them (a table of settings as a plain dict)."""
    values = {name: settings.get(name) for name in RECORDED_SETTINGS}
    return {name: v.copy_to_dict() if hasattr(v, "copy_to_dict") else v for name, v in values.items()}


# Request meta: the URL of a site's page that a request sent elsewhere stands for (a recovery
# fetches a page's captures from a web archive): the request counts as that site's.
STANDS_FOR = "tnu_stands_for"


@dataclass
class CrawlRun:
    archive: Archive  # read here; written during the crawl by the writer process alone
    writer: ArchiveWriter
    run_id: int
    start_urls: list[str]
    # The run's counters: the writer keeps its counts up to date as it writes the archive (the
    # same object as `writer.tally`); the spider, the fetch log and the pipeline add the rest.
    tally: RunTally
    status: str = "running"
    exit_code: int | None = None
    notices: list[str] = field(default_factory=list)  # problems the summary line repeats
    # Set on SIGTERM/SIGINT: downloads failing from then on were cut by the stop, not by the site,
    # and are not held against their URLs (no retry wait).
    stopping: bool = False
    closed: bool = False  # its row written (RunExtension.close_run): once
    # Every site known (the site of any URL) and the names of those this run crawls (a recovery:
    # those its patterns name): each is counted (tally.sites) and judged on its own.
    sites: Sites | None = None
    run_sites: tuple[str, ...] = ()
    registered: set[str] = field(default_factory=set)  # sites whose `sites` row this run wrote

    def site_of(self, url: str) -> Site | None:
        return self.sites.of(url) if self.sites is not None else None

    def site_name(self, url: str) -> str | None:
        """The name of the site of this run `url` belongs to; None when the run does not crawl it
        (an image host, another member's page a link led to): it counts for the run alone."""
        site = self.site_of(url)
        return site.name if site is not None and site.name in self.run_sites else None

    def request_site(self, request) -> str | None:
        """site_name of the page a request is for: its own URL, or the site's page it stands for
        (STANDS_FOR: a web archive's capture of that page, a CDX query for that site's captures)."""
        return self.site_name(request.meta.get(STANDS_FOR) or request.url)

    def register(self, site: Site) -> None:
        """The site's row of `sites`, written once a run, before any article of it."""
        if site.name not in self.registered:
            self.registered.add(site.name)
            # an ad-hoc site's language is unknown: its dates are read as a profile's, no more
            language = None if site.adhoc else site.language
            self.writer.register_site(
                site.name,
                site.title,
                list(site.hosts),
                site.digest,
                utc_now(),
                site.title_en,
                site.home,
                language,
                site.member_of,
            )

    def summary(self) -> str:
        return summary_line(self.run_id, self.status, self.tally.counts, sum(self.tally.errors.values())) + "".join(
            f"; {notice}" for notice in self.notices
        )


def run_kind(spider: Spider) -> str:
    """crawl_runs.kind: "crawl", or what the spider says it does (the recover spider: "recover")."""
    return getattr(spider, "run_kind", "crawl")


def refuse(message: str, code: int) -> NoReturn:
    """End a `scrapy crawl` that must not run: one line on stderr, the documented exit code."""
    print(f"tnu-archive: {message}", file=sys.stderr, flush=True)
    logging.shutdown()
    # SystemExit would be caught and logged by Scrapy's crawl task; nothing is open yet.
    os._exit(code)


def get_run(crawler: Crawler) -> CrawlRun:
    run = getattr(crawler, "tnu_run", None)
    if run is None:
        raise RuntimeError("the archive run is not open (is crawler.operations.run.RunExtension enabled?)")
    return run

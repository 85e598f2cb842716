"""`scrapy crawl news`, and so every scrapyd job (scrapyd runs `scrapy crawl` in the project's egg),
as one run of `tnu-archive crawl`: through the same machinery (crawler/cli.py `locked_run`,
crawler/operations/process.py), with the same guarantees.

Scrapy's own `crawl` would start the spider bare: the run's row would be opened by the run's
extension, but what `tnu-archive crawl` checks before it (a start URL that is no http(s) URL or
whose name does not resolve, a --set value of the wrong type, an unusable contact or
ALLOWED_PRIVATE_NETWORKS) would fail inside the crawl or leave no row, no summary line would end
stderr, and the process would exit 0 whatever the run's status (Scrapy's crawl exits 0 even when
the crawl failed). Here the run's own exit code is the process's, which scrapyd logs
("Process died: exitstatus=N") when it is not 0.

Other spiders (`scrapy crawl recover`) run as Scrapy runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from archive.cli import fail
from archive.outcome import EXIT_USAGE
from archive.storage.paths import DEFAULT_DB, DEFAULT_IMAGES

# Settings the command line gives that are not overrides of the run: where the archive is.
_PLACES = ("ARCHIVE_DB", "IMAGES_STORE")


class Command(ScrapyCrawl):
    requires_crawler_process = False  # `news` is run by crawler/operations/process.py, in a process of its own making

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported" if args else "")
        if args[0] != "news":
            self._run_as_scrapy(args, opts)
            return
        from crawler.cli import locked_run  # noqa: PLC0415 — the command line's own run
        from crawler.operations.process import check_start_urls, run_crawl  # noqa: PLC0415
        from crawler.sites import SiteError, load  # noqa: PLC0415

        settings = self.settings
        db_path = Path(settings.get("ARCHIVE_DB") or DEFAULT_DB)
        images_dir = Path(settings.get("IMAGES_STORE") or DEFAULT_IMAGES)
        spider_args = dict(opts.spargs)
        # `-a site=tnu,tnue -a start_url=A,B`, as `tnu-archive crawl --site … --start-url …`: the
        # sites' start pages and the URLs given; neither, every enabled site's.
        names, given = _listed(spider_args.pop("site", None)), _listed(spider_args.pop("start_url", None))
        try:
            start_urls = load(db_path).start(names, given)
        except SiteError as exc:
            fail(str(exc), EXIT_USAGE)
        self.exitcode = locked_run(
            start_urls,
            db_path,
            images_dir,
            cmdline_overrides(settings),
            lambda run_settings: run_crawl(start_urls, run_settings, **spider_args),
            check=check_start_urls,
        )

    def _run_as_scrapy(self, args: list[str], opts: argparse.Namespace) -> None:
        from scrapy.crawler import AsyncCrawlerProcess  # noqa: PLC0415

        self.crawler_process = AsyncCrawlerProcess(self.settings)
        super().run(args, opts)


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def cmdline_overrides(settings) -> dict:
    """The settings given on the command line (`-s NAME=VALUE`, scrapyd's `setting=NAME=VALUE` and
    LOG_FILE), as `tnu-archive crawl --set` would give them; the archive's place aside."""
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    return {
        name: settings[name]
        for name in settings.attributes
        if settings.getpriority(name) == cmdline and name not in _PLACES
    }

"""The run's extension: opens the archive, the run's row and its writer process when the spider
opens (the CrawlRun of crawler/crawl_run.py, with its tally: archive/storage/runs.py RunTally,
every counter that ends up in `crawl_runs`), and closes the run with a status, whatever ends it.

The run is shared by the spider (navigation counters), the fetch-log middleware and the
pipeline, which find it with crawler.crawl_run.get_run.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import ExitStack
from typing import TYPE_CHECKING

from scrapy import signals

from archive.db import SchemaTooNew, check_file
from archive.error_kinds import WRITER_DIED
from archive.operations.lock import Locked, RunLock
from archive.outcome import (
    BASELINE_RUNS,
    DRIFT,
    EMPTY,
    EXIT_FAILED,
    EXIT_LOCKED,
    OK,
    baseline_history,
    decide,
    worst,
    worst_recovered,
)
from archive.storage import frontier
from archive.storage.images import images_folder_problem, remove_abandoned_temp_files
from archive.storage.runs import RunTally
from archive.store import Archive
from archive.writer import ArchiveWriter, WriterDied
from crawler.crawl_run import CrawlRun, recorded_settings, refuse, run_kind
from crawler.fetching.contact import warning_once
from crawler.navigation import budgets
from crawler.operations.gctune import crawl_pace
from crawler.operations.helpers import HelpersError, helpers_context, warm_up_helpers
from crawler.sites import load as load_sites

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

# After a stop, downloads still in flight are cut every _CUT_INTERVAL seconds, at most
# _CUT_SWEEPS times: the run ends in about a second rather than at the download timeout.
_CUT_INTERVAL, _CUT_SWEEPS = 0.2, 20


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
        # here, before anything is opened or fetched, in one line too: an exception here would
        # reach the operator as an asyncio traceback ("Task exception was never retrieved") and
        # exit 1.
        try:
            check_file(crawler.settings.get("ARCHIVE_DB"))
            ext.lock.acquire()
        except Locked as exc:
            refuse(str(exc), EXIT_LOCKED)
        except SchemaTooNew as exc:
            refuse(str(exc), EXIT_FAILED)
        try:
            warm_up_helpers()  # already running when started by `tnu-archive crawl`
        except HelpersError as exc:
            refuse(str(exc), EXIT_FAILED)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def spider_error(self, failure, response, spider: Spider) -> None:
        # Without a response: the spider's start raised, and the run ends "failed" (outcome.decide);
        # the row says why.
        run = getattr(self.crawler, "tnu_run", None)
        if response is None and run is not None:
            text = " ".join(str(failure.value).split())
            run.tally.problems.append(f"the spider's start failed: {type(failure.value).__name__}: {text}")

    def spider_opened(self, spider: Spider) -> None:
        # Here rather than around the reactor, so that `scrapy crawl news` runs at it too.
        self._pace.enter_context(crawl_pace())
        settings = self.crawler.settings
        archive = Archive(settings.get("ARCHIVE_DB"), settings.get("IMAGES_STORE"))
        start_urls = list(getattr(spider, "start_urls", []))
        warning = warning_once(settings, start_urls)  # `scrapy crawl news`: not told before the run
        if warning:
            logger.warning(warning)
        recorded = recorded_settings(settings)
        run_id = archive.start_run(start_urls, recorded, kind=run_kind(spider))
        for path in remove_abandoned_temp_files(archive.images_dir):
            logger.warning("removed %s, left by a killed run", path)
        loop = asyncio.get_running_loop()
        tally = RunTally()
        writer = ArchiveWriter(
            archive.db_path,
            archive.images_dir,
            run_id,
            mp_context=helpers_context(),
            schedule=loop.call_soon,
            on_death=lambda why: loop.call_soon_threadsafe(self._writer_died, why),
            tally=tally,
        )
        self._cancel_downloads_on_stop()
        crawled = list(getattr(spider, "run_sites", ()))
        self.crawler.tnu_run = run = CrawlRun(
            archive=archive,
            writer=writer,
            run_id=run_id,
            start_urls=start_urls,
            tally=tally,
            sites=getattr(spider, "sites", None) or load_sites(settings.get("ARCHIVE_DB")),
            run_sites=tuple(site.name for site in crawled),
        )
        for site in crawled:
            tally.sites[site.name] = RunTally(counts={})  # a site nothing was counted for is judged too
            run.register(site)
        lost = images_folder_problem(archive.db.conn, archive.images_dir)
        if lost:  # said before the crawl fills the folder again, and in the run's summary
            logger.warning(lost)
            run.tally.problems.append(lost)
            run.notices.append(lost)

    def _cancel_downloads_on_stop(self) -> None:
        """When the crawl is stopped (SIGTERM, SIGINT: Scrapy's graceful stop calls
        `Crawler.stop_async`), cut the downloads in flight once the engine has begun closing:
        Scrapy would wait for each to finish or time out (30 s, a minute for a slow page), and
        cron or systemd kill what does not stop within seconds."""
        crawler = self.crawler
        original = crawler.stop_async

        async def stop_async(*args, **kwargs):
            from twisted.internet import reactor  # noqa: PLC0415 — the running reactor

            reactor.callLater(0, self._cut_downloads)  # runs once close_spider has begun below
            return await original(*args, **kwargs)

        crawler.stop_async = stop_async

    def _cut_downloads(self, sweeps: int = 0) -> None:
        run = getattr(self.crawler, "tnu_run", None)
        if run is not None:
            run.stopping = True
        from twisted.internet import reactor, tcp  # noqa: PLC0415 — the running reactor

        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        for request in list(getattr(downloader, "active", ())):
            # Or the retry middleware would send a cut download again, and wait for it.
            request.meta["dont_retry"] = True
        # The crawl's only TCP clients are its downloads (the writer talks over a pipe).
        cut = 0
        for selectable in {*reactor.getReaders(), *reactor.getWriters()}:
            if isinstance(selectable, tcp.Client):
                selectable.abortConnection()
                cut += 1
        if cut:
            logger.info("stopping: %d downloads in flight cut", cut)
        # Twisted's connection pool sends a GET cut on a reused connection once more, on a new
        # one: sweep again while downloads remain.
        if getattr(downloader, "active", None) and sweeps < _CUT_SWEEPS:
            reactor.callLater(_CUT_INTERVAL, self._cut_downloads, sweeps + 1)

    def _writer_died(self, why: str) -> None:
        # Nothing fetched from now on could be archived: stop instead of asking the site for it.
        logger.error("%s: stopping the crawl; the next run fetches again what was not written", why)
        run = getattr(self.crawler, "tnu_run", None)
        if run is not None and run.stopping:
            return  # a stop is closing the spider already: a second close would race it
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            asyncio.ensure_future(engine.close_spider_async(reason="writer_died"))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.close_run(spider, reason)

    def close_run(self, spider: Spider, reason: str) -> None:
        """Judge the run, write its row with the tally, release the lock: once, whoever asks first.

        Scrapy's spider_closed signal asks, at the end of the spider's close. But a close can be
        cut: a SIGTERM's graceful stop that meets a close already under way (the writer's death,
        `_writer_died`) waits only for the downloads, not for that close, and may stop the reactor
        before the signal is sent. Then crawler/operations/process.py asks once the reactor has stopped: a
        crawl killed that way was recorded `failed, 0 pages` after 1,531 pages."""
        run = getattr(self.crawler, "tnu_run", None)
        if run is None or run.closed:
            return
        run.closed = True
        tally = run.tally
        try:
            finished = getattr(spider, "run_finished", None)
            if reason == "finished" and finished is not None:
                finished()  # the spider's last writes, once every request is done (recover: its walks)
            # Everything the crawl sent is written (and counted) before the run is judged.
            run.writer.close()  # the writer's counts, errors and problems join the tally
        except WriterDied as exc:
            tally.errors[WRITER_DIED] += 1
            tally.problems.append(
                f"{exc}: the writes in flight were lost, and {run.writer.lost} sent after it; "
                "the next run fetches those pages again"
            )
            reason = "the archive writer died"  # archiving stopped before the crawl did
        kind = run_kind(spider)
        outcomes = self._judge(run, reason, kind)
        whole = reason != "finished"  # stopped, or never started: the run's fate, not a site's
        nothing_found = getattr(spider, "nothing_found", None)
        if nothing_found and not whole:  # the spider's own words for "no article to fetch"
            outcomes = {n: (s, c, [nothing_found] if s == EMPTY else ps) for n, (s, c, ps) in outcomes.items()}
        judged = [(status, code) for status, code, _ in outcomes.values()]
        run.status, run.exit_code = worst_recovered(judged) if kind == "recover" else worst(judged)
        problems = next(iter(outcomes.values()))[2] if whole else [p for o in outcomes.values() for p in o[2]]
        if len(outcomes) > 1 and not whole:  # several sites: each problem says whose it is
            problems = [f"site {name}: {p}" for name, (_, _, ps) in outcomes.items() for p in ps]
        if run.status == EMPTY and nothing_found:
            problems = [nothing_found]  # every site empty: one line says it
        tally.problems.extend(problems)
        # the summary's last line names each site that did not end ok (a recovery's sites whose web
        # archive held nothing to read, in one notice, when others' did)
        quiet = run.status != EMPTY and kind == "recover"
        empty = [name for name, (status, _, _) in outcomes.items() if status == EMPTY and quiet]
        for name, (status, _, site_problems) in outcomes.items():
            if name is not None and status != OK and not whole and name not in empty:
                run.notices.append(f"site {name} {status}" + (f": {site_problems[0]}" if site_problems else ""))
        if empty:
            run.notices.append(f"no article capture of site {', '.join(empty)}")
        settings = self.crawler.settings
        met = budgets.notices(tally.capped, {name: settings.getint(name) for name in tally.capped})
        tally.problems.extend(met)
        run.notices.extend(met)  # and in the summary line: a cron log shows which budget was met
        for name, (status, _, _) in outcomes.items():
            if status == DRIFT:
                # Taken for static pages while the layout was changing: not to be skipped from now on.
                mine = tally if name is None else tally.sites[name]
                frontier.forget_not_articles(run.archive.db, mine.not_article_links)
        try:
            for name, (status, exit_code, site_problems) in outcomes.items():
                if name is not None:
                    mine = tally.sites[name]
                    run.archive.record_run_site(
                        run.run_id,
                        name,
                        status=status,
                        exit_code=exit_code,
                        counts={**mine.counts, "articles_generic": mine.articles_generic},
                        errors=dict(mine.errors),
                        fill_rates=mine.fill_rates(),
                        problems=site_problems,
                    )
            run.archive.finish_run(
                run.run_id,
                status=run.status,
                exit_code=run.exit_code,
                counts={**tally.counts, "articles_generic": tally.articles_generic},
                errors=dict(tally.errors),
                fill_rates=tally.fill_rates(),
                problems=tally.problems,
            )
            logger.info(run.summary())
        finally:
            run.archive.close()
            self.lock.release()
            self._pace.close()

    def close_unclosed(self, reason: str) -> None:
        """After the reactor: the run's row, if the spider's close was cut before it was written
        (close_run). Its reason is the stop's when one was asked for."""
        run = getattr(self.crawler, "tnu_run", None)
        if run is None or run.closed:
            return
        spider = self.crawler.spider
        logger.warning("the crawl stopped before its spider was closed; recording the run as it stands")
        self.close_run(spider, "shutdown" if run.stopping else reason)

    def _judge(self, run: CrawlRun, reason: str, kind: str) -> dict[str | None, tuple[str, int, list[str]]]:
        """(status, exit code, problems) of each site of the run, each judged on its own figures
        against its own history (a site's drift is not hidden, nor raised, by the others'), a
        recovery's as a crawl's; a run of no site is judged whole, under the name None."""
        judged: dict[str | None, tuple[str, int, list[str]]] = {}
        for name in run.run_sites or (None,):
            mine = run.tally if name is None else run.tally.sites[name]
            # More rows than the baseline needs: runs that raised the alarm, or fetched nothing, are
            # skipped. Only runs of the same kind: a recovery's captures are not the live site's pages.
            if name is None:
                history = run.archive.finished_runs(limit=BASELINE_RUNS * 10, before=run.run_id, kind=kind)
            else:
                history = run.archive.site_runs(name, limit=BASELINE_RUNS * 10, before=run.run_id, kind=kind)
            judged[name] = decide(
                close_reason=reason,
                pages_ok=mine.pages_ok,
                article_links_seen=mine.article_links_seen,
                articles_fetched=mine.articles_fetched,
                not_articles=len(mine.not_article_links),
                fill_rates=mine.fill_rates(),
                previous_fill_rates=baseline_history(history),
                errors=mine.errors,
            )
        return judged

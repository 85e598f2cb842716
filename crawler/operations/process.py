"""Running the `news` spider in this process and reading back how the run went.

Every run that got this far (the data folder's lock is held) leaves a `crawl_runs` row, whatever
ends it: a start URL whose name does not resolve, a setting Scrapy refuses, a failure before
the spider opened. `run_crawl` never raises for those; it returns how the run ended.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from archive.outcome import EXIT_FAILED, EXIT_INTERRUPTED, INTERRUPTED
from archive.storage.runs import record_failed_run, summary_line, utc_now
from archive.store import Archive
from crawler.crawl_run import CrawlRun, recorded_settings
from crawler.fetching.addresses import parse_networks
from crawler.fetching.contact import ContactError, resolve_contact, user_agent
from crawler.operations import early_stop
from crawler.operations.run import RunExtension
from crawler.spiders.news import NewsSpider


class CrawlError(Exception):
    """The crawl could not start; the message is one line for the operator."""


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, as the command reports it: `error` (one line, or None) then `summary`."""

    run_id: int | None
    status: str
    exit_code: int
    summary: str
    error: str | None = None


def build_settings(
    db_path: Path, images_dir: Path, *, full: bool = False, overrides: Mapping[str, str] = {}
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    settings.set("IMAGES_STORE", str(images_dir), priority="cmdline")
    if full:
        settings.set("FULL_CRAWL", True, priority="cmdline")
    check_setting_values(settings, overrides)
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    try:  # a contact that cannot be used is a bad argument, refused before the run
        settings.set("CONTACT", resolve_contact(settings.get("CONTACT"), db_path), priority="cmdline")
    except ContactError as exc:
        raise CrawlError(str(exc)) from None
    check_allowed_networks(settings)
    return settings


def check_setting_values(defaults: Settings, overrides: Mapping[str, str]) -> None:
    """Refuse, in one line, a --set value that cannot be read as its setting's type (the type of
    its default: a yes/no, a number). Other values are only checked by Scrapy once it runs."""
    for name, value in overrides.items():
        default = defaults.get(name)
        probe = Settings({name: value})
        try:
            if isinstance(default, bool):
                probe.getbool(name)
            elif isinstance(default, (int, float)):
                probe.getfloat(name)
        except ValueError:
            what = "True or False" if isinstance(default, bool) else "a number"
            raise CrawlError(f"--set {name}={value}: {name} takes {what} (default {default!r})") from None


def check_start_urls(start_urls: Sequence[str]) -> None:
    """A start URL that is not http(s) is a bad argument: refused before any run starts."""
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"not an http(s) URL: {url!r}")


def unresolved_hosts(start_urls: Sequence[str]) -> list[tuple[str, str]]:
    """(url, one-line reason) for each start URL whose host name does not resolve."""
    failed = []
    for url in start_urls:
        parts = urlsplit(url)
        try:
            socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            failed.append((url, f"cannot resolve {parts.hostname} ({exc.strerror or exc}); is the network up?"))
    return failed


def check_allowed_networks(settings: Settings) -> None:
    """ALLOWED_PRIVATE_NETWORKS must name networks: one line, before anything starts."""
    try:
        parse_networks(settings.getlist("ALLOWED_PRIVATE_NETWORKS"))
    except ValueError as exc:
        raise CrawlError(str(exc)) from None


def _record_failure(
    settings: Settings,
    start_urls: Sequence[str],
    problem: str,
    *,
    errors: Mapping[str, int],
    failed_fetches: Sequence[tuple[str, str]] = (),
    run: CrawlRun | None = None,
    kind: str = "crawl",
    status: str = "failed",
    exit_code: int = EXIT_FAILED,
) -> RunEnd:
    """Write the failed run's row (and fetch_log rows for what failed before any request); with
    `status` "interrupted" and its exit code, the row of a run stopped before it began."""
    recorded = recorded_settings(settings)
    if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["project"]:
        recorded["USER_AGENT"] = user_agent(settings.get("CONTACT"))  # what the add-on would have sent
    try:
        archive = run.archive if run is not None else Archive(settings.get("ARCHIVE_DB"), settings.get("IMAGES_STORE"))
        try:
            run_id = record_failed_run(
                archive.db,
                list(start_urls),
                recorded,
                problem=problem,
                errors=errors,
                exit_code=exit_code,
                run_id=run.run_id if run is not None else None,
                kind=kind,
                status=status,
            )
            for url, kind in failed_fetches:
                archive.log_fetch(
                    run_id,
                    url=url,
                    final_url=None,
                    kind="page",
                    status=None,
                    error=kind,
                    body=None,
                    fetched_at=utc_now(),
                )
        finally:
            archive.close()
    except Exception as exc:  # the database itself is unusable: nothing to write the row into
        return RunEnd(
            None,
            status,
            exit_code,
            summary_line(None, status, {}, sum(errors.values())),
            f"{problem}; and the run could not be recorded: {exc}",
        )
    return RunEnd(run_id, status, exit_code, summary_line(run_id, status, {}, sum(errors.values())), problem)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def run_crawl(start_urls: Sequence[str], settings: Settings, **spider_args: object) -> RunEnd:
    """Crawl until done; the run's row is written whatever ends it (the caller holds the lock).
    `spider_args`: the spider's other arguments (`scrapy crawl news -a NAME=VALUE`, scrapyd's `_job`)."""
    check_start_urls(start_urls)
    return _run_spider(NewsSpider, start_urls, settings, **spider_args, start_url=list(start_urls))


def run_recover(
    settings: Settings,
    *,
    cdx_api: str,
    replay: str,
    matches: Sequence[str],
    since: str | None,
    until: str | None,
    limit: int | None,
) -> RunEnd:
    """Recover articles from a web archive's captures until done (crawler/spiders/recover.py);
    the run's row is written whatever ends it (the caller holds the lock)."""
    from crawler.spiders.recover import RecoverSpider  # noqa: PLC0415

    return _run_spider(
        RecoverSpider,
        [cdx_api, replay],
        settings,
        cdx_api=cdx_api,
        replay=replay,
        match=list(matches),
        since=since,
        until=until,
        limit=limit,
    )


def _run_spider(spider: type, start_urls: Sequence[str], settings: Settings, **spider_args) -> RunEnd:
    """Run one spider to its end under a run row; `start_urls` are the hosts it starts from."""
    kind = getattr(spider, "run_kind", "crawl")
    db_path = settings.get("ARCHIVE_DB")
    try:  # the one failure that cannot leave a row: there is nowhere to write it
        Archive(db_path, settings.get("IMAGES_STORE")).close()
    except Exception as exc:
        return RunEnd(
            None,
            "failed",
            EXIT_FAILED,
            summary_line(None, "failed", {}, 0),
            f"cannot open the archive {db_path}: {exc}",
        )
    unresolved = unresolved_hosts(start_urls)
    # A crawl of several sites goes on while one of them resolves: the others are archived, and
    # the one that did not is that site's failure, in its row. Nothing resolving is the network.
    if unresolved and (kind != "crawl" or len(unresolved) == len(start_urls)):
        return _record_failure(
            settings,
            start_urls,
            unresolved[0][1],
            errors={"dns": len(unresolved)},
            failed_fetches=[(url, "dns") for url, _ in unresolved],
            kind=kind,
        )
    if early_stop.asked():
        return _stopped_early(settings, start_urls, kind)
    failures: list[BaseException] = []
    crawler = None
    try:
        process = CrawlerProcess(settings)  # installs Scrapy's SIGTERM/SIGINT handlers
        early_stop.remember_behind()
        if early_stop.asked():  # asked for in the instant before they were there
            return _stopped_early(settings, start_urls, kind)
        crawler = process.create_crawler(spider)
        started = process.crawl(crawler, **spider_args)
        # Taken here, the failure is reported once, as the run's problem, not as Twisted's
        # "Unhandled error in Deferred" traceback printed after the summary.
        started.addErrback(lambda failure: failures.append(failure.value))
        process.start()
    except Exception as exc:  # a setting Scrapy refuses before the reactor runs
        failures.append(exc)
    if crawler is not None and getattr(crawler, "tnu_run", None) is not None:
        # opened: its row is written from its tally, even when the reactor stopped before the
        # spider's close got that far (RunExtension.close_run)
        for extension in getattr(getattr(crawler, "extensions", None), "middlewares", ()):
            if isinstance(extension, RunExtension):
                extension.close_unclosed("the crawl stopped before its spider was closed")
    run: CrawlRun | None = getattr(crawler, "tnu_run", None)
    if run is not None and run.exit_code is not None:
        error = None
        if run.exit_code == EXIT_FAILED:
            error = "; ".join(run.tally.problems) or "the run failed"
        return RunEnd(run.run_id, run.status, run.exit_code, run.summary(), error)
    if run is None and early_stop.asked():  # Scrapy stopped on it before the spider opened its run
        return _stopped_early(settings, start_urls, kind)
    if failures:
        cause = _one_line(failures[0])
    else:
        cause = "the spider stopped before the run was opened" if run is None else "the run could not be closed"
    hint = " (check the --set values)" if _user_sets(settings) else ""
    if run is not None:
        with contextlib.suppress(Exception):  # opened, never closed: let the writer finish what it was given
            run.writer.close()
    return _record_failure(
        settings, start_urls, f"the crawl could not run: {cause}{hint}", errors={"start_failed": 1}, run=run, kind=kind
    )


def _stopped_early(settings: Settings, start_urls: Sequence[str], kind: str) -> RunEnd:
    """The row of a run stopped before it began (crawler/operations/early_stop.py)."""
    return _record_failure(
        settings,
        start_urls,
        f"stopped by {early_stop.asked()} before the run began; nothing was fetched",
        errors={},
        kind=kind,
        status=INTERRUPTED,
        exit_code=EXIT_INTERRUPTED,
    )


def _user_sets(settings: Settings) -> bool:
    """Whether settings other than the command's own were given on the command line."""
    own = {"ARCHIVE_DB", "IMAGES_STORE", "FULL_CRAWL", "TNU_PROGRESS", "LOG_LEVEL", "CONTACT"}
    return any(
        settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"] and name not in own for name in settings.attributes
    )

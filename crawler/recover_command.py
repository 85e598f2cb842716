"""`tnu-archive recover`: the lost years, from a web archive speaking the Wayback CDX API.

A thin shell over crawler/spiders/recover.py, run like `crawl`: the same lock, the same
one-line summary and exit codes, a `crawl_runs` row of kind `recover`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.cli import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_USAGE,
    QUIET_HELP,
    _parse_sets,
    _progress_overrides,
    db_option,
    fail,
    images_option,
)
from crawler.cdx import WAYBACK_CDX, WAYBACK_REPLAY
from crawler.sites import ARCHIVE_MATCHES as DEFAULT_MATCHES



def _date(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from crawler.cdx import check_date  # noqa: PLC0415

    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _http_url(ctx, param, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"not an http(s) URL: {value!r}")
    return value


@click.command()
@click.option("--cdx-api", default=WAYBACK_CDX, show_default=True, callback=_http_url,
              help="CDX endpoint of the web archive (Wayback Machine, pywb's /<collection>/cdx, OutbackCDX).")
@click.option("--replay", default=WAYBACK_REPLAY, show_default=True, callback=_http_url,
              help="Replay prefix: captures are fetched raw from <replay><timestamp>id_/<url>.")
@click.option("--match", "matches", multiple=True, metavar="PATTERN",
              help="URL pattern to look up (repeatable); a trailing * matches every URL under it. "
              f"Default: {', '.join(DEFAULT_MATCHES)}.")
@click.option("--from", "since", callback=_date, metavar="YYYY[MM[DD]]", help="Only captures from this date on.")
@click.option("--to", "until", callback=_date, metavar="YYYY[MM[DD]]", help="Only captures up to this date.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Fetch at most N captures this run (the next run goes on with the rest).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the WARC captures [warc/ beside the database].")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this run (as `scrapy crawl -s`).")
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)
@db_option
@images_option
def recover(cdx_api: str, replay: str, matches: tuple[str, ...], since: str | None, until: str | None,
            limit: int | None, warc_dir: Path | None, sets: tuple[str, ...], quiet: bool, db_path: Path,
            images_dir: Path) -> None:
    """Recover articles the site no longer serves from a web archive's captures."""
    if since and until and since > until[: len(since)]:
        fail(f"--from {since} is after --to {until}", EXIT_USAGE)
    user_sets = _parse_sets(sets)
    overrides = {**_progress_overrides(quiet, user_sets), **user_sets}
    if warc_dir is not None:
        overrides["WARC_DIR"] = str(warc_dir)
    sys.exit(_recover(db_path, images_dir, overrides, cdx_api=cdx_api, replay=replay,
                      matches=list(matches or DEFAULT_MATCHES), since=since, until=until, limit=limit))


def _recover(db_path: Path, images_dir: Path, overrides: dict[str, str], **arguments) -> int:
    """One recovery under the data folder's lock (the crawl's); its exit code."""
    from archive.lock import Locked, RunLock  # noqa: PLC0415
    from crawler.helpers import warm_up_helpers  # noqa: PLC0415

    warm_up_helpers()
    from crawler.process import CrawlError, build_settings, run_recover  # noqa: PLC0415 — Scrapy is heavy

    settings = build_settings(db_path, images_dir, overrides=overrides)
    try:
        with RunLock(db_path):
            run = run_recover(settings, **arguments)
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except CrawlError as exc:
        fail(str(exc), EXIT_FAILED)
    if run is None or run.exit_code is None:
        fail("the recovery could not start (see the log above)", EXIT_FAILED)
    click.echo(run.summary(), err=True)
    if run.exit_code == EXIT_FAILED:
        click.echo(f"tnu-archive: {'; '.join(run.problems) or 'the run failed'}", err=True)
    return run.exit_code

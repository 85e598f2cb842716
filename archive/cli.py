"""The archivists' commands of `tnu-archive` (runs, search, export, verify, serve): a thin shell
over the archive's Python API. They need no crawler: `crawler/cli.py` mounts them beside the
commands that crawl, and takes the shared options and `fail` from here.

Every command takes --db and --images-dir with the same defaults. Errors a user can fix end in
one clear line on stderr and a documented exit code, never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC
from pathlib import Path

import click

from archive import __version__
from archive.outcome import (  # noqa: F401 — the exit codes are part of this command's interface
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFY,
)
from archive.storage.paths import DEFAULT_DB, DEFAULT_IMAGES, default_warc_dir


def db_option(func):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_DB,
        show_default=True,
        help="SQLite archive file.",
    )(func)


def images_option(func):
    return click.option(
        "--images-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_IMAGES,
        show_default=True,
        help="Folder of the downloaded images.",
    )(func)


def fail(message: str, code: int = EXIT_FAILED) -> None:
    """End the command with one clear line on stderr."""
    click.echo(shown(f"tnu-archive: {message}"), err=True)
    sys.exit(code)


def shown(text: object) -> str:
    """Text for the terminal: stored data is the site's, and its control characters (ESC...)
    would drive the terminal of whoever prints it."""
    from archive.storage.fold import strip_controls  # noqa: PLC0415

    return strip_controls(str(text)) or ""


_UNESCAPED_CONTROLS = re.compile("[\x7f-\x9f]")


def json_shown(value: object) -> str:
    """JSON for the terminal: json escapes C0 controls itself, DEL and C1 are escaped here (still
    the same JSON value)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _UNESCAPED_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class ArchiveGroup(click.Group):
    """A command group where an archive from a newer tnu-archive ends any command in one line."""

    def invoke(self, ctx: click.Context):
        from archive.db import SchemaTooNew  # noqa: PLC0415

        # An archive written by a newer tnu-archive: whichever command met it, one line, exit 1.
        try:
            return super().invoke(ctx)
        except SchemaTooNew as exc:
            fail(str(exc))


@click.group(cls=ArchiveGroup)
@click.version_option(__version__, prog_name="tnu-archive")
def cli() -> None:
    """Read, check and publish a tnu-archive SQLite file (no crawling here)."""


QUIET_HELP = "No progress display or lines: only errors and the final summary."

# Where the command line keeps the reader of each site's category names (db path -> site ->
# printed -> the dataset's): site knowledge, owned by the sites' profiles (and the operator's
# tnu-archive.toml beside the archive); `crawler/cli.py` puts it in the context, so this module
# needs nothing of the crawler. `export` without it keeps the names as printed.
CATEGORY_NAMES_KEY = "tnu_archive.category_names"


def _category_names(db_path: Path):
    reader = click.get_current_context().find_root().meta.get(CATEGORY_NAMES_KEY)
    if reader is None:
        return None
    try:
        return reader(db_path)
    except ValueError as exc:  # a profile that cannot be used: one line, as every command says it
        fail(f"export failed: {exc}")


def quiet_option(func):
    return click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)(func)


def progress_reporter(quiet: bool, title: str, unit: str):
    """The progress reporter of reparse and export (archive/operations/progress.py)."""
    from archive.operations.progress import choose_mode, make_reporter  # noqa: PLC0415

    try:
        return make_reporter(choose_mode(quiet), title, unit)
    except ValueError as exc:  # a TNU_PROGRESS_INTERVAL that is not a number of seconds
        fail(str(exc), EXIT_USAGE)


def require_archive(db_path: Path) -> None:
    """End the command in one line unless there is an archive at `db_path` (archive/storage/existing.py):
    no command but a crawl or a recovery may make one."""
    from archive.storage.existing import NoArchive  # noqa: PLC0415
    from archive.storage.existing import require_archive as check  # noqa: PLC0415

    try:
        check(db_path)
    except NoArchive as exc:
        fail(str(exc))


def open_archive(db_path: Path, images_dir: Path, *, must_exist: bool = True):
    from archive.store import Archive  # noqa: PLC0415

    if must_exist:
        require_archive(db_path)
    try:
        return Archive(db_path, images_dir)
    except Exception as exc:  # unreadable, not a database, locked beyond the timeout
        fail(f"cannot open {db_path}: {exc}")


# --- archivists' access: runs, search, export, verify, serve ----------------------------------


@cli.command()
@db_option
@images_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON list.")
@click.option(
    "--check", is_flag=True, help="Print one line on the latest run; exit non-zero unless it ended ok within --max-age."
)
@click.option(
    "--max-age",
    "max_age",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="HOURS",
    help="With --check: the latest run must have started within this many hours [26].",
)
@click.option(
    "--site",
    "site",
    metavar="NAME",
    default=None,
    help="Only this site's outcome in each run that crawled it (`tnu-archive sites` lists them).",
)
def runs(
    db_path: Path, images_dir: Path, limit: int, as_json: bool, check: bool, max_age: float | None, site: str | None
) -> None:
    """List the latest crawl runs: when, how they ended, what they archived, the fill rates that
    fell and the problems. --check: the morning check, for cron's MAILTO or a monitor."""
    from datetime import datetime  # noqa: PLC0415

    import sqlite_utils  # noqa: PLC0415

    from archive.operations import runs_report  # noqa: PLC0415
    from archive.outcome import BASELINE_RUNS  # noqa: PLC0415
    from archive.storage.runs import finished_runs, list_runs  # noqa: PLC0415
    from archive.storage.sites import run_sites, site_runs  # noqa: PLC0415

    if max_age is not None and not check:
        fail("--max-age goes with --check", EXIT_USAGE)
    # Read-only: listing runs must work on an archive nobody may write to (read-only media).
    conn = _open_for_reading(db_path)
    try:
        db = sqlite_utils.Database(conn)
        has_sites = "run_sites" in db.table_names()  # an archive older than sites has none
        if site is not None:
            if not has_sites or not db.execute("SELECT 1 FROM run_sites WHERE site = ?", [site]).fetchone():
                fail(f"no run of a site named {site!r} in {db_path} (`tnu-archive sites` lists the sites)", EXIT_USAGE)
            own = site_runs(db, site, limit=1 if check else limit)
            rows = [runs_report.site_row(r) for r in own]

            def earlier(run_id: int) -> list[dict]:
                return site_runs(db, site, limit=BASELINE_RUNS * 10, before=run_id, finished=True)
        else:
            rows = list_runs(db, limit=1 if check else limit)

            def earlier(run_id: int) -> list[dict]:
                return finished_runs(db, limit=BASELINE_RUNS * 10, before=run_id)

        if check:
            latest = rows[0] if rows else None
            code, line = runs_report.morning_check(
                latest,
                now=datetime.now(UTC),
                max_age_hours=max_age or runs_report.DEFAULT_MAX_AGE_HOURS,
                sites=run_sites(db, latest["id"]) if latest and has_sites and site is None else (),
            )
            click.echo(shown(line))
            sys.exit(code)
        if as_json:
            click.echo(json_shown(own if site is not None else rows))
            return
        lines = runs_report.table(rows, earlier)
    finally:
        conn.close()
    click.echo("\n".join(shown(line) for line in lines))


def _open_for_reading(db_path: Path):
    """A read-only connection to an existing archive, or one clear line and EXIT_FAILED."""
    import sqlite3  # noqa: PLC0415

    from archive.search import open_readonly  # noqa: PLC0415

    require_archive(db_path)
    try:
        conn = open_readonly(db_path)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except FileNotFoundError:
        fail(f"no archive at {db_path} (run a crawl first, or pass --db)")
    except sqlite3.DatabaseError as exc:
        fail(f"cannot read {db_path}: {exc}")
    return conn


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as a JSON list.")
@click.option("--site", "site", metavar="NAME", default=None, help="Only articles of this site (articles.site).")
def search(query: str, db_path: Path, limit: int, as_json: bool, site: str | None) -> None:
    """Search titles, text and captions; accents optional ("dai hoc" finds "Đại học").

    Every word must appear; "quoted words" must appear together; a word ending in * is a prefix.
    """

    from archive.search import SearchError  # noqa: PLC0415
    from archive.search import search as run_search

    conn = _open_for_reading(db_path)
    try:
        hits = run_search(conn, query, limit=limit, site=site)
    except SearchError as exc:
        fail(str(exc))
    finally:
        conn.close()
    if as_json:
        click.echo(json_shown(hits))
        return
    if not hits:
        click.echo(shown(f"No article matches {query!r}."), err=True)
        return
    for hit in hits:
        click.echo(shown(f"{hit['published_at'] or '(no date)'}  {hit['title'] or '(no title)'}"))
        click.echo(shown(f"  {hit['url']}"))
        click.echo(shown(f"  article {hit['id']} · {hit['page']} in tnu-archive serve"))
        if hit["snippet"]:
            click.echo(shown(f"  {hit['snippet']}"))
        click.echo("")


@cli.command()
@db_option
@images_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default keeps the archive on this machine.",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8001,
    show_default=True,
    help="Port to listen on (0: any free port, printed on stderr).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this host name (repeatable); this machine's names "
    "and IP addresses are always answered, other names are refused (DNS rebinding).",
)
def serve(db_path: Path, images_dir: Path, host: str, port: int, allow_hosts: tuple[str, ...]) -> None:
    """Browse the archive in Datasette: tables with their data dictionary, search, dashboard,
    article pages with their pictures.

    Safe to run while a crawl writes: the archive is read through read-only connections.
    """
    from archive.serve import ServeError  # noqa: PLC0415
    from archive.serve import serve as run_serve

    try:
        run_serve(db_path, images_dir, host=host, port=port, allow_hosts=allow_hosts)
    except ServeError as exc:
        fail(str(exc))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the dataset into: new, empty, or an earlier export (only the files its "
    "manifest lists are replaced; any other folder is refused untouched).",
)
@click.option(
    "--wacz",
    "wacz_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also package the WARC captures, their index and the article list as a WACZ file.",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the WARC captures [warc/ beside the database].",
)
@click.option("--site", "site", metavar="NAME", default=None, help="Only this site's articles (articles.site).")
@db_option
@images_option
@quiet_option
def export(
    out_dir: Path | None,
    wacz_path: Path | None,
    warc_dir: Path | None,
    site: str | None,
    db_path: Path,
    images_dir: Path,
    quiet: bool,
) -> None:
    """Publish the archive as a dataset: Parquet (one file per table, articles per site), CSV,
    JSON Lines, the image files, a dataset card, croissant.json, datapackage.json and a sha256
    manifest; and/or the web captures as a WACZ package."""
    import sqlite3  # noqa: PLC0415

    from archive.export import ExportError  # noqa: PLC0415
    from archive.export import export as run_export

    if out_dir is None and wacz_path is None:
        fail("export needs --out DIR and/or --wacz FILE", EXIT_USAGE)
    if site is not None and (out_dir is None or wacz_path is not None):
        fail("--site goes with --out alone (a WACZ packages every capture of the archive)", EXIT_USAGE)
    _open_for_reading(db_path).close()
    if wacz_path is not None:
        _export_wacz(db_path, warc_dir or default_warc_dir(db_path), wacz_path)
    if out_dir is None:
        return
    reporter = progress_reporter(quiet, "export", "steps")
    progress = reporter.callback(lambda c: tuple((what, str(c[what])) for what in ("rows", "image files", "checksums")))
    try:
        with reporter:
            summary = run_export(
                db_path, images_dir, out_dir, progress=progress, site=site, categories=_category_names(db_path)
            )
    except (ExportError, OSError, sqlite3.DatabaseError) as exc:
        fail(f"export failed: {exc}")
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (archive/operations/stopping.py Stopped)
        how = str(exc) or "stopped by Ctrl-C"
        fail(f"export {how} before the end: its staging folder was removed; run it again", EXIT_INTERRUPTED)
    rows = summary["rows"]
    click.echo(
        f"Exported {rows['articles']} articles, {rows['article_images']} article images, "
        f"{summary['images']} image files, {rows['view_counts']} view counts "
        f"({summary['files']} files, {summary['bytes']} bytes) to {summary['out_dir']}, "
        f"version {summary['version']}",
        err=True,
    )


def _export_wacz(db_path: Path, warc_dir: Path, wacz_path: Path) -> None:
    from archive.captures.wacz import write_wacz  # noqa: PLC0415

    warcs = sorted(warc_dir.glob("*.warc.gz"))
    if not warcs:
        fail(f"no WARC files in {warc_dir} (crawl first, or pass --warc-dir)")
    conn = _open_for_reading(db_path)
    pages = [{"url": url, "title": title} for url, title in conn.execute("SELECT url, title FROM articles ORDER BY id")]
    conn.close()
    try:
        write_wacz(warcs, pages, wacz_path)
    except Exception as exc:  # the wacz writer raises plain exceptions on bad input
        fail(f"WACZ export failed: {exc}")
    click.echo(f"Packaged {len(warcs)} WARC files and {len(pages)} pages into {wacz_path}", err=True)


@cli.command()
@db_option
@images_option
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also check an export's files against its manifest.",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Restore missing or damaged image files from the WARC captures; queue the rest "
    "for the next crawl. Exit 0 when everything was restored.",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the WARC captures [warc/ beside the database].",
)
@click.option(
    "--full",
    is_flag=True,
    help="Compare the payload digest of every WARC capture with the captures table "
    "(by default a random sample of them; every record is read either way).",
)
def verify(
    db_path: Path, images_dir: Path, export_dir: Path | None, repair: bool, warc_dir: Path | None, full: bool
) -> None:
    """Re-hash every image file, read every WARC file, check the database's integrity and links
    (and an export): one line per problem, exit 5 when anything is missing or corrupt."""
    import sqlite3  # noqa: PLC0415

    from archive.verify import verify as run_verify  # noqa: PLC0415

    require_archive(db_path)
    if export_dir is not None and not export_dir.is_dir():
        fail(f"no export at {export_dir}")
    warc_dir = warc_dir or default_warc_dir(db_path)
    try:
        report = run_verify(db_path, images_dir, export_dir, warc_dir=warc_dir, full=full)
    except sqlite3.OperationalError as exc:  # cannot be opened at all: not a sign of damage
        fail(f"cannot open {db_path}: {exc}")
    for problem in report.problems:
        click.echo(shown(problem))
    click.echo(f"verify: {report.summary()}", err=True)
    if repair and not report.ok:
        report = _repair(db_path, images_dir, export_dir, warc_dir, report, full)
    sys.exit(EXIT_OK if report.ok else EXIT_VERIFY)


def _repair(db_path: Path, images_dir: Path, export_dir: Path | None, warc_dir: Path, report, full: bool):
    """Restore what can be restored, say what could not, and verify again."""
    import sqlite3  # noqa: PLC0415

    from archive.operations.lock import Locked, RunLock  # noqa: PLC0415
    from archive.operations.repair import repair_images  # noqa: PLC0415
    from archive.verify import verify as run_verify  # noqa: PLC0415

    try:
        with RunLock(db_path):  # it writes image files and image_sources rows, as a crawl does
            repaired = repair_images(db_path, images_dir, warc_dir, report.problems)
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except (OSError, sqlite3.Error) as exc:
        fail(f"repair failed: {exc}")
    for path in repaired.restored:
        click.echo(shown(f"restored: {path}"))
    for path, why in repaired.unrestored:
        click.echo(shown(f"not restored: {path}: {why}"))
    for url in repaired.queued:
        click.echo(shown(f"queued for the next crawl: {url}"))
    after = run_verify(db_path, images_dir, export_dir, warc_dir=warc_dir, full=full)
    click.echo(
        f"repair: {len(repaired.restored)} restored, {len(repaired.unrestored)} not restored, "
        f"{len(repaired.queued)} URLs queued; verify again: {after.summary()}",
        err=True,
    )
    return after


# --- scale: shards into one archive -------------------------------------------------------------


@cli.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="SHARD...")
@click.option(
    "--into",
    "into",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder of the archive to merge into (its tnu.sqlite, images/, warc/); made if absent.",
)
@quiet_option
def merge(shards: tuple[Path, ...], into: Path, quiet: bool) -> None:
    """Merge shards (the data folders of scrapyd jobs, each named by its folder) into one archive:
    articles by URL, images by sha256, WARC files and their indexes, runs and their requests.
    Merging a shard again changes nothing; a merge killed halfway is finished by running it again."""
    import sqlite3  # noqa: PLC0415

    from archive.operations.lock import Locked  # noqa: PLC0415
    from archive.operations.merge import MergeError  # noqa: PLC0415
    from archive.operations.merge import merge as run_merge  # noqa: PLC0415

    say = None if quiet else (lambda line: click.echo(shown(line), err=True))
    try:
        reports = run_merge(shards, into, say=say)
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except MergeError as exc:
        fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        fail(f"merge failed: {exc}")
    problems = [problem for report in reports for problem in report.problems]
    for problem in problems:
        click.echo(shown(problem))
    click.echo(
        f"merge: {len(reports)} shards into {into}: {sum(r.articles_new for r in reports)} articles new, "
        f"{sum(r.runs_new for r in reports)} runs new, "
        + (
            f"{len(problems)} problem(s) (tnu-archive verify --repair on a shard restores its files)"
            if problems
            else "no problem"
        ),
        err=True,
    )
    sys.exit(EXIT_VERIFY if problems else EXIT_OK)

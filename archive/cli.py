"""The `tnu-archive` command: a thin shell over the archive's Python API.

Every command takes --db and --images-dir with the same defaults. Errors a user can fix end in
one clear line on stderr and a documented exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import __version__

DEFAULT_DB = Path("data/tnu.sqlite")
DEFAULT_IMAGES = Path("data/images")

from archive.outcome import (  # noqa: F401 — the exit codes are part of this command's interface
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFY,
)


def db_option(func):
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
        show_default=True, help="SQLite archive file.",
    )(func)


def images_option(func):
    return click.option(
        "--images-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_IMAGES,
        show_default=True, help="Folder of the downloaded images.",
    )(func)


def fail(message: str, code: int = EXIT_FAILED) -> None:
    """End the command with one clear line on stderr."""
    click.echo(f"tnu-archive: {message}", err=True)
    sys.exit(code)


@click.group()
@click.version_option(__version__, prog_name="tnu-archive")
def cli() -> None:
    """Archive the news of Thai Nguyen University (tnu.edu.vn) into one SQLite file."""


def main() -> None:
    cli()


# --- crawling ----------------------------------------------------------------------------------

def _parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            fail(f"--set expects NAME=VALUE, got {value!r}", EXIT_USAGE)
        settings[name.strip()] = setting
    return settings


QUIET_HELP = "No progress display or lines: only errors and the final summary."


def quiet_option(func):
    return click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)(func)


def _progress_overrides(quiet: bool, sets: dict[str, str]) -> dict[str, str]:
    """Scrapy settings for how a crawl reports on stderr (crawler/progress.py): a live display on
    a terminal, with Scrapy's INFO lines held back so they do not bury it; a plain line a minute
    elsewhere; with --quiet no progress and no log below ERROR. A LOG_LEVEL or TNU_PROGRESS the
    user --set wins."""
    from archive.progress import LIVE, MODES, OFF, choose_mode, interval_from_env, parse_interval  # noqa: PLC0415

    try:
        interval_from_env()
        if sets.get("TNU_PROGRESS_INTERVAL"):
            parse_interval(sets["TNU_PROGRESS_INTERVAL"])
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    mode = OFF if quiet else (sets.get("TNU_PROGRESS") or "auto").lower()
    if mode == "auto":
        mode = choose_mode()
    if mode not in MODES:
        fail(f"TNU_PROGRESS must be auto, {', '.join(MODES)}; got {sets['TNU_PROGRESS']!r}", EXIT_USAGE)
    overrides = {"TNU_PROGRESS": mode}
    if "LOG_LEVEL" not in sets:
        if quiet:
            overrides["LOG_LEVEL"] = "ERROR"
        elif mode == LIVE:
            overrides["LOG_LEVEL"] = "WARNING"
    return overrides


def _reporter(quiet: bool, title: str, unit: str):
    """The progress reporter of reparse and export (archive/progress.py)."""
    from archive.progress import choose_mode, make_reporter  # noqa: PLC0415

    try:
        return make_reporter(choose_mode(quiet), title, unit)
    except ValueError as exc:  # a TNU_PROGRESS_INTERVAL that is not a number of seconds
        fail(str(exc), EXIT_USAGE)


def _crawl(start_urls: list[str], db_path: Path, images_dir: Path, full: bool,
           overrides: dict[str, str]) -> int:
    """Run one crawl under the data folder's lock; return its exit code."""
    from archive.lock import Locked, RunLock  # noqa: PLC0415
    from crawler.helpers import warm_up_helpers  # noqa: PLC0415

    warm_up_helpers()  # the helper processes' imports, beside Scrapy's below
    from crawler.process import CrawlError, build_settings, run_crawl  # noqa: PLC0415 — Scrapy is heavy

    settings = build_settings(db_path, images_dir, full=full, overrides=overrides)
    try:
        with RunLock(db_path):
            run = run_crawl(start_urls, settings)
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except CrawlError as exc:
        fail(str(exc), EXIT_FAILED)
    if run is None or run.exit_code is None:
        fail("the crawl could not start (see the log above)", EXIT_FAILED)
    click.echo(run.summary(), err=True)
    if run.exit_code == EXIT_FAILED:
        click.echo(f"tnu-archive: {'; '.join(run.problems) or 'the run failed'}", err=True)
    return run.exit_code


_crawl_options = [
    click.option("--full", is_flag=True, help="Walk every listing page, not only what is new."),
    click.option("--refresh-days", type=click.IntRange(min=0), default=None,
                 help="Fetch again articles published within N days to record their views [30]."),
    click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="Folder of the WARC captures [warc/ beside the database]."),
    click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                 help="A Scrapy setting for this run (as `scrapy crawl -s`)."),
    click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP),
]


def crawl_options(func):
    for option in reversed(_crawl_options):
        func = option(func)
    return func


@cli.command()
@click.option("--start-url", "start_urls", multiple=True, metavar="URL",
              help="Where to start (repeatable). Default: the live site's news.")
@db_option
@images_option
@crawl_options
def crawl(start_urls: tuple[str, ...], db_path: Path, images_dir: Path, full: bool,
          refresh_days: int | None, warc_dir: Path | None, sets: tuple[str, ...], quiet: bool) -> None:
    """Archive the site: new articles, their images, and fresh view counts."""
    from crawler.sites import LIVE_START_URLS  # noqa: PLC0415

    user_sets = _parse_sets(sets)
    overrides = {**_progress_overrides(quiet, user_sets), **user_sets}
    if refresh_days is not None:
        overrides["REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARC_DIR"] = str(warc_dir)
    sys.exit(_crawl(list(start_urls or LIVE_START_URLS), db_path, images_dir, full, overrides))


DEMO_PORT = 8471
# Loopback is not a server to be polite to: the demo crawls it at full speed.
DEMO_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/demo/tnu.sqlite"), show_default=True, help="SQLite archive file.")
@click.option("--images-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/demo/images"), show_default=True, help="Folder of the downloaded images.")
@click.option("--port", type=click.IntRange(0, 65534), default=DEMO_PORT, show_default=True,
              help="Loopback port of the replica (its image host uses the next one); 0 picks free ports.")
@crawl_options
def demo(db_path: Path, images_dir: Path, port: int, full: bool, refresh_days: int | None,
         warc_dir: Path | None, sets: tuple[str, ...], quiet: bool) -> None:
    """Serve the bundled replica of the site on 127.0.0.1 and archive it, offline."""
    from crawler.replica import ReplicaServer  # noqa: PLC0415

    user_sets = _parse_sets(sets)
    overrides = {**DEMO_SETTINGS, "LOG_LEVEL": "WARNING", **_progress_overrides(quiet, user_sets), **user_sets}
    if refresh_days is not None:
        overrides["REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARC_DIR"] = str(warc_dir)
    # Fixed ports: the archived URLs include them, so a second demo run updates the same articles.
    server = ReplicaServer(port=port, other_port=port + 1 if port else 0)
    try:
        server.start()
    except OSError as exc:
        fail(f"cannot serve the replica on 127.0.0.1:{port} ({exc.strerror or exc}); try --port 0")
    with server:
        if not quiet:
            click.echo(f"Serving the replica site at {server.url}", err=True)
        code = _crawl([server.url], db_path, images_dir, full, overrides)
    if not quiet:
        click.echo(f"Database: {db_path.resolve()}\nImages:   {images_dir.resolve()}", err=True)
    sys.exit(code)


def _open_archive(db_path: Path, images_dir: Path, *, must_exist: bool = True):
    from archive.store import Archive  # noqa: PLC0415

    if must_exist and not db_path.exists():
        fail(f"no archive at {db_path} (run a crawl first, or pass --db)")
    try:
        return Archive(db_path, images_dir)
    except Exception as exc:  # unreadable, not a database, locked beyond the timeout
        fail(f"cannot open {db_path}: {exc}")


@cli.command()
@db_option
@images_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON list.")
def runs(db_path: Path, images_dir: Path, limit: int, as_json: bool) -> None:
    """List the latest crawl runs: when, how they ended, what they archived."""
    import json  # noqa: PLC0415

    from archive.runs import generic_share  # noqa: PLC0415

    archive = _open_archive(db_path, images_dir)
    rows = archive.list_runs(limit=limit)
    archive.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'run':>4}  {'started (UTC)':20}  {'status':11}  {'exit':>4}  {'pages':>5}  "
               f"{'new':>4}  {'chg':>4}  {'same':>4}  {'img+':>4}  {'img!':>4}  {'generic':>7}  errors")
    for r in rows:
        errors = ", ".join(f"{k} {v}" for k, v in sorted((r.get("errors") or {}).items())) or "-"
        click.echo(
            f"{r['id']:>4}  {r['started_at']:20}  {r['status']:11}  {r['exit_code'] if r['exit_code'] is not None else '-':>4}  "
            f"{r['pages'] or 0:>5}  {r['articles_new'] or 0:>4}  {r['articles_changed'] or 0:>4}  "
            f"{r['articles_unchanged'] or 0:>4}  {r['images_new'] or 0:>4}  {r['images_failed'] or 0:>4}  "
            f"{generic_share(r):>7}  {errors}"
        )


@cli.command()
@db_option
@images_option
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the WARC captures [warc/ beside the database].")
@quiet_option
def reparse(db_path: Path, images_dir: Path, warc_dir: Path | None, quiet: bool) -> None:
    """Re-extract every article from its stored page (WARC capture, else raw_pages), offline;
    keep versions where the result changed."""
    from archive.lock import Locked, RunLock  # noqa: PLC0415
    from archive.reparse import reparse as reparse_all  # noqa: PLC0415

    archive = _open_archive(db_path, images_dir)
    reporter = _reporter(quiet, "reparse", "articles")
    progress = reporter.callback(lambda c: (
        ("changed", str(c["changed"])), ("unchanged", str(c["unchanged"])),
        ("without a stored page", str(c["missing_raw"])), ("failed", str(c["failed"])),
    ))
    try:
        with RunLock(db_path), reporter:
            counts = reparse_all(archive, progress=progress, warc_dir=warc_dir or db_path.parent / "warc")
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    finally:
        archive.close()
    click.echo(
        f"reparsed {counts['articles']} articles: {counts['changed']} changed, {counts['unchanged']} unchanged, "
        f"{counts['missing_raw']} without a stored page, {counts['failed']} failed "
        f"({counts['from_warc']} read from WARC captures)",
        err=True,
    )


@cli.command()
@click.argument("url")
def probe(url: str) -> None:
    """Fetch one page and print, as JSON, what would be archived (nothing is stored)."""
    import json  # noqa: PLC0415

    from crawler.probe import ProbeError, probe as probe_page  # noqa: PLC0415

    try:
        record = probe_page(url)
    except ProbeError as exc:
        fail(str(exc))
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


# --- archivists' access: search, export, verify -----------------------------------------------

def _open_for_reading(db_path: Path):
    """A read-only connection to an existing archive, or one clear line and EXIT_FAILED."""
    import sqlite3  # noqa: PLC0415

    from archive.search import open_readonly  # noqa: PLC0415

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
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="At most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as a JSON list.")
def search(query: str, db_path: Path, limit: int, as_json: bool) -> None:
    """Search titles, text and captions; accents optional ("dai hoc" finds "Đại học").

    Every word must appear; "quoted words" must appear together; a word ending in * is a prefix.
    """
    import json  # noqa: PLC0415

    from archive.search import SearchError, search as run_search  # noqa: PLC0415

    conn = _open_for_reading(db_path)
    try:
        hits = run_search(conn, query, limit=limit)
    except SearchError as exc:
        fail(str(exc))
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"No article matches {query!r}.", err=True)
        return
    for hit in hits:
        click.echo(f"{hit['published_at'] or '(no date)'}  {hit['title'] or '(no title)'}")
        click.echo(f"  {hit['url']}")
        if hit["snippet"]:
            click.echo(f"  {hit['snippet']}")
        click.echo("")


@cli.command()
@db_option
@images_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default keeps the archive on this machine.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8001, show_default=True,
              help="Port to listen on (0: any free port, printed on stderr).")
def serve(db_path: Path, images_dir: Path, host: str, port: int) -> None:
    """Browse the archive in Datasette: tables with their data dictionary, search, dashboard,
    article pages with their pictures.

    Safe to run while a crawl writes: the archive is read through read-only connections.
    """
    from archive.serve import ServeError, serve as run_serve  # noqa: PLC0415

    try:
        run_serve(db_path, images_dir, host=host, port=port)
    except ServeError as exc:
        fail(str(exc))


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the dataset into (a previous export there is replaced).")
@click.option("--wacz", "wacz_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also package the WARC captures, their index and the article list as a WACZ file.")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the WARC captures [warc/ beside the database].")
@db_option
@images_option
@quiet_option
def export(out_dir: Path | None, wacz_path: Path | None, warc_dir: Path | None, db_path: Path,
           images_dir: Path, quiet: bool) -> None:
    """Publish the archive as a Frictionless Data Package: CSV, JSON Lines (and Parquet with
    pyarrow), the image files, datapackage.json, a dataset card and a sha256 manifest; and/or
    the web captures as a WACZ package."""
    import sqlite3  # noqa: PLC0415

    from archive.export import ExportError, export as run_export  # noqa: PLC0415

    if out_dir is None and wacz_path is None:
        fail("export needs --out DIR and/or --wacz FILE", EXIT_USAGE)
    _open_for_reading(db_path).close()
    if wacz_path is not None:
        _export_wacz(db_path, warc_dir or db_path.parent / "warc", wacz_path)
    if out_dir is None:
        return
    reporter = _reporter(quiet, "export", "steps")
    progress = reporter.callback(lambda c: tuple(
        (what, str(c[what])) for what in ("rows", "image files", "checksums")
    ))
    try:
        with reporter:
            summary = run_export(db_path, images_dir, out_dir, progress=progress)
    except (ExportError, OSError, sqlite3.DatabaseError) as exc:
        fail(f"export failed: {exc}")
    rows = summary["rows"]
    click.echo(
        f"Exported {rows['articles']} articles, {rows['article_images']} article images, "
        f"{summary['images']} image files, {rows['view_counts']} view counts "
        f"({summary['files']} files, {summary['bytes']} bytes) to {summary['out_dir']}, "
        f"version {summary['version']}", err=True,
    )


def _export_wacz(db_path: Path, warc_dir: Path, wacz_path: Path) -> None:
    from archive.wacz import write_wacz  # noqa: PLC0415

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
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Also check an export's files against its manifest.")
def verify(db_path: Path, images_dir: Path, export_dir: Path | None) -> None:
    """Re-hash every image file, check the database's integrity and links (and an export):
    one line per problem, exit 5 when anything is missing or corrupt."""
    from archive.verify import verify as run_verify  # noqa: PLC0415

    if not db_path.is_file():
        fail(f"no archive at {db_path} (run a crawl first, or pass --db)")
    if export_dir is not None and not export_dir.is_dir():
        fail(f"no export at {export_dir}")
    report = run_verify(db_path, images_dir, export_dir)
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(f"verify: {report.summary()}", err=True)
    sys.exit(EXIT_OK if report.ok else EXIT_VERIFY)

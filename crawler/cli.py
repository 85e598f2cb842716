"""The `tnu-archive` command: the commands that crawl (crawl, demo, probe, reparse), with the
archivists' own commands (runs, search, export, verify, serve) mounted from `archive/cli.py`.

It stands above both layers: it drives the crawler and hands what it extracts to the archive,
which never imports back. Errors a user can fix end in one clear line on stderr and a
documented exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from archive import __version__
from archive import cli as archive_cli
from archive.cli import (
    QUIET_HELP,
    db_option,
    fail,
    images_option,
    json_shown,
    open_archive,
    progress_reporter,
    quiet_option,
    shown,
)
from archive.outcome import EXIT_FAILED, EXIT_HELD_BACK, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_USAGE
from archive.storage.paths import DEMO_DB, DEMO_IMAGES, default_warc_dir
from crawler.operations import scale_plan
from crawler.operations.loopback import LOOPBACK_SETTINGS
from crawler.recovery.cdx import WAYBACK_CDX, WAYBACK_REPLAY
from crawler.settings import EXTRACT_TIMEOUT


@click.group(cls=archive_cli.ArchiveGroup)
@click.version_option(__version__, prog_name="tnu-archive")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Archive the news sites of the university (`tnu-archive sites` lists them) into one SQLite file."""
    # The profiles' category names, for `export` (archive/cli.py CATEGORY_NAMES_KEY).
    ctx.meta[archive_cli.CATEGORY_NAMES_KEY] = category_names


def category_names(db_path: Path) -> dict[str, dict[str, str]]:
    """Each site's category names (printed -> the dataset's), from its profile and the operator's
    tnu-archive.toml beside the archive; under OTHER_SITES those of the profiles whose rules also
    read the hosts no profile claims (as their layouts do). SiteError for a profile that cannot be used."""
    from archive.storage.categories import OTHER_SITES  # noqa: PLC0415
    from crawler.sites import load  # noqa: PLC0415

    sites = load(db_path)
    names = {site.name: dict(site.categories) for site in sites}
    names[OTHER_SITES] = {k: v for site in sites if site.shared_rules for k, v in site.categories.items()}
    return names


for _command in archive_cli.cli.commands.values():
    cli.add_command(_command)


def main() -> None:
    cli()


def _parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            fail(f"--set expects NAME=VALUE, got {value!r}", EXIT_USAGE)
        settings[name.strip()] = setting
    return settings


def _progress_overrides(quiet: bool, sets: dict[str, str]) -> dict[str, str]:
    """Scrapy settings for how a crawl reports on stderr (crawler/operations/progress.py): a live display on
    a terminal, a plain line a minute elsewhere, Scrapy's log from WARNING up in both; with
    --quiet no progress and no log below ERROR. A LOG_LEVEL or TNU_PROGRESS the user --set wins."""
    from archive.operations.progress import MODES, OFF, choose_mode, interval_from_env, parse_interval  # noqa: PLC0415

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
        # Scrapy's INFO lines (versions, every setting, middleware and statistic: ~110 lines a
        # run) are for debugging, not for a terminal or a cron log: warnings, one line per kind
        # of failure and the summary say how the run went (`--set LOG_LEVEL=INFO` brings them back).
        overrides["LOG_LEVEL"] = "ERROR" if quiet else "WARNING"
    return overrides


def _crawl(start_urls: list[str], db_path: Path, images_dir: Path, full: bool, overrides: dict[str, str]) -> int:
    """Run one crawl under the data folder's lock; return its exit code."""
    from crawler.operations.process import check_start_urls, run_crawl  # noqa: PLC0415 — Scrapy is heavy

    return locked_run(
        start_urls,
        db_path,
        images_dir,
        overrides,
        lambda settings: run_crawl(start_urls, settings),
        full=full,
        check=check_start_urls,
    )


def _before_the_lock(
    hosts: list[str],
    db_path: Path,
    images_dir: Path,
    overrides: dict[str, str],
    full: bool,
    check: Callable[[list[str]], None] | None,
) -> Any:
    """The run's settings, once the helpers' server is starting and the arguments are checked."""
    from crawler.operations.helpers import HelpersError, warm_up_helpers  # noqa: PLC0415

    try:
        warm_up_helpers()  # the helper processes' imports, beside Scrapy's below
    except HelpersError as exc:
        fail(str(exc), EXIT_FAILED)
    from archive.db import check_file  # noqa: PLC0415
    from crawler.fetching.contact import warning_once  # noqa: PLC0415
    from crawler.operations.process import CrawlError, build_settings  # noqa: PLC0415 — Scrapy is heavy

    try:
        if check is not None:
            check(hosts)
        settings = build_settings(db_path, images_dir, full=full, overrides=overrides)
    except CrawlError as exc:
        fail(str(exc), EXIT_FAILED)
    check_file(db_path)  # a newer archive is refused before Scrapy or the writer opens it
    warning = warning_once(settings, hosts)
    if warning:
        click.echo(f"tnu-archive: warning: {warning}", err=True)
    return settings


def locked_run(
    hosts: list[str],
    db_path: Path,
    images_dir: Path,
    overrides: dict[str, str],
    run: Callable[[Any], Any],
    *,
    full: bool = False,
    check: Callable[[list[str]], None] | None = None,
) -> int:
    """One run (crawl or recovery) under the data folder's lock, started from `hosts`; its exit
    code. Bad arguments are refused before the lock; after it, every ending leaves a row."""
    from crawler.operations import early_stop  # noqa: PLC0415

    early_stop.listen()  # a SIGTERM or Ctrl-C from here on ends the command in one line
    try:
        settings = _before_the_lock(hosts, db_path, images_dir, overrides, full, check)
    except early_stop.StoppedEarly as stop:
        fail(f"stopped by {stop.name} before the run began: nothing was fetched or written", EXIT_INTERRUPTED)
    from archive.operations.lock import Locked, RunLock  # noqa: PLC0415

    early_stop.hold()  # from the lock on, a stop ends the run with its row (crawler/operations/process.py)
    try:
        with RunLock(db_path):
            ended = run(settings)  # from here on, whatever happens leaves a crawl_runs row
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    if ended.error:
        click.echo(shown(f"tnu-archive: {ended.error}"), err=True)
    if overrides.get("TNU_PROGRESS") != "off":
        for line in _failure_lines(db_path, ended.run_id):
            click.echo(shown(f"tnu-archive: {line}"), err=True)
    click.echo(shown(ended.summary), err=True)  # the last line on stderr, as documented
    return ended.exit_code


def _failure_lines(db_path: Path, run_id: int | None) -> list[str]:
    """One line per kind of failure of the run (archive/operations/run_failures.py); none when the run left
    no row or the archive cannot be read now (the summary still says how it went)."""
    from archive.operations.run_failures import failure_lines  # noqa: PLC0415

    if run_id is None:
        return []
    return _read_after_run(db_path, lambda conn: failure_lines(conn, run_id), [])


def _read_after_run(db_path: Path, read: Callable[[Any], Any], default: Any) -> Any:
    """`read(connection)` on the archive a run just wrote; `default` when it cannot be read."""
    import sqlite3  # noqa: PLC0415

    if not db_path.is_file():
        return default
    try:
        # Not mode=ro: a read-only connection cannot remove the -wal and -shm files when it
        # closes, and the data folder would keep them after every run. query_only: no writes.
        conn = sqlite3.connect(str(db_path), timeout=30)
    except sqlite3.Error:
        return default
    try:
        conn.execute("PRAGMA query_only = ON")
        return read(conn)
    except sqlite3.Error:
        return default
    finally:
        conn.close()


_crawl_options = [
    click.option("--full", is_flag=True, help="Walk every listing page, not only what is new."),
    click.option(
        "--refresh-days",
        type=click.IntRange(min=0),
        default=None,
        help="Fetch again articles published within N days to record their views [30].",
    ),
    click.option(
        "--warc-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder of the WARC captures [warc/ beside the database].",
    ),
    click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="A Scrapy setting for this run (as `scrapy crawl -s`).",
    ),
    click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP),
]


def crawl_options(func):
    for option in reversed(_crawl_options):
        func = option(func)
    return func


def load_sites(db_path: Path):
    """The sites (shipped profiles, and tnu-archive.toml's beside the database), or one line."""
    from crawler.sites import SiteError, load  # noqa: PLC0415

    try:
        return load(db_path)
    except SiteError as exc:
        fail(str(exc))


@cli.command()
@click.option(
    "--site",
    "site_names",
    multiple=True,
    metavar="NAME",
    help="Crawl this site, from its profile's start pages (repeatable; `tnu-archive sites` lists them).",
)
@click.option(
    "--start-url",
    "start_urls",
    multiple=True,
    metavar="URL",
    help="Where to start (repeatable); a host no profile claims is a site of its own. "
    "Default (with no --site): every enabled site's start pages.",
)
@db_option
@images_option
@crawl_options
def crawl(
    site_names: tuple[str, ...],
    start_urls: tuple[str, ...],
    db_path: Path,
    images_dir: Path,
    full: bool,
    refresh_days: int | None,
    warc_dir: Path | None,
    sets: tuple[str, ...],
    quiet: bool,
) -> None:
    """Archive the sites: new articles, their images, and fresh view counts."""
    from crawler.sites import SiteError  # noqa: PLC0415

    sites = load_sites(db_path)
    try:
        urls = sites.start(site_names, start_urls)
    except SiteError as exc:
        fail(str(exc), EXIT_USAGE)
    user_sets = _parse_sets(sets)
    overrides = {**_progress_overrides(quiet, user_sets), **user_sets}
    if refresh_days is not None:
        overrides["REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARC_DIR"] = str(warc_dir)
    sys.exit(_crawl(urls, db_path, images_dir, full, overrides))


DEMO_PORT = 8471
# Loopback is not a server to be polite to: the demo crawls it at full speed.
DEMO_SETTINGS = {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEMO_DB,
    show_default=True,
    help="SQLite archive file.",
)
@click.option(
    "--images-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_IMAGES,
    show_default=True,
    help="Folder of the downloaded images.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65534),
    default=DEMO_PORT,
    show_default=True,
    help="Loopback port of the replica (its image host uses the next one); 0 picks free ports.",
)
@crawl_options
def demo(
    db_path: Path,
    images_dir: Path,
    port: int,
    full: bool,
    refresh_days: int | None,
    warc_dir: Path | None,
    sets: tuple[str, ...],
    quiet: bool,
) -> None:
    """Serve the bundled replica of the site on 127.0.0.1 and archive it, offline."""
    from crawler.replica.server import ReplicaServer  # noqa: PLC0415

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
        origin = server.origin
    if not quiet:
        warcs = warc_dir or default_warc_dir(db_path)
        click.echo(
            f"Database: {db_path.resolve()}\nImages:   {images_dir.resolve()}\nWARC:     {warcs.resolve()}", err=True
        )
        for note in _deliberate_failures(db_path, origin, server.site_dir):
            click.echo(note, err=True)
    sys.exit(code)


def _deliberate_failures(db_path: Path, origin: str, site_dir: Path) -> list[str]:
    """Why the demo's archive has a failed image: the replica answers 404 for it on purpose.
    Said so that a first user does not take the failure for a fault of the crawler."""
    from crawler.replica.server import deliberate_404s  # noqa: PLC0415

    paths = deliberate_404s(site_dir)
    failed = _read_after_run(
        db_path,
        lambda conn: [r[0] for r in conn.execute("SELECT src_url FROM image_sources WHERE error = 'http_404'")],
        [],
    )
    meant = sorted(url for url in failed if url.startswith(origin + "/") and url[len(origin) :] in paths)
    return [
        f"The image that failed, {url}, answers 404 on purpose: the replica keeps a picture deleted from the "
        "site, as the real site has them. The failure is recorded (image_sources.error = 'http_404') and the "
        "image is asked for again by later runs."
        for url in meant
    ]


# reparse's and probe's limit on one page's reading (_extraction_limit).
extract_timeout_option = click.option(
    "--extract-timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help=f"Stop reading a page after this many seconds, as a crawl does (its EXTRACT_TIMEOUT); 0: no limit "
    f"[{EXTRACT_TIMEOUT:g}].",
)


@cli.command()
@db_option
@images_option
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the WARC captures [warc/ beside the database].",
)
@extract_timeout_option
@click.option(
    "--allow-mass-set-aside",
    is_flag=True,
    help="Set aside the rows that no longer read as articles even when they are more than half of "
    "those read (the brake holds them back otherwise: a broken extractor reads every page so).",
)
@quiet_option
def reparse(
    db_path: Path,
    images_dir: Path,
    warc_dir: Path | None,
    extract_timeout: float | None,
    allow_mass_set_aside: bool,
    quiet: bool,
) -> None:
    """Re-extract every article from its stored page (WARC capture, else raw_pages), offline;
    keep versions where the result changed; set aside the rows that no longer read as articles
    (and put back set-aside rows that read as articles again), unless they are more than half
    of the articles read (exit 7, nothing set aside). A page whose reading passes the time limit
    is left as it was, counted, and the pass goes on."""
    from archive.operations.lock import Locked, RunLock  # noqa: PLC0415
    from archive.operations.reparse import BRAKE_MIN_ROWS, brake_read  # noqa: PLC0415
    from archive.operations.reparse import reparse as reparse_all  # noqa: PLC0415
    from archive.operations.stopping import sigterm_stops  # noqa: PLC0415
    from crawler.operations.extract_pool import TimedExtraction  # noqa: PLC0415

    limit = _extraction_limit(extract_timeout)
    sites = load_sites(db_path)
    archive = open_archive(db_path, images_dir)
    reporter = progress_reporter(quiet, "reparse", "articles")
    progress = reporter.callback(
        lambda c: (
            ("changed", str(c["changed"])),
            ("unchanged", str(c["unchanged"])),
            ("set aside", str(c["set_aside"])),
            ("without a stored page", str(c["missing_raw"])),
            ("failed", str(c["failed"])),
            ("timed out", str(c["timed_out"])),
        )
    )
    try:
        with sigterm_stops(), RunLock(db_path), TimedExtraction(limit) as timed, reporter:
            counts = reparse_all(
                archive,
                _reparse_extract(timed, sites, quiet),
                progress=progress,
                warc_dir=warc_dir or default_warc_dir(db_path),
                allow_mass_set_aside=allow_mass_set_aside,
            )
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (archive/operations/stopping.py)
        how = str(exc) or "stopped by Ctrl-C"
        fail(
            f"reparse {how} before the end: the articles read before it keep their new reading (each in "
            "a transaction of its own, the one being read rolled back), nothing was set aside; run it again",
            EXIT_INTERRUPTED,
        )
    finally:
        archive.close()
    click.echo(
        f"reparsed {counts['articles']} articles: {counts['changed']} changed, {counts['unchanged']} unchanged, "
        f"{counts['set_aside']} set aside (no longer read as articles), {counts['restored']} put back, "
        f"{counts['missing_raw']} without a stored page, {counts['failed']} failed, {counts['timed_out']} timed out, "
        f"{counts['held_back']} held back by the brake ({counts['from_warc']} read from WARC captures)",
        err=True,
    )
    if counts["held_back"]:
        fail(
            f"set nothing aside: {counts['held_back']} of the {brake_read(counts)} articles read no longer read as "
            f"articles, more than half (the brake holds past half of at least {BRAKE_MIN_ROWS}); they stay in "
            "articles. A broken extractor reads every page so: try `tnu-archive probe` on one of them. If they "
            "are not articles, set them aside with `tnu-archive reparse --allow-mass-set-aside`",
            EXIT_HELD_BACK,
        )


def _extraction_limit(extract_timeout: float | None) -> float:
    """The time limit of a page's reading outside a crawl (the crawl's EXTRACT_TIMEOUT unless
    given; 0: none). With one, pages are read in an extraction worker: its server is started
    here, before anything else, and a TMPDIR it cannot listen in is one line."""
    from crawler.operations.helpers import HelpersError, warm_up_helpers  # noqa: PLC0415

    limit = EXTRACT_TIMEOUT if extract_timeout is None else extract_timeout
    if limit:
        try:
            warm_up_helpers()
        except HelpersError as exc:
            fail(str(exc), EXIT_FAILED)
    return limit


def _reparse_extract(timed: Any, sites: Any, quiet: bool) -> Callable[..., Any]:
    """reparse's `extract`: extract_article by the rules of the page's site, under `timed`'s limit;
    a page past it is named on stderr (unless quiet) and raised on, for reparse to count."""
    from functools import partial  # noqa: PLC0415

    from crawler.extract import extract_article  # noqa: PLC0415
    from crawler.operations.extract_pool import ExtractTimeout  # noqa: PLC0415

    def extract(body: bytes, url: str, *, encoding: str | None):
        try:
            return timed.run(partial(extract_article, encoding=encoding, site=sites.of(url)), body, url)
        except ExtractTimeout as exc:
            if not quiet:
                click.echo(shown(f"tnu-archive: {url}: {exc} (EXTRACT_TIMEOUT); left as it was"), err=True)
            raise

    return extract


@cli.command()
@click.argument("url")
@extract_timeout_option
def probe(url: str, extract_timeout: float | None) -> None:
    """Fetch one page and print, as JSON, what would be archived (nothing is stored)."""
    from crawler.operations.probe import ProbeError  # noqa: PLC0415
    from crawler.operations.probe import probe as probe_page

    try:
        record = probe_page(url, extract_timeout=_extraction_limit(extract_timeout))
    except ProbeError as exc:
        fail(str(exc))
    click.echo(json_shown(record))


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the sites as a JSON list.")
def sites(db_path: Path, as_json: bool) -> None:
    """List the sites: every profile (shipped, and tnu-archive.toml's beside the database) and
    every site the archive holds, with its hosts, articles, newest article, last run and drift."""
    from crawler.operations.sites_report import site_lines, site_list  # noqa: PLC0415

    rows = site_list(load_sites(db_path), _site_overview(db_path))
    if as_json:
        click.echo(json_shown(rows))
        return
    click.echo("\n".join(shown(line) for line in site_lines(rows)))


def _site_overview(db_path: Path) -> dict | None:
    """What the archive holds of each site (archive.storage.sites.overview); None without an archive."""
    import sqlite3  # noqa: PLC0415

    import sqlite_utils  # noqa: PLC0415

    from archive.search import open_readonly  # noqa: PLC0415
    from archive.storage.sites import overview  # noqa: PLC0415

    if not db_path.is_file():
        return None  # the profiles alone: nothing is archived yet
    try:
        conn = open_readonly(db_path)
    except sqlite3.Error as exc:
        fail(f"cannot read {db_path}: {exc}")
    try:
        db = sqlite_utils.Database(conn)
        if "sites" not in db.table_names():
            return None  # an archive older than sites: its first crawl by this version adds them
        return overview(db)
    except sqlite3.DatabaseError as exc:
        fail(f"cannot read {db_path}: {exc}")
    finally:
        conn.close()


# --- scale: sites as scrapyd jobs on several nodes -----------------------------------------------


@cli.command("scale-plan")
@click.option("--nodes", type=click.IntRange(min=1), required=True, help="How many crawl nodes (scrapyd daemons).")
@click.option(
    "--site",
    "site_names",
    multiple=True,
    metavar="NAME",
    help="A site to plan (repeatable; `tnu-archive sites` lists them). Default: every enabled site.",
)
@click.option(
    "--start-url",
    "start_urls",
    multiple=True,
    metavar="URL",
    help="A host no profile claims, planned as a site of its own (repeatable; named by its host).",
)
@db_option
@click.option(
    "--scrapyd",
    default=scale_plan.DEFAULT_SCRAPYD,
    show_default=True,
    help="Each node's scrapyd; {n} is the node's number.",
)
@click.option(
    "--shards", default=scale_plan.DEFAULT_SHARDS, show_default=True, help="Folder of the sites' shards, on each node."
)
@click.option("--into", default=scale_plan.DEFAULT_INTO, show_default=True, help="Data folder the shards merge into.")
@click.option("--export", "export_dir", default=scale_plan.DEFAULT_EXPORT, show_default=True, help="Export folder.")
@click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting for every job (e.g. CONTACT=…)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def scale_plan_command(
    nodes: int,
    site_names: tuple[str, ...],
    start_urls: tuple[str, ...],
    db_path: Path,
    scrapyd: str,
    shards: str,
    into: str,
    export_dir: str,
    sets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Assign each site to a node (a stable hash of its name: a site stays on its node) and print
    the scrapyd schedule.json calls and the nightly merge, verify and export (docs/scale.md)."""
    from crawler.operations.process import CrawlError, check_start_urls  # noqa: PLC0415
    from crawler.sites import SiteError  # noqa: PLC0415

    if "{n}" not in scrapyd and nodes > 1:
        fail(f"--scrapyd {scrapyd!r}: with several nodes it needs {{n}}, the node's number", EXIT_USAGE)
    sites = load_sites(db_path)
    try:
        check_start_urls(start_urls)
        chosen = [sites.get(name) for name in site_names] if site_names or start_urls else sites.enabled()
        sites.start(site_names)  # a name no profile has: refused as `crawl --site` refuses it
    except (CrawlError, SiteError) as exc:
        fail(str(exc), EXIT_USAGE)
    # A site with a profile is a job by its name (`site=NAME`); a host no profile claims, by its URL.
    targets = [scale_plan.Target(site.name, {"site": site.name}) for site in chosen]
    for url in start_urls:
        targets.append(scale_plan.Target(sites.of(url).name, {"start_url": url}))
    settings = _parse_sets(sets)
    plan = scale_plan.assign(targets, nodes, scrapyd)
    if as_json:
        click.echo(json_shown(scale_plan.plan_json(plan, shards, into, export_dir, settings)))
        return
    click.echo("\n".join(scale_plan.plan_text(plan, shards, into, export_dir, settings)))


# --- recovery from web archives ----------------------------------------------------------------


def _date(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from crawler.recovery.cdx import check_date  # noqa: PLC0415

    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _matches(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    from crawler.sites.site import match_host  # noqa: PLC0415

    for value in values:
        try:
            match_host(value)  # recovery keeps the captures of the hosts the patterns name
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return values


def _http_url(ctx, param, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"not an http(s) URL: {value!r}")
    return value


@cli.command()
@click.option(
    "--cdx-api",
    default=WAYBACK_CDX,
    show_default=True,
    callback=_http_url,
    help="CDX endpoint of the web archive (Wayback Machine, pywb's /<collection>/cdx, OutbackCDX).",
)
@click.option(
    "--replay",
    default=WAYBACK_REPLAY,
    show_default=True,
    callback=_http_url,
    help="Replay prefix: captures are fetched raw from <replay><timestamp>id_/<url>.",
)
@click.option(
    "--site",
    "site_names",
    multiple=True,
    metavar="NAME",
    help="Recover this site: every host of its profile (repeatable; `tnu-archive sites` lists them). "
    "Default (with no --match): every enabled site.",
)
@click.option(
    "--match",
    "matches",
    multiple=True,
    metavar="PATTERN",
    callback=_matches,
    help="URL pattern to look up (repeatable), besides the sites' hosts; a trailing * matches every "
    "URL under it. Only http(s) captures of its host and subdomains are read.",
)
@click.option("--from", "since", callback=_date, metavar="YYYY[MM[DD]]", help="Only captures from this date on.")
@click.option("--to", "until", callback=_date, metavar="YYYY[MM[DD]]", help="Only captures up to this date.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Fetch at most N captures this run (the next run goes on with the rest).",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the WARC captures [warc/ beside the database].",
)
@click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting for this run (as `scrapy crawl -s`)."
)
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)
@db_option
@images_option
def recover(
    cdx_api: str,
    replay: str,
    site_names: tuple[str, ...],
    matches: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int | None,
    warc_dir: Path | None,
    sets: tuple[str, ...],
    quiet: bool,
    db_path: Path,
    images_dir: Path,
) -> None:
    """Recover articles the sites no longer serve from a web archive's captures."""
    from crawler.sites import SiteError  # noqa: PLC0415

    if since and until and since > until[: len(since)]:
        fail(f"--from {since} is after --to {until}", EXIT_USAGE)
    try:
        patterns = load_sites(db_path).recover_matches(site_names, matches)
    except SiteError as exc:
        fail(str(exc), EXIT_USAGE)
    if not patterns:
        fail("no site to recover: every profile is disabled (give --site NAME or --match PATTERN)", EXIT_USAGE)
    user_sets = _parse_sets(sets)
    overrides = {**_progress_overrides(quiet, user_sets), **user_sets}
    if warc_dir is not None:
        overrides["WARC_DIR"] = str(warc_dir)
    sys.exit(
        _recover(
            db_path,
            images_dir,
            overrides,
            cdx_api=cdx_api,
            replay=replay,
            matches=patterns,
            since=since,
            until=until,
            limit=limit,
        )
    )


def _recover(db_path: Path, images_dir: Path, overrides: dict[str, str], **arguments) -> int:
    """One recovery under the data folder's lock (the crawl's); its exit code."""
    from crawler.operations.process import run_recover  # noqa: PLC0415 — Scrapy is heavy

    hosts = [arguments["cdx_api"], arguments["replay"]]
    return locked_run(hosts, db_path, images_dir, overrides, lambda settings: run_recover(settings, **arguments))

"""Bookkeeping of crawl runs (`crawl_runs`) and the archive's one clock format.

Every time the archive writes is UTC ISO 8601 to the second with a `Z`: "2026-11-26T05:40:00Z".
Strings in that form sort in time order, which the store relies on when it compares them.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from archive import __version__
from archive.lifeline import process_alive
from archive.outcome import RUN_STATUSES, WATCHED_FIELDS

# What the archive counts as it writes a run (the columns of crawl_runs of the same names).
COUNT_FIELDS = (
    "pages",
    "articles_new",
    "articles_changed",
    "articles_unchanged",
    "images_new",
    "images_failed",
    "articles_generic",
)


@dataclass
class RunTally:
    """Everything one run counts, in one object: what the archive counts as it writes
    (`counts`), the failures by kind and the problems noticed (the crawler and the archive
    writer both add to these), and the figures only the crawler sees, from which the run's
    status is decided (archive/outcome.py)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS, 0))
    errors: Counter = field(default_factory=Counter)  # error kind (archive/error_kinds.py) -> count
    problems: list[str] = field(default_factory=list)
    pages_ok: int = 0  # page responses below 400
    article_links_seen: int = 0
    articles_fetched: int = 0
    articles_generic: int = 0  # read by generic rules alone: a layout crawler/sites.py does not know
    discovery_not_articles: int = 0  # pages no URL rule knew, fetched, and not articles (MAX_DISCOVERY_PAGES)
    # A run's budget or bound (the crawler's setting, e.g. MAX_LISTING_PAGES) -> the requests or
    # entries it left out; each one met is a notice of the run, not a failure
    capped: Counter = field(default_factory=Counter)
    filled: Counter = field(default_factory=Counter)  # watched field -> articles where it was found
    not_article_links: list[str] = field(default_factory=list)  # article URLs showing neither date nor counter
    # Each site's own tally (a RunTally of its figures alone), by site name: a run of several
    # sites is judged site by site. The methods below that take `site` count for the run and
    # for that site; a site's `counts` hold only what was counted for it.
    sites: dict[str, RunTally] = field(default_factory=dict)

    def _and(self, site: str | None) -> tuple[RunTally, ...]:
        return (self, self.sites.setdefault(site, RunTally(counts={}))) if site else (self,)

    def count(self, name: str, site: str | None = None) -> None:
        for tally in self._and(site):
            tally.counts[name] = tally.counts.get(name, 0) + 1

    def error(self, kind: str, site: str | None = None, n: int = 1) -> None:
        """`n` failures of this kind (archive/error_kinds.py), of this site's pages when they are."""
        for tally in self._and(site):
            tally.errors[kind] += n

    def page(self, ok: bool, site: str | None = None) -> None:
        """A page response (`ok`: below 400). The run's `pages` count is the archive writer's,
        which logs every fetch; a site's is counted here."""
        self.pages_ok += ok
        if site:
            mine = self._and(site)[1]
            mine.pages_ok += ok
            mine.count("pages")

    def links_seen(self, count: int, site: str | None = None) -> None:
        """Links to articles (or likely ones) seen on the site's pages."""
        for tally in self._and(site):
            tally.article_links_seen += count

    def not_article(self, url: str, site: str | None = None) -> None:
        """A page expected to be an article that showed neither date nor counter."""
        for tally in self._and(site):
            tally.not_article_links.append(url)

    def count_fields(self, article, *, generic: bool = False, site: str | None = None) -> None:
        """One article fetched: which of the watched fields it has; `generic`: no site selector read it."""
        for tally in self._and(site):
            tally.articles_fetched += 1
            tally.articles_generic += generic
            for name in WATCHED_FIELDS:
                if getattr(article, name) not in (None, "", ()):
                    tally.filled[name] += 1

    def fill_rates(self) -> dict[str, float]:
        if not self.articles_fetched:
            return {}
        return {name: round(self.filled[name] / self.articles_fetched, 4) for name in WATCHED_FIELDS}

    def absorb(self, writer: RunTally) -> None:
        """The archive writer's tally at the end of the run: its counts are the run's (it made
        them), its errors and problems join the crawler's."""
        self.counts = dict(writer.counts)
        self.errors.update(writer.errors)
        self.problems.extend(writer.problems)
        for name, theirs in writer.sites.items():
            mine = self.sites.get(name)
            if mine is not None:  # an article of a site the run did not crawl counts for the run only
                for key, value in theirs.counts.items():
                    mine.counts[key] = mine.counts.get(key, 0) + value


_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> str:
    """The current time in the archive's format."""
    return datetime.now(UTC).strftime(_FORMAT)


def utc_days_ago(days: float) -> str:
    """The time `days` ago in the archive's format (which sorts as text in time order)."""
    return (datetime.now(UTC) - timedelta(days=days)).strftime(_FORMAT)


def utc_iso(value: str | datetime) -> str:
    """Any ISO 8601 time (offset, `Z`, fractions, or naive = UTC) in the archive's format."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)


def _json(value: object) -> str:
    # Scrapy settings hold objects (classes, Settings); keep the run row writable whatever comes.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def start_run(
    db: sqlite_utils.Database,
    start_urls: list[str],
    settings: Mapping,
    *,
    started_at: str | None = None,
    kind: str = "crawl",
) -> int:
    """Insert a "running" row; stale runs of dead processes on this host are marked killed first.
    `kind`: crawl (the live site) or recover (a web archive's captures)."""
    mark_stale_runs_killed(db)
    cursor = db.execute(
        "INSERT INTO crawl_runs (started_at, status, crawler_version, start_urls, settings, pid, host,"
        " pages, articles_new, articles_changed, articles_unchanged, images_new, images_failed, kind)"
        " VALUES (?, 'running', ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, ?)",
        [
            utc_iso(started_at) if started_at else utc_now(),
            __version__,
            _json(list(start_urls)),
            _json(dict(settings)),
            os.getpid(),
            socket.gethostname(),
            kind,
        ],
    )
    return int(cursor.lastrowid)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    exit_code: int,
    counts: Mapping[str, int],
    errors: Mapping[str, int],
    fill_rates: Mapping[str, float],
    problems: list,
    ended_at: str | None = None,
) -> None:
    """Close a run with its outcome; counts keys are COUNT_FIELDS (missing ones stay as they are)."""
    # Statuses outside RUN_STATUSES are accepted too: a new status never loses a run's figures.
    if not status or status == "running":
        raise ValueError(f"a finished run needs a final status, not {status!r}; e.g. {tuple(RUN_STATUSES)[1:]}")
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"unknown run counts {sorted(unknown)}; expected {COUNT_FIELDS}")
    assignments = {field: int(counts[field]) for field in COUNT_FIELDS if field in counts}
    assignments |= {
        # A killed run never reached its end; ended_at stays NULL as documented for the column.
        "ended_at": None if status == "killed" else (utc_iso(ended_at) if ended_at else utc_now()),
        "status": status,
        "exit_code": int(exit_code),
        "crawler_version": __version__,
        "errors": _json(dict(errors)),
        "fill_rates": _json(dict(fill_rates)),
        "problems": _json(list(problems)),
    }
    columns = ", ".join(f"{name} = ?" for name in assignments)
    cursor = db.execute(f"UPDATE crawl_runs SET {columns} WHERE id = ?", [*assignments.values(), run_id])
    if cursor.rowcount != 1:
        raise KeyError(f"no crawl run {run_id}")


def summary_line(run_id: int | None, status: str, counts: Mapping[str, int], errors: int) -> str:
    """The one line a crawl ends with on stderr (the last line of its log)."""
    c = {name: int(counts.get(name) or 0) for name in COUNT_FIELDS}
    return (
        f"run {run_id if run_id is not None else '-'} {status}: {c['pages']} pages, articles "
        f"{c['articles_new']} new / {c['articles_changed']} changed / {c['articles_unchanged']} unchanged, "
        f"images {c['images_new']} new / {c['images_failed']} failed, {errors} errors"
    )


def record_failed_run(
    db: sqlite_utils.Database,
    start_urls: list[str],
    settings: Mapping,
    *,
    problem: str,
    errors: Mapping[str, int],
    exit_code: int,
    run_id: int | None = None,
    kind: str = "crawl",
    status: str = "failed",
) -> int:
    """Close a run that ended before it crawled anything (no DNS, a bad setting, a crash while
    starting; `status` "interrupted" for a stop asked for then) as `status` with zero counts and
    `problem`; opens its row first when `run_id` is None. Every run that took the lock leaves a
    row: the morning's `runs` must not show the night before as the latest."""
    if run_id is None:
        run_id = start_run(db, start_urls, settings, kind=kind)
    finish_run(
        db,
        run_id,
        status=status,
        exit_code=exit_code,
        counts={name: 0 for name in COUNT_FIELDS},
        errors=errors,
        fill_rates={},
        problems=[problem],
    )
    return run_id


def mark_stale_runs_killed(db: sqlite_utils.Database, *, lock_held: bool = False) -> list[int]:
    """Mark "running" runs whose process is gone as "killed"; return their ids.

    A run is stale when it ran on this host and its process no longer exists, or when it has no
    pid (written by an older version). Runs of other hosts are left alone unless `lock_held`:
    the caller holds the data folder's exclusive lock, so no other run can be alive at all.
    """
    host = socket.gethostname()
    me = os.getpid()
    stale = []
    for row in db.query("SELECT id, pid, host FROM crawl_runs WHERE status = 'running'"):
        if row["pid"] == me and row["host"] == host:
            continue  # a run of this very process is not dead
        if lock_held or row["pid"] is None or (row["host"] == host and not process_alive(row["pid"])):
            stale.append(row["id"])
    if stale:
        marks = ",".join("?" * len(stale))
        db.execute(f"UPDATE crawl_runs SET status = 'killed' WHERE id IN ({marks})", stale)
    return stale


def generic_share(run: Mapping) -> str:
    """The share of a run's articles read by generic rules alone, as `runs` prints it ("-" when
    the run predates the count or archived no article)."""
    articles = sum(run.get(name) or 0 for name in ("articles_new", "articles_changed", "articles_unchanged"))
    generic = run.get("articles_generic")
    if generic is None or not articles:
        return "-"
    return f"{min(generic, articles) / articles:.0%}"


def list_runs(db: sqlite_utils.Database, limit: int = 20) -> list[dict]:
    """The latest runs, newest first, JSON columns decoded."""
    return _decoded(db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [limit]))


def finished_runs(
    db: sqlite_utils.Database, *, limit: int = 5, before: int | None = None, kind: str | None = None
) -> list[dict]:
    """Runs that reached finish_run (not running, not killed), newest first, ids below `before`
    (and of this `kind` when given): the history a new run's fill rates are compared with."""
    return _decoded(
        db.query(
            "SELECT * FROM crawl_runs WHERE status NOT IN ('running', 'killed') AND id < ?"
            " AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?",
            [before if before is not None else 2**62, kind, kind, limit],
        )
    )


def _decoded(rows) -> list[dict]:
    rows = list(rows)
    for row in rows:
        for column in ("start_urls", "settings", "errors", "fill_rates", "problems"):
            if row.get(column) is not None:
                row[column] = json.loads(row[column])
    return rows

"""What the dataset card and the metadata say about the data: ranges, counts per site and year,
fill rates, how and when it was collected, and what is missing. Read from the archive (and from
the articles as they are written); nothing here depends on when or where the export runs.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.dataset.tables import Column, has_table, site_expression, stem
from archive.outcome import FAILED, INTERRUPTED, KILLED

# Settings of a run that say how politely it crawled (crawl_runs.settings, crawler/operations/run.py).
POLITENESS = (
    "ROBOTSTXT_OBEY",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "RETRY_TIMES",
    "USER_AGENT",
)


@dataclass
class ArticleStats:
    """Counted while the articles are written: per site, articles per year of publication and
    how many rows have each field (a value that is neither NULL nor empty text)."""

    columns: list[Column]
    years: dict[str, Counter] = field(default_factory=dict)
    filled: dict[str, Counter] = field(default_factory=dict)
    rows: Counter = field(default_factory=Counter)

    def add(self, site: str, row: list) -> None:
        self.rows[site] += 1
        filled = self.filled.setdefault(site, Counter())
        for column, value in zip(self.columns, row, strict=True):
            if value is not None and value != "":
                filled[column.name] += 1
        published = row[[c.name for c in self.columns].index("published_date")]
        self.years.setdefault(site, Counter())[published[:4] if published else "unknown"] += 1

    def fill_rate(self, column: str, site: str | None = None) -> tuple[int, int]:
        """(rows with the field, rows) of one site or of all."""
        sites = [site] if site is not None else list(self.rows)
        return sum(self.filled.get(s, Counter())[column] for s in sites), sum(self.rows[s] for s in sites)


def facts(conn: sqlite3.Connection, stats: ArticleStats) -> dict:
    first_seen, last_seen = conn.execute("SELECT min(first_seen_at), max(last_seen_at) FROM articles").fetchone()
    first_obs, last_obs = conn.execute("SELECT min(observed_at), max(observed_at) FROM view_counts").fetchone()
    published = conn.execute(
        "SELECT min(substr(published_at, 1, 10)), max(substr(published_at, 1, 10)) FROM articles"
        " WHERE published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
    ).fetchone()
    return {
        "crawled": {
            "from": min(filter(None, [first_seen, first_obs]), default=None),
            "to": max(filter(None, [last_seen, last_obs]), default=None),
        },
        "published": {"from": published[0], "to": published[1]},
        "sites": _sites(conn, stats),
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "runs": _runs(conn),
        "politeness": _politeness(conn),
        "recovered": _recovered(conn),
        "gaps": _gaps(conn),
    }


def _sites(conn: sqlite3.Connection, stats: ArticleStats) -> list[dict]:
    # what the profiles say of each site's owner (archive/dataset/publisher.py names it from this);
    # nothing in an archive older than sites, or than the columns
    owners: dict[str, tuple] = {}
    if has_table(conn, "sites"):
        optional = ", ".join(_column(conn, "sites", column) for column in ("title_en", "home", "language", "member_of"))
        owners = {name: rest for name, *rest in conn.execute(f"SELECT name, title, {optional} FROM sites")}
    origins: dict[str, set[str]] = {}
    for site, url in conn.execute(f"SELECT {site_expression(conn)}, url FROM articles"):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.setdefault(site, set()).add(f"{parts.scheme}://{parts.netloc}/")
    out = []
    for site in sorted(stats.rows):
        title, title_en, home, language, member_of = owners.get(site, (None, None, None, None, None))
        out.append(
            {
                "name": site,
                "stem": stem(site),
                "title": title,
                "title_en": title_en,
                "home": home,
                "language": language,
                "member_of": member_of,
                "origins": sorted(origins.get(site, ())),
                "articles": stats.rows[site],
                "years": dict(sorted(stats.years.get(site, Counter()).items())),
            }
        )
    return out


def _column(conn: sqlite3.Connection, table: str, column: str) -> str:
    """The column, or NULL in an archive older than it (the facts of any archive can be told)."""
    return column if column in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")} else "NULL"


def _runs(conn: sqlite3.Connection) -> list[dict]:
    """The exported runs, oldest first: when the data was collected."""
    from archive.dataset.tables import TABLES  # noqa: PLC0415

    where = next(t.where for t in TABLES if t.name == "crawl_runs")
    return [
        {
            "id": run_id,
            "kind": kind or "crawl",
            "started_at": started,
            "ended_at": ended,
            "status": status,
            "pages": pages or 0,
            "articles_new": new or 0,
            "articles_changed": changed or 0,
        }
        for run_id, kind, started, ended, status, pages, new, changed in conn.execute(
            f"SELECT id, {_column(conn, 'crawl_runs', 'kind')}, started_at, ended_at, status, pages, articles_new,"
            f" articles_changed FROM crawl_runs WHERE {where} ORDER BY id"
        )
    ]


def _politeness(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Each politeness setting -> the values the exported runs used (as JSON text, sorted)."""
    from archive.dataset.tables import TABLES  # noqa: PLC0415

    where = next(t.where for t in TABLES if t.name == "crawl_runs")
    seen: dict[str, set[str]] = {}
    kind = _column(conn, "crawl_runs", "kind")
    for (settings,) in conn.execute(
        f"SELECT settings FROM crawl_runs WHERE ({where}) AND coalesce({kind}, 'crawl') = 'crawl'"
    ):
        try:
            values = json.loads(settings or "{}")
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        for name in POLITENESS:
            if name in values:
                seen.setdefault(name, set()).add(json.dumps(values[name], ensure_ascii=False))
    return {name: sorted(seen[name]) for name in POLITENESS if name in seen}


def _recovered(conn: sqlite3.Connection) -> dict:
    recovered = _column(conn, "articles", "recovered_from")
    articles = conn.execute(f"SELECT count(*) FROM articles WHERE {recovered} IS NOT NULL").fetchone()[0]
    version_source = _column(conn, "article_versions", "recovered_from")
    versions = conn.execute(f"SELECT count(*) FROM article_versions WHERE {version_source} IS NOT NULL").fetchone()[0]
    captured_at = _column(conn, "articles", "captured_at")
    captured = conn.execute(f"SELECT min({captured_at}), max({captured_at}) FROM articles").fetchone()
    runs = conn.execute(f"SELECT count(*) FROM crawl_runs WHERE {_column(conn, 'crawl_runs', 'kind')} = 'recover'")
    runs = runs.fetchone()[0]
    return {
        "articles": articles,
        "versions": versions,
        "runs": runs,
        "captured": {"from": captured[0], "to": captured[1]},
    }


def _gaps(conn: sqlite3.Connection) -> dict[str, int]:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "no_date": one("SELECT count(*) FROM articles WHERE published_at IS NULL OR published_at = ''"),
        "day_only": one("SELECT count(*) FROM articles WHERE length(published_at) = 10"),
        "no_views": one("SELECT count(*) FROM articles WHERE views IS NULL"),
        "no_author": one("SELECT count(*) FROM articles WHERE author IS NULL OR author = ''"),
        "no_category": one("SELECT count(*) FROM articles WHERE category IS NULL OR category = ''"),
        "images_missing": one("SELECT count(*) FROM article_images WHERE image_sha256 IS NULL"),
        "runs_unfinished": conn.execute(
            "SELECT count(*) FROM crawl_runs WHERE status IN (?, ?, ?)", [FAILED, INTERRUPTED, KILLED]
        ).fetchone()[0],
    }

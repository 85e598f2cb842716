"""The sites of the archive: which site a URL belongs to, the `sites` table, and each run's
outcome per site (`run_sites`).

A site is named by a profile of the crawler (crawler/sites/: `tnu` for tnu.edu.vn, www. and
en.); a host no profile claims is a site of its own, named by its host (and port). The archive
stores what the crawler tells it; how a host is matched to a site is written here once, so the
crawler and the archive agree without the archive importing the crawler.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.outcome import BASELINE_RUNS, fallen_fields
from archive.storage.existing import readonly_uri

if TYPE_CHECKING:  # annotations only: crawler/sites/ (the extraction worker too) uses the host rules, not the database
    import sqlite_utils

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(url: str) -> tuple[str, int | None, str]:
    """(lower-case host name, explicit port or None, scheme) of a URL or of `host[:port]`."""
    parts = urlsplit(url if "//" in url else "//" + url)
    try:
        port = parts.port
    except ValueError:  # a port that is no number: the host alone
        port = None
    if port is not None and _DEFAULT_PORTS.get(parts.scheme) == port:
        port = None  # http://x:80/ is http://x/
    return (parts.hostname or "").lower().rstrip("."), port, parts.scheme


def adhoc_name(url: str) -> str:
    """The name of the site a URL no profile claims: its host, with its port when it has one
    (`127.0.0.1:8001`, `example.org`)."""
    host, port, _ = _host_port(url)
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


def claim(entry: str, url: str) -> tuple[int, int] | None:
    """How specifically a profile's host `entry` claims a URL, or None. An entry without a port
    (`tnu.edu.vn`) claims that host on any port and its subdomains; one with a port
    (`127.0.0.1:8001`) that host and port only. A larger value is more specific."""
    host, port, _ = _host_port(url)
    want_host, want_port, _ = _host_port(entry)
    if not want_host or not host:
        return None
    if want_port is not None:
        return (1, len(want_host)) if (host, port) == (want_host, want_port) else None
    if host == want_host or host.endswith("." + want_host):
        return (0, len(want_host))
    return None


def claimant(url: str, claims: Iterable[tuple[str, Sequence[str]]]) -> str | None:
    """The name of the site whose hosts claim `url` most specifically (sfl.tnu.edu.vn is the
    `sfl` site's, not `tnu`'s, though it is a subdomain of tnu.edu.vn); None when none does."""
    best: tuple[tuple[int, int], str] | None = None
    for name, hosts in claims:
        for entry in hosts:
            found = claim(entry, url)
            if found is not None and (best is None or found > best[0]):
                best = (found, name)
    return best[1] if best else None


# -- the sites table ------------------------------------------------------------------------


def claims_of(db: sqlite_utils.Database) -> list[tuple[str, list[str]]]:
    """(name, hosts) of every site the archive knows."""
    return [(name, json.loads(hosts or "[]")) for name, hosts in db.execute("SELECT name, hosts FROM sites")]


def site_of_url(db: sqlite_utils.Database, url: str) -> str:
    """The site an article URL belongs to, for a writer the crawler did not tell: the site of
    the archive's `sites` table that claims its host, else the host itself."""
    return claimant(url, claims_of(db)) or adhoc_name(url)


def register(
    db: sqlite_utils.Database,
    name: str,
    *,
    title: str | None,
    hosts: Sequence[str],
    digest: str | None,
    at: str,
    title_en: str | None = None,
    home: str | None = None,
    language: str | None = None,
    member_of: str | None = None,
) -> None:
    """Insert or update a site's row; `digest_changed_at` moves only when the profile changed."""
    db.execute(
        "INSERT INTO sites (name, title, hosts, profile_digest, digest_changed_at, title_en, home, language,"
        " member_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET title = excluded.title, hosts = excluded.hosts,"
        " title_en = excluded.title_en, home = excluded.home, language = excluded.language,"
        " member_of = excluded.member_of,"
        " digest_changed_at = CASE WHEN profile_digest IS excluded.profile_digest THEN digest_changed_at"
        " ELSE excluded.digest_changed_at END, profile_digest = excluded.profile_digest",
        [
            name,
            title,
            json.dumps(list(hosts), ensure_ascii=False),
            digest,
            at if digest else None,
            title_en,
            home,
            language,
            member_of,
        ],
    )


# -- each run's outcome per site --------------------------------------------------------------

# The counts of a run_sites row (the crawl_runs columns of the same names).
SITE_COUNTS = ("pages", "articles_new", "articles_changed", "articles_unchanged", "articles_generic")
_JSON_COLUMNS = ("errors", "fill_rates", "problems")


def record_run_site(
    db: sqlite_utils.Database,
    run_id: int,
    site: str,
    *,
    status: str,
    exit_code: int,
    counts: Mapping[str, int],
    errors: Mapping[str, int],
    fill_rates: Mapping[str, float],
    problems: Sequence[str],
) -> None:
    row = {
        "run_id": run_id,
        "site": site,
        "status": status,
        "exit_code": int(exit_code),
        **{name: int(counts.get(name) or 0) for name in SITE_COUNTS},
        "errors": json.dumps(dict(errors), ensure_ascii=False, sort_keys=True),
        "fill_rates": json.dumps(dict(fill_rates), sort_keys=True),
        "problems": json.dumps(list(problems), ensure_ascii=False),
    }
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    # the site's row is the writer's to make; one that died first made none (the outcome is kept all the same)
    db.execute("INSERT INTO sites (name) VALUES (?) ON CONFLICT(name) DO NOTHING", [site])
    db.execute(f"INSERT OR REPLACE INTO run_sites ({columns}) VALUES ({marks})", list(row.values()))


def _decoded(rows) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        for column in _JSON_COLUMNS:
            if row.get(column) is not None:
                row[column] = json.loads(row[column])
        out.append(row)
    return out


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence) -> list[dict]:
    return _decoded(db.query(sql, params))


def run_sites(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """The outcome of each site of a run, by site name."""
    return _rows(db, "SELECT * FROM run_sites WHERE run_id = ? ORDER BY site", [run_id])


def site_runs(
    db: sqlite_utils.Database,
    site: str,
    *,
    limit: int = 20,
    before: int | None = None,
    finished: bool = False,
    kind: str | None = None,
) -> list[dict]:
    """A site's own outcomes, newest first, each with its run's start, status and kind (as
    `started_at`, `run_status`, `kind`): ids below `before`; `finished`: only runs that ended
    (the history a site's fill rates are compared with)."""
    return _rows(
        db,
        "SELECT s.*, r.started_at, r.ended_at, r.status AS run_status, r.kind FROM run_sites s"
        " JOIN crawl_runs r ON r.id = s.run_id WHERE s.site = ? AND s.run_id < ?"
        " AND (? = 0 OR r.status NOT IN ('running', 'killed')) AND (? IS NULL OR r.kind = ?)"
        " ORDER BY s.run_id DESC LIMIT ?",
        [site, before if before is not None else 2**62, int(finished), kind, kind, limit],
    )


def overview(db: sqlite_utils.Database) -> dict[str, dict]:
    """What the archive holds of each site: its row of `sites` (title, hosts), its articles,
    the newest publication date, its latest run outcome (`last_run`, a run_sites row) and the
    fill rates that fell in it against the site's own earlier runs (`fallen`: field, rate, baseline)."""
    out: dict[str, dict] = {}
    for name, title, hosts in db.execute("SELECT name, title, hosts FROM sites ORDER BY name"):
        out[name] = {"title": title, "hosts": json.loads(hosts or "[]"), "articles": 0, "newest": None}
    for name, articles, newest in db.execute(
        "SELECT site, count(*), max(published_at) FROM articles GROUP BY site ORDER BY site"
    ):
        entry = out.setdefault(name, {"title": None, "hosts": [], "articles": 0, "newest": None})
        entry.update(articles=articles, newest=newest)
    for name, entry in out.items():
        latest = site_runs(db, name, limit=1, finished=True)
        entry["last_run"] = latest[0] if latest else None
        earlier = (
            site_runs(db, name, limit=BASELINE_RUNS * 10, before=latest[0]["run_id"], finished=True) if latest else []
        )
        entry["fallen"] = fallen_fields(latest[0], earlier) if latest else []
    return out


# -- one site's part of the archive ---------------------------------------------------------

# The rows of one site's articles, table by table: what `export --site` publishes.
SITE_ROWS = {
    "sites": "name = :site",
    "articles": "site = :site",
    "article_images": "article_id IN (SELECT id FROM src.articles WHERE site = :site)",
    "view_counts": "article_id IN (SELECT id FROM src.articles WHERE site = :site)",
    "images": "sha256 IN (SELECT image_sha256 FROM src.article_images"
    " WHERE article_id IN (SELECT id FROM src.articles WHERE site = :site))",
    # the history a dataset holds (archive/dataset/tables.py): earlier versions, other URLs, and
    # the runs that crawled the site or read its counters
    "article_versions": "article_id IN (SELECT id FROM src.articles WHERE site = :site)",
    "article_aliases": "article_id IN (SELECT id FROM src.articles WHERE site = :site)",
    "crawl_runs": "id IN (SELECT run_id FROM src.run_sites WHERE site = :site) OR id IN (SELECT run_id FROM"
    " src.view_counts WHERE article_id IN (SELECT id FROM src.articles WHERE site = :site))",
    "run_sites": "site = :site",
}

# A run's figures that are the site's own in its run_sites row: in one site's archive they replace
# the whole run's, which count every site of the run.
_OWN_FIGURES = (*SITE_COUNTS, "status", "exit_code", "errors", "fill_rates", "problems")
# A run's figures no site has its own of (an image file can serve several sites' articles).
_RUN_FIGURES = ("images_new", "images_failed")


def write_site_subset(db_path: str | Path, site: str, target: str | Path) -> int:
    """Write a new archive file at `target` holding one site's articles, their images and view
    counts, with the tables' own definitions and the archive's schema version; the number of
    articles copied. Its runs carry the site's own figures (_own_figures). Reads `db_path` only."""
    conn = sqlite3.connect(str(target), isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS src", [readonly_uri(Path(db_path))])
        version = conn.execute("PRAGMA src.user_version").fetchone()[0]
        conn.execute("BEGIN")
        for table, where in SITE_ROWS.items():
            for (sql,) in conn.execute(
                "SELECT sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", [table]
            ).fetchall():
                conn.execute(sql)  # the table, then its indexes ("table" > "index")
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table} WHERE {where}", {"site": site})
        _own_figures(conn)
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute("COMMIT")
        return conn.execute("SELECT count(*) FROM main.articles").fetchone()[0]
    finally:
        conn.close()


def _own_figures(conn: sqlite3.Connection) -> None:
    """Each run of one site's archive with the site's own figures, not the whole run's: its
    run_sites row's counts, status and errors; none where the run did not count the site apart
    (a recovery, a run that only read the counter of an article another site's page led to: its
    status stays the run's), and no image counts (they are the run's, shared by its sites)."""
    own = ", ".join(_OWN_FIGURES)
    conn.execute(
        f"UPDATE main.crawl_runs SET ({own}) = (SELECT {own} FROM main.run_sites s WHERE s.run_id = crawl_runs.id)"
        " WHERE id IN (SELECT run_id FROM main.run_sites)"
    )
    unknown = ", ".join(f"{name} = NULL" for name in _OWN_FIGURES if name != "status")
    conn.execute(f"UPDATE main.crawl_runs SET {unknown} WHERE id NOT IN (SELECT run_id FROM main.run_sites)")
    conn.execute(f"UPDATE main.crawl_runs SET {', '.join(f'{name} = NULL' for name in _RUN_FIGURES)}")

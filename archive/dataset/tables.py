"""What the dataset holds: which tables of the archive, which of their rows and columns, in which
order and with which types. `archive/dataset/files.py` writes them; `archive/export.py` packages.

The columns are those of the archive's current schema (the migrations applied to an empty
database), not of the file at hand: an archive from an older tnu-archive exports to the same
columns, NULL where it has no value, so the dataset's schema is fixed by the code alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from urllib.parse import urlsplit

from archive.storage.categories import CategoryNames, names_for, normalised
from archive.storage.dictionary import DATASET_COLUMNS, DATASET_TABLES, dataset_column

# The site of articles in an archive from before sites were told apart: tnu.edu.vn's.
DEFAULT_SITE = "tnu"


class ExportError(Exception):
    """The export could not be made; the message is meant for the user."""


@dataclass(frozen=True)
class Table:
    name: str
    order: str  # its key: rows are written in this order, so exports are reproducible
    keep: tuple[str, ...] | None = None  # the columns a reader needs (None: all)
    where: str | None = None  # the rows a reader needs (None: all)


# The history a reader needs, not the crawler's bookkeeping (fetch log, raw pages, frontier,
# captures, search index stay in the SQLite file). Order: as the dataset card lists them.
TABLES: tuple[Table, ...] = (
    Table("articles", "id"),
    Table("article_images", "article_id, position"),
    Table("images", "sha256"),
    Table("view_counts", "article_id, observed_at, views, run_id"),
    Table("article_versions", "id"),
    Table("article_aliases", "url"),
    Table("sites", "name", keep=("name", "title", "title_en", "hosts", "home", "language", "member_of")),
    # Runs that fetched something or read a counter: when and how the data was collected. Their
    # process ids, host names, exit codes and alarms are operations, not data.
    Table(
        "crawl_runs",
        "id",
        keep=(
            "id",
            "kind",
            "started_at",
            "ended_at",
            "status",
            "crawler_version",
            "start_urls",
            "settings",
            "pages",
            "articles_new",
            "articles_changed",
            "articles_unchanged",
            "images_new",
            "images_failed",
            "errors",
        ),
        where="pages > 0 OR id IN (SELECT run_id FROM view_counts)",
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)

# Kinds of column, the same in every format: text, integer, number (float), date (ISO day),
# time (a UTC instant: ISO 8601 text in CSV and JSON Lines, a timestamp in Parquet).
_KINDS = {"INTEGER": "integer", "TEXT": "text", "REAL": "number", "NUMERIC": "number"}
# The archive's times are UTC ISO 8601 (`…Z`) and named `…_at`; published_at is the exception:
# as printed, on the site's clock, a day or a time with its offset.
_UTC_TIMES = {"seen_from", "seen_until"}
_AS_PRINTED = {"published_at"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    required: bool = False
    primary: int = 0  # position in the primary key, 0 when not part of it


@dataclass(frozen=True)
class StoredTable:
    """A table of a freshly migrated archive: its columns (name, declared type, NOT NULL,
    primary key position), foreign keys (columns, table, columns) and single-column UNIQUE ones."""

    columns: list[tuple[str, str, bool, int]]
    foreign_keys: list[tuple[list[str], str, list[str]]]
    unique: set[str]


@cache
def _current_schema() -> dict[str, StoredTable]:
    import sqlite_utils  # noqa: PLC0415

    from archive.db import migrate  # noqa: PLC0415

    db = sqlite_utils.Database(memory=True)
    migrate(db)
    schema = {}
    for table in db.table_names():
        cols = [(n, decl.upper(), bool(nn), pk) for _, n, decl, nn, _, pk in db.execute(f"PRAGMA table_info({table})")]
        links: dict[int, tuple[list[str], str, list[str]]] = {}
        for fk_id, _, target, source, to, *_ in db.execute(f"PRAGMA foreign_key_list({table})"):
            link = links.setdefault(fk_id, ([], target, []))
            link[0].append(source)
            link[2].append(to)
        unique = set()
        for _, name, is_unique, *_ in db.execute(f"PRAGMA index_list({table})"):
            indexed = [c[2] for c in db.execute(f"PRAGMA index_info({name})")]
            if is_unique and len(indexed) == 1:
                unique.add(indexed[0])
        schema[table] = StoredTable(cols, [links[k] for k in sorted(links)], unique)
    db.close()
    return schema


def foreign_keys(table: Table) -> list[tuple[list[str], str, list[str]]]:
    """The table's links to other tables of the dataset (links to tables left out are dropped)."""
    stored = _current_schema().get(table.name)
    links = [link for link in (stored.foreign_keys if stored else []) if link[1] in TABLE_NAMES]
    if table.name == "articles" and (["site"], "sites", ["name"]) not in links:
        links.append((["site"], "sites", ["name"]))  # declared by the archive once it has sites
    return links


def unique_columns(table: Table) -> set[str]:
    stored = _current_schema().get(table.name)
    return set(stored.unique) if stored else set()


def _kind(table: str, name: str, decl: str) -> str:
    if decl == "TEXT" and name not in _AS_PRINTED and (name.endswith("_at") or name in _UTC_TIMES):
        return "time"
    return _KINDS.get(decl, "text")


def columns(table: Table) -> list[Column]:
    """The dataset's columns of `table`, in order."""
    schema = _current_schema()
    if table.name in schema:
        stored = schema[table.name].columns
    else:  # a table of the dataset this schema version does not have (sites before migration 11)
        stored = [(name, "TEXT", name == "name", int(name == "name")) for name in DATASET_TABLES[table.name][1]]
    out: list[Column] = []
    for name, decl, notnull, pk in stored:
        if table.keep is not None and name not in table.keep:
            continue
        out.append(Column(name, _kind(table.name, name, decl), dataset_column(table.name, name), notnull or pk > 0, pk))
        for derived, (after, _) in DATASET_COLUMNS.get(table.name, {}).items():
            if after == name:
                out.append(Column(derived, _derived_kind(derived), dataset_column(table.name, derived)))
    for derived, (after, _) in DATASET_COLUMNS.get(table.name, {}).items():
        if not after and derived not in {c.name for c in out}:
            out.append(Column(derived, _derived_kind(derived), dataset_column(table.name, derived), True))
    return out


def _derived_kind(name: str) -> str:
    return {"published_date": "date", "published_timestamp": "time"}.get(name, "text")


# -- rows -------------------------------------------------------------------------------------


def _live_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone() is not None


def site_expression(conn: sqlite3.Connection) -> str:
    """SQL for an article's site: its `site`, or tnu's for archives from before sites."""
    if "site" in _live_columns(conn, "articles"):
        return f"coalesce(site, '{DEFAULT_SITE}')"
    return f"'{DEFAULT_SITE}'"


def count(conn: sqlite3.Connection, table: Table) -> int:
    if table.name == "sites" and not has_table(conn, "sites"):
        return len(_sites_from_articles(conn))
    if not has_table(conn, table.name):
        return 0
    return conn.execute(
        f"SELECT count(*) FROM {table.name}" + (f" WHERE {table.where}" if table.where else "")
    ).fetchone()[0]


def rows(
    conn: sqlite3.Connection, table: Table, cols: list[Column], categories: CategoryNames | None = None
) -> Iterator[list]:
    """The rows of `table` in key order, one value per column of `cols`, each of its column's
    kind (text as str, integers as int, days and times as ISO text); raises ExportError for a
    stored value that is not of its column's kind."""
    if table.name == "sites" and not has_table(conn, "sites"):
        source: Iterator[dict] = iter(_sites_from_articles(conn))
    elif not has_table(conn, table.name):  # an archive older than the table: none of its rows
        return
    else:
        live = _live_columns(conn, table.name)
        current = _current_schema().get(table.name)
        stored_names = {name for name, *_ in current.columns} if current else set()
        select = [
            f'"{c.name}"' if c.name in live else f'NULL AS "{c.name}"'
            for c in cols
            if c.name in stored_names and not (table.name == "articles" and c.name == "site")
        ]
        if table.name == "articles":
            select.append(f"{site_expression(conn)} AS site")
        sql = f"SELECT {', '.join(select)} FROM {table.name}"
        if table.where:
            sql += f" WHERE {table.where}"
        cursor = conn.execute(f"{sql} ORDER BY {table.order}, rowid")
        names = [d[0] for d in cursor.description]
        source = (dict(zip(names, row, strict=True)) for row in cursor)
    names_by_site: dict[str, dict[str, str]] = {}
    for stored in source:
        if table.name == "articles" and stored["site"] not in names_by_site:
            names_by_site[stored["site"]] = names_for(stored["site"], categories or {})
        values = _derived(table.name, stored, names_by_site)
        yield [_coerce(table.name, column, values, values.get(column.name)) for column in cols]


def _derived(table: str, stored: dict, names_by_site: Mapping[str, Mapping[str, str]]) -> dict:
    if table != "articles":
        return stored
    values = dict(stored)
    published = stored.get("published_at")
    values["published_date"], values["published_timestamp"] = published_day_and_time(published)
    printed = stored.get("category")
    values["category_printed"] = printed
    values["category"] = normalised(printed, names_by_site.get(stored["site"], {}))
    return values


def published_day_and_time(published: object) -> tuple[str | None, str | None]:
    """(the local day, the UTC instant or None) of a published_at value; (None, None) when it
    is not ISO 8601. A time without an offset is on a clock nobody recorded: no instant."""
    if not isinstance(published, str) or len(published) < 10:
        return None, None
    try:
        day = date.fromisoformat(published[:10]).isoformat()
    except ValueError:
        return None, None
    if len(published) == 10:
        return day, None
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return day, None
    if moment.tzinfo is None:
        return day, None
    return day, moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _coerce(table: str, column: Column, row: dict, value: object) -> object:
    if value is None:
        return None
    kind = column.kind
    if kind in ("text", "date", "time"):
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and kind == "text":
            return str(value)
    elif kind == "integer":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif kind == "number" and isinstance(value, int | float):
        return float(value)
    key = ", ".join(f"{k}={row[k]!r}" for k in list(row)[:1])
    raise ExportError(
        f"{table}.{column.name} of the row {key} holds {value!r}, not {kind}: the archive does not follow its "
        "schema (run `tnu-archive verify`)"
    )


def parse_time(text: str) -> datetime:
    """A stored UTC time (ISO 8601; `Z`, an offset, or none meaning UTC) as an aware datetime."""
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sites_from_articles(conn: sqlite3.Connection) -> list[dict]:
    """The sites table of an archive that has none (before sites were told apart): its one site,
    with the hosts its articles were found on."""
    hosts: dict[str, set[str]] = {}
    for site, url in conn.execute(f"SELECT {site_expression(conn)}, url FROM articles ORDER BY id"):
        host = (urlsplit(url).hostname or "").lower()
        hosts.setdefault(site, set())
        if host:
            hosts[site].add(host)
    return [
        {"name": site, "title": None, "hosts": json.dumps(sorted(found), ensure_ascii=False)}
        for site, found in sorted(hosts.items())
    ]


def sites_of_articles(conn: sqlite3.Connection) -> list[str]:
    """The sites that have articles, by name."""
    return [site for (site,) in conn.execute(f"SELECT DISTINCT {site_expression(conn)} AS s FROM articles ORDER BY s")]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def stem(site: str) -> str:
    """A file and configuration name for a site: its name where that is safe in a path on any
    system (tnu), else the safe characters and a digest of the name (127.0.0.1_8001-3fa2c1d0)."""
    safe = _UNSAFE.sub("_", site)
    if safe == site and not site.startswith(".") and site:
        return site
    return f"{safe.strip('.') or 'site'}-{hashlib.sha256(site.encode('utf-8')).hexdigest()[:8]}"

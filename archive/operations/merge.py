"""Shards into one archive: `tnu-archive merge SHARD... --into DIR` (docs/scale.md).

A shard is the data folder one scrapyd job writes (its `tnu.sqlite`, `images/`, `warc/`), named
by its folder (the plan names them after their site). Merging brings its rows and files into the
archive at DIR:

- articles by URL: the content last seen is current, the other shard's different content a
  version; view counts, versions, aliases and links are unioned without duplicates;
- images by sha256, each file copied once (a temporary name, then a rename), checked against
  its sha256 on the way;
- WARC files copied under `<shard>-<name>` (two nodes' runs can start in the same second with
  the same number), their CDXJ indexes copied with the new file names, and the `captures`
  rows pointing at them;
- runs, and their requests and observations, each run once: known again by (shard, its id
  there), with the shard named in `crawl_runs.shard` and `fetch_log.shard`.

Idempotent: merging a shard again changes nothing (every rule below is a union, a min or a max).
Resumable: each shard is one transaction, its files copied inside it, so a merge killed anywhere
leaves the archive as it was before that shard (and files, content-addressed or named by their
shard, that the next merge finds in place). Locked like a crawl: the archive's lock and each
shard's, so no job writes a shard while it is read. Column lists come from the schema itself
(PRAGMA table_info, foreign_key_list), so the columns and tables other work adds merge too;
a table no rule covers stops the merge rather than being left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from archive.captures.warc_index import WARC_SUFFIX, cdxj_path
from archive.db import MIGRATIONS, check_file, check_version
from archive.db import connect as connect_archive
from archive.lifeline import process_alive
from archive.operations.lock import RunLock
from archive.storage.existing import NoArchive, immutable_needed, readonly_uri, require_archive
from archive.storage.images import TEMP_PREFIX, TEMP_SUFFIX, remove_abandoned_temp_files
from archive.storage.paths import default_warc_dir

DB_NAME = "tnu.sqlite"  # a data folder's database, as a scrapyd job's ARCHIVE_DB=DIR/tnu.sqlite
IMAGES_NAME = "images"
_CHUNK = 1 << 20


class MergeError(Exception):
    """The merge cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class DataFolder:
    """A data folder: the database, the images beside it, the WARC captures beside it."""

    folder: Path

    @property
    def name(self) -> str:
        return self.folder.resolve().name

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def images_dir(self) -> Path:
        return self.folder / IMAGES_NAME

    @property
    def warc_dir(self) -> Path:
        return default_warc_dir(self.db_path)


def data_folder(path: str | Path) -> DataFolder:
    """A shard or target given as its folder, or as the database file inside it."""
    path = Path(path)
    if path.suffix == ".sqlite" and not path.is_dir():
        if path.name != DB_NAME:
            raise MergeError(f"{path}: a shard is a data folder holding {DB_NAME} (give the folder)")
        path = path.parent
    return DataFolder(path)


@dataclass
class ShardReport:
    name: str
    runs_new: int = 0
    runs_updated: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    versions_new: int = 0
    rows_new: int = 0  # every other row added (requests, captures, view counts, links, …)
    images_copied: int = 0
    warc_files_copied: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"merged shard {self.name}: {self.runs_new} runs new, {self.runs_updated} updated; "
            f"{self.articles_new} articles new, {self.articles_updated} updated, {self.versions_new} versions new; "
            f"{self.rows_new} other rows; {self.images_copied} image files and {self.warc_files_copied} WARC files "
            "copied" + (f"; {len(self.problems)} problem(s)" if self.problems else "")
        )


# --- How each table merges ------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How a row already in the archive and the shard's row of the same key become one.

    The values of the row seen later (by `newer`; the archive's on a tie or without `newer`)
    are kept, except: `least` columns take the earlier (smaller) value, `most` the later
    (larger), `keep` columns keep a value either row has (the later row's first). Unknown
    tables keep the archive's values and fill what it lacks from the shard."""

    newer: str | None = None
    least: tuple[str, ...] = ()
    most: tuple[str, ...] = ()
    keep: tuple[str, ...] | None = None  # None: every column


RULES: dict[str, Rule] = {
    "images": Rule(least=("first_seen_at",), keep=()),
    "raw_pages": Rule(least=("fetched_at",), keep=()),
    # A failed download later does not unlink the bytes an earlier one got (archive/store.py).
    "image_sources": Rule(newer="last_attempt_at", most=("attempts", "last_attempt_at"), keep=("image_sha256",)),
    "listings": Rule(newer="last_crawled_at", least=("completed_at",), most=("last_crawled_at",), keep=()),
    "article_links": Rule(
        newer="last_seen_at",
        least=("first_seen_at",),
        most=("last_seen_at", "not_article_at", "failed_attempts", "last_failed_at"),
        keep=("article_id",),
    ),
    # A URL naming another article in the archive already stays that article's.
    "article_aliases": Rule(least=("first_seen_at",), keep=()),
    # A site's row as the shard that crawled it with the latest profile has it.
    "sites": Rule(newer="digest_changed_at", most=("digest_changed_at",)),
}

# Tables merged by their own code below (the rest by their keys and RULES, or run by run).
ARTICLES, RUNS = "articles", "crawl_runs"
ARTICLE_CONTENT = ("article_images", "article_search")  # the current content's: the winning row's
VERSIONS = "article_versions"
# Articles a newer extractor took out of `articles` (archive/storage/set_aside.py): their ids are
# reserved, so new articles are numbered past them, and each merged one gets an id of this archive.
SET_ASIDE = "set_aside_articles"
SPECIAL = {ARTICLES, RUNS, VERSIONS, SET_ASIDE, *ARTICLE_CONTENT}
SHARD_COLUMN = "shard"  # crawl_runs.shard, fetch_log.shard: filled with the shard's name
WARC_FILE_COLUMN = "warc_file"  # captures.warc_file: the name the file has here


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    pk: tuple[str, ...]  # primary key columns, in key order
    int_pk: str | None  # the INTEGER PRIMARY KEY (rowid alias), if any
    unique: tuple[tuple[str, ...], ...]  # other UNIQUE indexes' columns
    fks: dict[str, tuple[str, str | None]]  # column -> (table, column or None for its primary key)

    @property
    def natural_key(self) -> tuple[str, ...] | None:
        """The columns that say which row is which across archives (not a row number)."""
        if self.pk and not self.int_pk:
            return self.pk
        for cols in self.unique:
            return cols
        return None

    def run_column(self) -> str | None:
        for column, (table, _) in self.fks.items():
            if table == RUNS:
                return column
        return None


def read_schema(conn: sqlite3.Connection, schema: str = "main") -> dict[str, Table]:
    """Every table of the archive, from SQLite's own description of it."""
    tables: dict[str, Table] = {}
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    virtual = [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]
    for name in names:
        if any(name.startswith(v + "_") for v in virtual):  # an FTS table's shadow tables
            continue
        info = conn.execute(f"PRAGMA {schema}.table_info({_q(name)})").fetchall()
        columns = tuple(r[1] for r in info)
        pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        int_pk = pk[0] if len(pk) == 1 and info[columns.index(pk[0])][2].upper() == "INTEGER" else None
        unique = []
        for index in conn.execute(f"PRAGMA {schema}.index_list({_q(name)})"):
            # (seq, name, unique, origin, partial): UNIQUE column constraints and unique indexes,
            # not the primary key's own, nor a partial index (it does not key every row)
            if index[2] and index[3] != "pk" and not index[4]:
                cols = tuple(r[2] for r in conn.execute(f"PRAGMA {schema}.index_info({_q(index[1])})"))
                unique.append(cols)
        fks = {r[3]: (r[2], r[4]) for r in conn.execute(f"PRAGMA {schema}.foreign_key_list({_q(name)})")}
        tables[name] = Table(name, columns, pk, int_pk, tuple(unique), fks)
    return tables


def merge_order(tables: dict[str, Table]) -> list[str]:
    """Tables in an order where every table comes after those it refers to."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name not in tables:
            return
        if name in path:
            raise MergeError(f"tables refer to each other in a circle: {' -> '.join((*path, name))}")
        # An article's content is merged with it: what the content refers to comes first too.
        parts = [name, *((VERSIONS, *ARTICLE_CONTENT) if name == ARTICLES else ())]
        for target, _ in [ref for part in parts if part in tables for ref in tables[part].fks.values()]:
            if target not in parts:
                visit(target, (*path, name))
        if name not in done:
            done.append(name)

    for name in sorted(tables):
        visit(name, ())
    # The content of an article comes with the article (ARTICLES merges them).
    return [n for n in done if n not in (VERSIONS, *ARTICLE_CONTENT)]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- The merge --------------------------------------------------------------------------------


def merge(
    shards: Sequence[str | Path], into: str | Path, *, say: Callable[[str], None] | None = None
) -> list[ShardReport]:
    """Merge the shards, in order, into the archive in the data folder `into` (made if absent).

    Raises MergeError (and archive.operations.lock.Locked, archive.db.SchemaTooNew) in one line, before
    anything is written for the shard concerned; the shards merged before it stay merged."""
    target = data_folder(into)
    folders = [data_folder(s) for s in shards]
    _check_names(folders, target)
    for shard in folders:  # every shard readable by this tnu-archive, before anything is written
        try:
            require_archive(shard.db_path)
        except NoArchive as exc:
            raise MergeError(f"shard {shard.folder}: {exc}") from None
        check_file(shard.db_path)  # SchemaTooNew: a shard of a newer tnu-archive, in one line
    reports = []
    with ExitStack() as stack:
        stack.enter_context(RunLock(target.db_path))
        for shard in folders:  # no job writes a shard while it is read
            stack.enter_context(RunLock(shard.db_path))
        connect_archive(target.db_path).close()  # made, or brought to this schema
        for path in remove_abandoned_temp_files(target.images_dir):
            _say(say, f"removed {path}, left by a killed run")
        _remove_abandoned_copies(target.warc_dir, say)
        conn = _open_target(target.db_path)
        try:
            for shard in folders:
                report = _merge_shard(conn, shard, target)
                _say(say, report.line())
                reports.append(report)
        finally:
            conn.close()
    return reports


def _say(say: Callable[[str], None] | None, line: str) -> None:
    if say is not None:
        say(line)


def _check_names(folders: list[DataFolder], target: DataFolder) -> None:
    seen: dict[str, Path] = {}
    for shard in folders:
        name = shard.name
        if not name or "/" in name or name.startswith("."):
            raise MergeError(f"shard {shard.folder}: a shard is named by its folder, and {name!r} cannot name one")
        if name in seen:
            raise MergeError(
                f"two shards named {name} ({seen[name]} and {shard.folder}): a shard is named by its folder, "
                "give each its own name"
            )
        seen[name] = shard.folder
        if shard.folder.resolve() == target.folder.resolve():
            raise MergeError(f"{shard.folder} is the archive merged into, not a shard")


def _open_target(db_path: Path) -> sqlite3.Connection:
    # URI processing on: the shard is attached read-only (`mode=ro`), which only a connection
    # opened with URIs allowed understands.
    conn = sqlite3.connect(db_path.resolve().as_uri(), uri=True, timeout=30, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextlib.contextmanager
def _shard_database(shard: DataFolder, scratch: Path) -> Iterator[Path]:
    """The shard's database as this schema has it: the file itself, or, for a shard of an
    older schema, a migrated copy (its migrations fill what the newer columns mean for it)."""
    conn = sqlite3.connect(readonly_uri(shard.db_path, immutable_needed(shard.db_path)), uri=True, timeout=30)
    try:
        version = check_version(conn, shard.db_path)  # SchemaTooNew: refused, in one line
        if version == len(MIGRATIONS):
            yield shard.db_path
            return
        scratch.mkdir(parents=True, exist_ok=True)
        copy = Path(tempfile.mkdtemp(dir=scratch, prefix=f"{TEMP_PREFIX}{os.getpid()}-")) / DB_NAME
        try:
            with sqlite3.connect(copy) as out:
                conn.backup(out)
            out.close()
            connect_archive(copy).close()
            yield copy
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
    finally:
        conn.close()


def _merge_shard(conn: sqlite3.Connection, shard: DataFolder, target: DataFolder) -> ShardReport:
    report = ShardReport(shard.name)
    with _shard_database(shard, target.folder / ".merge") as db_path:
        uri = readonly_uri(db_path, db_path == shard.db_path and immutable_needed(db_path))
        conn.execute("ATTACH DATABASE ? AS s", [uri])  # not inside a transaction: SQLite refuses that
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _ShardMerge(conn, shard, target, report).run()
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE s")
    return report


@dataclass(frozen=True)
class _Change:
    """An article both hold whose rows differ: which is current, and since when each content was."""

    own_id: int
    shard_id: int
    mine: dict
    theirs: dict
    shard_wins: bool
    since: dict[str, str]  # "main" / "s" -> when that row's current content began


class _ShardMerge:
    """One shard's rows and files, inside the transaction `_merge_shard` opened."""

    def __init__(self, conn: sqlite3.Connection, shard: DataFolder, target: DataFolder, report: ShardReport):
        self.conn, self.shard, self.target, self.report = conn, shard, target, report
        self.tables = read_schema(conn)
        shard_tables = read_schema(conn, "s")
        for name, table in self.tables.items():
            theirs = shard_tables.get(name)
            if theirs is not None and theirs.columns != table.columns:
                raise MergeError(f"shard {shard.name}: table {name} differs from this archive's ({theirs.columns})")
        self.present = set(shard_tables)
        self.mapped: set[str] = set()  # tables whose ids temp.m_<table> maps (old id -> id here)

    def run(self) -> None:
        for name in ("new_articles", "new_runs"):
            self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (old INTEGER PRIMARY KEY)")
            self.conn.execute(f"DELETE FROM temp.{name}")
        for name in merge_order(self.tables):
            if name not in self.present:
                continue
            table = self.tables[name]
            if name == SET_ASIDE:
                continue  # once the runs are mapped: its rows name them
            if name == ARTICLES:
                self._articles(table)
            elif name == RUNS:
                self._runs(table)
            elif table.run_column():
                self._run_rows(table)
            elif table.natural_key:
                self._natural(table)
            else:
                raise MergeError(
                    f"no rule merges table {name} (no key and no run): add one to archive/operations/merge.py"
                )
        if SET_ASIDE in self.present:
            self._set_aside(self.tables[SET_ASIDE])
        self._link_downloaded_images()
        self._copy_images()
        self._copy_warcs()

    # -- id maps -------------------------------------------------------------------------------

    def _map_table(self, name: str) -> str:
        table = f"temp.{_q('m_' + name)}"
        if name not in self.mapped:
            self.conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_q('m_' + name)} (old INTEGER PRIMARY KEY, new INTEGER)"
            )
            self.conn.execute(f"DELETE FROM {table}")
            self.mapped.add(name)
        return table

    def _value(self, table: Table, column: str, alias: str = "x") -> str:
        """The SQL giving the shard's value of `column` as this archive holds it."""
        ref = table.fks.get(column)
        if column == SHARD_COLUMN:
            return f"coalesce({alias}.{_q(column)}, :shard)"
        if column == WARC_FILE_COLUMN:
            return f"CASE WHEN {alias}.{_q(column)} IS NULL THEN NULL ELSE :shard || '-' || {alias}.{_q(column)} END"
        if ref is None:
            return f"{alias}.{_q(column)}"
        ref_table, ref_column = ref
        referenced = self.tables.get(ref_table)
        if referenced is None or (ref_column or referenced.pk[0]) != referenced.int_pk:
            return f"{alias}.{_q(column)}"  # a key that means the same everywhere (a sha256, a name)
        if ref_table not in self.mapped:
            raise MergeError(
                f"no rule maps {table.name}.{column}, a row number of {ref_table}: "
                "add one to archive/operations/merge.py"
            )
        return f"(SELECT new FROM temp.{_q('m_' + ref_table)} WHERE old = {alias}.{_q(column)})"

    # -- articles ------------------------------------------------------------------------------

    def _articles(self, table: Table) -> None:
        conn, cols = self.conn, [c for c in table.columns if c != table.int_pk]
        conn.execute(
            "INSERT INTO temp.new_articles (old) SELECT x.id FROM s.articles x "
            "WHERE NOT EXISTS (SELECT 1 FROM main.articles y WHERE y.url = x.url)"
        )
        values = ", ".join(self._value(table, c) for c in cols)
        # Numbered past every id given here, set-aside ones included (as archive/store.py does).
        added = conn.execute(
            f"INSERT INTO main.articles (id, {', '.join(map(_q, cols))}) "
            f"SELECT :base + row_number() OVER (ORDER BY x.id), {values} FROM s.articles x "
            "WHERE x.id IN (SELECT old FROM temp.new_articles) ORDER BY x.id",
            {"shard": self.shard.name, "base": self._next_article_id() - 1},
        ).rowcount
        self.report.articles_new += added
        m = self._map_table(ARTICLES)
        conn.execute(
            f"INSERT INTO {m} (old, new) SELECT x.id, y.id FROM s.articles x JOIN main.articles y ON y.url = x.url"
        )
        for content in ARTICLE_CONTENT:
            if content in self.present:
                self._copy_content(self.tables[content], "x.article_id IN (SELECT old FROM temp.new_articles)")
        # Decided before the shard's versions join the archive's: the content an article had here
        # began where this archive's own versions of it end.
        changes = self._article_changes(cols)
        if VERSIONS in self.present:
            self._versions(self.tables[VERSIONS])
        for change in changes:
            self._apply_change(change, cols)

    def _next_article_id(self) -> int:
        top = self.conn.execute("SELECT coalesce(max(id), 0) FROM main.articles").fetchone()[0]
        if SET_ASIDE in self.tables:
            top = max(
                top, self.conn.execute(f"SELECT coalesce(max(article_id), 0) FROM main.{SET_ASIDE}").fetchone()[0]
            )
        return top + 1

    def _set_aside(self, table: Table) -> None:
        """A set-aside article not here yet (by URL and time): under an id of this archive, the
        rows kept with it renumbered to match (its id, its runs), so that restoring it works here."""
        conn = self.conn
        runs = dict(conn.execute(f"SELECT old, new FROM temp.{_q('m_' + RUNS)}"))
        for theirs in _rows(
            conn,
            f"SELECT * FROM s.{SET_ASIDE} x WHERE NOT EXISTS (SELECT 1 FROM main.{SET_ASIDE} y "
            "WHERE y.url = x.url AND y.set_aside_at = x.set_aside_at) ORDER BY x.article_id",
        ):
            new_id = self._next_article_id()
            row, related = json.loads(theirs["row"]), json.loads(theirs["related"])
            row["id"] = new_id
            for items in related.values():
                for item in items if isinstance(items, list) else ():
                    if "article_id" in item:
                        item["article_id"] = new_id
                    if item.get("run_id") is not None:
                        item["run_id"] = runs.get(item["run_id"])
            theirs.update(article_id=new_id, row=_json(row), related=_json(related))
            columns = list(table.columns)
            marks = ", ".join("?" * len(columns))
            conn.execute(
                f"INSERT INTO main.{SET_ASIDE} ({', '.join(map(_q, columns))}) VALUES ({marks})",
                [theirs[c] for c in columns],
            )
            self.report.rows_new += 1

    def _copy_content(self, table: Table, where: str) -> None:
        cols = [c for c in table.columns if c != table.int_pk or c == "article_id"]
        values = ", ".join(self._value(table, c) for c in cols)
        order = ", ".join(f"x.{_q(c)}" for c in table.pk) or "x.rowid"
        self.conn.execute(
            f"INSERT INTO main.{_q(table.name)} ({', '.join(map(_q, cols))}) SELECT {values} FROM s.{_q(table.name)} x "
            f"WHERE {where} ORDER BY {order}",
            {"shard": self.shard.name},
        )

    def _article_changes(self, cols: list[str]) -> list[_Change]:
        """Articles both hold, where anything differs: the one seen last is current."""
        conn = self.conn
        differs = " OR ".join(f"x.{_q(c)} IS NOT y.{_q(c)}" for c in cols if c != "url")
        changes = []
        for shard_id, own_id in conn.execute(
            f"SELECT x.id, y.id FROM s.articles x JOIN main.articles y ON y.url = x.url "
            f"WHERE x.id NOT IN (SELECT old FROM temp.new_articles) AND ({differs}) ORDER BY x.id"
        ).fetchall():
            theirs = _row(conn, "s.articles", shard_id)
            mine = _row(conn, "main.articles", own_id)
            shard_wins = (theirs["last_seen_at"] or "") > (mine["last_seen_at"] or "")
            since = {"s": self._content_since("s", theirs), "main": self._content_since("main", mine)}
            changes.append(_Change(own_id, shard_id, mine, theirs, shard_wins, since))
        return changes

    def _apply_change(self, change: _Change, cols: list[str]) -> None:
        conn, mine, theirs = self.conn, change.mine, change.theirs
        versions = self.report.versions_new
        if mine["content_hash"] != theirs["content_hash"]:
            self._keep_loser(change)
        update = {c: theirs[c] for c in cols if c != "url"} if change.shard_wins else {}
        update["first_seen_at"] = min(mine["first_seen_at"], theirs["first_seen_at"])
        update["last_seen_at"] = max(mine["last_seen_at"], theirs["last_seen_at"])
        update = {c: v for c, v in update.items() if mine[c] != v}
        if update or self.report.versions_new != versions:  # a shard merged again changes nothing
            self.report.articles_updated += 1
        if update:
            sets = ", ".join(f"{_q(c)} = :{c}" for c in update)
            conn.execute(f"UPDATE main.articles SET {sets} WHERE id = :id", {**update, "id": change.own_id})
        if change.shard_wins:
            for content in ARTICLE_CONTENT:
                if content in self.present:
                    conn.execute(f"DELETE FROM main.{_q(content)} WHERE article_id = ?", [change.own_id])
                    self._copy_content(self.tables[content], f"x.article_id = {int(change.shard_id)}")

    def _keep_loser(self, change: _Change) -> None:
        """The content that is no longer current, as a version of the article (as the store keeps
        an edited article's earlier content), unless a version holds it already."""
        loser, winner = (change.mine, change.theirs) if change.shard_wins else (change.theirs, change.mine)
        schema, other = ("main", "s") if change.shard_wins else ("s", "main")
        images = [
            dict(zip(("src_url", "caption", "credit", "image_sha256"), r, strict=True))
            for r in self.conn.execute(
                f"SELECT src_url, caption, credit, image_sha256 FROM {schema}.article_images "
                "WHERE article_id = ? ORDER BY position",
                [loser["id"]],
            )
        ]
        version = {
            "article_id": change.own_id,
            "content_hash": loser["content_hash"],
            "seen_from": change.since[schema],
            # replaced when the other content was first seen after it, or when it was last seen
            "seen_until": max(loser["last_seen_at"], change.since[other]),
            "title": loser["title"],
            "published_text": loser["published_text"],
            "body_text": loser["body_text"],
            "body_html": loser["body_html"],
            "author": loser["author"],
            "images": json.dumps(images, ensure_ascii=False),
            "replaced_by": "fetch",
            "recovered_from": loser.get("recovered_from"),
        }
        columns = [c for c in self.tables[VERSIONS].columns if c in version]
        exists = self.conn.execute(
            "SELECT 1 FROM main.article_versions WHERE article_id = ? AND content_hash = ? AND seen_from = ?",
            [change.own_id, version["content_hash"], version["seen_from"]],
        ).fetchone()
        if not exists:
            self.conn.execute(
                f"INSERT INTO main.article_versions ({', '.join(map(_q, columns))}) "
                f"VALUES ({', '.join(':' + c for c in columns)})",
                version,
            )
            self.report.versions_new += 1

    def _content_since(self, schema: str, row: dict) -> str:
        since = self.conn.execute(
            f"SELECT max(seen_until) FROM {schema}.article_versions WHERE article_id = ?", [row["id"]]
        ).fetchone()[0]
        return since or row["first_seen_at"]

    def _versions(self, table: Table) -> None:
        cols = [c for c in table.columns if c != table.int_pk]
        values = ", ".join(self._value(table, c) for c in cols)
        added = self.conn.execute(
            f"INSERT INTO main.article_versions ({', '.join(map(_q, cols))}) SELECT {values} FROM s.article_versions x "
            "WHERE NOT EXISTS (SELECT 1 FROM main.article_versions y WHERE y.article_id = "
            f"{self._value(table, 'article_id')} AND y.content_hash = x.content_hash AND y.seen_from = x.seen_from) "
            "ORDER BY x.id",
            {"shard": self.shard.name},
        ).rowcount
        self.report.versions_new += added

    # -- runs and what they did ----------------------------------------------------------------

    def _runs(self, table: Table) -> None:
        conn, name = self.conn, self.shard.name
        m = self._map_table(RUNS)
        cols = [c for c in table.columns if c not in (table.int_pk, SHARD_COLUMN, "shard_run_id")]
        for theirs in _rows(conn, f"SELECT * FROM s.{RUNS} ORDER BY id"):
            # A run merged into the shard from another keeps the shard it came from.
            key = (theirs.get(SHARD_COLUMN) or name, theirs.get("shard_run_id") or theirs["id"])
            mine = next(iter(_rows(conn, f"SELECT * FROM main.{RUNS} WHERE shard = ? AND shard_run_id = ?", key)), None)
            if mine is None:
                values = {c: theirs[c] for c in cols}
                columns = [*cols, SHARD_COLUMN, "shard_run_id"]
                new_id = conn.execute(
                    f"INSERT INTO main.{RUNS} ({', '.join(map(_q, columns))}) VALUES ({', '.join('?' * len(columns))})",
                    [*values.values(), *key],
                ).lastrowid
                conn.execute("INSERT INTO temp.new_runs (old) VALUES (?)", [theirs["id"]])
                self.report.runs_new += 1
            else:
                same = ("started_at", "host", "pid")
                if [mine[c] for c in same] != [theirs[c] for c in same]:
                    raise MergeError(
                        f"shard {name}: its run {key[1]} started {theirs['started_at']} on {theirs['host']}, but the "
                        f"run {key[1]} merged from a shard {key[0]} started {mine['started_at']} on {mine['host']}: "
                        "another shard under the same name? Give its folder a name of its own"
                    )
                new_id = mine["id"]
                update = {c: theirs[c] for c in cols if mine[c] != theirs[c]}
                if update:  # a run still running when last merged, ended since (or marked killed)
                    sets = ", ".join(f"{_q(c)} = :{c}" for c in update)
                    conn.execute(f"UPDATE main.{RUNS} SET {sets} WHERE id = :id", {**update, "id": new_id})
                    self.report.runs_updated += 1
            conn.execute(f"INSERT INTO {m} (old, new) VALUES (?, ?)", [theirs["id"], new_id])

    def _run_rows(self, table: Table) -> None:
        """Rows a run made (requests, captures, observations): copied with their run, once."""
        conn, q = self.conn, _q(table.name)
        run = _q(table.run_column())
        batch = f"x.{run} IN (SELECT old FROM temp.new_runs)"
        params = {"shard": self.shard.name}
        if table.int_pk:
            # Row numbers move by one offset, so references between the rows copied stay exact.
            first = conn.execute(f"SELECT min(x.{_q(table.int_pk)}) FROM s.{q} x WHERE {batch}").fetchone()[0]
            top = conn.execute(f"SELECT coalesce(max({_q(table.int_pk)}), 0) FROM main.{q}").fetchone()[0]
            params["offset"] = (top + 1 - first) if first is not None else 0
        self_refs = [c for c, (t, _) in table.fks.items() if t == table.name]
        cols = [c for c in table.columns]
        values = []
        for c in cols:
            if c == table.int_pk:
                values.append(f"x.{_q(c)} + :offset")
            elif c in self_refs:
                values.append("NULL")  # set below, once the rows they point to are here
            else:
                values.append(self._value(table, c))
        order = f"x.{_q(table.int_pk)}" if table.int_pk else "x.rowid"
        verb = "INSERT OR IGNORE" if table.natural_key else "INSERT"
        added = conn.execute(
            f"{verb} INTO main.{q} ({', '.join(map(_q, cols))}) SELECT {', '.join(values)} FROM s.{q} x "
            f"WHERE {batch} ORDER BY {order}",
            params,
        ).rowcount
        self.report.rows_new += added
        if table.int_pk:
            m = self._map_table(table.name)
            pk = _q(table.int_pk)
            conn.execute(
                f"INSERT INTO {m} (old, new) SELECT x.{pk}, x.{pk} + :offset FROM s.{q} x WHERE {batch}", params
            )
            natural = table.natural_key
            if self_refs and natural and len(natural) == 1:
                # Rows pointed to that an earlier merge brought: found by their natural key.
                key = _q(natural[0])
                conn.execute(
                    f"INSERT OR IGNORE INTO {m} (old, new) SELECT x.{pk}, y.{pk} FROM s.{q} x JOIN main.{q} y "
                    f"ON y.{key} = x.{key} WHERE x.{pk} IN (SELECT z.{_q(self_refs[0])} FROM s.{q} z WHERE "
                    f"{batch.replace('x.', 'z.')})"
                )
            for column in self_refs:
                conn.execute(
                    f"UPDATE main.{q} SET {_q(column)} = (SELECT new FROM {m} WHERE old = "
                    f"(SELECT x.{_q(column)} FROM s.{q} x WHERE x.{pk} = main.{q}.{pk} - :offset)) "
                    f"WHERE {pk} IN (SELECT new FROM {m} WHERE old IN (SELECT x.{pk} FROM s.{q} x WHERE {batch}))",
                    params,
                )
        # Rows of no run (a capture made outside a run): by their natural key, or as exact copies.
        loose = f"x.{run} IS NULL"
        loose_cols = [c for c in cols if c != table.int_pk and c not in self_refs]
        loose_values = ", ".join(self._value(table, c) for c in loose_cols)
        if table.natural_key:
            exists = " AND ".join(f"y.{_q(c)} IS {self._value(table, c)}" for c in table.natural_key)
        else:
            exists = " AND ".join(f"y.{_q(c)} IS {self._value(table, c)}" for c in loose_cols)
        self.report.rows_new += conn.execute(
            f"INSERT INTO main.{q} ({', '.join(map(_q, loose_cols))}) SELECT {loose_values} FROM s.{q} x "
            f"WHERE {loose} AND NOT EXISTS (SELECT 1 FROM main.{q} y WHERE {exists}) ORDER BY {order}",
            {"shard": self.shard.name},
        ).rowcount

    # -- rows known by their key ---------------------------------------------------------------

    def _natural(self, table: Table) -> None:
        conn, q = self.conn, _q(table.name)
        key = table.natural_key
        cols = [c for c in table.columns if c != table.int_pk]
        values = {c: self._value(table, c) for c in cols}
        match = " AND ".join(f"y.{_q(c)} IS {values[c]}" for c in key)
        params = {"shard": self.shard.name}
        self.report.rows_new += conn.execute(
            f"INSERT INTO main.{q} ({', '.join(map(_q, cols))}) SELECT {', '.join(values.values())} FROM s.{q} x "
            f"WHERE NOT EXISTS (SELECT 1 FROM main.{q} y WHERE {match}) ORDER BY x.rowid",
            params,
        ).rowcount
        rest = [c for c in cols if c not in key]
        if not rest:
            return
        differs = " OR ".join(f"y.{_q(c)} IS NOT {values[c]}" for c in rest)
        selected = ", ".join(f"{values[c]} AS {_q(c)}" for c in cols)
        rule = RULES.get(table.name, Rule())
        for theirs in _rows(
            conn,
            f"SELECT {selected}, y.rowid AS _own FROM s.{q} x JOIN main.{q} y ON {match} WHERE {differs} "
            "ORDER BY x.rowid",
            params,
        ):
            own = theirs.pop("_own")
            mine = _rows(conn, f"SELECT * FROM main.{q} WHERE rowid = ?", [own])[0]
            merged = combine(mine, theirs, rule, rest)
            update = {c: v for c, v in merged.items() if mine[c] != v}
            if update:
                sets = ", ".join(f"{_q(c)} = :{c}" for c in update)
                conn.execute(f"UPDATE main.{q} SET {sets} WHERE rowid = :_own", {**update, "_own": own})

    def _link_downloaded_images(self) -> None:
        # An image one shard could not download and another did: linked, as a crawl of both would.
        self.conn.execute(
            "UPDATE main.article_images SET image_sha256 = (SELECT s2.image_sha256 FROM main.image_sources s2 "
            "WHERE s2.src_url = main.article_images.src_url) WHERE image_sha256 IS NULL AND src_url IN "
            "(SELECT src_url FROM main.image_sources WHERE image_sha256 IS NOT NULL)"
        )

    # -- files ---------------------------------------------------------------------------------

    def _copy_images(self) -> None:
        for sha256, path, size in self.conn.execute(
            "SELECT x.sha256, y.path, y.bytes FROM s.images x JOIN main.images y ON y.sha256 = x.sha256 "
            "ORDER BY x.sha256"
        ).fetchall():
            source_path = self.conn.execute("SELECT path FROM s.images WHERE sha256 = ?", [sha256]).fetchone()[0]
            if not (_safe(path) and _safe(source_path)):
                self.report.problems.append(f"shard {self.shard.name}: image {sha256} has an unsafe path: not copied")
                continue
            destination = self.target.images_dir.joinpath(*PurePosixPath(path).parts)
            with contextlib.suppress(FileNotFoundError):
                if destination.stat().st_size == size:
                    continue
            source = self.shard.images_dir.joinpath(*PurePosixPath(source_path).parts)
            problem = _copy_checked(source, destination, sha256)
            if problem:
                self.report.problems.append(f"shard {self.shard.name}: image {source}: {problem}: not copied")
            else:
                self.report.images_copied += 1

    def _copy_warcs(self) -> None:
        source_dir, target_dir = self.shard.warc_dir, self.target.warc_dir
        if not source_dir.is_dir():
            return
        for source in sorted(source_dir.glob("*" + WARC_SUFFIX)):
            name = f"{self.shard.name}-{source.name}"
            destination = target_dir / name
            with contextlib.suppress(FileNotFoundError):
                if destination.stat().st_size == source.stat().st_size:
                    self._copy_index(source, name)
                    continue
            problem = _copy_checked(source, destination, None)
            if problem:
                self.report.problems.append(f"shard {self.shard.name}: {source}: {problem}: not copied")
                continue
            self.report.warc_files_copied += 1
            self._copy_index(source, name)

    def _copy_index(self, warc: Path, name: str) -> None:
        """The WARC file's CDXJ index, its lines naming the file as it is named here."""
        index = cdxj_path(warc)
        if not index.is_file():
            return  # a file a killed run left: its next run indexes it, and the next merge copies both
        renamed = {warc.name: name}
        lines = []
        with open(index, encoding="utf-8") as fh:
            for line in fh:
                key, stamp, fields = line.rstrip("\n").split(" ", 2)
                record = json.loads(fields)
                record["filename"] = renamed.get(record.get("filename"), record.get("filename"))
                lines.append(f"{key} {stamp} {json.dumps(record)}\n")
        text = "".join(sorted(lines))
        destination = cdxj_path(self.target.warc_dir / name)
        with contextlib.suppress(FileNotFoundError):
            if destination.read_text(encoding="utf-8") == text:
                return
        _write_atomically(destination, text.encode("utf-8"))


def combine(mine: dict, theirs: dict, rule: Rule, columns: list[str]) -> dict:
    """One row of two with the same key, by `rule` (see Rule); `columns`: those not in the key."""

    def later(a, b):
        return b if a is None else a if b is None else max(a, b)

    def earlier(a, b):
        return b if a is None else a if b is None else min(a, b)

    theirs_newer = rule.newer is not None and later(mine[rule.newer], theirs[rule.newer]) != mine[rule.newer]
    base, other = (theirs, mine) if theirs_newer else (mine, theirs)
    keep = columns if rule.keep is None else rule.keep
    merged = {}
    for c in columns:
        if c in rule.least:
            merged[c] = earlier(mine[c], theirs[c])
        elif c in rule.most:
            merged[c] = later(mine[c], theirs[c])
        elif c in keep:
            merged[c] = base[c] if base[c] is not None else other[c]
        else:
            merged[c] = base[c]
    return merged


# --- small helpers ----------------------------------------------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)  # as archive/storage/set_aside.py writes it


def _rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _row(conn: sqlite3.Connection, table: str, row_id: int) -> dict:
    return _rows(conn, f"SELECT * FROM {table} WHERE id = ?", [row_id])[0]


def _safe(rel: str | None) -> bool:
    parts = PurePosixPath(rel or "").parts
    return bool(parts) and not PurePosixPath(rel).is_absolute() and ".." not in parts


def _temp_path(folder: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
    os.close(fd)
    return Path(name)


def _copy_checked(source: Path, destination: Path, sha256: str | None) -> str | None:
    """Copy to a temporary name beside `destination`, then rename; with `sha256`, only bytes
    that hash to it. None when copied, else why not (the source missing, unreadable, damaged)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(destination.parent)
    try:
        digest = hashlib.sha256()
        try:
            with open(source, "rb") as src, open(tmp, "wb") as out:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except FileNotFoundError:
            return "missing in the shard"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if sha256 is not None and digest.hexdigest() != sha256:
            return f"damaged in the shard (sha256 {digest.hexdigest()})"
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, destination)
        return None
    finally:
        tmp.unlink(missing_ok=True)


def _write_atomically(destination: Path, data: bytes) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(destination.parent)
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_abandoned_copies(folder: Path, say: Callable[[str], None] | None) -> None:
    """Temporary files of a merge that was killed (its pid is gone) in the WARC folder."""
    if not folder.is_dir():
        return
    for path in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        pid = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and process_alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        _say(say, f"removed {path}, left by a killed merge")

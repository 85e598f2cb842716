"""Rows of `articles` that a newer extractor no longer reads as articles — a tag page, a static
page ("Giới thiệu", a history page) archived by an earlier version — are set aside, not deleted.

Setting aside moves the row out of `articles` into `set_aside_articles`: the row as it was, and
the rows that belong to it (its images' places, view counts, versions, other URLs) as JSON beside
it; its search entry goes (it is derived), the frontier's links to it are marked as a static page
(`article_links.not_article_at`), and a recovered capture that named it keeps its key. Its raw
page stays in `raw_pages` (and its captures in the WARC files). Restoring puts everything back
under the same id: `reparse` does it when a later extractor reads the page as an article again.
An id set aside is never given to another article (store.py numbers new rows past it).

Each function works inside the caller's transaction.
"""

from __future__ import annotations

import json

import sqlite_utils

# The rows that belong to an article, by table and the column naming it; moved with it.
OWNED: tuple[tuple[str, str], ...] = (
    ("article_images", "article_id"),
    ("view_counts", "article_id"),
    ("article_versions", "article_id"),
    ("article_aliases", "article_id"),
)
# Rows that only point at an article: unlinked while it is set aside, linked again on restore.
POINTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("article_links", ("url",)),
    ("recovered_captures", ("url", "timestamp")),
)
# Why a row left `articles` (set_aside_articles.reason).
REASONS = {
    "listing": "a list of other pages (a category, tag or search page): its dates are its items'",
    "no_date": "no publication date outside its running text (a static page: history, introduction, contacts)",
    "no_title": "no title",
}


def reason_for(title: str | None, published_at: str | None, listing: bool) -> str | None:
    """Why a reading is not an article (a key of REASONS), or None when it is one; the same
    judgement as archive.record.Article.is_article, named."""
    if listing:
        return "listing"
    if not title:
        return "no_title"
    if published_at is None:
        return "no_date"
    return None


def set_aside(db: sqlite_utils.Database, article_id: int, reason: str, at: str) -> None:
    """Move article `article_id` out of `articles`, with what belongs to it (see the module)."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    if not rows:
        raise LookupError(f"no article {article_id}")
    row = rows[0]
    related: dict[str, list[dict] | bool] = {}
    for table, column in OWNED:
        related[table] = list(db.query(f"SELECT * FROM {table} WHERE {column} = ?", [article_id]))
    for table, keys in POINTERS:
        related[table] = list(db.query(f"SELECT {', '.join(keys)} FROM {table} WHERE article_id = ?", [article_id]))
    # the frontier's row for its own URL, when there is none, is made here and goes on restore
    related["own_link_added"] = db.execute("SELECT 1 FROM article_links WHERE url = ?", [row["url"]]).fetchone() is None
    db.execute(
        "INSERT INTO set_aside_articles (article_id, url, set_aside_at, reason, row, related)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [article_id, row["url"], at, reason, _json(row), _json(related)],
    )
    # its URL and the links to it now lead to a static page: the crawl rechecks it after
    # NOT_ARTICLE_RECHECK_DAYS, as it does a static page it found itself (frontier.link_not_article)
    db.execute("UPDATE article_links SET article_id = NULL, not_article_at = ? WHERE article_id = ?", [at, article_id])
    db.execute(
        "INSERT INTO article_links(url, first_seen_at, last_seen_at, not_article_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(url) DO UPDATE SET not_article_at = excluded.not_article_at",
        [row["url"], at, at, at],
    )
    db.execute("UPDATE recovered_captures SET article_id = NULL WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM article_search WHERE article_id = ?", [article_id])
    for table, column in OWNED:
        db.execute(f"DELETE FROM {table} WHERE {column} = ?", [article_id])
    db.execute("DELETE FROM articles WHERE id = ?", [article_id])


def restore(db: sqlite_utils.Database, article_id: int) -> bool:
    """Put a set-aside article back under its id, with what belonged to it. False (and nothing
    changed) when its URL has been archived again as another row meanwhile; the caller then
    leaves it set aside. The search entry is the caller's to write (it is derived)."""
    found = db.execute("SELECT url, row, related FROM set_aside_articles WHERE article_id = ?", [article_id]).fetchone()
    if found is None:
        raise LookupError(f"no set-aside article {article_id}")
    url, row, related = found[0], json.loads(found[1]), json.loads(found[2])
    if db.execute("SELECT 1 FROM articles WHERE url = ? OR id = ?", [url, article_id]).fetchone():
        return False
    _insert(db, "articles", row)
    for table, _ in OWNED:
        for item in related.get(table, []):
            _insert(db, table, item)
    for table, keys in POINTERS:
        for item in related.get(table, []):
            where = " AND ".join(f"{key} = ?" for key in keys)
            db.execute(f"UPDATE {table} SET article_id = ? WHERE {where}", [article_id, *(item[k] for k in keys)])
    if related.get("own_link_added"):
        db.execute("DELETE FROM article_links WHERE url = ? AND article_id IS NULL", [url])
    db.execute(
        "UPDATE article_links SET not_article_at = NULL WHERE article_id = ? OR (url = ? AND article_id IS NULL)",
        [article_id, url],
    )
    db.execute("DELETE FROM set_aside_articles WHERE article_id = ?", [article_id])
    return True


def _insert(db: sqlite_utils.Database, table: str, row: dict) -> None:
    # the columns the table has today: a column added by a later migration takes its default
    columns = [c for c in row if c in _columns(db, table)]
    if (
        table == "article_versions"
        and db.execute("SELECT 1 FROM article_versions WHERE id = ?", [row["id"]]).fetchone()
    ):
        columns.remove("id")  # a version number another article's edit took meanwhile: the version gets a new one
    db.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )


def _columns(db: sqlite_utils.Database, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

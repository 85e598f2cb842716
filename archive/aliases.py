"""One article, one row: the other URLs an archived article is known under.

A page can be reached under several URLs: a short link (`/?p=1201`), the same article filed
under two categories (`…?categoryId=1` and `…?categoryId=3`), a URL its `<link rel=canonical>`
corrects. The crawler hands the archive every name a fetched page has (the link it followed,
where it landed, the canonical URL and short link the page announces); `key_for` picks the one
row they belong to, and `record` keeps the rest, so later runs know them without a fetch.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit, urlunsplit

import sqlite_utils


def find(db: sqlite_utils.Database, urls: list[str]) -> tuple[str, str | None] | None:
    """(url, title) of the archived article any of these URLs names (as its URL, an alias, or a
    link it was archived from), the first URL's match first; None when none does."""
    for url in urls:
        row = db.execute(
            """
            SELECT url, title FROM articles WHERE url = :u
            UNION ALL
            SELECT a.url, a.title FROM article_aliases x JOIN articles a ON a.id = x.article_id WHERE x.url = :u
            UNION ALL
            SELECT a.url, a.title FROM article_links l JOIN articles a ON a.id = l.article_id WHERE l.url = :u
            LIMIT 1
            """,
            {"u": url},
        ).fetchone()
        if row:
            return row[0], row[1]
    return None


def _same_title(a: str | None, b: str | None) -> bool:
    fold = lambda s: " ".join(unicodedata.normalize("NFC", s or "").casefold().split())  # noqa: E731
    return fold(a) == fold(b)


def same_path_twin(db: sqlite_utils.Database, url: str, title: str | None, published_at: str | None) -> str | None:
    """The URL of an archived article at the same path with another query string (the 2026
    layout files one article under `?categoryId=1` and `?categoryId=3`) that has the same title
    and date: the same article. Read through the URL index (a range, not a LIKE)."""
    if not title:
        return None
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    rows = db.execute(
        "SELECT url, title, published_at FROM articles WHERE url = :base OR (url >= :lo AND url < :hi) LIMIT 50",
        {"base": base, "lo": base + "?", "hi": base + "@"},  # "@" follows "?" in ASCII
    ).fetchall()
    for other, other_title, other_date in rows:
        if other != url and _same_title(other_title, title) and (other_date or None) == (published_at or None):
            return other
    return None


def key_for(
    db: sqlite_utils.Database,
    page_url: str,
    link: str,
    canonical: str | None,
    others: list[str],
    title: str | None,
    published_at: str | None = None,
) -> tuple[str, list[str]]:
    """(the URL the article is stored under, its other names to record).

    An article archived under any of the names keeps its URL (stored URLs stay valid). Else the
    page's canonical URL is the key, and the URL it was fetched at otherwise. A name the page
    merely announces (canonical, short link) that belongs to an archived article with another
    title is not believed: a CMS that names one page canonical for many must not merge them.
    A page with no canonical URL whose path, title and date are an archived article's (another
    category's query string) is that article."""
    fetched = [u for u in dict.fromkeys([page_url, link]) if u]
    announced = [u for u in dict.fromkeys([canonical, *others]) if u and u not in fetched]
    hit = find(db, fetched)
    if hit is None:
        hit = find(db, announced)
        if hit is not None and not _same_title(hit[1], title):
            announced = []  # not believed (see above): stored under its own URL, no aliases
            hit = None
    if hit is None and not canonical:
        twin = same_path_twin(db, page_url, title, published_at)
        if twin is not None:
            hit = (twin, title)
    if hit is not None:
        key = hit[0]
    elif canonical and canonical in announced:
        key = canonical
    else:
        key = page_url
    names = [u for u in dict.fromkeys(fetched + announced) if u != key]
    return key, names


def record(db: sqlite_utils.Database, urls: list[str], article_id: int, at: str) -> None:
    """Keep these URLs as names of the article (the first article a URL named keeps it)."""
    for url in urls:
        db.execute(
            "INSERT INTO article_aliases(url, article_id, first_seen_at) VALUES (?, ?, ?) ON CONFLICT(url) DO NOTHING",
            [url, article_id, at],
        )

"""One article, one row: the other URLs an archived article is known under.

A page can be reached under several URLs: a short link (`/?p=1201`), the same article filed
under two categories (`…?categoryId=1` and `…?categoryId=3`), a URL its `<link rel=canonical>`
corrects. The crawler hands the archive every name a fetched page has (the link it followed,
where it landed, the canonical URL and short link the page announces); `key_for` picks the one
row they belong to, and `record` keeps the rest, so later runs know them without a fetch.

The names a page announces are its own say-so: they count only on its own host, and one naming
another archived article is believed only when the page shows that article (`same_content`);
even then the page is only tied to it. What replaces an article's text comes from its own URL
and the names its own fetches gave it (docs/hardening.md).
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import sqlite_utils

from archive.storage.fold import strip_controls


class Naming(NamedTuple):
    """Where a fetched page goes: `key`, the URL of the article it is stored as; `names`, its
    other URLs to record as that article's aliases; `claimed`, true when the page only claims
    to be the archived article at `key` (by its canonical URL, or through a link an earlier
    claim left): the link is tied to that article and nothing of the page is written to it."""

    key: str
    names: list[str]
    claimed: bool = False


def find(db: sqlite_utils.Database, urls: list[str], *, links: bool = True) -> tuple[str, str | None] | None:
    """(url, title) of the archived article any of these URLs names (as its URL, an alias, or —
    with `links` — a link it was archived from), the first URL's match first; None when none does."""
    query = """
        SELECT url, title FROM articles WHERE url = :u
        UNION ALL
        SELECT a.url, a.title FROM article_aliases x JOIN articles a ON a.id = x.article_id WHERE x.url = :u
        """
    if links:
        query += """
        UNION ALL
        SELECT a.url, a.title FROM article_links l JOIN articles a ON a.id = l.article_id WHERE l.url = :u
        """
    for url in urls:
        row = db.execute(query + " LIMIT 1", {"u": url}).fetchone()
        if row:
            return row[0], row[1]
    return None


def _fold(text: str | None) -> str:
    # as the store normalizes what it keeps (NFC, no control characters), then case and spacing
    return " ".join(unicodedata.normalize("NFC", strip_controls(text) or "").casefold().split())


def _same_title(a: str | None, b: str | None) -> bool:
    return _fold(a) == _fold(b)


def same_host(a: str, b: str) -> bool:
    """The same host name and port: a subdomain is another host (anyone may run one)."""
    x, y = urlsplit(a), urlsplit(b)
    try:
        return (x.hostname or "") == (y.hostname or "") and bool(x.hostname) and x.port == y.port
    except ValueError:  # a port that is no number
        return False


def same_content(db: sqlite_utils.Database, url: str, title: str | None, body_text: str | None) -> bool:
    """Whether a page shows the archived article at `url`: the same title and the same body text,
    compared as words (Unicode NFC, case folded, runs of white space as one space).

    No nearer likeness counts: a yearly notice is this year's text in last year's template, and
    a canonical link that a CMS copied from one to the other must not make them one article."""
    row = db.execute("SELECT title, body_text FROM articles WHERE url = ?", [url]).fetchone()
    return row is not None and _same_title(row[0], title) and _fold(row[1]) == _fold(body_text)


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
    body_text: str | None = None,
) -> Naming:
    """Which article a fetched page is, and its other names.

    An article archived under the URL the page was fetched at (or one of its aliases) keeps its
    URL (stored URLs stay valid), and the page is its new reading. Else the names the page
    announces (canonical, og:url, short link) count only on the very host the page is on, and
    one that names an archived article is believed only when the page shows that article's
    title and body (`same_content`): then the page is a claimed copy, tied to it and written
    nowhere, as is a page whose link an earlier claim tied to an article. A page that copies an
    article's title and points its canonical link at it thus never replaces that article's
    text; it is stored under its own URL, without aliases. With no archived article named, the
    page's canonical URL (on its host) is the key, and the URL it was fetched at otherwise. A
    page with no canonical URL whose path, title and date are an archived article's (another
    category's query string) is that article."""
    fetched = [u for u in dict.fromkeys([page_url, link]) if u]
    if canonical and not same_host(canonical, page_url):
        canonical = None
    announced = [u for u in dict.fromkeys([canonical, *others]) if u and u not in fetched and same_host(u, page_url)]
    hit = find(db, fetched, links=False)
    if hit is None:
        # names the archive did not give this article itself: a claim, to be checked
        claim = find(db, announced) or find(db, fetched)
        if claim is not None and same_content(db, claim[0], title, body_text):
            return Naming(claim[0], [], claimed=True)
        if claim is not None:  # not believed: stored under its own URL, with no alias
            return Naming(page_url, [u for u in fetched if u != page_url])
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
    return Naming(key, names)


def record(db: sqlite_utils.Database, urls: list[str], article_id: int, at: str) -> None:
    """Keep these URLs as names of the article (the first article a URL named keeps it)."""
    for url in urls:
        db.execute(
            "INSERT INTO article_aliases(url, article_id, first_seen_at) VALUES (?, ?, ?) ON CONFLICT(url) DO NOTHING",
            [url, article_id, at],
        )

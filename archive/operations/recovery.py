"""Archiving an article read from a web archive's capture (`tnu-archive recover`).

A capture is a reading of the page at the capture's time, so it is stored like a fetch made
then: its view counter is an observation at that time, and content that differs is a version.
Where it falls in the article's history decides what it may change:

- an article the archive does not have yet, or whose current content was itself recovered from
  an earlier capture: the capture is the newest reading, and is saved as a fetch at its time
  (Archive._apply): new content replaces the old, which is kept as a version;
- an article read from the live site, or a capture older than the one the current content came
  from: the current content is never touched (the live site always wins). The capture adds its
  view observation, and its content, when it differs from every known version, becomes an
  older version, ending where the next known content began.

Captures are stored under their original URL. An article the live crawl stored under
`https://` or `www.` is the same article as its capture under `http://`: recovery finds it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from archive.record import Article, RawPage
from archive.storage import runs
from archive.store import Archive, SaveResult, content_hash, normalize_article, require_http

# Outcomes of a capture (recovered_captures.outcome): the Archive's, and "older".
OLDER = "older"


def url_variants(url: str) -> list[str]:
    """The URL as captured first, then the same page under the other scheme and with/without
    `www.`: archives capture `http://tnu.edu.vn/…` where the live site serves `https://`."""
    parts = urlsplit(url)
    host = parts.netloc
    bare = host[4:] if host.lower().startswith("www.") else host
    variants = [url]
    for scheme in ("https", "http"):
        for netloc in (bare, "www." + bare):
            candidate = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
            if candidate not in variants:
                variants.append(candidate)
    return variants


def save_capture(
    archive: Archive,
    article: Article,
    *,
    captured_at: str,
    raw_url: str,
    run_id: int | None,
    raw: RawPage,
    site: str | None = None,
) -> SaveResult:
    """Archive one capture of an article in one transaction; see the module's docstring.
    `site`: the site of an article new to the archive (None: the `sites` row claiming its host).
    Raises NotHttpUrl for an article whose URL is not http(s)."""
    at = runs.utc_iso(captured_at)
    article = normalize_article(article)
    require_http(article.url)
    db = archive.db
    with db.atomic():
        row = _existing_row(archive, article.url)
        if row is not None:
            article = replace(article, url=row["url"])
        if row is None or (row["recovered_from"] is not None and at >= (row["captured_at"] or "")):
            result = archive._apply(
                article,
                at=at,
                run_id=run_id,
                observed=True,
                raw=raw,
                cause="fetch",
                recovered=(at, raw_url),
                site=site,
            )
            archive._count(run_id, f"articles_{result.outcome}", site=site)
            return result
        added = _older_reading(archive, row, article, at=at, raw_url=raw_url, run_id=run_id, raw=raw)
    archive._count(run_id, "articles_changed" if added else "articles_unchanged", site=site)
    return SaveResult(article_id=row["id"], outcome=OLDER)


def _existing_row(archive: Archive, url: str) -> dict | None:
    for candidate in url_variants(url):
        row = archive._article_row(candidate)
        if row is not None:
            return row
    return None


def _older_reading(
    archive: Archive, row: dict, article: Article, *, at: str, raw_url: str, run_id: int | None, raw: RawPage
) -> bool:
    """The view observation and, when its content is new to the article, an older version.
    True when a version was added."""
    db = archive.db
    article_id = row["id"]
    if (
        article.views is not None
        and db.execute(
            "SELECT 1 FROM view_counts WHERE article_id = ? AND observed_at = ?", [article_id, at]
        ).fetchone()
        is None
    ):
        db.execute(
            "INSERT INTO view_counts (article_id, observed_at, views, run_id) VALUES (?, ?, ?, ?)",
            [article_id, at, int(article.views), run_id],
        )
    digest = content_hash(article.title, article.body_text, article.images)
    until = _next_change(archive, row, at)  # before the clipping below moves it
    # Other content believed current at this capture's time had in fact ended before it.
    db.execute(
        "UPDATE article_versions SET seen_until = ? WHERE article_id = ? AND content_hash != ?"
        " AND seen_from < ? AND seen_until > ?",
        [at, article_id, digest, at, at],
    )
    added = False
    if digest == row["content_hash"]:
        pass  # the current content, seen earlier than thought (first_seen_at below)
    elif (
        known := db.execute(
            "SELECT id FROM article_versions WHERE article_id = ? AND content_hash = ?", [article_id, digest]
        ).fetchone()
    ) is not None:
        db.execute("UPDATE article_versions SET seen_from = min(seen_from, ?) WHERE id = ?", [at, known[0]])
    else:
        _add_version(archive, row, article, digest, at=at, until=until, raw_url=raw_url, raw=raw)
        added = True
    if row["recovered_from"] is not None:
        # A recovered article was first seen in its earliest capture, whatever order they came in.
        db.execute("UPDATE articles SET first_seen_at = min(first_seen_at, ?) WHERE id = ?", [at, article_id])
    return added


def _add_version(
    archive: Archive, row: dict, article: Article, digest: str, *, at: str, until: str, raw_url: str, raw: RawPage
) -> None:
    db = archive.db
    article_id = row["id"]
    archive.store_raw_page(article.url, raw, at)
    db.execute(
        "INSERT INTO article_versions (article_id, content_hash, seen_from, seen_until, title,"
        " published_text, body_text, body_html, author, images, replaced_by, recovered_from)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'fetch', ?)",
        [
            article_id,
            digest,
            at,
            until,
            article.title,
            article.published_text,
            article.body_text,
            article.body_html,
            article.author,
            _images_json(archive, article),
            raw_url,
        ],
    )


def _next_change(archive: Archive, row: dict, at: str) -> str:
    """When the content after `at` began: the earliest later version, else the current content."""
    later = archive.db.execute(
        "SELECT min(seen_from) FROM article_versions WHERE article_id = ? AND seen_from > ?", [row["id"], at]
    ).fetchone()[0]
    return later or archive._content_since(row)


def _images_json(archive: Archive, article: Article) -> str:
    images = []
    for ref in article.images:
        found = archive.db.execute("SELECT image_sha256 FROM image_sources WHERE src_url = ?", [ref.src_url]).fetchone()
        images.append(
            {
                "src_url": ref.src_url,
                "caption": ref.caption,
                "credit": ref.credit,
                "image_sha256": found[0] if found else None,
            }
        )
    return json.dumps(images, ensure_ascii=False)


def capture_recovered(db, capture: dict, outcome: str, article_id: int | None, run_id: int | None) -> None:
    """Note a capture done with (recovered_captures); `capture` has url, timestamp, digest, raw_url."""
    db.execute(
        "INSERT INTO recovered_captures (url, timestamp, digest, raw_url, outcome, article_id, run_id, recovered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url, timestamp) DO NOTHING",
        [
            capture["url"],
            capture["timestamp"],
            capture.get("digest"),
            capture["raw_url"],
            outcome,
            article_id,
            run_id,
            runs.utc_now(),
        ],
    )


def is_recovered(db, url: str, timestamp: str, digest: str | None) -> bool:
    """Whether this capture (or an identical one: same URL, same digest) was recovered before."""
    if db.execute("SELECT 1 FROM recovered_captures WHERE url = ? AND timestamp = ?", [url, timestamp]).fetchone():
        return True
    return (
        digest is not None
        and db.execute("SELECT 1 FROM recovered_captures WHERE url = ? AND digest = ?", [url, digest]).fetchone()
        is not None
    )


def url_verdict(db, url: str) -> bool | None:
    """What the captures recovered of this URL said it is: True when one was an article, False
    when every one was not (a static page, a listing), None when none was recovered yet. A URL
    no rule names is judged by one capture (crawler/recovery/candidates.py): False, and none of
    its captures is fetched again."""
    query = "SELECT max(outcome != 'not_article') FROM recovered_captures WHERE url = ?"
    (found,) = db.execute(query, [url]).fetchone()
    return None if found is None else bool(found)


# A resume key longer than this is not kept (Wayback's are about a hundred characters): an index
# is hostile input, and its walk then starts again from its first page.
MAX_RESUME_KEY = 2048


def walk_resume_key(db, cdx_api: str, pattern: str, since: str | None, until: str | None) -> str | None:
    """The resume key an unfinished walk of this index goes on from (cdx_walks); None: its first page."""
    row = db.execute(
        "SELECT resume_key FROM cdx_walks WHERE cdx_api = ? AND pattern = ? AND since = ? AND until = ?",
        [cdx_api, pattern, since or "", until or ""],
    ).fetchone()
    return None if row is None else row[0]


def save_walk(db, cdx_api: str, pattern: str, since: str | None, until: str | None, key: str | None, at: str) -> None:
    """Where this walk of the index goes on next time: `key`, or its first page (None: the row goes)."""
    where = [cdx_api, pattern, since or "", until or ""]
    if key is None or len(key) > MAX_RESUME_KEY:
        db.execute("DELETE FROM cdx_walks WHERE cdx_api = ? AND pattern = ? AND since = ? AND until = ?", where)
        return
    db.execute(
        "INSERT INTO cdx_walks (cdx_api, pattern, since, until, resume_key, saved_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (cdx_api, pattern, since, until) DO UPDATE SET resume_key = excluded.resume_key,"
        " saved_at = excluded.saved_at",
        [*where, key, runs.utc_iso(at)],
    )

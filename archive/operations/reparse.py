"""Re-extract every article from its stored page, offline, after the extractor improved.

The page is read from the run's WARC capture (the evidence the archive was derived from) when
there is one, else from `raw_pages` (kept in the article's own transaction, so it exists even
when capture was off or the WARC folder moved).

A re-extraction is not a new observation of the site: no view count, no last_seen_at. Where the
content comes out different, the previous content is kept as a version marked `reparse`.

The newer extractor's judgement of what is an article applies too: a row whose page no longer
reads as one (a tag page, a static page an earlier version dated by a day in its text) is set
aside (archive/storage/set_aside.py: out of `articles`, kept whole in `set_aside_articles`), and a
set-aside row whose page reads as an article again is put back under its id.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from email.message import Message
from pathlib import Path
from typing import Protocol

from archive.captures.warc_index import CaptureLedger, read_capture
from archive.operations.progress import ProgressCallback
from archive.record import Article
from archive.storage import runs, set_aside
from archive.store import Archive


class Extract(Protocol):
    """What turns a stored page into an Article: the crawler's `extract_article` is one. The caller
    passes it in, so this layer never imports the crawler's extractors."""

    def __call__(self, body: bytes, url: str, *, encoding: str | None) -> Article: ...


def reparse(
    archive: Archive, extract: Extract, progress: ProgressCallback | None = None, warc_dir: str | Path | None = None
) -> dict[str, int]:
    """Counts: articles, changed, unchanged, set_aside (no longer read as articles: moved out of
    `articles`), restored (set-aside rows read as articles again: put back), missing_raw, failed
    (the extractor raised), and from_warc (pages read from WARC captures; the rest came from
    raw_pages). `articles` counts the rows of `articles` and of `set_aside_articles` looked at.

    `progress(done, total, counts)` is called before the first article and after each one.
    `warc_dir` holds the crawl's WARC files (None: no WARC reading).
    """
    counts = {
        "articles": 0,
        "changed": 0,
        "unchanged": 0,
        "set_aside": 0,
        "restored": 0,
        "missing_raw": 0,
        "failed": 0,
        "from_warc": 0,
    }
    ledger = CaptureLedger(archive.db) if warc_dir is not None else None
    at = runs.utc_now()  # one time for the whole pass: its versions end together
    current = archive.db.execute("SELECT url, raw_sha256 FROM articles ORDER BY id")
    rows = [(url, raw_sha, None) for url, raw_sha in current]
    rows += [
        (url, json.loads(row).get("raw_sha256"), article_id)
        for article_id, url, row in archive.db.execute(
            "SELECT article_id, url, row FROM set_aside_articles ORDER BY article_id"
        )
    ]
    if progress is not None:
        progress(0, len(rows), counts)
    for url, raw_sha, aside_id in rows:
        counts["articles"] += 1
        _reparse_one(archive, extract, url, raw_sha, aside_id, at, counts, ledger, warc_dir)
        if progress is not None:
            progress(counts["articles"], len(rows), counts)
    return counts


def _from_warc(ledger: CaptureLedger, warc_dir: str | Path, url: str) -> tuple[bytes, str | None] | None:
    """The body of the latest 200 capture of `url` (a revisit resolved to its bytes), or None."""
    capture = ledger.latest(url)
    if capture is None:
        return None
    holder = ledger.holding_bytes(capture)
    path = Path(warc_dir) / holder.warc_file
    if not path.exists():
        return None
    try:
        stored = read_capture(path, holder.offset)
    except Exception:  # a damaged file: fall back to raw_pages
        return None
    content_type = Message()
    content_type["content-type"] = stored.http_headers.get_header("Content-Type") or ""
    return stored.body, content_type.get_param("charset")


def _reparse_one(
    archive: Archive,
    extract: Extract,
    url: str,
    raw_sha: str | None,
    aside_id: int | None,
    at: str,
    counts: dict[str, int],
    ledger: CaptureLedger | None,
    warc_dir: str | Path | None,
) -> None:
    """One row: of `articles` (aside_id None) or of `set_aside_articles` (aside_id its id)."""
    page = _from_warc(ledger, warc_dir, url) if ledger is not None else None
    if page is not None:
        counts["from_warc"] += 1
    else:
        raw = archive.raw_page(raw_sha) if raw_sha else None
        page = (raw[0], raw[2]) if raw is not None else None
    if page is None:
        counts["missing_raw"] += 1
        return
    body, encoding = page
    try:
        article = extract(body, url, encoding=encoding)
    except Exception:  # one page the extractor cannot handle must not stop the others
        counts["failed"] += 1
        return
    # The row's url is the article's identity, whatever the extractor makes of it.
    article = replace(article, url=url)
    reason = set_aside.reason_for(article.title, article.published_at, article.listing)
    if aside_id is not None:
        if reason is None:
            try:
                with archive.db.atomic():
                    restored = set_aside.restore(archive.db, aside_id)
                    if restored:
                        archive.apply_reextraction(article, at=at)
            except sqlite3.IntegrityError:  # rolled back whole: it stays set aside, and is counted
                counts["failed"] += 1
                return
            counts["restored"] += restored
        return
    if reason is not None:
        with archive.db.atomic():
            article_id = archive.db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]
            set_aside.set_aside(archive.db, article_id, reason, at)
        counts["set_aside"] += 1
        return
    result = archive.apply_reextraction(article, at=at)
    counts[result.outcome] += 1

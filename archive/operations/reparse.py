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

A brake stands before the setting aside: a broken extractor (or a regression) reads every page as
no article, and an archivist would find the archive emptied. So the rows to set aside are only
noted during the pass (their ids: a few bytes a row, never their Articles) and set aside after it,
unless they are implausibly many: more than half of the rows of `articles` the extractor read,
once it read at least BRAKE_MIN_ROWS (a small archive's share says little). An archive whose
earlier versions stored many tag pages can pass that on purpose (`allow_mass_set_aside`). When the
brake holds, nothing is set aside and the rows stay in `articles` as they were; the rest of the
pass (changed content, kept as versions; rows put back) is applied as usual, each row in its own
transaction, so the archive is consistent whatever the brake decides.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from dataclasses import replace
from email.message import Message
from pathlib import Path
from typing import Protocol

from archive.captures.warc_index import CaptureLedger, read_capture
from archive.operations.progress import ProgressCallback
from archive.record import Article
from archive.storage import runs, set_aside
from archive.store import Archive

# The brake: setting aside is held back when more than BRAKE_SHARE of the rows of `articles` read
# would be set aside, once at least BRAKE_MIN_ROWS were read. What an improved extractor sets aside
# is what earlier versions stored by mistake (tag and static pages beside the news): a minority of
# an archive's rows; most of them is what a broken extractor says.
BRAKE_MIN_ROWS = 20
BRAKE_SHARE = 0.5


def brake_holds(to_set_aside: int, read: int) -> bool:
    """Whether setting aside `to_set_aside` of the `read` rows of `articles` is implausible."""
    return read >= BRAKE_MIN_ROWS and to_set_aside > read * BRAKE_SHARE


class Extract(Protocol):
    """What turns a stored page into an Article: the crawler's `extract_article` is one. The caller
    passes it in, so this layer never imports the crawler's extractors. A TimeoutError means the
    page's reading passed the caller's time limit (the crawl's EXTRACT_TIMEOUT): the row is left as
    it was, counted `timed_out`, and the pass goes on."""

    def __call__(self, body: bytes, url: str, *, encoding: str | None) -> Article: ...


def reparse(
    archive: Archive,
    extract: Extract,
    progress: ProgressCallback | None = None,
    warc_dir: str | Path | None = None,
    *,
    allow_mass_set_aside: bool = False,
) -> dict[str, int]:
    """Counts: articles, changed, unchanged, set_aside (no longer read as articles: moved out of
    `articles`), held_back (no longer read as articles, but left in `articles` because the brake
    held: see the module), restored (set-aside rows read as articles again: put back),
    missing_raw, failed (the extractor raised), timed_out (its reading passed the extractor's time
    limit), and from_warc (pages read from WARC captures; the rest came from raw_pages).
    `articles` counts the rows of `articles` and of `set_aside_articles` looked at.

    `progress(done, total, counts)` is called before the first article and after each one; its
    `set_aside` counts the rows found to set aside so far (set aside after the pass).
    `warc_dir` holds the crawl's WARC files (None: no WARC reading). `allow_mass_set_aside`
    releases the brake.
    """
    counts = {
        "articles": 0,
        "changed": 0,
        "unchanged": 0,
        "set_aside": 0,
        "held_back": 0,
        "restored": 0,
        "missing_raw": 0,
        "failed": 0,
        "timed_out": 0,
        "from_warc": 0,
    }
    ledger = CaptureLedger(archive.db) if warc_dir is not None else None
    at = runs.utc_now()  # one time for the whole pass: its versions end together
    current = archive.db.execute("SELECT url, raw_sha256, id FROM articles ORDER BY id")
    rows: list[tuple[str, str | None, int, bool]] = [(url, raw_sha, id_, False) for url, raw_sha, id_ in current]
    rows += [
        (url, json.loads(row).get("raw_sha256"), article_id, True)
        for article_id, url, row in archive.db.execute(
            "SELECT article_id, url, row FROM set_aside_articles ORDER BY article_id"
        )
    ]
    # The rows to set aside once the pass is over, by reason: ids only (8 bytes a row).
    pending: dict[str, array[int]] = {reason: array("q") for reason in set_aside.REASONS}
    if progress is not None:
        progress(0, len(rows), counts)
    for url, raw_sha, article_id, is_aside in rows:
        counts["articles"] += 1
        reason = _reparse_one(archive, extract, url, raw_sha, article_id, is_aside, at, counts, ledger, warc_dir)
        if reason is not None:
            pending[reason].append(article_id)
            counts["set_aside"] += 1
        if progress is not None:
            progress(counts["articles"], len(rows), counts)
    if not allow_mass_set_aside and brake_holds(counts["set_aside"], brake_read(counts)):
        counts["held_back"], counts["set_aside"] = counts["set_aside"], 0
        return counts
    for reason, ids in pending.items():
        for article_id in ids:
            with archive.db.atomic():
                set_aside.set_aside(archive.db, article_id, reason, at)
    return counts


def brake_read(counts: dict[str, int]) -> int:
    """The rows of `articles` the extractor read, out of reparse's counts: the brake's base."""
    return counts["changed"] + counts["unchanged"] + counts["set_aside"] + counts["held_back"]


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
    article_id: int,
    is_aside: bool,
    at: str,
    counts: dict[str, int],
    ledger: CaptureLedger | None,
    warc_dir: str | Path | None,
) -> str | None:
    """One row: of `articles`, or of `set_aside_articles` (`is_aside`). The reason to set it aside
    (a row of `articles` no longer read as an article: set aside after the pass), else None."""
    page = _from_warc(ledger, warc_dir, url) if ledger is not None else None
    if page is not None:
        counts["from_warc"] += 1
    else:
        raw = archive.raw_page(raw_sha) if raw_sha else None
        page = (raw[0], raw[2]) if raw is not None else None
    if page is None:
        counts["missing_raw"] += 1
        return None
    body, encoding = page
    try:
        article = extract(body, url, encoding=encoding)
    except TimeoutError:  # a page no rule foresaw: stopped by the caller's time limit
        counts["timed_out"] += 1
        return None
    except Exception:  # one page the extractor cannot handle must not stop the others
        counts["failed"] += 1
        return None
    # The row's url is the article's identity, whatever the extractor makes of it.
    article = replace(article, url=url)
    reason = set_aside.reason_for(article.title, article.published_at, article.listing)
    if is_aside:
        if reason is None:
            try:
                with archive.db.atomic():
                    restored = set_aside.restore(archive.db, article_id)
                    if restored:
                        archive.apply_reextraction(article, at=at)
            except sqlite3.IntegrityError:  # rolled back whole: it stays set aside, and is counted
                counts["failed"] += 1
                return None
            counts["restored"] += restored
        return None
    if reason is not None:
        return reason  # left as it was until the brake has seen the whole pass
    result = archive.apply_reextraction(article, at=at)
    counts[result.outcome] += 1
    return None

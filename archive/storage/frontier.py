"""The crawl frontier kept between runs: which listings have been walked to their end, and
which article links were found and what they were archived as.

Incremental runs read it to skip what is archived; an interrupted or failed fetch stays
pending here and is retried by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import sqlite_utils


def known_article(db: sqlite_utils.Database, url: str, recheck_before: str | None = None) -> tuple[bool, str | None]:
    """Whether the URL (as linked, as stored, or as one of its aliases) leads to an archived article,
    and its published_at;
    a static page found at an article URL since `recheck_before` (ever, when it is None) is
    known too, with no date.

    Asked link by link, not loaded for the run: a run's memory must not grow with the archive."""
    row = db.execute(
        """
        SELECT published_at FROM articles WHERE url = :url
        UNION ALL
        SELECT a.published_at FROM article_links l JOIN articles a ON a.id = l.article_id WHERE l.url = :url
        UNION ALL
        SELECT a.published_at FROM article_aliases x JOIN articles a ON a.id = x.article_id WHERE x.url = :url
        UNION ALL
        SELECT NULL FROM article_links
        WHERE url = :url AND article_id IS NULL AND not_article_at >= coalesce(:recheck_before, '')
        LIMIT 1
        """,
        {"url": url, "recheck_before": recheck_before},
    ).fetchone()
    return (True, row[0]) if row else (False, None)


def pending_links(
    db: sqlite_utils.Database,
    recheck_before: str | None = None,
    now: datetime | None = None,
    *,
    limit: int | None = None,
    keep: Callable[[str, bool], bool] | None = None,
) -> list[str]:
    """Article links found by earlier runs that have not been archived (failed, when their wait
    is over, but fewer than RETRY_GIVE_UP times; or interrupted), and those taken for static pages
    before `recheck_before` (none when it is None), oldest first.

    "Not an article" is the extractor's judgment of one fetch. A redesign can make new articles
    look like static pages to it, and a daily run sees too few of them for the drift alarm
    (archive/outcome.py): without a second look they would never be archived, even after the
    extractor is fixed. Static pages are few, so looking again now and then costs little.

    `keep(url, tried)` chooses among them (`tried`: it failed, or was taken for a static page,
    before), and at most `limit` are returned: the rows are read one by one, never all at once,
    so a frontier of a million junk links costs a run time, not memory.
    """
    cursor = db.execute(
        """
        SELECT l.url, l.failed_attempts, l.last_failed_at, l.not_article_at FROM article_links l
        WHERE l.article_id IS NULL AND l.failed_attempts < ?
          AND (l.not_article_at IS NULL OR l.not_article_at < coalesce(?, ''))
          AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = l.url)
          AND NOT EXISTS (SELECT 1 FROM article_aliases x WHERE x.url = l.url)
        ORDER BY l.first_seen_at, l.url
        """,
        [RETRY_GIVE_UP, recheck_before],
    )
    out: list[str] = []
    try:
        for url, failures, last, not_article_at in cursor:
            if limit is not None and len(out) >= limit:
                break
            # one that failed waits its turn (retry_due), as a failed image does
            if not retry_due(failures, last, now):
                continue
            if keep is None or keep(url, bool(failures) or not_article_at is not None):
                out.append(url)
    finally:
        cursor.close()  # ends the read at once, even when the limit cut it short
    return out


def forget_links(db: sqlite_utils.Database, urls: list[str]) -> None:
    """Drop these links from the frontier if nothing is known of them but that they were found
    (never archived, never fetched): links a run's bounds left out (MAX_DISCOVERY_PAGES,
    MAX_DISCOVERY_BACKLOG) are not kept pending for ever; a page that still links them finds them
    again. A link with a history (it failed, it is a static page, an article) keeps its row."""
    with db.atomic():
        for url in urls:
            db.execute(
                "DELETE FROM article_links WHERE url = ? AND article_id IS NULL AND not_article_at IS NULL"
                " AND failed_attempts = 0",
                [url],
            )


def is_archived(db: sqlite_utils.Database, url: str) -> bool:
    """Whether the URL (as linked, as stored, or as an alias) leads to an archived article."""
    row = db.execute(
        "SELECT 1 FROM articles WHERE url = ?"
        " UNION ALL SELECT 1 FROM article_links WHERE url = ? AND article_id IS NOT NULL"
        " UNION ALL SELECT 1 FROM article_aliases WHERE url = ? LIMIT 1",
        [url, url, url],
    ).fetchone()
    return row is not None


# A failed image or article link is tried again 1, 2, 4, … days after its last attempt, at most
# this many: an old article's photograph deleted from the site (or the article itself) must not
# cost a request every night for ever, and one that failed during an outage is back within days.
RETRY_MAX_DAYS = 32
# A link that failed this many times (a 404, a 410, a page past EXTRACT_TIMEOUT…: its last wait
# was RETRY_MAX_DAYS, about two months after the first failure) is no longer taken up by a run for
# its own sake (pending_links): it is asked again only where a page, sitemap or feed still links
# it, once its wait is over (link_waiting), as a link no URL rule knows always was. A deleted
# article that nothing links any more costs 7 requests, not one a month for ever. Its row stays:
# it is the wait, and the history of the link. A failed image likewise (failed_images): asked
# again only where its article is fetched again and still shows it.
RETRY_GIVE_UP = 7
# A nightly run starts a little earlier or later each night: a day's wait is 23 hours.
_RETRY_SLACK = timedelta(hours=1)


def retry_due(attempts: int, last_attempt_at: str | None, now: datetime | None = None) -> bool:
    """Whether an image or link that failed `attempts` times, the last at `last_attempt_at`, is due again."""
    if attempts <= 0 or not last_attempt_at:
        return True
    wait = timedelta(days=min(2 ** (attempts - 1), RETRY_MAX_DAYS)) - _RETRY_SLACK
    last = datetime.fromisoformat(last_attempt_at)  # "…Z" is UTC (Python ≥ 3.11)
    return (now or datetime.now(UTC)) >= last + wait


def failed_images(db: sqlite_utils.Database, now: datetime | None = None) -> list[str]:
    """Images of archived articles whose download has not succeeded yet (it failed, or the run was
    killed between the article and its image) and is due again (retry_due): tried whether or
    not their article is fetched again, but fewer than RETRY_GIVE_UP times.

    An image that failed RETRY_GIVE_UP times is given up as a link is: no run takes it up for
    its own sake any more; it is asked again only when its article is fetched again (a recent
    article refreshed, `--full`) and still shows it, once its wait is over (image_waiting), by the
    pipeline's normal path. An old article's photograph deleted from the site costs 7 requests,
    not one a month for ever. Its image_sources row stays, with its count and its wait.

    An address that is not http(s) (`javascript:…`, `data:…`, `mailto:…`, `about:…`, kept by an
    earlier version of the extractor) is never returned: it can never be fetched. Its row stays.
    """
    rows = db.execute(
        """
        SELECT DISTINCT ai.src_url, s.attempts, s.last_attempt_at, s.error = 'missing_file'
        FROM article_images ai LEFT JOIN image_sources s ON s.src_url = ai.src_url
        WHERE (ai.image_sha256 IS NULL OR s.error = 'missing_file')
          AND (s.error = 'missing_file' OR coalesce(s.attempts, 0) < :give_up)
          AND (lower(ai.src_url) LIKE 'http://%' OR lower(ai.src_url) LIKE 'https://%')
        ORDER BY ai.src_url
        """,
        {"give_up": RETRY_GIVE_UP},
    ).fetchall()
    # A file lost from disk that no WARC held (`verify --repair` queued it) is due at once, whatever
    # its count (its attempts count the downloads that succeeded too).
    return [url for url, attempts, last, lost in rows if lost or retry_due(attempts or 0, last, now)]


def image_waiting(db: sqlite_utils.Database, url: str, now: datetime | None = None) -> bool:
    """Whether this image URL has never answered with an image and is not due again yet."""
    return _waiting(
        db, "SELECT attempts, last_attempt_at FROM image_sources WHERE src_url = ? AND image_sha256 IS NULL", url, now
    )


def _waiting(db: sqlite_utils.Database, sql: str, url: str, now: datetime | None) -> bool:
    # `sql` reads (failures, last failure) of the URL's row, if it has failed and is not stored
    row = db.execute(sql, [url]).fetchone()
    return row is not None and not retry_due(row[0], row[1], now)


def note_links(db: sqlite_utils.Database, urls: list[str], at: str) -> None:
    with db.atomic():
        for url in urls:
            db.execute(
                """
                INSERT INTO article_links(url, first_seen_at, last_seen_at) VALUES (?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """,
                [url, at, at],
            )


def link_archived(db: sqlite_utils.Database, url: str, article_id: int, at: str) -> None:
    db.execute(
        """
        INSERT INTO article_links(url, article_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(url) DO UPDATE SET article_id = excluded.article_id, not_article_at = NULL
        """,
        [url, article_id, at, at],
    )


def link_waiting(db: sqlite_utils.Database, url: str, now: datetime | None = None) -> bool:
    """Whether this article link failed lately and is not due again yet (retry_due)."""
    return _waiting(
        db, "SELECT failed_attempts, last_failed_at FROM article_links WHERE url = ? AND article_id IS NULL", url, now
    )


def link_failed(db: sqlite_utils.Database, url: str, at: str) -> None:
    """A run asked for this article link and got no page (after its retries)."""
    db.execute(
        """
        INSERT INTO article_links(url, first_seen_at, last_seen_at, failed_attempts, last_failed_at)
        VALUES (?, ?, ?, 1, ?)
        ON CONFLICT(url) DO UPDATE SET
            failed_attempts = article_links.failed_attempts + 1, last_failed_at = excluded.last_failed_at
        """,
        [url, at, at, at],
    )


def link_not_article(db: sqlite_utils.Database, url: str, at: str) -> None:
    db.execute(
        """
        INSERT INTO article_links(url, first_seen_at, last_seen_at, not_article_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(url) DO UPDATE SET not_article_at = excluded.not_article_at
        """,
        [url, at, at, at],
    )


def forget_not_articles(db: sqlite_utils.Database, urls: list[str]) -> None:
    """Undo link_not_article for these links: a run that found the article layout changed took
    them for static pages, and the next run (with a fixed extractor) must fetch them again."""
    with db.atomic():
        for url in urls:
            db.execute("UPDATE article_links SET not_article_at = NULL WHERE url = ?", [url])


def is_listing(db: sqlite_utils.Database, listing_url: str) -> bool:
    """Whether a run has walked this listing (its URL without the page number): how a listing
    that no URL rule knows (found by discovery, by its pager) is recognised before it is fetched."""
    return db.execute("SELECT 1 FROM listings WHERE listing_url = ?", [listing_url]).fetchone() is not None


def listing_completed(db: sqlite_utils.Database, listing_url: str) -> bool:
    row = db.execute("SELECT completed_at FROM listings WHERE listing_url = ?", [listing_url]).fetchone()
    return bool(row and row[0])


def listing_crawled(db: sqlite_utils.Database, listing_url: str, at: str) -> None:
    db.execute(
        """
        INSERT INTO listings(listing_url, last_crawled_at) VALUES (?, ?)
        ON CONFLICT(listing_url) DO UPDATE SET last_crawled_at = excluded.last_crawled_at
        """,
        [listing_url, at],
    )


def listing_reached_end(db: sqlite_utils.Database, listing_url: str, last_page: int, at: str) -> None:
    db.execute(
        """
        INSERT INTO listings(listing_url, completed_at, last_page, last_crawled_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(listing_url) DO UPDATE SET
            completed_at = COALESCE(listings.completed_at, excluded.completed_at),
            last_page = excluded.last_page
        """,
        [listing_url, at, last_page, at],
    )


def is_due_for_refresh(published_at: str | None, refresh_days: int, today: date | None = None) -> bool:
    """Recent articles are fetched again to observe their view counts; old ones are not."""
    if not published_at or refresh_days <= 0:
        return False
    try:
        published = date.fromisoformat(published_at[:10])
    except ValueError:
        return False
    today = today or datetime.now(UTC).date()
    return published >= today - timedelta(days=refresh_days)

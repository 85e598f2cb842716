"""What failed waits before it is asked for again: 1, 2, 4, … days after its last attempt, at most
RETRY_MAX_DAYS (archive/storage/frontier.py), so a photograph or an article deleted from the site does
not cost a request every night for ever; and an article link or an image that failed RETRY_GIVE_UP
times is no longer asked for its own sake, only where a page still links it (its article still
shows it). (The incremental runs of test_cron_incremental.py are made a month apart for it, and
retry the failed image each time.)"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from cron_support import (
    ARTICLES,
    MISSING_IMAGE,
    copy_site,
    first_crawl,
    page_file,
    query,
    requested_articles,
    requested_images,
)
from e2e_support import crawl

from archive.storage.frontier import RETRY_GIVE_UP, RETRY_MAX_DAYS
from archive.storage.runs import utc_days_ago
from crawler.replica.server import ReplicaServer

DELETED = "/hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html"


def test_a_crawl_right_after_a_failure_does_not_ask_for_the_image(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)
    db_path, images_dir = first.copy_archive(tmp_path / "data")
    with first.serve() as server:
        server.reset_log()
        result = crawl(server, db_path, images_dir, "--refresh-days", "0")
        requests = list(server.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    assert MISSING_IMAGE in requested_images(first.requests)
    assert requested_images(requests) == []
    assert query(db_path, "SELECT attempts FROM image_sources WHERE src_url LIKE ?", ["%" + MISSING_IMAGE]) == [(1,)]


def test_a_deleted_article_waits_too_and_is_asked_for_once_its_wait_is_over(tmp_path):
    site = copy_site(tmp_path / "site")
    page_file(site, DELETED).unlink()  # the article is linked, its page answers 404
    db_path, images_dir = tmp_path / "data" / "tnu.sqlite", tmp_path / "data" / "images"
    asked = []
    with ReplicaServer(site) as server:
        for age in (None, None, 1):
            if age:  # the next night
                with sqlite3.connect(db_path) as conn:
                    conn.execute("UPDATE article_links SET last_failed_at = ?", [utc_days_ago(age)])
                conn.close()
            server.reset_log()
            result = crawl(server, db_path, images_dir, "--refresh-days", "0")
            assert result.returncode == 0, result.stderr[-3000:]
            asked.append(requested_articles(server.requests).count(DELETED))
    assert DELETED in ARTICLES
    assert asked == [1, 0, 1]  # the first run, not right after it, the next night
    assert query(db_path, "SELECT failed_attempts FROM article_links WHERE url LIKE ?", ["%" + DELETED]) == [(2,)]


def test_a_link_nothing_links_any_more_is_given_up_after_its_last_retry(tmp_path_factory, tmp_path):
    """Two article links of earlier runs that no page links, both 404s, both waited out their last
    wait (RETRY_MAX_DAYS): the one a failure short of RETRY_GIVE_UP is asked for again, the one
    that failed RETRY_GIVE_UP times is not (it was asked once a month for ever)."""
    first = first_crawl(tmp_path_factory)
    db_path, images_dir = first.copy_archive(tmp_path / "data")
    gone, short = "/bai-viet-da-go-dn9990.html", "/bai-viet-da-go-dn9991.html"
    with first.serve() as server:
        last = utc_days_ago(RETRY_MAX_DAYS + 1)
        with sqlite3.connect(db_path) as conn:
            conn.executemany(
                "INSERT INTO article_links(url, first_seen_at, last_seen_at, failed_attempts, last_failed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (server.origin + gone, last, last, RETRY_GIVE_UP, last),
                    (server.origin + short, last, last, RETRY_GIVE_UP - 1, last),
                ],
            )
        conn.close()
        server.reset_log()
        result = crawl(server, db_path, images_dir, "--refresh-days", "0")
        asked, origin = [r.path for r in server.requests], server.origin
    assert result.returncode == 0, result.stderr[-3000:]
    assert (asked.count(short), asked.count(gone)) == (1, 0)
    rows = query(db_path, "SELECT url, failed_attempts FROM article_links WHERE url LIKE ? ORDER BY url", ["%da-go%"])
    assert rows == [(origin + gone, RETRY_GIVE_UP), (origin + short, RETRY_GIVE_UP)]


def test_an_image_that_failed_its_last_retry_is_asked_only_when_its_article_is_fetched_again(
    tmp_path_factory, tmp_path
):
    """The replica's 404 image, as if it had failed RETRY_GIVE_UP times and waited out its last
    wait: the next run does not ask for it (it was asked once a month for ever), nor hands Scrapy
    a `javascript:` source an earlier version kept; a run that fetches its article again, still
    showing it, does ask."""
    first = first_crawl(tmp_path_factory)
    db_path, images_dir = first.copy_archive(tmp_path / "data")
    (owner,) = [path for path, a in ARTICLES.items() if any(i["src"] == MISSING_IMAGE for i in a["images"])]
    oldest = min(ARTICLES, key=lambda path: ARTICLES[path]["published_at"])  # not fetched again below
    assert ARTICLES[oldest]["published_at"] < ARTICLES[owner]["published_at"]
    with sqlite3.connect(db_path) as conn:
        changed = conn.execute(
            "UPDATE image_sources SET attempts = ?, last_attempt_at = ? WHERE src_url LIKE ?",
            [RETRY_GIVE_UP, utc_days_ago(RETRY_MAX_DAYS + 1), "%" + MISSING_IMAGE],
        ).rowcount
        conn.execute(
            "INSERT INTO article_images (article_id, position, src_url)"
            " SELECT id, 99, 'javascript:void(0)' FROM articles WHERE url LIKE ?",
            ["%" + oldest],
        )
    conn.close()
    assert changed == 1
    published = date.fromisoformat(ARTICLES[owner]["published_at"][:10])
    refetch = (datetime.now(UTC).date() - published).days + 1
    asked = []
    with first.serve() as server:
        for days in (0, refetch):
            server.reset_log()
            result = crawl(server, db_path, images_dir, "--refresh-days", str(days))
            assert result.returncode == 0, result.stderr[-3000:]
            assert "Missing scheme" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-3000:]
            asked.append(
                (requested_images(server.requests).count(MISSING_IMAGE), owner in requested_articles(server.requests))
            )
    assert asked == [(0, False), (1, True)]
    rows = query(db_path, "SELECT attempts FROM image_sources WHERE src_url LIKE ?", ["%" + MISSING_IMAGE])
    assert rows == [(RETRY_GIVE_UP + 1,)]
    # the javascript: source keeps its row (nothing of a user's is deleted); it is just never asked for
    assert query(db_path, "SELECT count(*) FROM article_images WHERE src_url = 'javascript:void(0)'") == [(1,)]

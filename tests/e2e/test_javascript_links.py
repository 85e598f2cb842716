"""Links an earlier version kept that were `javascript:` code, not pages (`javascript:void(0)` as
written, or resolved against its page as a path), are removed by migration 18: the next crawl
asks for none of them, and says how many went. Before, the first kind broke the release of the
crawl's held links with a traceback and the second was fetched (a 404, counted as the site's error).
"""

from __future__ import annotations

import sqlite3

from e2e_support import crawl

SEEN = "2020-01-01T00:00:00Z"


def test_old_javascript_links_are_removed_and_never_fetched(replica, tmp_path):
    db_path, images = tmp_path / "tnu.sqlite", tmp_path / "images"
    first = crawl(replica, db_path, images)
    assert first.returncode == 0, first.stderr
    base = replica.url.rstrip("/")
    junk = [
        ("javascript:void(0)", None, 0),
        (" JavaScript:;", "2020-02-01T00:00:00Z", 0),  # taken for a static page once
        ("javascript:alert(1)", None, 2),  # failed twice
        (f"{base}/tin-tuc/javascript:void(0)", None, 0),  # resolved against its page
    ]
    kept = [
        f"{base}/hoc-javascript-co-ban-dn9001.html",  # the word in a real page's address
        f"{base}/tin-cho-dn9002.html",  # a link waiting for its article
    ]
    with sqlite3.connect(db_path) as conn:
        for url, not_article_at, failures in junk:
            conn.execute(
                "INSERT INTO article_links (url, first_seen_at, last_seen_at, not_article_at, failed_attempts,"
                " last_failed_at) VALUES (?, ?, ?, ?, ?, ?)",
                [url, SEEN, SEEN, not_article_at, failures, SEEN if failures else None],
            )
        for url in kept:
            conn.execute(
                "INSERT INTO article_links (url, first_seen_at, last_seen_at) VALUES (?, ?, ?)", [url, SEEN, SEEN]
            )
        conn.execute("INSERT INTO listings (listing_url, last_crawled_at) VALUES ('javascript:void(0)', ?)", [SEEN])
        archived = conn.execute("SELECT count(*) FROM article_links WHERE article_id IS NOT NULL").fetchone()[0]
        conn.execute("PRAGMA user_version = 17")  # as an archive written before migration 18

    second = crawl(replica, db_path, images)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr and "Missing scheme" not in second.stderr, second.stderr
    assert (
        "archive migration 18: removed 4 pending links and 1 listings that were javascript: code, not pages"
    ) in second.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT url FROM fetch_log WHERE lower(url) LIKE '%javascript:%'").fetchall() == []
        left = {url for (url,) in conn.execute("SELECT url FROM article_links WHERE lower(url) LIKE '%javascript%'")}
        assert left == {kept[0]}
        assert conn.execute("SELECT 1 FROM article_links WHERE url = ?", [kept[1]]).fetchone()
        assert conn.execute("SELECT count(*) FROM article_links WHERE article_id IS NOT NULL").fetchone()[0] == archived
        assert conn.execute("SELECT count(*) FROM listings WHERE listing_url LIKE 'javascript:%'").fetchone()[0] == 0
        # the two real-looking links were asked for (404 on the replica): the run's only errors
        (errors,) = conn.execute("SELECT errors FROM crawl_runs WHERE id = 2").fetchone()
    assert errors == '{"http_404": 2}', errors
    third = crawl(replica, db_path, images)
    assert "archive migration 18" not in third.stderr  # once

"""A failed image waits before it is asked for again: 1, 2, 4, … days after its last attempt, at
most RETRY_MAX_DAYS (archive/frontier.py), so a photograph deleted from the site does not cost a
request every night for ever. (The incremental runs of test_cron_incremental.py are made a
month apart for it, and retry it each time.)"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cron_support import MISSING_IMAGE, first_crawl, query, requested_images
from e2e_support import crawl

from archive.frontier import RETRY_MAX_DAYS, retry_due


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


def test_the_wait_doubles_up_to_the_cap_and_a_night_is_23_hours():
    last = "2026-11-01T02:00:00Z"
    at = datetime(2026, 11, 1, 2, tzinfo=timezone.utc)
    for attempts, days in [(1, 1), (2, 2), (3, 4), (6, 32), (20, RETRY_MAX_DAYS)]:
        wait = timedelta(days=days) - timedelta(hours=1)
        assert not retry_due(attempts, last, at + wait - timedelta(minutes=1)), attempts
        assert retry_due(attempts, last, at + wait), attempts
    assert retry_due(0, None, at) and retry_due(3, None, at)  # never tried (a killed run): due

"""Scheduled runs: a second crawl of the unchanged replica fetches only the start page and the
first page of each listing, and adds nothing to the archive's content."""

from __future__ import annotations

import sqlite_utils
from cron_support import first_crawl
from e2e_support import EXPECTED, crawl

from crawler.navigation import links

CONTENT_TABLES = ("articles", "images", "article_images", "article_versions", "view_counts", "image_sources")


def counts(db) -> dict[str, int]:
    return {table: db[table].count for table in CONTENT_TABLES}


def test_second_run_fetches_only_first_listing_pages_and_adds_nothing(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)  # run 1 (exit 0), shared: this test runs on a copy of its archive
    db_path, images = first.copy_archive(tmp_path / "data")
    before = counts(sqlite_utils.Database(db_path))

    with first.serve() as replica:  # the same site on the same ports
        second = crawl(replica, db_path, images)
    assert second.returncode == 0, second.stderr[-2000:]
    # Pages: the start page and each listing's first page, and the conventional /sitemap.xml
    # (this replica names no sitemap in robots.txt and has none: a 404, asked once a run; see
    # docs/discovery.md). Images: none, every stored one is left alone and the one that failed
    # (404) waits a day (test_cron_image_retry.py).
    fetched = sorted(r.path for r in replica.requests if r.path != "/robots.txt")
    first_pages = sorted(p for p in EXPECTED["listings"] if links.page_number("http://x" + p) == 1)
    assert fetched == sorted(["/", "/sitemap.xml", *first_pages])
    assert counts(sqlite_utils.Database(db_path)) == before


def test_full_walks_every_listing_page_again(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)  # run 1 (exit 0), shared: this test runs on a copy of its archive
    db_path, images = first.copy_archive(tmp_path / "data")
    with first.serve() as replica:  # the same site on the same ports
        assert crawl(replica, db_path, images, "--full").returncode == 0
    fetched = {r.path for r in replica.requests}
    assert set(EXPECTED["listings"]) <= fetched
    assert set(EXPECTED["articles"]) <= fetched

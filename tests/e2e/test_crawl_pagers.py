"""Pagers through the real engine, against loopback replicas.

NukeViet's `page-N.html` (tests/site_nukeviet, 127.0.0.3: `/vi/news/tin-hoat-dong/` and its
`page-2.html`, the only page linking one of the site's articles): no profile knows the site, yet
the second page is recognised as the category listing's pager, walked as a listing page (counted
in MAX_LISTING_PAGES, never handed to the pipeline to be judged as an article), and the listing is
remembered as walked to its end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import Result, crawl

from crawler.replica.server import ReplicaServer

TESTS = Path(__file__).resolve().parent.parent
NUKEVIET = TESTS / "site_nukeviet"
NUKEVIET_TRUTH = json.loads((NUKEVIET / "expected.json").read_text(encoding="utf-8"))
CATEGORY = "/vi/news/tin-hoat-dong/"
PAGE_2 = CATEGORY + "page-2.html"
ONLY_ON_PAGE_2 = "/vi/news/tin-hoat-dong/khai-giang-lop-boi-duong-nghiep-vu-khuyen-nong-1504.html"


def crawl_nukeviet(folder: Path, *extra: str) -> tuple[Result, str, sqlite_utils.Database, list[str]]:
    with ReplicaServer(NUKEVIET, host="127.0.0.3") as server:
        result = crawl(server, folder / "tnu.sqlite", folder / "images", *extra)
        origin, paths = server.origin, [r.path for r in server.requests]
    assert result.returncode == 0, result.stderr[-3000:]
    return result, origin, sqlite_utils.Database(folder / "tnu.sqlite"), paths


@pytest.fixture(scope="module")
def nukeviet(tmp_path_factory):
    return crawl_nukeviet(tmp_path_factory.mktemp("nukeviet"))


def test_nukeviet_page_2_html_is_walked_as_its_category_s_pager(nukeviet):
    _, origin, db, paths = nukeviet
    assert PAGE_2 in NUKEVIET_TRUTH["not_articles"] and ONLY_ON_PAGE_2 in NUKEVIET_TRUTH["articles"]
    assert paths.count(PAGE_2) == 1
    # the category is one listing, walked to its end at its second page
    key = origin + CATEGORY.rstrip("/")
    listing = db.execute("SELECT last_page, completed_at IS NOT NULL FROM listings WHERE listing_url = ?", [key])
    listing = listing.fetchone()
    assert listing == (2, 1)
    assert db.execute("SELECT count(*) FROM listings WHERE listing_url LIKE '%page-%'").fetchone()[0] == 0
    # a listing page: never judged as a candidate article (no frontier row), never stored
    assert db.execute("SELECT count(*) FROM article_links WHERE url = ?", [origin + PAGE_2]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM articles WHERE url = ?", [origin + PAGE_2]).fetchone()[0] == 0
    # and what only it links is archived
    assert db.execute("SELECT count(*) FROM articles WHERE url = ?", [origin + ONLY_ON_PAGE_2]).fetchone()[0] == 1


def test_nukeviet_page_2_html_is_counted_in_the_listing_budget(tmp_path):
    """With no listing page to spend, the pager's page 2 is not fetched (as a candidate it was)."""
    result, _, db, paths = crawl_nukeviet(tmp_path, "--set", "MAX_LISTING_PAGES=0")
    assert CATEGORY in paths  # the category's first page: a candidate, judged by its content
    assert PAGE_2 not in paths
    assert "MAX_LISTING_PAGES (0) met; listing pages not fetched: " in result.stderr
    problems = db.execute("SELECT problems FROM crawl_runs").fetchone()[0]
    assert "MAX_LISTING_PAGES (0) met" in problems

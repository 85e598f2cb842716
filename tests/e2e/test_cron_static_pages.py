"""Static pages are looked at again now and then: an article that one run misread as a static page
(no date, no counter: a redesign the extractor did not know yet) is archived by a run after
NOT_ARTICLE_RECHECK_DAYS, while the real static pages cost one request each such period."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from cron_support import (
    ARTICLES,
    EXPECTED,
    copy_site,
    page_file,
    query,
    requested_articles,
    sub_page,
)
from e2e_support import crawl

from archive.storage.runs import utc_days_ago
from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer
from crawler.settings import NOT_ARTICLE_RECHECK_DAYS

DATE_AND_COUNTER = r'<span class="date-view">.*?</span>|<span class="post-(?:date|views)">.*?</span>'
MISREAD = min(ARTICLES)
STATIC = EXPECTED["not_articles"][0]


def marks(db_path) -> dict[str, str | None]:
    """Article links taken for static pages -> when they last were."""
    return dict(query(db_path, "SELECT url, not_article_at FROM article_links WHERE not_article_at IS NOT NULL"))


def archived(db_path, path: str) -> bool:
    return bool(query(db_path, "SELECT 1 FROM articles WHERE url LIKE ?", ["%" + path]))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("static-pages")
    site = copy_site(folder / "site")
    db_path, images = folder / "data" / "tnu.sqlite", folder / "data" / "images"
    assert sub_page(site, MISREAD, DATE_AND_COUNTER, "") >= 1
    out = {"db_path": db_path}
    with ReplicaServer(site) as server:
        out["first"] = crawl(server, db_path, images)
        out["marked"] = marks(db_path)
        out["archived_first"] = archived(db_path, MISREAD)
        # The extractor learns the new layout (here: the page reads as before).
        shutil.copy(page_file(DEFAULT_SITE_DIR, MISREAD), page_file(site, MISREAD))
        server.reset_log()
        out["second"] = crawl(server, db_path, images)
        out["second_requests"] = list(server.requests)
        out["archived_second"] = archived(db_path, MISREAD)
        aged = utc_days_ago(NOT_ARTICLE_RECHECK_DAYS + 1)
        with sqlite3.connect(db_path) as conn:  # commits
            conn.execute("UPDATE article_links SET not_article_at = ? WHERE not_article_at IS NOT NULL", [aged])
        conn.close()
        out["aged"] = aged
        server.reset_log()
        out["third"] = crawl(server, db_path, images)
        out["third_requests"] = list(server.requests)
        out["third_started"] = query(db_path, "SELECT started_at FROM crawl_runs WHERE id = 3")[0][0]
    return out


def test_the_misread_article_is_taken_for_a_static_page_by_a_run_too_small_for_the_alarm(runs):
    assert runs["first"].returncode == 0, runs["first"].stderr[-3000:]
    assert sorted(url.split("/", 3)[-1] for url in runs["marked"]) == sorted([MISREAD[1:], STATIC[1:]])
    assert not runs["archived_first"]


def test_within_the_period_neither_is_fetched_again(runs):
    assert runs["second"].returncode == 0, runs["second"].stderr[-3000:]
    paths = [r.path for r in runs["second_requests"]]
    assert MISREAD not in requested_articles(runs["second_requests"]) and STATIC not in paths
    assert not runs["archived_second"]


def test_after_the_period_the_misread_article_is_archived(runs):
    assert runs["third"].returncode == 0, runs["third"].stderr[-3000:]
    assert requested_articles(runs["third_requests"]).count(MISREAD) == 1
    assert archived(runs["db_path"], MISREAD)
    (row,) = query(
        runs["db_path"], "SELECT article_id, not_article_at FROM article_links WHERE url LIKE ?", ["%" + MISREAD]
    )
    assert row[0] is not None and row[1] is None


def test_after_the_period_the_static_page_costs_one_request_and_is_marked_again(runs):
    assert [r.path for r in runs["third_requests"]].count(STATIC) == 1
    (url,) = marks(runs["db_path"])
    assert url.endswith(STATIC)
    assert marks(runs["db_path"])[url] >= runs["third_started"] > runs["aged"]
    assert not archived(runs["db_path"], STATIC)

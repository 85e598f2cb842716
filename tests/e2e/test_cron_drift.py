"""The layout-drift alarm through real crawls: a site whose articles lose their date/counter line
after a normal run, and a site whose pages link no article at all. Both finish with exit code 3
(EXIT_DRIFT) and a status that says which, and neither blanks what the archive holds."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import sqlite_utils
from cron_support import ARTICLES, copy_site, first_crawl, page_file, query, requested_articles, sub_page
from e2e_support import crawl

from archive.outcome import EXIT_DRIFT
from archive.storage.frontier import pending_links
from archive.storage.runs import list_runs
from crawler.navigation import links
from crawler.replica.server import ReplicaServer

# The printed date and view counter: the old layout's one line, the new layout's two spans.
DATE_AND_COUNTER = r'<span class="date-view">.*?</span>|<span class="post-(?:date|views)">.*?</span>'


def runs(db_path: Path) -> list[dict]:
    db = sqlite_utils.Database(db_path)
    try:
        return list_runs(db)[::-1]
    finally:
        db.close()


@pytest.fixture(scope="module")
def drifted(tmp_path_factory):
    first = first_crawl(tmp_path_factory)  # a normal run first: the baseline
    folder = tmp_path_factory.mktemp("cron-drift")
    site = copy_site(folder / "site")
    db_path, images_dir = first.copy_archive(folder / "data")
    before = query(db_path, "SELECT url, published_at, views FROM articles ORDER BY url")
    removed = sum(sub_page(site, path, DATE_AND_COUNTER, "") for path in ARTICLES)
    with first.serve(site) as server:
        second = crawl(server, db_path, images_dir, "--full")
        requests = server.requests
        fresh = crawl(server, folder / "fresh" / "tnu.sqlite", folder / "fresh" / "images")
    return {
        "first": first.result,
        "second": second,
        "db_path": db_path,
        "before": before,
        "removed": removed,
        "requests": requests,
        "fresh": fresh,
        "fresh_db": folder / "fresh" / "tnu.sqlite",
    }


def test_normal_run_is_ok(drifted):
    assert drifted["first"].returncode == 0, drifted["first"].stderr[-3000:]


def test_date_and_counter_gone_from_every_article_is_drift_with_exit_3(drifted):
    assert drifted["removed"] >= len(ARTICLES)
    assert sorted(set(requested_articles(drifted["requests"]))) == sorted(ARTICLES)
    second = drifted["second"]
    print(second.stderr.strip().splitlines()[-1])
    assert second.returncode == EXIT_DRIFT, second.stderr[-3000:]
    assert re.match(r"run 2 drift: ", second.stderr.strip().splitlines()[-1])
    first_run, drift_run = runs(drifted["db_path"])
    assert (first_run["status"], drift_run["status"], drift_run["exit_code"]) == ("ok", "drift", EXIT_DRIFT)
    assert drift_run["fill_rates"]["published_at"] == 0 and drift_run["fill_rates"]["views"] == 0
    alarms = [p for p in drift_run["problems"] if "has the layout changed" in p]
    print(alarms)
    assert len(alarms) == 2
    assert alarms[0].startswith("fill rate of published_at fell to 0% (baseline 100%)")
    assert alarms[1].startswith("fill rate of views fell to 0% (baseline 87%)")


def test_drift_run_blanks_nothing(drifted):
    assert query(drifted["db_path"], "SELECT url, published_at, views FROM articles ORDER BY url") == drifted["before"]


def test_first_crawl_of_a_site_whose_articles_show_no_date_or_counter_is_drift(drifted):
    """No baseline yet, but nearly every page the listings lead to looks like a static page."""
    fresh = drifted["fresh"]
    print(fresh.stderr.strip().splitlines()[-1])
    assert fresh.returncode == EXIT_DRIFT, fresh.stderr[-3000:]
    (run,) = runs(drifted["fresh_db"])
    assert run["status"] == "drift"
    print(run["problems"])
    assert run["problems"] == [
        f"{len(ARTICLES) + 1} pages at article URLs showed neither a date nor a view counter "
        "(0 articles did): has the layout changed?"
    ]


def test_pages_taken_for_static_pages_in_a_drift_run_are_fetched_again_next_time(drifted):
    """Remembered as static pages, the articles would be skipped by every later run, even after
    the extractor is fixed; the drift run forgets them, so they stay pending."""
    db = sqlite_utils.Database(drifted["fresh_db"])
    try:
        assert db.execute("SELECT count(*) FROM article_links WHERE not_article_at IS NOT NULL").fetchone()[0] == 0
        pending = pending_links(db)
    finally:
        db.close()
    assert len(pending) == len(ARTICLES) + 1  # and the history page, a static page indeed


def test_listings_without_article_links_are_an_empty_run_with_exit_3(tmp_path):
    site = copy_site(tmp_path / "site")
    origin = "http://127.0.0.1"
    unlinked = 0
    for page in (site / "www").rglob("*"):
        if not page.is_file() or page_file(site, "/robots.txt") == page:
            continue
        text = page.read_bytes()
        if b"<html" not in text[:2000].lower():
            continue
        target = "/" + page.relative_to(site / "www").as_posix().replace("__", "?")

        def unlink(match: re.Match, page_url: str = origin + target) -> str:
            nonlocal unlinked
            href = match.group(1).replace("{{ORIGIN}}", origin)
            if links.is_article(urljoin(page_url, href)):
                unlinked += 1
                return 'href="#"'
            return match.group(0)

        page.write_text(re.sub(r'href="([^"]*)"', unlink, text.decode("utf-8")), encoding="utf-8")
    assert unlinked > len(ARTICLES)

    with ReplicaServer(site) as server:
        result = crawl(server, tmp_path / "tnu.sqlite", tmp_path / "images")
        assert requested_articles(server.requests) == []
        assert server.requests, "the start page and listings are still fetched"
    print(result.stderr.strip().splitlines()[-1])
    assert result.returncode == EXIT_DRIFT, result.stderr[-3000:]
    (run,) = runs(tmp_path / "tnu.sqlite")
    assert (run["status"], run["exit_code"]) == ("empty", EXIT_DRIFT)
    assert run["problems"] == ["the listings yielded no article link: has the layout changed?"]
    assert run["pages"] > 5

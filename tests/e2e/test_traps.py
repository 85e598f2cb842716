"""Runs that end (issue 25.1 and 25.2): the replica with the traps of crawler/replica/traps.py (an
endless pager, a fresh session id on every link, an endless chain of sitemap indexes, sitemaps of
20,000 junk URLs each, a new feed on every page), crawled through the real engine three times:

1. while the traps are set: the run must end by itself, within its budgets, `ok`, with every real
   article archived once, and the pager of nothing new left after LISTING_STALE_PAGES pages;
2. the next run, traps still set: the same, and nothing archived again;
3. the traps gone (the site fixed) and every failed link due again (a day later): the run must
   not go back to the junk the first runs met;
4. and 5. the archive's frontier poisoned as an older version left it (30,000 junk links
   pending, never fetched): each run takes up at most MAX_PENDING_LINKS of them, spends at most
   its discovery cap on them, and forgets the rest; after two runs none is pending.

Without the budgets the first run never ends (the test's subprocess timeout says so); without
session ids dropped, the real articles are fetched again under every new id.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import EXPECTED, FAST, Result, run_cli

from archive.storage.frontier import pending_links
from archive.storage.runs import utc_days_ago
from crawler.navigation import links
from crawler.replica.server import RequestRecord
from crawler.replica.traps import JUNK_PREFIX, PAGER, SESSIONS, STALE_PAGER, TrapServer
from crawler.spiders.news import taken_up_again

ARTICLES = EXPECTED["articles"]
# Real articles the trap pages show again and again (with session ids on the session listing).
SHOWN = [
    "/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html",
    "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1",
    "/hoi-nghi-pho-bien-van-ban-phap-quy-moi-ve-giao-duc-dai-hoc-dn5102.html",
    "/hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html",
]
JUNK_PER_SITEMAP = 20_000
POISONED = 30_000
PENDING_TAKEN = 20_000  # MAX_PENDING_LINKS, the default
# Budgets small enough to keep the test short; the feeds' budget is the default one.
LISTING_PAGES, SITEMAPS, FEEDS, ENTRIES, DISCOVERY, BACKLOG = 60, 6, 20, 15_000, 100, 20_000
SETTINGS = (
    *("--set", f"MAX_LISTING_PAGES={LISTING_PAGES}"),
    *("--set", f"MAX_SITEMAP_REQUESTS={SITEMAPS}"),
    *("--set", f"MAX_SITEMAP_ENTRIES={ENTRIES}"),
    *("--set", f"MAX_DISCOVERY_PAGES={DISCOVERY}"),
    *("--set", f"MAX_DISCOVERY_BACKLOG={BACKLOG}"),
)
# The discovery requests already on their way when the cap is met are made too (docs/discovery.md):
# what the host holds in the downloader, CONCURRENT_REQUESTS_PER_DOMAIN + 1 (crawler/fetching/slots.py)
# besides the image downloads, which are no candidates.
IN_FLIGHT = 2 + 1
STALE = 3  # LISTING_STALE_PAGES, the default
# "Ends by itself": each run takes well under a minute; one that does not end within this is
# taken for never ending (without the budgets, the first run was still going after 300 s).
FINISHES_WITHIN = 300
SESSION_MARKS = ("phpsessid", "jsessionid", "sid=", "sessionid", "asp.net_sessionid")


@dataclass
class Trapped:
    origin: str  # the trap server's site (stopped by now)
    db_path: Path
    runs: list[Result]
    requests: list[list[RequestRecord]]  # the server's log of each run
    junk_rows_after_first: list[dict]  # article_links rows of junk URLs right after run 1
    pending_after_first: list[str]  # what a later run would take up from the frontier, after run 1
    untried_junk: list[int]  # junk links pending and never fetched, after runs 4 and 5

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def fetched(self, run: int) -> list[str]:
        """URLs requested by run `run` (1-based), one per fetch_log row."""
        return [r["url"] for r in self.db.query("SELECT url FROM fetch_log WHERE run_id = ? ORDER BY id", [run])]


def crawl_or_fail(server: TrapServer, db: Path, images: Path) -> Result:
    try:
        args = ("--start-url", server.url, "--db", str(db), "--images-dir", str(images), *FAST, *SETTINGS)
        return run_cli("crawl", *args, timeout=FINISHES_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the crawl did not end by itself within {FINISHES_WITHIN} s")


@pytest.fixture(scope="module")
def trapped(tmp_path_factory) -> Trapped:
    folder = tmp_path_factory.mktemp("traps")
    db, images = folder / "tnu.sqlite", folder / "images"
    with TrapServer(articles=SHOWN, junk_per_sitemap=JUNK_PER_SITEMAP) as server:
        runs, requests = [], []
        runs.append(crawl_or_fail(server, db, images))
        requests.append(server.requests)
        archive = sqlite_utils.Database(db)
        junk = list(archive.query("SELECT * FROM article_links WHERE url LIKE ?", [f"%{JUNK_PREFIX}%"]))
        # what any later run would take up: every wait over, every static page due for its recheck
        later = datetime.now(UTC) + timedelta(days=60)
        pending = pending_links(archive, utc_days_ago(-60), later, keep=taken_up_again)
        archive.close()

        server.reset_log()
        runs.append(crawl_or_fail(server, db, images))
        requests.append(server.requests)

        # The site is fixed, and it is a day later: every link that failed is due again.
        with sqlite_utils.Database(db).conn as conn:
            conn.execute("UPDATE article_links SET last_failed_at = ? WHERE failed_attempts > 0", [utc_days_ago(2)])
        server.armed = False
        server.reset_log()
        runs.append(crawl_or_fail(server, db, images))
        requests.append(server.requests)

        # An older version wrote every sitemap entry to the frontier: 30,000 junk links pending.
        at = utc_days_ago(3)
        rows = [(f"{server.origin}{JUNK_PREFIX}cu/{i}-tin-rac", at, at) for i in range(POISONED)]
        with sqlite_utils.Database(db).conn as conn:
            conn.executemany("INSERT INTO article_links(url, first_seen_at, last_seen_at) VALUES (?, ?, ?)", rows)
        untried = []
        for _ in range(2):
            server.reset_log()
            runs.append(crawl_or_fail(server, db, images))
            requests.append(server.requests)
            archive = sqlite_utils.Database(db)
            untried.append(
                archive.execute(
                    "SELECT count(*) FROM article_links WHERE url LIKE ? AND failed_attempts = 0",
                    [f"%{JUNK_PREFIX}cu/%"],
                ).fetchone()[0]
            )
            archive.close()
        origin = server.origin
    return Trapped(origin, db, runs, requests, junk, pending, untried)


def count(urls: list[str], predicate) -> int:
    return sum(1 for url in urls if predicate(url))


def is_junk(url: str) -> bool:
    return JUNK_PREFIX in url


def test_every_run_ends_by_itself_ok(trapped):
    for result in trapped.runs:
        assert result.returncode == 0, result.stderr[-3000:]
    runs = list(trapped.db.query("SELECT status, articles_new FROM crawl_runs ORDER BY id"))
    assert [r["status"] for r in runs] == ["ok"] * 5
    assert [r["articles_new"] for r in runs] == [len(ARTICLES), 0, 0, 0, 0]


def test_the_trapped_runs_stay_within_their_budgets(trapped):
    for run in (1, 2):
        fetched = trapped.fetched(run)
        assert count(fetched, links.is_listing) <= LISTING_PAGES
        assert count(fetched, lambda u: "/sitemaps/" in u) <= SITEMAPS
        assert count(fetched, lambda u: "/feeds/" in u) <= FEEDS
        assert count(fetched, is_junk) <= DISCOVERY + IN_FLIGHT
    # the traps were met for real: the pager walked until its budget was spent, the chain of
    # sitemap indexes followed until its budget was, and junk fetched until the discovery cap
    first = trapped.fetched(1)
    assert count(first, lambda u: u.split("?")[0].endswith(PAGER)) >= LISTING_PAGES // 2
    # the pager of nothing new was left after its first page and STALE more
    assert count(first, lambda u: u.split("?")[0].endswith(STALE_PAGER)) == 1 + STALE
    assert count(first, lambda u: "/sitemaps/" in u) == SITEMAPS
    assert count(first, is_junk) >= DISCOVERY


def test_a_met_budget_is_a_notice_of_the_run(trapped):
    first = trapped.runs[0].stderr
    problems = trapped.db.execute("SELECT problems FROM crawl_runs WHERE id = 1").fetchone()[0]
    for notice in (
        f"MAX_LISTING_PAGES ({LISTING_PAGES}) met",
        f"MAX_SITEMAP_REQUESTS ({SITEMAPS}) met",
        f"MAX_FEED_REQUESTS ({FEEDS}) met",
        f"MAX_SITEMAP_ENTRIES ({ENTRIES}) met",
        f"MAX_DISCOVERY_PAGES ({DISCOVERY}) met",
        f"MAX_DISCOVERY_BACKLOG ({BACKLOG}) met",
        f"LISTING_STALE_PAGES ({STALE}) met; listing walks stopped, their last pages linking nothing new: 1",
    ):
        assert notice in first  # in the summary line a cron log keeps
        assert notice in problems


def test_every_real_article_is_archived_once_and_fetched_once(trapped):
    origin = trapped.origin
    urls = [r["url"] for r in trapped.db.query("SELECT url FROM articles")]
    assert sorted(urls) == sorted(origin + path for path in ARTICLES)
    first = trapped.fetched(1)
    for path in SHOWN:  # shown on every trap page, with a new session id on every link
        assert first.count(origin + path) == 1, path


def test_no_request_carries_a_session_id(trapped):
    sent = [r.path.lower() for run in trapped.requests for r in run]
    assert [p for p in sent if any(mark in p for mark in SESSION_MARKS)] == []
    # the session listing was walked once: its two pages, once each
    first = [r.path for r in trapped.requests[0] if r.path.startswith(SESSIONS)]
    assert sorted(first) == [SESSIONS, f"{SESSIONS}?page=2"]


def test_the_junk_leaves_no_pending_links(trapped):
    """Sitemap entries are not written to the frontier when found: only the junk fetched (at most
    the discovery cap) has a row, with its failure; no later run takes it up again."""
    rows = trapped.junk_rows_after_first
    assert 0 < len(rows) <= DISCOVERY + IN_FLIGHT
    assert all(r["failed_attempts"] == 1 and r["article_id"] is None for r in rows)
    assert [url for url in trapped.pending_after_first if is_junk(url)] == []
    # after the five runs (four of which met junk): only what they fetched, each with its failure
    # (the first run alone wrote 40,000 rows before: every entry of its sitemaps)
    junk, untried = trapped.db.execute(
        "SELECT count(*), sum(failed_attempts = 0) FROM article_links WHERE url LIKE ?", [f"%{JUNK_PREFIX}%"]
    ).fetchone()
    assert junk <= 4 * (DISCOVERY + IN_FLIGHT) and untried == 0


def test_the_next_run_does_not_go_back_to_the_junk(trapped):
    third = trapped.fetched(3)
    assert count(third, is_junk) == 0
    problems = trapped.db.execute("SELECT problems FROM crawl_runs WHERE id = 3").fetchone()[0]
    assert "MAX_DISCOVERY_PAGES" not in problems
    assert "MAX_LISTING_PAGES" not in problems  # the pager is gone too


def test_a_poisoned_frontier_drains_within_the_budgets(trapped):
    """30,000 junk links pending from an older version: the first run takes up 20,000
    (MAX_PENDING_LINKS), after its own discoveries, fetches at most its discovery cap of them and
    forgets the others; the next run does the same with the last 10,000; none is left."""
    for run in (4, 5):
        assert count(trapped.fetched(run), is_junk) <= DISCOVERY + IN_FLIGHT
    assert trapped.untried_junk == [POISONED - PENDING_TAKEN, 0]
    rows = trapped.db.execute("SELECT count(*) FROM article_links WHERE url LIKE ?", [f"%{JUNK_PREFIX}cu/%"])
    assert rows.fetchone()[0] <= 2 * (DISCOVERY + IN_FLIGHT)  # the ones fetched, with their failure

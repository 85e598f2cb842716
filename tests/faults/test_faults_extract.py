"""Bounded extraction through the real crawl (issue 25, point 7): an article URL that answers a
page whose reading takes far longer than EXTRACT_TIMEOUT is stopped, recorded as
`extract_timeout` (its fetch_log row, the run's errors and problems), and waits before it is
fetched again; the run goes on and ends ok with every other article archived."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import sqlite_utils
from faults_support import Sandbox

from archive.outcome import EXIT_OK
from crawler.replica.faults import Body, FaultServer
from crawler.replica.server import DEFAULT_SITE_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.cardpage import card_page  # noqa: E402

ARTICLES = sorted(json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))["articles"])
SLOW = "/hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html"
# Read in ~20 s on an idle machine, under the 8 MB download cap; the replica's pages in milliseconds.
SLOW_PAGE = card_page(7 * 1024 * 1024)
LIMIT = 3


def test_a_page_past_the_extraction_limit_is_recorded_and_the_run_goes_on(tmp_path):
    sandbox = Sandbox(tmp_path / "crawl")
    faults = {SLOW: Body(SLOW_PAGE, "text/html; charset=utf-8")}
    with FaultServer(DEFAULT_SITE_DIR, faults) as server:
        run = sandbox.crawl(server, "--set", f"EXTRACT_TIMEOUT={LIMIT}")
        origin = server.origin
        assert (SLOW, "body") in server.applied
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-6000:]
    assert f"{origin}{SLOW}: extraction stopped after {LIMIT} s (EXTRACT_TIMEOUT)" in run.stderr

    db = sqlite_utils.Database(sandbox.db)
    (crawl,) = db.query("SELECT * FROM crawl_runs")
    assert crawl["status"] == "ok"
    assert json.loads(crawl["errors"])["extract_timeout"] == 1  # beside the replica's deliberate 404 image
    assert f"{origin}{SLOW}: extraction stopped after {LIMIT} s (EXTRACT_TIMEOUT)" in json.loads(crawl["problems"])

    # the page came (200, its bytes measured) and was not read: its fetch_log row says so
    rows = list(db.query("SELECT status, error, bytes FROM fetch_log WHERE url = ?", [origin + SLOW]))
    assert rows == [{"status": 200, "error": "extract_timeout", "bytes": len(SLOW_PAGE)}]
    assert db.execute("SELECT count(*) FROM fetch_log WHERE error = 'extract_timeout'").fetchone()[0] == 1

    # every other article is archived; this one waits (1, 2, 4… days) before it is fetched again
    archived = {r["url"] for r in db.query("SELECT url FROM articles")}
    assert archived == {origin + path for path in ARTICLES if path != SLOW}
    link = next(db.query("SELECT article_id, failed_attempts FROM article_links WHERE url = ?", [origin + SLOW]))
    assert link == {"article_id": None, "failed_attempts": 1}
    assert sandbox.stray_files() == []

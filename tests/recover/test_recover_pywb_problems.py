"""A recovery whose captures give the archive something to say (a later capture that lost the
view counter: "views empty (kept stored value)"), against a real pywb: the problem lands in the
run's `crawl_runs.problems`, and nothing prints a traceback.

The archive writer used to fail on every capture with a problem (`'Writes' object has no
attribute 'problems'`): a traceback on stderr per capture, its problems dropped, the run `ok`.
"""

from __future__ import annotations

import json

import pytest
import sqlite_utils
from test_recover_pywb import recover
from wayback_support import SEED_URL, Pywb, Record, seed_page, write_warc


def seed_without_counter() -> bytes:
    page = seed_page("550")
    assert "| 550 lần đọc".encode() in page
    return page.replace("| 550 lần đọc".encode(), b"")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pywb-problems")
    records = [
        Record(SEED_URL, "20200801030000", seed_page("120")),
        Record(SEED_URL, "20200901030000", seed_without_counter()),  # the counter gone: a problem
    ]
    warc = write_warc(root / "tnu.warc.gz", records)
    db_path = root / "data" / "tnu.sqlite"
    (root / "wayback").mkdir()
    with Pywb(root / "wayback", [warc]) as server:
        # One capture a run, oldest first: the second run reads the one that lost its counter.
        results = [recover(server, db_path, root / "data" / "images", "--limit", "1") for _ in range(2)]
        yield {"results": results, "db": sqlite_utils.Database(db_path), "server": server}


def test_no_traceback_and_the_problem_counted_in_the_run(run):
    db, server = run["db"], run["server"]
    for result in run["results"]:
        assert result.returncode == 0, result.stderr
        for sign in ("Traceback", "Error", "archive writer"):
            assert sign not in result.stderr, result.stderr
    rows = db.execute("SELECT status, problems FROM crawl_runs ORDER BY id").fetchall()
    assert [status for status, _ in rows] == ["ok", "ok"]
    problem = f"{server.replay}20200901030000id_/{SEED_URL}: views empty (kept stored value)"
    assert problem not in json.loads(rows[0][1])
    assert problem in json.loads(rows[1][1])


def test_both_captures_stored_and_marked_recovered(run):
    db = run["db"]
    assert db.execute("SELECT views, captured_at FROM articles").fetchall() == [(120, "2020-09-01T03:00:00Z")]
    outcomes = db.execute("SELECT timestamp, outcome FROM recovered_captures ORDER BY timestamp").fetchall()
    assert outcomes == [("20200801030000", "new"), ("20200901030000", "unchanged")]

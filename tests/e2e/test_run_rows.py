"""Every started run leaves a row: the nights an operator reads about the next morning — no
DNS, refused connections, nothing fetched, a setting Scrapy refuses — each end in a `crawl_runs`
row that says so, with honest counts and the error; the summary is the last line on stderr and
no Scrapy traceback of an expected network failure reaches the log.

Only 127.0.0.1 is contacted: a refused connection is a bound port that does not listen, and a
name that cannot resolve is under `.invalid`, which no resolver answers (RFC 6761).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import sqlite_utils
from e2e_support import FAST, run_cli


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound by nobody else and listening for nobody: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def crawl(tmp_path, *args: str):
    db = tmp_path / "tnu.sqlite"
    result = run_cli(
        "crawl",
        "--db",
        str(db),
        "--images-dir",
        str(tmp_path / "images"),
        *FAST,
        "--set",
        "CONTACT=mailto:ops@example.org",
        *args,
    )  # an operator who set theirs
    return result, db


def runs(db) -> list[dict]:
    rows = list(sqlite_utils.Database(db).query("SELECT * FROM crawl_runs ORDER BY id"))
    for row in rows:
        for column in ("errors", "problems"):
            row[column] = json.loads(row[column]) if row[column] else None
    return rows


def last_line(stderr: str) -> str:
    return [line for line in stderr.splitlines() if line.strip()][-1]


def test_a_name_that_does_not_resolve_leaves_a_failed_run(tmp_path):
    result, db = crawl(tmp_path, "--start-url", "http://nonexistent.invalid/")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("tnu-archive: cannot resolve nonexistent.invalid"), result.stderr
    assert last_line(result.stderr).startswith("run 1 failed: 0 pages, articles 0 new"), result.stderr
    assert "Traceback" not in result.stderr
    (run,) = runs(db)
    assert (run["status"], run["exit_code"], run["pages"], run["errors"]) == ("failed", 1, 0, {"dns": 1})
    assert "cannot resolve nonexistent.invalid" in run["problems"][0]
    assert run["ended_at"] is not None
    assert json.loads(run["settings"])["USER_AGENT"].endswith(" (+mailto:ops@example.org)")
    fetches = list(sqlite_utils.Database(db).query("SELECT url, status, error, run_id FROM fetch_log"))
    assert fetches == [{"url": "http://nonexistent.invalid/", "status": None, "error": "dns", "run_id": 1}]


def test_refused_connections_count_no_page_and_print_no_traceback(tmp_path, closed_port):
    result, db = crawl(tmp_path, "--start-url", f"http://127.0.0.1:{closed_port}/")
    assert result.returncode == 1
    assert last_line(result.stderr).startswith("run 1 failed: 0 pages,"), result.stderr[-2000:]
    # Scrapy's per-request reports are gone: one line for the kind, the attempts in fetch_log.
    assert "Traceback" not in result.stderr and "Gave up retrying" not in result.stderr
    assert "Error downloading" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING: connection_refused" in line]
    assert len(warnings) == 1, result.stderr
    (run,) = runs(db)
    assert (run["status"], run["exit_code"], run["pages"]) == ("failed", 1, 0)
    assert run["errors"] == {"connection_refused": 1}
    assert "no page could be fetched (connection_refused 1)" in run["problems"][0]
    attempts = (
        sqlite_utils.Database(db)
        .execute("SELECT count(*), min(error), max(error), max(status) FROM fetch_log")
        .fetchone()
    )
    # robots.txt and the start page, each tried 1 + RETRY_TIMES (3) times
    assert attempts == (8, "connection_refused", "connection_refused", None)


def test_a_site_that_answers_nothing_but_errors_is_a_failed_run(tmp_path, replica):
    result, db = crawl(tmp_path, "--start-url", replica.origin + "/no-such-listing.html")
    assert result.returncode == 1
    assert last_line(result.stderr).startswith("run 1 failed:"), result.stderr[-2000:]
    (run,) = runs(db)
    assert (run["status"], run["exit_code"], run["errors"]) == ("failed", 1, {"http_404": 1})
    assert "no page could be fetched (http_404 1)" in run["problems"][0]


def test_a_setting_scrapy_refuses_after_the_lock_leaves_a_failed_run(tmp_path, closed_port):
    result, db = crawl(tmp_path, "--start-url", f"http://127.0.0.1:{closed_port}/", "--set", "LOG_LEVEL=LOUD")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    assert "Unknown level: 'LOUD'" in result.stderr
    assert last_line(result.stderr).startswith("run 1 failed: 0 pages"), result.stderr
    (run,) = runs(db)
    assert (run["status"], run["exit_code"], run["pages"]) == ("failed", 1, 0)
    assert "Unknown level: 'LOUD'" in run["problems"][0]


def test_the_failed_night_is_the_latest_run_after_a_good_one(tmp_path, replica):
    good, db = crawl(tmp_path, "--start-url", replica.url)
    assert good.returncode == 0, good.stderr[-2000:]
    assert last_line(good.stderr).startswith("run 1 ok:")
    bad, _ = crawl(tmp_path, "--start-url", "http://nonexistent.invalid/")
    assert bad.returncode == 1
    assert [(r["id"], r["status"]) for r in runs(db)] == [(1, "ok"), (2, "failed")]


def test_an_unreadable_archive_is_said_in_one_line_and_left_as_it_is(tmp_path):
    db = tmp_path / "tnu.sqlite"
    db.write_bytes(b"not a database, " * 64)
    result, _ = crawl(tmp_path, "--start-url", "http://nonexistent.invalid/")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith(f"tnu-archive: cannot open the archive {db}: file is not a database"), result.stderr
    assert lines[-1].startswith("run - failed: 0 pages") and len(lines) == 2
    assert db.read_bytes() == b"not a database, " * 64

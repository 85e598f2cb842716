"""Bounded extraction through the real crawl (issue 25, point 7): an article URL that answers a
page whose reading takes far longer than EXTRACT_TIMEOUT is stopped, recorded as
`extract_timeout` (its fetch_log row, the run's errors and problems), and waits before it is
fetched again; the run goes on and ends ok with every other article archived.

`reparse` and `probe` read pages under the same limit: reparse leaves such a stored page's row as
it was, counts it and goes on; probe ends in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils
from faults_support import Sandbox

from archive.outcome import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from archive.record import Article
from archive.store import Archive
from crawler.extract import extract_article
from crawler.replica.faults import Body, FaultServer
from crawler.replica.server import DEFAULT_SITE_DIR, file_for

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


def tnu_archive(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess:
    """The command, in the sandbox's folders; a generous bound: a page read to its end takes ~20 s."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(sandbox.tmp), "HOME": str(sandbox.root / "home")}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=sandbox.root / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


ORIGIN = "http://127.0.0.1:8000"


def _archive_with_the_slow_page(sandbox: Sandbox) -> None:
    """An archive that holds the slow page as its second article (stored when a crawl had no limit)."""
    origin = ORIGIN
    others = [path for path in ARTICLES if path != SLOW][:3]
    with Archive(sandbox.db, sandbox.images) as archive:
        for path in [others[0], SLOW, *others[1:]]:
            url = origin + path
            if path == SLOW:
                body, article = SLOW_PAGE, Article(url=url, title="Hội thảo", published_at="2020-07-15", body_text="x")
            else:
                body = (DEFAULT_SITE_DIR / "www" / file_for(path)).read_bytes().replace(b"{{ORIGIN}}", origin.encode())
                article = extract_article(body, url, encoding="utf-8")
            archive.save_article(
                article, run_id=None, fetched_at="2026-11-30T00:00:00Z", raw_html=body, encoding="utf-8"
            )


def test_reparse_leaves_a_page_past_the_limit_as_it_was_and_goes_on(tmp_path):
    """The slow page's reading is stopped, its row stays as it was, and the articles after it are
    reparsed."""
    sandbox = Sandbox(tmp_path / "reparse")
    origin = ORIGIN
    _archive_with_the_slow_page(sandbox)
    before = list(sqlite_utils.Database(sandbox.db).query("SELECT * FROM articles ORDER BY id"))

    where = ("--db", str(sandbox.db), "--images-dir", str(sandbox.images))
    result = tnu_archive(sandbox, "reparse", *where, "--extract-timeout", str(LIMIT))
    assert result.returncode == EXIT_OK, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert f"tnu-archive: {origin}{SLOW}: extraction stopped after {LIMIT} s (EXTRACT_TIMEOUT); left as it was" in lines
    assert lines[-1].startswith(
        "reparsed 4 articles: 0 changed, 3 unchanged, 0 set aside (no longer read as articles), 0 put back, "
        "0 without a stored page, 0 failed, 1 timed out, 0 held back by the brake"
    ), lines[-1]
    assert list(sqlite_utils.Database(sandbox.db).query("SELECT * FROM articles ORDER BY id")) == before
    assert sandbox.stray_files() == []


def test_reparse_stopped_by_sigterm_says_so_in_one_line_and_keeps_the_archive_whole(tmp_path):
    """Stopped while it reads the slow page (no limit): one line, exit 6, the archive as it was
    (the rows before it unchanged, the one being read rolled back), verify clean."""
    sandbox = Sandbox(tmp_path / "reparse-stopped")
    _archive_with_the_slow_page(sandbox)
    before = list(sqlite_utils.Database(sandbox.db).query("SELECT * FROM articles ORDER BY id"))
    where = ("--db", str(sandbox.db), "--images-dir", str(sandbox.images))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(sandbox.tmp), "HOME": str(sandbox.root / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "reparse", *where, "--extract-timeout", "0"],
        cwd=sandbox.root / "cwd",
        env={**env, "TNU_PROGRESS": "plain", "TNU_PROGRESS_INTERVAL": "0.001"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # the plain progress line (one at each article, at this interval) says when the first article
        # is read: the second is the slow one
        for line in proc.stderr:
            if "1/4 articles" in line:
                break
        time.sleep(0.5)  # well into the slow page's reading (seconds): not a measure
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == EXIT_INTERRUPTED, rest
    assert "Traceback" not in rest
    assert rest.strip().splitlines()[-1].startswith("tnu-archive: reparse stopped by SIGTERM before the end:")
    assert list(sqlite_utils.Database(sandbox.db).query("SELECT * FROM articles ORDER BY id")) == before
    verified = tnu_archive(sandbox, "verify", *where)
    assert verified.returncode == EXIT_OK, verified.stderr[-2000:]


def test_probe_of_a_page_past_the_limit_is_one_line(tmp_path):
    sandbox = Sandbox(tmp_path / "probe")
    with FaultServer(DEFAULT_SITE_DIR, {SLOW: Body(SLOW_PAGE, "text/html; charset=utf-8")}) as server:
        result = tnu_archive(sandbox, "probe", server.origin + SLOW, "--extract-timeout", str(LIMIT))
        origin = server.origin
        assert (SLOW, "body") in server.applied
    assert result.returncode == EXIT_FAILED, result.stderr[-3000:]
    assert result.stderr.strip().splitlines() == [
        f"tnu-archive: {origin}{SLOW}: extraction stopped after {LIMIT} s (EXTRACT_TIMEOUT, --extract-timeout)"
    ]
    assert result.stdout == ""
    assert sandbox.stray_files() == []

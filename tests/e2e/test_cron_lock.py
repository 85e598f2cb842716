"""One run at a time per archive, under cron: a second crawl exits at once with its own code, and
the lock of a crawl killed with SIGKILL is taken over by the next run (its run row: `killed`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from cron_support import copy_site, first_crawl, query
from e2e_support import FAST, crawl

from archive.operations.lock import RunLock
from archive.outcome import EXIT_INTERRUPTED, EXIT_LOCKED
from archive.storage.runs import list_runs
from crawler.replica.server import ReplicaServer

SLOW_START = 60.0  # the start page of the first crawl answers after this long: it is still running


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_second_crawl_while_the_lock_is_held_exits_4_with_one_line(replica, tmp_path):
    db_path = tmp_path / "data" / "tnu.sqlite"
    replica.reset_log()
    with RunLock(db_path):
        started = time.monotonic()
        result = crawl(replica, db_path, tmp_path / "data" / "images")
        elapsed = time.monotonic() - started
    print(f"locked out in {elapsed:.1f}s: {result.stderr.strip()}")
    assert result.returncode == EXIT_LOCKED
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"tnu-archive: another run is in progress (pid {os.getpid()} since ")
    assert lines[0].endswith(f"lock: {db_path}.lock")
    assert replica.requests == []
    assert not db_path.exists()


@pytest.fixture
def slow_site(tmp_path):
    with ReplicaServer(copy_site(tmp_path / "site", slow={"/": SLOW_START})) as server:
        yield server


def test_overlap_is_refused_and_a_killed_runs_lock_is_taken_over(slow_site, tmp_path_factory, tmp_path):
    first_run = first_crawl(tmp_path_factory)
    db_path, images = first_run.copy_archive(tmp_path / "data")
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--start-url",
            slow_site.url,
            "--db",
            str(db_path),
            "--images-dir",
            str(images),
            *FAST,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Running: its run row is written and the start page is being waited for.
        wait_for(lambda: any(r.path == "/" for r in slow_site.requests), what="the first crawl's start page")
        assert query(db_path, "SELECT id, status, pid FROM crawl_runs WHERE id > 1") == [(2, "running", first.pid)]

        started = time.monotonic()
        second = crawl(slow_site, db_path, images)
        elapsed = time.monotonic() - started
        print(f"second crawl refused in {elapsed:.1f}s: {second.stderr.strip()}")
        # Refused, not queued behind the lock: it came back while the first crawl still runs
        # (no bound on its own time, which a busy machine stretches)
        assert second.returncode == EXIT_LOCKED
        (line,) = second.stderr.strip().splitlines()
        assert f"another run is in progress (pid {first.pid} since " in line
        assert first.poll() is None, "the first crawl goes on"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    # The killed crawl's lock file is still there, naming it; the next run takes it over.
    lock_file = db_path.with_name(db_path.name + ".lock")
    assert lock_file.read_text().startswith(f"pid {first.pid} since ")
    with first_run.serve() as replica:
        third = crawl(replica, db_path, images)
    print(third.stderr.strip().splitlines()[-1])
    assert third.returncode == 0, third.stderr[-3000:]

    db = sqlite_utils.Database(db_path)
    try:
        runs = list_runs(db)[::-1]
    finally:
        db.close()
    assert [(r["id"], r["status"]) for r in runs] == [(1, "ok"), (2, "killed"), (3, "ok")]
    assert runs[1]["ended_at"] is None and runs[2]["ended_at"]
    assert lock_file.read_text() == ""  # released by the run that finished


def test_sigterm_ends_the_run_as_interrupted_with_exit_6(slow_site, tmp_path):
    db_path, images = tmp_path / "data" / "tnu.sqlite", tmp_path / "data" / "images"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--start-url",
            slow_site.url,
            "--db",
            str(db_path),
            "--images-dir",
            str(images),
            *FAST,
            "--set",
            "DOWNLOAD_TIMEOUT=3",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: any(r.path == "/" for r in slow_site.requests), what="the start page request")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, stderr[-2000:]
    assert "run 1 interrupted:" in stderr.strip().splitlines()[-1]
    assert query(db_path, "SELECT status, exit_code FROM crawl_runs") == [("interrupted", EXIT_INTERRUPTED)]
    assert db_path.with_name(db_path.name + ".lock").read_text() == ""


def test_scrapy_crawl_news_is_refused_too_while_the_lock_is_held(replica, tmp_path):
    db_path = tmp_path / "data" / "tnu.sqlite"
    replica.reset_log()
    with RunLock(db_path):
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "scrapy"),
                "crawl",
                "news",
                "-a",
                f"start_url={replica.url}",
                "-s",
                f"ARCHIVE_DB={db_path}",
                "-s",
                f"IMAGES_STORE={tmp_path / 'data' / 'images'}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    assert proc.returncode != 0
    assert f"another run is in progress (pid {os.getpid()} since " in proc.stderr
    assert replica.requests == []
    assert not db_path.exists()


def test_a_crawl_through_a_symlink_to_a_locked_database_exits_4(replica, tmp_path):
    db_path = tmp_path / "data" / "tnu.sqlite"
    db_path.parent.mkdir()
    db_path.write_bytes(b"")
    link = tmp_path / "link.sqlite"
    link.symlink_to(db_path)
    replica.reset_log()
    with RunLock(db_path):
        result = crawl(replica, link, tmp_path / "data" / "images")
    assert result.returncode == EXIT_LOCKED, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(f"lock: {db_path}.lock")
    assert replica.requests == []


def test_scrapy_crawl_news_refused_prints_one_line_and_exits_4(replica, tmp_path):
    db_path = tmp_path / "data" / "tnu.sqlite"
    with RunLock(db_path):
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "scrapy"),
                "crawl",
                "news",
                "-a",
                f"start_url={replica.url}",
                "-s",
                f"ARCHIVE_DB={db_path}",
                "-s",
                f"IMAGES_STORE={tmp_path / 'data' / 'images'}",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    assert proc.returncode == EXIT_LOCKED, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"tnu-archive: another run is in progress (pid {os.getpid()} since ")


def test_sigterm_cancels_the_downloads_in_flight_and_ends_within_5_seconds(slow_site, tmp_path):
    """The start page answers after a minute and the download timeout is the default: the run
    must not wait for either."""
    db_path, images = tmp_path / "data" / "tnu.sqlite", tmp_path / "data" / "images"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--start-url",
            slow_site.url,
            "--db",
            str(db_path),
            "--images-dir",
            str(images),
            *FAST,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: any(r.path == "/" for r in slow_site.requests), what="the start page request")
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"SIGTERM to exit: {took:.1f}s")
    assert proc.returncode == EXIT_INTERRUPTED, stderr[-2000:]
    assert took < 5, f"took {took:.1f}s"
    assert query(db_path, "SELECT status, exit_code FROM crawl_runs") == [("interrupted", EXIT_INTERRUPTED)]

"""A stop asked for in a crawl's first seconds, before Scrapy listens for one
(crawler/operations/early_stop.py): before the data folder's lock it ends the command in one
line, exit 6, nothing written; after the lock the run ends with its row, `interrupted`, exit 6.
It used to kill the command outright (SIGTERM, no row though the lock was taken) or print a
traceback (Ctrl-C)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_support import FAST

from archive.outcome import EXIT_INTERRUPTED
from crawler.replica.server import ReplicaServer

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc")


def _start(server: ReplicaServer, data: Path) -> subprocess.Popen:
    args = ["crawl", "--start-url", server.url, "--db", str(data / "tnu.sqlite"), "--images-dir", str(data / "images")]
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args, *FAST],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler of its own for SIGTERM (Python has none by default)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def _wait(condition, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a bound, not a measure
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the crawl ended or 120 s passed before {what}")
        time.sleep(0.002)


def _end(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, stderr


def _runs(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT status, problems FROM crawl_runs").fetchall()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_before_the_lock_ends_the_command_in_one_line_with_nothing_written(tmp_path, stop):
    with ReplicaServer() as server:
        for attempt in range(3):
            data = tmp_path / str(attempt)
            data.mkdir()
            server.reset_log()
            proc = _start(server, data)
            # the command listens from its start: the moment it does, the stop comes (long before
            # the lock: the helpers' server and Scrapy's imports come first)
            _wait(lambda: _catches_sigterm(proc.pid), "it listened for a stop", proc)  # noqa: B023
            if not (data / "tnu.sqlite.lock").exists():
                # not taken yet: the handler runs before the command's next line of Python
                os.kill(proc.pid, stop)
                break
            # this machine was too busy to see the moment before the lock: again
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        else:
            raise AssertionError("three crawls took the lock before their first moment of listening was seen")
        code, stderr = _end(proc)
        served = len(server.requests)
    assert code == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        f"tnu-archive: stopped by {stop.name} before the run began: nothing was fetched or written"
    )
    assert served == 0
    assert _runs(data / "tnu.sqlite") == []


def test_a_stop_once_the_lock_is_taken_ends_the_run_with_its_row(tmp_path):
    with ReplicaServer() as server:
        proc = _start(server, tmp_path)
        _wait(lambda: (tmp_path / "tnu.sqlite.lock").exists(), "it took the lock", proc)
        os.kill(proc.pid, signal.SIGTERM)
        code, stderr = _end(proc)
    assert code == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    # whichever handler heard it (ours before Scrapy's, or Scrapy's), the run that took the lock has its row
    ((status, problems),) = _runs(tmp_path / "tnu.sqlite")
    assert status == "interrupted", problems

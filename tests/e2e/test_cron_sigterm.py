"""A crawl stopped by SIGTERM to its whole process group (`kill -- -PGID`, systemd stopping the
unit, a supervisor's timeout) records what it did (issue 25, point 11).

The signal reaches the crawler and its helpers alike. The helpers used to die of it: the writer's
last writes were lost (its count and fetch_log disagreed), the extraction worker's pages were
counted as `extract_error`, and when the writer's death started a close of its own, the stop's
close waited only for the downloads and stopped the reactor before the run was judged: 3 of 9
kills were recorded `failed, 0 pages` ("the spider stopped before the run was opened") after
1,531 pages. Now the helpers outlive the signal, and the run's record is written from its tally
whichever close gets there first.

Each crawl below runs in a session of its own and is killed the way a supervisor kills it.
"""

from __future__ import annotations

import contextlib
import json
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
from crawler.replica.faults import Body, FaultServer
from crawler.replica.server import ReplicaServer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks import sitegen  # noqa: E402
from benchmarks.cardpage import card_page  # noqa: E402

# Pages the site has served when the group is killed: from the start page to well into the
# articles and their images.
MOMENTS = (1, 2, 4, 8, 14, 22, 34, 50, 70, 95)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sigterm-site")
    sitegen.generate_site(folder, 120, seed=25)
    return folder


def _pages_served(server: ReplicaServer) -> int:
    return sum(1 for r in server.requests if not r.path.lower().split("?")[0].endswith(IMAGE_SUFFIXES))


def _wait(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds  # a bound, not a measure
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.01)


def _start(server: ReplicaServer, data: Path, *extra: str) -> subprocess.Popen:
    args = ["crawl", "--start-url", server.url, "--db", str(data / "tnu.sqlite"), "--images-dir", str(data / "images")]
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args, *FAST, *extra],
        stdout=subprocess.DEVNULL,
        stderr=(data / "stderr").open("w"),
        start_new_session=True,  # its own process group, as under a supervisor
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _end(proc: subprocess.Popen) -> int:
    try:
        return proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != pgid:
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    members.append(int(entry.name))
            except OSError:
                continue
    return members


def _writer_of(pgid: int, db: Path) -> int:
    """The helper of the crawl that has the archive open: its writer (the crawler has it open too)."""
    for pid in _group_members(pgid):
        try:
            if any(os.readlink(fd) == str(db) for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:
            continue
    raise AssertionError("no writer process found")


def _run_row(db: Path) -> tuple[dict, int, int]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        (row,) = conn.execute("SELECT * FROM crawl_runs").fetchall()
        logged = conn.execute(
            "SELECT count(*) FROM fetch_log WHERE run_id = ? AND kind = 'page' AND status IS NOT NULL", [row["id"]]
        ).fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return dict(row), logged, articles


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
def test_every_kill_of_the_group_records_an_interrupted_run_with_its_real_counts(site, tmp_path):
    # The ten crawls run side by side, each on a server of its own (its request log is its
    # moment) and each killed when its own moment comes: what one crawl costs is mostly starting
    # up and closing down, which ten overlap.
    outcomes = []
    with contextlib.ExitStack() as stack:
        servers = {moment: stack.enter_context(ReplicaServer(site)) for moment in MOMENTS}
        procs = {}
        stack.callback(_kill_the_rest, procs)  # a failed wait leaves no crawl behind
        for moment in MOMENTS:
            data = tmp_path / f"kill-{moment}"
            data.mkdir()
            procs[moment] = _start(servers[moment], data)
        waiting = set(MOMENTS)
        _wait(lambda: not _kill_the_due(servers, procs, waiting), "each crawl's moment (pages served)")
        for moment in MOMENTS:
            proc, data = procs[moment], tmp_path / f"kill-{moment}"
            code = _end(proc)
            stderr = (data / "stderr").read_text()
            row, logged, articles = _run_row(data / "tnu.sqlite")
            outcomes.append((moment, code, row["status"], row["pages"], logged, row["articles_new"], articles))
            assert code == EXIT_INTERRUPTED, (moment, stderr[-3000:])
            assert (row["status"], row["exit_code"]) == ("interrupted", EXIT_INTERRUPTED), (moment, row)
            assert row["ended_at"] is not None
            # its real counts: every page it fetched is in fetch_log, every article it counted archived
            assert row["pages"] == logged, (moment, row["pages"], logged)
            assert logged >= 1 or moment < 4, moment  # the first pages served may be cut on their way
            assert row["articles_new"] == articles, (moment, row["articles_new"], articles)
            # the stop is the one problem: no writer lost, no page failed to extract because of it
            assert json.loads(row["problems"]) == ["run stopped before the end (shutdown)"], (moment, row["problems"])
            assert json.loads(row["errors"]).get("extract_error") is None, (moment, row["errors"])
            assert "Traceback" not in stderr, (moment, stderr[-3000:])
            assert (data / "tnu.sqlite.lock").read_text() == ""  # released
            _wait(lambda: _group_members(proc.pid) == [], "the helpers to leave with the crawler", 30)  # noqa: B023
    for moment, code, status, pages, logged, articles_new, _ in outcomes:
        print(f"killed after {moment} served: exit {code}, {status}, {pages} pages/{logged} logged, {articles_new} new")


def _kill_the_due(servers: dict, procs: dict, waiting: set) -> set:
    """SIGTERM to the group of every crawl whose moment has come (or that ended before it: its
    exit code says so); what still waits."""
    for moment in sorted(waiting):
        if _pages_served(servers[moment]) >= moment or procs[moment].poll() is not None:
            if procs[moment].poll() is None:
                os.killpg(procs[moment].pid, signal.SIGTERM)
            waiting.discard(moment)
    return waiting


def _kill_the_rest(procs: dict) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("attempt", [1, 2])
def test_a_stop_that_meets_the_close_of_a_dead_writer_still_records_the_run(attempt, tmp_path):
    """The writer dies (the OOM killer) while a page takes seconds to read; the crawler starts
    closing the spider; then the group gets SIGTERM. The stop's close waits only for the downloads
    and stops the reactor while the first close still waits for that page: the run was recorded
    `failed, 0 pages`. It is `interrupted`, with what it did."""
    slow = "/hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html"
    data = tmp_path / "data"
    data.mkdir()
    with FaultServer(faults={slow: Body(card_page(3 * 1024 * 1024), "text/html; charset=utf-8")}) as server:
        proc = _start(server, data, "--set", "LOG_LEVEL=INFO")
        _wait(lambda: (slow, "body") in server.applied or proc.poll() is not None, "the slow page served")
        time.sleep(1.0)  # on its way to the extraction worker, which reads it for ~8 s
        os.kill(_writer_of(proc.pid, data / "tnu.sqlite"), signal.SIGKILL)
        _wait(lambda: "the archive writer ended" in (data / "stderr").read_text(), "the crawler to see the writer die")
        os.killpg(proc.pid, signal.SIGTERM)
        code = _end(proc)
    stderr = (data / "stderr").read_text()
    row, _, _ = _run_row(data / "tnu.sqlite")
    assert code == EXIT_INTERRUPTED, stderr[-3000:]
    assert (row["status"], row["exit_code"]) == ("interrupted", EXIT_INTERRUPTED), row
    assert row["pages"] >= 1, row
    problems = json.loads(row["problems"])
    assert any("the archive writer ended" in p for p in problems), problems
    assert not any("before the run was opened" in p for p in problems), problems
    assert (data / "tnu.sqlite.lock").read_text() == ""

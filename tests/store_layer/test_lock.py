"""The data folder's lock: one process at a time, taken again freely by the process holding it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive.operations.lock import Locked, RunLock

HOLD = """
import sys
from archive.operations.lock import RunLock
with RunLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def other_process(tmp_path):
    """Another process holding the lock of tmp_path/tnu.sqlite until the test ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "tnu.sqlite")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.communicate("\n", timeout=10)


def acquire_elsewhere(db) -> subprocess.CompletedProcess:
    """Try the lock from another process (which then exits, releasing it)."""
    code = "import sys; from archive.operations.lock import RunLock; RunLock(sys.argv[1]).acquire()"
    return subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=False)


def test_another_process_is_refused_with_the_holders_pid(other_process, tmp_path):
    with pytest.raises(Locked, match=rf"another run is in progress \(pid {other_process.pid} since .*\); lock: "):
        RunLock(tmp_path / "tnu.sqlite").acquire()


def test_the_holding_process_takes_it_again_and_the_last_release_frees_it(tmp_path):
    db = tmp_path / "tnu.sqlite"
    outer, inner = RunLock(db), RunLock(tmp_path / "." / "tnu.sqlite")  # the same file, spelled otherwise
    outer.acquire()
    inner.acquire()
    inner.release()
    # still held: another process is refused
    probe = acquire_elsewhere(db)
    assert probe.returncode == 1 and "another run is in progress" in probe.stderr
    outer.release()
    assert outer.path.read_text() == ""
    probe = acquire_elsewhere(db)
    assert probe.returncode == 0, probe.stderr


def test_a_lock_object_is_not_taken_twice(tmp_path):
    lock = RunLock(tmp_path / "tnu.sqlite")
    with lock, pytest.raises(RuntimeError):
        lock.acquire()


def test_a_symlink_to_the_database_or_its_folder_leads_to_the_same_lock(other_process, tmp_path):
    (tmp_path / "tnu.sqlite").write_bytes(b"")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "link.sqlite").symlink_to(tmp_path / "tnu.sqlite")
    (tmp_path / "folder-link").symlink_to(tmp_path, target_is_directory=True)
    for spelled in (
        elsewhere / "link.sqlite",
        tmp_path / "folder-link" / "tnu.sqlite",
        elsewhere / ".." / "tnu.sqlite",
    ):
        with pytest.raises(Locked, match=rf"\(pid {other_process.pid} since .*\); lock: {tmp_path}/tnu.sqlite.lock"):
            RunLock(spelled).acquire()

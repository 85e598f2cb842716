"""An export that does not finish leaves no staging folder behind: stopped (Ctrl-C, SIGTERM), it
removes its own and says so in one line; killed outright (SIGKILL), the next export of the same
folder removes what it left, and nothing else: a folder of another name, host or live process, or
holding anything an export does not write, stays as it is.

The export runs as the real command in its own process. One image file of the archive is a named
pipe: the export blocks reading it, past its tables, until the test has signalled it (no timing)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from access_archive import build_archive

from archive.export import export

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()


def held(root: Path) -> tuple[Path, Path, Path, bytes]:
    """An archive one of whose image files is a named pipe: (database, images, the pipe, its bytes)."""
    db_path, images_dir = build_archive(root)
    with sqlite3.connect(db_path) as conn:
        (rel,) = conn.execute("SELECT path FROM images ORDER BY sha256 LIMIT 1").fetchone()
    pipe = images_dir / rel
    data = pipe.read_bytes()
    pipe.unlink()
    os.mkfifo(pipe)
    return db_path, images_dir, pipe, data


def stopped_export(db_path: Path, images_dir: Path, pipe: Path, out: Path, how: signal.Signals) -> tuple[int, str, int]:
    """Start `tnu-archive export`, wait until it reads the pipe (its tables written), send `how`:
    (its exit code, its stderr, its pid)."""
    stderr = out.parent / f"{out.name}-{how.name}.stderr"
    with open(stderr, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler", "export", "--out", str(out), "--db", str(db_path)]
            + ["--images-dir", str(images_dir), "-q"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    writer = None
    try:
        for _ in range(12_000):  # opening the write end succeeds once the export reads the pipe
            assert process.poll() is None, stderr.read_text(encoding="utf-8")
            try:
                writer = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.01)
        assert writer is not None, "the export never read the image file"
        process.send_signal(how)
        code = process.wait(timeout=120)
    finally:
        if writer is not None:
            os.close(writer)
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, stderr.read_text(encoding="utf-8"), process.pid


def restore(pipe: Path, data: bytes) -> None:
    pipe.unlink()
    pipe.write_bytes(data)


def beside(out: Path) -> set[str]:
    return {p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")}


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_export_removes_its_staging_folder_and_says_so_in_one_line(tmp_path, how):
    db_path, images_dir, pipe, data = held(tmp_path / "archive")
    out = tmp_path / "dataset"
    code, stderr, _ = stopped_export(db_path, images_dir, pipe, out, how)
    assert code == 6, stderr  # EXIT_INTERRUPTED
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    reason = "SIGTERM" if how == signal.SIGTERM else "Ctrl-C"
    assert stderr.startswith(f"tnu-archive: export stopped by {reason} before the end: its staging folder was removed")
    assert not out.exists() and beside(out) == set()
    # and the next export goes through
    restore(pipe, data)
    export(db_path, images_dir, out)
    assert (out / "datapackage.json").is_file() and beside(out) == set()


def snapshot(folder: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        found[rel] = ("link", os.readlink(path)) if path.is_symlink() else "dir" if path.is_dir() else path.read_bytes()
    return found


def look_alikes(parent: Path, prefix: str, dead: int) -> None:
    """Folders a killed export did not leave (or not on this host, or not of a dead process)."""
    (parent / f"{prefix}-{HOST}-{os.getppid()}-0").mkdir()  # a live process's: an export still writing
    (parent / f"{prefix}-{HOST}-{os.getppid()}-0" / "data").mkdir()
    (parent / f"{prefix}-elsewhere-{dead}-0").mkdir()  # another host's: its process is not ours to judge
    mine = parent / f"{prefix}-{HOST}-{dead}-1"
    mine.mkdir()  # the exact name, but holding someone's notes
    (mine / "data").mkdir()
    (mine / "notes.txt").write_text("mine\n", encoding="utf-8")
    (parent / f"{prefix}-{HOST}-{dead}-0.bak").mkdir()  # another name
    (parent / f"{prefix}-{HOST}-{dead}-0.bak" / "README.md").write_text("x\n", encoding="utf-8")
    target = parent.parent / f"{parent.name}-kept"
    target.mkdir()
    (target / "README.md").write_text("kept\n", encoding="utf-8")
    (parent / f"{prefix}-{HOST}-{dead}-2").symlink_to(target, target_is_directory=True)  # a link, not a folder


@pytest.mark.parametrize("layout", ["new folder", "existing empty folder"])
def test_the_next_export_removes_what_a_killed_one_left_and_nothing_else(tmp_path, layout):
    db_path, images_dir, pipe, data = held(tmp_path / "archive")
    parent = tmp_path / "exports"
    parent.mkdir()
    out = parent / "dataset"
    if layout == "existing empty folder":
        out.mkdir()
    code, stderr, pid = stopped_export(db_path, images_dir, pipe, out, signal.SIGKILL)
    assert code == -signal.SIGKILL, stderr
    where, prefix = (out, ".partial") if out.is_dir() else (parent, f".{out.name}.partial")
    left = where / f"{prefix}-{HOST}-{pid}-0"
    assert left.is_dir() and (left / "data").is_dir()  # what SIGKILL leaves: the tables, written
    # beside the folder (inside it, anything would make it someone's: refused, earlier_export)
    look_alikes(parent, f".{out.name}.partial", pid)
    others = {p.name: snapshot(p) if p.is_dir() and not p.is_symlink() else "link" for p in parent.iterdir()}
    others.pop(left.name, None)
    others.pop(out.name, None)
    restore(pipe, data)
    kept = snapshot(tmp_path)
    export(db_path, images_dir, out)
    assert not left.exists() and (out / "datapackage.json").is_file()
    now = {p.name: snapshot(p) if p.is_dir() and not p.is_symlink() else "link" for p in parent.iterdir()}
    assert {name: now[name] for name in others} == others
    # nothing else anywhere changed but the export and what the killed one left
    after = snapshot(tmp_path)
    gone = left.relative_to(tmp_path).as_posix()
    changed = {rel for rel in set(kept) | set(after) if kept.get(rel) != after.get(rel)}
    assert all(rel.startswith(("exports/dataset", gone)) for rel in changed), sorted(changed)

"""No command but a crawl makes an archive (issue 25): pointed at a path that holds none (nothing
there, the empty file `sqlite-utils` leaves at a wrong path, another program's SQLite file),
every reading command says "no archive at PATH" in one line, exits 1, and leaves the path as it
found it: no file, no schema, no -wal or -shm beside it, no output folder."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from e2e_support import run_cli

COMMANDS = [
    ("search", "dai hoc"),
    ("runs",),
    ("runs", "--check"),
    ("export", "--out", "{tmp}/export"),
    ("export", "--wacz", "{tmp}/captures.wacz"),
    ("verify",),
    ("serve", "--port", "0"),
    ("reparse",),
]


def missing(path: Path) -> None:
    pass


def empty(path: Path) -> None:
    path.write_bytes(b"")


def foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('someone else''s data')")
    conn.commit()
    conn.close()


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under `folder`."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("make", [missing, empty, foreign], ids=["missing", "empty", "foreign"])
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_no_command_makes_an_archive_where_there_is_none(command, make, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "tnu.sqlite"
    make(db)
    before = snapshot(folder)
    args = [arg.format(tmp=tmp_path) for arg in command]
    try:
        result = run_cli(
            *args, "--db", str(db), *(["--images-dir", str(folder / "images")] * (args[0] != "search")), timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args[0]} took {db} for an archive and ran on")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith(f"tnu-archive: no archive at {db}"), result.stderr
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no export, no WACZ

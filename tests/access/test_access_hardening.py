"""Hostile or careless conditions around a finished archive: a schema from the future, odd
export targets, file modes (issue 15)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from access_archive import run_cli
from archive.db import MIGRATIONS


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` (name -> sha256): what "nothing was written" is checked against."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- a schema from the future ------------------------------------------------------------------

@pytest.fixture
def future_archive(archive) -> tuple[Path, Path]:
    db_path, images_dir = archive
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")  # one file: nothing beside it to confuse the check
    conn.close()
    return db_path, images_dir


@pytest.mark.parametrize("command", [
    ["search", "dai hoc"],
    ["runs"],
    ["export", "--out", "{tmp}/out"],
    ["export", "--wacz", "{tmp}/out.wacz"],
    ["verify"],
    ["reparse", "--quiet"],
    ["serve", "--port", "0"],
    ["crawl", "--quiet", "--start-url", "http://127.0.0.1:9/"],
])
def test_every_command_refuses_a_newer_schema_without_writing(future_archive, tmp_path, command):
    db_path, images_dir = future_archive
    before = fingerprint(db_path.parent)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    extra = ["--db", db_path] + ([] if command[0] == "search" else ["--images-dir", images_dir])
    result = run_cli(*args, *extra)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"schema version {len(MIGRATIONS) + 1}, newer than this tnu-archive" in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(db_path.parent) == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.wacz").exists()


def test_the_current_schema_is_still_opened(archive):
    db_path, images_dir = archive
    assert run_cli("runs", "--db", db_path, "--images-dir", images_dir).returncode == 0


# --- small ones ---------------------------------------------------------------------------------

def test_export_into_the_working_folder(archive, tmp_path, monkeypatch):
    db_path, images_dir = archive
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = run_cli("export", "--out", ".", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 0, result.stderr
    assert (here / "datapackage.json").is_file()
    assert Path.cwd() == here and here.is_dir()  # the folder itself is kept, not replaced
    assert sorted(p.name for p in here.iterdir() if p.name.startswith(".")) == []
    # Again: the earlier export there is replaced in place.
    (here / "stale.txt").write_text("from an older export")
    result = run_cli("export", "--out", ".", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 0, result.stderr
    assert not (here / "stale.txt").exists() and (here / "datapackage.json").is_file()


def test_export_refuses_a_working_folder_that_holds_other_things(archive, tmp_path, monkeypatch):
    db_path, images_dir = archive
    monkeypatch.chdir(db_path.parent)  # the data folder itself: never to be replaced
    before = fingerprint(db_path.parent)
    result = run_cli("export", "--out", ".", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "is not empty and holds no earlier export" in result.stderr
    # SQLite's -wal and -shm files come and go with any reader of a WAL archive.
    assert {k: v for k, v in fingerprint(db_path.parent).items() if not k.endswith(("-wal", "-shm"))} == before


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_image_files_are_created_as_the_umask_says(tmp_path, umask):
    from archive.images import write_image
    from PIL import Image
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    old = os.umask(umask)
    try:
        info = write_image(tmp_path, buffer.getvalue())
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / info.path).stat().st_mode)
    assert mode == 0o666 & ~umask


# --- terminal control characters in stored data -------------------------------------------------

# What an older archive (stored before controls were dropped) or a hand-edited one can hold.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x7f\x00"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def tainted(archive) -> tuple[Path, Path]:
    db_path, images_dir = archive
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE articles SET title = title || ?, url = url || ?, published_at = ?",
                 [ESCAPES, ESCAPES, "2020" + ESCAPES])
    conn.execute(
        "INSERT INTO crawl_runs (started_at, status, errors, problems, start_urls) VALUES (?, ?, ?, ?, ?)",
        ["2026-01-01T00:00:00Z" + ESCAPES, "ok" + ESCAPES, json.dumps({"http_404" + ESCAPES: 1}),
         json.dumps(["x" + ESCAPES]), json.dumps(["http://tnu.edu.vn/" + ESCAPES])],
    )
    conn.commit()
    conn.close()
    return db_path, images_dir


@pytest.mark.parametrize("command", [
    ["search", "dai hoc"], ["search", "dai hoc", "--json"], ["runs"], ["runs", "--json"],
])
def test_the_cli_prints_no_control_character_from_stored_data(tainted, command):
    db_path, images_dir = tainted
    extra = ["--images-dir", images_dir] if command[0] == "runs" else []
    result = run_cli(*command, "--db", db_path, *extra)
    assert result.returncode == 0, result.stderr
    assert "pwned" in result.stdout  # the rest of the text is shown
    assert not _CONTROL.findall(result.stdout + result.stderr)
    if "--json" in command:  # still the stored values, escaped
        assert any(ESCAPES in text for text in strings(json.loads(result.stdout)))


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    return [s for item in value for s in strings(item)] if isinstance(value, list) else []

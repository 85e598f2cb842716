"""Hostile or careless conditions around a finished archive: a schema from the future, odd
export targets, file modes (issue 15)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from access_archive import run_cli

from archive.db import MIGRATIONS


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` (name -> sha256): what "nothing was written" is checked against."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
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


@pytest.mark.parametrize(
    "command",
    [
        ["search", "dai hoc"],
        ["runs"],
        ["export", "--out", "{tmp}/out"],
        ["export", "--wacz", "{tmp}/out.wacz"],
        ["verify"],
        ["reparse", "--quiet"],
        ["serve", "--port", "0"],
        ["crawl", "--quiet", "--start-url", "http://127.0.0.1:9/"],
    ],
)
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
    # Again: the earlier export there is replaced in place (its files, not what was put beside
    # them: test_access_export_target.py).
    readme = (here / "README.md").read_bytes()
    (here / "README.md").write_text("edited")
    (here / "notes.txt").write_text("mine")
    result = run_cli("export", "--out", ".", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 0, result.stderr
    assert (here / "README.md").read_bytes() == readme and (here / "notes.txt").read_text() == "mine"
    assert Path.cwd() == here and sorted(p.name for p in here.iterdir() if p.name.startswith(".")) == []


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
    import io

    from PIL import Image

    from archive.storage.images import write_image

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
    conn.execute(
        "UPDATE articles SET title = title || ?, url = url || ?, published_at = ?", [ESCAPES, ESCAPES, "2020" + ESCAPES]
    )
    conn.execute(
        "INSERT INTO crawl_runs (started_at, status, errors, problems, start_urls) VALUES (?, ?, ?, ?, ?)",
        [
            "2026-01-01T00:00:00Z" + ESCAPES,
            "ok" + ESCAPES,
            json.dumps({"http_404" + ESCAPES: 1}),
            json.dumps(["x" + ESCAPES]),
            json.dumps(["http://tnu.edu.vn/" + ESCAPES]),
        ],
    )
    conn.commit()
    conn.close()
    return db_path, images_dir


@pytest.mark.parametrize(
    "command",
    [
        ["search", "dai hoc"],
        ["search", "dai hoc", "--json"],
        ["runs"],
        ["runs", "--json"],
    ],
)
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


# --- read-only media ------------------------------------------------------------------------------

READONLY_MOUNT = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'


def readonly_command(folder: Path, *args: object) -> list[str]:
    """`tnu-archive args...` seeing `folder` as a read-only filesystem.

    A read-only bind mount in a mount namespace of its own (`unshare`), so nothing outlives the
    command: chmod would not stop root, which CI runs as, and SQLite's real failure is a WAL
    archive whose `-shm` file cannot be created, which only a read-only filesystem gives.
    """
    return [
        "unshare",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        READONLY_MOUNT,
        "sh",
        str(folder),
        sys.executable,
        "-m",
        "crawler",
        *map(str, args),
    ]


@pytest.fixture
def readonly(archive) -> tuple[Path, Path]:
    db_path, images_dir = archive
    probe = subprocess.run(
        [
            "unshare",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            READONLY_MOUNT + ' ; touch "$0/x" 2>/dev/null && exit 9 || exit 0',
            "sh",
            str(db_path.parent),
            "true",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"no read-only mount possible here (unshare/mount: {probe.stderr.strip()})")
    # The archive as a crawl leaves it: WAL mode, and no -shm beside it.
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert not Path(f"{db_path}-shm").exists()
    return db_path, images_dir


@pytest.mark.parametrize(
    "command",
    [
        ["search", "dai hoc"],
        ["runs"],
        ["verify", "--images-dir", "{images}"],
        ["export", "--out", "{tmp}/out", "--images-dir", "{images}"],
    ],
)
def test_readers_work_on_read_only_media(readonly, tmp_path, command):
    db_path, images_dir = readonly
    before = fingerprint(db_path.parent)
    args = [a.replace("{tmp}", str(tmp_path)).replace("{images}", str(images_dir)) for a in command]
    result = subprocess.run(
        readonly_command(db_path.parent, *args, "--db", db_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unable to open" not in result.stdout + result.stderr
    if command[0] == "search":
        assert "Đại học Thái Nguyên" in result.stdout
    if command[0] == "runs":
        assert len(result.stdout.splitlines()) >= 1
    if command[0] == "verify":
        assert result.stderr == "verify: 4 image files checked, no problem\n"
    if command[0] == "export":
        assert (tmp_path / "out" / "datapackage.json").is_file()
    assert fingerprint(db_path.parent) == before


def test_serve_works_on_read_only_media(readonly, tmp_path):
    import time
    import urllib.request

    db_path, images_dir = readonly
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            readonly_command(db_path.parent, "serve", "--db", db_path, "--images-dir", images_dir, "--port", "0"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline and process.poll() is None:
            url = next(
                (line.rsplit(" on ", 1)[1].strip() for line in log.read_text().splitlines() if " on http://" in line),
                None,
            )
            time.sleep(0.05)
        assert url, log.read_text()
        with urllib.request.urlopen(url + "tnu/articles.json?_shape=array", timeout=10) as response:
            assert len(json.loads(response.read())) == 4
    finally:
        process.terminate()
        process.wait(timeout=10)

"""`verify`: every damaged or missing file is named, and the exit code says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from access_archive import run_cli, run_installed

from archive.export import export
from archive.verify import verify


def image_files(images_dir: Path) -> list[Path]:
    return sorted(p for p in images_dir.rglob("*") if p.is_file())


def test_an_intact_archive_passes(archive):
    db_path, images_dir = archive
    report = verify(db_path, images_dir)
    assert report.ok and report.problems == []
    assert report.images_checked == 4
    result = run_cli("verify", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr == "verify: 4 image files checked, no problem\n"


def test_one_corrupt_byte_and_one_deleted_file_are_both_reported(archive):
    db_path, images_dir = archive
    corrupt, deleted = image_files(images_dir)[:2]
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2] ^= 0x01
    corrupt.write_bytes(bytes(data))
    deleted.unlink()

    report = verify(db_path, images_dir)
    assert {(p.kind, p.subject) for p in report.problems} == {
        ("corrupt", str(corrupt)),
        ("missing", str(deleted)),
    }
    result = run_installed("verify", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 5
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert any(line.startswith(f"corrupt: {corrupt}: sha256 is ") for line in lines)
    assert f"missing: {deleted}: image {deleted.stem} has no file" in lines
    assert result.stderr == "verify: 4 image files checked, 2 problem(s)\n"


def test_a_truncated_file_is_reported_by_size(archive):
    db_path, images_dir = archive
    victim = image_files(images_dir)[0]
    victim.write_bytes(victim.read_bytes()[:10])
    (problem,) = verify(db_path, images_dir).problems
    assert problem.kind == "wrong_size" and problem.subject == str(victim)
    assert problem.detail.startswith("10 bytes, recorded ")


def test_a_broken_link_between_tables_is_reported(archive, tmp_path):
    db_path, images_dir = archive
    with sqlite3.connect(db_path) as conn:  # foreign keys are off on a plain connection
        conn.execute("UPDATE article_images SET article_id = 999 WHERE position = 0 AND article_id = 1")
    report = verify(db_path, images_dir)
    assert [(p.kind, p.subject) for p in report.problems] == [("foreign_key", "article_images")]
    assert run_cli("verify", "--db", db_path, "--images-dir", images_dir).returncode == 5


def test_an_unindexed_article_is_reported(archive):
    db_path, images_dir = archive
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM article_search WHERE article_id = 2")
    (problem,) = verify(db_path, images_dir).problems
    assert str(problem) == "search_index: article_search: article 2 is not indexed"


def test_a_damaged_database_file_is_reported(archive):
    db_path, images_dir = archive
    # Checkpoint the WAL into the main file, then overwrite a page in its middle.
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with open(db_path, "r+b") as handle:
        handle.seek(page_size * (pages // 2))
        handle.write(b"\xff" * page_size)
    report = verify(db_path, images_dir)
    assert not report.ok
    assert any(p.kind == "database" for p in report.problems)
    result = run_cli("verify", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 5 and "Traceback" not in result.stderr


def test_not_a_database_is_reported_not_raised(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not sqlite at all" * 300)
    (problem,) = verify(junk, tmp_path / "images").problems
    assert problem.kind == "database" and "not a database" in problem.detail


def test_an_export_is_checked_against_its_manifest(archive, tmp_path):
    db_path, images_dir = archive
    out = tmp_path / "ds"
    export(db_path, images_dir, out)
    report = verify(db_path, images_dir, out)
    # 8 tables in 3 formats, 4 image files, the card, croissant.json, datapackage.json
    assert report.ok and report.export_files_checked == 8 * 3 + 4 + 3

    with open(out / "csv/articles.csv", "a", encoding="utf-8") as handle:
        handle.write("tampered\n")
    (out / "README.md").unlink()
    (out / "extra.txt").write_text("not part of the dataset")
    problems = {(p.subject, p.detail.split(",")[0].split(" is ")[0]) for p in verify(db_path, images_dir, out).problems}
    assert problems == {
        (str(out / "csv/articles.csv"), "sha256"),
        (str(out / "README.md"), "listed in the manifest but missing"),
        (str(out / "extra.txt"), "not in the manifest"),
    }
    result = run_cli("verify", "--db", db_path, "--images-dir", images_dir, "--export", out)
    assert result.returncode == 5
    assert len(result.stdout.splitlines()) == 3


def test_an_export_without_manifest(archive, tmp_path):
    db_path, images_dir = archive
    (tmp_path / "empty").mkdir()
    (problem,) = verify(db_path, images_dir, tmp_path / "empty").problems
    assert problem.kind == "export" and problem.detail == "no manifest"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--db", "{tmp}/none.sqlite"],
            "tnu-archive: no archive at {tmp}/none.sqlite (run a crawl first, or pass --db)\n",
        ),
        (["--export", "{tmp}/nothing"], "tnu-archive: no export at {tmp}/nothing\n"),
    ],
)
def test_cli_cannot_run_is_one_line_exit_1(archive, tmp_path, args, message):
    db_path, images_dir = archive
    args = [a.format(tmp=tmp_path) for a in args]
    if "--db" not in args:
        args += ["--db", str(db_path)]
    result = run_cli("verify", "--images-dir", images_dir, *args)
    assert result.returncode == 1
    assert result.stderr == message.format(tmp=tmp_path)
    assert not (tmp_path / "none.sqlite").exists()

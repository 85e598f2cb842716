"""`export --out` touches only a folder it wrote, and in it only the files its manifest lists.

A folder that is not an earlier export (someone's own data package, a thesis) comes out of
`export --out` byte for byte as it went in; an earlier export is refreshed, its stale files
removed, and whatever else was put in it stays.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from access_archive import build_archive, run_cli

from archive.export import MANIFEST, ExportError, export


def snapshot(folder: Path) -> dict[str, object]:
    """Everything under `folder`: file bytes, folders, symbolic links (not followed)."""
    found: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    return build_archive(tmp_path_factory.mktemp("export-target") / "archive")


def without_one_image(db_path: Path, folder: Path) -> tuple[Path, str]:
    """A copy of the archive in which one image was never downloaded: (its path, the image's
    path in an export)."""
    folder.mkdir()
    copy = folder / "tnu.sqlite"
    with sqlite3.connect(db_path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as conn:
        sha, rel = conn.execute("SELECT sha256, path FROM images ORDER BY sha256 LIMIT 1").fetchone()
        conn.execute("UPDATE article_images SET image_sha256 = NULL WHERE image_sha256 = ?", [sha])
        conn.execute("DELETE FROM images WHERE sha256 = ?", [sha])
    return copy, f"images/{rel}"


def foreign_package(folder: Path) -> None:
    """Someone else's research folder, with a Frictionless package of their own."""
    (folder / "raw").mkdir(parents=True)
    (folder / "datapackage.json").write_text('{"name": "interviews-2025", "resources": []}\n')
    (folder / "raw" / "interviews.csv").write_text("id,answer\n1,có\n")
    (folder / "thesis.tex").write_text("\\documentclass{article}\n")


def test_a_foreign_data_package_survives_byte_for_byte(archive, tmp_path):
    db_path, images_dir = archive
    folder = tmp_path / "research"
    foreign_package(folder)
    before = snapshot(folder)
    result = run_cli("export", "--out", folder, "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "holds no earlier export (its datapackage.json is not the tnu-news-archive package)" in result.stderr
    assert "nothing in it was touched" in result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f: (f / "thesis.tex").write_text("draft"), id="no package at all"),
        pytest.param(
            lambda f: (f / "datapackage.json").write_text('{"name": "tnu-news-archive"}'),
            id="our package name but no manifest",
        ),
        pytest.param(
            lambda f: (
                (f / "datapackage.json").write_text('{"name": "tnu-news-archive"}'),
                (f / MANIFEST).write_text(f"{'0' * 64}  datapackage.json\n{'0' * 64}  ../thesis.tex\n"),
            ),
            id="a manifest listing a file outside",
        ),
        pytest.param(
            lambda f: (
                (f / "datapackage.json").write_text('{"name": "tnu-news-archive"}'),
                (f / MANIFEST).write_text(f"{'0' * 64}  thesis.tex\n"),
            ),
            id="a manifest that does not list the package",
        ),
        pytest.param(
            lambda f: (
                (f / "datapackage.json").write_text("not json"),
                (f / MANIFEST).write_text(f"{'0' * 64}  datapackage.json\n"),
            ),
            id="a package that is not JSON",
        ),
    ],
)
def test_a_folder_that_is_not_an_earlier_export_is_refused_untouched(archive, tmp_path, make):
    db_path, images_dir = archive
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("\\documentclass{article}\n")
    make(folder)
    before = snapshot(folder)
    with pytest.raises(ExportError, match="holds no earlier export"):
        export(db_path, images_dir, folder)
    assert snapshot(folder) == before


def test_a_re_export_removes_only_its_own_stale_files(archive, tmp_path):
    db_path, images_dir = archive
    fewer_db, gone = without_one_image(db_path, tmp_path / "later")
    # the export of the full archive, then notes of the dataset's user put beside its files
    out = tmp_path / "ds"
    export(db_path, images_dir, out)
    assert (out / gone).is_file()
    (out / "notes.txt").write_text("my notes")
    (out / "data" / "my-analysis.csv").write_text("a,b\n")
    # the archive no longer holds that image: its file is stale, and its folder left empty
    export(fewer_db, images_dir, out)
    assert not (out / gone).exists()
    assert not (out / gone).parent.exists()
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "data" / "my-analysis.csv").read_text() == "a,b\n"
    # apart from the user's files, the folder is exactly a fresh export of the archive
    fresh = tmp_path / "fresh"
    export(fewer_db, images_dir, fresh)
    refreshed = snapshot(out)
    del refreshed["notes.txt"], refreshed["data/my-analysis.csv"]
    assert refreshed == snapshot(fresh)


def test_a_user_file_where_the_new_export_writes_is_not_overwritten(archive, tmp_path):
    db_path, images_dir = archive
    fewer_db, coming = without_one_image(db_path, tmp_path / "earlier")
    out = tmp_path / "ds"
    export(fewer_db, images_dir, out)
    (out / coming).parent.mkdir(parents=True, exist_ok=True)
    (out / coming).write_bytes(b"a file of mine, at the path the next export writes")
    before = snapshot(out)
    with pytest.raises(ExportError, match="is in the way and is not a file of the earlier export"):
        export(db_path, images_dir, out)
    assert snapshot(out) == before


def test_a_symbolic_link_in_an_earlier_export_is_never_followed(archive, tmp_path):
    db_path, images_dir = archive
    out = tmp_path / "ds"
    export(db_path, images_dir, out)
    # someone replaced data/ by a link to their own folder, which holds files of the same names
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(out / "data", elsewhere)
    shutil.rmtree(out / "data")
    (out / "data").symlink_to(elsewhere, target_is_directory=True)
    outside, inside = snapshot(elsewhere), snapshot(out)
    with pytest.raises(ExportError, match="is a symbolic link: export writes nothing through it"):
        export(db_path, images_dir, out)
    assert snapshot(elsewhere) == outside
    assert snapshot(out) == inside


def test_an_export_stopped_while_swapping_files_is_finished_by_the_next(archive, tmp_path, monkeypatch):
    db_path, images_dir = archive
    fewer_db, _ = without_one_image(db_path, tmp_path / "earlier")
    out = tmp_path / "ds"
    export(fewer_db, images_dir, out)
    (out / "notes.txt").write_text("mine")
    # the swap fails after a few files moved in (a full disk, a kill): the folder is a mix
    import archive.export as export_module

    real_replace, moves = os.replace, []

    def failing_replace(src, dst):
        moves.append(dst)
        if len(moves) == 4:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(export_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        export(db_path, images_dir, out)
    monkeypatch.undo()
    # still recognised as an export of ours (its manifest lists old and new files): finished
    export(db_path, images_dir, out)
    fresh = tmp_path / "fresh"
    export(db_path, images_dir, fresh)
    finished = snapshot(out)
    assert finished.pop("notes.txt") == b"mine"
    assert finished == snapshot(fresh)

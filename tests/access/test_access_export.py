"""`export`: a dataset the real Frictionless validator and `sha256sum -c` accept, byte-stable."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from access_archive import ARTICLES, build_archive, run_cli

from archive.db import COLUMNS
from archive.export import ExportError, export
from archive.storage.dictionary import DATASET_DESCRIPTIONS

TABLES = ["articles", "article_images", "images", "view_counts", "article_versions", "article_aliases", "crawl_runs"]
METADATA = {"datapackage.json", "croissant.json", "README.md", "manifest-sha256.txt"}
FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def frictionless_validate(folder: Path) -> dict:
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(folder / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, Path, dict]:
    root = tmp_path_factory.mktemp("export")
    db_path, images_dir = build_archive(root / "archive")
    summary = export(db_path, images_dir, root / "out")
    return db_path, images_dir, root / "out", summary


def test_the_frictionless_validator_accepts_it(built):
    _, _, out, _ = built
    report = frictionless_validate(out)
    errors = [e["message"] for task in report["tasks"] for e in task["errors"]]
    assert report["valid"], errors
    checked = {task["name"] for task in report["tasks"]}
    assert {"articles", "articles-jsonl", "view_counts", "view_counts-jsonl"} <= checked


def test_sha256sum_accepts_the_manifest_and_it_lists_every_file(built):
    _, _, out, _ = built
    result = subprocess.run(
        ["sha256sum", "--strict", "-c", "manifest-sha256.txt"], cwd=out, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = {line.split("  ", 1)[1] for line in (out / "manifest-sha256.txt").read_text().splitlines()}
    assert listed == set(files_of(out)) - {"manifest-sha256.txt"}


def test_two_exports_are_byte_identical(built, tmp_path):
    db_path, images_dir, out, summary = built
    again = export(db_path, images_dir, tmp_path / "again")
    assert files_of(tmp_path / "again") == files_of(out)
    assert again["version"] == summary["version"]


def test_a_changed_archive_gets_a_new_version(built, tmp_path):
    db_path, images_dir, _, summary = built
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(db_path.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE articles SET title = title || '!' WHERE id = 1")
    assert export(copy, images_dir, tmp_path / "out")["version"] != summary["version"]


def test_tables_as_csv_and_jsonl_hold_the_database_rows_in_key_order(built):
    db_path, _, out, summary = built
    conn = sqlite3.connect(db_path)
    for table in TABLES:
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        jsonl = [json.loads(line) for line in (out / f"jsonl/{table}.jsonl").read_text().splitlines()]
        # every stored column is there with its value (the dataset adds columns of its own)
        kept = [{k: j[k] for k in names if k in j} for j in jsonl]
        stored = [{k: v for k, v in zip(names, r, strict=True) if k in (jsonl[0] if jsonl else names)} for r in rows]
        assert sorted(kept, key=repr) == sorted(stored, key=repr), table
        with open(out / f"csv/{table}.csv", newline="", encoding="utf-8") as handle:
            table_csv = list(csv.reader(handle))
        header = table_csv[0]
        assert [r[0] for r in table_csv[1:]] == [str(j[header[0]]) for j in jsonl]
        assert summary["rows"][table] == len(rows)
    ids = [json.loads(line)["id"] for line in (out / "jsonl/articles.jsonl").read_text().splitlines()]
    assert ids == sorted(ids) and len(ids) == len(ARTICLES)
    # NULL stays null in JSON Lines (the article without a counter, the failed download).
    articles = [json.loads(line) for line in (out / "jsonl/articles.jsonl").read_text().splitlines()]
    assert any(a["views"] is None for a in articles)
    assert "Đảng ủy Đại học Thái Nguyên" in articles[0]["body_text"]


def test_images_are_copied_byte_for_byte_under_their_archive_paths(built):
    db_path, images_dir, out, summary = built
    conn = sqlite3.connect(db_path)
    paths = [p for (p,) in conn.execute("SELECT path FROM images")]
    assert summary["images"] == len(paths) == 4
    for rel in paths:
        assert (out / "images" / rel).read_bytes() == (images_dir / rel).read_bytes()


def test_datapackage_describes_every_file(built):
    db_path, _, out, _ = built
    package = json.loads((out / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "Thai Nguyen University" in package["rights"]
    assert package["sources"] == [{"title": "News pages of https://tnu.edu.vn/", "path": "https://tnu.edu.vn/"}]
    assert package["crawled"] == {"from": "2026-01-05T02:00:00Z", "to": "2026-03-05T02:00:00Z"}
    assert package["published"] == {"from": "2020-07-15", "to": "2026-02-23"}
    assert package["version"].startswith("2026.3.5+")
    files = files_of(out)
    described = {r["path"] for r in package["resources"]}
    assert described == set(files) - METADATA
    for resource in package["resources"]:
        data = files[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
    for table in TABLES:
        (resource,) = [r for r in package["resources"] if r["name"] == table]
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        conn = sqlite3.connect(db_path)
        stored = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        assert [name for name in fields if name in stored] == [name for name in stored if name in fields]
        own = DATASET_DESCRIPTIONS.get(table, {})  # the dataset's own meaning of a column (export --site's runs)
        for name, description in COLUMNS[table].items():
            if name in fields:
                assert fields[name]["description"] == own.get(name, description)
    (images_resource,) = [r for r in package["resources"] if r["name"] == "article_images"]
    links = {tuple(fk["fields"]): fk["reference"] for fk in images_resource["schema"]["foreignKeys"]}
    assert links[("article_id",)] == {"resource": "articles", "fields": ["id"]}
    assert links[("image_sha256",)] == {"resource": "images", "fields": ["sha256"]}


def test_dataset_card(built):
    _, _, out, summary = built
    card = (out / "README.md").read_text()
    assert "4 articles, 6 article images, 4 image files, 7 view-count observations" in card
    assert "## How to cite" in card and summary["version"] in card
    assert "| `credit` | string | Photographer" in card
    assert "sha256sum -c manifest-sha256.txt" in card
    assert "pip install 'frictionless[json]'" in card  # plain frictionless rejects JSON Lines


def test_a_previous_export_is_replaced_other_folders_are_not_touched(built, tmp_path):
    # (what is replaced, and what never is: test_access_export_target.py)
    db_path, images_dir, _, _ = built
    target = tmp_path / "ds"
    export(db_path, images_dir, target)
    (target / "csv" / "articles.csv").write_text("edited")
    (target / "mine.txt").write_text("not the export's")
    export(db_path, images_dir, target)
    assert files_of(target) == files_of(built[2]) | {"mine.txt": b"not the export's"}
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty"):
        export(db_path, images_dir, other)
    assert (other / "mine.txt").read_text() == "keep me"


def test_a_damaged_image_stops_the_export_and_leaves_nothing_behind(archive, tmp_path):
    db_path, images_dir = archive
    victim = sorted(images_dir.rglob("*.png"))[0]
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
    out = tmp_path / "exports" / "out"
    with pytest.raises(ExportError, match="corrupt"):
        export(db_path, images_dir, out)
    assert list((tmp_path / "exports").iterdir()) == []


def test_cli_export(archive, tmp_path):
    db_path, images_dir = archive
    result = run_cli("export", "--out", tmp_path / "ds", "--db", db_path, "--images-dir", images_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Exported 4 articles, 6 article images, 4 image files, 7 view counts")
    assert (tmp_path / "ds" / "datapackage.json").is_file()
    result = run_cli("export", "--out", tmp_path / "x", "--db", tmp_path / "missing.sqlite")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no archive at" in result.stderr
    assert not (tmp_path / "missing.sqlite").exists()


def test_an_archive_without_articles_is_not_exported(tmp_path):
    from archive.db import connect

    connect(tmp_path / "empty.sqlite").close()
    result = run_cli(
        "export", "--out", tmp_path / "out", "--db", tmp_path / "empty.sqlite", "--images-dir", tmp_path / "images"
    )
    assert result.returncode == 1
    assert result.stderr == (
        "tnu-archive: export failed: the archive holds no article yet: nothing to export (run a crawl first)\n"
    )
    assert not (tmp_path / "out").exists()


def test_each_file_is_read_once_for_its_digest(built, tmp_path, monkeypatch):
    """The resources, the version and the manifest all carry digests: image files are hashed
    while they are copied, every other file once (an archive's images can weigh gigabytes)."""
    import archive.export as export_module

    hashed: list[str] = []
    real = export_module.file_sha256

    def counting(path: Path) -> str:
        # (relative to the folder being built, which is renamed to `again` when complete)
        hashed.append("/".join(Path(path).relative_to(tmp_path).parts[1:]))
        return real(path)

    monkeypatch.setattr(export_module, "file_sha256", counting)
    db_path, images_dir, _, _ = built
    export(db_path, images_dir, tmp_path / "again")
    assert not [rel for rel in hashed if rel.startswith("images/")]
    assert len(hashed) == len(set(hashed))
    assert set(hashed) == set(files_of(tmp_path / "again")) - {"manifest-sha256.txt"} - {
        rel for rel in files_of(tmp_path / "again") if rel.startswith("images/")
    }

"""The dataset as researchers read it: typed Parquet per table, Croissant metadata read back
record by record, CSV a spreadsheet cannot run, categories of two layouts as one, a schema fixed
by the code whatever the archive's age, a version that does not depend on the Parquet encoder."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlite_utils
from access_archive import ARTICLES, build_archive, run_cli

from archive.db import MIGRATIONS
from archive.export import ExportError, export
from archive.store import Archive

TABLES = ("articles", "article_images", "images", "view_counts", "article_versions", "article_aliases", "crawl_runs")
MLCROISSANT = Path(sys.executable).with_name("mlcroissant")
# Text a spreadsheet would run as a formula, or whose first character it would eat.
HOSTILE = {
    "title": '=HYPERLINK("http://example.invalid/","bấm vào đây")',
    "author": "+84 912 345 678",
    "published_text": "-23/02/2026",
    "category": "@SUM(A1:A9)",
    "body_text": "\tThụt lề bằng tab.",
}
CARRIAGE_RETURN = "\r=1+1"  # (the store drops a leading CR from page text: written into the archive below)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("dataset")
    db_path, images_dir = build_archive(root / "archive")
    export(db_path, images_dir, root / "out")
    return db_path, images_dir, root / "out"


def test_every_table_is_one_parquet_file_with_the_sqlite_rows(built):
    db_path, _, out = built
    conn = sqlite3.connect(db_path)
    for table in TABLES:
        files = sorted((out / "data" / table).glob("*.parquet"))
        assert len(files) == 1, table
        assert pq.read_table(files[0]).num_rows == conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert [f.name for f in (out / "data/articles").iterdir()] == ["tnu.parquet"]  # one site: tnu
    assert pq.read_table(out / "data/sites/sites.parquet").to_pylist() == [
        {
            "name": "tnu",
            "title": "Đại học Thái Nguyên",
            "title_en": "Thai Nguyen University",
            "hosts": '["tnu.edu.vn", "www.tnu.edu.vn", "en.tnu.edu.vn"]',
            "home": "https://tnu.edu.vn/",
            "language": "vi",
            "member_of": None,
        }
    ]


def test_parquet_is_typed_and_keeps_nulls(built):
    _, _, out = built
    table = pq.read_table(out / "data/articles/tnu.parquet")
    types = {field.name: str(field.type) for field in table.schema}
    assert types["id"] == types["views"] == "int64"
    assert types["published_at"] == types["published_text"] == "string"
    assert types["published_date"] == "date32[day]"
    assert types["published_timestamp"] == types["first_seen_at"] == "timestamp[us, tz=UTC]"
    assert table.schema.field("id").nullable is False and table.schema.field("views").nullable
    assert table.schema.field("title").metadata[b"description"] == b"Headline as printed"
    rows = table.to_pylist()
    assert [r["title"] for r in rows] == [a.title for a in ARTICLES]
    # The day alone stays a day; a time with its offset is also an instant.
    assert rows[0]["published_at"] == "2020-07-15" and rows[0]["published_timestamp"] is None
    assert rows[0]["published_date"].isoformat() == "2020-07-15"
    assert rows[2]["published_at"] == "2026-02-23T09:15:00+07:00"
    assert rows[2]["published_timestamp"].isoformat() == "2026-02-23T02:15:00+00:00"
    assert rows[3]["views"] is None and rows[3]["author"] is None  # NULL, not 0 or ""
    counts = pq.read_table(out / "data/view_counts/view_counts.parquet")
    assert str(counts.schema.field("observed_at").type) == "timestamp[us, tz=UTC]"
    assert counts.column("run_id").null_count == counts.num_rows


def test_croissant_validates_and_reads_back_record_by_record(built):
    db_path, _, out = built
    result = subprocess.run(
        [str(MLCROISSANT), "validate", "--jsonld", str(out / "croissant.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr[-3000:]
    import mlcroissant as mlc

    dataset = mlc.Dataset(out / "croissant.json")
    assert not dataset.metadata.ctx.issues.errors and not dataset.metadata.ctx.issues.warnings
    conn = sqlite3.connect(db_path)
    for table, key in (
        ("articles", "id"),
        ("article_images", "article_id, position"),
        ("view_counts", "article_id, observed_at"),
    ):
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {key}")
        names = [d[0] for d in cursor.description]
        stored = [dict(zip(names, row, strict=True)) for row in cursor]
        records = list(dataset.records(table))
        assert len(records) == len(stored), table
        for record, row in zip(records, stored, strict=True):
            for name in ("id", "title", "views", "caption", "credit", "article_id", "position"):
                if name in row:
                    value = record[f"{table}/{name}"]
                    value = value.decode("utf-8") if isinstance(value, bytes) else value
                    assert value == row[name] or (value is None and row[name] is None), (table, name)
    described = {
        d["contentUrl"] for d in json.loads((out / "croissant.json").read_text())["distribution"] if "contentUrl" in d
    }
    data_files = {rel for rel in files_of(out) if rel.startswith(("data/", "csv/", "jsonl/"))}
    assert described == data_files


def test_a_dataset_card_a_hub_reads(built):
    _, _, out = built
    card = (out / "README.md").read_text(encoding="utf-8")
    front = card.split("---\n")[1]
    for line in ("license: cc-by-4.0", 'language:\n- "vi"', "size_categories:\n- n<1K", 'config_name: "tnu"'):
        assert line in front
    assert 'path: "data/articles/tnu.parquet"' in front and 'path: "data/view_counts/*.parquet"' in front
    for heading in ("## How it was collected", "## Counts per site and year", "## Fill rate of each field"):
        assert heading in card
    assert "| 2021 | 2 | 2 |" in card  # articles per year
    assert "| `views` | 75.0% |" in card and "| `published_timestamp` | 25.0% |" in card
    assert "begins with `=` `+` `-` `@` `'`, a tab or a carriage return is written with a `'` in front" in card


def _hostile_archive(root: Path) -> tuple[Path, Path]:
    db_path, images_dir = build_archive(root)
    with Archive(db_path, images_dir) as archive:
        article = replace(ARTICLES[3], **HOSTILE, url=ARTICLES[3].url.replace("dn1004", "dn1005"))
        archive.save_article(article, run_id=None, fetched_at="2026-03-06T02:00:00Z", site="tnu")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE article_images SET alt = ? WHERE article_id = 1 AND position = 0", [CARRIAGE_RETURN])
    return db_path, images_dir


def test_csv_cells_a_spreadsheet_would_run_are_text_jsonl_and_parquet_exact(tmp_path):
    db_path, images_dir = _hostile_archive(tmp_path / "archive")
    export(db_path, images_dir, tmp_path / "out")
    with open(tmp_path / "out/csv/articles.csv", newline="", encoding="utf-8") as handle:
        row = list(csv.DictReader(handle))[-1]
    for name, text in HOSTILE.items():
        assert row[name] == "'" + text, name
        assert row[name][1:] == text  # the rule reverses exactly
    assert row["url"].startswith("https://")  # other cells untouched
    with open(tmp_path / "out/csv/article_images.csv", newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["alt"] == "'" + CARRIAGE_RETURN
    image = pq.read_table(tmp_path / "out/data/article_images/article_images.parquet").to_pylist()[0]
    assert image["alt"] == CARRIAGE_RETURN
    last = json.loads((tmp_path / "out/jsonl/articles.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    parquet = pq.read_table(tmp_path / "out/data/articles/tnu.parquet").to_pylist()[-1]
    for name, text in HOSTILE.items():
        if name != "category":  # the dataset's category is the tidied name
            assert last[name] == parquet[name] == text, name
    assert last["category_printed"] == parquet["category_printed"] == HOSTILE["category"]


def test_categories_of_two_layouts_are_one_the_printed_name_kept(tmp_path):
    db_path, images_dir = build_archive(tmp_path / "archive")
    with Archive(db_path, images_dir) as archive:
        older = replace(ARTICLES[0], category="Khoa học  -\u00a0Công nghệ", url=ARTICLES[0].url.replace("1001", "1009"))
        archive.save_article(older, run_id=None, fetched_at="2026-03-06T02:00:00Z", site="tnu")
    # The command passes the tnu profile's names (crawler/sites.py CATEGORY_NAMES).
    result = run_cli("export", "--out", tmp_path / "out", "--db", db_path, "--images-dir", images_dir, "-q")
    assert result.returncode == 0, result.stderr
    rows = pq.read_table(tmp_path / "out/data/articles/tnu.parquet").to_pylist()
    pairs = {(r["category"], r["category_printed"]) for r in rows}
    assert ("Khoa học và Công nghệ", "Khoa học  -\u00a0Công nghệ") in pairs
    assert ("Khoa học và Công nghệ", "Khoa học và Công nghệ") in pairs
    card = (tmp_path / "out/README.md").read_text(encoding="utf-8")
    assert "| Khoa học và Công nghệ | Khoa học - Công nghệ | 1 |" in card
    # Without a profile's names (the Python API alone) a category is its printed name, tidied.
    export(db_path, images_dir, tmp_path / "plain")
    plain = pq.read_table(tmp_path / "plain/data/articles/tnu.parquet").to_pylist()
    assert ("Khoa học - Công nghệ", "Khoa học  -\u00a0Công nghệ") in {
        (r["category"], r["category_printed"]) for r in plain
    }


def test_an_older_archive_exports_to_the_same_columns(built, tmp_path):
    """An archive at schema version 7 (no article_aliases, no recovery columns, no run kinds): the
    same files with the same Parquet schemas, NULL where it has no value."""
    _, _, out = built
    path = tmp_path / "old.sqlite"
    db = sqlite_utils.Database(path)
    for number, step in enumerate(MIGRATIONS[:7], start=1):
        step(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute(
        "INSERT INTO articles (id, url, title, published_at, first_seen_at, last_seen_at) VALUES "
        "(1, 'https://tnu.edu.vn/a-dn1.html', 'Tin cũ', '2019-05-02', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')"
    )
    db.conn.commit()
    db.close()
    export(path, tmp_path / "images", tmp_path / "old-out")
    for table in (*TABLES, "sites"):
        (new_file,) = (out / "data" / table).glob("*.parquet")
        (old_file,) = (tmp_path / "old-out/data" / table).glob("*.parquet")
        assert pq.read_schema(old_file) == pq.read_schema(new_file), table
    assert pq.read_table(tmp_path / "old-out/data/article_aliases/article_aliases.parquet").num_rows == 0


def test_the_version_does_not_depend_on_the_parquet_encoder(built, tmp_path, monkeypatch):
    db_path, images_dir, out = built
    first = json.loads((out / "datapackage.json").read_text())["version"]
    import archive.dataset.files as export_files

    monkeypatch.setitem(export_files.PARQUET_OPTIONS, "compression", "gzip")
    export(db_path, images_dir, tmp_path / "other-encoder")
    assert (tmp_path / "other-encoder/data/articles/tnu.parquet").read_bytes() != (
        out / "data/articles/tnu.parquet"
    ).read_bytes()
    assert json.loads((tmp_path / "other-encoder/datapackage.json").read_text())["version"] == first


def test_progress_ends_at_its_total(built, tmp_path):
    db_path, images_dir, _ = built
    seen: list[tuple[int, int]] = []
    export(db_path, images_dir, tmp_path / "out", progress=lambda done, total, counts: seen.append((done, total)))
    assert seen[0] == (0, seen[-1][1]) and seen[-1][0] == seen[-1][1]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("views", "nhiều", "articles.views of the row id=1 holds 'nhiều', not integer"),
        ("first_seen_at", "hôm qua", "not an ISO 8601 time"),
    ],
)
def test_a_value_against_the_schema_is_one_clear_error(tmp_path, column, value, message):
    db_path, images_dir = build_archive(tmp_path / "archive")
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"UPDATE articles SET {column} = ? WHERE id = 1", [value])
    with pytest.raises(ExportError, match=message):
        export(db_path, images_dir, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    result = run_cli("export", "--out", tmp_path / "out", "--db", db_path, "--images-dir", images_dir, "-q")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and message.split(" of")[0] in result.stderr


def test_parquet_files_name_the_pinned_pyarrow(built):
    """pyarrow writes its version into every file (`created_by`): the release pyproject.toml pins is
    the one that wrote them, so the bytes are the same wherever the pinned install exports."""
    import re
    import tomllib

    _, _, out = built
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [d for d in project["project"]["dependencies"] if d.startswith("pyarrow")]
    version = re.fullmatch(r"pyarrow==([0-9.]+)", pin)[1]
    for file in sorted(out.glob("data/*/*.parquet")):
        assert pq.read_metadata(file).created_by == f"parquet-cpp-arrow version {version}", file


def test_each_site_its_own_category_names_the_unclaimed_sites_the_shared_ones():
    from archive.storage.categories import OTHER_SITES, names_for, normalised

    shared = {"Khoa học - Công nghệ": "Khoa học và Công nghệ"}
    categories = {"tnu": shared, "tnue": {}, OTHER_SITES: shared}
    assert normalised("Khoa học  - Công nghệ", names_for("tnu", categories)) == "Khoa học và Công nghệ"
    assert normalised("Khoa học - Công nghệ", names_for("tnue", categories)) == "Khoa học - Công nghệ"
    assert normalised("Khoa học - Công nghệ", names_for("127.0.0.1:8001", categories)) == "Khoa học và Công nghệ"
    assert normalised(" \u00a0", names_for("tnu", categories)) is None and normalised(None, shared) is None

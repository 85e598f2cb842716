"""The dataset of a real archive: two crawls of the replica (an article edited between them, so
there are versions and counters observed twice), exported by the command a user runs.

Every Parquet file read with pyarrow holds the rows SQLite holds; the categories of the two
layouts are one; mlcroissant and frictionless accept the metadata; a second export, in another
environment, is the same bytes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cron_support import copy_site, first_crawl, query, sub_page
from e2e_support import Result, crawl, run_cli

NEW_TITLE = "Kế hoạch thi kết thúc học phần học kỳ I (điều chỉnh)"
TITLED = "/ke-hoach-to-chuc-thi-ket-thuc-hoc-phan-hoc-ky-i-theo-hinh-thuc-truc-tuyen-dn5840.html"
# Tables of the dataset and the rows of the archive each must hold.
EXPECTED_ROWS = {
    "articles": "SELECT count(*) FROM articles",
    "article_images": "SELECT count(*) FROM article_images",
    "images": "SELECT count(*) FROM images",
    "view_counts": "SELECT count(*) FROM view_counts",
    "article_versions": "SELECT count(*) FROM article_versions",
    "article_aliases": "SELECT count(*) FROM article_aliases",
    "crawl_runs": "SELECT count(*) FROM crawl_runs",  # both runs fetched pages
}
VALIDATOR = Path(sys.executable).with_name


@dataclass
class Exported:
    db_path: Path
    images_dir: Path
    out: Path
    export: Result
    second: Path  # the same archive exported again, in another environment


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Exported:
    first = first_crawl(tmp_path_factory)
    folder = tmp_path_factory.mktemp("export-replica")
    site = copy_site(folder / "site")
    db_path, images_dir = first.copy_archive(folder / "data")
    assert sub_page(site, TITLED, r'(<h1 class="title-detail">)[^<]*(</h1>)', rf"\g<1>{NEW_TITLE}\g<2>") == 1
    with first.serve(site) as server:
        second_run = crawl(server, db_path, images_dir, "--full")
    assert second_run.returncode == 0, second_run.stderr[-3000:]
    out = folder / "dataset"
    result = run_cli("export", "--out", str(out), "--db", str(db_path), "--images-dir", str(images_dir), "--quiet")
    assert result.returncode == 0, result.stderr
    # Again, from another folder, clock zone, locale and hash seed.
    again = folder / "again"
    env = {**os.environ, "TZ": "America/New_York", "LC_ALL": "C", "LANG": "C", "PYTHONHASHSEED": "12345"}
    code = (
        "import sys; from crawler.cli import main; "
        f"sys.argv = ['tnu-archive', 'export', '--out', {str(again)!r}, '--db', {str(db_path)!r}, "
        f"'--images-dir', {str(images_dir)!r}, '--quiet']; main()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, cwd=folder / "site", env=env)
    return Exported(db_path, images_dir, out, result, again)


def test_the_archive_has_history_to_export(exported):
    # (what the rest checks is only worth something if the archive has it)
    counts = {t: query(exported.db_path, sql)[0][0] for t, sql in EXPECTED_ROWS.items()}
    assert counts["article_versions"] >= 1 and counts["crawl_runs"] == 2
    assert counts["view_counts"] > counts["articles"]  # counters observed by both runs
    assert counts["articles"] >= 15 and counts["images"] >= 5


def test_every_parquet_file_holds_the_rows_sqlite_holds(exported):
    for table, sql in EXPECTED_ROWS.items():
        files = sorted((exported.out / "data" / table).glob("*.parquet"))
        assert files, table
        read = sum(pq.read_table(f).num_rows for f in files)
        assert read == query(exported.db_path, sql)[0][0], table
    # Every site of the articles has its row, with its hosts, and its own file of articles.
    sites = pq.read_table(exported.out / "data/sites/sites.parquet").to_pylist()
    article_sites = set(articles(exported.out).column("site").to_pylist())
    assert article_sites <= {s["name"] for s in sites} and all(json.loads(s["hosts"]) for s in sites)
    assert len(list((exported.out / "data/articles").glob("*.parquet"))) == len(article_sites)


def articles(out: Path) -> pa.Table:
    """The articles of every site's file, in id order."""
    tables = [pq.read_table(f) for f in sorted((out / "data/articles").glob("*.parquet"))]
    return pa.concat_tables(tables).sort_by("id")


def test_parquet_values_are_the_archive_values_typed(exported):
    table = articles(exported.out)
    assert str(table.schema.field("views").type) == "int64"
    assert str(table.schema.field("published_date").type) == "date32[day]"
    assert str(table.schema.field("first_seen_at").type) == "timestamp[us, tz=UTC]"
    rows = {r["id"]: r for r in table.to_pylist()}
    conn = sqlite3.connect(exported.db_path)
    stored = conn.execute("SELECT id, title, published_at, views, category, first_seen_at FROM articles ORDER BY id")
    for article_id, title, published_at, views, category, first_seen in stored:
        row = rows[article_id]
        assert (row["title"], row["published_at"], row["views"], row["category_printed"]) == (
            title,
            published_at,
            views,
            category,
        )
        assert row["published_date"].isoformat() == published_at[:10]
        if "T" in published_at:
            assert row["published_timestamp"].isoformat().replace("+00:00", "Z") < published_at[:10] + "T23:59:59Z"
        else:
            assert row["published_timestamp"] is None
        assert row["first_seen_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == first_seen
    assert list(rows) == sorted(rows)
    versions = pq.read_table(exported.out / "data/article_versions/article_versions.parquet").to_pylist()
    assert any("Kế hoạch tổ chức thi" in (v["title"] or "") for v in versions)


def test_the_two_layouts_categories_are_one(exported):
    table = articles(exported.out)
    pairs = Counter(
        zip(table.column("category").to_pylist(), table.column("category_printed").to_pylist(), strict=True)
    )
    assert pairs[("Khoa học và Công nghệ", "Khoa học - Công nghệ")] >= 1
    assert pairs[("Khoa học và Công nghệ", "Khoa học và Công nghệ")] >= 1
    assert not [c for c, _ in pairs if c == "Khoa học - Công nghệ"]
    card = (exported.out / "README.md").read_text(encoding="utf-8")
    assert "| Khoa học và Công nghệ | Khoa học - Công nghệ |" in card


def test_the_validators_accept_it(exported):
    croissant = subprocess.run(
        [str(VALIDATOR("mlcroissant")), "validate", "--jsonld", str(exported.out / "croissant.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert croissant.returncode == 0, croissant.stderr[-3000:]
    assert "WARNING" not in croissant.stderr, croissant.stderr[-3000:]
    report = subprocess.run(
        [str(VALIDATOR("frictionless")), "validate", "--json", str(exported.out / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(report.stdout)
    assert result["valid"], [e["message"] for task in result["tasks"] for e in task["errors"]][:5]


def test_the_card_counts_the_runs_and_the_history(exported):
    card = (exported.out / "README.md").read_text(encoding="utf-8")
    versions = query(exported.db_path, "SELECT count(*) FROM article_versions")[0][0]
    assert f"{versions} earlier versions" in card and ", 2 runs" in card
    assert "2 runs of tnu-archive (2 crawl)" in card
    assert "- `ROBOTSTXT_OBEY`: `true`" in card


def test_a_second_export_elsewhere_is_the_same_bytes(exported):
    first, second = files_of(exported.out), files_of(exported.second)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []

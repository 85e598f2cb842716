"""The one-liners docs/access.md gives for pandas, DuckDB and Hugging Face `datasets` run, as
written, in a real export's folder and read what SQLite holds; the card's configurations load
by name. Offline: `datasets` is told to stay off the network and to cache under the test's folder."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from access_archive import build_archive

from archive.export import export

ACCESS_DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def reader_blocks() -> list[str]:
    text = ACCESS_DOC.read_text(encoding="utf-8")
    section = text.split("<!-- readers:start -->", 1)[1].split("<!-- readers:end -->", 1)[0]
    return re.findall(r"^```python\n(.*?)^```", section, flags=re.S | re.M)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("readers")
    db_path, images_dir = build_archive(root / "archive")
    export(db_path, images_dir, root / "out")
    return db_path, root / "out"


@pytest.fixture
def offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-datasets"))


def run_block(name: str, folder: Path) -> dict:
    (block,) = [b for b in reader_blocks() if f"import {name}" in b or f"from {name} " in b]
    namespace: dict = {}
    here = os.getcwd()
    os.chdir(folder)
    try:
        exec(compile(block, f"docs/access.md ({name})", "exec"), namespace)
    finally:
        os.chdir(here)
    return namespace


def test_the_doc_gives_the_three_readers():
    assert len(reader_blocks()) == 3


def test_pandas(exported):
    db_path, out = exported
    articles = run_block("pandas", out)["articles"]
    assert len(articles) == sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert str(articles["views"].dtype) == "Int64" and articles["views"].isna().sum() == 1
    assert str(articles["published_timestamp"].dtype) == "datetime64[us, UTC]"


def test_duckdb(exported):
    db_path, out = exported
    per_year = run_block("duckdb", out)["per_year"]
    stored = sqlite3.connect(db_path).execute(
        "SELECT 'tnu', CAST(substr(published_at, 1, 4) AS INTEGER) AS y, count(*) FROM articles GROUP BY y ORDER BY y"
    )
    assert per_year == [tuple(row) for row in stored]


def test_hugging_face_datasets(exported, offline):
    db_path, out = exported
    articles = run_block("datasets", out)["articles"]
    conn = sqlite3.connect(db_path)
    assert articles["title"] == [t for (t,) in conn.execute("SELECT title FROM articles ORDER BY id")]
    assert str(articles.features["published_date"].dtype) == "date32"
    # The card's front matter: a configuration per table and per site, loaded by name.
    from datasets import load_dataset

    counts = load_dataset(str(out), "view_counts", split="train")
    assert counts.num_rows == conn.execute("SELECT count(*) FROM view_counts").fetchone()[0]
    site = load_dataset(str(out), "tnu", split="train")
    assert site.num_rows == conn.execute("SELECT count(*) FROM articles").fetchone()[0]

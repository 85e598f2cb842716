"""Every SQL example docs/access.md gives archivists runs, and returns rows, on a real archive."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from access_archive import build_archive

from archive.search import open_readonly

ACCESS_DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def archivist_sql_blocks() -> list[str]:
    text = ACCESS_DOC.read_text(encoding="utf-8")
    section = text.split("<!-- archivists:start -->", 1)[1].split("<!-- archivists:end -->", 1)[0]
    return re.findall(r"^```sql\n(.*?)^```", section, flags=re.S | re.M)


BLOCKS = archivist_sql_blocks()


def test_the_access_doc_has_the_examples_archivists_need():
    joined = "\n".join(BLOCKS)
    assert len(BLOCKS) >= 5
    for needle in ("GROUP BY month", "ORDER BY views DESC", "view_counts", "credit", "article_search_fts MATCH"):
        assert needle in joined


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    db_path, _ = build_archive(tmp_path_factory.mktemp("readme"))
    connection = open_readonly(db_path)
    yield connection
    connection.close()


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"example{n}" for n in range(1, len(BLOCKS) + 1)])
def test_example_returns_rows(conn: sqlite3.Connection, sql: str):
    rows = conn.execute(sql).fetchall()
    assert rows, sql


def test_folded_search_example_finds_the_accented_text(conn):
    (search_sql,) = [sql for sql in BLOCKS if 'MATCH \'"dai" "hoc"\'' in sql]
    titles = [row[1] for row in conn.execute(search_sql)]
    assert "Đại học Thái Nguyên trao bằng tốt nghiệp năm 2021" in titles
    assert all(title for title in titles)


def test_view_growth_example_shows_the_gain(conn):
    (growth_sql,) = [sql for sql in BLOCKS if "lag(" in sql]
    assert conn.execute(growth_sql).fetchall() == [
        ("2026-01-05T02:00:00Z", 500, None),
        ("2026-02-05T02:00:00Z", 530, 30),
        ("2026-03-05T02:00:00Z", 550, 20),
    ]

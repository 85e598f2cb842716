"""The schema is a public interface: every table and column is described, and the data
dictionary of docs/schema.md is exactly the one generated from those descriptions."""

from __future__ import annotations

from pathlib import Path

from archive import db as schema
from archive.storage import dictionary

SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "schema.md"


def test_every_column_of_a_fresh_archive_is_described(tmp_path):
    database = schema.connect(tmp_path / "tnu.sqlite")
    tables = [t for t in database.table_names() if not t.startswith("article_search") or t == "article_search"]
    for table in tables:
        columns = [c.name for c in database[table].columns]
        assert table in schema.TABLE_DESCRIPTIONS, table
        assert list(schema.COLUMNS.get(table, {})) == columns, table


def test_schema_doc_carries_the_generated_data_dictionary():
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    start, end = "<!-- schema:start -->\n", "<!-- schema:end -->"
    section = text[text.index(start) + len(start) : text.index(end)]
    assert section.strip() == dictionary.markdown().strip(), "run: python -m archive.storage.dictionary"


def test_the_dictionary_names_every_run_status_and_error_kind():
    # Generated from archive/outcome.py and archive/error_kinds.py: a status or kind added there
    # is documented without anyone restating it.
    from archive.error_kinds import ERROR_KINDS, FETCH_ERRORS, IMAGE_ERRORS
    from archive.outcome import RUN_STATUSES

    runs = schema.COLUMNS["crawl_runs"]
    assert all(f"{status} ({meaning})" in runs["status"] for status, meaning in RUN_STATUSES.items())
    assert all(f"{kind} ({meaning})" in runs["errors"] for kind, meaning in ERROR_KINDS.items())
    assert all(kind in schema.COLUMNS["fetch_log"]["error"] for kind in FETCH_ERRORS)
    assert all(kind in schema.COLUMNS["image_sources"]["error"] for kind in IMAGE_ERRORS)
    assert set(FETCH_ERRORS) | set(IMAGE_ERRORS) <= set(ERROR_KINDS)

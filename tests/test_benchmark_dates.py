"""benchmarks/dates.py on the saved pages of tests/extract/: it times the date step on every page
and says which rule dated each."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import dates as bench

PAGES = Path(__file__).resolve().parent / "extract" / "pages"


def test_it_times_every_page_and_names_the_rules(capsys):
    result = bench.measure([PAGES])
    pages = sorted(PAGES.rglob("*.html"))
    assert result["pages"] == len(pages) and result["crashes"] == []
    assert sum(result["rules"].values()) == len(pages)
    # the two saved articles are dated by their header line; the static pages by nothing
    assert result["rules"]["generic:dated header line"] == 2
    assert result["rules"]["none"] == len(list((PAGES / "static").glob("*.html")))
    assert result["ours_ms"]["mean"] > 0 and result["htmldate_whole_page_ms"]["mean"] > 0

    assert bench.main([str(PAGES), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pages"] == len(pages)


def test_a_missing_folder_is_one_clear_line(tmp_path, capsys):
    assert bench.main([str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip() == f"not a folder: {tmp_path / 'nowhere'}"

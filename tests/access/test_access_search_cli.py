"""`tnu-archive search` as a user runs it."""

from __future__ import annotations

import json

from access_archive import ARTICLES, run_cli, run_installed


def test_prints_date_title_url_and_snippet(archive):
    db_path, _ = archive
    result = run_installed("search", "dai hoc thai nguyen", "--db", db_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2021-06-20  Đại học Thái Nguyên trao bằng tốt nghiệp năm 2021" in out
    assert ARTICLES[0].url in out and ARTICLES[1].url in out
    assert "Đảng ủy Đại học Thái Nguyên" in out  # the accented snippet


def test_json_is_a_list_with_url_and_title(archive):
    db_path, _ = archive
    result = run_cli("search", "Nguyễn Thanh Hà", "--db", db_path, "--json", "--limit", "5")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [(h["url"], h["title"]) for h in hits] == [(ARTICLES[0].url, ARTICLES[0].title)]


def test_limit(archive):
    db_path, _ = archive
    result = run_cli("search", "thai nguyen", "--db", db_path, "--json", "--limit", "2")
    assert len(json.loads(result.stdout)) == 2


def test_no_hit_is_not_an_error(archive):
    db_path, _ = archive
    result = run_cli("search", "'; DROP TABLE articles; --", "--db", db_path)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "No article matches" in result.stderr


def test_bad_query_is_one_clear_line(archive):
    db_path, _ = archive
    for query in ["!!!", '"', "NEAR("]:
        result = run_cli("search", query, "--db", db_path, "--json")
        assert "Traceback" not in result.stderr
        if result.returncode:
            assert result.returncode == 1
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("tnu-archive: ")
        else:
            assert json.loads(result.stdout) == []


def test_missing_database_is_one_line_and_not_created(tmp_path):
    missing = tmp_path / "none.sqlite"
    result = run_installed("search", "dai hoc", "--db", missing)
    assert result.returncode == 1
    assert result.stderr == f"tnu-archive: no archive at {missing} (run a crawl first, or pass --db)\n"
    assert not missing.exists()


def test_not_a_database_is_one_line(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = run_cli("search", "dai hoc", "--db", junk)
    assert result.returncode == 1
    assert result.stderr.startswith("tnu-archive: cannot read") and result.stderr.count("\n") == 1


def test_hits_carry_the_article_id_and_its_local_page(archive):
    import sqlite3

    db_path, _ = archive
    (want,) = sqlite3.connect(db_path).execute("SELECT id FROM articles WHERE url = ?", [ARTICLES[0].url]).fetchone()
    hits = json.loads(run_cli("search", "Nguyễn Thanh Hà", "--db", db_path, "--json").stdout)
    assert [(h["id"], h["page"]) for h in hits] == [(want, f"/article/{want}")]
    out = run_cli("search", "Nguyễn Thanh Hà", "--db", db_path).stdout
    assert f"  article {want} · /article/{want} in tnu-archive serve\n" in out

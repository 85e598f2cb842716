"""Folded search over a real archive: Vietnamese with or without marks, and hostile input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from access_archive import ARTICLES

from archive.search import SearchError, build_match, open_readonly, search

URLS = [a.url for a in ARTICLES]


def urls(hits: list[dict]) -> set[str]:
    return {h["url"] for h in hits}


@pytest.fixture
def conn(archive):
    db_path, _ = archive
    c = open_readonly(db_path)
    yield c
    c.close()


def test_unaccented_query_finds_exactly_what_the_accented_one_finds(conn):
    accented = search(conn, "Đại học Thái Nguyên")
    plain = search(conn, "dai hoc thai nguyen")
    assert urls(accented) == {URLS[0], URLS[1]}
    assert [h["url"] for h in plain] == [h["url"] for h in accented]


def test_title_match_ranks_above_body_match(conn):
    hits = search(conn, "dai hoc thai nguyen")
    assert hits[0]["url"] == URLS[1]  # in its title; URLS[0] has it in the body only
    assert hits[0]["rank"] <= hits[1]["rank"]


def test_all_words_must_appear(conn):
    assert urls(search(conn, "đại học")) == {URLS[0], URLS[1], URLS[2]}
    assert urls(search(conn, "thai nguyen")) == {URLS[0], URLS[1], URLS[3]}
    assert urls(search(conn, "nong lam")) == {URLS[2]}


def test_photographer_from_a_caption_finds_its_article(conn):
    assert urls(search(conn, "nguyen thanh ha")) == {URLS[0]}
    assert urls(search(conn, "Nguyễn Thanh Hà")) == {URLS[0]}
    assert urls(search(conn, "tran minh duc")) == {URLS[1]}


def test_hit_fields_and_original_snippet(conn):
    (hit,) = search(conn, "nong lam")
    assert hit["title"] == "Hội thảo khoa học về nông nghiệp công nghệ cao"
    assert hit["published_at"] == "2026-02-23T09:15:00+07:00"
    assert isinstance(hit["rank"], float)
    # The accented original, not the folded index text.
    assert "Trường Đại học Nông Lâm" in hit["snippet"]


def test_snippet_from_a_caption_shows_the_caption(conn):
    (hit,) = search(conn, "nguyen thanh ha")
    assert "Nguyễn Thanh Hà" in hit["snippet"]


def test_snippet_of_a_long_body_is_cut_around_the_match(conn):
    (hit,) = search(conn, "vimico")
    assert "Vimico" in hit["snippet"]
    assert hit["snippet"].startswith("…") and len(hit["snippet"]) < 250


def test_phrase_and_prefix(conn):
    # As a phrase, "thai nguyen dai hoc" appears nowhere; as words it does.
    assert search(conn, '"thai nguyen dai hoc"') == []
    assert urls(search(conn, '"dai hoc thai nguyen"')) == {URLS[0], URLS[1]}
    assert urls(search(conn, "vimi*")) == {URLS[0]}
    assert search(conn, "vimi") == []


def test_limit(conn):
    assert len(search(conn, "dai hoc", limit=1)) == 1
    with pytest.raises(SearchError):
        search(conn, "dai hoc", limit=0)


HOSTILE = [
    '"',
    '""',
    '"dai hoc',
    'dai" hoc',
    "*",
    "dai*hoc",
    "**",
    "NEAR(",
    "NEAR(dai hoc, 2)",
    "OR (",
    "dai OR (hoc",
    "AND",
    "NOT dai",
    "title:dai",
    "^dai",
    "dai + hoc",
    "{title}: dai",
    "'; DROP TABLE articles; --",
    '"; DELETE FROM articles; --',
    "1=1) OR (1=1",
    "\\",
    "%",
    "_",
    "dai\x00hoc",
    "🙂 dai",
    "ĐẠI HỌC",
    "e\u0301",
    "Đ" * 500,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_gives_results_or_a_search_error(archive, query):
    db_path, _ = archive
    before = hashlib.sha256(Path(db_path).read_bytes()).hexdigest()
    conn = open_readonly(db_path)
    try:
        hits = search(conn, query)
        assert isinstance(hits, list)
    except SearchError as exc:
        assert str(exc) and "\n" not in str(exc)
    finally:
        conn.close()
    assert hashlib.sha256(Path(db_path).read_bytes()).hexdigest() == before
    check = open_readonly(db_path)
    assert check.execute("SELECT count(*) FROM articles").fetchone()[0] == len(ARTICLES)
    check.close()


@pytest.mark.parametrize("query", ["", "   ", "!!! ... ---", '""', "*", "()"])
def test_nothing_to_search_is_a_clear_error(conn, query):
    with pytest.raises(SearchError, match="nothing to search for"):
        search(conn, query)


def test_sql_fragment_is_searched_as_words(conn):
    # Its words are searched like any other; none of them makes the archive lose a row.
    assert search(conn, "'; DROP TABLE articles; --") == []
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(ARTICLES)


def test_match_expression_quotes_every_word():
    assert build_match("Đại học NEAR(") == '"dai" "hoc" "near"'
    assert build_match('vimi* "dai hoc" x') == '"vimi"* "dai hoc" "x"'
    assert build_match('"dai hoc') == '"dai" "hoc"'  # an unpaired quote is ignored


def test_too_many_words(conn):
    with pytest.raises(SearchError, match="too long"):
        search(conn, " ".join(["dai"] * 65))


def test_archive_without_search_index(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT)")
    c.commit()
    c.close()
    with pytest.raises(SearchError, match="no search index"):
        search(open_readonly(path), "dai hoc")


def test_missing_archive_is_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_readonly(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_title_only_match_shows_how_the_article_begins(conn):
    (hit,) = search(conn, "trao bang")
    assert hit["snippet"].startswith("Sáng 20/6, hơn 2.000 tân cử nhân")

"""The pieces behind the pages, without a server: body images made local, schema upgrade on open."""

from __future__ import annotations

import sqlite3

import pytest

from archive.browse.article import localize_images
from archive.browse.plugin import search_match, search_snippet
from archive.db import MIGRATIONS
from archive.serve import ServeError, prepare_archive

BASE = "https://tnu.edu.vn/news/a-dn1.html"
LOCAL = {"https://tnu.edu.vn/Uploads/a b.jpg": "/images/ab/ab.jpg"}


def test_body_images_point_at_local_files_whatever_the_spelling_of_their_url():
    for src in ("/Uploads/a b.jpg", "/Uploads/a%20b.jpg", "https://tnu.edu.vn/Uploads/a%20b.jpg", "../Uploads/a b.jpg"):
        html = localize_images(f'<p>x</p><img src="{src}" srcset="{src} 2x" alt="A">', BASE, LOCAL)
        assert html == '<p>x</p><img alt="A" src="/images/ab/ab.jpg">', src


def test_lazy_images_are_found_by_their_real_source():
    html = localize_images('<img src="data:image/gif;base64,R0lG" data-src="/Uploads/a b.jpg">', BASE, LOCAL)
    assert html == '<img src="/images/ab/ab.jpg">'


def test_an_image_without_a_local_file_becomes_a_note_and_is_never_fetched():
    html = localize_images('<p>Ảnh <img src="/Uploads/gone.jpg" alt="Toàn cảnh"> sau</p>', BASE, LOCAL)
    assert html == '<p>Ảnh <span class="image-missing">[image not archived: Toàn cảnh]</span> sau</p>'
    assert "gone.jpg" not in html


def test_body_text_and_markup_are_kept_as_stored():
    body = 'Mở đầu <p>Đại học <b>Thái Nguyên</b> &amp; <a href="https://tnu.edu.vn/">TNU</a></p> kết'
    assert localize_images(body, BASE, LOCAL) == body
    assert localize_images("", BASE, LOCAL) == ""


@pytest.mark.parametrize("query", ["", "   ", '"', "NEAR(", "*", "!!!"])
def test_unusable_queries_match_nothing_instead_of_failing(query):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES ('dai hoc')")
    assert db.execute("SELECT * FROM t WHERE t MATCH ?", [search_match(query)]).fetchall() == []
    assert db.execute("SELECT * FROM t WHERE t MATCH ?", [search_match("Đại HỌC")]).fetchall() == [("dai hoc",)]


def test_snippet_is_none_for_an_unusable_query():
    assert search_snippet('"', "Đại học", "Đại học", None) is None


def test_an_archive_with_an_older_schema_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.sqlite"
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    for number, step in enumerate(MIGRATIONS[:2], start=1):
        step(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.close()
    prepare_archive(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_current_archive_is_not_written(tmp_path):
    from archive.db import connect

    path = tmp_path / "tnu.sqlite"
    connect(path).close()
    before = path.stat().st_mtime_ns, path.read_bytes()
    prepare_archive(path)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_missing_or_foreign_files_are_refused(tmp_path):
    with pytest.raises(ServeError, match="no archive at"):
        prepare_archive(tmp_path / "none.sqlite")
    (tmp_path / "x.sqlite").write_text("hello")
    with pytest.raises(ServeError, match="not a readable SQLite archive"):
        prepare_archive(tmp_path / "x.sqlite")


def test_only_absolute_http_urls_are_web_links():
    from archive.browse.article import web_link

    for url in ("https://tnu.edu.vn/a.html", "http://127.0.0.1:8080/tnu/2020id_/http://tnu.edu.vn/", " HTTPS://x.vn/ "):
        assert web_link(url) == url.strip()
    for url in (
        "javascript:/a-dn1.html?/;alert(1)//",
        "JavaScript://x",
        "data:text/html,x",
        "/a.html",
        "http:x",
        "",
        None,
    ):
        assert web_link(url) is None, url


def test_a_body_shown_keeps_the_allow_list_and_resolves_what_is_relative():
    from archive.sanitize import clean_html

    body = '<p onclick="x">A <a href="b.html">b</a> <a href="javascript:x">c</a><img src="/i.jpg" onerror="x"></p>'
    assert clean_html(body, BASE) == (
        '<p>A <a href="https://tnu.edu.vn/news/b.html">b</a> <a>c</a><img src="https://tnu.edu.vn/i.jpg"></p>'
    )
    # without a usable base (a stored javascript: URL), relative URLs are dropped, as when stored
    assert clean_html(body, "javascript:x") == clean_html(body) == "<p>A <a>b</a> <a>c</a><img></p>"

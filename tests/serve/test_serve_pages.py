"""The pieces behind the pages, without a server: body images made local, schema upgrade on open."""

from __future__ import annotations

import sqlite3

import pytest

from archive.browse.article import localize_images
from archive.browse.metadata import build_metadata
from archive.browse.plugin import search_match, search_snippet
from archive.browse.sites import SiteSummary
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
    from archive.browse.sanitize import clean_html

    body = '<p onclick="x">A <a href="b.html">b</a> <a href="javascript:x">c</a><img src="/i.jpg" onerror="x"></p>'
    assert clean_html(body, BASE) == (
        '<p>A <a href="https://tnu.edu.vn/news/b.html">b</a> <a>c</a><img src="https://tnu.edu.vn/i.jpg"></p>'
    )
    # without a usable base (a stored javascript: URL), relative URLs are dropped, as when stored
    assert clean_html(body, "javascript:x") == clean_html(body) == "<p>A <a>b</a> <a>c</a><img></p>"


def summary(name: str, title: str | None, hosts: tuple[str, ...], articles: int) -> SiteSummary:
    home = f"https://{hosts[0]}/" if hosts else None
    return SiteSummary(name, title, hosts, articles, 0, None, home, None, None, None, ())


def test_an_archive_is_named_after_the_sites_it_holds():
    school = summary("school", "Trường Ví dụ", ("example.edu.vn", "www.example.edu.vn"), 3)
    one = build_metadata([school])
    assert one["title"] == "News archive: Trường Ví dụ"
    assert one["source"] == "example.edu.vn, www.example.edu.vn — Trường Ví dụ"
    assert one["source_url"] == one["license_url"] == "https://example.edu.vn/"
    assert "© Trường Ví dụ" in one["license"] and "of Trường Ví dụ (example.edu.vn" in one["description_html"]
    # a host no profile claims is named by its host
    assert build_metadata([summary("127.0.0.1:8001", None, ("127.0.0.1:8001",), 1)])["title"] == (
        "News archive: 127.0.0.1:8001"
    )
    many = [school, *(summary(f"s{i}", None, (f"s{i}.example.org",), 0) for i in range(11))]
    meta = build_metadata(many)
    assert meta["title"] == "News archive: Trường Ví dụ and 11 other sites"
    assert meta["source"].startswith("example.edu.vn, s0.example.org") and meta["source"].endswith(" and 2 more")
    assert "source_url" not in meta and "license_url" not in meta
    empty = build_metadata([])
    assert empty["title"] == "News archive" and "source" not in empty and "holds none yet" in empty["description_html"]

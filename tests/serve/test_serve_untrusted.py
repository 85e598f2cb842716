"""What `serve` makes of stored values nobody vouches for (issue 25): a stored URL is a live link
only when it is http(s); a stored body is sanitized again when shown; an id SQLite cannot hold
is a 404, not a Python error."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import replace

import pytest
from serve_archive import ARTICLE_A, build_archive
from serve_process import Server, start_server, stop_server

from archive.record import Article, ImageRef
from archive.store import Archive

# What a hostile CDX index can list as a capture's original URL (the reproduction): the
# path looks like an article's, the scheme runs script on whatever origin shows it as a link.
SCRIPT_URL = "javascript:/a-dn1.html?/;alert(document.domain)//"
SCRIPT_IMAGE = "javascript:alert('img')//x.jpg"
# A body as an older version, another tool or a hand edit could have stored it.
HOSTILE_BODY = (
    "<p>Đoạn văn an toàn của bài viết.</p>"
    '<p><img src="x" onerror="document.title=\'pwned\'"></p>'
    "<script>document.title='pwned'</script>"
    '<p><a href="javascript:alert(1)">bấm vào đây</a> và <a href="https://tnu.edu.vn/">TNU</a></p>'
    '<svg onload="alert(1)"><circle r="5"/></svg>'
    '<iframe src="https://evil.example/"></iframe>'
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">Kết thúc.</p>'
)
HOSTILE = Article(
    url=SCRIPT_URL,
    title="Bài viết có địa chỉ lạ",
    published_at="2020-07-15",
    published_text="Đăng ngày: 15-07-2020",
    views=10,
    body_text="Đoạn văn an toàn của bài viết.\n\nKết thúc.",
    body_html=HOSTILE_BODY,
    images=(ImageRef(0, SCRIPT_IMAGE, "Ảnh lạ", None, None),),
)
# The same body under a real address, so only the body is under test there.
HOSTILE_BODY_ARTICLE = Article(
    url="https://tnu.edu.vn/bai-viet-than-doc-hai-dn9001.html",
    title="Bài viết có thân độc hại",
    published_at="2020-07-16",
    body_text="Đoạn văn an toàn của bài viết.\n\nKết thúc.",
    body_html=HOSTILE_BODY,
)
AT = "2026-03-06T02:00:00+00:00"
PLANTED_AS = "https://tnu.edu.vn/a-dn1.html"


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    root = tmp_path_factory.mktemp("untrusted")
    built = build_archive(root / "archive")
    # The store refuses a URL that is not http(s) now; an archive written before that holds one,
    # so the row is planted as such an archive has it: stored under an http URL, then renamed.
    planted = replace(HOSTILE, url=PLANTED_AS)
    with Archive(built.db_path, built.images_dir) as archive:
        for article in (planted, HOSTILE_BODY_ARTICLE):
            archive.save_article(article, run_id=None, fetched_at=AT, raw_html=b"<html></html>", encoding="utf-8")
        archive.record_image_failure(SCRIPT_IMAGE, status=None, error="ignored", at=AT, run_id=None)
    conn = sqlite3.connect(built.db_path)
    with conn:
        conn.execute("UPDATE articles SET url = ? WHERE url = ?", [SCRIPT_URL, PLANTED_AS])
    ids = dict(conn.execute("SELECT url, id FROM articles"))
    conn.close()
    assert SCRIPT_URL in ids  # stored as given: the page must cope with it
    server = start_server(built, root / "serve.log")
    yield server, ids
    stop_server(server)


def attribute_urls(page: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'\b(?:href|src|action|formaction)\s*=\s*"([^"]*)"', page, flags=re.I)]


def test_a_stored_javascript_url_is_text_never_a_link(untrusted):
    server, ids = untrusted
    page = server.text(f"/article/{ids[SCRIPT_URL]}")
    urls = attribute_urls(page)
    assert urls, "the page has links at all"
    assert not [u for u in urls if u.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
    # shown, as what it is
    assert f'<span class="live-text">{html.escape(SCRIPT_URL)}</span>' in page
    assert f"was not downloaded ({SCRIPT_IMAGE})" in html.unescape(page)
    # an http(s) URL still is a link
    normal = server.text(f"/article/{ids[ARTICLE_A.url]}")
    assert f'<a class="live" href="{html.escape(ARTICLE_A.url)}"' in normal


def test_a_stored_body_is_sanitized_again_when_shown(untrusted):
    server, ids = untrusted
    page = server.text(f"/article/{ids[HOSTILE_BODY_ARTICLE.url]}")
    body = page.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    assert "Đoạn văn an toàn của bài viết." in body and "Kết thúc." in body
    assert '<a href="https://tnu.edu.vn/">TNU</a>' in body  # the allowed markup stays
    lowered = body.lower()
    for forbidden in ("<script", "onerror", "onload", "onclick", "<svg", "<iframe", "javascript:", "style=", "pwned"):
        assert forbidden not in lowered, forbidden


@pytest.mark.parametrize(
    "path",
    [
        f"/article/{2**63}",
        f"/article/{2**63}/page",
        "/article/" + "9" * 40,
        "/article/" + "9" * 5000,
        "/article/" + "9" * 5000 + "/page",
    ],
)
def test_an_id_beyond_sqlites_integers_is_404(untrusted, path):
    server, _ = untrusted
    status, _, body = server.get(path)
    assert status == 404, body[:300]
    assert b"Traceback" not in body and b"OverflowError" not in body


def test_the_largest_id_and_leading_zeros_still_answer(untrusted):
    server, ids = untrusted
    assert server.get(f"/article/{2**63 - 1}")[0] == 404  # a valid id, no such article
    assert server.get(f"/article/000{ids[ARTICLE_A.url]}")[0] == 200

"""Through the real crawl: a page of the site that copies an archived article's title and points
its canonical link at it does not replace the article's text; a true copy is tied to it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import sqlite_utils
from cron_support import first_crawl
from e2e_support import crawl

from crawler.replica.server import DEFAULT_SITE_DIR

ARTICLE = "/ke-hoach-to-chuc-thi-ket-thuc-hoc-phan-hoc-ky-i-theo-hinh-thuc-truc-tuyen-dn5840.html"
PLANTED = "Đại học Thái Nguyên hủy toàn bộ kỳ thi kết thúc học phần học kỳ I."
FAKE = "/goc-chia-se/bai-dang-cua-ban-doc-dn9001.html"
COPY = "/in-bai-viet/ke-hoach-thi-truc-tuyen-dn9002.html"


def add_pages(site: Path) -> None:
    """Two new pages on the site, linked from its home page, both naming the article canonical:
    one with its title and planted text, one a true copy (a print view, say)."""
    www = site / "www"
    original = (www / ARTICLE.lstrip("/")).read_text(encoding="utf-8")
    canonical = f'<link rel="canonical" href="{{{{ORIGIN}}}}{ARTICLE}">'
    with_canonical = original.replace("</head>", canonical + "\n</head>", 1)
    body = re.compile(r'(<div class="news-content">).*?(</div>)', re.S)
    fake = body.sub(lambda m: f"{m[1]}\n<p>{PLANTED}</p>\n{m[2]}", with_canonical, count=1)
    assert PLANTED in fake
    for path, html in ((FAKE, fake), (COPY, with_canonical)):
        (www / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (www / path.lstrip("/")).write_text(html, encoding="utf-8")
    home = (www / "index.html").read_text(encoding="utf-8")
    items = "".join(f'<div class="item"><h2><a href="{p}">Tin {n}</a></h2></div>' for n, p in enumerate((FAKE, COPY)))
    (www / "index.html").write_text(home.replace('<div class="news-list">', '<div class="news-list">' + items, 1))


def test_a_page_claiming_an_archived_article_does_not_take_it_over(tmp_path_factory, tmp_path):
    site = Path(shutil.copytree(DEFAULT_SITE_DIR, tmp_path / "site"))
    first = first_crawl(tmp_path_factory)  # the site before the pages are added, crawled (exit 0): shared
    db_path, images = first.copy_archive(tmp_path / "data")
    with first.serve(site) as server:  # the copy of the site, on that crawl's ports
        db = sqlite_utils.Database(db_path)
        origin = server.origin
        url = origin + ARTICLE
        before = db.execute("SELECT id, title, body_text, content_hash FROM articles WHERE url = ?", [url]).fetchone()
        assert before is not None and PLANTED not in before[2]
        articles = db["articles"].count

        add_pages(site)
        result = crawl(server, db_path, images)
        assert result.returncode == 0, result.stderr
        assert {FAKE, COPY} <= {r.path for r in server.requests}

    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT id, title, body_text, content_hash FROM articles WHERE url = ?", [url]).fetchone() == (
        before
    )
    assert db.execute("SELECT count(*) FROM article_versions WHERE article_id = ?", [before[0]]).fetchone()[0] == 0
    # the planted page is archived as what it is: a page of its own, under its own URL
    fake = db.execute("SELECT title, body_text FROM articles WHERE url = ?", [origin + FAKE]).fetchone()
    assert fake == (before[1], PLANTED)
    # the true copy is tied to the article, not archived again
    assert db.execute("SELECT count(*) FROM articles WHERE url = ?", [origin + COPY]).fetchone()[0] == 0
    linked = db.execute("SELECT article_id FROM article_links WHERE url = ?", [origin + COPY]).fetchone()
    assert linked == (before[0],)
    assert db["articles"].count == articles + 1

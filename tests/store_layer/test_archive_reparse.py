"""archive/operations/reparse.py: offline re-extraction from stored raw pages."""

from __future__ import annotations

import re

from archive.operations.reparse import reparse
from archive.record import Article, ImageRef

URL = "http://tnu.edu.vn/so-ket-dn5001.html"
PAGE = """<html><body><h1>Sơ kết công tác tuyên giáo</h1>
<p>Đăng ngày: 15-07-2020 | 550 lần đọc</p>
<p>Ngày 13/7, Cụm thi đua số 2 đã tổ chức sơ kết.</p>
<img src="http://tnu.edu.vn/Uploads/TG-1.jpg" alt="Đồng chí phát biểu (ảnh: Nguyễn Thanh Hà)">
<p>Thanh Loan – TNU Media</p></body></html>"""


def extract_v1(body: bytes, url: str, encoding: str | None) -> Article:
    """A naive extractor: every <p> is body text, the byline and date line included."""
    html = body.decode(encoding or "utf-8")
    paragraphs = re.findall(r"<p>(.*?)</p>", html)
    images = tuple(
        ImageRef(i, src, caption=alt) for i, (src, alt) in enumerate(re.findall(r'<img src="(.*?)" alt="(.*?)">', html))
    )
    views = re.search(r"(\d+) lần đọc", html)
    return Article(
        url=url,
        title=re.search(r"<h1>(.*?)</h1>", html).group(1),
        published_at="2020-07-15",
        views=int(views.group(1)) if views else None,
        body_text="\n\n".join(paragraphs),
        images=images,
    )


def extract_v2(body: bytes, url: str, encoding: str | None) -> Article:
    """A better extractor: the date line and byline leave the body; the byline becomes the author."""
    article = extract_v1(body, url, encoding)
    paragraphs = article.body_text.split("\n\n")
    return Article(**{**article.__dict__, "body_text": "\n\n".join(paragraphs[1:-1]), "author": paragraphs[-1]})


def _fetch(archive, page=PAGE, at="2026-11-20T00:00:00Z"):
    body = page.encode()
    return archive.save_article(
        extract_v1(body, URL, "utf-8"), run_id=None, fetched_at=at, raw_html=body, encoding="utf-8"
    )


def test_same_extractor_changes_nothing(archive, counts):
    _fetch(archive)
    before = counts(archive)
    assert reparse(archive, extract_v1) == {
        "articles": 1,
        "changed": 0,
        "unchanged": 1,
        "set_aside": 0,
        "held_back": 0,
        "restored": 0,
        "missing_raw": 0,
        "failed": 0,
        "timed_out": 0,
        "from_warc": 0,
    }
    assert counts(archive) == before


def test_better_extractor_records_a_reparse_version_without_a_new_observation(archive, counts):
    _fetch(archive)
    before = counts(archive)
    row_before = next(archive.db.query("SELECT * FROM articles"))
    assert reparse(archive, extract_v2)["changed"] == 1
    after = counts(archive)
    assert after["article_versions"] == 1 and after["view_counts"] == before["view_counts"]
    assert after["raw_pages"] == before["raw_pages"]
    row = next(archive.db.query("SELECT * FROM articles"))
    assert (
        row["body_text"] == "Ngày 13/7, Cụm thi đua số 2 đã tổ chức sơ kết."
        and row["author"] == "Thanh Loan – TNU Media"
    )
    assert row["last_seen_at"] == row_before["last_seen_at"] and row["views"] == row_before["views"]
    version = next(archive.db.query("SELECT * FROM article_versions"))
    assert (version["body_text"], version["replaced_by"]) == (row_before["body_text"], "reparse")
    # a second pass with the same extractor finds nothing more to change
    assert reparse(archive, extract_v2)["unchanged"] == 1
    assert counts(archive)["article_versions"] == 1


def test_reparse_reads_the_page_the_current_content_came_from(archive):
    _fetch(archive)
    _fetch(archive, PAGE.replace("đã tổ chức sơ kết", "đã tổ chức tổng kết"), at="2026-11-21T00:00:00Z")
    assert reparse(archive, extract_v1)["unchanged"] == 1
    assert "tổng kết" in next(archive.db.query("SELECT body_text FROM articles"))["body_text"]


def test_articles_without_raw_page_and_extractor_crashes_are_counted(archive, make_article):
    _fetch(archive)
    archive.save_article(make_article(), run_id=None, fetched_at="2026-11-20T00:00:00Z", raw_html=None, encoding=None)

    def crashing(body, url, encoding):
        raise ValueError("layout nobody foresaw")

    assert reparse(archive, crashing) == {
        "articles": 2,
        "changed": 0,
        "unchanged": 0,
        "set_aside": 0,
        "held_back": 0,
        "restored": 0,
        "missing_raw": 1,
        "failed": 1,
        "timed_out": 0,
        "from_warc": 0,
    }


def test_the_crawlers_extractor_reparses(archive):
    from crawler.extract import extract_article

    body = PAGE.encode()
    article = extract_article(body, URL, encoding="utf-8")
    assert article.title == "Sơ kết công tác tuyên giáo"
    archive.save_article(article, run_id=None, fetched_at="2026-11-20T00:00:00Z", raw_html=body, encoding="utf-8")
    assert reparse(archive, extract_article) == {
        "articles": 1,
        "changed": 0,
        "unchanged": 1,
        "set_aside": 0,
        "held_back": 0,
        "restored": 0,
        "missing_raw": 0,
        "failed": 0,
        "timed_out": 0,
        "from_warc": 0,
    }

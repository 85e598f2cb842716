"""Static pages are not articles: a page with no publication date outside its running text
(history, introduction "Giới thiệu", contacts) is refused by is_article, on any site, known
layouts included — whatever its text says of a day, whatever counter or modification date it shows.

The pages: whole pages of the shapes such CMSs print (tests/extract/pages/static/: a WordPress
"Giới thiệu" with its SEO plugin's WebPage graph, a NukeViet page module, an ASP.NET portal, a
WordPress contact page), and pages of both known TNU layouts made from the replica's own
articles and history page. Every article stays an article: tests/extract/test_listing.py and
test_fields.py hold every known article to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.article import read_article

from .conftest import page_bytes, page_url, without_selectors

STATIC = sorted((Path(__file__).parent / "pages" / "static").glob("*.html"))
HISTORY = "Ngày 04/4/1994, Đại học Thái Nguyên được thành lập."


@pytest.mark.parametrize("page", STATIC, ids=lambda p: p.stem)
def test_static_pages_of_other_cmss_are_not_articles(page):
    reading = read_article(page.read_bytes(), "https://example.vn/" + page.stem)
    article = reading.article
    assert article.title and article.body_text  # read, not skipped: only the judgement differs
    assert article.published_at is None, reading.sources
    assert not article.is_article


def test_their_text_does_name_days_and_some_show_a_counter():
    # what the judgement must see past: the day in the first line, the counter, the footer's update
    texts = {page.stem: read_article(page.read_bytes(), "https://example.vn/" + page.stem).article for page in STATIC}
    assert texts["wordpress-gioi-thieu"].body_text.startswith("Ngày 19/8/1965, Trường")
    assert "Ngày 23 tháng 01 năm 1970" in texts["nukeviet-gioi-thieu"].body_text
    assert texts["nukeviet-gioi-thieu"].views == 12458
    assert texts["portal-gioi-thieu"].views == 5678


def _old_layout_history(counter: bool) -> bytes:
    """The 2019 layout's history page (the replica's), opening with a day of its history; with
    `counter`, a "lần đọc" line in the layout's date element, as the old CMS prints on pages."""
    page = page_bytes("/lich-su-dn45.html").decode("utf-8")
    first = "Đại học Thái Nguyên được thành lập ngày 04/4/1994 theo Nghị định số 31/CP của Chính phủ,"
    assert first in page
    page = page.replace(first, HISTORY + "</p>\n<p>Đại học được thành lập theo Nghị định số 31/CP của Chính phủ,")
    if counter:
        title_end = "Lịch sử phát triển</h1>"
        assert title_end in page
        page = page.replace(
            title_end, title_end + '\n<div class="tool-detail"><span class="date-view">1.234 lần đọc</span></div>'
        )
    return page.encode("utf-8")


def _new_layout_static() -> bytes:
    """A 2026-layout page without its date: an article of the replica with the .post-date taken
    out and its first paragraph a day of history (its counter stays)."""
    path = "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1"
    page = page_bytes(path).decode("utf-8")
    date = '<span class="post-date"><i class="icon-clock"></i> Thứ Hai, 23/02/2026 - 09:15</span>'
    first = "<p>Sáng ngày 23/2, Đại học Thái Nguyên (ĐHTN) tổ chức"
    assert date in page and first in page
    return page.replace(date, "").replace(first, f"<p>{HISTORY}</p>\n<p>Đại học Thái Nguyên (ĐHTN) tổ chức").encode()


KNOWN_LAYOUTS = {
    "2019 history page": ("/lich-su-dn45.html", lambda: _old_layout_history(counter=False), "site:2019"),
    "2019 page with a counter": ("/lich-su-dn45.html", lambda: _old_layout_history(counter=True), "site:2019"),
    "2026 page with a counter": ("/tin-tuc-su-kien/gioi-thieu.html", _new_layout_static, "site:2026"),
}


@pytest.mark.parametrize("name", KNOWN_LAYOUTS)
def test_static_pages_of_both_known_layouts_are_not_articles(name):
    path, make, layout = KNOWN_LAYOUTS[name]
    reading = read_article(make(), page_url(path))
    assert reading.sources["body_text"] == layout  # the layout's own selectors read it
    assert reading.article.body_text.startswith(HISTORY)
    assert reading.article.published_at is None
    assert not reading.article.is_article


@pytest.mark.parametrize("name", KNOWN_LAYOUTS)
def test_and_not_when_read_by_generic_rules_alone(name):
    path, make, _ = KNOWN_LAYOUTS[name]
    # the layout changed: nothing but generic rules
    reading = read_article(make(), page_url(path), site=without_selectors(page_url(path)))
    assert reading.article.published_at is None, reading.sources
    assert not reading.article.is_article

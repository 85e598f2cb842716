"""Page furniture by its shape (crawler/extract/furniture.py), the cross-check that never lets
trafilatura's body carry it (reference.py), and a site's template learned from its pages."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from crawler.extract import furniture, reference
from crawler.extract.article import read_on_site
from crawler.extract.parse import parse_html
from crawler.extract.text import element_text
from crawler.replica.server import file_for

from .conftest import ARTICLE_PATHS, ORIGIN, OTHER_ORIGIN, extracted, page_url

VARIANTS = Path(__file__).resolve().parents[1] / "site_variants"
SLOGAN = "Đoàn kết – trung thực – sáng tạo – hiệu quả - chất lượng"

PROSE = (
    "Sáng nay, Đại học Thái Nguyên tổ chức hội nghị tổng kết công tác đào tạo năm học với sự tham dự của "
    "lãnh đạo các trường thành viên, các viện nghiên cứu và các đơn vị trực thuộc trong toàn Đại học. "
)
URL = "http://127.0.0.1:8000/tin/hoi-nghi.html"


def tree(html: str):
    return parse_html(f"<html><body>{html}</body></html>")


def texts(elements) -> list[str]:
    return [element_text(e) for e in elements]


# --- by shape ----------------------------------------------------------------------------------


def test_a_dated_list_of_linked_headlines_is_a_related_block_without_any_heading():
    root = tree(
        "<div class='x'><ul>"
        "<li><a href='/a.html'>Hội nghị tổng kết công tác Đảng năm 2020</a> <span>(15-07-2020)</span></li>"
        "<li><a href='/b.html'>Khai giảng năm học mới tại Trường Đại học Sư phạm</a> <span>02/09/2020</span></li>"
        "</ul></div><p>" + PROSE + "</p>"
    )
    assert [b.tag for b in furniture.related_blocks(root)] == ["ul"]


def test_a_list_of_links_without_dates_is_not_a_related_block_by_itself():
    root = tree(
        "<ul><li><a href='/a.html'>Quyết định số 12 về tuyển sinh năm 2026</a></li>"
        "<li><a href='/b.html'>Danh sách thí sinh trúng tuyển đợt một</a></li></ul>"
    )
    assert furniture.related_blocks(root) == []


def test_a_related_heading_takes_the_list_after_it():
    for heading in ("Tin khác", "Tin liên quan", "Những tin mới hơn", "Những tin cũ hơn", "Tin cùng chuyên mục"):
        root = tree(
            f"<p>{PROSE}</p><div class='box'><div class='t'>{heading}</div>"
            "<ul><li><a href='/a.html'>Một bài viết khác của trường</a></li></ul></div>"
        )
        blocks = furniture.related_blocks(root)
        assert " ".join(texts(blocks)) == f"{heading} Một bài viết khác của trường", heading


def test_a_sentence_that_begins_like_a_heading_is_not_one():
    root = tree(f"<p>Tin khác nhau về lịch thi đã được nhà trường đính chính trong sáng nay. {PROSE}</p>")
    assert furniture.related_blocks(root) == []


def test_rating_lines():
    root = tree(
        f"<p>{PROSE}</p><div class='v'>Đánh giá bài viết: <span>★★★★☆</span> (12 lượt đánh giá)"
        " <a href='#'>Bình chọn</a></div>"
    )
    assert texts(furniture.rating_lines(root)) == ["Đánh giá bài viết: ★★★★☆ (12 lượt đánh giá) Bình chọn"]
    assert furniture.rating_lines(tree(f"<p>{PROSE}</p>")) == []


def test_a_line_that_is_one_link_points_elsewhere_but_a_document_and_a_sentence_stay():
    root = tree(
        "<p>Xem thêm: <a href='/a.html'>Hội nghị tổng kết công tác đào tạo năm 2025</a></p>"
        "<p><a href='/b.html'>Lễ khai giảng năm học mới của Trường Đại học Y - Dược</a></p>"
        "<p><a href='/qd-12.pdf'>Quyết định số 12/QĐ-ĐHTN về tuyển sinh năm 2026</a></p>"
        "<p>Thông tin chi tiết về chương trình được đăng tải trên <a href='/x.html'>website của đối tác</a>.</p>"
    )
    assert texts(furniture.link_lines(root)) == [
        "Xem thêm: Hội nghị tổng kết công tác đào tạo năm 2025",
        "Lễ khai giảng năm học mới của Trường Đại học Y - Dược",
    ]


# --- the cross-check ---------------------------------------------------------------------------


def _variant(name: str) -> tuple[str, str]:
    """A saved page of tests/site_variants/ (a known layout whose selectors miss), and its URL."""
    path = next(p for p in ARTICLE_PATHS if name in p)
    page = (VARIANTS / "2019-renamed" / "www" / file_for(path)).read_text(encoding="utf-8")
    return page.replace("{{ORIGIN}}", ORIGIN).replace("{{OTHER_ORIGIN}}", OTHER_ORIGIN), page_url(path)


def test_trafilatura_never_sees_the_furniture_and_our_tree_is_left_as_it_was():
    page, url = _variant("so-ket-cong-tac-tuyen-giao")
    root = parse_html(page)
    assert "Tin khác" in reference.reference_text(root, url)  # trafilatura alone carries the related list
    before = etree.tostring(root)
    text = reference.reference_text(root, url, furniture.related_blocks(root))
    assert "Tin khác" not in text and "Cụm thi đua số 2 ngành Tuyên giáo" in text
    assert etree.tostring(root) == before


def test_under_its_title_our_body_stands_whatever_trafilatura_finds_outside_the_article():
    """A template trafilatura does not know: it takes the motto and the footer for the article.
    Our body, under the page's own title, is checked against the article's part of the page
    only, and read as the layout's selectors read the original."""
    page, url = _variant("dai-hoc-thai-nguyen-co-5-de-tai")
    assert SLOGAN in reference.reference_text(parse_html(page), url)
    (article, sources), _ = read_on_site(page, url)
    assert article.body_text == extracted(next(p for p in ARTICLE_PATHS if "co-5-de-tai" in p)).body_text
    assert SLOGAN not in article.body_text
    assert sources["body_text"] == "generic:densest text block+checked by trafilatura"


# --- a site's template -------------------------------------------------------------------------


def test_known_lines_are_found_however_trafilatura_cuts_them():
    known = furniture.Furniture(furniture.template_keys(["ĐẠI HỌC THÁI NGUYÊN", "Địa chỉ: Phường Tân Thịnh"]))
    lines = ["Menu", "ĐẠI HỌC THÁI NGUYÊN", "Địa chỉ: Phường Tân Thịnh", "Tin mới"]
    text = furniture.known_text(lines, known)
    assert reference._known("ĐẠI HỌC THÁI NGUYÊN Địa chỉ: Phường Tân Thịnh", text)
    assert not reference._known("Menu ĐẠI HỌC THÁI NGUYÊN", text)  # "Menu" is not known
    assert not reference._known("Tin mới", text)


def test_the_lines_outside_the_article_are_what_a_page_shows_of_its_template():
    root = tree(
        "<div id='top'>Trang chủ</div><div id='art'><h1>Tiêu đề bài viết mẫu</h1>"
        f"<p>{PROSE}</p></div><div id='foot'>Đoàn kết – trung thực</div>"
    )
    area = root.find(".//div[@id='art']")
    assert furniture.outside_lines(root, area) == ["Trang chủ", "Đoàn kết – trung thực"]
    assert furniture.outside_lines(root, root) == []

"""Generic rules on a layout nobody wrote selectors for (tests/extract/pages/new-layout.html):
time-first date, a counter that is a bare number beside an eye icon, a lead outside the content
block, a byline in a block of its own, <picture>/<source> and lazy images with captions and
credits; no tags, share bar, related links or sidebar in the body."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.article import read_article

PAGE = Path(__file__).parent / "pages" / "new-layout.html"
URL = "http://127.0.0.1:8000/bai/khoi-cong-ky-tuc-xa-2027"


@pytest.fixture(scope="module")
def reading():
    return read_article(PAGE.read_bytes(), URL)


def test_title(reading):
    assert reading.article.title == "Khởi công ký túc xá mới cho sinh viên"


def test_time_first_date(reading):
    assert reading.article.published_at == "2025-11-03T07:15:00+07:00"
    assert reading.article.published_text == "07:15 | 03/11/2025"


def test_counter_without_a_label_beside_an_eye_icon(reading):
    assert reading.article.views == 4321
    assert reading.sources["views"] == "generic:counter marked by class or icon"


def test_category_from_a_breadcrumb_named_by_aria_label(reading):
    assert reading.article.category == "Tin tức"


def test_byline_in_its_own_block(reading):
    assert reading.article.author == "Minh Châu"


def test_body_has_the_lead_and_no_furniture(reading):
    paragraphs = reading.article.body_text.split("\n\n")
    assert paragraphs[0].startswith("Sáng 3/11, nhà trường khởi công")  # the lead, outside the block
    assert paragraphs[-1].startswith("Kinh phí đầu tư của công trình")
    assert len(paragraphs) == 4
    for furniture in ("Từ khóa", "Facebook", "Tin liên quan", "Đọc nhiều", "Minh Châu", "Phối cảnh khu", "©"):
        assert furniture not in reading.article.body_text


def test_images_picture_source_and_lazy_with_captions_and_credits(reading):
    images = [(i.src_url, i.caption, i.alt, i.credit) for i in reading.article.images]
    assert images == [
        (
            "http://127.0.0.1:8000/up/ktx-1600.webp",
            "Các đại biểu thực hiện nghi thức khởi công (Ảnh: Minh Châu)",
            "Lễ khởi công",
            "Minh Châu",
        ),
        (
            "http://127.0.0.1:8000/up/phoi-canh.jpg",
            "Phối cảnh khu ký túc xá. Ảnh: Quang Minh",
            "Phối cảnh",
            "Quang Minh",
        ),
    ]


def test_every_field_names_a_generic_rule(reading):
    assert reading.sources and all(rule.startswith("generic:") for rule in reading.sources.values())


def test_a_picture_whose_sources_are_smaller_keeps_its_default_copy():
    html = (
        "<html><body><h1>Tiêu đề</h1><div><p>" + "Đoạn văn đủ dài của bài viết. " * 4 + "</p>"
        '<figure><picture><source media="(max-width: 767px)" srcset="/a-600.jpg 600w">'
        '<img src="/a.jpg" width="1200" alt="x"></picture><figcaption>Chú thích</figcaption></figure>'
        "<p>" + "Đoạn văn thứ hai cũng đủ dài. " * 4 + "</p></div></body></html>"
    )
    article, _ = read_article(html, URL)
    assert [i.src_url for i in article.images] == ["http://127.0.0.1:8000/a.jpg"]


def _sentences(subject: str, count: int = 4) -> str:
    return f"{subject} là một câu đủ dài để làm đoạn văn của bài viết. " * count


def test_a_body_block_holding_its_own_title_is_checked_on_its_own_part_of_the_page():
    # an <article> opening with its heading is its own area: trafilatura reads it alone, not a
    # denser block elsewhere on the page that its rules would take for the content
    html = (
        "<html><body>"
        f'<div class="content"><p>{_sentences("Giới thiệu trường")}</p><p>{_sentences("Lịch sử")}</p>'
        f"<p>{_sentences('Tuyển sinh')}</p><p>{_sentences('Liên hệ')}</p></div>"
        "<article><h1>Khai giảng năm học mới tại Đại học Thái Nguyên</h1>"
        f"<p>{_sentences('Sáng nay nhà trường')}</p><p>{_sentences('Các tân sinh viên')}</p></article>"
        "</body></html>"
    )
    article, sources = read_article(html, URL)
    assert article.body_text.split("\n\n") == [
        _sentences("Sáng nay nhà trường").strip(),
        _sentences("Các tân sinh viên").strip(),
    ]
    assert sources["body_text"].endswith("+checked by trafilatura")


def test_the_articles_part_is_read_within_the_blocks_around_it():
    # the area (title, date, body) sits in a block whose class names the content: trafilatura
    # reads the area in empty shells of the blocks around it, and keeps the subheadings
    html = (
        '<html><body><div class="sidebar-left"><p>Liên kết</p></div>'
        '<div class="entry-content"><div class="box">'
        "<h1>Hội nghị tổng kết công tác năm học tại Đại học Thái Nguyên</h1><p>12/10/2026</p>"
        f'<div class="inner"><p>{_sentences("Hội nghị")}</p><h2>Kết quả nổi bật</h2>'
        f"<p>{_sentences('Nhà trường')}</p><h2>Phương hướng năm tới</h2><p>{_sentences('Năm tới')}</p></div>"
        "</div></div></body></html>"
    )
    article, _ = read_article(html, URL)
    assert "Kết quả nổi bật" in article.body_text.split("\n\n")
    assert "Phương hướng năm tới" in article.body_text.split("\n\n")

"""Image sources, captions and credits on small inline pages."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from crawler.extract.images import find_images, image_source, parse_credit, widest_srcset

BASE = "http://127.0.0.1:8000/tin-tuc-su-kien/bai.html"


def body(fragment: str):
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def images(fragment: str):
    return [(i.src_url, i.caption, i.alt, i.credit) for i in find_images(body(fragment), BASE)]


@pytest.mark.parametrize(
    "srcset, widest",
    [
        ("a-480.jpg 480w, a-1600.jpg 1600w, a-800.jpg 800w", "a-1600.jpg"),
        ("a.jpg 1x, a@3x.jpg 3x, a@2x.jpg 2x", "a@3x.jpg"),
        ("only.jpg", "only.jpg"),
        ("data:image/gif;base64,R0lGOD 1x, real.jpg 2x", "real.jpg"),
        ("", None),
        (None, None),
    ],
)
def test_widest_srcset(srcset, widest):
    assert widest_srcset(srcset) == widest


def source(tag: str) -> str | None:
    return image_source(body(tag).find(".//img"), BASE)


def test_srcset_gives_the_widest_candidate_absolute():
    assert source('<img src="/u/s.jpg" srcset="/u/s.jpg 400w, /u/l.jpg 1200w">') == "http://127.0.0.1:8000/u/l.jpg"


@pytest.mark.parametrize("attr", ["data-src", "data-original", "data-lazy-src"])
def test_lazy_source_wins_over_the_placeholder(attr):
    tag = f'<img class="lazyload" src="/Content/images/blank.gif" {attr}="anh/that.jpg">'
    assert source(tag) == "http://127.0.0.1:8000/tin-tuc-su-kien/anh/that.jpg"


def test_data_uris_are_not_sources():
    assert source('<img src="data:image/png;base64,iVBORw0KGgo=">') is None
    assert source('<img src="data:image/gif;base64,R0l" data-src="//cdn.example/x.jpg">') == "http://cdn.example/x.jpg"
    assert source('<img src="javascript:alert(1)">') is None


def test_tracking_pixels_and_icons_are_not_content():
    found = images(
        '<p><img src="/t/pixel.gif" width="1" height="1"></p>'
        '<p><img src="/icons/share-facebook.png"></p>'
        '<p><img src="/u/smile.png" width="16" height="16"></p>'
        '<p><img src="data:image/png;base64,AAAA"></p>'
        '<p><img src="/u/photo.jpg" width="800" height="600"></p>'
    )
    assert [f[0] for f in found] == ["http://127.0.0.1:8000/u/photo.jpg"]


def test_figure_and_figcaption():
    assert images(
        '<figure class="image"><img src="/u/a.jpg" alt="A">'
        "<figcaption>Toàn cảnh Hội nghị. Ảnh: Minh Đức</figcaption></figure>"
    ) == [("http://127.0.0.1:8000/u/a.jpg", "Toàn cảnh Hội nghị. Ảnh: Minh Đức", "A", "Minh Đức")]


def test_caption_table():
    found = images(
        '<table class="image"><tbody><tr><td style="text-align:center"><img src="/u/a.jpg"></td></tr>'
        '<tr><td class="image-caption"><em>Lễ trao bằng (ảnh: Nguyễn Thanh Hà)</em></td></tr></tbody></table>'
        "<p>Đoạn văn tiếp theo của bài viết.</p>"
    )
    assert found == [("http://127.0.0.1:8000/u/a.jpg", "Lễ trao bằng (ảnh: Nguyễn Thanh Hà)", None, "Nguyễn Thanh Hà")]


def test_a_data_table_with_a_picture_is_not_a_caption_table():
    found = images(
        "<table><tr><td><img src='/u/a.jpg'></td><td>Họ tên</td></tr>"
        "<tr><td>Nguyễn Văn A</td><td>Giảng viên</td></tr><tr><td>x</td><td>y</td></tr></table>"
    )
    assert found[0][1] is None


def test_centered_italic_paragraph_after_the_image_is_its_caption():
    found = images(
        '<p style="text-align: center;"><img src="/u/a.jpg" alt="a.jpg" /></p>'
        '<p style="text-align: center;"><em>Đồng chí phát biểu (ảnh: Nguyễn Thanh Hà)</em></p>'
        "<p>Nội dung tiếp theo.</p>"
    )
    assert found == [
        ("http://127.0.0.1:8000/u/a.jpg", "Đồng chí phát biểu (ảnh: Nguyễn Thanh Hà)", "a.jpg", "Nguyễn Thanh Hà")
    ]


def test_a_line_of_its_own_starting_with_anh_is_a_caption():
    found = images('<p><img src="/u/a.jpg"></p><p>Ảnh: Minh Đức</p><p>Nội dung tiếp theo.</p>')
    assert found[0][1:] == ("Ảnh: Minh Đức", None, "Minh Đức")
    found = images('<p><img src="/u/a.jpg"></p><p>Photo: TNU Media</p>')
    assert found[0][1:] == ("Photo: TNU Media", None, "TNU Media")


def test_caption_in_the_image_paragraph_after_a_break():
    found = images('<p style="text-align:center"><img src="/u/a.jpg"><br><em>Sinh viên nhập học</em></p>')
    assert found[0][1] == "Sinh viên nhập học"


def test_a_plain_paragraph_after_an_image_is_not_a_caption():
    found = images('<p><img src="/u/a.jpg"></p><p>Hội nghị đã thảo luận nhiều vấn đề quan trọng của nhà trường.</p>')
    assert found[0][1] is None


def test_images_keep_page_order_and_each_its_own_caption():
    found = images(
        "<figure><img src='/u/1.jpg'><figcaption>Một</figcaption></figure>"
        "<p style='text-align:center'><img src='/u/2.jpg'></p><p style='text-align:center'><i>Hai</i></p>"
        "<p><img src='/u/3.jpg'></p>"
    )
    assert [(f[0].rsplit("/", 1)[1], f[1]) for f in found] == [("1.jpg", "Một"), ("2.jpg", "Hai"), ("3.jpg", None)]


@pytest.mark.parametrize(
    "caption, credit",
    [
        ("Đồng chí Hoàng Anh Trung phát biểu (ảnh: Nguyễn Thanh Hà)", "Nguyễn Thanh Hà"),
        ("Đoàn thăm gia đình ông Tòa (Ảnh: Nguyễn Thanh Hà).", "Nguyễn Thanh Hà"),
        ("Giám đốc phát biểu tại Hội nghị. Ảnh: Minh Đức", "Minh Đức"),
        ("Ảnh: Minh Đức", "Minh Đức"),
        ("Photo: Thanh Loan – TNU Media", "Thanh Loan – TNU Media"),
        ("Students at the ceremony. Photo: Hoang Nam", "Hoang Nam"),
        # describes the picture, names nobody
        ("Ảnh: Toàn cảnh hội nghị", None),
        ("Toàn cảnh hội nghị", None),
        (None, None),
    ],
)
def test_parse_credit(caption, credit):
    assert parse_credit(caption) == credit


def test_bare_caption_text_after_a_break_in_the_image_paragraph():
    tree = body('<p style="text-align:center"><img src="/u/a.jpg"><br>Ảnh: Minh Đức</p><p>Nội dung tiếp theo.</p>')
    found = find_images(tree, BASE)
    assert (found[0].caption, found[0].credit) == ("Ảnh: Minh Đức", "Minh Đức")
    # the caption is now an element of its own, so the body text can leave it out
    assert [el.tag for el in found[0].caption_elements] == ["span"]


def test_text_after_a_break_in_a_plain_paragraph_stays_put():
    fragment = '<p><img src="/u/a.jpg"><br>Hội nghị đã thảo luận nhiều vấn đề <b>quan trọng</b> của nhà trường.</p>'
    tree = body(fragment)
    found = find_images(tree, BASE)
    assert found[0].caption is None
    assert lxml_html.tostring(tree, encoding="unicode") == f"<div>{fragment}</div>"

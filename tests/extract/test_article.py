"""Whole pages in small: the generic rules (for a layout no profile knows), the hard cases
of the old CMS, and what must never happen (exceptions, guesses, live scripts)."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.extract import Article, ImageRef, extract_article

from .test_text import XSS, assert_inert, cp1258

URL = "http://127.0.0.1:8000/tin-tuc/bai-viet-moi.html"
PARAS = [
    "Sáng ngày 5/9, Đại học Thái Nguyên tổ chức Lễ khai giảng năm học mới với sự tham dự của hàng nghìn tân sinh viên.",
    (
        "Phát biểu tại buổi lễ, Giám đốc Đại học Thái Nguyên chúc mừng các tân sinh viên "
        "và đề nghị các trường tập trung đổi mới."
    ),
]


def page(article: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f"<title>Lễ khai giảng - Đại học Thái Nguyên</title>{head}</head>"
        '<body><div id="menu"><ul><li><a href="/">Trang chủ</a></li><li><a href="/x">Tin tức</a></li></ul></div>'
        f'<div class="wrap"><div class="main">{article}</div>'
        '<div class="right"><h3>Tin mới</h3><ul><li><a href="/a">Bài cũ</a> (01/01/2019)</li></ul>'
        "<p>Tổng lượt truy cập: 12.345.678</p></div></div>"
        "<footer><p>© 2026 Đại học Thái Nguyên. Địa chỉ: Phường Tân Thịnh.</p></footer></body></html>"
    )


GENERIC = page(
    '<div class="crumbs breadcrumb"><a href="/">Trang chủ</a> › <a href="/dao-tao">Đào tạo</a></div>'
    "<article><h1>Lễ khai giảng năm học 2026 – 2027</h1>"
    '<div class="info">Đăng ngày: 05-09-2026 | 1.234 lần đọc</div>'
    f"<p>{PARAS[0]}</p>"
    '<figure><img src="/anh/khai-giang.jpg" alt="Khai giảng">'
    "<figcaption>Tân sinh viên dự lễ. Ảnh: Minh Đức</figcaption></figure>"
    f"<p>{PARAS[1]}</p>"
    '<div class="social-share"><a href="https://facebook.com/share">Chia sẻ</a></div>'
    "<h3>Tin khác</h3><ul><li><a href='/b'>Một bài khác</a></li></ul>"
    "</article>",
    head='<meta property="og:title" content="Lễ khai giảng năm học 2026 – 2027 | Đại học Thái Nguyên">',
)


def test_generic_rules_read_a_layout_sites_py_does_not_know():
    article = extract_article(GENERIC, URL)
    assert article.title == "Lễ khai giảng năm học 2026 – 2027"
    assert (article.published_at, article.published_text) == ("2026-09-05", "05-09-2026")
    assert article.views == 1234
    assert article.category == "Đào tạo"
    assert article.body_text == "\n\n".join(PARAS)
    assert article.images == (
        ImageRef(
            0,
            "http://127.0.0.1:8000/anh/khai-giang.jpg",
            "Tân sinh viên dự lễ. Ảnh: Minh Đức",
            "Khai giảng",
            "Minh Đức",
        ),
    )
    assert article.author is None
    assert article.is_article


def test_json_ld_and_meta_fill_what_the_page_does_not_print():
    ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"BreadcrumbList","itemListElement":[{"@type":"ListItem","position":1,"name":"Trang chủ"},'
        '{"@type":"ListItem","position":2,"name":"Hợp tác quốc tế"}]},'
        '{"@type":"NewsArticle","headline":"Ký kết hợp tác","datePublished":"2026-02-23T02:15:00Z"}]}</script>'
    )
    html = page(f"<div class='content'><p>{PARAS[0]}</p><p>{PARAS[1]}</p></div>", head=ld)
    article = extract_article(html, URL)
    assert article.title == "Ký kết hợp tác"
    # the timestamp keeps its own offset (its instant and its day are the page's)
    assert (article.published_at, article.published_text) == ("2026-02-23T02:15:00+00:00", None)
    assert article.category == "Hợp tác quốc tế"
    assert article.body_text == "\n\n".join(PARAS)  # the largest text block, no sidebar, no footer


def test_article_published_time_meta_and_title_tag_are_the_last_resort():
    html = page(
        f"<div><p>{PARAS[0]}</p><p>{PARAS[1]}</p></div>",
        head='<meta property="article:published_time" content="2020-07-15">',
    )
    article = extract_article(html, URL)
    assert article.title == "Lễ khai giảng"  # <title> without " - Đại học Thái Nguyên"
    assert article.published_at == "2020-07-15"
    assert article.views is None  # the site-wide visitor counter is not the article's


def test_a_page_with_neither_date_nor_counter_is_not_an_article():
    article = extract_article(page(f"<h1>Lịch sử</h1><div><p>{PARAS[0]}</p></div>"), URL)
    assert article.title == "Lịch sử"
    assert not article.is_article


@pytest.mark.parametrize(
    "printed",
    ["Đăng ngày: 31-02-2020", "Đăng ngày: 15-07-20200", "Đăng ngày: hôm qua", "Đăng ngày: 99/99/9999 - 99:99"],
)
def test_a_malformed_date_gives_none_not_an_exception(printed):
    html = page(f'<article><h1>Tin</h1><div class="info">{printed}</div><p>{PARAS[0]}</p></article>')
    assert extract_article(html, URL).published_at is None


# --- old CMS habits ---------------------------------------------------------------------------

OLD = (
    '<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; '
    '<a href="/news/tin-tuc-su-kien.html">Tin tức - Sự kiện</a>'
    ' &raquo; <a href="/news/tin-tuc-su-kien/khoa-hoc-va-cong-nghe.html">Khoa học và Công nghệ</a></div>'
    '<div class="content-detail"><h1 class="title-detail">{title}</h1>'
    '<div class="tool-detail"><span class="date-view">Đăng ngày: 15-07-2020 | 1.234.567 lần đọc</span></div>'
    '<div class="news-content">{body}</div></div>'
)


def old_page(body: str, title: str = "Hội nghị phổ biến văn bản pháp quy") -> str:
    return page(OLD.format(title=title, body=body))


def test_old_layout_through_the_site_selectors():
    body = f"<p>{PARAS[0]}</p><p style='text-align: right;'><strong>Thanh Loan – TNU Media</strong></p>"
    article = extract_article(old_page(body), "http://127.0.0.1:8000/hoi-nghi-dn5102.html")
    assert article.views == 1234567
    assert article.published_at == "2020-07-15"
    assert article.category == "Khoa học và Công nghệ"
    assert article.author == "Thanh Loan – TNU Media"
    assert article.body_text == PARAS[0]


def test_html_entities_come_out_as_nfc_text():
    body = "<p>Ph&aacute;p quy v&#7873; gi&aacute;o d&#7909;c &#273;&#7841;i h&#7885;c</p>"
    article = extract_article(old_page(body, title="V&#259;n b&#7843;n ph&aacute;p quy"), URL)
    assert article.title == "Văn bản pháp quy"
    assert article.body_text == "Pháp quy về giáo dục đại học"


def test_nfd_page_comes_out_nfc():
    html = unicodedata.normalize("NFD", old_page(f"<p>{PARAS[0]}</p>"))
    article = extract_article(html.encode("utf-8"), URL)
    assert article.title == "Hội nghị phổ biến văn bản pháp quy"
    assert article.body_text == PARAS[0]
    assert article.category == "Khoa học và Công nghệ"


def test_windows_1258_bytes_decoded_from_the_meta_charset():
    html = page(
        OLD.format(title="Hội nghị phổ biến văn bản pháp quy", body=f"<p>{PARAS[0]}</p>"), charset="windows-1258"
    )
    data = cp1258(html)
    article = extract_article(data, URL)
    assert (article.title, article.body_text, article.views) == (
        "Hội nghị phổ biến văn bản pháp quy",
        PARAS[0],
        1234567,
    )
    # and an explicit encoding (from the HTTP header) wins over a wrong declaration
    assert extract_article(data.replace(b"windows-1258", b"utf-8"), URL, encoding="cp1258").body_text == PARAS[0]


def test_no_byline_is_none_never_a_guess():
    endings = [
        f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>",
        # short, but a sentence
        f"<p>{PARAS[0]}</p><p style='text-align:right'><strong>Xin trân trọng cảm ơn.</strong></p>",
        # a capitalized short last line that is not set apart
        f"<p>{PARAS[0]}</p><p>Hội đồng Đại học Thái Nguyên</p>",
        # set apart, but a place and date, not a name
        f"<p>{PARAS[0]}</p><p style='text-align:right'><em>Thái Nguyên, ngày 15 tháng 7 năm 2020</em></p>",
    ]
    for body in endings:
        article = extract_article(old_page(body), URL)
        assert article.author is None, body
        assert article.body_text.split("\n\n")[-1] in body


def test_tac_gia_label_gives_the_author():
    body = f"<p>{PARAS[0]}</p><p>Tác giả: PGS.TS Nguyễn Văn A</p>"
    article = extract_article(old_page(body), URL)
    assert article.author == "PGS.TS Nguyễn Văn A"
    assert article.body_text == PARAS[0]


def test_captions_in_every_style_leave_the_body_text():
    body = (
        f"<p>{PARAS[0]}</p>"
        '<p style="text-align: center;"><img src="/Uploads/1.jpg" /></p>'
        '<p style="text-align: center;"><em>Chú thích một (ảnh: Nguyễn Thanh Hà)</em></p>'
        '<table class="image"><tbody><tr><td><img src="/Uploads/2.jpg" /></td></tr>'
        '<tr><td class="image-caption"><em>Chú thích hai</em></td></tr></tbody></table>'
        '<figure><img class="lazyload" src="/Content/images/blank.gif" data-src="/Uploads/3.jpg">'
        "<figcaption>Chú thích ba</figcaption></figure>"
        '<p><img src="/Uploads/4.jpg" srcset="/Uploads/4-s.jpg 300w, /Uploads/4-l.jpg 1600w"></p><p>Ảnh: Minh Đức</p>'
        f"<p>{PARAS[1]}</p>"
    )
    article = extract_article(old_page(body), URL)
    assert [(i.src_url.rsplit("/", 1)[1], i.caption, i.credit) for i in article.images] == [
        ("1.jpg", "Chú thích một (ảnh: Nguyễn Thanh Hà)", "Nguyễn Thanh Hà"),
        ("2.jpg", "Chú thích hai", None),
        ("3.jpg", "Chú thích ba", None),
        ("4-l.jpg", "Ảnh: Minh Đức", "Minh Đức"),
    ]
    assert article.body_text == "\n\n".join(PARAS)
    # body_html shows the real pictures, not the placeholder
    assert "blank.gif" not in article.body_html
    assert 'src="http://127.0.0.1:8000/Uploads/3.jpg"' in article.body_html


def test_body_html_links_are_absolute():
    body = '<p>Xem <a href="/van-ban/quy-che.pdf">quy chế</a> và <a href="phu-luc.html">phụ lục</a>.</p>'
    html = extract_article(old_page(body), "http://127.0.0.1:8000/tin/bai-dn1.html").body_html
    assert '<a href="http://127.0.0.1:8000/van-ban/quy-che.pdf">quy chế</a>' in html
    assert '<a href="http://127.0.0.1:8000/tin/phu-luc.html">phụ lục</a>' in html


@pytest.mark.parametrize("payload", XSS)
def test_xss_in_the_article_body_comes_out_inert(payload):
    article = extract_article(old_page(f"<p>{PARAS[0]}</p>{payload}<p>{PARAS[1]}</p>"), URL)
    assert_inert(article.body_html)
    assert PARAS[0] in article.body_html and PARAS[1] in article.body_html
    if "<scr<" not in payload:  # that one leaves "ipt>alert(1)" as harmless literal text
        assert "alert" not in (article.body_text or "")  # script and handler code is never text


@pytest.mark.parametrize("html", ["", "   ", b"", b"\x00\x01", "<html></html>", "not html at all"])
def test_degenerate_input_gives_an_empty_record(html):
    article = extract_article(html, URL)
    assert isinstance(article, Article) and article.url == URL and not article.is_article

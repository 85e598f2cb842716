"""The publication date, source by source, in the order crawler/extract/published.py reads them,
and its guards: one small page per rule, each with the date its rule must give and a decoy the
rules before or after it would take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.extract.article import read_article

URL = "http://127.0.0.1:8000/tin-tuc/le-khai-giang.html"
PARAS = (
    "Sáng nay, Đại học Thái Nguyên tổ chức Lễ khai giảng năm học mới với sự tham dự của hàng nghìn tân sinh viên.",
    "Phát biểu tại buổi lễ, Giám đốc Đại học Thái Nguyên chúc mừng các tân sinh viên và đề nghị các trường "
    "tập trung đổi mới phương pháp dạy và học.",
    "Năm học này, các trường thành viên tiếp tục mở rộng hợp tác quốc tế và đẩy mạnh nghiên cứu khoa học.",
)
BODY = "".join(f"<p>{p}</p>" for p in PARAS)


def page(article: str, head: str = "", aside: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Lễ khai giảng - Trường Đại học</title>{head}</head>"
        '<body><nav class="menu"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></nav>'
        f'<main class="main">{article}</main>'
        f'<aside class="sidebar"><h3>Tin mới</h3><ul><li><a href="/a">Tin cũ</a> '
        f'<span class="date">01/01/2019</span></li></ul>{aside}</aside>'
        '<footer class="site-footer"><p>Cập nhật: 01/12/2026</p><p>© 2026 Trường Đại học.</p></footer>'
        "</body></html>"
    )


def read(html: str, url: str = URL):
    reading = read_article(html, url)
    a = reading.article
    return a.published_at, a.published_text, reading.sources.get("published_at"), reading.sources.get("published_text")


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def days_from_now(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


# --- the order ----------------------------------------------------------------------------------


def test_json_ld_article_comes_first_and_its_graph_is_read():
    head = (
        ld(
            '{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},'
            '{"@type":["NewsArticle"],"headline":"Lễ khai giảng","datePublished":"2024-03-05T10:00:00+07:00"}]}'
        )
        + '<meta property="article:published_time" content="2024-03-06T10:00:00+07:00">'
    )
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html) == ("2024-03-05T10:00:00+07:00", None, "generic:jsonld", None)


def test_a_webpage_node_s_date_is_not_a_publication_date():
    # WordPress SEO plugins print a WebPage with datePublished on every static page
    head = ld('{"@graph":[{"@type":"WebPage","datePublished":"2019-05-01T08:00:00+00:00"}]}')
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html)[0] is None


def test_article_published_time_meta():
    head = '<meta property="article:published_time" content="2024-03-05T10:00:00+00:00">'
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html) == ("2024-03-05T10:00:00+00:00", None, "generic:meta", None)


def test_time_element_of_the_header_not_of_related_items_below():
    html = page(
        "<article><header><h1>Lễ khai giảng</h1>"
        '<time class="entry-date published" datetime="2024-03-05T10:00:00+07:00">5 tháng 3, 2024</time></header>'
        f'<div class="entry-content">{BODY}</div>'
        '<div class="more"><h3>Bài khác</h3><time datetime="2024-06-01">1/6/2024</time></div></article>'
    )
    # the <time> gives the instant; its printed wording is the header's date line
    assert read(html) == ("2024-03-05T10:00:00+07:00", "5 tháng 3, 2024", "generic:time", "generic:dated header line")


def test_a_time_marked_as_the_update_is_not_the_publication():
    html = page(
        '<article><header><h1>Lễ khai giảng</h1><time class="updated" datetime="2024-09-09">9/9/2024</time>'
        '<time class="entry-date published" datetime="2024-03-05">5/3/2024</time></header>'
        f'<div class="entry-content">{BODY}</div></article>'
    )
    assert read(html)[0] == "2024-03-05"


def test_time_below_the_body_is_not_the_article_s():
    html = page(
        f'<article><h1>Lễ khai giảng</h1><div class="entry-content">{BODY}</div>'
        '<div class="comments"><time datetime="2024-06-01T10:00:00+07:00">1/6/2024</time></div></article>'
    )
    assert read(html)[0] is None


@pytest.mark.parametrize(
    "meta",
    [
        '<meta name="DC.date.issued" content="2024-03-05">',
        '<meta name="dcterms.date" content="2024-03-05">',
        '<meta name="pubdate" content="2024-03-05">',
        '<meta name="date" content="2024-03-05">',
        '<meta itemprop="datePublished" content="2024-03-05">',
    ],
)
def test_dc_pubdate_and_date_meta(meta):
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", meta)
    assert read(html)[:3] == ("2024-03-05", None, "generic:meta")


def test_a_modification_meta_is_never_the_date():
    head = '<meta property="article:modified_time" content="2024-03-05T10:00:00+07:00">'
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html)[0] is None


def test_structured_date_keeps_the_printed_line_that_agrees_with_it():
    head = ld('{"@type":"NewsArticle","datePublished":"2026-10-12T01:30:00Z"}')
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="meta">08:30 | 12/10/2026</div>{BODY}</article>', head)
    # the instant and offset of the structured value, the wording of the page
    assert read(html) == (
        "2026-10-12T01:30:00+00:00",
        "08:30 | 12/10/2026",
        "generic:jsonld",
        "generic:dated header line",
    )
    # the printed line is kept out of the body, as when it gives the date itself
    assert "08:30" not in read_article(html, URL).article.body_text


def test_a_structured_day_takes_the_printed_time():
    head = '<meta name="pubdate" content="2026-10-12">'
    line = '<div class="meta">Đăng lúc 08:30 12/10/2026</div>'
    html = page(f"<article><h1>Lễ khai giảng</h1>{line}{BODY}</article>", head)
    assert read(html)[:2] == ("2026-10-12T08:30:00+07:00", "08:30 12/10/2026")


def test_a_printed_line_that_disagrees_gives_no_wording():
    head = ld('{"@type":"BlogPosting","datePublished":"2026-10-10"}')
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="meta">12/10/2026</div>{BODY}</article>', head)
    assert read(html)[:3] == ("2026-10-10", None, "generic:jsonld")
    # still a date line, never body text
    assert "12/10/2026" not in read_article(html, URL).article.body_text


@pytest.mark.parametrize(
    "line, iso, printed",
    [
        ("Đăng ngày: 15-07-2020 | 550 lần đọc", "2020-07-15", "15-07-2020"),
        ("Thứ hai - 12/10/2026 08:30", "2026-10-12T08:30:00+07:00", "Thứ hai - 12/10/2026 08:30"),
        ("Cập nhật lúc 09:12 ngày 15/10/2026", "2026-10-15T09:12:00+07:00", "09:12 ngày 15/10/2026"),
        ("Thứ Hai, 23/02/2026 - 09:15", "2026-02-23T09:15:00+07:00", "Thứ Hai, 23/02/2026 - 09:15"),
        ("21 tháng 09 năm 2025", "2025-09-21", "21 tháng 09 năm 2025"),
        ("Tác giả: Nguyễn Thị Thanh Loan | Đăng ngày: 12/10/2026 | Lượt xem: 1.234", "2026-10-12", "12/10/2026"),
    ],
)
def test_printed_vietnamese_date_lines(line, iso, printed):
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="info">{line}</div>{BODY}</article>')
    assert read(html)[:2] == (iso, printed)


def test_the_url_s_day_when_nothing_is_printed():
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>")
    assert read(html, "http://127.0.0.1:8000/2024/03/05/le-khai-giang/") == ("2024-03-05", None, "generic:url", None)
    # the canonical link names it just as well
    head = '<link rel="canonical" href="http://127.0.0.1:8000/2024/03/05/le-khai-giang/">'
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html)[:3] == ("2024-03-05", None, "generic:url")


def test_printed_lines_come_before_the_url():
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="info">Đăng ngày: 06-03-2024</div>{BODY}</article>')
    assert read(html, "http://127.0.0.1:8000/2024/03/05/le-khai-giang/")[:3] == (
        "2024-03-06",
        "06-03-2024",
        "generic:labelled date line",
    )


def test_htmldate_reads_what_our_patterns_do_not():
    # an English month name in the header's byline: no Vietnamese rule reads it, htmldate does
    html = page(
        '<article><header><h1>Lễ khai giảng</h1><div class="byline">By Thanh Loan, March 5, 2024</div></header>'
        f'<div class="entry-content">{BODY}</div></article>'
    )
    assert read(html)[:3] == ("2024-03-05", None, "generic:htmldate")


def test_htmldate_never_sees_the_running_text_nor_the_footer():
    # htmldate on the whole page would take the body's or the footer's date; shown only the head
    # and the header lines it finds nothing, and the page has no date
    html = page(
        '<article><h1>Lễ khai giảng</h1><div class="entry-content">'
        "<p>Published on March 5, 2024, the plan covers the coming years of the university and beyond.</p>"
        f"{BODY}<p>2024-03-05 10:00:00</p></div></article>"
    )
    assert read(html)[0] is None


# --- the guards ---------------------------------------------------------------------------------


def test_never_a_date_of_the_running_text():
    # a generic body that opens with a sentence naming a day: history, not a publication date
    html = page(
        "<article><h1>Lịch sử hình thành</h1><p>Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.</p>"
        f"{BODY}</article>"
    )
    reading = read_article(html, URL)
    assert reading.article.published_at is None and not reading.article.is_article
    assert reading.article.body_text.startswith("Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.")


def test_never_a_future_date():
    later = days_from_now(30)
    printed = later.strftime("%d/%m/%Y")
    head = f'<meta property="article:published_time" content="{later.date().isoformat()}">'
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="info">Đăng ngày: {printed}</div>{BODY}</article>', head)
    assert read(html)[0] is None
    # a past date after a future one is still found
    html = page(
        f'<article><h1>Lễ khai giảng</h1><div class="info">Đăng ngày: {printed}</div>'
        f'<div class="info">Đăng ngày: 15-07-2020</div>{BODY}</article>'
    )
    assert read(html)[0] == "2020-07-15"


def test_today_is_not_the_future():
    today = datetime.now(UTC).date()
    html = page(f'<article><h1>Lễ khai giảng</h1><div class="info">Đăng ngày: {today:%d-%m-%Y}</div>{BODY}</article>')
    assert read(html)[0] == today.isoformat()


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="1970-01-01T00:00:00+00:00">',
        ld('{"@type":"Article","datePublished":"0001-01-01"}'),
    ],
)
def test_never_a_date_before_the_web(head):
    html = page(f"<article><h1>Lễ khai giảng</h1>{BODY}</article>", head)
    assert read(html)[0] is None


def test_the_site_selector_comes_first_on_a_known_layout():
    # a 2026-layout page: its .post-date wins over structured data that says otherwise
    html = (
        '<html><head><meta property="article:published_time" content="2020-01-01"></head><body>'
        '<article class="post-detail"><h1 class="post-title">Lễ khai giảng</h1>'
        '<div class="post-meta"><span class="post-date">Thứ Hai, 23/02/2026 - 09:15</span></div>'
        f'<div class="post-content">{BODY}</div></article></body></html>'
    )
    assert read(html) == ("2026-02-23T09:15:00+07:00", "Thứ Hai, 23/02/2026 - 09:15", "site:2026", "site:2026")

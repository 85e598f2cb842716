"""Listings are not articles: a page whose dates are its item cards' (a category, tag or search
page) is refused by is_article, on every replica and on the shapes real CMSs print, while every
known article — related-article cards, "most read" sidebars, "Xem thêm" lists, captioned
images and all — stays one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import listing
from crawler.extract.article import extract_article, read_article
from crawler.replica.server import file_for, substitute

from .conftest import ARTICLE_PATHS, EXPECTED, ORIGIN, OTHER_ORIGIN, page_bytes, page_url, without_selectors

TESTS = Path(__file__).resolve().parents[1]
REDESIGN = TESTS / "site_redesign"
REDESIGN_EXPECTED: dict = json.loads((REDESIGN / "expected.json").read_text(encoding="utf-8"))
FIXTURES = sorted((Path(__file__).parent / "pages").glob("*.html"))


def redesign(path: str):
    body = substitute((REDESIGN / "www" / file_for(path)).read_bytes(), ORIGIN, OTHER_ORIGIN)
    return extract_article(body, ORIGIN + path)


# --- every known page ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_every_article_of_the_replica_is_an_article_even_read_by_generic_rules_alone(path):
    assert extract_article(page_bytes(path), page_url(path)).is_article
    # the layout changed again: nothing but generic rules
    article = extract_article(page_bytes(path), page_url(path), site=without_selectors(page_url(path)))
    assert article.is_article and not article.listing


@pytest.mark.parametrize("path", sorted(REDESIGN_EXPECTED["articles"]))
def test_every_article_of_the_redesign_is_an_article(path):
    article = redesign(path)
    assert article.is_article and not article.listing


@pytest.mark.parametrize("page", FIXTURES, ids=lambda p: p.name)
def test_every_saved_article_page_is_an_article(page):
    assert extract_article(page.read_bytes(), "http://127.0.0.1:8000/bai/" + page.stem).is_article


@pytest.mark.parametrize("path", EXPECTED["listings"])
def test_every_listing_of_the_replica_is_recognised(path):
    article = extract_article(page_bytes(path), page_url(path), site=without_selectors(page_url(path)))
    assert article.listing and not article.is_article


REDESIGN_LISTINGS = REDESIGN_EXPECTED["listings"] + [
    p for p in REDESIGN_EXPECTED["not_articles"] if p.startswith("/tag/")
]


@pytest.mark.parametrize("path", REDESIGN_LISTINGS + ["/"])
def test_every_listing_and_tag_page_of_the_redesign_is_recognised(path):
    article = redesign(path)
    assert article.listing and not article.is_article


def test_the_tag_page_discovery_archived_is_refused_for_its_cards():
    """Two cards, each a heading link with a time-first date and an excerpt: the date the
    extractor finds is the first card's."""
    article, sources = read_article(
        substitute((REDESIGN / "www/tag/tuyen-sinh/index.html").read_bytes(), ORIGIN, OTHER_ORIGIN),
        ORIGIN + "/tag/tuyen-sinh/",
    )
    assert article.title and article.published_at  # what made it an article before
    assert not article.is_article
    assert sources["listing"] == "generic:item cards (2), no date or body of its own"


# --- shapes real CMSs print ---------------------------------------------------------------------

URL = "http://127.0.0.1:8000/tin-tuc/trang-moi"
PROSE = (
    "Sáng ngày 12/10, Đại học Thái Nguyên tổ chức hội nghị tổng kết năm học với sự tham dự của "
    "lãnh đạo các trường thành viên, các khoa và đơn vị trực thuộc trong toàn Đại học. "
)


def page(main: str, head: str = "", aside: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Trang – Đại học Thái Nguyên</title>{head}</head>"
        "<body><header><nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/chuyen-muc/tin-tuc/'>Tin tức - Sự kiện"
        "</a></li></ul></nav></header>"
        f"<div class='wrap'><div class='col-main'>{main}</div><div class='col-right'>{aside}</div></div>"
        "<footer><p>© 2026 Đại học Thái Nguyên. Phường Tân Thịnh, tỉnh Thái Nguyên.</p></footer></body></html>"
    )


def teaser(n: int, tag: str = "article", date: str = "08:30 | 1{n}/10/2026", excerpt: bool = True) -> str:
    return (
        f"<{tag} class='post'><a href='/bai-viet/{n}'><img src='/up/{n}.jpg' alt=''></a>"
        f"<h2 class='entry-title'><a href='/bai-viet/{n}'>Tiêu đề bài viết số {n} về hoạt động của nhà trường</a></h2>"
        f"<div class='meta'>{date.format(n=n)}</div>"
        + (
            f"<p>Tóm tắt bài số {n}: hội nghị đã thảo luận nhiều nội dung quan trọng của năm học mới…</p>"
            if excerpt
            else ""
        )
        + f"</{tag}>"
    )


WORDPRESS_CATEGORY = page(
    "<header class='page-header'><h1 class='page-title'>Chuyên mục: Tin tức</h1>"
    "<p class='archive-description'>Tin tức và sự kiện của Đại học Thái Nguyên.</p></header>"
    + "".join(
        f"<article class='post-{n} post type-post'><header class='entry-header'><h2 class='entry-title'>"
        f"<a href='/{n}/tieu-de-bai-viet-{n}/' rel='bookmark'>"
        f"Tiêu đề bài viết số {n} về hoạt động của nhà trường</a></h2>"
        f"<div class='entry-meta'><time class='entry-date published' "
        f"datetime='2026-10-1{n}T08:30:00+07:00'>1{n}/10/2026</time>"
        f"</div></header><div class='entry-summary'><p>Tóm tắt bài số {n} của chuyên mục…</p></div></article>"
        for n in range(1, 4)
    )
)
DRUPAL_VIEW = page(
    "<h1 class='page-title'>Tin tức</h1><div class='view view-tin-tuc'><div class='view-content'>"
    + "".join(
        f"<div class='views-row'><div class='views-field views-field-title'><span class='field-content'>"
        f"<a href='/node/{n}' hreflang='vi'>Tiêu đề bài viết số {n} về hoạt động của nhà trường</a></span></div>"
        f"<div class='views-field views-field-created'><span class='field-content'>1{n}/10/2026 - 08:30</span></div>"
        f"<div class='views-field views-field-body'><div class='field-content'>Tóm tắt bài số {n}: nội dung chính "
        "của bài viết được rút gọn…</div></div></div>"
        for n in range(1, 4)
    )
    + "</div></div>"
)
PORTAL_PLAIN_LIST = page(  # no headings, no excerpts: long title links and a date each
    "<h1>Thông báo</h1><ul class='list-news'>"
    + "".join(
        f"<li><a href='/thong-bao/{n}.html'>Thông báo về việc tổ chức kỳ thi kết thúc học phần đợt {n} năm 2026</a>"
        f" <span class='date'>(1{n}/10/2026)</span></li>"
        for n in range(1, 6)
    )
    + "</ul>"
)
JOOMLA_TABLE = page(
    "<h1>Tin tức</h1><table class='category table'><tbody>"
    + "".join(
        f"<tr><td class='list-title'><a href='/index.php/tin-tuc/{n}-bai-viet'>Hội nghị tổng kết công tác số {n}"
        f" của Đại học Thái Nguyên năm 2026</a></td><td class='list-date'>1{n}-10-2026</td></tr>"
        for n in range(1, 5)
    )
    + "</tbody></table>"
)
JOOMLA_BLOG_MICRODATA = page(
    "<div class='blog' itemscope itemtype='https://schema.org/Blog'><h1>Tin tức</h1>"
    + "".join(
        f"<div class='item' itemprop='blogPost' itemscope itemtype='https://schema.org/BlogPosting'>"
        f"<h2 itemprop='name'><a href='/index.php/tin-tuc/{n}-bai' itemprop='url'>Bài viết số {n} của khoa</a></h2>"
        f"<dl><dd class='published'><time datetime='2026-10-1{n}T08:30:00+07:00' itemprop='datePublished'>"
        f"1{n}/10/2026</time></dd></dl><p>Tóm tắt ngắn.</p><p class='readmore'><a href='/index.php/tin-tuc/{n}-bai'>"
        "Đọc thêm …</a></p></div>"
        for n in range(1, 3)
    )
    + "</div>"
)
ONE_ITEM_TAG = page("<h1>Từ khóa: Học bổng</h1><div class='list'>" + teaser(1) + "</div>")


@pytest.mark.parametrize(
    "html",
    [
        page("<h1>Chuyên mục: Tin tức</h1><div class='list'>" + "".join(teaser(n) for n in range(1, 4)) + "</div>"),
        page("<h1>Tin tức</h1>" + "".join(teaser(n, "div", excerpt=False) for n in range(1, 4))),  # title and date only
        page(
            "<h1>Tin tức</h1>"
            + "".join(teaser(n, "div", date="") for n in range(1, 4))
            + "<p class='date-now'>Thứ Hai, 12/10/2026</p>"
        ),  # excerpts only; a date below them, no article's
        WORDPRESS_CATEGORY,
        DRUPAL_VIEW,
        PORTAL_PLAIN_LIST,
        JOOMLA_TABLE,
        JOOMLA_BLOG_MICRODATA,
        ONE_ITEM_TAG,
    ],
    ids=[
        "cards",
        "title-and-date",
        "excerpt-only",
        "wordpress",
        "drupal",
        "plain-list",
        "joomla-table",
        "joomla-microdata",
        "one-item-tag",
    ],
)
def test_listing_shapes_are_not_articles(html):
    article = extract_article(html, URL)
    assert article.listing and not article.is_article


def test_json_ld_collection_page_is_a_listing_whatever_it_holds():
    head = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"CollectionPage",'
        '"name":"Tin tức"},{"@type":"BreadcrumbList","itemListElement":[]}]}</script>'
    )
    article, sources = read_article(page("<h1>Tin tức</h1><p>12/10/2026</p><p>" + PROSE + "</p>", head), URL)
    assert article.listing and not article.is_article
    assert sources["listing"] == "generic:json-ld collectionpage"


def test_json_ld_article_keeps_a_page_of_cards_an_article():
    head = (
        '<script type="application/ld+json">'
        '{"@type":"NewsArticle","headline":"Tin","datePublished":"2026-10-12"}</script>'
    )
    html = page("<h1>Tin</h1>" + "".join(teaser(n) for n in range(1, 4)), head)
    assert extract_article(html, URL).is_article


def article_page(extra_main: str = "", aside: str = "", body: str = "", header_date: str = "08:30 | 12/10/2026") -> str:
    return page(
        f"<div class='entry'><h1>Hội nghị tổng kết năm học 2025 - 2026</h1><div class='info'>{header_date}</div>"
        f"<div class='entry-body'>{body or ('<p>' + PROSE + '</p><p>' + PROSE + '</p>')}</div>{extra_main}</div>",
        aside=aside,
    )


@pytest.mark.parametrize(
    "html",
    [
        # related-article cards with dates and excerpts, in an unmarked block after the body
        article_page("<div class='box-news'>" + "".join(teaser(n, "div") for n in range(1, 5)) + "</div>"),
        # a "most read" sidebar, unmarked, titles with dates and counters
        article_page(
            aside="<div class='box'><h3>Đọc nhiều</h3>"
            + "".join(
                f"<div class='it'><h4><a href='/bai-viet/{n}'>"
                f"Tiêu đề bài viết số {n} về hoạt động của nhà trường</a></h4>"
                f"<span>1{n}/10/2026 · 1.2{n}0 lượt xem</span></div>"
                for n in range(1, 6)
            )
            + "</div>"
        ),
        # "Xem thêm" links and several captioned images in the body
        article_page(
            body="<p>"
            + PROSE
            + "</p>"
            + "".join(
                f"<figure><img src='/up/a{n}.jpg' alt='Ảnh {n}'><figcaption>Các đại biểu dự hội nghị (Ảnh: Minh Châu)"
                f"</figcaption></figure>"
                for n in range(1, 4)
            )
            + "<p>"
            + PROSE
            + "</p><p><strong>Xem thêm:</strong></p><ul>"
            + "".join(
                f"<li><a href='/bai-viet/{n}'>Tiêu đề bài viết số {n} về hoạt động của nhà trường</a> "
                f"(1{n}/10/2026)</li>"
                for n in range(1, 4)
            )
            + "</ul>"
        ),
        # a short notice (one line and an attachment) followed by dated cards
        article_page(
            "<div class='other'>" + "".join(teaser(n, "div") for n in range(1, 4)) + "</div>",
            body="<p>Xem chi tiết tại <a href='/files/tb.pdf'>tệp đính kèm</a>.</p>",
        ),
        # the date line names the category (a link) in a block of its own
        page(
            "<div class='entry'><h1>Hội nghị tổng kết năm học 2025 - 2026</h1><div class='info'><div>"
            "<a href='/chuyen-muc/hoat-dong/'>Hoạt động Đảng, Đoàn thể</a></div><div>12/10/2026</div></div>"
            f"<div class='entry-body'><p>{PROSE}</p></div>" + "".join(teaser(n, "div") for n in range(1, 3)) + "</div>"
        ),
    ],
    ids=["related-cards", "most-read-sidebar", "xem-them-and-figures", "short-notice", "category-link-by-the-date"],
)
def test_articles_with_cards_around_them_stay_articles(html):
    article = extract_article(html, URL)
    assert article.is_article and not article.listing, article


def test_a_theme_that_links_the_title_to_the_article_itself_is_no_card():
    html = page(
        f"<article><h2 class='entry-title'><a href='{URL}' rel='bookmark'>"
        f"Hội nghị tổng kết năm học 2025 - 2026 của nhà trường</a></h2>"
        f"<p>12/10/2026</p><p>{PROSE}</p><p>{PROSE}</p></article>" + "".join(teaser(n, "div") for n in range(1, 3))
    )
    assert extract_article(html, URL).is_article


@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_pages_read_by_a_site_selector_are_not_examined(path, monkeypatch):
    """A known layout's article pays nothing for the question."""

    def refuse(*args, **kwargs):
        raise AssertionError("a page read by a site selector was examined as a possible listing")

    monkeypatch.setattr(listing, "structured_verdict", refuse)
    monkeypatch.setattr(listing, "item_cards", refuse)
    article, sources = read_article(page_bytes(path), page_url(path))
    assert article.is_article and "listing" not in sources


def test_a_title_linked_to_the_canonical_url_is_the_page_s_own():
    """Fetched under another name (a short link): the title links the canonical URL, which is the
    page itself, so the block of title, date and a short body is no item card."""
    canonical = "http://127.0.0.1:8000/bai-viet/2026/10/12/hoi-nghi-1201"
    html = page(
        f"<div class='detail'><h2 class='title'><a href='{canonical}'>Hội nghị tổng kết năm học 2025 - 2026 của nhà "
        f"trường</a></h2><div class='date'>12/10/2026</div><p>{PROSE}</p><p>{PROSE}</p></div>"
        + "".join(teaser(n, "div") for n in range(1, 3)),
        head=f"<link rel='canonical' href='{canonical}'><meta property='og:title' content='Hội nghị tổng kết'>",
    )
    assert extract_article(html, "http://127.0.0.1:8000/?p=1201").is_article


def test_microdata_teasers_beside_the_article_s_own_item_leave_it_an_article():
    """Themes mark sidebar teasers up as Article items too (real pages of trafilatura's
    evaluation set do): microdata is not taken for a listing's word."""
    html = page(
        "<div itemscope itemtype='https://schema.org/NewsArticle'><h1 itemprop='headline'>Hội nghị tổng kết năm học"
        f"</h1><div class='date'>12/10/2026</div><div itemprop='articleBody'><p>{PROSE}</p><p>{PROSE}</p></div></div>",
        aside="".join(
            f"<div itemscope itemtype='https://schema.org/NewsArticle'><h3 itemprop='headline'><a href='/bai/{n}'>"
            f"Tiêu đề bài viết số {n} về hoạt động của nhà trường</a></h3><span>1{n}/10/2026</span></div>"
            for n in range(1, 4)
        ),
    )
    article = extract_article(html, URL)
    assert article.is_article and not article.listing

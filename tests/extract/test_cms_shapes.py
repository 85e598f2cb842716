"""The generic field rules on the shapes other CMSs give a page (WordPress, NukeViet, an ASP.NET
portal), each in small: counters, bylines, the category, the lead, a body without paragraphs,
related blocks. Whole replicas of these CMSs are in tests/site_wordpress, tests/site_nukeviet and
tests/site_dnn (tests/test_site_cms.py reads every page of them)."""

from __future__ import annotations

from crawler.extract import extract_article
from crawler.extract.article import read_article

URL = "http://127.0.0.2:8000/2026/10/12/le-khai-giang/"
PARAS = [
    "Sáng 12/10, nhà trường long trọng tổ chức Lễ khai giảng năm học mới, chào đón hơn 2.500 tân sinh viên nhập học.",
    "Phát biểu tại buổi lễ, Hiệu trưởng nhấn mạnh yêu cầu đổi mới phương pháp dạy học, gắn đào tạo với thực tiễn.",
    "Dịp này, nhà trường trao 120 suất học bổng khuyến khích học tập cho các tân sinh viên có điểm tuyển sinh cao.",
]
SIDEBAR = (
    '<aside class="widget-area"><h2>Bài viết mới</h2><ul><li><a href="/a/">Một bài khác của trường</a> 01/10/2026</li>'
    "</ul><ul><li>Lượt truy cập: 1.234.567</li></ul></aside>"
)


def page(article: str, head: str = "", sidebar: str = SIDEBAR) -> str:
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Lễ khai giảng – Trường</title>{head}</head>'
        '<body><header><p class="site-title"><a href="/">Trường Đại học Sư phạm</a></p></header>'
        f'<div id="content"><main id="main">{article}</main>{sidebar}</div>'
        "<footer><p>Trường Đại học Sư phạm – Số 20 đường Lương Ngọc Quyến</p></footer></body></html>"
    )


def paras(texts: list[str] = PARAS) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


WORDPRESS = page(
    '<article class="post type-post"><header class="entry-header">'
    '<h1 class="entry-title">Lễ khai giảng năm học mới</h1><div class="entry-meta"><span class="posted-on">'
    '<time class="entry-date published" datetime="2026-10-12T08:30:00+07:00">'
    '12/10/2026 lúc 08:30</time></span><span class="byline"> bởi <span class="author vcard">'
    '<a class="url fn n" href="/author/minh-hang/">Minh Hằng</a></span></span></div></header>'
    f'<div class="entry-content">{paras()}'
    '<div class="post-views content-post post-412 entry-meta">'
    '<span class="post-views-icon dashicons dashicons-chart-bar"></span> '
    '<span class="post-views-label">Đã xem:</span> <span class="post-views-count">1.234</span></div></div>'
    '<footer class="entry-footer"><span class="cat-links">Chuyên mục: <a href="/category/tin-tuc/" rel="category tag">'
    "Tin tức - Sự kiện</a></span></footer></article>"
)


def test_a_views_plugin_block_closing_the_body_is_the_counter_and_leaves_the_body():
    article = extract_article(WORDPRESS, URL)
    assert article.views == 1234
    assert article.body_text == "\n\n".join(PARAS)
    assert "Đã xem" not in article.body_html and "1.234" not in article.body_html


def test_a_byline_block_loses_its_bori_prefix():
    assert extract_article(WORDPRESS, URL).author == "Minh Hằng"


def test_rel_category_names_the_category_when_there_is_no_breadcrumb():
    reading = read_article(WORDPRESS, URL)
    assert reading.article.category == "Tin tức - Sự kiện"
    assert reading.sources["category"] == "generic:rel=category link"


def test_a_sidebar_visitor_counter_is_never_the_article_counter():
    """ "Lượt truy cập: 1.234.567" is the sidebar's; the article prints none."""
    no_counter = WORDPRESS.replace("1.234</span></div>", "</span></div>").replace("Đã xem:", "")
    assert extract_article(no_counter, URL).views is None


LEAD = "Ngày 12/10, nhà trường tổ chức Hội nghị khoa học với sự tham gia của hơn 200 nhà khoa học trong và ngoài nước."
NUKEVIET = page(
    '<div class="news_column panel panel-default"><div class="panel-body">'
    '<h1 class="title margin-bottom-lg">Hội nghị khoa học năm 2026</h1>'
    '<div class="row"><div class="col-md-12"><span class="h5">Thứ hai - 12/10/2026 08:30</span> '
    '<span class="h5 hits"><em class="fa fa-eye">&nbsp;</em> Xem: 1874</span></div></div>'
    '<div class="clearfix"><div class="hometext m-bottom">'
    f"{LEAD}</div></div>"
    f'<div id="news-bodyhtml" class="bodytext margin-bottom-lg">{paras()}</div>'
    '<div class="margin-bottom-lg"><p class="h5 text-right"><strong>Tác giả bài viết: </strong>Hoàng Lan</p>'
    '<p class="h5 text-right"><strong>Nguồn tin: </strong>Phòng KHCN</p></div></div></div>',
    head='<meta property="og:title" content="Hội nghị khoa học năm 2026">',
)


def test_a_lead_printed_above_the_body_block_opens_the_body():
    article = extract_article(NUKEVIET, URL)
    assert article.body_text == "\n\n".join([LEAD, *PARAS])
    assert article.body_html.startswith(f"<p>{LEAD}</p>")


def test_a_lead_is_known_by_the_page_description_too():
    """No class says it is the lead (an ASP.NET portal's `articleSummary`): the page's own
    description does (its meta name in capitals, as DotNetNuke writes it)."""
    summary = NUKEVIET.replace('class="hometext m-bottom"', 'class="articleSummary"')
    described = summary.replace("<title>", f'<meta name="DESCRIPTION" content="{LEAD}"><title>')
    article = extract_article(described, URL)
    assert article.body_text == "\n\n".join([LEAD, *PARAS])
    assert article.body_html.startswith(f"<p>{LEAD}</p>")


def test_labelled_byline_below_the_body_and_xem_counter():
    article = extract_article(NUKEVIET, URL)
    assert article.author == "Hoàng Lan"  # not "Phòng KHCN", the source
    assert article.views == 1874
    assert (article.published_at, article.published_text) == ("2026-10-12T08:30:00+07:00", "Thứ hai - 12/10/2026 08:30")


def test_poster_in_a_portal_info_line():
    portal = NUKEVIET.replace(
        '<div class="margin-bottom-lg"><p class="h5 text-right"><strong>Tác giả bài viết: </strong>Hoàng Lan</p>',
        "<div>",
    ).replace(
        '<span class="h5 hits"><em class="fa fa-eye">&nbsp;</em> Xem: 1874</span>',
        '| <span class="poster">Người đăng: Trần Minh</span> | <span class="hits">Lượt truy cập: 1.234</span>',
    )
    article = extract_article(portal, URL)
    assert (article.author, article.views) == ("Trần Minh", 1234)


def test_a_body_of_lines_parted_by_br_is_found_and_not_the_rating_form_below_it():
    """A body pasted without <p>: its block has no paragraph, the rating form below has one."""
    pasted = NUKEVIET.replace(paras(), "<br />\n<br />\n".join(PARAS)).replace(
        "</div></div></div></main>",
        '</div></div></div><div class="panel"><form action=""><div class="h5 clearfix"><p id="stringrating">'
        "Tổng số điểm của bài viết là: 15 trong 3 đánh giá</p></div></form></div></main>",
    )
    article = extract_article(pasted, URL)
    assert article.body_text == "\n\n".join([LEAD, *PARAS])
    assert (article.author, article.views) == ("Hoàng Lan", 1874)


def test_newer_and_older_lists_inside_a_body_are_left_out():
    listed = NUKEVIET.replace(
        f"{paras()}</div>",
        f'{paras()}<p class="h3"><strong>Những tin mới hơn</strong></p><ul><li><a href="/vi/news/a-1.html">'
        'Tuyển sinh thạc sĩ đợt 2 năm 2026</a> <em>(06/10/2026)</em></li></ul><p class="h3"><strong>Những tin cũ hơn'
        '</strong></p><ul><li><a href="/vi/news/b-2.html">Khai giảng lớp bồi dưỡng khuyến nông</a></li></ul></div>',
    )
    article = extract_article(listed, URL)
    assert article.body_text == "\n\n".join([LEAD, *PARAS])
    assert "Những tin" not in article.body_html


def test_a_related_list_pasted_in_the_body_is_not_brought_back_by_the_trafilatura_check():
    """trafilatura prints the list's items as "- …" lines; what our rules took out stays out."""
    pasted = page(
        '<div class="article"><h1 class="articleTitle">Hội trại truyền thống</h1>'
        '<div class="articleInfo"><span class="date">Ngày đăng: 10/09/2026 07:00</span></div>'
        f'<div class="articleBody Normal">{paras()}<p><strong>Tin cùng chuyên mục:</strong></p><ul>'
        '<li><a href="/Default.aspx?tabid=57&amp;ArticleID=1241">Hội nghị khoa học quốc tế về Kinh tế số năm 2026</a>'
        ' (12/10/2026)</li><li><a href="/Default.aspx?tabid=57&amp;ArticleID=1236">Sinh viên tham gia Ngày hội việc'
        " làm năm 2026</a> (03/10/2026)</li></ul></div></div>"
    )
    article = extract_article(pasted, URL)
    assert article.body_text == "\n\n".join(PARAS)

"""Generate the replica of a member school's NukeViet news site, and its ground truth.

    .venv/bin/python tests/site_nukeviet/build.py [--force-images]

NukeViet 4 (the Vietnamese CMS many schools run) with its default theme's news module and no
entry in any site profile: everything here is read by the generic rules.
Served by `crawler.replica.server.ReplicaServer(Path("tests/site_nukeviet"), host="127.0.0.3")`.

- articles at `/vi/news/<cat>/<slug>-<id>.html`; the module's listing `/vi/news/`, category
  listings `/vi/news/<cat>/` paginated as `/vi/news/<cat>/page-2.html` (the generic pager rule
  reads it as the category's page 2: walked as a listing page, never judged as an article), tag
  pages `/vi/news/tag/<alias>`;
- robots.txt naming `/sitemap.xml` (a sitemap index), the module's RSS `/vi/news/rss/`
  (announced in <head>, served as `application/rss+xml`);
- an article: og:title, `<h1 class="title">`, "Thứ hai - 12/10/2026 08:30" and "Xem: 1874" (hits
  printed without thousands dots) in the meta row, the lead in `.hometext` OUTSIDE the body block
  `#news-bodyhtml`, CKEditor bodies (`<p>` paragraphs, or `<div>` ones with "enterMode DIV"),
  pictures in centred paragraphs with the caption in the next centred `<em>` paragraph or in a
  CKEditor `<figure class="image">`, "Tác giả bài viết: Name" and "Nguồn tin: …" below the
  body, the keywords, the rating line ("Tổng số điểm của bài viết là: 15 trong 3 đánh giá") and
  the "Những tin mới hơn" / "Những tin cũ hơn" lists (titles with their dates) after it, the
  breadcrumb (schema.org BreadcrumbList) starting at "Trang nhất";
- a static page of the about module, `/vi/about/`, whose only dates are in its running text.

Writes (committed): www/, routes.json, expected.json (`articles`: every field of every article;
`not_articles`: every other page, each refused; `listings`; `feed`; `sitemaps`), README.md.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from replica_kit import (  # noqa: E402
    body_truth,
    clear_pages,
    esc,
    images_truth,
    img,
    nfc,
    p,
    readme,
    sitemap_urlset,
    write_image,
    write_json,
    write_text,
)

SITE_NAME = "Trường Đại học Nông Lâm"
MODULE = ("Tin tức", "/vi/news/")
CATS = {"tin-hoat-dong": "Tin hoạt động", "tuyen-sinh": "Tuyển sinh"}
PER_PAGE = 2
TAGS = {"nong-nghiep": "nông nghiệp", "sinh-vien": "sinh viên"}
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
UP = "/uploads/news"
ROBOTS = (
    "User-agent: *\nDisallow: /admin/\nDisallow: /data/\nDisallow: /includes/\nDisallow: /install/\n"
    "Disallow: /vi/users/\n\nSitemap: {{ORIGIN}}/sitemap.xml\n"
)
FEED = "/vi/news/rss/"

ARTICLES: list[dict[str, Any]] = [
    {
        "id": 1532, "cat": "tin-hoat-dong", "slug": "hoi-nghi-khoa-hoc-nong-nghiep-cong-nghe-cao-nam-2026",
        "title": "Hội nghị khoa học Nông nghiệp công nghệ cao năm 2026",
        "date": "2026-10-12T08:30", "views": 1874, "author": "Hoàng Lan", "source": "Phòng KHCN & HTQT",
        "tags": ["nong-nghiep"], "rating": (15, 3), "body_style": "p",
        "lead": "Ngày 12/10, Trường Đại học Nông Lâm tổ chức Hội nghị khoa học Nông nghiệp công nghệ cao năm 2026 với sự tham gia của hơn 200 nhà khoa học trong và ngoài nước.",
        "varieties": ["'Thứ hai - 12/10/2026 08:30'", "'Xem: 1874'", "lead in .hometext outside the body block",
                      "picture in a centred <p>, caption in the next centred <em> paragraph",
                      "CKEditor <figure class=\"image\"> with <figcaption>", "'Tác giả bài viết:' below the body",
                      "rating line, 'Những tin mới hơn' / 'Những tin cũ hơn' lists"],
        "blocks": [
            p("Hội nghị là diễn đàn để các nhà khoa học, doanh nghiệp và địa phương chia sẻ kết quả nghiên cứu, chuyển giao công nghệ trong sản xuất nông nghiệp."),
            img(f"{UP}/2026_10/hoi-nghi-nong-nghiep-cnc-1.jpg", seed=4101, style="centred_em",
                alt="Quang cảnh Hội nghị", caption="Quang cảnh Hội nghị khoa học (Ảnh: Hoàng Lan)", credit="Hoàng Lan"),
            p("Tại Hội nghị, 45 báo cáo khoa học được trình bày, tập trung vào công nghệ sinh học, nông nghiệp thông minh và chuyển đổi số trong quản lý trang trại."),
            img(f"{UP}/2026_10/hoi-nghi-nong-nghiep-cnc-2.jpg", seed=4102, style="figure",
                alt="Tham quan mô hình nhà kính", caption="Đại biểu tham quan mô hình nhà kính thông minh. Ảnh: Hoàng Lan",
                credit="Hoàng Lan"),
            p("Nhà trường đã ký kết thỏa thuận hợp tác với 5 doanh nghiệp về đào tạo và chuyển giao giống cây trồng."),
        ],
    },
    {
        "id": 1527, "cat": "tuyen-sinh", "slug": "thong-bao-tuyen-sinh-dao-tao-trinh-do-thac-si-dot-2-nam-2026",
        "title": "Thông báo tuyển sinh đào tạo trình độ thạc sĩ đợt 2 năm 2026",
        "date": "2026-10-06T15:00", "views": 56, "author": None, "source": None,
        "tags": [], "rating": (0, 0), "body_style": "br",
        "lead": "Trường Đại học Nông Lâm thông báo tuyển sinh đào tạo trình độ thạc sĩ đợt 2 năm 2026 với 12 chuyên ngành.",
        "varieties": ["no image", "no byline", "'Xem: 56'", "no rating yet",
                      "a body without paragraphs: text and <br /> line breaks only"],
        "blocks": [
            p("Đối tượng dự tuyển là người đã tốt nghiệp đại học ngành phù hợp hoặc ngành gần với chuyên ngành đăng ký dự tuyển."),
            p("Hồ sơ nhận tại Phòng Đào tạo đến hết ngày 30/11/2026; thí sinh xem chi tiết chỉ tiêu từng chuyên ngành trên trang tuyển sinh của nhà trường."),
        ],
    },
    {
        "id": 1519, "cat": "tin-hoat-dong", "slug": "sinh-vien-dat-giai-nhat-nghien-cuu-khoa-hoc-cap-bo",
        "title": "Sinh viên đạt giải Nhất nghiên cứu khoa học cấp Bộ",
        "date": "2026-09-28T10:20", "views": 2345, "author": "Văn Thành", "source": None,
        "tags": ["sinh-vien"], "rating": (9, 2), "body_style": "div",
        "lead": "Đề tài nghiên cứu chế phẩm vi sinh xử lý phụ phẩm nông nghiệp của nhóm sinh viên Khoa Môi trường đã đạt giải Nhất giải thưởng Sinh viên nghiên cứu khoa học cấp Bộ.",
        "varieties": ["CKEditor 'enterMode DIV' body: paragraphs in <div>s", "'Xem: 2345' (no thousands dot)",
                      "picture in a centred <p>, caption in the next centred <em> paragraph"],
        "blocks": [
            p("Nhóm sinh viên gồm 4 thành viên, dưới sự hướng dẫn của giảng viên Khoa Môi trường, đã thực hiện đề tài trong 18 tháng tại trại thực nghiệm của nhà trường."),
            img(f"{UP}/2026_09/sinh-vien-nckh.jpg", seed=4103, style="centred_em",
                alt="Nhóm sinh viên nhận giải", caption="Nhóm sinh viên nhận giải thưởng (Ảnh: Văn Thành)", credit="Văn Thành"),
            p("Chế phẩm giúp rút ngắn thời gian ủ phân hữu cơ từ rơm rạ còn 25 ngày, đang được thử nghiệm tại ba hợp tác xã trong tỉnh."),
        ],
    },
    {
        "id": 1504, "cat": "tin-hoat-dong", "slug": "khai-giang-lop-boi-duong-nghiep-vu-khuyen-nong",
        "title": "Khai giảng lớp bồi dưỡng nghiệp vụ khuyến nông",
        "date": "2026-09-15T07:30", "views": 310, "author": "Hoàng Lan", "source": None,
        "tags": [], "rating": (4, 1), "body_style": "p",
        "lead": "Sáng 15/9, Trung tâm Khuyến nông của nhà trường khai giảng lớp bồi dưỡng nghiệp vụ khuyến nông cho 60 cán bộ cơ sở các tỉnh miền núi phía Bắc.",
        "varieties": ["only on its category's second page (page-2.html)", "'Xem: 310'"],
        "blocks": [
            p("Lớp học kéo dài 10 ngày, gồm các chuyên đề về kỹ năng truyền thông, xây dựng mô hình trình diễn và ứng dụng công nghệ số trong khuyến nông."),
            img(f"{UP}/2026_09/khai-giang-khuyen-nong.jpg", seed=4104, style="figure",
                alt="Học viên lớp khuyến nông", caption="Học viên dự lễ khai giảng", credit=None),
            p("Kết thúc khóa học, học viên đạt yêu cầu được cấp chứng chỉ bồi dưỡng nghiệp vụ khuyến nông."),
        ],
    },
]

ABOUT = {
    "path": "/vi/about/", "title": "Giới thiệu chung",
    "lead": "Trường Đại học Nông Lâm được thành lập ngày 23/11/1970 theo Quyết định số 98/TTg, là trung tâm đào tạo nguồn nhân lực nông lâm nghiệp của vùng trung du miền núi phía Bắc.",
    "paragraphs": [
        "Ngày 04/4/1994, nhà trường trở thành trường thành viên của Đại học Thái Nguyên theo Nghị định số 31/CP của Chính phủ.",
        "Hiện nay nhà trường đào tạo 25 ngành trình độ đại học, 10 chuyên ngành thạc sĩ và 7 chuyên ngành tiến sĩ, với hơn 10.000 người học.",
    ],
}


# --- rendering ------------------------------------------------------------------------------


def url(a: dict[str, Any]) -> str:
    return f"/vi/news/{a['cat']}/{a['slug']}-{a['id']}.html"


def printed_date(iso: str) -> str:
    """'2026-10-12T08:30' -> 'Thứ hai - 12/10/2026 08:30' (NukeViet's `l - d/m/Y H:i`)."""
    d, t = iso.split("T")
    day = date.fromisoformat(d)
    return f"{WEEKDAYS[day.weekday()]} - {day:%d/%m/%Y} {t}"


def short_date(iso: str) -> str:
    return f"{date.fromisoformat(iso[:10]):%d/%m/%Y}"


def newest() -> list[dict[str, Any]]:
    return sorted(ARTICLES, key=lambda a: a["date"], reverse=True)


def head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi" xmlns="http://www.w3.org/1999/xhtml" prefix="og: http://ogp.me/ns#">\n<head>\n'
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="generator" content="NukeViet v4.5">\n'
        f'<meta property="og:site_name" content="{SITE_NAME}">\n'
        f'<link rel="alternate" href="{FEED}" title="{MODULE[0]}" type="application/rss+xml">\n'
        '<link rel="StyleSheet" href="/themes/default/css/bootstrap.min.css">\n'
        '<link rel="StyleSheet" href="/themes/default/css/news.css">\n'
        f"{extra}</head>\n"
    )


def header() -> str:
    cats = "".join(f'<li><a title="{esc(n)}" href="/vi/news/{s}/">{esc(n)}</a></li>' for s, n in CATS.items())
    return (
        '<div class="body-bg"><div class="wraper"><header><div class="container"><div id="header" class="row">'
        f'<div class="logo col-xs-24 col-sm-24 col-md-8"><a title="{SITE_NAME}" href="/"><img src="/uploads/logo-nong-lam.png" width="120" height="90" alt="{SITE_NAME}"></a>'
        f'<span class="site_name">{SITE_NAME}</span><span class="site_description">Đại học Thái Nguyên</span></div></div></div></header>\n'
        '<nav class="second-nav" id="menusite"><div class="container"><div class="row"><div class="bg box-shadow">'
        '<ul class="site-menu"><li><a title="Trang nhất" href="/"><em class="fa fa-lg fa-home">&nbsp;</em> Trang nhất</a></li>'
        '<li><a title="Giới thiệu" href="/vi/about/">Giới thiệu</a></li>'
        f'<li><a title="{MODULE[0]}" href="{MODULE[1]}">{MODULE[0]}</a><ul class="subnav">{cats}</ul></li>'
        "</ul></div></div></div></nav>\n"
    )


def breadcrumbs(trail: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
        f'<a href="{href}" itemprop="item" title="{esc(name)}"><span itemprop="name">{esc(name)}</span></a>'
        f'<i class="hidden" itemprop="position" content="{i + 1}"></i></li>'
        for i, (name, href) in enumerate([("Trang nhất", "/")] + trail)
    )
    return (
        '<div class="breadcrumbs-wrap"><div class="display"><a class="show-subs-breadcrumbs hidden" href="#"><em class="fa fa-lg fa-angle-right"></em></a>'
        f'<ul class="breadcrumbs list-none"></ul></div><ul class="subs-breadcrumbs"></ul>'
        f'<ul class="temp-breadcrumbs hidden" itemscope itemtype="https://schema.org/BreadcrumbList">{items}</ul></div>\n'
    )


def right_column() -> str:
    hot = "".join(
        f'<li class="clearfix"><a href="{url(a)}" title="{esc(a["title"])}">{esc(a["title"])}</a> <span class="text-muted">({short_date(a["date"])})</span></li>'
        for a in newest()[:3]
    )
    return (
        '<div class="col-sm-24 col-md-6"><div class="panel panel-primary"><div class="panel-heading">Tin mới nhất</div>'
        f'<div class="panel-body"><ul class="block_tophits list-none list-items">{hot}</ul></div></div>'
        '<div class="panel panel-primary"><div class="panel-heading">Thống kê</div><div class="panel-body">'
        '<ul class="counter list-none display-table"><li><span><em class="fa fa-bolt fa-lg fa-horizon"></em>Đang truy cập</span><span>24</span></li>'
        '<li><span><em class="fa fa-filter fa-lg fa-horizon"></em>Hôm nay</span><span>1.523</span></li>'
        '<li><span><em class="fa fa-calendar-o fa-lg fa-horizon"></em>Tháng hiện tại</span><span>45.210</span></li>'
        '<li><span><em class="fa fa-bar-chart fa-lg fa-horizon"></em>Tổng lượt truy cập</span><span>3.456.789</span></li></ul></div></div></div>\n'
    )


def footer() -> str:
    return (
        '<footer id="footer"><div class="wraper"><div class="container"><div class="row">'
        f'<div class="col-xs-24 col-sm-24 col-md-12"><div class="company_info"><h3 class="company_name">{SITE_NAME.upper()}</h3>'
        '<ul class="company_info"><li><em class="fa fa-map-marker"></em> Xã Quyết Thắng, tỉnh Thái Nguyên</li>'
        '<li><em class="fa fa-phone"></em> Điện thoại: 0208 3852 921</li></ul></div></div>'
        '<div class="col-xs-24 col-sm-24 col-md-12"><div class="copyright">&copy; Bản quyền thuộc về Trường Đại học Nông Lâm</div>'
        '<div class="theme-change">Giao diện: default — Sử dụng NukeViet CMS</div></div></div></div></div></footer>\n'
        '<script src="/assets/js/jquery/jquery.min.js"></script>\n<script src="/themes/default/js/main.js"></script>\n'
        "</div></div></body>\n</html>\n"
    )


def page(title: str, content: str, extra_head: str = "", trail: list[tuple[str, str]] | None = None) -> str:
    return (
        head(title, extra_head) + "<body>\n" + header()
        + '<section><div class="container" id="body"><div class="row">'
        + '<div class="col-sm-24 col-md-18">' + breadcrumbs(trail or []) + content + "</div>"
        + right_column() + "</div></div></section>\n" + footer()
    )


def image_html(im: dict[str, Any]) -> str:
    tag = f'<img alt="{esc(im["alt"])}" height="{im["height"]}" src="{im["src"]}" width="{im["width"]}" />'
    if im["style"] == "figure":
        cap = f"<figcaption>{esc(im['caption'])}</figcaption>" if im.get("caption") else ""
        return f'<figure class="image" style="display:inline-block">{tag}{cap}</figure>'
    # CKEditor's default: the picture in a centred paragraph, the caption in the next, in italics
    return (
        f'<p style="text-align: center;">{tag}</p>\n'
        f'<p style="text-align: center;"><em>{esc(im["caption"])}</em></p>'
    )


def related_list(items: list[dict[str, Any]]) -> str:
    return '<ul class="related list-items">' + "".join(
        f'<li class="list-group-item"><em class="fa fa-angle-right">&nbsp;</em><a href="{url(b)}" title="{esc(b["title"])}">{esc(b["title"])}</a>'
        f' <em>({short_date(b["date"])})</em></li>'
        for b in items
    ) + "</ul>"


def render_article(a: dict[str, Any]) -> str:
    block_tag = "div" if a["body_style"] == "div" else "p"
    body = []
    if a["body_style"] == "br":  # pasted from a word processor: lines and breaks, no paragraph
        body.append("<br />\n<br />\n".join(esc(b["p"]) for b in a["blocks"]))
    for block in a["blocks"] if a["body_style"] != "br" else []:
        if "img" in block:
            body.append(image_html(block["img"]))
        elif block_tag == "div":
            body.append(f'<div style="text-align: justify;">{esc(block["p"])}</div>')
        else:
            body.append(f'<p style="text-align: justify;">{esc(block["p"])}</p>')
    byline = ""
    if a["author"] or a["source"]:
        byline = '<div class="margin-bottom-lg">'
        if a["author"]:
            byline += f'<p class="h5 text-right"><strong>Tác giả bài viết: </strong>{esc(a["author"])}</p>'
        if a["source"]:
            byline += f'<p class="h5 text-right"><strong>Nguồn tin: </strong>{esc(a["source"])}</p>'
        byline += "</div>"
    points, votes = a["rating"]
    rating = (
        '<div class="news_column panel panel-default"><div class="panel-body"><form id="form3B" action="">'
        f'<div class="h5 clearfix"><p id="stringrating">Tổng số điểm của bài viết là: {points} trong {votes} đánh giá</p>'
        '<div style="padding: 5px;">'
        + "".join(f'<input class="hover-star" type="radio" value="{v}" title="Bài viết {t}" />'
                  for v, t in enumerate(("rất kém", "kém", "bình thường", "tốt", "rất tốt"), start=1))
        + '<span id="hover-test" style="margin: 0 0 0 20px;">Click để đánh giá bài viết</span></div></div></form></div></div>'
    )
    keywords = ""
    if a["tags"]:
        keywords = (
            '<div class="news_column panel panel-default"><div class="panel-body"><div class="h5">'
            '<em class="fa fa-tags">&nbsp;</em><strong>Từ khóa: </strong>'
            + ", ".join(f'<a title="{esc(TAGS[t])}" href="/vi/news/tag/{t}"><em>{esc(TAGS[t])}</em></a>' for t in a["tags"])
            + "</div></div></div>"
        )
    same = [b for b in newest() if b["cat"] == a["cat"] and b is not a]
    newer = [b for b in same if b["date"] > a["date"]]
    older = [b for b in same if b["date"] < a["date"]]
    others = ""
    if newer or older:
        others = '<div class="news_column panel panel-default"><div class="panel-body other-news">'
        if newer:
            others += '<p class="h3"><strong>Những tin mới hơn</strong></p><div class="clearfix">' + related_list(newer) + "</div>"
        if older:
            others += '<p class="h3"><strong>Những tin cũ hơn</strong></p><div class="clearfix">' + related_list(older) + "</div>"
        others += "</div></div>"
    content = (
        '<div class="news_column panel panel-default" itemtype="http://schema.org/NewsArticle" itemscope>'
        '<div class="panel-body">'
        f'<h1 class="title margin-bottom-lg" itemprop="headline">{esc(a["title"])}</h1>'
        '<div class="row margin-bottom-lg"><div class="col-md-12">'
        f'<span class="h5">{printed_date(a["date"])}</span> '
        f'<span class="h5 hits"><em class="fa fa-eye">&nbsp;</em> Xem: {a["views"]}</span></div>'
        '<div class="col-md-12"><ul class="list-inline text-right send-share">'
        '<li><a class="dimgray" rel="nofollow" title="Gửi bài viết qua email" href="javascript:void(0);"><em class="fa fa-envelope fa-lg">&nbsp;</em></a></li>'
        '<li><a class="dimgray" rel="nofollow" title="In ấn" href="javascript:void(0);"><em class="fa fa-print fa-lg">&nbsp;</em></a></li>'
        "</ul></div></div>"
        f'<div class="clearfix"><div class="hometext m-bottom" itemprop="description">{esc(a["lead"])}</div></div>'
        '<div id="news-bodyhtml" class="bodytext margin-bottom-lg">\n' + "\n".join(body) + "\n</div>"
        f"{byline}</div></div>\n{keywords}\n{rating}\n{others}"
    )
    cat = CATS[a["cat"]]
    extra = (
        f'<meta name="description" content="{esc(a["lead"])}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{esc(a["title"])}">\n'
        f'<meta property="og:description" content="{esc(a["lead"])}">\n'
        f'<meta property="og:url" content="{{{{ORIGIN}}}}{url(a)}">\n'
        f'<meta property="article:section" content="{esc(cat)}">\n'
        f'<link rel="canonical" href="{{{{ORIGIN}}}}{url(a)}">\n'
    )
    trail = [MODULE, (cat, f"/vi/news/{a['cat']}/")]
    return page(f"{a['title']} - {cat} - {SITE_NAME}", content, extra, trail)


def card(a: dict[str, Any]) -> str:
    thumb = next((b["img"]["src"] for b in a["blocks"] if "img" in b), "/themes/default/images/no_image.png")
    return (
        '<div class="news_column"><div class="panel panel-default"><div class="panel-body">'
        f'<a href="{url(a)}" title="{esc(a["title"])}"><img alt="{esc(a["title"])}" src="{thumb}" width="183" class="img-thumbnail pull-left imghome" /></a>'
        f'<h3><a href="{url(a)}" title="{esc(a["title"])}">{esc(a["title"])}</a></h3>'
        f'<div class="text-muted"><ul class="list-unstyled list-inline"><li><em class="fa fa-clock-o">&nbsp;</em> {printed_date(a["date"])}</li>'
        f'<li><em class="fa fa-eye">&nbsp;</em> Xem: {a["views"]}</li></ul></div>'
        f'<p>{esc(a["lead"])}</p></div></div></div>'
    )


def cat_url(slug: str, n: int) -> str:
    return f"/vi/news/{slug}/" if n == 1 else f"/vi/news/{slug}/page-{n}.html"


def pager(slug: str, n: int, pages: int) -> str:
    if pages <= 1:
        return ""
    items = [f'<li class="{"disabled" if n == 1 else ""}"><a href="{cat_url(slug, n - 1) if n > 1 else "#"}">&laquo;</a></li>']
    for k in range(1, pages + 1):
        items.append('<li class="active"><a href="#">' + str(k) + "</a></li>" if k == n
                     else f'<li><a href="{cat_url(slug, k)}">{k}</a></li>')
    items.append(f'<li class="{"disabled" if n == pages else ""}"><a href="{cat_url(slug, n + 1) if n < pages else "#"}">&raquo;</a></li>')
    return f'<div class="text-center"><ul class="pagination">{"".join(items)}</ul></div>'


def listing_pages() -> list[tuple[str, str]]:
    out = []
    for slug, name in CATS.items():
        items = [a for a in newest() if a["cat"] == slug]
        pages = (len(items) + PER_PAGE - 1) // PER_PAGE
        for n in range(1, pages + 1):
            chunk = items[(n - 1) * PER_PAGE: n * PER_PAGE]
            content = "".join(card(a) for a in chunk) + pager(slug, n, pages)
            title = f"{name}" + (f" - Trang {n}" if n > 1 else "") + f" - {SITE_NAME}"
            out.append((cat_url(slug, n), page(title, content, "", [MODULE, (name, cat_url(slug, 1))])))
    # the module's own page: each category's newest items (viewcat_main_right)
    blocks = "".join(
        f'<div class="news_column panel panel-default"><div class="panel-heading"><h4><a href="/vi/news/{slug}/">{esc(name)}</a></h4></div>'
        + "".join(card(a) for a in newest() if a["cat"] == slug)
        + "</div>"
        for slug, name in CATS.items()
    )
    out.append((MODULE[1], page(f"{MODULE[0]} - {SITE_NAME}", blocks, "", [MODULE])))
    for slug, name in TAGS.items():
        cards = "".join(card(a) for a in newest() if slug in a["tags"])
        content = f'<div class="page-header"><h1>{esc(name)}</h1></div>{cards}'
        out.append((f"/vi/news/tag/{slug}", page(f"{name} - {MODULE[0]} - {SITE_NAME}", content, "", [MODULE])))
    return out


def render_home() -> str:
    latest = "".join(card(a) for a in newest()[:3])
    content = (
        '<div class="panel panel-default"><div class="panel-heading">Tin tiêu điểm</div>'
        f'<div class="panel-body">{latest}</div></div>'
        '<div class="panel panel-default"><div class="panel-heading">Liên kết</div><div class="panel-body">'
        '<ul><li><a href="/vi/about/">Giới thiệu chung</a></li>'
        + "".join(f'<li><a href="/vi/news/{s}/">{esc(n)}</a></li>' for s, n in CATS.items())
        + "</ul></div></div>"
    )
    return page(SITE_NAME, content)


def render_about() -> str:
    paras = "".join(f'<p style="text-align: justify;">{esc(t)}</p>' for t in ABOUT["paragraphs"])
    content = (
        '<div class="page panel panel-default"><div class="panel-body">'
        f'<h1 class="title margin-bottom-lg">{esc(ABOUT["title"])}</h1>'
        f'<div class="hometext margin-bottom-lg">{esc(ABOUT["lead"])}</div>'
        f'<div class="clearfix">{paras}</div></div></div>'
    )
    extra = f'<meta property="og:title" content="{esc(ABOUT["title"])}">\n<meta property="og:type" content="website">\n'
    return page(f"{ABOUT['title']} - Giới thiệu - {SITE_NAME}", content, extra, [("Giới thiệu", "/vi/about/")])


def render_feed() -> str:
    items = "".join(
        f"<item><title>{esc(a['title'])}</title><link>{{{{ORIGIN}}}}{url(a)}</link>"
        f"<guid isPermaLink=\"false\">{a['cat']}_{a['id']}</guid><description><![CDATA[{a['lead']}]]></description></item>"
        for a in newest()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{MODULE[0]}</title><link>{{{{ORIGIN}}}}{MODULE[1]}</link><description>{SITE_NAME}</description>"
        f"<language>vi</language><generator>NukeViet v4.5</generator>{items}</channel></rss>\n"
    )


def sitemaps() -> dict[str, str]:
    index = "".join(f"<sitemap><loc>{{{{ORIGIN}}}}{u}</loc></sitemap>" for u in ("/vi/news/sitemap.xml", "/vi/about/sitemap.xml"))
    return {
        "/sitemap.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>\n',
        "/vi/news/sitemap.xml": sitemap_urlset([(url(a), a["date"] + ":00+07:00") for a in newest()]),
        "/vi/about/sitemap.xml": sitemap_urlset([(ABOUT["path"], "2024-03-01T08:00:00+07:00")]),
    }


# --- ground truth and writing --------------------------------------------------------------


def expected_entry(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": nfc(a["title"]),
        "published_at": a["date"] + ":00+07:00",
        "published_text": printed_date(a["date"]),
        "views": a["views"],
        "author": nfc(a["author"]),
        "category": nfc(CATS[a["cat"]]),
        "body_text": body_truth(a),
        "images": images_truth(a),
    }


def write_site(out: Path = HERE, force_images: bool = False) -> dict[str, Any]:
    www = out / "www"
    clear_pages(www)
    for a in ARTICLES:
        write_text(www, url(a), render_article(a))
        for block in a["blocks"]:
            if "img" in block:
                im = block["img"]
                write_image(www, im["src"], im["seed"], im["width"], im["height"], force_images)
    write_image(www, "/uploads/logo-nong-lam.png", 4190, 120, 90, force_images)
    write_image(www, "/themes/default/images/no_image.png", 4191, 60, 40, force_images)
    listings = listing_pages()
    for u, text in listings:
        write_text(www, u, text)
    write_text(www, "/", render_home())
    write_text(www, ABOUT["path"], render_about())
    write_text(www, "/robots.txt", ROBOTS)
    write_text(www, FEED, render_feed())
    for u, text in sitemaps().items():
        write_text(www, u, text)
    write_json(out / "routes.json", {"redirects": {}, "fail_once": {}, "content_types": {FEED: "application/rss+xml; charset=utf-8"}})
    expected = {
        "articles": {url(a): expected_entry(a) for a in ARTICLES},
        "listings": [u for u, _ in listings],
        "not_articles": ["/"] + [u for u, _ in listings] + [ABOUT["path"]],
        "static_pages": [ABOUT["path"]],
        "feed": FEED,
        "sitemaps": list(sitemaps()),
    }
    write_json(out / "expected.json", expected)
    others = ["`/` home page (cards)"] + [f"`{u}` listing (cards)" for u, _ in listings]
    others += [f"`{ABOUT['path']}` static page (about module); its only dates are in its running text"]
    others += [f"`{FEED}` RSS (application/rss+xml), `/robots.txt` -> `/sitemap.xml` (an index) -> two sitemaps"]
    (out / "README.md").write_text(readme(__doc__, [{**a, "path": url(a)} for a in ARTICLES], others), encoding="utf-8")
    return expected


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    e = write_site(HERE, ap.parse_args().force_images)
    print(f"build: {len(e['articles'])} articles, {len(e['not_articles'])} pages that are no articles")

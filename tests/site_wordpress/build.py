"""Generate the replica of a member school's WordPress news site, and its ground truth.

    .venv/bin/python tests/site_wordpress/build.py [--force-images]

A WordPress school site as Vietnamese universities run them (a classic theme, core sitemaps, a
views plugin), with no entry in any site profile: everything here is read by the generic rules.
Served by `crawler.replica.server.ReplicaServer(Path("tests/site_wordpress"), host="127.0.0.2")`.

- permalinks by date `/<yyyy>/<mm>/<dd>/<slug>/`; the blog index `/` and its `/page/N/`, category
  `/category/<slug>/` (and `/page/2/`), tag `/tag/<slug>/`, author `/author/<slug>/` and month
  `/<yyyy>/<mm>/` archives: listings of excerpt cards, each with its own date;
- robots.txt naming `/wp-sitemap.xml` (core sitemaps: posts, pages, categories, tags, users,
  with their XSL stylesheet line), and the RSS feed `/feed/` announced in every page's <head>,
  served as `application/rss+xml`;
- a post: `<article class="post …">` with `.entry-meta` ("12/10/2026 lúc 08:30" in a
  `<time>` of its own, "bởi <a>Name</a>" in `.byline`), `.entry-content`, the category as
  `rel="category tag"` links in `.entry-footer` (no breadcrumb), the Post Views Counter plugin's
  "Đã xem: 1.234" at the end of the content, `wp-block-image` figures (`srcset`, the widest is the
  original upload) and the classic `[caption]` figure, both with `<figcaption>`; post navigation,
  comments and a sidebar (recent posts with dates, archives, the site's visitor counter
  "Lượt truy cập: 1.234.567") around it;
- a "Giới thiệu" page (`/gioi-thieu/`) whose only dates are in its running text.

Writes (committed): www/, routes.json, expected.json (`articles`: every field of every article;
`not_articles`: every other page, each refused; `listings`; `feed`; `sitemaps`), README.md.
"""

from __future__ import annotations

import argparse
import sys
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
    thousands,
    write_image,
    write_json,
    write_text,
)

SITE_NAME = "Trường Đại học Sư phạm"
PER_PAGE = 2  # WordPress's "Blog pages show at most"
CATS = {
    "tin-tuc-su-kien": "Tin tức - Sự kiện",
    "khoa-hoc-cong-nghe": "Khoa học - Công nghệ",
    "dao-tao": "Đào tạo",
}
TAGS = {"sinh-vien": "Sinh viên", "thong-bao": "Thông báo"}
AUTHORS = {"minh-hang": "Minh Hằng", "quang-huy": "Quang Huy", "phong-dao-tao": "Phòng Đào tạo", "thu-trang": "Thu Trang"}
U = "/wp-content/uploads"
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {{ORIGIN}}/wp-sitemap.xml\n"
FEED_TYPE = "application/rss+xml; charset=UTF-8"

ARTICLES: list[dict[str, Any]] = [
    {
        "id": 412, "path": "/2026/10/12/le-khai-giang-nam-hoc-2026-2027/",
        "title": "Lễ khai giảng năm học 2026 – 2027",
        "date": "2026-10-12T08:30", "views": 1234, "author": "minh-hang", "cat": "tin-tuc-su-kien",
        "tags": ["sinh-vien"],
        "varieties": ["wp-block-image with srcset (the widest candidate is the original)", "figcaption with 'Ảnh: …'",
                      "byline 'bởi <a>Name</a>' in the entry meta", "'Đã xem: 1.234' after the content (views plugin)",
                      "category from rel=\"category tag\""],
        "blocks": [
            p("Sáng 12/10, Trường Đại học Sư phạm long trọng tổ chức Lễ khai giảng năm học 2026 – 2027, chào đón hơn 2.500 tân sinh viên khóa 60 nhập học."),
            img(f"{U}/2026/10/khai-giang-2026.jpg", seed=3101, w=800, h=533, style="block",
                alt="Tân sinh viên dự lễ khai giảng",
                caption="Các tân sinh viên dự lễ khai giảng. Ảnh: Minh Hằng", credit="Minh Hằng"),
            p("Phát biểu tại buổi lễ, Hiệu trưởng nhà trường nhấn mạnh yêu cầu đổi mới phương pháp dạy học, gắn đào tạo giáo viên với thực tiễn các trường phổ thông."),
            p("Dịp này, nhà trường trao 120 suất học bổng khuyến khích học tập cho các tân sinh viên có điểm tuyển sinh cao."),
        ],
    },
    {
        "id": 405, "path": "/2026/10/05/hoi-thao-khoa-hoc-quoc-gia-ve-giao-duc-stem/",
        "title": "Hội thảo khoa học quốc gia về giáo dục STEM",
        "date": "2026-10-05T14:00", "views": 87, "author": "quang-huy", "cat": "khoa-hoc-cong-nghe",
        "tags": [],
        "varieties": ["classic [caption] figure (figure.wp-caption, figcaption.wp-caption-text)",
                      "'(Ảnh: …)' credit", "a wp-block-image without caption (alt only)", "'Đã xem: 87'"],
        "blocks": [
            p("Ngày 05/10, Trường Đại học Sư phạm phối hợp với Bộ Giáo dục và Đào tạo tổ chức Hội thảo khoa học quốc gia về giáo dục STEM trong trường phổ thông."),
            img(f"{U}/2026/10/hoi-thao-stem-1.jpg", seed=3102, style="classic",
                alt="Quang cảnh Hội thảo", caption="Quang cảnh Hội thảo (Ảnh: Quang Huy)", credit="Quang Huy"),
            p("Hội thảo nhận được 86 tham luận của các nhà khoa học, giảng viên và giáo viên phổ thông trên cả nước."),
            img(f"{U}/2026/10/hoi-thao-stem-2.jpg", seed=3103, style="block",
                alt="Đại biểu trao đổi tại Hội thảo", caption=None, credit=None),
            p("Các đại biểu thống nhất kiến nghị xây dựng bộ tài liệu hướng dẫn dạy học STEM dùng chung cho các địa phương."),
        ],
    },
    {
        "id": 398, "path": "/2026/09/20/thong-bao-lich-thi-ket-thuc-hoc-phan-hoc-ky-1/",
        "title": "Thông báo lịch thi kết thúc học phần học kỳ 1 năm học 2026 – 2027",
        "date": "2026-09-20T16:15", "views": 2045, "author": "phong-dao-tao", "cat": "dao-tao",
        "tags": ["thong-bao"],
        "varieties": ["no image", "a unit as the byline", "'Đã xem: 2.045'"],
        "blocks": [
            p("Phòng Đào tạo thông báo lịch thi kết thúc học phần học kỳ 1 năm học 2026 – 2027 đối với sinh viên hệ chính quy các khóa 57, 58 và 59."),
            p("Sinh viên xem lịch thi chi tiết trên cổng thông tin đào tạo và có mặt tại phòng thi trước giờ thi 15 phút, mang theo thẻ sinh viên."),
        ],
    },
    {
        "id": 371, "path": "/2026/08/15/sinh-vien-tinh-nguyen-mua-he-xanh-2026/",
        "title": "Sinh viên tình nguyện Mùa hè xanh 2026",
        "date": "2026-08-15T07:45", "views": 5, "author": "thu-trang", "cat": "tin-tuc-su-kien",
        "tags": ["sinh-vien"],
        "varieties": ["on the blog index's second page", "'Đã xem: 5'"],
        "blocks": [
            p("Hơn 300 sinh viên tình nguyện của nhà trường đã tham gia chiến dịch Mùa hè xanh năm 2026 tại các xã vùng cao của tỉnh Thái Nguyên."),
            img(f"{U}/2026/08/mua-he-xanh.jpg", seed=3104, style="block",
                alt="Sinh viên tình nguyện", caption="Sinh viên tình nguyện tại xã Phú Đình (Ảnh: Thu Trang)", credit="Thu Trang"),
            p("Các đội hình đã tu sửa 4 km đường giao thông nông thôn, mở lớp dạy tiếng Việt và tổ chức sân chơi cho thiếu nhi."),
        ],
    },
    {
        "id": 350, "path": "/2026/07/28/le-trao-bang-tot-nghiep-dot-1-nam-2026/",
        "title": "Lễ trao bằng tốt nghiệp đợt 1 năm 2026",
        "date": "2026-07-28T09:00", "views": 3456, "author": "minh-hang", "cat": "tin-tuc-su-kien",
        "tags": [],
        "varieties": ["on the blog index's third page and its category's second page", "'Đã xem: 3.456'"],
        "blocks": [
            p("Sáng 28/7, nhà trường tổ chức Lễ trao bằng tốt nghiệp cho 1.150 tân cử nhân sư phạm tốt nghiệp đợt 1 năm 2026."),
            img(f"{U}/2026/07/trao-bang.jpg", seed=3105, w=800, h=533, style="block",
                alt="Tân cử nhân nhận bằng", caption="Tân cử nhân chụp ảnh lưu niệm. Ảnh: Minh Hằng", credit="Minh Hằng"),
            p("Trong số các tân cử nhân có 64 sinh viên tốt nghiệp loại xuất sắc, 398 sinh viên tốt nghiệp loại giỏi."),
        ],
    },
]

STATIC_PAGES = [
    {
        "id": 2, "path": "/gioi-thieu/", "title": "Giới thiệu",
        "paragraphs": [
            "Trường Đại học Sư phạm được thành lập ngày 18/7/1966 theo Quyết định số 127/CP của Hội đồng Chính phủ, là trường đào tạo giáo viên có bề dày truyền thống của khu vực trung du và miền núi phía Bắc.",
            "Từ ngày 04/4/1994, nhà trường là trường thành viên của Đại học Thái Nguyên. Trải qua gần 60 năm xây dựng và phát triển, nhà trường đã đào tạo hơn 100.000 giáo viên cho các địa phương.",
            "Nhà trường hiện có 15 khoa chuyên môn, đào tạo 30 ngành trình độ đại học, 25 chuyên ngành thạc sĩ và 12 chuyên ngành tiến sĩ.",
        ],
    },
]


# --- rendering ------------------------------------------------------------------------------


def printed_date(iso: str) -> str:
    """'2026-10-12T08:30' -> '12/10/2026 lúc 08:30' (the theme's date, then its time)."""
    d, t = iso.split("T")
    y, m, dd = d.split("-")
    return f"{dd}/{m}/{y} lúc {t}"


def short_date(iso: str) -> str:
    y, m, d = iso.split("T")[0].split("-")
    return f"{d}/{m}/{y}"


def newest() -> list[dict[str, Any]]:
    return sorted(ARTICLES, key=lambda a: a["date"], reverse=True)


def head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} &#8211; {SITE_NAME}</title>\n"
        "<meta name='robots' content='max-image-preview:large' />\n"
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Dòng thông tin" href="{{{{ORIGIN}}}}/feed/" />\n'
        "<link rel='stylesheet' id='wp-block-library-css' href='{{ORIGIN}}/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2' media='all' />\n"
        "<link rel='stylesheet' id='post-views-counter-frontend-css' href='{{ORIGIN}}/wp-content/plugins/post-views-counter/css/frontend.min.css?ver=1.4.7' media='all' />\n"
        '<link rel="https://api.w.org/" href="{{ORIGIN}}/wp-json/" />\n'
        f"{extra}</head>\n"
    )


def masthead() -> str:
    cats = "".join(f'<li class="menu-item"><a href="/category/{slug}/">{esc(name)}</a></li>' for slug, name in CATS.items())
    return (
        '<a class="skip-link screen-reader-text" href="#content">Chuyển đến nội dung</a>'
        '<div class="top-bar"><a href="/wp-admin/">Quản trị</a></div>\n'
        '<header id="masthead" class="site-header"><div class="site-branding">'
        f'<a href="/" class="custom-logo-link" rel="home"><img src="{U}/2024/01/logo-dhsp.png" class="custom-logo" alt="{SITE_NAME}" width="64" height="64" /></a>'
        f'<p class="site-title"><a href="/" rel="home">{SITE_NAME}</a></p>'
        '<p class="site-description">Đào tạo giáo viên chất lượng cao</p></div>'
        '<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">'
        '<li class="menu-item"><a href="/">Trang chủ</a></li>'
        '<li class="menu-item"><a href="/gioi-thieu/">Giới thiệu</a></li>'
        f"{cats}</ul></nav></header>\n"
    )


def sidebar() -> str:
    recent = "".join(
        f'<li><a href="{a["path"]}">{esc(a["title"])}</a> <span class="post-date">{short_date(a["date"])}</span></li>'
        for a in newest()[:4]
    )
    cats = "".join(f'<li class="cat-item"><a href="/category/{s}/">{esc(n)}</a></li>' for s, n in CATS.items())
    months = sorted({a["date"][:7] for a in ARTICLES}, reverse=True)
    archives = "".join(f'<li><a href="/{m[:4]}/{m[5:]}/">Tháng {int(m[5:])} năm {m[:4]}</a></li>' for m in months)
    return (
        '<aside id="secondary" class="widget-area">'
        '<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{{ORIGIN}}/">'
        '<label><span class="screen-reader-text">Tìm kiếm cho:</span><input type="search" class="search-field" placeholder="Tìm kiếm &hellip;" value="" name="s" /></label>'
        '<input type="submit" class="search-submit" value="Tìm kiếm" /></form></section>'
        f'<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Bài viết mới</h2><ul>{recent}</ul></section>'
        f'<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Chuyên mục</h2><ul>{cats}</ul></section>'
        f'<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Lưu trữ</h2><ul>{archives}</ul></section>'
        '<section id="counter-2" class="widget widget_counter"><h2 class="widget-title">Thống kê truy cập</h2>'
        "<ul><li>Đang truy cập: 37</li><li>Hôm nay: 1.208</li><li>Lượt truy cập: 1.234.567</li></ul></section>"
        "</aside>\n"
    )


def footer() -> str:
    return (
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        f"<p>{SITE_NAME.upper()} – Số 20 đường Lương Ngọc Quyến, tỉnh Thái Nguyên</p>"
        '<p>Điện thoại: 0208 3851 349 – Email: dhsp@example.edu.vn</p>'
        '<a href="https://wordpress.org/">Vận hành bởi WordPress</a></div></footer>\n'
        "</div><!-- #page -->\n"
        "<script src='{{ORIGIN}}/wp-content/themes/truong/js/navigation.js?ver=1.0.0' id='truong-navigation-js'></script>\n"
        "</body>\n</html>\n"
    )


def page(title: str, content: str, extra_head: str, body_class: str) -> str:
    return (
        head(title, extra_head) + f'<body class="{body_class}">\n<div id="page" class="site">\n' + masthead()
        + f'<div id="content" class="site-content">\n<div id="primary" class="content-area"><main id="main" class="site-main">\n{content}\n</main></div>\n'
        + sidebar() + "</div>\n" + footer()
    )


def sizes(im: dict[str, Any]) -> list[tuple[str, int, int]]:
    """The files WordPress makes of an upload: (src, width, height), the original last."""
    stem, ext = im["src"].rsplit(".", 1)
    out = []
    for w in (300, 768):
        if w < im["width"]:
            out.append((f"{stem}-{w}x{im['height'] * w // im['width']}.{ext}", w, im["height"] * w // im["width"]))
    return out + [(im["src"], im["width"], im["height"])]


def image_html(im: dict[str, Any], attachment: int) -> str:
    files = sizes(im)
    srcset = ", ".join(f"{{{{ORIGIN}}}}{src} {w}w" for src, w, _ in files)
    # `src` is the "large" size WordPress picks for the content width; the original is in srcset
    shown, w, h = files[-2] if len(files) > 1 else files[-1]
    tag = (
        f'<img fetchpriority="high" decoding="async" width="{w}" height="{h}" src="{{{{ORIGIN}}}}{shown}" '
        f'alt="{esc(im["alt"] or "")}" class="wp-image-{attachment}" srcset="{srcset}" sizes="(max-width: {w}px) 100vw, {w}px" />'
    )
    cap = esc(im["caption"]) if im.get("caption") else ""
    if im["style"] == "classic":
        return (
            f'<figure id="attachment_{attachment}" aria-describedby="caption-attachment-{attachment}" style="width: {w}px" class="wp-caption aligncenter">'
            f'{tag}<figcaption id="caption-attachment-{attachment}" class="wp-caption-text">{cap}</figcaption></figure>'
        )
    caption = f'<figcaption class="wp-element-caption">{cap}</figcaption>' if cap else ""
    return f'<figure class="wp-block-image size-large">{tag}{caption}</figure>'


def entry_meta(a: dict[str, Any]) -> str:
    slug = a["author"]
    return (
        '<div class="entry-meta">'
        f'<span class="posted-on"><a href="{a["path"]}" rel="bookmark">'
        f'<time class="entry-date published" datetime="{a["date"]}:00+07:00">{printed_date(a["date"])}</time>'
        f'<time class="updated" datetime="{a["date"][:10]}T17:05:00+07:00">{short_date(a["date"])}</time></a></span>'
        f'<span class="byline"> bởi <span class="author vcard"><a class="url fn n" href="/author/{slug}/">{esc(AUTHORS[slug])}</a></span></span>'
        "</div>"
    )


def render_article(a: dict[str, Any]) -> str:
    body, n = [], 0
    for block in a["blocks"]:
        if "img" in block:
            body.append(image_html(block["img"], a["id"] * 10 + n))
            n += 1
        else:
            body.append(f"<p>{esc(block['p'])}</p>")
    views = (
        f'<div class="post-views content-post post-{a["id"]} entry-meta load-static">'
        '<span class="post-views-icon dashicons dashicons-chart-bar"></span> '
        f'<span class="post-views-label">Đã xem:</span> <span class="post-views-count">{thousands(a["views"])}</span></div>'
    )
    tags = (
        '<span class="tags-links">Thẻ: '
        + ", ".join(f'<a href="/tag/{t}/" rel="tag">{esc(TAGS[t])}</a>' for t in a["tags"])
        + "</span>"
        if a["tags"]
        else ""
    )
    order = newest()
    i = order.index(a)
    prev_ = order[i + 1] if i + 1 < len(order) else None
    next_ = order[i - 1] if i > 0 else None
    postnav = (
        '<nav class="navigation post-navigation" aria-label="Bài viết"><h2 class="screen-reader-text">Điều hướng bài viết</h2><div class="nav-links">'
        + (f'<div class="nav-previous"><a href="{prev_["path"]}" rel="prev"><span class="nav-subtitle">Bài trước:</span> <span class="nav-title">{esc(prev_["title"])}</span></a></div>' if prev_ else "")
        + (f'<div class="nav-next"><a href="{next_["path"]}" rel="next"><span class="nav-subtitle">Bài tiếp theo:</span> <span class="nav-title">{esc(next_["title"])}</span></a></div>' if next_ else "")
        + "</div></nav>"
    )
    content = (
        f'<article id="post-{a["id"]}" class="post-{a["id"]} post type-post status-publish format-standard hentry category-{a["cat"]}">\n'
        f'<header class="entry-header"><h1 class="entry-title">{esc(a["title"])}</h1>{entry_meta(a)}</header>\n'
        '<div class="entry-content">\n' + "\n".join(body) + f"\n{views}\n</div>\n"
        f'<footer class="entry-footer"><span class="cat-links">Chuyên mục: <a href="/category/{a["cat"]}/" rel="category tag">{esc(CATS[a["cat"]])}</a></span>{tags}</footer>\n'
        "</article>\n" + postnav + "\n"
        '<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Trả lời</h3>'
        '<form action="{{ORIGIN}}/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">Email của bạn sẽ không được hiển thị công khai.</p>'
        '<p class="comment-form-comment"><label for="comment">Bình luận</label><textarea id="comment" name="comment"></textarea></p></form></div></div>'
    )
    extra = (
        f'<link rel="canonical" href="{{{{ORIGIN}}}}{a["path"]}" />\n'
        f"<link rel='shortlink' href='{{{{ORIGIN}}}}/?p={a['id']}' />\n"
    )
    return page(a["title"], content, extra, f"post-template-default single single-post postid-{a['id']} single-format-standard")


def card(a: dict[str, Any]) -> str:
    excerpt = next(b["p"] for b in a["blocks"] if "p" in b)
    return (
        f'<article id="post-{a["id"]}" class="post-{a["id"]} post type-post status-publish format-standard hentry">'
        f'<header class="entry-header"><h2 class="entry-title"><a href="{a["path"]}" rel="bookmark">{esc(a["title"])}</a></h2>{entry_meta(a)}</header>'
        f'<div class="entry-summary"><p>{esc(excerpt[:160])} [&hellip;]</p></div>'
        f'<footer class="entry-footer"><a class="more-link" href="{a["path"]}">Đọc tiếp</a></footer></article>'
    )


def archive_url(base: str, n: int) -> str:
    return base if n == 1 else f"{base}page/{n}/"


def pager(base: str, n: int, pages: int) -> str:
    if pages <= 1:
        return ""
    parts = []
    if n > 1:
        parts.append(f'<a class="prev page-numbers" href="{archive_url(base, n - 1)}">&laquo; Trang trước</a>')
    for k in range(1, pages + 1):
        parts.append(
            f'<span aria-current="page" class="page-numbers current">{k}</span>' if k == n
            else f'<a class="page-numbers" href="{archive_url(base, k)}">{k}</a>'
        )
    if n < pages:
        parts.append(f'<a class="next page-numbers" href="{archive_url(base, n + 1)}">Trang sau &raquo;</a>')
    return (
        '<nav class="navigation pagination" aria-label="Phân trang bài viết"><h2 class="screen-reader-text">Phân trang bài viết</h2>'
        f'<div class="nav-links">{"".join(parts)}</div></nav>'
    )


def archives() -> list[tuple[str, str, str, list[dict[str, Any]]]]:
    """(base URL, heading, body class, posts) of every archive WordPress shows."""
    out = [("/", "", "home blog", newest())]
    out += [(f"/category/{s}/", f"Chuyên mục: {n}", "archive category", [a for a in newest() if a["cat"] == s])
            for s, n in CATS.items()]
    out += [(f"/tag/{s}/", f"Thẻ: {n}", "archive tag", [a for a in newest() if s in a["tags"]]) for s, n in TAGS.items()]
    out += [(f"/author/{s}/", f"Tác giả: {n}", "archive author", [a for a in newest() if a["author"] == s])
            for s, n in AUTHORS.items()]
    for m in sorted({a["date"][:7] for a in ARTICLES}, reverse=True):
        out.append((f"/{m[:4]}/{m[5:]}/", f"Tháng: Tháng {int(m[5:])} {m[:4]}", "archive date",
                    [a for a in newest() if a["date"].startswith(m)]))
    return out


def listing_pages() -> list[tuple[str, str]]:
    out = []
    for base, heading, body_class, posts in archives():
        pages = max(1, (len(posts) + PER_PAGE - 1) // PER_PAGE)
        for n in range(1, pages + 1):
            chunk = posts[(n - 1) * PER_PAGE: n * PER_PAGE]
            header = f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1></header>\n' if heading else ""
            content = header + "\n".join(card(a) for a in chunk) + "\n" + pager(base, n, pages)
            title = heading or "Trang chủ"
            out.append((archive_url(base, n), page(title + (f" &#8211; Trang {n}" if n > 1 else ""), content, "", body_class)))
    return out


def render_static(sp: dict[str, Any]) -> str:
    paras = "\n".join(f"<p>{esc(t)}</p>" for t in sp["paragraphs"])
    content = (
        f'<article id="post-{sp["id"]}" class="post-{sp["id"]} page type-page status-publish hentry">\n'
        f'<header class="entry-header"><h1 class="entry-title">{esc(sp["title"])}</h1></header>\n'
        f'<div class="entry-content">\n{paras}\n</div>\n</article>'
    )
    extra = f'<link rel="canonical" href="{{{{ORIGIN}}}}{sp["path"]}" />\n'
    return page(sp["title"], content, extra, f"page-template-default page page-id-{sp['id']}")


def render_feed() -> str:
    items = "".join(
        f"<item><title>{esc(a['title'])}</title><link>{{{{ORIGIN}}}}{a['path']}</link>"
        f"<dc:creator><![CDATA[{AUTHORS[a['author']]}]]></dc:creator><category><![CDATA[{CATS[a['cat']]}]]></category>"
        f"<guid isPermaLink=\"false\">{{{{ORIGIN}}}}/?p={a['id']}</guid>"
        f"<description><![CDATA[{next(b['p'] for b in a['blocks'] if 'p' in b)[:160]} [&#8230;]]]></description></item>"
        for a in newest()[:10]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>'
        f"<title>{SITE_NAME}</title><atom:link href=\"{{{{ORIGIN}}}}/feed/\" rel=\"self\" type=\"application/rss+xml\" />"
        "<link>{{ORIGIN}}</link><description>Đào tạo giáo viên chất lượng cao</description><language>vi</language>"
        f"{items}</channel></rss>\n"
    )


SITEMAPS = ("posts-post-1", "posts-page-1", "taxonomies-category-1", "taxonomies-post_tag-1", "users-1")


def sitemaps() -> dict[str, str]:
    """WordPress core sitemaps (5.5+): /wp-sitemap.xml and the sitemaps it names."""
    index = "".join(f"<sitemap><loc>{{{{ORIGIN}}}}/wp-sitemap-{name}.xml</loc></sitemap>" for name in SITEMAPS)
    out = {
        "/wp-sitemap.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="{{ORIGIN}}/wp-sitemap-index.xsl" ?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>\n'
        )
    }
    xsl = "{{ORIGIN}}/wp-sitemap.xsl"
    out["/wp-sitemap-posts-post-1.xml"] = sitemap_urlset([(a["path"], a["date"] + ":00+07:00") for a in newest()], xsl)
    out["/wp-sitemap-posts-page-1.xml"] = sitemap_urlset([(sp["path"], "2024-01-15T09:00:00+07:00") for sp in STATIC_PAGES], xsl)
    out["/wp-sitemap-taxonomies-category-1.xml"] = sitemap_urlset([(f"/category/{s}/", "2026-10-12T08:30:00+07:00") for s in CATS], xsl)
    out["/wp-sitemap-taxonomies-post_tag-1.xml"] = sitemap_urlset([(f"/tag/{s}/", "2026-10-12T08:30:00+07:00") for s in TAGS], xsl)
    out["/wp-sitemap-users-1.xml"] = sitemap_urlset([(f"/author/{s}/", "2026-10-12T08:30:00+07:00") for s in AUTHORS], xsl)
    return out


# --- ground truth and writing --------------------------------------------------------------


def expected_entry(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": nfc(a["title"]),
        "published_at": a["date"] + ":00+07:00",
        "published_text": printed_date(a["date"]),
        "views": a["views"],
        "author": nfc(AUTHORS[a["author"]]),
        "category": nfc(CATS[a["cat"]]),
        "body_text": body_truth(a),
        "images": images_truth(a),
    }


def write_site(out: Path = HERE, force_images: bool = False) -> dict[str, Any]:
    www = out / "www"
    clear_pages(www)
    for a in ARTICLES:
        write_text(www, a["path"], render_article(a))
        for block in a["blocks"]:
            if "img" in block:
                im = block["img"]
                for k, (src, w, h) in enumerate(sizes(im)):
                    # every size its own picture: only the widest is the one to archive
                    write_image(www, src, im["seed"] + 1000 * (len(sizes(im)) - 1 - k), w, h, force_images)
    write_image(www, f"{U}/2024/01/logo-dhsp.png", 3190, 64, 64, force_images)
    listings = listing_pages()
    for url, text in listings:
        write_text(www, url, text)
    for sp in STATIC_PAGES:
        write_text(www, sp["path"], render_static(sp))
    write_text(www, "/robots.txt", ROBOTS)
    write_text(www, "/feed/", render_feed())
    for url, text in sitemaps().items():
        write_text(www, url, text)
    write_json(out / "routes.json", {"redirects": {}, "fail_once": {}, "content_types": {"/feed/": FEED_TYPE}})
    expected = {
        "articles": {a["path"]: expected_entry(a) for a in ARTICLES},
        "listings": [url for url, _ in listings],
        "not_articles": [url for url, _ in listings] + [sp["path"] for sp in STATIC_PAGES],
        "static_pages": [sp["path"] for sp in STATIC_PAGES],
        "feed": "/feed/",
        "sitemaps": list(sitemaps()),
    }
    write_json(out / "expected.json", expected)
    others = [f"`{u}` listing (excerpt cards)" for u, _ in listings]
    others += [f"`{sp['path']}` static page; its only dates are in its running text" for sp in STATIC_PAGES]
    others += ["`/feed/` RSS (application/rss+xml), `/robots.txt` -> `/wp-sitemap.xml` and the five sitemaps it names"]
    (out / "README.md").write_text(readme(__doc__, ARTICLES, others), encoding="utf-8")
    return expected


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    e = write_site(HERE, ap.parse_args().force_images)
    print(f"build: {len(e['articles'])} articles, {len(e['not_articles'])} pages that are no articles")

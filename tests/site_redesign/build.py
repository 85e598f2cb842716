"""Generate the replica of a plausible NEXT redesign of tnu.edu.vn, and its ground truth.

    .venv/bin/python tests/site_redesign/build.py [--force-images]

A third layout nobody has written rules for (no profile of crawler/sites/ knows anything of it): a
WordPress-like university CMS. Served by `crawler.replica.server.ReplicaServer(Path("tests/site_redesign"))` as a
site of its own (its own host), so the two known layouts' replica (tests/site/) and their tests
stay as they are. Everything the crawler must find here it must find without URL rules:

- article URLs `/bai-viet/<yyyy>/<mm>/<dd>/<slug>-<id>` (no extension) and `/tin/<id>/<slug>`;
- listings `/chuyen-muc/<cat>/` paginated by path: `/chuyen-muc/tin-tuc/trang-2/` ("Trang sau ›",
  numbered links) and `/chuyen-muc/dao-tao/page/2/` ("»", numbered links, <link rel=next>);
- a sitemap index named in robots.txt pointing to a gzipped post sitemap; two articles are
  linked from nowhere else (sitemap-only);
- an RSS feed announced by <link rel=alternate>, its links carrying utm_* parameters; the home
  page's featured links carry utm_* too; the sidebar links `/?p=<id>` short links, which answer
  the article itself (its <link rel=canonical> names the real URL): one article, one row;
- markup: <main> with <div class="entry">, "08:30 | 12/10/2026" (time first), a view counter
  that is a number after an eye icon (`<span class="views" title="Lượt xem">`, or no label at
  all), a lead (sapo) paragraph outside the content block, the byline in a block of its own,
  images in <picture>/<source srcset> and lazy `data-src` with WordPress captions and credits,
  tags, a share bar and related links after the body; JSON-LD on some articles only.

Writes (committed): www/, routes.json (none needed today), expected.json (same shape as
tests/site/expected.json, plus `aliases`: other URLs of each article, and `sitemap_only`),
README.md. Image files are drawn once and kept (their bytes are fixtures) unless --force-images.
"""

from __future__ import annotations

import argparse
import gzip
import html
import importlib.util
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from crawler.replica.server import file_for  # noqa: E402

# The known replica's picture drawer (gradient + shapes + number): one way of drawing fixtures.
_spec = importlib.util.spec_from_file_location("_site_build", HERE.parent / "site" / "build.py")
_site_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_site_build)  # type: ignore[union-attr]
draw = _site_build.draw

SITE_NAME = "Đại học Thái Nguyên"
PER_PAGE = 2
CATS = {
    "tin-tuc": ("Tin tức - Sự kiện", "/chuyen-muc/tin-tuc/"),
    "dao-tao": ("Đào tạo", "/chuyen-muc/dao-tao/"),
}
# How each category numbers its pages (the CMS's two pagination plugins).
PAGE_STYLE = {"tin-tuc": "trang", "dao-tao": "page"}
ROBOTS = (
    "User-agent: *\nDisallow: /wp-admin/\nDisallow: /tim-kiem\nAllow: /wp-admin/admin-ajax.php\n\n"
    "Sitemap: {{ORIGIN}}/sitemap_index.xml\n"
)


def p(text: str) -> dict[str, str]:
    return {"p": text}


def img(src: str, *, seed: int, w: int = 1200, h: int = 800, **kw: Any) -> dict[str, Any]:
    return {"img": {"src": src, "seed": seed, "width": w, "height": h, **kw}}


U = "/wp-content/uploads"

ARTICLES: list[dict[str, Any]] = [
    {
        "id": 1201, "path": "/bai-viet/2026/10/12/hoi-nghi-tong-ket-nam-hoc-2025-2026-1201",
        "title": "Hội nghị tổng kết năm học 2025 - 2026 và triển khai nhiệm vụ năm học mới",
        "date": "2026-10-12T08:30", "views": 1234, "views_style": "title", "author": "Ngọc Anh",
        "cat": "tin-tuc", "featured": True, "jsonld": False,
        "lead": "Sáng 12/10, Đại học Thái Nguyên tổ chức Hội nghị tổng kết năm học 2025 - 2026 và triển khai nhiệm vụ năm học 2026 - 2027 với sự tham dự của hơn 300 đại biểu.",
        "varieties": ["<picture>/<source srcset>", "views: eye icon + title=Lượt xem", "lead outside the body block",
                      "featured on the home page with utm_* parameters", "short link /?p=1201 in the sidebar"],
        "blocks": [
            p("Năm học 2025 - 2026, Đại học Thái Nguyên đã hoàn thành các chỉ tiêu trọng tâm: tuyển sinh vượt 8% so với kế hoạch, 32 chương trình đào tạo được kiểm định, số bài báo quốc tế tăng 21%."),
            img(f"{U}/2026/10/tong-ket-nam-hoc-1.jpg", seed=2001, style="picture",
                alt="Quang cảnh Hội nghị tổng kết năm học",
                caption="Quang cảnh Hội nghị tổng kết năm học (Ảnh: Ngọc Anh)", credit="Ngọc Anh"),
            p("Phát biểu chỉ đạo, Giám đốc Đại học Thái Nguyên yêu cầu các đơn vị tiếp tục đổi mới quản trị đại học, đẩy mạnh chuyển đổi số và nâng cao chất lượng đội ngũ giảng viên."),
            p("Hội nghị đã biểu dương 18 tập thể và 40 cá nhân có thành tích xuất sắc trong năm học."),
        ],
    },
    {
        "id": 1195, "path": "/bai-viet/2026/10/05/sinh-vien-dat-giai-nhat-olympic-tin-hoc-1195",
        "title": "Sinh viên Đại học Thái Nguyên đạt giải Nhất Olympic Tin học sinh viên toàn quốc",
        "date": "2026-10-05T16:45", "views": 87, "views_style": "icon", "author": "Hoàng Long",
        "cat": "tin-tuc", "jsonld": False,
        "lead": "Đội tuyển của Trường Đại học Công nghệ Thông tin và Truyền thông vừa giành giải Nhất khối chuyên tin tại Olympic Tin học sinh viên Việt Nam năm 2026.",
        "varieties": ["lazy data-src image in a WordPress caption block", "views: eye icon and a bare number"],
        "blocks": [
            p("Kỳ thi năm nay có hơn 600 thí sinh đến từ 70 trường đại học, cao đẳng trong cả nước tham dự, thi đấu ở các khối chuyên tin, không chuyên và lập trình phần mềm nguồn mở."),
            img(f"{U}/2026/10/olympic-tin-hoc.jpg", seed=2002, w=900, h=600, style="wp-caption",
                alt="Đội tuyển nhận giải Nhất", caption="Đội tuyển nhận giải tại lễ bế mạc. Ảnh: Hoàng Long",
                credit="Hoàng Long"),
            p("Thành tích này tiếp nối truyền thống của đội tuyển Olympic Tin học của nhà trường, năm thứ ba liên tiếp có sinh viên đạt giải cao tại kỳ thi."),
        ],
    },
    {
        "id": 1180, "path": "/bai-viet/2026/09/20/ngay-hoi-chao-tan-sinh-vien-2026-1180",
        "title": "Ngày hội chào tân sinh viên năm 2026",
        "date": "2026-09-20T19:00", "views": 2045, "views_style": "title", "author": None,
        "cat": "tin-tuc", "jsonld": False,
        "lead": "Tối 20/9, hơn 5.000 tân sinh viên khóa 2026 đã tham gia Ngày hội chào tân sinh viên tại Quảng trường Đại học Thái Nguyên.",
        "varieties": ["no image", "no byline"],
        "blocks": [
            p("Chương trình gồm các tiết mục văn nghệ của câu lạc bộ sinh viên, giới thiệu các hoạt động Đoàn, Hội và các câu lạc bộ học thuật trong toàn Đại học."),
            p("Dịp này, ban tổ chức đã trao 150 suất học bổng cho tân sinh viên có hoàn cảnh khó khăn vượt khó học tập."),
        ],
    },
    {
        "id": 1172, "path": "/bai-viet/2026/09/14/khai-giang-chuong-trinh-thac-si-quoc-te-1172",
        "title": "Khai giảng chương trình thạc sĩ liên kết quốc tế khóa 2026",
        "date": "2026-09-14T09:00", "views": 615, "views_style": "title", "author": "Thu Hà",
        "cat": "dao-tao", "jsonld": True,
        "lead": "Ngày 14/9, Đại học Thái Nguyên khai giảng khóa 2026 chương trình thạc sĩ Quản trị kinh doanh liên kết với các đối tác nước ngoài.",
        "varieties": ["JSON-LD NewsArticle", "two images: <picture> and data-src", "rss feed with utm_* parameters"],
        "blocks": [
            p("Khóa học có 45 học viên, được giảng dạy hoàn toàn bằng tiếng Anh bởi giảng viên của Đại học Thái Nguyên và các trường đối tác."),
            img(f"{U}/2026/09/khai-giang-thac-si-1.jpg", seed=2003, style="picture",
                alt="Học viên dự lễ khai giảng", caption="Học viên dự lễ khai giảng (Ảnh: Thu Hà)", credit="Thu Hà"),
            p("Chương trình kéo dài 18 tháng, học viên tốt nghiệp được cấp bằng của trường đối tác, được Bộ Giáo dục và Đào tạo công nhận."),
            img(f"{U}/2026/09/khai-giang-thac-si-2.jpg", seed=2004, w=900, h=600, style="wp-caption",
                alt="Lãnh đạo trao quyết định", caption="Lãnh đạo nhà trường trao quyết định nhập học. Ảnh: Thu Hà",
                credit="Thu Hà"),
        ],
    },
    {
        "id": 1150, "path": "/tin/1150/thong-bao-tuyen-sinh-tien-si-dot-2-nam-2026",
        "title": "Thông báo tuyển sinh đào tạo trình độ tiến sĩ đợt 2 năm 2026",
        "date": "2026-08-28T10:15", "views": 3310, "views_style": "title", "author": "Ban Đào tạo",
        "cat": "dao-tao", "jsonld": False,
        "lead": "Đại học Thái Nguyên thông báo tuyển sinh đào tạo trình độ tiến sĩ đợt 2 năm 2026 tại 24 chuyên ngành.",
        "varieties": ["/tin/<id>/<slug> URL (second shape)"],
        "blocks": [
            p("Hồ sơ dự tuyển gồm đơn đăng ký, lý lịch khoa học, đề cương nghiên cứu và thư giới thiệu của hai nhà khoa học có chức danh giáo sư, phó giáo sư hoặc học vị tiến sĩ."),
            img(f"{U}/2026/08/tuyen-sinh-tien-si.png", seed=2005, w=800, h=1100, style="picture",
                alt="Thông báo tuyển sinh", caption="Thông báo tuyển sinh tiến sĩ đợt 2 năm 2026", credit=None),
            p("Thời gian nhận hồ sơ đến hết ngày 30/10/2026 tại Ban Đào tạo, Đại học Thái Nguyên."),
        ],
    },
    {
        "id": 1140, "path": "/bai-viet/2026/08/10/hoi-thao-chuyen-doi-so-trong-giao-duc-1140",
        "title": "Hội thảo chuyển đổi số trong giáo dục đại học",
        "date": "2026-08-10T14:00", "views": 452, "views_style": "icon", "author": "Minh Đức",
        "cat": "dao-tao", "jsonld": False,
        "lead": "Chiều 10/8, Đại học Thái Nguyên phối hợp với Bộ Giáo dục và Đào tạo tổ chức Hội thảo chuyển đổi số trong giáo dục đại học.",
        "varieties": ["second page of a /page/N listing"],
        "blocks": [
            p("Các tham luận tập trung vào học liệu số, nền tảng học tập trực tuyến, quản trị dữ liệu người học và bảo đảm an toàn thông tin."),
            img(f"{U}/2026/08/hoi-thao-chuyen-doi-so.jpg", seed=2006, w=900, h=600, style="wp-caption",
                alt="Đại biểu phát biểu tại Hội thảo", caption="Đại biểu phát biểu tham luận. Ảnh: Minh Đức",
                credit="Minh Đức"),
            p("Hội thảo thống nhất kiến nghị xây dựng kho học liệu số dùng chung cho các cơ sở giáo dục đại học."),
        ],
    },
    {
        "id": 1130, "path": "/bai-viet/2026/07/30/trao-bang-tot-nghiep-dot-1-nam-2026-1130",
        "title": "Lễ trao bằng tốt nghiệp đợt 1 năm 2026",
        "date": "2026-07-30T08:00", "views": 1777, "views_style": "title", "author": "Thanh Loan",
        "cat": "tin-tuc", "jsonld": False,
        "lead": "Sáng 30/7, hơn 1.200 tân cử nhân, kỹ sư đã nhận bằng tốt nghiệp tại Lễ trao bằng đợt 1 năm 2026.",
        "varieties": ["second page of a /trang-N listing"],
        "blocks": [
            p("Trong số các tân cử nhân, kỹ sư nhận bằng, có 86 sinh viên tốt nghiệp loại xuất sắc và 412 sinh viên tốt nghiệp loại giỏi."),
            img(f"{U}/2026/07/trao-bang-1.jpg", seed=2007, style="picture",
                alt="Tân cử nhân nhận bằng", caption="Tân cử nhân nhận bằng tốt nghiệp (Ảnh: Thanh Loan)",
                credit="Thanh Loan"),
            p("Nhà trường đã giới thiệu việc làm cho 300 sinh viên tốt nghiệp thông qua các doanh nghiệp đối tác."),
        ],
    },
    {
        "id": 1122, "path": "/tin/1122/ky-niem-ngay-thuong-binh-liet-si",
        "title": "Kỷ niệm 79 năm Ngày Thương binh - Liệt sĩ",
        "date": "2026-07-27T07:30", "views": 320, "views_style": "title", "author": "Văn Quyết",
        "cat": "tin-tuc", "jsonld": False,
        "lead": "Nhân kỷ niệm 79 năm Ngày Thương binh - Liệt sĩ, Đoàn Thanh niên Đại học Thái Nguyên tổ chức dâng hương tại Nghĩa trang liệt sĩ tỉnh.",
        "varieties": ["third page of a /trang-N listing"],
        "blocks": [
            p("Đoàn đã thăm, tặng quà 20 gia đình chính sách trên địa bàn phường Tân Thịnh và tổ chức thắp nến tri ân vào tối 27/7."),
            p("Hoạt động nằm trong chuỗi sự kiện tình nguyện hè của tuổi trẻ Đại học Thái Nguyên năm 2026."),
        ],
    },
    {
        "id": 1101, "path": "/bai-viet/2026/06/30/cong-bo-ket-qua-kiem-dinh-chat-luong-1101",
        "title": "Công bố kết quả kiểm định chất lượng cơ sở giáo dục chu kỳ 2",
        "date": "2026-06-30T15:20", "views": 958, "views_style": "title", "author": "Hồng Nhung",
        "cat": "tin-tuc", "jsonld": True, "sitemap_only": True,
        "lead": "Đại học Thái Nguyên vừa nhận quyết định công nhận đạt tiêu chuẩn chất lượng cơ sở giáo dục chu kỳ 2.",
        "varieties": ["sitemap only (no page links it)", "JSON-LD NewsArticle"],
        "blocks": [
            p("Kết quả đánh giá cho thấy Đại học Thái Nguyên đáp ứng 25/25 tiêu chuẩn, trong đó nhiều tiêu chí về đào tạo và nghiên cứu khoa học đạt mức tốt."),
            img(f"{U}/2026/06/kiem-dinh.jpg", seed=2008, w=900, h=600, style="wp-caption",
                alt="Trao quyết định công nhận", caption="Trao quyết định công nhận đạt chuẩn. Ảnh: Hồng Nhung",
                credit="Hồng Nhung"),
            p("Kết quả kiểm định có giá trị trong 5 năm và là cơ sở để nhà trường mở rộng tự chủ đại học."),
        ],
    },
    {
        "id": 1098, "path": "/tin/1098/lich-nghi-he-nam-2026",
        "title": "Lịch nghỉ hè năm 2026 của cán bộ, giảng viên",
        "date": "2026-06-15T11:00", "views": 5012, "views_style": "icon", "author": None,
        "cat": "dao-tao", "jsonld": False, "sitemap_only": True,
        "lead": "Đại học Thái Nguyên thông báo lịch nghỉ hè năm 2026 đối với cán bộ, giảng viên các đơn vị.",
        "varieties": ["sitemap only (no page links it)", "/tin/<id>/<slug> URL", "no image, no byline"],
        "blocks": [
            p("Thời gian nghỉ hè từ ngày 01/7/2026 đến hết ngày 15/8/2026; các đơn vị bố trí cán bộ trực bảo đảm công việc thường xuyên."),
            p("Giảng viên tham gia công tác tuyển sinh, coi thi được bố trí nghỉ bù sau khi hoàn thành nhiệm vụ."),
        ],
    },
]

STATIC_PAGES = [
    {"path": "/gioi-thieu/lich-su-hinh-thanh", "title": "Lịch sử hình thành và phát triển",
     "note": "; its text opens with a day of its history, \"Ngày 04/4/1994, …\"",
     "paragraphs": [
         # a day in the first line of the text is history, not a publication date
         "Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.",
         "Đại học được hình thành trên cơ sở sắp xếp lại các trường đại học trên địa bàn tỉnh Thái Nguyên.",
         "Trải qua hơn 30 năm xây dựng và phát triển, Đại học Thái Nguyên đã trở thành một trong ba đại học vùng của cả nước.",
     ]},
    {"path": "/lien-he", "title": "Liên hệ",
     "paragraphs": ["Địa chỉ: Phường Tân Thịnh, tỉnh Thái Nguyên. Điện thoại: (+84) 208 3852 650.",
                    "Email: dhtn@tnu.edu.vn"]},
]

TAGS = {"tuyen-sinh": ("Tuyển sinh", [1150, 1172]), "sinh-vien": ("Sinh viên", [1195, 1180, 1130])}

# --- rendering ------------------------------------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def time_first(iso: str) -> str:
    """'2026-10-12T08:30' -> '08:30 | 12/10/2026' (time first, as this CMS prints it)."""
    d, t = iso.split("T")
    y, m, dd = d.split("-")
    return f"{t} | {dd}/{m}/{y}"


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def by_id(n: int) -> dict[str, Any]:
    return next(a for a in ARTICLES if a["id"] == n)


def linked(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in articles if not a.get("sitemap_only")]


def head(title: str, extra: str = "") -> str:
    return (
        '<!doctype html>\n<html lang="vi-VN">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} – {SITE_NAME}</title>\n"
        '<link rel="alternate" type="application/rss+xml" title="Đại học Thái Nguyên &raquo; Dòng thông tin" href="/rss.xml">\n'
        '<link rel="stylesheet" id="tnu-theme-css" href="/wp-content/themes/tnu2027/style.css?ver=3.1.4" media="all">\n'
        f"{extra}</head>\n"
    )


def nav() -> str:
    cats = "".join(f'<li class="menu-item"><a href="{h}">{esc(n)}</a></li>' for n, h in CATS.values())
    return (
        '<header id="masthead" class="site-header"><div class="top-bar"><a href="/wp-admin/">Quản trị</a>'
        ' <a href="/tim-kiem">Tìm kiếm</a> <a href="{{OTHER_ORIGIN}}/">English</a></div>'
        f'<div class="brand"><a href="/" rel="home"><img src="/wp-content/themes/tnu2027/logo.png" alt="{SITE_NAME}" width="80" height="80"></a>'
        f'<span class="site-title">{SITE_NAME}</span></div>'
        '<nav id="site-navigation" class="main-navigation" aria-label="Menu chính"><ul id="primary-menu" class="menu">'
        '<li class="menu-item"><a href="/">Trang chủ</a></li>'
        '<li class="menu-item menu-item-has-children"><a href="/gioi-thieu/lich-su-hinh-thanh">Giới thiệu</a></li>'
        f"{cats}"
        '<li class="menu-item"><a href="/lien-he">Liên hệ</a></li></ul></nav></header>\n'
    )


def sidebar() -> str:
    # "Đọc nhiều": WordPress short links (/?p=ID) that answer the article itself.
    popular = sorted(linked(ARTICLES), key=lambda a: -a["views"])[:3]
    items = "".join(
        f'<li><a href="/?p={a["id"]}">{esc(a["title"])}</a> <span class="count">({thousands(a["views"])})</span></li>'
        for a in popular)
    tags = " ".join(f'<a href="/tag/{slug}/" class="tag-cloud-link">{esc(name)}</a>' for slug, (name, _) in TAGS.items())
    return (
        '<aside id="secondary" class="widget-area">'
        '<section class="widget widget_search"><form role="search" method="get" action="/tim-kiem">'
        '<input type="search" name="s" placeholder="Tìm kiếm …"><button type="submit">Tìm</button></form></section>'
        f'<section class="widget widget_popular"><h2 class="widget-title">Đọc nhiều</h2><ul>{items}</ul></section>'
        f'<section class="widget widget_tag_cloud"><h2 class="widget-title">Chủ đề</h2><div class="tagcloud">{tags}</div></section>'
        '<section class="widget"><h2 class="widget-title">Liên kết</h2><ul><li>Bộ Giáo dục và Đào tạo</li>'
        '<li>Cổng thông tin tuyển sinh</li></ul></section></aside>\n'
    )


def footer() -> str:
    return (
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        f"<p><strong>{SITE_NAME.upper()}</strong> – Phường Tân Thịnh, tỉnh Thái Nguyên – ĐT: (+84) 208 3852 650</p>"
        '<p><a href="/gioi-thieu/lich-su-hinh-thanh">Giới thiệu</a> · <a href="/lien-he">Liên hệ</a> · '
        '<a href="/rss.xml">RSS</a></p><p>© 2026 Đại học Thái Nguyên. Giữ bản quyền.</p></div></footer>\n'
        '<script src="/wp-content/themes/tnu2027/js/lazysizes.min.js?ver=5.3.2" async></script>\n'
        "</body>\n</html>\n"
    )


def page(title: str, content: str, extra_head: str = "", body_class: str = "") -> str:
    return (head(title, extra_head) + f'<body class="{body_class}">\n<div id="page" class="site">\n' + nav()
            + f'<div id="content" class="site-content"><main id="main" class="site-main">\n{content}\n</main>\n'
            + sidebar() + "</div>\n</div>\n" + footer())


def image_html(im: dict[str, Any], n: int) -> str:
    cap = esc(im["caption"]) if im.get("caption") else ""
    alt = esc(im["alt"])
    src, w, h = im["src"], im["width"], im["height"]
    stem, ext = src.rsplit(".", 1)
    small = f"{stem}-600x{h * 600 // w}.{ext}"
    if im["style"] == "picture":
        # A phone gets the small file, everything else the full one: the <img> is the real picture.
        return (
            f'<figure class="wp-block-image size-large"><picture>'
            f'<source media="(max-width: 767px)" srcset="{small} 600w">'
            f'<img decoding="async" src="{src}" alt="{alt}" width="{w}" height="{h}" class="wp-image-{9000 + n}"></picture>'
            + (f"<figcaption class=\"wp-element-caption\">{cap}</figcaption>" if cap else "") + "</figure>"
        )
    # Classic WordPress caption shortcode output, lazily loaded by lazysizes.
    return (
        f'<div id="attachment_{9000 + n}" style="width: {w}px" class="wp-caption aligncenter">'
        f'<img class="lazyload size-full wp-image-{9000 + n}" '
        'src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" '
        f'data-src="{src}" alt="{alt}" width="{w}" height="{h}">'
        + (f'<p id="caption-attachment-{9000 + n}" class="wp-caption-text">{cap}</p>' if cap else "") + "</div>"
    )


def views_html(a: dict[str, Any]) -> str:
    if a.get("views") is None:
        return ""
    n = thousands(a["views"])
    if a["views_style"] == "title":
        return f'<span class="views" title="Lượt xem"><i class="fa fa-eye" aria-hidden="true"></i> {n}</span>'
    return f'<span class="meta-item"><i class="fa fa-eye" aria-hidden="true"></i> {n}</span>'


def jsonld(a: dict[str, Any]) -> str:
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
        "datePublished": a["date"] + ":00+07:00", "mainEntityOfPage": "{{ORIGIN}}" + a["path"],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }
    if a.get("author"):
        data["author"] = {"@type": "Person", "name": a["author"]}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>\n'


def render_article(a: dict[str, Any]) -> str:
    cat_name, cat_href = CATS[a["cat"]]
    body = []
    n = 0
    for block in a["blocks"]:
        if "img" in block:
            body.append(image_html(block["img"], a["id"] * 10 + n))
            n += 1
        else:
            body.append(f"<p>{esc(block['p'])}</p>")
    author = (f'<div class="entry-author"><span class="author-label">Tác giả:</span> <strong>{esc(a["author"])}</strong></div>'
              if a.get("author") else "")
    related = [b for b in linked(ARTICLES) if b["cat"] == a["cat"] and b is not a][:3]
    rel = "".join(f'<li><a href="{b["path"]}">{esc(b["title"])}</a> <span class="date">{time_first(b["date"])}</span></li>'
                  for b in related)
    tags = [slug for slug, (_, ids) in TAGS.items() if a["id"] in ids]
    tag_html = ("<div class=\"entry-tags\"><span>Từ khóa:</span> "
                + ", ".join(f'<a href="/tag/{s}/" rel="tag">{esc(TAGS[s][0])}</a>' for s in tags) + "</div>") if tags else ""
    extra = (
        f'<link rel="canonical" href="{{{{ORIGIN}}}}{a["path"]}">\n'
        f'<link rel="shortlink" href="{{{{ORIGIN}}}}/?p={a["id"]}">\n'
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{esc(a["title"])}">\n'
        f'<meta property="og:url" content="{{{{ORIGIN}}}}{a["path"]}">\n'
        + (jsonld(a) if a.get("jsonld") else "")
    )
    content = (
        '<nav class="crumbs" aria-label="breadcrumbs"><ol>'
        f'<li><a href="/">Trang chủ</a></li><li><a href="{cat_href}">{esc(cat_name)}</a></li></ol></nav>\n'
        f'<div class="entry post-{a["id"]}">\n'
        f'<header class="entry-header"><h1 class="entry-title">{esc(a["title"])}</h1>\n'
        f'<div class="entry-info"><span class="time"><i class="fa fa-clock-o"></i> {time_first(a["date"])}</span> '
        f"{views_html(a)}</div></header>\n"
        f'<p class="sapo"><strong>{esc(a["lead"])}</strong></p>\n'
        f'<div class="entry-body">\n' + "\n".join(body) + "\n</div>\n"
        f"{author}\n{tag_html}\n"
        '<div class="share-bar"><span>Chia sẻ:</span> <a class="share-fb" href="#" rel="nofollow">Facebook</a> '
        '<a class="share-zalo" href="#" rel="nofollow">Zalo</a> <a class="print" href="javascript:window.print()">In bài</a></div>\n'
        f'<section class="related"><h3>Bài viết cùng chuyên mục</h3><ul>{rel}</ul></section>\n'
        '<div id="comments" class="comments-area"><h3>Bình luận</h3><p>Bình luận đã bị tắt.</p></div>\n'
        "</div>"
    )
    return page(a["title"], content, extra, f"single single-post postid-{a['id']}")


def page_url(cat: str, n: int) -> str:
    base = CATS[cat][1]
    if n == 1:
        return base
    return f"{base}trang-{n}/" if PAGE_STYLE[cat] == "trang" else f"{base}page/{n}/"


def pager(cat: str, n: int, pages: int) -> str:
    if pages <= 1:
        return ""
    parts = []
    style = PAGE_STYLE[cat]
    if n > 1:
        parts.append(f'<a class="prev page-numbers" href="{page_url(cat, n - 1)}">'
                     + ("‹ Trang trước" if style == "trang" else "«") + "</a>")
    for k in range(1, pages + 1):
        parts.append(f'<span aria-current="page" class="page-numbers current">{k}</span>' if k == n
                     else f'<a class="page-numbers" href="{page_url(cat, k)}">{k}</a>')
    if n < pages:
        parts.append(f'<a class="next page-numbers" href="{page_url(cat, n + 1)}">'
                     + ("Trang sau ›" if style == "trang" else "»") + "</a>")
    return '<nav class="navigation pagination" aria-label="Phân trang"><div class="nav-links">' + "".join(parts) + "</div></nav>"


def card(a: dict[str, Any], href: str | None = None) -> str:
    thumb = next((b["img"]["src"] for b in a["blocks"] if "img" in b), "/wp-content/themes/tnu2027/no-thumb.png")
    return (
        f'<article class="post-card"><a class="thumb" href="{href or a["path"]}"><img src="{thumb}" alt="" loading="lazy"></a>'
        f'<div class="card-body"><h2 class="card-title"><a href="{href or a["path"]}">{esc(a["title"])}</a></h2>'
        f'<div class="card-meta">{time_first(a["date"])}</div><p class="excerpt">{esc(a["lead"][:140])}…</p></div></article>'
    )


def listing_pages() -> list[tuple[str, str]]:
    out = []
    newest = sorted(linked(ARTICLES), key=lambda a: a["date"], reverse=True)
    for cat, (name, _) in CATS.items():
        items = [a for a in newest if a["cat"] == cat]
        pages = (len(items) + PER_PAGE - 1) // PER_PAGE
        for n in range(1, pages + 1):
            chunk = items[(n - 1) * PER_PAGE: n * PER_PAGE]
            extra = ""
            if PAGE_STYLE[cat] == "page":  # this plugin also announces its pages in <head>
                if n > 1:
                    extra += f'<link rel="prev" href="{{{{ORIGIN}}}}{page_url(cat, n - 1)}">\n'
                if n < pages:
                    extra += f'<link rel="next" href="{{{{ORIGIN}}}}{page_url(cat, n + 1)}">\n'
            content = (f'<header class="page-header"><h1 class="page-title">Chuyên mục: {esc(name)}</h1></header>\n'
                       '<div class="post-list">' + "\n".join(card(a) for a in chunk) + "</div>\n" + pager(cat, n, pages))
            out.append((page_url(cat, n), page(name + (f" – Trang {n}" if n > 1 else ""), content, extra, "archive category")))
    return out


def render_home() -> str:
    newest = sorted(linked(ARTICLES), key=lambda a: a["date"], reverse=True)
    featured = [a for a in newest if a.get("featured")]
    feat = "".join(card(a, a["path"] + "?utm_source=trang-chu&utm_medium=banner&utm_campaign=noi-bat") for a in featured)
    latest = "".join(card(a) for a in newest[:4])
    content = (f'<section class="featured"><h2 class="section-title">Tin nổi bật</h2>{feat}</section>\n'
               f'<section class="latest"><h2 class="section-title">Tin mới</h2>{latest}'
               f'<p class="more"><a href="{CATS["tin-tuc"][1]}">Xem tất cả</a></p></section>')
    return page("Trang chủ", content, "", "home")


def render_tag(slug: str) -> str:
    name, ids = TAGS[slug]
    cards = "\n".join(card(by_id(i)) for i in ids)
    return page(f"Từ khóa: {name}", f'<header class="page-header"><h1 class="page-title">Từ khóa: {esc(name)}</h1></header>\n'
                f'<div class="post-list">{cards}</div>', "", "archive tag")


def render_static(sp: dict[str, Any]) -> str:
    paras = "\n".join(f"<p>{esc(t)}</p>" for t in sp["paragraphs"])
    content = (f'<div class="entry page"><header class="entry-header"><h1 class="entry-title">{esc(sp["title"])}</h1></header>\n'
               f'<div class="entry-body">{paras}</div></div>')
    return page(sp["title"], content, f'<link rel="canonical" href="{{{{ORIGIN}}}}{sp["path"]}">\n', "page")


def render_feed() -> str:
    newest = sorted(linked(ARTICLES), key=lambda a: a["date"], reverse=True)[:5]
    items = "".join(
        f"<item><title>{esc(a['title'])}</title><link>{{{{ORIGIN}}}}{a['path']}?utm_source=rss&amp;utm_medium=rss</link>"
        f"<guid isPermaLink=\"false\">{{{{ORIGIN}}}}/?p={a['id']}</guid><description>{esc(a['lead'])}</description></item>"
        for a in newest)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{SITE_NAME}</title><link>{{{{ORIGIN}}}}/</link><description>Tin tức</description>{items}</channel></rss>\n")


def sitemap_index() -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<sitemap><loc>{{ORIGIN}}/post-sitemap.xml.gz</loc><lastmod>2026-10-12T08:30:00+07:00</lastmod></sitemap>"
            "<sitemap><loc>{{ORIGIN}}/page-sitemap.xml</loc><lastmod>2026-01-01T00:00:00+07:00</lastmod></sitemap>"
            "</sitemapindex>\n")


def urlset(entries: list[tuple[str, str]]) -> str:
    urls = "".join(f"<url><loc>{{{{ORIGIN}}}}{path}</loc><lastmod>{mod}</lastmod></url>" for path, mod in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'


# --- ground truth ------------------------------------------------------------------------------


def expected_entry(a: dict[str, Any]) -> dict[str, Any]:
    nfc = lambda s: unicodedata.normalize("NFC", s) if s is not None else None  # noqa: E731
    images = [{"src": b["img"]["src"], "caption": nfc(b["img"].get("caption")), "alt": nfc(b["img"].get("alt")),
               "credit": b["img"].get("credit"), "status": 200} for b in a["blocks"] if "img" in b]
    paras = [a["lead"]] + [b["p"] for b in a["blocks"] if "p" in b]
    return {
        "title": nfc(a["title"]),
        "published_at": a["date"] + ":00+07:00",
        "published_text": time_first(a["date"]),
        "views": a.get("views"),
        "author": nfc(a.get("author")),
        "category": CATS[a["cat"]][0],
        "body_text": "\n\n".join(nfc(t) for t in paras),
        "images": images,
    }


def aliases(a: dict[str, Any]) -> list[str]:
    """Other URLs under which the site links (or serves) this article."""
    out = []
    if a.get("sitemap_only"):
        return out
    if a.get("featured"):
        out.append(a["path"] + "?utm_source=trang-chu&utm_medium=banner&utm_campaign=noi-bat")
    newest = sorted(linked(ARTICLES), key=lambda b: b["date"], reverse=True)
    if a in newest[:5]:
        out.append(a["path"] + "?utm_source=rss&utm_medium=rss")
    if a in sorted(linked(ARTICLES), key=lambda b: -b["views"])[:3]:
        out.append(f"/?p={a['id']}")
    return out


# --- writing -----------------------------------------------------------------------------------


def write_text(root: Path, url: str, text: str) -> None:
    target = root / file_for(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_image(root: Path, src: str, seed: int, w: int, h: int, force: bool) -> None:
    target = root / src.lstrip("/")
    if target.exists() and not force:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(draw(seed, w, h, "png" if src.endswith(".png") else "jpeg"))


def write_site(out: Path = HERE, force_images: bool = False) -> dict[str, Any]:
    www = out / "www"
    if www.exists():
        for f in www.rglob("*"):
            if f.is_file() and f.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
                f.unlink()
    for a in ARTICLES:
        text = render_article(a)
        write_text(www, a["path"], text)
        if not a.get("sitemap_only") and f"/?p={a['id']}" in aliases(a):
            write_text(www, f"/?p={a['id']}", text)  # WordPress answers short links with the post itself
        for b in a["blocks"]:
            if "img" in b:
                im = b["img"]
                write_image(www, im["src"], im["seed"], im["width"], im["height"], force_images)
                if im["style"] == "picture":
                    stem, ext = im["src"].rsplit(".", 1)
                    small_h = im["height"] * 600 // im["width"]
                    write_image(www, f"{stem}-600x{small_h}.{ext}", im["seed"] + 600, 600, small_h, force_images)
    listings = listing_pages()
    for url, text in listings:
        write_text(www, url, text)
    for slug in TAGS:
        write_text(www, f"/tag/{slug}/", render_tag(slug))
    for sp in STATIC_PAGES:
        write_text(www, sp["path"], render_static(sp))
    write_text(www, "/", render_home())
    write_text(www, "/robots.txt", ROBOTS)
    write_text(www, "/rss.xml", render_feed())
    write_text(www, "/sitemap_index.xml", sitemap_index())
    posts = [(a["path"], a["date"] + ":00+07:00") for a in sorted(ARTICLES, key=lambda a: a["date"], reverse=True)]
    # gzip with a fixed mtime: the committed bytes do not change between builds
    (www / "post-sitemap.xml.gz").write_bytes(gzip.compress(urlset(posts).encode(), mtime=0))
    write_text(www, "/page-sitemap.xml", urlset([(sp["path"], "2026-01-01T00:00:00+07:00") for sp in STATIC_PAGES]))
    for path, (seed, w, h) in {"/wp-content/themes/tnu2027/logo.png": (2901, 80, 80),
                               "/wp-content/themes/tnu2027/no-thumb.png": (2902, 300, 200)}.items():
        write_image(www, path, seed, w, h, force_images)
    (out / "routes.json").write_text('{"redirects": {}, "fail_once": {}}\n', encoding="utf-8")
    expected = {
        "articles": {a["path"]: expected_entry(a) for a in ARTICLES},
        "aliases": {a["path"]: aliases(a) for a in ARTICLES if aliases(a)},
        "sitemap_only": [a["path"] for a in ARTICLES if a.get("sitemap_only")],
        "listings": [url for url, _ in listings],
        "not_articles": [sp["path"] for sp in STATIC_PAGES] + [f"/tag/{s}/" for s in TAGS],
        "forbidden": ["/wp-admin/", "/tim-kiem"],
    }
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_readme(out)
    return expected


def write_readme(out: Path) -> None:
    lines = [__doc__.split("Writes (committed)")[0].replace("Generate the replica", "# The replica", 1).strip(), "",
             "## Articles", "", "| path | exercises |", "| --- | --- |"]
    lines += [f"| `{a['path']}` | {'; '.join(a['varieties'])} |" for a in ARTICLES]
    lines += ["", "## Listings", ""] + [f"- `{u}`" for u, _ in listing_pages()]
    lines += ["", "## Other pages", "", "- `/` home: featured (utm_* links), latest; `/tag/<slug>` tag pages",
              "- `/rss.xml` RSS (announced in every page's <head>), links with utm_*",
              "- `/robots.txt` -> `/sitemap_index.xml` -> `/post-sitemap.xml.gz` (gzipped) and `/page-sitemap.xml`",
              *[f"- `{sp['path']}` static page (no date, no counter{sp.get('note', '')})" for sp in STATIC_PAGES], ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    e = write_site(HERE, ap.parse_args().force_images)
    print(f"build: {len(e['articles'])} articles ({len(e['sitemap_only'])} sitemap-only), {len(e['listings'])} listing pages")

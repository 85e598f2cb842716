"""Page templates of the replica of tnu.edu.vn: one function per page kind, dict in, HTML out.

Pure functions over plain data so that `build.py` (the bundled test site) and the benchmark
generator (sites of thousands of articles) render the same pages with the same weight.

Two layouts, as the live site had them:
- "old": the 2019–2021 CMS (`/<slug>-dn<ID>.html`, `/news/<cat>.html`, `Đăng ngày: dd-mm-yyyy |
  N lần đọc`, captions as the next paragraph or in a caption table, absolute `http://…` links);
- "new": the 2026 site (`/tin-tuc-su-kien/…`, `Thứ Hai, 23/02/2026 - 09:15`, `Lượt xem: 2.045`,
  figure/figcaption, lazy images, srcset); "new_en" is its English edition under `/en/`.

An article dict (see build.py for the full set of examples):
    layout, path, title, date ("2020-07-15" or "2026-02-23T09:15"), views (int | None),
    author (str | None), crumbs ([(name, href), ...] — the last is the article's category),
    encoding ("plain" | "entities" | "nfd": how the old CMS wrote its Vietnamese),
    blocks ([{"p": text} | {"img": image dict}]), summary (str), related ([(title, href)]).
An image dict: src, alt, caption, style ("next_p" | "figure" | "table" | "own_line"),
    lazy (bool), srcset ([(url, width)]), absolute (bool: written as {{ORIGIN}}/…), width, height.

`{{ORIGIN}}` and `{{OTHER_ORIGIN}}` are left in the output: the replica server substitutes them.
"""

from __future__ import annotations

import html
import unicodedata
from html.entities import codepoint2name
from typing import Any

SLOGAN = "Đoàn kết – trung thực – sáng tạo – hiệu quả - chất lượng"
SITE_NAME = "Đại học Thái Nguyên"
PLACEHOLDER_GIF = "/Content/images/blank.gif"
VI_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Page = dict[str, Any]


# --- text -------------------------------------------------------------------------------------


def encode_text(text: str, encoding: str = "plain") -> str:
    """HTML-escape `text` the way a given CMS wrote it.

    "entities": every character HTML has a name for becomes `&name;` (CKEditor's habit:
    `Ph&aacute;p quy`), the rest stays raw; "nfd": decomposed Unicode (pasted from Word on a Mac).
    """
    if encoding == "nfd":
        return html.escape(unicodedata.normalize("NFD", text), quote=False)
    escaped = html.escape(text, quote=False)
    if encoding != "entities":
        return escaped
    return "".join(
        f"&{codepoint2name[ord(ch)]};" if ord(ch) > 127 and ord(ch) in codepoint2name else ch
        for ch in escaped
    )


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def vi_date_2026(iso: str) -> str:
    """'2026-02-23T09:15' -> 'Thứ Hai, 23/02/2026 - 09:15'."""
    from datetime import datetime

    dt = datetime.fromisoformat(iso)
    return f"{VI_WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y - %H:%M}"


def en_date_2026(iso: str) -> str:
    from datetime import datetime

    dt = datetime.fromisoformat(iso)
    return f"{EN_WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y - %H:%M}"


def old_date(iso: str) -> str:
    """'2020-07-15' -> '15-07-2020'."""
    y, m, d = iso[:10].split("-")
    return f"{d}-{m}-{y}"


def thousands(n: int) -> str:
    """2045 -> '2.045' (Vietnamese grouping)."""
    return f"{n:,}".replace(",", ".")


def published_text(article: Page) -> str:
    """The date exactly as the article's layout prints it."""
    if article["layout"] == "old":
        return old_date(article["date"])
    if article["layout"] == "new_en":
        return en_date_2026(article["date"])
    return vi_date_2026(article["date"])


# --- images -----------------------------------------------------------------------------------


def _img_src(img: Page) -> str:
    return "{{ORIGIN}}" + img["src"] if img.get("absolute") else img["src"]


def img_tag(img: Page, layout: str, encoding: str = "plain") -> str:
    alt = img.get("alt")
    alt_attr = f' alt="{encode_text(alt, encoding).replace(chr(34), "&quot;")}"' if alt is not None else ""
    size = ""
    if img.get("width") and img.get("height"):
        if layout == "old":
            size = f' style="width: {img["width"]}px; height: {img["height"]}px;"'
        else:
            size = f' width="{img["width"]}" height="{img["height"]}"'
    if img.get("srcset"):
        # the smallest candidate is `src`, the browser (and an archivist) wants the widest
        cands = sorted(img["srcset"], key=lambda c: c[1])
        srcset = ", ".join(f"{u} {w}w" for u, w in cands)
        return (
            f'<img src="{attr(cands[0][0])}" srcset="{attr(srcset)}" '
            f'sizes="(max-width: 768px) 100vw, 760px"{alt_attr}{size} loading="lazy">'
        )
    if img.get("lazy"):
        return (
            f'<img class="lazyload" src="{PLACEHOLDER_GIF}" data-src="{attr(_img_src(img))}"'
            f"{alt_attr}{size}>"
        )
    end = " />" if layout == "old" else ">"
    return f'<img src="{attr(_img_src(img))}"{alt_attr}{size}{end}'


def image_block(img: Page, layout: str, encoding: str) -> str:
    tag = img_tag(img, layout, encoding)
    cap = img.get("caption")
    cap_html = encode_text(cap, encoding) if cap else ""
    style = img.get("style", "next_p")
    if style == "figure":
        figcap = f"<figcaption>{cap_html}</figcaption>" if cap else ""
        return f'<figure class="image">{tag}{figcap}</figure>'
    if style == "table":
        rows = f'<tr><td style="text-align: center;">{tag}</td></tr>'
        if cap:
            rows += f'<tr><td class="image-caption" style="text-align: center;"><em>{cap_html}</em></td></tr>'
        return (
            '<table align="center" border="0" cellpadding="3" cellspacing="0" class="image" '
            f'style="width: 100%;"><tbody>{rows}</tbody></table>'
        )
    if layout == "old":
        out = f'<p style="text-align: center;">{tag}</p>'
        if cap:
            out += f'<p style="text-align: center;"><em>{cap_html}</em></p>'
        return out
    out = f'<p class="text-center" style="text-align:center">{tag}</p>'
    if cap:
        # 2026: the caption is a line of its own under the picture ("Ảnh: …" / "Photo: …")
        out += f'<p class="image-caption" style="text-align:center"><i>{cap_html}</i></p>'
    return out


def body_html(article: Page) -> str:
    layout, enc = article["layout"], article.get("encoding", "plain")
    parts = []
    for block in article["blocks"]:
        if "img" in block:
            parts.append(image_block(block["img"], layout, enc))
        else:
            align = ' style="text-align: justify;"' if layout == "old" else ""
            parts.append(f"<p{align}>{block['html'] if 'html' in block else encode_text(block['p'], enc)}</p>")
    if article.get("author"):
        if layout == "old":
            parts.append(
                f'<p style="text-align: right;"><strong>{encode_text(article["author"], enc)}</strong></p>'
            )
        else:
            parts.append(
                f'<p class="author" style="text-align:right"><strong>{encode_text(article["author"], enc)}</strong></p>'
            )
    return "\n".join(parts)


# --- furniture shared by every page ---------------------------------------------------------

_CSS = """
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;background:#f3f5f8}
a{color:#0b4f9c;text-decoration:none}a:hover{text-decoration:underline}
.container{width:1140px;margin:0 auto;background:#fff}
.header{background:#0b4f9c url(/Content/images/header-bg.png) no-repeat right top;height:118px;position:relative}
.header .logo{position:absolute;left:20px;top:14px}.header .site-name{position:absolute;left:130px;top:26px;color:#fff;font-size:26px;font-weight:bold;text-transform:uppercase}
.header .slogan{position:absolute;left:130px;top:66px;color:#ffe27a;font-style:italic;font-size:15px}
.topbar{background:#083b75;color:#cfe0f7;font-size:12px;padding:4px 20px;text-align:right}.topbar a{color:#fff;margin-left:12px}
.menu{background:#1565c0;border-bottom:3px solid #ffb300}.menu ul{list-style:none;margin:0;padding:0}
.menu>ul>li{display:inline-block;position:relative}.menu>ul>li>a{display:block;padding:11px 14px;color:#fff;font-weight:bold;text-transform:uppercase;font-size:13px}
.menu li ul{display:none;position:absolute;left:0;top:100%;background:#fff;min-width:260px;box-shadow:0 3px 8px rgba(0,0,0,.2);z-index:9}
.menu li:hover ul{display:block}.menu li ul li a{display:block;padding:8px 12px;color:#0b4f9c;border-bottom:1px dotted #ccc}
.main{display:flex;padding:15px 20px}.content{flex:1;padding-right:20px}.sidebar{width:300px}
.breadcrumb{font-size:12px;color:#777;margin-bottom:10px}.breadcrumb a{color:#555}
.title-detail,.post-title{font-size:24px;color:#0b4f9c;margin:6px 0 10px;line-height:1.3}
.tool-detail,.post-meta{color:#888;font-size:12px;border-bottom:1px solid #eee;padding-bottom:8px;margin-bottom:12px}
.content-detail p,.post-content p{line-height:1.6;margin:0 0 10px}
.content-detail img,.post-content img{max-width:100%;height:auto}
figure.image{margin:10px auto;text-align:center}figure.image figcaption{font-style:italic;color:#555;font-size:13px;margin-top:5px}
table.image{margin:10px auto}table.image td.image-caption{color:#555;font-size:13px}
.share a{display:inline-block;margin-right:6px}.share img{vertical-align:middle}
.other-news h3,.related-posts h3,.box h3{font-size:15px;color:#fff;background:#1565c0;padding:7px 10px;margin:15px 0 8px;text-transform:uppercase}
.other-news ul,.related-posts ul,.box ul{margin:0;padding-left:18px}.other-news li,.related-posts li,.box li{padding:4px 0;border-bottom:1px dotted #ddd}
.comment-box{margin-top:20px;border:1px solid #e3e3e3;padding:12px;background:#fafafa}.comment-box textarea{width:100%;height:80px}
.comment-box input[type=text]{width:45%;padding:5px;margin:0 8px 8px 0}
.news-list .item{display:flex;padding:10px 0;border-bottom:1px solid #eee}.news-list .item img{width:180px;height:120px;object-fit:cover;margin-right:12px}
.news-list .item h2,.news-list .item h3{font-size:16px;margin:0 0 6px}.news-list .item .date{font-size:12px;color:#999}
.pager{margin:15px 0;text-align:center}.pager a,.pager span{display:inline-block;padding:4px 9px;border:1px solid #ddd;margin:0 2px}.pager .active{background:#1565c0;color:#fff}
.search-box input[type=text]{width:200px;padding:4px}.search-box button{padding:4px 8px}
.footer{background:#0b4f9c;color:#dfe8f5;padding:18px 20px;font-size:12px;line-height:1.7}.footer a{color:#fff}
.footer .cols{display:flex}.footer .col{flex:1;padding-right:20px}
.links select{width:100%;padding:4px}table.schedule{width:100%;font-size:11px;border-collapse:collapse}table.schedule td,table.schedule th{border:1px solid #e5e5e5;padding:2px 4px}
.footer .units ul{columns:2;margin:0 0 10px;padding-left:18px}.visitor{font-size:12px;color:#666}
@media (max-width:1140px){.container{width:100%}.main{flex-direction:column}.sidebar{width:auto}}
"""

_JS = """
(function(){function lazy(){var imgs=document.querySelectorAll('img.lazyload[data-src]');for(var i=0;i<imgs.length;i++){var r=imgs[i].getBoundingClientRect();if(r.top<window.innerHeight+200){imgs[i].src=imgs[i].getAttribute('data-src');imgs[i].classList.remove('lazyload');}}}
window.addEventListener('scroll',lazy);window.addEventListener('load',lazy);
window.shareFacebook=function(){window.open('https://www.facebook.com/sharer/sharer.php?u='+encodeURIComponent(location.href),'fb','width=600,height=400');return false;};
window.shareTwitter=function(){window.open('https://twitter.com/intent/tweet?url='+encodeURIComponent(location.href),'tw','width=600,height=400');return false;};
window.printPage=function(){window.print();return false;};
var f=document.getElementById('fontsize');if(f){f.addEventListener('click',function(e){var c=document.querySelector('.content-detail,.post-content');if(c){c.style.fontSize=(parseInt(getComputedStyle(c).fontSize)+1)+'px';}});}
})();
"""

# The member universities and units (text only: the replica must never point a crawler at a real host).
_UNITS = (
    "Trường Đại học Kỹ thuật Công nghiệp", "Trường Đại học Sư phạm", "Trường Đại học Y - Dược",
    "Trường Đại học Nông Lâm", "Trường Đại học Kinh tế và Quản trị Kinh doanh",
    "Trường Đại học Khoa học", "Trường Đại học Công nghệ Thông tin và Truyền thông",
    "Trường Ngoại ngữ", "Trường Quốc tế", "Trường Cao đẳng Kinh tế - Kỹ thuật",
    "Phân hiệu ĐHTN tại tỉnh Lào Cai", "Phân hiệu ĐHTN tại tỉnh Hà Giang",
    "Trung tâm Học liệu Lê Văn Tri", "Trung tâm Giáo dục Quốc phòng và An ninh",
    "Trung tâm Đào tạo từ xa", "Nhà xuất bản ĐHTN", "Bệnh viện Trường Đại học Y - Dược",
    "Trung tâm Phát triển nguồn lực", "Viện Khoa học Sự sống", "Trung tâm Khảo thí và Quản lý chất lượng",
)

_NOTICES = (
    "Thông báo tuyển sinh đại học hệ chính quy", "Thông báo tuyển sinh đào tạo trình độ thạc sĩ",
    "Thông báo tuyển sinh đào tạo trình độ tiến sĩ", "Kế hoạch tổ chức kỳ thi đánh giá năng lực",
    "Thông báo về việc tiếp nhận hồ sơ xét tặng danh hiệu", "Lịch công tác tuần của Giám đốc ĐHTN",
    "Thông báo tuyển dụng viên chức", "Danh sách đề tài khoa học công nghệ cấp Bộ",
)


def _head(title_html: str, extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_html}</title>\n"
        '<link rel="shortcut icon" href="/favicon.ico">\n'
        f"{extra}<style>{_CSS}</style>\n</head>\n"
    )


def _menu(site: Page) -> str:
    """The main menu: both layouts' listings, the history page; parents are '#' (never pages)."""
    items = []
    for group in site["menu"]:
        sub = "".join(f'<li><a href="{attr(h)}">{html.escape(n)}</a></li>' for n, h in group["items"])
        items.append(
            f'<li><a href="{attr(group.get("href", "#"))}">{html.escape(group["name"])}</a><ul>{sub}</ul></li>'
        )
    return '<div class="menu"><ul><li><a href="/">Trang chủ</a></li>' + "".join(items) + "</ul></div>"


def _header(site: Page, layout: str) -> str:
    login = "/account/login?returnUrl=%2F" if layout == "old" else "/account/dang-nhap"
    # The old CMS is all <div>s; the 2026 site uses HTML5 landmarks (<header>, <nav>, <aside>…).
    tag, nav = ("div", "div") if layout == "old" else ("header", "nav")
    return (
        f'<{tag} class="topbar"><span>Hotline: 0208.3852650</span>'
        f'<a href="{login}">Đăng nhập</a><a href="/home/sitemap">Sơ đồ website</a>'
        f'<a href="/en/tin-tuc-su-kien.html">English</a></{tag}>\n'
        f'<{tag} class="header"><a class="logo" href="/"><img src="/Content/images/logo.png" alt="Logo ĐHTN" width="96" height="90" /></a>'
        f'<div class="site-name">{SITE_NAME}</div><div class="slogan">{SLOGAN}</div></{tag}>\n'
        + _menu(site).replace("<div class=\"menu\">", f'<{nav} class="menu">', 1).removesuffix("</div>")
        + f"</{nav}>\n"
    )


def _schedule() -> str:
    """The week's schedule of the university's leaders: a table every page repeats."""
    rows = []
    for day, weekday in zip(range(16, 21), VI_WEEKDAYS):
        for hour, what in (("08:00", "Giao ban Ban Giám đốc"), ("14:00", "Làm việc với các ban chức năng"),
                           ("16:30", "Tiếp khách")):
            rows.append(f"<tr><td>{weekday}</td><td>{day:02d}/02</td><td>{hour}</td><td>{what}</td><td>Phòng họp số 1</td></tr>")
    return (
        '<table class="schedule"><thead><tr><th>Thứ</th><th>Ngày</th><th>Giờ</th><th>Nội dung</th><th>Địa điểm</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _sidebar(site: Page, layout: str) -> str:
    tag = "div" if layout == "old" else "aside"
    latest = "".join(f'<li><a href="{attr(h)}">{html.escape(t)}</a></li>' for t, h in site.get("latest", ()))
    notices = "".join(f"<li><span>{html.escape(n)}</span></li>" for n in _NOTICES)
    units = "".join(
        f'<option value="{{{{OTHER_ORIGIN}}}}/don-vi/{i}">{html.escape(u)}</option>' for i, u in enumerate(_UNITS)
    )
    return (
        f'<{tag} class="sidebar">'
        '<form class="search-box" action="/news/search" method="post"><input type="text" name="keyword" placeholder="Tìm kiếm..." />'
        '<button type="submit">Tìm</button></form>'
        f'<div class="box"><h3>Tin mới nhất</h3><ul>{latest}</ul></div>'
        f'<div class="box"><h3>Thông báo</h3><ul>{notices}</ul></div>'
        f'<div class="box"><h3>Lịch công tác tuần</h3>{_schedule()}</div>'
        '<div class="box"><h3>Video</h3><div class="video"><img src="/Content/images/video-thumb.png" alt="Video giới thiệu ĐHTN" width="280" height="160" /></div></div>'
        f'<div class="box links"><h3>Liên kết website</h3><select onchange="window.open(this.value)"><option value="">-- Đơn vị thành viên --</option>{units}</select></div>'
        '<div class="box"><h3>Thống kê truy cập</h3><p class="visitor">Đang online: 127<br/>Tổng lượt truy cập: 12.345.678</p></div>'
        f"</{tag}>"
    )


def _footer(layout: str) -> str:
    tag = "div" if layout == "old" else "footer"
    units = "".join(
        f"<li>{html.escape(u)} – Phường Tân Thịnh, Thành phố Thái Nguyên – ĐT: 0208.38{5270 + 17 * i}</li>"
        for i, u in enumerate(_UNITS)
    )
    return (
        f'<{tag} class="footer"><div class="units"><h4>Các đơn vị thành viên và trực thuộc</h4><ul>{units}</ul></div>'
        '<div class="cols">'
        f'<div class="col"><strong>{SITE_NAME.upper()}</strong><br/>Địa chỉ: Phường Tân Thịnh, Thành phố Thái Nguyên, tỉnh Thái Nguyên'
        "<br/>Điện thoại: (+84) 208 3852 650 - Fax: (+84) 208 3852 665<br/>Email: dhtn@tnu.edu.vn</div>"
        '<div class="col">Chịu trách nhiệm nội dung: Ban Truyền thông và Quan hệ công chúng<br/>'
        "Giấy phép số 123/GP-TTĐT do Sở Thông tin và Truyền thông tỉnh Thái Nguyên cấp"
        "<br/>Ghi rõ nguồn &quot;Đại học Thái Nguyên&quot; khi phát hành lại thông tin từ website này.</div>"
        '<div class="col"><a href="/home/sitemap">Sơ đồ website</a> | <a href="/robots.txt">robots.txt</a>'
        f'<br/>&copy; 2019 - 2026 {SITE_NAME}. All rights reserved.</div>'
        f"</div></{tag}>\n"
    )


def _page(title_html: str, site: Page, layout: str, content: str, head_extra: str = "") -> str:
    main = "div" if layout == "old" else "main"
    return (
        _head(title_html, head_extra)
        + '<body>\n<div class="container">\n'
        + _header(site, layout)
        + f'<{main} class="main"><div class="content">\n{content}\n</div>\n{_sidebar(site, layout)}</{main}>\n'
        + _footer(layout)
        + f"</div>\n<script>{_JS}</script>\n</body>\n</html>\n"
    )


def _crumbs(crumbs: list[tuple[str, str]], sep: str, home: str = "Trang chủ") -> str:
    links = [f'<a href="/">{home}</a>'] + [f'<a href="{attr(h)}">{html.escape(n)}</a>' for n, h in crumbs]
    return f'<div class="breadcrumb">{sep.join(links)}</div>'


# --- pages --------------------------------------------------------------------------------------


def render_old_article(article: Page, site: Page) -> str:
    """A 2019–2021 article page (`/<slug>-dn<ID>.html`)."""
    enc = article.get("encoding", "plain")
    title = encode_text(article["title"], enc)
    info = f"Đăng ngày: {old_date(article['date'])}"
    if article.get("views") is not None:
        info += f" | {thousands(article['views'])} lần đọc"
    related = "".join(
        f'<li><a href="{{{{ORIGIN}}}}{attr(h)}">{html.escape(t)}</a></li>' for t, h in article.get("related", ())
    )
    content = (
        _crumbs(article["crumbs"], " &raquo; ")
        + f'\n<div class="content-detail">\n<h1 class="title-detail">{title}</h1>\n'
        f'<div class="tool-detail"><span class="date-view">{info}</span><br/>|'
        ' <span class="share"><a href="javascript:void(0);" onclick="return shareFacebook();"><img src="/Content/images/fb-share.png" alt="Facebook" /></a>'
        '<a href="javascript:void(0);" onclick="return shareTwitter();"><img src="/Content/images/tw-share.png" alt="Twitter" /></a>'
        '<a href="javascript:void(0);" onclick="return printPage();"><img src="/Content/images/print.png" alt="In bài viết" /></a>'
        '<a id="fontsize" href="javascript:void(0);">A+</a></span></div>\n'
        f'<div class="news-content">\n{body_html(article)}\n</div>\n</div>\n'
        f'<div class="other-news"><h3>Tin khác</h3><ul>{related}</ul></div>\n'
        '<div class="comment-box"><h4>Ý kiến bạn đọc</h4><form action="/news/comment" method="post">'
        '<input type="text" name="name" placeholder="Họ tên" /><input type="text" name="email" placeholder="Email" />'
        '<textarea name="content" placeholder="Nội dung ý kiến"></textarea><button type="submit">Gửi ý kiến</button></form>'
        "<p><em>Ý kiến của bạn sẽ được biên tập trước khi đăng.</em></p></div>"
    )
    return _page(f"{title} - {SITE_NAME}", site, "old", content)


def render_new_article(article: Page, site: Page) -> str:
    """A 2026 article page (`/tin-tuc-su-kien/…`); `layout="new_en"` for the English edition."""
    en = article["layout"] == "new_en"
    title = encode_text(article["title"], article.get("encoding", "plain"))
    date = en_date_2026(article["date"]) if en else vi_date_2026(article["date"])
    meta = f'<span class="post-date"><i class="icon-clock"></i> {date}</span>'
    if article.get("views") is not None:
        label = "Views" if en else "Lượt xem"
        meta += f' <span class="post-views"><i class="icon-eye"></i> {label}: {thousands(article["views"])}</span>'
    related = "".join(f'<li><a href="{attr(h)}">{html.escape(t)}</a></li>' for t, h in article.get("related", ()))
    og = (
        f'<meta property="og:title" content="{attr(article["title"])}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{SITE_NAME}">\n'
    )
    content = (
        _crumbs(article["crumbs"], " / ", "Home" if en else "Trang chủ")
        + f'\n<article class="post-detail">\n<h1 class="post-title">{title}</h1>\n'
        f'<div class="post-meta">{meta}'
        ' <span class="post-share"><a href="javascript:void(0);" onclick="return shareFacebook();">Chia sẻ</a></span></div>\n'
        f'<div class="post-content">\n{body_html(article)}\n</div>\n'
        f'<div class="related-posts"><h3>{"Related news" if en else "Tin liên quan"}</h3><ul>{related}</ul></div>\n'
        "</article>"
    )
    return _page(f"{title} | {SITE_NAME}", site, "new", content, og)


def render_article(article: Page, site: Page) -> str:
    return render_old_article(article, site) if article["layout"] == "old" else render_new_article(article, site)


def render_static(page: Page, site: Page) -> str:
    """A static page of the old CMS (history, contacts): a title and text, no date, no counter."""
    paras = "\n".join(f'<p style="text-align: justify;">{encode_text(p)}</p>' for p in page["paragraphs"])
    content = (
        _crumbs(page["crumbs"], " &raquo; ")
        + f'\n<div class="content-detail">\n<h1 class="title-detail">{html.escape(page["title"])}</h1>\n'
        f'<div class="news-content">\n{paras}\n</div>\n</div>'
    )
    return _page(f"{html.escape(page['title'])} - {SITE_NAME}", site, "old", content)


def _pager(base: str, page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    sep = "&" if "?" in base else "?"

    def href(n: int) -> str:
        return base if n == 1 else f"{base}{sep}page={n}"

    parts = []
    if page > 1:
        parts.append(f'<a href="{attr(href(1))}">&laquo; Đầu</a><a href="{attr(href(page - 1))}">&lsaquo; Trước</a>')
    for n in range(1, pages + 1):
        parts.append(f'<span class="active">{n}</span>' if n == page else f'<a href="{attr(href(n))}">{n}</a>')
    if page < pages:
        parts.append(f'<a href="{attr(href(page + 1))}">Sau &rsaquo;</a><a href="{attr(href(pages))}">Cuối &raquo;</a>')
    return '<div class="pager">' + "".join(parts) + "</div>"


def render_listing(listing: Page, site: Page) -> str:
    """One page of a category listing. listing: layout, title, crumbs, base (URL of page 1),
    page, pages, items ([{title, href, thumb, date_text, summary}])."""
    old = listing["layout"] == "old"
    items = []
    for it in listing["items"]:
        href = ("{{ORIGIN}}" + it["href"]) if old else it["href"]
        items.append(
            f'<div class="item"><a href="{attr(href)}"><img src="{attr(it["thumb"])}" alt="{attr(it["title"])}" /></a>'
            f'<div class="info"><h3><a href="{attr(href)}">{html.escape(it["title"])}</a></h3>'
            f'<div class="date">{html.escape(it["date_text"])}</div><p>{html.escape(it["summary"])}</p></div></div>'
        )
    content = (
        _crumbs(listing["crumbs"], " &raquo; " if old else " / ")
        + f'\n<h1 class="title-detail">{html.escape(listing["title"])}</h1>\n'
        + '<div class="news-list">\n' + "\n".join(items) + "\n</div>\n"
        + _pager(listing["base"], listing["page"], listing["pages"])
    )
    return _page(f"{html.escape(listing['title'])} - {SITE_NAME}", site, "old" if old else "new", content)


def render_home(site: Page) -> str:
    """The home page: the menu (both layouts' listings) and the latest news."""
    latest = "".join(
        f'<div class="item"><h2><a href="{attr(h)}">{html.escape(t)}</a></h2></div>' for t, h in site.get("latest", ())
    )
    content = f'<h1 class="title-detail">Tin tức - Sự kiện</h1>\n<div class="news-list">{latest}</div>'
    return _page(f"{SITE_NAME} - Thai Nguyen University", site, "new", content)


def render_sitemap(site: Page) -> str:
    """The HTML site map of the old CMS (`/home/sitemap`): every listing again."""
    groups = "".join(
        f"<li>{html.escape(g['name'])}<ul>"
        + "".join(f'<li><a href="{attr(h)}">{html.escape(n)}</a></li>' for n, h in g["items"])
        + "</ul></li>"
        for g in site["menu"]
    )
    return _page(f"Sơ đồ website - {SITE_NAME}", site, "old", f'<h1 class="title-detail">Sơ đồ website</h1><ul>{groups}</ul>')


def render_offsite() -> str:
    """A page on the other host, linked from an article: a crawler must never fetch it."""
    return (
        _head("Bài viết trên trang khác")
        + '<body><h1>Bài viết trên trang khác</h1><p>Trang này thuộc một website khác; '
        "trình thu thập của ĐHTN không được tải nó.</p></body></html>\n"
    )

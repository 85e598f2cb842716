"""Generate the replica of a member school's ASP.NET (DotNetNuke) portal, and its ground truth.

    .venv/bin/python tests/site_dnn/build.py [--force-images]

A DotNetNuke portal with a news module, as Vietnamese schools ran them for years, and no entry in
any site profile: everything here is read by the generic rules.
Served by `crawler.replica.server.ReplicaServer(Path("tests/site_dnn"), host="127.0.0.4")`.

- one page script: a tab is `/Default.aspx?tabid=N`, an article `/Default.aspx?tabid=57&ArticleID=N`
  (its id in the query string), a news tab's pages `&page=2`; the whole page is one ASP.NET
  `<form>` (with `__VIEWSTATE`) in a table skin (left pane, content pane);
- robots.txt naming `/SiteMap.aspx` (served as XML, it lists the tabs only);
- an article: its title in `<h1 class="articleTitle">` (no Open Graph), an info line
  "Ngày đăng: 12/10/2026 08:30 | Người đăng: Name | Lượt truy cập: 1.234", the summary (the page's
  meta description) printed before the body, a `.Normal` body whose pictures have their captions
  in table cells (a caption row under the picture, or after a line break in the picture's own
  cell) or in the next centred `<em>` paragraph, a "Tin cùng chuyên mục" block after the body
  (and, in one article, pasted by the editor at the end of the body itself), the breadcrumb in
  the skin (`a.breadcrumb`), the portal's visitor counter "Số lượt truy cập: 2.345.678" in the
  left pane;
- a "Giới thiệu" tab (an HTML module) whose only dates are in its running text.

Writes (committed): www/, routes.json, expected.json (`articles`: every field of every article;
`not_articles`: every other page, each refused; `listings`; `sitemaps`), README.md.
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
    thousands,
    write_image,
    write_json,
    write_text,
)

SITE_NAME = "Trường Đại học Kinh tế và Quản trị Kinh doanh"
TABS = {57: "Tin tức - Sự kiện", 58: "Thông báo"}
ABOUT_TAB = 53
PER_PAGE = 2
IM = "/Portals/0/Images"
ROBOTS = (
    "User-agent: *\nDisallow: /admin/\nDisallow: /App_Browsers/\nDisallow: /App_Code/\nDisallow: /App_Data/\n"
    "Disallow: /bin/\nDisallow: /Components/\nDisallow: /Config/\nDisallow: /Install/\nDisallow: /Providers/\n"
    "Disallow: /Login.aspx\n\nSitemap: {{ORIGIN}}/SiteMap.aspx\n"
)

ARTICLES: list[dict[str, Any]] = [
    {
        "id": 1241, "tab": 57, "title": "Hội nghị khoa học quốc tế về Kinh tế số năm 2026",
        "date": "2026-10-12T08:30", "views": 1234, "author": "Trần Minh",
        "lead": "Ngày 12/10, nhà trường phối hợp với các đối tác quốc tế tổ chức Hội nghị khoa học quốc tế về Kinh tế số với chủ đề đổi mới sáng tạo và phát triển bền vững.",
        "varieties": ["article id in the query string", "'Lượt truy cập: 1.234'", "'Người đăng: …' in the info line",
                      "summary (= meta description) before the body",
                      "caption in the table row under the picture", "caption in the next centred <em> paragraph",
                      "'Tin cùng chuyên mục' block after the body"],
        "blocks": [
            p("Hội nghị thu hút hơn 150 nhà khoa học đến từ 12 quốc gia, với 96 bài tham luận được tuyển chọn đăng trong kỷ yếu có chỉ số ISBN."),
            img(f"{IM}/2026/10/hoi-nghi-kinh-te-so-1.jpg", seed=5101, style="table_row",
                alt="Phiên khai mạc Hội nghị", caption="Phiên khai mạc Hội nghị (Ảnh: Thanh Tùng)", credit="Thanh Tùng"),
            p("Các phiên thảo luận tập trung vào thương mại điện tử, tài chính số, chuyển đổi số trong doanh nghiệp nhỏ và vừa."),
            img(f"{IM}/2026/10/hoi-nghi-kinh-te-so-2.jpg", seed=5102, style="centred_em",
                alt="Đại biểu thảo luận", caption="Các đại biểu thảo luận tại phiên chuyên đề", credit=None),
            p("Hội nghị là dịp để nhà trường mở rộng hợp tác nghiên cứu và trao đổi giảng viên với các trường đối tác."),
        ],
    },
    {
        "id": 1236, "tab": 57, "title": "Sinh viên tham gia Ngày hội việc làm năm 2026",
        "date": "2026-10-03T14:00", "views": 987, "author": "Thu Hương",
        "lead": "Ngày hội việc làm năm 2026 của nhà trường thu hút hơn 60 doanh nghiệp với gần 2.000 vị trí tuyển dụng dành cho sinh viên.",
        "varieties": ["caption after a line break in the picture's own table cell", "'Lượt truy cập: 987'"],
        "blocks": [
            p("Sinh viên được tư vấn viết hồ sơ xin việc, phỏng vấn trực tiếp với nhà tuyển dụng và tham gia các buổi chia sẻ kỹ năng nghề nghiệp."),
            img(f"{IM}/2026/10/ngay-hoi-viec-lam.jpg", seed=5103, style="table_cell",
                alt="Sinh viên phỏng vấn", caption="Sinh viên phỏng vấn với nhà tuyển dụng. Ảnh: Thu Hương", credit="Thu Hương"),
            p("Nhiều sinh viên năm cuối đã nhận được thư mời thực tập và làm việc ngay tại ngày hội."),
        ],
    },
    {
        "id": 1229, "tab": 58, "title": "Thông báo kế hoạch học tập học kỳ 1 năm học 2026 – 2027",
        "date": "2026-09-25T09:15", "views": 4567, "author": "Phòng Đào tạo",
        "lead": "Phòng Đào tạo thông báo kế hoạch học tập học kỳ 1 năm học 2026 – 2027 đối với sinh viên đại học hệ chính quy.",
        "varieties": ["no image", "a unit as the poster", "'Lượt truy cập: 4.567'", "another tab (category)"],
        "blocks": [
            p("Sinh viên đăng ký học phần trực tuyến trên cổng thông tin đào tạo theo lịch của từng khóa, điều chỉnh đăng ký trong tuần đầu học kỳ."),
            p("Mọi thắc mắc sinh viên liên hệ Phòng Đào tạo, tầng 2 nhà điều hành, trong giờ hành chính."),
        ],
    },
    {
        "id": 1210, "tab": 57, "title": "Đoàn thanh niên tổ chức Hội trại truyền thống",
        "date": "2026-09-10T07:00", "views": 56, "author": "Thu Hương",
        "lead": "Hội trại truyền thống năm 2026 với chủ đề Tuổi trẻ sáng tạo đã diễn ra sôi nổi với sự tham gia của 40 chi đoàn.",
        "pasted_related": True,
        "varieties": ["on the news tab's second page (&page=2)", "'Tin cùng chuyên mục:' pasted at the end of the body",
                      "caption in the table row under the picture"],
        "blocks": [
            p("Các chi đoàn tham gia dựng trại, thi văn nghệ, đố vui truyền thống và các trò chơi dân gian trong hai ngày hội trại."),
            img(f"{IM}/2026/09/hoi-trai.jpg", seed=5104, style="table_row",
                alt="Trại của các chi đoàn", caption="Trại của các chi đoàn (Ảnh: Đoàn trường)", credit="Đoàn trường"),
            p("Ban tổ chức đã trao giải Nhất toàn đoàn cho Chi đoàn lớp K20 Kế toán."),
        ],
    },
]

ABOUT = {
    "title": "Giới thiệu",
    "paragraphs": [
        "Trường được thành lập ngày 09/7/2004 theo Quyết định số 136/2004/QĐ-TTg của Thủ tướng Chính phủ.",
        "Trải qua hơn 20 năm xây dựng và phát triển, nhà trường đã đào tạo hàng chục nghìn cử nhân, thạc sĩ và tiến sĩ kinh tế cho các tỉnh trung du và miền núi phía Bắc.",
        "Nhà trường hiện có 7 khoa, đào tạo 16 ngành trình độ đại học, 6 chuyên ngành thạc sĩ và 3 chuyên ngành tiến sĩ.",
    ],
}


# --- rendering ------------------------------------------------------------------------------


def url(a: dict[str, Any]) -> str:
    return f"/Default.aspx?tabid={a['tab']}&ArticleID={a['id']}"


def href(u: str) -> str:
    return u.replace("&", "&amp;")


def tab_url(tab: int, n: int = 1) -> str:
    return f"/Default.aspx?tabid={tab}" + (f"&page={n}" if n > 1 else "")


def printed_date(iso: str) -> str:
    d, t = iso.split("T")
    y, m, dd = d.split("-")
    return f"{dd}/{m}/{y} {t}"


def newest() -> list[dict[str, Any]]:
    return sorted(ARTICLES, key=lambda a: a["date"], reverse=True)


def head(title: str, description: str = "") -> str:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xml:lang="vi-VN" lang="vi-VN" xmlns="http://www.w3.org/1999/xhtml">\n<head id="Head">'
        '<meta content="text/html; charset=UTF-8" http-equiv="Content-Type" />\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta id="MetaDescription" name="DESCRIPTION" content="{esc(description or SITE_NAME)}" />\n'
        '<meta id="MetaKeywords" name="KEYWORDS" content="kinh tế, quản trị kinh doanh, Thái Nguyên" />\n'
        '<meta id="MetaGenerator" name="GENERATOR" content="DotNetNuke " />\n'
        '<meta id="MetaRobots" name="ROBOTS" content="INDEX, FOLLOW" />\n'
        '<link href="/Portals/_default/default.css?cdv=42" type="text/css" rel="stylesheet"/>\n'
        '<link href="/Portals/_default/Skins/TNU/skin.css?cdv=42" type="text/css" rel="stylesheet"/>\n'
        "</head>\n"
    )


def crumbs(trail: list[tuple[str, str]]) -> str:
    links = " › ".join(f'<a href="{href(u)}" class="breadcrumb">{esc(n)}</a>' for n, u in [("Trang chủ", "/")] + trail)
    return f'<div class="breadcrumb-bar">Bạn đang ở: <span id="dnn_dnnBreadcrumb_lblBreadCrumb">{links}</span></div>\n'


def left_pane() -> str:
    latest = "".join(
        f'<tr><td class="NormalSmall"><a href="{href(url(a))}" class="CommandButton">{esc(a["title"])}</a> '
        f'<span class="date">({printed_date(a["date"])[:10]})</span></td></tr>'
        for a in newest()[:3]
    )
    return (
        '<td id="dnn_LeftPane" class="LeftPane" valign="top" width="240">'
        '<div class="DnnModule DnnModule-NewsArticlesLatest DnnModule-601"><a name="601"></a>'
        '<div class="c_container"><div class="c_head"><h2 class="c_title"><span class="Head">Tin mới</span></h2></div>'
        f'<div class="c_content"><table class="latest" cellspacing="0" cellpadding="2">{latest}</table></div></div></div>'
        '<div class="DnnModule DnnModule-DNN_HTML DnnModule-602"><a name="602"></a>'
        '<div class="c_container"><div class="c_head"><h2 class="c_title"><span class="Head">Thống kê truy cập</span></h2></div>'
        '<div class="c_content"><div class="Normal">Đang trực tuyến: 31<br />Số lượt truy cập: 2.345.678</div></div></div></div>'
        "</td>\n"
    )


def page(title: str, module_title: str, content: str, trail: list[tuple[str, str]], action: str, description: str = "") -> str:
    menu = "".join(f'<li><a href="{href(u)}">{esc(n)}</a></li>' for n, u in
                   [("Trang chủ", "/"), ("Giới thiệu", tab_url(ABOUT_TAB))] + [(n, tab_url(t)) for t, n in TABS.items()])
    return (
        head(title, description) + '<body id="Body">\n'
        f'<form method="post" action="{href(action)}" id="Form" enctype="multipart/form-data">\n'
        '<div class="aspNetHidden"><input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />'
        '<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />'
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRkwd8Vd3+Fv2kqyZ1b3QCm6bY5q2o=" /></div>\n'
        "<script type=\"text/javascript\">\n//<![CDATA[\nvar theForm = document.forms['Form'];\nfunction __doPostBack(eventTarget, eventArgument) { theForm.submit(); }\n//]]>\n</script>\n"
        '<div id="skin_wrapper"><div id="skin_header">'
        f'<div class="logo"><a id="dnn_dnnLOGO_hypLogo" title="{SITE_NAME}" href="/"><img id="dnn_dnnLOGO_imgLogo" src="/Portals/0/logo-tueba.png" alt="{SITE_NAME}" style="border-width:0px;" /></a></div>'
        f'<div id="dnn_pnav" class="menu"><ul>{menu}</ul></div></div>\n'
        + crumbs(trail)
        + '<table class="skin_main" width="100%" cellspacing="0" cellpadding="0"><tr>\n' + left_pane()
        + '<td id="dnn_ContentPane" class="ContentPane" valign="top">'
        '<div class="DnnModule DnnModule-NewsArticles DnnModule-612"><a name="612"></a><div class="c_container">'
        f'<div class="c_head"><h2 class="c_title"><span id="dnn_ctr612_dnnTITLE_titleLabel" class="Head">{esc(module_title)}</span></h2></div>'
        f'<div id="dnn_ctr612_ContentPane" class="c_content"><div id="dnn_ctr612_ModuleContent" class="DNNModuleContent ModNewsArticlesC">\n{content}\n'
        "</div></div></div></div></td></tr></table>\n"
        '<div id="skin_footer"><div class="footer">'
        f"<p><b>{SITE_NAME.upper()}</b></p><p>Địa chỉ: Phường Tân Thịnh, tỉnh Thái Nguyên – Điện thoại: 0208 3647 685</p>"
        '<p>Copyright &copy; 2026 by TUEBA | <a id="dnn_dnnLOGIN_loginLink" class="SkinObject" rel="nofollow" href="/Login.aspx">Đăng nhập</a></p>'
        "</div></div></div>\n</form>\n</body>\n</html>\n"
    )


def image_html(im: dict[str, Any]) -> str:
    tag = f'<img alt="{esc(im["alt"])}" src="{im["src"]}" style="width: {im["width"]}px; height: {im["height"]}px;" />'
    cap = esc(im["caption"]) if im.get("caption") else ""
    if im["style"] == "table_row":
        return (
            '<table align="center" border="0" cellpadding="3" cellspacing="0" width="1"><tbody>'
            f"<tr><td>{tag}</td></tr>"
            f'<tr><td style="text-align: center;"><em>{cap}</em></td></tr></tbody></table>'
        )
    if im["style"] == "table_cell":
        return (
            '<table align="center" border="0" cellpadding="3" cellspacing="0"><tbody>'
            f'<tr><td align="center">{tag}<br /><em>{cap}</em></td></tr></tbody></table>'
        )
    return f'<p align="center">{tag}</p>\n<p align="center"><em>{cap}</em></p>'


def related(a: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in newest() if b["tab"] == a["tab"] and b is not a][:5]


def render_article(a: dict[str, Any]) -> str:
    body = []
    for block in a["blocks"]:
        body.append(image_html(block["img"]) if "img" in block else f'<p style="text-align: justify;">{esc(block["p"])}</p>')
    items = "".join(f'<li><a href="{href(url(b))}">{esc(b["title"])}</a> ({printed_date(b["date"])[:10]})</li>'
                    for b in related(a))
    if a.get("pasted_related") and items:
        body.append(f"<p><strong>Tin cùng chuyên mục:</strong></p><ul>{items}</ul>")
    after = f'<div class="articleRelated"><div class="relatedTitle">Tin cùng chuyên mục</div><ul>{items}</ul></div>' if items else ""
    content = (
        '<div class="article">'
        f'<h1 class="articleTitle">{esc(a["title"])}</h1>'
        f'<div class="articleInfo"><span class="date">Ngày đăng: {printed_date(a["date"])}</span> | '
        f'<span class="poster">Người đăng: {esc(a["author"])}</span> | '
        f'<span class="hits">Lượt truy cập: {thousands(a["views"])}</span></div>'
        f'<div class="articleSummary"><strong>{esc(a["lead"])}</strong></div>'
        '<div class="articleBody Normal">\n' + "\n".join(body) + "\n</div>"
        '<div class="articleTools"><a href="javascript:window.print()">In trang</a> | <a href="javascript:history.back()">Quay lại</a></div>'
        f"{after}</div>"
    )
    tab = TABS[a["tab"]]
    return page(a["title"], tab, content, [(tab, tab_url(a["tab"]))], url(a), a["lead"])


def listing_pages() -> list[tuple[str, str]]:
    out = []
    for tab, name in TABS.items():
        items = [a for a in newest() if a["tab"] == tab]
        pages = (len(items) + PER_PAGE - 1) // PER_PAGE
        for n in range(1, pages + 1):
            chunk = items[(n - 1) * PER_PAGE: n * PER_PAGE]
            cards = "".join(
                f'<div class="articleItem"><h3><a href="{href(url(a))}">{esc(a["title"])}</a></h3>'
                f'<div class="itemInfo">{printed_date(a["date"])} | Lượt truy cập: {thousands(a["views"])}</div>'
                f'<div class="itemSummary">{esc(a["lead"])}</div></div>'
                for a in chunk
            )
            pager = ""
            if pages > 1:
                links = " ".join(f'<span class="current">{k}</span>' if k == n else f'<a href="{href(tab_url(tab, k))}">{k}</a>'
                                 for k in range(1, pages + 1))
                nxt = f' <a href="{href(tab_url(tab, n + 1))}">Trang sau</a>' if n < pages else ""
                pager = f'<div class="pager">Trang: {links}{nxt}</div>'
            out.append((tab_url(tab, n), page(name, name, f'<div class="articleList">{cards}</div>{pager}', [(name, tab_url(tab))], tab_url(tab, n))))
    return out


def render_home() -> str:
    cards = "".join(
        f'<div class="articleItem"><h3><a href="{href(url(a))}">{esc(a["title"])}</a></h3>'
        f'<div class="itemInfo">{printed_date(a["date"])[:10]}</div><div class="itemSummary">{esc(a["lead"])}</div></div>'
        for a in newest()[:3]
    )
    return page(SITE_NAME, "Tin nổi bật", f'<div class="articleList">{cards}</div>', [], "/")


def render_about() -> str:
    paras = "".join(f"<p>{esc(t)}</p>" for t in ABOUT["paragraphs"])
    content = f'<div id="dnn_ctr600_HtmlModule_lblContent" class="Normal">{paras}</div>'
    return page(f"{ABOUT['title']} - {SITE_NAME}", ABOUT["title"], content, [(ABOUT["title"], tab_url(ABOUT_TAB))], tab_url(ABOUT_TAB))


def sitemap() -> str:
    urls = "".join(
        f"<url><loc>{{{{ORIGIN}}}}{href(u)}</loc><changefreq>daily</changefreq><priority>0.5</priority></url>"
        for u in ["/", tab_url(ABOUT_TAB)] + [tab_url(t) for t in TABS]
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'


# --- ground truth and writing --------------------------------------------------------------


def expected_entry(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": nfc(a["title"]),
        "published_at": a["date"] + ":00+07:00",
        "published_text": printed_date(a["date"]),
        "views": a["views"],
        "author": nfc(a["author"]),
        "category": nfc(TABS[a["tab"]]),
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
    write_image(www, "/Portals/0/logo-tueba.png", 5190, 200, 60, force_images)
    listings = listing_pages()
    for u, text in listings:
        write_text(www, u, text)
    write_text(www, "/", render_home())
    write_text(www, tab_url(ABOUT_TAB), render_about())
    write_text(www, "/robots.txt", ROBOTS)
    write_text(www, "/SiteMap.aspx", sitemap())
    write_json(out / "routes.json", {"redirects": {}, "fail_once": {}, "content_types": {"/SiteMap.aspx": "text/xml; charset=utf-8"}})
    expected = {
        "articles": {url(a): expected_entry(a) for a in ARTICLES},
        "listings": [u for u, _ in listings],
        "not_articles": ["/"] + [u for u, _ in listings] + [tab_url(ABOUT_TAB)],
        "static_pages": [tab_url(ABOUT_TAB)],
        "sitemaps": ["/SiteMap.aspx"],
    }
    write_json(out / "expected.json", expected)
    others = ["`/` home page (cards)"] + [f"`{u}` news tab (cards)" for u, _ in listings]
    others += [f"`{tab_url(ABOUT_TAB)}` static page (HTML module); its only dates are in its running text"]
    others += ["`/robots.txt` -> `/SiteMap.aspx` (XML: the tabs)"]
    (out / "README.md").write_text(readme(__doc__, [{**a, "path": url(a)} for a in ARTICLES], others), encoding="utf-8")
    return expected


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    e = write_site(HERE, ap.parse_args().force_images)
    print(f"build: {len(e['articles'])} articles, {len(e['not_articles'])} pages that are no articles")

"""Generate the replica of tnu.edu.vn served by `crawler.replica` and its ground truth.

    .venv/bin/python tests/site/build.py [--force-images]

Writes (all committed):
  www/            the site's own host: pages, images, robots.txt (a URL's query is part of the
                  file name: `/news/x.html?page=2` -> `www/news/x.html__page=2`, see crawler/replica.py)
  _other/         the "other host" (images hot-linked from elsewhere, an off-site page)
  routes.json     what static files cannot say: 301 redirects, pages that answer 500 once
  expected.json   the ground truth every extraction and end-to-end test asserts against

Data (ARTICLES, STATIC_PAGES, categories) lives here; the HTML lives in layouts.py. Images are
drawn once with Pillow and kept: existing image files are not rewritten (their bytes are part
of the fixtures) unless --force-images.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layouts  # noqa: E402

from crawler.replica import file_for  # noqa: E402  (one mapping for the writer and the server)

HERE = Path(__file__).resolve().parent
WWW = HERE / "www"
OTHER = HERE / "_other"
OLD_PER_PAGE = 3
NEW_PER_PAGE = 4

# --- categories ----------------------------------------------------------------------------
# Old CMS: /news/<cat>[/<sub>].html; crumbs are what the breadcrumb shows (last = category).
OLD_ROOT = ("Tin tức - Sự kiện", "/news/tin-tuc-su-kien.html")
OLD_CATS = {
    "dang": ("Hoạt động Đảng, Đoàn thể", "/news/tin-tuc-su-kien/hoat-dong-dang-doan-the.html"),
    "khcn": ("Khoa học và Công nghệ", "/news/tin-tuc-su-kien/khoa-hoc-va-cong-nghe.html"),
    "daotao": ("Đào tạo", "/news/dao-tao.html"),
}
# 2026: /tin-tuc-su-kien.html?categoryId=<n>
NEW_ROOT = ("Tin tức - Sự kiện", "/tin-tuc-su-kien.html")
NEW_CATS = {
    "tonghop": ("Tin tổng hợp", "/tin-tuc-su-kien.html?categoryId=1"),
    "daotao": ("Đào tạo", "/tin-tuc-su-kien.html?categoryId=3"),
    "khcn": ("Khoa học - Công nghệ", "/tin-tuc-su-kien.html?categoryId=5"),
    "htqt": ("Hợp tác quốc tế", "/tin-tuc-su-kien.html?categoryId=7"),
}
EN_ROOT = ("News & Events", "/en/tin-tuc-su-kien.html")


def old_crumbs(cat: str) -> list[tuple[str, str]]:
    name, href = OLD_CATS[cat]
    return [OLD_ROOT, (name, href)] if href.startswith(OLD_ROOT[1][:-5] + "/") else [(name, href)]


def new_crumbs(cat: str) -> list[tuple[str, str]]:
    return [NEW_ROOT, NEW_CATS[cat]]


def img(src: str, *, seed: int, w: int = 600, h: int = 400, **kw: Any) -> dict[str, Any]:
    """An image block; `seed` draws its picture, `status=404` leaves the file absent."""
    return {"img": {"src": src, "seed": seed, "width": w, "height": h, **kw}}


def p(text: str) -> dict[str, str]:
    return {"p": text}


# --- articles ------------------------------------------------------------------------------
SEED_PATH = "/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"

ARTICLES: list[dict[str, Any]] = [
    {
        # The seed article, word for word (tests/../shared/seed/000_7eb5ce8c7b2191ef.txt).
        "layout": "old",
        "path": SEED_PATH,
        "title": "Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020",
        "date": "2020-07-15",
        "views": 550,
        "author": "Thanh Loan – TNU Media",
        "cat": "dang",
        "varieties": ["seed", "caption as the next paragraph", "byline", "alt = file name"],
        "blocks": [
            p("Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết 6 tháng đầu năm 2020. Tham dự Hội nghị có đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban Tuyên giáo Tỉnh ủy và đại diện lãnh đạo các phòng chuyên môn của Ban (ảnh dưới)."),
            img("/Uploads/images/2020/07/15-7-2020-TG-1.jpg", seed=1, alt="15-7-2020-TG-1.jpg",
                caption="Đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban Tuyên giáo Tỉnh ủy phát biểu chỉ đạo tại Hội nghị (ảnh: Nguyễn Thanh Hà)",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("Cụm thi đua số 2 ngành tuyên giáo gồm 07 đơn vị: Đảng ủy Công an tỉnh, Đảng ủy Đại học Thái Nguyên, Đảng ủy Khối các cơ quan tỉnh, Đảng ủy Bộ chỉ huy quân sự tỉnh, Đảng ủy Bệnh viện Trung ương Thái Nguyên, Đảng ủy Công ty Cổ phần Kim loại màu Thái Nguyên – Vimico và Đảng ủy Công ty Cổ phần Gang thép."),
            p("Nhìn chung, 6 tháng đầu năm, công tác tuyên giáo của các đơn vị trong Cụm thi đua đã bám sát kế hoạch đề ra, đồng thời nhận được sự chỉ đạo sát sao của các cấp ủy các đơn vị và Ban Tuyên giáo Tỉnh ủy, hoạt động tuyên giáo đã góp phần đắc lực cho việc phục vụ nhiệm vụ chính trị của các đơn vị, tham mưu tốt cho cấp ủy triển khai các nghị quyết, chỉ thị của Đảng, duy trì tốt các mặt hoạt động theo chức năng nhiệm vụ của từng đơn vị. Phương pháp làm việc có những bước đổi mới, đội ngũ cán bộ làm công tác tuyên giáo đã nỗ lực hoàn thành tốt các nhiệm vụ được giao. Những kết quả đạt được trong công tác tuyên giáo của các đơn vị trong Cụm đã góp phần tích cực trong công tác xây dựng Đảng, xây dựng lực lượng, củng cố hệ thống chính trị, đảm bảo an ninh chính trị, phát triển kinh tế - xã hội ở địa phương."),
            img("/Uploads/images/2020/07/15-7-2020-TG-2.jpg", seed=2, alt="15-7-2020-TG-2.jpg",
                caption="Đoàn thăm và tặng quà gia đình ông Nguyễn Trọng Tòa – Phường Gia Sàng, Tp. Thái Nguyên, sinh năm 1936, thương binh 4/4 (ảnh: Nguyễn Thanh Hà).",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("6 tháng cuối năm 2020, các đơn vị trong Cụm thi đua xác định 05 nhiệm vụ trọng tâm, bao gồm: Một là, tiếp tục tham mưu tổ chức các hoạt động tuyên truyền, triển khai, tổng kết các nghị quyết, chỉ thị của Đảng, chính sách pháp luật của Nhà nước. Đặc biệt là đẩy mạnh tuyên truyền Đại hội đảng bộ các cấp, Đại hội đại biểu Đảng bộ tỉnh Thái Nguyên lần thứ XX tiến tới Đại hội đại biểu toàn quốc lần thứ XIII của Đảng. Hai là, tiếp tục chỉ đạo, thực hiện có hiệu quả Chỉ thị số 05 của Bộ Chính trị về đẩy mạnh việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh gắn với thực hiện Nghị quyết Hội nghị lần thứ tư, Ban Chấp hành TW Đảng (khóa XII). Ba là, thực hiện tốt các hoạt động tuyên truyền các sự kiện chính trị, kỷ niệm các ngày lễ lớn của đất nước, địa phương, đơn vị; tổ chức các hoạt động kỷ niệm 90 năm truyền thống ngành Tuyên giáo của Đảng Cộng sản; các hoạt động tình nghĩa; giao lưu văn hóa, văn nghệ giữa các đơn vị trong Cụm. Bốn là, thực hiện tốt công tác tuyên truyền, định hướng dư luận xã hội, gắn với công tác giáo dục truyền thông cách mạng, đạo đức, lối sống của cán bộ, đảng viên và nhân dân, tạo sự thống nhất cao trong Đảng và nhân dân; chủ động tham mưu với cấp ủy để chỉ đạo giải quyết những vấn đề nổi cộm, bức xúc trong cơ quan, đơn vị và nhân dân. Năm là, tiếp tục triển khai thực hiện Đề án số 04-ĐA/TU, ngày 10/10/2016 của Tỉnh ủy Thái Nguyên về “Tăng cường công tác nghiên cứu, biên soạn; tuyên truyền, giáo dục lịch sử truyền thống cách mạng, lịch sử đảng bộ địa phương cho cán bộ, đảng viên và nhân dân tỉnh Thái Nguyên, giai đoạn 2016 – 2020”."),
            img("/Uploads/images/2020/07/15-7-2020-TG-3.jpg", seed=3, alt="15-7-2020-TG-3.jpg",
                caption="Đoàn dâng hương tại Khu di tích lịch sử 915 (ảnh: Nguyễn Thanh Hà)",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("Trước đó, nhân dịp Kỷ niệm 73 năm Ngày Thương binh - Liệt sĩ (27/7/1947-27/7/2020) đại diện Ban tuyên giáo các đơn vị thuộc Cụm thi đua số 2 đã tổ chức dâng hương tại Khu Di tích Lịch sử Quốc gia địa điểm lưu niệm 60 TNXP Đại đội 915, Đội 91 Bắc Thái và tặng quà tri ân 03 gia đình chính sách và người có công tại Phường Gia Sàng, Tp. Thái Nguyên./."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1",
        "title": "Đại học Thái Nguyên triển khai nhiệm vụ năm 2026",
        "date": "2026-02-23T09:15",
        "views": 2045,
        "author": "Minh Đức",
        "cat": "tonghop",
        "varieties": ["2026 layout", "figure/figcaption", "caption 'Ảnh: …' as a line of its own",
                      "Lượt xem: 2.045", "date with time"],
        "blocks": [
            p("Sáng ngày 23/2, Đại học Thái Nguyên (ĐHTN) tổ chức Hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026. Tham dự Hội nghị có lãnh đạo ĐHTN, lãnh đạo các trường đại học thành viên, các đơn vị trực thuộc và đông đảo cán bộ, giảng viên."),
            img("/uploads/2026/02/hoi-nghi-trien-khai-nhiem-vu-2026-1.jpg", seed=11, w=800, h=533,
                alt="Giám đốc Đại học Thái Nguyên phát biểu tại Hội nghị",
                caption="Giám đốc Đại học Thái Nguyên phát biểu tại Hội nghị. Ảnh: Minh Đức",
                credit="Minh Đức", style="figure"),
            p("Năm 2025, ĐHTN đã hoàn thành toàn diện các nhiệm vụ trọng tâm: quy mô đào tạo tiếp tục được giữ vững với hơn 100.000 người học; số công bố quốc tế trong danh mục Scopus tăng 18% so với năm trước; nhiều chương trình đào tạo được kiểm định theo tiêu chuẩn khu vực và quốc tế."),
            p("Phát biểu chỉ đạo, Giám đốc ĐHTN đề nghị các đơn vị tập trung đổi mới chương trình đào tạo theo hướng tiếp cận năng lực, đẩy mạnh chuyển đổi số trong quản trị đại học, nâng cao chất lượng nghiên cứu khoa học và mở rộng hợp tác quốc tế."),
            img("/uploads/2026/02/hoi-nghi-trien-khai-nhiem-vu-2026-2.jpg", seed=12, w=800, h=533,
                alt="Các đại biểu tham dự Hội nghị",
                caption="Ảnh: Minh Đức", credit="Minh Đức", style="own_line"),
            p("Dịp này, ĐHTN đã khen thưởng 25 tập thể và 48 cá nhân có thành tích xuất sắc trong thực hiện nhiệm vụ năm học 2024 – 2025."),
        ],
    },
]

STATIC_PAGES: list[dict[str, Any]] = []


# --- ground truth --------------------------------------------------------------------------

def real_src(image: dict[str, Any]) -> str:
    """The URL an archivist wants: the widest srcset candidate, else the (lazy) source."""
    if image.get("srcset"):
        return max(image["srcset"], key=lambda c: c[1])[0]
    return image["src"]


def expected_entry(article: dict[str, Any]) -> dict[str, Any]:
    nfc = lambda s: unicodedata.normalize("NFC", s) if s is not None else None  # noqa: E731
    images = []
    for block in article["blocks"]:
        if "img" not in block:
            continue
        im = block["img"]
        images.append({
            "src": real_src(im),
            "caption": nfc(im.get("caption")),
            "alt": im.get("alt"),
            "credit": im.get("credit"),
            "status": im.get("status", 200),
        })
    entry = {
        "title": nfc(article["title"]),
        "published_at": article["date"] if len(article["date"]) == 10 else article["date"] + ":00+07:00",
        "published_text": layouts.published_text(article),
        "views": article.get("views"),
        "author": nfc(article.get("author")),
        "category": article["crumbs"][-1][0],
        "body_text": "\n\n".join(nfc(b["p"]) for b in article["blocks"] if "p" in b),
        "images": images,
    }
    if article.get("redirect_from"):
        entry["redirect_from"] = list(article["redirect_from"])
    return entry


# --- images --------------------------------------------------------------------------------


def draw(seed: int, w: int, h: int, fmt: str) -> bytes:
    """A small picture unique to `seed`: a gradient, a few shapes and its number."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    c1 = tuple(rnd.randrange(256) for _ in range(3))
    c2 = tuple(rnd.randrange(256) for _ in range(3))
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / max(h - 1, 1)
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(c1, c2)))
    for _ in range(6):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        r = rnd.randrange(max(w, h) // 12, max(w, h) // 4)
        color = tuple(rnd.randrange(256) for _ in range(3))
        (d.ellipse if rnd.random() < 0.5 else d.rectangle)([x0 - r, y0 - r // 2, x0 + r, y0 + r // 2], fill=color)
    d.text((10, 10), f"TNU replica #{seed} {w}x{h}", fill=(255, 255, 255))
    buf = BytesIO()
    if fmt == "png":
        im.quantize(32).save(buf, "PNG", optimize=True)
    else:
        im.save(buf, "JPEG", quality=60, optimize=True)
    return buf.getvalue()


def write_image(root: Path, src: str, seed: int, w: int, h: int, force: bool) -> None:
    target = root / src.lstrip("/")
    if target.exists() and not force:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = "png" if src.lower().endswith(".png") else "jpeg"
    target.write_bytes(draw(seed, w, h, fmt))


def image_files(article: dict[str, Any]) -> list[tuple[Path, str, int, int, int]]:
    """(root, src, seed, w, h) of every file an article's images need."""
    out = []
    for block in article["blocks"]:
        im = block.get("img")
        if not im or im.get("status", 200) != 200:
            continue
        cands = im.get("srcset") or [(im["src"], im["width"])]
        for url, width in cands:
            root, path = (OTHER, url.removeprefix("{{OTHER_ORIGIN}}")) if url.startswith("{{OTHER_ORIGIN}}") else (WWW, url)
            height = round(im["height"] * width / im["width"])
            out.append((root, path, im.get("bytes_seed", im["seed"]) + (0 if width == im["width"] else width), width, height))
    return out


# --- site ------------------------------------------------------------------------------------


def listing_url(base: str, page: int) -> str:
    if page == 1:
        return base
    return f"{base}{'&' if '?' in base else '?'}page={page}"


def item_for(article: dict[str, Any], href: str) -> dict[str, str]:
    thumb = next(
        (real_src(b["img"]) for b in article["blocks"] if "img" in b and b["img"].get("status", 200) == 200),
        "/Content/images/no-image.png",
    )
    first = next(b["p"] for b in article["blocks"] if "p" in b)
    summary = unicodedata.normalize("NFC", first)
    if len(summary) > 180:
        summary = summary[:180].rsplit(" ", 1)[0] + "…"
    return {"title": unicodedata.normalize("NFC", article["title"]), "href": href,
            "thumb": thumb, "date_text": layouts.published_text(article), "summary": summary}


def listings(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every listing page (pagination included), each with its items, newest first."""
    groups: list[tuple[str, str, list[tuple[str, str]], int, list[dict[str, str]]]] = []
    newest = sorted(articles, key=lambda a: a["date"], reverse=True)
    # Old CMS: the root lists every old article, and an old URL for articles moved to the new site.
    old_items = [(a, a.get("old_href", a["path"])) for a in newest if a["layout"] == "old" or a.get("old_href")]
    groups.append(("old", OLD_ROOT[0], [OLD_ROOT], OLD_PER_PAGE, [item_for(a, h) for a, h in old_items]))
    for key, (name, href) in OLD_CATS.items():
        items = [item_for(a, h) for a, h in old_items if a.get("old_cat", a["cat"]) == key]
        groups.append(("old", name, old_crumbs(key), OLD_PER_PAGE, items))
    new_items = [a for a in newest if a["layout"] == "new" and not a.get("old_href")]
    groups.append(("new", NEW_ROOT[0], [NEW_ROOT], NEW_PER_PAGE, [item_for(a, a["path"]) for a in new_items]))
    for key in NEW_CATS:
        items = [item_for(a, a["path"]) for a in new_items if a["cat"] == key]
        groups.append(("new", NEW_CATS[key][0], new_crumbs(key), NEW_PER_PAGE, items))
    en = [item_for(a, a["path"]) for a in newest if a["layout"] == "new_en"]
    groups.append(("new", EN_ROOT[0], [EN_ROOT], NEW_PER_PAGE, en))
    out = []
    for layout, title, crumbs, per_page, items in groups:
        if not items:
            continue
        pages = (len(items) + per_page - 1) // per_page
        base = crumbs[-1][1]
        for n in range(1, pages + 1):
            out.append({"layout": layout, "title": title, "crumbs": crumbs, "base": base, "page": n,
                        "pages": pages, "url": listing_url(base, n),
                        "items": items[(n - 1) * per_page: n * per_page]})
    return out


def site_context(articles: list[dict[str, Any]], listing_pages: list[dict[str, Any]]) -> dict[str, Any]:
    """What every page's furniture shows: the menu and the latest news."""
    bases = {lp["base"] for lp in listing_pages}
    new_group = [NEW_ROOT] + [c for c in NEW_CATS.values() if c[1] in bases]
    old_group = [OLD_ROOT] + [c for c in OLD_CATS.values() if c[1] in bases]
    latest = sorted((a for a in articles if a["layout"] != "new_en" and not a.get("old_href")),
                    key=lambda a: a["date"], reverse=True)[:5]
    return {
        "menu": [
            {"name": "Giới thiệu", "items": [(s["title"], s["path"]) for s in STATIC_PAGES]
             + [("Sơ đồ website", "/home/sitemap")]},
            {"name": "Tin tức - Sự kiện", "items": new_group},
            {"name": "Lưu trữ tin 2019 - 2021", "items": old_group},
            {"name": "English", "items": [EN_ROOT] if EN_ROOT[1] in bases else []},
        ],
        "latest": [(unicodedata.normalize("NFC", a["title"]), a["path"]) for a in latest],
    }


FURNITURE_IMAGES = {  # path: (seed, w, h)
    "/Content/images/logo.png": (901, 96, 90),
    "/Content/images/header-bg.png": (902, 400, 118),
    "/Content/images/video-thumb.png": (903, 280, 160),
    "/Content/images/fb-share.png": (904, 24, 24),
    "/Content/images/tw-share.png": (905, 24, 24),
    "/Content/images/print.png": (906, 24, 24),
    "/Content/images/no-image.png": (907, 180, 120),
}

ROBOTS = "User-agent: *\nDisallow: /account/\nDisallow: /news/search\n"
OTHER_ROBOTS = "User-agent: *\nDisallow:\n"
OFFSITE_PAGE = "/tin-tuc-su-kien/bai-viet-tren-trang-khac.html"


def write_text(root: Path, url: str, text: str) -> None:
    target = root / file_for(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_furniture_images(force: bool) -> None:
    from PIL import Image

    for path, (seed, w, h) in FURNITURE_IMAGES.items():
        write_image(WWW, path, seed, w, h, force)
    gif = WWW / layouts.PLACEHOLDER_GIF.lstrip("/")
    if force or not gif.exists():
        buf = BytesIO()
        Image.new("P", (1, 1), 0).save(buf, "GIF", transparency=0)
        gif.write_bytes(buf.getvalue())
    ico = WWW / "favicon.ico"
    if force or not ico.exists():
        buf = BytesIO()
        Image.open(BytesIO(draw(908, 32, 32, "png"))).save(buf, "ICO", sizes=[(32, 32)])
        ico.write_bytes(buf.getvalue())


def clean_text_files(root: Path) -> None:
    """Drop generated pages (not images: their bytes are fixtures) so removed pages disappear."""
    if not root.exists():
        return
    for f in root.rglob("*"):
        if f.is_file() and f.suffix.lower() not in {".jpg", ".jpeg", ".png", ".gif", ".ico"}:
            f.unlink()


def main(force_images: bool = False) -> None:
    articles = ARTICLES
    for a in articles:
        a["crumbs"] = old_crumbs(a["cat"]) if a["layout"] == "old" else (
            [EN_ROOT] if a["layout"] == "new_en" else new_crumbs(a["cat"]))
    listing_pages = listings(articles)
    site = site_context(articles, listing_pages)
    for a in articles:  # "Tin khác" / "Tin liên quan": three neighbours of the same layout
        peers = [b for b in articles if b is not a and b["layout"] == a["layout"] and not b.get("old_href")]
        a["related"] = [(unicodedata.normalize("NFC", b["title"]), b["path"]) for b in peers[:3]]

    clean_text_files(WWW)
    clean_text_files(OTHER)
    for a in articles:
        write_text(WWW, a["path"], layouts.render_article(a, site))
        for root, src, seed, w, h in image_files(a):
            write_image(root, src, seed, w, h, force_images)
        for shared in a.get("same_bytes", ()):  # the same picture published under another URL
            src, dup = shared
            target = WWW / dup.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(WWW / src.lstrip("/"), target)
    for page in STATIC_PAGES:
        page["crumbs"] = [("Giới thiệu", "/home/sitemap"), (page["title"], page["path"])]
        write_text(WWW, page["path"], layouts.render_static(page, site))
    for lp in listing_pages:
        write_text(WWW, lp["url"], layouts.render_listing(lp, site))
    write_text(WWW, "/", layouts.render_home(site))
    write_text(WWW, "/home/sitemap", layouts.render_sitemap(site))
    write_text(WWW, "/robots.txt", ROBOTS)
    write_furniture_images(force_images)

    write_text(OTHER, "/robots.txt", OTHER_ROBOTS)
    write_text(OTHER, OFFSITE_PAGE, layouts.render_offsite())

    redirects = {old: {"status": 301, "location": a["path"]} for a in articles for old in a.get("redirect_from", ())}
    flaky = [a["path"] for a in articles if a.get("fail_once")]
    routes = {
        "redirects": redirects,
        "fail_once": {path: 500 for path in flaky},
    }
    (HERE / "routes.json").write_text(json.dumps(routes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    expected = {
        "articles": {a["path"]: expected_entry(a) for a in articles},
        "listings": [lp["url"] for lp in listing_pages],
        "not_articles": [s["path"] for s in STATIC_PAGES],
        "forbidden": ["/account/login?returnUrl=%2F", "/account/dang-nhap", "/news/search",
                      "{{OTHER_ORIGIN}}" + OFFSITE_PAGE],
        "flaky": flaky,
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"build: {len(articles)} articles, {len(listing_pages)} listing pages, "
          f"{len(STATIC_PAGES)} static pages -> {WWW.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    main(ap.parse_args().force_images)

"""Large replica sites for the benchmarks: N articles with the live site's page weight.

Pages are rendered by the bundled replica's own templates (tests/site/build.py and layouts.py),
so a benchmark crawls the HTML the tests crawl, only more of it and heavier:
- every HTML page is padded to a size drawn between 60 and 120 KB, with the furniture that makes
  the live site's pages that heavy: a footer of document links and inline widget scripts;
- every article shows 2–4 images, each with bytes of its own (a few pictures drawn once, each
  copy made unique by a JPEG comment segment: valid images, distinct sha256, no redrawing);
- listings show 15 (old CMS) or 12 (2026) articles a page, as the live site does (the bundled
  replica shows 3/4 so that a handful of articles still exercises pagination);
- every article is older than the crawler's refresh window (REFRESH_DAYS, 30 days), so a second
  crawl of an unchanged site measures the incremental walk alone.

    .venv/bin/python -m benchmarks.sitegen OUT_DIR --articles 2000

The folder is served by `crawler.replica.server` like the bundled one (`python -m crawler.replica.server
--site-dir OUT_DIR`).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import shutil
import struct
import sys
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SITE_SRC = Path(__file__).resolve().parent.parent / "tests" / "site"
sys.path.insert(0, str(SITE_SRC))
import build  # noqa: E402  (the bundled replica's generator: templates, listings, ground truth)

from crawler.replica.server import QUERY_SEP  # noqa: E402

PAGE_MIN_BYTES = 60_000
PAGE_MAX_BYTES = 120_000
OLD_PER_PAGE = 15
NEW_PER_PAGE = 12
# Newest article this many days before today: well outside REFRESH_DAYS (30).
NEWEST_AGE_DAYS = 120

# Pictures drawn once per site (width, height); every image of an article is one of them plus a
# unique comment segment.
BASE_SIZES = ((800, 533), (600, 400), (640, 427), (720, 480))

_AUTHORS = (
    "Thanh Loan – TNU Media",
    "Minh Đức",
    "Hồng Nhung",
    "Thu Hằng",
    "Văn Quyết",
    "Minh Tuấn",
    "Hải Yến",
    "Phương Thảo",
    "Thu Trang",
    "TNU Media",
    "Ban Đào tạo",
    "Nguyễn Thanh Hà",
)
_PHOTOGRAPHERS = (
    "Nguyễn Thanh Hà",
    "Minh Đức",
    "Thu Hằng",
    "Văn Quyết",
    "TNU Media",
    "Hải Yến",
    "Đoàn Thanh niên ĐHTN",
    "Phương Thảo",
)
_EVENTS = (
    "Hội nghị tổng kết công tác",
    "Hội thảo khoa học quốc gia về",
    "Lễ khai giảng",
    "Lễ trao bằng tốt nghiệp",
    "Tọa đàm",
    "Hội nghị triển khai nhiệm vụ",
    "Lễ ký kết hợp tác về",
    "Ngày hội việc làm",
    "Tập huấn",
    "Hội thi",
    "Lễ công bố quyết định về",
    "Đoàn công tác làm việc về",
    "Chương trình trao đổi sinh viên về",
    "Hội nghị phổ biến văn bản về",
    "Giải thể thao",
)
_TOPICS = (
    "chuyển đổi số",
    "đào tạo sau đại học",
    "nghiên cứu khoa học",
    "hợp tác quốc tế",
    "tuyển sinh",
    "kiểm định chất lượng",
    "công tác sinh viên",
    "y tế học đường",
    "nông nghiệp công nghệ cao",
    "hóa học xanh",
    "giáo dục quốc phòng",
    "khởi nghiệp đổi mới sáng tạo",
    "thư viện số",
    "phát triển bền vững",
    "văn hóa các dân tộc",
    "trí tuệ nhân tạo",
    "năng lượng tái tạo",
    "an toàn thông tin",
    "ngoại ngữ",
    "công tác Đảng",
)
_UNITS = (
    "Trường Đại học Kỹ thuật Công nghiệp",
    "Trường Đại học Sư phạm",
    "Trường Đại học Y - Dược",
    "Trường Đại học Nông Lâm",
    "Trường Đại học Kinh tế và Quản trị Kinh doanh",
    "Trường Đại học Khoa học",
    "Trường Đại học Công nghệ Thông tin và Truyền thông",
    "Trường Ngoại ngữ",
    "Trường Quốc tế",
    "Phân hiệu ĐHTN tại tỉnh Lào Cai",
    "Phân hiệu ĐHTN tại tỉnh Hà Giang",
    "Đại học Thái Nguyên",
)
_DOCS = (
    "Quyết định ban hành quy chế đào tạo",
    "Thông báo tuyển sinh",
    "Kế hoạch tổ chức thi",
    "Hướng dẫn thực hiện",
    "Công văn về việc",
    "Danh sách trúng tuyển",
    "Biểu mẫu đăng ký",
    "Thông báo lịch công tác tuần",
    "Quy định về",
    "Báo cáo tổng kết",
)


@dataclass
class SiteInfo:
    """What a generated site holds (paths are paths with query, as in expected.json)."""

    out: Path
    articles: list[str]
    listings: list[str]
    images: int
    html_pages: int
    html_bytes: int


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text)[:70].strip("-")


def _sentences() -> list[str]:
    """Real sentences of the bundled replica's articles: the vocabulary of the generated ones."""
    out = []
    for article in build.ARTICLES:
        for block in article["blocks"]:
            if "p" in block and article["layout"] != "new_en":
                text = unicodedata.normalize("NFC", block["p"])
                out += [s.strip() + "." for s in re.split(r"(?<=[.;])\s+", text) if len(s.strip()) > 30]
    return sorted(set(s.rstrip(".") + "." for s in out))


def _unique_jpeg(base: bytes, tag: str) -> bytes:
    """`base` with a COM segment right after SOI: the same picture, bytes (and sha256) of its own."""
    payload = f"tnu-bench {tag}".encode()
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + base[2:]


def make_articles(n: int, seed: int = 0, today: date | None = None) -> list[dict[str, Any]]:
    """`n` article dicts (the shape of build.ARTICLES), half per layout, each with 2–4 images."""
    rnd = random.Random(seed)
    sentences = _sentences()
    newest = (today or date.today()) - timedelta(days=NEWEST_AGE_DAYS)
    old_span = (date(2019, 1, 1), date(2021, 12, 31))
    new_span = (date(2022, 1, 1), max(newest, date(2022, 6, 30)))
    articles = []
    for i in range(n):
        layout = "old" if i % 2 == 0 else "new"
        lo, hi = old_span if layout == "old" else new_span
        day = lo + timedelta(days=rnd.randrange((hi - lo).days + 1))
        title = f"{rnd.choice(_EVENTS)} {rnd.choice(_TOPICS)} tại {rnd.choice(_UNITS)} năm {day.year} (số {i + 1})"
        slug = slugify(title)
        if layout == "old":
            cat = rnd.choice(list(build.OLD_CATS))
            path = f"/{slug}-dn{10000 + i}.html"
            when = day.isoformat()
            upload = f"/Uploads/images/{day.year}/{day.month:02d}"
        else:
            cat = rnd.choice(list(build.NEW_CATS))
            category_id = build.NEW_CATS[cat][1].rsplit("=", 1)[1]
            path = f"/tin-tuc-su-kien/{slug}-{i}.html?categoryId={category_id}"
            when = f"{day.isoformat()}T{rnd.randrange(7, 18):02d}:{rnd.choice((0, 15, 30, 45)):02d}"
            upload = f"/uploads/{day.year}/{day.month:02d}"
        paragraphs = [" ".join(rnd.sample(sentences, rnd.randint(2, 5))) for _ in range(rnd.randint(4, 9))]
        n_images = rnd.randint(2, 4)
        slots = sorted(rnd.sample(range(1, len(paragraphs) + 1), min(n_images, len(paragraphs))))
        blocks: list[dict[str, Any]] = []
        for k, para in enumerate(paragraphs):
            blocks.append(build.p(para))
            if k + 1 in slots:
                blocks.append(_image(rnd, layout, upload, i, len([b for b in blocks if "img" in b])))
        articles.append(
            {
                "layout": layout,
                "path": path,
                "title": title,
                "date": when,
                "views": None if rnd.random() < 0.05 else rnd.randint(20, 20000),
                "author": None if rnd.random() < 0.1 else rnd.choice(_AUTHORS),
                "cat": cat,
                # The old CMS's habits, in the proportions an archive of it meets them.
                "encoding": rnd.choices(("plain", "entities", "nfd"), (85, 10, 5))[0] if layout == "old" else "plain",
                "blocks": blocks,
            }
        )
    return articles


def _image(rnd: random.Random, layout: str, upload: str, article: int, k: int) -> dict[str, Any]:
    base = rnd.randrange(len(BASE_SIZES))
    w, h = BASE_SIZES[base]
    who = rnd.choice(_PHOTOGRAPHERS)
    scene = f"{rnd.choice(_EVENTS)} {rnd.choice(_TOPICS)}"
    if layout == "old":
        style = rnd.choice(("next_p", "next_p", "table"))
        caption = f"{scene} (ảnh: {who})"
        extra = {}
    else:
        style = rnd.choice(("figure", "figure", "own_line"))
        caption = f"{scene}. Ảnh: {who}" if style == "figure" else f"Ảnh: {who}"
        extra = {"lazy": True} if rnd.random() < 0.3 else {}
    return build.img(
        f"{upload}/bench-{article}-{k}.jpg",
        seed=base,
        w=w,
        h=h,
        alt=scene,
        caption=caption,
        credit=who,
        style=style,
        **extra,
    )


@contextmanager
def _live_site_pagination() -> Iterator[None]:
    """The bundled generator's listings, with the live site's number of articles a page."""
    saved = build.OLD_PER_PAGE, build.NEW_PER_PAGE
    build.OLD_PER_PAGE, build.NEW_PER_PAGE = OLD_PER_PAGE, NEW_PER_PAGE
    try:
        yield
    finally:
        build.OLD_PER_PAGE, build.NEW_PER_PAGE = saved


def base_picture(seed: int, w: int, h: int) -> bytes:
    """The replica's drawing with photographic grain: 40–70 KB, as a web-sized news photo weighs
    (the plain drawing compresses to 6 KB, which would flatter every byte-bound step)."""
    from PIL import Image

    drawing = Image.open(io.BytesIO(build.draw(seed, w, h, "jpeg"))).convert("RGB")
    grain = Image.effect_noise((w, h), 30).convert("RGB")
    buf = io.BytesIO()
    Image.blend(drawing, grain, 0.25).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def _write_images(www: Path, articles: list[dict[str, Any]]) -> int:
    bases = [base_picture(900 + i, w, h) for i, (w, h) in enumerate(BASE_SIZES)]
    count = 0
    for article in articles:
        for block in article["blocks"]:
            im = block.get("img")
            if im:
                target = www / im["src"].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_unique_jpeg(bases[im["seed"]], im["src"]))
                count += 1
    return count


def padding(rnd: random.Random, size: int) -> str:
    """About `size` bytes of what makes the live pages heavy: document links and widget scripts."""
    parts = ['<div class="footer-docs"><h4>Văn bản mới</h4><ul>']
    scripts = ["<script>window.tnuWidgets=window.tnuWidgets||[];"]
    total = 0
    n = 0
    while total < size:
        n += 1
        if rnd.random() < 0.6:
            day = date(2019, 1, 1) + timedelta(days=rnd.randrange(2800))
            doc = f"{rnd.choice(_DOCS)} {rnd.choice(_TOPICS)} – {rnd.choice(_UNITS)}"
            item = (
                f'<li><a href="/van-ban/{rnd.randrange(10**6)}-{slugify(doc)}.pdf" title="{doc}">{doc}</a>'
                f' <span class="date">{day:%d/%m/%Y}</span></li>'
            )
            parts.append(item)
        else:
            item = (
                f'tnuWidgets.push({{id:"w{n}",type:"{rnd.choice(("banner", "video", "poll", "gallery"))}",'
                f'src:"/Content/banners/{rnd.randrange(10**5)}.jpg",title:"{rnd.choice(_TOPICS)}",'
                f'weight:{rnd.random():.4f},start:"2025-{rnd.randint(1, 12):02d}-01",lazy:true}});'
            )
            scripts.append(item)
        total += len(item.encode())
    return "".join(parts) + "</ul></div>\n" + "".join(scripts) + "</script>\n"


def _pad_pages(www: Path, seed: int) -> tuple[int, int]:
    """Pad every HTML page of `www` to its drawn size; (pages, bytes) afterwards."""
    pages = total = 0
    for f in sorted(www.rglob("*")):
        name = f.name.split(QUERY_SEP, 1)[0]
        if not f.is_file() or (("." in name) and not name.endswith(".html")) or name == "robots.txt":
            continue
        page = f.read_bytes()
        rel = str(f.relative_to(www))
        rnd = random.Random(zlib.crc32(rel.encode()) ^ seed)
        target = rnd.randint(PAGE_MIN_BYTES + 2_000, PAGE_MAX_BYTES - 2_000)
        if len(page) < target:
            extra = padding(rnd, target - len(page) - 200).encode()
            page = page.replace(b"</body>", extra + b"</body>", 1)
            f.write_bytes(page)
        pages += 1
        total += len(page)
    return pages, total


def generate_site(out: Path, n_articles: int, seed: int = 0, today: date | None = None) -> SiteInfo:
    """Write a replica of `n_articles` articles into `out` (replaced if it exists)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "www").mkdir(parents=True)
    articles = make_articles(n_articles, seed, today)
    images = _write_images(out / "www", articles)
    with _live_site_pagination():
        expected = build.write_site(out, articles, build.STATIC_PAGES, readme=False)
    pages, total = _pad_pages(out / "www", seed)
    return SiteInfo(
        out=out,
        articles=list(expected["articles"]),
        listings=expected["listings"],
        images=images,
        html_pages=pages,
        html_bytes=total,
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sitegen", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    info = generate_site(args.out, args.articles, args.seed)
    print(
        f"{len(info.articles)} articles, {len(info.listings)} listing pages, {info.images} images, "
        f"{info.html_pages} HTML pages averaging {info.html_bytes / max(info.html_pages, 1) / 1000:.0f} KB "
        f"-> {info.out}"
    )


if __name__ == "__main__":
    main()

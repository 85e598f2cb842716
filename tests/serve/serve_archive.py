"""A small archive for the `serve` tests, written by the real store (archive.store.Archive).

Three crawl runs observe the articles, as cron would: view counters grow from run to run, one
run ends in `drift`. Two sites, registered from their shipped profiles as a crawl registers
them: `tnu` (articles A-D, crawled by every run; its layout drifted in the second) and `tnue`
(article E, crawled from the second run on, ok each time). Chosen so that pages have known answers:
- "Đại học Thái Nguyên" is in the title of article B and the body of article A, nowhere else;
- article A (the seed page) has three pictures, credited "Nguyễn Thanh Hà", two of them also
  referenced from its body_html (one by a relative URL, one percent-encoded);
- article C's only picture failed to download;
- article E, the other site's, has no picture and two view counts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw

from archive.record import Article, ImageRef
from archive.store import Archive
from crawler.sites import packaged

BASE = "https://tnu.edu.vn"
OTHER_BASE = "https://tnue.edu.vn"
SITE, OTHER_SITE = "tnu", "tnue"


def picture(color: tuple[int, int, int], fmt: str, size: tuple[int, int] = (160, 100)) -> bytes:
    """A real image file: a coloured card with a diagonal, so screenshots show something."""
    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).line((0, 0, *size), fill=(255, 255, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


SEED_BODY = (
    "Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết 6 tháng đầu "
    "năm 2020.\n\n"
    "Cụm thi đua số 2 ngành tuyên giáo gồm 07 đơn vị: Đảng ủy Công an tỉnh, Đảng ủy Đại học Thái "
    "Nguyên, Đảng ủy Khối các cơ quan tỉnh."
)
TG1 = f"{BASE}/Uploads/news/15-7-2020-TG-1.jpg"
TG2 = f"{BASE}/Uploads/news/15-7-2020 TG-2.png"  # a space: the page percent-encodes it
TG3 = f"{BASE}/Uploads/news/15-7-2020-TG-3.jpg"
GRAD = f"{BASE}/Uploads/news/tot-nghiep-2021.jpg"
FAILED = f"{BASE}/Uploads/news/hoi-thao-404.jpg"

ARTICLE_A = Article(
    url=f"{BASE}/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn1001.html",
    title="Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020",
    published_at="2020-07-15",
    published_text="Đăng ngày: 15-07-2020",
    views=550,
    body_text=SEED_BODY,
    body_html=(
        "<p>Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết 6 tháng "
        "đầu năm 2020.</p>"
        '<p><img src="/Uploads/news/15-7-2020-TG-1.jpg" alt="15-7-2020-TG-1.jpg"></p>'
        "<p>Cụm thi đua số 2 ngành tuyên giáo gồm 07 đơn vị: Đảng ủy Công an tỉnh, Đảng ủy Đại học "
        "Thái Nguyên, Đảng ủy Khối các cơ quan tỉnh.</p>"
        f'<p><img src="{BASE}/Uploads/news/15-7-2020%20TG-2.png" alt="TG-2"></p>'
        # Not among the article's images and never downloaded: must not be fetched from the site.
        f'<p><img src="{BASE}/Uploads/banner.gif" alt="banner"></p>'
    ),
    author="Thanh Loan – TNU Media",
    category="Tin tức - Sự kiện",
    images=(
        ImageRef(
            0,
            TG1,
            "Đồng chí Hoàng Anh Trung phát biểu tại Hội nghị (ảnh: Nguyễn Thanh Hà)",
            "15-7-2020-TG-1.jpg",
            "Nguyễn Thanh Hà",
        ),
        ImageRef(
            1, TG2, "Đoàn thăm và tặng quà gia đình thương binh (ảnh: Nguyễn Thanh Hà)", "TG-2", "Nguyễn Thanh Hà"
        ),
        ImageRef(
            2,
            TG3,
            "Đoàn dâng hương tại Khu di tích lịch sử 915 (ảnh: Nguyễn Thanh Hà)",
            "15-7-2020-TG-3.jpg",
            "Nguyễn Thanh Hà",
        ),
    ),
)
ARTICLE_B = Article(
    url=f"{BASE}/dai-hoc-thai-nguyen-trao-bang-tot-nghiep-nam-2021-dn1002.html",
    title="Đại học Thái Nguyên trao bằng tốt nghiệp năm 2021",
    published_at="2021-06-20",
    published_text="Đăng ngày: 20-06-2021",
    views=1200,
    body_text="Sáng 20/6, hơn 2.000 tân cử nhân nhận bằng tốt nghiệp.",
    body_html="<p>Sáng 20/6, hơn 2.000 tân cử nhân nhận bằng tốt nghiệp.</p>",
    author="Minh Đức – TNU Media",
    category="Đào tạo",
    images=(ImageRef(0, GRAD, "Tân cử nhân trong lễ tốt nghiệp (Ảnh: Trần Minh Đức)", None, "Trần Minh Đức"),),
)
ARTICLE_C = Article(
    url=f"{BASE}/tin-tuc-su-kien/hoi-thao-nong-nghiep-cong-nghe-cao.html?categoryId=12",
    title="Hội thảo khoa học về nông nghiệp công nghệ cao",
    published_at="2026-02-23T09:15:00+07:00",
    published_text="23/02/2026 09:15",
    views=80,
    body_text="Trường Nông Lâm tổ chức hội thảo về nông nghiệp công nghệ cao.",
    body_html="<p>Trường Nông Lâm tổ chức hội thảo về nông nghiệp công nghệ cao.</p>",
    category="Khoa học và Công nghệ",
    images=(ImageRef(0, FAILED, "Toàn cảnh hội thảo", None, None),),
)
ARTICLE_D = Article(
    url=f"{BASE}/thong-bao-lich-nghi-tet-dn1004.html",
    title="Thông báo lịch nghỉ Tết",
    published_at="2021-01-30",
    published_text="Đăng ngày: 30-01-2021",
    body_text="Cán bộ, sinh viên nghỉ Tết từ ngày 8/2.",
    body_html="<p>Cán bộ, sinh viên nghỉ Tết từ ngày 8/2.</p>",
    category="Thông báo",
)
ARTICLES = (ARTICLE_A, ARTICLE_B, ARTICLE_C, ARTICLE_D)
ARTICLE_E = Article(
    url=f"{OTHER_BASE}/tin-tuc/le-khai-giang-nam-hoc-moi.html",
    title="Lễ khai giảng năm học mới của Trường Sư phạm",
    published_at="2026-02-10T08:00:00+07:00",
    published_text="10/02/2026 08:00",
    body_text="Sáng 10/2, nhà trường chào đón khóa học viên mới.",
    body_html="<p>Sáng 10/2, nhà trường chào đón khóa học viên mới.</p>",
    category="Tin tức",
)
OTHER_ARTICLES = (ARTICLE_E,)

PICTURES = {
    TG1: picture((200, 30, 30), "JPEG"),
    TG2: picture((30, 160, 30), "PNG"),
    TG3: picture((30, 30, 200), "JPEG"),
    GRAD: picture((220, 180, 0), "JPEG", (120, 90)),
}

# (fetched_at, final status of the run, each site's status, views per article url); the last
# run's views are current, and a run's status is the worst of its sites'.
RUNS = [
    ("2026-01-05T02:00:00+00:00", "ok", {SITE: "ok"}, {ARTICLE_A.url: 500, ARTICLE_B.url: 1000}),
    (
        "2026-02-05T02:00:00+00:00",
        "drift",
        {SITE: "drift", OTHER_SITE: "ok"},
        {ARTICLE_A.url: 530, ARTICLE_B.url: 1100, ARTICLE_E.url: 40},
    ),
    (
        "2026-03-05T02:00:00+00:00",
        "ok",
        {SITE: "ok", OTHER_SITE: "ok"},
        {ARTICLE_A.url: 550, ARTICLE_B.url: 1200, ARTICLE_C.url: 80, ARTICLE_D.url: None, ARTICLE_E.url: 75},
    ),
]


@dataclass(frozen=True)
class TestArchive:
    db_path: Path
    images_dir: Path

    __test__ = False  # a data holder, not a test class


def build_archive(root: Path) -> TestArchive:
    """Write the archive under `root` as three crawls would, through the real store."""
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    by_url = {a.url: a for a in (*ARTICLES, *OTHER_ARTICLES)}
    profiles = packaged()
    with Archive(db_path, images_dir) as archive:
        for fetched_at, status, site_status, views in RUNS:
            sites = [profiles.get(name) for name in site_status]
            run_id = archive.start_run([url for site in sites for url in site.start_urls], {"DOWNLOAD_DELAY": 1})
            for site in sites:
                archive.register_site(site.name, site.title, list(site.hosts), site.digest, fetched_at)
            for url, count in views.items():
                article = replace(by_url[url], views=count)
                raw = f"<html><body><h1>{article.title}</h1></body></html>".encode()
                archive.log_fetch(
                    run_id, url=url, final_url=url, kind="page", status=200, error=None, body=raw, fetched_at=fetched_at
                )
                archive.save_article(
                    article,
                    run_id=run_id,
                    fetched_at=fetched_at,
                    raw_html=raw,
                    encoding="utf-8",
                    site=profiles.of(url).name,
                )
                for ref in article.images:
                    if ref.src_url not in PICTURES:
                        archive.record_image_failure(
                            ref.src_url, status=404, error="http_404", at=fetched_at, run_id=run_id
                        )
                    elif archive.image_for_url(ref.src_url) is None:
                        archive.store_image(
                            run_id, ref.src_url, PICTURES[ref.src_url], status=200, fetched_at=fetched_at
                        )
            for name, outcome in site_status.items():
                own = [url for url in views if profiles.of(url).name == name]
                archive.record_run_site(
                    run_id,
                    name,
                    status=outcome,
                    exit_code=3 if outcome == "drift" else 0,
                    counts={"pages": len(own), "articles_unchanged": len(own)},
                    errors={},
                    fill_rates={},
                    problems=[],
                )
            archive.finish_run(
                run_id,
                status=status,
                exit_code=3 if status == "drift" else 0,
                counts={},
                errors={},
                fill_rates={},
                problems=[],
            )
    return TestArchive(db_path, images_dir)

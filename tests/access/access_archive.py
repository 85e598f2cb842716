"""A small, real archive for the access-layer tests: Vietnamese articles, image files, counters.

The articles are modelled on the seed page (`Sơ kết công tác tuyên giáo…`, photos credited
`(ảnh: Nguyễn Thanh Hà)`) and chosen so that searches have known answers:
- "Đại học Thái Nguyên" appears in articles 1 and 2 (article 1 in its body, 2 in its title);
- article 3 mentions "Đại học" but not "Thái Nguyên", article 4 "Thái Nguyên" but not "Đại học";
- "Nguyễn Thanh Hà" appears only in captions of article 1.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from archive.record import Article, ImageRef
from archive.store import Archive
from crawler.sites import packaged

BASE = "https://tnu.edu.vn"
# The site's row as a crawl writes it, from the shipped profile.
TNU = packaged().get("tnu")
SITE_TITLE = TNU.title


def image_bytes(color: tuple[int, int, int], fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


SEED_BODY = (
    "Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết 6 tháng đầu "
    "năm 2020. Tham dự Hội nghị có đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban "
    "Tuyên giáo Tỉnh ủy và đại diện lãnh đạo các phòng chuyên môn của Ban (ảnh dưới).\n\n"
    "Cụm thi đua số 2 ngành tuyên giáo gồm 07 đơn vị: Đảng ủy Công an tỉnh, Đảng ủy Đại học Thái "
    "Nguyên, Đảng ủy Khối các cơ quan tỉnh, Đảng ủy Bộ chỉ huy quân sự tỉnh, Đảng ủy Bệnh viện "
    "Trung ương Thái Nguyên, Đảng ủy Công ty Cổ phần Kim loại màu Thái Nguyên – Vimico và Đảng ủy "
    "Công ty Cổ phần Gang thép.\n\n"
    "Trước đó, nhân dịp Kỷ niệm 73 năm Ngày Thương binh - Liệt sĩ (27/7/1947-27/7/2020) đại diện "
    "Ban tuyên giáo các đơn vị thuộc Cụm thi đua số 2 đã tổ chức dâng hương tại Khu Di tích Lịch "
    "sử Quốc gia địa điểm lưu niệm 60 TNXP Đại đội 915."
)

IMAGES = {
    "tg1": image_bytes((200, 30, 30)),
    "tg2": image_bytes((30, 200, 30), "JPEG"),
    "tg3": image_bytes((30, 30, 200)),
    "grad": image_bytes((240, 240, 0), "JPEG", (12, 9)),
}

ARTICLES = [
    Article(
        url=f"{BASE}/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn1001.html",
        title="Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020",
        published_at="2020-07-15",
        published_text="Đăng ngày: 15-07-2020",
        views=550,
        body_text=SEED_BODY,
        body_html="<p>" + SEED_BODY.replace("\n\n", "</p><p>") + "</p>",
        author="Thanh Loan – TNU Media",
        category="Tin tức - Sự kiện",
        images=(
            ImageRef(
                0,
                f"{BASE}/Uploads/news/15-7-2020-TG-1.jpg",
                "Đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban Tuyên giáo Tỉnh ủy "
                "phát biểu chỉ đạo tại Hội nghị (ảnh: Nguyễn Thanh Hà)",
                "15-7-2020-TG-1.jpg",
                "Nguyễn Thanh Hà",
            ),
            ImageRef(
                1,
                f"{BASE}/Uploads/news/15-7-2020-TG-2.jpg",
                "Đoàn thăm và tặng quà gia đình ông Nguyễn Trọng Tòa – Phường Gia Sàng, Tp. "
                "Thái Nguyên, sinh năm 1936, thương binh 4/4 (ảnh: Nguyễn Thanh Hà).",
                "15-7-2020-TG-2.jpg",
                "Nguyễn Thanh Hà",
            ),
            ImageRef(
                2,
                f"{BASE}/Uploads/news/15-7-2020-TG-3.jpg",
                "Đoàn dâng hương tại Khu di tích lịch sử 915 (ảnh: Nguyễn Thanh Hà)",
                "15-7-2020-TG-3.jpg",
                "Nguyễn Thanh Hà",
            ),
        ),
    ),
    Article(
        url=f"{BASE}/dai-hoc-thai-nguyen-trao-bang-tot-nghiep-nam-2021-dn1002.html",
        title="Đại học Thái Nguyên trao bằng tốt nghiệp năm 2021",
        published_at="2021-06-20",
        published_text="Đăng ngày: 20-06-2021",
        views=1200,
        body_text="Sáng 20/6, hơn 2.000 tân cử nhân nhận bằng tốt nghiệp.\n\n"
        "Buổi lễ diễn ra trang trọng tại hội trường lớn.",
        body_html="<p>Sáng 20/6, hơn 2.000 tân cử nhân nhận bằng tốt nghiệp.</p>"
        "<p>Buổi lễ diễn ra trang trọng tại hội trường lớn.</p>",
        author="Minh Đức – TNU Media",
        category="Đào tạo",
        images=(
            ImageRef(
                0,
                f"{BASE}/Uploads/news/tot-nghiep-2021.jpg",
                "Tân cử nhân trong lễ tốt nghiệp (Ảnh: Trần Minh Đức)",
                "tot-nghiep-2021.jpg",
                "Trần Minh Đức",
            ),
            # The same bytes under a second URL: one file, two rows.
            ImageRef(1, f"{BASE}/Uploads/news/tot-nghiep-2021-copy.jpg", None, None, None),
        ),
    ),
    Article(
        url=f"{BASE}/tin-tuc-su-kien/hoi-thao-nong-nghiep-cong-nghe-cao.html?categoryId=12",
        title="Hội thảo khoa học về nông nghiệp công nghệ cao",
        published_at="2026-02-23T09:15:00+07:00",
        published_text="23/02/2026 09:15",
        views=80,
        body_text="Trường Đại học Nông Lâm tổ chức hội thảo về nông nghiệp công nghệ cao.",
        body_html="<p>Trường Đại học Nông Lâm tổ chức hội thảo về nông nghiệp công nghệ cao.</p>",
        author=None,
        category="Khoa học và Công nghệ",
        images=(
            # Its download failed: a row without bytes.
            ImageRef(0, f"{BASE}/Uploads/news/hoi-thao-404.jpg", "Toàn cảnh hội thảo", None, None),
        ),
    ),
    Article(
        url=f"{BASE}/thong-bao-lich-nghi-tet-dn1004.html",
        title="Thông báo lịch nghỉ Tết",
        published_at="2021-01-30",
        published_text="Đăng ngày: 30-01-2021",
        views=None,
        body_text="Cán bộ, sinh viên tại Thái Nguyên nghỉ Tết từ ngày 8/2.",
        body_html="<p>Cán bộ, sinh viên tại Thái Nguyên nghỉ Tết từ ngày 8/2.</p>",
        author=None,
        category="Thông báo",
        images=(),
    ),
]

# src_url -> image key; a URL missing here failed to download.
DOWNLOADS = {
    ARTICLES[0].images[0].src_url: "tg1",
    ARTICLES[0].images[1].src_url: "tg2",
    ARTICLES[0].images[2].src_url: "tg3",
    ARTICLES[1].images[0].src_url: "grad",
    ARTICLES[1].images[1].src_url: "grad",
}

# Each crawl observes the counters again; the last observation is articles.views.
OBSERVATIONS = [
    ("2026-01-05T02:00:00+00:00", {0: 500, 1: 1000}),
    ("2026-02-05T02:00:00+00:00", {0: 530, 1: 1100}),
    ("2026-03-05T02:00:00+00:00", {0: 550, 1: 1200, 2: 80, 3: None}),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_archive(root: Path) -> tuple[Path, Path]:
    """The test archive, written by the real store: each article saved once per observation of
    its counter (as successive crawls would), images downloaded, one download failing."""
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    with Archive(db_path, images_dir) as archive:
        # As a crawl does: the site's row from its profile, each article saved as that site's.
        archive.register_site(
            TNU.name, TNU.title, list(TNU.hosts), None, OBSERVATIONS[0][0], TNU.title_en, TNU.home, TNU.language
        )
        for seen_at, views_by_index in OBSERVATIONS:
            for index, views in views_by_index.items():
                article = replace(ARTICLES[index], views=views)
                html = f"<html><body><h1>{article.title}</h1></body></html>".encode()
                archive.save_article(
                    article, run_id=None, fetched_at=seen_at, raw_html=html, encoding="utf-8", site="tnu"
                )
                for ref in article.images:
                    key = DOWNLOADS.get(ref.src_url)
                    if key is None:
                        archive.record_image_failure(ref.src_url, status=404, error="http_404", at=seen_at)
                    elif archive.image_for_url(ref.src_url) is None:
                        archive.store_image(None, ref.src_url, IMAGES[key], status=200, fetched_at=seen_at)
    return db_path, images_dir


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: object) -> CliResult:
    """The `tnu-archive` command in this process (click's runner: real parsing, real exit codes,
    separate stdout and stderr), without paying an interpreter start per call."""
    from click.testing import CliRunner

    from crawler.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="tnu-archive")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def run_installed(*args: object) -> subprocess.CompletedProcess[str]:
    """The installed `tnu-archive` entry point, as a user runs it."""
    script = Path(sys.executable).with_name("tnu-archive")
    return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True, timeout=120)


def save_news(
    archive: Archive,
    site: str,
    url: str,
    title: str,
    run_id: int | None = None,
    views: int | None = None,
    *,
    at: str = "2026-03-01T02:00:00Z",
) -> None:
    """One plain article of `site` (its text the title), as a crawl at `at` stores it."""
    article = Article(
        url=url,
        title=title,
        published_at="2026-02-20",
        published_text="20/02/2026",
        body_text=f"{title}.",
        body_html=f"<p>{title}.</p>",
        category="Tin tức",
        views=views,
    )
    archive.save_article(article, run_id=run_id, fetched_at=at, site=site)

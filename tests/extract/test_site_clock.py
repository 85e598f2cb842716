"""A site's clock and language are its profile's: saved replica pages read by profiles in other
time zones (an operator's tnu-archive.toml, loaded as `crawl` loads it), the date each rule
reads moved to that clock, and nothing else changed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from crawler.extract.article import read_article
from crawler.replica.server import read_page
from crawler.sites import load

from .conftest import EXPECTED, page_bytes, page_url

TESTS = Path(__file__).resolve().parents[1]
# Printed "Thứ Hai, 23/02/2026 - 09:15" (winter) and "Thứ Tư, 15/09/2021 - 08:00" (summer in Paris).
WINTER = "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1"
SUMMER = "/tin-tuc-su-kien/le-khai-giang-nam-hoc-2021-2022.html?categoryId=3"
DAY_ONLY = "/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"
CMS_ORIGIN = "http://127.0.0.9:8000"


def sites_of(tmp_path: Path, toml: str):
    (tmp_path / "tnu-archive.toml").write_text(toml, encoding="utf-8")
    return load(tmp_path / "tnu.sqlite")


def test_the_university_site_read_on_another_clock_moves_its_printed_times_only(tmp_path):
    paris = sites_of(tmp_path, '[sites.tnu]\ntimezone = "Europe/Paris"\n').get("tnu")
    assert paris.timezone == "Europe/Paris"
    for path, iso in (
        (WINTER, "2026-02-23T09:15:00+01:00"),
        (SUMMER, "2021-09-15T08:00:00+02:00"),
        (DAY_ONLY, "2020-07-15"),  # a day alone is the same day on any clock
    ):
        shipped = read_article(page_bytes(path), page_url(path), site=load(tmp_path / "none" / "x.sqlite").get("tnu"))
        moved = read_article(page_bytes(path), page_url(path), site=paris)
        assert shipped.article.published_at == EXPECTED["articles"][path]["published_at"]
        assert moved.article.published_at == iso
        # the same line printed it, read by the same rule; every other field is the same
        assert moved.article.published_text == shipped.article.published_text
        assert moved.sources == shipped.sources
        assert replace(moved.article, published_at=None) == replace(shipped.article, published_at=None)


def test_a_new_profile_on_another_clock_reads_a_cms_replica_there(tmp_path):
    toml = (
        "[sites.abroad]\n"
        f'hosts = ["{CMS_ORIGIN.removeprefix("http://")}"]\n'
        'timezone = "America/New_York"\n'
        'language = "en"\n'
    )
    abroad = sites_of(tmp_path, toml).of(CMS_ORIGIN + "/")
    assert abroad.name == "abroad" and abroad.language == "en"

    # NukeViet prints "Thứ hai - 12/10/2026 08:30" and nothing machine-readable: New York's 08:30
    nukeviet = TESTS / "site_nukeviet"
    path = "/vi/news/tin-hoat-dong/hoi-nghi-khoa-hoc-nong-nghiep-cong-nghe-cao-nam-2026-1532.html"
    html = read_page(path, CMS_ORIGIN, "http://localhost:1", nukeviet)
    article = read_article(html, CMS_ORIGIN + path, site=abroad).article
    assert article.published_at == "2026-10-12T08:30:00-04:00"
    assert article.published_text == "Thứ hai - 12/10/2026 08:30"

    # WordPress gives the instant with its offset (<time datetime="…+07:00">): it is kept on any clock
    wordpress = TESTS / "site_wordpress"
    path = "/2026/10/12/le-khai-giang-nam-hoc-2026-2027/"
    html = read_page(path, CMS_ORIGIN, "http://localhost:1", wordpress)
    reading = read_article(html, CMS_ORIGIN + path, site=abroad)
    assert reading.article.published_at == "2026-10-12T08:30:00+07:00"
    assert reading.sources["published_at"] == "generic:time"

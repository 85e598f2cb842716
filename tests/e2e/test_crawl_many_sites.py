"""Many sites in one crawl: every site's robots.txt `Sitemap:` line is followed, however many
start pages the crawl has.

Scrapy reads a host's robots.txt before its first page and tells the spider (`robots_parsed`);
the spider asks for the sitemaps it names. It reads start() lazily, a start page at a time with
a turn of the event loop between two, so with a dozen sites the first hosts' robots.txt are read
while start() is still handing out the others' start pages. The spider was not ready for that
(its sitemap switch was set after the last start page): the sitemaps of all but the first few
sites of a 20-site crawl were never asked for (found by the many-hosts benchmark,
benchmarks/manyhosts.py).
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pytest
from e2e_support import FAST, run_cli

from crawler.replica.server import ReplicaServer

SITES = 12  # the first hosts' robots.txt came back before start() reached the sixth start page
ROOMY = ("--set", "CONCURRENT_REQUESTS=64")
ROBOTS = "User-agent: *\nDisallow: /account/\n\nSitemap: {{ORIGIN}}/news-sitemap.xml\n"
HOME = (
    "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Trang chủ</title></head>"
    "<body><h1>Trường</h1><ul><li><a href='/tin-tuc/hoi-nghi-123.html'>Hội nghị khoa học</a></li></ul>"
    "</body></html>"
)
ARTICLE = (
    "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Hội nghị khoa học</title>"
    "<meta property='og:title' content='Hội nghị khoa học'>"
    "<meta property='article:published_time' content='2026-03-02T08:30:00+07:00'></head>"
    "<body><article><h1>Hội nghị khoa học</h1><p class='date'>Đăng ngày: 02/03/2026 08:30</p>"
    + "".join(
        f"<p>Sáng nay, hội nghị khoa học thường niên lần thứ {k} của trường đã diễn ra với sự tham gia của "
        "đông đảo giảng viên, sinh viên và các nhà khoa học trong và ngoài nước.</p>"
        for k in range(1, 6)
    )
    + "</article></body></html>"
)
SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>{{ORIGIN}}/tin-tuc/hoi-nghi-123.html</loc></url></urlset>"
)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    site = folder / "site"
    (site / "www").mkdir(parents=True)
    (site / "_other").mkdir()
    (site / "www" / "index.html").write_text(HOME, encoding="utf-8")
    (site / "www" / "robots.txt").write_text(ROBOTS, encoding="utf-8")
    (site / "www" / "news-sitemap.xml").write_text(SITEMAP, encoding="utf-8")
    (site / "www" / "tin-tuc").mkdir()
    (site / "www" / "tin-tuc" / "hoi-nghi-123.html").write_text(ARTICLE, encoding="utf-8")
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ReplicaServer(site, host=f"127.0.0.{40 + k}")) for k in range(SITES)]
        starts = [arg for server in servers for arg in ("--start-url", server.url)]
        db = folder / "tnu.sqlite"
        result = run_cli("crawl", *starts, "--db", str(db), "--images-dir", str(folder / "images"), *FAST, *ROOMY)
        yield result, {urlsplit(server.url).netloc: [r.path for r in server.requests] for server in servers}


def test_every_site_is_crawled(night):
    result, requests = night
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Error caught on signal handler" not in result.stderr
    for host, paths in requests.items():
        assert "/" in paths, host


def test_every_sites_robots_sitemap_is_asked_for(night):
    _, requests = night
    missed = sorted(host for host, paths in requests.items() if "/news-sitemap.xml" not in paths)
    assert not missed, f"the sitemap named by robots.txt was never asked of {len(missed)} of {SITES} sites: {missed}"

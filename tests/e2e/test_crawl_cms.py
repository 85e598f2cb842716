"""One crawl, through the Scrapy engine, of the TNU replica and three member-school-like sites
on other CMS shapes, each on a loopback address of its own: a WordPress school site
(tests/site_wordpress, 127.0.0.2), a NukeViet site (tests/site_nukeviet, 127.0.0.3) and an
ASP.NET/DotNetNuke portal (tests/site_dnn, 127.0.0.4).

No site profile knows the three CMS sites: what is archived of them was found by discovery and
read by the generic rules (docs/extraction.md). Checked against each replica's ground truth:
every field of every article, every image with its bytes, and every other page (static pages,
listings, tag, author and month pages) fetched and refused. Sites are told apart by host.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from e2e_support import EXPECTED as TNU_EXPECTED
from e2e_support import FAST, Result, run_cli

from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer, route_key

TESTS = Path(__file__).resolve().parent.parent
# name -> (replica folder, loopback address it is served on)
CMS = {
    "wordpress": (TESTS / "site_wordpress", "127.0.0.2"),
    "nukeviet": (TESTS / "site_nukeviet", "127.0.0.3"),
    "dnn": (TESTS / "site_dnn", "127.0.0.4"),
}
TRUTH = {name: json.loads((folder / "expected.json").read_text(encoding="utf-8")) for name, (folder, _) in CMS.items()}
FIELDS = ("title", "published_at", "published_text", "views", "author", "category", "body_text")
CMS_ARTICLES = [(name, path) for name, truth in TRUTH.items() for path in sorted(truth["articles"])]
CMS_NOT_ARTICLES = [(name, path) for name, truth in TRUTH.items() for path in truth["not_articles"]]


@dataclass
class Together:
    servers: dict[str, ReplicaServer]  # "tnu" and the CMS names
    requests: dict[str, list]  # each server's request log of the crawl
    result: Result
    db_path: Path
    images_dir: Path

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def row(self, name: str, path: str) -> dict:
        url = self.servers[name].origin + path
        rows = list(self.db.query("SELECT * FROM articles WHERE url = ?", [url]))
        assert len(rows) == 1, f"{url}: {len(rows)} rows"
        return rows[0]

    def images(self, article_id: int) -> list[dict]:
        return list(
            self.db.query(
                "SELECT ai.*, i.path AS file FROM article_images ai LEFT JOIN images i ON i.sha256 = ai.image_sha256"
                " WHERE ai.article_id = ? ORDER BY ai.position",
                [article_id],
            )
        )


@pytest.fixture(scope="module")
def together(tmp_path_factory) -> Together:
    folder = tmp_path_factory.mktemp("cms")
    servers = {"tnu": ReplicaServer()} | {name: ReplicaServer(site, host=host) for name, (site, host) in CMS.items()}
    for server in servers.values():
        server.start()
    try:
        starts = [arg for server in servers.values() for arg in ("--start-url", server.url)]
        db, images = folder / "tnu.sqlite", folder / "images"
        result = run_cli("crawl", *starts, "--db", str(db), "--images-dir", str(images), *FAST, timeout=600)
        yield Together(servers, {n: list(s.requests) for n, s in servers.items()}, result, db, images)
    finally:
        for server in servers.values():
            server.stop()


def test_the_crawl_of_four_sites_exits_zero_and_is_ok(together):
    assert together.result.returncode == 0, together.result.stderr[-3000:]
    assert [r["status"] for r in together.db.query("SELECT status FROM crawl_runs")] == ["ok"]
    # every site was crawled: each served its own pages, and no page was asked of the wrong host
    for name, requests in together.requests.items():
        assert any(r.path == "/" for r in requests), name


@pytest.mark.parametrize("name", ["tnu", *CMS])
def test_each_site_holds_its_articles_and_nothing_else(together, name):
    truth = TNU_EXPECTED if name == "tnu" else TRUTH[name]
    host = urlsplit(together.servers[name].origin).netloc
    stored = {r["url"] for r in together.db.query("SELECT url FROM articles") if urlsplit(r["url"]).netloc == host}
    assert stored == {together.servers[name].origin + path for path in truth["articles"]}


def test_no_article_belongs_to_no_site(together):
    hosts = {urlsplit(s.origin).netloc for s in together.servers.values()}
    assert {urlsplit(r["url"]).netloc for r in together.db.query("SELECT url FROM articles")} <= hosts


@pytest.mark.parametrize("name, path", CMS_ARTICLES)
@pytest.mark.parametrize("field", FIELDS)
def test_cms_article_field(together, name, path, field):
    assert together.row(name, path)[field] == TRUTH[name]["articles"][path][field]


@pytest.mark.parametrize("name, path", CMS_ARTICLES)
def test_cms_article_body_html_holds_the_body_and_no_furniture(together, name, path):
    """body_html is the body_text's HTML: each paragraph in it, each picture by its archived
    source, and none of the blocks around the body (related lists, counters, ratings, bylines)."""
    row = together.row(name, path)
    html = row["body_html"]
    for paragraph in row["body_text"].split("\n\n"):
        assert paragraph.replace("&", "&amp;") in html, paragraph
    for image in together.images(row["id"]):
        assert f'src="{image["src_url"]}"' in html
    for furniture in ("Tin cùng chuyên mục", "Những tin", "Tổng số điểm", "Đã xem", "Xem:", "Lượt truy cập", "bởi "):
        assert furniture not in html, furniture


@pytest.mark.parametrize("name, path", CMS_ARTICLES)
def test_cms_article_images_in_page_order_with_their_bytes(together, name, path):
    row = together.row(name, path)
    got = together.images(row["id"])
    want = TRUTH[name]["articles"][path]["images"]
    origin = together.servers[name].origin
    assert [g["src_url"] for g in got] == [origin + w["src"] for w in want]
    for image, w in zip(got, want, strict=True):
        assert (image["caption"], image["alt"], image["credit"]) == (w["caption"], w["alt"], w["credit"])
        sent = (CMS[name][0] / "www" / w["src"].lstrip("/")).read_bytes()
        assert image["image_sha256"] == hashlib.sha256(sent).hexdigest()
        assert (together.images_dir / image["file"]).read_bytes() == sent


@pytest.mark.parametrize("name, path", CMS_NOT_ARTICLES)
def test_cms_static_listing_and_tag_pages_are_fetched_and_refused(together, name, path):
    requested = {route_key(r.path) for r in together.requests[name] if r.status == 200}
    assert route_key(path) in requested, f"{path} was never looked at"
    url = together.servers[name].origin + path
    assert together.db.execute("SELECT count(*) FROM articles WHERE url = ?", [url]).fetchone()[0] == 0


def test_static_pages_dated_only_in_their_text_are_among_them():
    """Each CMS replica has a "Giới thiệu" page whose running text holds dates (and no other):
    the case that made a static page an article."""
    for name, truth in TRUTH.items():
        assert truth["static_pages"], name
        assert set(truth["static_pages"]) <= set(truth["not_articles"])


@pytest.mark.parametrize("path", sorted(TNU_EXPECTED["articles"]))
def test_tnu_article_every_field_and_image(together, path):
    """The TNU replica crawled beside the others reads exactly as it does alone."""
    want = TNU_EXPECTED["articles"][path]
    row = together.row("tnu", path)
    assert {f: row[f] for f in FIELDS} == {f: want[f] for f in FIELDS}
    tnu = together.servers["tnu"]
    got = together.images(row["id"])
    assert len(got) == len(want["images"])
    for image, w in zip(got, want["images"], strict=True):
        src = w["src"].replace("{{OTHER_ORIGIN}}", tnu.other_origin).replace("{{ORIGIN}}", tnu.origin)
        assert image["src_url"] == (src if src.startswith("http") else tnu.origin + src)
        assert (image["caption"], image["alt"], image["credit"]) == (w["caption"], w["alt"], w["credit"])
        if w["status"] != 200:
            assert image["image_sha256"] is None
            continue
        parts = urlsplit(image["src_url"])
        root = DEFAULT_SITE_DIR / ("_other" if parts.port == urlsplit(tnu.other_origin).port else "www")
        sent = (root / parts.path.lstrip("/")).read_bytes()
        assert image["image_sha256"] == hashlib.sha256(sent).hexdigest()
        assert (together.images_dir / image["file"]).read_bytes() == sent


def test_robots_txt_of_each_site_is_obeyed(together):
    forbidden = {"wordpress": "/wp-admin/", "dnn": "/Login.aspx"}
    for name, path in forbidden.items():
        assert path not in {r.path for r in together.requests[name]}, name


def test_each_cms_sites_sitemaps_and_feed_are_read(together):
    """Found without URL rules: robots.txt's Sitemap: line (WordPress's core sitemaps, NukeViet's
    index, DotNetNuke's SiteMap.aspx) and the feed a page's <head> announces."""
    for name, truth in TRUTH.items():
        requested = {r.path for r in together.requests[name] if r.status == 200}
        assert set(truth["sitemaps"]) <= requested, name
        if "feed" in truth:
            assert truth["feed"] in requested, name

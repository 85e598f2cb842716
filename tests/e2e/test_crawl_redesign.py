"""A real crawl of a layout nobody wrote rules for (tests/site_redesign/: new URL shapes, path
pagination, a sitemap index naming a gzipped sitemap, sitemap-only articles, an RSS feed, short
links and utm_* links), through the Scrapy engine, and a second, incremental run of it.

No profile (crawler/sites/) knows anything of this layout: everything archived here was found by discovery
(docs/discovery.md) and read by the generic extraction rules.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import crawl

from crawler.replica.server import ReplicaServer

SITE = Path(__file__).resolve().parent.parent / "site_redesign"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
ARTICLES = EXPECTED["articles"]


@pytest.fixture(scope="module")
def redesign(tmp_path_factory):
    """Two crawls of the redesigned site into one archive: the first finds everything, the
    second is an ordinary incremental run of the unchanged site."""
    folder = tmp_path_factory.mktemp("redesign")
    db, images = folder / "tnu.sqlite", folder / "images"
    with ReplicaServer(SITE) as server:
        first = crawl(server, db, images)
        first_requests = list(server.requests)
        server.reset_log()
        second = crawl(server, db, images)
        yield {
            "server": server,
            "db": sqlite_utils.Database(db),
            "images": images,
            "first": first,
            "second": second,
            "first_requests": first_requests,
            "second_requests": list(server.requests),
        }


def row(r, path: str) -> dict:
    rows = list(r["db"].query("SELECT * FROM articles WHERE url = ?", [r["server"].origin + path]))
    assert len(rows) == 1, f"{path}: {len(rows)} rows"
    return rows[0]


def test_both_runs_exit_zero_and_are_ok(redesign):
    assert redesign["first"].returncode == 0, redesign["first"].stderr[-3000:]
    assert redesign["second"].returncode == 0, redesign["second"].stderr[-3000:]
    runs = list(redesign["db"].query("SELECT status, articles_new FROM crawl_runs ORDER BY id"))
    assert [r["status"] for r in runs] == ["ok", "ok"]
    assert runs[1]["articles_new"] == 0


def test_every_article_is_archived_once_under_its_canonical_url(redesign):
    for path in ARTICLES:
        row(redesign, path)
    titles = Counter(r["title"] for r in redesign["db"].query("SELECT title FROM articles"))
    assert [t for t, n in titles.items() if n > 1] == []


def test_sitemap_only_articles_are_archived(redesign):
    assert EXPECTED["sitemap_only"]
    for path in EXPECTED["sitemap_only"]:
        assert row(redesign, path)["title"] == ARTICLES[path]["title"]
    requested = [r.path for r in redesign["first_requests"]]
    assert "/post-sitemap.xml.gz" in requested and "/sitemap_index.xml" in requested


def test_no_other_page_is_archived_as_an_article(redesign):
    """Tag pages hold article cards, each with a heading link and a date: the extractor takes
    them for listings (crawler/extract/listing.py), not articles."""
    urls = {r["url"] for r in redesign["db"].query("SELECT url FROM articles")}
    assert urls == {redesign["server"].origin + path for path in ARTICLES}


@pytest.mark.parametrize("path", sorted(ARTICLES))
@pytest.mark.parametrize(
    "field", ("title", "published_at", "published_text", "views", "author", "category", "body_text")
)
def test_article_field(redesign, path, field):
    assert row(redesign, path)[field] == ARTICLES[path][field]


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_article_images_in_page_order_with_their_bytes(redesign, path):
    article = row(redesign, path)
    rows = list(
        redesign["db"].query(
            "SELECT ai.*, i.path AS file FROM article_images ai LEFT JOIN images i ON i.sha256 = ai.image_sha256"
            " WHERE article_id = ? ORDER BY position",
            [article["id"]],
        )
    )
    want = ARTICLES[path]["images"]
    assert [r["src_url"] for r in rows] == [redesign["server"].origin + w["src"] for w in want]
    for got, w in zip(rows, want, strict=True):
        assert (got["caption"], got["alt"], got["credit"]) == (w["caption"], w["alt"], w["credit"])
        sent = (SITE / "www" / w["src"].lstrip("/")).read_bytes()
        assert got["image_sha256"] == hashlib.sha256(sent).hexdigest()
        assert (redesign["images"] / got["file"]).read_bytes() == sent


def test_aliases_name_their_article_and_are_never_fetched(redesign):
    """Links with utm_* are cleaned before any request; the short links (/?p=<id>) every page's
    sidebar shows are held until the articles have named them (<link rel=shortlink>), so none
    is fetched: one article, one row, one request."""
    origin = redesign["server"].origin
    requested = [r.path for r in redesign["first_requests"] + redesign["second_requests"]]
    assert not [p for p in requested if "utm_" in p]
    assert not [p for p in requested if p.startswith("/?p=")]
    for path, names in EXPECTED["aliases"].items():
        article_id = row(redesign, path)["id"]
        for name in names:
            if "utm_" in name:
                continue  # dropped from the link before any request (links.clean_url)
            got = (
                redesign["db"]
                .execute("SELECT article_id FROM article_aliases WHERE url = ?", [origin + name])
                .fetchone()
            )
            assert got == (article_id,), name


def test_no_page_fetched_twice_in_a_run(redesign):
    for key in ("first_requests", "second_requests"):
        pages = Counter(r.path for r in redesign[key] if r.path != "/robots.txt")
        assert [p for p, n in pages.items() if n > 1] == [], key


def test_robots_txt_is_obeyed(redesign):
    requested = {r.path for r in redesign["first_requests"] + redesign["second_requests"]}
    for path in EXPECTED["forbidden"]:
        assert path not in requested


def test_listings_are_walked_through_their_path_pagination(redesign):
    requested = {r.path for r in redesign["first_requests"]}
    assert set(EXPECTED["listings"]) <= requested


def test_incremental_run_fetches_only_what_it_must(redesign):
    """robots.txt, the home page, the sitemaps, the feed and each listing's first page: no
    article, no image, no static page again."""
    paths = [r.path for r in redesign["second_requests"]]
    articles = {p for p in ARTICLES} | {f"/?p={p.rsplit('-', 1)[-1]}" for p in ARTICLES}
    assert not [p for p in paths if p in articles or p.startswith("/wp-content/")]
    assert not [p for p in paths if p in EXPECTED["not_articles"]]
    first_pages = {p for p in EXPECTED["listings"] if "/trang-" not in p and "/page/" not in p}
    assert first_pages <= set(paths)
    # robots.txt (read once: Scrapy obeys it, the spider takes its Sitemap: lines), /, the sitemap
    # index and its two sitemaps, the feed
    assert len(paths) == len(first_pages) + 6


def test_without_discovery_the_redesign_is_not_found(tmp_path):
    """MAX_DISCOVERY_PAGES=0 is the crawler before discovery: nothing on this layout is archived
    and the run says the listings yielded nothing (exit 3)."""
    with ReplicaServer(SITE) as server:
        result = crawl(server, tmp_path / "tnu.sqlite", tmp_path / "images", "--set", "MAX_DISCOVERY_PAGES=0")
        paths = {r.path for r in server.requests}
    assert result.returncode == 3, result.stderr[-2000:]
    assert sqlite_utils.Database(tmp_path / "tnu.sqlite")["articles"].count == 0
    assert not [p for p in paths if p in ARTICLES]


def test_discovery_stops_at_max_discovery_pages(tmp_path):
    """With room for two pages that are no articles, two sections are looked at (and the pages of
    a listing among them walked); every article still comes through the sitemap; the run says
    where discovery stopped."""
    with ReplicaServer(SITE) as server:
        result = crawl(server, tmp_path / "tnu.sqlite", tmp_path / "images", "--set", "MAX_DISCOVERY_PAGES=2")
        paths = [r.path for r in server.requests]
        origin = server.origin
    assert result.returncode == 0, result.stderr[-2000:]
    sections = set(EXPECTED["not_articles"]) | {
        p for p in EXPECTED["listings"] if "/trang-" not in p and "/page/" not in p
    }
    assert len([p for p in paths if p in sections]) == 2
    db = sqlite_utils.Database(tmp_path / "tnu.sqlite")
    assert {r["url"] for r in db.query("SELECT url FROM articles")} >= {origin + p for p in ARTICLES}
    problems = db.execute("SELECT problems FROM crawl_runs").fetchone()[0]
    assert "MAX_DISCOVERY_PAGES (2)" in problems


def test_a_page_holding_many_item_links_is_walked_as_a_listing(tmp_path):
    """/tag/sinh-vien/ links three articles and has no pager: with LISTING_MIN_ITEMS=3 it is a
    listing (walked again by the next run); /tag/tuyen-sinh/ links two and stays a static page."""
    settings = ("--set", "LISTING_MIN_ITEMS=3")
    with ReplicaServer(SITE) as server:
        assert crawl(server, tmp_path / "tnu.sqlite", tmp_path / "images", *settings).returncode == 0
        listings = {
            r["listing_url"]
            for r in sqlite_utils.Database(tmp_path / "tnu.sqlite").query("SELECT listing_url FROM listings")
        }
        assert server.origin + "/tag/sinh-vien" in listings
        assert server.origin + "/tag/tuyen-sinh" not in listings
        server.reset_log()
        assert crawl(server, tmp_path / "tnu.sqlite", tmp_path / "images", *settings).returncode == 0
        paths = [r.path for r in server.requests]
    assert "/tag/sinh-vien/" in paths and "/tag/tuyen-sinh/" not in paths

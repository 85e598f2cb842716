"""A real crawl of the replica whose article pages are variants of its two known layouts that
no selector reads (tests/site_variants/: renamed classes, reordered wrappers, dated related
lists, a rating line, the motto in the footer): every article archived as the layouts' own
pages are, field for field, by the generic rules and the extraction worker's memory of the site.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import EXPECTED, crawl

from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer

VARIANTS = Path(__file__).resolve().parent.parent / "site_variants"
# one variant of each known layout: each rewrites every article page of its layout
USED = ("2019-reordered", "2026-reordered")
ARTICLES = EXPECTED["articles"]
FIELDS = ("title", "published_at", "published_text", "views", "author", "category", "body_text")


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    site = tmp_path_factory.mktemp("variant-site")
    shutil.copytree(DEFAULT_SITE_DIR, site, dirs_exist_ok=True)
    replaced = 0
    for variant in USED:
        for page in (VARIANTS / variant / "www").rglob("*"):
            if page.is_file():
                target = site / "www" / page.relative_to(VARIANTS / variant / "www")
                assert target.is_file(), target
                shutil.copyfile(page, target)
                replaced += 1
    assert replaced == len(ARTICLES)
    folder = tmp_path_factory.mktemp("variant-archive")
    with ReplicaServer(site) as server:
        result = crawl(server, folder / "tnu.sqlite", folder / "images")
        yield server, sqlite_utils.Database(folder / "tnu.sqlite"), result


def row(archived, path: str) -> dict:
    server, db, _ = archived
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [server.origin + path]))
    assert len(rows) == 1, f"{path}: {len(rows)} rows"
    return rows[0]


def test_the_crawl_archives_every_article_read_by_generic_rules(archived):
    _, db, result = archived
    assert result.returncode == 0, result.stderr[-3000:]
    run = next(db.query("SELECT * FROM crawl_runs"))
    assert run["articles_new"] == len(ARTICLES)
    assert run["articles_generic"] == len(ARTICLES)


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_every_field_reads_as_the_layouts_own_page(archived, path):
    article = row(archived, path)
    assert {f: article[f] for f in FIELDS} == {f: ARTICLES[path][f] for f in FIELDS}


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_images_and_captions_read_as_the_layouts_own_page(archived, path):
    server, db, _ = archived
    article = row(archived, path)
    rows = list(db.query("SELECT * FROM article_images WHERE article_id = ? ORDER BY position", [article["id"]]))
    want = ARTICLES[path]["images"]
    assert [(r["caption"], r["alt"], r["credit"]) for r in rows] == [
        (w["caption"], w["alt"], w["credit"]) for w in want
    ]
    for r, w in zip(rows, want, strict=True):
        src = w["src"].replace("{{OTHER_ORIGIN}}", server.other_origin).replace("{{ORIGIN}}", server.origin)
        assert r["src_url"] == (src if src.startswith("http") else server.origin + src)

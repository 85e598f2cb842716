"""`reparse` applies today's judgement of what is an article to an archive made by a real crawl:
pages earlier versions stored as articles — the redesign's history page, dated 1994-04-04 by the
day its text opens with, and a tag page dated by its first item — leave `articles`, kept whole in
`set_aside_articles` with their raw pages, the summary says how many, and the next crawl does not
bring them back."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import crawl, run_cli

from archive.record import Article
from archive.storage import frontier
from archive.store import Archive
from crawler.replica.server import ReplicaServer

SITE = Path(__file__).resolve().parent.parent / "site_redesign"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
HISTORY, TAG = "/gioi-thieu/lich-su-hinh-thanh", "/tag/tuyen-sinh/"


def stored_the_old_way(server: ReplicaServer, db: Path, images: Path) -> None:
    """What earlier versions archived for these two pages: the page as served, read as an article
    dated by the first day it prints (the history's founding day, the tag page's first item)."""
    old_readings = {
        HISTORY: ("Lịch sử hình thành và phát triển", "1994-04-04", "Ngày 04/4/1994"),
        TAG: ("Tuyển sinh", "2026-08-28T10:15:00+07:00", "10:15 | 28/08/2026"),
    }
    with Archive(db, images) as archive:
        for path, (title, published_at, printed) in old_readings.items():
            url = server.origin + path
            with urllib.request.urlopen(url, timeout=30) as response:  # loopback: the replica server
                body = response.read()
            assert printed.encode() in body
            article = Article(url=url, title=title, published_at=published_at, published_text=printed, body_text=title)
            saved = archive.save_article(
                article, run_id=None, fetched_at="2026-11-30T00:00:00Z", raw_html=body, encoding="utf-8"
            )
            with archive.db.atomic():
                frontier.link_archived(archive.db, url, saved.article_id, "2026-11-30T00:00:00Z")


@pytest.fixture(scope="module")
def reparsed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("set-aside")
    db, images = folder / "tnu.sqlite", folder / "images"
    where = ("--db", str(db), "--images-dir", str(images))
    with ReplicaServer(SITE) as server:
        first = crawl(server, db, images)
        stored_the_old_way(server, db, images)
        before = {r["url"] for r in sqlite_utils.Database(db).query("SELECT url FROM articles")}
        result = run_cli("reparse", *where)
        again = run_cli("reparse", *where)
        verify = run_cli("verify", *where)
        next_crawl = crawl(server, db, images)
        yield {
            "origin": server.origin,
            "db": sqlite_utils.Database(db),
            "first": first,
            "before": before,
            "reparse": result,
            "again": again,
            "verify": verify,
            "next_crawl": next_crawl,
        }


def test_the_archive_held_them_as_articles_before(reparsed):
    assert reparsed["first"].returncode == 0, reparsed["first"].stderr[-2000:]
    origin = reparsed["origin"]
    assert {origin + HISTORY, origin + TAG} <= reparsed["before"]
    assert len(reparsed["before"]) == len(EXPECTED["articles"]) + 2


def test_reparse_sets_them_aside_and_says_how_many(reparsed):
    assert reparsed["reparse"].returncode == 0, reparsed["reparse"].stderr[-2000:]
    summary = reparsed["reparse"].stderr.strip().splitlines()[-1]
    total = len(EXPECTED["articles"]) + 2
    assert summary.startswith(
        f"reparsed {total} articles: 0 changed, {total - 2} unchanged, 2 set aside (no longer read as articles), "
        "0 put back, 0 without a stored page, 0 failed"
    ), summary
    # the articles are exactly the site's
    urls = {r["url"] for r in reparsed["db"].query("SELECT url FROM articles")}
    assert urls == {reparsed["origin"] + path for path in EXPECTED["articles"]}


def test_kept_whole_with_their_raw_pages(reparsed):
    db, origin = reparsed["db"], reparsed["origin"]
    aside = {r["url"]: r for r in db.query("SELECT * FROM set_aside_articles")}
    assert {url: r["reason"] for url, r in aside.items()} == {origin + HISTORY: "no_date", origin + TAG: "listing"}
    history = json.loads(aside[origin + HISTORY]["row"])
    assert (history["published_at"], history["published_text"]) == ("1994-04-04", "Ngày 04/4/1994")
    raw = db.execute("SELECT url FROM raw_pages WHERE sha256 = ?", [history["raw_sha256"]]).fetchone()
    assert raw == (origin + HISTORY,)
    # out of the search index too
    ids = [r["article_id"] for r in aside.values()]
    assert db.execute(f"SELECT count(*) FROM article_search WHERE article_id IN ({ids[0]}, {ids[1]})").fetchone() == (
        0,
    )


def test_a_second_reparse_moves_nothing_and_verify_passes(reparsed):
    summary = reparsed["again"].stderr.strip().splitlines()[-1]
    assert "0 set aside (no longer read as articles), 0 put back" in summary, summary
    assert reparsed["verify"].returncode == 0, reparsed["verify"].stdout + reparsed["verify"].stderr


def test_the_next_crawl_does_not_archive_them_again(reparsed):
    assert reparsed["next_crawl"].returncode == 0, reparsed["next_crawl"].stderr[-2000:]
    db, origin = reparsed["db"], reparsed["origin"]
    urls = {r["url"] for r in db.query("SELECT url FROM articles")}
    assert urls == {origin + path for path in EXPECTED["articles"]}
    assert db.execute("SELECT count(*) FROM set_aside_articles").fetchone() == (2,)

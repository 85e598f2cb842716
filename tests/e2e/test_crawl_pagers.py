"""Pagers through the real engine, against loopback replicas.

NukeViet's `page-N.html` (tests/site_nukeviet, 127.0.0.3: `/vi/news/tin-hoat-dong/` and its
`page-2.html`, the only page linking one of the site's articles): no profile knows the site, yet
the second page is recognised as the category listing's pager, walked as a listing page (counted
in MAX_LISTING_PAGES, never handed to the pipeline to be judged as an article), and the listing is
remembered as walked to its end.

Pagers that go on for ever (LISTING_STALE_PAGES, crawler/navigation/budgets.py): a NukeViet-like
category whose every page links one more and shows the same items is left after 3 pages that
bring nothing new, with a notice in the run's summary; a genuine archive of 30 pages, each of
new items, is walked whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import FAST, Result, crawl, run_cli

from crawler.replica.server import HTML, ReplicaServer, Response

TESTS = Path(__file__).resolve().parent.parent
NUKEVIET = TESTS / "site_nukeviet"
NUKEVIET_TRUTH = json.loads((NUKEVIET / "expected.json").read_text(encoding="utf-8"))
CATEGORY = "/vi/news/tin-hoat-dong/"
PAGE_2 = CATEGORY + "page-2.html"
ONLY_ON_PAGE_2 = "/vi/news/tin-hoat-dong/khai-giang-lop-boi-duong-nghiep-vu-khuyen-nong-1504.html"


def crawl_nukeviet(folder: Path, *extra: str) -> tuple[Result, str, sqlite_utils.Database, list[str]]:
    with ReplicaServer(NUKEVIET, host="127.0.0.3") as server:
        result = crawl(server, folder / "tnu.sqlite", folder / "images", *extra)
        origin, paths = server.origin, [r.path for r in server.requests]
    assert result.returncode == 0, result.stderr[-3000:]
    return result, origin, sqlite_utils.Database(folder / "tnu.sqlite"), paths


@pytest.fixture(scope="module")
def nukeviet(tmp_path_factory):
    return crawl_nukeviet(tmp_path_factory.mktemp("nukeviet"))


def test_nukeviet_page_2_html_is_walked_as_its_category_s_pager(nukeviet):
    _, origin, db, paths = nukeviet
    assert PAGE_2 in NUKEVIET_TRUTH["not_articles"] and ONLY_ON_PAGE_2 in NUKEVIET_TRUTH["articles"]
    assert paths.count(PAGE_2) == 1
    # the category is one listing, walked to its end at its second page
    key = origin + CATEGORY.rstrip("/")
    listing = db.execute("SELECT last_page, completed_at IS NOT NULL FROM listings WHERE listing_url = ?", [key])
    listing = listing.fetchone()
    assert listing == (2, 1)
    assert db.execute("SELECT count(*) FROM listings WHERE listing_url LIKE '%page-%'").fetchone()[0] == 0
    # a listing page: never judged as a candidate article (no frontier row), never stored
    assert db.execute("SELECT count(*) FROM article_links WHERE url = ?", [origin + PAGE_2]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM articles WHERE url = ?", [origin + PAGE_2]).fetchone()[0] == 0
    # and what only it links is archived
    assert db.execute("SELECT count(*) FROM articles WHERE url = ?", [origin + ONLY_ON_PAGE_2]).fetchone()[0] == 1


def test_nukeviet_page_2_html_is_counted_in_the_listing_budget(tmp_path):
    """With no listing page to spend, the pager's page 2 is not fetched (as a candidate it was)."""
    result, _, db, paths = crawl_nukeviet(tmp_path, "--set", "MAX_LISTING_PAGES=0")
    assert CATEGORY in paths  # the category's first page: a candidate, judged by its content
    assert PAGE_2 not in paths
    assert "MAX_LISTING_PAGES (0) met; listing pages not fetched: " in result.stderr
    problems = db.execute("SELECT problems FROM crawl_runs").fetchone()[0]
    assert "MAX_LISTING_PAGES (0) met" in problems


# --- pagers that go on for ever ------------------------------------------------------------

STALE = 3  # LISTING_STALE_PAGES, the default
PER_PAGE = 3
NEWS = "/vi/news/tin-tuc/"
# Without the bound the endless pager is walked to the listing budget: kept small here.
BUDGET = 40


class PagerServer(ReplicaServer):
    """A NukeViet-like category `/vi/news/tin-tuc/` (pages `page-N.html`) of `pages` pages of
    PER_PAGE distinct articles each, the last one linking no next page; `pages=None`: a pager
    that links page N+1 from any page N, every page showing page 1's articles (the server
    answers any N). Articles are dated pages, read by the generic rules."""

    def __init__(self, folder: Path, pages: int | None) -> None:
        (folder / "www").mkdir(parents=True, exist_ok=True)
        super().__init__(folder, host="127.0.0.5")
        self.pages = pages

    @staticmethod
    def article(n: int, i: int) -> str:
        number = 1000 + (n - 1) * PER_PAGE + i
        return f"{NEWS}bai-viet-so-{number}-{number}.html"

    def respond(self, handler) -> Response:
        path = handler.path.split("?")[0]
        page = 1 if path == NEWS else None
        if path.startswith(NEWS + "page-") and path.endswith(".html"):
            number = path[len(NEWS + "page-") : -len(".html")]
            page = int(number) if number.isdigit() else None
        if page is not None and (self.pages is None or page <= self.pages):
            shown = 1 if self.pages is None else page  # the endless pager shows page 1's items again
            items = "".join(
                f'<div class="news_column"><h3><a href="{self.article(shown, i)}">Bài {shown}.{i}</a></h3></div>'
                for i in range(PER_PAGE)
            )
            more = self.pages is None or page < self.pages
            pager = f'<ul class="pagination"><li><a href="{NEWS}page-{page + 1}.html">&raquo;</a></li></ul>'
            return self.html(f"Tin tức - Trang {page}", items + (pager if more else ""))
        match = next(
            ((n, i) for n in range(1, (self.pages or 1) + 1) for i in range(PER_PAGE) if self.article(n, i) == path),
            None,
        )
        if match is not None:
            n, i = match
            body = "".join(f"<p>Đoạn {k} của bài {n}.{i}: sinh viên và giảng viên của trường.</p>" for k in range(4))
            head = '<meta property="article:published_time" content="2026-10-12T08:30:00+07:00">'
            return self.html(f"Bài {n}.{i}", f'<div class="detail">{body}</div>', head)
        return super().respond(handler)

    @staticmethod
    def html(title: str, body: str, head: str = "") -> Response:
        page = (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body><div class="menu"><a href="/">Trang nhất</a> <a href="{NEWS}">Tin tức</a></div>'
            f"<h1>{title}</h1>{body}</body></html>\n"
        )
        return Response(200, {"Content-Type": HTML}, page.encode())


def crawl_pager(folder: Path, pages: int | None) -> tuple[Result, list[str], sqlite_utils.Database]:
    with PagerServer(folder / "site", pages) as server:
        db = folder / "tnu.sqlite"
        args = ("--start-url", server.origin + NEWS, "--db", str(db), "--images-dir", str(folder / "images"))
        result = run_cli("crawl", *args, *FAST, "--set", f"MAX_LISTING_PAGES={BUDGET}")
        paths = [r.path for r in server.requests]
    assert result.returncode == 0, result.stderr[-3000:]
    return result, paths, sqlite_utils.Database(db)


def listing_pages(paths: list[str]) -> list[str]:
    return [p for p in paths if p == NEWS or p.startswith(NEWS + "page-")]


def test_an_endless_pager_showing_the_same_items_is_left_after_a_few_pages(tmp_path):
    result, paths, db = crawl_pager(tmp_path, None)
    # its first page, then STALE pages that bring nothing new
    assert listing_pages(paths) == [NEWS] + [f"{NEWS}page-{n}.html" for n in range(2, STALE + 2)]
    assert sorted(p for p in paths if "bai-viet" in p) == sorted(PagerServer.article(1, i) for i in range(PER_PAGE))
    notice = f"LISTING_STALE_PAGES ({STALE}) met; listing walks stopped, their last pages linking nothing new: 1"
    assert notice in result.stderr  # in the summary line a cron log keeps
    problems = db.execute("SELECT problems, status FROM crawl_runs").fetchone()
    assert notice in problems[0] and "MAX_LISTING_PAGES" not in problems[0]
    assert problems[1] == "ok"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == PER_PAGE


def test_a_long_archive_of_new_items_on_every_page_is_walked_whole(tmp_path):
    pages = 30
    result, paths, db = crawl_pager(tmp_path, pages)
    assert listing_pages(paths) == [NEWS] + [f"{NEWS}page-{n}.html" for n in range(2, pages + 1)]
    wanted = {PagerServer.article(n, i) for n in range(1, pages + 1) for i in range(PER_PAGE)}
    assert {p for p in paths if "bai-viet" in p} == wanted
    assert "LISTING_STALE_PAGES" not in result.stderr
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(wanted)
    key = db.execute("SELECT last_page, completed_at IS NOT NULL FROM listings").fetchall()
    assert key == [(pages, 1)]

"""`tnu-archive serve` over an archive of two sites (tests/serve/serve_archive.py: tnu's A-D,
tnue's E): the home page counts each site's holdings, the articles table and the dashboard facet
by site, and a site a crawl adds while the server runs shows up on the home page at once."""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import replace

import pytest
from serve_archive import ARTICLE_A, ARTICLE_B, ARTICLE_E, ARTICLES, OTHER_ARTICLES, build_archive
from serve_process import start_server, stop_server

from archive.browse.metadata import CHARTS
from archive.store import Archive
from crawler.sites import packaged

q = urllib.parse.quote


def home_rows(page: str) -> dict[str, dict[str, str]]:
    """The home page's table of sites: each row's cells by class, its links by class."""
    rows = {}
    for name, row in re.findall(r'<tr class="site" data-site="([^"]*)">(.*?)</tr>', page, re.S):
        cells = {
            cls: re.sub(r"<[^>]+>", "", text).strip()
            for cls, text in re.findall(r'<td class="[^"]*?(\w+)">(.*?)</td>', row, re.S)
        }
        links = dict(re.findall(r'<a class="([\w-]+)" href="([^"]*)"', row))
        rows[html.unescape(name)] = {
            **cells,
            **{k: html.unescape(v) for k, v in links.items()},
            "text": html.unescape(row),
        }
    return rows


def chart(served, slug: str, site: str | None = None) -> list[dict]:
    extra = "" if site is None else f"&site={q(site)}"
    return served.json(f"/tnu.json?_shape=array&sql={q(CHARTS[slug]['query'])}{extra}")


def test_home_page_counts_each_sites_articles_pictures_and_runs(served):
    rows = home_rows(served.text("/"))
    assert list(rows) == ["tnu", "tnue"]  # most articles first
    tnu, tnue = rows["tnu"], rows["tnue"]
    assert (tnu["articles"], tnu["images"], tnu["newest"]) == ("4", "4", "2026-02-23")
    assert (tnue["articles"], tnue["images"], tnue["newest"]) == ("1", "0", "2026-02-10")
    for name, row in rows.items():
        profile = packaged().get(name)
        assert profile.title in row["text"] and ", ".join(profile.hosts) in row["text"]
        assert row["run"].startswith("ok, run 3")
        assert row["site-articles"] == f"/tnu/articles?site={name}"
        assert row["site-dashboard"] == f"/-/dashboards/collection?site={name}"
        # the count is the one the linked table gives
        listed = served.json(f"/tnu/articles.json?site={name}&_size=0")["filtered_table_rows_count"]
        assert row["articles"] == str(listed)


def test_articles_are_faceted_by_site(served):
    facet = served.json("/tnu/articles.json?_size=0")["facet_results"]["site"]["results"]
    assert {r["value"]: r["count"] for r in facet} == {"tnu": len(ARTICLES), "tnue": len(OTHER_ARTICLES)}
    runs = served.json("/tnu/run_sites.json?_size=0")["facet_results"]["site"]["results"]
    assert {r["value"]: r["count"] for r in runs} == {"tnu": 3, "tnue": 2}


def test_dashboard_offers_every_site_and_each_chart_follows_the_choice(served):
    page = served.text("/-/dashboards/collection")
    select = re.search(r'<select id="site".*?</select>', page, re.S)
    assert select and re.findall(r'<option value="([^"]+)"', select.group(0)) == ["tnu", "tnue"]

    assert chart(served, "articles_per_site") == chart(served, "articles_per_site", "") != []
    assert [(r["site"], r["articles"]) for r in chart(served, "articles_per_site")] == [("tnu", 4), ("tnue", 1)]
    assert [(r["site"], r["articles"]) for r in chart(served, "articles_per_site", "tnue")] == [("tnue", 1)]
    assert chart(served, "articles_per_month", "tnue") == [{"month": "2026-02-01", "articles": 1}]
    assert chart(served, "articles_per_category", "tnue") == [{"category": ARTICLE_E.category, "articles": 1}]
    assert [r["title"] for r in chart(served, "most_read", "tnue")] == [ARTICLE_E.title]
    assert {r["title"] for r in chart(served, "most_read", "tnu")} == {a.title for a in ARTICLES if a.views}
    assert chart(served, "images_per_month", "tnue") == []
    assert sum(r["images"] for r in chart(served, "images_per_month", "tnu")) == 5  # A's 3, B's 1, C's failed 1
    # the growth drawn by default is the chosen site's most observed article
    assert [r["views"] for r in chart(served, "view_growth", "tnue")] == [40, 75]
    assert [r["views"] for r in chart(served, "view_growth")] == [1000, 1100, 1200]
    # the runs that crawled the site, with its own outcome: tnue was fine in the run tnu drifted
    assert [r["status"] for r in chart(served, "crawl_runs")] == ["ok", "drift", "ok"]
    assert [(r["id"], r["status"], r["pages"]) for r in chart(served, "crawl_runs", "tnue")] == [
        (3, "ok", 1),
        (2, "ok", 1),
    ]
    assert [r["status"] for r in chart(served, "crawl_runs", "tnu")] == ["ok", "drift", "ok"]


def test_dashboard_chosen_site_narrows_the_article_filter_and_prints_its_choice(served):
    page = html.unescape(served.text("/-/dashboards/collection?site=tnue"))
    select = re.search(r'<select id="site".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="tnue"\s+selected', select)
    articles = re.search(r'<select id="article".*?</select>', page, re.S).group(0)
    assert ARTICLE_E.title in articles and ARTICLE_A.title not in articles and ARTICLE_B.title not in articles
    everything = html.unescape(served.text("/-/dashboards/collection"))
    articles = re.search(r'<select id="article".*?</select>', everything, re.S).group(0)
    assert all(a.title in articles for a in (ARTICLE_A, ARTICLE_B, ARTICLE_E))


@pytest.fixture
def own_server(tmp_path):
    server = start_server(build_archive(tmp_path / "archive"), tmp_path / "serve.log")
    yield server
    stop_server(server)


def test_a_site_crawled_while_serving_shows_on_the_home_page_at_once(own_server):
    assert list(home_rows(own_server.text("/"))) == ["tnu", "tnue"]
    sfl = packaged().get("sfl")
    url = f"{sfl.start_urls[0]}tin-tuc/hoi-thao-ngon-ngu.html"
    with Archive(own_server.archive.db_path, own_server.archive.images_dir) as archive:
        run_id = archive.start_run(list(sfl.start_urls), {})
        archive.register_site(sfl.name, sfl.title, list(sfl.hosts), sfl.digest, "2026-04-05T02:00:00+00:00")
        article = replace(ARTICLE_E, url=url, title="Hội thảo ngôn ngữ", published_at="2026-04-01")
        archive.save_article(article, run_id=run_id, fetched_at="2026-04-05T02:00:00+00:00", site=sfl.name)
    rows = home_rows(own_server.text("/"))
    assert list(rows) == ["tnu", "sfl", "tnue"]  # tnu 4; sfl and tnue 1 each, by name
    assert (rows["sfl"]["articles"], rows["sfl"]["newest"]) == ("1", "2026-04-01")
    assert sfl.title in rows["sfl"]["text"] and rows["sfl"]["run"] == "no run recorded"

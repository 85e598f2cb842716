"""From an article to its evidence, over HTTP on the real server: the stored page as it was
fetched (inert: sandboxed, nothing loaded), its capture history and fetch log, and the dashboard
opened on the article from its page."""

from __future__ import annotations

import html
import re
import sqlite3
import urllib.parse
import zlib

from serve_archive import ARTICLE_A, ARTICLE_B


def article_id(served, url: str) -> int:
    return sqlite3.connect(served.archive.db_path).execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]


def links(page: str, css_class: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'<a class="{css_class}" href="([^"]+)"', page)]


def test_article_page_links_the_stored_page_which_is_served_as_fetched_and_inert(served):
    aid = article_id(served, ARTICLE_A.url)
    page = served.text(f"/article/{aid}")
    assert links(page, "stored-page") == [f"/article/{aid}/page"]
    status, headers, body = served.get(f"/article/{aid}/page")
    headers = {name.lower(): value for name, value in headers.items()}
    conn = sqlite3.connect(served.archive.db_path)
    (content,) = conn.execute(
        "SELECT r.content FROM raw_pages r JOIN articles a ON a.raw_sha256 = r.sha256 WHERE a.id = ?", [aid]
    ).fetchone()
    assert status == 200 and body == zlib.decompress(content)
    assert ARTICLE_A.title.encode() in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert headers["x-content-type-options"] == "nosniff"


def test_a_stored_page_of_no_article_is_404(served):
    assert served.get("/article/999999/page")[0] == 404


def test_article_page_links_its_capture_history_and_fetch_log(served):
    aid = article_id(served, ARTICLE_A.url)
    page = served.text(f"/article/{aid}")
    (history,) = links(page, "capture-history")
    parts = urllib.parse.urlsplit(history)
    # The canned query of every WARC record of the article (its URL, and the raw-capture URLs
    # of a recovered one: tests/serve/test_serve_recovered.py); this archive was written without.
    assert parts.path == "/tnu/article_captures"
    assert urllib.parse.parse_qs(parts.query)["article"] == [str(aid)]
    assert served.json(f"/tnu/article_captures.json?_shape=array&{parts.query}") == []
    assert "capture history</a> (0 WARC records)" in page
    (fetches,) = links(page, "fetch-history")
    parts = urllib.parse.urlsplit(fetches)
    assert parts.path == "/tnu/article_fetches"
    rows = served.json(f"{parts.path}.json?_shape=array&{parts.query}")
    assert len(rows) == 3 and {r["final_url"] for r in rows} == {ARTICLE_A.url}  # one per crawl run
    # The live site is still named, as what it is
    assert links(page, "live") == [ARTICLE_A.url]


def test_dashboard_opened_by_an_articles_link_keeps_that_article_chosen(served):
    aid = article_id(served, ARTICLE_B.url)
    page = served.text(f"/article/{aid}")
    growth = re.search(r'href="([^"]*/-/dashboards/[^"]*)">growth chart', page).group(1)
    dashboard = served.text(html.unescape(growth))
    selected = re.findall(r'<option value="([^"]*)"\s*selected>', article_filter(dashboard))
    assert [html.unescape(s) for s in selected] == [f"{aid} · {ARTICLE_B.title}"]
    # and without a choice, nothing but the empty option is selected (of any filter)
    assert re.findall(r'<option value="([^"]+)"\s*selected>', served.text("/-/dashboards/collection")) == []


def article_filter(dashboard: str) -> str:
    """The article filter's <select> (the site filter beside it chooses no article)."""
    return re.search(r'<select id="article".*?</select>', dashboard, re.S).group(0)

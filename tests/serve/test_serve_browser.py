"""`tnu-archive serve` as a person sees it: Debian's headless Chromium on the real server.

Every page is loaded with requests leaving 127.0.0.1 blocked and recorded: the archive must
show everything from its own files, and tests never touch another address.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from serve_archive import ARTICLE_A

from archive.browse.metadata import CHARTS

VIEWPORT = {"width": 1280, "height": 900}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Per chart: how many data marks (bars, points) Vega drew, read from its SVG.
# A bound, not a measure: generous, so that a browser on a 2-core machine kept busy by other jobs
# cannot fail the wait (the charts draw long before it on an idle one).
BROWSER_WAIT_MS = 90_000

_DRAWN_MARKS = """() => Object.fromEntries(
  [...document.querySelectorAll('.dashboard-card-chart')].map(el => [
    el.id.replace(/^chart-/, ''),
    [...el.querySelectorAll('svg g.mark-rect.role-mark > *, svg g.mark-symbol.role-mark > *')].length,
  ]))"""


@pytest.fixture
def page(browser, served):
    """A fresh page whose requests may only go to the server under test."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.outside_requests = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]

    def only_loopback(route):
        url = route.request.url
        if url.startswith(served.url + "/") or url.startswith("data:"):
            route.continue_()
        else:
            page.outside_requests.append(url)
            route.abort()

    page.route("**/*", only_loopback)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def chart_rows(served, slug: str, site: str = "") -> int:
    sql = urllib.parse.quote(CHARTS[slug]["query"])
    return len(served.json(f"/tnu.json?_shape=array&sql={sql}&site={urllib.parse.quote(site)}"))


def test_dashboard_draws_every_chart(page, served, tmp_path):
    page.goto(served.url + "/-/dashboards/collection")
    # Charts fetch their data after the page loads; wait until each has drawn its marks.
    page.wait_for_function(
        f"() => {{ const m = ({_DRAWN_MARKS})(); "
        f"return Object.keys(m).length === {len(CHARTS)} && Object.values(m).every(n => n > 0); }}",
        timeout=BROWSER_WAIT_MS,
    )
    drawn = page.evaluate(_DRAWN_MARKS)
    # One mark per row of the chart's own SQL: the charts show the archive, all of it.
    assert drawn == {slug: chart_rows(served, slug) for slug in CHARTS}
    assert page.locator(".chart-sql pre").count() == len(CHARTS)
    screenshot(page, tmp_path / "dashboard.png")
    assert page.errors == [] and page.outside_requests == []


def test_dashboard_site_filter_draws_that_sites_data_only(page, served, tmp_path):
    page.goto(served.url + "/-/dashboards/collection")
    page.select_option("select#site", value="tnue")
    page.click("input[type=submit]")
    expected = {slug: chart_rows(served, slug, "tnue") for slug in CHARTS}
    assert expected != {slug: chart_rows(served, slug) for slug in CHARTS}  # the choice matters here
    page.wait_for_function(
        f"() => JSON.stringify(Object.entries(({_DRAWN_MARKS})()).sort()) === "
        f"JSON.stringify(Object.entries({json.dumps(expected)}).sort())",
        timeout=BROWSER_WAIT_MS,
    )
    assert page.eval_on_selector("select#site", "s => s.value") == "tnue"
    screenshot(page, tmp_path / "dashboard-site.png")
    assert page.errors == [] and page.outside_requests == []


def test_dashboard_filter_chooses_the_article_whose_growth_is_drawn(page, served, tmp_path):
    article_id = (
        sqlite3.connect(served.archive.db_path)
        .execute("SELECT id FROM articles WHERE url = ?", [ARTICLE_A.url])
        .fetchone()[0]
    )
    page.goto(served.url + "/-/dashboards/collection")
    page.select_option("select#article", value=f"{article_id} · {ARTICLE_A.title}")
    page.click("input[type=submit]")
    page.wait_for_selector("#chart-view_growth svg g.mark-symbol.role-mark > *", timeout=BROWSER_WAIT_MS)
    legend = page.inner_text("#chart-view_growth")
    assert ARTICLE_A.title in legend
    screenshot(page, tmp_path / "dashboard-article.png")
    assert page.errors == [] and page.outside_requests == []


def test_article_page_shows_its_title_and_every_image_loads(page, served, tmp_path):
    row = (
        sqlite3.connect(served.archive.db_path)
        .execute("SELECT id FROM articles WHERE url = ?", [ARTICLE_A.url])
        .fetchone()
    )
    page.goto(f"{served.url}/article/{row[0]}", wait_until="load")
    assert page.inner_text("h1.title") == ARTICLE_A.title
    images = page.evaluate(
        "() => [...document.images].map(i => ({src: i.currentSrc, ok: i.complete, width: i.naturalWidth}))"
    )
    # Two pictures inline in the body, three in the captioned list; all from /images/.
    assert len(images) == 5
    for image in images:
        assert image["src"].startswith(served.url + "/images/"), image
        assert image["ok"] and image["width"] == 160, image
    captions = page.locator("figure.archived-image figcaption .caption").all_inner_texts()
    assert captions == [ref.caption for ref in ARTICLE_A.images]
    screenshot(page, tmp_path / "article.png")
    assert page.errors == [] and page.outside_requests == []


def test_typing_without_diacritics_in_the_search_form_finds_the_same_articles(page, served, tmp_path):
    found = {}
    for query in ("dai hoc", "Đại học"):
        page.goto(served.url + "/tnu/search")
        page.fill("input[name=q]", query)
        page.press("input[name=q]", "Enter")
        page.wait_for_load_state("load")
        found[query] = page.locator("td.col-title").all_inner_texts()
    assert found["dai hoc"] == found["Đại học"] and len(found["dai hoc"]) == 2
    screenshot(page, tmp_path / "search.png")
    assert page.errors == [] and page.outside_requests == []


def test_from_the_article_page_to_its_growth_chart_and_its_stored_page(page, served, tmp_path):
    article_id = (
        sqlite3.connect(served.archive.db_path)
        .execute("SELECT id FROM articles WHERE url = ?", [ARTICLE_A.url])
        .fetchone()[0]
    )
    page.goto(f"{served.url}/article/{article_id}", wait_until="load")
    page.click("text=growth chart")
    page.wait_for_selector("#chart-view_growth svg g.mark-symbol.role-mark > *", timeout=20_000)
    # The filter shows the article the link chose (it used to come up blank), and the chart is its own.
    assert page.eval_on_selector("select#article", "s => s.value") == f"{article_id} · {ARTICLE_A.title}"
    assert ARTICLE_A.title in page.inner_text("#chart-view_growth")
    screenshot(page, tmp_path / "dashboard-from-article.png")
    page.goto(f"{served.url}/article/{article_id}", wait_until="load")
    page.click("a.stored-page")
    page.wait_for_load_state("load")
    assert page.url == f"{served.url}/article/{article_id}/page"
    assert page.inner_text("h1") == ARTICLE_A.title  # the page as fetched, rendered inert
    assert page.errors == [] and page.outside_requests == []

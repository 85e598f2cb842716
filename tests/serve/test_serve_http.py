"""`tnu-archive serve` over HTTP: the real command on a loopback port, a real archive behind it."""

from __future__ import annotations

import hashlib
import html
import re
import sqlite3
import urllib.parse

import pytest
from serve_archive import ARTICLE_A, ARTICLE_B, ARTICLE_C, ARTICLE_D, ARTICLES

from archive.browse.metadata import CHARTS
from archive.db import COLUMNS, TABLE_DESCRIPTIONS
from crawler.sites import packaged

q = urllib.parse.quote


def article_ids(served) -> dict[str, int]:
    rows = served.json("/tnu/articles.json?_shape=array&_col=url")
    return {row["url"]: row["id"] for row in rows}


def search_ids(served, query: str) -> set[int]:
    rows = served.json(f"/tnu/search.json?_shape=array&q={q(query)}")
    return {row["article"] for row in rows}


# -- metadata: the data dictionary ---------------------------------------------------------


def test_metadata_names_the_dataset_after_its_sites_their_hosts_and_license(served):
    # named from the archive's `sites` table (the profiles' titles as the crawl registered them)
    meta = served.json("/-/metadata.json")
    assert meta["title"] == f"News archive: {packaged().get('tnu').title} and 1 other site"
    assert meta["source"] == "tnu.edu.vn, tnue.edu.vn" and "source_url" not in meta
    assert meta["license"] and "each was archived from" in meta["license"]
    assert "of the 2 sites below" in meta["description_html"]


def test_every_table_and_column_of_the_schema_is_described(served):
    tables = served.json("/-/metadata.json")["databases"]["tnu"]["tables"]
    for table, columns in COLUMNS.items():
        # (db.py has not described every table yet; the ones it describes are passed on as is)
        assert tables[table]["description"] == TABLE_DESCRIPTIONS.get(table, "")
        assert tables[table]["columns"] == columns
    # ...and every column that exists in the served file has a description.
    schema = served.json("/tnu.json")
    for table in schema["tables"]:
        if table["hidden"]:
            continue
        described = tables.get(table["name"], {}).get("columns", {})
        missing = set(table["columns"]) - set(described)
        assert not missing, f"{table['name']}: no description for {sorted(missing)}"


def test_table_page_shows_column_descriptions(served):
    page = html.unescape(served.text("/tnu/articles"))
    for description in COLUMNS["articles"].values():
        assert description in page


# -- search ----------------------------------------------------------------------------------


def test_search_without_diacritics_finds_what_vietnamese_finds(served):
    ids = article_ids(served)
    expected = {ids[ARTICLE_A.url], ids[ARTICLE_B.url]}
    assert search_ids(served, "Đại học Thái Nguyên") == expected
    assert search_ids(served, "dai hoc thai nguyen") == expected
    assert search_ids(served, "dai hoc") == search_ids(served, "Đại học") != set()
    # NFD input (as some keyboards send it) folds the same way.
    import unicodedata

    assert search_ids(served, unicodedata.normalize("NFD", "Đại học")) == search_ids(served, "dai hoc")


def test_search_finds_a_photographer_named_only_in_captions(served):
    assert search_ids(served, "nguyen thanh ha") == {article_ids(served)[ARTICLE_A.url]}


def test_search_snippets_show_the_original_accented_text(served):
    rows = served.json(f"/tnu/search.json?_shape=array&q={q('nguyen thanh ha')}")
    assert "Nguyễn Thanh Hà" in rows[0]["snippet"]
    rows = served.json(f"/tnu/search.json?_shape=array&q={q('dang uy dai hoc')}")
    assert "Đảng ủy Đại học" in rows[0]["snippet"]


def test_search_ranks_the_title_match_first(served):
    rows = served.json(f"/tnu/search.json?_shape=array&q={q('dai hoc thai nguyen')}")
    assert rows[0]["title"] == ARTICLE_B.title


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(", "OR (", "dai*", "*", "title:dai", "'; DROP TABLE articles; --", ")(", "", "   ", "đ" * 500],
)
def test_search_survives_any_input_and_changes_nothing(served, query):
    before = sqlite3.connect(served.archive.db_path).execute("SELECT count(*) FROM articles").fetchone()
    status, _, body = served.get(f"/tnu/search.json?_shape=array&q={q(query)}")
    assert status == 200, body[:300]
    status, _, body = served.get(f"/tnu/search?q={q(query)}")
    assert status == 200
    after = sqlite3.connect(served.archive.db_path).execute("SELECT count(*) FROM articles").fetchone()
    assert before == after


def test_search_page_links_results_to_article_pages(served):
    page = served.text(f"/tnu/search?q={q('dai hoc')}")
    ids = article_ids(served)
    assert f'href="/article/{ids[ARTICLE_B.url]}"' in page


def test_fold_is_available_in_sql(served):
    rows = served.json("/tnu.json?_shape=array&sql=" + q("select fold('Đại học Thái Nguyên') as f"))
    assert rows == [{"f": "dai hoc thai nguyen"}]


# -- images ------------------------------------------------------------------------------------


def test_every_image_file_is_served_byte_identical(served):
    rows = served.json("/tnu/images.json?_shape=array")
    assert len(rows) == 4
    for row in rows:
        status, headers, body = served.get(f"/images/{row['path']}")
        assert status == 200
        assert body == (served.archive.images_dir / row["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == row["sha256"]
        assert headers["content-type"] == row["mime"]


def test_images_outside_the_folder_are_not_served(served):
    status, _, _ = served.get("/images/../tnu.sqlite")
    assert status == 404
    status, _, _ = served.get("/images/%2e%2e/tnu.sqlite")
    assert status == 404


def test_table_views_show_thumbnails(served):
    paths = [row["path"] for row in served.json("/tnu/images.json?_shape=array")]
    images_page = served.text("/tnu/images")
    links_page = served.text("/tnu/article_images")
    for path in paths:
        assert f'<img src="/images/{path}"' in images_page
        assert f'<img src="/images/{path}"' in links_page


# -- the article page --------------------------------------------------------------------------


def test_article_page_shows_fields_and_images_in_page_order(served):
    article_id = article_ids(served)[ARTICLE_A.url]
    page = served.text(f"/article/{article_id}")
    assert f'<h1 class="title">{html.escape(ARTICLE_A.title)}</h1>' in page
    for text in (ARTICLE_A.published_text, "550", ARTICLE_A.author, "Đảng ủy Đại học Thái Nguyên"):
        assert html.escape(text) in page
    positions = [page.index(html.escape(ref.caption)) for ref in ARTICLE_A.images]
    assert positions == sorted(positions)
    assert page.count("photo: Nguyễn Thanh Hà") == 3
    # Every picture comes from the local folder; the one never downloaded is a note, not a fetch.
    stored = {
        r["src_url"]: r
        for r in served.json(f"/tnu/article_images.json?_shape=array&article_id={article_id}&_labels=off")
    }
    paths = {r["sha256"]: r["path"] for r in served.json("/tnu/images.json?_shape=array")}
    for ref in ARTICLE_A.images:
        assert f'src="/images/{paths[stored[ref.src_url]["image_sha256"]]}"' in page
    assert "tnu.edu.vn/Uploads" not in "".join(part.split('"')[0] for part in page.split('src="')[1:])
    assert "image not archived: banner" in page


def test_article_page_names_its_site(served):
    article_id = article_ids(served)[ARTICLE_A.url]
    (row,) = served.json(f"/tnu/articles.json?_shape=array&id={article_id}&_labels=off")
    page = served.text(f"/article/{article_id}")
    link = re.search(r'<a class="site" href="([^"]*)"[^>]*>([^<]*)</a>', page)
    assert row["site"] and link and link.group(2) == row["site"] and link.group(1).endswith(f"?site={row['site']}")


def test_article_page_reports_a_failed_download(served):
    page = served.text(f"/article/{article_ids(served)[ARTICLE_C.url]}")
    assert "was not downloaded" in page and "Toàn cảnh hội thảo" in page


def test_unknown_article_is_404(served):
    status, _, _ = served.get("/article/999999")
    assert status == 404


def test_article_titles_in_the_table_link_to_the_article_page(served):
    page = served.text("/tnu/articles")
    for article_id in article_ids(served).values():
        assert f'href="/article/{article_id}"' in page


# -- the dashboard -----------------------------------------------------------------------------


def test_dashboard_page_prints_every_chart_with_its_sql(served):
    page = served.text("/-/dashboards/collection")
    text = html.unescape(page)
    for slug, chart in CHARTS.items():
        assert f'id="chart-{slug}"' in page
        assert f"<pre>{chart['query']}</pre>" in text
    assert page.count('class="chart-sql"') == len(CHARTS)


@pytest.mark.parametrize("slug", list(CHARTS))
def test_every_chart_query_returns_rows_from_the_archive(served, slug):
    rows = served.json("/tnu.json?_shape=objects&sql=" + q(CHARTS[slug]["query"]))["rows"]
    assert rows, f"chart {slug} has no data"


def test_view_growth_follows_the_chosen_article(served):
    ids = article_ids(served)
    sql = q(CHARTS["view_growth"]["query"])
    chosen = ids[ARTICLE_A.url]
    rows = served.json(f"/tnu.json?_shape=array&sql={sql}&article={q(f'{chosen} · anything')}")
    assert [r["views"] for r in rows] == [500, 530, 550]
    # No choice: the article observed most often (A and B tie on count; B has more views).
    rows = served.json(f"/tnu.json?_shape=array&sql={sql}&article=")
    assert [r["views"] for r in rows] == [1000, 1100, 1200]


def test_dashboard_filter_lists_articles_with_a_view_history(served):
    page = served.text("/-/dashboards/collection")
    ids = article_ids(served)
    options = {f"{ids[a.url]} · {a.title}" for a in ARTICLES}
    listed = {o for o in options if f'<option value="{html.escape(o)}"' in page}
    # D never showed a counter, so it has no history to chart.
    assert listed == options - {f"{ids[ARTICLE_D.url]} · {ARTICLE_D.title}"}


def test_runs_chart_shows_each_status(served):
    rows = served.json("/tnu.json?_shape=array&sql=" + q(CHARTS["crawl_runs"]["query"]))
    assert [r["status"] for r in rows] == ["ok", "drift", "ok"]

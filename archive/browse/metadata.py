"""Datasette metadata for the archive: the data dictionary, the search query and the dashboard.

Built from archive.db.COLUMNS / TABLE_DESCRIPTIONS so that the dictionary Datasette shows is the
one the schema declares; a column added there shows up here without an edit. The archive's
title, description, source and licence name the sites it holds (its `sites` table, read when
`serve` starts: archive/browse/sites.py); no site is named here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from archive.browse import DB_NAME
from archive.browse.article import ARTICLE_CAPTURES_SQL, ARTICLE_FETCHES_SQL
from archive.browse.sites import SiteSummary
from archive.db import COLUMNS, TABLE_DESCRIPTIONS
from archive.outcome import DRIFT, EMPTY, FAILED, INTERRUPTED, KILLED, OK, RUNNING

WHAT = (
    "text, date, view counter history, and the pictures with their captions and credits, downloaded and kept unchanged"
)
# The articles and pictures stay their sites' work; the archive copies them for preservation
# and research, so the licence says that rather than claiming an open licence.
PURPOSE = "archived copy for research and preservation"
# How many sites' hosts the source line names before it says how many more there are.
SOURCE_HOSTS = 10

DASHBOARD_SLUG = "collection"

# The search index is created by archive/db.py but is not part of the fixed data dictionary.
_SEARCH_TABLES: dict[str, dict[str, Any]] = {
    "article_search": {
        "description": "What search matches: each article's title, body and captions, folded "
        "(accents stripped, đ→d, lower case) so that 'dai hoc' finds 'Đại học'",
        "columns": {
            "article_id": "The article (articles.id)",
            "title": "Folded title",
            "body": "Folded body text",
            "captions": "Folded captions of the article's images, credits included",
        },
    },
    "article_search_fts": {
        "description": "FTS5 index over article_search (unicode61, remove_diacritics 2); "
        "query it with MATCH search_match('your words') or use the 'search' query",
        "columns": {
            "title": "Folded title",
            "body": "Folded body text",
            "captions": "Folded captions",
        },
    },
}

# Per-table presentation: how an archivist most likely wants to see each table first.
_TABLE_OPTIONS: dict[str, dict[str, Any]] = {
    "articles": {"sort_desc": "published_at", "label_column": "title", "facets": ["site", "category"]},
    "sites": {"sort": "name", "label_column": "title"},
    "run_sites": {"sort_desc": "run_id", "facets": ["site", "status"]},
    "images": {"sort_desc": "first_seen_at", "label_column": "path"},
    "article_images": {"sort": "article_id", "facets": ["credit"]},
    "crawl_runs": {"sort_desc": "id", "facets": ["status"]},
    "view_counts": {"sort_desc": "observed_at"},
    "fetch_log": {"sort_desc": "id", "facets": ["kind", "error"]},
}

SEARCH_SQL = """\
SELECT a.id AS article,
       a.published_at,
       a.title,
       a.views,
       a.category,
       search_snippet(:q, a.title, a.body_text,
                      (SELECT group_concat(caption, ' ') FROM article_images
                       WHERE article_id = a.id)) AS snippet,
       a.url
FROM article_search_fts
JOIN articles AS a ON a.id = article_search_fts.rowid
WHERE article_search_fts MATCH search_match(:q)
ORDER BY bm25(article_search_fts, 5.0, 1.0, 2.0), a.id
LIMIT 100"""

# Each chart: (title, SQL, Vega-Lite encoding). The SQL is what the page shows beside the chart.
# Every chart follows the dashboard's site filter (:site, '' when none is chosen: Datasette gives
# a parameter the request lacks as ''), so each query is plain SQL that runs as printed.
_MONTH = "substr(published_at, 1, 7) || '-01'"
_OF_SITE = "(:site = '' OR site = :site)"

# One colour per run status (archive/outcome.py RUN_STATUSES; a test checks none is missing),
# in the legend's order.
STATUS_COLOURS: dict[str, str] = {
    OK: "#54a24b",
    RUNNING: "#4c78a8",
    DRIFT: "#f58518",
    EMPTY: "#bab0ac",
    FAILED: "#e45756",
    INTERRUPTED: "#b279a2",
    KILLED: "#333333",
}

CHARTS: dict[str, dict[str, Any]] = {
    "articles_per_month": {
        "title": "Articles per month (publication date)",
        "query": f"""\
SELECT {_MONTH} AS month, count(*) AS articles
FROM articles
WHERE published_at IS NOT NULL AND {_OF_SITE}
GROUP BY month
ORDER BY month""",
        "display": {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": "Month"},
                "y": {"field": "articles", "type": "quantitative", "title": "Articles"},
            },
        },
    },
    "articles_per_site": {
        "title": "Articles per site (click a bar to list the site's articles)",
        "query": f"""\
SELECT s.name AS site, coalesce(s.title, s.name) AS title, count(a.id) AS articles,
       '/{DB_NAME}/articles?site=' || s.name AS page
FROM sites AS s
LEFT JOIN articles AS a ON a.site = s.name
WHERE :site = '' OR s.name = :site
GROUP BY s.name
ORDER BY articles DESC, s.name""",
        "display": {
            "mark": {"type": "bar", "tooltip": {"content": "data"}, "cursor": "pointer"},
            "encoding": {
                "y": {"field": "site", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 200}},
                "x": {"field": "articles", "type": "quantitative", "title": "Articles"},
                "href": {"field": "page"},
            },
        },
    },
    "articles_per_category": {
        "title": "Articles per category",
        "query": f"""\
SELECT coalesce(category, '(none)') AS category, count(*) AS articles
FROM articles
WHERE {_OF_SITE}
GROUP BY 1
ORDER BY articles DESC, category
LIMIT 30""",
        "display": {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "category", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 260}},
                "x": {"field": "articles", "type": "quantitative", "title": "Articles"},
            },
        },
    },
    "most_read": {
        "title": "Most-read articles (latest view counter; click a bar to open the article)",
        "query": f"""\
SELECT id, title, views, published_at, '/article/' || id AS page
FROM articles
WHERE views IS NOT NULL AND {_OF_SITE}
ORDER BY views DESC, id
LIMIT 15""",
        "display": {
            "mark": {"type": "bar", "tooltip": True, "cursor": "pointer"},
            "encoding": {
                "y": {"field": "title", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 320}},
                "x": {"field": "views", "type": "quantitative", "title": "Views"},
                "href": {"field": "page"},
            },
        },
    },
    "view_growth": {
        "title": "View-count growth of the chosen article (filter above; by default the chosen site's most observed)",
        "query": """\
SELECT vc.observed_at, vc.views, a.id || ' · ' || a.title AS article
FROM view_counts AS vc
JOIN articles AS a ON a.id = vc.article_id
WHERE vc.article_id = coalesce(
    nullif(CAST(:article AS INTEGER), 0),
    (SELECT v.article_id FROM view_counts AS v JOIN articles AS o ON o.id = v.article_id
     WHERE :site = '' OR o.site = :site
     GROUP BY v.article_id ORDER BY count(*) DESC, max(v.views) DESC, v.article_id LIMIT 1))
ORDER BY vc.observed_at""",
        "display": {
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": {"field": "observed_at", "type": "temporal", "title": "Observed (UTC)"},
                "y": {"field": "views", "type": "quantitative", "title": "Views"},
                "color": {
                    "field": "article",
                    "type": "nominal",
                    "title": None,
                    "legend": {"orient": "bottom", "labelLimit": 500},
                },
            },
        },
    },
    "images_per_month": {
        "title": "Images per month (publication date of their article)",
        "query": """\
SELECT substr(a.published_at, 1, 7) || '-01' AS month,
       CASE WHEN ai.image_sha256 IS NULL THEN 'not downloaded' ELSE 'archived' END AS state,
       count(*) AS images
FROM article_images AS ai
JOIN articles AS a ON a.id = ai.article_id
WHERE a.published_at IS NOT NULL AND (:site = '' OR a.site = :site)
GROUP BY month, state
ORDER BY month""",
        "display": {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": "Month"},
                "y": {"field": "images", "type": "quantitative", "title": "Images"},
                "color": {
                    "field": "state",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": ["archived", "not downloaded"], "range": ["#4c78a8", "#e45756"]},
                    "legend": {"orient": "bottom"},
                },
            },
        },
    },
    "crawl_runs": {
        "title": "Latest crawl runs: pages fetched, coloured by status (a chosen site's own, in its runs)",
        "query": """\
SELECT r.id, '#' || r.id || '  ' || substr(r.started_at, 1, 16) AS run,
       coalesce(s.status, r.status) AS status, coalesce(s.pages, r.pages) AS pages,
       coalesce(s.articles_new, r.articles_new) AS articles_new,
       coalesce(s.articles_changed, r.articles_changed) AS articles_changed,
       coalesce(s.articles_unchanged, r.articles_unchanged) AS articles_unchanged,
       r.images_new, r.images_failed, r.started_at, r.ended_at
FROM crawl_runs AS r
LEFT JOIN run_sites AS s ON s.run_id = r.id AND s.site = :site
WHERE :site = '' OR s.site IS NOT NULL
ORDER BY r.id DESC
LIMIT 20""",
        "display": {
            "mark": {"type": "bar", "tooltip": {"content": "data"}},
            "encoding": {
                "y": {"field": "run", "type": "ordinal", "title": None, "sort": {"field": "id", "order": "descending"}},
                "x": {"field": "pages", "type": "quantitative", "title": "Pages fetched"},
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": "Status",
                    "scale": {"domain": list(STATUS_COLOURS), "range": list(STATUS_COLOURS.values())},
                    "legend": {"orient": "bottom"},
                },
            },
        },
    },
}

# The filters' options. datasette-dashboards runs these with the chosen filters only, dropping a
# [[ … ]] block whose parameter is not chosen.
SITE_FILTER_SQL = "SELECT name FROM sites ORDER BY name"
ARTICLE_FILTER_SQL = """\
SELECT a.id || ' · ' || substr(coalesce(a.title, a.url), 1, 90)
FROM articles AS a
WHERE a.id IN (SELECT article_id FROM view_counts) [[ AND a.site = :site ]]
ORDER BY a.views DESC, a.id
LIMIT 1000"""


# vega-embed reads its options from the spec's usermeta: SVG keeps every mark an element (sharp
# when printed, inspectable by the browser tests) where the default canvas is one bitmap.
_EMBED = {"usermeta": {"embedOptions": {"renderer": "svg"}}}


def dashboard() -> dict[str, Any]:
    """The datasette-dashboards configuration of the collection dashboard."""
    charts = {
        slug: {
            "title": c["title"],
            "db": DB_NAME,
            "query": c["query"],
            "library": "vega-lite",
            "display": {**_EMBED, **c["display"]},
        }
        for slug, c in CHARTS.items()
    }
    return {
        "title": "The collection",
        "description": "What the archive holds, straight from its own tables; "
        "each chart's SQL is shown under it and can be opened in the SQL editor.",
        "filters": {
            "site": {
                "name": "Site (its articles, pictures and runs)",
                "type": "select",
                "db": DB_NAME,
                "query": SITE_FILTER_SQL,
            },
            "article": {
                "name": "Article (view-count growth)",
                "type": "select",
                "db": DB_NAME,
                "query": ARTICLE_FILTER_SQL,
            },
        },
        "charts": charts,
    }


def tables() -> dict[str, dict[str, Any]]:
    """Per-table metadata: description and column descriptions of every table."""
    result: dict[str, dict[str, Any]] = {}
    for table, columns in COLUMNS.items():
        result[table] = {
            "description": TABLE_DESCRIPTIONS.get(table, ""),
            "columns": dict(columns),
            **_TABLE_OPTIONS.get(table, {}),
        }
    for table, meta in _SEARCH_TABLES.items():
        result.setdefault(table, meta)
    return result


def title(sites: Sequence[SiteSummary]) -> str:
    """The archive's name: its site's, or its largest site's and how many others it holds."""
    if not sites:
        return "News archive"
    if len(sites) == 1:
        return f"News archive: {sites[0].label}"
    others = len(sites) - 1
    return f"News archive: {sites[0].label} and {others} other site{'s' if others > 1 else ''}"


def description(sites: Sequence[SiteSummary]) -> str:
    if len(sites) == 1:
        site = sites[0]
        hosts = ", ".join(site.hosts) or site.name
        return f"Every news article of {site.label} ({hosts}) that tnu-archive has fetched: {WHAT}."
    if not sites:
        return f"Every news article tnu-archive fetches: {WHAT}. It holds none yet."
    return f"Every news article of the {len(sites)} sites below that tnu-archive has fetched: {WHAT}."


def source(sites: Sequence[SiteSummary]) -> tuple[str | None, str | None]:
    """(the source line, its link): the site itself, or the hosts of the sites, largest first."""
    if len(sites) == 1:
        site = sites[0]
        return f"{', '.join(site.hosts) or site.name} — {site.label}", site.home
    hosts = [site.hosts[0] if site.hosts else site.name for site in sites]
    more = len(hosts) - SOURCE_HOSTS
    return (", ".join(hosts[:SOURCE_HOSTS]) + (f" and {more} more" if more > 0 else "")) or None, None


def licence(sites: Sequence[SiteSummary]) -> tuple[str, str | None]:
    if len(sites) == 1:
        return f"Articles and images © {sites[0].label}; {PURPOSE}", sites[0].home
    return f"Articles and images © the site each was archived from (articles.site); {PURPOSE}", None


def build_metadata(sites: Sequence[SiteSummary] = ()) -> dict[str, Any]:
    """The whole Datasette metadata document (what /-/metadata.json returns), naming `sites`
    (archive/browse/sites.py site_summaries, largest first)."""
    source_text, source_url = source(sites)
    licence_text, licence_url = licence(sites)
    return {
        "title": title(sites),
        "description_html": (
            f"<p>{html.escape(description(sites))}</p>"
            f'<p><a href="/{DB_NAME}/search">Search the articles</a> (with or without '
            "diacritics: <em>dai hoc</em> finds <em>Đại học</em>) · "
            f'<a href="/-/dashboards/{DASHBOARD_SLUG}">Dashboard of the collection</a> · '
            f'<a href="/{DB_NAME}/articles">All articles</a></p>'
        ),
        **({"source": source_text} if source_text else {}),
        **({"source_url": source_url} if source_url else {}),
        "license": licence_text,
        **({"license_url": licence_url} if licence_url else {}),
        "databases": {
            DB_NAME: {
                "description": description(sites),
                "tables": tables(),
                "queries": {
                    "search": {
                        "title": "Search articles (Vietnamese, with or without diacritics)",
                        "description": "Type words as you would in a search box: 'dai hoc' and "
                        "'Đại học' give the same results; a word ending in * is a prefix; "
                        "words in double quotes must appear together. Results are ranked "
                        "best first (title weighs most); 'article' opens the article's page.",
                        "sql": SEARCH_SQL,
                    },
                    "article_captures": {
                        "title": "Capture history of an article",
                        "description": "Every WARC record of the article (its id): the responses "
                        "fetched from its URL, and for an article recovered from a web archive the "
                        "raw captures fetched from that archive, newest first. Each names its WARC "
                        "file, offset and record id (docs/captures.md).",
                        "sql": ARTICLE_CAPTURES_SQL,
                    },
                    "article_fetches": {
                        "title": "Fetch log of an article",
                        "description": "Every request that ended at the article (its id), run by run, "
                        "newest first: at its URL, and for an article recovered from a web archive at "
                        "the raw captures fetched from that archive.",
                        "sql": ARTICLE_FETCHES_SQL,
                    },
                },
            },
        },
        "plugins": {"datasette-dashboards": {DASHBOARD_SLUG: dashboard()}},
    }

"""Datasette hooks of the archive: search functions, image thumbnails, the article page, menu.

Registered once per process by archive.serve; every hook acts on the archive's database only
(DB_NAME), so another database opened in the same Datasette is left as Datasette shows it.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from archive.browse import DB_NAME, IMAGES_MOUNT, archived_page_path
from archive.browse.article import MAX_ID, load_article, load_stored_page
from archive.browse.metadata import DASHBOARD_SLUG
from archive.browse.sites import site_summaries
from archive.search import SearchError, build_match, original_snippet
from archive.storage.fold import fold

# An FTS5 expression that is valid and matches nothing: what an empty or unusable query becomes,
# so the search page shows no rows instead of an FTS5 syntax error.
_MATCH_NOTHING = '""'
_THUMB_HEIGHT = 64
# An archived page is the site's HTML, scripts and all: served as an inert document. The sandbox
# gives it a unique origin without scripts, forms or top navigation; default-src 'none' keeps the
# browser from fetching anything it references (the live site, trackers); nosniff keeps it HTML
# of the declared charset and nothing else.
ARCHIVED_CONTENT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def search_match(query: str | None) -> str:
    """The safe FTS5 expression for anything typed: folded words, each quoted (archive.search)."""
    if not query or not query.strip():
        return _MATCH_NOTHING
    try:
        return build_match(query)
    except SearchError:
        return _MATCH_NOTHING


_QUOTED = re.compile(r'"([^"]*)"(\*?)')


def search_snippet(query: str | None, title: str | None, body: str | None, captions: str | None) -> str | None:
    """The stretch of the article's original (accented) text where the query's words are."""
    try:
        match = build_match(query or "")
    except SearchError:
        return None
    # build_match yields quoted groups of folded words, a trailing * marking a prefix.
    terms = []
    for group in _QUOTED.finditer(match):
        words = group.group(1).split()
        terms += [(word, bool(group.group(2)) and i == len(words) - 1) for i, word in enumerate(words)]
    return original_snippet([body or "", captions or "", title or ""], terms)


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    # deterministic=True lets SQLite use them in indexes and constant-fold them per statement.
    conn.create_function("fold", 1, fold, deterministic=True)
    conn.create_function("search_match", 1, search_match, deterministic=True)
    conn.create_function("search_snippet", 4, search_snippet, deterministic=True)


def _images_url(datasette: Any, path: str) -> str:
    return datasette.urls.path(f"/{IMAGES_MOUNT}/{path}")


def _thumbnail(datasette: Any, path: str, label: Markup) -> Markup:
    url = escape(_images_url(datasette, path))
    return Markup(
        f'<a href="{url}"><img src="{url}" alt="" loading="lazy" '
        f'style="max-height:{_THUMB_HEIGHT}px;max-width:{_THUMB_HEIGHT * 2}px"></a>'
        f'<br><span style="font-size:0.75em">{label}</span>'
    )


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if database != DB_NAME or value is None:
        return None
    if table == "images" and column == "path" and isinstance(value, str):
        return _thumbnail(datasette, value, escape(value))
    if column == "image_sha256" and table in ("article_images", "image_sources"):
        # An expanded foreign key arrives as {"value": sha256, "label": images.path}.
        if isinstance(value, dict) and value.get("label") and value["label"] != value["value"]:
            return _sha_thumbnail(datasette, value["value"], value["label"])
        if isinstance(value, str):
            return _thumbnail_for_sha(datasette, value)
    if table == "articles" and column == "title" and isinstance(value, str):
        page = datasette.urls.path(f"/article/{row['id']}")
        return Markup(f'<a href="{escape(page)}">{escape(value)}</a>')
    # The search query (and any SQL naming a column "article") links to the article's page.
    if table is None and column == "article" and isinstance(value, int):
        page = datasette.urls.path(f"/article/{value}")
        return Markup(f'<a href="{escape(page)}">{value}</a>')
    return None


def _sha_thumbnail(datasette: Any, sha256: str, path: str) -> Markup:
    link = escape(datasette.urls.row(DB_NAME, "images", sha256))
    return _thumbnail(datasette, path, Markup(f'<a href="{link}">{escape(sha256[:12])}…</a>'))


def _thumbnail_for_sha(datasette: Any, sha256: str) -> Any:
    async def inner() -> Markup | None:
        result = await datasette.get_database(DB_NAME).execute("SELECT path FROM images WHERE sha256 = ?", [sha256])
        row = result.first()
        if row is None:  # a dangling reference: show the hash as it is
            return None
        return _sha_thumbnail(datasette, sha256, row["path"])

    return inner


def _article_id(request: Any) -> int:
    """The id of /article/<id>; NotFound beyond SQLite's integers (no article has such an id)."""
    digits = request.url_vars["id"].lstrip("0") or "0"
    # Compared as text first: int() refuses strings of more than 4,300 digits.
    if len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        raise NotFound("No such article in this archive")
    return int(digits)


async def article_page(request: Any, datasette: Any) -> Response:
    article_id = _article_id(request)
    db = datasette.get_database(DB_NAME)
    prefix = datasette.urls.path(f"/{IMAGES_MOUNT}/")
    article = await db.execute_fn(lambda conn: load_article(conn, article_id, prefix))
    if article is None:
        raise NotFound(f"No article {article_id} in this archive")
    return Response.html(
        await datasette.render_template(
            "article.html",
            {
                "article": article,
                "db_name": DB_NAME,
                "dashboard_url": datasette.urls.path(f"/-/dashboards/{DASHBOARD_SLUG}"),
                "stored_page_url": datasette.urls.path(archived_page_path(article_id)),
            },
            request=request,
        )
    )


async def stored_page(request: Any, datasette: Any) -> Response:
    """The page an article was extracted from, byte for byte as it was fetched (raw_pages)."""
    article_id = _article_id(request)
    db = datasette.get_database(DB_NAME)
    page = await db.execute_fn(lambda conn: load_stored_page(conn, article_id))
    if page is None:
        raise NotFound(f"No stored page for article {article_id} in this archive")
    return Response(
        page.body, status=200, headers=dict(ARCHIVED_CONTENT_HEADERS), content_type=f"text/html; charset={page.charset}"
    )


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/article/(?P<id>\d+)$", article_page), (r"^/article/(?P<id>\d+)/page$", stored_page)]


@hookimpl
def extra_template_vars(template: str, datasette: Any) -> Any:
    """The home page's table of sites, read from the archive on every visit."""
    if template != "index.html" or DB_NAME not in datasette.databases:
        return None

    async def inner() -> dict[str, Any]:
        sites = await datasette.get_database(DB_NAME).execute_fn(site_summaries)
        return {
            "archive_sites": sites,
            "archive_db": DB_NAME,
            "dashboard_url": datasette.urls.path(f"/-/dashboards/{DASHBOARD_SLUG}"),
        }

    return inner


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path(f"/{DB_NAME}/search"), "label": "Search articles"},
        {"href": datasette.urls.path(f"/{DB_NAME}/articles"), "label": "All articles"},
    ]

"""One article as a reader sees it, rebuilt from the archive alone: what /article/<id> shows.

Everything the page loads comes from this archive: the body's pictures are pointed at the local
image files, and a picture that was never downloaded is shown as a note, never fetched from the
site (the archive must read the same when the site is gone).
"""

from __future__ import annotations

import codecs
import sqlite3
import zlib
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin

import lxml.html

# Attributes lazy-loading themes put the real source in; the sanitizer may keep some of them.
_SRC_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src")
_HISTORY_ROWS = 20  # the page shows the latest observations; the table view has them all


def _key(url: str) -> str:
    # The page's src and the stored src_url may differ only in percent-encoding.
    return unquote(url).strip()


def _site_title(conn: sqlite3.Connection, site: str | None) -> str | None:
    """The title of the article's site (sites.title); None for an archive older than sites."""
    if not site:
        return None
    try:
        row = conn.execute("SELECT title FROM sites WHERE name = ?", (site,)).fetchone()
    except sqlite3.OperationalError:  # no sites table
        return None
    return row[0] if row else None


def load_article(conn: sqlite3.Connection, article_id: int, images_prefix: str) -> dict[str, Any] | None:
    """The article's fields, images in page order and view history; None when there is no such id.

    `images_prefix` is the URL path the images folder is served under (e.g. "/images/").
    """
    # Datasette's connections already use sqlite3.Row; a plain connection gets it for this call.
    previous, conn.row_factory = conn.row_factory, sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        article = dict(row)
        images = [
            dict(r)
            for r in conn.execute(
                """
                SELECT ai.position, ai.src_url, ai.caption, ai.alt, ai.credit, ai.image_sha256,
                       i.path, i.mime, i.width, i.height, i.bytes
                FROM article_images AS ai
                LEFT JOIN images AS i ON i.sha256 = ai.image_sha256
                WHERE ai.article_id = ?
                ORDER BY ai.position
                """,
                (article_id,),
            )
        ]
        history = [
            dict(r)
            for r in conn.execute(
                "SELECT observed_at, views FROM view_counts WHERE article_id = ? ORDER BY observed_at DESC LIMIT ?",
                (article_id, _HISTORY_ROWS),
            )
        ]
        observations = conn.execute("SELECT count(*) FROM view_counts WHERE article_id = ?", (article_id,)).fetchone()[
            0
        ]
        versions = conn.execute("SELECT count(*) FROM article_versions WHERE article_id = ?", (article_id,)).fetchone()[
            0
        ]
        article["site_title"] = _site_title(conn, article.get("site"))
        stored = _stored_page_row(conn, article["url"], article.get("raw_sha256"), with_content=False)
        captures = conn.execute("SELECT count(*) FROM captures WHERE url = ?", (article["url"],)).fetchone()[0]
    finally:
        conn.row_factory = previous
    article["stored_page"] = {"sha256": stored[0], "fetched_at": stored[1]} if stored else None
    article["captures"] = captures
    for image in images:
        image["local_url"] = images_prefix + image["path"] if image["path"] else None
    local = {_key(i["src_url"]): i["local_url"] for i in images if i["local_url"]}
    article["body_html_local"] = localize_images(article.get("body_html") or "", article["url"], local)
    article["images"] = images
    article["history"] = history
    article["observations"] = observations
    article["versions"] = versions
    return article


class StoredPage(NamedTuple):
    body: bytes  # as the server sent it (after its Content-Encoding was undone)
    charset: str  # what it was decoded with when archived; utf-8 when unknown
    url: str
    fetched_at: str
    sha256: str


def _stored_page_row(conn: sqlite3.Connection, url: str, raw_sha256: str | None, *, with_content: bool):
    # The page the current content was extracted from; for archives older than raw_sha256,
    # the latest page stored for the article's URL.
    columns = "sha256, fetched_at, url, encoding" + (", content" if with_content else "")
    if raw_sha256:
        row = conn.execute(f"SELECT {columns} FROM raw_pages WHERE sha256 = ?", (raw_sha256,)).fetchone()
        if row is not None:
            return tuple(row)
    row = conn.execute(
        f"SELECT {columns} FROM raw_pages WHERE url = ? ORDER BY fetched_at DESC LIMIT 1", (url,)
    ).fetchone()
    return tuple(row) if row is not None else None


def load_stored_page(conn: sqlite3.Connection, article_id: int) -> StoredPage | None:
    """The stored page an article was extracted from, decompressed; None without article or page."""
    article = conn.execute("SELECT url, raw_sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
    if article is None:
        return None
    row = _stored_page_row(conn, article[0], article[1], with_content=True)
    if row is None:
        return None
    sha256, fetched_at, url, encoding, content = row
    try:  # a name Python knows, in its canonical spelling: it goes into a Content-Type header
        charset = codecs.lookup(encoding).name if encoding else "utf-8"
    except LookupError:
        charset = "utf-8"
    return StoredPage(zlib.decompress(content), charset, url, fetched_at, sha256)


def localize_images(body_html: str, base_url: str, local: dict[str, str]) -> str:
    """Point every <img> of the body at its local file; replace the ones without one by a note.

    `local` maps an image URL (percent-decoded) to the local URL of its file.
    """
    if not body_html.strip():
        return ""
    wrapper = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for img in list(wrapper.iter("img")):
        sources = [img.get(a) for a in _SRC_ATTRIBUTES if img.get(a)]
        found = next(
            (local[_key(urljoin(base_url, s))] for s in sources if _key(urljoin(base_url, s)) in local),
            None,
        )
        for attribute in (*_SRC_ATTRIBUTES, "srcset", "sizes"):
            img.attrib.pop(attribute, None)
        if found:
            img.set("src", found)
            continue
        note = lxml.html.Element("span", {"class": "image-missing"})
        alt = img.get("alt")
        note.text = f"[image not archived{': ' + alt if alt else ''}]"
        note.tail = img.tail
        img.getparent().replace(img, note)
    html = lxml.html.tostring(wrapper, encoding="unicode")
    # Drop the wrapper <div> added for parsing; its content is the body as stored.
    return html[len("<div>") : -len("</div>")]

"""One article as a reader sees it, rebuilt from the archive alone: what /article/<id> shows.

Everything the page loads comes from this archive: the body's pictures are pointed at the local
image files, and a picture that was never downloaded is shown as a note, never fetched from the
site (the archive must read the same when the site is gone).

Nothing stored is trusted on the archive's origin: the body is sanitized again with the
extractor's allow-list (archive/browse/sanitize.py), and a stored URL becomes a live link only when it
is an http(s) URL (a `javascript:` one recovered from a web archive's index stays text).
"""

from __future__ import annotations

import codecs
import re
import sqlite3
import zlib
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html

from archive.browse.sanitize import clean_html, is_web_url

# Attributes lazy-loading themes put the real source in; the sanitizer may keep some of them.
_SRC_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src")
_HISTORY_ROWS = 20  # the page shows the latest observations; the table view has them all
# A sqlite INTEGER: a larger id in a URL names no article (and sqlite3 cannot even bind it).
MAX_ID = 2**63 - 1

# Every URL an article's evidence is filed under: its own (a crawl), and the raw-capture URLs of
# a web archive it was recovered from (`<replay><timestamp>id_/<url>`: what a recovery fetched,
# and so what its fetch_log rows and WARC records name). The article page counts its captures;
# the canned queries of the same names (archive/browse/metadata.py) list them.
_ARTICLE_URLS = """\
    SELECT url FROM articles WHERE id = :article
    UNION SELECT recovered_from FROM articles WHERE id = :article
    UNION SELECT recovered_from FROM article_versions WHERE article_id = :article
    UNION SELECT raw_url FROM recovered_captures WHERE article_id = :article"""
ARTICLE_CAPTURES_SQL = f"""\
SELECT c.captured_at, c.url, c.record_type, c.status, c.warc_file, c.offset, c.length,
       c.record_id, c.payload_digest, c.id AS capture
FROM captures AS c
WHERE c.url IN (
{_ARTICLE_URLS}
)
ORDER BY c.captured_at DESC, c.id DESC"""
ARTICLE_FETCHES_SQL = f"""\
SELECT f.fetched_at, f.url, f.final_url, f.status, f.error, f.bytes, f.sha256, f.run_id, f.id AS fetch_id
FROM fetch_log AS f
WHERE f.final_url IN (
{_ARTICLE_URLS}
)
ORDER BY f.fetched_at DESC, f.id DESC"""
# The web-archive captures read for an article, newest first (the page shows the latest).
_WEB_CAPTURE_ROWS = 20
_RAW_CAPTURE = re.compile(r"^(?P<replay>.+?/)(?P<timestamp>\d{4,14})id_/(?P<url>.+)$")


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
        captures = conn.execute(f"SELECT count(*) FROM ({ARTICLE_CAPTURES_SQL})", {"article": article_id}).fetchone()[0]
        web_captures = [
            dict(r)
            for r in conn.execute(
                "SELECT timestamp, raw_url, outcome FROM recovered_captures WHERE article_id = ?"
                " ORDER BY timestamp DESC LIMIT ?",
                (article_id, _WEB_CAPTURE_ROWS),
            )
        ]
        web_capture_count = conn.execute(
            "SELECT count(*) FROM recovered_captures WHERE article_id = ?", (article_id,)
        ).fetchone()[0]
    finally:
        conn.row_factory = previous
    article["stored_page"] = {"sha256": stored[0], "fetched_at": stored[1]} if stored else None
    article["captures"] = captures
    article["live_url"] = web_link(article["url"])
    article["recovery"] = recovery_of(article.get("recovered_from"), article.get("captured_at"))
    for capture in web_captures:
        capture["captured_at"] = timestamp_iso(capture["timestamp"])
        capture["link"] = web_link(capture["raw_url"])
    article["web_captures"] = web_captures
    article["web_capture_count"] = web_capture_count
    for image in images:
        image["local_url"] = images_prefix + image["path"] if image["path"] else None
        image["src_link"] = web_link(image["src_url"])
    local = {_key(i["src_url"]): i["local_url"] for i in images if i["local_url"]}
    # Sanitized again before anything else reads it: the stored body is only as clean as
    # whatever wrote the archive.
    body = clean_html(article.get("body_html") or "", article["url"])
    article["body_html_local"] = localize_images(body, article["url"], local)
    article["images"] = images
    article["history"] = history
    article["observations"] = observations
    article["versions"] = versions
    return article


def web_link(url: str | None) -> str | None:
    """`url` when it may be a live link (http or https), else None: the page shows it as text."""
    return url.strip() if is_web_url(url) else None


def timestamp_iso(timestamp: str | None) -> str | None:
    """A capture's 14-digit timestamp as ISO 8601 UTC (`20201001030000` -> `2020-10-01T03:00:00Z`),
    as far as it has digits; None when it is none."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) < 4:
        return None
    t = timestamp.ljust(14, "0")[:14]
    return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def recovery_of(recovered_from: str | None, captured_at: str | None) -> dict[str, Any] | None:
    """Where a recovered article's current content came from: the web archive (its replay prefix
    and host name), the capture's time and raw-capture URL; None for content read from the site."""
    if not recovered_from:
        return None
    match = _RAW_CAPTURE.match(recovered_from.strip())
    replay = match.group("replay") if match else None
    host = urlsplit(replay).hostname if replay and is_web_url(replay) else None
    return {
        "archive": host or replay or "a web archive",
        "replay": web_link(replay),
        "captured_at": captured_at or (timestamp_iso(match.group("timestamp")) if match else None),
        "raw_url": recovered_from,
        "link": web_link(recovered_from),
    }


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

"""Writing the archive: articles with their history, image files, raw pages, runs and fetches.

Called by the crawler's pipelines in Scrapy's reactor thread, so every call is one short
transaction. Times are stored as UTC "2026-11-26T05:40:00Z" (see archive/storage/runs.py); times passed
in any ISO 8601 form are converted to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from archive.db import connect
from archive.error_kinds import NOT_AN_IMAGE
from archive.record import Article, ImageRef, RawPage
from archive.storage import runs, sites
from archive.storage.fold import fold, nfc, strip_controls
from archive.storage.images import ImageInfo, NotAnImage, write_image

# Fields an extraction may miss on a bad day; an empty value never replaces a stored one.
PROTECTED_FIELDS = ("title", "published_at", "published_text", "body_text", "body_html", "author", "category")
TEXT_FIELDS = PROTECTED_FIELDS
# The columns an Article and an ImageRef fill, from the record types themselves: a field added
# to a record is a column written here without a second list to keep in step. `images` is a
# table of its own, `listing` a verdict that is never stored.
ARTICLE_COLUMNS = tuple(f.name for f in dataclasses.fields(Article) if f.name not in ("images", "listing"))
IMAGE_COLUMNS = tuple(f.name for f in dataclasses.fields(ImageRef))
# What the archive adds to each: when it saw the article, its content digest, its site.
ARTICLE_ROW = (*ARTICLE_COLUMNS, "site", "first_seen_at", "last_seen_at", "content_hash")
ARTICLE_IMAGE_ROW = ("article_id", *IMAGE_COLUMNS, "image_sha256")


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


@dataclass
class SaveResult:
    article_id: int
    outcome: str  # "new" | "changed" | "unchanged" (by content_hash: title, body, images)
    problems: list[str] = field(default_factory=list)  # e.g. "title empty (kept stored value)"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: str | None) -> str | None:
    # The one boundary every stored text crosses: NFC, and no terminal control characters.
    return nfc(strip_controls(value))


def normalize_article(article: Article) -> Article:
    """NFC every text, control characters dropped, blank strings to None, image positions
    0..n-1 in page order."""
    texts = {name: _text(getattr(article, name)) for name in TEXT_FIELDS}
    texts = {name: None if _blank(value) else value for name, value in texts.items()}
    images = tuple(
        ImageRef(
            position=index,
            src_url=_text(ref.src_url.strip()),
            caption=None if _blank(ref.caption) else _text(ref.caption),
            alt=None if _blank(ref.alt) else _text(ref.alt),
            credit=None if _blank(ref.credit) else _text(ref.credit),
        )
        for index, ref in enumerate(sorted(article.images, key=lambda ref: ref.position))
    )
    return replace(article, url=_text(article.url.strip()), images=images, **texts)


class NotHttpUrl(ValueError):
    """An article whose URL is not http(s) (`javascript:…`, `data:…`): refused, never stored."""


def require_http(url: str) -> None:
    """Raise NotHttpUrl unless `url` is an absolute http(s) URL with a host. An article's URL is
    shown as its live link; an index or a page can name anything there."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed [IPv6 address
        host, parts = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        raise NotHttpUrl(f"not an http(s) URL: {url[:200]!r}")


def content_hash(title: str | None, body_text: str | None, images: tuple[ImageRef, ...] | list[ImageRef]) -> str:
    """sha256 of a canonical JSON of what makes an edit: title, body, and each image's source,
    caption and credit. The view counter, dates and byline are not part of it."""
    canonical = json.dumps(
        {
            "title": title,
            "body_text": body_text,
            "images": [[ref.src_url, ref.caption, ref.credit] for ref in images],
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Archive:
    """One archive: the SQLite file and the images folder beside it."""

    def __init__(self, db_path: str | Path, images_dir: str | Path):
        self.db_path = Path(db_path)
        self.db: sqlite_utils.Database = connect(db_path)
        self.images_dir = Path(images_dir)
        # What this process saw per run, to fill the counts a caller leaves out of finish_run.
        self._tallies: dict[int, runs.RunTally] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs and fetches ------------------------------------------------------------------

    def start_run(self, start_urls: list[str], settings: dict, *, kind: str = "crawl") -> int:
        run_id = runs.start_run(self.db, start_urls, settings, kind=kind)
        self._tallies[run_id] = runs.RunTally()
        return run_id

    def tally(self, run_id: int) -> runs.RunTally:
        """The tally of the run in this process: what this Archive object recorded for it."""
        return self._tallies.setdefault(run_id, runs.RunTally())

    def run_counts(self, run_id: int) -> dict[str, int]:
        """Counts of what this Archive object recorded for the run (pages, articles_*, images_*)."""
        counts = self._tallies[run_id].counts if run_id in self._tallies else {}
        return {name: counts.get(name, 0) for name in runs.COUNT_FIELDS}

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        exit_code: int,
        counts: dict,
        errors: dict[str, int],
        fill_rates: dict[str, float],
        problems: list,
    ) -> None:
        """Close the run. Counts the caller leaves out come from what this object recorded."""
        merged = self.run_counts(run_id) | dict(counts)
        runs.finish_run(
            self.db,
            run_id,
            status=status,
            exit_code=exit_code,
            counts=merged,
            errors=errors,
            fill_rates=fill_rates,
            problems=problems,
        )
        self._tallies.pop(run_id, None)

    def finished_runs(self, *, limit: int = 5, before: int | None = None, kind: str | None = None) -> list[dict]:
        """Earlier finished runs, newest first, JSON decoded (see runs.finished_runs)."""
        return runs.finished_runs(self.db, limit=limit, before=before, kind=kind)

    def list_runs(self, limit: int = 20) -> list[dict]:
        return runs.list_runs(self.db, limit=limit)

    def site_runs(self, site: str, *, limit: int = 5, before: int | None = None, kind: str | None = None) -> list[dict]:
        """A site's outcomes in earlier finished runs, newest first (see sites.site_runs)."""
        return sites.site_runs(self.db, site, limit=limit, before=before, kind=kind, finished=True)

    def record_run_site(self, run_id: int, site: str, **outcome) -> None:
        """A site's outcome in a run (sites.record_run_site)."""
        sites.record_run_site(self.db, run_id, site, **outcome)

    def register_site(
        self,
        name: str,
        title: str | None,
        hosts: list[str],
        digest: str | None,
        at: str,
        title_en: str | None = None,
        home: str | None = None,
        language: str | None = None,
        member_of: str | None = None,
    ) -> None:
        sites.register(
            self.db,
            name,
            title=title,
            hosts=hosts,
            digest=digest,
            at=runs.utc_iso(at),
            title_en=title_en,
            home=home,
            language=language,
            member_of=member_of,
        )

    def _count(self, run_id: int | None, name: str, site: str | None = None) -> None:
        if run_id is not None:
            self.tally(run_id).count(name, site=site)

    def log_fetch(
        self,
        run_id: int,
        *,
        url: str,
        final_url: str | None,
        kind: str,
        status: int | None,
        error: str | None,
        body: bytes | None,
        fetched_at: str,
        body_digest: tuple[int, str] | None = None,
    ) -> int:
        """One fetch_log row per request, its id returned; the body itself is not kept here (see save_article).

        `body_digest`: (size, sha256 hex) of the body, when the caller computed them already
        (then `body` may be None)."""
        if body_digest is None and body is not None:
            body_digest = (len(body), hashlib.sha256(body).hexdigest())
        size, sha256 = body_digest or (None, None)
        cursor = self.db.execute(
            "INSERT INTO fetch_log (run_id, url, final_url, kind, status, error, bytes, sha256, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, url, final_url, kind, status, error, size, sha256, runs.utc_iso(fetched_at)],
        )
        if kind == "page" and status is not None:  # pages that came back, not attempts that failed
            self._count(run_id, "pages")
        return cursor.lastrowid

    def fetch_refused(self, run_id: int, url: str, error: str) -> None:
        """The response this run last logged from `url` came, and was refused after: its decoded
        body passed the size limit (too_large), or the page could not be read (extract_error,
        extract_timeout). Its fetch_log row, written as the response came, says why."""
        self.db.execute(
            "UPDATE fetch_log SET error = ? WHERE id = (SELECT max(id) FROM fetch_log"
            " WHERE run_id = ? AND final_url = ? AND status IS NOT NULL)",
            [error, run_id, url],
        )

    # -- images ----------------------------------------------------------------------------

    def image_for_url(self, src_url: str) -> str | None:
        """The sha256 of the bytes stored for this URL, if they are on disk; then never download again."""
        row = self.db.execute(
            "SELECT s.image_sha256, i.path FROM image_sources s JOIN images i ON i.sha256 = s.image_sha256"
            " WHERE s.src_url = ?",
            [src_url],
        ).fetchone()
        if row is None or not (self.images_dir / row[1]).is_file():
            return None
        return row[0]

    def store_image(
        self,
        run_id: int | None,
        src_url: str,
        body: bytes,
        *,
        status: int,
        fetched_at: str,
    ) -> tuple[ImageInfo, bool]:
        """Write the file, then its rows (record_image); True when these bytes are new to the
        archive. Raises NotAnImage (after recording the failure) when the body is not an image.
        """
        try:
            info = write_image(self.images_dir, body)
        except NotAnImage:
            self.record_image_failure(src_url, status=status, error=NOT_AN_IMAGE, at=fetched_at, run_id=run_id)
            raise
        return info, self.record_image(run_id, src_url, info, status=status, fetched_at=fetched_at)

    def record_image(self, run_id: int | None, src_url: str, info: ImageInfo, *, status: int, fetched_at: str) -> bool:
        """The rows of an image file already written (archive.storage.images.write_image into this images
        folder, e.g. by the crawler in a worker thread); True when its bytes are new to the
        archive. Articles saved while this URL was failing get their image_sha256 filled in now.
        """
        at = runs.utc_iso(fetched_at)
        with self.db.atomic():
            new = (
                self.db.execute(
                    "INSERT INTO images (sha256, path, mime, width, height, bytes, first_seen_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
                    [info.sha256, info.path, info.mime, info.width, info.height, info.bytes, at],
                ).rowcount
                == 1
            )
            self.db.execute(
                "INSERT INTO image_sources (src_url, image_sha256, status, error, attempts, last_attempt_at)"
                " VALUES (?, ?, ?, NULL, 1, ?) ON CONFLICT(src_url) DO UPDATE SET"
                " image_sha256 = excluded.image_sha256, status = excluded.status, error = NULL,"
                " attempts = attempts + 1, last_attempt_at = excluded.last_attempt_at",
                [src_url, info.sha256, status, at],
            )
            self.db.execute(
                "UPDATE article_images SET image_sha256 = ? WHERE src_url = ? AND image_sha256 IS NULL",
                [info.sha256, src_url],
            )
        if new:
            self._count(run_id, "images_new")
        return new

    def record_image_failure(
        self, src_url: str, *, status: int | None, error: str, at: str, run_id: int | None = None
    ) -> None:
        """Remember a failed download. Bytes this URL answered with earlier stay linked: a later
        failure does not make the archived file any less what the page showed."""
        self.db.execute(
            "INSERT INTO image_sources (src_url, image_sha256, status, error, attempts, last_attempt_at)"
            " VALUES (?, NULL, ?, ?, 1, ?) ON CONFLICT(src_url) DO UPDATE SET"
            " status = excluded.status, error = excluded.error,"
            " attempts = attempts + 1, last_attempt_at = excluded.last_attempt_at",
            [src_url, status, error, runs.utc_iso(at)],
        )
        self._count(run_id, "images_failed")

    # -- articles --------------------------------------------------------------------------

    def save_article(
        self,
        article: Article,
        *,
        run_id: int | None,
        fetched_at: str,
        raw_html: bytes | None = None,
        encoding: str | None = None,
        raw: RawPage | None = None,
        site: str | None = None,
    ) -> SaveResult:
        """Archive one fetched article in one transaction: the row, its images, its search row, a
        view-count observation, the raw page, and the previous content as a version if it changed.

        The raw page comes as its bytes (`raw_html`, `encoding`) or, made already where the
        bytes were, as a `RawPage` (the crawler's way). `site`: the site the article belongs to
        (the crawler's profiles say which; None: the `sites` row claiming its host, else its host)."""
        at = runs.utc_iso(fetched_at)
        article = normalize_article(article)
        require_http(article.url)
        if raw is None and raw_html is not None:
            raw = RawPage.of(raw_html, encoding)
        with self.db.atomic():
            result = self._apply(
                article,
                at=at,
                run_id=run_id,
                observed=True,
                raw=raw,
                cause="fetch",
                site=site,
            )
        self._count(run_id, f"articles_{result.outcome}", site=site)
        return result

    def raw_page(self, sha256: str) -> tuple[bytes, str, str | None] | None:
        """(body, url, encoding) of a stored raw page, decompressed."""
        row = self.db.execute("SELECT content, url, encoding FROM raw_pages WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            return None
        return zlib.decompress(row[0]), row[1], row[2]

    def apply_reextraction(self, article: Article, *, at: str | None = None) -> SaveResult:
        """Replace an article's content with a re-extraction of its stored page (see reparse):
        a version marked `reparse` when the content changed; no view count, no last_seen_at."""
        with self.db.atomic():
            return self._apply(
                normalize_article(article),
                at=runs.utc_iso(at) if at else runs.utc_now(),
                run_id=None,
                observed=False,
                raw=None,
                cause="reparse",
            )

    # The steps of _apply are methods so a test can make one fail halfway and check the rollback.

    def _apply(
        self,
        article: Article,
        *,
        at: str,
        run_id: int | None,
        observed: bool,
        raw: RawPage | None,
        cause: str,
        recovered: tuple[str, str] | None = None,
        site: str | None = None,
    ) -> SaveResult:
        """`recovered`: (captured_at, raw-capture URL) when the page came from a web archive
        (archive/operations/recovery.py), None when it came from the live site, whose reading always
        replaces a recovered one's provenance. `site`: the site of a new article (an archived
        one keeps its own)."""
        row = self._article_row(article.url)
        stored_images = self._stored_images(row["id"]) if row else []
        fields, images, problems = self._merge(article, row, stored_images)
        new_hash = content_hash(fields["title"], fields["body_text"], images)
        if row is None:
            article_id = self._insert_article(article.url, fields, new_hash, at, self._site(article.url, site))
            outcome = "new"
        else:
            article_id = row["id"]
            outcome = "unchanged" if new_hash == row["content_hash"] else "changed"
            if outcome == "changed":
                self._keep_version(row, stored_images, at, cause)
            self._update_article(row, fields, new_hash, at, touch=observed)
        # A recovered capture is the newest reading of its article: the page it came from (the
        # one recovered_from names) is the one kept, even when only the counter changed.
        if raw is not None and (
            row is None
            or row["raw_sha256"] is None
            or recovered is not None
            or self._differs(row, fields, stored_images, images)
        ):
            self._store_raw(article_id, article.url, raw, at)
        if observed and article.views is not None:
            self._observe_views(article_id, article.views, at, run_id, row)
        elif observed and row is not None and row["views"] is not None:
            problems.append("views empty (kept stored value)")
        self._write_images(article_id, images, stored_images)
        if row is None or self._search_text_differs(row, fields, stored_images, images):
            self._write_search(article_id, fields, images)
        if cause == "fetch":
            self._note_provenance(article_id, row, recovered)
        return SaveResult(article_id=article_id, outcome=outcome, problems=problems)

    def _note_provenance(self, article_id: int, row: dict | None, recovered: tuple[str, str] | None) -> None:
        if recovered is None:
            if row is not None and row["recovered_from"] is not None:
                self.db.execute(
                    "UPDATE articles SET captured_at = NULL, recovered_from = NULL WHERE id = ?", [article_id]
                )
        else:
            # The latest capture read is the current content's source (recovery.save_capture
            # comes here only with a capture no older than the one recorded).
            self.db.execute(
                "UPDATE articles SET captured_at = ?, recovered_from = ? WHERE id = ?", [*recovered, article_id]
            )

    def _article_row(self, url: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE url = ?", [url]))
        return rows[0] if rows else None

    def _site(self, url: str, site: str | None) -> str:
        """The site a new article is stored under, its `sites` row made if it has none yet."""
        name = site or sites.site_of_url(self.db, url)
        self.db.execute(
            "INSERT INTO sites (name, hosts) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
            [name, json.dumps([] if site else [sites.adhoc_name(url)])],
        )
        return name

    def _stored_images(self, article_id: int) -> list[dict]:
        return list(
            self.db.query(
                f"SELECT {', '.join(IMAGE_COLUMNS)}, image_sha256 FROM article_images"
                " WHERE article_id = ? ORDER BY position",
                [article_id],
            )
        )

    @staticmethod
    def _merge(
        article: Article, row: dict | None, stored_images: list[dict]
    ) -> tuple[dict, tuple[ImageRef, ...], list[str]]:
        fields = {name: getattr(article, name) for name in PROTECTED_FIELDS}
        fields["views"] = article.views
        images = article.images
        problems: list[str] = []
        if row is None:
            return fields, images, problems
        for name in PROTECTED_FIELDS:
            if fields[name] is None and row[name] is not None:
                fields[name] = row[name]
                problems.append(f"{name} empty (kept stored value)")
        if not images and stored_images:
            images = tuple(_ref(image) for image in stored_images)
            problems.append("images empty (kept stored value)")
        return fields, images, problems

    @staticmethod
    def _differs(row: dict, fields: dict, stored_images: list[dict], images: tuple[ImageRef, ...]) -> bool:
        """Whether anything but the view counter differs from what is stored."""
        if any(row[name] != fields[name] for name in PROTECTED_FIELDS):
            return True
        return tuple(_ref(image) for image in stored_images) != images

    def _search_text_differs(
        self, row: dict, fields: dict, stored_images: list[dict], images: tuple[ImageRef, ...]
    ) -> bool:
        # Folding a long body costs milliseconds: skip it when the searchable text is as stored.
        if (row["title"], row["body_text"]) != (fields["title"], fields["body_text"]):
            return True
        if [image["caption"] for image in stored_images] != [ref.caption for ref in images]:
            return True
        return self.db.execute("SELECT 1 FROM article_search WHERE article_id = ?", [row["id"]]).fetchone() is None

    # Numbered past every id ever given, set-aside rows included (archive/storage/set_aside.py): an article
    # put back must find its id free, and its images and counts must not meet another's.
    _NEXT_ID = (
        "max(coalesce((SELECT max(id) FROM articles), 0),"
        " coalesce((SELECT max(article_id) FROM set_aside_articles), 0)) + 1"
    )

    def _insert_article(self, url: str, fields: dict, digest: str, at: str, site: str) -> int:
        row = {**fields, "url": url, "site": site, "first_seen_at": at, "last_seen_at": at, "content_hash": digest}
        values = ", ".join("?" * len(ARTICLE_ROW))
        sql = f"INSERT INTO articles (id, {', '.join(ARTICLE_ROW)}) VALUES ({self._NEXT_ID}, {values})"
        cursor = self.db.execute(sql, [row[name] for name in ARTICLE_ROW])
        return int(cursor.lastrowid)

    def _update_article(self, row: dict, fields: dict, digest: str, at: str, *, touch: bool) -> None:
        values = {name: fields[name] for name in PROTECTED_FIELDS}
        values["content_hash"] = digest
        if touch:
            values["last_seen_at"] = max(row["last_seen_at"], at)
        if all(row[name] == value for name, value in values.items()):
            return
        columns = ", ".join(f"{name} = ?" for name in values)
        self.db.execute(f"UPDATE articles SET {columns} WHERE id = ?", [*values.values(), row["id"]])

    def _content_since(self, row: dict) -> str:
        # The current content began when the previous version ended, or at the first fetch.
        since = self.db.execute(
            "SELECT max(seen_until) FROM article_versions WHERE article_id = ?", [row["id"]]
        ).fetchone()[0]
        return since or row["first_seen_at"]

    def _keep_version(self, row: dict, stored_images: list[dict], at: str, cause: str) -> None:
        images = [
            {key: image[key] for key in ("src_url", "caption", "credit", "image_sha256")} for image in stored_images
        ]
        self.db.execute(
            "INSERT INTO article_versions (article_id, content_hash, seen_from, seen_until, title,"
            " published_text, body_text, body_html, author, images, replaced_by, recovered_from)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row["id"],
                row["content_hash"],
                self._content_since(row),
                at,
                row["title"],
                row["published_text"],
                row["body_text"],
                row["body_html"],
                row["author"],
                json.dumps(images, ensure_ascii=False),
                cause,
                row["recovered_from"],
            ],
        )

    def _store_raw(self, article_id: int, url: str, raw: RawPage, at: str) -> None:
        self.store_raw_page(url, raw, at)
        self.db.execute("UPDATE articles SET raw_sha256 = ? WHERE id = ?", [raw.sha256, article_id])

    def store_raw_page(self, url: str, raw: RawPage, at: str) -> None:
        """A raw_pages row (once per content)."""
        self.db.execute(
            "INSERT INTO raw_pages (sha256, url, fetched_at, encoding, content) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(sha256) DO NOTHING",
            [raw.sha256, url, at, raw.encoding, raw.compressed],
        )

    def _observe_views(self, article_id: int, views: int, at: str, run_id: int | None, row: dict | None) -> None:
        self.db.execute(
            "INSERT INTO view_counts (article_id, observed_at, views, run_id) VALUES (?, ?, ?, ?)",
            [article_id, at, int(views), run_id],
        )
        # An observation older than the latest one (a late retry) joins the history only.
        if row is None or at >= row["last_seen_at"]:
            self.db.execute("UPDATE articles SET views = ? WHERE id = ?", [int(views), article_id])

    def _write_images(self, article_id: int, images: tuple[ImageRef, ...], stored_images: list[dict]) -> None:
        urls = sorted({ref.src_url for ref in images})
        known: dict[str, str] = {}
        if urls:
            marks = ",".join("?" * len(urls))
            known = {
                url: sha
                for url, sha in self.db.execute(
                    f"SELECT src_url, image_sha256 FROM image_sources WHERE src_url IN ({marks})"
                    " AND image_sha256 IS NOT NULL",
                    urls,
                )
            }
        # A link already made stays made even if image_sources lost it.
        earlier = {image["src_url"]: image["image_sha256"] for image in stored_images if image["image_sha256"]}
        wanted = [
            {
                **{name: getattr(ref, name) for name in IMAGE_COLUMNS},
                "image_sha256": known.get(ref.src_url) or earlier.get(ref.src_url),
            }
            for ref in images
        ]
        if wanted == stored_images:
            return
        self.db.execute("DELETE FROM article_images WHERE article_id = ?", [article_id])
        insert = insert_sql("article_images", ARTICLE_IMAGE_ROW)
        for image in wanted:
            image["article_id"] = article_id
            self.db.execute(insert, [image[name] for name in ARTICLE_IMAGE_ROW])

    def _write_search(self, article_id: int, fields: dict, images: tuple[ImageRef, ...]) -> None:
        # Folded text only: the FTS table (archive/db.py) indexes this copy through triggers.
        wanted = (
            fold(fields["title"]),
            fold(fields["body_text"]),
            "\n".join(fold(ref.caption) for ref in images if ref.caption),
        )
        current = self.db.execute(
            "SELECT title, body, captions FROM article_search WHERE article_id = ?", [article_id]
        ).fetchone()
        if current is None:
            self.db.execute(
                "INSERT INTO article_search (article_id, title, body, captions) VALUES (?, ?, ?, ?)",
                [article_id, *wanted],
            )
        elif tuple(current) != wanted:
            # UPDATE (never INSERT OR REPLACE): the update trigger keeps the FTS index in step.
            self.db.execute(
                "UPDATE article_search SET title = ?, body = ?, captions = ? WHERE article_id = ?",
                [*wanted, article_id],
            )


def _ref(image: dict) -> ImageRef:
    return ImageRef(**{name: image[name] for name in IMAGE_COLUMNS})

"""The archive's schema: one place for every table, column description and migration.

The schema is a public interface (archivists query it with sqlite3, Datasette, Python), so the
names below are fixed by the contract in docs/schema.md. Migrations are append-only: a database is
at `PRAGMA user_version` = the number of migrations applied to it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from archive import __version__
from archive.error_kinds import ERROR_KINDS, FETCH_ERRORS, IMAGE_ERRORS, UNNAMED, explained, listed
from archive.outcome import RUN_STATUSES

logger = logging.getLogger(__name__)

# Column descriptions: the data dictionary shown by `serve` and written into exports.
COLUMNS: dict[str, dict[str, str]] = {
    "articles": {
        "id": "Stable numeric id of the article in this archive",
        "url": "Absolute URL of the article, after redirects",
        "title": "Headline as printed",
        "published_at": "Publication date, ISO 8601: 2020-07-15 when only the day is known, "
        "2026-02-23T09:15:00+07:00 when the time is (a printed time is on the site's clock, its profile's timezone: "
        "Asia/Ho_Chi_Minh for the university's sites; a timestamp the page declares with its own offset keeps it); "
        "never in the future, never before 1991",
        "published_text": "Publication date exactly as printed on the page",
        "views": "Latest observed view counter ('550 lần đọc'); NULL when the page shows none",
        "body_text": "Article text, paragraphs joined by a blank line; no captions, byline or page furniture",
        "body_html": "The article's HTML, sanitized with an allow-list (no scripts, styles, frames, event attributes)",
        "author": "Byline as printed; NULL when the page has none",
        "category": "Category the article is filed under, as the page prints it (the dataset also gives the name "
        "its site's profile maps it to: tnu-archive export)",
        "first_seen_at": "When this archive first fetched the article (UTC, ISO 8601); for an article recovered "
        "from a web archive, the time of its earliest capture read",
        "last_seen_at": "When this archive last fetched the article (UTC, ISO 8601); for an article recovered "
        "from a web archive, the time of its latest capture read",
        "content_hash": "sha256 of the current title, body and images; changes when the article is edited",
        "raw_sha256": "The raw page (raw_pages.sha256) the current content was extracted from",
        "captured_at": "For an article recovered from a web archive: when the capture its current content "
        "was read from was made (UTC); NULL for articles read from the live site",
        "recovered_from": "For an article recovered from a web archive: the raw-capture URL its current content "
        "was fetched from (<replay><timestamp>id_/<url>); NULL for articles read from the live site",
        "site": "The site the article belongs to (sites.name): the site whose hosts claim its URL's host, e.g. tnu "
        "for tnu.edu.vn; an article is one site's, whichever site linked it. Archives older than sites got tnu",
    },
    "images": {
        "sha256": "sha256 of the original image bytes, as downloaded (never re-encoded)",
        "path": "File path relative to the images folder: <first two hex>/<sha256>.<ext>",
        "mime": "Media type sniffed from the bytes",
        "width": "Width in pixels; NULL when the bytes cannot be decoded",
        "height": "Height in pixels; NULL when the bytes cannot be decoded",
        "bytes": "Size of the file in bytes",
        "first_seen_at": "When the bytes were first downloaded (UTC)",
    },
    "article_images": {
        "article_id": "The article (articles.id)",
        "position": "0-based position of the image in the article, page order",
        "src_url": "Absolute URL of the image as the page references it",
        "image_sha256": "The downloaded bytes (images.sha256); NULL while the download has failed (a src_url "
        "that is not http(s), e.g. javascript: kept by an earlier version, is never requested: it stays NULL)",
        "caption": "Caption as printed, photo credit included",
        "alt": "The image's alt text",
        "credit": "Photographer, parsed from '(ảnh: …)' or 'Ảnh: …'",
    },
    "image_sources": {
        "src_url": "Absolute URL an image was requested from",
        "image_sha256": "The bytes it answered with (images.sha256); NULL while it has failed",
        "status": "HTTP status of the last attempt, NULL when no response came",
        "error": f"Why the last attempt failed: {listed(IMAGE_ERRORS)}; NULL on success",
        "attempts": "How many times it has been requested",
        "last_attempt_at": "When it was last requested (UTC); while it has failed, the next run asks again 1, 2, 4, … "
        "days later, at most 32; after RETRY_GIVE_UP (7) failures only where its article is fetched again and "
        "still shows it (missing_file: at once)",
    },
    "crawl_runs": {
        "id": "Run number",
        "started_at": "Start of the run (UTC)",
        "ended_at": "End of the run (UTC); NULL while running or when the run was killed",
        "status": "How the run ended: " + "; ".join(f"{name} ({text})" for name, text in RUN_STATUSES.items()),
        "exit_code": "The exit code the crawl command returned",
        "crawler_version": "Version of tnu-archive that ran",
        "start_urls": "JSON list of the start URLs",
        "settings": "JSON object of the Scrapy settings that matter for the run",
        "pages": "Pages fetched (listings and articles)",
        "articles_new": "Articles archived for the first time",
        "articles_changed": "Articles whose content changed (a version was kept)",
        "articles_unchanged": "Articles fetched again with no change",
        "images_new": "Image files downloaded and stored for the first time",
        "images_failed": "Image downloads that failed",
        "errors": f"JSON object: error kind -> count. The kinds: {explained(ERROR_KINDS)}; {UNNAMED}",
        "fill_rates": "JSON object: field -> share of fetched articles where it was found",
        "problems": "JSON list of problems noticed (drift, fields that came back empty, …)",
        "pid": "Process id of the crawl, to tell a run still going from one whose process died",
        "host": "Host name the crawl ran on",
        "kind": "crawl (the live site) or recover (captures of a web archive, tnu-archive recover)",
        "articles_generic": "Articles of the run read by generic rules alone (no selector of their site's "
        "profile matched): a share rising towards all of them means a new layout; NULL for runs before it was counted",
        "shard": "For a run merged from a shard (tnu-archive merge, docs/scale.md): the shard it came from (the name "
        "of its data folder); NULL for a run made on this archive",
        "shard_run_id": "For a run merged from a shard: its id (crawl_runs.id) in that shard; NULL otherwise",
    },
    "view_counts": {
        "article_id": "The article (articles.id)",
        "observed_at": "When the counter was read (UTC)",
        "views": "The counter's value",
        "run_id": "The run that read it (crawl_runs.id)",
    },
    "article_versions": {
        "id": "Version number",
        "article_id": "The article (articles.id)",
        "content_hash": "sha256 of this version's title, body and images",
        "seen_from": "First time this content was seen (UTC)",
        "seen_until": "When it was replaced by newer content (UTC)",
        "title": "Title of this version",
        "published_text": "Date as printed in this version",
        "body_text": "Body text of this version",
        "body_html": "Body HTML of this version",
        "author": "Byline of this version",
        "images": "JSON list of this version's images (src_url, caption, credit, image_sha256)",
        "replaced_by": "What replaced this content: fetch (the page changed on the site) or "
        "reparse (the stored page was re-extracted offline by a newer extractor)",
        "recovered_from": "The raw web-archive capture this version was read from (tnu-archive recover); "
        "NULL when it was read from the live site",
    },
    "fetch_log": {
        "id": "Row number",
        "run_id": "The run (crawl_runs.id)",
        "url": "URL requested",
        "final_url": "URL of the final response, after redirects",
        "kind": "page or image (a recovery's CDX queries and raw captures are pages)",
        "status": "HTTP status; NULL when no response came",
        "error": f"Error kind (crawl_runs.errors explains each): {listed(FETCH_ERRORS)}; NULL on success",
        "bytes": "Size of the response body",
        "sha256": "sha256 of the response body (raw_pages.sha256 for pages kept)",
        "fetched_at": "When the response came (UTC)",
        "shard": "For a request merged from a shard (tnu-archive merge): the shard it came from; NULL for a "
        "request of a run made on this archive",
    },
    "raw_pages": {
        "sha256": "sha256 of the page body as received",
        "url": "Final URL the page was fetched from",
        "fetched_at": "When it was first fetched with this content (UTC)",
        "encoding": "Character encoding the page was decoded with",
        "content": "The page body, zlib-compressed",
    },
    "captures": {
        "id": "Row number",
        "run_id": "The run that made the capture (crawl_runs.id); NULL outside a run",
        "fetch_id": "The fetch_log row of the same HTTP exchange, when the crawler links it",
        "url": "URL of the request (WARC-Target-URI)",
        "record_type": "response (the bytes are in this record) or revisit (same bytes as refers_to)",
        "status": "HTTP status of the response",
        "warc_file": "File name of the WARC, in the WARC folder beside the database",
        "offset": "Byte offset of the record (its gzip member) in the WARC file",
        "length": "Length in bytes of the record (its gzip member) in the WARC file",
        "record_id": "WARC-Record-ID of the response or revisit record",
        "payload_digest": "WARC-Payload-Digest: sha1 (base32) of the body as the server sent it",
        "captured_at": "WARC-Date of the record (UTC)",
        "refers_to": "For a revisit: the captures.id whose record holds the bytes",
    },
}

COLUMNS["listings"] = {
    "listing_url": "A listing's first page (URL without the page number): a category listing of the URL rules, "
    "or a page discovery found to be one by its pager or the items it links (docs/discovery.md)",
    "completed_at": "When a run first walked this listing to its last page (UTC); until then runs walk it all",
    "last_page": "Number of the last page reached when it was completed",
    "last_crawled_at": "When a run last fetched its first page (UTC)",
}
COLUMNS["article_links"] = {
    "url": "An article URL as a listing links it (before redirects), or a page no URL rule knows that discovery "
    "asked for (docs/discovery.md)",
    "article_id": "The article it was archived as (articles.id); NULL while not archived yet",
    "first_seen_at": "When a listing first linked it (UTC)",
    "last_seen_at": "When a listing last linked it (UTC)",
    "not_article_at": "When it last turned out to be a static page, not an article (UTC); fetched again only after "
    "NOT_ARTICLE_RECHECK_DAYS (30)",
    "failed_attempts": "How many runs asked for it and got no page (an error, or HTTP 4xx/5xx after retries)",
    "last_failed_at": "When the last of those failed (UTC); the next run asks again 1, 2, 4, … days later, at most 32; "
    "after RETRY_GIVE_UP (7) failures only where a page, sitemap or feed still links it",
}

TABLE_DESCRIPTIONS: dict[str, str] = {
    "articles": "One row per article, its current content",
    "images": "One row per distinct image file (by content)",
    "article_images": "The images of each article, in page order, with caption and credit",
    "image_sources": "Every image URL requested and the bytes it answered with",
    "crawl_runs": "One row per run of the crawler",
    "view_counts": "Every observation of an article's view counter",
    "article_versions": "Earlier content of articles that were edited",
    "fetch_log": "One row per request made by a run",
    "raw_pages": "Raw HTML of the article pages, compressed, for offline re-extraction",
    "captures": "Where each HTTP response of a crawl is kept in the WARC files (file, offset, record id)",
    "listings": "Crawl frontier: the category listings and whether they have been walked to the end",
    "article_links": "Crawl frontier: every article link found, and what it was archived as",
    "article_search": "Folded copy (no accents, đ→d, lower case) of each article's text, indexed by article_search_fts",
    "article_aliases": "Other URLs of an archived article: its short link, the URL it was reached under before its "
    "canonical URL was known; never fetched again as another article",
}
COLUMNS["article_aliases"] = {
    "url": "Another absolute URL of the article (tracking parameters such as utm_* are dropped from every URL first)",
    "article_id": "The article it names (articles.id)",
    "first_seen_at": "When a run first found it naming the article (UTC)",
}

COLUMNS["recovered_captures"] = {
    "url": "Original URL of a web-archive capture (as the CDX index lists it)",
    "timestamp": "The capture's 14-digit timestamp (YYYYMMDDhhmmss, UTC)",
    "digest": "The CDX index's digest of the captured body; NULL when the index gives none",
    "raw_url": "The raw-capture URL it was fetched from (<replay><timestamp>id_/<url>)",
    "outcome": "What it became: new, changed, unchanged or older (an article's content; older: earlier "
    "than the content kept, so a version or an observation only), not_article (a static page, or a page "
    "at a URL no rule names that is no article: none of that URL's captures is fetched again)",
    "article_id": "The article it was stored as (articles.id); NULL for a static page",
    "run_id": "The recovery run that fetched it (crawl_runs.id)",
    "recovered_at": "When it was recovered (UTC)",
}
TABLE_DESCRIPTIONS["recovered_captures"] = (
    "Web-archive captures already recovered (tnu-archive recover): never fetched again"
)

COLUMNS["cdx_walks"] = {
    "cdx_api": "The web archive's CDX endpoint walked (tnu-archive recover --cdx-api)",
    "pattern": "The URL pattern looked up (a site's host as host/*, or a --match)",
    "since": "The --from of the walk (YYYY[MM[DD]]); empty when none",
    "until": "The --to of the walk (YYYY[MM[DD]]); empty when none",
    "resume_key": "The index's resume key of the page the next recovery starts its walk at (the page before "
    "the one a killed run was reading, the page a bound or --limit left unread)",
    "saved_at": "When it was saved (UTC)",
}
TABLE_DESCRIPTIONS["cdx_walks"] = (
    "Where each unfinished walk of a web archive's CDX index goes on (tnu-archive recover): one row a walk cut "
    "short, removed once a walk reads the index to its end"
)

COLUMNS["set_aside_articles"] = {
    "article_id": "The id it had in articles; never given to another article, and its own again if it is restored",
    "url": "Its URL (articles.url as it was)",
    "set_aside_at": "When reparse took it out of articles (UTC)",
    "reason": "Why a newer extractor does not read it as an article: listing (a category, tag or search page), "
    "no_date (no publication date outside its running text: a static page such as a history, introduction or "
    "contact page), no_title",
    "row": "JSON object: its articles row as it was (raw_sha256 names its raw page, kept in raw_pages)",
    "related": "JSON object: the rows that belonged to it (article_images, view_counts, article_versions, "
    "article_aliases) and the keys of the article_links and recovered_captures rows that named it",
}
TABLE_DESCRIPTIONS["set_aside_articles"] = (
    "Rows reparse took out of articles because a newer extractor no longer reads their page as an article; "
    "kept whole, and put back by reparse when a later extractor reads the page as an article again"
)
COLUMNS["sites"] = {
    "name": "The site's name: its profile's (tnu, tnue, …; `tnu-archive sites` lists them), or for a host no "
    "profile claims the host itself, with its port when it has one (127.0.0.1:8001)",
    "title": "The name of the site's owner as its profile gives it (in the site's language): the publisher the "
    "exported dataset names; NULL for a host no profile claims",
    "hosts": "JSON list of the hosts the site claims (each with its subdomains, unless a more specific site claims "
    "one); a host given with a port claims that port only",
    "profile_digest": "sha256 of the profile the site was last crawled with (NULL for a host no profile claims)",
    "digest_changed_at": "When a run first used the profile with this digest (UTC): a layout drift right after it "
    "may be the profile's doing",
    "title_en": "The same name in English as the profile gives it (NULL when it gives none): the exported "
    "dataset's metadata names both",
    "home": "The site's home page as the profile gives it (its first start URL unless it names one): the "
    "publisher's address in the exported dataset's metadata; NULL for a host no profile claims",
    "language": "The language of the site's pages as its profile gives it (a BCP 47 tag: vi, en; the profiles' "
    "default is vi): the exported dataset declares the languages of its sites; NULL for a host no profile claims, "
    "or a site not crawled since the column was added",
    "member_of": "The site of the institution the site's owner belongs to, as its profile gives it (sites.name: tnu "
    "for the university's member schools): a dataset of the institution's sites is titled after it; NULL for a site "
    "of no other's, or not crawled since the column was added",
}
TABLE_DESCRIPTIONS["sites"] = (
    "One row per site ever archived (crawled, or holding an article): the university's member sites, and any "
    "other host crawled"
)
COLUMNS["run_sites"] = {
    "run_id": "The run (crawl_runs.id)",
    "site": "The site (sites.name)",
    "status": "How the site fared in the run (the statuses of crawl_runs.status); the run's own status is the worst "
    "of its sites'",
    "exit_code": "The exit code this site's outcome alone would give",
    "pages": "Pages of the site fetched (a recovery: the web archive's index pages and captures of it)",
    "articles_new": "Articles of the site archived for the first time",
    "articles_changed": "Articles of the site whose content changed",
    "articles_unchanged": "Articles of the site fetched again with no change",
    "articles_generic": "Articles of the site read by generic rules alone (no selector of its profile matched)",
    "errors": "JSON object: error kind -> count, for the site's pages",
    "fill_rates": "JSON object: field -> share of the site's fetched articles where it was found; the drift alarm "
    "compares a site with its own earlier runs only",
    "problems": "JSON list of the problems noticed on this site",
}
TABLE_DESCRIPTIONS["run_sites"] = (
    "Each run's outcome per site it crawled or recovered (a run of several sites has a row for each)"
)

COLUMNS["article_search"] = {
    "article_id": "The article (articles.id); also the rowid in article_search_fts",
    "title": "Folded title",
    "body": "Folded body text",
    "captions": "Folded captions of the article's images, one per line",
}


def _v1_core(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT,
            published_at TEXT,
            published_text TEXT,
            views INTEGER,
            body_text TEXT,
            body_html TEXT,
            author TEXT,
            category TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            content_hash TEXT
        );
        CREATE INDEX articles_published_at ON articles(published_at);
        CREATE TABLE images (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            mime TEXT,
            width INTEGER,
            height INTEGER,
            bytes INTEGER NOT NULL,
            first_seen_at TEXT
        );
        CREATE TABLE article_images (
            article_id INTEGER NOT NULL REFERENCES articles(id),
            position INTEGER NOT NULL,
            src_url TEXT NOT NULL,
            image_sha256 TEXT REFERENCES images(sha256),
            caption TEXT,
            alt TEXT,
            credit TEXT,
            PRIMARY KEY (article_id, position)
        );
        CREATE INDEX article_images_sha256 ON article_images(image_sha256);
        CREATE TABLE image_sources (
            src_url TEXT PRIMARY KEY,
            image_sha256 TEXT REFERENCES images(sha256),
            status INTEGER,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_attempt_at TEXT
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,
            exit_code INTEGER,
            crawler_version TEXT,
            start_urls TEXT,
            settings TEXT,
            pages INTEGER DEFAULT 0,
            articles_new INTEGER DEFAULT 0,
            articles_changed INTEGER DEFAULT 0,
            articles_unchanged INTEGER DEFAULT 0,
            images_new INTEGER DEFAULT 0,
            images_failed INTEGER DEFAULT 0,
            errors TEXT,
            fill_rates TEXT,
            problems TEXT
        );
        CREATE TABLE view_counts (
            article_id INTEGER NOT NULL REFERENCES articles(id),
            observed_at TEXT NOT NULL,
            views INTEGER NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        CREATE INDEX view_counts_article ON view_counts(article_id, observed_at);
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            content_hash TEXT NOT NULL,
            seen_from TEXT NOT NULL,
            seen_until TEXT,
            title TEXT,
            published_text TEXT,
            body_text TEXT,
            body_html TEXT,
            author TEXT,
            images TEXT
        );
        CREATE INDEX article_versions_article ON article_versions(article_id);
        CREATE TABLE fetch_log (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES crawl_runs(id),
            url TEXT NOT NULL,
            final_url TEXT,
            kind TEXT NOT NULL,
            status INTEGER,
            error TEXT,
            bytes INTEGER,
            sha256 TEXT,
            fetched_at TEXT NOT NULL
        );
        CREATE INDEX fetch_log_run ON fetch_log(run_id);
        CREATE INDEX fetch_log_final_url ON fetch_log(final_url);
        CREATE TABLE raw_pages (
            sha256 TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            encoding TEXT,
            content BLOB NOT NULL
        );
        """,
    )


def _v2_search(db: sqlite_utils.Database) -> None:
    # The index is over a folded copy (archive/storage/fold.py), written by the store with each article;
    # triggers keep the FTS5 table in step with it, whoever writes.
    _run_script(
        db,
        """
        CREATE TABLE article_search (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            title TEXT,
            body TEXT,
            captions TEXT
        );
        CREATE VIRTUAL TABLE article_search_fts USING fts5(
            title, body, captions,
            content='article_search', content_rowid='article_id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER article_search_ai AFTER INSERT ON article_search BEGIN
            INSERT INTO article_search_fts(rowid, title, body, captions)
            VALUES (new.article_id, new.title, new.body, new.captions);
        END;
        CREATE TRIGGER article_search_ad AFTER DELETE ON article_search BEGIN
            INSERT INTO article_search_fts(article_search_fts, rowid, title, body, captions)
            VALUES ('delete', old.article_id, old.title, old.body, old.captions);
        END;
        CREATE TRIGGER article_search_au AFTER UPDATE ON article_search BEGIN
            INSERT INTO article_search_fts(article_search_fts, rowid, title, body, captions)
            VALUES ('delete', old.article_id, old.title, old.body, old.captions);
            INSERT INTO article_search_fts(rowid, title, body, captions)
            VALUES (new.article_id, new.title, new.body, new.captions);
        END;
        """,
    )


def _v3_archive_links(db: sqlite_utils.Database) -> None:
    # raw_sha256: reparse needs the page the *current* content came from, which "latest
    # raw_pages row by url" cannot tell once a page returns to bytes seen before.
    # replaced_by: a version made by re-extraction is not an edit by the site.
    # pid/host: lets a new run tell a dead "running" run from a live one.
    _run_script(
        db,
        """
        ALTER TABLE articles ADD COLUMN raw_sha256 TEXT REFERENCES raw_pages(sha256);
        ALTER TABLE article_versions ADD COLUMN replaced_by TEXT;
        ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN host TEXT;
        CREATE INDEX raw_pages_url ON raw_pages(url);
        CREATE INDEX article_images_src_url ON article_images(src_url);
        CREATE INDEX crawl_runs_status ON crawl_runs(status);
        """,
    )


def _v4_captures(db: sqlite_utils.Database) -> None:
    # A table beside fetch_log rather than columns in it: fetch_log is one row per attempt
    # (errors included), a capture is one WARC record. The (url, payload_digest) index is how
    # an unchanged response becomes a revisit record instead of a second copy.
    _run_script(
        db,
        """
        CREATE TABLE captures (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES crawl_runs(id),
            fetch_id INTEGER REFERENCES fetch_log(id),
            url TEXT NOT NULL,
            record_type TEXT NOT NULL,
            status INTEGER,
            warc_file TEXT NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            record_id TEXT NOT NULL UNIQUE,
            payload_digest TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            refers_to INTEGER REFERENCES captures(id)
        );
        CREATE INDEX captures_url_digest ON captures(url, payload_digest);
        CREATE INDEX captures_run ON captures(run_id);
        CREATE INDEX captures_fetch ON captures(fetch_id);
        """,
    )


def _v5_frontier(db: sqlite_utils.Database) -> None:
    # What incremental runs need to know: which listings have been walked to their end once
    # (only those may be cut short), and which article links were found but not yet archived
    # (a failed or interrupted fetch is retried by the next run, wherever it was found).
    _run_script(
        db,
        """
        CREATE TABLE listings (
            listing_url TEXT PRIMARY KEY,
            completed_at TEXT,
            last_page INTEGER,
            last_crawled_at TEXT
        );
        CREATE TABLE article_links (
            url TEXT PRIMARY KEY,
            article_id INTEGER REFERENCES articles(id),
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE INDEX article_links_pending ON article_links(article_id) WHERE article_id IS NULL;
        """,
    )


def _v6_not_articles(db: sqlite_utils.Database) -> None:
    # Static pages behind article-shaped URLs (history, contacts) are linked from every menu;
    # remembering them keeps incremental runs from fetching them — and descending listings
    # for them — every time.
    _run_script(db, "ALTER TABLE article_links ADD COLUMN not_article_at TEXT;")


def _v7_link_failures(db: sqlite_utils.Database) -> None:
    # A link that keeps failing (a deleted article, a page over the size limit, a redirect loop)
    # waits longer and longer between attempts instead of costing a request every run.
    _run_script(
        db,
        """
        ALTER TABLE article_links ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE article_links ADD COLUMN last_failed_at TEXT;
        """,
    )


def _v8_recovery(db: sqlite_utils.Database) -> None:
    # Recovery from web archives (crawler/spiders/recover.py): which capture an article's
    # current content (and each older version) was read from, which runs were recoveries, and
    # a ledger of the captures already recovered, so a killed recovery resumes and a second run
    # over the same captures fetches nothing again.
    _run_script(
        db,
        """
        ALTER TABLE articles ADD COLUMN captured_at TEXT;
        ALTER TABLE articles ADD COLUMN recovered_from TEXT;
        ALTER TABLE article_versions ADD COLUMN recovered_from TEXT;
        ALTER TABLE crawl_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'crawl';
        CREATE TABLE recovered_captures (
            url TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            digest TEXT,
            raw_url TEXT NOT NULL,
            outcome TEXT NOT NULL,
            article_id INTEGER REFERENCES articles(id),
            run_id INTEGER REFERENCES crawl_runs(id),
            recovered_at TEXT NOT NULL,
            PRIMARY KEY (url, timestamp)
        );
        CREATE INDEX recovered_captures_digest ON recovered_captures(url, digest);
        """,
    )


def _v9_generic_reads(db: sqlite_utils.Database) -> None:
    # How many of a run's articles no site selector read: an operator sees a redesign arrive
    # (the share climbs) before any field's fill rate falls.
    _run_script(db, "ALTER TABLE crawl_runs ADD COLUMN articles_generic INTEGER;")


def _v10_article_aliases(db: sqlite_utils.Database) -> None:
    # One article, one row: a page reached under a short link, a second category's URL or a URL
    # its <link rel=canonical> corrects is stored once, under one URL; the others are kept here,
    # so a later run knows them without fetching them (archive/storage/aliases.py).
    _run_script(
        db,
        """
        CREATE TABLE article_aliases (
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            first_seen_at TEXT NOT NULL
        );
        CREATE INDEX article_aliases_article ON article_aliases(article_id);
        """,
    )


def _v11_set_aside(db: sqlite_utils.Database) -> None:
    # A page an earlier extractor archived as an article that a newer one does not read as one (a
    # tag page, a static page dated by a day in its text) leaves articles on reparse, kept whole
    # here so nothing is lost and the move can be undone (archive/storage/set_aside.py).
    _run_script(
        db,
        """
        CREATE TABLE set_aside_articles (
            article_id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            set_aside_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            row TEXT NOT NULL,
            related TEXT NOT NULL
        );
        CREATE INDEX set_aside_articles_url ON set_aside_articles(url);
        """,
    )


def _v12_sites(db: sqlite_utils.Database) -> None:
    # One archive for every site of the university: each article is one site's (its URL's host
    # decides), each run accounts for each site it crawled, and a site's drift is judged against
    # its own history. Archives older than this held one site, tnu.edu.vn's: their articles and
    # their runs' outcomes are tnu's.
    _run_script(
        db,
        """
        CREATE TABLE sites (
            name TEXT PRIMARY KEY,
            title TEXT,
            hosts TEXT NOT NULL DEFAULT '[]',
            profile_digest TEXT,
            digest_changed_at TEXT
        );
        ALTER TABLE articles ADD COLUMN site TEXT REFERENCES sites(name);
        CREATE INDEX articles_site ON articles(site, published_at);
        CREATE TABLE run_sites (
            run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
            site TEXT NOT NULL REFERENCES sites(name),
            status TEXT NOT NULL,
            exit_code INTEGER,
            pages INTEGER DEFAULT 0,
            articles_new INTEGER DEFAULT 0,
            articles_changed INTEGER DEFAULT 0,
            articles_unchanged INTEGER DEFAULT 0,
            articles_generic INTEGER,
            errors TEXT,
            fill_rates TEXT,
            problems TEXT,
            PRIMARY KEY (run_id, site)
        );
        CREATE INDEX run_sites_site ON run_sites(site, run_id);
        """,
    )
    if db.execute("SELECT EXISTS (SELECT 1 FROM articles) OR EXISTS (SELECT 1 FROM crawl_runs)").fetchone()[0]:
        _run_script(
            db,
            """
            INSERT INTO sites (name) VALUES ('tnu');
            UPDATE articles SET site = 'tnu';
            INSERT INTO run_sites (run_id, site, status, exit_code, pages, articles_new, articles_changed,
                articles_unchanged, articles_generic, errors, fill_rates, problems)
            SELECT id, 'tnu', status, exit_code, pages, articles_new, articles_changed, articles_unchanged,
                articles_generic, errors, fill_rates, problems
            FROM crawl_runs WHERE kind = 'crawl';
            """,
        )


def _v13_shards(db: sqlite_utils.Database) -> None:
    # Archives merged from shards (archive/operations/merge.py): each merged run and request says which shard
    # it came from, and a shard's run is known again by (shard, its id there), so merging the
    # same shard twice adds nothing.
    _run_script(
        db,
        """
        ALTER TABLE crawl_runs ADD COLUMN shard TEXT;
        ALTER TABLE crawl_runs ADD COLUMN shard_run_id INTEGER;
        CREATE UNIQUE INDEX crawl_runs_shard ON crawl_runs(shard, shard_run_id) WHERE shard IS NOT NULL;
        ALTER TABLE fetch_log ADD COLUMN shard TEXT;
        """,
    )


def _v14_site_owners(db: sqlite_utils.Database) -> None:
    # The exported dataset names its publishers (title, licence, citation) from the sites it holds,
    # not from code: each profile's English name and home page, written by the next crawl.
    _run_script(
        db,
        """
        ALTER TABLE sites ADD COLUMN title_en TEXT;
        ALTER TABLE sites ADD COLUMN home TEXT;
        """,
    )


def _v15_site_language(db: sqlite_utils.Database) -> None:
    # The exported dataset declares the languages of the sites it holds, as their profiles give
    # them, not one language for all: written by the next crawl of each site.
    _run_script(db, "ALTER TABLE sites ADD COLUMN language TEXT;")


def _v16_site_membership(db: sqlite_utils.Database) -> None:
    # Which site's institution a site belongs to (its profile's `member_of`): the exported dataset
    # of the university's sites is titled after the university, not after its largest site.
    _run_script(db, "ALTER TABLE sites ADD COLUMN member_of TEXT;")


def _v17_cdx_walks(db: sqlite_utils.Database) -> None:
    # A recovery whose walk of a CDX index was cut short (killed, --limit, CDX_MAX_PAGES) went on
    # from the index's first page: a walk longer than a run's bounds never ended. Each unfinished
    # walk keeps the resume key it goes on from (archive/operations/recovery.py).
    _run_script(
        db,
        """
        CREATE TABLE cdx_walks (
            cdx_api TEXT NOT NULL,
            pattern TEXT NOT NULL,
            since TEXT NOT NULL DEFAULT '',
            until TEXT NOT NULL DEFAULT '',
            resume_key TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (cdx_api, pattern, since, until)
        );
        """,
    )


# A link of an earlier version that was page code, not a page: `javascript:void(0)` as written, or
# resolved against its page as a path (`https://host/news/javascript:void(0)`). Discovery has
# dropped them for long (crawler/navigation/links.py); rows kept from before were asked for by
# every run: the first kind broke the release of the crawl's held links with a traceback, the
# second was fetched (a 404 counted as the site's error).
_JAVASCRIPT_LINK = (
    "(lower(ltrim({column}, ' ' || char(9, 10, 13))) LIKE 'javascript:%' OR lower({column}) LIKE '%/javascript:%')"
)


def _v18_no_javascript_links(db: sqlite_utils.Database) -> None:
    # Harmless to remove: such a row names no article (article_id IS NULL) and holds nothing but
    # when it was seen and how often it failed; no page of any site can be fetched at it.
    links = db.execute(
        f"DELETE FROM article_links WHERE article_id IS NULL AND {_JAVASCRIPT_LINK.format(column='url')}"
    ).rowcount
    listings = db.execute(f"DELETE FROM listings WHERE {_JAVASCRIPT_LINK.format(column='listing_url')}").rowcount
    if links or listings:
        logger.warning(
            "archive migration 18: removed %d pending links and %d listings that were javascript: code, not "
            "pages (kept by an earlier version, never to be fetched)",
            links,
            listings,
        )


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    # sqlite3's executescript() commits first; run statement by statement to stay inside the
    # migration's transaction.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_core,
    _v2_search,
    _v3_archive_links,
    _v4_captures,
    _v5_frontier,
    _v6_not_articles,
    _v7_link_failures,
    _v8_recovery,
    _v9_generic_reads,
    _v10_article_aliases,
    _v11_set_aside,
    _v12_sites,
    _v13_shards,
    _v14_site_owners,
    _v15_site_language,
    _v16_site_membership,
    _v17_cdx_walks,
    _v18_no_javascript_links,
]


class SchemaTooNew(Exception):
    """The archive was written by a newer tnu-archive; the message is one line for the user."""


def check_version(conn: sqlite3.Connection, path: str | Path) -> int:
    """The archive's schema version; SchemaTooNew when this code does not know it.

    Reading `user_version` writes nothing: every command calls this before its first write,
    so an older tnu-archive leaves a newer archive exactly as it found it.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise SchemaTooNew(
            f"{path} has schema version {version}, newer than this tnu-archive {__version__} "
            f"knows ({len(MIGRATIONS)}); upgrade tnu-archive to use it"
        )
    return version


def check_file(path: str | Path) -> None:
    """SchemaTooNew when the archive at `path` is too new; nothing when it is absent or unreadable
    (the command that opens it reports that in its own words)."""
    path = Path(path)
    if not path.is_file():
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return
    try:
        check_version(conn, path)
    except sqlite3.Error:
        pass
    finally:
        conn.close()


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) an archive and bring its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        check_version(conn, path)  # before the journal mode below, which writes the header
    except BaseException:
        conn.close()
        raise
    db = sqlite_utils.Database(conn)
    # WAL: readers (Datasette, sqlite3) never block the crawler, and a killed run loses at most
    # the transaction it was in.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not seen yet; return the schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)

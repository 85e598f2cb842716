"""A real crawl of the replica site through the Scrapy engine, checked against the site's
ground truth (tests/site/expected.json): every article, every field, every image byte."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections import Counter
from urllib.parse import urlsplit

import pytest
from e2e_support import EXPECTED
from warcio.archiveiterator import ArchiveIterator

from crawler.replica.server import DEFAULT_SITE_DIR

ARTICLES = EXPECTED["articles"]
FIELDS = ("title", "published_at", "published_text", "views", "author", "category", "body_text")


def absolute(archived, src: str) -> str:
    src = src.replace("{{OTHER_ORIGIN}}", archived.server.other_origin).replace("{{ORIGIN}}", archived.server.origin)
    return src if src.startswith("http") else archived.server.origin + src


def article_row(archived, path: str) -> dict:
    rows = list(archived.db.query("SELECT * FROM articles WHERE url = ?", [archived.server.origin + path]))
    assert len(rows) == 1, f"{path}: {len(rows)} rows"
    return rows[0]


def test_crawl_exits_zero_and_records_an_ok_run(archived):
    assert archived.result.returncode == 0, archived.result.stderr[-3000:]
    runs = list(archived.db.query("SELECT * FROM crawl_runs"))
    assert [r["status"] for r in runs] == ["ok"]
    assert runs[0]["articles_new"] == len(ARTICLES)
    assert "run 1 ok" in archived.result.stderr


def test_every_article_is_archived_once(archived):
    urls = [r["url"] for r in archived.db.query("SELECT url FROM articles ORDER BY url")]
    assert sorted(urls) == sorted(archived.server.origin + path for path in ARTICLES)


@pytest.mark.parametrize("path", sorted(ARTICLES))
@pytest.mark.parametrize("field", FIELDS)
def test_article_field(archived, path, field):
    assert article_row(archived, path)[field] == ARTICLES[path][field]


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_article_images_in_page_order(archived, path):
    article = article_row(archived, path)
    rows = list(
        archived.db.query("SELECT * FROM article_images WHERE article_id = ? ORDER BY position", [article["id"]])
    )
    expected = ARTICLES[path]["images"]
    assert [r["position"] for r in rows] == list(range(len(expected)))
    for row, want in zip(rows, expected, strict=True):
        assert row["src_url"] == absolute(archived, want["src"])
        assert (row["caption"], row["alt"], row["credit"]) == (want["caption"], want["alt"], want["credit"])
        assert (row["image_sha256"] is None) == (want["status"] != 200)


def site_file(archived, src_url: str):
    parts = urlsplit(src_url)
    root = DEFAULT_SITE_DIR / ("_other" if parts.port == urlsplit(archived.server.other_origin).port else "www")
    return root / parts.path.lstrip("/")


def test_image_files_hold_the_bytes_the_server_sent(archived):
    rows = list(
        archived.db.query("SELECT ai.src_url, i.* FROM article_images ai JOIN images i ON i.sha256 = ai.image_sha256")
    )
    assert rows
    for row in rows:
        sent = site_file(archived, row["src_url"]).read_bytes()
        stored = (archived.images_dir / row["path"]).read_bytes()
        assert hashlib.sha256(sent).hexdigest() == row["sha256"] == hashlib.sha256(stored).hexdigest()
        assert row["bytes"] == len(sent) and row["width"] and row["height"]
        assert row["path"] == f"{row['sha256'][:2]}/{row['sha256']}.{row['path'].rsplit('.', 1)[1]}"


def test_same_bytes_under_two_urls_are_one_file(archived):
    shared = list(
        archived.db.query(
            "SELECT image_sha256, count(DISTINCT src_url) AS urls FROM article_images "
            "WHERE image_sha256 IS NOT NULL GROUP BY image_sha256 HAVING urls > 1"
        )
    )
    assert shared, "the replica has one image under two URLs"
    files = [p for p in archived.images_dir.rglob("*") if p.is_file()]
    assert len(files) == archived.db["images"].count


def test_missing_image_is_recorded_and_its_article_kept(archived):
    missing = [(path, img) for path, a in ARTICLES.items() for img in a["images"] if img["status"] == 404]
    assert missing
    for path, img in missing:
        article_row(archived, path)
        src = absolute(archived, img["src"])
        source = archived.db.execute("SELECT status, error FROM image_sources WHERE src_url = ?", [src]).fetchone()
        assert source == (404, "http_404")


def test_flaky_page_archived_after_its_retry(archived):
    assert EXPECTED["flaky"]
    for path in EXPECTED["flaky"]:
        article_row(archived, path)
        statuses = [r.status for r in archived.requests if r.path == path]
        assert statuses[0] == 500 and statuses[-1] == 200
        logged = [
            s
            for (s,) in archived.db.execute(
                "SELECT status FROM fetch_log WHERE url = ? ORDER BY id", [archived.server.origin + path]
            )
        ]
        assert logged[0] == 500 and logged[-1] == 200


def test_redirected_article_stored_once_under_its_final_url(archived):
    redirected = {path: a["redirect_from"] for path, a in ARTICLES.items() if a.get("redirect_from")}
    assert redirected
    for path, old in redirected.items():
        article_row(archived, path)
        assert (
            archived.db.execute(
                "SELECT count(*) FROM articles WHERE url = ?", [archived.server.origin + old]
            ).fetchone()[0]
            == 0
        )


def test_forbidden_and_offsite_pages_never_requested(archived):
    requested = {(r.host.split(":")[0], r.path) for r in archived.requests}
    for target in EXPECTED["forbidden"]:
        if target.startswith("{{OTHER_ORIGIN}}"):
            assert ("localhost", target.removeprefix("{{OTHER_ORIGIN}}")) not in requested
        else:
            assert ("127.0.0.1", target) not in requested


def test_image_on_another_host_downloaded(archived):
    other = [
        (path, img) for path, a in ARTICLES.items() for img in a["images"] if img["src"].startswith("{{OTHER_ORIGIN}}")
    ]
    assert other
    for _, img in other:
        sha = archived.db.execute(
            "SELECT image_sha256 FROM image_sources WHERE src_url = ?", [absolute(archived, img["src"])]
        ).fetchone()[0]
        assert sha


def test_no_page_fetched_twice(archived):
    pages = Counter(
        r.path
        for r in archived.requests
        if r.host.startswith("127.0.0.1") and r.status != 500 and r.path != "/robots.txt"
    )
    assert [p for p, n in pages.items() if n > 1] == []


def test_crawler_identifies_itself(archived):
    agents = {r.user_agent for r in archived.requests}
    assert len(agents) == 1
    assert agents.pop().startswith("tnu-archive/")


def test_fetch_log_has_a_row_per_request(archived):
    logged = Counter(
        urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        for (url,) in archived.db.execute("SELECT url FROM fetch_log")
    )
    served = Counter(r.path for r in archived.requests)  # robots.txt of both hosts included
    assert logged == served


def test_fetch_log_digest_is_the_raw_page_digest_though_the_page_came_gzipped(archived):
    """fetch_log.sha256 means one thing: the body the crawler read, which is raw_pages.sha256 for
    a page kept (and images.sha256 for an image stored), though the replica, like the live site,
    sent the page gzip-compressed (the WARC keeps the bytes as sent)."""
    rows = list(
        archived.db.query(
            "SELECT a.url, r.sha256 AS raw, r.content, f.sha256 AS fetched, f.bytes, c.record_id, c.warc_file"
            " FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256"
            " JOIN fetch_log f ON f.final_url = a.url AND f.status = 200 AND f.kind = 'page'"
            " JOIN captures c ON c.fetch_id = f.id"
        )
    )
    assert {r["url"] for r in rows} == {archived.server.origin + path for path in ARTICLES}
    assert [r["url"] for r in rows if r["fetched"] != r["raw"]] == []
    assert all(r["bytes"] == len(zlib.decompress(r["content"])) for r in rows)

    wire = {}  # record id -> (Content-Encoding, payload as sent)
    for warc in {r["warc_file"] for r in rows}:
        with open(archived.db_path.parent / "warc" / warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    wire[record.rec_headers.get_header("WARC-Record-ID")] = (
                        record.http_headers.get_header("Content-Encoding"),
                        record.raw_stream.read(),
                    )
    for row in rows:
        coding, sent = wire[row["record_id"]]
        assert coding == "gzip", row["url"]
        assert hashlib.sha256(gzip.decompress(sent)).hexdigest() == row["raw"] != hashlib.sha256(sent).hexdigest()

    images = list(
        archived.db.query(
            "SELECT f.sha256 AS fetched, s.image_sha256 AS stored FROM fetch_log f"
            " JOIN image_sources s ON s.src_url = f.url WHERE f.kind = 'image' AND s.image_sha256 IS NOT NULL"
        )
    )
    assert images and all(r["fetched"] == r["stored"] for r in images)

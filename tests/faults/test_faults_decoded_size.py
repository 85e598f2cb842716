"""A body small on the wire and past its size limit once decoded (issue 25, point 11): a page of a
few KB of gzip that decodes past DOWNLOAD_MAXSIZE, an image past the image limit. Both were
dropped by Scrapy's decompression with their fetch_log row saying 200 and no error (and the
image counted `ignored`); both are `too_large`, as a body past the limit on the wire is."""

from __future__ import annotations

import json

import sqlite_utils
from faults_support import Sandbox

from archive.outcome import EXIT_OK
from crawler.pipelines import IMAGE_MAXSIZE
from crawler.replica.faults import FaultServer, Oversize
from crawler.replica.server import DEFAULT_SITE_DIR

EXPECTED = json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))
PAGE = "/hoi-nghi-pho-bien-van-ban-phap-quy-moi-ve-giao-duc-dai-hoc-dn5102.html"
IMAGE_OF = "/dai-hoc-thai-nguyen-co-5-de-tai-duoc-quy-nafosted-tai-tro-dn5903.html"
IMAGE = EXPECTED["articles"][IMAGE_OF]["images"][0]["src"]
MAXSIZE = 400_000


def test_a_body_past_the_limit_once_decoded_is_too_large(tmp_path):
    sandbox = Sandbox(tmp_path / "crawl")
    faults = {
        PAGE: Oversize(MAXSIZE + 100_000, gzipped=True),
        IMAGE: Oversize(IMAGE_MAXSIZE + 100_000, gzipped=True),
    }
    with FaultServer(DEFAULT_SITE_DIR, faults) as server:
        run = sandbox.crawl(server, "--set", f"DOWNLOAD_MAXSIZE={MAXSIZE}")
        origin = server.origin
        assert {(PAGE, "oversize"), (IMAGE, "oversize")} <= set(server.applied)
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-6000:]

    db = sqlite_utils.Database(sandbox.db)
    page_rows = list(db.query("SELECT status, error FROM fetch_log WHERE url = ?", [origin + PAGE]))
    # the response came (200, a few KB), and was refused for what it decodes to
    assert page_rows == [{"status": 200, "error": "too_large"}]
    image_rows = list(db.query("SELECT status, error FROM fetch_log WHERE url = ?", [origin + IMAGE]))
    assert image_rows == [{"status": 200, "error": "too_large"}]
    source = next(db.query("SELECT error, image_sha256 FROM image_sources WHERE src_url = ?", [origin + IMAGE]))
    assert source == {"error": "too_large", "image_sha256": None}

    (crawl,) = db.query("SELECT status, errors FROM crawl_runs")
    assert crawl["status"] == "ok"
    errors = json.loads(crawl["errors"])
    assert errors["too_large"] == 2 and "ignored" not in errors
    # the page waits before its next attempt, as one past the limit on the wire does; the others
    # are archived, the article of the refused image too
    link = next(db.query("SELECT article_id, failed_attempts FROM article_links WHERE url = ?", [origin + PAGE]))
    assert link == {"article_id": None, "failed_attempts": 1}
    archived = {r["url"] for r in db.query("SELECT url FROM articles")}
    assert archived == {origin + path for path in EXPECTED["articles"] if path != PAGE}
    assert sandbox.stray_files() == []

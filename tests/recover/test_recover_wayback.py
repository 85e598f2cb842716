"""The Wayback Machine's side: its JSON-array CDX dialect, paged with resume keys, its redirect
to the nearest capture, its 429 with Retry-After, and the default pace of one request a second.

A tiny loopback server answers as the Wayback Machine documents it (the CDX server's README:
`output=json` is an array whose first row names the fields; `showResumeKey=true` ends a page
with an empty row and the key). Its last page comes back whatever key is asked for: the
client must stop there by itself.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from wayback_support import IMG, SEED_URL, image, seed_page

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
KEY = "vn,edu,tnu)/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"


def row(timestamp: str, url: str, status: str = "200", digest: str = "-") -> list[str]:
    return [KEY, timestamp, url, "text/html", status, digest, "7000"]


PAGES = {
    None: [
        HEADER,
        row("20200901030000", SEED_URL, digest="AAA"),
        row("20200901070000", "http://tnu.edu.vn/bai-cu-dn5520.html", status="301", digest="RRR"),
        [],
        [f"{KEY} 20200901030000"],
    ],
    f"{KEY} 20200901030000": [
        HEADER,
        row("20201001030000", SEED_URL, digest="BBB"),
        row("20201101000000", SEED_URL, digest="CCC"),
        [],
        [f"{KEY} 20201001030000"],
    ],
}
LAST = PAGES[f"{KEY} 20200901030000"]


class Wayback(BaseHTTPRequestHandler):
    log: list[tuple[float, str, int]] = []
    throttled: set[str] = set()

    def log_message(self, *args) -> None:
        pass

    def answer(self, status: int, body: bytes = b"", mime: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.log.append((time.monotonic(), self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            query = parse_qs(parts.query)
            assert query["output"] == ["json"] and query["showResumeKey"] == ["true"]
            if query["url"] != ["tnu.edu.vn/*"]:
                return self.answer(200, b"[]", "application/json")
            rows = PAGES.get(query.get("resumeKey", [None])[0], LAST)
            return self.answer(200, json.dumps(rows).encode(), "application/json")
        if not parts.path.startswith("/web/"):
            return self.answer(404)
        timestamp, _, original = self.path[len("/web/") :].partition("id_/")
        if original == SEED_URL and timestamp == "20200901030000":
            if self.path not in self.throttled:  # the Wayback Machine's answer to a heavy user
                self.throttled.add(self.path)
                return self.answer(429, b"slow down", Retry_After="2")
            return self.answer(200, seed_page("300"))
        if original == SEED_URL and timestamp == "20201001030000":  # not exact: to the nearest
            return self.answer(302, Location=f"/web/20201001030512id_/{SEED_URL}")
        if original == SEED_URL and timestamp == "20201001030512":
            return self.answer(200, seed_page("550"))
        if original == SEED_URL and timestamp == "20201101000000":  # served from the nearest, named
            return self.answer(200, seed_page("610"), Content_Location=f"/web/20201101004500id_/{SEED_URL}")
        for number in (1, 2):
            if original == IMG % number:
                return self.answer(200, image(f"2020/07/15-7-2020-TG-{number}.jpg"), "image/jpeg")
        return self.answer(404, b"<html>Wayback Machine has not archived that URL.</html>")


@pytest.fixture(scope="module")
def wayback(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Wayback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    folder = tmp_path_factory.mktemp("wayback")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # The defaults of the command, but for its logging: the pace under test is its own. One site
    # (its three hosts): every enabled site's would add a CDX request a second for each of theirs.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "recover",
            "--site",
            "tnu",
            "--cdx-api",
            f"{base}/cdx/search/cdx",
            "--replay",
            f"{base}/web/",
            "--db",
            str(folder / "tnu.sqlite"),
            "--images-dir",
            str(folder / "images"),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server.shutdown()
    yield {"result": result, "db": sqlite_utils.Database(folder / "tnu.sqlite"), "base": base, "log": list(Wayback.log)}


def test_the_json_array_dialect_is_read_and_paged_until_a_page_repeats(wayback):
    assert wayback["result"].returncode == 0, wayback["result"].stderr
    cdx_requests = [path for _, path, _ in wayback["log"] if "url=tnu.edu.vn" in path]
    # first page, the page its key leads to, and that page again for its own key: then stop
    assert len(cdx_requests) == 3
    assert "resumeKey" not in cdx_requests[0] and all("resumeKey" in p for p in cdx_requests[1:])


def test_captures_through_429_and_the_redirect_to_the_nearest(wayback):
    db, base = wayback["db"], wayback["base"]
    article = next(db.query("SELECT * FROM articles WHERE url = ?", [SEED_URL]))
    assert article["views"] == 610
    # the content came from the capture the archive named in Content-Location
    assert article["captured_at"] == "2020-11-01T00:45:00Z"
    assert article["recovered_from"] == f"{base}/web/20201101004500id_/{SEED_URL}"
    # and the one before from the capture it redirected to: its time
    views = db.execute("SELECT observed_at, views FROM view_counts ORDER BY observed_at").fetchall()
    assert views == [("2020-09-01T03:00:00Z", 300), ("2020-10-01T03:05:12Z", 550), ("2020-11-01T00:45:00Z", 610)]
    statuses = [
        r[0]
        for r in db.execute(
            "SELECT status FROM fetch_log WHERE url = ? ORDER BY id", [f"{base}/web/20200901030000id_/{SEED_URL}"]
        )
    ]
    assert statuses == [429, 200]
    images = db.execute("SELECT src_url, image_sha256 FROM article_images ORDER BY position").fetchall()
    assert images[0][1] == hashlib.sha256(image("2020/07/15-7-2020-TG-1.jpg")).hexdigest()
    assert images[2] == (IMG % 3, None)
    # the redirect capture was never asked for
    assert not any("bai-cu-dn5520" in path for _, path, _ in wayback["log"] if path.startswith("/web/"))


def test_one_request_a_second_and_retry_after_honoured_by_default(wayback):
    log = wayback["log"]
    assert len(log) >= 8
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(log)]
    assert min(gaps) >= 0.9, gaps  # DOWNLOAD_DELAY 1 s, no jitter below it (load only adds)
    throttled = next(i for i, (_, _, status) in enumerate(log) if status == 429)
    retry = next(i for i, (_, path, _) in enumerate(log) if i > throttled and path == log[throttled][1])
    assert log[retry][0] - log[throttled][0] >= 1.9  # Retry-After: 2

"""A walk of a web archive's CDX index that a run leaves unfinished goes on in the next run where
it stopped (`cdx_walks`): cut by a bound (CDX_MAX_PAGES), by --limit, or by a kill. A walk that
reads its index to the end starts again from the first page next time.

A loopback server answers as the Wayback Machine does (one JSON array a page, `showResumeKey`):
six pages, keys `k1`…`k5`, each page one capture of the seed article (its views differ).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from test_recover_pywb import FAST
from wayback_support import SEED_URL, seed_page

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
PAGES = 6


def timestamp(page: int) -> str:
    return f"20200{page + 1}01030000"


def cdx_page(page: int) -> bytes:
    rows = [HEADER, ["k", timestamp(page), SEED_URL, "text/html", "200", f"D{page}", "7000"]]
    if page + 1 < PAGES:
        rows += [[], [f"k{page + 1}"]]
    return json.dumps(rows).encode()


class Paged(BaseHTTPRequestHandler):
    requests: list[str]
    hold: str | None = None  # a resume key whose page waits for `release`
    held: threading.Event
    release: threading.Event

    def log_message(self, *args) -> None:
        pass

    def answer(self, status: int, body: bytes, mime: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            key = parse_qs(parts.query).get("resumeKey", ["k0"])[0]
            if key == self.hold:
                self.held.set()
                self.release.wait(60)
            return self.answer(200, cdx_page(int(key[1:])), "application/json")
        if parts.path.startswith("/web/"):
            stamp = self.path[len("/web/") :].partition("id_/")[0]
            return self.answer(200, seed_page(str(100 + int(stamp[4:6]))), "text/html; charset=utf-8")
        return self.answer(404, b"", "text/plain")


@pytest.fixture
def server():
    handler = type(
        "Handler", (Paged,), {"requests": [], "held": threading.Event(), "release": threading.Event(), "hold": None}
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    handler.release.set()
    httpd.shutdown()


def command(base: str, folder, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler",
        "recover",
        "--cdx-api",
        f"{base}/cdx/search/cdx",
        "--replay",
        f"{base}/web/",
        "--match",
        "tnu.edu.vn/*",
        "--db",
        str(folder / "tnu.sqlite"),
        "--images-dir",
        str(folder / "images"),
        *FAST,
        *extra,
    ]


def recover(base: str, folder, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(base, folder, *extra),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def keys_asked(requests: list[str]) -> list[str | None]:
    """The resume key of each CDX request, in order (None: the index's first page)."""
    return [
        parse_qs(urlsplit(path).query).get("resumeKey", [None])[0]
        for path in requests
        if path.startswith("/cdx/search/cdx")
    ]


def saved(folder) -> list[tuple]:
    db = sqlite_utils.Database(folder / "tnu.sqlite")
    return db.execute("SELECT cdx_api, pattern, since, until, resume_key FROM cdx_walks").fetchall()


def recovered(folder) -> list[str]:
    db = sqlite_utils.Database(folder / "tnu.sqlite")
    return [row[0] for row in db.execute("SELECT timestamp FROM recovered_captures ORDER BY timestamp")]


def test_a_walk_cut_by_its_bound_goes_on_in_the_next_run_until_the_index_ends(server, tmp_path):
    handler, base = server
    bound = ("--set", "CDX_MAX_PAGES=2")
    asked = []
    for run, (expected_keys, left_at) in enumerate(
        [([None, "k1"], "k2"), (["k2", "k3"], "k4"), (["k4", "k5"], None)], start=1
    ):
        handler.requests.clear()
        result = recover(base, tmp_path, *bound)
        assert result.returncode == 0, result.stderr
        assert keys_asked(handler.requests) == expected_keys, run
        asked += expected_keys
        rows = saved(tmp_path)
        if left_at is None:
            assert rows == [], run  # read to its end: the next walk starts from the first page
        else:
            assert rows == [(f"{base}/cdx/search/cdx", "tnu.edu.vn/*", "", "", left_at)], run
            problems = sqlite_utils.Database(tmp_path / "tnu.sqlite").execute(
                "SELECT problems FROM crawl_runs WHERE id = ?", [run]
            )
            assert any("(the next recovery goes on there)" in p for p in json.loads(problems.fetchone()[0]))
    # each page of the index read once, each capture recovered once
    assert asked == [None, *(f"k{n}" for n in range(1, PAGES))]
    assert recovered(tmp_path) == [timestamp(page) for page in range(PAGES)]
    handler.requests.clear()
    result = recover(base, tmp_path, *bound)
    assert result.returncode == 0, result.stderr
    assert keys_asked(handler.requests) == [None, "k1"]
    assert not any(path.startswith("/web/") for path in handler.requests)


def test_a_limited_run_leaves_its_last_page_for_the_next(server, tmp_path):
    handler, base = server
    result = recover(base, tmp_path, "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert keys_asked(handler.requests) == [None, "k1", "k2"]
    assert recovered(tmp_path) == [timestamp(page) for page in range(3)]
    assert [row[-1] for row in saved(tmp_path)] == ["k2"]
    handler.requests.clear()
    result = recover(base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert keys_asked(handler.requests) == ["k2", "k3", "k4", "k5"]
    assert recovered(tmp_path) == [timestamp(page) for page in range(PAGES)]
    assert saved(tmp_path) == []


def test_a_killed_walk_goes_on_at_the_page_before_the_one_it_was_reading(server, tmp_path):
    handler, base = server
    handler.hold = "k3"
    process = subprocess.Popen(
        command(base, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert handler.held.wait(120), "the walk never asked for its fourth page"
        # page k2 came, so k1's page (and its capture) is behind the walk: saved as where to go on
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and [row[-1] for row in saved(tmp_path)] != ["k1"]:
            time.sleep(0.1)
        assert [row[-1] for row in saved(tmp_path)] == ["k1"]
        # and the captures of the pages it read are stored before the kill (under load they lag the walk)
        while time.monotonic() < deadline and recovered(tmp_path) != [timestamp(page) for page in range(3)]:
            time.sleep(0.1)
        assert recovered(tmp_path) == [timestamp(page) for page in range(3)]
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        handler.release.set()
    handler.requests.clear()
    handler.hold = None
    result = recover(base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert keys_asked(handler.requests) == ["k1", "k2", "k3", "k4", "k5"]
    # what the killed run recovered is not fetched again; the rest is
    fetched = [path for path in handler.requests if path.startswith("/web/")]
    assert [path.split("/")[2][:14] for path in fetched] == [timestamp(page) for page in range(3, PAGES)]
    assert recovered(tmp_path) == [timestamp(page) for page in range(PAGES)]
    assert saved(tmp_path) == []

"""`tnu-archive recover` against a hostile CDX server on loopback, speaking the Wayback Machine's
JSON dialect: every page hands out a new resume key and 20,000 captures nobody wants (images,
redirects), and beside the site's own captures it lists what is not the site's: a `javascript:`
URL, other hosts, one whose name only begins like the site's, a capture dated in the year 9999
and one in month 13. Its replay serves an article page for whatever is asked, and names the
seed's capture as one from the year 9999 (Content-Location, as pywb names the nearest).

A recovery with `--limit 5` ends by itself, within its bounds (crawler/recovery/cdx.py's Walk), in
bounded memory, and stores only the site's own http(s) captures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from test_recover_pywb import FAST
from wayback_support import SECOND, SEED_URL, page, seed_page

from crawler.settings import CDX_MAX_BARREN_PAGES

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
ROWS_A_PAGE = 20_000
SECOND_WWW = f"https://www.tnu.edu.vn/{SECOND}"  # a subdomain of the host asked for, over https: the site's


def hostile(number: int) -> list[tuple[str, str]]:
    """(original, timestamp) of page `number`'s captures that are not the site's: each would be
    an article by its path alone."""
    return [
        (f"javascript:/a-dn{number}.html?/;alert(document.domain)//", "20200901030000"),
        (f"http://evil.example/tin-dn{number}.html", "20200901030000"),
        (f"http://tnu.edu.vn.evil.example/tin-dn{number}.html", "20200901030000"),
        (f"http://tnu.edu.vn@evil.example/tin-dn{number}.html", "20200901030000"),
        (f"http://tnu.edu.vn/tuong-lai-dn{number}.html", "99991231235959"),  # the future
        (f"http://tnu.edu.vn/thang-13-dn{number}.html", "20201301000000"),  # month 13
    ]


NOT_SITE_A_PAGE = 4
BAD_TIMES_A_PAGE = 2


def cdx_page(number: int, *, with_hostile: bool) -> bytes:
    rows = []
    if number == 0:  # the site's own captures
        rows.append(["k", "20200901030000", SEED_URL, "text/html", "200", "SEED", "7000"])
        rows.append(["k", "20210301000000", SECOND_WWW, "text/html", "200", "SECOND", "7000"])
    if with_hostile:
        rows += [
            ["k", ts, url, "text/html", "200", f"H{number}-{n}", "7000"] for n, (url, ts) in enumerate(hostile(number))
        ]
    for n in range(ROWS_A_PAGE):  # unwanted, and new on every page
        url = f"http://tnu.edu.vn/Uploads/p{number}/anh-{n}.jpg"
        rows.append(["k", "20200901030000", url, "image/jpeg", "200", f"I{number}-{n}", "900"])
    return json.dumps([HEADER, *rows, [], [f"resume {number + 1}"]]).encode()


class Hostile(BaseHTTPRequestHandler):
    with_hostile = False
    requests: list[str]

    def log_message(self, *args) -> None:
        pass

    def answer(self, status: int, body: bytes = b"", mime: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            key = parse_qs(parts.query).get("resumeKey", ["resume 0"])[0]
            number = int(key.split()[-1])
            return self.answer(200, cdx_page(number, with_hostile=self.with_hostile), "application/json")
        if parts.path.startswith("/web/"):
            if self.path.endswith("id_/" + SECOND_WWW):
                return self.answer(200, page(SECOND))
            if self.path.endswith("id_/" + SEED_URL):  # "served from the nearest capture": a lie
                return self.answer(200, seed_page("300"), Content_Location=f"/web/99991231235959id_/{SEED_URL}")
            return self.answer(200, seed_page("300"))  # whatever is asked: an article page
        return self.answer(404)


# `python -m crawler ARGS`, its peak resident memory as the last line of stderr.
RSS_MARK = "\npeak-rss-kb="
MEASURED = (
    "import atexit, resource, runpy, sys\n"
    f"atexit.register(lambda: sys.stderr.write({RSS_MARK!r} + "
    "str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) + '\\n'))\n"
    "sys.argv[0] = 'crawler'\n"
    "runpy.run_module('crawler', run_name='__main__', alter_sys=True)\n"
)


def recover(base: str, folder, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    """A recovery with --limit 5; generous "ends at all" bound: the issue's walk went on for
    minutes and gigabytes."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURED,
            "recover",
            "--cdx-api",
            f"{base}/cdx/search/cdx",
            "--replay",
            f"{base}/web/",
            "--match",
            "tnu.edu.vn/*",
            "--limit",
            "5",
            "--db",
            str(folder / "tnu.sqlite"),
            "--images-dir",
            str(folder / "images"),
            *FAST,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stderr, _, peak = result.stderr.rpartition(RSS_MARK)
    result.stderr = stderr
    return result, int(peak.strip()) / 1024


def serve(with_hostile: bool):
    handler = type("Handler", (Hostile,), {"with_hostile": with_hostile, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler, f"http://127.0.0.1:{server.server_address[1]}"


def cdx_requests(requests: list[str]) -> list[str]:
    return [path for path in requests if path.startswith("/cdx/")]


def replay_requests(requests: list[str]) -> list[str]:
    return [path for path in requests if path.startswith("/web/")]


@pytest.fixture(scope="module")
def endless(tmp_path_factory):
    server, handler, base = serve(with_hostile=False)
    folder = tmp_path_factory.mktemp("endless")
    result, peak_mb = recover(base, folder)
    server.shutdown()
    yield {"result": result, "peak_mb": peak_mb, "requests": list(handler.requests), "db": folder / "tnu.sqlite"}


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory):
    server, handler, base = serve(with_hostile=True)
    folder = tmp_path_factory.mktemp("hostile")
    first, _ = recover(base, folder)
    first_requests = list(handler.requests)
    handler.requests.clear()
    second, _ = recover(base, folder)
    server.shutdown()
    yield {
        "results": (first, second),
        "requests": (first_requests, list(handler.requests)),
        "db": sqlite_utils.Database(folder / "tnu.sqlite"),
        "base": base,
    }


def test_an_endless_index_is_walked_within_its_bound_and_the_run_ends(endless):
    result = endless["result"]
    assert result.returncode == 0, result.stderr
    # page 0 brought the site's captures; then CDX_MAX_BARREN_PAGES pages without one: the end
    assert len(cdx_requests(endless["requests"])) == 1 + CDX_MAX_BARREN_PAGES
    db = sqlite_utils.Database(endless["db"])
    (problems,) = db.execute("SELECT problems FROM crawl_runs").fetchone()
    assert (
        f"the CDX walk of tnu.edu.vn/* stopped after {CDX_MAX_BARREN_PAGES} pages in a row without an article"
        " capture (CDX_MAX_BARREN_PAGES): captures after it not read (the next recovery goes on there)"
    ) in json.loads(problems)
    assert sorted(r[0] for r in db.execute("SELECT url FROM articles")) == sorted([SEED_URL, SECOND_WWW])


def test_an_endless_index_is_walked_in_bounded_memory(endless):
    # 21 pages of 20,000 rows (2.6 MB each): the walk keeps digests of pages, not the pages.
    # The bound is set against the walk (3.2 GB), not the machine's load: the process
    # peaks at ~110 MB on a quiet machine but was seen at 471 MB in a full suite on a machine with
    # a load of 8 on 2 cores (answers wait, unparsed, while the process is starved).
    assert endless["peak_mb"] < 1000, endless["peak_mb"]


def test_only_the_sites_own_http_captures_are_stored(hostile_runs):
    first, _ = hostile_runs["results"]
    assert first.returncode == 0, first.stderr
    db = hostile_runs["db"]
    assert sorted(r[0] for r in db.execute("SELECT url FROM articles")) == sorted([SEED_URL, SECOND_WWW])
    assert sorted(r[0] for r in db.execute("SELECT url FROM recovered_captures")) == sorted([SEED_URL, SECOND_WWW])
    # none of the others was even fetched
    fetched = [path for path in replay_requests(hostile_runs["requests"][0]) if path.endswith(".html")]
    assert sorted(re.sub(r"^/web/\d{14}id_/", "", path) for path in fetched) == sorted([SEED_URL, SECOND_WWW])
    # every capture time is a real one: the replay's year 9999 was not believed
    times = db.execute("SELECT url, captured_at, last_seen_at FROM articles ORDER BY url").fetchall()
    assert times == [
        (SEED_URL, "2020-09-01T03:00:00Z", "2020-09-01T03:00:00Z"),
        (SECOND_WWW, "2021-03-01T00:00:00Z", "2021-03-01T00:00:00Z"),
    ]
    assert db.execute("SELECT timestamp FROM recovered_captures WHERE url = ?", [SEED_URL]).fetchall() == [
        ("20200901030000",)
    ]


def test_what_is_not_the_sites_is_counted_once_never_raised(hostile_runs):
    first, second = hostile_runs["results"]
    db = hostile_runs["db"]
    pages = 1 + CDX_MAX_BARREN_PAGES
    # the second run goes on where the first one's walk stopped (cdx_walks): pages that hold no
    # capture of the site, up to its own CDX_MAX_BARREN_PAGES, so it is empty (exit 3)
    for result, code in ((first, 0), (second, 3)):
        assert result.returncode == code, result.stderr
        assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
    first_requests, second_requests = hostile_runs["requests"]
    assert "resumeKey" not in cdx_requests(first_requests)[0]
    assert parse_qs(urlsplit(cdx_requests(second_requests)[0]).query)["resumeKey"] == [f"resume {pages}"]
    assert len(cdx_requests(second_requests)) == CDX_MAX_BARREN_PAGES
    runs = db.execute("SELECT status, errors FROM crawl_runs ORDER BY id").fetchall()
    assert [status for status, _ in runs] == ["ok", "empty"]
    for (_, errors), read in zip(runs, (pages, CDX_MAX_BARREN_PAGES), strict=True):
        errors = json.loads(errors)
        assert errors["cdx_not_site"] == NOT_SITE_A_PAGE * read
        assert errors["cdx_bad_timestamp"] == BAD_TIMES_A_PAGE * read


def test_a_second_run_fetches_nothing_again(hostile_runs):
    _, second = hostile_runs["results"]
    assert replay_requests(hostile_runs["requests"][1]) == []
    assert hostile_runs["db"].execute("SELECT count(*) FROM recovered_captures").fetchone()[0] == 2


def test_a_pattern_without_a_host_is_a_bad_argument_in_one_line(tmp_path):
    # Recovery keeps the captures of the hosts its patterns name: one that names none is refused.
    for bad in ("*", "/news/*"):
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "recover", "--match", bad, "--db", str(tmp_path / "tnu.sqlite")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "no host in the URL pattern" in result.stderr
        assert not (tmp_path / "tnu.sqlite").exists()

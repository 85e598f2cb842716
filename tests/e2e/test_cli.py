"""The command line as an operator meets it: the offline demo, probe, and bad input answered
with one clear line (never a traceback)."""

from __future__ import annotations

import json

import pytest
import sqlite_utils
from e2e_support import EXPECTED, run_cli

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options


def test_demo_archives_the_replica_offline_and_says_where(tmp_path):
    db, images = tmp_path / "demo.sqlite", tmp_path / "images"
    result = run_cli("demo", "--port", "0", "--db", str(db), "--images-dir", str(images))
    assert result.returncode == 0, result.stderr[-2000:]
    assert str(db.resolve()) in result.stderr and str(images.resolve()) in result.stderr
    assert "run 1 ok:" in result.stderr
    # the WARC folder too, where the responses are (issue 25)
    warcs = tmp_path / "warc"
    assert f"WARC:     {warcs.resolve()}" in result.stderr.splitlines()
    assert list(warcs.glob("*.warc.gz"))
    # and why one image failed: the replica's deliberate 404, not a fault of the crawler
    (failed,) = [
        u for (u,) in sqlite_utils.Database(db).execute("SELECT src_url FROM image_sources WHERE error IS NOT NULL")
    ]
    assert failed.endswith("/Uploads/images/2020/06/tntn-he-2020-2.jpg")
    assert result.stderr.splitlines()[-1].startswith(f"The image that failed, {failed}, answers 404 on purpose")
    assert sqlite_utils.Database(db)["articles"].count == len(EXPECTED["articles"])
    # every replica page is of a known layout: no article was read by generic rules alone
    assert sqlite_utils.Database(db).execute("SELECT articles_generic FROM crawl_runs").fetchone() == (0,)
    listed = run_cli("runs", "--db", str(db))
    assert "generic" in listed.stdout.splitlines()[0] and " 0% " in listed.stdout.splitlines()[1]


def test_probe_prints_what_would_be_archived(replica, tmp_path):
    path = "/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"
    result = run_cli("probe", replica.origin + path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    want = EXPECTED["articles"][path]
    assert record["is_article"] is True
    assert (record["title"], record["views"], record["author"]) == (want["title"], want["views"], want["author"])
    assert len(record["images"]) == len(want["images"])
    # which rules read it: the 2019 layout's selectors, generic rules for what they leave out
    assert record["sources"]["body_text"] == "site:2019"
    assert record["sources"]["title"] == "site:2019"
    assert record["sources"]["author"].startswith("generic:")


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("crawl", "--set", "DOWNLOAD_DELAY"), 2, "--set expects NAME=VALUE"),
        (("crawl", "--start-url", "ftp://example.org/"), 1, "not an http(s) URL"),
        (("crawl", "--set", "DOWNLOAD_DELAY=soon"), 1, "--set DOWNLOAD_DELAY=soon: DOWNLOAD_DELAY takes a number"),
        (("crawl", "--refresh-days", "-3"), 2, "--refresh-days"),
        (("runs", "--db", "/nonexistent/tnu.sqlite"), 1, "no archive at /nonexistent/tnu.sqlite"),
        (("reparse", "--db", "/nonexistent/tnu.sqlite"), 1, "no archive at"),
    ],
)
def test_bad_input_gets_one_clear_line(args, code, says, tmp_path):
    result = run_cli(*args, timeout=60)
    assert result.returncode == code
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert any(says in line for line in lines), result.stderr
    if code == 1:
        assert len(lines) == 1, result.stderr


def test_probe_of_an_unreachable_page_is_one_line(replica):
    result = run_cli("probe", replica.origin + "/no-such-page-dn1.html")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "HTTP 404" in result.stderr


def test_scrapy_crawl_news_does_the_same_job(replica, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    scrapy = Path(sys.executable).parent / "scrapy"
    db = tmp_path / "tnu.sqlite"
    proc = subprocess.run(
        [
            str(scrapy),
            "crawl",
            "news",
            "-a",
            f"start_url={replica.url}",
            "-s",
            f"ARCHIVE_DB={db}",
            "-s",
            f"IMAGES_STORE={tmp_path / 'images'}",
            *set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"}, flag="-s"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    archive = sqlite_utils.Database(db)
    assert archive["articles"].count == len(EXPECTED["articles"])
    assert [r["status"] for r in archive.query("SELECT status FROM crawl_runs")] == ["ok"]


def test_probe_prints_no_terminal_control_character(tmp_path):
    """A hostile page's ESC and C1 controls reach stdout escaped as JSON, never raw."""
    import http.server
    import re
    import threading

    page = (
        "<html><head><title>x</title></head><body><article><h1>Tiêu đề \x1b]0;pwned\x07\u009b2J</h1>"
        "<p>Đăng ngày: 15-07-2020 | 550 lần đọc</p><p>Nội dung \x1b[31m đỏ \x85.</p></article></body></html>"
    )

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_cli("probe", f"http://127.0.0.1:{server.server_port}/tin-dn1.html")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert not re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout + result.stderr)
    assert "pwned" in json.loads(result.stdout)["title"]

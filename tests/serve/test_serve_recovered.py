"""A recovered article's page says where it came from (issue 25): the web archive, the capture's
time, and its captures. The archive is written by the real `tnu-archive recover` from a real
pywb on loopback (tests/recover/wayback_support.py), then served by the real `serve`.

What recovery stores is filed under the archive's raw-capture URLs
(`<replay><timestamp>id_/<url>`: what it fetched), not under the article's URL: the capture
history looks them up there too.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_archive import TestArchive
from serve_process import Server, serve_command, start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recover"))
from wayback_support import SEED_URL, Pywb, tnu_records, write_warc  # noqa: E402

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options  # noqa: E402

FAST = (*set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "ERROR"}), "-q")


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Pywb]]:
    root = tmp_path_factory.mktemp("recovered")
    warc = write_warc(root / "tnu-2020.warc.gz", tnu_records())
    db_path, images = root / "data" / "tnu.sqlite", root / "data" / "images"
    (root / "wayback").mkdir()
    with Pywb(root / "wayback", [warc]) as pywb:
        args = ["recover", "--cdx-api", pywb.cdx_api, "--replay", pywb.replay, "--db", str(db_path)]
        result = subprocess.run(
            serve_command(*args, "--images-dir", str(images), *FAST),
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    server = start_server(TestArchive(db_path, images), root / "serve.log")
    yield server, pywb
    stop_server(server)


def seed(server: Server) -> dict:
    conn = sqlite3.connect(server.archive.db_path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM articles WHERE url = ?", [SEED_URL]).fetchone())
    conn.close()
    return row


def test_the_page_names_the_web_archive_and_the_capture_time(recovered):
    server, pywb = recovered
    article = seed(server)
    assert article["recovered_from"].startswith(pywb.replay) and article["captured_at"]
    page = server.text(f"/article/{article['id']}")
    text = html.unescape(page)
    assert "Recovered from a web archive: " in text
    assert '<strong class="web-archive">127.0.0.1</strong>' in page
    assert f'<span class="captured-at">{article["captured_at"]}</span>' in page
    (raw,) = re.findall(r'<a class="raw-capture" href="([^"]+)"', page)
    assert html.unescape(raw) == article["recovered_from"]
    # The stored page is the archive's capture, not a fetch from the site at that time.
    (label,) = re.findall(r'<a class="stored-page" href="[^"]+">([^<]+)</a>', page)
    assert label == f"as captured by 127.0.0.1 {article['captured_at']}"
    assert "as fetched" not in text
    assert "first archived" not in text and f"earliest capture read {article['first_seen_at']}" in text


def test_the_capture_history_finds_the_captures_under_the_replay_urls(recovered):
    server, _ = recovered
    article = seed(server)
    conn = sqlite3.connect(server.archive.db_path)
    expected = sorted(
        r[0] for r in conn.execute("SELECT url FROM captures WHERE url LIKE ? ESCAPE '\\'", ["%id\\_/" + SEED_URL])
    )
    conn.close()
    assert len(expected) == 3  # three captures of the seed with different content were fetched
    page = server.text(f"/article/{article['id']}")
    assert f"capture history</a> ({len(expected)} WARC records)" in page
    (history,) = re.findall(r'<a class="capture-history" href="([^"]+)"', page)
    parts = urllib.parse.urlsplit(html.unescape(history))
    rows = server.json(f"{parts.path}.json?_shape=array&{parts.query}")
    assert sorted(r["url"] for r in rows) == expected
    assert all(r["status"] == 200 and r["warc_file"] for r in rows)


def test_the_web_archive_captures_read_are_listed(recovered):
    server, _ = recovered
    article = seed(server)
    conn = sqlite3.connect(server.archive.db_path)
    ledger = conn.execute(
        "SELECT raw_url, outcome FROM recovered_captures WHERE article_id = ? ORDER BY timestamp DESC", [article["id"]]
    ).fetchall()
    conn.close()
    page = server.text(f"/article/{article['id']}")
    assert f"Web-archive captures read ({len(ledger)})" in page
    listed = [html.unescape(u) for u in re.findall(r'<a class="web-capture" href="([^"]+)"', page)]
    assert listed == [raw for raw, _ in ledger]
    assert {outcome for _, outcome in ledger} == {"new", "older"}


def test_the_fetch_log_finds_the_fetches_of_the_raw_captures(recovered):
    server, _ = recovered
    article = seed(server)
    page = server.text(f"/article/{article['id']}")
    (fetches,) = re.findall(r'<a class="fetch-history" href="([^"]+)"', page)
    parts = urllib.parse.urlsplit(html.unescape(fetches))
    rows = server.json(f"{parts.path}.json?_shape=array&{parts.query}")
    assert len(rows) == 3 and all(r["final_url"].endswith("id_/" + SEED_URL) and r["status"] == 200 for r in rows)

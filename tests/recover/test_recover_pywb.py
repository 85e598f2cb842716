"""`tnu-archive recover` against a real pywb serving WARC files of the replica's old-layout
pages under their real http://tnu.edu.vn/ addresses (tests/recover/wayback_support.py).

One archive goes through three runs: a first one stopped after two captures (--limit 2), one
that goes on with the rest, and one over the same captures that must change nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from wayback_support import (
    GONE_URL,
    IMG,
    LISTING_URL,
    MOVED_URL,
    OLD_TITLE,
    SECOND_URL,
    SEED,
    SEED_URL,
    SITE,
    STATIC_URL,
    TNTN,
    WWW,
    Pywb,
    tnu_records,
    write_warc,
)

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options

EXPECTED = json.loads((WWW.parent / "expected.json").read_text(encoding="utf-8"))["articles"]
FAST = (*set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"}), "-q")
# Tables whose content a run over already recovered captures must leave as it was.
CONTENT_TABLES = (
    "articles",
    "article_versions",
    "view_counts",
    "article_images",
    "images",
    "image_sources",
    "raw_pages",
    "recovered_captures",
    "article_search",
)


def recover(server: Pywb, db: Path, images: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "recover",
            "--cdx-api",
            server.cdx_api,
            "--replay",
            server.replay,
            "--db",
            str(db),
            "--images-dir",
            str(images),
            *FAST,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def snapshot(db: sqlite_utils.Database) -> dict[str, list]:
    return {
        table: [tuple(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")] for table in CONTENT_TABLES
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pywb")
    warc = write_warc(root / "tnu-2020.warc.gz", tnu_records())
    db_path, images = root / "data" / "tnu.sqlite", root / "data" / "images"
    (root / "wayback").mkdir()
    with Pywb(root / "wayback", [warc]) as server:
        first = recover(server, db_path, images, "--limit", "2")
        second = recover(server, db_path, images)
        before = snapshot(sqlite_utils.Database(db_path))
        third = recover(server, db_path, images)
        after = snapshot(sqlite_utils.Database(db_path))
        yield {
            "server": server,
            "db": sqlite_utils.Database(db_path),
            "images": images,
            "results": (first, second, third),
            "before": before,
            "after": after,
        }


def replay_fetches(db, run_id: int) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT url FROM fetch_log WHERE run_id = ? AND kind = 'page' AND url LIKE '%id\\_/%' ESCAPE '\\'", [run_id]
        )
    ]


def test_every_run_ends_with_the_crawls_summary_and_exit_code(runs):
    for number, result in enumerate(runs["results"], start=1):
        assert result.returncode == 0, result.stderr
        assert f"run {number} ok:" in result.stderr.splitlines()[-1]
    rows = list(runs["db"].query("SELECT id, kind, status, exit_code, start_urls FROM crawl_runs ORDER BY id"))
    assert [(r["kind"], r["status"], r["exit_code"]) for r in rows] == [("recover", "ok", 0)] * 3
    # the archive's addresses are the run's start hosts (the only ones it may connect to)
    assert json.loads(rows[0]["start_urls"]) == [runs["server"].cdx_api, runs["server"].replay]


def test_a_stopped_recovery_goes_on_where_it_stopped_and_a_second_changes_nothing(runs):
    db = runs["db"]
    first, second, third = (replay_fetches(db, n) for n in (1, 2, 3))
    assert len(first) == 2
    assert not set(first) & set(second)  # what run 1 recovered is not asked for again
    # seed x3 distinct (the fourth, identical, is collapsed), the second article, the static page
    assert len(first) + len(second) == 5
    assert third == []
    assert runs["after"] == runs["before"]
    assert db.execute("SELECT count(*) FROM view_counts WHERE run_id = 3").fetchone()[0] == 0


def test_only_article_captures_are_stored_under_their_original_urls(runs):
    db = runs["db"]
    urls = sorted(r[0] for r in db.execute("SELECT url FROM articles"))
    assert urls == sorted([SEED_URL, SECOND_URL])
    fetched = {r[0] for r in db.execute("SELECT url FROM fetch_log")}
    for never in (GONE_URL, MOVED_URL, LISTING_URL):  # a 404, a redirect, a listing: not even fetched
        assert not any(url.endswith("id_/" + never) for url in fetched)
    # the static page at an article-shaped URL was read, recognised, and not stored
    outcome = db.execute("SELECT outcome, article_id FROM recovered_captures WHERE url = ?", [STATIC_URL]).fetchone()
    assert outcome == ("not_article", None)
    # the identical fourth capture of the seed was collapsed: three seed captures, one fetch each
    seed_fetches = [u for u in fetched if u.endswith("id_/" + SEED_URL)]
    assert sorted(u.split("/")[-5][:14] for u in seed_fetches) == ["20200801030000", "20200901030000", "20201001030000"]


def test_every_field_of_the_seed_from_its_latest_capture(runs):
    db, server = runs["db"], runs["server"]
    row = next(db.query("SELECT * FROM articles WHERE url = ?", [SEED_URL]))
    expected = EXPECTED[f"/{SEED}"]
    for name in ("title", "published_at", "published_text", "views", "author", "category", "body_text"):
        assert row[name] == expected[name], name
    assert "<p" in row["body_html"] and "script" not in row["body_html"]
    assert row["captured_at"] == "2020-10-01T03:00:00Z"
    assert row["recovered_from"] == f"{server.replay}20201001030000id_/{SEED_URL}"
    assert (row["first_seen_at"], row["last_seen_at"]) == ("2020-08-01T03:00:00Z", "2020-10-01T03:00:00Z")
    raw = db.execute("SELECT url, content FROM raw_pages WHERE sha256 = ?", [row["raw_sha256"]]).fetchone()
    assert raw[0] == SEED_URL
    hits = list(
        db.query(
            "SELECT rowid FROM article_search_fts WHERE article_search_fts MATCH ?", ['"so ket cong tac tuyen giao"']
        )
    )
    assert {h["rowid"] for h in hits} == {row["id"]}


def test_view_history_and_versions_from_the_captures(runs):
    db, server = runs["db"], runs["server"]
    (article_id,) = db.execute("SELECT id FROM articles WHERE url = ?", [SEED_URL]).fetchone()
    views = db.execute(
        "SELECT observed_at, views FROM view_counts WHERE article_id = ? ORDER BY observed_at", [article_id]
    ).fetchall()
    assert views == [("2020-08-01T03:00:00Z", 120), ("2020-09-01T03:00:00Z", 300), ("2020-10-01T03:00:00Z", 550)]
    versions = list(db.query("SELECT * FROM article_versions WHERE article_id = ?", [article_id]))
    assert len(versions) == 1
    (old,) = versions
    assert (old["title"], old["seen_from"], old["seen_until"]) == (
        OLD_TITLE,
        "2020-08-01T03:00:00Z",
        "2020-09-01T03:00:00Z",
    )
    assert old["recovered_from"] == f"{server.replay}20200801030000id_/{SEED_URL}"
    assert old["body_text"] == EXPECTED[f"/{SEED}"]["body_text"]
    assert [image["src_url"] for image in json.loads(old["images"])] == [IMG % n for n in (1, 2, 3)]


def test_images_from_the_nearest_captures_and_the_uncaptured_one_failed(runs):
    db, images_dir, server = runs["db"], runs["images"], runs["server"]
    (article_id,) = db.execute("SELECT id FROM articles WHERE url = ?", [SEED_URL]).fetchone()
    stored = list(db.query("SELECT * FROM article_images WHERE article_id = ? ORDER BY position", [article_id]))
    expected = EXPECTED[f"/{SEED}"]["images"]
    assert [(i["src_url"], i["caption"], i["alt"], i["credit"]) for i in stored] == [
        (SITE + e["src"], e["caption"], e["alt"], e["credit"]) for e in expected
    ]
    for image, number in zip(stored[:2], (1, 2), strict=True):
        original = (WWW / f"Uploads/images/2020/07/15-7-2020-TG-{number}.jpg").read_bytes()
        assert image["image_sha256"] == hashlib.sha256(original).hexdigest()
        (path,) = db.execute("SELECT path FROM images WHERE sha256 = ?", [image["image_sha256"]]).fetchone()
        assert (images_dir / path).read_bytes() == original
    assert stored[2]["image_sha256"] is None  # never captured: failed, not invented
    failure = db.execute("SELECT status, error FROM image_sources WHERE src_url = ?", [IMG % 3]).fetchone()
    assert failure == (404, "http_404")
    # fetched from the archive at the article's capture time, never from the original host
    image_fetches = [r[0] for r in db.execute("SELECT url FROM fetch_log WHERE kind = 'image'")]
    assert image_fetches and all(url.startswith(server.replay) for url in image_fetches)
    assert f"id_/{TNTN % 1}" in " ".join(image_fetches)


def test_every_request_is_logged_and_captured_as_received(runs):
    from warcio.archiveiterator import ArchiveIterator

    db = runs["db"]
    warc_dir = Path(runs["db"].conn.execute("PRAGMA database_list").fetchone()[2]).parent / "warc"
    targets = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            targets += [
                r.rec_headers.get_header("WARC-Target-URI")
                for r in ArchiveIterator(stream)
                if r.rec_type in ("response", "revisit")
            ]
    logged = [r[0] for r in db.execute("SELECT url FROM fetch_log WHERE status IS NOT NULL")]
    assert sorted(targets) == sorted(logged)
    assert any(t.startswith(runs["server"].cdx_api) for t in targets)


def history(db) -> dict[str, list]:
    """What recovery built, without run numbers and clock times of the runs."""
    return {
        "articles": db.execute(
            "SELECT url, title, views, captured_at, first_seen_at, last_seen_at FROM articles ORDER BY url"
        ).fetchall(),
        "views": db.execute(
            "SELECT a.url, v.observed_at, v.views FROM view_counts v JOIN articles a"
            " ON a.id = v.article_id ORDER BY 1, 2"
        ).fetchall(),
        "versions": db.execute("SELECT title, seen_from, seen_until FROM article_versions ORDER BY 2").fetchall(),
        "images": db.execute("SELECT src_url, image_sha256, caption, credit FROM article_images ORDER BY 1").fetchall(),
    }


def test_a_killed_recovery_resumes_where_it_stopped(runs, tmp_path):
    import signal
    import time

    server, db_path, images = runs["server"], tmp_path / "tnu.sqlite", tmp_path / "images"
    # Slow enough to be killed halfway: one request every second (0.5-1.5 s), and some seven of them
    # (replays and images) still to come when the first capture is recorded: seconds to see it in.
    slow = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler",
            "recover",
            "--cdx-api",
            server.cdx_api,
            "--replay",
            server.replay,
            "--db",
            str(db_path),
            "--images-dir",
            str(images),
            "--set",
            "DOWNLOAD_DELAY=1",
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    done: list = []
    deadline = time.monotonic() + 120
    while not done and slow.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        if db_path.exists():
            with contextlib.suppress(Exception):  # the schema is being created
                done = (
                    sqlite_utils.Database(db_path).execute("SELECT url, timestamp FROM recovered_captures").fetchall()
                )
    if slow.poll() is not None:
        pytest.skip("the recovery ended before it could be killed (a very slow machine?)")
    os.killpg(slow.pid, signal.SIGKILL)
    slow.wait()
    assert done

    result = recover(server, db_path, images)
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT status FROM crawl_runs WHERE id = 1").fetchone()[0] == "killed"
    asked_again = replay_fetches(db, 2)
    for url, timestamp in done:
        assert not any(f"/{timestamp}id_/{url}" in fetched for fetched in asked_again)
    assert history(db) == history(runs["db"])


def test_one_run_at_a_time_and_bad_arguments_in_one_line(runs, tmp_path):
    from archive.operations.lock import RunLock

    server, db_path = runs["server"], tmp_path / "tnu.sqlite"
    with RunLock(db_path):
        locked = recover(server, db_path, tmp_path / "images")
    assert locked.returncode == 4 and len(locked.stderr.strip().splitlines()) == 1
    for bad in (("--from", "2021", "--to", "2015"), ("--from", "last-year"), ("--cdx-api", "ftp://archive")):
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "recover", "--db", str(db_path), *bad],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr, bad


def test_nothing_to_recover_says_so(runs, tmp_path):
    result = recover(runs["server"], tmp_path / "tnu.sqlite", tmp_path / "images", "--from", "2030")
    assert result.returncode == 3, result.stderr
    assert "run 1 empty:" in result.stderr
    db = sqlite_utils.Database(tmp_path / "tnu.sqlite")
    status, kind, problems = db.execute("SELECT status, kind, problems FROM crawl_runs").fetchone()
    assert (status, kind) == ("empty", "recover")
    assert "no successful HTML capture of an article URL" in json.loads(problems)[0]

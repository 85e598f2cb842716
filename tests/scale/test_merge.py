"""`tnu-archive merge` on archives written by the store itself (real SQLite files, real image
bytes): whose content is current, what is refused in one line, what is kept when a shard is
damaged, and that columns other work adds merge without being named here."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from scale_support import dump, run_cli

from archive.db import MIGRATIONS, connect
from archive.operations.lock import RunLock
from archive.operations.merge import Rule, combine
from archive.outcome import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_VERIFY
from archive.record import Article, ImageRef
from archive.storage import runs
from archive.store import Archive

SITE = "http://news.example.org"


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(out, format="PNG")
    return out.getvalue()


def crawl(folder: Path, pages: list[tuple[str, dict]], *, at: str, images: dict[str, bytes] | None = None) -> None:
    """One finished run of `pages` ((path, fields)) into the data folder, as the crawler writes it."""
    archive = Archive(folder / "tnu.sqlite", folder / "images")
    try:
        run = runs.start_run(archive.db, [SITE + "/"], {}, started_at=at)
        for src, body in (images or {}).items():
            archive.store_image(run, src, body, status=200, fetched_at=at)
        for path, fields in pages:
            archive.log_fetch(run, url=SITE + path, final_url=SITE + path, kind="page", status=200, error=None,
                              body=path.encode(), fetched_at=at)  # fmt: skip
            archive.save_article(Article(url=SITE + path, **fields), run_id=run, fetched_at=at, raw_html=b"<p>x</p>")
        archive.finish_run(run, status="ok", exit_code=0, counts={}, errors={}, fill_rates={}, problems=[])
    finally:
        archive.close()


def article(title: str, body: str, views: int, images: tuple[ImageRef, ...] = ()) -> dict:
    return {"title": title, "body_text": body, "published_at": "2026-01-05", "views": views, "images": images}


def merge(*args) -> object:
    return run_cli("merge", *map(str, args))


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_content_seen_last_is_current_and_the_other_a_version_whatever_the_order(tmp_path):
    old = article("Tin cũ", "Nội dung thứ nhất.", 10)
    new = article("Tin mới", "Nội dung đã sửa.", 25)
    crawl(tmp_path / "x", [("/tin-1.html", old), ("/tin-2.html", article("Hai", "Hai.", 1))], at="2026-01-05T01:00:00Z")
    crawl(tmp_path / "y", [("/tin-1.html", new)], at="2026-02-01T01:00:00Z")
    results = {}
    for order in (("x", "y"), ("y", "x")):
        into = tmp_path / ("into-" + "".join(order))
        done = merge(*(tmp_path / n for n in order), "--into", into)
        assert done.returncode == EXIT_OK, done.stderr
        db = into / "tnu.sqlite"
        (current,) = rows(db, "SELECT title, views, first_seen_at, last_seen_at FROM articles WHERE url LIKE '%tin-1%'")
        assert current == ("Tin mới", 25, "2026-01-05T01:00:00Z", "2026-02-01T01:00:00Z")
        versions = rows(db, "SELECT title, seen_from, seen_until FROM article_versions")
        assert versions == [("Tin cũ", "2026-01-05T01:00:00Z", "2026-02-01T01:00:00Z")]
        counts = rows(db, "SELECT v.views, v.observed_at FROM view_counts v JOIN articles a ON a.id = v.article_id "
                          "WHERE a.url LIKE '%tin-1%' ORDER BY v.observed_at")  # fmt: skip
        assert counts == [(10, "2026-01-05T01:00:00Z"), (25, "2026-02-01T01:00:00Z")]
        (search,) = rows(db, "SELECT s.title FROM article_search s JOIN articles a ON a.id = s.article_id "
                             "WHERE a.url LIKE '%tin-1%'")  # fmt: skip
        assert search == ("tin moi",)
        assert rows(db, "SELECT count(*) FROM articles") == [(2,)]
        results[order] = rows(db, "SELECT url, title, views, content_hash FROM articles ORDER BY url")
        again = merge(*(tmp_path / n for n in order), "--into", into)
        assert again.returncode == EXIT_OK and "0 articles new, 0 updated, 0 versions new" in again.stderr
    assert results[("x", "y")] == results[("y", "x")]


def test_a_shard_of_a_newer_schema_is_refused_in_one_line_and_nothing_is_written(tmp_path):
    crawl(tmp_path / "x", [("/tin-1.html", article("A", "A.", 1))], at="2026-01-05T01:00:00Z")
    conn = sqlite3.connect(tmp_path / "x" / "tnu.sqlite")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    done = merge(tmp_path / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_FAILED
    (line,) = done.stderr.strip().splitlines()
    assert "newer than this tnu-archive" in line
    assert not (tmp_path / "into" / "tnu.sqlite").exists()


def test_a_locked_archive_is_refused_with_exit_4_and_so_is_a_shard_being_crawled(tmp_path):
    crawl(tmp_path / "x", [("/tin-1.html", article("A", "A.", 1))], at="2026-01-05T01:00:00Z")
    for held in (tmp_path / "into" / "tnu.sqlite", tmp_path / "x" / "tnu.sqlite"):
        with RunLock(held):
            done = merge(tmp_path / "x", "--into", tmp_path / "into")
        assert done.returncode == EXIT_LOCKED, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "another run is in progress" in line and f"{held}.lock" in line


def test_two_shards_of_one_name_and_a_shard_that_is_not_the_one_merged_before_are_refused(tmp_path):
    crawl(tmp_path / "one" / "x", [("/tin-1.html", article("A", "A.", 1))], at="2026-01-05T01:00:00Z")
    crawl(tmp_path / "two" / "x", [("/tin-2.html", article("B", "B.", 1))], at="2026-01-06T01:00:00Z")
    done = merge(tmp_path / "one" / "x", tmp_path / "two" / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_FAILED and "two shards named x" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert merge(tmp_path / "one" / "x", "--into", tmp_path / "into").returncode == EXIT_OK
    before = dump(tmp_path / "into" / "tnu.sqlite")
    # Another shard under the same name (a shard started afresh): its run 1 is not the run 1 merged.
    done = merge(tmp_path / "two" / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_FAILED
    (line,) = done.stderr.strip().splitlines()
    assert "another shard under the same name?" in line
    assert dump(tmp_path / "into" / "tnu.sqlite") == before


def test_a_run_merged_while_running_is_updated_when_it_has_ended(tmp_path):
    folder = tmp_path / "x"
    archive = Archive(folder / "tnu.sqlite", folder / "images")
    run = runs.start_run(archive.db, [SITE + "/"], {}, started_at="2026-01-05T01:00:00Z")
    archive.close()
    assert merge(folder, "--into", tmp_path / "into").returncode == EXIT_OK
    db = tmp_path / "into" / "tnu.sqlite"
    assert rows(db, "SELECT status, shard, shard_run_id FROM crawl_runs") == [("running", "x", run)]
    archive = Archive(folder / "tnu.sqlite", folder / "images")
    archive.finish_run(run, status="ok", exit_code=0, counts={}, errors={}, fill_rates={}, problems=[])
    archive.close()
    done = merge(folder, "--into", tmp_path / "into")
    assert done.returncode == EXIT_OK and "0 runs new, 1 updated" in done.stderr
    assert rows(db, "SELECT status, exit_code FROM crawl_runs") == [("ok", 0)]


def test_an_image_missing_in_a_shard_is_said_and_copied_by_a_later_merge_once_restored(tmp_path):
    body = png((200, 10, 10))
    src = SITE + "/anh/1.png"
    page = article("A", "A.", 1, (ImageRef(position=0, src_url=src, caption="Ảnh"),))
    crawl(tmp_path / "x", [("/tin-1.html", page)], at="2026-01-05T01:00:00Z", images={src: body})
    sha = hashlib.sha256(body).hexdigest()
    stored = next((tmp_path / "x" / "images").rglob(f"{sha}.*"))
    kept = stored.read_bytes()
    stored.write_bytes(b"damaged")
    done = merge(tmp_path / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_VERIFY, done.stderr
    assert f"image {stored}: damaged in the shard" in done.stdout
    target = tmp_path / "into" / "images" / stored.relative_to(tmp_path / "x" / "images")
    assert not target.exists()  # never a damaged copy
    assert rows(tmp_path / "into" / "tnu.sqlite", "SELECT image_sha256 FROM article_images") == [(sha,)]
    stored.write_bytes(kept)  # e.g. tnu-archive verify --repair on the shard
    done = merge(tmp_path / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert target.read_bytes() == body
    verified = run_cli("verify", "--db", str(tmp_path / "into" / "tnu.sqlite"), "--images-dir",
                       str(tmp_path / "into" / "images"))  # fmt: skip
    assert verified.returncode == EXIT_OK, verified.stdout


def test_a_shard_of_an_older_schema_is_merged_from_a_migrated_copy_and_left_as_it_was(tmp_path):
    crawl(tmp_path / "x", [("/tin-1.html", article("A", "A.", 3))], at="2026-01-05T01:00:00Z")
    db = tmp_path / "x" / "tnu.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # As migration 12 left it: the columns of 13 (shards), 14 (the sites' owners), 15 (their
    # languages) and 16 (their memberships) and the table of 17 (the CDX walks' resume keys) are not
    # there yet (18 removes rows only).
    conn.execute("DROP INDEX crawl_runs_shard")
    conn.execute("DROP TABLE cdx_walks")
    for table, column in (
        ("crawl_runs", "shard"),
        ("crawl_runs", "shard_run_id"),
        ("fetch_log", "shard"),
        ("sites", "title_en"),
        ("sites", "home"),
        ("sites", "language"),
        ("sites", "member_of"),
    ):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("PRAGMA user_version = 12")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = merge(tmp_path / "x", "--into", tmp_path / "into")
    assert done.returncode == EXIT_OK, done.stderr
    assert rows(tmp_path / "into" / "tnu.sqlite", "SELECT title, views FROM articles") == [("A", 3)]
    assert rows(tmp_path / "into" / "tnu.sqlite", "SELECT shard, shard_run_id FROM crawl_runs") == [("x", 1)]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not list((tmp_path / "into").glob(".merge/*"))  # the copy is gone


def test_a_column_another_branch_adds_merges_without_being_named(tmp_path):
    crawl(tmp_path / "x", [("/tin-1.html", article("A", "A.", 1))], at="2026-01-05T01:00:00Z")
    into = tmp_path / "into"
    connect(into / "tnu.sqlite").close()
    for db in (tmp_path / "x" / "tnu.sqlite", into / "tnu.sqlite"):
        conn = sqlite3.connect(db)
        conn.execute("ALTER TABLE articles ADD COLUMN region TEXT")
        conn.execute("ALTER TABLE fetch_log ADD COLUMN elapsed REAL")
        conn.commit()
        conn.close()
    conn = sqlite3.connect(tmp_path / "x" / "tnu.sqlite")
    conn.execute("UPDATE articles SET region = 'Thái Nguyên'")
    conn.execute("UPDATE fetch_log SET elapsed = 0.25")
    conn.commit()
    conn.close()
    assert merge(tmp_path / "x", "--into", into).returncode == EXIT_OK
    assert rows(into / "tnu.sqlite", "SELECT region FROM articles") == [("Thái Nguyên",)]
    assert rows(into / "tnu.sqlite", "SELECT elapsed FROM fetch_log") == [(0.25,)]


def test_a_table_no_rule_covers_stops_the_merge_in_one_line(tmp_path):
    crawl(tmp_path / "x", [("/tin-1.html", article("A", "A.", 1))], at="2026-01-05T01:00:00Z")
    into = tmp_path / "into"
    connect(into / "tnu.sqlite").close()
    for db in (tmp_path / "x" / "tnu.sqlite", into / "tnu.sqlite"):
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.commit()
        conn.close()
    before = dump(into / "tnu.sqlite")
    done = merge(tmp_path / "x", "--into", into)
    assert done.returncode == EXIT_FAILED
    (line,) = done.stderr.strip().splitlines()
    assert "no rule merges table notes" in line
    assert dump(into / "tnu.sqlite") == before


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        # the later attempt's status, the larger count, and bytes a later failure does not unlink
        (
            {"last_attempt_at": "2026-01-02", "attempts": 3, "status": 200, "image_sha256": "aa"},
            {"last_attempt_at": "2026-01-05", "attempts": 1, "status": 404, "image_sha256": None},
            {"last_attempt_at": "2026-01-05", "attempts": 3, "status": 404, "image_sha256": "aa"},
        ),
        (
            {"last_attempt_at": "2026-01-05", "attempts": 1, "status": 404, "image_sha256": None},
            {"last_attempt_at": "2026-01-02", "attempts": 3, "status": 200, "image_sha256": "aa"},
            {"last_attempt_at": "2026-01-05", "attempts": 3, "status": 404, "image_sha256": "aa"},
        ),
    ],
)
def test_rows_of_one_key_combine_the_same_whichever_comes_first_and_again(mine, theirs, expected):
    rule = Rule(newer="last_attempt_at", most=("attempts", "last_attempt_at"), keep=("image_sha256",))
    columns = list(expected)
    once = combine(mine, theirs, rule, columns)
    assert once == expected
    assert combine(once, theirs, rule, columns) == once  # idempotent
    assert combine(theirs, mine, rule, columns) == expected  # either order

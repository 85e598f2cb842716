"""`verify --repair` after a real crawl: image files lost or damaged on disk come back from the
run's WARC captures; what no capture holds is named and queued, and the next crawl fetches it.
A crawl that finds the images folder gone says so."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

from cron_support import first_crawl
from e2e_support import crawl, run_cli

from archive.db import connect
from archive.storage import frontier


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_verify_repair_restores_from_the_warc_and_queues_the_rest(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)  # run 1 (exit 0), shared: this test damages a copy of its archive
    db_path, images = first.copy_archive(tmp_path / "data")
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT sha256, path FROM images ORDER BY path").fetchall()
    assert len(rows) >= 3
    (deleted_sha, deleted), (corrupt_sha, corrupt), (lost_sha, lost) = rows[:3]
    (images / deleted).unlink()
    data = bytearray((images / corrupt).read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the sha256 tells
    (images / corrupt).write_bytes(bytes(data))
    # An image no WARC holds (archived before captures existed, or its WARC deleted).
    (images / lost).unlink()
    lost_urls = [u for (u,) in conn.execute("SELECT src_url FROM image_sources WHERE image_sha256 = ?", [lost_sha])]
    conn.execute(
        "DELETE FROM captures WHERE url IN (SELECT src_url FROM image_sources WHERE image_sha256 = ?)", [lost_sha]
    )
    conn.commit()
    conn.close()

    result = run_cli("verify", "--repair", "--db", str(db_path), "--images-dir", str(images))
    assert result.returncode == 5, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"restored: {images / deleted}" in lines
    assert f"restored: {images / corrupt}" in lines
    assert f"not restored: {images / lost}: no WARC capture holds its bytes" in lines
    assert [line for line in lines if line.startswith("queued for the next crawl: ")] == [
        f"queued for the next crawl: {url}" for url in lost_urls
    ]
    assert "repair: 2 restored, 1 not restored" in result.stderr
    assert sha(images / deleted) == deleted_sha and sha(images / corrupt) == corrupt_sha
    db = connect(db_path)
    assert set(lost_urls) <= set(frontier.failed_images(db))
    db.close()

    # The next crawl downloads the queued image again: then everything is whole.
    with first.serve() as replica:  # the same site on the same ports
        assert crawl(replica, db_path, images).returncode == 0
    assert sha(images / lost) == lost_sha
    result = run_cli("verify", "--db", str(db_path), "--images-dir", str(images))
    assert result.returncode == 0, result.stdout + result.stderr

    # Everything restorable: exit 0.
    (images / deleted).unlink()
    result = run_cli("verify", "--repair", "--db", str(db_path), "--images-dir", str(images))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sha(images / deleted) == deleted_sha


def test_a_crawl_says_when_the_images_folder_is_gone(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)  # run 1 (exit 0), shared: this test runs on a copy of its archive
    db_path, images = first.copy_archive(tmp_path / "data")
    shutil.rmtree(images)
    with first.serve() as replica:  # the same site on the same ports
        result = crawl(replica, db_path, images)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"the images folder {images} is missing but the archive lists" in result.stderr
    summary = [line for line in result.stderr.splitlines() if line.startswith("run 2 ")]
    assert summary and "images folder" in summary[0] and "verify --repair" in summary[0]
    conn = sqlite3.connect(db_path)
    problems = conn.execute("SELECT problems FROM crawl_runs WHERE id = 2").fetchone()[0]
    assert "images folder" in problems

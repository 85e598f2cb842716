"""The crawl's WARC captures, end to end: every response of a replica crawl is in a WARC that
the reference tool accepts, every fetch_log row points at its capture, a second crawl of the
unchanged site writes only revisits, and `export --wacz` packages them validly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlite_utils
from cron_support import first_crawl
from e2e_support import crawl, run_cli

BIN = Path(sys.executable).parent


def test_captures_of_two_runs_and_their_wacz(tmp_path_factory, tmp_path):
    first = first_crawl(tmp_path_factory)  # run 1 (exit 0), shared: this test runs on a copy of its archive
    db_path, images = first.copy_archive(tmp_path / "data")
    with first.serve() as replica:  # the same site on the same ports
        assert crawl(replica, db_path, images).returncode == 0
    warcs = sorted((tmp_path / "data" / "warc").glob("*.warc.gz"))
    assert len(warcs) == 2
    for warc in warcs:
        check = subprocess.run([BIN / "warcio", "check", str(warc)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

    db = sqlite_utils.Database(db_path)
    responses = db.execute("SELECT count(*) FROM fetch_log WHERE status IS NOT NULL").fetchone()[0]
    linked = db.execute("SELECT count(*) FROM captures WHERE fetch_id IS NOT NULL").fetchone()[0]
    assert linked == responses
    second = dict(
        db.execute("SELECT record_type, count(*) FROM captures WHERE run_id = 2 GROUP BY record_type").fetchall()
    )
    assert set(second) == {"revisit"} and second["revisit"] > 0

    wacz = tmp_path / "tnu.wacz"
    result = run_cli("export", "--wacz", str(wacz), "--db", str(db_path), "--images-dir", str(images))
    assert result.returncode == 0, result.stderr
    valid = subprocess.run([BIN / "wacz", "validate", "-f", str(wacz)], capture_output=True, text=True)
    assert valid.returncode == 0, valid.stdout + valid.stderr


def test_reparse_reads_article_pages_from_the_warc_files(tmp_path_factory, tmp_path):
    # a copy of the shared run 1 (exit 0): this test deletes its stored pages
    db_path, images = first_crawl(tmp_path_factory).copy_archive(tmp_path / "data")
    articles = sqlite_utils.Database(db_path)["articles"].count
    result = reparse_from_warc_only(db_path, images)
    assert (
        f"reparsed {articles} articles: 0 changed, {articles} unchanged, 0 set aside (no longer read as articles), "
        "0 put back, 0 without a stored page" in result.stderr
    )
    assert f"({articles} read from WARC captures)" in result.stderr


def reparse_from_warc_only(db_path: Path, images: Path):
    """`reparse` without the raw_pages copies: only the WARC captures can provide the pages."""
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM raw_pages")
    conn.commit()
    conn.close()
    result = run_cli("reparse", "--db", str(db_path), "--images-dir", str(images))
    assert result.returncode == 0, result.stderr
    return result


def test_a_run_past_warc_max_size_goes_on_in_new_files_and_nothing_is_lost(replica, tmp_path):
    db_path, images = tmp_path / "tnu.sqlite", tmp_path / "images"
    result = crawl(replica, db_path, images, "--set", "WARC_MAX_SIZE=150000")
    assert result.returncode == 0, result.stderr[-3000:]
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    print(len(warcs), "WARC files:", [(w.name, w.stat().st_size) for w in warcs])
    assert len(warcs) >= 3
    for warc in warcs:
        assert (warc.parent / (warc.name.removesuffix(".warc.gz") + ".cdxj")).exists()
        check = subprocess.run([BIN / "warcio", "check", str(warc)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    db = sqlite_utils.Database(db_path)
    assert {row[0] for row in db.execute("SELECT DISTINCT warc_file FROM captures")} == {w.name for w in warcs}
    responses = db.execute("SELECT count(*) FROM fetch_log WHERE status IS NOT NULL").fetchone()[0]
    assert db.execute("SELECT count(*) FROM captures WHERE fetch_id IS NOT NULL").fetchone()[0] == responses
    articles = db["articles"].count
    db.close()

    wacz = tmp_path / "tnu.wacz"
    packed = run_cli("export", "--wacz", str(wacz), "--db", str(db_path), "--images-dir", str(images))
    assert packed.returncode == 0 and f"Packaged {len(warcs)} WARC files" in packed.stderr, packed.stderr
    # every article page is read back from whichever file holds it
    assert f"({articles} read from WARC captures)" in reparse_from_warc_only(db_path, images).stderr

"""`tnu-archive serve` as a command: clear failures, and serving while a crawl writes."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import urllib.parse

from serve_archive import ARTICLES, OTHER_ARTICLES, build_archive
from serve_process import serve_command, start_server, stop_server

from archive.record import Article
from archive.store import Archive


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_command("serve", *args), capture_output=True, text=True, timeout=60)


def test_missing_archive_is_one_clear_line(tmp_path):
    result = run_serve("--db", str(tmp_path / "nope.sqlite"), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"tnu-archive: no archive at {tmp_path / 'nope.sqlite'} (run a crawl first, or pass --db)"
    ]
    assert not (tmp_path / "nope.sqlite").exists()


def test_a_file_that_is_not_sqlite_is_one_clear_line(tmp_path):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"<html>not a database</html>" * 100)
    result = run_serve("--db", str(bogus), "--port", "0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not a readable SQLite archive" in lines[0]


def test_a_busy_port_is_one_clear_line(tmp_path):
    archive = build_archive(tmp_path / "archive")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_serve("--db", str(archive.db_path), "--images-dir", str(archive.images_dir), "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tnu-archive: cannot listen on 127.0.0.1:{port}")


def test_serves_while_a_crawl_holds_the_write_lock_and_shows_what_it_commits(tmp_path):
    archive = build_archive(tmp_path / "archive")
    server = start_server(archive, tmp_path / "serve.log")
    try:
        writer = sqlite3.connect(archive.db_path, isolation_level=None, timeout=1)
        writer.execute("BEGIN IMMEDIATE")  # what a crawl's transaction looks like to readers
        writer.execute("INSERT INTO crawl_runs (started_at, status) VALUES ('2026-03-06T02:00:00Z', 'running')")
        # Readers are not made to wait for the writer: it holds its lock until after these
        # answers, so a reader that waited could only have failed (no bound on time needed)
        assert len(server.json("/tnu/articles.json?_shape=array")) == len(ARTICLES) + len(OTHER_ARTICLES)
        assert server.get("/-/dashboards/collection")[0] == 200
        # Uncommitted work is not visible.
        assert [r["status"] for r in server.json("/tnu/crawl_runs.json?_shape=array")] == ["ok", "drift", "ok"]
        writer.execute("ROLLBACK")
        writer.close()

        new = Article(
            url="https://tnu.edu.vn/dai-hoc-thai-nguyen-don-tan-sinh-vien-dn2001.html",
            title="Đại học Thái Nguyên đón tân sinh viên",
            published_at="2026-09-05",
            published_text="Đăng ngày: 05-09-2026",
            views=10,
            body_text="Chào mừng tân sinh viên.",
            body_html="<p>Chào mừng tân sinh viên.</p>",
            category="Tin tức - Sự kiện",
        )
        with Archive(archive.db_path, archive.images_dir) as store:
            store.save_article(
                new, run_id=None, fetched_at="2026-09-05T03:00:00+00:00", raw_html=b"<html></html>", encoding="utf-8"
            )
        # Committed by the "crawl": visible at once, no restart.
        rows = server.json("/tnu/search.json?_shape=array&q=" + urllib.parse.quote("tan sinh vien"))
        assert [r["url"] for r in rows] == [new.url]
        page = server.text(f"/article/{rows[0]['article']}")
        assert "Đại học Thái Nguyên đón tân sinh viên" in page
    finally:
        stop_server(server)


def test_a_missing_images_folder_is_a_warning_not_a_failure(tmp_path):
    archive = build_archive(tmp_path / "archive")
    shutil.rmtree(archive.images_dir)
    server = start_server(archive, tmp_path / "serve.log")
    try:
        assert f"warning: no images folder at {archive.images_dir}" in server.log.read_text()
        assert server.get("/tnu/articles.json")[0] == 200
        path = server.json("/tnu/images.json?_shape=array")[0]["path"]
        assert server.get(f"/images/{path}")[0] == 404
    finally:
        stop_server(server)


def test_help_documents_the_options():
    result = subprocess.run(serve_command("serve", "--help"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--db", "--images-dir", "--host", "--port", "127.0.0.1", "8001"):
        assert option in result.stdout

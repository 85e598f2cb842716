"""Crash safety: a crawl killed with SIGKILL at three moments, then run again, leaves the same
archive as one uninterrupted crawl — same articles and fields, images and files, no duplicates —
with `PRAGMA integrity_check` ok and no temporary file anywhere in the data folder.

The moments are found by watching the replica's request log and the archive from this process.
The killed crawl meets a copy of the site where one request never answers in time (routes.json
"slow"), which holds it at a known point however loaded the machine is:
- early: as soon as the first article is requested (the first listing has been read);
- mid-images: while an article's second image is on its way and other images are on disk;
- mid-pagination: while page 2 of the old news listing is on its way, page 1's articles archived.
The uninterrupted crawl and the runs that finish the killed ones meet the plain replica on the
same ports, so all archives hold the same URLs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cron_support import ARTICLE_PATHS, FirstCrawl, copy_site, first_crawl, page_file, query, requested_articles
from e2e_support import FAST, crawl

from archive.storage.images import TEMP_PREFIX, TEMP_SUFFIX
from crawler.navigation import links
from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer, substitute

SLOW_IMAGE = "/uploads/2026/01/nhom-nghien-cuu-manh-2-960.jpg"
LISTING = "/news/tin-tuc-su-kien.html"
PAGE_2, PAGE_3 = LISTING + "?page=2", LISTING + "?page=3"
HELD = 120.0  # seconds: longer than any kill takes to come
# One held request per moment: the crawler has 2 connections per host, both held would stall it.
HOLD = {"early": {PAGE_2: HELD}, "mid-images": {SLOW_IMAGE: HELD}, "mid-pagination": {PAGE_2: HELD}}

# Names a half-done write would leave: image temp files, SQLite journals, unfinished exports.
TEMPORARY = (".tmp-", ".part", "-journal", "-wal", "-shm", ".partial", ".tmp")


@dataclass
class Site:
    reference: dict  # snapshot of an uninterrupted crawl
    folder: Path
    slow_sites: dict[str, Path]  # moment -> a copy of the site holding one request
    first: FirstCrawl
    server: ReplicaServer | None = None  # the one serving now

    @property
    def ports(self) -> tuple[int, int]:
        return self.first.ports

    def serve(self, site_dir: Path = DEFAULT_SITE_DIR) -> ReplicaServer:
        """A replica on the first crawl's ports (another server may have just left them)."""
        self.server = self.first.serve(site_dir)
        return self.server


def snapshot(db_path: Path, images_dir: Path) -> dict:
    """What an archive holds, without the times and ids that differ from run to run."""
    conn = sqlite3.connect(db_path)
    try:
        rows = lambda sql: sorted(conn.execute(sql).fetchall())  # noqa: E731
        articles = rows(
            "SELECT url, title, published_at, published_text, views, body_text, body_html, author,"
            " category, content_hash, raw_sha256 FROM articles"
        )
        snap = {
            "articles": articles,
            "article_images": rows(
                "SELECT a.url, ai.position, ai.src_url, ai.image_sha256, ai.caption, ai.alt,"
                " ai.credit FROM article_images ai JOIN articles a ON a.id = ai.article_id"
            ),
            "images": rows("SELECT sha256, path, mime, width, height, bytes FROM images"),
            "image_sources": rows("SELECT src_url, image_sha256, status, error FROM image_sources"),
            "view_counts": rows("SELECT a.url, v.views FROM view_counts v JOIN articles a ON a.id = v.article_id"),
            "versions": rows("SELECT article_id, content_hash FROM article_versions"),
            "search": rows(
                "SELECT a.url, s.title, s.body, s.captions FROM article_search s JOIN articles a ON a.id = s.article_id"
            ),
            "raw_pages": rows("SELECT sha256, url FROM raw_pages"),
        }
        assert conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()[0] == len(articles)
    finally:
        conn.close()
    snap["files"] = sorted(
        (p.relative_to(images_dir).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in images_dir.rglob("*")
        if p.is_file()
    )
    return snap


def integrity(db_path: Path) -> str:
    return query(db_path, "PRAGMA integrity_check")[0][0]


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and any(mark in p.name for mark in TEMPORARY)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    first = first_crawl(tmp_path_factory)  # the uninterrupted crawl
    folder = tmp_path_factory.mktemp("cron-crash")
    slow_sites = {moment: copy_site(folder / f"site-{moment}", slow=held) for moment, held in HOLD.items()}
    return Site(snapshot(first.folder / "tnu.sqlite", first.folder / "images"), folder, slow_sites, first)


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, "the crawl ended before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill the crawl never came"
        time.sleep(0.01)


def archived(db_path: Path, urls: list[str]) -> bool:
    """Whether every URL is known to the frontier: an archived article, or a static page
    (read on a read-only connection, so the writer is not disturbed)."""
    if not db_path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.2)
        try:
            marks = ",".join("?" * len(urls))
            found = conn.execute(
                f"SELECT count(DISTINCT url) FROM (SELECT url FROM articles WHERE url IN ({marks})"
                f" UNION SELECT url FROM article_links WHERE (article_id IS NOT NULL OR not_article_at IS NOT NULL)"
                f" AND url IN ({marks}))",
                urls + urls,
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return found == len(set(urls))


def page_article_links(server: ReplicaServer, target: str) -> list[str]:
    """The article links of a page of the replica, as the crawler reads them."""
    html = substitute(page_file(DEFAULT_SITE_DIR, target).read_bytes(), server.origin, server.other_origin).decode()
    return links.classify_hrefs(server.origin + target, re.findall(r'href="([^"]*)"', html)).articles


def requested(site: Site, path: str) -> bool:
    return any(r.path == path for r in site.server.requests)


def early(site: Site, data: Path) -> callable:
    return lambda: any(r.path in ARTICLE_PATHS for r in site.server.requests)


def mid_images(site: Site, data: Path) -> callable:
    def moment() -> bool:
        files = [p for p in (data / "images").rglob("*") if p.is_file()] if (data / "images").exists() else []
        return requested(site, SLOW_IMAGE) and len(files) >= 1

    return moment


def mid_pagination(site: Site, data: Path) -> callable:
    first_page = page_article_links(site.server, LISTING)
    return lambda: requested(site, PAGE_2) and archived(data / "tnu.sqlite", first_page)


MOMENTS = {"early": early, "mid-images": mid_images, "mid-pagination": mid_pagination}


@dataclass
class Killed:
    at_kill: dict  # what the archive held right after the kill
    resumed_requests: list
    resumed: object
    data: Path


def kill_and_resume(site: Site, name: str) -> Killed:
    data = site.folder / name
    db_path, images = data / "tnu.sqlite", data / "images"
    with site.serve(site.slow_sites[name]) as server:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler",
                "crawl",
                "--start-url",
                server.url,
                "--db",
                str(db_path),
                "--images-dir",
                str(images),
                *FAST,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(MOMENTS[name](site, data), proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        requests = len(server.requests)
    assert proc.returncode == -signal.SIGKILL
    at_kill = {
        "integrity": integrity(db_path),
        "articles": query(db_path, "SELECT count(*) FROM articles")[0][0],
        "archived": {url for (url,) in query(db_path, "SELECT url FROM articles")},
        "image_files": len([p for p in images.rglob("*") if p.is_file()]) if images.exists() else 0,
        "status": query(db_path, "SELECT status FROM crawl_runs")[0][0],
        "listing_completed": query(
            db_path,
            "SELECT completed_at IS NOT NULL FROM listings WHERE listing_url = ?",
            [f"http://127.0.0.1:{site.ports[0]}{LISTING}"],
        ),
    }
    print(
        f"{name}: killed after {requests} requests, {at_kill['articles']} articles,"
        f" {at_kill['image_files']} image files; integrity {at_kill['integrity']}"
    )
    with site.serve() as server:
        resumed = crawl(server, db_path, images)
        resumed_requests = server.requests
    return Killed(at_kill, resumed_requests, resumed, data)


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_killed_crawl_run_again_equals_an_uninterrupted_one(site, moment):
    killed = kill_and_resume(site, moment)
    assert killed.at_kill["integrity"] == "ok"
    assert killed.at_kill["status"] == "running"  # killed mid-run, its row not finished
    assert killed.resumed.returncode == 0, killed.resumed.stderr[-3000:]
    print(f"{moment}: resumed: {killed.resumed.stderr.strip().splitlines()[-1]}")

    data = killed.data
    assert integrity(data / "tnu.sqlite") == "ok"
    got = snapshot(data / "tnu.sqlite", data / "images")
    for part in site.reference:
        assert got[part] == site.reference[part], part
    assert query(data / "tnu.sqlite", "SELECT id, status FROM crawl_runs ORDER BY id") == [(1, "killed"), (2, "ok")]
    assert leftovers(data) == []
    # What the killed run archived is not fetched again (none of it is due for a refresh).
    refetched = {f"http://127.0.0.1:{site.ports[0]}{path}" for path in requested_articles(killed.resumed_requests)}
    assert not refetched & killed.at_kill["archived"]
    assert len(refetched) + len(killed.at_kill["archived"]) == len(site.reference["articles"])

    if moment == "mid-images":
        assert killed.at_kill["image_files"] >= 1
        assert SLOW_IMAGE in [r.path for r in killed.resumed_requests]
    if moment == "mid-pagination":
        # Page 1's articles were archived and the listing never reached its end: the next run,
        # though incremental, walks it to the end.
        assert killed.at_kill["listing_completed"] == [(0,)]
        paths = [r.path for r in killed.resumed_requests]
        assert PAGE_2 in paths and PAGE_3 in paths
        assert query(
            data / "tnu.sqlite",
            "SELECT completed_at IS NOT NULL FROM listings WHERE listing_url = ?",
            [f"http://127.0.0.1:{site.ports[0]}{LISTING}"],
        ) == [(1,)]


def test_temp_file_of_a_killed_image_write_is_removed_by_the_next_run(site, tmp_path):
    """A kill between writing an image and renaming it leaves `.tmp-<pid>-….part`: too short a
    window to hit by timing, so the file is made as the writer makes it, for a pid that is gone."""
    data = tmp_path / "data"
    shutil.copytree(site.first.folder, data)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = next(p for p in (data / "images").iterdir() if p.is_dir())
    abandoned = folder / f"{TEMP_PREFIX}{dead.pid}-k1ll3d{TEMP_SUFFIX}"
    older_style = folder / f"{TEMP_PREFIX}x7q2bz{TEMP_SUFFIX}"  # written before the pid was in the name
    in_progress = folder / f"{TEMP_PREFIX}{os.getpid()}-writing{TEMP_SUFFIX}"  # a live writer's
    for path in (abandoned, older_style, in_progress):
        path.write_bytes(b"\xff\xd8\xff half an image")

    with site.serve() as server:
        result = crawl(server, data / "tnu.sqlite", data / "images")
    assert result.returncode == 0, result.stderr[-3000:]
    assert leftovers(data) == [in_progress.relative_to(data).as_posix()]
    files = snapshot(data / "tnu.sqlite", data / "images")["files"]
    assert [f for f in files if not f[0].endswith(TEMP_SUFFIX)] == site.reference["files"]

"""Helpers of the scheduled-run tests (tests/e2e/test_cron_*.py): a private copy of the replica
that a test may edit between runs, and readings of the server's request log and the archive."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from e2e_support import EXPECTED, Result, crawl

from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer, RequestRecord, file_for

ARTICLES: dict = EXPECTED["articles"]
# What a crawler may request for an article: its final path, or the old path that redirects to it.
ARTICLE_PATHS = {path: path for path in ARTICLES} | {
    a["redirect_from"]: path for path, a in ARTICLES.items() if a.get("redirect_from")
}
IMAGE_PATHS = {img["src"].replace("{{OTHER_ORIGIN}}", "") for a in ARTICLES.values() for img in a["images"]}
MISSING_IMAGE = next(img["src"] for a in ARTICLES.values() for img in a["images"] if img["status"] == 404)


def copy_site(dest: Path, *, slow: dict[str, float] | None = None) -> Path:
    """A copy of the replica to edit; `slow` adds routes answered only after that many seconds."""
    shutil.copytree(DEFAULT_SITE_DIR, dest)
    if slow:
        routes_file = dest / "routes.json"
        routes = json.loads(routes_file.read_text(encoding="utf-8"))
        routes["slow"] = slow
        routes_file.write_text(json.dumps(routes, indent=2), encoding="utf-8")
    return dest


def page_file(site: Path, target: str) -> Path:
    return site / "www" / file_for(target)


def edit_page(site: Path, target: str, old: str, new: str, *, count: int = 1) -> None:
    """Replace `old` in a page of the copy (it must occur exactly `count` times)."""
    file = page_file(site, target)
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{target}: {old!r} occurs {text.count(old)} times"
    file.write_text(text.replace(old, new), encoding="utf-8")


def sub_page(site: Path, target: str, pattern: str, new: str) -> int:
    """re.sub over a page of the copy (DOTALL); the number of replacements."""
    file = page_file(site, target)
    text, n = re.subn(pattern, new, file.read_text(encoding="utf-8"), flags=re.DOTALL)
    file.write_text(text, encoding="utf-8")
    return n


def requested_articles(requests: list[RequestRecord]) -> list[str]:
    """Articles (by final path) the crawler asked the site for, in order, repeats kept."""
    return [ARTICLE_PATHS[r.path] for r in requests if r.server == "site" and r.path in ARTICLE_PATHS]


def requested_images(requests: list[RequestRecord]) -> list[str]:
    return [r.path for r in requests if r.path in IMAGE_PATHS]


def published_since(cutoff: date) -> set[str]:
    """Articles of the ground truth published on or after `cutoff` (their printed day)."""
    return {path for path, a in ARTICLES.items() if date.fromisoformat(a["published_at"][:10]) >= cutoff}


def query(db_path: Path, sql: str, params: list | tuple = ()) -> list[tuple]:
    """Rows of a read on a connection closed at once (no reader left open beside a crawl)."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@dataclass(frozen=True)
class FirstCrawl:
    """One uninterrupted crawl of the plain replica into a fresh archive (run 1)."""

    folder: Path  # tnu.sqlite, images/ (and what else the crawl keeps beside the database)
    ports: tuple[int, int]  # of the site and of the other host it was served on
    result: Result
    requests: list[RequestRecord]

    def serve(self, site_dir: Path = DEFAULT_SITE_DIR, **kwargs) -> ReplicaServer:
        """A replica (e.g. an edited copy) on the same ports, so the archived URLs are its own."""
        return ReplicaServer(site_dir, port=self.ports[0], other_port=self.ports[1], **kwargs)

    def copy_archive(self, dest: Path) -> tuple[Path, Path]:
        """A copy of the archive as run 1 left it: (db_path, images_dir)."""
        shutil.copytree(self.folder, dest)
        return dest / "tnu.sqlite", dest / "images"


_first_crawl: list[FirstCrawl] = []


def first_crawl(tmp_path_factory) -> FirstCrawl:
    """Made once per test session and shared: a first crawl costs seconds, and several scheduled-
    run tests begin where it ends. Later servers bind its ports again once it has let them go."""
    if not _first_crawl:
        folder = tmp_path_factory.mktemp("first-crawl") / "data"
        with ReplicaServer() as server:
            result = crawl(server, folder / "tnu.sqlite", folder / "images")
            assert result.returncode == 0, result.stderr[-3000:]
            ports = (urlsplit(server.origin).port, urlsplit(server.other_origin).port)
            _first_crawl.append(FirstCrawl(folder, ports, result, server.requests))
    return _first_crawl[0]

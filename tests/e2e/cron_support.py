"""Helpers of the scheduled-run tests (tests/e2e/test_cron_*.py): a private copy of the replica
that a test may edit between runs, and readings of the server's request log and the archive."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from e2e_support import EXPECTED

from crawler.replica import DEFAULT_SITE_DIR, RequestRecord, file_for

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

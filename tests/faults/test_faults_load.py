"""Load (issue 5.4): a generated replica of 5,000 articles with images, crawled with concurrency
raised through --set, must come out with no article lost or duplicated, every image stored, and
the crawl's peak memory under 300 MB. The figures are printed (a benchmark-style figure, not a
timed assertion).

Minutes long, so skipped by default: `pytest -m load tests/faults -s`
(TNU_LOAD_ARTICLES=N for another size).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
import sqlite_utils
from fault_site import PARAS, build
from faults_support import Sandbox

from archive.outcome import EXIT_OK
from crawler.replica.server import ReplicaServer

ARTICLES = int(os.environ.get("TNU_LOAD_ARTICLES", "5000"))
MAX_RSS_MB = 300
CONCURRENCY = ("--set", "CONCURRENT_REQUESTS=32", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16")


def load_articles(n: int) -> list[dict[str, Any]]:
    """n articles, both layouts, every category, one picture each (unique bytes), all older than
    the refresh window."""
    old_cats, new_cats = list(build.OLD_CATS), list(build.NEW_CATS)
    out = []
    for i in range(n):
        day = date(2019, 1, 1) + timedelta(days=i % 2400)
        old = i % 2 == 0
        blocks = [
            build.p(f"{PARAS[0]} (Bài số {i}.)"),
            build.img(
                f"/Uploads/images/tai/{i // 1000}/anh-{i}.jpg",
                seed=100_000 + i,
                w=96,
                h=64,
                alt=f"Ảnh số {i}",
                caption=f"Quang cảnh sự kiện số {i} (ảnh: Minh Đức)",
                credit="Minh Đức",
                style="next_p" if old else "figure",
            ),
            build.p(PARAS[1]),
            build.p(PARAS[2]),
        ]
        out.append(
            {
                "layout": "old" if old else "new",
                "path": (
                    f"/su-kien-so-{i}-dn{100_000 + i}.html"
                    if old
                    else f"/tin-tuc-su-kien/su-kien-so-{i}.html?categoryId={(i // 2) % 4 * 2 + 1}"
                ),
                "title": f"Sự kiện số {i} của Đại học Thái Nguyên",
                "date": day.isoformat() if old else f"{day.isoformat()}T08:00",
                "views": i,
                "author": "Phòng Truyền thông",
                "cat": old_cats[i % len(old_cats)] if old else new_cats[(i // 2) % len(new_cats)],
                "blocks": blocks,
            }
        )
    return out


@contextmanager
def live_pagination() -> Iterator[None]:
    """Listings as long as the live site's (15 / 12 a page), not the bundled replica's 3 / 4."""
    saved = build.OLD_PER_PAGE, build.NEW_PER_PAGE
    build.OLD_PER_PAGE, build.NEW_PER_PAGE = 15, 12
    try:
        yield
    finally:
        build.OLD_PER_PAGE, build.NEW_PER_PAGE = saved


@pytest.mark.load
def test_thousands_of_articles_none_lost_or_duplicated(tmp_path):
    started = time.monotonic()
    with live_pagination():
        expected = build.write_site(tmp_path / "site", load_articles(ARTICLES), [], readme=False)
    generated = time.monotonic() - started
    sandbox = Sandbox(tmp_path / "crawl")
    with ReplicaServer(tmp_path / "site") as server:
        run = sandbox.crawl(server, *CONCURRENCY, timeout=3600)
        origin = server.origin
        requests = server.requests
    assert run.returncode == EXIT_OK, run.stderr[-3000:]

    db = sqlite_utils.Database(sandbox.db)
    urls = [r["url"] for r in db.query("SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == ARTICLES
    assert set(urls) == {origin + path for path in expected["articles"]}
    pending = db.execute("SELECT count(*) FROM article_links WHERE article_id IS NULL").fetchone()[0]
    images = db.execute("SELECT count(*), count(image_sha256) FROM article_images").fetchone()
    assert images == (ARTICLES, ARTICLES) and pending == 0
    stored = db.execute("SELECT count(*) FROM images").fetchone()[0]
    assert stored == ARTICLES
    sample = next(db.query("SELECT path, sha256 FROM images LIMIT 1"))
    assert hashlib.sha256((sandbox.images / sample["path"]).read_bytes()).hexdigest() == sample["sha256"]
    pages = sum(1 for r in requests if not r.path.startswith(("/Uploads/", "/robots.txt")))
    print(
        f"\nload: {ARTICLES} articles + {ARTICLES} images, {len(expected['listings'])} listing pages "
        f"(site generated in {generated:.0f}s); crawl {run.seconds:.0f}s with "
        f"{' '.join(CONCURRENCY[1::2])}: {len(requests)} requests ({pages} pages), "
        f"{len(requests) / run.seconds:.0f} req/s, {ARTICLES / run.seconds:.1f} articles/s; "
        f"peak RSS {run.max_rss_mb:.0f} MB; lost 0, duplicated 0, pending 0"
    )
    assert run.max_rss_mb < MAX_RSS_MB

"""Scheduled runs, as cron makes them: three crawls of one copied replica into one archive.

1. a first crawl (the session's shared one, cron_support.first_crawl);
2. `--refresh-days N`, N chosen so that exactly the articles printed on or after 2026-02-01
   are due, after one article's view counter went up on the site;
3. `--refresh-days 0`, after the image that answered 404 appeared on the site.

Checked: which articles and images each run asked the server for, the view-count history,
and what each run recorded about itself in `crawl_runs` (and `tnu-archive runs` shows).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlite_utils
from cron_support import (
    ARTICLES,
    MISSING_IMAGE,
    copy_site,
    edit_page,
    first_crawl,
    page_file,
    published_since,
    query,
    requested_articles,
    requested_images,
)
from e2e_support import Result, crawl, run_cli

from archive import __version__
from archive.storage.frontier import RETRY_MAX_DAYS
from archive.storage.runs import list_runs, utc_days_ago
from crawler.replica.server import ReplicaServer

CUTOFF = date(2026, 2, 1)
COUNTED = "/tin-tuc-su-kien/tuyen-sinh-dai-hoc-chinh-quy-nam-2026.html?categoryId=3"  # 12.873 views
REFRESHED_SAME = "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1"
NOT_DUE = "/tin-tuc-su-kien/khoa-hoc-cong-nghe/cong-bo-12-nhom-nghien-cuu-manh-nam-2026.html"  # 2026-01-12
WITH_MISSING_IMAGE = next(p for p, a in ARTICLES.items() if any(i["src"] == MISSING_IMAGE for i in a["images"]))


@dataclass
class Step:
    result: Result
    requests: list


@dataclass
class History:
    server: ReplicaServer
    db_path: Path
    images_dir: Path
    steps: list[Step]
    refresh_days: int


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    first = first_crawl(tmp_path_factory)  # run 1
    folder = tmp_path_factory.mktemp("cron-incremental")
    site = copy_site(folder / "site")
    db_path, images_dir = first.copy_archive(folder / "data")
    refresh_days = (datetime.now(UTC).date() - CUTOFF).days
    steps = [Step(first.result, first.requests)]
    with first.serve(site) as server:

        def run(*extra: str) -> None:
            server.reset_log()
            result = crawl(server, db_path, images_dir, *extra)
            steps.append(Step(result, server.requests))

        edit_page(site, COUNTED, "Lượt xem: 12.873", "Lượt xem: 13.105")
        # Cron runs a day or more apart: the failed image's last attempt is made that long ago.
        age_failed_images(db_path)
        run("--refresh-days", str(refresh_days))
        # The 404 image now exists on the site (any JPEG will do).
        shutil.copy(page_file(site, "/uploads/2026/03/ngay-hoi-tu-van-tuyen-sinh.jpg"), page_file(site, MISSING_IMAGE))
        age_failed_images(db_path)
        run("--refresh-days", "0")
        yield History(server, db_path, images_dir, steps, refresh_days)


def age_failed_images(db_path: Path) -> None:
    """As if the failed images had last been tried RETRY_MAX_DAYS ago (a month of nights)."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE image_sources SET last_attempt_at = ? WHERE image_sha256 IS NULL", [utc_days_ago(RETRY_MAX_DAYS)]
        )
    conn.close()


def article_id(history: History, path: str) -> int:
    return query(history.db_path, "SELECT id FROM articles WHERE url = ?", [history.server.origin + path])[0][0]


def run_row(history: History, run_id: int) -> dict:
    db = sqlite_utils.Database(history.db_path)
    try:
        return next(r for r in list_runs(db) if r["id"] == run_id)
    finally:
        db.close()


def test_every_run_exits_zero(history):
    for step in history.steps:
        assert step.result.returncode == 0, step.result.stderr[-3000:]


# --- 1. incremental --------------------------------------------------------------------------


def test_refresh_days_fetches_exactly_the_articles_published_within_n_days(history):
    due = published_since(CUTOFF)
    assert 0 < len(due) < len([p for p, a in ARTICLES.items() if a["published_at"] >= "2026"]), (
        "the cutoff must split the replica's 2026 articles"
    )
    fetched = requested_articles(history.steps[1].requests)
    print(f"--refresh-days {history.refresh_days}: fetched {len(fetched)} articles: {sorted(fetched)}")
    assert sorted(fetched) == sorted(due)


def test_refresh_days_zero_fetches_no_article(history):
    assert requested_articles(history.steps[2].requests) == []


def test_first_run_fetches_every_article_once(history):
    assert sorted(set(requested_articles(history.steps[0].requests))) == sorted(ARTICLES)


def test_stored_images_are_never_downloaded_again_and_the_failed_one_is_retried(history):
    first, second, third = (requested_images(step.requests) for step in history.steps)
    assert MISSING_IMAGE in first
    # Run 2 refetched 5 articles with 5 images, all stored: only the 404 image is asked for again.
    assert second == [MISSING_IMAGE]
    assert third == [MISSING_IMAGE]
    attempts = query(
        history.db_path,
        "SELECT status, error, attempts, image_sha256 IS NOT NULL FROM image_sources WHERE src_url = ?",
        [history.server.origin + MISSING_IMAGE],
    )
    assert attempts == [(200, None, 3, 1)]


def test_retried_image_is_linked_to_its_article(history):
    rows = query(
        history.db_path,
        "SELECT ai.position, i.path FROM article_images ai JOIN images i"
        " ON i.sha256 = ai.image_sha256 WHERE ai.article_id = ? ORDER BY ai.position",
        [article_id(history, WITH_MISSING_IMAGE)],
    )
    assert [position for position, _ in rows] == [0, 1]
    assert all((history.images_dir / path).is_file() for _, path in rows)
    assert run_row(history, 3)["images_new"] == 0  # same bytes as an image already stored
    assert run_row(history, 3)["images_failed"] == 0


# --- 2. view-count history -------------------------------------------------------------------


def views_of(history: History, path: str) -> list[tuple[int, int]]:
    return query(
        history.db_path,
        "SELECT run_id, views FROM view_counts WHERE article_id = ? ORDER BY observed_at, run_id",
        [article_id(history, path)],
    )


def test_changed_counter_is_recorded_and_articles_views_is_the_latest(history):
    assert views_of(history, COUNTED) == [(1, 12873), (2, 13105)]
    assert query(history.db_path, "SELECT views FROM articles WHERE id = ?", [article_id(history, COUNTED)]) == [
        (13105,)
    ]


def test_refreshed_article_has_one_observation_per_run(history):
    assert views_of(history, REFRESHED_SAME) == [(1, 2045), (2, 2045)]


def test_article_not_due_keeps_its_single_observation(history):
    assert views_of(history, NOT_DUE) == [(1, 987)]


def test_counter_change_is_no_new_version(history):
    assert query(history.db_path, "SELECT count(*) FROM article_versions") == [(0,)]
    row = run_row(history, 2)
    assert (row["articles_new"], row["articles_changed"], row["articles_unchanged"]) == (
        0,
        0,
        len(published_since(CUTOFF)),
    )


# --- 5. runs ---------------------------------------------------------------------------------

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_run_row_carries_times_version_settings_and_counts(history):
    row = run_row(history, 1)
    print(
        {k: row[k] for k in ("status", "pages", "articles_new", "images_new", "images_failed", "errors", "fill_rates")}
    )
    assert row["status"] == "ok" and row["exit_code"] == 0
    assert ISO_Z.match(row["started_at"]) and ISO_Z.match(row["ended_at"]) and row["started_at"] <= row["ended_at"]
    assert row["crawler_version"] == __version__
    assert row["start_urls"] == [history.server.url]
    assert row["settings"]["FULL_CRAWL"] is False and row["settings"]["DOWNLOAD_DELAY"] == "0"
    assert run_row(history, 2)["settings"]["REFRESH_DAYS"] == str(history.refresh_days)
    assert row["articles_new"] == len(ARTICLES)
    assert (row["articles_changed"], row["articles_unchanged"]) == (0, 0)
    images = {img["src"] for a in ARTICLES.values() for img in a["images"] if img["status"] == 200}
    files = {path for (path,) in query(history.db_path, "SELECT path FROM images")}
    assert row["images_new"] == len(files) < len(images)  # one image under two URLs
    assert row["images_failed"] == 1
    assert row["errors"] == {"http_404": 1}
    # Every request that was not for an image, robots.txt of both hosts included.
    requests = history.steps[0].requests
    assert row["pages"] == len(requests) - len(requested_images(requests))


def test_run_row_carries_fill_rates_of_the_watched_fields(history):
    n = len(ARTICLES)
    share = lambda pred: round(sum(1 for a in ARTICLES.values() if pred(a)) / n, 4)  # noqa: E731
    assert run_row(history, 1)["fill_rates"] == {
        "title": share(lambda a: a["title"]),
        "published_at": share(lambda a: a["published_at"]),
        "views": share(lambda a: a["views"] is not None),
        "body_text": share(lambda a: a["body_text"]),
        "images": share(lambda a: a["images"]),
    }
    assert run_row(history, 3)["fill_rates"] == {}  # no article fetched


def test_stderr_ends_with_the_one_line_summary(history):
    for run_id, step in enumerate(history.steps, start=1):
        row = run_row(history, run_id)
        last = step.result.stderr.strip().splitlines()[-1]
        assert last == (
            f"run {run_id} ok: {row['pages']} pages, articles {row['articles_new']} new / "
            f"{row['articles_changed']} changed / {row['articles_unchanged']} unchanged, images "
            f"{row['images_new']} new / {row['images_failed']} failed, {sum(row['errors'].values())} errors"
        )
        print(last)


def test_runs_command_lists_the_history(history):
    listed = run_cli("runs", "--db", str(history.db_path))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 1 + 3
    assert [line.split()[0] for line in lines[1:]] == ["3", "2", "1"]
    assert all(line.split()[2] == "ok" for line in lines[1:])
    assert "http_404 1" in lines[3]
    as_json = json.loads(run_cli("runs", "--db", str(history.db_path), "--json").stdout)
    assert [(r["id"], r["status"]) for r in as_json] == [(3, "ok"), (2, "ok"), (1, "ok")]

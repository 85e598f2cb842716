"""Versions, empty-field protection and provenance across two real crawls of an edited site.

Run 1 archives a copy of the replica. Then the site edits one article's title, another's body,
a third one's image caption, and loses a fourth one's whole content block (a broken template).
Run 2 (`--full`) fetches everything again. Then the server is stopped and `tnu-archive reparse`
re-extracts every article from the stored raw pages, offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from cron_support import ARTICLES, copy_site, edit_page, first_crawl, query, sub_page
from e2e_support import Result, crawl, run_cli

from archive.record import ImageRef
from archive.storage.runs import list_runs
from archive.store import content_hash
from crawler.replica.server import DEFAULT_SITE_DIR, content_type, file_for, substitute

TITLED = "/ke-hoach-to-chuc-thi-ket-thuc-hoc-phan-hoc-ky-i-theo-hinh-thuc-truc-tuyen-dn5840.html"
NEW_TITLE = "Kế hoạch thi kết thúc học phần học kỳ I năm học 2020 - 2021 (điều chỉnh)"
BODIED = "/tin-tuc-su-kien/tuyen-sinh-dai-hoc-chinh-quy-nam-2026.html?categoryId=3"
CAPTIONED = "/tin-tuc-su-kien/khoa-hoc-cong-nghe/5-nam-phat-trien-huong-nghien-cuu-hoa-hoc-xanh.html"
OLD_CAPTION, NEW_CAPTION = (
    "Hội thảo khoa học quốc gia về hóa học xanh năm 2020.",
    "Hội thảo quốc gia về hóa học xanh, tháng 10/2020.",
)
EMPTIED = "/tin-tuc-su-kien/ngay-hoi-viec-lam-nam-2026.html?categoryId=1"
EDITED = (TITLED, BODIED, CAPTIONED)


@dataclass
class Edited:
    site: Path
    origin: str
    other_origin: str
    db_path: Path
    images_dir: Path
    first: Result
    second: Result
    first_requests: list
    before: dict  # url -> the articles row after run 1
    images_before: dict  # url -> [(position, caption)] after run 1
    reparse: Result


def article_rows(db_path: Path) -> dict[str, dict]:
    db = sqlite_utils.Database(db_path)
    try:
        return {row["url"]: row for row in db.query("SELECT * FROM articles")}
    finally:
        db.close()


def captions(db_path: Path) -> dict[str, list[tuple[int, str | None]]]:
    result: dict[str, list] = {}
    for url, position, caption in query(
        db_path,
        "SELECT a.url, ai.position, ai.caption FROM article_images ai"
        " JOIN articles a ON a.id = ai.article_id ORDER BY a.url, ai.position",
    ):
        result.setdefault(url, []).append((position, caption))
    return result


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Edited:
    first = first_crawl(tmp_path_factory)  # run 1, of the site before the edits
    folder = tmp_path_factory.mktemp("cron-versions")
    site = copy_site(folder / "site")
    db_path, images_dir = first.copy_archive(folder / "data")
    before, images_before = article_rows(db_path), captions(db_path)
    assert sub_page(site, TITLED, r'(<h1 class="title-detail">)[^<]*(</h1>)', rf"\g<1>{NEW_TITLE}\g<2>") == 1
    edit_page(site, BODIED, "cho 190 ngành đào tạo", "cho 195 ngành đào tạo")
    edit_page(site, CAPTIONED, OLD_CAPTION, NEW_CAPTION)
    assert (
        sub_page(site, EMPTIED, r'(<div class="post-content">).*?(</div>\n<div class="related-posts">)', r"\1\2") == 1
    )
    with first.serve(site) as server:
        origin, other_origin = server.origin, server.other_origin
        second = crawl(server, db_path, images_dir, "--full")
    # The server is gone: whatever reparse does, it does from the archive alone.
    reparse = run_cli("reparse", "--db", str(db_path), "--images-dir", str(images_dir))
    return Edited(
        site,
        origin,
        other_origin,
        db_path,
        images_dir,
        first.result,
        second,
        first.requests,
        before,
        images_before,
        reparse,
    )


def url(edited: Edited, path: str) -> str:
    return edited.origin + path


def run_row(edited: Edited, run_id: int) -> dict:
    db = sqlite_utils.Database(edited.db_path)
    try:
        return next(r for r in list_runs(db) if r["id"] == run_id)
    finally:
        db.close()


def versions(edited: Edited) -> dict[str, dict]:
    db = sqlite_utils.Database(edited.db_path)
    try:
        rows = list(db.query("SELECT a.url, v.* FROM article_versions v JOIN articles a ON a.id = v.article_id"))
    finally:
        db.close()
    return {row["url"]: row for row in rows}


def test_both_runs_ok(edited):
    for result in (edited.first, edited.second):
        assert result.returncode == 0, result.stderr[-3000:]
    row = run_row(edited, 2)
    print(edited.second.stderr.strip().splitlines()[-1])
    assert (row["articles_new"], row["articles_changed"], row["articles_unchanged"]) == (0, 3, len(ARTICLES) - 3)
    assert row["status"] == "ok"


# --- 3. versions -----------------------------------------------------------------------------


def test_each_edit_keeps_the_previous_content_as_one_version(edited):
    kept = versions(edited)
    assert sorted(kept) == sorted(url(edited, path) for path in EDITED)
    second = run_row(edited, 2)
    for path in EDITED:
        version, old = kept[url(edited, path)], edited.before[url(edited, path)]
        assert (version["title"], version["body_text"]) == (old["title"], old["body_text"])
        assert version["content_hash"] == old["content_hash"]
        assert version["seen_from"] == old["first_seen_at"]
        assert second["started_at"] <= version["seen_until"] <= second["ended_at"]
        assert version["replaced_by"] == "fetch"


def test_articles_hold_the_new_content(edited):
    now = article_rows(edited.db_path)
    assert now[url(edited, TITLED)]["title"] == NEW_TITLE
    assert "cho 195 ngành đào tạo" in now[url(edited, BODIED)]["body_text"]
    assert "190 ngành" in edited.before[url(edited, BODIED)]["body_text"]
    assert captions(edited.db_path)[url(edited, CAPTIONED)][0][1].startswith(NEW_CAPTION)
    for path in EDITED:
        assert now[url(edited, path)]["content_hash"] != edited.before[url(edited, path)]["content_hash"]


def test_caption_version_keeps_the_old_caption(edited):
    images = json.loads(versions(edited)[url(edited, CAPTIONED)]["images"])
    assert images[0]["caption"].startswith(OLD_CAPTION)
    assert images[0]["image_sha256"]


def test_unchanged_articles_are_as_before(edited):
    now = article_rows(edited.db_path)
    same = [u for u in now if u not in {url(edited, p) for p in EDITED}]
    assert len(same) == len(ARTICLES) - 3
    for u in same:
        for column in ("title", "body_text", "body_html", "published_at", "author", "content_hash", "views"):
            assert now[u][column] == edited.before[u][column], (u, column)


def test_emptied_page_overwrites_nothing_and_is_a_problem_of_the_run(edited):
    u = url(edited, EMPTIED)
    row = article_rows(edited.db_path)[u]
    assert row["body_text"] and row["body_text"] == edited.before[u]["body_text"]
    assert row["body_html"] == edited.before[u]["body_html"]
    assert captions(edited.db_path)[u] == edited.images_before[u] != []
    problems = run_row(edited, 2)["problems"]
    print([p for p in problems if p.startswith(u)])
    assert f"{u}: body_text empty (kept stored value)" in problems
    assert f"{u}: images empty (kept stored value)" in problems
    assert u not in versions(edited)


# --- 4. provenance and raw pages -------------------------------------------------------------


def sent_body(edited: Edited, request_url: str, site: Path | None = None) -> bytes:
    """The bytes the replica sends with status 200 for a URL (a file of `site`, by default the
    edited copy, placeholders filled)."""
    parts = urlsplit(request_url)
    root = "_other" if parts.port == urlsplit(edited.other_origin).port else "www"
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = ((site or edited.site) / root / file_for(target)).read_bytes()
    return (
        substitute(body, edited.origin, edited.other_origin)
        if content_type(file_for(target)).startswith("text/")
        else body
    )


def test_fetch_log_has_one_row_per_request_with_the_status_the_server_sent(edited):
    logged = Counter(
        (urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else ""), status)
        for u, status in query(edited.db_path, "SELECT url, status FROM fetch_log WHERE run_id = 1")
    )
    served = Counter((r.path, r.status) for r in edited.first_requests)
    assert logged == served
    assert query(edited.db_path, "SELECT DISTINCT run_id FROM fetch_log ORDER BY run_id") == [(1,), (2,)]
    print(f"run 1: {sum(logged.values())} fetch_log rows; statuses {Counter(s for _, s in logged.elements())}")


def test_fetch_log_digest_and_size_are_of_the_body_the_server_sent(edited):
    # Run 1 saw the site before the edits.
    rows = query(
        edited.db_path,
        "SELECT url, final_url, kind, status, error, bytes, sha256, fetched_at FROM fetch_log WHERE run_id = 1",
    )
    checked = 0
    for request_url, final_url, kind, status, error, size, sha, fetched_at in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fetched_at)
        assert error == (None if status < 400 else f"http_{status}")
        assert size is not None and len(sha) == 64
        if status == 200:
            body = sent_body(edited, request_url, DEFAULT_SITE_DIR)
            assert (size, sha) == (len(body), hashlib.sha256(body).hexdigest()), request_url
            assert final_url == request_url
            checked += 1
        assert kind == ("image" if urlsplit(request_url).path.endswith((".jpg", ".png")) else "page")
    assert checked >= len(ARTICLES) + 17
    assert {row[3] for row in rows} == {200, 301, 404, 500}


def test_raw_page_of_every_article_is_the_page_as_fetched(edited):
    db = sqlite3.connect(edited.db_path)
    try:
        rows = db.execute(
            "SELECT a.url, r.url, r.content, r.fetched_at, r.sha256 FROM articles a"
            " JOIN raw_pages r ON r.sha256 = a.raw_sha256"
        ).fetchall()
    finally:
        db.close()
    assert len(rows) == len(ARTICLES)
    for article_url, raw_url, content, fetched_at, sha in rows:
        page = zlib.decompress(content)
        assert len(content) < len(page)  # kept compressed
        assert hashlib.sha256(page).hexdigest() == sha and raw_url == article_url
        if article_url == url(edited, EMPTIED):
            # The broken page changed nothing stored, so the page the content came from stays.
            assert page == sent_body(edited, article_url, DEFAULT_SITE_DIR)
            assert fetched_at == edited.before[article_url]["first_seen_at"]
        else:
            assert page == sent_body(edited, article_url)


def test_reparse_offline_changes_nothing_after_nothing_changed(edited):
    assert edited.reparse.returncode == 0, edited.reparse.stderr
    line = edited.reparse.stderr.strip().splitlines()[-1]
    print(line)
    assert line.startswith(
        f"reparsed {len(ARTICLES)} articles: 0 changed, {len(ARTICLES)} unchanged, "
        "0 set aside (no longer read as articles), 0 put back, 0 without a stored page, 0 failed"
    )
    assert len(versions(edited)) == 3


def test_reparse_restores_what_the_extractor_reads_from_the_stored_page(edited, tmp_path):
    """An archive whose stored title came from a worse extractor: reparse, offline, puts the
    extractor's title back and keeps the worse one as a version replaced by `reparse`."""
    db_path = tmp_path / "tnu.sqlite"
    shutil.copy(edited.db_path, db_path)
    u = url(edited, TITLED)
    db = sqlite_utils.Database(db_path)
    row = db.execute("SELECT id, body_text FROM articles WHERE url = ?", [u]).fetchone()
    refs = [
        ImageRef(position=p, src_url=s, caption=c, alt=None, credit=cr)
        for p, s, c, cr in db.execute(
            "SELECT position, src_url, caption, credit FROM article_images WHERE article_id = ? ORDER BY position",
            [row[0]],
        )
    ]
    db.execute(
        "UPDATE articles SET title = ?, content_hash = ? WHERE id = ?",
        ["Kế hoạch", content_hash("Kế hoạch", row[1], refs), row[0]],
    )
    db.conn.commit()
    db.close()

    result = run_cli("reparse", "--db", str(db_path), "--images-dir", str(edited.images_dir))
    assert result.returncode == 0, result.stderr
    print(result.stderr.strip().splitlines()[-1])
    assert f"reparsed {len(ARTICLES)} articles: 1 changed," in result.stderr
    assert query(db_path, "SELECT title FROM articles WHERE url = ?", [u]) == [(NEW_TITLE,)]
    assert query(
        db_path,
        "SELECT v.title, v.replaced_by FROM article_versions v JOIN articles a ON a.id = v.article_id"
        " WHERE a.url = ? ORDER BY v.id DESC LIMIT 1",
        [u],
    ) == [("Kế hoạch", "reparse")]

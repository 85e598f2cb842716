"""archive/store.py: what one save_article / store_image call leaves in a real SQLite file."""

from __future__ import annotations

import json
import unicodedata
import zlib
from dataclasses import replace
from datetime import UTC

import pytest

from archive.record import ImageRef
from archive.storage.images import NotAnImage
from archive.store import Archive, content_hash

T1 = "2026-11-20T05:00:00Z"
T2 = "2026-11-21T05:00:00Z"
T3 = "2026-11-22T05:00:00Z"
HTML = "<html><body><h1>Sơ kết</h1></body></html>".encode()


def save(archive, article, at=T1, run_id=None, raw=HTML):
    return archive.save_article(article, run_id=run_id, fetched_at=at, raw_html=raw, encoding="utf-8")


def article_row(archive, article_id=1):
    return next(archive.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))


def test_first_save_is_new_and_fills_every_table(archive, make_article):
    article = make_article()
    result = save(archive, article)
    assert (result.article_id, result.outcome, result.problems) == (1, "new", [])
    row = article_row(archive)
    assert row["url"] == article.url and row["title"] == article.title and row["views"] == 550
    assert row["first_seen_at"] == row["last_seen_at"] == T1
    assert row["content_hash"] == content_hash(article.title, article.body_text, article.images)
    images = list(archive.db.query("SELECT * FROM article_images ORDER BY position"))
    assert [(i["position"], i["src_url"], i["credit"]) for i in images] == [
        (0, article.images[0].src_url, "Nguyễn Thanh Hà"),
        (1, article.images[1].src_url, "Nguyễn Thanh Hà"),
    ]
    assert archive.db.execute("SELECT count(*) FROM view_counts").fetchone()[0] == 1
    assert archive.db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 0


def test_identical_second_save_only_observes_views_and_last_seen(archive, make_article, counts):
    article = make_article()
    save(archive, article, T1)
    before = counts(archive)
    result = save(archive, article, T2)
    after = counts(archive)
    assert result.outcome == "unchanged" and result.problems == []
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {"view_counts": 1}
    row = article_row(archive)
    assert (row["first_seen_at"], row["last_seen_at"]) == (T1, T2)


def test_edited_article_keeps_the_previous_content_as_a_version(archive, make_article):
    first = make_article()
    save(archive, first, T1)
    save(archive, first, T2)
    edited = replace(first, body_text=first.body_text + "\n\nĐoạn bổ sung.", views=600)
    result = save(archive, edited, T3, raw=HTML + b"<!-- edited -->")
    assert result.outcome == "changed"
    versions = list(archive.db.query("SELECT * FROM article_versions"))
    assert len(versions) == 1
    version = versions[0]
    assert version["body_text"] == first.body_text and version["title"] == first.title
    assert version["content_hash"] == content_hash(first.title, first.body_text, first.images)
    assert (version["seen_from"], version["seen_until"], version["replaced_by"]) == (T1, T3, "fetch")
    assert [i["caption"] for i in json.loads(version["images"])] == [i.caption for i in first.images]
    row = article_row(archive)
    assert row["body_text"] == edited.body_text
    assert row["content_hash"] == content_hash(edited.title, edited.body_text, edited.images)


def test_second_edit_version_starts_where_the_first_ended(archive, make_article):
    a = make_article()
    save(archive, a, T1)
    save(archive, replace(a, title="Tiêu đề mới"), T2)
    save(archive, replace(a, title="Tiêu đề mới nhất"), T3)
    spans = [
        (v["title"], v["seen_from"], v["seen_until"])
        for v in archive.db.query("SELECT * FROM article_versions ORDER BY id")
    ]
    assert spans == [(a.title, T1, T2), ("Tiêu đề mới", T2, T3)]


def test_caption_edit_is_a_change_but_views_and_dates_are_not(make_article):
    a = make_article()
    base = content_hash(a.title, a.body_text, a.images)
    recaptioned = (replace(a.images[0], caption="Chú thích khác"), a.images[1])
    assert content_hash(a.title, a.body_text, recaptioned) != base
    other = replace(a, views=1, published_at="2021-01-01", author="Khác")
    assert content_hash(other.title, other.body_text, other.images) == base


def test_view_counts_keep_every_observation_and_articles_keep_the_latest(archive, make_article):
    a = make_article()
    save(archive, a, T1, run_id=archive.start_run([], {}))
    save(archive, replace(a, views=600), T3)
    save(archive, replace(a, views=580), T2)  # a late, older observation
    save(archive, replace(a, views=None), T3)  # no counter on the page this time
    history = [
        (r["observed_at"], r["views"], r["run_id"])
        for r in archive.db.query("SELECT * FROM view_counts ORDER BY observed_at")
    ]
    assert history == [(T1, 550, 1), (T2, 580, None), (T3, 600, None)]
    assert article_row(archive)["views"] == 600


def test_empty_extraction_never_overwrites_stored_values(archive, make_article, counts):
    a = make_article()
    save(archive, a, T1)
    before = counts(archive)
    partial = replace(a, title="", body_text=None, published_at=None, author="  ", images=(), views=None)
    result = save(archive, partial, T2, raw=b"<html>broken layout</html>")
    assert result.outcome == "unchanged"
    assert sorted(result.problems) == sorted(
        f"{name} empty (kept stored value)"
        for name in ("title", "body_text", "published_at", "author", "images", "views")
    )
    row = article_row(archive)
    assert (row["title"], row["body_text"], row["published_at"], row["author"]) == (
        a.title,
        a.body_text,
        a.published_at,
        a.author,
    )
    assert archive.db.execute("SELECT count(*) FROM article_images").fetchone()[0] == 2
    after = counts(archive)
    assert after["article_versions"] == before["article_versions"] == 0
    assert after["raw_pages"] == before["raw_pages"]  # the stored content still comes from the first page


def test_partial_extraction_with_a_real_edit_versions_only_the_edit(archive, make_article):
    a = make_article()
    save(archive, a, T1)
    result = save(archive, replace(a, title=None, body_text="Nội dung đã sửa."), T2)
    assert result.outcome == "changed" and result.problems == ["title empty (kept stored value)"]
    row = article_row(archive)
    assert (row["title"], row["body_text"]) == (a.title, "Nội dung đã sửa.")


def test_failed_image_keeps_its_row_with_null_sha_and_is_filled_in_later(archive, make_article, image_bytes):
    a = make_article()
    src0, src1 = a.images[0].src_url, a.images[1].src_url
    archive.store_image(None, src0, image_bytes("JPEG"), status=200, fetched_at=T1)
    archive.record_image_failure(src1, status=404, error="http_404", at=T1)
    result = save(archive, a, T1)
    assert result.outcome == "new"
    rows = [
        (r["src_url"], r["image_sha256"]) for r in archive.db.query("SELECT * FROM article_images ORDER BY position")
    ]
    sha0 = archive.image_for_url(src0)
    assert rows == [(src0, sha0), (src1, None)]
    source = next(archive.db.query("SELECT * FROM image_sources WHERE src_url = ?", [src1]))
    assert (source["image_sha256"], source["status"], source["error"], source["attempts"]) == (None, 404, "http_404", 1)
    info, new = archive.store_image(None, src1, image_bytes("PNG"), status=200, fetched_at=T2)
    assert new
    assert archive.db.execute("SELECT image_sha256 FROM article_images WHERE position = 1").fetchone()[0] == info.sha256
    source = next(archive.db.query("SELECT * FROM image_sources WHERE src_url = ?", [src1]))
    assert (source["image_sha256"], source["error"], source["attempts"]) == (info.sha256, None, 2)


def test_same_bytes_under_two_urls_are_one_row_and_one_file(archive, image_bytes):
    body = image_bytes("PNG", (10, 10), "blue")
    info1, new1 = archive.store_image(None, "http://tnu.edu.vn/Uploads/a.png", body, status=200, fetched_at=T1)
    info2, new2 = archive.store_image(None, "http://cdn.example/a-copy.png", body, status=200, fetched_at=T2)
    assert (new1, new2) == (True, False) and info1 == info2
    assert archive.db.execute("SELECT count(*) FROM images").fetchone()[0] == 1
    assert archive.db.execute("SELECT count(*) FROM image_sources").fetchone()[0] == 2
    files = [p for p in archive.images_dir.rglob("*") if p.is_file()]
    assert files == [archive.images_dir / info1.path] and files[0].read_bytes() == body
    row = next(archive.db.query("SELECT * FROM images"))
    assert (row["mime"], row["width"], row["height"], row["bytes"], row["first_seen_at"]) == (
        "image/png",
        10,
        10,
        len(body),
        T1,
    )


def test_html_under_an_image_url_is_recorded_as_a_failure(archive):
    with pytest.raises(NotAnImage):
        archive.store_image(None, "http://tnu.edu.vn/Uploads/x.jpg", b"<html>404</html>", status=200, fetched_at=T1)
    source = next(archive.db.query("SELECT * FROM image_sources"))
    assert (source["image_sha256"], source["status"], source["error"]) == (None, 200, "not_an_image")
    assert archive.db.execute("SELECT count(*) FROM images").fetchone()[0] == 0
    assert not archive.images_dir.exists() or not any(archive.images_dir.rglob("*.*"))


def test_image_for_url_only_answers_for_bytes_on_disk(archive, image_bytes):
    url = "http://tnu.edu.vn/Uploads/b.png"
    assert archive.image_for_url(url) is None
    info, _ = archive.store_image(None, url, image_bytes(), status=200, fetched_at=T1)
    assert archive.image_for_url(url) == info.sha256
    (archive.images_dir / info.path).unlink()
    assert archive.image_for_url(url) is None  # lost file: download again
    archive.store_image(None, url, image_bytes(), status=200, fetched_at=T2)
    assert (archive.images_dir / info.path).read_bytes() == image_bytes()


def test_raw_page_round_trip_compressed_and_stored_once(archive, make_article):
    a = make_article()
    save(archive, a, T1)
    save(archive, a, T2)
    rows = list(archive.db.query("SELECT * FROM raw_pages"))
    assert len(rows) == 1
    assert zlib.decompress(rows[0]["content"]) == HTML and (rows[0]["url"], rows[0]["encoding"]) == (a.url, "utf-8")
    assert archive.raw_page(article_row(archive)["raw_sha256"]) == (HTML, a.url, "utf-8")


def test_only_the_view_counter_moving_stores_no_new_raw_page(archive, make_article):
    a = make_article()
    save(archive, a, T1, raw=b"<html>550 lan doc</html>")
    save(archive, replace(a, views=551), T2, raw=b"<html>551 lan doc</html>")
    assert archive.db.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 1
    save(archive, replace(a, author="Tác giả khác", views=552), T3, raw=b"<html>552 lan doc</html>")
    assert archive.db.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 2
    assert archive.raw_page(article_row(archive)["raw_sha256"])[0] == b"<html>552 lan doc</html>"


class _CrashingArchive(Archive):
    """Fails after the article, its images, raw page and view count are written."""

    def _write_search(self, article_id, fields, images):
        raise RuntimeError("disk went away")


def test_crash_mid_save_leaves_nothing(tmp_path, make_article, counts):
    archive = _CrashingArchive(tmp_path / "a.sqlite", tmp_path / "images")
    empty = counts(archive)
    with pytest.raises(RuntimeError):
        save(archive, make_article(), T1)
    assert counts(archive) == empty
    archive.close()


def test_crash_mid_edit_keeps_the_previous_state(tmp_path, make_article, counts):
    path = tmp_path / "a.sqlite"
    a = make_article()
    with Archive(path, tmp_path / "images") as good:
        save(good, a, T1)
        before, row_before = counts(good), article_row(good)
    archive = _CrashingArchive(path, tmp_path / "images")
    with pytest.raises(RuntimeError):
        save(archive, replace(a, body_text="Sửa", views=9), T2, raw=b"<html>edit</html>")
    assert counts(archive) == before and article_row(archive) == row_before
    archive.close()


def test_text_is_stored_nfc(archive, make_article):
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    a = make_article()
    decomposed = replace(
        a,
        title=nfd(a.title),
        body_text=nfd(a.body_text),
        author=nfd(a.author),
        images=(ImageRef(0, a.images[0].src_url, caption=nfd(a.images[0].caption), credit=nfd("Nguyễn Thanh Hà")),),
    )
    assert decomposed.title != a.title
    save(archive, decomposed)
    row = article_row(archive)
    assert (row["title"], row["body_text"], row["author"]) == (a.title, a.body_text, a.author)
    image = next(archive.db.query("SELECT * FROM article_images"))
    assert (image["caption"], image["credit"]) == (a.images[0].caption, "Nguyễn Thanh Hà")
    assert row["content_hash"] == content_hash(
        a.title, a.body_text, (ImageRef(0, a.images[0].src_url, a.images[0].caption, None, "Nguyễn Thanh Hà"),)
    )


def _search(archive, query):
    return [
        r[0]
        for r in archive.db.execute("SELECT rowid FROM article_search_fts WHERE article_search_fts MATCH ?", [query])
    ]


def test_folded_search_row_finds_accented_text_without_accents(archive, make_article):
    a = make_article()
    save(archive, a)
    row = next(archive.db.query("SELECT * FROM article_search"))
    assert row["title"] == "so ket cong tac tuyen giao 6 thang dau nam 2020"
    assert _search(archive, "dai hoc") == [1]  # "Đại học" in the body
    assert _search(archive, "captions:hoang anh trung") == [1]
    save(archive, replace(a, body_text="Nội dung khác hẳn."), T2)
    assert _search(archive, "dai hoc") == []
    assert _search(archive, "khac han") == [1]


def test_times_are_stored_as_utc_z(archive, make_article):
    save(archive, make_article(), "2026-11-26T12:40:00.123456+07:00")
    row = article_row(archive)
    assert row["first_seen_at"] == "2026-11-26T05:40:00Z"
    assert archive.db.execute("SELECT observed_at FROM view_counts").fetchone()[0] == "2026-11-26T05:40:00Z"


def test_known_article_answers_for_every_url_that_leads_to_an_article_with_its_date(archive, make_article):
    from archive.storage import frontier

    saved = save(archive, make_article())
    save(archive, make_article(url="http://tnu.edu.vn/khac-dn7.html", published_at=None))
    # The old URL a listing linked, before its redirect, leads to the same article.
    frontier.link_archived(archive.db, "http://tnu.edu.vn/old-dn1.html", saved.article_id, T1)
    frontier.link_not_article(archive.db, "http://tnu.edu.vn/lich-su-dn45.html", T1)
    frontier.note_links(archive.db, ["http://tnu.edu.vn/failed-dn9.html"], T1)
    assert {
        url: frontier.known_article(archive.db, url)
        for url in (
            "http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html",
            "http://tnu.edu.vn/old-dn1.html",
            "http://tnu.edu.vn/khac-dn7.html",
            "http://tnu.edu.vn/lich-su-dn45.html",
            "http://tnu.edu.vn/failed-dn9.html",
            "http://tnu.edu.vn/never-seen-dn3.html",
        )
    } == {
        "http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html": (True, "2020-07-15"),
        "http://tnu.edu.vn/old-dn1.html": (True, "2020-07-15"),
        "http://tnu.edu.vn/khac-dn7.html": (True, None),
        "http://tnu.edu.vn/lich-su-dn45.html": (True, None),
        "http://tnu.edu.vn/failed-dn9.html": (False, None),  # found, never archived: pending
        "http://tnu.edu.vn/never-seen-dn3.html": (False, None),
    }


def test_static_pages_are_known_until_their_recheck_is_due_then_pending(archive, make_article):
    from archive.storage import frontier

    frontier.link_not_article(archive.db, "http://tnu.edu.vn/lich-su-dn45.html", "2026-10-01T00:00:00Z")
    frontier.note_links(archive.db, ["http://tnu.edu.vn/failed-dn9.html"], "2026-10-01T00:00:00Z")
    for cutoff in (None, "2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z"):  # marked since the cutoff
        assert frontier.known_article(archive.db, "http://tnu.edu.vn/lich-su-dn45.html", cutoff) == (True, None)
        assert frontier.pending_links(archive.db, cutoff) == ["http://tnu.edu.vn/failed-dn9.html"]
    due = "2026-10-01T00:00:01Z"
    assert frontier.known_article(archive.db, "http://tnu.edu.vn/lich-su-dn45.html", due) == (False, None)
    assert frontier.pending_links(archive.db, due) == [
        "http://tnu.edu.vn/failed-dn9.html",
        "http://tnu.edu.vn/lich-su-dn45.html",
    ]


def test_a_static_page_that_turns_out_an_article_loses_its_mark(archive, make_article):
    from archive.storage import frontier

    url = "http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html"
    frontier.link_not_article(archive.db, url, "2026-10-01T00:00:00Z")
    saved = save(archive, make_article(url=url))
    frontier.link_archived(archive.db, url, saved.article_id, T1)
    row = archive.db.execute("SELECT article_id, not_article_at FROM article_links WHERE url = ?", [url]).fetchone()
    assert row == (saved.article_id, None)
    assert frontier.known_article(archive.db, url, "2026-12-01T00:00:00Z") == (True, "2020-07-15")


def test_log_fetch_records_size_and_digest(archive):
    run_id = archive.start_run(["http://tnu.edu.vn/"], {})
    archive.log_fetch(
        run_id,
        url="http://tnu.edu.vn/a",
        final_url="https://tnu.edu.vn/a",
        kind="page",
        status=200,
        error=None,
        body=HTML,
        fetched_at="2026-11-26T05:40:00+00:00",
    )
    archive.log_fetch(
        run_id,
        url="http://tnu.edu.vn/b",
        final_url=None,
        kind="page",
        status=None,
        error="timeout",
        body=None,
        fetched_at=T1,
    )
    rows = list(archive.db.query("SELECT * FROM fetch_log ORDER BY id"))
    import hashlib

    assert (rows[0]["bytes"], rows[0]["sha256"], rows[0]["fetched_at"]) == (
        len(HTML),
        hashlib.sha256(HTML).hexdigest(),
        "2026-11-26T05:40:00Z",
    )
    assert (rows[1]["bytes"], rows[1]["sha256"], rows[1]["error"]) == (None, None, "timeout")
    # pages that came back: the timeout is a fetch_log row, not a page fetched
    assert archive.run_counts(run_id)["pages"] == 1


def test_integrity_after_a_busy_session(archive, make_article, image_bytes):
    a = make_article()
    run_id = archive.start_run([], {})
    for i, when in enumerate((T1, T2, T3)):
        archive.store_image(run_id, a.images[0].src_url, image_bytes("PNG", (8 + i, 8)), status=200, fetched_at=when)
        save(archive, replace(a, title=f"{a.title} ({i})", views=550 + i), when, run_id=run_id, raw=HTML + bytes([i]))
        save(archive, make_article(url=f"http://tnu.edu.vn/bai-{i}-dn{i}.html"), when, run_id=run_id)
    assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []
    archive.db.execute("INSERT INTO article_search_fts(article_search_fts) VALUES ('integrity-check')")


def test_search_follows_a_caption_edit_and_a_lost_row_is_rebuilt(archive, make_article):
    a = make_article()
    save(archive, a, T1)
    recaptioned = (replace(a.images[0], caption="Toàn cảnh hội nghị"), a.images[1])
    save(archive, replace(a, images=recaptioned), T2)
    assert _search(archive, "captions:toan canh") == [1] and _search(archive, "captions:hoang anh trung") == []
    archive.db.execute("DELETE FROM article_search")
    assert _search(archive, "dai hoc") == []
    save(archive, replace(a, images=recaptioned), T3)
    assert _search(archive, "dai hoc") == [1]


def test_a_failed_link_waits_its_turn_then_is_pending_again(archive):
    from datetime import datetime

    from archive.storage import frontier

    url = "http://tnu.edu.vn/deleted-dn8.html"
    frontier.note_links(archive.db, [url], "2026-10-01T00:00:00Z")
    assert frontier.pending_links(archive.db) == [url] and not frontier.link_waiting(archive.db, url)
    frontier.link_failed(archive.db, url, "2026-11-01T02:00:00Z")
    frontier.link_failed(archive.db, url, "2026-11-02T02:00:00Z")  # 2 failures: 2 days' wait
    row = archive.db.execute(
        "SELECT failed_attempts, last_failed_at FROM article_links WHERE url = ?", [url]
    ).fetchone()
    assert row == (2, "2026-11-02T02:00:00Z")
    before, after = (datetime(2026, 11, 4, hour, tzinfo=UTC) for hour in (0, 1))
    assert frontier.pending_links(archive.db, now=before) == [] and frontier.link_waiting(archive.db, url, before)
    assert frontier.pending_links(archive.db, now=after) == [url] and not frontier.link_waiting(archive.db, url, after)


def test_a_link_that_failed_its_last_retry_is_no_longer_pending_but_keeps_its_row_and_wait(archive):
    """1, 2, 4, … 32 days, then no more for its own sake: RETRY_GIVE_UP failures (about two
    months of trying); a page that still links it asks for it once its wait is over."""
    from datetime import datetime, timedelta

    from archive.storage import frontier

    url, other = "http://tnu.edu.vn/deleted-dn9.html", "http://tnu.edu.vn/deleted-dn10.html"
    frontier.note_links(archive.db, [url, other], "2025-12-31T00:00:00Z")
    first = datetime(2026, 1, 1, 2, tzinfo=UTC)
    at = first
    for attempt in range(1, frontier.RETRY_GIVE_UP + 1):
        assert url in frontier.pending_links(archive.db, now=at), attempt  # each time its wait is over
        frontier.link_failed(archive.db, url, at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if attempt < frontier.RETRY_GIVE_UP - 1:
            frontier.link_failed(archive.db, other, at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        at += timedelta(days=min(2 ** (attempt - 1), frontier.RETRY_MAX_DAYS))
    assert at - first == timedelta(days=1 + 2 + 4 + 8 + 16 + 32 + 32)
    # given up: not pending however long it waits; the one a failure short of it still is
    assert frontier.pending_links(archive.db, now=at + timedelta(days=365)) == [other]
    row = archive.db.execute("SELECT failed_attempts FROM article_links WHERE url = ?", [url]).fetchone()
    assert row == (frontier.RETRY_GIVE_UP,)
    assert not frontier.link_waiting(archive.db, url, at) and frontier.link_waiting(
        archive.db, url, at - timedelta(days=2)
    )


def test_an_image_that_failed_its_last_retry_is_no_longer_retried_but_keeps_its_row_and_wait(
    archive, make_article, image_bytes
):
    """As a link: 1, 2, 4, … 32 days, then no more for its own sake (RETRY_GIVE_UP failures); once
    its wait is over it is not waiting (image_waiting), so its article fetched again and still
    showing it asks for it. A file `verify --repair` found lost is due at once, whatever its count."""
    from datetime import datetime, timedelta

    from archive.storage import frontier

    article = make_article()
    save(archive, article)
    gone, short = (ref.src_url for ref in article.images)
    first = datetime(2026, 1, 1, 2, tzinfo=UTC)
    at = first
    for attempt in range(1, frontier.RETRY_GIVE_UP + 1):
        assert gone in frontier.failed_images(archive.db, now=at), attempt  # each time its wait is over
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        archive.record_image_failure(gone, status=404, error="http_404", at=stamp)
        if attempt < frontier.RETRY_GIVE_UP:
            archive.record_image_failure(short, status=404, error="http_404", at=stamp)
        at += timedelta(days=min(2 ** (attempt - 1), frontier.RETRY_MAX_DAYS))
    assert at - first == timedelta(days=1 + 2 + 4 + 8 + 16 + 32 + 32)
    # given up: not retried however long it waits; the one a failure short of it still is
    assert frontier.failed_images(archive.db, now=at + timedelta(days=365)) == [short]
    rows = archive.db.execute("SELECT src_url, attempts, error FROM image_sources ORDER BY src_url").fetchall()
    assert rows == [(gone, frontier.RETRY_GIVE_UP, "http_404"), (short, frontier.RETRY_GIVE_UP - 1, "http_404")]
    assert not frontier.image_waiting(archive.db, gone, at) and frontier.image_waiting(
        archive.db, gone, at - timedelta(days=2)
    )

    lost = "http://tnu.edu.vn/Uploads/mat-file.jpg"
    save(archive, make_article(url="http://tnu.edu.vn/anh-mat-dn5002.html", images=(ImageRef(0, lost),)))
    archive.store_image(None, lost, image_bytes(), status=200, fetched_at=T1)
    # as `verify --repair` leaves a file no WARC held, after many downloads of it
    archive.db.execute(
        "UPDATE image_sources SET error = 'missing_file', attempts = ? WHERE src_url = ?",
        [frontier.RETRY_GIVE_UP + 3, lost],
    )
    assert frontier.failed_images(archive.db, now=at) == [short, lost]


def test_an_image_address_that_is_not_http_is_never_retried_and_keeps_its_row(archive, make_article):
    """`javascript:`, `data:`, `mailto:`, `about:`, `blob:` sources an earlier version kept: they can
    never be fetched (a run that handed one to Scrapy lost the item to "Missing scheme", every run)."""
    from archive.storage import frontier

    odd = [
        "javascript:void(0)",
        "JavaScript:;",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "mailto:anh@tnu.edu.vn",
        "about:blank",
        "blob:http://tnu.edu.vn/0b1c",
    ]
    real = ["HTTP://TNU.EDU.VN/Uploads/ANH.JPG", "https://tnu.edu.vn/Uploads/anh.jpg"]
    article = make_article(images=tuple(ImageRef(i, url) for i, url in enumerate([*odd, *real])))
    save(archive, article)
    archive.record_image_failure(odd[0], status=None, error="valueerror", at=T1)  # once tried: due long since
    assert frontier.failed_images(archive.db) == real
    kept = archive.db.execute("SELECT src_url FROM article_images ORDER BY position").fetchall()
    assert kept == [(url,) for url in [*odd, *real]]
    assert archive.db.execute("SELECT attempts FROM image_sources WHERE src_url = ?", [odd[0]]).fetchone() == (1,)


def test_pending_links_are_chosen_and_bounded_oldest_first(archive):
    """A run takes up at most MAX_PENDING_LINKS of them, and the spider chooses which (`keep`):
    a frontier left with thousands of junk links costs a run no more than that."""
    from datetime import datetime

    from archive.storage import frontier

    junk = [f"http://tnu.edu.vn/rac/{i:04d}" for i in range(2000)]
    frontier.note_links(archive.db, ["http://tnu.edu.vn/old-dn1.html"], "2026-09-01T00:00:00Z")
    frontier.note_links(archive.db, junk, "2026-10-01T00:00:00Z")
    frontier.link_failed(archive.db, junk[0], "2026-10-01T00:00:00Z")
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert frontier.pending_links(archive.db, now=later, limit=3) == [
        "http://tnu.edu.vn/old-dn1.html",
        junk[0],
        junk[1],
    ]
    untried = frontier.pending_links(archive.db, now=later, limit=2, keep=lambda url, tried: not tried)
    assert untried == ["http://tnu.edu.vn/old-dn1.html", junk[1]]
    assert len(frontier.pending_links(archive.db, now=later)) == 2001


def test_forgetting_links_drops_only_those_with_no_history(archive, make_article):
    """Links a run's bounds left out are forgotten; one that failed, a static page or an archived
    article keeps its row (its wait, its mark, its article)."""
    from archive.storage import frontier

    found, failed, static = (f"http://tnu.edu.vn/{name}" for name in ("found", "failed", "static"))
    saved = save(archive, make_article())
    frontier.note_links(archive.db, [found, failed, static], T1)
    frontier.link_failed(archive.db, failed, T1)
    frontier.link_not_article(archive.db, static, T1)
    frontier.link_archived(archive.db, "http://tnu.edu.vn/alias-dn1.html", saved.article_id, T1)
    frontier.forget_links(archive.db, [found, failed, static, "http://tnu.edu.vn/alias-dn1.html", "http://x/never"])
    left = {r[0] for r in archive.db.execute("SELECT url FROM article_links")}
    assert left == {failed, static, "http://tnu.edu.vn/alias-dn1.html"}


def test_the_wait_doubles_up_to_the_cap_and_a_night_is_23_hours():
    from datetime import datetime, timedelta

    from archive.storage.frontier import RETRY_MAX_DAYS, retry_due

    last = "2026-11-01T02:00:00Z"
    at = datetime(2026, 11, 1, 2, tzinfo=UTC)
    for attempts, days in [(1, 1), (2, 2), (3, 4), (6, 32), (20, RETRY_MAX_DAYS)]:
        wait = timedelta(days=days) - timedelta(hours=1)
        assert not retry_due(attempts, last, at + wait - timedelta(minutes=1)), attempts
        assert retry_due(attempts, last, at + wait), attempts
    assert retry_due(0, None, at) and retry_due(3, None, at)  # never tried (a killed run): due


CONTROLS = "\x1b[2J\x1b]0;pwned\x07\x00\x08\r\x0b\x0c\x7f\x9b31m\x85"


def test_control_characters_never_reach_the_archive(archive, make_article):
    """A hostile page's ESC sequences, BEL, NUL and C1 controls are dropped at the one boundary
    every record crosses; tab and newline, which text has, stay."""
    article = make_article(
        url="http://tnu.edu.vn/a\x1b[0m-dn9.html",
        title=f"Tiêu đề{CONTROLS} độc",
        body_text=f"Đoạn một{CONTROLS}.\n\nĐoạn\thai.",
        body_html=f"<p>Đoạn{CONTROLS}</p>",
        author=f"Tác{CONTROLS}giả",
        category=f"Tin{CONTROLS}",
        published_text=f"15-07-2020{CONTROLS}",
        images=(
            ImageRef(
                0,
                f"http://tnu.edu.vn/x{CONTROLS}.jpg",
                caption=f"Ảnh{CONTROLS}",
                alt=f"alt{CONTROLS}",
                credit=f"Hà{CONTROLS}",
            ),
        ),
    )
    result = archive.save_article(
        article, run_id=None, fetched_at="2026-01-01T00:00:00Z", raw_html=b"<html>", encoding="utf-8"
    )
    row = archive.db["articles"].get(result.article_id)
    assert row["title"] == "Tiêu đề[2J]0;pwned31m độc"
    assert row["body_text"] == "Đoạn một[2J]0;pwned31m.\n\nĐoạn\thai."
    assert row["url"] == "http://tnu.edu.vn/a[0m-dn9.html"
    image = next(archive.db["article_images"].rows)
    stored = [row[k] for k in ("title", "body_text", "body_html", "author", "category", "published_text", "url")]
    stored += [image[k] for k in ("src_url", "caption", "alt", "credit")]
    for value in stored:
        assert not any(ch in value for ch in CONTROLS if ch not in "[2J]0;pwned31m"), repr(value)

"""archive/operations/recovery.py: where a web archive's capture lands in an article's history, in a real
SQLite file. The live site always wins; captures come in any order and give the same history."""

from __future__ import annotations

import itertools

import pytest

from archive.operations.recovery import capture_recovered, is_recovered, save_capture, url_variants
from archive.record import RawPage

CAPTURED = {
    "20200801030000": ("2020-08-01T03:00:00Z", 120, "Sơ kết tuyên giáo 2020"),
    "20200901030000": ("2020-09-01T03:00:00Z", 300, None),
    "20201001030000": ("2020-10-01T03:00:00Z", 550, None),
}
REPLAY = "http://127.0.0.1:8080/tnu/"
LIVE_AT = "2026-11-20T05:00:00Z"


def capture(archive, make_article, timestamp: str, run_id=None):
    at, views, title = CAPTURED[timestamp]
    article = make_article(views=views, **({"title": title} if title else {}))
    return save_capture(
        archive,
        article,
        captured_at=at,
        raw_url=f"{REPLAY}{timestamp}id_/{article.url}",
        run_id=run_id,
        raw=RawPage.of(f"<html>{timestamp}</html>".encode(), "utf-8"),
    )


def history(archive) -> dict:
    db = archive.db
    article = dict(
        next(
            db.query("SELECT url, title, views, first_seen_at, last_seen_at, captured_at, recovered_from FROM articles")
        )
    )
    return {
        "article": article,
        "views": db.execute("SELECT observed_at, views FROM view_counts ORDER BY observed_at").fetchall(),
        "versions": db.execute(
            "SELECT title, seen_from, seen_until, recovered_from FROM article_versions ORDER BY seen_from"
        ).fetchall(),
    }


@pytest.mark.parametrize("order", list(itertools.permutations(CAPTURED)))
def test_the_same_history_whatever_order_the_captures_come_in(tmp_path, make_article, order):
    from archive.store import Archive

    with Archive(tmp_path / "tnu.sqlite", tmp_path / "images") as archive:
        for timestamp in order:
            capture(archive, make_article, timestamp)
        got = history(archive)
    assert got["article"]["views"] == 550
    assert got["article"]["captured_at"] == "2020-10-01T03:00:00Z"
    assert got["article"]["recovered_from"].startswith(f"{REPLAY}20201001030000id_/")
    assert (got["article"]["first_seen_at"], got["article"]["last_seen_at"]) == (
        "2020-08-01T03:00:00Z",
        "2020-10-01T03:00:00Z",
    )
    assert got["views"] == [("2020-08-01T03:00:00Z", 120), ("2020-09-01T03:00:00Z", 300), ("2020-10-01T03:00:00Z", 550)]
    assert got["versions"] == [
        (
            "Sơ kết tuyên giáo 2020",
            "2020-08-01T03:00:00Z",
            "2020-09-01T03:00:00Z",
            f"{REPLAY}20200801030000id_/{make_article().url}",
        )
    ]


def test_the_live_site_wins_and_recovery_only_adds_the_past(archive, make_article):
    live = make_article(
        url="https://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html", views=900, body_text="Bản mới nhất trên trang."
    )
    archive.save_article(live, run_id=None, fetched_at=LIVE_AT, raw_html=b"<html>live</html>", encoding="utf-8")
    before = dict(next(archive.db.query("SELECT * FROM articles")))
    for timestamp in CAPTURED:  # captured under http://, the same article
        result = capture(archive, make_article, timestamp)
        assert result.outcome == "older" and result.article_id == before["id"]
    after = dict(next(archive.db.query("SELECT * FROM articles")))
    assert after == before  # content, views, times and provenance (NULL: live) untouched
    assert after["captured_at"] is None and after["recovered_from"] is None
    views = archive.db.execute("SELECT observed_at, views FROM view_counts ORDER BY observed_at").fetchall()
    assert views == [
        ("2020-08-01T03:00:00Z", 120),
        ("2020-09-01T03:00:00Z", 300),
        ("2020-10-01T03:00:00Z", 550),
        (LIVE_AT, 900),
    ]
    versions = archive.db.execute(
        "SELECT title, body_text, seen_from, seen_until FROM article_versions ORDER BY seen_from"
    ).fetchall()
    old_body = make_article().body_text
    assert versions == [
        ("Sơ kết tuyên giáo 2020", old_body, "2020-08-01T03:00:00Z", "2020-09-01T03:00:00Z"),
        (make_article().title, old_body, "2020-09-01T03:00:00Z", LIVE_AT),
    ]
    # a capture met again adds nothing
    capture(archive, make_article, "20200901030000")
    assert archive.db.execute("SELECT count(*) FROM view_counts").fetchone()[0] == 4
    assert archive.db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 2


def test_a_live_fetch_after_recovery_takes_over(archive, make_article):
    capture(archive, make_article, "20201001030000")
    live = make_article(views=901)
    archive.save_article(live, run_id=None, fetched_at=LIVE_AT, raw_html=b"<html>live</html>", encoding="utf-8")
    row = next(archive.db.query("SELECT views, captured_at, recovered_from FROM articles"))
    assert row == {"views": 901, "captured_at": None, "recovered_from": None}
    # and a capture coming afterwards is history only
    assert capture(archive, make_article, "20200801030000").outcome == "older"
    assert next(archive.db.query("SELECT views, recovered_from FROM articles"))["views"] == 901


def test_the_ledger_knows_a_capture_by_time_or_by_digest(archive):
    entry = {
        "url": "http://tnu.edu.vn/a-dn1.html",
        "timestamp": "20200901030000",
        "digest": "AAA",
        "raw_url": f"{REPLAY}20200901030000id_/http://tnu.edu.vn/a-dn1.html",
    }
    assert not is_recovered(archive.db, entry["url"], entry["timestamp"], entry["digest"])
    capture_recovered(archive.db, entry, "not_article", None, None)
    capture_recovered(archive.db, entry, "not_article", None, None)  # twice: one row
    assert is_recovered(archive.db, entry["url"], "20200901030000", None)
    assert is_recovered(archive.db, entry["url"], "20211015000000", "AAA")  # the same bytes later
    assert not is_recovered(archive.db, entry["url"], "20211015000000", "BBB")
    assert archive.db.execute("SELECT count(*) FROM recovered_captures").fetchone()[0] == 1


def test_url_variants_cover_scheme_and_www():
    assert url_variants("http://tnu.edu.vn/a-dn1.html?x=1") == [
        "http://tnu.edu.vn/a-dn1.html?x=1",
        "https://tnu.edu.vn/a-dn1.html?x=1",
        "https://www.tnu.edu.vn/a-dn1.html?x=1",
        "http://www.tnu.edu.vn/a-dn1.html?x=1",
    ]

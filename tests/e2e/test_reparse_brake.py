"""`reparse`'s brake, through the command on a real archive: when more than half of the articles
it reads no longer read as articles (a broken extractor would say so of every page), it sets none
aside, says so in one line with the numbers and the way on, and exits 7; `--allow-mass-set-aside`
goes on on purpose. An archive whose earlier versions stored many listing pages, but not most of
its rows, is set right without it."""

from __future__ import annotations

import json

import sqlite_utils
from e2e_support import run_cli

from archive.outcome import EXIT_HELD_BACK, EXIT_OK
from archive.record import Article
from archive.store import Archive
from crawler.extract import extract_article
from crawler.replica.server import DEFAULT_SITE_DIR, file_for

ORIGIN = "http://127.0.0.1:8000"
EXPECTED = json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))
ARTICLES = sorted(EXPECTED["articles"])
# The replica's listing pages and its static page: 14 pages an earlier version could have stored.
NOT_ARTICLES = sorted(EXPECTED["listings"]) + sorted(EXPECTED["not_articles"])


def page(path: str) -> bytes:
    return (DEFAULT_SITE_DIR / "www" / file_for(path)).read_bytes().replace(b"{{ORIGIN}}", ORIGIN.encode())


def make_archive(folder, articles: int) -> tuple[str, ...]:
    """`articles` of the replica's articles as today's extractor reads them, and every page of
    NOT_ARTICLES as an earlier version stored it: an article titled and dated by its first item."""
    db, images = folder / "tnu.sqlite", folder / "images"
    with Archive(db, images) as archive:
        for path in ARTICLES[:articles]:
            body = page(path)
            archive.save_article(
                extract_article(body, ORIGIN + path, encoding="utf-8"),
                run_id=None,
                fetched_at="2026-11-30T00:00:00Z",
                raw_html=body,
                encoding="utf-8",
            )
        for path in NOT_ARTICLES:
            body, url = page(path), ORIGIN + path
            reading = extract_article(body, url, encoding="utf-8")
            assert not reading.is_article
            old = Article(url=url, title=reading.title or "Giới thiệu", published_at="2020-07-15", body_text="x")
            archive.save_article(old, run_id=None, fetched_at="2026-11-30T00:00:00Z", raw_html=body, encoding="utf-8")
    return ("--db", str(db), "--images-dir", str(images))


def rows(where: tuple[str, ...], table: str) -> int:
    return sqlite_utils.Database(where[1])[table].count


def test_more_than_half_is_held_back_until_asked_for(tmp_path):
    where = make_archive(tmp_path, articles=6)  # 14 of 20 rows no longer read as articles
    before = [tuple(r) for r in sqlite_utils.Database(where[1]).execute("SELECT * FROM articles ORDER BY id")]
    held = run_cli("reparse", *where, "--quiet")
    assert held.returncode == EXIT_HELD_BACK, held.stderr
    summary, brake = held.stderr.strip().splitlines()
    assert summary.startswith(
        "reparsed 20 articles: 0 changed, 6 unchanged, 0 set aside (no longer read as articles), 0 put back, "
        "0 without a stored page, 0 failed, 0 timed out, 14 held back by the brake"
    ), summary
    assert brake.startswith("tnu-archive: set nothing aside: 14 of the 20 articles read no longer read as articles")
    assert "--allow-mass-set-aside" in brake and "Traceback" not in held.stderr
    # nothing moved: every row as it was
    after = [tuple(r) for r in sqlite_utils.Database(where[1]).execute("SELECT * FROM articles ORDER BY id")]
    assert after == before and rows(where, "set_aside_articles") == 0
    assert run_cli("verify", *where).returncode == EXIT_OK

    forced = run_cli("reparse", *where, "--quiet", "--allow-mass-set-aside")
    assert forced.returncode == EXIT_OK, forced.stderr
    assert "6 unchanged, 14 set aside (no longer read as articles)" in forced.stderr
    assert "0 held back by the brake" in forced.stderr
    assert (rows(where, "articles"), rows(where, "set_aside_articles")) == (6, 14)


def test_nearly_half_is_set_aside_without_asking(tmp_path):
    articles = len(ARTICLES)
    where = make_archive(tmp_path, articles=articles)  # 14 of 29
    result = run_cli("reparse", *where, "--quiet")
    assert result.returncode == EXIT_OK, result.stderr
    assert f"{articles} unchanged, 14 set aside (no longer read as articles)" in result.stderr
    assert (rows(where, "articles"), rows(where, "set_aside_articles")) == (articles, 14)

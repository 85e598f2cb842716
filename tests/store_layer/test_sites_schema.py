"""The archive's side of sites: migration 11 on an archive that held one site, each article's
site, the sites table, each run's outcome per site, and the pure matching of hosts to sites."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlite_utils

from archive.db import MIGRATIONS, connect
from archive.outcome import DRIFT, EMPTY, EXIT_DRIFT, EXIT_FAILED, EXIT_OK, FAILED, OK, worst
from archive.storage import sites
from archive.storage.runs import RunTally
from archive.store import ARTICLE_COLUMNS, ARTICLE_ROW, IMAGE_COLUMNS


def old_archive(path) -> None:
    """An archive as tnu-archive wrote it before sites (schema 10): one article, two runs."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for number, step in enumerate(MIGRATIONS[:10], start=1):
        step(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute(
        "INSERT INTO articles (url, title, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)",
        ["https://tnu.edu.vn/a-dn1.html", "A", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
    )
    for status in ("ok", "drift"):
        db.execute(
            "INSERT INTO crawl_runs (started_at, status, exit_code, pages, fill_rates, problems)"
            " VALUES ('2026-01-01T00:00:00Z', ?, 0, 12, '{\"title\": 1.0}', '[]')",
            [status],
        )
    conn.close()


def test_an_archive_older_than_sites_gets_tnu_for_its_articles_and_its_runs(tmp_path):
    path = tmp_path / "tnu.sqlite"
    old_archive(path)
    db = connect(path)
    assert [r["site"] for r in db.query("SELECT site FROM articles")] == ["tnu"]
    assert [r["name"] for r in db.query("SELECT name FROM sites")] == ["tnu"]
    history = sites.site_runs(db, "tnu", finished=True)
    assert [(r["run_id"], r["status"], r["pages"], r["fill_rates"]) for r in history] == [
        (2, "drift", 12, {"title": 1.0}),
        (1, "ok", 12, {"title": 1.0}),
    ]


def test_a_new_archive_has_no_site_until_one_is_archived(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    assert db["sites"].count == 0 and db["run_sites"].count == 0


def test_an_article_saved_without_a_site_belongs_to_the_site_claiming_its_host(archive, make_article):
    archive.register_site("tnu", "T", ["tnu.edu.vn"], "d1", "2026-01-01T00:00:00Z")
    archive.register_site("sfl", "S", ["sfl.tnu.edu.vn"], "d2", "2026-01-01T00:00:00Z")
    archive.save_article(make_article(url="https://www.tnu.edu.vn/a-dn1.html"), run_id=None, fetched_at="2026-01-02")
    archive.save_article(make_article(url="https://sfl.tnu.edu.vn/b.html"), run_id=None, fetched_at="2026-01-02")
    archive.save_article(make_article(url="http://127.0.0.1:8001/c.html"), run_id=None, fetched_at="2026-01-02")
    archive.save_article(
        make_article(url="http://127.0.0.1:8002/d.html"), run_id=None, fetched_at="2026-01-02", site="x"
    )
    got = {r["url"]: r["site"] for r in archive.db.query("SELECT url, site FROM articles")}
    assert got == {
        "https://www.tnu.edu.vn/a-dn1.html": "tnu",
        "https://sfl.tnu.edu.vn/b.html": "sfl",
        "http://127.0.0.1:8001/c.html": "127.0.0.1:8001",
        "http://127.0.0.1:8002/d.html": "x",
    }
    assert json.loads(archive.db["sites"].get("127.0.0.1:8001")["hosts"]) == ["127.0.0.1:8001"]


def test_the_digest_change_is_dated_only_when_the_profile_changed(archive):
    archive.register_site("tnu", "T", ["tnu.edu.vn"], "d1", "2026-01-01T00:00:00Z")
    archive.register_site("tnu", "T", ["tnu.edu.vn"], "d1", "2026-02-01T00:00:00Z")
    assert archive.db["sites"].get("tnu")["digest_changed_at"] == "2026-01-01T00:00:00Z"
    archive.register_site("tnu", "T2", ["tnu.edu.vn", "en.tnu.edu.vn"], "d2", "2026-03-01T00:00:00Z")
    row = archive.db["sites"].get("tnu")
    assert (row["title"], row["profile_digest"], row["digest_changed_at"]) == ("T2", "d2", "2026-03-01T00:00:00Z")
    archive.register_site("127.0.0.1:1", None, ["127.0.0.1:1"], None, "2026-03-01T00:00:00Z")
    assert archive.db["sites"].get("127.0.0.1:1")["digest_changed_at"] is None


def test_the_owners_english_name_and_home_page_follow_the_profile(archive):
    archive.register_site("tnu", "T", ["tnu.edu.vn"], "d1", "2026-01-01T00:00:00Z", "U", "https://tnu.edu.vn/")
    row = archive.db["sites"].get("tnu")
    assert (row["title_en"], row["home"]) == ("U", "https://tnu.edu.vn/")
    archive.register_site("tnu", "T", ["tnu.edu.vn"], "d2", "2026-02-01T00:00:00Z", None, "https://www.tnu.edu.vn/")
    row = archive.db["sites"].get("tnu")
    assert (row["title_en"], row["home"]) == (None, "https://www.tnu.edu.vn/")


def test_a_sites_history_is_its_own(archive):
    first = archive.start_run(["http://a/"], {})
    for name, rate in (("a", 1.0), ("b", 0.2)):
        archive.register_site(name, None, [name], None, "2026-01-01T00:00:00Z")
        archive.record_run_site(
            first, name, status=OK, exit_code=0, counts={"pages": 3}, errors={}, fill_rates={"title": rate}, problems=[]
        )
    archive.finish_run(first, status=OK, exit_code=0, counts={}, errors={}, fill_rates={}, problems=[])
    second = archive.start_run(["http://a/"], {})
    assert [r["fill_rates"] for r in archive.site_runs("a", before=second)] == [{"title": 1.0}]
    assert [r["fill_rates"] for r in archive.site_runs("b", before=second)] == [{"title": 0.2}]
    assert archive.site_runs("a", before=first) == []


@pytest.mark.parametrize(
    ("url", "owner"),
    [
        ("https://tnu.edu.vn/x", "tnu"),
        ("https://en.tnu.edu.vn/x", "tnu"),
        ("https://sfl.tnu.edu.vn/x", "sfl"),
        ("https://www.sfl.tnu.edu.vn/x", "sfl"),
        ("http://tnu.edu.vn:80/x", "tnu"),
        ("http://127.0.0.1:8001/", "replica"),
        ("http://127.0.0.1:8002/", None),
        ("https://tnu.edu.vn.example.org/", None),
        ("https://nottnu.edu.vn/", None),
    ],
)
def test_the_most_specific_host_claims_a_url(url, owner):
    claims = [("tnu", ["tnu.edu.vn", "www.tnu.edu.vn"]), ("sfl", ["sfl.tnu.edu.vn"]), ("replica", ["127.0.0.1:8001"])]
    assert sites.claimant(url, claims) == owner


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://127.0.0.1:8001/a", "127.0.0.1:8001"),
        ("https://Example.ORG/", "example.org"),
        ("https://example.org:443/", "example.org"),
        ("http://example.org:8443/", "example.org:8443"),
        ("http://[::1]:8001/", "[::1]:8001"),
    ],
)
def test_a_host_no_profile_claims_is_named_by_host_and_port(url, name):
    assert sites.adhoc_name(url) == name


def test_storage_columns_come_from_the_record_types():
    assert ARTICLE_COLUMNS[0] == "url" and "images" not in ARTICLE_COLUMNS and "listing" not in ARTICLE_COLUMNS
    assert {"site", "content_hash"} <= set(ARTICLE_ROW)
    assert IMAGE_COLUMNS == ("position", "src_url", "caption", "alt", "credit")


def test_the_worst_site_decides_the_run():
    assert worst([(OK, EXIT_OK), (FAILED, EXIT_FAILED), (DRIFT, EXIT_DRIFT)]) == (FAILED, EXIT_FAILED)
    assert worst([(OK, EXIT_OK), (EMPTY, EXIT_DRIFT)]) == (EMPTY, EXIT_DRIFT)
    assert worst([]) == (OK, EXIT_OK)


def test_a_tally_counts_for_the_run_and_for_the_site():
    tally = RunTally()
    tally.sites["a"] = RunTally(counts={})
    tally.page(True, "a")
    tally.page(False, None)
    tally.error("http_404", "a")
    tally.links_seen(3, "a")
    tally.not_article("http://a/x", "a")
    assert (tally.pages_ok, tally.article_links_seen, tally.errors["http_404"]) == (1, 3, 1)
    mine = tally.sites["a"]
    assert (mine.pages_ok, mine.counts, mine.article_links_seen, mine.not_article_links) == (
        1,
        {"pages": 1},
        3,
        ["http://a/x"],
    )
    writer = RunTally()
    writer.count("articles_new", site="a")
    writer.count("articles_new", site="elsewhere")
    tally.absorb(writer)
    assert tally.counts["articles_new"] == 2 and mine.counts == {"pages": 1, "articles_new": 1}
    assert "elsewhere" not in tally.sites


def test_the_morning_check_names_the_sites_that_failed_or_raised_the_alarm():
    from datetime import UTC, datetime

    from archive.operations.runs_report import morning_check

    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    latest = {"id": 3, "status": FAILED, "exit_code": EXIT_FAILED, "started_at": "2026-12-07T03:00:00Z", "errors": {}}
    outcomes = [{"site": "a", "status": OK}, {"site": "b", "status": FAILED}, {"site": "c", "status": DRIFT}]
    code, line = morning_check({**latest, "problems": ["site b: no page"]}, now=now, sites=outcomes)
    assert code == EXIT_FAILED and "; site b failed, site c drift; started" in line and "site a" not in line
    stopped = [{"site": "a", "status": "interrupted"}, {"site": "b", "status": "interrupted"}]
    code, line = morning_check({**latest, "status": "interrupted", "exit_code": 6}, now=now, sites=stopped)
    assert code == 6 and "site a" not in line and "site b" not in line

"""`tnu-archive recover --site NAME` against a real pywb on loopback: every host of the profile is
looked up, and captures whose URL no rule names are judged by their content, so the university's
older URL generations come back (issue 21, point 6).

The WARC holds the replica's old-layout article pages under three older URL shapes the site has
had (`/Article/Details/210`, `…tnustatic-67-tnusite-2~110.html` on www., `<slug>-dt230.html` on
en.), a static page and a listing under URLs no rule names, the home page, and the pages of a
school whose profile (in tnu-archive.toml) has two hosts and no rules at all.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import sqlite_utils
from test_recover_pywb import recover
from wayback_support import WWW, Pywb, Record, page, write_warc

EXPECTED = json.loads((WWW.parent / "expected.json").read_text(encoding="utf-8"))["articles"]

# The three older URL shapes, each a real article page of the site's 2019 layout.
DETAILS = "http://tnu.edu.vn/Article/Details/210"
DETAILS_PAGE = "hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html"
STATIC_SHAPE = "http://www.tnu.edu.vn/vi/dai-hoc-thai-nguyen-co-5-de-tai-tnustatic-67-tnusite-2~110.html"
STATIC_SHAPE_PAGE = "dai-hoc-thai-nguyen-co-5-de-tai-duoc-quy-nafosted-tai-tro-dn5903.html"
DT = "http://en.tnu.edu.vn/conference-on-new-legal-documents-on-higher-education-dt230.html"
DT_PAGE = "hoi-nghi-pho-bien-van-ban-phap-quy-moi-ve-giao-duc-dai-hoc-dn5102.html"
ARTICLES = {DETAILS: DETAILS_PAGE, STATIC_SHAPE: STATIC_SHAPE_PAGE, DT: DT_PAGE}
# What no rule names and is no article: a static page (captured twice, differently) and a listing.
STATIC = "http://tnu.edu.vn/Article/Details/45"
LISTING = "http://tnu.edu.vn/Article/Category/3"
HOME = "http://tnu.edu.vn/"
# A school of two hosts, its profile without rules: every capture of it is judged by its content.
SCHOOL_TOML = """
[sites.khoa-a]
title = "Khoa A"
hosts = ["khoa-a.edu.vn", "khoa-a-cu.vn"]
"""
SCHOOL = {
    "http://khoa-a.edu.vn/tin/ke-hoach-thi-hoc-ky-i.html": (
        "ke-hoach-to-chuc-thi-ket-thuc-hoc-phan-hoc-ky-i-theo-hinh-thuc-truc-tuyen-dn5840.html"
    ),
    "http://khoa-a-cu.vn/Article/Details/12": (
        "khai-mac-hoi-thao-can-bo-giang-vien-dai-hoc-thai-nguyen-nam-2019-dn4976.html"
    ),
}


def with_views(name: str, before: str, after: str) -> bytes:
    text = page(name).decode("utf-8")
    assert f"{before} lần đọc" in text
    return text.replace(f"{before} lần đọc", f"{after} lần đọc").encode()


def records() -> list[Record]:
    static = page("lich-su-dn45.html")
    return [
        Record(DETAILS, "20120301030000", with_views(DETAILS_PAGE, "87", "40")),
        Record(DETAILS, "20130301030000", page(DETAILS_PAGE)),
        Record(STATIC_SHAPE, "20160501030000", page(STATIC_SHAPE_PAGE)),
        Record(DT, "20170601030000", page(DT_PAGE)),
        Record(STATIC, "20120401030000", static),
        Record(STATIC, "20140401030000", static.replace(b"</body>", b"<!-- 2014 --></body>")),
        Record(LISTING, "20120501030000", page("news/tin-tuc-su-kien.html")),
        Record(HOME, "20120601030000", page("index.html")),
        *(Record(url, "20180101030000", page(name)) for url, name in SCHOOL.items()),
    ]


@pytest.fixture(scope="module")
def pywb(tmp_path_factory):
    root = tmp_path_factory.mktemp("pywb-sites")
    warc = write_warc(root / "sites.warc.gz", records())
    (root / "wayback").mkdir()
    with Pywb(root / "wayback", [warc]) as server:
        yield server, root


@pytest.fixture(scope="module")
def tnu(pywb):
    server, root = pywb
    db_path, images = root / "tnu" / "tnu.sqlite", root / "tnu" / "images"
    results = [recover(server, db_path, images, "--site", "tnu") for _ in range(2)]
    return {"results": results, "db": sqlite_utils.Database(db_path), "server": server, "path": db_path}


def captures_fetched(db, run_id: int) -> list[str]:
    """The original URLs of the captures a run fetched (`<replay><timestamp>id_/<url>`)."""
    rows = db.execute("SELECT url FROM fetch_log WHERE run_id = ? AND kind = 'page'", [run_id])
    return [m.group(1) for (url,) in rows if (m := re.search(r"/\d{14}id_/(.+)$", url))]


def cdx_queries(db, run_id: int) -> list[str]:
    rows = db.execute("SELECT url FROM fetch_log WHERE run_id = ? AND url LIKE '%/cdx?%'", [run_id])
    return sorted(re.search(r"[?&]url=([^&]+)", url).group(1) for (url,) in rows)


def test_every_host_of_the_profile_is_looked_up(tnu):
    first = tnu["results"][0]
    assert first.returncode == 0, first.stderr
    assert "run 1 ok:" in first.stderr.splitlines()[-1]
    assert cdx_queries(tnu["db"], 1) == ["en.tnu.edu.vn%2F%2A", "tnu.edu.vn%2F%2A", "www.tnu.edu.vn%2F%2A"]


def test_the_older_url_generations_come_back_as_the_sites_articles(tnu):
    db = tnu["db"]
    rows = {row["url"]: row for row in db.query("SELECT * FROM articles")}
    assert set(rows) == set(ARTICLES)
    for url, name in ARTICLES.items():
        expected, row = EXPECTED[f"/{name}"], rows[url]
        assert row["site"] == "tnu", url
        for field in ("title", "published_at", "views", "author", "body_text"):
            assert row[field] == expected[field], (url, field)
    # the candidate read as an article: its other capture followed, in the same run
    (article_id,) = db.execute("SELECT id FROM articles WHERE url = ?", [DETAILS]).fetchone()
    views = db.execute("SELECT observed_at, views FROM view_counts WHERE article_id = ? ORDER BY 1", [article_id])
    assert views.fetchall() == [("2012-03-01T03:00:00Z", 40), ("2013-03-01T03:00:00Z", 87)]


def test_the_static_page_and_the_listing_are_refused_and_remembered(tnu):
    db = tnu["db"]
    fetched = captures_fetched(db, 1)
    # the static page judged by one of its captures (the newest); the home page never fetched
    assert fetched.count(STATIC) == 1 and fetched.count(LISTING) == 1 and HOME not in fetched
    outcomes = db.execute(
        "SELECT url, timestamp, outcome FROM recovered_captures WHERE url IN (?, ?) ORDER BY url", [STATIC, LISTING]
    ).fetchall()
    assert outcomes == [(LISTING, "20120501030000", "not_article"), (STATIC, "20140401030000", "not_article")]
    # not taken for a layout drift: the run is ok
    assert db.execute("SELECT status FROM crawl_runs WHERE id = 1").fetchone()[0] == "ok"


def test_a_second_run_fetches_nothing_again(tnu):
    second = tnu["results"][1]
    assert second.returncode == 0, second.stderr
    assert "run 2 ok:" in second.stderr.splitlines()[-1]
    assert captures_fetched(tnu["db"], 2) == []
    assert len(cdx_queries(tnu["db"], 2)) == 3


def test_the_candidate_cap_is_met_and_named(pywb):
    server, root = pywb
    db_path = root / "capped" / "tnu.sqlite"
    result = recover(server, db_path, root / "capped" / "images", "--site", "tnu", "--set", "RECOVER_MAX_CANDIDATES=1")
    assert result.returncode == 0, result.stderr
    notice = "RECOVER_MAX_CANDIDATES (1) met; candidate URLs not fetched: 3"
    assert notice in result.stderr.splitlines()[-1]
    db = sqlite_utils.Database(db_path)
    assert notice in json.loads(db.execute("SELECT problems FROM crawl_runs").fetchone()[0])
    candidates = {STATIC, LISTING, DETAILS, STATIC_SHAPE}
    assert len(set(captures_fetched(db, 1)) & candidates) == 1
    assert DT in captures_fetched(db, 1)  # an article URL by the rules: never a candidate


def test_a_profile_of_two_hosts_is_looked_up_on_both(pywb):
    server, root = pywb
    folder = root / "school"
    folder.mkdir()
    (folder / "tnu-archive.toml").write_text(SCHOOL_TOML, encoding="utf-8")
    db_path = folder / "archive.sqlite"
    result = recover(server, db_path, folder / "images", "--site", "khoa-a")
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(db_path)
    assert cdx_queries(db, 1) == ["khoa-a-cu.vn%2F%2A", "khoa-a.edu.vn%2F%2A"]
    rows = {r["url"]: r for r in db.query("SELECT url, site, title, published_at FROM articles")}
    assert set(rows) == set(SCHOOL)
    for url, name in SCHOOL.items():
        assert rows[url]["site"] == "khoa-a"
        assert (rows[url]["title"], rows[url]["published_at"]) == (
            EXPECTED[f"/{name}"]["title"],
            EXPECTED[f"/{name}"]["published_at"],
        )
    assert json.loads(db.execute("SELECT hosts FROM sites WHERE name = 'khoa-a'").fetchone()[0]) == [
        "khoa-a.edu.vn",
        "khoa-a-cu.vn",
    ]


def test_an_unknown_site_is_one_line_and_exit_2(pywb, tmp_path):
    server, _ = pywb
    result = recover(server, tmp_path / "tnu.sqlite", tmp_path / "images", "--site", "nowhere")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no site named 'nowhere'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "tnu.sqlite").exists()


def runs_command(db_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "runs", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_each_recovery_is_accounted_site_by_site_as_a_crawl_is(tnu):
    """A recovery writes its site's run_sites row, with a crawl's counts and statuses: the
    `runs --site` listing and `runs --site --check` read it."""
    db = tnu["db"]
    rows = {row["run_id"]: row for row in db.query("SELECT * FROM run_sites ORDER BY run_id")}
    runs = {row["id"]: row for row in db.query("SELECT * FROM crawl_runs ORDER BY id")}
    assert sorted(rows) == sorted(runs) == [1, 2]
    for run_id, row in rows.items():
        run = runs[run_id]
        assert row["site"] == "tnu" and row["status"] == run["status"] == "ok" and row["exit_code"] == 0
        # every page (index pages and captures) was the site's: its counts are the run's, but for
        # the archive's robots.txt (the run's page, as a crawl's is, and no page of the site)
        for name in ("articles_new", "articles_changed", "articles_unchanged", "articles_generic"):
            assert row[name] == run[name], (run_id, name)
        (robots,) = db.execute(
            "SELECT count(*) FROM fetch_log WHERE run_id = ? AND kind = 'page' AND url LIKE '%/robots.txt%'", [run_id]
        ).fetchone()
        assert row["pages"] == run["pages"] - robots, run_id
        assert json.loads(row["fill_rates"]) == json.loads(run["fill_rates"])
    assert rows[1]["pages"] == len(captures_fetched(db, 1)) + 3 and rows[1]["articles_new"] == len(ARTICLES)
    assert (rows[2]["pages"], rows[2]["articles_new"], rows[2]["articles_unchanged"]) == (3, 0, 0)
    listing = runs_command(tnu["path"], "--site", "tnu")
    assert listing.returncode == 0, listing.stderr
    assert len([line for line in listing.stdout.splitlines() if " ok " in f" {line} "]) == 2, listing.stdout
    check = runs_command(tnu["path"], "--site", "tnu", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("OK: run 2 ok: 3 pages")


def test_a_site_the_archive_holds_nothing_of_is_empty_in_its_row_not_in_the_run(pywb, tmp_path):
    """Recovered beside one with captures, a site with none ends `empty` in its own row and is
    named in the summary; the run, which found articles, ends ok (only a recovery that found
    nothing at all is empty)."""
    server, _ = pywb
    db_path = tmp_path / "tnu.sqlite"
    result = recover(server, db_path, tmp_path / "images", "--site", "tnu", "--match", "khong-co.example/*")
    assert result.returncode == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    assert "run 1 ok:" in last and last.endswith("; no article capture of site khong-co.example"), last
    db = sqlite_utils.Database(db_path)
    outcomes = {row["site"]: row for row in db.query("SELECT * FROM run_sites WHERE run_id = 1")}
    assert set(outcomes) == {"tnu", "khong-co.example"}
    assert (outcomes["tnu"]["status"], outcomes["tnu"]["articles_new"]) == ("ok", len(ARTICLES))
    empty = outcomes["khong-co.example"]
    assert (empty["status"], empty["exit_code"], empty["pages"], empty["articles_new"]) == ("empty", 3, 1, 0)
    assert json.loads(empty["problems"])[0].startswith("the CDX index listed no successful HTML capture")
    check = runs_command(db_path, "--site", "khong-co.example", "--check")
    assert check.returncode == 3 and check.stdout.startswith("ALERT: drift alarm: run 1 empty"), check.stdout

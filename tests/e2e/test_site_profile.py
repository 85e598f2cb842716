"""Adding a site is one file: a profile written into tnu-archive.toml beside a new archive, and
its site (a replica of a layout nobody wrote rules for, on its own loopback address) is crawled
by name, with no other change: by `tnu-archive crawl --site` and by `scrapy crawl news -a site=`
(the scrapyd job's form, DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import FAST, run_cli

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.replica.server import ReplicaServer

SITE = Path(__file__).resolve().parent.parent / "site_redesign"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[2]

PROFILE = """
[sites.school]
title = "Trường Thử nghiệm"
title_en = "Test School"
member_of = "tnu"
start_urls = ["{url}"]

[sites.school.politeness]
concurrency = 1
"""


def write_profile(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tnu-archive.toml").write_text(PROFILE.format(url=url), encoding="utf-8")
    return folder / "tnu.sqlite"


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile")
    with ReplicaServer(SITE, host="127.0.0.2") as server:
        db = write_profile(folder / "cli", server.url)
        crawled = run_cli(
            "crawl", "--site", "school", "--db", str(db), "--images-dir", str(db.parent / "images"), *FAST
        )
        listed = run_cli("sites", "--json", "--db", str(db))
        scrapyd_db = write_profile(folder / "scrapy", server.url)
        scrapy = subprocess.run(
            [
                str(Path(sys.executable).parent / "scrapy"),
                *("crawl", "news", "-a", "site=school"),
                *("-s", f"ARCHIVE_DB={scrapyd_db}", "-s", f"IMAGES_STORE={scrapyd_db.parent / 'images'}"),
                *set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"}, flag="-s"),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
        )
        yield {
            "server": server,
            "crawled": crawled,
            "listed": listed,
            "db": db,
            "scrapy": scrapy,
            "scrapy_db": scrapyd_db,
        }


def test_the_profile_alone_makes_the_site_crawlable_by_name(school):
    assert school["crawled"].returncode == 0, school["crawled"].stderr[-3000:]
    db = sqlite_utils.Database(school["db"])
    sites = {row["site"] for row in db.query("SELECT DISTINCT site FROM articles")}
    assert sites == {"school"}
    urls = {row["url"] for row in db.query("SELECT url FROM articles")}
    assert urls == {school["server"].origin + path for path in EXPECTED["articles"]}
    row = db["sites"].get("school")
    host = school["server"].origin.removeprefix("http://")
    assert (row["title"], json.loads(row["hosts"])) == ("Trường Thử nghiệm", [host])
    # what the exported dataset names as its publisher: the English name, and the home page (the start URL)
    assert (row["title_en"], row["home"]) == ("Test School", school["server"].url)
    assert row["language"] == "vi"  # the profiles' default: the languages the dataset declares
    assert row["member_of"] == "tnu"  # what titles a dataset of the university's sites
    assert row["profile_digest"] and row["digest_changed_at"]
    run = db["run_sites"].get((1, "school"))
    assert (run["status"], run["articles_new"]) == ("ok", len(EXPECTED["articles"]))


def test_the_dataset_of_the_crawl_is_the_profiles_sites(school, tmp_path):
    """The title, author and licence of the exported dataset come from the profile the crawl read."""
    db = school["db"]
    done = run_cli("export", "--out", str(tmp_path / "out"), "--db", str(db), "--images-dir", str(db.parent / "images"))
    assert done.returncode == 0, done.stderr[-3000:]
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    host = school["server"].origin.removeprefix("http://")
    assert package["title"] == f"News of Test School (Trường Thử nghiệm, {host}), archived"
    assert package["contributors"][0] == {
        "title": "Test School (Trường Thử nghiệm)",
        "path": school["server"].url,
        "role": "author",
    }
    assert "belong to Test School (Trường Thử nghiệm) and the photographers" in package["rights"]
    croissant = json.loads((tmp_path / "out" / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["inLanguage"] == "vi" and "Vietnamese" in croissant["keywords"]


def test_the_profiles_politeness_is_its_hosts_download_slot(school):
    db = sqlite_utils.Database(school["db"])
    settings = json.loads(db["crawl_runs"].get(1)["settings"])
    assert settings["DOWNLOAD_SLOTS"] == {"127.0.0.2": {"concurrency": 1}}


def test_sites_lists_the_operators_profile(school):
    assert school["listed"].returncode == 0, school["listed"].stderr
    rows = {row["name"]: row for row in json.loads(school["listed"].stdout)}
    mine = rows["school"]
    assert mine["title"] == "Trường Thử nghiệm" and mine["enabled"] is True
    assert mine["articles"] == len(EXPECTED["articles"]) and mine["last_run"]["status"] == "ok"
    assert mine["profile"] == str(school["db"].parent / "tnu-archive.toml")


def test_scrapy_crawl_news_takes_the_site_by_name(school):
    assert school["scrapy"].returncode == 0, school["scrapy"].stderr[-3000:]
    db = sqlite_utils.Database(school["scrapy_db"])
    assert {row["site"] for row in db.query("SELECT DISTINCT site FROM articles")} == {"school"}
    assert db["articles"].count == len(EXPECTED["articles"])
    assert [row["status"] for row in db.query("SELECT status FROM run_sites")] == ["ok"]


def test_a_site_no_profile_names_is_one_clear_line(tmp_path):
    result = run_cli("crawl", "--site", "nowhere", "--db", str(tmp_path / "tnu.sqlite"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "no site named 'nowhere'" in result.stderr
    assert "tnue" in result.stderr  # the names it could have been
    assert not (tmp_path / "tnu.sqlite").exists()


def test_a_broken_profile_is_one_clear_line_naming_the_file(tmp_path):
    (tmp_path / "tnu-archive.toml").write_text(
        '[sites.school]\nstart_urls = ["http://127.0.0.2:1/"]\n[sites.school.urls]\narticle = ["(unclosed"]\n',
        encoding="utf-8",
    )
    result = run_cli("crawl", "--site", "school", "--db", str(tmp_path / "tnu.sqlite"))
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "tnu-archive.toml: site 'school': urls.article" in result.stderr
    listed = run_cli("sites", "--db", str(tmp_path / "tnu.sqlite"))
    assert listed.returncode == 1 and listed.stderr.count("\n") == 1


def test_scrapy_crawl_of_a_site_no_profile_names_is_one_clear_line(tmp_path):
    db = tmp_path / "tnu.sqlite"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "scrapy"),
            *("crawl", "news", "-a", "site=nowhere", "-s", f"ARCHIVE_DB={db}", "-s", "LOG_LEVEL=WARNING"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "no site named 'nowhere'" in result.stderr

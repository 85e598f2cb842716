"""Several sites in one crawl, through the real engine: two replicas on two loopback addresses
and a third start URL whose port refuses connections. Each replica is a site of its own (named by
its host and port), both are archived in full, and the dead one fails the night: exit 1, named on
the summary's last line and by `runs --check` (issue 21, "Isolation")."""

from __future__ import annotations

import json
import socket
from collections import Counter
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
import sqlite_utils
from e2e_support import EXPECTED, FAST, run_cli

from archive.outcome import EXIT_FAILED
from crawler.replica.server import ReplicaServer


def refused_port(host: str) -> socket.socket:
    """A socket bound to a port and not listening: connections to it are refused, and no other
    process can take the port while the socket is held."""
    sock = socket.socket()
    sock.bind((host, 0))
    return sock


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sites")
    db, images = folder / "tnu.sqlite", folder / "images"
    dead_socket = refused_port("127.0.0.3")
    dead = f"http://127.0.0.3:{dead_socket.getsockname()[1]}/"
    try:
        with ReplicaServer() as first, ReplicaServer(host="127.0.0.2") as second:
            result = run_cli(
                "crawl",
                *("--start-url", first.url, "--start-url", second.url, "--start-url", dead),
                *("--db", str(db), "--images-dir", str(images)),
                *FAST,
            )
            check = run_cli("runs", "--check", "--db", str(db))
            sites = run_cli("sites", "--json", "--db", str(db))
            names = [urlsplit(server.url).netloc for server in (first, second)]
            yield {
                "result": result,
                "check": check,
                "sites": sites,
                "db": sqlite_utils.Database(db),
                "db_path": db,
                "images": images,
                "names": names,
                "dead": urlsplit(dead).netloc,
            }
    finally:
        dead_socket.close()


def test_the_night_exits_1_and_its_last_line_names_the_dead_site(night):
    result = night["result"]
    last = result.stderr.strip().splitlines()[-1]
    print(last)
    assert result.returncode == EXIT_FAILED, result.stderr[-3000:]
    assert last.startswith("run 1 failed: ")
    assert f"site {night['dead']} failed: no page could be fetched (connection_refused" in last
    for name in night["names"]:
        assert name not in last  # the sites that were archived are not named as failures


def test_both_replicas_are_archived_whole_each_its_own_site(night):
    db = night["db"]
    per_site = Counter(row["site"] for row in db.query("SELECT site FROM articles"))
    assert per_site == {name: len(EXPECTED["articles"]) for name in night["names"]}
    for row in db.query("SELECT url, site FROM articles"):
        assert urlsplit(row["url"]).netloc == row["site"]
    # the same photographs, hot-linked from the same other host: one file each, shared by both sites
    assert db["images"].count == len(
        {
            row["image_sha256"]
            for row in db.query("SELECT image_sha256 FROM article_images WHERE image_sha256 IS NOT NULL")
        }
    )


def test_each_site_has_its_own_outcome_in_the_run(night):
    rows = {row["site"]: row for row in night["db"].query("SELECT * FROM run_sites WHERE run_id = 1")}
    assert set(rows) == {*night["names"], night["dead"]}
    for name in night["names"]:
        assert (rows[name]["status"], rows[name]["exit_code"]) == ("ok", 0)
        assert rows[name]["articles_new"] == len(EXPECTED["articles"])
        assert json.loads(rows[name]["fill_rates"])["title"] == 1.0
    dead = rows[night["dead"]]
    assert (dead["status"], dead["exit_code"], dead["pages"], dead["articles_new"]) == ("failed", EXIT_FAILED, 0, 0)
    assert json.loads(dead["errors"])["connection_refused"] >= 1
    run = night["db"]["crawl_runs"].get(1)
    assert (run["status"], run["exit_code"]) == ("failed", EXIT_FAILED)
    problems = json.loads(run["problems"])
    assert problems == [f"site {night['dead']}: " + json.loads(dead["problems"])[0]]


def test_the_morning_check_names_the_dead_site(night):
    check = night["check"]
    print(check.stdout)
    assert check.returncode == EXIT_FAILED
    assert check.stdout.startswith("ALERT: run 1 failed: ")
    assert f"site {night['dead']} failed" in check.stdout
    assert check.stdout.count("\n") == 1


def test_sites_lists_the_profiles_and_the_hosts_crawled(night):
    assert night["sites"].returncode == 0, night["sites"].stderr
    rows = {row["name"]: row for row in json.loads(night["sites"].stdout)}
    assert {"tnu", "tnue", "tnut", "tump", "tuaf", "tueba", "tnus", "ictu", "sfl", "is"} <= set(rows)
    for name in night["names"]:
        assert rows[name]["articles"] == len(EXPECTED["articles"])
        assert rows[name]["last_run"]["status"] == "ok" and rows[name]["drift"] == []
        assert rows[name]["hosts"] == [name] and rows[name]["profile"] is None
    assert rows[night["dead"]]["articles"] == 0 and rows[night["dead"]]["last_run"]["status"] == "failed"
    # a host no profile claims: no language is known of it (its dates were read as a profile's)
    languages = {row["name"]: row["language"] for row in night["db"].query("SELECT name, language FROM sites")}
    assert [languages[name] for name in night["names"]] == [None, None]
    assert rows["tnu"]["hosts"] == ["tnu.edu.vn", "www.tnu.edu.vn", "en.tnu.edu.vn"]
    assert rows["tnu"]["articles"] == 0 and rows["tnu"]["last_run"] is None


def test_runs_search_and_export_take_a_site(night, tmp_path):
    first, second = night["names"]
    runs = run_cli("runs", "--site", second, "--db", str(night["db_path"]))
    assert runs.returncode == 0, runs.stderr
    assert "   1  " in runs.stdout and " ok " in runs.stdout
    check = run_cli("runs", "--check", "--site", second, "--db", str(night["db_path"]))
    assert check.returncode == 0 and check.stdout.startswith("OK: run 1 ok: "), check.stdout
    hits = run_cli("search", "đại học", "--site", second, "--json", "--limit", "100", "--db", str(night["db_path"]))
    assert hits.returncode == 0, hits.stderr
    found = json.loads(hits.stdout)
    assert found and {hit["site"] for hit in found} == {second}
    everything = json.loads(
        run_cli("search", "đại học", "--json", "--limit", "100", "--db", str(night["db_path"])).stdout
    )
    assert {hit["site"] for hit in everything} == {first, second}
    out = tmp_path / "export"
    exported = run_cli(
        "export",
        "--out",
        str(out),
        "--site",
        first,
        "--db",
        str(night["db_path"]),
        "--images-dir",
        str(night["images"]),
        "-q",
    )
    assert exported.returncode == 0, exported.stderr
    lines = (out / "jsonl" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(EXPECTED["articles"]) and {json.loads(line)["site"] for line in lines} == {first}
    # one site's dataset: its articles' Parquet file (named safely: the site is named by host:port), its row
    (parquet,) = (out / "data" / "articles").glob("*.parquet")
    assert ":" not in parquet.name and pq.read_table(parquet).num_rows == len(lines)
    assert pq.read_table(out / "data/sites/sites.parquet").column("name").to_pylist() == [first]
    # with its history: the run that crawled it, its counters' observations
    assert pq.read_table(out / "data/crawl_runs/crawl_runs.parquet").column("id").to_pylist() == [1]
    db = sqlite_utils.Database(night["db_path"])
    # with the site's own figures in that run, not the run's (which failed on the dead site)
    (run,) = pq.read_table(out / "data/crawl_runs/crawl_runs.parquet").to_pylist()
    own = db["run_sites"].get((1, first))
    assert (run["status"], run["pages"], run["articles_new"]) == ("ok", own["pages"], own["articles_new"])
    assert run["pages"] < db["crawl_runs"].get(1)["pages"] and run["images_new"] is None
    observed = db.execute(
        "SELECT count(*) FROM view_counts WHERE article_id IN (SELECT id FROM articles WHERE site = ?)", [first]
    ).fetchone()[0]
    db.close()
    assert pq.read_table(out / "data/view_counts/view_counts.parquet").num_rows == observed > 0
    unknown = run_cli("runs", "--site", "nowhere", "--db", str(night["db_path"]))
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1, unknown.stderr

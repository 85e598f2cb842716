"""Two crawl nodes, for real: two scrapyd daemons on loopback, the project's egg added to both
(addversion.json), one replica site scheduled on each through the HTTP API (schedule.json), the
jobs waited on (listjobs.json), their two shards merged, and the merged archive compared with
one `tnu-archive crawl` of both sites: table by table, image file by image file.

The sites: tests/site (on 127.0.0.1) and tests/site_redesign (on 127.0.0.2), each with its
"other host" for hot-linked images. The single crawl gets servers of its own on the same ports
(the same URLs): a replica answers a fail_once page's first request with an error, on each
server, and both crawls must meet the same site.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -e '.[scale]')")

from scale_support import FAST, ROOT, Scrapyd, build_egg, content, dump, files, run_cli, run_totals  # noqa: E402

from crawler.operations.loopback import LOOPBACK_SETTINGS  # noqa: E402
from crawler.replica.server import ReplicaServer  # noqa: E402

TESTS = Path(__file__).resolve().parents[1]
SITES = {"a": (TESTS / "site", "127.0.0.1"), "b": (TESTS / "site_redesign", "127.0.0.2")}


def serve(name: str, ports: tuple[int, int] = (0, 0)) -> ReplicaServer:
    site_dir, host = SITES[name]
    return ReplicaServer(site_dir, host=host, port=ports[0], other_port=ports[1]).start()


def ports(server: ReplicaServer) -> tuple[int, int]:
    return int(server.origin.rsplit(":", 1)[1]), int(server.other_origin.rsplit(":", 1)[1])


def merge(*args: str | Path):
    return run_cli("merge", *map(str, args))


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    """Both sites crawled as scrapyd jobs (one per daemon), one `tnu-archive crawl` of both, and
    the shards merged."""
    root = tmp_path_factory.mktemp("scale")
    egg = build_egg(root)
    shards = root / "shards"
    servers = {name: serve(name) for name in SITES}
    jobs = {}
    with Scrapyd(root / "node1") as node1, Scrapyd(root / "node2") as node2:
        daemons = {"a": node1, "b": node2}
        added = [daemon.add_version(egg) for daemon in daemons.values()]
        for name, daemon in daemons.items():
            fields = [
                ("project", "tnu-archive"),
                ("spider", "news"),
                ("start_url", servers[name].url),
                ("setting", f"ARCHIVE_DB={shards / name / 'tnu.sqlite'}"),
                ("setting", f"IMAGES_STORE={shards / name / 'images'}"),
                *(("setting", f"{k}={v}") for k, v in LOOPBACK_SETTINGS.items()),
            ]
            answer = daemon.post("schedule.json", fields)
            assert answer["status"] == "ok", answer
            jobs[name] = answer["jobid"]
        finished = {name: daemons[name].wait_finished(job) for name, job in jobs.items()}
        logs = {name: daemons[name].job_log(job) for name, job in jobs.items()}
        scrapyd_logs = {name: daemons[name].log.read_text(encoding="utf-8") for name in daemons}
    used = {name: ports(server) for name, server in servers.items()}
    for server in servers.values():
        server.stop()
    # The single crawl: both sites in one run, on servers of their own (same ports, same URLs).
    single = root / "single"
    fresh = {name: serve(name, used[name]) for name in SITES}
    try:
        crawled = run_cli(
            "crawl",
            *(arg for s in fresh.values() for arg in ("--start-url", s.url)),
            "--db",
            str(single / "tnu.sqlite"),
            "--images-dir",
            str(single / "images"),
            *FAST,
        )
    finally:
        for server in fresh.values():
            server.stop()
    merged = root / "merged"
    first = merge(shards / "a", shards / "b", "--into", merged)
    return {
        "egg": egg,
        "root": root,
        "shards": shards,
        "added": added,
        "finished": finished,
        "logs": logs,
        "scrapyd_logs": scrapyd_logs,
        "single": single,
        "crawled": crawled,
        "merged": merged,
        "first": first,
    }


def test_the_egg_holds_every_file_of_the_packages_and_names_the_settings(nodes):
    """Data files too (templates, the sites' profiles): a job runs from the egg alone."""
    with zipfile.ZipFile(nodes["egg"]) as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    for package in ("crawler", "archive"):
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert path.relative_to(ROOT).as_posix() in names, path
    assert "[scrapy]\nsettings = crawler.settings" in entry_points


def test_the_egg_is_added_to_both_daemons_and_each_job_writes_its_own_shard(nodes):
    for answer in nodes["added"]:
        assert answer["status"] == "ok" and answer["project"] == "tnu-archive", answer
        assert answer["spiders"] >= 1
    for name in SITES:
        db = nodes["shards"] / name / "tnu.sqlite"
        rows = sqlite3.connect(db).execute("SELECT status, exit_code, start_urls FROM crawl_runs").fetchall()
        assert [(status, code) for status, code, _ in rows] == [("ok", 0)], nodes["logs"][name][-3000:]
        assert SITES[name][1] in rows[0][2]  # each shard holds its own site's run only
        assert (nodes["shards"] / name / "warc").is_dir() and (nodes["shards"] / name / "images").is_dir()


def test_a_scrapyd_job_ends_as_tnu_archive_crawl_does(nodes):
    """The summary line and the failure lines (on the job's stderr: scrapyd's log), the run's row
    and its exit code in the process's: the job ran through tnu-archive crawl's machinery."""
    for name in SITES:
        assert "Process finished:" in nodes["scrapyd_logs"][name]  # exit code 0 (else "Process died")
        assert "run 1 ok: " in nodes["scrapyd_logs"][name]
        assert "run 1 ok: " in nodes["logs"][name]
        assert "Traceback" not in nodes["logs"][name]


def test_merge_exits_0_and_verify_passes_on_the_merged_archive(nodes):
    assert nodes["first"].returncode == 0, nodes["first"].stderr
    assert nodes["crawled"].returncode == 0, nodes["crawled"].stderr[-3000:]
    merged = nodes["merged"]
    verified = run_cli("verify", "--db", str(merged / "tnu.sqlite"), "--images-dir", str(merged / "images"), "--full")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_merged_archive_equals_one_crawl_of_both_sites_table_by_table(nodes):
    merged, single = content(nodes["merged"] / "tnu.sqlite"), content(nodes["single"] / "tnu.sqlite")
    assert sorted(merged) == sorted(single)
    for table in single:
        assert merged[table] == single[table], table
    assert sum(merged["articles"].values()) > 20  # both sites, whole
    statuses, totals = run_totals(nodes["merged"] / "tnu.sqlite")
    single_statuses, single_totals = run_totals(nodes["single"] / "tnu.sqlite")
    assert statuses == ["ok", "ok"] and single_statuses == ["ok"]
    assert totals == single_totals


def test_the_merged_runs_and_requests_name_their_shard(nodes):
    conn = sqlite3.connect(nodes["merged"] / "tnu.sqlite")
    assert conn.execute("SELECT shard, shard_run_id FROM crawl_runs ORDER BY id").fetchall() == [("a", 1), ("b", 1)]
    by_shard = dict(conn.execute("SELECT shard, count(*) FROM fetch_log GROUP BY shard"))
    assert set(by_shard) == {"a", "b"} and all(by_shard.values())
    pairs = conn.execute("SELECT DISTINCT f.shard, r.shard FROM fetch_log f JOIN crawl_runs r ON r.id = f.run_id")
    assert sorted(pairs) == [("a", "a"), ("b", "b")]


def test_the_image_files_are_those_of_the_single_crawl_file_by_file(nodes):
    assert files(nodes["merged"] / "images") == files(nodes["single"] / "images")


def test_the_warc_files_are_copied_by_name_with_their_indexes(nodes):
    merged = nodes["merged"] / "warc"
    for name in SITES:
        for source in (nodes["shards"] / name / "warc").glob("*.warc.gz"):
            assert (merged / f"{name}-{source.name}").read_bytes() == source.read_bytes()
            index = (merged / f"{name}-{source.name}".replace(".warc.gz", ".cdxj")).read_text(encoding="utf-8")
            assert f'"filename": "{name}-{source.name}"' in index
    conn = sqlite3.connect(nodes["merged"] / "tnu.sqlite")
    named = {r[0] for r in conn.execute("SELECT DISTINCT warc_file FROM captures")}
    assert named == {p.name for p in merged.glob("*.warc.gz")}


def test_merging_again_changes_nothing(nodes):
    merged = nodes["merged"]
    before, images = dump(merged / "tnu.sqlite"), files(merged / "images")
    warcs = files(merged / "warc")
    again = merge(nodes["shards"] / "a", nodes["shards"] / "b", "--into", merged)
    assert again.returncode == 0, again.stderr
    assert "0 runs new, 0 updated; 0 articles new, 0 updated, 0 versions new; 0 other rows" in again.stderr
    assert dump(merged / "tnu.sqlite") == before
    assert files(merged / "images") == images and files(merged / "warc") == warcs


def test_a_merge_killed_halfway_then_run_again_gives_the_same_archive(nodes, tmp_path):
    """kill -9 while shard b's transaction is open (its rows written, its files being copied):
    the archive keeps shard a, nothing of b; run again, it equals the merge never killed.

    The kill lands there for certain: one of b's image files is a FIFO, which the merge's copy
    waits on once it has opened it (a test can see that: a writer can then open the FIFO)."""
    shard_b = tmp_path / "b"  # the same name, so the same archive is expected
    shutil.copytree(nodes["shards"] / "b", shard_b)
    conn = sqlite3.connect(nodes["shards"] / "a" / "tnu.sqlite")
    in_a = {r[0] for r in conn.execute("SELECT sha256 FROM images")}
    conn = sqlite3.connect(shard_b / "tnu.sqlite")
    rel = next(path for sha, path in conn.execute("SELECT sha256, path FROM images ORDER BY path") if sha not in in_a)
    image = shard_b / "images" / rel
    image.unlink()
    os.mkfifo(image)
    target = tmp_path / "merged"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "merge", str(nodes["shards"] / "a"), str(shard_b), "--into", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    writer = None
    try:
        for _ in range(3000):  # bounded: until the merge has opened the FIFO (a minute at most)
            try:
                writer = os.open(image, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:  # ENXIO: nobody reads it yet
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.02)
        assert writer is not None, "the merge never opened the image file"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if writer is not None:
            os.close(writer)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    killed = sqlite3.connect(target / "tnu.sqlite")
    assert killed.execute("SELECT DISTINCT shard FROM crawl_runs").fetchall() == [("a",)]
    killed.close()
    image.unlink()
    shutil.copyfile(nodes["shards"] / "b" / "images" / rel, image)
    again = merge(nodes["shards"] / "a", shard_b, "--into", target)
    assert again.returncode == 0, again.stderr
    assert dump(target / "tnu.sqlite") == dump(nodes["merged"] / "tnu.sqlite")
    assert files(target / "images") == files(nodes["merged"] / "images")
    assert files(target / "warc") == files(nodes["merged"] / "warc")

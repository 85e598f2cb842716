"""`tnu-archive scale-plan`: a site stays on its node, a new node takes only what it wins, and the
plan is the scrapyd calls and the nightly lines an operator runs."""

from __future__ import annotations

import json
import shlex

from scale_support import run_cli

from archive.outcome import EXIT_USAGE
from crawler.operations.scale_plan import Target, assign, node_of

NAMES = [f"site{i}.edu.vn" for i in range(300)]


def test_a_site_stays_on_its_node_and_a_new_node_takes_only_the_sites_it_wins():
    before = {name: node_of(name, 3) for name in NAMES}
    assert before == {name: node_of(name, 3) for name in NAMES}  # stable
    after = {name: node_of(name, 4) for name in NAMES}
    moved = [name for name in NAMES if after[name] != before[name]]
    assert moved and all(after[name] == 4 for name in moved)  # only to the new node
    assert len(moved) < len(NAMES) / 2  # about a quarter; `mod N` would move three quarters
    counts = [sum(1 for n in after.values() if n == node) for node in (1, 2, 3, 4)]
    assert min(counts) > len(NAMES) / 8  # every node gets its share


def test_the_plan_assigns_every_site_once():
    plan = assign([Target(name, {"start_url": f"https://{name}/"}) for name in NAMES], 5)
    assigned = [t.name for node in plan for t in node.targets]
    assert sorted(assigned) == sorted(NAMES)
    assert all(node_of(t.name, 5) == node.number for node in plan for t in node.targets)


def test_the_command_prints_each_job_and_the_nightly_merge(tmp_path):
    """A site with a profile is a job by its name; a host no profile claims, by its start URL."""
    urls = ["http://127.0.0.1:8001/", "http://127.0.0.2:8002/"]
    args = ["--nodes", "2", "--site", "tnu", *(a for u in urls for a in ("--start-url", u)), "--shards", "/srv/s"]
    done = run_cli("scale-plan", *args, "--db", str(tmp_path / "tnu.sqlite"), "--set", "CONTACT=mailto:ops@example.org")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    jobs = [shlex.split(line) for line in lines if "/schedule.json" in line]
    assert len(jobs) == 3
    for name, argument in [("tnu", "site=tnu"), *((u.split("//")[1].rstrip("/"), f"start_url={u}") for u in urls)]:
        (job,) = [j for j in jobs if argument in j]
        assert job[:3] == ["curl", "-sS", f"http://node{node_of(name, 2)}:6800/schedule.json"]
        assert f"setting=ARCHIVE_DB=/srv/s/{name}/tnu.sqlite" in job
        assert f"setting=IMAGES_STORE=/srv/s/{name}/images" in job
        assert "project=tnu-archive" in job and "spider=news" in job and "setting=CONTACT=mailto:ops@example.org" in job
    (merge,) = [shlex.split(line) for line in lines if line.startswith("tnu-archive merge")]
    assert merge[2:5] == ["/srv/s/127.0.0.1:8001", "/srv/s/127.0.0.2:8002", "/srv/s/tnu"]
    assert any(line.startswith("tnu-archive verify") for line in lines)
    assert any(line.startswith("tnu-archive export") for line in lines)
    as_json = json.loads(run_cli("scale-plan", "--nodes", "3", "--json", "--db", str(tmp_path / "tnu.sqlite")).stdout)
    enabled = json.loads(run_cli("sites", "--json", "--db", str(tmp_path / "tnu.sqlite")).stdout)
    planned = sorted(s for node in as_json["nodes"] for s in node["sites"])
    assert planned and planned == sorted(row["name"] for row in enabled if row.get("enabled", True))
    assert not (tmp_path / "tnu.sqlite").exists()


def test_bad_arguments_are_one_line():
    for args in (
        ("--nodes", "3", "--scrapyd", "http://crawler:6800"),
        ("--nodes", "1", "--start-url", "ftp://x/"),
        ("--nodes", "1", "--site", "nowhere"),
    ):
        done = run_cli("scale-plan", *args)
        assert done.returncode == EXIT_USAGE
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr

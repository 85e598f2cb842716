"""Which node crawls which site, and the nightly cycle that follows: `tnu-archive scale-plan`
(docs/scale.md). Pure functions: the command gives the sites and prints what they return.

A site belongs to one node, chosen by rendezvous hashing of its name: every node gets a score
sha256(site/node), the highest wins. The same names always give the same node (a site keeps its
shard, its frontier and its politeness on one machine), and adding a node moves only the sites
the new node now wins, about one in N+1; `sha256 mod N` would move most of them.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

PROJECT = "tnu-archive"  # the project's name in scrapyd (scrapy.cfg [deploy] project)
SPIDER = "news"
DEFAULT_SCRAPYD = "http://node{n}:6800"
DEFAULT_SHARDS = "/srv/tnu-archive/shards"
DEFAULT_INTO = "/srv/tnu-archive/data"
DEFAULT_EXPORT = "/srv/tnu-archive/export"


@dataclass(frozen=True)
class Target:
    """A site to crawl: its name (its shard's folder) and the job's spider arguments."""

    name: str
    arguments: Mapping[str, str]


@dataclass
class Node:
    number: int
    scrapyd: str
    targets: list[Target] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"node{self.number}"


def node_of(site: str, nodes: int) -> int:
    """The node (1..nodes) a site belongs to: the highest sha256 of `site/node`."""
    if nodes < 1:
        raise ValueError("at least one node")
    return max(range(1, nodes + 1), key=lambda n: hashlib.sha256(f"{site}/{n}".encode()).digest())


def assign(targets: Sequence[Target], nodes: int, scrapyd: str = DEFAULT_SCRAPYD) -> list[Node]:
    plan = [Node(n, scrapyd.format(n=n).rstrip("/")) for n in range(1, nodes + 1)]
    for target in sorted(targets, key=lambda t: t.name):
        plan[node_of(target.name, nodes) - 1].targets.append(target)
    return plan


def shard_dir(shards: str, site: str) -> str:
    return str(PurePosixPath(shards) / site)


def schedule_params(target: Target, shards: str, settings: Mapping[str, str] = {}) -> list[tuple[str, str]]:
    """The schedule.json fields of a site's job: its own data folder (a shard) and the settings."""
    folder = shard_dir(shards, target.name)
    return [
        ("project", PROJECT),
        ("spider", SPIDER),
        *target.arguments.items(),
        ("setting", f"ARCHIVE_DB={folder}/tnu.sqlite"),
        ("setting", f"IMAGES_STORE={folder}/images"),
        *(("setting", f"{name}={value}") for name, value in settings.items()),
    ]


def curl(url: str, params: Sequence[tuple[str, str]]) -> str:
    return f"curl -sS {shlex.quote(url)} " + " ".join(f"-d {shlex.quote(f'{k}={v}')}" for k, v in params)


def plan_json(plan: Sequence[Node], shards: str, into: str, export: str, settings: Mapping[str, str] = {}) -> dict:
    return {
        "nodes": [
            {
                "node": node.name,
                "scrapyd": node.scrapyd,
                "sites": [t.name for t in node.targets],
                "jobs": [
                    {
                        "site": t.name,
                        "shard": shard_dir(shards, t.name),
                        "schedule": f"{node.scrapyd}/schedule.json",
                        "params": [list(p) for p in schedule_params(t, shards, settings)],
                    }
                    for t in node.targets
                ],
            }
            for node in plan
        ],
        "nightly": nightly(plan, shards, into, export, settings),
    }


def nightly(plan: Sequence[Node], shards: str, into: str, export: str, settings: Mapping[str, str] = {}) -> list[str]:
    """The night's shell lines: the jobs, the wait, the copy of the shards, merge, verify, export."""
    lines = ["# 1. one job per site, each on its node (scrapyd runs them, max_proc at a time)"]
    for node in plan:
        for target in node.targets:
            lines.append(curl(f"{node.scrapyd}/schedule.json", schedule_params(target, shards, settings)))
    lines.append("# 2. wait until no node lists a job pending or running")
    for node in plan:
        if node.targets:
            lines.append(f"curl -sS {shlex.quote(f'{node.scrapyd}/listjobs.json?project={PROJECT}')}")
    lines.append("# 3. on the merge host: every node's shards, then one archive, checked, published")
    for node in plan:
        if node.targets:
            host = node.scrapyd.split("//", 1)[-1].split(":", 1)[0].split("/", 1)[0]
            lines.append(f"rsync -a {shlex.quote(f'{host}:{shards}/')} {shlex.quote(shards + '/')}")
    sites = [shard_dir(shards, t.name) for node in plan for t in node.targets]
    db, images = f"{into}/tnu.sqlite", f"{into}/images"
    lines.append(" ".join(["tnu-archive merge", *map(shlex.quote, sorted(sites)), "--into", shlex.quote(into)]))
    lines.append(f"tnu-archive verify --db {shlex.quote(db)} --images-dir {shlex.quote(images)}")
    lines.append(
        f"tnu-archive export --db {shlex.quote(db)} --images-dir {shlex.quote(images)} --out {shlex.quote(export)}"
    )
    return lines


def plan_text(plan: Sequence[Node], shards: str, into: str, export: str, settings: Mapping[str, str] = {}) -> list[str]:
    total = sum(len(n.targets) for n in plan)
    lines = [f"# {total} sites on {len(plan)} nodes; a site stays on its node (rendezvous hash of its name)"]
    for node in plan:
        names = ", ".join(t.name for t in node.targets) or "(none)"
        lines.append(f"# {node.name} {node.scrapyd}: {names}")
    return lines + nightly(plan, shards, into, export, settings)

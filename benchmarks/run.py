"""The benchmark suite behind `make bench`: our crawler against the ceiling and the best extractor.

    .venv/bin/python -m benchmarks.run [--articles 2000] [--memory-scale auto] [--crawl-repeats 5] \\
        [--many-hosts 20 --many-hosts-articles 30 --many-hosts-delay 0.25] [--results benchmarks/results]

One run measures, side by side and as ratios so that results compare across machines:
- crawl: a full archive crawl of a generated replica (benchmarks/sitegen.py) against a bare
  Scrapy spider fetching the same URLs with the same settings (benchmarks/bare_spider.py), run
  as --crawl-repeats pairs (default 5), interleaved archive, bare, archive, bare, …, each archive
  crawl from an empty folder. The crawl keys that predate the repeats keep their meaning but are
  now computed from the MEDIAN elapsed (and CPU) time of each side: `ratio` is median bare
  elapsed / median archive elapsed, `cpu_ratio` likewise, `archive_pages_per_s` is pages / median
  archive elapsed, `archive_elapsed_s` that median. The samples are kept beside them
  (`*_samples`, `ratio_per_pair`, `cpu_ratio_per_pair`): on a 2-core machine one pair's ratio
  swings ±20%;
- many hosts (--many-hosts 20, 0 skips it): a replica served on that many loopback addresses,
  each a site of its own with a polite delay, crawled alone then all at once; each host's achieved
  request rate against its configured one (benchmarks/manyhosts.py);
- extract: our extractor against trafilatura's bare_extraction (metadata on) on the same pages;
- quality (with --quality-data DIR): extraction quality on trafilatura's evaluation set, ours beside
  trafilatura's (benchmarks/quality.py; skipped, saying how to get the data, without it);
- reparse, incremental (a second crawl of the unchanged site), memory (peak RSS of a crawl of N
  and of scale×N articles), store, search (folded FTS over 20,000 articles), machine.
Crawls run as subprocesses of the installed command, exactly as cron runs them, with the
politeness delays off (`--set`); their peak RSS is each child's own VmHWM (see run_child). The
replica server runs in a process of its own (benchmarks/serve.py) and is checked not to be the
bottleneck: its capacity is measured alone (benchmarks/load.py), its CPU is watched during every
crawl, and download timeouts and dropped connections are counted.

Writes <results>/latest.json and <results>/latest.md (the table of docs/performance.md, "Latest results").
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import json
import os
import platform
import pstats
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil

from benchmarks import manyhosts, quality, sitegen
from benchmarks.serve import listen_overflows
from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.sites.config import CONFIG_NAME

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS = ROOT / "benchmarks" / "results"

# Loopback needs no politeness: delays off, concurrency up (the bare spider gets the same).
CRAWL_SETTINGS = {
    **LOOPBACK_SETTINGS,
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "INFO",  # Scrapy's stats dump (elapsed time, request count) is read from the log
}

# Folded queries an archivist types: common, rare, accent-free, prefix, phrase.
SEARCH_QUERIES = (
    "đại học thái nguyên",
    "dai hoc",
    "hội nghị",
    "hoi thao khoa hoc",
    "chuyển đổi số",
    "tuyen sinh",
    "hợp tác quốc tế",
    "nong nghiep cong nghe cao",
    "sinh viên tình nguyện",
    "nghien*",
    '"thư viện số"',
    "Nguyễn Thanh Hà",
    "kiem dinh chat luong",
    "y tế học đường",
    "năng lượng tái tạo",
    "khai giang",
    "trí tuệ nhân tạo",
    "ky ket",
    "Hà Giang",
    "phát triển bền vững",
)

LIBRARIES = (
    "scrapy",
    "twisted",
    "lxml",
    "sqlite-utils",
    "nh3",
    "dateparser",
    "warcio",
    "pillow",
    "trafilatura",
    "psutil",
)


# --- processes ---------------------------------------------------------------------------------


class Replica:
    """The replica server (`python -m benchmarks.serve --site-dir DIR`) in a process of its own;
    with `hosts` > 1 the same site on that many loopback addresses from `first_address` on."""

    def __init__(
        self,
        site_dir: Path,
        hosts: int = 1,
        first_address: str = "127.0.0.1",
        request_log: Path | None = None,
        warm_up: bool = True,
    ):
        args = [sys.executable, "-m", "benchmarks.serve", "--site-dir", str(site_dir)]
        if hosts > 1 or first_address != "127.0.0.1":
            args += ["--hosts", str(hosts), "--first-address", first_address]
        if request_log is not None:
            args += ["--request-log", str(request_log)]
        if not warm_up:
            args.append("--no-warm-up")
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.urls: list[str] = []
        for _ in range(hosts):
            line = self.proc.stdout.readline()
            match = re.search(r"(http://\S+/)\s+\(other host: (http://\S+)/\)", line)
            if not match:
                self.stop()
                raise RuntimeError(f"the replica server did not start: {line!r}")
            self.urls.append(match.group(1))
            self.other_origin = match.group(2)
        self.url = self.urls[0]
        self.origin = self.url.rstrip("/")
        self.ps = psutil.Process(self.proc.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Child:
    """One finished subprocess: exit code, wall time, peak RSS, Scrapy's stats, the replica's CPU."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float  # user + system of the child: less swayed than wall time by other load on the machine
    log: str
    server_cpu_s: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)
    listen_overflows: int | None = None  # connections the kernel dropped meanwhile (machine-wide)
    helpers_cpu_s: float = 0.0  # of the child's own helper processes (writer, extraction worker)
    writer_cpu_s: float | None = None  # the archive writer's own report, for an archive crawl

    @property
    def elapsed_s(self) -> float:
        """The crawl itself (Scrapy's engine start to close), without interpreter start-up."""
        return self.stats.get("elapsed_time_seconds", self.wall_s)

    @property
    def server_busy(self) -> float:
        """Share of one core the replica server used while this crawl ran."""
        return self.server_cpu_s / self.wall_s if self.wall_s else 0.0


_STAT = re.compile(r"'([^']+)': ([0-9.]+)[,}]")


def scrapy_stats(log: str) -> dict[str, float]:
    """The numbers of the last 'Dumping Scrapy stats' block of a crawl's log."""
    _, found, block = log.rpartition("Dumping Scrapy stats:")
    if not found:
        return {}
    block = block[: block.find("}") + 1]
    return {name: float(value) for name, value in _STAT.findall(block)}


def _high_water_mb(pid: int) -> float | None:
    """VmHWM of a live process: the peak RSS of its own memory image since exec (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


# Finding a child's descendants reads /proc/*/stat of every process (~3 ms): every 0.1 s that
# was 3 % of a core taken from the crawl under test, on a machine whose two cores it saturates.
HELPERS_POLL_EVERY = 5


def _note_helpers_cpu(pid: int, seen: dict[int, float]) -> None:
    """CPU seconds of the child's descendants (the crawl's writer and extraction worker, their
    forkserver), as last seen (every HELPERS_POLL_EVERY polls, so up to 0.5 s of their last CPU
    can be missed): they are gone by the time the child is reaped."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return
    for helper in descendants:
        try:
            times = helper.cpu_times()
        except psutil.Error:
            continue
        seen[helper.pid] = times.user + times.system


_WRITER_CPU = re.compile(r"archive writer: \d+ writes, ([0-9.]+) s of CPU")


def _writer_cpu(log: str) -> float | None:
    """What the crawl's writer process reports it used (its last log line)."""
    found = _WRITER_CPU.findall(log)
    return float(found[-1]) if found else None


def run_child(args: list[str], server: Replica | None, log_path: Path) -> Child:
    """Run `python args...`; its peak RSS is its own VmHWM, read until it exits.

    Not ru_maxrss: Linux hands a child spawned with vfork (as subprocess does) the parent's
    high-water mark at exec, so after a step that grew this runner to 750 MB every later
    crawl "peaked" at 750 MB. VmHWM belongs to the child's own image; it is polled every 0.1 s
    (a peak in the last tenth of a second of a crawl would be missed) and wait4() supplies CPU
    times. ru_maxrss remains the fallback where /proc is missing.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cpu_before = server.cpu_seconds() if server else 0.0
    overflows = listen_overflows()
    started = time.perf_counter()
    peak: float | None = None
    helpers: dict[int, float] = {}  # pid -> CPU seconds last seen, of every descendant process
    polls = 0
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            mark = _high_water_mb(proc.pid)
            if mark is not None:
                peak = max(peak or 0.0, mark)
            polls += 1
            if polls % HELPERS_POLL_EVERY == 0:
                _note_helpers_cpu(proc.pid, helpers)
            time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    wall = time.perf_counter() - started
    text = log_path.read_text(encoding="utf-8", errors="replace")
    child = Child(
        returncode=proc.returncode,
        wall_s=wall,
        peak_rss_mb=peak if peak is not None else usage.ru_maxrss / 1024,
        cpu_s=usage.ru_utime + usage.ru_stime,
        log=text,
        server_cpu_s=(server.cpu_seconds() - cpu_before) if server else 0.0,
        stats=scrapy_stats(text),
        helpers_cpu_s=sum(helpers.values()),
        writer_cpu_s=_writer_cpu(text),
    )
    after = listen_overflows()
    child.listen_overflows = after - overflows if after is not None and overflows is not None else None
    if child.returncode != 0:
        tail = "\n".join(text.splitlines()[-15:])
        raise RuntimeError(f"`python {' '.join(args[:3])} …` exited {child.returncode}:\n{tail}")
    return child


def archive_crawl(server: Replica, folder: Path, name: str) -> Child:
    folder.mkdir(parents=True, exist_ok=True)
    return run_child(
        [
            "-m",
            "crawler",
            "crawl",
            "--start-url",
            server.url,
            "--db",
            str(folder / "tnu.sqlite"),
            "--images-dir",
            str(folder / "images"),
            *set_options(CRAWL_SETTINGS),
        ],
        server,
        folder / f"{name}.log",
    )


# --- the measurements ----------------------------------------------------------------------------


def fetched(db_path: Path, run_id: int) -> dict[str, Any]:
    conn = sqlite3.connect(db_path)
    try:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM fetch_log WHERE run_id = ? GROUP BY kind", [run_id]))
        urls = [
            u
            for (u,) in conn.execute(
                "SELECT DISTINCT url FROM fetch_log WHERE run_id = ? AND url NOT LIKE '%/robots.txt' ORDER BY id",
                [run_id],
            )
        ]
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    return {"kinds": kinds, "urls": urls, "articles": articles, "requests": sum(kinds.values())}


def server_capacity(server: Replica, urls: list[str], work: Path, seconds: float) -> dict[str, Any]:
    urls_file = work / "load-urls.txt"
    urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", str(urls_file), "--seconds", str(seconds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    result["server_busy"] = round((server.cpu_seconds() - cpu_before) / (time.perf_counter() - started), 2)
    return result


def bench_crawl(
    site: Path, work: Path, load_seconds: float, repeats: int = 5
) -> tuple[dict[str, Any], dict[str, Any], Child]:
    """`repeats` pairs of crawls, interleaved (archive, bare, archive, bare, …), then the server
    check and the incremental crawl, on one site.

    One pair is not a measurement on a small busy machine: the bare spider's time for the same
    1,260 URLs swings 3.9–5.8 s between back-to-back runs. Interleaving spreads a slow spell of
    the machine over both sides, and the medians drop the pair it hit hardest (as pyperf and
    hyperfine do). Every archive crawl starts from an empty folder, so each does the same full
    crawl; the first one's folder and Child are kept for the incremental crawl, reparse and
    memory, as before.
    """
    if repeats < 1:
        raise ValueError("at least one pair of crawls")
    folder, again_folder = work / "crawl", work / "crawl-again"
    urls_file = work / "bare-urls.txt"
    fulls: list[Child] = []
    bares: list[Child] = []
    with Replica(site) as server:
        for k in range(repeats):
            if k == 0:
                fulls.append(archive_crawl(server, folder, "full"))
                first = fetched(folder / "tnu.sqlite", 1)
                urls_file.write_text("\n".join(first["urls"]) + "\n", encoding="utf-8")
            else:
                shutil.rmtree(again_folder, ignore_errors=True)
                fulls.append(archive_crawl(server, again_folder, "full"))
                shutil.copy(again_folder / "full.log", work / f"full-{k + 1}.log")
            bares.append(
                run_child(
                    ["-m", "benchmarks.bare_spider", str(urls_file), *set_options(CRAWL_SETTINGS)],
                    server,
                    work / ("bare.log" if k == 0 else f"bare-{k + 1}.log"),
                )
            )
        shutil.rmtree(again_folder, ignore_errors=True)
        capacity = server_capacity(server, first["urls"], work, load_seconds)
        again = archive_crawl(server, folder, "incremental")
        second = fetched(folder / "tnu.sqlite", 2)

    full = fulls[0]
    pages = first["kinds"].get("page", 0)
    # The samples as stored are the very numbers every figure below is computed from, so that
    # anyone (the tests included) recomputes the figures exactly from latest.json.
    figures = crawl_figures(
        pages,
        archive_elapsed=[sample_s(c.elapsed_s) for c in fulls],
        bare_elapsed=[sample_s(c.elapsed_s) for c in bares],
        archive_cpu=[sample_s(c.cpu_s) for c in fulls],
        bare_cpu=[sample_s(c.cpu_s) for c in bares],
    )
    archive_elapsed, bare_elapsed = figures["archive_elapsed_s"], figures["bare_elapsed_s"]
    archive_requests = [int(c.stats.get("downloader/request_count", 0)) for c in fulls]
    bare_requests = [int(c.stats.get("downloader/request_count", 0)) for c in bares]
    full_rps = (archive_requests[0] or first["requests"]) / archive_elapsed
    bare_rps = bare_requests[0] / bare_elapsed
    children = [*fulls, *bares]
    crawl = {
        **figures,
        "pairs": repeats,
        "pages": pages,
        "images": first["kinds"].get("image", 0),
        "articles": first["articles"],
        "archive_requests_per_s": round(full_rps, 1),
        "bare_requests_per_s": round(bare_rps, 1),
        # every crawl of a pair did the same work: the same requests, each time
        "archive_requests_samples": archive_requests,
        "bare_requests_samples": bare_requests,
        # where the archive crawl's CPU goes, by process (medians): the crawler (cpu_s above),
        # its writer (archive/writer.py, as it reports itself) and all its helpers together
        # (writer, extraction worker, their forkserver); the writer's includes the CDXJ index
        # written after the crawl.
        "archive_helpers_cpu_s": round(statistics.median([c.helpers_cpu_s for c in fulls]), 2),
        "archive_writer_cpu_s": _median_or_none([c.writer_cpu_s for c in fulls]),
        "settings": CRAWL_SETTINGS,
        "server": {
            "capacity_requests_per_s": capacity["requests_per_s"],
            "capacity_mb_per_s": capacity["mb_per_s"],
            "busy_during_capacity_test": capacity["server_busy"],
            # over all the crawls of each side: server CPU seconds / crawl wall seconds
            "busy_during_archive_crawl": round(sum(c.server_cpu_s for c in fulls) / sum(c.wall_s for c in fulls), 2),
            "busy_during_bare_crawl": round(sum(c.server_cpu_s for c in bares) / sum(c.wall_s for c in bares), 2),
            "headroom_over_bare": round(capacity["requests_per_s"] / bare_rps, 2) if bare_rps else None,
            "slowest_response_s": capacity["slowest_s"],
            # machine-wide count of dropped connections (other processes' too): 0 says none of
            # the crawls waited on a lost handshake
            "listen_overflows_during_crawls": sum(c.listen_overflows or 0 for c in children),
            "download_timeouts": int(
                sum(
                    c.stats.get("downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError", 0)
                    for c in children
                )
            ),
        },
    }
    incremental = {
        "requests_full": int(full.stats.get("downloader/request_count", first["requests"])),
        "requests_incremental": int(again.stats.get("downloader/request_count", second["requests"])),
    }
    incremental["ratio"] = round(incremental["requests_incremental"] / incremental["requests_full"], 4)
    incremental["elapsed_s"] = round(again.elapsed_s, 2)
    return crawl, incremental, full


# The many-hosts measure's replica hosts: 127.0.0.10, 127.0.0.11, … (127.0.0.1 is the other benchmarks').
MANY_HOSTS_FIRST_ADDRESS = "127.0.0.10"
# The crawler's settings that decide how many hosts are crawled at their pace, noted beside the figures.
MANY_HOSTS_SETTINGS = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_DELAY_JITTER",
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_START_DELAY",
    "SCHEDULER_PRIORITY_QUEUE",
    "DOWNLOADER",
)


# Scrapy's stats dump (elapsed time) is read from the crawl's log: the one setting the measure sets.
MANY_HOSTS_LOG = {"LOG_LEVEL": "INFO"}
# What each host's profile says besides its start page and delay: the replica's URL rules and
# layouts, those of the shipped profile whose site it replicates (the main crawl's replica, an
# ad-hoc site, borrows them too). A profile without layouts is read by the generic rules and
# cross-checked by trafilatura: ~27 ms of CPU a page instead of ~3 (docs/performance.md).
MANY_HOSTS_RULES = ("urls", "layouts", "title_names")


def replica_rules(generic: bool = False) -> dict[str, Any]:
    """The profile keys MANY_HOSTS_RULES of the shipped `tnu` profile (none with `generic`)."""
    if generic:
        return {}
    from crawler.sites import PROFILES_DIR

    profile = tomllib.loads((PROFILES_DIR / "tnu.toml").read_text(encoding="utf-8"))
    return {key: profile[key] for key in MANY_HOSTS_RULES if key in profile}


def many_hosts_crawl(
    site: Path,
    folder: Path,
    hosts: int,
    delay: float,
    overrides: Mapping[str, str] | None = None,
    generic: bool = False,
) -> dict[str, Any]:
    """One crawl of `hosts` replica hosts at once, each a site of the operator's tnu-archive.toml
    with `delay` seconds between its requests, the crawler's settings otherwise untouched
    (politeness on) but for `overrides` (to try a setting); the figures from the server's
    request log (benchmarks/manyhosts.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "requests.log"
    with Replica(site, hosts, MANY_HOSTS_FIRST_ADDRESS, request_log=log_path) as server:
        (folder / CONFIG_NAME).write_text(
            manyhosts.operator_config(server.urls, delay, replica_rules(generic)), encoding="utf-8"
        )
        load_before = os.getloadavg()[0]
        child = run_child(
            [
                "-m",
                "crawler",
                "crawl",
                "--db",
                str(folder / "tnu.sqlite"),
                "--images-dir",
                str(folder / "images"),
                *(arg for url in server.urls for arg in ("--site", manyhosts.site_name(url))),
                *set_options({**MANY_HOSTS_LOG, **(overrides or {})}),
            ],
            server,
            folder / "crawl.log",
        )
        load_after = os.getloadavg()[0]
        origins = [url.removeprefix("http://").rstrip("/") for url in server.urls]
    # the server writes its log when it stops
    times = manyhosts.read_request_log(log_path.read_text(encoding="utf-8"), origins)
    first = fetched(folder / "tnu.sqlite", 1)
    figures = manyhosts.crawl_figures(times, 1 / delay, first["kinds"].get("page", 0), child.elapsed_s)
    return {
        **figures,
        "articles": first["articles"],
        "images": first["kinds"].get("image", 0),
        "crawler_cpu_s": round(child.cpu_s, 2),
        "helpers_cpu_s": round(child.helpers_cpu_s, 2),
        "server_busy": round(child.server_busy, 2),
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
    }


def crawler_defaults(names: tuple[str, ...]) -> dict[str, Any]:
    """The values a crawl gets for these settings: crawler/settings.py over Scrapy's defaults."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return {name: settings.get(name) for name in names}


def bench_many_hosts(
    work: Path,
    hosts: int,
    articles: int,
    delay: float,
    overrides: Mapping[str, str] | None = None,
    generic: bool = False,
) -> dict[str, Any]:
    """A replica of `articles` articles served on `hosts` loopback addresses, crawled from one of
    them alone, then from all at once, each host with `delay` s between its requests."""
    site = work / "site-many-hosts"
    sitegen.generate_site(site, articles, seed=2)
    try:
        one = many_hosts_crawl(site, work / "many-hosts-1", 1, delay, overrides, generic)
        many = (
            many_hosts_crawl(site, work / f"many-hosts-{hosts}", hosts, delay, overrides, generic) if hosts > 1 else one
        )
    finally:
        shutil.rmtree(site, ignore_errors=True)
    return {
        "hosts": hosts,
        "articles_per_host": articles,
        "delay_s": delay,
        "configured_rate_per_s": round(1 / delay, 3),
        "goal_ratio": manyhosts.GOAL,
        "settings": crawler_defaults(MANY_HOSTS_SETTINGS),
        "overrides": dict(overrides or {}),
        "profiles": "generic rules" if generic else f"the tnu profile's {', '.join(MANY_HOSTS_RULES)}",
        "one": one,
        "many": many,
    }


# Samples are kept to the millisecond: the crawls of a quick run last a few tenths of a second,
# where a sample rounded to 0.01 s moved a ratio by 0.02.
SAMPLE_DIGITS = 3


def sample_s(seconds: float) -> float:
    """One timing sample as stored in the results (and used by every figure computed from it)."""
    return round(seconds, SAMPLE_DIGITS)


def crawl_figures(
    pages: int, archive_elapsed: list[float], bare_elapsed: list[float], archive_cpu: list[float], bare_cpu: list[float]
) -> dict[str, Any]:
    """The crawl's headline figures from its samples (one per crawl, pairs in order): rates,
    elapsed times and ratios are of the MEDIAN elapsed (CPU) time over the pairs.

    CPU seconds are of each process, start-up included: the same ratio seen through what each
    side computed rather than how long it waited (for the disk, for a core on a busy machine).
    """
    archive_median, bare_median = statistics.median(archive_elapsed), statistics.median(bare_elapsed)
    archive_cpu_median, bare_cpu_median = statistics.median(archive_cpu), statistics.median(bare_cpu)
    return {
        "archive_pages_per_s": round(pages / archive_median, 1),
        "bare_pages_per_s": round(pages / bare_median, 1),
        "ratio": round(bare_median / archive_median, 3),
        "ratio_per_pair": [round(b / a, 3) for a, b in zip(archive_elapsed, bare_elapsed, strict=True)],
        "archive_elapsed_s": round(archive_median, SAMPLE_DIGITS),
        "bare_elapsed_s": round(bare_median, SAMPLE_DIGITS),
        "archive_elapsed_s_samples": list(archive_elapsed),
        "bare_elapsed_s_samples": list(bare_elapsed),
        "archive_cpu_s": round(archive_cpu_median, SAMPLE_DIGITS),
        "bare_cpu_s": round(bare_cpu_median, SAMPLE_DIGITS),
        "cpu_ratio": round(bare_cpu_median / archive_cpu_median, 3),
        "cpu_ratio_per_pair": [round(b / a, 3) for a, b in zip(archive_cpu, bare_cpu, strict=True)],
        "archive_cpu_s_samples": list(archive_cpu),
        "bare_cpu_s_samples": list(bare_cpu),
    }


def _median_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


def memory_scale(n: int, requested: str) -> int:
    """`auto`: 10, but a quick run (N < 1,000) keeps its memory crawl near 1,000 articles (at
    least 2×N), so that `make bench BENCH_ARTICLES=300` finishes in minutes."""
    if requested != "auto":
        return int(requested)
    return 10 if n >= 1000 else max(2, min(10, 1000 // max(n, 1)))


def bench_memory(small: Child, n: int, scale: int, work: Path) -> dict[str, Any]:
    site = work / f"site-{scale}x"
    sitegen.generate_site(site, n * scale, seed=1)
    with Replica(site) as server:
        big = archive_crawl(server, work / f"crawl-{scale}x", "full")
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(work / f"crawl-{scale}x", ignore_errors=True)
    return {
        "articles_small": n,
        "articles_large": n * scale,
        "scale": scale,
        "peak_rss_mb_small": round(small.peak_rss_mb, 1),
        "peak_rss_mb_large": round(big.peak_rss_mb, 1),
        "ratio": round(big.peak_rss_mb / small.peak_rss_mb, 3),
        "large_pages_per_s": round(big.stats.get("response_received_count", 0) / big.elapsed_s, 1),
    }


def saved_pages(site: Path, sample: int) -> list[tuple[str, bytes, dict[str, Any]]]:
    """(url, bytes as served, ground truth) of up to `sample` articles spread over the site."""
    from crawler.replica.server import read_page

    expected = json.loads((site / "expected.json").read_text(encoding="utf-8"))["articles"]
    paths = sorted(expected)
    step = max(1, len(paths) // sample)
    origin, other = "http://127.0.0.1:8000", "http://localhost:8001"
    return [
        (origin + p, read_page(p, origin, other, site).encode("utf-8"), expected[p]) for p in paths[::step][:sample]
    ]


def _correct(article: Any, truth: dict[str, Any]) -> bool:
    fields = ("title", "published_at", "published_text", "views", "author", "category", "body_text")
    if any(getattr(article, name) != truth[name] for name in fields):
        return False
    got = [(urlpath(i.src_url), i.caption, i.credit) for i in article.images]
    return got == [(i["src"], i["caption"], i["credit"]) for i in truth["images"]]


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _profile_shares(profile: cProfile.Profile, top: int = 6) -> list[dict[str, Any]]:
    """The functions where our extractor spends its own time (tottime), as shares of the total.

    lxml's compiled functions are invisible to cProfile: parsing counts as extract_article's own
    time, and freeing the tree as its caller's (the loop below, reported as such)."""
    stats = pstats.Stats(profile)
    total = sum(row[2] for row in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    out = []
    for (filename, _line, func), (_, _, tottime, _, _) in rows:
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        name = func if filename == "~" else f"{where}:{func}"
        if func == _extract_each.__name__:
            name = "freeing the lxml tree (C, charged to the caller)"
        out.append({"function": name, "share": round(tottime / total, 3)})
    return out


def _extract_each(pages: list[tuple[str, bytes, dict[str, Any]]]) -> None:
    from crawler.extract import extract_article

    for url, body, _ in pages:
        extract_article(body, url, encoding="utf-8")


def _parse_ms(body: bytes) -> float:
    """Parsing (and freeing) the page with lxml alone: the floor under any lxml-based extractor."""
    from lxml import etree

    started = time.perf_counter()
    etree.fromstring(body, etree.HTMLParser(encoding="utf-8", remove_comments=True))
    return (time.perf_counter() - started) * 1000


def _timed(extract: Callable[[str, bytes], Any], url: str, body: bytes) -> tuple[Any, float]:
    """What `extract` returns for the page, and the milliseconds it took."""
    started = time.perf_counter()
    result = extract(url, body)
    return result, (time.perf_counter() - started) * 1000


def in_turns(
    pages: list[tuple[str, bytes, Any]], ours: Callable[[str, bytes], Any], theirs: Callable[[str, bytes], Any]
) -> list[tuple[Any, float, Any, float]]:
    """(our result, ms, theirs, ms) of each page, who goes first taking turns page by page, as in
    quality.py: the first timed on a page is the slower (5-10 %), and ours was always first."""
    out = []
    for i, (url, body, _) in enumerate(pages):
        if i % 2:
            doc, theirs_ms = _timed(theirs, url, body)
            article, ours_ms = _timed(ours, url, body)
        else:
            article, ours_ms = _timed(ours, url, body)
            doc, theirs_ms = _timed(theirs, url, body)
        out.append((article, ours_ms, doc, theirs_ms))
    return out


def _trafilatura_fields(doc: Any) -> list[str]:
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    wanted = ("title", "author", "date", "text", "categories", "image")
    return [name for name in wanted if d.get(name)]


def bench_extract(pages: list[tuple[str, bytes, dict[str, Any]]]) -> tuple[dict[str, Any], list]:
    from trafilatura import bare_extraction

    from crawler.extract import extract_article

    def ours(url: str, body: bytes):
        return extract_article(body, url, encoding="utf-8")

    def theirs(url: str, body: bytes):
        return bare_extraction(body, url=url, with_metadata=True)

    for url, body, _ in pages[:5]:  # warm caches and imports of both
        ours(url, body), theirs(url, body)
    ours_ms, theirs_ms, articles, correct, their_fields = [], [], [], 0, []
    for (_, body, truth), (article, ours_time, doc, theirs_time) in zip(
        pages, in_turns(pages, ours, theirs), strict=True
    ):
        ours_ms.append(ours_time)
        theirs_ms.append(theirs_time)
        articles.append((article, body))
        correct += _correct(article, truth)
        their_fields.append(len(_trafilatura_fields(doc)) if doc is not None else 0)
    profile = cProfile.Profile()
    profile.runcall(_extract_each, pages)
    parse_median = statistics.median(_parse_ms(body) for _, body, _ in pages)
    ours_median, theirs_median = statistics.median(ours_ms), statistics.median(theirs_ms)
    our_fields = (
        "title",
        "published_at",
        "published_text",
        "views",
        "author",
        "category",
        "body_text",
        "body_html",
        "images (src, caption, alt, credit)",
    )
    return {
        "ours_ms_median": round(ours_median, 2),
        "trafilatura_ms_median": round(theirs_median, 2),
        "ratio": round(ours_median / theirs_median, 3),
        "pages": len(pages),
        "page_kb_median": round(statistics.median(len(b) for _, b, _ in pages) / 1000, 1),
        "ours_correct_share": round(correct / len(pages), 3),
        "ours_fields": list(our_fields),
        "trafilatura_fields_median": statistics.median(their_fields),
        "trafilatura_fields": ["title", "author", "date", "text", "categories", "image (one)"],
        "parse_ms_median": round(parse_median, 2),
        "parse_share": round(parse_median / ours_median, 3),
        "dominated_by": _profile_shares(profile),
    }, articles


def bench_reparse(db_path: Path, images: Path) -> dict[str, Any]:
    from archive.operations.reparse import reparse
    from archive.store import Archive
    from crawler.extract import extract_article

    with Archive(db_path, images) as archive:
        started = time.perf_counter()
        counts = reparse(archive, extract_article)
        elapsed = time.perf_counter() - started
    return {
        "articles_per_s": round(counts["articles"] / elapsed, 1),
        "articles": counts["articles"],
        "changed": counts["changed"],
        "failed": counts["failed"],
    }


def bench_store(articles: list, work: Path) -> dict[str, Any]:
    """Articles already extracted, saved with their raw page through Archive.save_article, one
    transaction each (the lower bound of what the crawl's writer does: it groups them)."""
    from archive.store import Archive

    with Archive(work / "store.sqlite", work / "store-images") as archive:
        run_id = archive.start_run(["http://127.0.0.1:8000/"], {})
        started = time.perf_counter()
        for article, body in articles:
            archive.save_article(
                article, run_id=run_id, fetched_at="2026-01-01T00:00:00Z", raw_html=body, encoding="utf-8"
            )
        elapsed = time.perf_counter() - started
    return {"articles_per_s": round(len(articles) / elapsed, 1), "articles": len(articles)}


def synthetic_articles(n: int) -> list:
    """`n` articles straight from the generator's data (no HTML to render or parse)."""
    from archive.record import Article, ImageRef

    out = []
    for a in sitegen.make_articles(n, seed=7):
        paras = [b["p"] for b in a["blocks"] if "p" in b]
        images = tuple(
            ImageRef(
                position=k,
                src_url="http://127.0.0.1:8000" + b["img"]["src"],
                caption=b["img"]["caption"],
                alt=b["img"]["alt"],
                credit=b["img"]["credit"],
            )
            for k, b in enumerate(b for b in a["blocks"] if "img" in b)
        )
        date = a["date"] if len(a["date"]) == 10 else a["date"] + ":00+07:00"
        out.append(
            Article(
                url="http://127.0.0.1:8000" + a["path"],
                title=a["title"],
                published_at=date,
                published_text=a["date"],
                views=a["views"],
                body_text="\n\n".join(paras),
                body_html="".join(f"<p>{p}</p>" for p in paras),
                author=a["author"],
                category=a["cat"],
                images=images,
            )
        )
    return out


def bench_search(n: int, work: Path, repeats: int = 5) -> dict[str, Any]:
    from archive.search import open_readonly, search
    from archive.store import Archive

    db_path = work / "search.sqlite"
    articles = synthetic_articles(n)
    with Archive(db_path, work / "search-images") as archive:
        started = time.perf_counter()
        for first in range(0, n, 1000):
            # A bulk import (a commit a thousand articles) through the same save_article a crawl
            # uses: the index is the store's own, built in a third of the time.
            with archive.db.atomic():
                for article in articles[first : first + 1000]:
                    archive.save_article(
                        article, run_id=None, fetched_at="2026-01-01T00:00:00Z", raw_html=None, encoding=None
                    )
        build_s = time.perf_counter() - started
    conn = open_readonly(db_path)
    timings, hits = [], {}
    try:
        for query in SEARCH_QUERIES:
            search(conn, query, limit=20)  # warm the page cache
        for _ in range(repeats):
            for query in SEARCH_QUERIES:
                t0 = time.perf_counter()
                hits[query] = len(search(conn, query, limit=20))
                timings.append((time.perf_counter() - t0) * 1000)
    finally:
        conn.close()
    timings.sort()
    return {
        "articles": n,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 2),
        "queries": len(SEARCH_QUERIES),
        "runs": len(timings),
        "limit": 20,
        "queries_without_hits": sorted(q for q, h in hits.items() if not h),
        "bulk_build_articles_per_s": round(n / build_s, 1),
    }


def machine() -> dict[str, Any]:
    libs = {}
    for name in LIBRARIES:
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = None
    libs["sqlite"] = sqlite3.sqlite_version
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    return {
        "cores": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        # Other work on the machine skews every number: the load when the run ended says how much.
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": libs,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# --- report --------------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    c, e, r, i, m, s, q, mc = (
        results[k] for k in ("crawl", "extract", "reparse", "incremental", "memory", "store", "search", "machine")
    )
    dom = ", ".join(f"{d['function']} {d['share']:.0%}" for d in e["dominated_by"][:5])
    pairs = c["pairs"]
    of_pairs = f"median of {pairs} pairs" if pairs > 1 else "1 pair"
    rows = [
        ("crawl: archive pages/s", f"{c['archive_pages_per_s']}", ""),
        ("crawl: bare Scrapy pages/s (same URLs, same settings)", f"{c['bare_pages_per_s']}", ""),
        (f"crawl: ratio archive / bare ({of_pairs})", f"{c['ratio']}", "≥ 0.8"),
        ("extract: ours, median ms a page", f"{e['ours_ms_median']}", ""),
        ("extract: trafilatura bare_extraction, median ms", f"{e['trafilatura_ms_median']}", ""),
        ("extract: ratio ours / trafilatura", f"{e['ratio']}", "≤ 1.0"),
        ("reparse: articles/s", f"{r['articles_per_s']}", ""),
        ("incremental: requests full → unchanged site", f"{i['requests_full']} → {i['requests_incremental']}", ""),
        ("incremental: ratio", f"{i['ratio']}", "≤ 0.02"),
        (
            f"memory: peak RSS MB, {m['articles_small']} → {m['articles_large']} articles",
            f"{m['peak_rss_mb_small']} → {m['peak_rss_mb_large']}",
            "",
        ),
        ("memory: ratio", f"{m['ratio']}", "≤ 1.3"),
        ("store: articles/s (with raw page)", f"{s['articles_per_s']}", ""),
        (f"search: p50 / p95 ms over {q['articles']:,} articles", f"{q['p50_ms']} / {q['p95_ms']}", ""),
    ]
    lines = [
        f"Benchmarks of {mc['date'][:10]} on {mc['cores']} cores ({mc['cpu']}), Python {mc['python']}, "
        f"Scrapy {mc['libraries'].get('scrapy')}, lxml {mc['libraries'].get('lxml')}, "
        f"SQLite {mc['libraries'].get('sqlite')}; {c['articles']} articles ({c['pages']} pages, {c['images']} images, "
        f"pages {e['page_kb_median']} KB median).",
        "",
        "| measure | result | target |",
        "| --- | ---: | ---: |",
        *[f"| {a} | {b} | {t} |" for a, b, t in rows],
        "",
        f"Crawl: {pairs} pair{'s' if pairs > 1 else ''} of crawls, interleaved (archive, bare, …), each archive crawl "
        f"from an empty folder; pages/s and ratio from the median elapsed times "
        f"(archive {c['archive_elapsed_s']} s, bare {c['bare_elapsed_s']} s). Ratio per pair: "
        f"{', '.join(str(x) for x in c['ratio_per_pair'])}; CPU-time ratio {c['cpu_ratio']} "
        f"(per pair {', '.join(str(x) for x in c['cpu_ratio_per_pair'])}). CPU of an archive crawl by process: "
        f"crawler {c['archive_cpu_s']} s (start-up included), its helpers {c['archive_helpers_cpu_s']} s "
        f"(of which the writer {c['archive_writer_cpu_s']} s); the bare spider {c['bare_cpu_s']} s.",
        f"Our extractor: parsing the page with lxml alone takes {e['parse_ms_median']} ms "
        f"({e['parse_share']:.0%} of ours); profiled, its time goes to {dom}. It read "
        f"{e['ours_correct_share']:.0%} of the sampled pages exactly as the ground truth has them.",
        f"Replica server: {c['server']['capacity_requests_per_s']} requests/s on its own "
        f"({c['server']['headroom_over_bare']}× the bare spider's rate), "
        f"busy {c['server']['busy_during_bare_crawl']:.0%} "
        f"of a core during the bare crawl and {c['server']['busy_during_archive_crawl']:.0%} during ours.",
        "",
    ]
    if results.get("many_hosts"):
        lines.append(manyhosts.markdown(results["many_hosts"]))
    return "\n".join(lines)


def run(
    articles: int,
    memory_scale: int,
    search_articles: int,
    extract_sample: int,
    results_dir: Path,
    work: Path | None = None,
    load_seconds: float = 3.0,
    search_repeats: int = 5,
    crawl_repeats: int = 5,
    log=print,
    many_hosts: int = 20,
    many_hosts_articles: int = 30,
    many_hosts_delay: float = 0.25,
) -> dict[str, Any]:
    own_work = work is None
    work = Path(work or tempfile.mkdtemp(prefix="tnu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def step(name: str):
        timings[name] = time.perf_counter()
        log(f"bench: {name}…")

    try:
        step("site")
        site = work / "site"
        info = sitegen.generate_site(site, articles, seed=0)
        log(
            f"bench: {len(info.articles)} articles, {info.images} images, {info.html_pages} pages "
            f"({info.html_bytes / info.html_pages / 1000:.0f} KB average)"
        )
        step("crawl")
        crawl, incremental, full = bench_crawl(site, work, load_seconds, crawl_repeats)
        many = None
        if many_hosts > 0:
            step("many-hosts")
            many = bench_many_hosts(work, many_hosts, many_hosts_articles, many_hosts_delay)
        step("extract")
        extract, extracted = bench_extract(saved_pages(site, extract_sample))
        step("reparse")
        reparse = bench_reparse(work / "crawl" / "tnu.sqlite", work / "crawl" / "images")
        step("store")
        store = bench_store(extracted, work)
        step("search")
        search = bench_search(search_articles, work, search_repeats)
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(work / "crawl", ignore_errors=True)
        step("memory")
        memory = bench_memory(full, articles, memory_scale, work)
        step("done")
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    names = list(timings)
    results = {
        "crawl": crawl,
        "extract": extract,
        "reparse": reparse,
        "incremental": incremental,
        "memory": memory,
        "store": store,
        "search": search,
        "many_hosts": many,
        "machine": machine(),
        "bench": {
            "articles": articles,
            "memory_scale": memory_scale,
            "search_articles": search_articles,
            "crawl_repeats": crawl_repeats,
            "many_hosts": many_hosts,
            "seconds": {a: round(timings[b] - timings[a], 1) for a, b in itertools.pairwise(names)},
        },
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (results_dir / "latest.md").write_text(markdown(results), encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000, help="articles of the crawled replica (N)")
    ap.add_argument(
        "--memory-scale",
        default="auto",
        help="the memory crawl has N × this many articles (auto: 10; for N < 1,000 about 1,000 articles)",
    )
    ap.add_argument("--search-articles", type=int, default=20_000, help="articles of the searched archive")
    ap.add_argument("--extract-sample", type=int, default=300, help="pages timed by both extractors")
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="where latest.json and latest.md go")
    ap.add_argument(
        "--work", type=Path, default=None, help="scratch folder kept after the run (default: a temporary one)"
    )
    ap.add_argument("--load-seconds", type=float, default=3.0, help="length of the server capacity test")
    ap.add_argument("--search-repeats", type=int, default=5, help="times each search query is timed")
    ap.add_argument(
        "--crawl-repeats",
        type=int,
        default=5,
        help="pairs of crawls (archive, bare), interleaved; the crawl figures are their medians",
    )
    ap.add_argument(
        "--many-hosts",
        type=int,
        default=20,
        help="replica hosts crawled at once, each at its own polite pace (127.0.0.10 on); 0: skip that part",
    )
    ap.add_argument("--many-hosts-articles", type=int, default=30, help="articles of each of those hosts")
    ap.add_argument(
        "--many-hosts-delay", type=float, default=0.25, help="seconds between two requests to one of those hosts"
    )
    ap.add_argument(
        "--quality-data",
        type=Path,
        default=None,
        help="trafilatura's tests/ folder: adds the extraction-quality part (benchmarks/quality.py)",
    )
    args = ap.parse_args(argv)
    if args.crawl_repeats < 1:
        ap.error("--crawl-repeats must be at least 1")
    if not 0 <= args.many_hosts <= 200:
        ap.error("--many-hosts must be between 0 and 200 (loopback addresses from 127.0.0.10 on)")
    if args.many_hosts and (args.many_hosts_articles < 1 or args.many_hosts_delay <= 0):
        ap.error("--many-hosts-articles must be at least 1 and --many-hosts-delay above 0")
    started = time.perf_counter()
    results = run(
        args.articles,
        memory_scale(args.articles, args.memory_scale),
        args.search_articles,
        args.extract_sample,
        args.results,
        args.work,
        args.load_seconds,
        args.search_repeats,
        args.crawl_repeats,
        log=lambda m: print(m, file=sys.stderr, flush=True),
        many_hosts=args.many_hosts,
        many_hosts_articles=args.many_hosts_articles,
        many_hosts_delay=args.many_hosts_delay,
    )
    print(markdown(results))
    quality.bench_section(args.quality_data, args.results, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"bench: finished in {time.perf_counter() - started:.0f} s; results in {args.results}", file=sys.stderr)


if __name__ == "__main__":
    main()

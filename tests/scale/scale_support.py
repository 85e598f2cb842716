"""Real scrapyd daemons on loopback, the project's egg, and archives compared table by table.

Each daemon has its own port, its own eggs/logs/dbs folders and its own scrapyd.conf, in a
folder of its own (scrapyd reads `scrapyd.conf` from the folder it runs in). It talks only to
127.0.0.1; its jobs run `scrapy crawl news` in the project's egg, as on a crawl node.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options

ROOT = Path(__file__).resolve().parents[2]
# Loopback needs no politeness (as tests/e2e's crawls).
FAST = set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"})
BIN = Path(sys.executable).parent
PROJECT = "tnu-archive"


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command, in a process of its own (as cron runs it)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What a checkout holds that building the egg reads (pyproject.toml names README.md).
PROJECT_FILES = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "LICENSE")
PACKAGES = ("crawler", "archive")


def build_egg(dest: Path) -> Path:
    """The project's egg, as `scrapyd-deploy --build-egg` builds it from scrapy.cfg: in a copy of
    the checkout, since building leaves build/ and *.egg-info behind where it runs."""
    source = dest / "checkout"
    source.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    for name in PACKAGES:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    egg = dest / "tnu-archive.egg"
    subprocess.run(
        [str(BIN / "scrapyd-deploy"), "--build-egg", str(egg)],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return egg


class Scrapyd:
    """One scrapyd daemon on 127.0.0.1, in `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Scrapyd:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.folder / 'eggs'}\n"
            f"logs_dir = {self.folder / 'logs'}\n"
            f"dbs_dir = {self.folder / 'dbs'}\n"
            "items_dir =\n"
            "jobs_dir =\n"
            "max_proc = 1\n"
            "poll_interval = 0.2\n",
            encoding="utf-8",
        )
        self.log = self.folder / "scrapyd.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile=", "-l", str(self.log)],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(300):  # bounded: up to a minute for the daemon to answer
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited {self.proc.returncode}: {self._log_tail()}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"scrapyd did not answer on {self.url}: {self._log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def get(self, endpoint: str, **params: str) -> dict:
        query = f"?{urlencode(params)}" if params else ""
        with urlopen(f"{self.url}/{endpoint}{query}", timeout=30) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        request = Request(f"{self.url}/{endpoint}", data=urlencode(fields).encode(), method="POST")
        with urlopen(request, timeout=60) as response:
            return json.load(response)

    def add_version(self, egg: Path, version: str = "1") -> dict:
        """addversion.json: the egg as a multipart upload, as scrapyd-deploy sends it."""
        boundary = "tnu-archive-egg-boundary"
        parts = []
        for name, value in (("project", PROJECT), ("version", version)):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + egg.read_bytes()
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        request = Request(
            f"{self.url}/addversion.json",
            data=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            method="POST",
        )
        with urlopen(request, timeout=120) as response:
            return json.load(response)

    def wait_finished(self, job: str) -> dict:
        """The job's listjobs.json entry once it is finished; bounded (a "finishes at all" limit)."""
        for _ in range(1500):  # 0.2 s apart: five minutes at most
            jobs = self.get("listjobs.json", project=PROJECT)
            for entry in jobs["finished"]:
                if entry["id"] == job:
                    return entry
            time.sleep(0.2)
        raise AssertionError(f"job {job} on {self.url} did not finish: {self._log_tail()}")

    def job_log(self, job: str) -> str:
        return (self.folder / "logs" / PROJECT / "news" / f"{job}.log").read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> Scrapyd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- comparing archives -----------------------------------------------------------------------

# What two crawls of the same pages cannot share: row numbers, clocks, where in which WARC file
# a record sits, its random record id, and which run or shard made a row.
ASIDE = {
    "seen_from",
    "seen_until",
    "shard",
    "shard_run_id",
    "run_id",
    "fetch_id",
    "refers_to",
    "warc_file",
    "offset",
    "length",
    "record_id",
}


def tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'article_search_fts%' ORDER BY name"
        )
    ]


def content(db_path: Path) -> dict[str, Counter]:
    """Every table but crawl_runs as a multiset of rows: ids, times and shard columns aside,
    an article id replaced by the article's URL."""
    conn = sqlite3.connect(db_path)
    try:
        urls = dict(conn.execute("SELECT id, url FROM articles"))
        out = {}
        for table in tables(conn):
            if table == "crawl_runs":
                continue
            info = conn.execute(f"PRAGMA table_info({table})").fetchall()
            row_number = [r[1] for r in info if r[5] and r[2].upper() == "INTEGER"]
            keys = sum(1 for r in info if r[5])
            columns = [
                r[1]
                for r in info
                if r[1] not in ASIDE
                and not r[1].endswith("_at")
                and not (keys == 1 and r[1] in row_number and r[1] != "article_id")
            ]
            out[table] = Counter(
                tuple(urls.get(v, v) if c == "article_id" else v for c, v in zip(columns, row, strict=True))
                for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
            )
        return out
    finally:
        conn.close()


RUN_COUNTS = ("pages", "articles_new", "articles_changed", "articles_unchanged", "images_new", "images_failed")


def run_totals(db_path: Path) -> tuple[list[str], dict[str, int]]:
    conn = sqlite3.connect(db_path)
    try:
        statuses = [r[0] for r in conn.execute("SELECT status FROM crawl_runs ORDER BY id")]
        sums = conn.execute(f"SELECT {', '.join(f'sum({c})' for c in RUN_COUNTS)} FROM crawl_runs").fetchone()
        return statuses, dict(zip(RUN_COUNTS, sums, strict=True))
    finally:
        conn.close()


def dump(db_path: Path) -> list[str]:
    """The whole database as SQL text (every table's rows), for byte-for-byte comparisons."""
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

"""Running the real crawl command against the fault server, in a sandbox whose every folder is
watched: the working directory, TMPDIR and HOME of the crawl are empty folders of the test, so
anything the crawl writes outside its data folder shows up.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from crawler.operations.helpers import socket_folder_problem
from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.replica.server import ReplicaServer

# Loopback needs no politeness (the same as tests/e2e).
FAST = set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"})

# What a crawl may leave in its data folder: the database (and SQLite's side files), the run
# lock, WARC captures, and content-addressed images.
ALLOWED_IN_DATA = re.compile(
    r"tnu\.sqlite(?:-wal|-shm|-journal|\.lock)?"
    r"|warc/.+"
    r"|images/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]+"
)


_RSS_MARK = "\ntnu-test-max-rss-kb="
# `python -m crawler ARGS`, reporting the process's peak resident memory as its last stderr line
# (at exit, so sys.exit with any code still reports it).
_MEASURED = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    f"{_RSS_MARK!r} + str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) + '\\n'))\n"
    "sys.argv[0] = 'crawler'\n"
    "runpy.run_module('crawler', run_name='__main__', alter_sys=True)\n"
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float  # peak resident memory of the crawl process


@dataclass
class Sandbox:
    """Folders of one scenario: `data/` holds the archive; cwd, tmp and home must stay empty."""

    root: Path
    tmp: Path = field(init=False)

    def __post_init__(self) -> None:
        for name in ("data", "cwd", "tmp", "home"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        self.tmp = self.root / "tmp"
        if socket_folder_problem(str(self.tmp)):
            # a deep pytest temp root (a long user name, PYTEST_DEBUG_TEMPROOT) leaves no room under
            # it for the helpers' socket: the crawl would refuse to start (test_temp_folder.py)
            self.tmp = Path(tempfile.mkdtemp(prefix="tnu-sandbox-"))
            # outside the test's folder, so pytest does not clean it: removed with the sandbox
            weakref.finalize(self, shutil.rmtree, self.tmp, ignore_errors=True)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def db(self) -> Path:
        return self.data / "tnu.sqlite"

    @property
    def images(self) -> Path:
        return self.data / "images"

    def crawl(self, server: ReplicaServer, *extra: str, start_urls: tuple[str, ...] = (), timeout: float = 180) -> Run:
        starts = [a for url in (server.url, *start_urls) for a in ("--start-url", url)]
        args = ["crawl", *starts, "--db", str(self.db), "--images-dir", str(self.images), *FAST, *extra]
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "TMPDIR": str(self.tmp),
            "HOME": str(self.root / "home"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _MEASURED, *args],
                cwd=self.root / "cwd",
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"crawl still running after {timeout}s:\n{exc.stderr}") from None
        stderr, _, peak = proc.stderr.rpartition(_RSS_MARK)
        max_rss = int(peak.strip()) / 1024 if peak.strip().isdigit() else float("nan")
        return Run(proc.returncode, proc.stdout, stderr, time.monotonic() - started, max_rss)

    def stray_files(self) -> list[str]:
        """Every file written where the crawl had no business writing."""
        stray = [str(p.relative_to(self.root)) for name in ("cwd", "home") for p in (self.root / name).rglob("*")]
        stray += ["tmp/" + p.relative_to(self.tmp).as_posix() for p in self.tmp.rglob("*")]
        for path in self.data.rglob("*"):
            relative = path.relative_to(self.data).as_posix()
            if path.is_file() and not ALLOWED_IN_DATA.fullmatch(relative):
                stray.append("data/" + relative)
        outside = {p.name for p in self.root.iterdir()} - {"data", "cwd", "tmp", "home"}
        return stray + sorted(outside)

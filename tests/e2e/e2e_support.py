"""Running the real command against the replica: shared by the end-to-end tests.

A crawl runs in a subprocess (`python -m crawler crawl`): Twisted's reactor cannot be
restarted within one process, and the subprocess is exactly what cron runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer

EXPECTED = json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))

# Loopback needs no politeness; everything else stays at the defaults under test.
FAST = set_options({**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"})


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, timeout: float = 180) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def crawl(server: ReplicaServer, db: Path, images: Path, *extra: str) -> Result:
    return run_cli("crawl", "--start-url", server.url, "--db", str(db), "--images-dir", str(images), *FAST, *extra)

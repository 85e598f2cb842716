"""A crawl whose writer process dies stops at once, says so in one line, and loses nothing.

Everything a crawl archives goes through its writer process (archive/writer.py). Killed
(SIGKILL, the OOM killer), it can write nothing more: the crawl must stop asking the site for
pages it cannot keep, end `interrupted` (exit 6) with the reason in its run row and one error
line instead of a traceback per response, and the next run must archive the whole site.
The site holds page 2 of a listing for a few seconds, so the writer is killed mid-crawl.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from cron_support import ARTICLES, copy_site, query
from e2e_support import FAST, crawl

from crawler.replica.server import ReplicaServer

LISTING = "/news/tin-tuc-su-kien.html"
PAGE_2, PAGE_3 = LISTING + "?page=2", LISTING + "?page=3"
HOLD = 10.0  # seconds page 2 takes: the crawl is still going when the writer is killed (on a busy machine too)
WRITER = re.compile(r"archive writer \(pid (\d+)\)")


def test_a_dead_writer_stops_the_crawl_and_the_next_run_archives_everything(tmp_path):
    site = copy_site(tmp_path / "site", slow={PAGE_2: HOLD})
    data = tmp_path / "data"
    log = tmp_path / "crawl.log"
    with ReplicaServer(site) as server:
        with open(log, "w", encoding="utf-8") as err:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crawler",
                    "crawl",
                    "--start-url",
                    server.url,
                    "--db",
                    str(data / "tnu.sqlite"),
                    "--images-dir",
                    str(data / "images"),
                    *FAST,
                    "--set",
                    "LOG_LEVEL=INFO",
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                writer = _wait_for_writer_mid_crawl(log, server, proc)
                os.kill(writer, signal.SIGKILL)
                killed_at = time.monotonic()
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        stopped_in = time.monotonic() - killed_at
        paths = [r.path for r in server.requests]
        ports = (urlsplit(server.origin).port, urlsplit(server.other_origin).port)
    stderr = log.read_text(encoding="utf-8")

    assert proc.returncode == 6, stderr[-3000:]  # interrupted
    assert stderr.count("stopping the crawl") == 1
    assert "Traceback" not in stderr
    assert "Closing spider (writer_died)" in stderr
    # It stopped instead of walking on: page 2 was still on its way, page 3 never asked for.
    assert PAGE_3 not in paths
    assert stopped_in < HOLD + 30, f"the crawl went on for {stopped_in:.1f} s after its writer died"
    ((status, problems),) = query(data / "tnu.sqlite", "SELECT status, problems FROM crawl_runs")
    assert status == "interrupted" and "archive writer ended" in problems
    assert query(data / "tnu.sqlite", "SELECT count(*) FROM articles")[0][0] < len(ARTICLES)

    # The same site on the same ports (the same URLs), page 2 no longer held.
    with ReplicaServer(port=ports[0], other_port=ports[1]) as server:
        again = crawl(server, data / "tnu.sqlite", data / "images")
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(data / "tnu.sqlite", "SELECT count(*) FROM articles")[0][0] == len(ARTICLES)
    assert query(data / "tnu.sqlite", "SELECT status FROM crawl_runs ORDER BY id") == [("interrupted",), ("ok",)]


def _wait_for_writer_mid_crawl(log: Path, server: ReplicaServer, proc: subprocess.Popen) -> int:
    """The writer's pid, once the crawl is past its first listing and holds page 2."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before its writer could be killed"
        found = WRITER.search(log.read_text(encoding="utf-8"))
        if found and any(r.path == PAGE_2 for r in server.requests):
            return int(found.group(1))
        time.sleep(0.02)
    raise AssertionError("the crawl never reached page 2 of the listing")

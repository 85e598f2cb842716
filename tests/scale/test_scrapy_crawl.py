"""`scrapy crawl news` (what a scrapyd job runs) is `tnu-archive crawl`'s run: its arguments are
checked before the run in one line, and the process exits with the run's own exit code (Scrapy's
crawl command exits 0 whatever happened), the summary line last on stderr."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from scale_support import BIN, ROOT, free_port

from archive.outcome import EXIT_FAILED


def scrapy_crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "scrapy"),
            "crawl",
            "news",
            "-s",
            f"ARCHIVE_DB={tmp_path / 'tnu.sqlite'}",
            "-s",
            f"IMAGES_STORE={tmp_path / 'images'}",
            "-s",
            "LOG_LEVEL=WARNING",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("-a", "start_url=ftp://127.0.0.1/"), "not an http(s) URL: 'ftp://127.0.0.1/'"),
        (("-a", "start_url=http://127.0.0.1:9/", "-s", "RETRY_TIMES=many"), "RETRY_TIMES takes a number"),
        (
            ("-a", "start_url=http://127.0.0.1:9/", "-s", "ALLOWED_PRIVATE_NETWORKS=not-a-network"),
            "not-a-network",
        ),
        (("-a", "start_url=http://127.0.0.1:9/", "-s", "CONTACT=you@example.org"), "mailto:you@example.org"),
    ],
)
def test_a_bad_argument_is_one_line_exit_1_and_no_run(tmp_path, args, said):
    done = scrapy_crawl(tmp_path, *args)
    assert done.returncode == EXIT_FAILED, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("tnu-archive: ") and said in line
    assert not (tmp_path / "tnu.sqlite").exists()


def test_a_failed_run_exits_with_its_code_and_ends_with_its_summary(tmp_path):
    port = free_port()  # nothing listens there: every request is refused
    done = scrapy_crawl(tmp_path, "-a", f"start_url=http://127.0.0.1:{port}/", "-s", "RETRY_TIMES=0")
    row = sqlite3.connect(tmp_path / "tnu.sqlite").execute("SELECT status, exit_code FROM crawl_runs").fetchall()
    assert row == [("failed", EXIT_FAILED)]
    assert done.returncode == EXIT_FAILED, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("run 1 failed: ")
    assert "Traceback" not in done.stderr

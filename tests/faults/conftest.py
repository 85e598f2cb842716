"""Fixtures of the fault-injection suite: the fault site, built once per session.

Tests marked `load` (a crawl of thousands of articles, minutes long) are skipped unless asked
for: `pytest -m load tests/faults` or TNU_LOAD_TESTS=1.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from fault_site import BIG_LISTING, DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, RETRY_TIMES, FaultSite, build_site
from faults_support import Run, Sandbox

from archive.storage.runs import utc_days_ago
from crawler.replica.faults import FaultServer
from crawler.replica.server import RequestRecord


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "load: a long crawl of a generated site; run with -m load")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = "load" in (config.getoption("markexpr", "") or "") or os.environ.get("TNU_LOAD_TESTS") == "1"
    if asked:
        return
    skip = pytest.mark.skip(reason="load test: run with `pytest -m load tests/faults` (minutes)")
    for item in items:
        if item.get_closest_marker("load"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def fault_site(tmp_path_factory) -> FaultSite:
    return build_site(tmp_path_factory.mktemp("fault-site"))


@dataclass
class Scenario:
    """Two crawls of the fault site into one archive: the first while the server misbehaves,
    the second once it behaves (the cron job's next run)."""

    site: FaultSite
    origin: str  # the fault server's site, http://127.0.0.1:PORT (stopped by now)
    other_origin: str
    sandbox: Sandbox
    first: Run
    second: Run
    first_db: Path  # a copy of the archive as the faulty run left it
    first_requests: list[RequestRecord]
    second_requests: list[RequestRecord]
    applied: list[tuple[str, str]]  # (path, fault) the server applied during the first run
    timeline: list[tuple[float, str, int]]  # (monotonic time, path, status) of the first run

    def db(self, which: str = "second") -> sqlite_utils.Database:
        return sqlite_utils.Database(self.first_db if which == "first" else self.sandbox.db)


CRAWL_SETTINGS = (
    "--set",
    f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}",
    "--set",
    f"RETRY_TIMES={RETRY_TIMES}",
    "--set",
    f"DOWNLOAD_MAXSIZE={DOWNLOAD_MAXSIZE}",
)


@pytest.fixture(scope="session")
def scenario(fault_site, tmp_path_factory) -> Scenario:
    sandbox = Sandbox(tmp_path_factory.mktemp("fault-crawl"))
    first_db = tmp_path_factory.mktemp("fault-crawl-first") / "tnu.sqlite"  # outside the watched sandbox
    with FaultServer(fault_site.root, fault_site.faults) as server:
        starts = (server.origin + BIG_LISTING,)
        first = sandbox.crawl(server, *CRAWL_SETTINGS, start_urls=starts)
        first_requests, applied, timeline = server.requests, list(server.applied), list(server.timeline)
        with closing(sqlite3.connect(sandbox.db)) as src, closing(sqlite3.connect(first_db)) as dst:
            src.backup(dst)
        server.reset_log()
        server.faulty = False
        # The next night: what failed has waited its day (archive.storage.frontier.retry_due).
        with closing(sqlite3.connect(sandbox.db)) as conn, conn:
            conn.execute("UPDATE image_sources SET last_attempt_at = ? WHERE image_sha256 IS NULL", [utc_days_ago(1)])
            conn.execute(
                "UPDATE article_links SET last_failed_at = ? WHERE last_failed_at IS NOT NULL", [utc_days_ago(1)]
            )
        second = sandbox.crawl(server, *CRAWL_SETTINGS, start_urls=starts)
        second_requests = server.requests
        origins = (server.origin, server.other_origin)
    return Scenario(
        fault_site, *origins, sandbox, first, second, first_db, first_requests, second_requests, applied, timeline
    )

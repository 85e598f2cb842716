"""End-to-end fixtures: the replica site on loopback and one real crawl of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from cron_support import first_crawl
from e2e_support import Result

from crawler.replica.server import ReplicaServer


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield server


@dataclass
class Archived:
    server: ReplicaServer
    db_path: Path
    images_dir: Path
    result: Result
    requests: list  # the server's request log of this crawl

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> Archived:
    """One crawl of the replica into a fresh archive, shared by the module's tests: the session's
    first crawl (the same command on the same replica), read from a copy of its own so that no
    reader left open here touches the archive the scheduled-run tests copy; the replica is served
    on its ports again for its addresses."""
    first = first_crawl(tmp_path_factory)
    db_path, images_dir = first.copy_archive(tmp_path_factory.mktemp("archive") / "data")
    with first.serve() as server:
        yield Archived(server, db_path, images_dir, first.result, list(first.requests))

"""End-to-end fixtures: the replica site on loopback and one real crawl of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from e2e_support import Result, crawl

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
def archived(replica, tmp_path_factory) -> Archived:
    """One crawl of the replica into a fresh archive, shared by the module's tests."""
    folder = tmp_path_factory.mktemp("archive")
    replica.reset_log()
    result = crawl(replica, folder / "tnu.sqlite", folder / "images")
    return Archived(replica, folder / "tnu.sqlite", folder / "images", result, list(replica.requests))

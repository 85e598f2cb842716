"""Two real crawls of the loopback site with WARC capture on, shared by the WARC tests.

The first crawl finds everything new; the second finds the same bytes again. The site is shut
down after the crawls, so whatever a later test reads (replay included) comes from the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from warc_site import SiteServer
from warc_support import BIN, crawl, read_records  # noqa: F401 — re-exported for fixtures


@dataclass
class Crawls:
    site_url: str
    db_path: Path
    warc_dir: Path
    first: Path  # WARC of the first crawl
    second: Path  # WARC of the second crawl of the unchanged site
    site_paths: list[str]  # what the server was asked for, both crawls
    seen: list[dict]  # what the spider of the first crawl got: url, warc_capture (from meta)

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def url(self, path: str) -> str:
        return self.site_url.rstrip("/") + path


@pytest.fixture(scope="session")
def crawls(tmp_path_factory) -> Crawls:
    folder = tmp_path_factory.mktemp("warc-crawls")
    db, warc_dir = folder / "data" / "tnu.sqlite", folder / "data" / "warc"
    with SiteServer() as site:
        seen = crawl(site.url, db, warc_dir, folder / "first.jsonl")
        first = sorted(warc_dir.glob("*.warc.gz"))
        crawl(site.url, db, warc_dir, folder / "second.jsonl")
        both = sorted(warc_dir.glob("*.warc.gz"))
        paths = list(site.paths)
    assert len(first) == 1 and len(both) == 2
    (second,) = [p for p in both if p != first[0]]
    return Crawls(site.url, db, warc_dir, first[0], second, paths, seen)

"""Helpers of the WARC tests: running the test crawl and reading records back (imported by the
tests and by conftest.py; a module of its own so that no test imports a `conftest`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

REPO = Path(__file__).resolve().parents[2]
CRAWL_SCRIPT = Path(__file__).with_name("crawl_site.py")
BIN = Path(sys.executable).parent


def crawl(start_url: str, db: Path, warc_dir: Path, feed: Path) -> list[dict]:
    """Crawl with capture on; returns what the spider saw of each capture (the feed)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, str(CRAWL_SCRIPT), start_url, str(db), str(warc_dir), str(feed)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]


@dataclass
class Record:
    type: str
    url: str | None
    offset: int
    length: int
    warc_headers: object  # warcio StatusAndHeaders
    http_headers: object | None
    raw_body: bytes  # as stored: content-encoding intact


def read_records(warc_path: Path) -> list[Record]:
    records = []
    with open(warc_path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            raw = record.raw_stream.read()
            records.append(
                Record(
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Target-URI"),
                    iterator.get_record_offset(),
                    iterator.get_record_length(),
                    record.rec_headers,
                    record.http_headers,
                    raw,
                )
            )
    return records

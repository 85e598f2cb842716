"""`tnu-archive verify --repair`: put back the image files verify found missing or damaged.

Every image the crawler downloaded was also written into the run's WARC file, byte for byte,
and the `captures` table says where. A file deleted by hand or damaged on disk is read back
from there, checked against the sha256 the archive recorded, and written again (the same
content-addressed write as the crawl's). What no capture holds is listed and queued: the next
crawl downloads those URLs again (`image_sources.error = 'missing_file'`, see
archive.storage.frontier.failed_images).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.captures.warc_index import read_capture
from archive.db import connect
from archive.error_kinds import MISSING_FILE
from archive.storage.images import write_image
from archive.verify import Problem

# verify's problems that a file written again from its bytes fixes
REPAIRABLE = ("missing", "corrupt", "wrong_size")


@dataclass
class RepairReport:
    restored: list[str] = field(default_factory=list)  # paths written again
    unrestored: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    queued: list[str] = field(default_factory=list)  # URLs the next crawl asks for again

    @property
    def ok(self) -> bool:
        return not self.unrestored


def repair_images(
    db_path: str | Path, images_dir: str | Path, warc_dir: str | Path, problems: list[Problem]
) -> RepairReport:
    """Restore the image files of `problems` (verify's) from the WARC captures that hold them."""
    images_dir, warc_dir = Path(images_dir), Path(warc_dir)
    report = RepairReport()
    damaged = {Path(p.subject): p for p in problems if p.kind in REPAIRABLE}
    if not damaged:
        return report
    db = connect(db_path)
    try:
        conn = db.conn
        for path in sorted(damaged):
            sha256 = _sha_of(conn, images_dir, path)
            if sha256 is None:
                report.unrestored.append((str(path), "no images row names this file"))
                continue
            body, why = _bytes_from_captures(conn, warc_dir, sha256)
            if body is None:
                report.unrestored.append((str(path), why))
                report.queued.extend(_queue(conn, sha256))
                continue
            path.unlink(missing_ok=True)  # a damaged file of the right size would be kept
            info = write_image(images_dir, body)
            if images_dir / info.path != path:  # the row's path and the bytes' path disagree
                report.unrestored.append((str(path), f"its bytes belong at {info.path}"))
                continue
            report.restored.append(str(path))
    finally:
        db.close()
    return report


def _sha_of(conn: sqlite3.Connection, images_dir: Path, path: Path) -> str | None:
    try:
        rel = path.relative_to(images_dir).as_posix()
    except ValueError:
        return None
    row = conn.execute("SELECT sha256 FROM images WHERE path = ?", [rel]).fetchone()
    return None if row is None else row[0]


def _bytes_from_captures(conn: sqlite3.Connection, warc_dir: Path, sha256: str) -> tuple[bytes | None, str]:
    """The bytes with this sha256 from the first capture that still holds them, or (None, why)."""
    rows = conn.execute(
        """
        SELECT DISTINCT c.warc_file, c.offset FROM captures c
        WHERE c.status = 200 AND c.url IN (
            SELECT src_url FROM image_sources WHERE image_sha256 = :sha
            UNION SELECT src_url FROM article_images WHERE image_sha256 = :sha)
        ORDER BY c.id DESC
        """,
        {"sha": sha256},
    ).fetchall()
    if not rows:
        return None, "no WARC capture holds its bytes"
    why = "no capture holds bytes matching its sha256"
    for warc_file, offset in rows:
        warc = warc_dir / warc_file
        if not warc.is_file():
            why = f"its WARC file {warc} is missing"
            continue
        for decode in (True, False):  # as the crawler stored it: content-encoding undone
            try:
                body = read_capture(warc, offset, decode=decode).body
            except Exception as exc:  # a damaged WARC: try the next capture
                why = f"{warc}@{offset} is unreadable ({exc})"
                break
            if hashlib.sha256(body).hexdigest() == sha256:
                return body, ""
    return None, why


def _queue(conn: sqlite3.Connection, sha256: str) -> list[str]:
    """Ask the next crawl to download the URLs of these bytes again; returns them."""
    urls = [
        row[0]
        for row in conn.execute("SELECT src_url FROM image_sources WHERE image_sha256 = ? ORDER BY src_url", [sha256])
    ]
    conn.execute("UPDATE image_sources SET error = ? WHERE image_sha256 = ?", [MISSING_FILE, sha256])
    return urls

"""Whether a path holds an archive: what every command that reads one (runs, search, export,
verify, serve, reparse) checks before it opens the file, so that none of them ever makes an
archive where there was none.

A missing file is no archive; neither is an SQLite file without our schema, such as the empty
file `sqlite-utils data/tnu.sqlite …` leaves behind when pointed at a wrong path: opened as an
archive it would be migrated into an empty one (`serve`), or read as an archive whose "schema
predates search".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HINT = "run a crawl first, or pass --db"


class NoArchive(Exception):
    """There is no archive at the path; the message is one line for the user."""


def require_archive(db_path: str | Path) -> None:
    """NoArchive unless `db_path` is a file holding an archive (or a file SQLite cannot read:
    the command that opens it says so in its own words)."""
    path = Path(db_path)
    if not path.is_file():
        raise NoArchive(f"no archive at {path} ({HINT})")
    if not _has_schema(path):
        what = "an empty file" if path.stat().st_size == 0 else "an SQLite file without the archive's tables"
        raise NoArchive(f"no archive at {path}: {what} ({HINT})")


def _has_schema(path: Path) -> bool:
    # Read-only, and through SQLite rather than by the file's size: the first crawl's schema can
    # still be in the -wal file beside an empty main file, and a reader must see it there.
    from archive.search import immutable_needed, readonly_uri  # noqa: PLC0415

    try:
        conn = sqlite3.connect(readonly_uri(path, immutable_needed(path)), uri=True, timeout=30)
    except sqlite3.Error:
        return True
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] > 0:
            return True
        return (
            conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'").fetchone()
            is not None
        )
    except sqlite3.DatabaseError:
        return True  # not SQLite at all: reported by the command as unreadable
    finally:
        conn.close()

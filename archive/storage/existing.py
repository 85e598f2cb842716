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


def readonly_uri(path: Path, immutable: bool = False) -> str:
    return f"{path.resolve().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"


def immutable_needed(path: str | Path) -> bool:
    """Whether the archive can only be read as an immutable file (read-only media).

    Immutable means SQLite takes no locks and reads no `-wal` file: right for media nothing
    can write to, and the only way to read a WAL archive there.
    """
    path = Path(path)
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=30)
    except sqlite3.Error:
        return True
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return False
    except sqlite3.DatabaseError as exc:
        return cannot_open(exc)
    finally:
        conn.close()


def cannot_open(exc: sqlite3.Error) -> bool:
    """Whether SQLite's error means the file cannot be opened as it is (read-only media)."""
    # Python 3.11+ names SQLite's result code; "unable to open database file" is SQLITE_CANTOPEN,
    # "attempt to write a readonly database" (a -shm it may not create) SQLITE_READONLY.
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")) or "unable to open" in str(exc)


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

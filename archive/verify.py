"""Proving the archive is intact: `tnu-archive verify`.

Years of unattended crawling end up on disks that fail and folders people tidy by hand. This
re-reads every image file the database lists and checks it against the sha256 it was stored
under, asks SQLite to check its own file and links, and re-checks an export's manifest. It only
reads: a damaged archive is reported, never "repaired" behind the archivist's back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from archive.captures.verify_warc import DIGEST_SAMPLE, check_warcs
from archive.export import MANIFEST, MANIFEST_LINE, file_sha256
from archive.search import open_readonly
from archive.storage.paths import default_warc_dir


@dataclass(frozen=True)
class Problem:
    kind: str  # missing, corrupt, wrong_size, unsafe_path, database, foreign_key, search_index, export, warc
    subject: str  # the file or table concerned
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.detail}"


@dataclass
class Report:
    images_checked: int = 0
    export_files_checked: int = 0
    warc_files_checked: int = 0
    warc_records_read: int = 0
    warc_digests_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        parts = [f"{self.images_checked} image files checked"]
        if self.warc_files_checked:
            parts.append(
                f"{self.warc_files_checked} WARC files checked ({self.warc_records_read} records read, "
                f"{self.warc_digests_checked} payload digests compared)"
            )
        if self.export_files_checked:
            parts.append(f"{self.export_files_checked} export files checked")
        parts.append("no problem" if self.ok else f"{len(self.problems)} problem(s)")
        return ", ".join(parts)


def verify(
    db_path: str | Path,
    images_dir: str | Path,
    export_dir: str | Path | None = None,
    *,
    warc_dir: str | Path | None = None,
    full: bool = False,
    sample: int = DIGEST_SAMPLE,
) -> Report:
    """Check the archive (and an export of it, when given); return every problem found.

    The WARC files (in `warc_dir`, by default `warc/` beside the database) are read whole, and
    the payload digests of `sample` random captures (of all of them when `full`) are compared
    with the `captures` table (archive/captures/verify_warc.py).
    Raises FileNotFoundError when there is no database at `db_path`. A file SQLite cannot read
    is reported as a problem, not raised: finding such damage is what verify is for.
    """
    report = Report()
    conn = open_readonly(db_path)
    try:
        _check_database(conn, report)
        _check_search_index(conn, report)
        images = conn.execute("SELECT sha256, path, bytes FROM images ORDER BY path").fetchall()
        _check_images(images, Path(images_dir), report)
        warcs = check_warcs(
            conn, Path(warc_dir) if warc_dir is not None else default_warc_dir(db_path), sample=None if full else sample
        )
        report.warc_files_checked, report.warc_records_read = warcs.files, warcs.records
        report.warc_digests_checked = warcs.digests
        report.problems.extend(Problem("warc", subject, detail) for subject, detail in warcs.problems)
    except sqlite3.DatabaseError as exc:  # not a database, or too damaged to read on
        report.problems.append(Problem("database", str(db_path), str(exc)))
    finally:
        conn.close()
    if export_dir is not None:
        _check_export(Path(export_dir), report)
    return report


def _check_database(conn: sqlite3.Connection, report: Report) -> None:
    results = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if results != ["ok"]:
        report.problems.extend(Problem("database", "integrity_check", line) for line in results)
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        report.problems.append(Problem("foreign_key", table, f"row {rowid} points to a missing row of {parent}"))


def _check_search_index(conn: sqlite3.Connection, report: Report) -> None:
    # Read-only stand-in for FTS5's 'integrity-check' command (which is an INSERT): an article
    # without its folded search row can never be found by `search`.
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_search'").fetchone():
        return
    for (article_id,) in conn.execute(
        "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM article_search) ORDER BY id"
    ):
        report.problems.append(Problem("search_index", "article_search", f"article {article_id} is not indexed"))


def _check_images(rows: list[tuple], images_dir: Path, report: Report) -> None:
    for sha256, rel, size in rows:
        report.images_checked += 1
        parts = PurePosixPath(rel or "").parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            report.problems.append(Problem("unsafe_path", str(rel), f"image {sha256} points outside {images_dir}"))
            continue
        path = images_dir.joinpath(*parts)
        if not path.is_file():
            report.problems.append(Problem("missing", str(path), f"image {sha256} has no file"))
            continue
        actual_size = path.stat().st_size
        if size is not None and actual_size != size:
            report.problems.append(Problem("wrong_size", str(path), f"{actual_size} bytes, recorded {size}"))
            continue
        actual = file_sha256(path)
        if actual != sha256:
            report.problems.append(Problem("corrupt", str(path), f"sha256 is {actual}, recorded {sha256}"))


def _check_export(root: Path, report: Report) -> None:
    manifest = root / MANIFEST
    if not manifest.is_file():
        report.problems.append(Problem("export", str(manifest), "no manifest"))
        return
    listed: set[str] = set()
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        match = MANIFEST_LINE.match(line)
        if not match:
            report.problems.append(Problem("export", f"{manifest}:{number}", "not a `<sha256>  <path>` line"))
            continue
        expected, rel = match.groups()
        listed.add(rel)
        report.export_files_checked += 1
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts:
            report.problems.append(Problem("export", rel, "path points outside the export"))
            continue
        path = root.joinpath(*parts)
        if not path.is_file():
            report.problems.append(Problem("export", str(path), "listed in the manifest but missing"))
        elif (actual := file_sha256(path)) != expected:
            report.problems.append(Problem("export", str(path), f"sha256 is {actual}, manifest says {expected}"))
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != MANIFEST and rel not in listed:
            report.problems.append(Problem("export", str(path), "not in the manifest"))

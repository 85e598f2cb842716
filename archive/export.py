"""Publishing the archive as a dataset others can cite and check: `tnu-archive export`.

The export holds the history a reader needs (archive/dataset/tables.py) as Parquet, one file per
table and, for articles, per site; the same rows as CSV for spreadsheets and JSON Lines; the
image files under their archive paths; a dataset card (`README.md`, Hugging Face front matter);
`croissant.json` and `datapackage.json` describing every file and field; and
`manifest-sha256.txt` for `sha256sum -c`. Nothing in it depends on when or where the export ran:
the same archive always exports to the same bytes, so two exports can be compared by their
manifests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from archive.dataset.card import MANIFEST, card, citation
from archive.dataset.facts import ArticleStats, facts
from archive.dataset.files import TableFiles
from archive.dataset.metadata import PACKAGE_NAME, DataFile, croissant, package, table_resource
from archive.dataset.staging import StagingError, discard, new_staging, remove_leftovers
from archive.dataset.tables import TABLES, Column, ExportError, count, sites_of_articles, stem
from archive.dataset.tables import columns as table_columns
from archive.dataset.tables import rows as table_rows
from archive.operations.progress import ProgressCallback
from archive.operations.stopping import sigterm_stops
from archive.search import open_readonly
from archive.storage.categories import CategoryNames
from archive.storage.sites import write_site_subset

__all__ = ["MANIFEST", "PACKAGE_NAME", "ExportError", "earlier_export", "export", "file_sha256"]

MANIFEST_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")  # as sha256sum writes and reads it
_CHUNK = 1 << 20


Tick = Callable[[str], None]


def _no_tick(what: str) -> None:
    pass


class _Tally:
    """Steps done so far for a progress callback: `rows` written, `image files` copied,
    `checksums` computed (the version digest and the manifest read every file again)."""

    def __init__(self, progress: ProgressCallback, total: int):
        self.progress = progress
        self.total = total
        self.done = 0
        self.counts: Counter[str] = Counter()

    def __call__(self, what: str) -> None:
        self.done += 1
        self.counts[what] += 1
        self.progress(self.done, self.total, self.counts)


def export(
    db_path: str | Path,
    images_dir: str | Path,
    out_dir: str | Path,
    progress: ProgressCallback | None = None,
    site: str | None = None,
    categories: CategoryNames | None = None,
) -> dict:
    """Write the dataset into `out_dir` (created; a previous export there is replaced); `site`:
    of that site's articles only (their images and view counts), exported from a copy of that
    part of the archive (archive/storage/sites.py write_site_subset), so it is one site's own dataset.

    `categories`: each site's mapping of printed category names to the dataset's (the sites'
    profiles own them; the crawler's command passes them); without one a category is as printed.
    Returns a summary: out_dir, version, rows per table, images, files, bytes, articles per site.
    Raises ExportError when an image file is missing or does not match its recorded sha256 (the
    export would not be what it claims), or when `out_dir` holds anything but an earlier export
    (then nothing in it is touched). Of an earlier export, only the files its manifest lists are
    replaced or removed: whatever else is in the folder stays. `progress(done, total, counts)` is
    called after each row, image file and checksum.

    It is written into a staging folder of its own (archive/dataset/staging.py), removed whatever
    ends the export (an error, Ctrl-C, SIGTERM: raised as operations.stopping.Stopped, a KeyboardInterrupt);
    the staging folders of `out_dir` that a killed export left are removed first.
    """
    with sigterm_stops():
        return _export(db_path, images_dir, out_dir, progress, site, categories)


def _export(
    db_path: str | Path,
    images_dir: str | Path,
    out_dir: str | Path,
    progress: ProgressCallback | None,
    site: str | None,
    categories: CategoryNames | None,
) -> dict:
    if site is not None:
        with tempfile.TemporaryDirectory(prefix="tnu-export-") as folder:
            subset = Path(folder) / "site.sqlite"
            try:
                if not write_site_subset(db_path, site, subset):
                    raise ExportError(f"the archive holds no article of a site named {site!r} (`tnu-archive sites`)")
            except sqlite3.OperationalError as exc:  # an archive older than sites has no articles.site
                raise ExportError(f"cannot select the site {site!r}: {exc}") from None
            return _export(subset, images_dir, out_dir, progress, None, categories)
    # abspath: `--out .` (or `..`) has no name to build the staging folder's from.
    db_path, images_dir, out_dir = Path(db_path), Path(images_dir), Path(os.path.abspath(out_dir))
    # A killed export's staging folder is no file of anyone's: inside an empty folder, it would
    # make the folder look like someone else's to earlier_export.
    remove_leftovers(out_dir)
    previous = earlier_export(out_dir)  # before anything is written: a foreign folder is not touched
    try:
        staging, in_place = new_staging(out_dir)
    except StagingError as exc:
        raise ExportError(str(exc)) from None
    try:
        conn = open_readonly(db_path)
        try:
            # One read transaction: a crawl writing meanwhile cannot make the tables disagree.
            conn.execute("BEGIN")
            summary = _write_package(conn, images_dir, staging, progress, categories)
            conn.execute("COMMIT")
        finally:
            conn.close()
        if in_place:
            _replace_files(out_dir, staging, previous)
        else:
            staging.rename(out_dir)
    except BaseException:
        discard(staging)
        raise
    summary["out_dir"] = str(out_dir)
    return summary


def earlier_export(out_dir: Path) -> frozenset[str]:
    """The files (relative paths) of the export `out_dir` holds: none for a folder that is
    absent or empty; raises ExportError for anything else.

    A folder is an earlier export only when both its `datapackage.json` names this package and
    its manifest is one `export` writes: a folder of someone else's (their own data package, a
    thesis, a copy of the dataset they annotated...) is never emptied or written into.
    """
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder")
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return frozenset()

    def refuse(why: str) -> ExportError:
        return ExportError(
            f"{out_dir} is not empty and holds no earlier export ({why}): nothing in it was touched, "
            "choose another --out"
        )

    package, manifest = out_dir / "datapackage.json", out_dir / MANIFEST
    if not _regular_file(package):
        raise refuse("no datapackage.json")
    try:
        name = json.loads(package.read_text(encoding="utf-8")).get("name")
    except (ValueError, AttributeError, OSError):
        name = None
    if name != PACKAGE_NAME:
        raise refuse(f"its datapackage.json is not the {PACKAGE_NAME} package")
    if not _regular_file(manifest):
        raise refuse(f"no {MANIFEST}")
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = [""]
    listed = {MANIFEST}
    for number, line in enumerate(lines, start=1):
        match = MANIFEST_LINE.match(line)
        if not match or not _safe_relative(match[2]):
            raise refuse(f"line {number} of its {MANIFEST} is not one export writes")
        listed.add(match[2])
    if "datapackage.json" not in listed:
        raise refuse(f"its {MANIFEST} does not list datapackage.json")
    return frozenset(listed)


def _regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _safe_relative(rel: str) -> bool:
    path = PurePosixPath(rel)
    return bool(path.parts) and not path.is_absolute() and not {"..", "."} & set(path.parts) and "\\" not in rel


def _replace_files(out_dir: Path, staging: Path, previous: frozenset[str]) -> None:
    """The earlier export's files out of `out_dir`, the staged ones (inside it) in.

    Only paths the earlier manifest lists are removed or overwritten, never through a symbolic
    link: every check is made before the first file is touched. The manifest in place first
    lists the earlier files and the new ones together, so an export killed halfway leaves a
    folder the next export still recognises as its own and finishes.
    """
    new = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    for rel in sorted(previous | new):
        _check_writable(out_dir, rel)
    for rel in sorted(new - previous):
        if os.path.lexists(out_dir / rel):
            raise ExportError(
                f"{out_dir / rel} is in the way and is not a file of the earlier export; "
                "nothing was touched, move it or choose another --out"
            )
    union = staging / f"{MANIFEST}.union"
    earlier_lines = (out_dir / MANIFEST).read_text(encoding="utf-8").splitlines() if previous else []
    kept = [line for line in earlier_lines if (match := MANIFEST_LINE.match(line)) and match[2] not in new]
    new_lines = (staging / MANIFEST).read_text(encoding="utf-8")
    union.write_text("".join(f"{line}\n" for line in kept) + new_lines, encoding="utf-8")
    os.replace(union, out_dir / MANIFEST)
    stale = sorted(previous - new)
    for rel in stale:
        (out_dir / rel).unlink(missing_ok=True)  # unlink: a symbolic link itself, never its target
    for rel in sorted(new - {MANIFEST}):
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, out_dir / rel)
    os.replace(staging / MANIFEST, out_dir / MANIFEST)
    for rel in stale:  # the folders the stale files leave empty (images/<xx>/, ...)
        for parent in PurePosixPath(rel).parents:
            if parent == PurePosixPath("."):
                break
            try:
                (out_dir / parent).rmdir()
            except OSError:  # not empty: something else is in it
                break
    shutil.rmtree(staging)


def _check_writable(out_dir: Path, rel: str) -> None:
    """`rel` can be removed or written in `out_dir` without leaving it: no folder on its way is a
    symbolic link (or a file), and it is not a folder itself."""
    path = out_dir
    parts = PurePosixPath(rel).parts
    for part in parts[:-1]:
        path = path / part
        if path.is_symlink():
            raise ExportError(f"{path} is a symbolic link: export writes nothing through it; nothing was touched")
        if os.path.lexists(path) and not path.is_dir():
            raise ExportError(f"{path} is in the way (not a folder); nothing was touched")
    target = path / parts[-1]
    if target.is_dir() and not target.is_symlink():
        raise ExportError(f"{target} is a folder where the export writes a file; nothing was touched")


def _steps(conn: sqlite3.Connection) -> int:
    """Every step the tally will count: rows, image copies, a checksum of each JSON Lines and
    image file (the version), then one of each file but the manifest (three formats per table, a
    Parquet file per site of articles, the images, the card, croissant.json, datapackage.json)."""
    rows = sum(count(conn, table) for table in TABLES)
    images = conn.execute("SELECT count(*) FROM images").fetchone()[0]
    files = 3 * len(TABLES) + len(sites_of_articles(conn)) - 1 + images + 3
    return rows + images + (len(TABLES) + images) + files


def _write_package(
    conn: sqlite3.Connection,
    images_dir: Path,
    root: Path,
    progress: ProgressCallback | None = None,
    categories: CategoryNames | None = None,
) -> dict:
    if not conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
        # A dataset with no article would carry no dates, no version, nothing to cite.
        raise ExportError("the archive holds no article yet: nothing to export (run a crawl first)")
    tick: Tick = _no_tick
    if progress is not None:
        tally = _Tally(progress, _steps(conn))
        progress(0, tally.total, tally.counts)
        tick = tally
    digests = _Digests(root)
    tables = _write_tables(conn, root, categories, tick)
    rows, columns, stats = tables.rows, tables.columns, tables.stats
    image_resources = _copy_images(conn, images_dir, digests, tick)
    data = [
        DataFile(table, cols, fmt, path, part, digests.of(path), (root / path).stat().st_size, n)
        for table, cols, fmt, path, part, n in tables.written
    ]
    info = facts(conn, stats)
    # The version digests what the data is, not how one library encodes it: the JSON Lines
    # (written by this code alone) and the image files.
    version = _version(
        info, digests, [d.path for d in data if d.fmt == "jsonl"] + [r["path"] for r in image_resources], tick
    )
    resources = [table_resource(d) for d in data] + image_resources
    _write_json(root / "datapackage.json", package(info, version, resources))
    _, cite = citation(info, version)  # Croissant cites in BibTeX
    image_types = {
        r["path"].rsplit(".", 1)[-1]: r.get("mediatype") or "application/octet-stream" for r in image_resources
    }
    _write_json(root / "croissant.json", croissant(info, version, data, dict(sorted(image_types.items())), cite))
    fill = {None: {c.name: stats.fill_rate(c.name) for c in columns["articles"]}}
    for site in stats.rows:
        fill[site] = {c.name: stats.fill_rate(c.name, site) for c in columns["articles"]}
    category_list = sorted(
        ((c, p, n) for (c, p), n in tables.categories.items()), key=lambda e: (e[0] is None, e[0] or "", e[1] or "")
    )
    text = card(info, version, rows, len(image_resources), columns, fill, category_list)
    (root / "README.md").write_text(text, encoding="utf-8")
    files_count = _write_manifest(digests, tick)
    return {
        "version": version,
        "rows": rows,
        "images": len(image_resources),
        "files": files_count,
        "bytes": sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
        "sites": {site["name"]: site["articles"] for site in info["sites"]},
    }


@dataclass
class _Tables:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    columns: dict[str, list[Column]] = field(default_factory=dict)
    written: list[tuple] = field(default_factory=list)  # (table, columns, format, path, site or None, rows)
    stats: ArticleStats | None = None
    categories: Counter[tuple[str | None, str | None]] = field(default_factory=Counter)  # (category, printed)


def _write_tables(conn: sqlite3.Connection, root: Path, categories: CategoryNames | None, tick: Tick) -> _Tables:
    """Every table in its three formats, the articles one Parquet file per site, counting on the
    way what the card says of the articles."""
    out = _Tables()
    for table in TABLES:
        cols = out.columns[table.name] = table_columns(table)
        names = [c.name for c in cols]
        files = TableFiles(root, table.name, cols)
        parts = {}  # site -> its file's stem
        try:
            if table.name == "articles":
                out.stats = ArticleStats(cols)
                parts = {site: stem(site) for site in sites_of_articles(conn)}
                for part in parts.values():
                    files.open_part(part)
            else:
                files.open_part(table.name)
            for row in table_rows(conn, table, cols, categories):
                part = table.name
                if table.name == "articles":
                    site = row[names.index("site")]
                    out.stats.add(site, row)
                    out.categories[(row[names.index("category")], row[names.index("category_printed")])] += 1
                    part = parts.setdefault(site, stem(site))
                files.add(row, part)
                tick("rows")
        finally:
            files.close()
        total = out.rows[table.name] = sum(files.rows.values())
        out.written += [
            (table, cols, "csv", files.csv_path, None, total),
            (table, cols, "jsonl", files.jsonl_path, None, total),
        ]
        site_of = {part: site for site, part in parts.items()}
        for part in sorted(files.rows):
            out.written.append((table, cols, "parquet", files.parquet_path(part), site_of.get(part), files.rows[part]))
    return out


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- images ------------------------------------------------------------------------------------


def _copy_images(conn: sqlite3.Connection, images_dir: Path, digests: _Digests, tick: Tick = _no_tick) -> list[dict]:
    """Copy every image file, checking on the way that its bytes are the ones recorded (and
    noting its digest for the version and the manifest: an image file is read once)."""
    root = digests.root
    resources = []
    problems = []
    for sha256, rel, mime, size in conn.execute("SELECT sha256, path, mime, bytes FROM images ORDER BY sha256"):
        tick("image files")
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts or not parts:
            problems.append(f"image {sha256}: unsafe path {rel!r}")
            continue
        source = images_dir.joinpath(*parts)
        target = root / "images" / Path(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with open(source, "rb") as src, open(target, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
        except FileNotFoundError:
            problems.append(f"image file missing: {source}")
            continue
        if digest.hexdigest() != sha256:
            problems.append(f"image file corrupt: {source} (sha256 {digest.hexdigest()}, recorded {sha256})")
            continue
        digests.note(f"images/{PurePosixPath(*parts)}", sha256)
        resources.append(
            {
                "name": f"image-{sha256}",
                "path": f"images/{PurePosixPath(*parts)}",
                "format": PurePosixPath(rel).suffix.lstrip(".").lower() or None,
                "mediatype": mime,
                "profile": "data-resource",
                "hash": f"sha256:{sha256}",
                "bytes": target.stat().st_size,
            }
        )
        if size is not None and size != resources[-1]["bytes"]:
            problems.append(f"image file {source}: {resources[-1]['bytes']} bytes, recorded {size}")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise ExportError(f"{len(problems)} image problem(s), run `tnu-archive verify`: {shown}")
    return [{k: v for k, v in r.items() if v is not None} for r in resources]


# -- version ------------------------------------------------------------------------------------


def _version(info: dict, digests: _Digests, data_files: list[str], tick: Tick = _no_tick) -> str:
    """<day of the latest crawl>+<first 12 hex of a digest of the data>: the same archive gives
    the same version, any change in its data a new one."""
    digest = hashlib.sha256()
    for path in sorted(data_files):
        digest.update(f"{digests.of(path)}  {path}\n".encode())
        tick("checksums")
    day = info["crawled"]["to"][:10]
    year, month, date = (int(part) for part in day.split("-"))
    return f"{year}.{month}.{date}+{digest.hexdigest()[:12]}"


# -- checksums ---------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks (image files can be large); shared with verify."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Digests:
    """sha256 of the package's files by relative path, each file read once: the resources, the
    version and the manifest all need them, and an archive's images can weigh gigabytes."""

    def __init__(self, root: Path):
        self.root = root
        self._known: dict[str, str] = {}

    def note(self, rel: str, sha256: str) -> None:
        """The digest of a file just written, computed on the way (image files)."""
        self._known[rel] = sha256

    def of(self, rel: str) -> str:
        if rel not in self._known:
            self._known[rel] = file_sha256(self.root / rel)
        return self._known[rel]


def _write_manifest(digests: _Digests, tick: Tick = _no_tick) -> int:
    """`<sha256>  <path>` for every file but the manifest itself, in path order."""
    root = digests.root
    files = sorted(rel for p in root.rglob("*") if p.is_file() and (rel := p.relative_to(root).as_posix()) != MANIFEST)
    with open(root / MANIFEST, "w", encoding="utf-8", newline="\n") as manifest:
        for rel in files:
            manifest.write(f"{digests.of(rel)}  {rel}\n")
            tick("checksums")
    return len(files) + 1

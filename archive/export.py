"""Publishing the archive as a dataset others can cite and check: `tnu-archive export`.

The export is a Frictionless Data Package: the public tables as CSV and JSON Lines (and Parquet
when pyarrow is installed), the image files under their archive paths, `datapackage.json` with
every resource's schema, sha256 and size, a `README.md` dataset card, and `manifest-sha256.txt`
for `sha256sum -c`. Nothing in it depends on when the export ran: the same archive always
exports to the same bytes, so two exports can be compared by their manifests.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from archive import __version__
from archive.db import COLUMNS, TABLE_DESCRIPTIONS
from archive.progress import ProgressCallback
from archive.search import open_readonly
from archive.sites import write_site_subset

# The tables a dataset user needs; runs, fetches, raw pages and versions are the crawler's own
# records and stay in the SQLite file. Each is ordered by its key so exports are reproducible.
TABLES: dict[str, str] = {
    "articles": "id",
    "article_images": "article_id, position",
    "images": "sha256",
    "view_counts": "article_id, observed_at, views, run_id",
}
LIVE_SITE = "https://tnu.edu.vn/"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
RIGHTS = (
    "The dataset (its selection, structure, metadata and derived fields) is published under "
    "CC BY 4.0. The articles' text and photographs belong to Thai Nguyen University (Đại học "
    "Thái Nguyên) and to the photographers credited in the captions; they are included for "
    "archival and research use, and reusing them beyond that needs the rights holders' consent."
)
MANIFEST = "manifest-sha256.txt"
MANIFEST_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")  # as sha256sum writes and reads it
# What an export's datapackage.json is named: how a folder is recognised as an earlier export.
PACKAGE_NAME = "tnu-news-archive"
_BATCH = 1000  # rows per Parquet row group, so a large archive is never held in memory at once
_CHUNK = 1 << 20


class ExportError(Exception):
    """The export could not be made; the message is meant for the user."""


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
) -> dict:
    """Write the dataset into `out_dir` (created; a previous export there is replaced); `site`:
    of that site's articles only (their images and view counts), exported from a copy of that
    part of the archive (archive/sites.py write_site_subset), so it is one site's own dataset.

    Returns a summary: out_dir, version, rows per table, images, files, bytes, parquet.
    Raises ExportError when an image file is missing or does not match its recorded sha256 (the
    export would not be what it claims), or when `out_dir` holds anything but an earlier export
    (then nothing in it is touched). Of an earlier export, only the files its manifest lists are
    replaced or removed: whatever else is in the folder stays. `progress(done, total, counts)` is
    called after each row, image file and checksum.
    """
    if site is not None:
        with tempfile.TemporaryDirectory(prefix="tnu-export-") as folder:
            subset = Path(folder) / "site.sqlite"
            try:
                if not write_site_subset(db_path, site, subset):
                    raise ExportError(f"the archive holds no article of a site named {site!r} (`tnu-archive sites`)")
            except sqlite3.OperationalError as exc:  # an archive older than sites has no articles.site
                raise ExportError(f"cannot select the site {site!r}: {exc}") from None
            return export(subset, images_dir, out_dir, progress)
    # abspath: `--out .` (or `..`) has no name to build the staging folder's from.
    db_path, images_dir, out_dir = Path(db_path), Path(images_dir), Path(os.path.abspath(out_dir))
    previous = earlier_export(out_dir)  # before anything is written: a foreign folder is not touched
    # An existing folder is kept (it can be the shell's working folder, or a mount point) and
    # its files are swapped; a new one is staged beside its final place and renamed.
    in_place = out_dir.is_dir()
    if in_place:
        staging = _new_folder(out_dir, ".partial")
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_folder(out_dir.parent, f".{out_dir.name}.partial")
    try:
        conn = open_readonly(db_path)
        try:
            # One read transaction: a crawl writing meanwhile cannot make the tables disagree.
            conn.execute("BEGIN")
            summary = _write_package(conn, images_dir, staging, progress)
            conn.execute("COMMIT")
        finally:
            conn.close()
        if in_place:
            _replace_files(out_dir, staging, previous)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary["out_dir"] = str(out_dir)
    return summary


def _new_folder(parent: Path, stem: str) -> Path:
    """A folder of that name that did not exist (one that does is someone's: never reused)."""
    for attempt in range(100):
        folder = parent / f"{stem}-{os.getpid()}-{attempt}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise ExportError(f"cannot find a free name for a staging folder in {parent}")


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


def _steps(conn: sqlite3.Connection, formats: int) -> int:
    """Every step the tally will count: rows, image copies, then a checksum of each data file
    (version) and of each file (manifest, which adds datapackage.json and README.md)."""
    rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)
    images = conn.execute("SELECT count(*) FROM images").fetchone()[0]
    data_files = len(TABLES) * formats + images
    return rows + images + data_files + data_files + 2


def _write_package(
    conn: sqlite3.Connection, images_dir: Path, root: Path, progress: ProgressCallback | None = None
) -> dict:
    if not conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
        # A dataset with no article would carry no dates, no version, nothing to cite.
        raise ExportError("the archive holds no article yet: nothing to export (run a crawl first)")
    parquet = _pyarrow()
    tick: Tick = _no_tick
    if progress is not None:
        tally = _Tally(progress, _steps(conn, 2 + (parquet is not None)))
        progress(0, tally.total, tally.counts)
        tick = tally
    (root / "data").mkdir()
    digests = _Digests(root)
    table_resources: list[dict] = []
    rows: dict[str, int] = {}
    for table, order in TABLES.items():
        columns = _columns(conn, table)
        fields = [_field(table, column) for column in columns]
        schema = _schema(conn, table, fields)
        count = _write_table(conn, table, order, columns, fields, root / "data", parquet, tick)
        rows[table] = count
        for fmt in ("csv", "jsonl") + (("parquet",) if parquet else ()):
            table_resources.append(_table_resource(table, fmt, digests, schema))
    image_resources = _copy_images(conn, images_dir, digests, tick)
    info = _archive_facts(conn)
    data_files = [r["path"] for r in table_resources + image_resources]
    version = _version(info, digests, data_files, tick)
    package = _package(info, version, table_resources + image_resources)
    (root / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (root / "README.md").write_text(_dataset_card(package, info, rows, parquet), encoding="utf-8")
    files = _write_manifest(digests, tick)
    return {
        "version": version,
        "rows": rows,
        "images": len(image_resources),
        "files": files,
        "bytes": sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
        "parquet": parquet is not None,
    }


# -- tables ------------------------------------------------------------------------------------

_TYPES = {"INTEGER": "integer", "TEXT": "string", "REAL": "number", "NUMERIC": "number"}


def _columns(conn: sqlite3.Connection, table: str) -> list[dict]:
    # The live schema, not a list kept here: columns added by later migrations are exported too.
    return [
        {"name": name, "type": decl.upper(), "notnull": bool(notnull), "pk": pk}
        for _, name, decl, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")
    ]


def _field(table: str, column: dict) -> dict:
    field = {"name": column["name"], "type": _TYPES.get(column["type"], "any")}
    description = COLUMNS.get(table, {}).get(column["name"])
    if description:
        field["description"] = description
    if column["notnull"]:
        field["constraints"] = {"required": True}
    return field


def _schema(conn: sqlite3.Connection, table: str, fields: list[dict]) -> dict:
    schema: dict = {"fields": fields}
    pk = [
        name
        for _, name, _, _, _, position in sorted(conn.execute(f"PRAGMA table_info({table})"), key=lambda c: c[5])
        if position
    ]
    if pk:
        schema["primaryKey"] = pk
    for _, name, unique, *_ in conn.execute(f"PRAGMA index_list({table})"):
        cols = [c[2] for c in conn.execute(f"PRAGMA index_info({name})")]
        if unique and len(cols) == 1 and cols != pk:
            for field in fields:
                if field["name"] == cols[0]:
                    field.setdefault("constraints", {})["unique"] = True
    # Only links between exported tables: runs and raw pages are not part of the dataset.
    links: dict[int, dict] = {}
    for fk_id, _, target, source, to, *_ in conn.execute(f"PRAGMA foreign_key_list({table})"):
        if target in TABLES:
            link = links.setdefault(fk_id, {"fields": [], "reference": {"resource": target, "fields": []}})
            link["fields"].append(source)
            link["reference"]["fields"].append(to)
    if links:
        schema["foreignKeys"] = [links[k] for k in sorted(links)]
    return schema


def _rows(conn: sqlite3.Connection, table: str, order: str, names: list[str]) -> Iterator[tuple]:
    quoted = ", ".join(f'"{n}"' for n in names)
    yield from conn.execute(f"SELECT {quoted} FROM {table} ORDER BY {order}, rowid")


def _write_table(
    conn: sqlite3.Connection,
    table: str,
    order: str,
    columns: list[dict],
    fields: list[dict],
    folder: Path,
    parquet,
    tick: Tick = _no_tick,
) -> int:
    names = [c["name"] for c in columns]
    count = 0
    writer = batch = None
    if parquet is not None:
        pa, pq = parquet
        arrow_types = {"integer": pa.int64(), "number": pa.float64()}
        arrow_schema = pa.schema([(f["name"], arrow_types.get(f["type"], pa.string())) for f in fields])
        writer = pq.ParquetWriter(folder / f"{table}.parquet", arrow_schema)
        batch = []
    with (
        open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as csv_file,
        open(folder / f"{table}.jsonl", "w", encoding="utf-8", newline="\n") as jsonl_file,
    ):
        out = csv.writer(csv_file, lineterminator="\n")
        out.writerow(names)
        for row in _rows(conn, table, order, names):
            out.writerow(["" if value is None else value for value in row])
            jsonl_file.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
            count += 1
            tick("rows")
            if writer is not None:
                batch.append(row)
                if len(batch) == _BATCH:
                    _write_batch(writer, arrow_schema, names, batch)
                    batch = []
    if writer is not None:
        if batch or count == 0:
            _write_batch(writer, arrow_schema, names, batch)
        writer.close()
    return count


def _write_batch(writer, arrow_schema, names: list[str], batch: list[tuple]) -> None:
    import pyarrow as pa  # noqa: PLC0415 — only reached when it is installed

    columns = list(zip(*batch, strict=True)) if batch else [[] for _ in names]
    writer.write_table(
        pa.table(
            [pa.array(list(col), type=arrow_schema.field(i).type) for i, col in enumerate(columns)],
            schema=arrow_schema,
        )
    )


def _pyarrow():
    try:
        import pyarrow  # noqa: PLC0415
        import pyarrow.parquet  # noqa: PLC0415
    except ImportError:
        return None
    return pyarrow, pyarrow.parquet


_FORMATS = {
    "csv": ("text/csv", "CSV"),
    "jsonl": ("application/jsonl", "JSON Lines"),
    "parquet": ("application/vnd.apache.parquet", "Parquet"),
}


def _table_resource(table: str, fmt: str, digests: _Digests, schema: dict) -> dict:
    path = f"data/{table}.{fmt}"
    mediatype, label = _FORMATS[fmt]
    name = table if fmt == "csv" else f"{table}-{fmt}"
    if fmt != "csv":  # each format is a self-contained set: links point at the same format
        schema = json.loads(json.dumps(schema))
        for link in schema.get("foreignKeys", []):
            link["reference"]["resource"] = f"{link['reference']['resource']}-{fmt}"
    resource = {
        "name": name,
        "path": path,
        "title": f"{table} ({label})",
        "description": TABLE_DESCRIPTIONS.get(table, table),
        "format": fmt,
        "mediatype": mediatype,
        "encoding": "utf-8",
        "profile": "tabular-data-resource",
    }
    if fmt == "parquet":
        # Declared a plain file: the validator reads Parquet only with pandas installed, and the
        # same rows are validated as CSV and JSON Lines; the schema still documents the columns.
        resource.update(type="file", profile="data-resource")
    resource.update(hash=f"sha256:{digests.of(path)}", bytes=(digests.root / path).stat().st_size)
    resource["schema"] = schema
    return resource


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


# -- package metadata --------------------------------------------------------------------------


def _archive_facts(conn: sqlite3.Connection) -> dict:
    first_seen, last_seen = conn.execute("SELECT min(first_seen_at), max(last_seen_at) FROM articles").fetchone()
    first_obs, last_obs = conn.execute("SELECT min(observed_at), max(observed_at) FROM view_counts").fetchone()
    crawl_from = min(filter(None, [first_seen, first_obs]), default=None)
    crawl_to = max(filter(None, [last_seen, last_obs]), default=None)
    published = conn.execute(
        "SELECT min(substr(published_at, 1, 10)), max(substr(published_at, 1, 10)) FROM articles"
    ).fetchone()
    hosts = sorted(
        {
            f"{parts.scheme}://{parts.netloc}/"
            for (url,) in conn.execute("SELECT url FROM articles")
            if (parts := urlsplit(url)).scheme and parts.netloc
        }
    )
    schema_version = conn.execute("PRAGMA user_version").fetchone()[0]
    return {
        "crawled": {"from": crawl_from, "to": crawl_to},
        "published": {"from": published[0], "to": published[1]},
        "sites": hosts or [LIVE_SITE],
        "schema_version": schema_version,
    }


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


def _span(dates: dict, joiner: str = " to ") -> str:
    if not dates["from"]:
        return "(dates unknown)"
    return f"{dates['from']}{joiner}{dates['to']}"


def _about(info: dict) -> str:
    crawled, published = info["crawled"], info["published"]
    return (
        "Articles of the news site of Thai Nguyen University (Đại học Thái Nguyên), Vietnam, "
        "as archived by tnu-archive: text, publication dates, view counters observed over "
        "time, and the articles' photographs with their captions and credits. "
        f"Published {_span(published)}; crawled {_span(crawled)}."
    )


def _package(info: dict, version: str, resources: list[dict]) -> dict:
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "News of Thai Nguyen University (tnu.edu.vn), archived",
        "description": f"{_about(info)} {RIGHTS}",
        "version": version,
        # The archive's latest observation, not the time of export: re-exporting the same
        # archive must give the same bytes.
        "created": info["crawled"]["to"],
        "homepage": info["sites"][0],
        "keywords": ["Thai Nguyen University", "Đại học Thái Nguyên", "news", "Vietnam", "web archive"],
        "licenses": [LICENSE],
        "rights": RIGHTS,
        "sources": [{"title": f"News pages of {site}", "path": site} for site in info["sites"]],
        "contributors": [
            {"title": "Thai Nguyen University (Đại học Thái Nguyên)", "path": LIVE_SITE, "role": "author"},
            {"title": f"tnu-archive {__version__}", "role": "contributor"},
        ],
        "crawled": info["crawled"],
        "published": info["published"],
        "schema_version": info["schema_version"],
        "resources": resources,
    }


def _dataset_card(package: dict, info: dict, rows: dict[str, int], parquet) -> str:
    crawled, published = info["crawled"], info["published"]
    formats = "CSV, JSON Lines" + (" and Parquet" if parquet else "")
    lines = [
        f"# {package['title']}",
        "",
        _about(info),
        "",
        f"- Version: `{package['version']}`",
        f"- Articles published: {_span(published)}",
        f"- Crawled: {_span(crawled)} (UTC)",
        f"- Sources: {', '.join(info['sites'])}",
        f"- Counts: {rows['articles']} articles, {rows['article_images']} article images, "
        f"{rows['images']} image files, {rows['view_counts']} view-count observations",
        "",
        "## Files",
        "",
        f"- `data/<table>.csv`, `.jsonl`{', `.parquet`' if parquet else ''}: the tables below "
        f"({formats}), UTF-8, Unicode NFC, ordered by key. In CSV an empty cell is NULL; JSON "
        "Lines keeps `null` apart from the empty string.",
        "- `images/<first two hex>/<sha256>.<ext>`: the image files, byte for byte as downloaded; "
        "`images.path` and `article_images.image_sha256` point at them. They are untrusted: "
        "they are whatever the site (or anyone it linked to) served, and an SVG file (`.svg`) is "
        "a document that can carry script. Do not publish them on, or open them from, a web "
        "origin you care about; serve them with `Content-Security-Policy: sandbox` as "
        "`tnu-archive serve` does.",
        "- `datapackage.json`: Frictionless Data Package metadata: schemas, sha256 and size of every file.",
        f"- `{MANIFEST}`: checksums of every file.",
        "",
        "Check the copy you have:",
        "",
        "```sh",
        f"sha256sum -c {MANIFEST}",
        # Plain `frictionless` lacks the JSON Lines reader and reports the .jsonl files invalid.
        "pip install 'frictionless[json]'",
        "frictionless validate datapackage.json",
        "```",
        "",
        "## Fields",
    ]
    tables = [r for r in package["resources"] if r.get("format") == "csv"]
    for resource in tables:
        lines += [
            "",
            f"### {resource['name']}",
            "",
            resource["description"] + ".",
            "",
            "| field | type | description |",
            "| --- | --- | --- |",
        ]
        for field in resource["schema"]["fields"]:
            description = field.get("description", "").replace("|", "\\|")
            lines.append(f"| `{field['name']}` | {field['type']} | {description} |")
    lines += [
        "",
        "## Licence",
        "",
        RIGHTS,
        "",
        "## How to cite",
        "",
        f"Thai Nguyen University news archive (tnu-archive), version {package['version']}, "
        f"articles published {_span(published, '–')}, crawled "
        f"{_span({k: v[:10] for k, v in crawled.items()}, '–')} from "
        f"{', '.join(info['sites'])}. Licence: CC BY 4.0 (dataset); content © Thai Nguyen "
        "University.",
        "",
    ]
    return "\n".join(lines)


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

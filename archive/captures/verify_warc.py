"""verify's look at the WARC files: the evidence every row of the archive was derived from.

- every WARC file the `captures` table or a CDXJ index names is in the WARC folder;
- every WARC file there reads to its end: each gzip member whole (its CRC and size checked by
  zlib: warcio skips a damaged member with a note on stderr and stops early, as if the file
  had ended), each record one warcio parses;
- each capture finds its record at its offset, of its length, under its record id;
- the payload of a sample of captures (all of them with `full`) has the digest `captures`
  recorded: sha1 of the body as sent, what `WARC-Payload-Digest` says.

A file still being written (a crawl is running) or left by a killed run has no CDXJ index yet:
an incomplete record at its very end is what the next run cuts off (archive/captures/warc_writer.py
`salvage`), not damage, unless a capture points into it. Only reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sqlite3
import zlib
from base64 import b32encode
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from archive.captures.warc_index import CDXJ_SUFFIX, WARC_SUFFIX, cdxj_path

# Captures whose payload digest a plain `verify` recomputes, chosen at random each time: every
# record is read anyway (that finds damaged files), and successive runs cover other captures.
DIGEST_SAMPLE = 100
_CHUNK = 1 << 16
_OUT = 1 << 20  # decompressed bytes held at once while a member is checked
_FILENAME = re.compile(r'"filename": "((?:[^"\\]|\\.)*)"')


@dataclass
class WarcTally:
    files: int = 0
    records: int = 0
    digests: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (subject, detail)

    def add(self, subject: Path | str, detail: str) -> None:
        self.problems.append((str(subject), detail))


@dataclass(frozen=True)
class _Capture:
    id: int
    offset: int
    length: int
    record_id: str
    payload_digest: str
    record_type: str
    sampled: bool


def check_warcs(conn: sqlite3.Connection, warc_dir: Path, *, sample: int | None = DIGEST_SAMPLE) -> WarcTally:
    """Check the WARC folder against the archive; `sample=None` recomputes every payload digest."""
    tally = WarcTally()
    has_captures = bool(
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'captures'").fetchone()
    )
    referenced: dict[str, int] = {}
    if has_captures:
        referenced = dict(conn.execute("SELECT warc_file, count(*) FROM captures GROUP BY warc_file"))
    indexed = _named_by_indexes(warc_dir, tally)
    names = set(referenced) | set(indexed)
    for name in sorted(names):
        if Path(name).name != name or name in ("", ".", ".."):
            tally.add(name, f"not a file name in {warc_dir} (named by {_named_by(name, referenced, indexed)})")
        elif not (warc_dir / name).is_file():
            tally.add(warc_dir / name, f"missing (named by {_named_by(name, referenced, indexed)})")
    present = {p.name for p in warc_dir.glob("*" + WARC_SUFFIX) if p.is_file()} if warc_dir.is_dir() else set()
    readable = sorted(present | {n for n in names if Path(n).name == n and (warc_dir / n).is_file()})
    captures = _captures_by_file(conn, sample) if has_captures else iter(())
    pending = next(captures, None)
    for name in readable:
        # both lists are in file-name order: the captures of one file at a time are in memory
        while pending is not None and pending[0] < name:
            pending = next(captures, None)
        of_file: list[_Capture] = []
        if pending is not None and pending[0] == name:
            of_file = pending[1]
            pending = next(captures, None)
        _check_file(warc_dir / name, of_file, tally)
    return tally


def _named_by(name: str, referenced: dict[str, int], indexed: dict[str, list[str]]) -> str:
    parts = []
    if name in referenced:
        parts.append(f"{referenced[name]} captures")
    if name in indexed:
        parts.append(f"the CDXJ index {', '.join(indexed[name])}")
    return " and ".join(parts)


def _named_by_indexes(warc_dir: Path, tally: WarcTally) -> dict[str, list[str]]:
    """WARC file name -> the CDXJ indexes in the folder whose lines point into it."""
    named: dict[str, list[str]] = {}
    if not warc_dir.is_dir():
        return named
    for index in sorted(warc_dir.glob("*" + CDXJ_SUFFIX)):
        found: set[str] = set()
        try:
            with open(index, encoding="utf-8") as lines:
                for line in lines:
                    if match := _FILENAME.search(line):
                        found.add(match[1])
        except (OSError, UnicodeDecodeError) as exc:
            tally.add(index, f"unreadable CDXJ index: {exc}")
        for name in found:
            named.setdefault(name, []).append(index.name)
    return named


def _captures_by_file(conn: sqlite3.Connection, sample: int | None) -> Iterator[tuple[str, list[_Capture]]]:
    total = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    # A random sample of about `sample` rows, chosen in the query: the table is never in memory.
    # (random() % n + n) % n: abs() of the smallest 64-bit integer, which random() can return, is an error
    n = max(total, 1)
    chosen = "1" if sample is None or sample >= total else f"(random() % {n} + {n}) % {n} < {max(sample, 0)}"
    rows = conn.execute(
        f"SELECT warc_file, id, offset, length, record_id, payload_digest, record_type, {chosen}"
        " FROM captures ORDER BY warc_file, offset"
    )
    current: str | None = None
    batch: list[_Capture] = []
    for name, *fields, sampled in rows:
        if name != current:
            if current is not None:
                yield current, batch
            current, batch = name, []
        batch.append(_Capture(*fields, sampled=bool(sampled)))
    if current is not None:
        yield current, batch


def _check_file(path: Path, captures: list[_Capture], tally: WarcTally) -> None:
    tally.files += 1
    try:
        members, good_end, damage = _gzip_members(path)
    except OSError as exc:
        tally.add(path, f"unreadable: {exc}")
        return
    lost = [c for c in captures if c.offset >= good_end]
    # a cut-short end is reported unless it is a file being written or left by a killed run
    if damage and (damage.startswith("damaged") or lost or cdxj_path(path).exists()):
        lost_too = f"; captures lost with it ({len(lost)}): {_listed(lost)}" if lost else ""
        tally.add(path, f"{damage} at byte {good_end}{lost_too}")
    else:
        lost = []
    by_id = {c.record_id: c for c in captures if c.offset < good_end}
    seen: set[int] = set()
    complaints = io.StringIO()
    records = None
    try:
        # warcio reports a record that is not what its Content-Length says on stderr and reads on
        with open(path, "rb") as fh, contextlib.redirect_stderr(complaints):
            records = ArchiveIterator(LimitReader(fh, good_end))
            for record in records:
                capture = by_id.get(record.rec_headers.get_header("WARC-Record-ID"))
                digest = None
                if capture is not None and capture.sampled and record.rec_type == "response":
                    digest = _payload_digest(record.raw_stream)
                offset, length = records.get_record_offset(), records.get_record_length()
                tally.records += 1
                if capture is not None:
                    seen.add(capture.id)
                    _check_capture(path, capture, record, offset, length, members, digest, tally)
    except (OSError, ArchiveLoadFailed, ValueError, EOFError, zlib.error) as exc:
        tally.add(path, f"a record does not read after byte {records.offset if records else 0}: {exc}")
    for line in complaints.getvalue().splitlines():
        if line.strip():
            tally.add(path, f"warcio: {line.strip()}")
    seen.update(c.id for c in lost)  # said in the damage's line
    unseen = [c for c in captures if c.id not in seen]
    if unseen:
        tally.add(path, f"captures without their record at their offset ({len(unseen)}): {_listed(unseen)}")


def _listed(captures: list[_Capture]) -> str:
    shown = ", ".join(f"capture {c.id} (offset {c.offset})" for c in captures[:3])
    return shown + (f" and {len(captures) - 3} more" if len(captures) > 3 else "")


def _check_capture(
    path: Path,
    capture: _Capture,
    record,
    offset: int,
    length: int,
    members: dict[int, int],
    digest: str | None,
    tally: WarcTally,
) -> None:
    where = f"capture {capture.id}"
    if offset != capture.offset or members.get(offset) != capture.length or length != capture.length:
        tally.add(
            path,
            f"{where}: its record is at offset {offset} ({members.get(offset, length)} bytes), "
            f"recorded {capture.offset} ({capture.length} bytes)",
        )
    if record.rec_type != capture.record_type:
        tally.add(path, f"{where}: a {record.rec_type} record, recorded {capture.record_type}")
    if not capture.sampled:
        return
    tally.digests += 1
    header = record.rec_headers.get_header("WARC-Payload-Digest")
    actual = digest if digest is not None else header
    if actual != capture.payload_digest:
        source = "its payload's digest" if digest is not None else "its WARC-Payload-Digest"
        tally.add(path, f"{where}: {source} is {actual}, recorded {capture.payload_digest}")


def _payload_digest(stream) -> str:
    """As archive.captures.warc_index.payload_digest, read in chunks (a payload can be large)."""
    digest = hashlib.sha1()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return "sha1:" + b32encode(digest.digest()).decode("ascii")


def _gzip_members(path: Path) -> tuple[dict[int, int], int, str | None]:
    """({member offset: length}, where the readable part ends, what is wrong after it or None).

    Every member is decompressed (in bounded pieces) to its end, where zlib checks its CRC and
    size: the one way to know the file reads whole."""
    members: dict[int, int] = {}
    start = 0  # of the member being read
    at = 0  # file position of `data`'s first byte
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            data = chunk
            while data:
                try:
                    member.decompress(data, _OUT)
                except zlib.error as exc:
                    return members, start, f"damaged ({exc})"
                if member.eof:
                    end = at + len(data) - len(member.unused_data)
                    members[start] = end - start
                    data, at, start = member.unused_data, end, end
                    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
                elif member.unconsumed_tail:
                    at += len(data) - len(member.unconsumed_tail)
                    data = member.unconsumed_tail
                else:
                    at += len(data)
                    data = b""
    if at > start:
        return members, start, "cut short: ends inside a record"
    return members, start, None

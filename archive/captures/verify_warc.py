"""verify's look at the WARC files: the evidence every row of the archive was derived from.

- every WARC file the `captures` table or a CDXJ index names is in the WARC folder;
- every WARC file there reads to its end: each gzip member whole (its CRC and size checked by
  zlib: warcio skips a damaged member with a note on stderr and stops early, as if the file
  had ended), each record one warcio parses; a damaged member is one problem, and the file is
  read on from the next member that reads whole (searched for, bounded), so every damaged
  record of every file is named, not only the first;
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
import os
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
# After a member that does not read, the next whole one is looked for this far on (past the
# largest record a crawl writes: a page or an image of tens of MB), trying at most this many
# places that look like a gzip header.
RESYNC_BYTES = 256 << 20
MAX_RESYNC_TRIES = 100_000
_GZIP_MAGIC = b"\x1f\x8b\x08"
_RECORD_START = b"WARC/"
_PAST_THE_END = 1 << 62  # a damage that runs to the end of the file takes the captures past it too


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
        scan = _gzip_members(path)
    except OSError as exc:
        tally.add(path, f"unreadable: {exc}")
        return
    lost_ids: set[int] = set()
    for damage in scan.damages:
        lost = [c for c in captures if damage.start <= c.offset < damage.end]
        # a cut-short end is reported unless it is a file being written or left by a killed run
        if not damage.cut or lost or cdxj_path(path).exists():
            lost_too = f"; captures lost with it ({len(lost)}): {_listed(lost)}" if lost else ""
            tally.add(path, f"{damage.what} at byte {damage.start}{damage.after}{lost_too}")
            lost_ids.update(c.id for c in lost)
    readable = [c for c in captures if any(start <= c.offset < end for start, end in scan.spans)]
    by_id = {c.record_id: c for c in readable}
    seen: set[int] = set()
    complaints = io.StringIO()
    with open(path, "rb") as fh, contextlib.redirect_stderr(complaints):
        for start, end in scan.spans:  # the runs of whole members, each read on its own
            _check_records(path, fh, start, end, by_id, scan.members, seen, tally)
    for line in complaints.getvalue().splitlines():
        if line.strip():
            tally.add(path, f"warcio: {line.strip()}")
    seen.update(lost_ids)  # said in the damage's line
    unseen = [c for c in captures if c.id not in seen]
    if unseen:
        tally.add(path, f"captures without their record at their offset ({len(unseen)}): {_listed(unseen)}")


def _check_records(
    path: Path,
    fh,
    start: int,
    end: int,
    by_id: dict[str, _Capture],
    members: dict[int, int],
    seen: set[int],
    tally: WarcTally,
) -> None:
    """Parse the records of the whole members between `start` and `end`, checking the captures among them."""
    records = None
    try:
        fh.seek(start)
        # warcio reports a record that is not what its Content-Length says on stderr and reads on
        records = ArchiveIterator(LimitReader(fh, end - start))
        for record in records:
            capture = by_id.get(record.rec_headers.get_header("WARC-Record-ID"))
            digest = None
            if capture is not None and capture.sampled and record.rec_type == "response":
                digest = _payload_digest(record.raw_stream)
            # warcio counts from where it began: this run of members
            offset, length = start + records.get_record_offset(), records.get_record_length()
            tally.records += 1
            if capture is not None:
                seen.add(capture.id)
                _check_capture(path, capture, record, offset, length, members, digest, tally)
    except (OSError, ArchiveLoadFailed, ValueError, EOFError, zlib.error) as exc:
        tally.add(path, f"a record does not read after byte {start + (records.offset if records else 0)}: {exc}")


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


@dataclass(frozen=True)
class _Damage:
    start: int  # where the first member that does not read begins
    end: int  # where the next whole member begins (_PAST_THE_END when none does)
    what: str
    after: str = ""  # what the line says of the bytes after it
    cut: bool = False  # the file ends inside a member: maybe one still being written


@dataclass
class _Scan:
    members: dict[int, int] = field(default_factory=dict)  # member offset -> length
    spans: list[tuple[int, int]] = field(default_factory=list)  # runs of whole members: (start, end)
    damages: list[_Damage] = field(default_factory=list)


def _gzip_members(path: Path, *, resync_bytes: int = RESYNC_BYTES) -> _Scan:
    """Every gzip member of the file, decompressed (in bounded pieces) to its end, where zlib
    checks its CRC and size: the one way to know the file reads whole. A member that does not
    read is one damage; the scan goes on at the next member that reads whole (looked for within
    `resync_bytes` after it), so every damaged record of the file is found, not only the first."""
    scan = _Scan()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        pos = 0
        while pos < size:  # each turn moves on by at least one byte: bounded by the file's size
            end, error = _read_members(fh, pos, scan.members)
            if end > pos:
                scan.spans.append((pos, end))
            if error is None:
                if end < size:
                    scan.damages.append(_Damage(end, _PAST_THE_END, "cut short: ends inside a record", cut=True))
                break
            found = _next_member(fh, end + 1, min(size, end + 1 + resync_bytes))
            if found is None:
                scan.damages.append(
                    _Damage(
                        end,
                        _PAST_THE_END,
                        f"damaged ({error})",
                        f"; no whole gzip member after it: {size - end} bytes to the end not read"
                        if end + 1 + resync_bytes >= size
                        else f"; no whole gzip member in the {resync_bytes} bytes after it (the search's bound): "
                        f"{size - end} bytes to the end not read",
                    )
                )
                break
            scan.damages.append(
                _Damage(
                    end,
                    found,
                    f"damaged ({error})",
                    f"; {found - end} bytes skipped to the next member, at byte {found}",
                )
            )
            pos = found
    return scan


def _read_members(fh, pos: int, members: dict[int, int]) -> tuple[int, str | None]:
    """Read whole members from `pos` on, adding each to `members`: (where the last whole one
    ends, None at the end of the file or what zlib said of the member after it)."""
    fh.seek(pos)
    start = pos  # of the member being read
    at = pos  # file position of `data`'s first byte
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while chunk := fh.read(_CHUNK):
        data = chunk
        while data:
            try:
                member.decompress(data, _OUT)
            except zlib.error as exc:
                return start, str(exc)
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
    return start, None


def _next_member(fh, begin: int, limit: int) -> int | None:
    """The offset of the first gzip member that reads whole starting in [begin, limit), or None.

    A gzip header is three bytes (1f 8b 08) that any payload can hold too: a candidate counts only
    once a member starting there decompresses to its end, and to a WARC record. At most MAX_RESYNC_TRIES
    candidates are tried, each read no further than its own first error."""
    tries = 0
    at = begin
    while at < limit and tries < MAX_RESYNC_TRIES:
        fh.seek(at)
        window = fh.read(min(_CHUNK, limit - at) + len(_GZIP_MAGIC) - 1)
        found = window.find(_GZIP_MAGIC)
        if found < 0 or at + found >= limit:
            at += max(len(window) - len(_GZIP_MAGIC) + 1, 1)
            continue
        candidate = at + found
        tries += 1
        if _one_member_reads(fh, candidate):
            return candidate
        at = candidate + 1
    return None


def _one_member_reads(fh, pos: int) -> bool:
    """A whole gzip member starts at `pos`, and holds a WARC record: a record stored uncompressed
    (level 0: an image, a gzip-encoded page) carries its payload's bytes as they are, and a
    gzip-encoded body is a whole member of its own, which is no record."""
    fh.seek(pos)
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    head = b""
    while chunk := fh.read(_CHUNK):
        data = chunk
        while data:
            try:
                out = member.decompress(data, _OUT)
            except zlib.error:
                return False
            if len(head) < len(_RECORD_START):
                head += out[: len(_RECORD_START) - len(head)]
                if not _RECORD_START.startswith(head):
                    return False
            if member.eof:
                return head == _RECORD_START
            data = member.unconsumed_tail
    return False

"""Finding and reading the crawl's captures: the `captures` table, CDXJ indexes, WARC records.

The WARC files are the evidence the SQLite records were derived from; this module answers
"where are the bytes of this response?" (`CaptureLedger`, `read_capture`) and writes the CDXJ
index each run leaves beside its WARC file, which is what pywb and WACZ readers look captures up
in: from what the writer knew of each record (`write_cdxj_entries`), or by reading a WARC file
back (`write_cdxj`, for the files of killed runs). Never imports Scrapy.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import iso_date_to_timestamp

WARC_SUFFIX = ".warc.gz"
CDXJ_SUFFIX = ".cdxj"


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for these bytes: `sha1:` + base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True)
class Capture:
    """One response or revisit record, as listed in the `captures` table."""

    url: str
    record_type: str  # "response" or "revisit"
    status: int | None
    warc_file: str  # file name inside the WARC folder
    offset: int
    length: int
    record_id: str
    payload_digest: str
    captured_at: str  # the record's WARC-Date
    run_id: int | None = None
    fetch_id: int | None = None  # fetch_log.id, when the crawler links them
    refers_to: int | None = None  # captures.id of the record holding the bytes (revisits)
    id: int | None = None


_FIELDS = tuple(f.name for f in fields(Capture))  # in declaration order, `id` last
_COLUMNS = ", ".join(_FIELDS)
_INSERT = f"INSERT INTO captures ({', '.join(_FIELDS[:-1])}) VALUES ({', '.join('?' * (len(_FIELDS) - 1))})"


class CaptureLedger:
    """The `captures` table: where each record is, and which bytes the archive already holds.

    `earlier()` is the digest index behind revisit records: a response whose URL and payload
    digest were captured before (in this run or any earlier one) is written as a revisit.
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def earlier(self, url: str, digest: str) -> Capture | None:
        """The first full capture of these bytes at this URL, or None."""
        # Plain SQL on the connection (no per-call schema reads, no dicts): this and add() run
        # for every response of a crawl.
        row = self.db.conn.execute(
            f"SELECT {_COLUMNS} FROM captures WHERE url = ? AND payload_digest = ? AND record_type = 'response' "
            "ORDER BY id LIMIT 1",
            [url, digest],
        ).fetchone()
        return None if row is None else Capture(*row)

    def add(self, capture: Capture) -> Capture:
        """Record a capture just written; returns it with its row id."""
        values = [getattr(capture, name) for name in _FIELDS[:-1]]  # all but the id
        cursor = self.db.conn.execute(_INSERT, values)
        return replace(capture, id=cursor.lastrowid)

    def link_fetch(self, capture_id: int, fetch_id: int) -> None:
        """Tie a capture to the `fetch_log` row of the same HTTP exchange."""
        self.db.execute("UPDATE captures SET fetch_id = ? WHERE id = ?", [fetch_id, capture_id])

    def latest(self, url: str, status: int = 200) -> Capture | None:
        """The most recent capture of a URL that answered with `status` (a response or revisit)."""
        rows = self.db.query(
            "SELECT * FROM captures WHERE url = ? AND status = ? ORDER BY id DESC LIMIT 1", [url, status]
        )
        for row in rows:
            return Capture(**row)
        return None

    def holding_bytes(self, capture: Capture) -> Capture:
        """The capture whose record holds the body: itself, or the one a revisit refers to."""
        if capture.refers_to is None:
            return capture
        return Capture(**self.db["captures"].get(capture.refers_to))

    def for_url(self, url: str) -> list[Capture]:
        """Every capture of a URL, oldest first."""
        rows = self.db.query("SELECT * FROM captures WHERE url = ? ORDER BY id", [url])
        return [Capture(**row) for row in rows]


class StoredResponse(NamedTuple):
    url: str
    http_headers: StatusAndHeaders  # .get_statuscode(), .get_header(name), .headers (pairs)
    body: bytes


def read_capture(warc_path: str | Path, offset: int, *, decode: bool = True) -> StoredResponse:
    """The HTTP response recorded at `offset` in a WARC file.

    `decode=True` undoes the Content-Encoding (gzip, deflate, br, zstd) so the body is what a browser
    would parse; `decode=False` gives the bytes exactly as the server sent them. A revisit
    record holds no body: its bytes are read from the earlier capture it refers to, found
    through the CDXJ indexes in the same folder.
    """
    warc_path = Path(warc_path)
    with open(warc_path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "revisit":
            original = _find_original(warc_path.parent, url, record.rec_headers.get_header("WARC-Payload-Digest"))
            body = read_capture(original[0], original[1], decode=decode).body
            return StoredResponse(url, record.http_headers, body)
        if record.rec_type != "response":
            raise ValueError(f"{warc_path}@{offset} is a {record.rec_type} record, not a response")
        body = record.raw_stream.read()
        if decode:
            body = decode_body(body, record.http_headers.get_header("Content-Encoding"))
        return StoredResponse(url, record.http_headers, body)


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """Undo a Content-Encoding (`gzip`, `deflate`, `br`, `zstd`, or several, comma-separated).

    Done here rather than by warcio: warcio knows no zstd, and its br support expects the
    `brotlipy` API, while Scrapy (which asks servers for br and zstd) needs Google's `Brotli`;
    `brotli.decompress` is the one call both libraries share.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # listed in the order they were applied
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS)
            except zlib.error:  # servers that send raw deflate without the zlib wrapper
                body = _inflate(body, -zlib.MAX_WBITS)
        elif coding == "br":
            import brotli

            body = brotli.decompress(body)
        elif coding == "zstd":
            body = _unzstd(body)
        elif coding != "identity":
            raise ValueError(f"unknown Content-Encoding {coding!r}")
    return body


def _inflate(body: bytes, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    return decompressor.decompress(body) + decompressor.flush()


def _unzstd(body: bytes) -> bytes:
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return zstd.decompress(body)


def _find_original(warc_dir: Path, url: str, digest: str) -> tuple[Path, int]:
    import surt  # noqa: PLC0415 — see _url_key

    key = surt.surt(url) + " "
    for cdxj in sorted(warc_dir.glob("*" + CDXJ_SUFFIX)):
        with open(cdxj, encoding="utf-8") as fh:
            for line in fh:
                if not line.startswith(key):
                    continue
                fields = json.loads(line.split(" ", 2)[2])
                if fields.get("url") == url and fields.get("digest") == digest and fields.get("mime") != "warc/revisit":
                    return warc_dir / fields["filename"], int(fields["offset"])
    raise LookupError(f"no capture of {url} with {digest} in the CDXJ indexes of {warc_dir}")


def cdxj_path(warc_path: str | Path) -> Path:
    """Where the CDXJ index of a WARC file lives: beside it, `.cdxj` for `.warc.gz`."""
    warc_path = Path(warc_path)
    return warc_path.with_name(warc_path.name.removesuffix(WARC_SUFFIX) + CDXJ_SUFFIX)


def write_cdxj(warc_path: str | Path) -> Path:
    """Index a WARC file (sorted CDXJ, as pywb and WACZ readers expect); returns the index path."""
    out = cdxj_path(warc_path)
    tmp = out.with_name(out.name + ".tmp")
    # A half-written index would be trusted by replay tools: write aside, then rename.
    # Records named explicitly: importing the `wacz` package adds warcinfo to the indexer's
    # defaults, process-wide, and replay needs only what can be looked up by URL.
    # imported here: cdxj_indexer brings pyamf and pkg_resources (~0.3 s), for killed runs' files only
    from cdxj_indexer.main import CDXJIndexer  # noqa: PLC0415

    CDXJIndexer(str(tmp), [str(warc_path)], sort=True, records="response,revisit").process_all()
    os.replace(tmp, out)
    return out


# --- The index without reading the WARC back -------------------------------------------------
# CDXJIndexer decompresses and re-parses every record of the file: about 1 s of CPU at the end
# of a 1,261-response run, growing with the run. The writer already knows what each line holds;
# these functions write the very bytes CDXJIndexer(sort=True, records="response,revisit") would
# (tests/warc/test_warc_cdxj.py compares them), so every field below is derived the way
# cdxj_indexer.main and warcio.indexer derive it from the record as read back.


class CdxjEntry(NamedTuple):
    """What the CDXJ line of one response or revisit record holds, as an indexer reads it back."""

    url: str  # WARC-Target-URI
    date: str  # WARC-Date
    mime: str | None  # "warc/revisit" for revisits; None without a Content-Type
    status: str | None  # the HTTP status code as written in the status line
    digest: str  # WARC-Payload-Digest
    length: int  # of the record's gzip member
    offset: int  # of the record's gzip member in the file


def http_index_fields(http_head: bytes, headers: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(mime, status) of a response as CDXJIndexer reads them from its HTTP header block.

    `headers` are the fields `http_head` was written from (`name: value` lines, in order): when
    each became one line, they are read here without parsing the block again; otherwise (folded
    or %-encoded values, line breaks inside values) the block is parsed as warcio parses it.
    """
    if (
        http_head.count(b"\n") != len(headers) + 2  # the status line, one line a field, the blank line
        or b"\n " in http_head  # a continuation line: warcio appends it to the field before
        or b"\n\t" in http_head
    ):
        return _parsed_http_index_fields(http_head)
    # warcio's reading of the status line (StatusAndHeadersParser.parse, verify off, then
    # get_statuscode): whatever follows the first space, stripped, up to the next space.
    first = http_head[: http_head.index(b"\n")].decode("ascii").rstrip()
    if not first:
        return _parsed_http_index_fields(http_head)
    _, _, after = first.partition(" ")
    status_line = after.strip()
    if not (status_line or headers):  # an empty StatusAndHeaders is falsy: no http: fields
        return None, None
    status = status_line.split(" ", 1)[0]
    for name, value in headers:
        # One line `name: value`, read back as warcio does: split at the first colon, the name
        # right-stripped of blanks, the value stripped; the first Content-Type counts.
        line_name, _, line_value = f"{name}: {value}".partition(":")
        if line_name.rstrip(" \t").lower() == "content-type":
            if not value.isascii():  # written %-encoded (StatusAndHeaders.to_ascii_bytes)
                return _parsed_http_index_fields(http_head)
            return _index_mime(line_value.strip()), status
    return None, status


_HTTP_PARSER = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_TYPES, verify=False)  # as ArchiveIterator reads


def _parsed_http_index_fields(http_head: bytes) -> tuple[str | None, str | None]:
    parsed = _HTTP_PARSER.parse(BytesIO(http_head))
    if not parsed:
        return None, None
    return _index_mime(parsed.get_header("content-type")), parsed.get_statuscode()


# CDXJIndexer.RE_SPACE, the separator its get_field cuts a Content-Type at.
_MIME_END = re.compile(r"[;\s]")


def _index_mime(content_type: str | None) -> str | None:
    # CDXJIndexer.get_field: the media type without parameters; "" and None stay as they are.
    return _MIME_END.split(content_type, 1)[0].strip() if content_type else content_type


def cdxj_line(entry: CdxjEntry, filename: str) -> str:
    """The line CDXJIndexer writes for the record: SURT key, 14-digit timestamp, JSON fields."""
    index = {"url": entry.url}
    if entry.mime is not None:
        index["mime"] = entry.mime
    if entry.status is not None:
        index["status"] = entry.status
    index["digest"] = entry.digest
    index["length"] = str(entry.length)
    index["offset"] = str(entry.offset)
    index["filename"] = filename
    return f"{_url_key(entry.url)} {_timestamp(entry.date)} {json.dumps(index)}\n"


_WARC_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def _timestamp(date: str) -> str:
    # The 14-digit timestamp leaves out the fraction of a second, so records of one second
    # share it: worked out once a second (warcio's parse took a sixth of a line's time).
    if _WARC_DATE.fullmatch(date):
        return _second_timestamp(date[:19])
    return iso_date_to_timestamp(date)


@functools.lru_cache(maxsize=64)
def _second_timestamp(second: str) -> str:
    return iso_date_to_timestamp(second)


def _url_key(url: str) -> str:
    # imported here: surt brings tldextract and requests (~0.15 s), which only the keys need; the
    # writer's process has it already (crawler/operations/helpers.py PRELOAD), the crawler's never
    import surt  # noqa: PLC0415

    try:  # as CDXJIndexer.get_url_key: an unparsable URL is its own key
        return surt.surt(url)
    except Exception:  # noqa: BLE001 (the indexer catches everything too)
        return url


def write_cdxj_entries(warc_path: str | Path, entries: Iterable[CdxjEntry]) -> Path:
    """Write the CDXJ index of a WARC file from its records' entries; returns the index path.

    Byte for byte what `write_cdxj` writes when the entries are those of every response and
    revisit record in the file.
    """
    filename = Path(warc_path).name  # CDXJIndexer's `filename`: the base name of its input
    lines = sorted(cdxj_line(entry, filename) for entry in entries)
    out = cdxj_path(warc_path)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        previous = None
        for line in lines:
            if line != previous:  # as cdxj_indexer's SortingWriter: repeated lines once
                fh.write(line)
            previous = line
    os.replace(tmp, out)
    return out

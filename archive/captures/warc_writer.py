"""Writing one run's WARC file: a warcinfo record, then request + response (or revisit) records.

The crawler hands over each HTTP exchange as plain data (`HttpExchange`); this module decides
between a full response record and a revisit, writes WARC 1.1 records, flushes after every
request/response pair (a killed run loses at most the pair in flight), lists each response in
the `captures` table and, on close, writes the run's CDXJ index from what it wrote (no second
reading of the file). Never imports Scrapy.

The records are the bytes warcio's RecordBuilder/WARCWriter would write (same fields in the same
order, same HTTP header blocks, one gzip member a record), formatted here directly: warcio's
Python-level record building, chunked payload copies and repeated digests were a fifth of a
crawl's CPU. warcio still writes the warcinfo record (once a file) and reads everything back.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import platform
import random
import re
import socket
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__
from archive.captures.warc_index import (
    WARC_SUFFIX,
    Capture,
    CaptureLedger,
    CdxjEntry,
    cdxj_path,
    http_index_fields,
    payload_digest,
    write_cdxj,
    write_cdxj_entries,
)

logger = logging.getLogger(__name__)

SOFTWARE = f"tnu-archive/{__version__}"

# Said once per file in the warcinfo record: what in these records is not byte-for-byte what
# went over the wire. Per-record specifics go in the RECONSTRUCTED_HEADER field.
HTTP_FIDELITY_NOTE = (
    "Response bodies are the bytes the server sent, before any Content-Encoding was undone "
    "(gzip stays gzip), after Transfer-Encoding: chunked was undone by the HTTP client. "
    "HTTP status lines and header fields are rebuilt from what the Twisted HTTP client parsed: "
    "reason phrases are the standard ones for the status code, header names are title-cased, "
    "repeated headers are listed one per line, the original order and spacing are not kept; "
    "connection-control headers (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, "
    "Upgrade) are consumed by the client and absent; Content-Length is the length the client "
    "read from the response head, absent when the body was chunked or ran to the close. "
    "Request records list the headers the crawler handed to Twisted plus the Host header "
    "Twisted adds."
)
# Per record: the same, in short, so a reader of one record does not have to find the warcinfo.
RESPONSE_NOTE = (
    "status line and header names rebuilt from the parsed response; "
    "connection-control headers not kept (see warcinfo http-fidelity)"
)
RECONSTRUCTED_HEADER = "TNU-Reconstructed"

WARC_VERSION = RecordBuilder.WARC_1_1
REVISIT_PROFILE = RecordBuilder.REVISIT_PROFILE_1_1
HTTP_RESPONSE_TYPE = RecordBuilder.WARC_RECORDS["response"]
HTTP_REQUEST_TYPE = RecordBuilder.WARC_RECORDS["request"]

# Deflate level for everything not already compressed (HTML, CSS, JS, request records), with
# ISA-L (Intel's deflate, through `isal`): its output is plain gzip that every WARC reader
# inflates. On 158 pages of the benchmark site (14.6 MB, 60-120 KB each), on one core: zlib
# level 3 -> 16.9 % of the input in 123 ms, zlib level 1 -> 18.3 % in 117 ms, ISA-L level 2
# (its default) -> 17.8 % in 26 ms, ISA-L level 3 -> 18.0 % in 101 ms. Every page is compressed
# twice (here and raw_pages): ISA-L took 0.5 CPU-s off a 300-article crawl, for ~6 % more bytes
# of HTML, about 1 % of a WARC whose bytes are mostly stored images.
TEXT_GZIP_LEVEL = 2
# Payloads already compressed by their format (SVG, being text, is not one of them).
_COMPRESSED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/heic",
    "video/",
    "audio/",
    "application/zip",
    "application/gzip",
    "application/pdf",
)

# HTTP headers whose original form cannot be kept once the client has parsed the message.
_HOP_BY_HOP_REMOVED = ("Transfer-Encoding",)


@dataclass(frozen=True)
class HttpExchange:
    """One request and the response it got, as the HTTP client saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes  # as received: still content-encoded, already de-chunked
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


@dataclass
class WarcRecorder:
    """Appends a run's exchanges to `<warc_dir>/<name>.warc.gz` and lists them in the ledger.

    With `max_bytes`, a record that would take the file past that size starts a new file
    (`<time>-run<N>.warc.gz`, its own warcinfo record first, the previous file closed and
    indexed), as web archives keep WARC files to about 1 GB; a single larger record still gets
    a file of its own.
    """

    warc_dir: Path
    ledger: CaptureLedger
    name: str
    info: dict[str, str] = field(default_factory=dict)
    run_id: int | None = None
    max_bytes: int | None = None

    def __post_init__(self) -> None:
        self.warc_dir = Path(self.warc_dir)
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        self.closed_files: list[Path] = []  # earlier files of this recorder, closed and indexed
        self._open(unused_path(self.warc_dir, self.name))

    def _open(self, path: Path) -> None:
        self.path = path
        # Unbuffered: each record goes to the OS in one call, and a failed write leaves nothing
        # in a buffer that a later flush would append after the cut (see _append).
        # No `with`: a long-lived handle, written record by record until close() (hence the noqa).
        self._file = open(self.path, "xb", buffering=0)  # noqa: SIM115
        # The CDXJ line of every response and revisit record written, for close(); None once a
        # record's line cannot be known without reading it back (then close() re-reads the file).
        self._index: list[CdxjEntry] | None = []
        self._write_warcinfo()
        self._records_start = self._file.tell()

    def _roll_over_for(self, size: int) -> None:
        """Start the next file if `size` more bytes would take this one past max_bytes."""
        position = self._file.tell()
        if self.max_bytes is None or position == self._records_start or position + size <= self.max_bytes:
            return
        self._close_file()
        self.closed_files.append(self.path)
        self._open(unused_path(self.warc_dir, run_file_name(self.run_id)))

    def _write_warcinfo(self) -> None:
        info = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "python": platform.python_version(),
            "http-fidelity": HTTP_FIDELITY_NOTE,
        }
        if self.run_id is not None:
            info["isPartOf"] = f"tnu-archive run {self.run_id}"
        info.update(self.info)
        # Once a file: warcio builds it, uncompressed, and it is deflated like the other records.
        writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)
        writer.write_record(writer.create_warcinfo_record(self.path.name, info))
        self._append(_gzip_member(writer.out.getvalue(), TEXT_GZIP_LEVEL))

    def _append(self, data: bytes) -> int:
        """Write `data` at the end of the file, whole; return where it starts.

        On any error (disk full, file too large, I/O error) the file is cut back to where the
        record started before the error goes on: no half record stays behind it.
        """
        start = self._file.tell()
        view = memoryview(data)
        try:
            while view:
                written = self._file.write(view)
                if written is None:  # cannot happen on a regular file; never loop on it
                    raise BlockingIOError(f"{self.path}: write would block")
                view = view[written:]
        except BaseException:
            try:
                os.ftruncate(self._file.fileno(), start)
                self._file.seek(start)
            except OSError as exc:  # the cut failed too: salvage() cuts it at the next open
                logger.error("%s: could not cut a failed record at byte %d: %s", self.path, start, exc)
            raise
        return start

    def sync(self) -> None:
        """Make what was written durable: the archive commits the rows pointing into this file
        only after this (archive/writer.py)."""
        if not self._file.closed:
            os.fsync(self._file.fileno())

    def record(self, exchange: HttpExchange, run_id: int | None = None, *, record_id: str | None = None) -> Capture:
        """Write the exchange (response or revisit record + request record); return its capture.

        `record_id` (`<urn:uuid:...>`, see `new_record_id`) names the response or revisit
        record, so a caller can know it before the record is written; by default a new one.
        """
        run_id = self.run_id if run_id is None else run_id
        if record_id is None:
            record_id = new_record_id()
        elif not (record_id.startswith("<") and record_id.endswith(">")):
            raise ValueError(f"a WARC-Record-ID is a URI in angle brackets, not {record_id!r}")
        url = exchange.url
        body = exchange.body
        digest = payload_digest(body)
        earlier = self.ledger.earlier(url, digest)
        status_line, response_headers, notes = _response_headers(exchange)
        http_head = _http_head(exchange.protocol, status_line, response_headers)
        date = _warc_date()

        # Fields in the order warcio's RecordBuilder leaves them: those passed in (WARC-Type first),
        # then the id, target and date it fills in, then the digests, Content-Type and -Length.
        fields = [f"WARC-Type: {'response' if earlier is None else 'revisit'}"]
        if exchange.ip_address:
            fields.append(f"WARC-IP-Address: {exchange.ip_address}")
        if notes:
            fields.append(f"{RECONSTRUCTED_HEADER}: {'; '.join(notes)}")
        if earlier is not None:
            fields.append(f"WARC-Refers-To: {earlier.record_id}")
        fields += [f"WARC-Record-ID: {record_id}", f"WARC-Target-URI: {url}", f"WARC-Date: {date}"]
        block = hashlib.sha1(http_head)
        if earlier is None:
            block.update(body)
            fields += [f"WARC-Payload-Digest: {digest}", f"WARC-Block-Digest: {_sha1_label(block)}"]
            parts = [http_head, body]
            block_length = len(http_head) + len(body)
        else:
            # A revisit's block is the HTTP header block alone; the payload is the earlier record's.
            fields += [
                f"WARC-Profile: {REVISIT_PROFILE}",
                f"WARC-Refers-To-Target-URI: {earlier.url}",
                f"WARC-Refers-To-Date: {earlier.captured_at}",
                f"WARC-Payload-Digest: {digest}",
                f"WARC-Block-Digest: {_sha1_label(block)}",
            ]
            parts = [http_head]
            block_length = len(http_head)
        fields += [f"Content-Type: {HTTP_RESPONSE_TYPE}", f"Content-Length: {block_length}"]
        response = _gzip_member(_record_bytes(fields, parts), _gzip_level(exchange))
        index_fields = None if self._index is None else self._index_fields(url, fields, http_head, response_headers)

        request_head = _request_head(exchange)
        request_body = exchange.request_body
        block = hashlib.sha1(request_head)
        block.update(request_body)
        request = _gzip_member(
            _record_bytes(
                [
                    "WARC-Type: request",
                    f"WARC-Concurrent-To: {record_id}",
                    f"WARC-Record-ID: {new_record_id()}",
                    f"WARC-Target-URI: {url}",
                    f"WARC-Date: {date}",
                    f"WARC-Payload-Digest: {payload_digest(request_body)}",
                    f"WARC-Block-Digest: {_sha1_label(block)}",
                    f"Content-Type: {HTTP_REQUEST_TYPE}",
                    f"Content-Length: {len(request_head) + len(request_body)}",
                ],
                [request_head, request_body],
            ),
            TEXT_GZIP_LEVEL,
        )

        self._roll_over_for(len(response) + len(request))
        # One write for the pair, straight to the OS: a killed run leaves at most one cut
        # member, which salvage() removes; a failed write leaves none (_append cuts it).
        offset = self._append(response + request)
        if self._index is not None:
            if index_fields is None:
                self._index = None
            else:
                mime, status = index_fields
                self._index.append(
                    CdxjEntry(
                        url,
                        date,
                        mime if earlier is None else "warc/revisit",
                        status,
                        digest,
                        len(response),
                        offset,
                    )
                )

        return self.ledger.add(
            Capture(
                url=url,
                record_type="response" if earlier is None else "revisit",
                status=exchange.status,
                warc_file=self.path.name,
                offset=offset,
                length=len(response),
                record_id=record_id,
                payload_digest=digest,
                captured_at=date,
                run_id=run_id,
                refers_to=None if earlier is None else earlier.id,
            )
        )

    @staticmethod
    def _index_fields(
        url: str, fields: list[str], http_head: bytes, headers: list[tuple[str, str]]
    ) -> tuple[str | None, str | None] | None:
        """(mime, status) of the record's CDXJ line; None when only reading it back would tell."""
        # Readers take a WARC field up to its line's end, strip it, unwrap a URI in <>, replace
        # spaces in it; a line break inside a field (from a header value in the notes, say)
        # makes other fields of it. Such records are left to the indexer that reads the file.
        if _BLANK.search(url) or url.startswith("<") or "\n" in "".join(fields):
            return None
        if not url.startswith(("http:", "https:")):  # warcio reads no HTTP block for other schemes
            return None, None
        return http_index_fields(http_head, headers)

    def close(self) -> Path:
        """Close the WARC file and write its CDXJ index beside it; returns the index path."""
        return self._close_file()

    def _close_file(self) -> Path:
        if not self._file.closed:
            self.sync()
            self._file.close()
        if self._index is None:
            return write_cdxj(self.path)
        return write_cdxj_entries(self.path, self._index)


_BLANK = re.compile(r"\s")


def new_record_id() -> str:
    """A new WARC-Record-ID, as warcio makes them (a random UUID, version 4)."""
    # From `random` (seeded from the OS once), not uuid4's os.urandom: a record id has to be
    # unique, not secret, and the getrandom call per response showed in the crawl's profile.
    return f"<urn:uuid:{uuid.UUID(int=_ids.getrandbits(128), version=4)}>"


_ids = random.Random()  # its own generator: nobody's random.seed() makes ids repeat


def _warc_date() -> str:
    # What warcio writes for WARC/1.1: UTC, microseconds (none shown when they are 0), "Z".
    return datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"


def _sha1_label(hasher) -> str:
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")


def _record_bytes(fields: list[str], block: list[bytes]) -> bytes:
    # WARC fields are UTF-8 (WARC 1.1 allows it; warcio encodes them so); the block follows the
    # blank line, and two CRLFs end the record.
    head = (f"{WARC_VERSION}\r\n" + "\r\n".join(fields) + "\r\n\r\n").encode("utf-8")
    return b"".join([head, *block, b"\r\n\r\n"])


def _gzip_member(data: bytes, level: int) -> bytes:
    # One gzip member a record, as warcio writes them (readers seek to a record's offset and
    # inflate one member), at a level chosen for the payload (see _gzip_level).
    if level == 0:
        return _stored_gzip_member(data)
    return isal_zlib.compress(data, level, wbits=zlib.MAX_WBITS + 16)


# The header zlib writes for a level 0 gzip stream: no name, no mtime, "fastest" flag, Unix.
_GZIP_STORED_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03"
_STORED_BLOCK_MAX = 0xFFFF


def _stored_gzip_member(data: bytes) -> bytes:
    """A gzip member of stored (uncompressed) deflate blocks: what zlib's level 0 writes.

    zlib copies level-0 input through its window (a 55 KB JPEG took 140 us); framing the
    bytes here costs a CRC-32 (15 us). Readers inflate it like any other member.
    """
    view = memoryview(data)
    size = len(data)
    parts = [_GZIP_STORED_HEADER]
    for start in range(0, max(size, 1), _STORED_BLOCK_MAX):  # empty input: one empty final block
        chunk = view[start : start + _STORED_BLOCK_MAX]
        final = start + _STORED_BLOCK_MAX >= size
        # BFINAL bit, BTYPE 00 (stored), then LEN and its one's complement, little-endian.
        parts.append(struct.pack("<BHH", final, len(chunk), len(chunk) ^ 0xFFFF))
        parts.append(chunk)
    parts.append(struct.pack("<II", zlib.crc32(data), size & 0xFFFFFFFF))
    return b"".join(parts)


def _gzip_level(exchange: HttpExchange) -> int:
    # JPEG, PNG, WebP and gzip-encoded bodies do not shrink: deflating them at warcio's level 9
    # cost a third of the crawl's main thread for nothing. Stored (level 0) they are still
    # valid gzip members, which every WARC reader expects.
    for name, value in exchange.response_headers:
        lowered = name.lower()
        if lowered == "content-encoding" and value.strip().lower() not in ("", "identity"):
            return 0
        if lowered == "content-type" and value.strip().lower().startswith(_COMPRESSED_TYPES):
            return 0
    return TEXT_GZIP_LEVEL


def unused_path(warc_dir: Path, name: str) -> Path:
    """`<warc_dir>/<name>.warc.gz`, or `<name>-N.warc.gz` when that file exists already."""
    path = warc_dir / f"{name}{WARC_SUFFIX}"
    n = 1
    while path.exists():
        path = warc_dir / f"{name}-{n}{WARC_SUFFIX}"
        n += 1
    return path


def _response_headers(exchange: HttpExchange) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Status line (without the protocol), header fields and the notes on what was rebuilt."""
    try:
        reason = HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    notes = [RESPONSE_NOTE]
    headers = []
    for name, value in exchange.response_headers:
        if name.title() in _HOP_BY_HOP_REMOVED:
            # Twisted drops it, other HTTP clients may not. The body is stored de-chunked;
            # keeping the header would make readers de-chunk it again.
            notes.append(f"{name}: {value} removed (the body is stored decoded from it)")
            continue
        headers.append((name, value))
    if _non_ascii(headers):
        notes.append("non-ASCII header values %-encoded")
    return f"{exchange.status} {reason}".strip(), headers, notes


def _request_head(exchange: HttpExchange) -> bytes:
    parts = urlsplit(exchange.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = list(exchange.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    # warcio's request form: the method is split off as the "protocol" part of the first line.
    method, rest = f"{exchange.method} {target} {exchange.protocol}".split(" ", 1)
    return _http_head(method, rest, headers)


def _http_head(protocol: str, status_line: str, headers: list[tuple[str, str]]) -> bytes:
    """The HTTP header block as warcio's StatusAndHeaders.to_ascii_bytes() writes it."""
    first = f"{protocol} {status_line}" if protocol and status_line else protocol or status_line
    lines = [f"{name}: {value}\r\n" for name, value in headers]
    text = "".join([f"{first}\r\n" if first else "", *lines, "\r\n"])
    if text.isascii():
        return text.encode("ascii")
    # Rare (latin-1 header bytes): warcio's own %-encoding of the non-ASCII values, exactly.
    return StatusAndHeaders(status_line, list(headers), protocol=protocol).to_ascii_bytes()


def _non_ascii(headers: list[tuple[str, str]]) -> bool:
    return any(not value.isascii() for _, value in headers)


def salvage(warc_path: str | Path) -> int:
    """Cut a WARC file after its last complete record (a killed run leaves one half-written).

    Every record is its own gzip member, flushed whole, so the last member whose gzip trailer
    checks out ends the last complete record. Returns the number of bytes removed; the
    records before the cut stay exactly as written.
    """
    warc_path = Path(warc_path)
    good_end = _end_of_complete_members(warc_path)
    size = warc_path.stat().st_size
    if size > good_end:
        logger.warning("%s: incomplete record after byte %d; cutting it there", warc_path, good_end)
        os.truncate(warc_path, good_end)
    return size - good_end


def _end_of_complete_members(path: Path) -> int:
    good_end = position = 0
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            while chunk:
                try:
                    member.decompress(chunk)
                except zlib.error:
                    return good_end
                if not member.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(member.unused_data)
                good_end = position
                chunk = member.unused_data
                member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return good_end


def finish_interrupted(warc_dir: str | Path) -> list[Path]:
    """Make the WARC files of killed runs readable again and index them (those without a CDXJ)."""
    indexed = []
    for warc in sorted(Path(warc_dir).glob("*" + WARC_SUFFIX)):
        if not cdxj_path(warc).exists():
            salvage(warc)
            indexed.append(write_cdxj(warc))
    return indexed


def run_file_name(run_id: int | None, now: datetime | None = None) -> str:
    """`20261126T054000Z-run7` (or without `-runN` outside a run): sorts by start time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return stamp if run_id is None else f"{stamp}-run{run_id}"

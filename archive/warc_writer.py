"""Writing one run's WARC file: a warcinfo record, then request + response (or revisit) records.

The crawler hands over each HTTP exchange as plain data (`HttpExchange`); this module decides
between a full response record and a revisit, writes WARC 1.1 with warcio, flushes after every
record (a killed run loses at most the record in flight) and lists each record in the
`captures` table. Never imports Scrapy.
"""

from __future__ import annotations

import logging
import os
import platform
import socket
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__
from archive.warc_index import WARC_SUFFIX, Capture, CaptureLedger, cdxj_path, payload_digest, write_cdxj

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

# HTML at level 6 is within a few percent of level 9's size, at a fraction of its time.
TEXT_GZIP_LEVEL = 6
# Payloads already compressed by their format (SVG, being text, is not one of them).
_COMPRESSED_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "video/",
    "audio/", "application/zip", "application/gzip", "application/pdf",
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
    """Appends a run's exchanges to `<warc_dir>/<name>.warc.gz` and lists them in the ledger."""

    warc_dir: Path
    ledger: CaptureLedger
    name: str
    info: dict[str, str] = field(default_factory=dict)
    run_id: int | None = None

    def __post_init__(self) -> None:
        self.warc_dir = Path(self.warc_dir)
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        self.path = _unused_path(self.warc_dir, self.name)
        self._file = open(self.path, "xb")
        # gzip=False: each record is compressed here, one gzip member a record as warcio would,
        # at a level chosen for its payload (see _write).
        self._writer = WARCWriter(self._file, gzip=False, warc_version="1.1")
        self._write_warcinfo()

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
        record = self._writer.create_warcinfo_record(self.path.name, info)
        self._write(record)

    def record(self, exchange: HttpExchange, run_id: int | None = None) -> Capture:
        """Write the exchange (request record + response or revisit record); return its capture."""
        run_id = self.run_id if run_id is None else run_id
        digest = payload_digest(exchange.body)
        earlier = self.ledger.earlier(exchange.url, digest)
        response_headers, notes = _response_headers(exchange)
        # WARC-Type first (warcio keeps a field's position when it fills it in): readable records.
        warc_headers = {"WARC-Type": "response" if earlier is None else "revisit"}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if notes:
            warc_headers[RECONSTRUCTED_HEADER] = "; ".join(notes)

        if earlier is None:
            response = self._writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=response_headers,
                warc_headers_dict=warc_headers,
            )
        else:
            warc_headers["WARC-Refers-To"] = earlier.record_id
            response = self._writer.create_revisit_record(
                exchange.url,
                digest,
                earlier.url,
                earlier.captured_at,
                http_headers=response_headers,
                warc_headers_dict=warc_headers,
            )
        offset, length = self._write(response, _gzip_level(exchange))

        request = self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=_request_headers(exchange),
            warc_headers_dict={"WARC-Type": "request", "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
        )
        request.rec_headers.replace_header("WARC-Date", response.rec_headers.get_header("WARC-Date"))
        self._write(request)

        return self.ledger.add(
            Capture(
                url=exchange.url,
                record_type=response.rec_type,
                status=exchange.status,
                warc_file=self.path.name,
                offset=offset,
                length=length,
                record_id=response.rec_headers.get_header("WARC-Record-ID"),
                payload_digest=digest,
                captured_at=response.rec_headers.get_header("WARC-Date"),
                run_id=run_id,
                refers_to=None if earlier is None else earlier.id,
            )
        )

    def _write(self, record, level: int = TEXT_GZIP_LEVEL) -> tuple[int, int]:
        offset = self._file.tell()
        self._writer.out = _GzipMember(self._file, level)
        self._writer.write_record(record)  # flushed to the file after each record
        return offset, self._file.tell() - offset

    def close(self) -> Path:
        """Close the WARC file and write its CDXJ index beside it; returns the index path."""
        if not self._file.closed:
            self._file.close()
        return write_cdxj(self.path)


class _GzipMember:
    """What warcio's own gzip wrapper does (one gzip member a record), at a chosen level."""

    def __init__(self, out, level: int):
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self._out = out

    def write(self, data: bytes) -> None:
        self._out.write(self._compressor.compress(data))

    def flush(self) -> None:
        self._out.write(self._compressor.flush())
        self._out.flush()


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


def _unused_path(warc_dir: Path, name: str) -> Path:
    path = warc_dir / f"{name}{WARC_SUFFIX}"
    n = 1
    while path.exists():
        path = warc_dir / f"{name}-{n}{WARC_SUFFIX}"
        n += 1
    return path


def _response_headers(exchange: HttpExchange) -> tuple[StatusAndHeaders, list[str]]:
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
    status_line = f"{exchange.status} {reason}".strip()
    return StatusAndHeaders(status_line, headers, protocol=exchange.protocol), notes


def _request_headers(exchange: HttpExchange) -> StatusAndHeaders:
    parts = urlsplit(exchange.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = list(exchange.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    # is_http_request: warcio splits the method off as the "protocol" part of the first line.
    return StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}", headers, is_http_request=True)


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
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return stamp if run_id is None else f"{stamp}-run{run_id}"

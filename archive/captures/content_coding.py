"""The body the crawler read from a response: its Content-Encoding undone.

A server that compresses (`Content-Encoding: gzip`) sends one body and the crawler reads
another: the WARC keeps the bytes as sent (captures.payload_digest is theirs), while
raw_pages, images and the extractor have them decoded. `fetch_log.bytes` and
`fetch_log.sha256` are of the decoded body, so that one digest means one thing:
`fetch_log.sha256 = raw_pages.sha256` for a page kept, `= images.sha256` for an image stored.

Decoded as Scrapy's HttpCompressionMiddleware decodes (the crawler's side; this module is the
archive's and may not import Scrapy): codings undone from the last one named, `gzip`/`x-gzip`
leniently (a body cut short keeps what decoded), `deflate` as zlib or raw deflate, `br` when
brotli is installed; a coding it cannot undo stops there, leaving the earlier ones applied.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterable
from gzip import GzipFile

try:  # optional, as for Scrapy: decoded only when installed (the crawler never asks for br)
    import brotli
except ImportError:  # pragma: no cover - brotli ships with the crawler's dependencies
    brotli = None

# A compressed body is decoded at most this far: past every download limit of the crawl
# (pages 8 MB, images 40 MB), so a bomb costs bounded memory here as it does in the crawler.
MAX_DECODED = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    pass


def content_codings(headers: Iterable[tuple[str, str]]) -> list[str]:
    """The codings of every Content-Encoding header, in the order they were applied."""
    return [
        token.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for token in value.split(",")
        if token.strip() and token.strip().lower() != "identity"
    ]


def _bounded(total: int) -> None:
    if total > MAX_DECODED:
        raise _TooLarge


def _gunzip(data: bytes) -> bytes:
    reader, out = GzipFile(fileobj=io.BytesIO(data)), io.BytesIO()
    while True:
        try:
            chunk = reader.read1(_CHUNK)
        except (OSError, EOFError, struct.error):
            if out.tell():  # cut short or a bad checksum: what decoded is the body
                break
            raise
        if not chunk:
            break
        out.write(chunk)
        _bounded(out.tell())
    return out.getvalue()


def _inflate(data: bytes) -> bytes:
    decompressor = zlib.decompressobj()
    try:
        first = decompressor.decompress(data, _CHUNK)
    except zlib.error:  # raw deflate, as some servers send it
        decompressor = zlib.decompressobj(wbits=-15)
        first = decompressor.decompress(data, _CHUNK)
    out = io.BytesIO()
    out.write(first)
    while decompressor.unconsumed_tail and not decompressor.eof:
        out.write(decompressor.decompress(decompressor.unconsumed_tail, _CHUNK))
        _bounded(out.tell())
    return out.getvalue()


def _unbrotli(data: bytes) -> bytes:
    decompressor, out = brotli.Decompressor(), io.BytesIO()
    out.write(decompressor.process(data, output_buffer_limit=_CHUNK))
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            break
        out.write(chunk)
        _bounded(out.tell())
    return out.getvalue()


_DECODERS = {"gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate}
if brotli is not None:
    _DECODERS["br"] = _unbrotli


def decoded_body(headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    """`body` with the codings its headers name undone, as far as they can be; the bytes as
    they came when the first one to undo fails (corrupt, or past MAX_DECODED)."""
    codings = content_codings(headers)
    data = body
    try:
        while codings and codings[-1] in _DECODERS:
            data = _DECODERS[codings.pop()](data)
    except (_TooLarge, OSError, EOFError, struct.error, zlib.error, ValueError):
        return body
    except Exception as exc:  # noqa: BLE001 - brotli.error is not an OSError
        if brotli is not None and isinstance(exc, brotli.error):
            return body
        raise
    return data


def body_digest(headers: Iterable[tuple[str, str]], body: bytes) -> tuple[int, str]:
    """(size, sha256 hex) of the body as the crawler read it (see the module's docstring)."""
    data = decoded_body(headers, body)
    return len(data), hashlib.sha256(data).hexdigest()

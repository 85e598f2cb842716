"""archive/captures/content_coding.py: the body as the crawler read it, decoded exactly as Scrapy's
HttpCompressionMiddleware decodes it (checked against Scrapy itself on the same bytes)."""

from __future__ import annotations

import gzip
import zlib

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from archive.captures import content_coding
from archive.captures.content_coding import body_digest, content_codings, decoded_body

PAGE = "<html><body><p>Đại học Thái Nguyên tổ chức Hội nghị</p></body></html>".encode() * 30


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


CASES = {
    "gzip": ([("Content-Encoding", "gzip")], gzip.compress(PAGE)),
    "x-gzip": ([("Content-Encoding", "x-gzip")], gzip.compress(PAGE)),
    "deflate (zlib)": ([("Content-Encoding", "deflate")], zlib.compress(PAGE)),
    "deflate (raw)": ([("Content-Encoding", "deflate")], raw_deflate(PAGE)),
    "two codings": ([("Content-Encoding", "deflate, gzip")], gzip.compress(zlib.compress(PAGE))),
    "two headers": (
        [("content-encoding", "deflate"), ("Content-Encoding", "gzip")],
        gzip.compress(zlib.compress(PAGE)),
    ),
    "cut short": ([("Content-Encoding", "gzip")], gzip.compress(PAGE)[:-12]),
    "unknown coding": ([("Content-Encoding", "compress")], b"\x1f\x9d not decodable"),
    "unknown under gzip": ([("Content-Encoding", "compress, gzip")], gzip.compress(b"\x1f\x9d inner")),
    "identity": ([("Content-Type", "text/html")], PAGE),
}
try:  # Scrapy decodes br when brotli is installed, and so does the archive
    import brotli

    CASES["br"] = ([("Content-Encoding", "br")], brotli.compress(PAGE))
except ImportError:  # pragma: no cover
    pass


def scrapy_reads(headers: list[tuple[str, str]], body: bytes) -> bytes:
    crawler = get_crawler()
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    response = Response("http://127.0.0.1/a.html", body=body, headers=[(k, v) for k, v in headers])
    return middleware.process_response(Request("http://127.0.0.1/a.html"), response).body


@pytest.mark.parametrize("case", sorted(CASES))
def test_decoded_as_scrapy_decodes(case):
    headers, body = CASES[case]
    assert decoded_body(headers, body) == scrapy_reads(headers, body)


def test_digest_is_of_the_decoded_body():
    assert body_digest([("Content-Encoding", "gzip")], gzip.compress(PAGE)) == body_digest([], PAGE)
    assert body_digest([], PAGE)[0] == len(PAGE)


def test_what_cannot_be_decoded_is_measured_as_sent(monkeypatch):
    assert decoded_body([("Content-Encoding", "gzip")], b"not gzip at all") == b"not gzip at all"
    bomb = gzip.compress(b"\0" * 200_000)
    monkeypatch.setattr(content_coding, "MAX_DECODED", 100_000)  # a bomb stops at the bound
    assert decoded_body([("Content-Encoding", "gzip")], bomb) == bomb


def test_codings_listed_in_the_order_applied():
    assert content_codings(
        [("Content-Encoding", "deflate, GZIP"), ("X", "gzip"), ("content-encoding", "identity")]
    ) == ["deflate", "gzip"]

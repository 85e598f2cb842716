"""The CDXJ index WarcRecorder.close() writes from what it wrote must be, byte for byte, the one
cdxj-indexer writes by reading the WARC file back (what pywb and WACZ readers were given before)."""

from __future__ import annotations

import gzip

import pytest
from cdxj_indexer.main import CDXJIndexer

import archive.captures.wacz  # noqa: F401  (its import changes the CDXJ indexer's defaults: compared with it in effect)
from archive.captures.warc_index import CaptureLedger, cdxj_path
from archive.captures.warc_writer import HttpExchange, WarcRecorder
from archive.db import connect

SITE = "http://127.0.0.1:8"
UA = [("User-Agent", "tnu-archive-test"), ("Accept", "*/*")]


def get(url: str, status: int, headers: list[tuple[str, str]], body: bytes, **kw) -> HttpExchange:
    return HttpExchange(url, "GET", UA, b"", status, headers, body, **kw)


@pytest.fixture
def ledger(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    yield CaptureLedger(db)
    db.close()


def indexed_by_reading(warc, tmp_path) -> bytes:
    """What CDXJIndexer writes for the file, as archive.captures.warc_index.write_cdxj runs it."""
    out = tmp_path / "reference.cdxj"
    CDXJIndexer(str(out), [str(warc)], sort=True, records="response,revisit").process_all()
    return out.read_bytes()


def record_all(recorder: WarcRecorder, exchanges: list[HttpExchange]) -> bytes:
    captures = [recorder.record(ex) for ex in exchanges]
    # Not a fall back to reading the file: close() is to write these lines itself.
    assert recorder._index is not None and len(recorder._index) == len(captures)
    index = recorder.close()
    assert index == cdxj_path(recorder.path) and not index.with_name(index.name + ".tmp").exists()
    return index.read_bytes()


def varied_exchanges() -> list[HttpExchange]:
    page = ("<p>Đại học Thái Nguyên</p>\n" * 400).encode()
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40 + b"\xff\xd9"
    return [
        get(
            f"{SITE}/tin/a.html",
            200,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))],
            page,
            ip_address="127.0.0.1",
        ),
        get(
            f"{SITE}/tin/gz.html",
            200,
            [("Content-Type", "text/html;charset=UTF-8"), ("Content-Encoding", "gzip")],
            gzip.compress(page),
        ),
        get(f"{SITE}/tin/old", 301, [("Location", f"{SITE}/tin/a.html"), ("Content-Type", "text/html")], b"moved"),
        get(f"{SITE}/tin/missing.html", 404, [("Content-Type", "text/html; charset=utf-8")], b"<h1>404</h1>"),
        get(f"{SITE}/uploads/anh.jpg", 200, [("Content-Type", "image/jpeg"), ("Content-Length", str(len(jpeg)))], jpeg),
        # The same URL and bytes again: revisits (mime warc/revisit), of a page and of an image.
        get(f"{SITE}/tin/a.html", 200, [("Content-Type", "text/html; charset=utf-8")], page, ip_address="::1"),
        get(f"{SITE}/uploads/anh.jpg", 200, [("Content-Type", "image/jpeg")], jpeg),
        # Non-ASCII paths and queries, %-encoded as Scrapy hands them over (SURT sorts the query).
        get(
            f"{SITE}/tin/%C4%91%E1%BA%A1i-h%E1%BB%8Dc.html?page=2&b=1&a=%E1%BA%A3",
            200,
            [("Content-Type", "text/html")],
            b"<p>2</p>",
        ),
        get(f"{SITE}/tin/%C4%91%E1%BA%A1i-h%E1%BB%8Dc.html?categoryId=7", 200, [("Content-Type", "text/html")], b"7"),
        HttpExchange(
            f"{SITE}/tim-kiem?form=1",
            "POST",
            [("Content-Type", "application/x-www-form-urlencoded")],
            "q=Thái Nguyên".encode(),
            302,
            [("Location", "/tim-kiem?q=1"), ("Content-Length", "0")],
            b"",
        ),
        # Media types as servers send them: upper case, blanks before parameters, none, empty.
        get(f"{SITE}/a.css", 200, [("content-type", "TEXT/CSS ;charset=utf-8")], b"p{}"),
        get(f"{SITE}/none", 204, [], b""),
        get(f"{SITE}/empty", 200, [("Content-Type", "")], b"x"),
        get(
            f"{SITE}/two",
            200,
            [("X-Content-Type", "a/b"), ("Content-Type", "text/plain"), ("Content-Type", "text/html")],
            b"two",
        ),
        # A reason phrase Python does not know, over HTTP/1.0; a chunked response (noted, dropped).
        get(f"{SITE}/odd", 599, [("Content-Type", "text/plain")], b"?", protocol="HTTP/1.0"),
        # No protocol before the status (warcio then takes the reason phrase for the status,
        # and a bare code for no HTTP block at all).
        get(f"{SITE}/noproto", 200, [("Content-Type", "text/plain")], b"n", protocol=""),
        get(f"{SITE}/bare", 599, [], b"", protocol=""),
        get(f"{SITE}/chunked", 200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")], b"<p>c</p>"),
        # Header values of latin-1-decoded UTF-8: warcio %-encodes them, the Content-Type's too.
        get(
            f"{SITE}/doc.pdf",
            200,
            [
                ("Content-Disposition", 'attachment; filename="Đại học.pdf"'.encode().decode("latin-1")),
                ("Content-Type", "application/pdf"),
            ],
            b"%PDF-1.4",
        ),
        get(f"{SITE}/weird", 200, [("Content-Type", "text/html; title=Thái".encode().decode("latin-1"))], b"w"),
        get(f"{SITE}/weirder", 200, [("Content-Type", "tëxt/html".encode().decode("latin-1"))], b"w2"),
        # Header blocks warcio reads differently from the list written: a folded line, a line
        # break inside a value (both make the indexer's reading the one to follow).
        get(f"{SITE}/folded", 200, [("Content-Type", ""), (" text/plain", "x")], b"f"),
        get(f"{SITE}/broken", 200, [("X-Note", "a\r\nContent-Type: image/png"), ("Content-Type", "text/html")], b"b"),
        get(f"{SITE}/colon", 200, [("Content-Type:x", "y"), ("Content-Type", "text/html")], b"c"),
    ]


def test_the_index_written_on_close_is_the_indexers_byte_for_byte(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    written = record_all(recorder, varied_exchanges())
    reference = indexed_by_reading(recorder.path, tmp_path)
    assert written == reference
    lines = reference.decode("utf-8").splitlines()
    # The comparison covers what it is meant to: every response and revisit, both kinds of line.
    assert len(lines) == len(varied_exchanges())
    assert sum('"mime": "warc/revisit"' in line for line in lines) == 2
    assert any('"status": "404"' in line for line in lines) and any('"status": "599"' in line for line in lines)


def test_many_records_and_repeated_urls_sort_as_the_indexer_sorts(tmp_path, ledger):
    # Same URLs, same second, different bytes: lines that differ only after the key and timestamp.
    exchanges = [
        get(
            f"{SITE}/tin/{n % 7}.html?page={n % 3}",
            200 if n % 5 else 404,
            [("Content-Type", "text/html")],
            b"<p>%d</p>" % (n % 11),
        )
        for n in range(300)
    ]
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    assert record_all(recorder, exchanges) == indexed_by_reading(recorder.path, tmp_path)


def test_a_second_run_of_revisits_indexes_alike(tmp_path, ledger):
    first = WarcRecorder(tmp_path / "warc", ledger, "run")
    record_all(first, varied_exchanges())
    second = WarcRecorder(tmp_path / "warc", ledger, "run")  # same name: run-1.warc.gz beside it
    written = record_all(second, varied_exchanges())
    assert second.path.name == "run-1.warc.gz"
    assert written == indexed_by_reading(second.path, tmp_path)
    assert written.count(b'"mime": "warc/revisit"') == len(varied_exchanges())  # every body was seen before


@pytest.mark.parametrize("url", [f"{SITE}/tin/a b.html", f"<{SITE}/tin/a.html>", "dns:127.0.0.1"])
def test_urls_readers_rewrite_still_give_the_indexers_lines(tmp_path, ledger, url):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    recorder.record(get(f"{SITE}/plain.html", 200, [("Content-Type", "text/html")], b"p"))
    recorder.record(get(url, 200, [("Content-Type", "text/html")], b"u"))
    index = recorder.close()
    assert index.read_bytes() == indexed_by_reading(recorder.path, tmp_path)
    assert len(index.read_text().splitlines()) == 2


def test_a_line_break_in_a_warc_field_still_gives_the_indexers_lines(tmp_path, ledger):
    # The dropped header's value goes into the record's TNU-Reconstructed field, where its line
    # break starts a field of its own: a WARC-Target-URI the reader finds before the real one.
    sneaky = ("Transfer-Encoding", "chunked\r\nWARC-Target-URI: http://127.0.0.1:9/other")
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    recorder.record(get(f"{SITE}/plain.html", 200, [("Content-Type", "text/html")], b"p"))
    recorder.record(get(f"{SITE}/sneaky.html", 200, [("Content-Type", "text/html"), sneaky], b"s"))
    index = recorder.close()
    assert index.read_bytes() == indexed_by_reading(recorder.path, tmp_path)
    assert b"127.0.0.1:9/other" in index.read_bytes()


def test_an_empty_run_has_an_empty_index(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    assert record_all(recorder, []) == indexed_by_reading(recorder.path, tmp_path) == b""


def test_the_crawls_indexes_are_the_indexers(crawls, tmp_path):
    # The real thing: both loopback crawls' WARC files, indexed by the writer process at the end.
    for warc in (crawls.first, crawls.second):
        assert cdxj_path(warc).read_bytes() == indexed_by_reading(warc, tmp_path)
    assert b'"mime": "warc/revisit"' in cdxj_path(crawls.second).read_bytes()

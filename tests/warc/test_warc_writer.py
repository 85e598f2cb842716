"""The WARC writer without a crawl: revisit decisions, header notes, recovery of a killed run."""

from __future__ import annotations

import subprocess

import pytest
from warc_support import BIN, read_records
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

import archive.wacz  # noqa: F401  (its import changes the CDXJ indexer's defaults: see below)
from archive.db import connect
from archive.warc_index import CaptureLedger, cdxj_path, read_capture
from archive.warc_writer import HttpExchange, WarcRecorder, finish_interrupted
from crawler.warc import WarcCaptureMiddleware

URL = "http://127.0.0.1:8/tin/a.html"


def exchange(body: bytes, url: str = URL, headers=(("Content-Type", "text/html"),)) -> HttpExchange:
    return HttpExchange(url, "GET", [("User-Agent", "test")], b"", 200, list(headers), body)


@pytest.fixture
def ledger(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    yield CaptureLedger(db)
    db.close()


def test_same_bytes_again_is_a_revisit_changed_bytes_a_new_copy(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    first = recorder.record(exchange(b"<p>one</p>"))
    again = recorder.record(exchange(b"<p>one</p>"))
    changed = recorder.record(exchange(b"<p>two</p>"))
    other_url = recorder.record(exchange(b"<p>one</p>", url=URL + "?page=2"))
    recorder.close()
    assert [c.record_type for c in (first, again, changed, other_url)] == ["response", "revisit", "response", "response"]
    assert again.refers_to == first.id
    assert [c.record_type for c in ledger.for_url(URL)] == ["response", "revisit", "response"]


def test_a_transfer_encoding_header_is_dropped_with_a_note(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    capture = recorder.record(exchange(b"<p>x</p>", headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    recorder.close()
    url, headers, body = read_capture(recorder.path, capture.offset)
    assert headers.get_header("Transfer-Encoding") is None
    assert body == b"<p>x</p>"
    record = [r for r in read_records(recorder.path) if r.type == "response"][0]
    assert "Transfer-Encoding: chunked removed" in record.warc_headers.get_header("TNU-Reconstructed")


def test_a_killed_run_is_cut_after_its_last_complete_record_and_indexed(tmp_path, ledger):
    warc_dir = tmp_path / "warc"
    recorder = WarcRecorder(warc_dir, ledger, "killed")
    captures = [recorder.record(exchange(b"<p>%d</p>" % n, url=f"{URL}?n={n}")) for n in range(3)]
    # The process dies while writing a record: a gzip member cut short, no CDXJ.
    size = recorder.path.stat().st_size
    last = captures[2]
    recorder._file.write(recorder.path.read_bytes()[last.offset:last.offset + last.length - 10])
    recorder._file.close()  # as the OS does for a killed process
    assert recorder.path.stat().st_size > size
    untouched = WarcRecorder(warc_dir, ledger, "finished")
    untouched.record(exchange(b"<p>done</p>", url=URL + "?done"))
    untouched.close()
    before = untouched.path.read_bytes()

    assert finish_interrupted(warc_dir) == [cdxj_path(recorder.path)]
    assert recorder.path.stat().st_size == size
    proc = subprocess.run([str(BIN / "warcio"), "check", str(recorder.path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r.url for r in read_records(recorder.path) if r.type == "response"] == [c.url for c in captures]
    # One index line per response, though wacz (imported above) widens the indexer's defaults.
    assert len(cdxj_path(recorder.path).read_text().splitlines()) == 3
    assert untouched.path.read_bytes() == before


def test_middleware_writes_beside_the_database_unless_told_otherwise(tmp_path):
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "data" / "tnu.sqlite")})
    assert WarcCaptureMiddleware.from_crawler(crawler).warc_dir == tmp_path / "data" / "warc"
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.sqlite"), "WARC_DIR": str(tmp_path / "w")})
    assert WarcCaptureMiddleware.from_crawler(crawler).warc_dir == tmp_path / "w"
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(get_crawler(settings_dict={"WARC_ENABLED": False}))


def test_read_capture_undoes_every_encoding_scrapy_accepts(tmp_path, ledger):
    import gzip
    import zlib

    import brotli
    from backports import zstd

    html = "<p>Đại học Thái Nguyên</p>".encode("utf-8")
    encoded = {
        "gzip": gzip.compress(html),
        "deflate": zlib.compress(html),
        "br": brotli.compress(html),
        "zstd": zstd.compress(html),
        "gzip, br": brotli.compress(gzip.compress(html)),
    }
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    captures = {
        coding: recorder.record(exchange(body, url=f"{URL}?{n}", headers=[("Content-Encoding", coding)]))
        for n, (coding, body) in enumerate(encoded.items())
    }
    recorder.close()
    for coding, capture in captures.items():
        assert read_capture(recorder.path, capture.offset).body == html, coding
        assert read_capture(recorder.path, capture.offset, decode=False).body == encoded[coding]

"""The WARC writer without a crawl: revisit decisions, header notes, recovery of a killed run."""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import zlib
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from warc_support import BIN, read_records
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.captures.wacz  # noqa: F401  (its import changes the CDXJ indexer's defaults: see below)
from archive.captures.warc_index import CaptureLedger, cdxj_path, payload_digest, read_capture
from archive.captures.warc_writer import (
    HttpExchange,
    WarcRecorder,
    _response_headers,
    _stored_gzip_member,
    finish_interrupted,
    new_record_id,
)
from archive.db import connect
from crawler.fetching.warc import WarcCaptureMiddleware

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
    assert [c.record_type for c in (first, again, changed, other_url)] == [
        "response",
        "revisit",
        "response",
        "response",
    ]
    assert again.refers_to == first.id
    assert [c.record_type for c in ledger.for_url(URL)] == ["response", "revisit", "response"]


def test_a_transfer_encoding_header_is_dropped_with_a_note(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    capture = recorder.record(
        exchange(b"<p>x</p>", headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
    )
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
    recorder._file.write(recorder.path.read_bytes()[last.offset : last.offset + last.length - 10])
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
    import brotli
    from backports import zstd

    html = "<p>Đại học Thái Nguyên</p>".encode()
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


# --- The records are what warcio's RecordBuilder wrote before record() formatted them itself ---


def _reference_records(exchanges: list[HttpExchange]) -> list[bytes]:
    """Each exchange's records, uncompressed, as the warcio-based record() wrote them."""
    writer = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")
    held: dict[tuple[str, str], tuple[str, str, str]] = {}  # (url, digest) -> id, url, date
    out = []
    for ex in exchanges:
        digest = payload_digest(ex.body)
        earlier = held.get((ex.url, digest))
        status_line, headers, notes = _response_headers(ex)
        http_headers = StatusAndHeaders(status_line, headers, protocol=ex.protocol)
        warc_headers = {"WARC-Type": "response" if earlier is None else "revisit"}
        if ex.ip_address:
            warc_headers["WARC-IP-Address"] = ex.ip_address
        warc_headers["TNU-Reconstructed"] = "; ".join(notes)
        if earlier is None:
            response = writer.create_warc_record(
                ex.url,
                "response",
                payload=BytesIO(ex.body),
                length=len(ex.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        else:
            warc_headers["WARC-Refers-To"] = earlier[0]
            response = writer.create_revisit_record(
                ex.url,
                digest,
                earlier[1],
                earlier[2],
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        parts = urlsplit(ex.url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        request_headers = list(ex.request_headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            ex.url,
            "request",
            payload=BytesIO(ex.request_body),
            length=len(ex.request_body),
            http_headers=StatusAndHeaders(f"{ex.method} {target} {ex.protocol}", request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Type": "request", "WARC-Concurrent-To": response_id},
        )
        request.rec_headers.replace_header("WARC-Date", response.rec_headers.get_header("WARC-Date"))
        for record in (response, request):
            writer.out = BytesIO()
            writer.write_record(record)
            out.append(writer.out.getvalue())
        if earlier is None:
            held[(ex.url, digest)] = (response_id, ex.url, response.rec_headers.get_header("WARC-Date"))
    return out


def _members(path) -> list[bytes]:
    """Each gzip member of a file, inflated: one WARC record each."""
    data, members = path.read_bytes(), []
    while data:
        member = zlib.decompressobj(zlib.MAX_WBITS | 16)
        members.append(member.decompress(data) + member.flush())
        assert member.eof
        data = member.unused_data
    return members


_ID = re.compile(rb"<urn:uuid:[0-9a-f-]{36}>")
_DATE = re.compile(rb"(WARC-(?:Refers-To-)?Date: )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?Z")


def _normalised(records: list[bytes]) -> list[bytes]:
    """Records with ids numbered by first appearance and dates blanked: what differs by run."""
    ids: dict[bytes, bytes] = {}
    number = lambda m: ids.setdefault(m.group(0), b"<id-%d>" % len(ids))  # noqa: E731
    return [_DATE.sub(rb"\1DATE", _ID.sub(number, record)) for record in records]


def _varied_exchanges() -> list[HttpExchange]:
    jpeg = bytes(range(256)) * 400  # 100 KB: more than one stored deflate block
    page = ("<p>Đại học Thái Nguyên</p>\n" * 3000).encode()
    return [
        HttpExchange(
            URL,
            "GET",
            [("User-Agent", "test"), ("Accept", "*/*")],
            b"",
            200,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))],
            page,
            ip_address="127.0.0.1",
        ),
        HttpExchange(URL + "?img=1", "GET", [], b"", 200, [("Content-Type", "image/jpeg")], jpeg),
        # the same bytes again: a revisit (of a stored image, and of the page)
        HttpExchange(URL + "?img=1", "GET", [], b"", 200, [("Content-Type", "image/jpeg")], jpeg),
        HttpExchange(
            URL, "GET", [("User-Agent", "test")], b"", 200, [("Content-Type", "text/html")], page, ip_address="::1"
        ),
        HttpExchange(
            URL + "?chunked",
            "GET",
            [("Host", "127.0.0.1:8")],
            b"",
            200,
            [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
            b"<p>x</p>",
        ),
        # latin-1-decoded UTF-8 header values: warcio's %-encoding, with and without parameters
        HttpExchange(
            URL + "?doc",
            "GET",
            [("Referer", "http://127.0.0.1:8/tin/đ")],
            b"",
            200,
            [
                ("Content-Disposition", 'attachment; filename="Đại học.pdf"'.encode().decode("latin-1")),
                ("X-Title", "Thái Nguyên".encode().decode("latin-1")),
                ("Content-Type", "application/pdf"),
            ],
            b"%PDF-1.4",
        ),
        HttpExchange(
            URL + "?form",
            "POST",
            [("Content-Type", "application/x-www-form-urlencoded")],
            b"q=%C4%91",
            302,
            [("Location", "/tin/b.html")],
            b"",
        ),
        HttpExchange("http://127.0.0.1:8/", "GET", [], b"", 599, [], b"", protocol="HTTP/1.0"),
        HttpExchange(URL + "?gz", "GET", [], b"", 200, [("Content-Encoding", "gzip")], gzip.compress(page)),
    ]


def test_records_are_those_warcio_wrote_field_for_field_and_byte_for_byte(tmp_path, ledger):
    exchanges = _varied_exchanges()
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    captures = [recorder.record(ex) for ex in exchanges]
    recorder.close()

    written = _members(recorder.path)
    assert b"WARC-Type: warcinfo" in written[0]
    assert _normalised(written[1:]) == _normalised(_reference_records(exchanges))
    assert [c.record_type for c in captures] == ["response"] * 2 + ["revisit"] * 2 + ["response"] * 5

    # Every digest checks out (revisits carry no payload to check), and what the ledger lists
    # is what the file holds.
    with open(recorder.path, "rb") as fh:
        iterator = ArchiveIterator(fh, check_digests="raise")
        records = []
        for record in iterator:
            record.content_stream().read()
            assert record.digest_checker.passed is (None if record.rec_type == "revisit" else True)
            records.append(
                (record.rec_type, record.rec_headers, iterator.get_record_offset(), iterator.get_record_length())
            )
    responses = [r for r in records if r[0] in ("response", "revisit")]
    for capture, (rec_type, headers, offset, length) in zip(captures, responses, strict=True):
        assert (capture.record_type, capture.offset, capture.length) == (rec_type, offset, length)
        assert capture.record_id == headers.get_header("WARC-Record-ID")
        assert capture.captured_at == headers.get_header("WARC-Date")
        assert capture.payload_digest == headers.get_header("WARC-Payload-Digest")
    proc = subprocess.run([str(BIN / "warcio"), "check", str(recorder.path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_caller_can_name_the_response_record(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run")
    first_id, again_id = new_record_id(), new_record_id()
    first = recorder.record(exchange(b"<p>one</p>"), record_id=first_id)
    again = recorder.record(exchange(b"<p>one</p>"), record_id=again_id)
    unnamed = recorder.record(exchange(b"<p>two</p>"))
    with pytest.raises(ValueError):
        recorder.record(exchange(b"<p>three</p>"), record_id="urn:uuid:no-brackets")
    recorder.close()

    assert re.fullmatch(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>", first_id)
    assert (first.record_id, again.record_id) == (first_id, again_id)
    assert unnamed.record_id not in (first_id, again_id)
    records = read_records(recorder.path)
    assert [(r.type, r.warc_headers.get_header("WARC-Record-ID")) for r in records[1::2]] == [
        ("response", first_id),
        ("revisit", again_id),
        ("response", unnamed.record_id),
    ]
    requests = records[2::2]
    assert [r.warc_headers.get_header("WARC-Concurrent-To") for r in requests] == [
        first_id,
        again_id,
        unnamed.record_id,
    ]
    assert records[3].warc_headers.get_header("WARC-Refers-To") == first_id
    # One date for the pair, at the precision warcio gives WARC/1.1 (microseconds).
    for response, request in zip(records[1::2], requests, strict=True):
        date = response.warc_headers.get_header("WARC-Date")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", date)
        assert request.warc_headers.get_header("WARC-Date") == date


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 200_000])
def test_a_stored_member_is_a_gzip_member_of_the_bytes(size):
    data = bytes(n % 251 for n in range(size))
    member = _stored_gzip_member(data)
    assert gzip.decompress(member) == data
    assert zlib.decompress(member, zlib.MAX_WBITS | 16) == data
    assert len(member) == len(data) + 18 + 5 * max(1, -(-size // 65535))  # header, trailer, blocks


def test_past_max_bytes_the_records_go_on_in_a_new_file(tmp_path, ledger):
    recorder = WarcRecorder(tmp_path / "warc", ledger, "run", max_bytes=20_000)
    # incompressible bodies (stored at level 0 as images are), 6-7 KB a record pair
    bodies = [bytes(random.Random(n).getrandbits(8) for _ in range(6_000)) for n in range(8)]
    exchanges = [
        exchange(body, url=f"{URL}?n={n}", headers=[("Content-Type", "image/jpeg")]) for n, body in enumerate(bodies)
    ]
    captures = [recorder.record(ex) for ex in exchanges]
    big = recorder.record(exchange(bytes(30_000), url=URL + "?big", headers=[("Content-Type", "image/jpeg")]))
    last = recorder.record(exchanges[0])  # the same bytes again: a revisit of a record in an earlier file
    recorder.close()

    files = [*recorder.closed_files, recorder.path]
    assert sorted(p.name for p in (tmp_path / "warc").glob("*.warc.gz")) == sorted(p.name for p in files)
    assert len(files) >= 4 and files[0].name == "run.warc.gz"
    assert all(re.fullmatch(r"\d{8}T\d{6}Z(-\d+)?\.warc\.gz", p.name) for p in files[1:])  # by start time
    for path in files:
        records = read_records(path)
        assert records[0].type == "warcinfo" and len(records) > 1  # each file opens with its own
        assert cdxj_path(path).exists()
        assert path.stat().st_size <= 20_000 or [r.type for r in records[1:]] == ["response", "request"]
        proc = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    # every capture is where the ledger says, whichever file that is
    for capture, ex in zip([*captures, big], [*exchanges, None], strict=True):
        url, _, body = read_capture(tmp_path / "warc" / capture.warc_file, capture.offset)
        assert url == capture.url and (ex is None or body == ex.body)
    assert last.record_type == "revisit" and last.refers_to == captures[0].id
    assert last.warc_file != captures[0].warc_file


FULL_DISK = r"""
import json, os, resource, signal, sys
from pathlib import Path
from archive.db import connect
from archive.captures.warc_index import CaptureLedger
from archive.captures.warc_writer import HttpExchange, WarcRecorder

tmp = Path(sys.argv[1])
db = connect(tmp / "tnu.sqlite")
ledger = CaptureLedger(db)
recorder = WarcRecorder(tmp / "warc", ledger, "run")

def exchange(body, url):
    return HttpExchange(url, "GET", [], b"", 200, [("Content-Type", "image/jpeg")], body)

first = recorder.record(exchange(os.urandom(2000), "http://127.0.0.1:8/a.jpg"))
size_before = recorder.path.stat().st_size
# A file size limit is a real write error from the kernel (EFBIG), as a full disk gives ENOSPC.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
# (The limit holds for every file of the process: the database stays far below it.)
resource.setrlimit(resource.RLIMIT_FSIZE, (4_000_000, resource.RLIM_INFINITY))
try:
    recorder.record(exchange(os.urandom(4_500_000), "http://127.0.0.1:8/big.jpg"))
except OSError as exc:
    error = exc.strerror
else:
    error = None
size_after_error = recorder.path.stat().st_size
second = recorder.record(exchange(os.urandom(1000), "http://127.0.0.1:8/c.jpg"))
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
recorder.close()
rows = db.execute("SELECT url, warc_file, offset, length FROM captures ORDER BY id").fetchall()
print(json.dumps({"error": error, "before": size_before, "after_error": size_after_error,
                  "second_offset": second.offset, "rows": rows, "warc": str(recorder.path)}))
"""


def test_a_failed_write_leaves_no_half_record(tmp_path):
    import json
    import sys

    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["error"] == "File too large"
    assert out["after_error"] == out["before"]  # cut back to where the failed record began
    assert out["second_offset"] == out["before"]  # the next record follows the last whole one
    warc = out["warc"]
    records = read_records(tmp_path / "warc" / warc.rsplit("/", 1)[1])
    urls = [r.url for r in records if r.type == "response"]
    assert urls == ["http://127.0.0.1:8/a.jpg", "http://127.0.0.1:8/c.jpg"]
    assert [row[0] for row in out["rows"]] == urls  # no row for the record that failed
    size = (tmp_path / "warc" / warc.rsplit("/", 1)[1]).stat().st_size
    for _, _, offset, length in out["rows"]:
        assert offset + length <= size
        assert read_capture(warc, offset).url in urls

"""What two real crawls of the loopback site leave in their WARC files, CDXJ indexes and `captures`."""

from __future__ import annotations

import gzip
import json
import subprocess

from warc_site import ARTICLE_A, CHUNKED_HTML, GZIP_HTML, PHOTO, ROUTES
from warc_support import BIN, read_records

from archive import __version__
from archive.captures.warc_index import CaptureLedger, cdxj_path, read_capture

# Every path the crawl reaches; /account/login is refused by robots.txt and never fetched.
FETCHED = {
    "/robots.txt": 200,
    "/": 200,
    "/tin/a.html": 200,
    "/tin/nen.html": 200,
    "/tin/chunked.html": 200,
    "/tin/cu": 301,
    "/tin/moi.html": 200,
    "/tin/mat.html": 404,
    "/tin/loi.html": 500,
    "/img/logo.png": 200,
    "/img/anh.png": 200,
}


def captured(records, crawls) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for r in records:
        if r.type in ("response", "revisit"):
            path = r.url.removeprefix(crawls.site_url.rstrip("/"))
            found.setdefault(path, set()).add(int(r.http_headers.get_statuscode()))
    return found


def only(records, type_, url):
    matches = [r for r in records if r.type == type_ and r.url == url]
    assert len(matches) == 1, [(r.type, r.url) for r in records]
    return matches[0]


def test_warcio_check_passes_on_every_warc(crawls):
    for warc in (crawls.first, crawls.second):
        proc = subprocess.run([str(BIN / "warcio"), "check", "-v", str(warc)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "digest pass" in proc.stdout
        assert "fail" not in proc.stdout


def test_warcinfo_names_the_crawler_its_version_and_settings(crawls):
    info = read_records(crawls.first)[0]
    assert info.type == "warcinfo"
    assert info.warc_headers.protocol == "WARC/1.1"
    fields = dict(line.split(": ", 1) for line in info.raw_body.decode("utf-8").splitlines() if line)
    assert fields["software"] == f"tnu-archive/{__version__}"
    assert fields["setting-ROBOTSTXT_OBEY"] == "True"
    assert fields["setting-RETRY_TIMES"] == "1"
    assert fields["start-urls"] == crawls.site_url
    assert "rebuilt from what the Twisted HTTP client parsed" in fields["http-fidelity"]


def test_every_response_is_captured_redirects_errors_images_and_robots_included(crawls):
    found = captured(read_records(crawls.first), crawls)
    assert found == {path: {status} for path, status in FETCHED.items()}
    assert "/account/login" not in crawls.site_paths


def test_gzip_page_is_stored_as_the_server_sent_it(crawls):
    record = only(read_records(crawls.first), "response", crawls.url("/tin/nen.html"))
    assert record.raw_body == ROUTES["/tin/nen.html"].body
    assert gzip.decompress(record.raw_body) == GZIP_HTML
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    assert record.http_headers.get_header("Content-Length") == str(len(record.raw_body))


def test_chunked_page_is_stored_dechunked_and_says_so(crawls):
    record = only(read_records(crawls.first), "response", crawls.url("/tin/chunked.html"))
    assert record.raw_body == CHUNKED_HTML
    # Twisted consumed the framing: neither Transfer-Encoding nor a Content-Length it never saw.
    assert record.http_headers.get_header("Transfer-Encoding") is None
    assert record.http_headers.get_header("Content-Length") is None
    assert "connection-control headers not kept" in record.warc_headers.get_header("TNU-Reconstructed")


def test_redirect_and_error_pages_keep_status_and_headers(crawls):
    records = read_records(crawls.first)
    moved = only(records, "response", crawls.url("/tin/cu"))
    assert moved.http_headers.statusline == "301 Moved Permanently"
    assert moved.http_headers.get_header("Location") == "/tin/moi.html"
    missing = only(records, "response", crawls.url("/tin/mat.html"))
    assert missing.http_headers.statusline == "404 Not Found"
    assert missing.raw_body == ROUTES["/tin/mat.html"].body


def test_images_are_byte_identical(crawls):
    record = only(read_records(crawls.first), "response", crawls.url("/img/anh.png"))
    assert record.raw_body == PHOTO
    assert record.http_headers.get_header("Content-Type") == "image/png"


def test_a_retried_error_is_one_copy_and_one_revisit(crawls):
    records = [r for r in read_records(crawls.first) if r.url == crawls.url("/tin/loi.html")]
    assert [r.type for r in records if r.type != "request"] == ["response", "revisit"]


def test_each_response_has_its_request_record(crawls):
    records = read_records(crawls.first)
    requests = {r.warc_headers.get_header("WARC-Concurrent-To"): r for r in records if r.type == "request"}
    for r in records:
        if r.type in ("response", "revisit"):
            request = requests[r.warc_headers.get_header("WARC-Record-ID")]
            assert request.url == r.url
            assert request.warc_headers.get_header("WARC-Date") == r.warc_headers.get_header("WARC-Date")
    request = requests[only(records, "response", crawls.url("/tin/a.html")).warc_headers.get_header("WARC-Record-ID")]
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/tin/a.html HTTP/1.1"
    assert request.http_headers.get_header("Host") == crawls.site_url.split("/")[2]
    assert "gzip" in request.http_headers.get_header("Accept-Encoding")


def test_second_crawl_of_the_unchanged_site_writes_only_revisits(crawls):
    first = read_records(crawls.first)
    second = read_records(crawls.second)
    assert {r.type for r in second} == {"warcinfo", "request", "revisit"}
    assert captured(second, crawls) == {path: {status} for path, status in FETCHED.items()}
    originals = {r.url: r for r in first if r.type == "response"}
    for revisit in (r for r in second if r.type == "revisit"):
        original = originals[revisit.url]
        headers = revisit.warc_headers
        assert headers.get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers.get_header("WARC-Refers-To-Target-URI") == revisit.url
        assert headers.get_header("WARC-Refers-To-Date") == original.warc_headers.get_header("WARC-Date")
        assert headers.get_header("WARC-Refers-To") == original.warc_headers.get_header("WARC-Record-ID")
        assert headers.get_header("WARC-Payload-Digest") == original.warc_headers.get_header("WARC-Payload-Digest")
        assert revisit.raw_body == b""
    # A revisit costs its headers, not its bytes.
    assert crawls.second.stat().st_size < crawls.first.stat().st_size + 2000
    assert sum(len(r.raw_body) for r in second if r.type == "revisit") == 0


def test_captures_table_locates_every_record(crawls):
    rows = list(crawls.db.query("SELECT * FROM captures ORDER BY id"))
    listed = {(row["warc_file"], row["offset"]): row for row in rows}
    count = 0
    for warc in (crawls.first, crawls.second):
        for r in read_records(warc):
            if r.type not in ("response", "revisit"):
                continue
            count += 1
            row = listed[(warc.name, r.offset)]
            assert (row["length"], row["record_type"], row["url"]) == (r.length, r.type, r.url)
            assert row["record_id"] == r.warc_headers.get_header("WARC-Record-ID")
            assert row["payload_digest"] == r.warc_headers.get_header("WARC-Payload-Digest")
            assert row["captured_at"] == r.warc_headers.get_header("WARC-Date")
            assert row["status"] == int(r.http_headers.get_statuscode())
            if r.type == "revisit":
                original = crawls.db["captures"].get(row["refers_to"])
                assert original["record_type"] == "response"
                assert (original["url"], original["payload_digest"]) == (row["url"], row["payload_digest"])
    assert count == len(rows)


def test_read_capture_gives_the_page_and_follows_a_revisit_to_the_earlier_file(crawls):
    row = crawls.db.execute(
        "SELECT warc_file, offset FROM captures WHERE url = ? AND record_type = 'revisit' AND warc_file = ?",
        [crawls.url("/tin/a.html"), crawls.second.name],
    ).fetchone()
    url, headers, body = read_capture(crawls.warc_dir / row[0], row[1])
    assert (url, headers.get_statuscode(), body) == (crawls.url("/tin/a.html"), "200", ARTICLE_A)

    row = crawls.db.execute(
        "SELECT warc_file, offset FROM captures WHERE url = ? AND warc_file = ?",
        [crawls.url("/tin/nen.html"), crawls.second.name],
    ).fetchone()
    assert read_capture(crawls.warc_dir / row[0], row[1]).body == GZIP_HTML
    assert read_capture(crawls.warc_dir / row[0], row[1], decode=False).body == ROUTES["/tin/nen.html"].body


def test_a_sorted_cdxj_index_is_written_beside_each_warc(crawls):
    for warc in (crawls.first, crawls.second):
        lines = cdxj_path(warc).read_text(encoding="utf-8").splitlines()
        assert lines == sorted(lines)
        entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
        rows = {
            (row["offset"], row["length"])
            for row in crawls.db.query("SELECT offset, length FROM captures WHERE warc_file = ?", [warc.name])
        }
        assert {(int(e["offset"]), int(e["length"])) for e in entries} == rows
        assert {e["filename"] for e in entries} == {warc.name}


def test_the_latest_capture_of_a_page_leads_to_its_bytes(crawls):
    ledger = CaptureLedger(crawls.db)
    latest = ledger.latest(crawls.url("/tin/a.html"))
    assert (latest.record_type, latest.warc_file) == ("revisit", crawls.second.name)
    holder = ledger.holding_bytes(latest)
    assert (holder.record_type, holder.warc_file) == ("response", crawls.first.name)
    assert read_capture(crawls.warc_dir / holder.warc_file, holder.offset).body == ARTICLE_A
    assert ledger.latest(crawls.url("/tin/mat.html")) is None
    assert ledger.latest(crawls.url("/tin/mat.html"), status=404).status == 404


def test_the_spider_sees_which_capture_each_response_is(crawls):
    # Pages the spider parsed: 2xx only (HttpErrorMiddleware drops 404/500 before it), the
    # redirect's target under its own URL.
    seen = {item["url"]: item["warc_capture"] for item in crawls.seen}
    assert set(seen) == {crawls.url(p) for p, status in FETCHED.items() if status == 200 and p != "/robots.txt"}
    for url, announced in seen.items():
        # Written by the writer process a moment later: announced is which record it will be.
        (row,) = crawls.db["captures"].rows_where("record_id = ?", [announced["record_id"]])
        assert row["url"] == url
        assert read_capture(crawls.warc_dir / row["warc_file"], row["offset"]).url == url

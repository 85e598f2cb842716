"""The CDX client's reading of both dialects, and its own paging and collapsing (pure)."""

from __future__ import annotations

import json

import pytest

from crawler.recovery import cdx
from crawler.sites.site import match_host

SEED = "http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"

# The Wayback Machine's documented `output=json` answer: a header row, then one row per
# capture; with showResumeKey=true an empty row and the key close it.
WAYBACK = json.dumps(
    [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["vn,edu,tnu)/so-ket-dn5521.html", "20200901030000", SEED, "text/html", "200", "AAAA", "7255"],
        ["vn,edu,tnu)/so-ket-dn5521.html", "20201001030000", SEED, "text/html", "200", "BBBB", "7257"],
        [
            "vn,edu,tnu)/bai-cu-dn5520.html",
            "20200901070000",
            "http://tnu.edu.vn/bai-cu-dn5520.html",
            "text/html",
            "301",
            "CCCC",
            "393",
        ],
        ["vn,edu,tnu)/x.jpg", "20200901070000", "http://tnu.edu.vn/x.jpg", "image/jpeg", "-", "DDDD", "120"],
        [],
        ["vn,edu,tnu)/so-ket-dn5521.html 20201001030000"],
    ]
)

# pywb (and OutbackCDX, Common Crawl's server): one JSON object a line.
PYWB = (
    "\n".join(
        json.dumps(row)
        for row in [
            {
                "urlkey": "vn,edu,tnu)/old-dn1.html",
                "timestamp": "20200901030000",
                "url": "http://tnu.edu.vn/old-dn1.html",
                "mime": "text/html",
                "status": "404",
                "digest": "SUPF",
                "length": "349",
            },
            {
                "urlkey": "vn,edu,tnu)/so-ket-dn5521.html",
                "timestamp": "20200801030000",
                "url": SEED,
                "mime": "text/html",
                "status": "200",
                "digest": "A7WZ",
                "length": "7258",
            },
        ]
    )
    + "\n"
)


def test_wayback_json_array_with_its_resume_key():
    page = cdx.parse(WAYBACK)
    assert page.resume_key == "vn,edu,tnu)/so-ket-dn5521.html 20201001030000"
    assert [(c.url, c.timestamp, c.status, c.mime, c.digest) for c in page.captures] == [
        (SEED, "20200901030000", 200, "text/html", "AAAA"),
        (SEED, "20201001030000", 200, "text/html", "BBBB"),
        ("http://tnu.edu.vn/bai-cu-dn5520.html", "20200901070000", 301, "text/html", "CCCC"),
        ("http://tnu.edu.vn/x.jpg", "20200901070000", None, "image/jpeg", "DDDD"),
    ]


def test_wayback_array_without_resume_key_and_empty_answers():
    rows = json.loads(WAYBACK)[:3]
    assert cdx.parse(json.dumps(rows)).resume_key is None
    assert cdx.parse("[]").captures == [] and cdx.parse("").captures == []


def test_pywb_json_lines():
    page = cdx.parse(PYWB)
    assert page.resume_key is None
    assert [(c.url, c.timestamp, c.status, c.digest) for c in page.captures] == [
        ("http://tnu.edu.vn/old-dn1.html", "20200901030000", 404, "SUPF"),
        (SEED, "20200801030000", 200, "A7WZ"),
    ]


def test_cdxj_lines_take_the_timestamp_from_the_key():
    line = 'vn,edu,tnu)/so-ket-dn5521.html 20200801030000 {"url": "' + SEED + '", "status": "200", "mime": "text/html"}'
    (capture,) = cdx.parse(line).captures
    assert (capture.timestamp, capture.status, capture.digest) == ("20200801030000", 200, None)


def test_unreadable_answers_are_a_clear_error():
    with pytest.raises(cdx.CdxError, match="line 2"):
        cdx.parse('{"url": "x", "timestamp": "2020"}\n<html>rate limited</html>')
    with pytest.raises(cdx.CdxError, match="field names"):
        cdx.parse('[{"url": "x"}]')


def test_times_and_raw_addresses():
    capture = cdx.parse(PYWB).captures[1]
    assert capture.captured_at == "2020-08-01T03:00:00Z"
    assert capture.raw_url("https://web.archive.org/web/") == f"https://web.archive.org/web/20200801030000id_/{SEED}"
    assert capture.raw_url("http://127.0.0.1:8080/tnu") == f"http://127.0.0.1:8080/tnu/20200801030000id_/{SEED}"
    short = cdx.Capture(SEED, cdx._timestamp("2020"), 200, None, None)
    assert (short.timestamp, short.captured_at) == ("20200101000000", "2020-01-01T00:00:00Z")


def test_only_successful_html_captures_are_read():
    page = cdx.parse(WAYBACK)
    assert [c.status for c in page.captures if cdx.is_html_success(c)] == [200, 200]


def test_collapse_identical_captures_itself():
    same = [cdx.Capture(SEED, ts, 200, "text/html", "BBBB") for ts in ("20201015030000", "20201001030000")]
    other = cdx.Capture(SEED, "20200901030000", 200, "text/html", "AAAA")
    seen: set = set()
    fresh = cdx.collapse([*same, other], seen)
    assert [(c.timestamp, c.digest) for c in fresh] == [("20200901030000", "AAAA"), ("20201001030000", "BBBB")]
    assert cdx.collapse(same, seen) == []  # a later page repeating them brings nothing


def test_date_range_at_the_precision_given():
    capture = cdx.Capture(SEED, "20200901030000", 200, None, None)
    assert cdx.in_range(capture, "2020", "2020") and cdx.in_range(capture, "202009", "20200901")
    assert not cdx.in_range(capture, "20200902", None) and not cdx.in_range(capture, None, "202008")
    assert cdx.check_date(" 202009 ") == "202009"
    for bad in ("20", "2020-09", "202009011"):
        with pytest.raises(ValueError, match="YYYY"):
            cdx.check_date(bad)


def test_paging_never_trusts_the_server():
    page = cdx.parse(WAYBACK)
    walk = cdx.Walk(max_pages=1000, max_barren=20)
    assert not walk.repeats(page)
    assert walk.next_key(page, wanted=2) == "vn,edu,tnu)/so-ket-dn5521.html 20201001030000"
    # the same page again (a server that ignores paging): read once
    assert walk.repeats(cdx.parse(WAYBACK))
    # another page handing out a key given before (a server looping): the walk ends
    again = cdx.CdxPage([], page.resume_key, signature=b"other")
    assert not walk.repeats(again) and walk.next_key(again, wanted=1) is None
    assert walk.stopped is None  # the index ended it, no bound did
    # no key: the end
    assert cdx.Walk(max_pages=1000, max_barren=20).next_key(cdx.parse(PYWB), wanted=2) is None


def endless(number: int) -> cdx.CdxPage:
    """Page `number` of an index that never ends: a new key and new rows every time."""
    return cdx.CdxPage([], f"key {number}", signature=number.to_bytes(8, "big"))


def follow(walk: cdx.Walk, wanted_on: set[int] = frozenset()) -> list[str]:
    """The keys a walk follows through an endless index, until it stops (at most 10,000 pages)."""
    keys = []
    for number in range(10_000):
        key = walk.next_key(endless(number), wanted=int(number in wanted_on))
        if key is None:
            break
        keys.append(key)
    return keys


def test_a_walk_ends_after_pages_in_a_row_without_an_article_capture():
    walk = cdx.Walk(max_pages=1000, max_barren=3)
    # page 2 brought an article capture: the count starts again after it
    assert follow(walk, {2}) == ["key 0", "key 1", "key 2", "key 3", "key 4"]
    assert walk.pages == 6
    assert walk.stopped == "stopped after 3 pages in a row without an article capture (CDX_MAX_BARREN_PAGES)"


def test_a_walk_ends_after_its_pages():
    walk = cdx.Walk(max_pages=4, max_barren=100)
    assert follow(walk, set(range(10_000))) == ["key 0", "key 1", "key 2"]
    assert walk.stopped == "stopped after 4 pages (CDX_MAX_PAGES)"


def test_a_walk_keeps_digests_not_pages():
    walk = cdx.Walk(max_pages=10_000, max_barren=10_000)
    huge = "k" * 100_000
    for n in range(500):
        page = cdx.CdxPage([], f"{huge}{n}", signature=n.to_bytes(8, "big"))
        assert not walk.repeats(page) and walk.next_key(page, wanted=1) is not None
    kept = [*walk._keys, *walk._signatures]
    assert len(kept) == 1000 and all(len(d) <= 16 for d in kept)


NOW = "20260101000000"


def rows_page(*rows: list) -> str:
    return json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"], *rows])


def test_bad_and_future_timestamps_are_skipped_and_counted_never_raised():
    text = rows_page(
        ["k", "20201301000000", SEED, "text/html", "200", "A", "1"],  # month 13
        ["k", "20200231000000", SEED, "text/html", "200", "B", "1"],  # 31 February
        ["k", "99991231235959", SEED, "text/html", "200", "C", "1"],  # the future
        ["k", "20260101000001", SEED, "text/html", "200", "D", "1"],  # a second after now
        ["k", "abc", SEED, "text/html", "200", "E", "1"],
        ["k", None, SEED, "text/html", "200", "F", "1"],
        ["k", "20200901030000", SEED, "text/html", "200", "G", "1"],
        ["k", "20260101000000", SEED, "text/html", "200", "H", "1"],  # now itself
    )
    page = cdx.parse(text, now=NOW)
    assert [c.digest for c in page.captures] == ["G", "H"]
    assert page.bad_times == 6
    lines = "\n".join(json.dumps({"url": SEED, "timestamp": t}) for t in ("20201301000000", "2020"))
    page = cdx.parse(lines, now=NOW)
    assert (page.bad_times, [c.timestamp for c in page.captures]) == (1, ["20200101000000"])
    assert cdx.valid_timestamp("99991231235959", NOW) is None
    assert cdx.valid_timestamp("20201301", NOW) is None
    assert cdx.valid_timestamp("2020-09-01 03:00:00", NOW) == "20200901030000"


def test_rows_past_the_bound_are_counted_not_read_and_the_key_still_found():
    rows = [
        ["k", f"2020090103{n:04d}"[:14], f"http://tnu.edu.vn/x-dn{n}.html", "text/html", "200", "-", "1"]
        for n in range(50)
    ]
    text = json.dumps(
        [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"], *rows, [], ["next"]]
    )
    page = cdx.parse(text, now=NOW, max_rows=10)
    assert (len(page.captures), page.unread, page.resume_key) == (10, 40, "next")
    lines = "\n".join(json.dumps({"url": r[2], "timestamp": r[1], "status": "200"}) for r in rows)
    page = cdx.parse(lines, now=NOW, max_rows=10)
    assert (len(page.captures), page.unread) == (10, 40)
    assert cdx.parse(text, now=NOW).unread == 0


def test_the_array_is_read_row_by_row_as_json_would_read_it():
    text = "[\n" + ",\n".join(json.dumps(r) for r in json.loads(WAYBACK)) + "\n]\n"
    spaced, compact = cdx.parse(text), cdx.parse(WAYBACK)
    assert (spaced.captures, spaced.resume_key) == (compact.captures, compact.resume_key)
    for broken in ('[["urlkey"], ["a"', '[["urlkey"]] trailing', '[["urlkey"], {oops}]'):
        with pytest.raises(cdx.CdxError, match="not a CDX JSON array"):
            cdx.parse(broken)
    # an answer served twice has the same signature; another answer another
    assert cdx.parse(WAYBACK).signature == compact.signature != cdx.parse(PYWB).signature


def test_the_host_a_pattern_names():
    assert match_host("tnu.edu.vn/*") == "tnu.edu.vn"
    assert match_host("*.TNU.edu.vn") == "tnu.edu.vn"
    assert match_host("https://en.tnu.edu.vn:443/news/*") == "en.tnu.edu.vn"
    assert match_host("tnu.edu.vn") == "tnu.edu.vn"
    for bad in ("*", "/news/*", "", "http://"):
        with pytest.raises(ValueError, match="no host"):
            match_host(bad)


def test_query_asks_for_json_and_resume_keys_without_trusting_filters():
    url = cdx.query_url("http://127.0.0.1:1/tnu/cdx", "tnu.edu.vn/*", since="2015", until="2021")
    assert url == ("http://127.0.0.1:1/tnu/cdx?url=tnu.edu.vn%2F%2A&output=json&showResumeKey=true&from=2015&to=2021")


def test_a_walk_knows_where_the_next_run_goes_on():
    # cut by a bound: at the key it did not follow
    walk = cdx.Walk(max_pages=2, max_barren=100)
    walk.reading(None)
    assert walk.next_key(endless(0), wanted=1) == "key 0" and walk.resume_at == "key 0"
    walk.reading("key 0")
    assert (walk.previous, walk.current) == (None, "key 0")
    assert walk.next_key(endless(1), wanted=1) is None and walk.stopped
    assert walk.resume_at == "key 1"
    # read to its end (no key, a key or a page met before): from the first page next time
    for last in (cdx.CdxPage([], None, signature=b"a"), cdx.CdxPage([], "key 0", signature=b"b")):
        walk = cdx.Walk(max_pages=100, max_barren=100)
        walk.reading(None)
        walk.next_key(endless(0), wanted=1)
        walk.reading("key 0")
        assert walk.next_key(last, wanted=1) is None and walk.stopped is None and walk.resume_at is None
    walk = cdx.Walk(max_pages=100, max_barren=100)
    walk.reading("saved")
    assert not walk.repeats(endless(5)) and walk.resume_at == "saved"
    assert walk.repeats(endless(5)) and walk.resume_at is None

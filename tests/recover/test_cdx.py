"""The CDX client's reading of both dialects, and its own paging and collapsing (pure)."""

from __future__ import annotations

import json

import pytest

from crawler import cdx

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
    api = "http://127.0.0.1:1/cdx"
    page = cdx.parse(WAYBACK)
    follow = cdx.next_query(api, "tnu.edu.vn/*", page, new_captures=4, keys_used=())
    assert follow is not None and "resumeKey=vn%2Cedu%2Ctnu%29%2Fso-ket-dn5521.html+20201001030000" in follow
    # the same key again (a server looping), or a page that brought nothing new: the walk ends
    assert cdx.next_query(api, "tnu.edu.vn/*", page, new_captures=4, keys_used=(page.resume_key,)) is None
    assert cdx.next_query(api, "tnu.edu.vn/*", page, new_captures=0, keys_used=()) is None
    assert cdx.next_query(api, "tnu.edu.vn/*", cdx.parse(PYWB), new_captures=2, keys_used=()) is None
    pages: set = set()
    assert cdx.page_is_new(cdx.parse(PYWB), pages) and not cdx.page_is_new(cdx.parse(PYWB), pages)


def test_query_asks_for_json_and_resume_keys_without_trusting_filters():
    url = cdx.query_url("http://127.0.0.1:1/tnu/cdx", "tnu.edu.vn/*", since="2015", until="2021")
    assert url == ("http://127.0.0.1:1/tnu/cdx?url=tnu.edu.vn%2F%2A&output=json&showResumeKey=true&from=2015&to=2021")

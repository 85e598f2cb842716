"""Dates and view counters as printed: pure string functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.extract.dates import (
    find_date,
    find_views,
    is_date_line,
    parse_date_fallback,
    parse_iso,
    plausible,
    same_day,
    strip_label,
    url_date,
)


@pytest.mark.parametrize(
    "text, iso, printed",
    [
        ("Đăng ngày: 15-07-2020 | 550 lần đọc", "2020-07-15", "15-07-2020"),
        ("Thứ Hai, 23/02/2026 - 09:15", "2026-02-23T09:15:00+07:00", "Thứ Hai, 23/02/2026 - 09:15"),
        # NukeViet: the weekday parted from the date by a dash
        ("Thứ hai - 12/10/2026 08:30", "2026-10-12T08:30:00+07:00", "Thứ hai - 12/10/2026 08:30"),
        ("Monday, 23/02/2026 - 09:15", "2026-02-23T09:15:00+07:00", "Monday, 23/02/2026 - 09:15"),
        ("Chủ Nhật, 01/03/2026 - 21:05", "2026-03-01T21:05:00+07:00", "Chủ Nhật, 01/03/2026 - 21:05"),
        ("09:15 23/02/2026", "2026-02-23T09:15:00+07:00", "09:15 23/02/2026"),
        ("Cập nhật lúc 9h30, 5.7.2021", "2021-07-05T09:30:00+07:00", "9h30, 5.7.2021"),
        ("03/04/2021 02:05 PM", "2021-04-03T14:05:00+07:00", "03/04/2021 02:05 PM"),
        ("ngày 23 tháng 2 năm 2026", "2026-02-23", "ngày 23 tháng 2 năm 2026"),
        ("21 tháng 09 năm 2025", "2025-09-21", "21 tháng 09 năm 2025"),
        # a weekday set off by a dash, the time after the date
        ("Thứ hai - 12/10/2026 08:30", "2026-10-12T08:30:00+07:00", "Thứ hai - 12/10/2026 08:30"),
        # the time before the date, "ngày" between them
        ("Cập nhật lúc 09:12 ngày 15/10/2026", "2026-10-15T09:12:00+07:00", "09:12 ngày 15/10/2026"),
        ("Đăng ngày: 15-07-2020", "2020-07-15", "15-07-2020"),
        # day first, always: 05/04 is the 5th of April
        ("05/04/2019", "2019-04-05", "05/04/2019"),
    ],
)
def test_find_date(text, iso, printed):
    assert find_date(text) == (iso, printed)


@pytest.mark.parametrize(
    "text",
    ["31/02/2020", "15-13-2020", "Đăng ngày: 32-07-2020", "12/2020", "no date at all", "", "15-07/2020"],
)
def test_malformed_dates_give_none(text):
    assert find_date(text) is None


def test_an_impossible_time_drops_the_whole_match():
    # 25:61 is not a time; the date is not silently shifted either
    assert find_date("23/02/2026 - 25:61") is None


def test_a_bad_date_is_skipped_for_a_good_one_later():
    assert find_date("31/02/2020 hoặc 28/02/2020") == ("2020-02-28", "28/02/2020")


def test_strip_label():
    assert strip_label("Đăng ngày: 15-07-2020 | 550 lần đọc") == "15-07-2020"
    assert strip_label("Ngày đăng: 15/07/2020") == "15/07/2020"


def test_dateparser_fallback_needs_the_label_stripped():
    # dateparser alone returns None for the labelled line; the fallback strips the label first
    assert parse_date_fallback("Đăng ngày: 15-07-2020 | 550 lần đọc") == ("2020-07-15", "15-07-2020")
    assert parse_date_fallback("Posted: 23 February 2026 09:15") == (
        "2026-02-23T09:15:00+07:00",
        "23 February 2026 09:15",
    )
    assert parse_date_fallback("Đăng ngày: chưa rõ") is None
    assert parse_date_fallback("99/99/9999") is None


@pytest.mark.parametrize(
    "value, iso",
    [
        ("2026-02-23T09:15:00+07:00", "2026-02-23T09:15:00+07:00"),
        # a timestamp keeps its own offset: its instant and the day it names are the page's
        ("2026-02-23T02:15:00Z", "2026-02-23T02:15:00+00:00"),
        ("2024-03-05T23:30:00-05:00", "2024-03-05T23:30:00-05:00"),
        ("2024-03-05T10:00:00.123Z", "2024-03-05T10:00:00+00:00"),
        ("2024-03-05 10:00:00 +0700", "2024-03-05T10:00:00+07:00"),
        # no offset: the site's clock
        ("2024-03-05 10:00", "2024-03-05T10:00:00+07:00"),
        ("2024/03/05", "2024-03-05"),
        # not ISO: read as printed, day first
        ("05/03/2024", "2024-03-05"),
        ("2024-03-05T10:00:00+25:00", None),
        ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05T10:00:00+00:00"),
        ("05 Mar 2024 10:00:00 +0700", "2024-03-05T10:00:00+07:00"),
        ("2026-02-23T09:15:00", "2026-02-23T09:15:00+07:00"),
        ("2020-07-15", "2020-07-15"),
        ("2020-02-30", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_iso(value, iso):
    assert parse_iso(value) == iso


@pytest.mark.parametrize(
    "text, views",
    [
        ("550 lần đọc", 550),
        ("1.234 lần đọc", 1234),
        ("Đăng ngày: 15-07-2020 | 1.234.567 lần đọc", 1234567),
        ("Lượt xem: 2.045", 2045),
        ("Views: 2.045", 2045),
        ("Lượt xem:12", 12),
        ("2020 550 lần đọc", 550),
        ("Đăng ngày: 15-07-2020", None),
        # the sidebar's visitor counter is not the article's
        ("Tổng lượt truy cập: 12.345.678", None),
        ("Số lượt truy cập: 2.345.678", None),
        ("Đang truy cập: 37", None),
        # other CMS shapes: a views plugin, NukeViet, a portal's article info line
        ("Đã xem: 2.345", 2345),
        ("Xem: 1874", 1874),
        ("Ngày đăng: 12/10/2026 08:30 | Người đăng: Trần Minh | Lượt truy cập: 1.234", 1234),
        ("Xem thêm: 5 bài viết", None),
        ("", None),
    ],
)
def test_find_views(text, views):
    assert find_views(text) == views


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "iso, ok",
    [
        ("2026-12-07", True),
        ("2026-12-08", True),  # a day's grace: tomorrow in UTC is today in the zones ahead
        ("2026-12-09", False),
        ("2026-12-08T11:00:00+00:00", True),
        ("2026-12-08T13:00:00+00:00", False),
        ("2026-12-09T01:00:00+14:00", True),  # the same instant as 11:00 UTC on the 8th
        ("1991-01-01", True),
        ("1990-12-31", False),  # before the web
        ("1970-01-01T07:00:00+07:00", False),  # a CMS's empty date
        ("not a date", False),
    ],
)
def test_plausible(iso, ok):
    assert plausible(iso, NOW) is ok


def test_plausible_is_relative_to_now_by_default():
    today = datetime.now(UTC)
    assert plausible((today - timedelta(days=1)).date().isoformat())
    assert not plausible((today + timedelta(days=3)).date().isoformat())


@pytest.mark.parametrize(
    "url, iso",
    [
        ("https://example.org/2024/03/05/le-khai-giang", "2024-03-05"),
        ("https://example.org/news/2024/3/5/le-khai-giang.html?ref=home", "2024-03-05"),
        ("https://example.org/2024/03/05/", None),  # a day archive: a listing, not an article
        ("https://example.org/2024/03/le-khai-giang", None),
        ("https://example.org/2024/02/30/le-khai-giang", None),
        ("https://example.org/tin/2024-03-05-le-khai-giang", None),
        ("https://example.org/?d=/2024/03/05/x", None),
    ],
)
def test_url_date(url, iso):
    assert url_date(url) == iso


@pytest.mark.parametrize(
    "text, is_line",
    [
        ("Đăng ngày: 15-07-2020 | 550 lần đọc", True),
        ("Thứ Hai, 23/02/2026 - 09:15", True),
        ("08:30 | 12/10/2026", True),
        ("Thanh Loan – TNU Media | 12/10/2026 | 550 lượt xem", True),
        ("Tin tức - Sự kiện | 12/10/2026", True),
        ("Cập nhật lúc 09:12 ngày 15/10/2026", True),
        # running text that names a day
        ("Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.", False),
        ("Ngày 04/4/1994, Đại học Thái Nguyên được thành lập", False),
        ("Đại học Thái Nguyên được thành lập ngày 04/4/1994 theo Nghị định số 31/CP của Chính phủ", False),
        ("Sáng 12/10/2026, Đại học Thái Nguyên tổ chức hội nghị tổng kết năm học.", False),
    ],
)
def test_a_date_line_is_not_a_sentence(text, is_line):
    found = find_date(strip_label(text)) or find_date(text)
    assert found is not None
    assert is_date_line(text, found[1]) is is_line


def test_same_day_compares_instants_or_days():
    assert same_day("2026-10-12T01:30:00+00:00", "2026-10-12T08:30:00+07:00")  # one instant
    assert not same_day("2026-10-12T01:30:00+00:00", "2026-10-12T09:30:00+07:00")
    assert same_day("2026-10-12", "2026-10-12T08:30:00+07:00")
    # 23:30 UTC on the 11th is the 12th in Vietnam: a day printed there agrees
    assert same_day("2026-10-11T23:30:00+00:00", "2026-10-12")
    assert same_day("2026-10-11T23:30:00+00:00", "2026-10-11")
    assert not same_day("2026-10-10", "2026-10-12")


# --- the site's clock and language (a profile's `timezone` and `language`) ---------------------

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    "text, zone, iso",
    [
        # the zone's offset on that day: winter and summer time
        ("Thứ Hai, 23/02/2026 - 09:15", PARIS, "2026-02-23T09:15:00+01:00"),
        ("Thứ Tư, 15/07/2026 - 09:15", PARIS, "2026-07-15T09:15:00+02:00"),
        ("03/04/2021 02:05 PM", NEW_YORK, "2021-04-03T14:05:00-04:00"),
        ("Thứ Hai, 23/02/2026 - 09:15", VIETNAM, "2026-02-23T09:15:00+07:00"),
        # a day alone is a day, whatever the clock
        ("Đăng ngày: 15-07-2020", PARIS, "2020-07-15"),
    ],
)
def test_a_printed_time_is_on_the_sites_clock(text, zone, iso):
    assert find_date(text, zone)[0] == iso


def test_without_a_clock_given_the_time_is_vietnams():
    for text in ("Thứ Hai, 23/02/2026 - 09:15", "Cập nhật lúc 9h30, 5.7.2021", "Đăng ngày: 15-07-2020"):
        assert find_date(text) == find_date(text, VIETNAM)
    assert parse_iso("2024-03-05 10:00") == parse_iso("2024-03-05 10:00", VIETNAM) == "2024-03-05T10:00:00+07:00"


def test_a_machine_readable_time_without_an_offset_is_on_the_sites_clock_one_with_keeps_its_own():
    assert parse_iso("2024-03-05 10:00", PARIS) == "2024-03-05T10:00:00+01:00"
    assert parse_iso("2024-08-05T10:00:00", PARIS) == "2024-08-05T10:00:00+02:00"
    assert parse_iso("2024-03-05T10:00:00+07:00", PARIS) == "2024-03-05T10:00:00+07:00"
    assert parse_iso("2024-03-05T10:00:00Z", NEW_YORK) == "2024-03-05T10:00:00+00:00"
    assert parse_iso("05/03/2024 10:00", NEW_YORK) == "2024-03-05T10:00:00-05:00"  # printed, day first


def test_the_day_a_timestamp_names_is_read_on_the_sites_clock():
    # 23:30 UTC on the 11th: the 12th in Vietnam, still the 11th in New York
    assert same_day("2026-10-11T23:30:00+00:00", "2026-10-12", VIETNAM)
    assert not same_day("2026-10-11T23:30:00+00:00", "2026-10-12", NEW_YORK)
    assert same_day("2026-10-11T23:30:00+00:00", "2026-10-11", NEW_YORK)


def test_dateparser_reads_the_sites_language_first_then_vietnamese_and_english():
    french = "mardi 23 février 2026 à 09:15"
    assert parse_date_fallback(french, PARIS, "fr") == ("2026-02-23T09:15:00+01:00", french)
    assert parse_date_fallback(french, PARIS, "fr-FR") == ("2026-02-23T09:15:00+01:00", french)
    assert parse_date_fallback(french, PARIS) is None  # a Vietnamese site's page
    # a language dateparser does not know is passed over, never raised
    assert parse_date_fallback("Posted: 23 February 2026 09:15", PARIS, "xx") == (
        "2026-02-23T09:15:00+01:00",
        "23 February 2026 09:15",
    )

"""Dates and view counters as printed: pure string functions."""

from __future__ import annotations

import pytest

from crawler.extract.dates import (
    find_date,
    find_views,
    parse_date_fallback,
    parse_iso,
    strip_label,
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
        ("2026-02-23T02:15:00Z", "2026-02-23T09:15:00+07:00"),
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

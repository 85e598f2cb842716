"""Dates and view counters as the site prints them: pure string functions.

Regular expressions first (fast, and they keep the printed span for `published_text`);
dateparser only as a fallback for unusual wordings, because it costs milliseconds per call
and returns None as soon as a label such as `Đăng ngày:` is left in front of the date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

# The site's clock: Asia/Ho_Chi_Minh has had no daylight saving since 1975.
SITE_TZ = timezone(timedelta(hours=7))

_WEEKDAY = (
    r"(?:(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7]"
    r"|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)\.?\s*[,–-]?\s*)"
)
# Day first, always: 23/02/2026, 15-07-2020, 5.7.2021 (the same separator twice).
_DMY = r"(?<!\d)(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"
# "ngày 23 tháng 02 năm 2026", "23 tháng 2, 2026"
_VI_LONG = r"(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*(?:,|năm)?\s*(?P<y>\d{4})(?!\d)"
_TIME = (
    r"(?<!\d)(?P<H>\d{1,2})\s*(?:[:hH]|giờ)\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?|SA|CH))?(?!\d)"
)
_SEP = r"\s*(?:[-–—|,]|lúc|at)?\s*"


def _dated(date_re: str) -> re.Pattern[str]:
    time_after = _TIME.replace("?P<", "?P<a")
    return re.compile(
        rf"(?:{time_after}{_SEP})?(?:{_WEEKDAY})?(?:ngày\s+)?{date_re}(?:{_SEP}{_TIME})?",
        re.IGNORECASE,
    )


_PATTERNS = (_dated(_DMY), _dated(_VI_LONG))

# Words that introduce a date and are never part of it.
_LABEL = re.compile(
    r"^\s*(?:đăng\s*ngày|ngày\s*đăng|cập\s*nhật|ngày\s*cập\s*nhật|thời\s*gian|đăng\s*lúc"
    r"|posted(?:\s*on)?|published|date|updated)\s*:?\s*",
    re.IGNORECASE,
)


def _to_iso(day: date, clock: time | None) -> str:
    if clock is None:
        return day.isoformat()
    return datetime.combine(day, clock, tzinfo=SITE_TZ).isoformat()


def _clock(hour: str | None, minute: str | None, second: str | None, ampm: str | None) -> time | None:
    if hour is None or minute is None:
        return None
    h, m, s = int(hour), int(minute), int(second or 0)
    marker = (ampm or "").replace(".", "").upper()
    if marker in ("PM", "CH") and h < 12:
        h += 12
    elif marker in ("AM", "SA") and h == 12:
        h = 0
    return time(h, m, s)  # raises ValueError on 25:61, caught by the caller


def find_date(text: str) -> tuple[str, str] | None:
    """The first printed date in `text` as (ISO 8601, the span as printed), or None.

    A printed time gives a full timestamp at the site's +07:00 offset; a day alone gives the
    day only, so nothing is invented. An impossible date (31/02) is skipped, never raised.
    """
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            g = match.groupdict()
            try:
                day = date(int(g["y"]), int(g["m"]), int(g["d"]))
                clock = _clock(g["H"], g["M"], g["S"], g["ampm"])
                if clock is None:
                    clock = _clock(g["aH"], g["aM"], g["aS"], g["aampm"])
            except ValueError:
                continue
            return _to_iso(day, clock), match.group(0).strip(" ,-–—|")
    return None


def parse_iso(value: str) -> str | None:
    """A machine-readable date (JSON-LD, `article:published_time`, `<time datetime>`) as ISO 8601.

    Timestamps are expressed at the site's +07:00 offset (a naive one is taken as site time);
    a bare day stays a bare day.
    """
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SITE_TZ)
    return moment.astimezone(SITE_TZ).isoformat()


def strip_label(text: str) -> str:
    """`Đăng ngày: 15-07-2020 | 550 lần đọc` -> `15-07-2020`: the label and whatever follows a bar go."""
    return _LABEL.sub("", text.split("|", 1)[0]).strip()


_DATEPARSER_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
}


def parse_date_fallback(text: str) -> tuple[str, str] | None:
    """Slow path for wordings the regular expressions do not know; None when nothing parses."""
    printed = strip_label(text)
    if not printed or not re.search(r"\d", printed) or len(printed) > 80:
        return None
    import dateparser  # imported here: loading it costs ~0.5 s and the hot path never needs it

    has_time = re.search(r"\d\s*(?:[:hH]|giờ)\s*\d{2}", printed) is not None
    for languages in (["vi"], ["en"]):
        try:
            moment = dateparser.parse(printed, languages=languages, settings=_DATEPARSER_SETTINGS)
        except (ValueError, OverflowError, TypeError):
            moment = None
        if moment is not None:
            clock = moment.time() if has_time else None
            return _to_iso(moment.date(), clock), printed
    return None


# A counter: 550, 1.234, 1,234, 1.234.567 (Vietnamese groups thousands with dots).
_NUMBER = r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?![\d.,]\d)"
_VIEWS_AFTER = re.compile(
    _NUMBER + r"\s*(?:lần\s*đọc|lượt\s*(?:xem|đọc)|lần\s*xem|views?|reads?)(?!\w)",
    re.IGNORECASE,
)
# "Lượt xem: 2.045", "Đã xem: 2.345" (views plugins), "Xem: 1874" (NukeViet), "Lượt truy cập: 1.234"
# (portals). A bare "xem" counts only with its colon ("xem thêm" is a link).
_VIEWS_BEFORE = re.compile(
    r"(?:lượt\s*(?:xem|đọc|truy\s*cập)|lần\s*(?:đọc|xem)|số\s*lần\s*đọc|(?<!\w)xem(?=\s*:)|views?|reads?)\s*:?\s*"
    + _NUMBER,
    re.IGNORECASE,
)
# "Tổng lượt truy cập: 12.345.678", "Số lượt truy cập: …" count the whole site's visitors (a sidebar's
# counter), never an article's readers.
_SITE_TOTAL = re.compile(r"(?:tổng|số)\s*(?:số\s*)?$", re.IGNORECASE)


def _site_total(text: str, match: re.Match[str]) -> bool:
    return "truy" in match.group(0).lower() and bool(_SITE_TOTAL.search(text[: match.start()]))


def find_views(text: str) -> int | None:
    """The view counter printed in `text` (`550 lần đọc`, `Lượt xem: 2.045`, `Đã xem: 2.345`, `Xem: 1874`,
    an article's `Lượt truy cập: 1.234`), or None."""
    match = _VIEWS_AFTER.search(text) or next(
        (m for m in _VIEWS_BEFORE.finditer(text) if not _site_total(text, m)), None
    )
    return int(re.sub(r"[.,]", "", match.group(1))) if match else None

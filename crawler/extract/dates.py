"""Dates and view counters as the site prints them: pure string functions.

Regular expressions first (fast, and they keep the printed span for `published_text`);
dateparser only as a fallback for unusual wordings, because it costs milliseconds per call
and returns None as soon as a label such as `Đăng ngày:` is left in front of the date.

Time zones: a time printed without an offset (`Thứ Hai, 23/02/2026 - 09:15`) is the site's
clock, the `timezone` of its profile (crawler/sites/), passed in as `zone`: the offset written is
the one that zone had on that day (Asia/Ho_Chi_Minh: +07:00 for every date since 1976; Europe/Paris:
+01:00 in winter, +02:00 in summer). A machine-readable timestamp that carries its own offset
(`2024-03-05T23:30:00-05:00`, `…Z`) keeps it: the instant is the page's and so is the day it
names, so nothing is shifted to another calendar day.

Languages: dateparser, the slow path, tries the site's `language` first, then Vietnamese and English.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from crawler.sites.site import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE

# The clock and language of a site whose profile names none (a caller that has a Site passes its own).
DEFAULT_ZONE: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)
# The languages dateparser tries after the site's own: the languages of the sites' pages seen so far.
FALLBACK_LANGUAGES = ("vi", "en")
# No page was published before the web existed; a CMS's empty date prints 1970-01-01 or 0001-01-01.
EARLIEST = date(1991, 1, 1)
# A date after now is a scheduled event, a deadline or a wrong clock, not a publication; a day's
# grace covers the zones ahead of UTC (a page published at 06:00 +14:00 is "tomorrow" in UTC).
FUTURE_GRACE = timedelta(days=1)

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
# Both patterns print the year in four digits: a text without four digits in a row holds no date,
# and most texts asked (a page's header lines, its item cards) have none. Found in one quick scan,
# where each pattern tries its optional time, weekday and "ngày" at every position.
_YEAR_DIGITS = re.compile(r"\d{4}")

# Words that introduce a date and are never part of it.
_LABEL = re.compile(
    r"^\s*(?:đăng\s*ngày|ngày\s*đăng|cập\s*nhật|ngày\s*cập\s*nhật|thời\s*gian|đăng\s*lúc"
    r"|posted(?:\s*on)?|published|date|updated)\s*:?\s*",
    re.IGNORECASE,
)


def _to_iso(day: date, clock: time | None, zone: tzinfo) -> str:
    if clock is None:
        return day.isoformat()
    # a local time a DST change skips or repeats takes the offset before the change (fold=0)
    return datetime.combine(day, clock, tzinfo=zone).isoformat()


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


def find_date(text: str, zone: tzinfo = DEFAULT_ZONE) -> tuple[str, str] | None:
    """The first printed date in `text` as (ISO 8601, the span as printed), or None.

    A printed time gives a full timestamp at the offset of the site's clock `zone` on that day;
    a day alone gives the day only, so nothing is invented. An impossible date (31/02) is
    skipped, never raised.
    """
    if _YEAR_DIGITS.search(text) is None:
        return None
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
            return _to_iso(day, clock, zone), match.group(0).strip(" ,-–—|")
    return None


# What machine-readable dates look like in the wild: 2024-03-05, 2024-03-05T10:00, 2024-03-05 10:00:00,
# …T10:00:00.000Z, …+0700, …+07:00, 2024/03/05.
_ISO = re.compile(
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)


_RFC2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")


def parse_iso(value: str, zone: tzinfo = DEFAULT_ZONE) -> str | None:
    """A machine-readable date (JSON-LD, `article:published_time`, `<time datetime>`, meta) as
    ISO 8601, or None.

    A timestamp with an offset keeps it (the instant and the day it names are the page's); a
    timestamp without one is the site's clock `zone`; a bare day stays a bare day. Fractions of
    a second are dropped. A value that is not ISO-like is tried as a printed date (day first).
    """
    value = value.strip()
    match = _ISO.match(value)
    if match is None:
        if _RFC2822.match(value):  # "Tue, 05 Mar 2024 10:00:00 GMT" (HTTP-style meta dates)
            try:
                moment = parsedate_to_datetime(value).replace(microsecond=0)
            except (TypeError, ValueError):
                return None
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()  # "-0000": UTC
        found = find_date(value, zone) if len(value) <= 80 else None
        return found[0] if found else None
    g = match.groupdict()
    try:
        day = date(int(g["y"]), int(g["m"]), int(g["d"]))
        if g["H"] is None:
            return day.isoformat()
        clock = time(int(g["H"]), int(g["M"]), int(g["S"] or 0))
        own = _zone(g["tz"]) if g["tz"] else zone
    except ValueError:
        return None
    return datetime.combine(day, clock, tzinfo=own).isoformat()


def _zone(text: str) -> timezone:
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def plausible(iso: str, now: datetime | None = None) -> bool:
    """Whether an ISO date (as parse_iso and find_date write them) can be a publication date:
    not before the web (EARLIEST), not after now (with FUTURE_GRACE)."""
    now = now or datetime.now(UTC)
    try:
        if "T" in iso:
            moment = datetime.fromisoformat(iso)
            day = moment.date()
            late = moment > now + FUTURE_GRACE
        else:
            day = date.fromisoformat(iso)
            late = day > (now + FUTURE_GRACE).date()
    except ValueError:
        return False
    return day >= EARLIEST and not late


def same_day(machine: str, printed: str, zone: tzinfo = DEFAULT_ZONE) -> bool:
    """Whether a machine-readable date and a printed one name the same publication: the same
    instant when both have a time, else the same calendar day, read in the machine value's own
    offset or on the site's clock `zone` (a UTC timestamp of 23:30 is the next day in Vietnam)."""
    if "T" in machine and "T" in printed:
        return datetime.fromisoformat(machine) == datetime.fromisoformat(printed)
    days = {machine[:10]}
    if "T" in machine:
        days.add(datetime.fromisoformat(machine).astimezone(zone).date().isoformat())
    return printed[:10] in days


# /2024/03/05/slug: the day a blog or news CMS filed the article under (not a day archive, which
# ends with the day).
_URL_DAY = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])/(?=[^/?#\s])")


def url_date(url: str) -> str | None:
    """The day in an article URL of the /yyyy/mm/dd/slug shape, as ISO 8601; None otherwise."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _URL_DAY.search(path)
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


# What a date line may hold besides its date: labels, connecting words, the counter. Whatever is
# left is counted: a date line has a few words more (a byline, a category), a sentence has many.
_FILLER = re.compile(
    r"(?<!\w)(?:đăng\s*ngày|ngày\s*đăng|ngày\s*cập\s*nhật|cập\s*nhật|đăng\s*lúc|đăng\s*bởi|thời\s*gian"
    r"|ngày\s*xuất\s*bản|xuất\s*bản|tác\s*giả|người\s*viết|nguồn|bởi|ngày|lúc|vào"
    r"|posted|published|updated|date|on|at|by)(?!\w)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
# A date line has at most this many words besides its date and labels.
DATE_LINE_MAX_WORDS = 8


def is_date_line(text: str, printed: str) -> bool:
    """Whether `text`, which prints the date `printed`, is a date line and not a sentence that
    mentions a date: "Ngày 04/4/1994, nhà trường được thành lập." is running text;
    "Thanh Loan – TNU Media | 12/10/2026 | 550 lượt xem" and "Đăng ngày: 15-07-2020" are date lines."""
    at = text.find(printed)
    rest = text[:at] + " " + text[at + len(printed) :] if at >= 0 else text
    rest = _FILLER.sub(" ", _VIEWS_BEFORE.sub(" ", _VIEWS_AFTER.sub(" ", rest)))
    words = len(_WORD.findall(rest))
    if words > DATE_LINE_MAX_WORDS:
        return False
    if words >= 4:
        if text.rstrip().endswith((".", "!", "?", "…")):
            return False  # a sentence
        if at >= 0 and re.match(r"\s*,\s*[^\W\d_]", text[at + len(printed) :]):
            return False  # "Ngày 04/4/1994, Đại học …": the date opens a clause
    return True


def strip_label(text: str) -> str:
    """`Đăng ngày: 15-07-2020 | 550 lần đọc` -> `15-07-2020`: the label and whatever follows a bar go."""
    return _LABEL.sub("", text.split("|", 1)[0]).strip()


_DATEPARSER_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
}


def parse_date_fallback(
    text: str, zone: tzinfo = DEFAULT_ZONE, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str] | None:
    """Slow path for wordings the regular expressions do not know; None when nothing parses.
    dateparser reads `text` in the site's `language` first (its primary subtag: `fr-CA` is `fr`),
    then in FALLBACK_LANGUAGES; a printed time is on the site's clock `zone`."""
    printed = strip_label(text)
    if not printed or not re.search(r"\d", printed) or len(printed) > 80:
        return None
    import dateparser  # imported here: loading it costs ~0.5 s and the hot path never needs it

    has_time = re.search(r"\d\s*(?:[:hH]|giờ)\s*\d{2}", printed) is not None
    own = language.split("-", 1)[0].strip().lower()
    for lang in dict.fromkeys((own, *FALLBACK_LANGUAGES) if own else FALLBACK_LANGUAGES):
        try:  # a language dateparser does not know is a ValueError: the next one is tried
            moment = dateparser.parse(printed, languages=[lang], settings=_DATEPARSER_SETTINGS)
        except (ValueError, OverflowError, TypeError):
            moment = None
        if moment is not None:
            clock = moment.time() if has_time else None
            return _to_iso(moment.date(), clock, zone), printed
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

"""Reading the CDX API of web archives (pure functions: no I/O, no Scrapy).

Two dialects answer `output=json`:
- the Wayback Machine: one JSON array whose first row names the fields (`urlkey`, `timestamp`,
  `original`, `mimetype`, `statuscode`, `digest`, `length`), with `showResumeKey=true` an empty
  row and then `[resumeKey]` at the end when more results follow;
- pywb, OutbackCDX and Common Crawl's index server: one JSON object a line (`url`, `timestamp`,
  `status`, `mime`, `digest`, ...); pywb's own default is CDXJ (`<urlkey> <timestamp> {json}`),
  read here too.

Servers differ in what they honour (pywb ignores `page`, `showNumPages` and `collapse`: every
page returns everything), so nothing here trusts a server to page or collapse: a `Walk` follows
resume keys only while they change, pages do not repeat and some page brings a capture worth
reading, within a bound of pages; `collapse` drops identical captures (same URL, same digest).

Nor is anything a server says about a capture trusted: a row's `original` can be any scheme and
host (crawler/sites/site.py `match_host` names the hosts asked for; the spider keeps their http(s) captures), its
timestamp any digits (a capture whose time is no date or is in the future is skipped and
counted, never raised on), a page any number of rows (read up to a bound, the rest counted).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlencode

# The Wayback Machine's CDX endpoint and its replay prefix (`<replay><timestamp>id_/<url>`).
WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_REPLAY = "https://web.archive.org/web/"

_DATE = re.compile(r"^\d{4}(?:\d{2}(?:\d{2})?)?$")
_TIMESTAMP = "%Y%m%d%H%M%S"


class CdxError(ValueError):
    """A CDX answer that is in neither dialect; the message says what came instead."""


class Capture(NamedTuple):
    """One line of a CDX index: a response an archive captured. (A named tuple: a page of an
    index holds up to CDX_MAX_PAGE_ROWS of them, cheaper to make than frozen dataclasses.)"""

    url: str  # the original URL, as it was captured
    timestamp: str  # 14 digits, UTC: YYYYMMDDhhmmss
    status: int | None  # the captured response's HTTP status; None for revisits ("-")
    mime: str | None
    digest: str | None  # of the captured body (sha1, base32), as the index gives it

    @property
    def captured_at(self) -> str:
        """The capture's time in the archive's form: 2020-09-01T03:00:00Z."""
        t = self.timestamp
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    @property
    def key(self) -> tuple[str, str]:
        """What makes two captures the same one: the URL and the body's digest (or, without a
        digest, the timestamp)."""
        return (self.url, self.digest or self.timestamp)

    def raw_url(self, replay: str) -> str:
        """The capture as it was received, without the archive's rewriting: `id_` replay."""
        return raw_capture_url(replay, self.timestamp, self.url)


@dataclass(frozen=True)
class CdxPage:
    captures: list[Capture]  # the rows read, in the server's order, each with a valid time
    resume_key: str | None = None  # Wayback's key for the next page, when it gave one
    bad_times: int = 0  # rows skipped: a timestamp that is no date, or in the future
    unread: int = 0  # rows past max_rows, not read
    signature: bytes = b""  # a digest of the answer: a page served twice has the same


def raw_capture_url(replay: str, timestamp: str, url: str) -> str:
    return f"{replay.rstrip('/')}/{timestamp}id_/{url}"


def check_date(value: str) -> str:
    """A --from/--to value: YYYY, YYYYMM or YYYYMMDD (the CDX API's own prefixes)."""
    value = value.strip()
    if not _DATE.match(value):
        raise ValueError(f"expected a date as YYYY, YYYYMM or YYYYMMDD, got {value!r}")
    return value


def query_url(
    api: str, match: str, *, since: str | None = None, until: str | None = None, resume_key: str | None = None
) -> str:
    """The CDX request for one URL pattern (`tnu.edu.vn/*`: every URL under the host).

    No `matchType`: pywb finds nothing for `matchType=prefix` with a `*` URL, while both dialects
    read the trailing `*` as a prefix match. No `filter`, `collapse` or `limit`: the servers
    disagree on their field names and support, so the client does that work itself."""
    params = [("url", match), ("output", "json"), ("showResumeKey", "true")]
    if since:
        params.append(("from", since))
    if until:
        params.append(("to", until))
    if resume_key:
        params.append(("resumeKey", resume_key))
    separator = "&" if "?" in api else "?"
    return f"{api}{separator}{urlencode(params)}"


def now_timestamp() -> str:
    """This moment as a CDX timestamp (UTC): no capture can be later."""
    return datetime.now(UTC).strftime(_TIMESTAMP)


# 14 digits that are a moment for sure (days up to 28: every month has them); anything else
# goes the slow way, through datetime. Most rows of an index take the fast one.
_SURE_TIMESTAMP = re.compile(r"\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|1\d|2[0-8])(?:[01]\d|2[0-3])[0-5]\d[0-5]\d")


def _timestamp(value: object) -> str | None:
    """The 14 digits of a CDX timestamp, or None when they name no moment (month 13, `9999`…)."""
    if isinstance(value, str) and _SURE_TIMESTAMP.fullmatch(value) and value[:4] != "0000":
        return value
    text = value if isinstance(value, str) else str(value if value is not None else "")
    digits = re.sub(r"\D", "", text)
    if len(digits) < 4:
        return None
    # YYYY[MM[DD[hh[mm[ss]]]]]: the start of the span a shorter timestamp names.
    t = (digits + "00000101000000"[len(digits) :])[:14]
    try:  # datetime() checks the calendar (31 February); strptime would take 10 times as long
        datetime(int(t[0:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), int(t[12:14]))
    except ValueError:
        return None
    return t


def valid_timestamp(value: object, now: str) -> str | None:
    """The timestamp when it names a moment no later than `now` (both 14 digits, UTC), else None:
    a capture dated 99991231235959 would stay an article's newest reading for good."""
    timestamp = _timestamp(value)
    return timestamp if timestamp is not None and timestamp <= now else None


def _status(value: object) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)  # the common case, without an exception's cost
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None  # "-" (a revisit or a warcinfo line) or missing


def _blank(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return None if text in ("", "-") else text


@dataclass
class _Reading:
    """A page as it is read: its captures, and what was skipped."""

    now: str
    max_rows: int | None
    html_only: bool = False
    captures: list[Capture] = field(default_factory=list)
    bad_times: int = 0
    unread: int = 0
    signature: bytes = b""

    @property
    def full(self) -> bool:
        return self.max_rows is not None and len(self.captures) + self.bad_times >= self.max_rows

    def add(self, url: object, timestamp: object, status: object, mime: object, digest: object) -> None:
        if not url or not isinstance(url, str):
            return  # no address: nothing to read, nothing to count
        status, mime = _status(status), _blank(mime)
        if self.html_only and not _html_success(status, mime):
            return  # not read, not held: most of an index (images, redirects)
        if self.full:
            self.unread += 1
            return
        valid = valid_timestamp(timestamp, self.now)
        if valid is None:
            self.bad_times += 1
            return
        self.captures.append(Capture(url, valid, status, mime, _blank(digest)))

    def add_fields(self, fields: dict) -> None:
        self.add(
            fields.get("original") or fields.get("url"),
            fields.get("timestamp"),
            fields.get("statuscode", fields.get("status")),
            fields.get("mimetype", fields.get("mime")),
            fields.get("digest"),
        )

    def page(self, resume_key: str | None = None) -> CdxPage:
        return CdxPage(self.captures, resume_key, self.bad_times, self.unread, self.signature)


def parse(text: str, *, now: str | None = None, max_rows: int | None = None, html_only: bool = False) -> CdxPage:
    """One CDX answer, in either dialect (or CDXJ), as captures in the server's order.

    `now` (a 14-digit UTC timestamp, this moment by default): rows dated later are skipped and
    counted with those whose timestamp is no date. `max_rows`: rows past it are counted, not
    read (a page's captures are all held at once). `html_only`: only the captures that
    `is_html_success` (the others are neither kept nor counted)."""
    reading = _Reading(now or now_timestamp(), max_rows, html_only)
    body = text.strip()
    reading.signature = _digest(body)
    if not body:
        return reading.page()
    if body.startswith("["):
        return _parse_array(body, reading)
    return _parse_lines(body, reading)


_DECODER = json.JSONDecoder()
_BETWEEN_ROWS = re.compile(r"[\s,]*")


def _array_rows(body: str) -> Iterator[object]:
    """The rows of a JSON array one at a time: `json.loads` would hold every row of a large
    answer at once, as Python lists, several times the size of the text."""
    index, end = 1, len(body)
    while True:
        index = _BETWEEN_ROWS.match(body, index).end()
        if index >= end:
            raise CdxError("not a CDX JSON array (it does not end)")
        if body[index] == "]":
            if body[index + 1 :].strip():
                raise CdxError("not a CDX JSON array (text after its end)")
            return
        try:
            row, index = _DECODER.raw_decode(body, index)
        except json.JSONDecodeError as exc:
            raise CdxError(f"not a CDX JSON array ({exc})") from None
        yield row


def _parse_array(body: str, reading: _Reading) -> CdxPage:
    rows = _array_rows(body)
    header = next(rows, None)
    if header is None:
        return reading.page()
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise CdxError(f"a CDX JSON array starts with its field names, not {str(header)[:80]!r}")
    width = len(header)
    # Where each field is (read by position: a dict per row would double the reading's time);
    # the last column, an empty string, stands for a field the header lacks.
    where = {name: index for index, name in reversed(list(enumerate(header)))}
    url, timestamp, status, mime, digest = (
        next((where[name] for name in names if name in where), width)
        for names in (("original", "url"), ("timestamp",), ("statuscode", "status"), ("mimetype", "mime"), ("digest",))
    )

    def add(row: object) -> None:
        if isinstance(row, list) and len(row) == width:  # else the separator row, or a damaged
            row = [*row, ""]  # line: skipped, not guessed at
            reading.add(row[url], row[timestamp], row[status], row[mime], row[digest])

    # showResumeKey ends the array with an empty row and then the key alone: the last two rows
    # are held back until the end tells what they are.
    before_last: object = None
    last: object = None
    for count, row in enumerate(rows):
        if count >= 2:
            add(before_last)
        before_last, last = last, row
    resume_key = None
    if before_last == [] and isinstance(last, list) and len(last) == 1:
        resume_key = str(last[0])
    else:
        for row in (before_last, last):
            add(row)
    return reading.page(resume_key)


def _parse_lines(body: str, reading: _Reading) -> CdxPage:
    for number, line in enumerate(io.StringIO(body), start=1):
        line = line.strip()
        if not line:
            continue
        if reading.full:
            reading.unread += 1  # counted, not even decoded
            continue
        start = line.find("{")
        if start < 0:
            raise CdxError(f"line {number} of the CDX answer is not JSON: {line[:80]!r}")
        try:
            fields = json.loads(line[start:])
        except json.JSONDecodeError as exc:
            raise CdxError(f"line {number} of the CDX answer is not JSON ({exc})") from None
        if not isinstance(fields, dict):
            raise CdxError(f"line {number} of the CDX answer is not a JSON object")
        if start > 0 and "timestamp" not in fields:  # CDXJ: "<urlkey> <timestamp> {...}"
            parts = line[:start].split()
            if len(parts) >= 2:
                fields["timestamp"] = parts[1]
        reading.add_fields(fields)
    return reading.page()


def in_range(capture: Capture, since: str | None, until: str | None) -> bool:
    """Within --from/--to, compared at the precision given (a server may ignore them)."""
    if since and capture.timestamp[: len(since)] < since:
        return False
    return not (until and capture.timestamp[: len(until)] > until)


def is_html_success(capture: Capture) -> bool:
    """A 200 whose body is HTML: redirects, errors and revisits are not articles to read."""
    return _html_success(capture.status, capture.mime)


def _html_success(status: int | None, mime: str | None) -> bool:
    mime = (mime or "").lower()
    return status == 200 and ("html" in mime or mime in ("", "unk"))


def collapse(captures: Iterable[Capture], seen: set[tuple[str, str]]) -> list[Capture]:
    """Captures not seen before (by URL and digest), oldest first per URL; `seen` grows."""
    fresh = []
    for capture in sorted(captures, key=lambda c: (c.url, c.timestamp)):
        if capture.key in seen:
            continue
        seen.add(capture.key)
        fresh.append(capture)
    return fresh


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class Walk:
    """One URL pattern's walk through the index's pages, and what ends it: no resume key, a key
    or a page met before (a server looping, or ignoring paging), `max_pages` pages, or
    `max_barren` pages in a row without a capture worth reading (a server that hands out a new
    key with unwanted captures forever). It keeps two 16-byte digests a page, never the pages.

    And where it stands, in resume keys (None: the index's first page), which the archive keeps
    so that the next run goes on from there (archive/operations/recovery.py `save_walk`): the key
    of the page read last (`current`), of the one before it (`previous`: where a run killed now
    goes on, that page's captures being all handled by then), and `resume_at`, where the next run
    goes on once this one has ended: the page a bound or --limit left unread, None once the
    index was read to its end."""

    max_pages: int  # CDX_MAX_PAGES (crawler/settings.py has the defaults)
    max_barren: int  # CDX_MAX_BARREN_PAGES
    pages: int = 0
    barren: int = 0  # pages in a row without a capture worth reading
    stopped: str | None = None  # which bound ended the walk, in words; None when the index did
    current: str | None = None
    previous: str | None = None
    resume_at: str | None = None
    _keys: set[bytes] = field(default_factory=set)
    _signatures: set[bytes] = field(default_factory=set)

    def reading(self, key: str | None) -> None:
        """The page that `key` asked for has come: it is the walk's current page (and, until the
        walk decides otherwise, where the next run goes on)."""
        self.previous, self.current = self.current, key
        self.resume_at = key

    def repeats(self, page: CdxPage) -> bool:
        """True when `page` is one read already: the walk ends there, the page is not read again."""
        if page.signature in self._signatures:
            self.resume_at = None  # nothing new after it: the index is read
            return True
        self._signatures.add(page.signature)
        return False

    def next_key(self, page: CdxPage, *, wanted: int) -> str | None:
        """The resume key to follow after `page`, which brought `wanted` captures worth reading
        not met before in this walk; None when the walk is over."""
        self.pages += 1
        self.barren = 0 if wanted else self.barren + 1
        key = page.resume_key
        self.resume_at = None  # the index read to its end, unless a key is followed or left below
        if not key:
            return None
        digest = _digest(key)
        if digest in self._keys:
            return None
        self._keys.add(digest)
        self.resume_at = key
        if self.pages >= self.max_pages:
            self.stopped = f"stopped after {self.pages} pages (CDX_MAX_PAGES)"
        elif self.barren >= self.max_barren:
            self.stopped = (
                f"stopped after {self.barren} pages in a row without an article capture (CDX_MAX_BARREN_PAGES)"
            )
        return None if self.stopped else key

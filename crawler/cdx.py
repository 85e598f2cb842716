"""Reading the CDX API of web archives (pure functions: no I/O, no Scrapy).

Two dialects answer `output=json`:
- the Wayback Machine: one JSON array whose first row names the fields (`urlkey`, `timestamp`,
  `original`, `mimetype`, `statuscode`, `digest`, `length`), with `showResumeKey=true` an empty
  row and then `[resumeKey]` at the end when more results follow;
- pywb, OutbackCDX and Common Crawl's index server: one JSON object a line (`url`, `timestamp`,
  `status`, `mime`, `digest`, ...); pywb's own default is CDXJ (`<urlkey> <timestamp> {json}`),
  read here too.

Servers differ in what they honour (pywb ignores `page`, `showNumPages` and `collapse`: every
page returns everything), so nothing here trusts a server to page or collapse: `next_query`
follows a resume key only while it changes and pages keep bringing new captures, and
`collapse` drops identical captures (same URL, same digest) itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

# The Wayback Machine's CDX endpoint and its replay prefix (`<replay><timestamp>id_/<url>`).
WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_REPLAY = "https://web.archive.org/web/"

_DATE = re.compile(r"^\d{4}(?:\d{2}(?:\d{2})?)?$")


class CdxError(ValueError):
    """A CDX answer that is in neither dialect; the message says what came instead."""


@dataclass(frozen=True)
class Capture:
    """One line of a CDX index: a response an archive captured."""

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
    captures: list[Capture]
    resume_key: str | None = None  # Wayback's key for the next page, when it gave one


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


def _timestamp(value: object) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) < 4:
        raise CdxError(f"capture without a usable timestamp: {value!r}")
    # YYYY[MM[DD[hh[mm[ss]]]]]: the start of the span a shorter timestamp names.
    return (digits + "00000101000000"[len(digits) :])[:14]


def _status(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None  # "-" (a revisit or a warcinfo line) or missing


def _blank(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return None if text in ("", "-") else text


def _capture(fields: dict) -> Capture | None:
    url = fields.get("original") or fields.get("url")
    if not url or fields.get("timestamp") in (None, ""):
        return None
    return Capture(
        url=str(url),
        timestamp=_timestamp(fields["timestamp"]),
        status=_status(fields.get("statuscode", fields.get("status"))),
        mime=_blank(fields.get("mimetype", fields.get("mime"))),
        digest=_blank(fields.get("digest")),
    )


def parse(text: str) -> CdxPage:
    """One CDX answer, in either dialect (or CDXJ), as captures in the server's order."""
    body = text.strip()
    if not body:
        return CdxPage([])
    if body.startswith("["):
        return _parse_array(body)
    return _parse_lines(body)


def _parse_array(body: str) -> CdxPage:
    try:
        rows = json.loads(body)
    except json.JSONDecodeError as exc:
        raise CdxError(f"not a CDX JSON array ({exc})") from None
    if not isinstance(rows, list) or not rows:
        return CdxPage([])
    header, *rows = rows
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise CdxError(f"a CDX JSON array starts with its field names, not {header!r}")
    resume_key = None
    # showResumeKey: [..., [], ["<key>"]] — an empty row, then the key alone.
    if len(rows) >= 2 and rows[-2] == [] and isinstance(rows[-1], list) and len(rows[-1]) == 1:
        resume_key = str(rows[-1][0])
        rows = rows[:-2]
    captures = []
    for row in rows:
        if not isinstance(row, list) or len(row) != len(header):
            continue  # the empty separator row, or a damaged line: skipped, not guessed at
        capture = _capture(dict(zip(header, row, strict=True)))
        if capture is not None:
            captures.append(capture)
    return CdxPage(captures, resume_key)


def _parse_lines(body: str) -> CdxPage:
    captures = []
    for number, line in enumerate(body.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        start = line.find("{")
        if start < 0:
            raise CdxError(f"line {number} of the CDX answer is not JSON: {line[:80]!r}")
        try:
            fields = json.loads(line[start:])
        except json.JSONDecodeError as exc:
            raise CdxError(f"line {number} of the CDX answer is not JSON ({exc})") from None
        if start > 0 and "timestamp" not in fields:  # CDXJ: "<urlkey> <timestamp> {...}"
            parts = line[:start].split()
            if len(parts) >= 2:
                fields["timestamp"] = parts[1]
        capture = _capture(fields)
        if capture is not None:
            captures.append(capture)
    return CdxPage(captures)


def in_range(capture: Capture, since: str | None, until: str | None) -> bool:
    """Within --from/--to, compared at the precision given (a server may ignore them)."""
    if since and capture.timestamp[: len(since)] < since:
        return False
    return not (until and capture.timestamp[: len(until)] > until)


def is_html_success(capture: Capture) -> bool:
    """A 200 whose body is HTML: redirects, errors and revisits are not articles to read."""
    mime = (capture.mime or "").lower()
    return capture.status == 200 and ("html" in mime or mime in ("", "unk"))


def collapse(captures: Iterable[Capture], seen: set[tuple[str, str]]) -> list[Capture]:
    """Captures not seen before (by URL and digest), oldest first per URL; `seen` grows."""
    fresh = []
    for capture in sorted(captures, key=lambda c: (c.url, c.timestamp)):
        if capture.key in seen:
            continue
        seen.add(capture.key)
        fresh.append(capture)
    return fresh


def page_is_new(page: CdxPage, seen_pages: set[tuple[tuple[str, str], ...]]) -> bool:
    """False when a page repeats one already read (a server that ignores paging answers every
    page with everything): the walk stops there."""
    signature = tuple(sorted((c.url, c.timestamp) for c in page.captures))
    if signature in seen_pages:
        return False
    seen_pages.add(signature)
    return True


def next_query(
    api: str,
    match: str,
    page: CdxPage,
    *,
    new_captures: int,
    keys_used: Sequence[str],
    since: str | None = None,
    until: str | None = None,
) -> str | None:
    """The request for the page after `page`, or None when the walk is over: no resume key, a
    key given before (a server looping), or a page that brought nothing new."""
    key = page.resume_key
    if not key or key in keys_used or not new_captures:
        return None
    return query_url(api, match, since=since, until=until, resume_key=key)

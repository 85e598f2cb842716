"""What went wrong, in one short name each: the kinds `fetch_log.error`, `image_sources.error`
and `crawl_runs.errors` record. The crawler names its failures with these constants
(crawler/fetching/errors.py, the fetch log, the pipeline); the data dictionary lists them from here.
"""

from __future__ import annotations

from collections.abc import Iterable

# An HTTP answer of 400 or more: `http_404`, `http_503`, ...
HTTP_PREFIX = "http_"
HTTP = HTTP_PREFIX + "<status>"

# No complete response came.
DNS = "dns"
TIMEOUT = "timeout"
CONNECTION_REFUSED = "connection_refused"
CONNECT_ERROR = "connect_error"
TRUNCATED = "truncated"
CONNECTION_LOST = "connection_lost"
TOO_LARGE = "too_large"

# A redirect that cannot lead to the page.
REDIRECT_LOOP = "redirect_loop"
REDIRECT_OFFSITE = "redirect_offsite"

# Dropped by Scrapy before a request was sent: counted in the run, no fetch_log row.
ROBOTS_FORBIDDEN = "robots_forbidden"
OFFSITE = "offsite"
IGNORED = "ignored"
# Refused before any connection: the host resolves into a private, loopback, link-local or other
# special-purpose range the crawl may not reach (crawler/fetching/addresses.py).
BLOCKED_ADDRESS = "blocked_address"

# After the download.
NOT_AN_IMAGE = "not_an_image"
WRITE_ERROR = "write_error"
EXTRACT_ERROR = "extract_error"
EXTRACT_TIMEOUT = "extract_timeout"
WRITER_DIED = "writer_died"
# What a web archive's CDX index listed that recovery does not read (tnu-archive recover).
CDX_UNREADABLE = "cdx_unreadable"
CDX_BAD_TIMESTAMP = "cdx_bad_timestamp"
CDX_NOT_SITE = "cdx_not_site"
CDX_ROWS_UNREAD = "cdx_rows_unread"
CAPTURE_NOT_HTML = "capture_not_html"
# The archive refused to store an article under a URL that is not http(s).
NOT_HTTP_URL = "not_http_url"
# Not failures of the site.
INTERRUPTED = "interrupted"
MISSING_FILE = "missing_file"

ERROR_KINDS: dict[str, str] = {
    HTTP: "the server answered with this status, 400 or more",
    DNS: "the host name could not be resolved",
    TIMEOUT: "no answer within DOWNLOAD_TIMEOUT",
    CONNECTION_REFUSED: "the server refused the connection",
    CONNECT_ERROR: "the connection could not be made for another reason",
    TRUNCATED: "the body stopped short of its Content-Length",
    CONNECTION_LOST: "the connection closed before the response was complete",
    TOO_LARGE: "the body passed DOWNLOAD_MAXSIZE (an image: its own limit), on the wire or once decompressed",
    REDIRECT_LOOP: "a redirect back into its own chain",
    REDIRECT_OFFSITE: "a page redirected off the crawled hosts",
    ROBOTS_FORBIDDEN: "robots.txt forbids the URL",
    OFFSITE: "a page on another host, not followed",
    IGNORED: "dropped before it was sent, for another reason",
    BLOCKED_ADDRESS: "the host resolves into a private or special-purpose network: never connected to",
    NOT_AN_IMAGE: "the bytes under an image's URL are no image, e.g. an HTML error page",
    WRITE_ERROR: "the image file could not be written",
    EXTRACT_ERROR: "the article page could not be read",
    EXTRACT_TIMEOUT: "reading the page took longer than EXTRACT_TIMEOUT: stopped, and the run went on; "
    "the page is fetched again after a wait of 1, 2, 4… days",
    WRITER_DIED: "the archive writer process died, the writes in flight were lost",
    CDX_UNREADABLE: "a web archive's CDX answer in neither dialect (its URL is among the run's problems)",
    CDX_BAD_TIMESTAMP: "a CDX row whose capture time is no date (month 13…) or lies in the future: skipped",
    CDX_NOT_SITE: "a CDX row of another host than those asked for, or not http(s) (javascript:…): skipped",
    CDX_ROWS_UNREAD: "CDX rows past CDX_MAX_PAGE_ROWS in one answer: not read",
    CAPTURE_NOT_HTML: "a web archive's capture that came back as no text page",
    NOT_HTTP_URL: "an article whose URL is not http(s): refused by the archive",
    INTERRUPTED: "the download was cut by the run's own stop (SIGTERM/SIGINT); asked for again next run, "
    "without waiting",
    MISSING_FILE: "`verify --repair` found the image file gone and no WARC capture holding its bytes; "
    "the next crawl downloads it again",
}

# Which kinds each column can hold.
FETCH_ERRORS = (
    HTTP,
    TIMEOUT,
    TRUNCATED,
    CONNECTION_LOST,
    CONNECTION_REFUSED,
    CONNECT_ERROR,
    DNS,
    TOO_LARGE,
    REDIRECT_LOOP,
    REDIRECT_OFFSITE,
    BLOCKED_ADDRESS,
    INTERRUPTED,
    # the page came (its status is kept) but was not read
    EXTRACT_ERROR,
    EXTRACT_TIMEOUT,
)
IMAGE_ERRORS = (
    HTTP,
    TIMEOUT,
    TRUNCATED,
    CONNECTION_LOST,
    CONNECTION_REFUSED,
    CONNECT_ERROR,
    DNS,
    TOO_LARGE,
    ROBOTS_FORBIDDEN,
    IGNORED,
    BLOCKED_ADDRESS,
    NOT_AN_IMAGE,
    WRITE_ERROR,
    MISSING_FILE,
)

# What a failure no kind above names is recorded as.
UNNAMED = "any other failure: the exception's class name in lower case"


def http_kind(status: int) -> str:
    return f"{HTTP_PREFIX}{status}"


def listed(kinds: Iterable[str]) -> str:
    """The kinds as the data dictionary lists them: `a, b or c`."""
    names = list(kinds)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def explained(kinds: Iterable[str]) -> str:
    """Each kind with what it means: `a (its meaning); b (…)`."""
    return "; ".join(f"{kind} ({ERROR_KINDS[kind]})" for kind in kinds)

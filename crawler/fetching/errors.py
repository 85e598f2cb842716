"""Names for what went wrong with a request: one short kind per failure, recorded in fetch_log.
The kinds themselves, and what each means, are the archive's (archive/error_kinds.py)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as tx_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from archive.error_kinds import (
    BLOCKED_ADDRESS,
    CONNECT_ERROR,
    CONNECTION_LOST,
    CONNECTION_REFUSED,
    DNS,
    IGNORED,
    OFFSITE,
    ROBOTS_FORBIDDEN,
    TIMEOUT,
    TOO_LARGE,
    TRUNCATED,
    http_kind,
)
from crawler.fetching.addresses import BlockedAddress

# Scrapy 2.19's HTTP handler wraps Twisted's errors in its own (scrapy.exceptions.Download*);
# both families are listed, so a kind does not change with the download handler in use.
_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((tx_error.DNSLookupError, CannotResolveHostError), DNS),
    ((tx_error.TimeoutError, tx_error.TCPTimedOutError, DownloadTimeoutError), TIMEOUT),
    ((tx_error.ConnectionRefusedError, DownloadConnectionRefusedError), CONNECTION_REFUSED),
    # the body stopped short of its Content-Length (the connection closed mid-response)
    (ResponseDataLossError, TRUNCATED),
    (
        (tx_error.ConnectionLost, tx_error.ConnectionDone, ResponseFailed, ResponseNeverReceived, DownloadFailedError),
        CONNECTION_LOST,
    ),
    (tx_error.ConnectError, CONNECT_ERROR),
)


# Failures of the network or the server's connection, expected on some nights: each attempt is a
# fetch_log row; the log gets one line per kind and run (crawler/fetching/fetchlog.py), no traceback.
NETWORK_KINDS = frozenset({DNS, TIMEOUT, CONNECTION_REFUSED, TRUNCATED, CONNECTION_LOST, CONNECT_ERROR, TOO_LARGE})


def error_kind(exc: BaseException) -> str:
    """A stable, short name for an exception raised while fetching."""
    if isinstance(exc, BlockedAddress):
        return BLOCKED_ADDRESS
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots" in text:
            return ROBOTS_FORBIDDEN
        if "offsite" in text:
            return OFFSITE
        return IGNORED
    for types, kind in _KINDS:
        if isinstance(exc, types):
            return kind
    text = str(exc).lower()
    # Scrapy's HTTP handler cancels a download only at DOWNLOAD_MAXSIZE (or the request's
    # download_maxsize): when Content-Length announces too much, or while a body of unknown
    # length streams past it (then the message says nothing about size).
    if isinstance(exc, DownloadCancelledError) or "maxsize" in text or "max size" in text:
        return TOO_LARGE
    return type(exc).__name__.lower()


def status_kind(status: int) -> str | None:
    """None for a success or a redirect, `http_<code>` otherwise."""
    return None if status < 400 else http_kind(status)

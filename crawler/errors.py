"""Names for what went wrong with a request: one short kind per failure, recorded in fetch_log."""

from __future__ import annotations

from twisted.internet import error as tx_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)

from crawler.addresses import BlockedAddress

# Scrapy 2.19's HTTP handler wraps Twisted's errors in its own (scrapy.exceptions.Download*);
# both families are listed, so a kind does not change with the download handler in use.
_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((tx_error.DNSLookupError, CannotResolveHostError), "dns"),
    ((tx_error.TimeoutError, tx_error.TCPTimedOutError, DownloadTimeoutError), "timeout"),
    ((tx_error.ConnectionRefusedError, DownloadConnectionRefusedError), "connection_refused"),
    # the body stopped short of its Content-Length (the connection closed mid-response)
    (ResponseDataLossError, "truncated"),
    ((tx_error.ConnectionLost, tx_error.ConnectionDone, ResponseFailed, ResponseNeverReceived,
      DownloadFailedError), "connection_lost"),
    (tx_error.ConnectError, "connect_error"),
)


def error_kind(exc: BaseException) -> str:
    """A stable, short name for an exception raised while fetching."""
    if isinstance(exc, BlockedAddress):
        return "blocked_address"
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots" in text:
            return "robots_forbidden"
        if "offsite" in text:
            return "offsite"
        return "ignored"
    for types, kind in _KINDS:
        if isinstance(exc, types):
            return kind
    text = str(exc).lower()
    # Scrapy's HTTP handler cancels a download only at DOWNLOAD_MAXSIZE (or the request's
    # download_maxsize): when Content-Length announces too much, or while a body of unknown
    # length streams past it (then the message says nothing about size).
    if isinstance(exc, DownloadCancelledError) or "maxsize" in text or "max size" in text:
        return "too_large"
    return type(exc).__name__.lower()


def status_kind(status: int) -> str | None:
    """None for a success or a redirect, `http_<code>` otherwise."""
    return None if status < 400 else f"http_{status}"

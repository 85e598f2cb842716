"""Names for what went wrong with a request: one short kind per failure, recorded in fetch_log."""

from __future__ import annotations

from twisted.internet import error as tx_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapy.exceptions import IgnoreRequest

_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (tx_error.DNSLookupError, "dns"),
    ((tx_error.TimeoutError, tx_error.TCPTimedOutError), "timeout"),
    (tx_error.ConnectionRefusedError, "connection_refused"),
    ((tx_error.ConnectionLost, tx_error.ConnectionDone, ResponseFailed, ResponseNeverReceived), "connection_lost"),
    (tx_error.ConnectError, "connect_error"),
)


def error_kind(exc: BaseException) -> str:
    """A stable, short name for an exception raised while fetching."""
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
    name = type(exc).__name__
    if "maxsize" in str(exc).lower() or "cancelled" in str(exc).lower():
        return "too_large"
    return name.lower()


def status_kind(status: int) -> str | None:
    """None for a success or a redirect, `http_<code>` otherwise."""
    return None if status < 400 else f"http_{status}"

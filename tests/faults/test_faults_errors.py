"""Failure kinds of fetch_log for the exceptions Scrapy 2.19 really raises.

Scrapy 2.19's HTTP handler wraps Twisted's errors (scrapy.exceptions.Download*); before this
mapping a timeout was logged as `downloadtimeouterror` and a page over DOWNLOAD_MAXSIZE as
`downloadcancellederror`. The end-to-end kinds are checked in test_faults_crawl.py.
"""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.utils._download_handlers import get_maxsize_msg
from twisted.internet import error as tx_error

from crawler.fetching.addresses import BlockedAddress
from crawler.fetching.errors import error_kind, status_kind

REQUEST = Request("http://127.0.0.1:9/x.html")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (DownloadTimeoutError("Getting http://127.0.0.1:9/x.html took longer than 2.0 seconds."), "timeout"),
        (tx_error.TimeoutError(), "timeout"),
        (ResponseDataLossError(), "truncated"),
        (DownloadFailedError("[<Failure ConnectionLost>]"), "connection_lost"),
        (tx_error.ConnectionLost(), "connection_lost"),
        (DownloadCancelledError(get_maxsize_msg(600_000, 400_000, REQUEST, expected=True)), "too_large"),
        (DownloadCancelledError(""), "too_large"),  # streamed past the limit: no size in the message
        (DownloadConnectionRefusedError("refused"), "connection_refused"),
        (CannotResolveHostError("no such host"), "dns"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_forbidden"),
        (IgnoreRequest("Filtered offsite request to 'localhost'"), "offsite"),
        # an IgnoreRequest too (not retried), with a kind of its own, whatever its message says
        (BlockedAddress("robots.example: 10.0.0.1 is a private address (10.0.0.0/8), not allowed"), "blocked_address"),
        (ValueError("odd"), "valueerror"),
    ],
)
def test_error_kind(exc, kind):
    assert error_kind(exc) == kind


@pytest.mark.parametrize(
    ("status", "kind"), [(200, None), (301, None), (404, "http_404"), (429, "http_429"), (503, "http_503")]
)
def test_status_kind(status, kind):
    assert status_kind(status) == kind

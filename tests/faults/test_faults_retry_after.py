"""Reading `Retry-After` (delay-seconds or an HTTP date); the wait itself is measured end to end
in test_faults_crawl.py::test_wait_after_429_with_retry_after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.fetching.retry_after import retry_after_seconds

NOW = datetime(2026, 11, 26, 6, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        (" 7 ", 7.0),
        (b"0", 0.0),
        ("Thu, 26 Nov 2026 06:00:30 GMT", 30.0),
        ("Thu, 26 Nov 2026 05:59:00 GMT", 0.0),  # already past: retry now
        (b"soon", None),
        (b"-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds

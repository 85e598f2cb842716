"""Downloader middleware: wait as long as the server's `Retry-After` asks before a retry.

Scrapy's RetryMiddleware retries a 429 or 503 at once; a server that says how long it needs
(`Retry-After: 120`, or an HTTP date) should get that time. This middleware sits just above the
retry middleware (550), so it sees the response first and holds it until the wait is over; the
retry middleware then retries as usual. It waits only when a retry will follow, and never longer
than RETRY_AFTER_MAX seconds (a server asking for hours is handled by the next cron run).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# Statuses whose Retry-After means "come back later" (RFC 9110 §10.2.3).
_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait for a Retry-After value (delay-seconds or an HTTP date); None if unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self.retry_enabled = settings.getbool("RETRY_ENABLED")
        self.retry_times = settings.getint("RETRY_TIMES")
        self.retry_codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        if (
            response.status in _STATUSES
            and response.status in self.retry_codes
            and self.retry_enabled
            and not request.meta.get("dont_retry")
            and request.meta.get("retry_times", 0) < request.meta.get("max_retry_times", self.retry_times)
        ):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait:
                await asyncio.sleep(min(wait, self.max_wait))
        return response

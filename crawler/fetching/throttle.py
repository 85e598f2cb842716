"""Scrapy's AutoThrottle, with a host's own delay as the floor of its slot.

Each host has its own download slot (Scrapy keys slots by host name); a profile's politeness
overrides become that slot's delay and concurrency (DOWNLOAD_SLOTS, crawler/sites/registry.py
download_slots). AutoThrottle adapts each slot's delay to the server's latency, but never below
DOWNLOAD_DELAY, the crawl-wide floor: a site that asked for 2 s between requests would be taken
down to it, and one given 0.25 s (an operator's own mirror) taken up to it, whatever its profile
says. Here a slot with a delay of its own keeps that delay as its floor, above the crawl's or below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.extensions.throttle import AutoThrottle


def floor_of(slots: Mapping[str, Mapping[str, Any]], key: str | None, crawl_floor: float) -> float:
    """The least delay AutoThrottle may give the slot `key`: its own (DOWNLOAD_SLOTS), else the crawl's."""
    own = slots.get(key, {}).get("delay") if key is not None else None
    return crawl_floor if own is None else float(own)


class SiteAutoThrottle(AutoThrottle):
    def _response_downloaded(self, response, request, spider) -> None:
        slots = self.crawler.settings.getdict("DOWNLOAD_SLOTS")
        floor = floor_of(slots, request.meta.get("download_slot"), self.mindelay)
        if floor == self.mindelay:
            super()._response_downloaded(response, request, spider)
            return
        crawl_floor, self.mindelay = self.mindelay, floor
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self.mindelay = crawl_floor

"""Scrapy's AutoThrottle, with a site's own delay as the floor of its hosts' slots.

Each host has its own download slot (Scrapy keys slots by host name); a profile's politeness
overrides become that slot's delay and concurrency (DOWNLOAD_SLOTS, crawler/sites/registry.py
download_slots). AutoThrottle adapts each slot's delay to the server's latency, but never below
DOWNLOAD_DELAY, the crawl-wide floor: a site that asked for 2 s between requests would be taken
down to it. Here a slot with a delay of its own keeps that delay as its floor.
"""

from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class SiteAutoThrottle(AutoThrottle):
    def _response_downloaded(self, response, request, spider) -> None:
        key = request.meta.get("download_slot")
        floor = self.crawler.settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay") if key else None
        if floor is None or float(floor) <= self.mindelay:
            super()._response_downloaded(response, request, spider)
            return
        crawl_floor, self.mindelay = self.mindelay, float(floor)
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self.mindelay = crawl_floor

"""Each host at its own pace (crawler/fetching/slots.py, crawler/fetching/throttle.py), on Scrapy's own objects: a
real crawler's downloader, its slots, the scheduler's queue, AutoThrottle. The pace these give a
crawl of twenty hosts at once is measured by `make bench` (benchmarks/manyhosts.py)."""

from __future__ import annotations

import asyncio
import random
import statistics
from collections.abc import Awaitable, Callable

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.fetching.slots import Downloader, HostQueue, Slot, has_room
from crawler.fetching.throttle import SiteAutoThrottle, floor_of

SETTINGS = {
    "DOWNLOADER": "crawler.fetching.slots.Downloader",
    "SCHEDULER_PRIORITY_QUEUE": "crawler.fetching.slots.HostQueue",
    "DOWNLOAD_DELAY": 1.0,
    "DOWNLOAD_DELAY_JITTER": 0.5,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    # an operator's mirror, faster than the crawl's floor, and a site that asked for slower
    "DOWNLOAD_SLOTS": {"mirror.example": {"delay": 0.25, "concurrency": 1}, "slow.example": {"delay": 2.0}},
    "DOWNLOAD_HANDLERS": {"http": None, "https": None},  # nothing is downloaded here
}


@pytest.fixture
def crawler():
    crawler = get_crawler(Spider, SETTINGS)
    crawler._apply_settings()
    crawler.engine = crawler._create_engine()
    return crawler


def in_event_loop_async(check: Callable[[], Awaitable[None]], crawler) -> None:
    """Run the coroutine `check` on an event loop of its own, then stop the downloader's loops."""

    async def run() -> None:
        try:
            await check()
        finally:
            crawler.engine.downloader.close()

    asyncio.run(run())


def in_event_loop(check: Callable[[], None], crawler) -> None:
    """Run `check` where Scrapy's downloader can make slots (it starts their clean-up loop on
    the running event loop), then stop that loop."""

    async def run() -> None:
        try:
            check()
        finally:
            crawler.engine.downloader.close()

    asyncio.run(run())


def test_a_slot_draws_its_delay_once_per_request():
    """Scrapy draws the jittered delay again each time it looks at a waiting slot, and sends when
    one draw is shorter than the wait so far: the largest of several draws, 1.22 × the delay on
    average. Drawn once per request, a host's delays average the one it was given."""
    random.seed(21)
    slot = Slot(2, 0.25, 0.5)
    waits = []
    for sent in range(2000):
        slot.lastseen = float(sent)  # a request went out: the next one's delay is drawn anew
        wait = slot.download_delay()
        assert all(slot.download_delay() == wait for _ in range(20))  # however often it is asked
        waits.append(wait)
    assert min(waits) >= 0.125 and max(waits) <= 0.375  # within ±50 %
    assert statistics.mean(waits) == pytest.approx(0.25, rel=0.02)
    assert len(set(waits)) > 1000  # still jittered


def test_the_downloader_makes_its_slots_from_the_hosts_settings(crawler):
    downloader = crawler.engine.downloader
    assert isinstance(downloader, Downloader)

    def check() -> None:
        key, mirror = downloader._get_slot(Request("http://mirror.example/tin-tuc/1.html"))
        assert key == "mirror.example" and isinstance(mirror, Slot)
        assert (mirror.concurrency, mirror.delay, mirror.jitter) == (1, 0.25, 0.5)
        _, other = downloader._get_slot(Request("http://other.example/"))
        assert isinstance(other, Slot) and (other.concurrency, other.jitter) == (2, 0.5)
        assert downloader._get_slot(Request("http://other.example/x"))[1] is other

    in_event_loop(check, crawler)


def test_a_host_has_room_for_its_transfers_and_one_waiting():
    assert has_room(2, 2) and not has_room(3, 2)
    assert has_room(1, 1) and not has_room(2, 1)


def test_the_queue_hands_out_requests_only_to_hosts_with_room(crawler):
    """A host's requests count from the moment the downloader has them, before their slot sees
    them (they wait in the downloader middlewares while its robots.txt is fetched): counting
    slots alone, a crawl's start handed each host hundreds."""
    queue = HostQueue.from_crawler(crawler, FifoMemoryQueue, "")
    for k, priority in enumerate((0, 10, 5)):
        queue.push(Request(f"http://a.example/{k}", priority=priority))
    queue.push(Request("http://b.example/0"))
    queue.push(Request("http://mirror.example/0"))
    downloader = crawler.engine.downloader

    async def check() -> None:
        loop = asyncio.get_running_loop()
        # a.example: 2 transfers and 1 waiting handed to the downloader (which cannot download
        # them here: each fails when its turn comes)
        fetches = [downloader.fetch(Request(f"http://a.example/held-{k}")) for k in range(3)]
        failed = [asyncio.ensure_future(fetch.addErrback(lambda _: None).asFuture(loop)) for fetch in fetches]
        assert downloader.held["a.example"] == 3  # counted before any has reached its slot
        assert queue.pop().url == "http://b.example/0"  # the hosts with fewest requests first
        # mirror.example may have 1 in transfer (DOWNLOAD_SLOTS): 1 more waiting, not 2
        downloader.held["mirror.example"] += 2
        assert queue.pop() is None and len(queue) == 4  # a.example and the mirror wait; kept
        downloader.held["mirror.example"] -= 2
        assert queue.pop().url == "http://mirror.example/0"
        await asyncio.wait_for(asyncio.gather(*failed), timeout=60)  # their delays are 1 s ± 50 %
        assert "a.example" not in downloader.held  # each counted out as it left
        assert [queue.pop().url for _ in range(3)] == [f"http://a.example/{k}" for k in (1, 2, 0)]  # by priority
        assert queue.pop() is None and len(queue) == 0

    in_event_loop_async(check, crawler)


def test_a_hosts_own_delay_is_its_floor_above_or_below_the_crawls():
    slots = SETTINGS["DOWNLOAD_SLOTS"]
    assert floor_of(slots, "mirror.example", 1.0) == 0.25
    assert floor_of(slots, "slow.example", 1.0) == 2.0
    assert floor_of(slots, "other.example", 1.0) == 1.0
    assert floor_of(slots, None, 1.0) == 1.0


@pytest.mark.parametrize(("host", "paced"), [("mirror.example", 0.25), ("slow.example", 2.0), ("other.example", 1.0)])
def test_autothrottle_keeps_each_host_at_its_own_delay(crawler, host, paced):
    """A fast answer brings a slot's delay down to its floor: the host's own delay where it has
    one (a mirror's 0.25 s was raised to the crawl's 1 s), else DOWNLOAD_DELAY."""
    throttle = SiteAutoThrottle(crawler)
    throttle._spider_opened(crawler.spider)
    request = Request(f"http://{host}/tin-tuc/1.html")

    def check() -> None:
        key, slot = crawler.engine.downloader._get_slot(request)
        request.meta.update(download_slot=key, download_latency=0.01)
        for _ in range(12):
            response = Response(request.url, status=200, request=request)
            throttle._response_downloaded(response, request, crawler.spider)
        assert slot.delay == pytest.approx(paced)
        assert throttle.mindelay == 1.0  # the crawl's own floor is left as it was

    in_event_loop(check, crawler)

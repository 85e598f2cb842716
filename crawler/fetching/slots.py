"""Each host at its own pace, however many are crawled at once: Scrapy's download slots (one per
host name), with two corrections (docs/performance.md, "Many hosts at once").

- `Downloader` (DOWNLOADER): a slot draws its jittered delay (DOWNLOAD_DELAY_JITTER, ±50 %) once
  per request. Scrapy 2.19 draws it again every time it looks at the slot, and a request waits
  until one draw is shorter than the time already waited: the wait is then the largest of
  several draws, 1.22 × the delay on average for ±50 % (e − 2 + 0.5, for a uniform draw), so
  every host was crawled at 0.79-0.82 of the pace it was given. Drawn once, the delays average
  the configured one and each stays within its jitter. It also counts what it holds for each
  host (`held`), for the queue below.
- `HostQueue` (SCHEDULER_PRIORITY_QUEUE): Scrapy's DownloaderAwarePriorityQueue (the host with
  the fewest requests in the downloader goes first), which hands a host a request only while it
  has room: its concurrency plus one waiting for the delay, counting every request the
  downloader holds for it, images fetched by the pipeline included. A request handed to the
  downloader waits in its slot's first-come queue, where priorities no longer count: with a
  CONCURRENT_REQUESTS high enough for many hosts, Scrapy's queue alone gave one host everything
  it had, and later articles waited behind earlier listings.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader as ScrapyDownloader
from scrapy.core.downloader import Slot as ScrapySlot
from scrapy.core.downloader import _slot_jitter
from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy import Request


class Slot(ScrapySlot):
    """A download slot whose jittered delay is drawn once for each request it sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_after: float | None = None  # the send (lastseen) the current draw follows
        self._drawn = 0.0

    def download_delay(self) -> float:
        if self._drawn_after != self.lastseen:
            self._drawn_after = self.lastseen
            self._drawn = super().download_delay()
        return self._drawn


class Downloader(ScrapyDownloader):
    """Scrapy's downloader with `Slot` as its slots (Scrapy 2.19's `_get_slot`, with the class
    changed), which counts what it holds for each host from the moment a request is handed to
    it: a request spends a while in the downloader middlewares before its slot sees it (all of
    a host's, while its robots.txt is fetched), and a scheduler counting slots alone handed a
    host hundreds of requests at the start of a crawl."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.held: Counter[str] = Counter()  # slot key -> requests in the downloader

    def fetch(self, request: Request, spider: Any = None) -> Deferred[Any]:
        key = self.get_slot_key(request)
        self.held[key] += 1
        return super().fetch(request).addBoth(self._let_go, key)

    def _let_go(self, result: Any, key: str) -> Any:
        """A request left the downloader (downloaded, failed or dropped by a middleware)."""
        self.held[key] -= 1
        if not self.held[key]:
            del self.held[key]
        return result

    def _get_slot(self, request: Request, spider: Any = None) -> tuple[str, ScrapySlot]:
        key = self.get_slot_key(request)
        if key not in self.slots:
            slot_settings = self.per_slot_settings.get(key, {})
            concurrency = slot_settings.get("concurrency", self.ip_concurrency or self.domain_concurrency)
            delay = slot_settings.get("delay", self._delay)
            self.slots[key] = Slot(concurrency, delay, _slot_jitter(slot_settings, self._jitter))
            self._start_slot_gc()
        return key, self.slots[key]


def has_room(held: int, concurrency: int) -> bool:
    """Whether a host takes one more request: it holds its concurrency's transfers plus one
    request waiting for the delay."""
    return held < concurrency + 1


class _HostsWithRoom(DownloaderInterface):
    """The scheduler's view of the downloader: what each host holds in it (every request handed
    to it, wherever it is inside), leaving out the hosts that are full."""

    def stats(self, possible_slots: Iterable[str]) -> list[tuple[int, str]]:
        downloader = self.downloader
        held = getattr(downloader, "held", None)
        if held is None:  # Scrapy's own downloader (DOWNLOADER set back): counted here, once a call
            held = Counter(downloader.get_slot_key(request) for request in downloader.active)
        out = []
        for key in possible_slots:
            count = held.get(key, 0)
            if has_room(count, concurrency_of(downloader, key)):
                out.append((count, key))
        return out


def concurrency_of(downloader: ScrapyDownloader, key: str) -> int:
    """Requests a host may have in transfer at once: its slot's, or what its slot will have."""
    slot = downloader.slots.get(key)
    if slot is not None:
        return slot.concurrency
    default = downloader.ip_concurrency or downloader.domain_concurrency
    return downloader.per_slot_settings.get(key, {}).get("concurrency", default)


class HostQueue(DownloaderAwarePriorityQueue):
    """Scrapy's per-host priority queues, handing out a request only to a host with room for
    it; none when every host with requests is full (the engine asks again when a download ends)."""

    def __init__(self, crawler: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = _HostsWithRoom(crawler)

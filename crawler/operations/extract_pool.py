"""Running extraction beside the reactor: worker processes the pipeline hands article pages to.

The crawl's main thread runs the reactor and is the crawl's pace; everything it writes goes to
the writer process (archive/writer.py). Extraction (~4 ms a page, a pure function of the page's
bytes, of its site's profile and of what is known of its site) moves to these workers without
sharing any state; the pipeline awaits its answer (the article's images are downloaded next), so
unlike the writer they keep their normal priority. A worker starts on the first page, not at
import, and stops with the spider.

A page may take long to read (an 8 MB page of item cards: ~25 s), and one page no rule foresaw
could take longer still: past EXTRACT_TIMEOUT (crawler/settings.py) its worker is killed and
replaced, and the page is recorded as `extract_timeout` (crawler/pipelines.py); the run goes on.

The commands that read pages one at a time outside a crawl (`reparse`, `probe`) use the same
workers and limit through `TimedExtraction`, from synchronous code.

Each worker remembers, per site, what the pages it has read show of the site's template
(`SiteMemory`): the lines printed outside the article page after page (menus, mottos, footers,
related lists), and the body blocks trafilatura confirmed. Extraction gets it as a read-only
`Furniture` and gives back what the page showed; nothing else is kept between pages.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from archive.lifeline import leave_with
from archive.record import Article, RawPage
from crawler.operations.helpers import helpers_context
from crawler.sites import Site

if TYPE_CHECKING:
    from crawler.extract.furniture import Furniture, Observed

logger = logging.getLogger(__name__)
T = TypeVar("T")


def default_workers() -> int:
    """One worker per core the main thread leaves free (at least one, at most two)."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


class _Site:
    """One site's memory: how many of its pages printed each line outside the article, and how
    trafilatura judged the bodies of each block."""

    __slots__ = ("pages", "lines", "furniture", "agreed", "disagreed", "confirmed")

    def __init__(self) -> None:
        self.pages = 0
        self.lines: Counter[int] = Counter()
        self.furniture: set[int] = set()
        self.agreed: Counter[str] = Counter()
        self.disagreed: Counter[str] = Counter()
        self.confirmed: set[str] = set()


class SiteMemory:
    """What the pages of each site read so far show of its template, bounded in memory.

    A line printed outside the article on `furniture_pages` pages of a site is its furniture; a
    body block trafilatura read as we did on `confirm_pages` pages (and not otherwise on a
    quarter as many) needs no second opinion, except on one page in `recheck_every`, which keeps
    the judgement fresh. At most `max_sites` sites (the least recently read forgotten first)
    and `max_lines` counted lines a site (lines seen once forgotten first)."""

    def __init__(
        self,
        *,
        max_sites: int = 64,
        max_lines: int = 4000,
        max_bodies: int = 64,
        furniture_pages: int = 3,
        confirm_pages: int = 2,
        recheck_every: int = 10,
    ) -> None:
        self.max_sites, self.max_lines, self.max_bodies = max_sites, max_lines, max_bodies
        self.furniture_pages, self.confirm_pages, self.recheck_every = furniture_pages, confirm_pages, recheck_every
        self._sites: OrderedDict[str, _Site] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sites)

    def known(self, site: str) -> Furniture:
        """What is known of `site`'s template, for the extraction of its next page."""
        # The extractor's modules are the worker's side (bs4, dateparser...: ~0.3 s), imported in the
        # helpers' server (crawler/operations/helpers.py PRELOAD), never in the crawler's process.
        from crawler.extract.furniture import Furniture  # noqa: PLC0415

        memory = self._sites.get(site)
        if memory is None:
            return Furniture()
        self._sites.move_to_end(site)
        recheck = memory.pages % self.recheck_every == self.recheck_every - 1
        return Furniture(memory.furniture, frozenset() if recheck else memory.confirmed)

    def learn(self, site: str, observed: Observed | None) -> None:
        """Count what one page of `site` showed (None: a page that showed nothing of it)."""
        memory = self._sites.get(site)
        if memory is None:
            memory = self._sites[site] = _Site()
            while len(self._sites) > self.max_sites:
                self._sites.popitem(last=False)
        self._sites.move_to_end(site)
        memory.pages += 1
        if observed is None:
            return
        memory.lines.update(observed.template)
        memory.furniture.update(k for k in observed.template if memory.lines[k] >= self.furniture_pages)
        if len(memory.lines) > self.max_lines:
            self._forget(memory)
        if observed.agreed is not None and observed.body is not None:
            (memory.agreed if observed.agreed else memory.disagreed)[observed.body] += 1
            body = observed.body
            good, bad = memory.agreed[body], memory.disagreed[body]
            if good >= self.confirm_pages and bad * 4 <= good:
                memory.confirmed.add(body)
            else:
                memory.confirmed.discard(body)
            if len(memory.agreed) + len(memory.disagreed) > self.max_bodies:
                for counter in (memory.agreed, memory.disagreed):
                    for stale in [b for b in counter if b not in memory.confirmed]:
                        del counter[stale]

    def _forget(self, memory: _Site) -> None:
        """Lines seen on one page only go first, then the least seen half."""
        for key in [k for k, n in memory.lines.items() if n < 2]:
            del memory.lines[key]
        if len(memory.lines) > self.max_lines:
            keep = memory.lines.most_common(self.max_lines // 2)
            memory.lines = Counter(dict(keep))
        memory.furniture.intersection_update(memory.lines)


# The worker process's memory of the sites it has read (each worker keeps its own).
_MEMORY = SiteMemory()


def site_of(url: str) -> str:
    """The key a site's memory is kept under: the URL's host (and port)."""
    return urlsplit(url).netloc.lower()


def _extract_and_compress(
    body: bytes, url: str, encoding: str | None, site: Site | None = None
) -> tuple[Article, RawPage, bool]:
    # The raw page is hashed and compressed for the archive here too: the worker has the bytes
    # already, and the writer gets the page once, compressed, with its digest.
    from crawler.extract.article import read_on_site  # noqa: PLC0415 — the worker's side, see SiteMemory.known

    key = site_of(url)
    (article, sources), observed = read_on_site(
        body, url, encoding=encoding, site=site, known=_MEMORY.known(key), learn=True
    )
    _MEMORY.learn(key, observed)
    return article, RawPage.of(body, encoding), read_by_generic_rules(sources)


def read_by_generic_rules(sources: dict[str, str]) -> bool:
    """No site selector read any field: the page's layout is not one its site's profile knows."""
    return not any(rule.startswith("site:") for rule in sources.values())


class ExtractTimeout(TimeoutError):
    """A page's extraction passed the pool's time limit: its worker was stopped (and is replaced).
    A TimeoutError, so that reparse (archive/, which never imports the crawler) can tell it."""

    def __init__(self, seconds: float):
        super().__init__(f"extraction stopped after {seconds:g} s")
        self.seconds = seconds


class ExtractPool:
    """`await pool.extract(body, url, encoding, site)`: (extract_article's Article, the RawPage of
    body, whether generic rules alone read it), computed in a worker process.

    Whatever extract_article raises is raised here; so is BrokenProcessPool when the worker
    died (a crash in C code), after which the next page gets a fresh worker. With `time_limit`
    (seconds), a page whose extraction runs longer raises ExtractTimeout: its worker is killed,
    the only way to stop a computation wherever it is (in lxml's C code too), and replaced.

    Each worker is a pool of one process, and a page goes to an idle one: the limit counts the
    page's own time from when its worker starts on it, not its wait behind another page, and
    killing the worker of a page past its limit costs no other page.
    """

    def __init__(self, workers: int | None = None, time_limit: float | None = None):
        self.workers = workers or default_workers()
        self.time_limit = time_limit or None  # 0: no limit
        self._executors: list[ProcessPoolExecutor | None] = [None] * self.workers
        self._idle = list(range(self.workers))
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _executor(self, index: int) -> ProcessPoolExecutor:
        executor = self._executors[index]
        if executor is None:
            executor = self._executors[index] = ProcessPoolExecutor(
                1, mp_context=helpers_context(), initializer=leave_with, initargs=(os.getpid(),)
            )
        return executor

    async def extract(
        self, body: bytes, url: str, encoding: str | None, site: Site | None = None
    ) -> tuple[Article, RawPage, bool]:
        return await self.call(_extract_and_compress, body, url, encoding, site)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker, under the time limit (what `extract` does with a page);
        `function` and its arguments go to the worker by pickle: a module's function."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # asyncio's primitives belong to one loop
            self._loop, self._slots = loop, asyncio.Semaphore(self.workers)
        assert self._slots is not None
        async with self._slots:
            index = self._idle.pop()
            try:
                return await self._call_on(index, function, args)
            finally:
                self._idle.append(index)

    async def _call_on(self, index: int, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        executor = self._executor(index)
        try:
            # a worker that died idle is found here, by submit: replaced all the same
            future = asyncio.get_running_loop().run_in_executor(executor, function, *args)
            return await asyncio.wait_for(future, self.time_limit)
        except TimeoutError:
            self._stop(index, kill=True)
            raise ExtractTimeout(self.time_limit or 0) from None
        except BrokenProcessPool:
            if self._executors[index] is executor:
                logger.error("the extraction worker died; starting a new one")
                self._stop(index)
            raise

    def _stop(self, index: int, kill: bool = False) -> None:
        executor, self._executors[index] = self._executors[index], None
        if executor is None:
            return
        if kill:
            # ProcessPoolExecutor stops a worker only between tasks (Python 3.14 adds
            # kill_workers); its process, killed, takes the page's computation with it
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """The process ids of the workers running now."""
        return [
            pid for executor in self._executors if executor is not None for pid in getattr(executor, "_processes", {})
        ]

    def kill(self) -> None:
        """Stop every worker now, a page still being read with it (Ctrl-C in the middle of one)."""
        for index in range(self.workers):
            self._stop(index, kill=True)

    def close(self) -> None:
        for index, executor in enumerate(self._executors):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
                self._executors[index] = None


class TimedExtraction:
    """`run(function, *args)`: `function(*args)` in one extraction worker under `time_limit`
    seconds, from synchronous code (reparse, probe read one page at a time); ExtractTimeout past
    it, and the next call gets a fresh worker. Without a limit (None or 0) the function runs in
    this process, as it did before there was one. Close it (or use it as a context manager)."""

    def __init__(self, time_limit: float | None):
        self.time_limit = time_limit or None
        self._pool = ExtractPool(workers=1, time_limit=self.time_limit) if self.time_limit else None
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            return function(*args)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self._pool.call(function, *args))

    def worker_pids(self) -> list[int]:
        """The process id of its worker while one runs (never one without a limit)."""
        return self._pool.worker_pids() if self._pool is not None else []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.kill()  # a worker still busy (Ctrl-C during a page) is not waited for
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def __enter__(self) -> TimedExtraction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

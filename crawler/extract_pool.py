"""Running extraction beside the reactor: worker processes the pipeline hands article pages to.

The crawl's main thread runs the reactor and is the crawl's pace; everything it writes goes to
the writer process (archive/writer.py). Extraction (~4 ms a page, a pure function of the page's
bytes) moves to these workers without sharing any state; the pipeline awaits its answer (the
article's images are downloaded next), so unlike the writer they keep their normal priority. A
worker starts on the first page, not at import, and stops with the spider.

A page may take long to read (an 8 MB page of item cards: ~25 s), and one page no rule foresaw
could take longer still: past EXTRACT_TIMEOUT (crawler/settings.py) its worker is killed and
replaced, and the page is recorded as `extract_timeout` (crawler/pipelines.py); the run goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from archive.lifeline import leave_with
from archive.record import Article
from archive.store import RawPage
from crawler.extract.article import read_article
from crawler.helpers import helpers_context
from crawler.sites import Site

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker per core the main thread leaves free (at least one, at most two)."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


def _extract_and_compress(
    body: bytes, url: str, encoding: str | None, site: Site | None = None
) -> tuple[Article, RawPage, bool]:
    # The raw page is hashed and compressed for the archive here too: the worker has the bytes
    # already, and the writer gets the page once, compressed, with its digest.
    article, sources = read_article(body, url, encoding=encoding, site=site)
    return article, RawPage.of(body, encoding), read_by_generic_rules(sources)


def read_by_generic_rules(sources: dict[str, str]) -> bool:
    """No site selector read any field: the page's layout is not one its site's profile knows."""
    return not any(rule.startswith("site:") for rule in sources.values())


class ExtractTimeout(Exception):
    """A page's extraction passed the pool's time limit: its worker was stopped (and is replaced)."""

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
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # asyncio's primitives belong to one loop
            self._loop, self._slots = loop, asyncio.Semaphore(self.workers)
        assert self._slots is not None
        async with self._slots:
            index = self._idle.pop()
            try:
                return await self._extract_on(index, body, url, encoding, site)
            finally:
                self._idle.append(index)

    async def _extract_on(
        self, index: int, body: bytes, url: str, encoding: str | None, site: Site | None
    ) -> tuple[Article, RawPage, bool]:
        executor = self._executor(index)
        try:
            # a worker that died idle is found here, by submit: replaced all the same
            future = asyncio.get_running_loop().run_in_executor(
                executor, _extract_and_compress, body, url, encoding, site
            )
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

    def close(self) -> None:
        for index, executor in enumerate(self._executors):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
                self._executors[index] = None

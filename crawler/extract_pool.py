"""Running extraction beside the reactor: one worker process the pipeline hands article pages to.

The crawl's main thread runs the reactor and is the crawl's pace; everything it writes goes to
the writer process (archive/writer.py). Extraction (~4 ms a page, a pure function of the page's
bytes) moves to this worker without sharing any state; the pipeline awaits its answer (the
article's images are downloaded next), so unlike the writer it keeps its normal priority. The
worker starts on the first page, not at import, and stops with the spider.
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


class ExtractPool:
    """`await pool.extract(body, url, encoding, site)`: (extract_article's Article, the RawPage of
    body, whether generic rules alone read it), computed in a worker process.

    Whatever extract_article raises is raised here; so is BrokenProcessPool when the worker
    died (a crash in C code), after which the next page gets a fresh worker.
    """

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=helpers_context(), initializer=leave_with, initargs=(os.getpid(),)
            )
        return self._executor

    async def extract(
        self, body: bytes, url: str, encoding: str | None, site: Site | None = None
    ) -> tuple[Article, RawPage, bool]:
        loop = asyncio.get_running_loop()
        executor = self._get()
        try:
            return await loop.run_in_executor(executor, _extract_and_compress, body, url, encoding, site)
        except BrokenProcessPool:
            if self._executor is executor:
                logger.error("the extraction worker died; starting a new one")
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

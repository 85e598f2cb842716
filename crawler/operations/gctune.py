"""The garbage collector's pace during a crawl.

Scrapy and Twisted allocate a few container objects per request that die young (requests,
deferreds, headers); CPython starts a generation-0 collection every 700 net allocations, and each
one also walks whatever survived since the last. In a 300-article crawl that was ~250
collections and 0.53-0.66 s of the reactor thread (measured with gc.callbacks), about an eighth
of the thread the crawl's pace depends on. Everything alive when the crawl starts (Scrapy's,
lxml's and our modules, the settings) lives as long as the process: frozen, it is never walked
again; and a generation-0 threshold of 10,000 leaves 7-9 collections and 0.10-0.16 s, for
~5 MB more peak RSS. The older generations keep CPython's defaults, so cyclic garbage is still
collected all along a long crawl. The run's extension (crawler/operations/run.py) sets it when the spider
opens and undoes it when it closes, so `tnu-archive crawl` and `scrapy crawl news` run alike.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GEN0_THRESHOLD = 10_000


@contextmanager
def crawl_pace() -> Iterator[None]:
    """Run the crawl inside: start-up objects frozen, fewer young collections; all undone after."""
    before = gc.get_threshold()
    gc.collect()  # what is garbage now must not be frozen with the rest
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()

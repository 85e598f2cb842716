"""How a crawl starts its helper processes: the extraction worker and the archive writer.

forkserver, not fork: the crawler has threads (Twisted's pool, queue feeders, the writer's
answer reader), and forking while one of them holds a lock can leave the child waiting on it
forever. The server is started once per crawl, with both helpers' modules imported, and every
helper is forked from it. This module imports nothing heavy, so that the command line can start
the server first and let its imports (~0.8 s of CPU) run beside Scrapy's own.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

# This module first: in the server it makes the server, and every helper forked from it, deaf to
# a SIGTERM sent to the crawl's process group (below). Then what the helpers import where it is
# used, so that the crawler's own process never does: the extractor (the extraction worker's
# side of extract_pool) and surt (the writer's CDXJ keys, archive/captures/warc_index.py).
PRELOAD = [
    "crawler.operations.helpers",
    "crawler.operations.extract_pool",
    "crawler.extract.article",
    "archive.writer",
    "surt",
]


def _imported_by_the_forkserver() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is forkserver.main.__code__:
            return True
        frame = frame.f_back
    return False


if _imported_by_the_forkserver():
    # A SIGTERM to the crawl's process group (`kill -- -PGID`, systemd stopping the unit) reaches
    # the server too. The crawler stops gracefully on it; the server must not die of it: each
    # helper's liveness is read through its connection to the server (multiprocessing's
    # forkserver sentinels), so its death broke the extraction pool ("the extraction worker
    # died") and made the writer look dead, whose death raced the crawler's stop. The server
    # leaves with the crawler whatever the signal (its `alive` pipe closes), as do the helpers
    # (archive/lifeline.py); SIGINT it ignores already.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def helpers_context() -> BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up_helpers() -> None:
    """Start the helpers' server now (a no-op once it runs); it does not wait for the server."""
    helpers_context()
    forkserver.ensure_running()

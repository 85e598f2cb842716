"""How a crawl starts its helper processes: the extraction worker and the archive writer.

forkserver, not fork: the crawler has threads (Twisted's pool, queue feeders, the writer's
answer reader), and forking while one of them holds a lock can leave the child waiting on it
forever. The server is started once per crawl, with both helpers' modules imported, and every
helper is forked from it. This module imports nothing heavy, so that the command line can start
the server first and let its imports (~0.8 s of CPU) run beside Scrapy's own.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

PRELOAD = ["crawler.extract_pool", "archive.writer"]


def helpers_context() -> BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up_helpers() -> None:
    """Start the helpers' server now (a no-op once it runs); it does not wait for the server."""
    helpers_context()
    forkserver.ensure_running()

"""How a crawl starts its helper processes: the extraction worker and the archive writer.

forkserver, not fork: the crawler has threads (Twisted's pool, queue feeders, the writer's
answer reader), and forking while one of them holds a lock can leave the child waiting on it
forever. The server is started once per crawl, with both helpers' modules imported, and every
helper is forked from it. This module imports nothing heavy, so that the command line can start
the server first and let its imports (~0.8 s of CPU) run beside Scrapy's own.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import tempfile
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
    # The server is a process of our own, like a crawl's command (crawler/entry.py): the writer it
    # preloads imports sqlite-utils, and sqlite-utils pandas wherever it is installed.
    from crawler.operations.absent import declare_unused

    declare_unused()


def helpers_context() -> BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


# The server listens on a UNIX socket in a folder of TMPDIR, pymp-XXXXXXXX/listener-XXXXXXXX, and
# such a path holds at most 107 bytes (sun_path less its NUL): a deeper TMPDIR failed every
# crawl with a traceback from inside multiprocessing.
SOCKET_PATH_MAX = 107
_SOCKET_UNDER_TMPDIR = len("/pymp-XXXXXXXX/listener-XXXXXXXX")


class HelpersError(RuntimeError):
    """The helpers' server cannot be started here; the message says why and what to do."""


def socket_folder_problem(tmpdir: str | None = None) -> str | None:
    """Why the helpers' server could not listen under `tmpdir` (TMPDIR by default), or None."""
    folder = tmpdir if tmpdir is not None else tempfile.gettempdir()
    length = len(os.fsencode(folder)) + _SOCKET_UNDER_TMPDIR
    if length <= SOCKET_PATH_MAX:
        return None
    return (
        f"the temporary folder {folder} is too deep for the helper processes' socket "
        f"({length} bytes, at most {SOCKET_PATH_MAX}): set TMPDIR to a shorter folder, e.g. TMPDIR=/tmp"
    )


def warm_up_helpers() -> None:
    """Start the helpers' server now (a no-op once it runs); it does not wait for the server.
    HelpersError when it cannot listen in this TMPDIR."""
    problem = socket_folder_problem()
    if problem:
        raise HelpersError(problem)
    helpers_context()
    forkserver.ensure_running()

"""Helper processes of a crawl leave with it, and let it go first.

A crawler killed outright (SIGKILL, OOM) never shuts its helpers down, and a forkserver child
holds both ends of its own task pipe: it would wait for work forever, and keep the forkserver
alive with it. Each helper (the extraction worker, the archive writer) calls `leave_with` when
it starts.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time

from archive.runs import process_alive


# Added to a helper's nice value: below the crawler when they compete for a core.
HELPER_NICENESS = 10


def leave_with(crawler_pid: int) -> None:
    """Exit this process as soon as `crawler_pid` has exited; ignore Ctrl-C meanwhile; give
    the crawler's process the CPU first."""
    # Ctrl-C reaches the whole process group; the crawler decides how to stop, and a helper that
    # died of it would lose the work in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The crawler's own process drives every download and is the crawl's pace; a helper that
    # took a core from it slowed the whole run (niced, half as many preemptions of the crawler and
    # faster crawls on 2 cores). Helpers catch up in the crawler's idle moments.
    try:
        os.nice(HELPER_NICENESS)
    except OSError:
        pass
    threading.Thread(target=_exit_with, args=(crawler_pid,), daemon=True, name="lifeline").start()


def _exit_with(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel): look once a second
        while process_alive(pid):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])  # readable once the process has exited
    os._exit(0)

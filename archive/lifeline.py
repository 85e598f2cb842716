"""Helper processes of a crawl leave with it.

A crawler killed outright (SIGKILL, OOM) never shuts its helpers down, and a forkserver child
holds both ends of its own task pipe: it would wait for work forever, and keep the forkserver
alive with it. Each helper (the extraction worker, the archive writer) calls `leave_with` when
it starts.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie, exited but not yet reaped by
    its parent, does not: a killed crawl's helpers can stay zombies for a while)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ")"
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): existing is all that can be told


def leave_with(crawler_pid: int, *, niceness: int = 0) -> None:
    """Exit this process as soon as `crawler_pid` has exited; ignore Ctrl-C and SIGTERM
    meanwhile; lower this process's priority by `niceness` (see archive.writer.WRITER_NICENESS)."""
    # Ctrl-C reaches the whole process group, and so does a SIGTERM sent to it (`kill -- -PGID`,
    # systemd stopping a unit, a cron wrapper's timeout): the crawler decides how to stop, and a
    # helper that died of it would lose the work in flight. A crawl killed by SIGTERM to its group
    # lost its writer's last writes, and its extraction worker's page; when the writer's death
    # raced the stop, the whole run's record (crawler/operations/run.py).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if niceness:
        with contextlib.suppress(OSError):
            os.nice(niceness)
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

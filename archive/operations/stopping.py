"""A SIGTERM that stops a long command where it runs, as Ctrl-C does (export, reparse).

SIGTERM's default ends the process on the spot: an export's staging folder was left behind, a
reparse's summary never said how far it got. Raised as `Stopped` (a KeyboardInterrupt) instead,
it unwinds through the command's own cleanup: transactions roll back, folders are removed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Stopped(KeyboardInterrupt):
    """The command was asked to stop (SIGTERM); a KeyboardInterrupt, so that whatever stops on
    Ctrl-C stops on it too."""


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """While inside: SIGTERM raises Stopped where the command runs. Only from the main thread, and
    only where SIGTERM has no handler of its own (an application's is left as it is)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) not in (
        signal.SIG_DFL,
        None,
    ):
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Stopped("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

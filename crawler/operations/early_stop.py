"""A stop asked for before Scrapy listens: SIGTERM or Ctrl-C in a crawl's first seconds.

Scrapy installs its own SIGTERM/SIGINT handlers (a graceful stop, the run's row written) when the
crawl's CrawlerProcess is made, a few seconds into the command: its imports, the helpers' server,
the start URLs' DNS. Before that, a SIGTERM (cron's timeout, systemd stopping the unit) killed the
command on the spot and Ctrl-C printed a traceback; one that came after the data folder's lock was
taken left no row, though every run that took the lock must leave one. Here the command listens
from its start:

- before the lock, a stop ends the command at once, in one line (exit 6): nothing was begun;
- from the lock on, it is remembered: the run records itself as interrupted (exit 6) as soon as
  Scrapy has taken over, and a stop that reaches Scrapy's own handlers before the spider opened
  its run is remembered too, so that run is recorded as interrupted, not as failed to start.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StoppedEarly(KeyboardInterrupt):
    """A stop asked for before the run began; a KeyboardInterrupt, as Ctrl-C would raise."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.name = signal.Signals(signum).name


_asked: int | None = None
_raising = False


def listen() -> None:
    """From now on a stop raises StoppedEarly (the command's start, before the lock)."""
    global _asked, _raising
    _asked, _raising = None, True
    for signum in SIGNALS:
        signal.signal(signum, _heard)


def hold() -> None:
    """From now on a stop is only remembered (the lock is about to be taken: the run must end
    with its row)."""
    global _raising
    _raising = False


def asked() -> str | None:
    """The name of the signal that asked for a stop since `listen`, if one did."""
    return signal.Signals(_asked).name if _asked is not None else None


def remember_behind(handlers: Callable[[int], Any] = signal.getsignal) -> None:
    """Keep remembering a stop once Scrapy's handlers have replaced ours: each of them is wrapped
    so that it notes the signal, then does what it did."""
    for signum in SIGNALS:
        handler = handlers(signum)
        if callable(handler) and handler is not _heard:
            signal.signal(signum, _noting(handler))


def _noting(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    def noted(signum: int, frame: Any) -> Any:
        _note(signum)
        return handler(signum, frame)

    return noted


def _note(signum: int) -> None:
    global _asked
    if _asked is None:
        _asked = signum


def _heard(signum: int, frame: Any) -> None:
    _note(signum)
    if _raising:
        raise StoppedEarly(signum)

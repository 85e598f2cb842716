"""Progress of a long command on stderr, in the form its reader can use.

On a terminal: a live display (rich), redrawn in place. Anywhere else (cron mail, a log file):
one plain line at most every `interval` seconds, printable characters only, so the log stays
text. `off` (`--quiet`) prints nothing; the command's own summary line still ends the run.

Commands feed a reporter `Snapshot`s (the crawl's Scrapy extension, crawler/operations/progress.py) or call
the `ProgressCallback` it hands out (reparse, export). This module knows nothing of Scrapy, and
imports rich only when a live display starts.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

LIVE, PLAIN, OFF = "live", "plain", "off"
MODES = (LIVE, PLAIN, OFF)

# Cron mails and log files want a sign of life, not a stream: one line a minute.
DEFAULT_INTERVAL = 60.0
# Tests (and impatient operators) shorten it: `TNU_PROGRESS_INTERVAL=1 tnu-archive reparse`.
INTERVAL_ENV = "TNU_PROGRESS_INTERVAL"
# A terminal redraw rate that reads as live without costing the work anything.
LIVE_REFRESH = 0.25

# done, total, counts so far (what each count means is up to the command).
ProgressCallback = Callable[[int, int, Mapping[str, int]], None]


def parse_interval(raw: str | float | None) -> float:
    """Seconds between plain lines; ValueError with a readable message when not a positive number."""
    if raw is None or raw == "":
        return DEFAULT_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{INTERVAL_ENV} must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{INTERVAL_ENV} must be more than 0 seconds, got {raw!r}")
    return value


def interval_from_env() -> float:
    return parse_interval(os.environ.get(INTERVAL_ENV))


def choose_mode(quiet: bool = False, stream: IO[str] | None = None) -> str:
    """`off` when asked to be quiet, `live` on a terminal, `plain` anywhere else."""
    if quiet:
        return OFF
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty() and os.environ.get("TERM") != "dumb":
        return LIVE
    return PLAIN


@dataclass(frozen=True)
class Snapshot:
    done: int
    total: int | None = None
    fields: tuple[tuple[str, str], ...] = ()  # (label, value) in display order
    # False while the total can still grow (a crawl's queue of found articles): no ETA then,
    # since one more listing page can add a hundred articles.
    final_total: bool = True


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def rate_text(done: int, elapsed: float, unit: str) -> str:
    if elapsed <= 0 or done == 0:
        return f"0 {unit}/s"
    per_second = done / elapsed
    # A polite crawl fetches well under one page a second: per minute reads better there.
    if per_second < 1:
        return f"{per_second * 60:.1f} {unit}/min"
    return f"{per_second:.1f} {unit}/s"


def eta_seconds(snapshot: Snapshot, elapsed: float) -> float | None:
    if not snapshot.final_total or not snapshot.total or snapshot.done <= 0 or elapsed <= 0:
        return None
    remaining = max(0, snapshot.total - snapshot.done)
    return remaining / (snapshot.done / elapsed)


def count_text(snapshot: Snapshot, unit: str) -> str:
    done, total = snapshot.done, snapshot.total
    if total is None:
        return f"{done} {unit}"
    if not snapshot.final_total:
        return f"{done} of {total} queued {unit} done"
    percent = 100 * done // total if total else 100
    return f"{done}/{total} {unit} ({percent}%)"


def plain_line(title: str, unit: str, snapshot: Snapshot, elapsed: float) -> str:
    """`reparse 0:01:00: 1200/5000 articles (24%); changed 90, ...; 20.0 articles/s, ETA 0:03:10`"""
    parts = [count_text(snapshot, unit)]
    if snapshot.fields:
        parts.append(", ".join(f"{label} {value}" for label, value in snapshot.fields))
    timing = rate_text(snapshot.done, elapsed, unit)
    eta = eta_seconds(snapshot, elapsed)
    if eta is not None:
        timing += f", ETA {format_duration(eta)}"
    parts.append(timing)
    line = f"{title} {format_duration(elapsed)}: " + "; ".join(parts)
    # Whatever a value holds (a server's error text), a log line stays one line of text.
    return "".join(ch if ch.isprintable() else " " for ch in line)


class Reporter:
    """Reports nothing (`off`); the base of the reporters that print."""

    mode = OFF

    def __init__(self, title: str, unit: str, *, clock: Callable[[], float] = time.monotonic):
        self.title = title
        self.unit = unit
        self._clock = clock  # seconds, monotonic; tests pass a clock of their own
        self._started: float | None = None

    @property
    def elapsed(self) -> float:
        return 0.0 if self._started is None else self._clock() - self._started

    def start(self) -> None:
        if self._started is None:
            self._started = self._clock()

    def due(self, done: int, total: int | None) -> bool:
        """Whether an update now would be shown (callers skip building a snapshot otherwise)."""
        return False

    def update(self, snapshot: Snapshot) -> None:
        """Show the snapshot if it is due."""

    def stop(self) -> None:
        """Leave the last state on screen; the caller prints the summary after this."""

    def callback(self, describe: Callable[[Mapping[str, int]], tuple[tuple[str, str], ...]]) -> ProgressCallback:
        """A `ProgressCallback` for reparse/export: `describe(counts)` names the counts for display."""

        def progress(done: int, total: int, counts: Mapping[str, int]) -> None:
            if self.due(done, total):
                self.update(Snapshot(done=done, total=total, fields=describe(counts)))

        return progress

    def __enter__(self) -> Reporter:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class PlainReporter(Reporter):
    """One line at most every `interval` seconds; the first after one interval, so a short run
    prints only its summary."""

    mode = PLAIN

    def __init__(
        self,
        title: str,
        unit: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(title, unit, clock=clock)
        self.interval = interval
        self.stream = stream
        self._last = 0.0

    def start(self) -> None:
        super().start()
        self._last = self._clock()

    def due(self, done: int, total: int | None) -> bool:
        return self._started is not None and self._clock() - self._last >= self.interval

    def update(self, snapshot: Snapshot) -> None:
        if not self.due(snapshot.done, snapshot.total):
            return
        self._last = self._clock()
        stream = self.stream if self.stream is not None else sys.stderr
        stream.write(plain_line(self.title, self.unit, snapshot, self.elapsed) + "\n")
        stream.flush()


class LiveReporter(Reporter):
    """A rich progress display on the terminal; log records are printed above it, not through it."""

    mode = LIVE

    def __init__(self, title: str, unit: str, *, stream: IO[str] | None = None):
        super().__init__(title, unit)
        self.stream = stream
        self._progress = None
        self._task = None
        self._last = 0.0
        self._rerouted: list[tuple[logging.StreamHandler, IO[str]]] = []

    def start(self) -> None:
        if self._progress is not None:
            return
        from rich.console import Console  # noqa: PLC0415 — only a terminal needs rich
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

        super().start()
        real_stderr = sys.stderr
        console = Console(file=self.stream) if self.stream is not None else Console(stderr=True)
        self._progress = _display_class()(
            TextColumn("[bold]{task.description}"),
            BarColumn(complete_style="cyan", finished_style="green"),
            TextColumn("{task.fields[count]}", markup=False),
            TimeElapsedColumn(),
            TextColumn("{task.fields[timing]}", markup=False),
            console=console,
            refresh_per_second=1 / LIVE_REFRESH,
            redirect_stderr=True,
            redirect_stdout=False,
        )
        self._task = self._progress.add_task(self.title, total=None, count=f"0 {self.unit}", timing="", details="")
        self._progress.start()
        # A second Ctrl-C can end the process without the crawl's close signal: give the
        # terminal back its cursor anyway.
        atexit.register(self.stop)
        if sys.stderr is not real_stderr:
            self._route_logging(real_stderr, sys.stderr)

    def _route_logging(self, real_stderr: IO[str], proxy: IO[str]) -> None:
        # Handlers made before the display (Scrapy's root handler) hold the real stderr and would
        # write through the display; rich's stderr proxy prints each line above it instead.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is real_stderr:
                handler.setStream(proxy)
                self._rerouted.append((handler, real_stderr))

    def due(self, done: int, total: int | None) -> bool:
        return self._progress is not None and (
            time.monotonic() - self._last >= LIVE_REFRESH or (total is not None and done >= total)
        )

    def update(self, snapshot: Snapshot) -> None:
        if self._progress is None:
            return
        self._last = time.monotonic()
        elapsed = self.elapsed
        timing = rate_text(snapshot.done, elapsed, self.unit)
        eta = eta_seconds(snapshot, elapsed)
        if eta is not None:
            timing += f"  ETA {format_duration(eta)}"
        changes = {}
        if snapshot.total is not None:
            changes["total"] = snapshot.total
        self._progress.update(
            self._task,
            completed=snapshot.done,
            count=count_text(snapshot, self.unit),
            timing=timing,
            details="  ".join(f"{label} {value}" for label, value in snapshot.fields),
            **changes,
        )

    def stop(self) -> None:
        if self._progress is None:
            return
        atexit.unregister(self.stop)
        self._progress.refresh()
        self._progress.stop()
        self._progress = None
        for handler, stream in self._rerouted:
            handler.setStream(stream)
        self._rerouted.clear()


def _display_class():
    from rich.progress import Progress  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    class Display(Progress):
        """The progress line, and under it the counts, which do not fit in a column."""

        def get_renderables(self):
            yield self.make_tasks_table(self.tasks)
            for task in self.tasks:
                if task.fields.get("details"):
                    yield Text("  " + task.fields["details"], style="dim")

    return Display


def make_reporter(
    mode: str, title: str, unit: str, *, interval: float | None = None, stream: IO[str] | None = None
) -> Reporter:
    """The reporter for `mode` (see `choose_mode`); `interval` defaults to TNU_PROGRESS_INTERVAL or 60 s."""
    if mode == LIVE:
        return LiveReporter(title, unit, stream=stream)
    if mode == PLAIN:
        return PlainReporter(title, unit, interval=interval_from_env() if interval is None else interval, stream=stream)
    if mode == OFF:
        return Reporter(title, unit)
    raise ValueError(f"progress mode must be one of {', '.join(MODES)}, got {mode!r}")

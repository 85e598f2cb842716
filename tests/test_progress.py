"""Progress reporting (archive/operations/progress.py) and the crawl's article queue (crawler/operations/progress.py),
without a crawl: the lines, the throttle, the live display on a real pseudo-terminal."""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time

import pytest
from scrapy import Request

from archive.operations.progress import (
    LIVE,
    OFF,
    PLAIN,
    LiveReporter,
    PlainReporter,
    Snapshot,
    choose_mode,
    make_reporter,
    parse_interval,
    plain_line,
)
from crawler.operations.progress import CHAIN, ArticleQueue, crawl_snapshot

ARTICLE = "http://127.0.0.1:8471/so-ket-cong-tac-tuyen-giao-dn5521.html"
LISTING = "http://127.0.0.1:8471/tin-tuc-su-kien.html?page=2"


# -- lines -------------------------------------------------------------------------------------


def test_plain_line_with_a_known_total_has_percent_rate_and_eta():
    snap = Snapshot(done=1200, total=5000, fields=(("changed", "90"), ("failed", "0")))
    assert plain_line("reparse", "articles", snap, elapsed=60) == (
        "reparse 0:01:00: 1200/5000 articles (24%); changed 90, failed 0; 20.0 articles/s, ETA 0:03:10"
    )


def test_plain_line_of_a_growing_queue_has_no_eta_and_slow_rates_per_minute():
    snap = Snapshot(done=12, total=30, fields=(("listing pages", "8"),), final_total=False)
    assert plain_line("crawl", "article pages", snap, elapsed=90) == (
        "crawl 0:01:30: 12 of 30 queued article pages done; listing pages 8; 8.0 article pages/min"
    )


def test_plain_line_never_carries_control_characters():
    snap = Snapshot(done=1, total=None, fields=(("errors", "1 (bad\r\nkind\x1b[31m)"),))
    line = plain_line("crawl", "article pages", snap, elapsed=5)
    assert all(ch.isprintable() for ch in line)
    assert "1 (bad  kind [31m)" in line


@pytest.mark.parametrize("raw, expected", [(None, 60.0), ("", 60.0), ("0.5", 0.5), (2, 2.0)])
def test_interval(raw, expected):
    assert parse_interval(raw) == expected


@pytest.mark.parametrize("raw", ["soon", "0", "-1"])
def test_interval_must_be_positive_seconds(raw):
    with pytest.raises(ValueError, match="TNU_PROGRESS_INTERVAL"):
        parse_interval(raw)


# -- modes -------------------------------------------------------------------------------------


def test_mode_follows_the_stream(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    master, slave = os.openpty()
    try:
        with open(slave, "w", closefd=False) as tty:
            assert choose_mode(stream=tty) == LIVE
            assert choose_mode(quiet=True, stream=tty) == OFF
            monkeypatch.setenv("TERM", "dumb")
            assert choose_mode(stream=tty) == PLAIN
    finally:
        os.close(master)
        os.close(slave)
    assert choose_mode(stream=io.StringIO()) == PLAIN


def test_off_reporter_prints_nothing(capsys):
    reporter = make_reporter(OFF, "reparse", "articles")
    progress = reporter.callback(lambda counts: (("changed", str(counts["changed"])),))
    with reporter:
        for done in range(1, 50):
            progress(done, 49, {"changed": done})
    assert capsys.readouterr().err == ""


# -- the plain throttle ------------------------------------------------------------------------


def test_plain_reporter_prints_at_most_once_per_interval():
    out = io.StringIO()
    now = [100.0]  # the reporter's clock, moved by hand: no outcome depends on how busy the machine is
    reporter = PlainReporter("reparse", "articles", interval=0.2, stream=out, clock=lambda: now[0])
    calls = []
    progress = reporter.callback(lambda counts: calls.append(1) or (("changed", str(counts["changed"])),))
    with reporter:
        for done in range(1, 351):  # 0.7 s of calls, one every 2 ms
            now[0] = 100.0 + done * 0.002
            progress(done, 10**9, {"changed": done})
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # at 0.2, 0.4, 0.6 s; never the first instant
    assert len(calls) == len(lines)  # nothing is even formatted between lines
    assert all(line.startswith("reparse 0:00:00: ") and "articles/s" in line for line in lines)
    assert all(ch.isprintable() for ch in out.getvalue().replace("\n", ""))


def test_a_run_shorter_than_the_interval_prints_no_progress_line():
    out = io.StringIO()
    with PlainReporter("export", "steps", interval=60, stream=out) as reporter:
        reporter.update(Snapshot(done=5, total=5))
    assert out.getvalue() == ""


# -- live, on a pseudo-terminal ------------------------------------------------------------------


class PtyReader:
    """The terminal side of a pseudo-terminal, drained in a thread so the writer never blocks."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO once the slave side is closed
                return
            if not data:
                return
            self.chunks.append(data)

    def text(self) -> str:
        os.close(self.slave)
        self.thread.join(5)
        os.close(self.master)
        return b"".join(self.chunks).decode("utf-8", "replace")


def test_live_display_draws_on_the_terminal_and_prints_log_records_above_it(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    reader = PtyReader()
    root = logging.getLogger()
    # Made before the display, like Scrapy's root handler: it holds the stderr of its time.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(handler)
    original_stream = handler.stream
    try:
        # closefd=False: the descriptor is the reader's (reader.text() closes it); leaving the block flushes.
        with open(reader.slave, "w", encoding="utf-8", closefd=False) as tty:
            reporter = LiveReporter("reparse", "articles", stream=tty)
            progress = reporter.callback(lambda counts: (("changed", str(counts["changed"])),))
            with reporter:
                progress(0, 4, {"changed": 0})
                logging.getLogger("tnu.test").warning("layout drift on page 2")
                for done in range(1, 5):
                    time.sleep(0.3)
                    progress(done, 4, {"changed": done})
            assert handler.stream is original_stream  # given back when the display ends
    finally:
        root.removeHandler(handler)
    text = reader.text()
    assert "\x1b[" in text
    assert "4/4 articles (100%)" in text
    assert "changed 4" in text
    assert text.count("WARNING: layout drift on page 2") == 1


# -- the crawl's queue of article pages --------------------------------------------------------


def test_an_article_counts_once_through_retries_and_redirects():
    queue = ArticleQueue(["127.0.0.1"])
    first = Request(ARTICLE)
    queue.scheduled(first)
    assert (queue.queued, queue.done) == (1, 0)
    queue.left_downloader(first)  # a 500: the retry middleware asks again
    retry = first.replace(meta={**first.meta, "retry_times": 1}, dont_filter=True)
    queue.scheduled(retry)
    assert (queue.queued, queue.done) == (1, 0)
    queue.left_downloader(retry)  # a 301 this time
    moved = retry.replace(url=ARTICLE.replace("dn5521", "dn5522"), meta={**retry.meta, "redirect_times": 1})
    queue.scheduled(moved)
    queue.left_downloader(moved)
    assert (queue.queued, queue.done) == (1, 1)


def test_duplicates_listings_and_other_hosts_are_not_queued():
    queue = ArticleQueue(["127.0.0.1"])
    queue.scheduled(Request(ARTICLE))
    duplicate = Request(ARTICLE)
    queue.scheduled(duplicate)
    queue.dropped(duplicate)  # the scheduler's duplicate filter
    queue.scheduled(Request(LISTING))
    queue.scheduled(Request(ARTICLE.replace("127.0.0.1", "example.org")))  # offsite: filtered
    queue.scheduled(Request(ARTICLE.replace(".html", "-2.html"), meta={"tnu_kind": "image"}))
    assert (queue.queued, queue.done) == (1, 0)
    assert CHAIN not in Request(LISTING).meta


def test_crawl_snapshot_without_an_open_run():
    queue = ArticleQueue()
    queue.scheduled(Request(ARTICLE))
    snap = crawl_snapshot(None, queue, listing_pages=3)
    assert (snap.done, snap.total, snap.final_total) == (0, 1, False)
    assert snap.fields == (("listing pages", "3"),)

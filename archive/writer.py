"""The crawl's writer: one process that applies every write of a run, in the order asked.

Scrapy's reactor thread drives every download. When it also wrote the SQLite rows, the WARC
records and the image files, that was nearly half of its time. So the crawler hands each write
over as plain data, through one typed method of `ArchiveWriter` per write (`note_links`,
`save_article`, ...: each hands its arguments to the `Writes` method of the same name), and
this process, the run's only writer of the archive, its WARC file and its image files, applies
them one after another in the order they were sent: a response's capture before its fetch-log
row, an article's images before the article. What is sent during one turn of the crawler's
event loop goes over as one message (`schedule`), and at most MAX_BYTES_IN_FLIGHT of page and
image bytes wait for the writer: then the crawl waits, and its memory stays flat however long
the run.

`is_archived` and `caught_up` return a `concurrent.futures.Future`, and `close` waits: the few
writes whose answer the crawler needs. The others expect none, and a failure of one is logged
(the crawl goes on; what was not written is fetched again by the next run). Log records of the
writer reach the crawler's own logging. Every answer, and the note the writer sends after each
batch it applied, carries the run's counts so far into the run's tally (`ArchiveWriter.tally`,
what progress displays show); `close()` adds the problems and the errors met while writing.

Transactions: the writes waiting in the queue are applied in one transaction (at most
`BATCH_WRITES` of them, or `BATCH_SECONDS`), an article's own writes in a savepoint inside it;
image files are written in threads and their rows join the transaction once the files are on
disk. A crawl killed outright loses at most that group; the next run fetches those pages
again, as it does everything a killed run did not archive. WARC records of that group stay in
the WARC file without a `captures` row.

Never imports Scrapy.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from archive.captures.content_coding import body_digest
from archive.captures.warc_index import CaptureLedger, cdxj_path
from archive.captures.warc_writer import HttpExchange, WarcRecorder, finish_interrupted
from archive.error_kinds import NOT_AN_IMAGE, NOT_HTTP_URL, WRITE_ERROR
from archive.lifeline import leave_with
from archive.operations import recovery
from archive.record import Article, RawPage
from archive.storage import aliases, frontier, runs
from archive.storage.images import NotAnImage, write_image
from archive.store import Archive, NotHttpUrl

logger = logging.getLogger(__name__)

BATCH_WRITES = 500
BATCH_SECONDS = 0.5

# Pages and images handed to the writer and not yet written, at most (then the crawl waits).
MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024

# Nothing in the crawl waits for a write until the run ends, while the crawler's process (and
# the extraction worker, whose answers it awaits) are the crawl's pace: below them when they
# compete for a core, the writer took half as many preemptions from the crawler on 2 cores,
# and catches up in its idle moments.
WRITER_NICENESS = 10


class WriterDied(RuntimeError):
    """The writer process is gone: what was sent to it and not yet applied is lost."""


class ArchiveWriter:
    """The crawler's side: starts the writer process for one run and talks to it, one typed
    method per write (each hands its arguments to the `Writes` method of the same name)."""

    def __init__(
        self,
        db_path: str | Path,
        images_dir: str | Path,
        run_id: int | None,
        mp_context: multiprocessing.context.BaseContext | None = None,
        schedule: Callable[[Callable[[], None]], Any] | None = None,
        on_death: Callable[[str], Any] | None = None,
        tally: runs.RunTally | None = None,
    ):
        """`schedule(callback)`: run the callback soon, on the caller's thread (an event loop's
        `call_soon`). Given, what is sent meanwhile goes over in one message: a crawl sends
        thousands of writes, and waking the queue's feeder thread for each cost more than the
        writes. Without it, each write goes at once. `on_death(why)` is called (from another
        thread) if the process ends before close(). `tally`: the run's counters, which the
        writer's counts keep up to date as it writes (and its errors and problems join at close)."""
        context = mp_context or multiprocessing.get_context("forkserver")
        self._schedule = schedule
        self._on_death = on_death
        self._outbox: list[tuple[int, str, tuple]] = []
        # A queue, not a pipe: its feeder thread does the pickling and the writing, so the
        # reactor never waits for the writer to read a 100 KB page off a 64 KB pipe.
        self._commands = context.Queue()
        self._answers, answers_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_serve,
            args=(self._commands, answers_end, str(db_path), str(images_dir), run_id, os.getpid()),
            name="archive-writer",
            daemon=True,
        )
        self._pending: dict[int, Future] = {}
        self._numbers = itertools.count(1)
        self._in_flight = 0  # bytes of pages and images handed over, not yet applied
        self._room = threading.Condition()
        self.tally = tally if tally is not None else runs.RunTally()
        self.died: str | None = None
        self.lost = 0  # writes sent after the writer died, dropped
        # Started by the thread that reads its answers: starting waits for the forkserver's
        # imports, and writes sent meanwhile wait in the queue, not the crawl.
        self._reader = threading.Thread(
            target=self._start_and_read, args=(answers_end,), daemon=True, name="archive-writer-answers"
        )
        self._reader.start()

    # -- the writes, one typed method each (applied in the order sent; see `Writes`) ---------

    def open_warc(self, warc_dir: str | Path, name: str, info: dict[str, str], max_bytes: int | None = None) -> None:
        self._send(Writes.open_warc, str(warc_dir), name, info, max_bytes)

    def capture(self, token: int, exchange: HttpExchange, record_id: str) -> None:
        self._send(Writes.capture, token, exchange, record_id)

    def fetch(
        self,
        row: dict[str, Any],
        body: bytes | None = None,
        capture_token: int | None = None,
        codings: list[tuple[str, str]] | None = None,
    ) -> None:
        """`codings`: the response's Content-Encoding headers, by which the body is decoded before
        it is measured and hashed (fetch_log describes the body as read, like raw_pages)."""
        self._send(Writes.fetch, row, body, capture_token, codings)

    def fetch_refused(self, url: str, error: str) -> None:
        self._send(Writes.fetch_refused, url, error)

    def not_an_article(self, link: str, at: str) -> None:
        self._send(Writes.not_an_article, link, at)

    def register_site(
        self,
        name: str,
        title: str | None,
        hosts: list[str],
        digest: str | None,
        at: str,
        title_en: str | None = None,
        home: str | None = None,
        language: str | None = None,
        member_of: str | None = None,
    ) -> None:
        self._send(Writes.register_site, name, title, hosts, digest, at, title_en, home, language, member_of)

    def save_article(
        self,
        link: str,
        article: Article,
        fetched_at: str,
        raw: RawPage | None,
        canonical: str | None = None,
        others: tuple[str, ...] | list[str] = (),
        site: str | None = None,
    ) -> None:
        """`canonical`, `others`: the URL the page names as its own and its other names (short
        links), from which the archive picks the article's one URL (archive/storage/aliases.py).
        `site`: the site the article belongs to (registered before, `register_site`)."""
        self._send(Writes.save_article, link, article, fetched_at, raw, canonical, others, site)

    def save_capture(self, capture: dict, article: Article, raw: RawPage, site: str | None = None) -> None:
        self._send(Writes.save_capture, capture, article, raw, site)

    def _refused(self, where: str, exc: NotHttpUrl) -> str:
        """An article the archive will not store (its URL is not http(s)): counted, named."""
        self.tally.errors[NOT_HTTP_URL] += 1
        self.tally.problems.append(f"{where}: article refused, {exc}")
        return "refused"

    def capture_not_article(self, capture: dict) -> None:
        self._send(Writes.capture_not_article, capture)

    def save_walk(self, cdx_api: str, pattern: str, since: str | None, until: str | None, key: str | None) -> None:
        """Where a walk of a CDX index goes on next time (recovery.save_walk)."""
        self._send(Writes.save_walk, cdx_api, pattern, since, until, key, runs.utc_now())

    def store_image(self, src_url: str, body: bytes, status: int, fetched_at: str) -> None:
        self._send(Writes.store_image, src_url, body, status, fetched_at)

    def image_failed(self, src_url: str, status: int | None, error: str, at: str) -> None:
        self._send(Writes.image_failed, src_url, status, error, at)

    def note_links(self, urls: list[str], at: str) -> None:
        self._send(Writes.note_links, urls, at)

    def link_failed(self, url: str, at: str) -> None:
        self._send(Writes.link_failed, url, at)

    def forget_links(self, urls: list[str]) -> None:
        self._send(Writes.forget_links, urls)

    def listing_crawled(self, listing_url: str, at: str) -> None:
        self._send(Writes.listing_crawled, listing_url, at)

    def listing_reached_end(self, listing_url: str, last_page: int, at: str) -> None:
        self._send(Writes.listing_reached_end, listing_url, last_page, at)

    # -- the few writes whose answer the crawler waits for --------------------------------------

    def is_archived(self, *urls: str) -> Future[bool]:
        """Whether any of these URLs is archived, once everything sent before is applied."""
        return self._call(Writes.is_archived, *urls)

    def caught_up(self) -> Future[dict[str, int]]:
        """The run's counts, once everything sent before is applied."""
        return self._call(Writes.counts)

    # -- the transport -------------------------------------------------------------------------

    def _send(self, write: Callable[..., Any], *args: Any) -> None:
        """Apply `write` (a method of `Writes`) with these arguments; no answer. Once the writer
        has died the run is being stopped: what comes meanwhile is dropped (counted in `lost`),
        and fetched again by the next run."""
        if self.died:
            self.lost += 1
            return
        self._post((0, write.__name__, args))

    def _call(self, write: Callable[..., Any], *args: Any) -> Future:
        """Apply `write`; its result (or exception) arrives in the returned future."""
        future: Future = Future()
        if self.died:
            future.set_exception(WriterDied(self.died))
            return future
        number = next(self._numbers)
        self._pending[number] = future
        if self.died and self._pending.pop(number, None) is future:
            # the process ended between the first look and now, its answers given up already
            future.set_exception(WriterDied(self.died))
            return future
        self._outbox.append((number, write.__name__, args))
        self.flush()  # the caller may wait for the answer right away: nothing may stay behind
        return future

    def _post(self, command: tuple[int, str, tuple]) -> None:
        self._outbox.append(command)
        if self._schedule is None:
            self.flush()
        elif len(self._outbox) == 1:
            self._schedule(self.flush)

    def flush(self) -> None:
        """Hand over what was sent and not yet handed over (in the order sent). Waits while more
        than MAX_BYTES_IN_FLIGHT of pages and images are handed over and not yet applied."""
        if not self._outbox:
            return
        batch, self._outbox = self._outbox, []
        size = sum(_payload_size(args) for _, _, args in batch)
        with self._room:
            self._in_flight += size
        self._commands.put((size, batch))
        with self._room:
            # Until the writer has caught up, the pages wait here, in the crawler's memory: a
            # longer crawl would hold more of them. Holding the reactor slows the crawl to the
            # writer's pace instead.
            while self._in_flight > MAX_BYTES_IN_FLIGHT and not self.died:
                self._room.wait(timeout=1.0)

    @property
    def counts(self) -> dict[str, int]:
        """The run's counts so far, as the writer last reported them (what progress displays show)."""
        return self.tally.counts

    def close(self, timeout: float | None = None) -> runs.RunTally:
        """Apply everything sent so far, commit, close the WARC file and the archive; the
        writer's final counts, the problems it noticed while saving articles and the errors it
        met (e.g. `not_an_image`) join the run's tally, which is returned. Raises WriterDied if
        the process died before."""
        try:
            self.tally.absorb(self._call(Writes.close).result(timeout))
        finally:
            self._reader.join(timeout=10)
            if self._process.pid is not None:  # started
                self._process.join(timeout=10)
                if self._process.is_alive():
                    self._process.kill()
            self._commands.close()
            if self._process.exitcode != 0:
                # Nobody reads the pipe any more: the feeder thread would wait on it forever.
                self._commands.cancel_join_thread()
            self._commands.join_thread()
        return self.tally

    def _start_and_read(self, answers_end) -> None:
        try:
            self._process.start()
        except Exception as exc:
            self._died(f"the archive writer could not start ({exc})")
            return
        finally:
            answers_end.close()  # the child has its own copy; EOF here once it is gone
        self._read_answers()

    def _died(self, why: str) -> None:
        self._give_up(why)
        if self._on_death is not None:
            self._on_death(why)

    def _give_up(self, why: str) -> None:
        self.died = why
        with self._room:
            self._room.notify_all()
        if self._pending:
            logger.error("%s with %d answers outstanding", why, len(self._pending))
        for number in list(self._pending):
            self._pending.pop(number).set_exception(WriterDied(why))

    def _read_answers(self) -> None:
        while True:
            try:
                message = self._answers.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "applied":
                _, size, self.tally.counts = message
                with self._room:
                    self._in_flight -= size
                    self._room.notify_all()
            elif kind == "log":
                _, name, level, text = message
                logging.getLogger(name).log(level, "%s", text)
            else:
                _, number, ok, value, self.tally.counts = message
                future = self._pending.pop(number, None)
                if future is None:
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        self._process.join(timeout=10)
        if self._pending or self._process.exitcode not in (0, None):
            self._died(f"the archive writer ended (exit code {self._process.exitcode})")
        else:
            self._give_up("the archive writer is closed")


def _payload_size(args: tuple) -> int:
    """The bytes a write carries (page and image bodies), which is what a backlog is made of."""
    size = 0
    for arg in args:
        if isinstance(arg, (bytes, bytearray)):
            size += len(arg)
        elif isinstance(arg, HttpExchange):
            size += len(arg.body)
        elif isinstance(arg, RawPage):
            size += len(arg.compressed)
    return size


class Writes:
    """What the writer process can be asked to do: one method a kind of write."""

    def __init__(self, archive: Archive, run_id: int | None):
        self.archive = archive
        self.db = archive.db
        self.run_id = run_id
        self.ledger = CaptureLedger(archive.db)
        self.recorder: WarcRecorder | None = None
        # capture token -> (captures.id, bytes, sha256) until the fetch-log row of the same
        # exchange arrives (the crawler's fetch-log middleware sends it right after)
        self._captured: dict[int, tuple[int, int, str]] = {}
        # What the archive counts, notices while saving articles and meets while writing (the
        # crawler counts its own failures in its tally; they meet at the end of the run).
        self.tally = archive.tally(run_id) if run_id is not None else runs.RunTally()
        self._files = ThreadPoolExecutor(4, thread_name_prefix="image-file")
        self._images_in_flight: list[tuple[Future, str, int, str]] = []

    # -- responses ---------------------------------------------------------------------------

    def open_warc(self, warc_dir: str, name: str, info: dict[str, str], max_bytes: int | None = None) -> None:
        # A run killed earlier left its WARC without an index (and maybe a half record).
        for index in finish_interrupted(warc_dir):
            logger.warning("indexed the WARC of an interrupted run: %s", index)
        self.recorder = WarcRecorder(
            Path(warc_dir), self.ledger, name, info=info, run_id=self.run_id, max_bytes=max_bytes
        )

    def capture(self, token: int, exchange: HttpExchange, record_id: str) -> None:
        if self.recorder is None:
            return  # the WARC file could not be opened (logged once, by open_warc)
        capture = self.recorder.record(exchange, run_id=self.run_id, record_id=record_id)
        # The WARC keeps the bytes as sent; fetch_log describes the body as the crawler read it
        # (Content-Encoding undone): raw_pages.sha256 of the same page, images.sha256 of an image.
        self._captured[token] = (capture.id, *body_digest(exchange.response_headers, exchange.body))

    def fetch(
        self,
        row: dict[str, Any],
        body: bytes | None,
        capture_token: int | None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        """One fetch_log row; the body's size and digest come from the capture of the same
        exchange when there is one (the same bytes: it was not sent twice), else from `body`
        as sent with its Content-Encoding `headers` (decoded here, as for a capture)."""
        captured = self._captured.pop(capture_token, None) if capture_token is not None else None
        if captured is not None:
            digest = captured[1:]
        else:
            digest = body_digest(headers or [], body) if body is not None else None
        fetch_id = self.archive.log_fetch(self.run_id, **row, body=None, body_digest=digest)
        if captured is not None:
            self.ledger.link_fetch(captured[0], fetch_id)

    def fetch_refused(self, url: str, error: str) -> None:
        """The response last logged from `url` was refused after it came (Archive.fetch_refused)."""
        if self.run_id is not None:
            self.archive.fetch_refused(self.run_id, url, error)

    # -- articles and images -------------------------------------------------------------------

    def is_archived(self, *urls: str) -> bool:
        return any(frontier.is_archived(self.db, url) for url in urls)

    def not_an_article(self, link: str, at: str) -> None:
        frontier.link_not_article(self.db, link, at)

    def register_site(
        self,
        name: str,
        title: str | None,
        hosts: list[str],
        digest: str | None,
        at: str,
        title_en: str | None = None,
        home: str | None = None,
        language: str | None = None,
        member_of: str | None = None,
    ) -> None:
        self.archive.register_site(name, title, hosts, digest, at, title_en, home, language, member_of)

    def save_article(
        self,
        link: str,
        article: Article,
        fetched_at: str,
        raw: RawPage | None,
        canonical: str | None = None,
        others: tuple[str, ...] | list[str] = (),
        site: str | None = None,
    ) -> str:
        """Archive.save_article under the article's one URL (archive/storage/aliases.py: an archived
        article keeps its URL; else the page's canonical URL), its other names kept as aliases,
        and the link it was found under tied to it; its outcome (also counted) is returned, its
        problems are kept for the end of the run."""
        key, names, claimed = aliases.key_for(
            self.db, article.url, link, canonical, list(others), article.title, article.published_at, article.body_text
        )
        if claimed:
            # a page that only claims to be an archived article (its canonical link) and shows
            # its text: tied to it, never its source (archive/storage/aliases.py)
            article_id = self.db.execute("SELECT id FROM articles WHERE url = ?", [key]).fetchone()[0]
            frontier.link_archived(self.db, link, article_id, fetched_at)
            self.tally.count("articles_unchanged")
            return "unchanged"
        if key != article.url:
            article = replace(article, url=key)
        try:
            result = self.archive.save_article(article, run_id=self.run_id, fetched_at=fetched_at, raw=raw, site=site)
        except NotHttpUrl as exc:
            return self._refused(link, exc)
        aliases.record(self.db, names, result.article_id, fetched_at)
        frontier.link_archived(self.db, link, result.article_id, fetched_at)
        self.tally.problems.extend(f"{article.url}: {problem}" for problem in result.problems)
        return result.outcome

    def save_capture(self, capture: dict, article: Article, raw: RawPage, site: str | None = None) -> str:
        """An article read from a web archive's capture (archive/operations/recovery.py), and the capture
        marked recovered in the same transaction: a killed recovery resumes after it."""
        try:
            result = recovery.save_capture(
                self.archive,
                article,
                captured_at=capture["captured_at"],
                raw_url=capture["raw_url"],
                run_id=self.run_id,
                raw=raw,
                site=site,
            )
        except NotHttpUrl as exc:
            return self._refused(capture["raw_url"], exc)
        recovery.capture_recovered(self.db, capture, result.outcome, result.article_id, self.run_id)
        self.tally.problems.extend(f"{capture['raw_url']}: {problem}" for problem in result.problems)
        return result.outcome

    def _refused(self, where: str, exc: NotHttpUrl) -> str:
        """An article the archive will not store (its URL is not http(s)): counted, named."""
        self.tally.errors[NOT_HTTP_URL] += 1
        self.tally.problems.append(f"{where}: article refused, {exc}")
        return "refused"

    def capture_not_article(self, capture: dict) -> None:
        """A capture at an article URL that turned out to be a static page: not fetched again."""
        recovery.capture_recovered(self.db, capture, "not_article", None, self.run_id)

    def save_walk(
        self, cdx_api: str, pattern: str, since: str | None, until: str | None, key: str | None, at: str
    ) -> None:
        recovery.save_walk(self.db, cdx_api, pattern, since, until, key, at)

    def store_image(self, src_url: str, body: bytes, status: int, fetched_at: str) -> None:
        """Write the file (in a thread: its fsyncs wait on the disk), its rows with the group of
        writes it belongs to, once the file is on disk (`settle_images`)."""
        written = self._files.submit(write_image, self.archive.images_dir, body)
        self._images_in_flight.append((written, src_url, status, fetched_at))

    def settle_images(self) -> None:
        """Rows for the image files written since the last call, in the order they were sent."""
        in_flight, self._images_in_flight = self._images_in_flight, []
        for written, src_url, status, fetched_at in in_flight:
            try:
                info = written.result()
            except NotAnImage:  # e.g. an HTML error page answered under the image's URL
                self._image_not_written(src_url, status, NOT_AN_IMAGE, fetched_at)
                continue
            except OSError as exc:
                logger.error("could not write the image of %s: %s", src_url, exc)
                self._image_not_written(src_url, status, WRITE_ERROR, fetched_at)
                continue
            self.archive.record_image(self.run_id, src_url, info, status=status, fetched_at=fetched_at)

    def image_failed(self, src_url: str, status: int | None, error: str, at: str) -> None:
        """A download that failed in the crawler (which counts it among its errors)."""
        self.archive.record_image_failure(src_url, status=status, error=error, at=at, run_id=self.run_id)

    def _image_not_written(self, src_url: str, status: int, error: str, at: str) -> None:
        self.image_failed(src_url, status, error, at)
        self.tally.errors[error] += 1

    # -- navigation ----------------------------------------------------------------------------

    def note_links(self, urls: list[str], at: str) -> None:
        frontier.note_links(self.db, urls, at)

    def link_failed(self, url: str, at: str) -> None:
        frontier.link_failed(self.db, url, at)

    def forget_links(self, urls: list[str]) -> None:
        frontier.forget_links(self.db, urls)

    def listing_crawled(self, listing_url: str, at: str) -> None:
        frontier.listing_crawled(self.db, listing_url, at)

    def listing_reached_end(self, listing_url: str, last_page: int, at: str) -> None:
        frontier.listing_reached_end(self.db, listing_url, last_page, at)

    # -- the run -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return dict(self.tally.counts)

    def sync_warc(self) -> None:
        if self.recorder is not None:
            self.recorder.sync()

    def close(self) -> runs.RunTally:
        """The run's tally here: its counts, the problems noticed while saving its articles, the errors met."""
        self.settle_images()
        self._files.shutdown()
        if self.recorder is not None:
            index = self.recorder.close()
            for path in self.recorder.closed_files:
                logger.info("WARC %s indexed in %s", path, cdxj_path(path))
            logger.info("WARC %s indexed in %s", self.recorder.path, index)
            self.recorder = None
        return self.tally


class _ForwardLogs(logging.Handler):
    """Log records of the writer process, sent to the crawler's logging."""

    def __init__(self, answers):
        super().__init__()
        self.answers = answers

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.answers.send(("log", record.name, record.levelno, self.format(record)))


def _serve(commands, answers, db_path: str, images_dir: str, run_id: int | None, crawler_pid: int) -> None:
    leave_with(crawler_pid, niceness=WRITER_NICENESS)
    root = logging.getLogger()
    root.handlers[:] = [_ForwardLogs(answers)]
    root.setLevel(logging.INFO)
    archive = Archive(db_path, images_dir)
    writes = Writes(archive, run_id)
    logger.info("archive writer (pid %d) writing %s", os.getpid(), db_path)
    conn = archive.db.conn
    applied, batch_started, total, waited = 0, 0.0, 0, 0.0
    while True:
        started = time.monotonic()
        size, batch = commands.get()
        waited += time.monotonic() - started
        if not conn.in_transaction:
            conn.execute("BEGIN")
            applied, batch_started = 0, time.monotonic()
        for number, name, args in batch:
            total += 1
            try:
                value, ok = getattr(writes, name)(*args), True
            except Exception as exc:  # one failed write must not stop the others
                value, ok = exc, False
                if not number:
                    logger.exception("archive writer: %s failed", name)
            applied += 1
            if name == "close":
                _commit(conn)  # close() synced and closed the WARC file
                archive.close()
                usage = resource.getrusage(resource.RUSAGE_SELF)
                logger.info(
                    "archive writer: %d writes, %.1f s of CPU, %.1f s waiting for work",
                    total,
                    usage.ru_utime + usage.ru_stime,
                    waited,
                )
            if number:
                counts = writes.counts()
                try:
                    answers.send(("answer", number, ok, value, counts))
                except Exception as exc:  # an unpicklable exception
                    answers.send(("answer", number, False, RuntimeError(f"{name}: {exc!r}"), counts))
            if name == "close":
                answers.close()
                return
        answers.send(("applied", size, writes.counts()))  # the counts also feed progress displays
        if applied >= BATCH_WRITES or time.monotonic() - batch_started > BATCH_SECONDS or commands.empty():
            # Image rows join the transaction once their files are on disk: no row ever names
            # a file a crash could lose.
            writes.settle_images()
            _commit(conn, writes)


def _commit(conn, writes: Writes | None = None) -> None:
    if writes is not None:
        # The WARC records the transaction's `captures` rows point to reach the disk first: a
        # crash can lose records without rows (the next run fetches again), never rows whose
        # record is gone.
        writes.sync_warc()
    if conn.in_transaction:  # an error can have rolled the whole transaction back already
        conn.execute("COMMIT")

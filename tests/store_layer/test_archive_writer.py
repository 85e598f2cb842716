"""archive/writer.py: the crawl's writer process applies writes in order, like Archive would.

Each test starts a real writer process (forkserver) on a real temporary archive.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive import writer as writer_module
from archive.captures.warc_writer import HttpExchange, new_record_id
from archive.lifeline import process_alive
from archive.record import RawPage
from archive.storage import frontier
from archive.storage.runs import RunTally
from archive.store import Archive
from archive.writer import ArchiveWriter, WriterDied, Writes

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-01T08:00:00Z"
WAIT = 20  # seconds: a generous bound; every answer below comes in well under one
LINK = "http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html"
RAW = "<html><head><title>Sơ kết</title></head><body><p>Ngày 13/7…</p></body></html>".encode()
# Tables a crawl's writes fill (crawl_runs is left out: its row is the run's, made by start_run).
CONTENT_TABLES = (
    "articles",
    "article_images",
    "images",
    "image_sources",
    "article_links",
    "raw_pages",
    "view_counts",
    "article_search",
    "fetch_log",
    "captures",
)


@pytest.fixture
def run(tmp_path):
    """(db path, images folder, run id) of a fresh archive with one run started."""
    db, images = tmp_path / "tnu.sqlite", tmp_path / "images"
    with Archive(db, images) as archive:
        run_id = archive.start_run(["http://tnu.edu.vn/"], {})
    return db, images, run_id


@pytest.fixture
def start(run):
    """start(schedule=None) -> an ArchiveWriter on `run`; whatever a test leaves running is ended."""
    started: list[ArchiveWriter] = []

    def make(schedule=None) -> ArchiveWriter:
        writer = ArchiveWriter(run[0], run[1], run[2], schedule=schedule)
        started.append(writer)
        return writer

    yield make
    for writer in started:
        if writer.died is None:
            with contextlib.suppress(WriterDied):
                writer.close(timeout=WAIT)
        if writer._process.is_alive():
            writer._process.kill()


def rows(db_path: Path, table: str) -> list[tuple]:
    """The table as the parent reads it from the file (committed rows only)."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()


def wait_for(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- order, and the same rows as Archive itself writes ---------------------------------------------


def test_writes_give_the_rows_and_counts_archive_gives(tmp_path, run, start, make_article, image_bytes):
    article = make_article()
    png = image_bytes("PNG", (30, 20), "blue")
    first_image = article.images[0].src_url

    writer = start()
    writer.store_image(first_image, png, 200, AT)
    writer.note_links([LINK, "http://tnu.edu.vn/con-cho-luu-tru-dn5002.html"], AT)
    writer.save_article(LINK, article, AT, RawPage.of(RAW, "utf-8"))
    tally = writer.close(timeout=WAIT)
    counts, problems, errors = tally.counts, tally.problems, tally.errors

    # The same writes, made directly in this process on an archive of its own.
    direct_db = tmp_path / "direct" / "tnu.sqlite"
    with Archive(direct_db, tmp_path / "direct" / "images") as direct:
        run_id = direct.start_run(["http://tnu.edu.vn/"], {})
        direct.store_image(run_id, first_image, png, status=200, fetched_at=AT)
        frontier.note_links(direct.db, [LINK, "http://tnu.edu.vn/con-cho-luu-tru-dn5002.html"], AT)
        result = direct.save_article(article, run_id=run_id, fetched_at=AT, raw_html=RAW, encoding="utf-8")
        frontier.link_archived(direct.db, LINK, result.article_id, AT)
        direct_counts = direct.run_counts(run_id)

    for table in CONTENT_TABLES:
        assert rows(run[0], table) == rows(direct_db, table), table
    assert rows(run[0], "articles") and len(rows(run[0], "article_links")) == 2
    # the image stored before the article is linked from it
    assert [r[3] for r in rows(run[0], "article_images")] == [hashlib.sha256(png).hexdigest(), None]
    assert counts == direct_counts
    assert (counts["articles_new"], counts["images_new"], counts["articles_changed"]) == (1, 1, 0)
    assert (problems, errors) == (list(result.problems), {})


def test_writes_apply_in_the_order_sent(run, start, make_article):
    # Saved twice with different titles: the row keeps the one sent last, and the first became a version.
    writer = start()
    writer.save_article(LINK, make_article(title="Bản đầu"), AT, RawPage.of(RAW, "utf-8"))
    writer.save_article(LINK, make_article(title="Bản sửa"), "2026-03-02T08:00:00Z", RawPage.of(RAW, "utf-8"))
    counts = writer.close(timeout=WAIT).counts
    with Archive(run[0], run[1]) as archive:
        assert archive.db.execute("SELECT title FROM articles").fetchall() == [("Bản sửa",)]
        assert archive.db.execute("SELECT title FROM article_versions").fetchall() == [("Bản đầu",)]
    assert (counts["articles_new"], counts["articles_changed"]) == (1, 1)


# -- fetch rows ------------------------------------------------------------------------------------


def _exchange(url: str, body: bytes, headers: list[tuple[str, str]] = []) -> HttpExchange:  # noqa: B006 - read only
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("Host", "tnu.edu.vn")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html; charset=utf-8"), *headers],
        body=body,
    )


def _fetch_row(url: str) -> dict:
    return {"url": url, "final_url": url, "kind": "page", "status": 200, "error": None, "fetched_at": AT}


def test_a_captured_fetch_takes_the_capture_digest_and_is_linked(tmp_path, run, start):
    body = b"<html><body>" + "Đại học Thái Nguyên ".encode() * 50 + b"</body></html>"
    record_id = new_record_id()
    writer = start()
    writer.open_warc(tmp_path / "warc", "run-test", {"spider": "news"})
    warc_path = tmp_path / "warc" / "run-test.warc.gz"  # the name the crawler chose
    writer.capture(7, _exchange(LINK, body), record_id)
    writer.fetch(_fetch_row(LINK), capture_token=7)  # the body is not sent twice
    counts = writer.close(timeout=WAIT).counts

    with Archive(run[0], run[1]) as archive:
        fetch = archive.db.execute("SELECT id, run_id, bytes, sha256 FROM fetch_log").fetchall()
        captures = archive.db.execute("SELECT record_id, fetch_id, warc_file FROM captures").fetchall()
    assert len(fetch) == 1
    fetch_id, run_id, size, sha256 = fetch[0]
    assert (run_id, size, sha256) == (run[2], len(body), hashlib.sha256(body).hexdigest())
    assert captures == [(record_id, fetch_id, Path(warc_path).name)]
    assert Path(warc_path).is_file() and counts["pages"] == 1


def test_a_fetch_without_capture_hashes_the_body_given(run, start):
    body = b"<html>plain</html>"
    writer = start()
    writer.fetch(_fetch_row(LINK), body)
    writer.fetch({**_fetch_row(LINK + "?x"), "status": None, "error": "timeout"})
    writer.close(timeout=WAIT)
    assert [(r[7], r[8]) for r in rows(run[0], "fetch_log")] == [
        (len(body), hashlib.sha256(body).hexdigest()),
        (None, None),
    ]
    assert rows(run[0], "captures") == []


def test_a_compressed_body_is_measured_as_read_whether_captured_or_not(tmp_path, run, start):
    # fetch_log describes the body the crawler read (raw_pages' bytes), not the gzip the server sent
    page = "<html><body>Tin tức Đại học Thái Nguyên</body></html>".encode() * 40
    sent = gzip.compress(page)
    writer = start()
    writer.open_warc(str(tmp_path / "warc"), "run-test", {"spider": "news"})
    writer.capture(3, _exchange(LINK, sent, [("Content-Encoding", "gzip")]), new_record_id())
    writer.fetch(_fetch_row(LINK), capture_token=3)
    writer.fetch(_fetch_row(LINK + "?n=2"), sent, codings=[("Content-Encoding", "gzip")])
    writer.close(timeout=WAIT)
    expected = (len(page), hashlib.sha256(page).hexdigest())
    assert [(r[7], r[8]) for r in rows(run[0], "fetch_log")] == [expected, expected]


# -- images ----------------------------------------------------------------------------------------


def test_an_image_file_lands_under_its_digest_with_its_rows(run, start, image_bytes):
    jpeg = image_bytes("JPEG", (40, 30), "green")
    sha = hashlib.sha256(jpeg).hexdigest()
    writer = start()
    writer.store_image("http://tnu.edu.vn/Uploads/a.jpg", jpeg, 200, AT)
    tally = writer.close(timeout=WAIT)
    counts, errors = tally.counts, tally.errors
    assert (run[1] / sha[:2] / f"{sha}.jpg").read_bytes() == jpeg
    assert [r[:6] for r in rows(run[0], "images")] == [(sha, f"{sha[:2]}/{sha}.jpg", "image/jpeg", 40, 30, len(jpeg))]
    assert [r[:4] for r in rows(run[0], "image_sources")] == [("http://tnu.edu.vn/Uploads/a.jpg", sha, 200, None)]
    assert (counts["images_new"], counts["images_failed"], errors) == (1, 0, {})


def test_bytes_that_are_no_image_are_an_error_of_the_writer(run, start):
    writer = start()
    writer.store_image("http://tnu.edu.vn/Uploads/b.jpg", b"<!DOCTYPE html><html>404</html>", 200, AT)
    tally = writer.close(timeout=WAIT)
    counts, errors = tally.counts, tally.errors
    assert [r[:4] for r in rows(run[0], "image_sources")] == [
        ("http://tnu.edu.vn/Uploads/b.jpg", None, 200, "not_an_image")
    ]
    assert rows(run[0], "images") == [] and not any(p.is_file() for p in run[1].rglob("*"))
    assert errors == {"not_an_image": 1}
    assert counts["images_failed"] == 1


def test_a_crawler_side_image_failure_is_recorded_not_counted_as_a_writer_error(run, start):
    writer = start()
    writer.image_failed("http://tnu.edu.vn/Uploads/c.jpg", 404, "http_404", AT)
    tally = writer.close(timeout=WAIT)
    counts, errors = tally.counts, tally.errors
    assert [r[:4] for r in rows(run[0], "image_sources")] == [
        ("http://tnu.edu.vn/Uploads/c.jpg", None, 404, "http_404")
    ]
    assert errors == {}  # the crawler counts its own failures
    assert counts["images_failed"] == 1


# -- batching --------------------------------------------------------------------------------------


def test_scheduled_sends_wait_for_the_scheduled_flush(run, start):
    callbacks: list = []
    writer = start(schedule=callbacks.append)
    writer.caught_up().result(WAIT)  # the process is up and idle: anything handed over applies at once
    writer.note_links(["http://tnu.edu.vn/a-dn1.html"], AT)
    writer.note_links(["http://tnu.edu.vn/b-dn2.html"], AT)
    assert len(callbacks) == 1  # one flush scheduled for the whole group
    time.sleep(0.5)
    assert rows(run[0], "article_links") == []  # nothing went over
    callbacks.pop()()
    assert wait_for(lambda: len(rows(run[0], "article_links")) == 2)
    assert [r[0] for r in rows(run[0], "article_links")] == [
        "http://tnu.edu.vn/a-dn1.html",
        "http://tnu.edu.vn/b-dn2.html",
    ]
    writer.note_links(["http://tnu.edu.vn/c-dn3.html"], AT)
    assert len(callbacks) == 1  # the next group has a flush of its own


def test_a_call_takes_the_buffered_sends_along(run, start, make_article):
    callbacks: list = []
    writer = start(schedule=callbacks.append)
    writer.save_article(LINK, make_article(), AT, RawPage.of(RAW, "utf-8"))
    answer = writer.caught_up().result(WAIT)  # the scheduled flush has not run
    assert answer["articles_new"] == 1 and writer.counts == answer
    for callback in callbacks:  # runs late, with nothing left to hand over
        callback()
    counts = writer.close(timeout=WAIT).counts
    assert counts["articles_new"] == 1 and len(rows(run[0], "articles")) == 1


# -- failures --------------------------------------------------------------------------------------


def test_a_failed_send_is_logged_and_later_writes_apply(run, start, caplog):
    caplog.set_level(logging.INFO)
    writer = start()
    writer._send(no_such_write, 1)
    writer.note_links(None, AT)  # not a list: fails in the writer
    writer.note_links(["http://tnu.edu.vn/d-dn4.html"], AT)
    writer.close(timeout=WAIT)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "archive.writer"]
    assert len(failures) == 2, caplog.text
    assert "archive writer: no_such_write failed" in failures[0].getMessage()
    assert "AttributeError" in failures[0].getMessage()  # the child's traceback travels along
    assert "archive writer: note_links failed" in failures[1].getMessage()
    assert "TypeError" in failures[1].getMessage()
    assert [r[0] for r in rows(run[0], "article_links")] == ["http://tnu.edu.vn/d-dn4.html"]


def no_such_write(*args) -> None:
    """A write the writer process does not know: what a caller of an older or newer writer sends."""


def test_a_failed_call_returns_its_exception_unlogged(run, start, caplog):
    writer = start()
    future = writer._call(Writes.save_article, LINK)  # missing arguments
    assert isinstance(future.exception(WAIT), TypeError)
    assert isinstance(writer._call(no_such_write).exception(WAIT), AttributeError)
    assert writer.is_archived(LINK).result(WAIT) is False  # the writer goes on
    writer.close(timeout=WAIT)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the caller has it


def _close_in_thread(writer: ArchiveWriter, wait: float) -> tuple[bool, list]:
    """(whether close() came back within `wait` seconds, [what it raised or None])."""
    outcome: list = []

    def close() -> None:
        try:
            writer.close(timeout=wait)
        except BaseException as exc:  # noqa: BLE001 - the test wants whatever close raised
            outcome.append(exc)
        else:
            outcome.append(None)

    closing = threading.Thread(target=close, daemon=True)  # daemon: a hung close cannot hold up pytest
    closing.start()
    closing.join(wait)
    return not closing.is_alive(), outcome


def _stopped_with_an_answer_outstanding(writer: ArchiveWriter, *sends: tuple):
    writer.caught_up().result(WAIT)
    os.kill(writer._process.pid, signal.SIGSTOP)  # stopped: the next answer is certain to be outstanding
    for write, *args in sends:
        write(*args)
    pending = writer.caught_up()
    assert not pending.done()
    return pending


def test_a_killed_writer_fails_its_futures_and_close(start):
    writer = start()
    pending = _stopped_with_an_answer_outstanding(writer, (writer.note_links, [LINK], AT))
    os.kill(writer._process.pid, signal.SIGKILL)
    with pytest.raises(WriterDied):
        pending.result(WAIT)
    assert "exit code -9" in writer.died
    writer.note_links([LINK], AT)  # dropped: the run is being stopped
    assert writer.lost == 1
    assert isinstance(writer.caught_up().exception(0), WriterDied)
    returned, outcome = _close_in_thread(writer, WAIT)
    assert returned, "close() hung after the writer was killed"
    assert isinstance(outcome[0], WriterDied)


def test_a_writer_killed_with_a_page_in_the_pipe_does_not_hang_close(start):
    writer = start()
    # A page's body is more than a pipe holds (64 KiB): the queue's feeder is left mid-write.
    big = [(writer.fetch, _fetch_row(f"{LINK}?n={n}"), os.urandom(100_000)) for n in range(2)]
    pending = _stopped_with_an_answer_outstanding(writer, *big)
    os.kill(writer._process.pid, signal.SIGKILL)
    with pytest.raises(WriterDied):
        pending.result(WAIT)
    returned, outcome = _close_in_thread(writer, WAIT)
    assert returned, "close() hung after the writer was killed"
    assert isinstance(outcome[0], WriterDied)


def test_the_writer_leaves_when_the_crawler_is_killed(run):
    # A crawler killed outright must not leave its writer waiting for work forever.
    script = (
        "import os, sys\n"
        "from archive.writer import ArchiveWriter\n"
        "writer = ArchiveWriter(sys.argv[1], sys.argv[2], int(sys.argv[3]))\n"
        "writer.caught_up().result(30)\n"
        "print(writer._process.pid, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(run[0]), str(run[1]), str(run[2])],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pid = int(done.stdout.split()[0])
    assert wait_for(lambda: not process_alive(pid), timeout=10), f"writer {pid} outlived its crawler"


def test_the_crawl_waits_while_too_many_bytes_are_not_yet_written(run, start, monkeypatch):
    # A writer slower than the crawl must not make the crawler hold every page in memory:
    # flush() returns only once what is handed over and not yet applied is under the cap.
    # A cap below one body: flush() must wait for every batch to be applied before it returns.
    monkeypatch.setattr(writer_module, "MAX_BYTES_IN_FLIGHT", 100_000)
    writer = start()
    bodies = [os.urandom(300_000) for _ in range(12)]
    for n, body in enumerate(bodies):
        writer.fetch(_fetch_row(f"{LINK}?n={n}"), body)
        writer.flush()
        assert writer._in_flight <= 100_000
    writer.close()
    rows = sqlite3.connect(run[0]).execute("SELECT bytes, sha256 FROM fetch_log ORDER BY id").fetchall()
    assert rows == [(len(b), hashlib.sha256(b).hexdigest()) for b in bodies]


def test_the_counts_follow_the_writes_without_being_asked(start, make_article):
    # Progress displays read writer.counts during a crawl that only sends: the writer reports
    # them after each group it applied, not only with answers.
    writer = start()
    writer.save_article(LINK, make_article(), AT, RawPage.of(RAW, "utf-8"))
    writer.flush()
    assert wait_for(lambda: writer.counts["articles_new"] == 1, timeout=WAIT)
    writer.close()


def test_the_writer_keeps_the_runs_tally(run, make_article):
    # The crawler's one tally: the writer's counts land in it as it writes, its errors and
    # problems join the crawler's own at close.
    tally = RunTally()
    tally.errors["timeout"] = 2
    tally.problems.append("crawler: a page failed")
    writer = ArchiveWriter(run[0], run[1], run[2], tally=tally)
    writer.save_article(LINK, make_article(), AT, RawPage.of(RAW, "utf-8"))
    writer.store_image("http://tnu.edu.vn/Uploads/b.jpg", b"<html>404</html>", 200, AT)
    writer.flush()
    assert wait_for(lambda: tally.counts["articles_new"] == 1, timeout=WAIT)
    assert writer.close(timeout=WAIT) is tally
    assert (tally.counts["articles_new"], tally.counts["images_failed"]) == (1, 1)
    assert tally.errors == {"timeout": 2, "not_an_image": 1}
    assert tally.problems[0] == "crawler: a page failed"


def test_the_warc_is_on_disk_before_the_rows_pointing_into_it_are_committed(tmp_path, run, monkeypatch):
    """A power cut after the commit must not leave `captures` rows whose record was still in
    the page cache: the writer's commit fsyncs the WARC file first."""
    db_path, images, run_id = run
    archive = Archive(db_path, images)
    writes = writer_module.Writes(archive, run_id)
    writes.open_warc(str(tmp_path / "warc"), "run-test", {})
    conn = archive.db.conn
    conn.execute("BEGIN")
    writes.capture(1, _exchange(LINK, b"<html>one</html>"), new_record_id())
    warc_fd = writes.recorder._file.fileno()
    seen: list[int] = []  # captures rows another reader saw committed when the WARC was synced
    real_fsync = os.fsync

    def watching_fsync(fd: int) -> None:
        if fd == warc_fd:
            with sqlite3.connect(db_path) as other:
                seen.append(other.execute("SELECT count(*) FROM captures").fetchone()[0])
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    writer_module._commit(conn, writes)
    monkeypatch.setattr(os, "fsync", real_fsync)
    with sqlite3.connect(db_path) as other:
        committed = other.execute("SELECT count(*) FROM captures").fetchone()[0]
    writes.close()
    archive.close()
    assert seen == [0] and committed == 1


@pytest.mark.parametrize(
    "url",
    [
        "javascript:/a-dn1.html?/;alert(document.domain)//",
        "data:text/html,<script>alert(1)</script>/b-dn2.html",
        "http:/c-dn3.html",  # no host
        "//tnu.edu.vn/d-dn4.html",  # no scheme
    ],
)
def test_an_article_whose_url_is_not_http_is_refused_counted_and_named(run, make_article, url):
    # Recovery reads only http(s) captures (crawler/spiders/recover.py); the writer refuses the
    # rest whoever sends it, as a crawl's writes or a recovery's, and the run goes on.
    tally = RunTally()
    writer = ArchiveWriter(run[0], run[1], run[2], tally=tally)
    capture = {
        "url": url,
        "timestamp": "20200901030000",
        "digest": "AAAA",
        "captured_at": "2020-09-01T03:00:00Z",
        "raw_url": f"http://127.0.0.1:1/web/20200901030000id_/{url}",
    }
    writer.save_capture(capture, make_article(url=url), RawPage.of(RAW, "utf-8"))
    writer.save_article(url, make_article(url=url), AT, RawPage.of(RAW, "utf-8"))
    writer.save_article(LINK, make_article(), AT, RawPage.of(RAW, "utf-8"))  # and the next one is stored
    assert writer.close(timeout=WAIT) is tally
    assert rows(run[0], "articles")[0][1] == LINK and len(rows(run[0], "articles")) == 1
    assert rows(run[0], "recovered_captures") == []
    assert tally.errors == {"not_http_url": 2}
    assert [p.split(": article refused, ")[0] for p in tally.problems] == [capture["raw_url"], url]
    assert all("not an http(s) URL" in p for p in tally.problems)
    with Archive(run[0], run[1]) as archive, pytest.raises(ValueError, match="not an http"):
        archive.save_article(make_article(url=url), run_id=None, fetched_at=AT)

"""Extraction in a worker process: same result as in-process, errors and a dead worker surface."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zlib
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from archive.lifeline import process_alive
from crawler.extract import extract_article
from crawler.operations.extract_pool import ExtractPool
from crawler.replica.server import file_for

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "site"
ORIGIN = "http://127.0.0.1:8000"
ARTICLE_PATHS = sorted(json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"])


def page_bytes(path: str) -> bytes:
    return (SITE / "www" / file_for(path)).read_bytes().replace(b"{{ORIGIN}}", ORIGIN.encode())


def page_url(path: str) -> str:
    return ORIGIN + path


@pytest.fixture
def pool():
    pool = ExtractPool(workers=1)
    yield pool
    pool.close()


def test_the_worker_extracts_what_the_function_does(pool):
    path = ARTICLE_PATHS[0]
    article, raw, generic = asyncio.run(pool.extract(page_bytes(path), page_url(path), "utf-8"))
    assert article == extract_article(page_bytes(path), page_url(path), encoding="utf-8")
    assert not generic  # a known layout
    assert article.is_article
    # the page as raw_pages keeps it: its bytes compressed, their digest, the declared encoding
    assert zlib.decompress(raw.compressed) == page_bytes(path)
    assert (raw.sha256, raw.encoding) == (hashlib.sha256(page_bytes(path)).hexdigest(), "utf-8")


def test_an_extraction_error_reaches_the_caller(pool):
    with pytest.raises(TypeError):
        asyncio.run(pool.extract(12345, "http://127.0.0.1:8000/tin/a.html", None))  # type: ignore[arg-type]


def test_a_dead_worker_costs_its_page_only(pool):
    path = ARTICLE_PATHS[0]

    async def go():
        await pool.extract(page_bytes(path), page_url(path), None)  # the worker is up
        for pid in pool.worker_pids():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await pool.extract(page_bytes(path), page_url(path), None)
        return await pool.extract(page_bytes(path), page_url(path), None)

    assert asyncio.run(go())[0].is_article


def test_a_worker_that_died_idle_is_replaced(pool):
    """Its pool is found broken by the next page's submit: that page fails, the next is read (the
    broken pool was kept, and every later page of the run failed)."""
    path = ARTICLE_PATHS[0]

    async def go():
        await pool.extract(page_bytes(path), page_url(path), None)
        pids = pool.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30  # a bound: the pool marks itself broken once it sees the death
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if not any(process_alive(pid) for pid in pids):
                break
        await asyncio.sleep(0.5)  # the pool's own thread notices the death
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append((await pool.extract(page_bytes(path), page_url(path), None))[0].is_article)
            except BrokenProcessPool:
                outcomes.append("broken")
        return outcomes

    outcomes = asyncio.run(go())
    assert outcomes[-2:] == [True, True], outcomes


def test_the_worker_leaves_when_the_crawler_is_killed(tmp_path):
    # A crawler process killed outright must not leave its extraction worker behind.
    script = (
        "import asyncio, os, sys\n"
        "from crawler.operations.extract_pool import ExtractPool\n"
        "pool = ExtractPool(workers=1)\n"
        "asyncio.run(pool.extract(b'<html></html>', 'http://127.0.0.1:8000/tin/a.html', None))\n"
        "print(*pool.worker_pids(), flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert workers
    deadline = time.monotonic() + 60  # a bound, not a measure: they are usually gone at once
    while any(process_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_alive(pid) for pid in workers)


def test_the_worker_says_when_generic_rules_alone_read_the_page(pool):
    from pathlib import Path

    page = (Path(__file__).parent / "extract" / "pages" / "new-layout.html").read_bytes()
    article, _, generic = asyncio.run(pool.extract(page, "http://127.0.0.1:8000/bai/ktx", None))
    assert article.is_article and generic


# --- the time limit (issue 25, point 7) ---------------------------------------------------------

sys.path.insert(0, str(ROOT))
from benchmarks.cardpage import card_page  # noqa: E402

# Read in ~25 s (more on a busy machine): far past the limits below, on any machine.
SLOW_PAGE = card_page(8 * 1024 * 1024)
SLOW_URL = "http://127.0.0.1:8000/chuyen-muc/tin-tuc"
# Far below the 8 MB page's reading (tens of seconds), far above a normal page's on a busy machine
# (one took over 2 s with two test processes at load 9-11, its worker starting)
LIMIT = 5.0


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 30  # a bound, not a measure: a killed process is reaped at once
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(process_alive(pid) for pid in pids)


def test_a_page_past_the_limit_stops_its_worker_and_the_next_page_is_read():
    from crawler.operations.extract_pool import ExtractTimeout

    pool = ExtractPool(workers=1, time_limit=LIMIT)
    path = ARTICLE_PATHS[0]

    async def go():
        await pool.extract(page_bytes(path), page_url(path), None)  # the worker is up
        before = pool.worker_pids()
        with pytest.raises(ExtractTimeout) as stopped:
            await pool.extract(SLOW_PAGE, SLOW_URL, "utf-8")
        assert stopped.value.seconds == LIMIT
        assert _gone(before)  # killed, not left computing beside the crawl
        article, _, _ = await pool.extract(page_bytes(path), page_url(path), None)
        assert pool.worker_pids() and set(pool.worker_pids()).isdisjoint(before)  # a fresh one
        return article

    try:
        assert asyncio.run(go()).is_article
    finally:
        pool.close()


def test_the_limit_counts_a_page_s_own_time_not_its_wait_for_a_worker():
    """One worker: the second page waits the whole limit behind the first, then is read in
    milliseconds; and with two workers, the page beside the stopped one is not disturbed."""
    from crawler.operations.extract_pool import ExtractTimeout

    path = ARTICLE_PATHS[0]

    async def go(pool: ExtractPool) -> list:
        slow = asyncio.ensure_future(pool.extract(SLOW_PAGE, SLOW_URL, "utf-8"))
        await asyncio.sleep(0)  # the slow page takes a worker first
        others = (pool.extract(page_bytes(path), page_url(path), None) for _ in range(3))
        return await asyncio.gather(slow, *others, return_exceptions=True)

    for workers in (1, 2):
        pool = ExtractPool(workers=workers, time_limit=LIMIT)
        try:
            slow, *others = asyncio.run(go(pool))
        finally:
            pool.close()
        assert isinstance(slow, ExtractTimeout), (workers, slow)
        assert all(not isinstance(r, BaseException) and r[0].is_article for r in others), (workers, others)


def test_timed_extraction_stops_a_page_past_its_limit_from_synchronous_code():
    """What reparse and probe use: a page past the limit raises ExtractTimeout (a TimeoutError,
    which reparse counts without importing the crawler), its worker is killed, the next page is
    read as extract_article reads it in this process; without a limit no worker is started."""
    from functools import partial

    from crawler.operations.extract_pool import ExtractTimeout, TimedExtraction

    path = ARTICLE_PATHS[0]
    with TimedExtraction(LIMIT) as timed:
        with pytest.raises(ExtractTimeout) as stopped:
            timed.run(partial(extract_article, encoding="utf-8"), SLOW_PAGE, SLOW_URL)
        assert isinstance(stopped.value, TimeoutError) and stopped.value.seconds == LIMIT
        article = timed.run(partial(extract_article, encoding="utf-8"), page_bytes(path), page_url(path))
        assert article == extract_article(page_bytes(path), page_url(path), encoding="utf-8")
        workers = timed.worker_pids()
        assert workers and os.getpid() not in workers
    assert _gone(workers)  # closed: no worker left behind
    with TimedExtraction(0) as untimed:
        assert untimed.run(partial(extract_article, encoding="utf-8"), page_bytes(path), page_url(path)) == article
        assert untimed.worker_pids() == []

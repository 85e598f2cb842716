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

from archive.runs import process_alive
from crawler.extract import extract_article
from crawler.extract_pool import ExtractPool
from crawler.replica import file_for

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
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await pool.extract(page_bytes(path), page_url(path), None)
        return await pool.extract(page_bytes(path), page_url(path), None)

    assert asyncio.run(go())[0].is_article


def test_the_worker_leaves_when_the_crawler_is_killed(tmp_path):
    # A crawler process killed outright must not leave its extraction worker behind.
    script = (
        "import asyncio, os, sys\n"
        "from crawler.extract_pool import ExtractPool\n"
        "pool = ExtractPool(workers=1)\n"
        "asyncio.run(pool.extract(b'<html></html>', 'http://127.0.0.1:8000/tin/a.html', None))\n"
        "print(*pool._executor._processes, flush=True)\n"
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

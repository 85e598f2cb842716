"""`make replay`: pywb in an environment of its own, serving the demo's captures at the URLs
docs/captures.md gives.

pywb pulls in brotlipy, whose `brotli` module breaks Scrapy's decoding of `br` responses, so the
recipe must never install anything into the project's .venv. The replay itself runs the real
target, with the pywb this suite already has standing in for .venv-replay's (no download in a
test), over a real demo crawl.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CAPTURES_DOC = ROOT / "docs" / "captures.md"
BIN = Path(sys.executable).parent
DOC_REPLAY_PORT, DOC_DEMO_PORT = 8080, 8471

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def documented_demo_urls() -> list[str]:
    """The replay URLs docs/captures.md gives for the demo's captures."""
    text = CAPTURES_DOC.read_text(encoding="utf-8")
    return re.findall(rf"`(http://127\.0\.0\.1:{DOC_REPLAY_PORT}/tnu/[^`]*127\.0\.0\.1:{DOC_DEMO_PORT}/[^`]*)`", text)


@needs_make
def test_replay_installs_pywb_into_its_own_environment_only(tmp_path):
    venv = tmp_path / "replay-venv"
    plan = subprocess.run(
        ["make", "-n", "replay", f"REPLAY_VENV={venv}", f"REPLAY_WARC={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in plan.splitlines() if "pip" in line]
    assert any("pywb" in line for line in installs), plan
    assert all(line.startswith(f"{venv}/bin/pip ") for line in installs), plan
    assert ".venv/" not in plan.replace(str(venv), "<replay>"), plan
    assert f"{venv}/bin/wayback" in plan and "-b 127.0.0.1" in plan


@needs_make
def test_replay_refuses_a_missing_warc_folder_in_one_line(tmp_path):
    venv = tmp_path / "replay-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()
    result = subprocess.run(
        ["make", "--no-print-directory", "replay", f"REPLAY_VENV={venv}", f"REPLAY_WARC={tmp_path / 'nowhere'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no WARC folder at" in result.stderr and "make demo" in result.stderr


def test_scrapy_still_decodes_brotli_in_the_project_environment():
    """What pywb's brotlipy broke when it was installed into .venv."""
    brotli = pytest.importorskip("brotli")
    from scrapy import Spider  # noqa: PLC0415
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware  # noqa: PLC0415
    from scrapy.http import Request, Response  # noqa: PLC0415
    from scrapy.utils.test import get_crawler  # noqa: PLC0415

    crawler = get_crawler(Spider)
    crawler.spider = Spider("replay")
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    body = "Đại học Thái Nguyên ".encode() * 100
    request = Request("http://127.0.0.1/")
    response = Response(
        "http://127.0.0.1/",
        body=brotli.compress(body),
        request=request,
        headers={"Content-Encoding": "br", "Content-Type": "text/html"},
    )
    assert middleware.process_response(request, response).body == body


@pytest.fixture(scope="module")
def demo_warc(tmp_path_factory) -> tuple[Path, int]:
    """A real demo crawl (free ports), its WARC folder and the port its captures name."""
    root = tmp_path_factory.mktemp("demo")
    db = root / "tnu.sqlite"
    subprocess.run(
        [
            str(BIN / "tnu-archive"),
            "demo",
            "--db",
            str(db),
            "--images-dir",
            str(root / "images"),
            "--port",
            "0",
            "--quiet",
        ],
        check=True,
        timeout=300,
        cwd=root,
    )
    with sqlite3.connect(db) as conn:
        (url,) = conn.execute("SELECT url FROM articles LIMIT 1").fetchone()
    return root / "warc", urlsplit(url).port


@needs_make
def test_the_documented_demo_urls_replay(tmp_path, demo_warc):
    if not (BIN / "wayback").exists():
        pytest.skip("pywb is not installed in this environment")
    warc_dir, demo_port = demo_warc
    venv = tmp_path / "replay-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "wayback").symlink_to(BIN / "wayback")
    (venv / ".installed").touch()  # make's stamp: nothing to install
    port = free_port()
    # make and the server write the log through their own copies of the descriptor: ours can close at once.
    with open(tmp_path / "replay.log", "wb") as log:
        proc = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "replay",
                f"REPLAY_VENV={venv}",
                f"REPLAY_WARC={warc_dir}",
                f"REPLAY_PORT={port}",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "replay.log").read_text(errors="replace"))
                time.sleep(0.2)
        urls = documented_demo_urls()
        assert len(urls) >= 4, urls
        pages = {}
        for url in urls:
            url = url.replace(f":{DOC_REPLAY_PORT}/", f":{port}/").replace(f":{DOC_DEMO_PORT}/", f":{demo_port}/")
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200, url
                pages[url] = response.read().decode("utf-8", errors="replace")
        (article,) = [body for url, body in pages.items() if "/mp_/" in url]
        assert "<title>Đại học Thái Nguyên có 5 đề tài được Quỹ NAFOSTED tài trợ năm 2021" in article
        (index,) = [body for url, body in pages.items() if "/cdx?" in url]
        assert index.count('"status": "200"') >= 15
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

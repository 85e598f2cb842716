"""Replay of the crawls in pywb, over the WARC folder and its CDXJ indexes as the crawler left them.

The loopback site is already shut down: every byte served here comes from the archive. The
latest capture of each page is a revisit (second crawl), so replay also proves that pywb finds
the bytes in the first crawl's file through our indexes.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from warc_site import LOGO, PHOTO
from warc_support import BIN

pytest.importorskip("pywb", reason="pywb is not installed (pip install pywb)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def wayback(crawls, tmp_path_factory):
    root = tmp_path_factory.mktemp("pywb")
    # A collection over the crawler's own folder: no copy, no re-indexing.
    (root / "config.yaml").write_text(
        f"collections:\n  tnu:\n    index_paths: {crawls.warc_dir}/\n    archive_paths: {crawls.warc_dir}/\n",
        encoding="utf-8",
    )
    port = free_port()
    # The server writes its log through its own copy of the descriptor: ours can close at once.
    with open(root / "wayback.log", "wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=root, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}/tnu"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((root / "wayback.log").read_text(errors="replace")) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_an_archived_article_replays_with_its_title_and_image(crawls, wayback):
    status, mime, body = fetch(f"{wayback}/mp_/{crawls.url('/tin/a.html')}")
    html = body.decode("utf-8")
    assert status == 200 and mime.startswith("text/html")
    assert "<title>Hội nghị sơ kết công tác tuyên giáo</title>" in html
    # pywb rewrites the image link to point into the archive; follow it there.
    (src,) = re.findall(r'<img src="([^"]+)"', html)
    assert src.startswith("/tnu/") and src.endswith(crawls.url("/img/anh.png"))
    status, mime, image = fetch(wayback.removesuffix("/tnu") + src)
    assert (status, mime, image) == (200, "image/png", PHOTO)


def test_gzip_page_redirect_and_home_replay(crawls, wayback):
    assert "<title>Bài viết nén gzip</title>" in fetch(f"{wayback}/mp_/{crawls.url('/tin/nen.html')}")[2].decode(
        "utf-8"
    )
    # The archived 301 is replayed and followed to the archived target.
    assert "<title>Bài đã chuyển</title>" in fetch(f"{wayback}/mp_/{crawls.url('/tin/cu')}")[2].decode("utf-8")
    assert fetch(f"{wayback}/im_/{crawls.url('/img/logo.png')}")[2] == LOGO

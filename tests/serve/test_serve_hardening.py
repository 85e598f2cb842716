"""`serve` against hostile content and hostile origins (issue 15): archived SVG cannot run
script on the archive's origin; a foreign Host header (DNS rebinding) is refused."""

from __future__ import annotations

import http.client
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from serve_archive import build_archive
from serve_process import Server, serve_command, start_server, stop_server

from archive.store import Archive

SVG_URL = "https://tnu.edu.vn/Uploads/news/logo.svg"
# What a hostile site can serve under an image URL: the script would mark the page if it ran.
HOSTILE_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<rect width="100" height="100" fill="red"/>'
    b"<script>document.title = 'pwned'; fetch('/tnu.json');</script></svg>"
)
CSP = "sandbox; default-src 'none'"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    root = tmp_path_factory.mktemp("hostile")
    built = build_archive(root / "archive")
    with Archive(built.db_path, built.images_dir) as archive:
        info, _ = archive.store_image(None, SVG_URL, HOSTILE_SVG, status=200, fetched_at="2026-01-01T00:00:00Z")
    server = start_server(built, root / "serve.log")
    yield server, info.path
    stop_server(server)


def request(server: Server, path: str, host: str | None) -> tuple[int, dict[str, str], bytes]:
    """GET with exactly this Host header (None: the server's own address)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host if host is not None else parts.netloc)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_every_answer_from_the_images_folder_is_sandboxed(hostile):
    server, svg_path = hostile
    png = server.json("/tnu/images.json?_shape=array&mime=image/png")[0]["path"]
    for path in (f"/images/{svg_path}", f"/images/{png}", "/images/00/missing.jpg"):
        status, headers, body = request(server, path, None)
        assert headers.get("content-security-policy") == CSP, (path, status, headers)
        assert headers.get("x-content-type-options") == "nosniff", path
    status, headers, body = request(server, f"/images/{svg_path}", None)
    assert status == 200 and body == HOSTILE_SVG  # still the bytes as archived
    # The archive's own pages are not sandboxed (they need their scripts).
    _, headers, _ = request(server, "/tnu", None)
    assert "content-security-policy" not in headers


def test_an_archived_svg_runs_no_script_when_opened(hostile, browser):
    server, svg_path = hostile
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/images/{svg_path}")
        page.wait_for_timeout(300)
        assert page.title() != "pwned"
        assert page.evaluate("() => { try { return document.title } catch (e) { return 'blocked' } }") != "pwned"
    finally:
        page.close()


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "attacker.example:8001",
        "127.0.0.1.attacker.example",
        "tnu.edu.vn",
        "",
    ],
)
def test_a_foreign_host_name_is_refused(served, host):
    status, _, body = request(served, "/tnu/articles.json", host)
    assert status == 421, (host, status)
    assert "Đại học".encode() not in body and b"tnu.edu.vn/" not in body


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "[::1]", "archive.localhost"])
def test_loopback_names_and_addresses_are_answered(served, host):
    port = urlsplit(served.url).port
    for header in (host, f"{host}:{port}"):
        status, _, _ = request(served, "/tnu/articles.json", header)
        assert status == 200, header


def test_allow_host_adds_a_name(tmp_path):
    built = build_archive(tmp_path / "archive")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(
                "serve",
                "--db",
                str(built.db_path),
                "--images-dir",
                str(built.images_dir),
                "--port",
                "0",
                "--allow-host",
                "archive.example.org",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = _wait_for_address(process, log, built)
    try:
        assert request(server, "/tnu.json", "archive.example.org")[0] == 200
        assert request(server, "/tnu.json", "other.example.org")[0] == 421
    finally:
        stop_server(server)


def test_listening_beyond_loopback_warns_that_everything_is_readable(tmp_path):
    built = build_archive(tmp_path / "archive")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(
                "serve",
                "--db",
                str(built.db_path),
                "--images-dir",
                str(built.images_dir),
                "--host",
                "0.0.0.0",
                "--port",
                "0",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = _wait_for_address(process, log, built)
    try:
        text = log.read_text()
        assert "warning: listening on 0.0.0.0, not on loopback" in text
        assert "the whole database, raw pages included" in text
    finally:
        stop_server(server)
    # The default stays quiet.
    from archive.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.10")


def _wait_for_address(process: subprocess.Popen, log: Path, built) -> Server:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if " on http://" in line:
                port = line.rsplit(":", 1)[1].strip().rstrip("/")
                return Server(f"http://127.0.0.1:{port}", built, process, log)
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        time.sleep(0.05)
    process.kill()
    raise AssertionError(log.read_text())

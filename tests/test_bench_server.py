"""The benchmark's replica server (benchmarks/serve.py) answers exactly what crawler.replica.server's
server answers, over keep-alive and pipelined connections, from the bundled replica."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from http.client import HTTPConnection
from pathlib import Path

import pytest

from crawler.replica.server import DEFAULT_SITE_DIR, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
ROUTES = json.loads((DEFAULT_SITE_DIR / "routes.json").read_text(encoding="utf-8"))
REDIRECT = next(iter(ROUTES["redirects"]))
FAIL_ONCE = next(iter(ROUTES["fail_once"]))
EXPECTED = json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fast():
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve", "--site-dir", str(DEFAULT_SITE_DIR)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)/\s+\(other host: (http://\S+)/\)", line)
    assert match, line
    yield match.group(1), match.group(2)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def reference():
    with ReplicaServer() as server:
        yield server


def fetch(origin: str, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = origin.removeprefix("http://").split(":")
    conn = HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, target)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def same_origins(body: bytes, origin: str, other: str) -> bytes:
    return body.replace(origin.encode(), b"ORIGIN").replace(other.encode(), b"OTHER")


def targets() -> list[str]:
    pages = [re.sub(r"^https?://[^/]+", "", url) for url in list(EXPECTED["articles"])[:5]]
    return ["/", "/robots.txt", "/no-such-page.html", REDIRECT, *pages]


def test_every_answer_is_the_replicas(fast, reference):
    origin, other = fast
    for target in targets():
        for method in ("GET", "HEAD"):
            got = fetch(origin, target, method)
            want = fetch(reference.origin, target, method)
            assert got[0] == want[0], (method, target)
            for name in ("content-type", "content-length", "location"):
                assert (got[1].get(name) or "").replace(origin, "ORIGIN") == (want[1].get(name) or "").replace(
                    reference.origin, "ORIGIN"
                ), (method, target, name)
            assert same_origins(got[2], origin, other) == same_origins(
                want[2], reference.origin, reference.other_origin
            )


def test_the_other_host_serves_its_files(fast, reference):
    origin, other = fast
    for target in ("/photos/2026/02/ky-ket-hop-tac-kyushu.jpg", "/tin-tuc-su-kien/bai-viet-tren-trang-khac.html"):
        got, want = fetch(other, target), fetch(reference.other_origin, target)
        assert got[0] == want[0] == 200
        assert got[1]["content-type"] == want[1]["content-type"]
        assert same_origins(got[2], origin, other) == same_origins(want[2], reference.origin, reference.other_origin)


def test_a_fail_once_route_fails_once_then_serves(fast):
    origin, _ = fast
    assert fetch(origin, FAIL_ONCE)[0] == 500
    assert fetch(origin, FAIL_ONCE)[0] == 200


def test_keep_alive_and_pipelined_requests(fast):
    origin, _ = fast
    host, port = origin.removeprefix("http://").split(":")
    wanted = ["/", "/robots.txt", "/no-such-page.html"]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # three requests in one write: three complete responses, in order, on one connection
        sock.sendall(b"".join(f"GET {t} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode() for t in wanted))
        data = b""
        statuses: list[int] = []
        while len(statuses) < len(wanted):
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {statuses}"
            data += chunk
            while True:
                end = data.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = data[:end].decode("latin-1")
                length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
                if len(data) < end + 4 + length:
                    break
                statuses.append(int(head.split(" ", 2)[1]))
                data = data[end + 4 + length :]
    assert statuses == [200, 200, 404]


def test_every_file_of_the_replica_has_the_target_that_serves_it():
    from benchmarks.serve import target_of
    from crawler.replica.server import file_for

    files = [
        p.relative_to(DEFAULT_SITE_DIR / "www").as_posix() for p in (DEFAULT_SITE_DIR / "www").rglob("*") if p.is_file()
    ]
    assert len(files) > 20 and any("__" in f for f in files) and any(f.endswith("index.html") for f in files)
    for name in files:
        assert file_for(target_of(name)) == name

"""What the archive's processes expose to the network (issue 5.3): `serve` and `demo` listen on
127.0.0.1 unless told otherwise, and a crawl listens on nothing at all (Scrapy 2.19 would open
a code-executing console on localhost unless REMOTE_CONTROL_ENABLED is off).

Listening sockets are read from /proc (the process's socket inodes matched against the kernel's
TCP tables), so no address other than loopback is ever contacted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faults_support import FAST

from archive.db import connect
from archive.outcome import EXIT_DRIFT
from crawler.replica.server import ReplicaServer

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc")

LISTEN = "0A"


def _decode(address: str) -> str:
    host, port = address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:  # /proc/net/tcp stores IPv4 as a little-endian 32-bit word
        ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:
        ip = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))
    return f"{ip}:{int(port, 16)}"


def listening(pid: int) -> set[str]:
    """`host:port` of every TCP socket the process listens on (empty once it has exited)."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = set()
        for table in ("tcp", "tcp6"):
            with open(f"/proc/{pid}/net/{table}", encoding="ascii") as fh:
                next(fh)
                for line in fh:
                    cols = line.split()
                    if cols[3] == LISTEN and cols[9] in inodes:
                        found.add(_decode(cols[1]))
        return found
    except (FileNotFoundError, ProcessLookupError):
        return set()


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def watch(proc: subprocess.Popen, until: float) -> set[str]:
    """Every listening address the process had while it ran (polled), until it exits or `until`."""
    seen: set[str] = set()
    while proc.poll() is None and time.monotonic() < until:
        seen |= listening(proc.pid)
        time.sleep(0.02)
    return seen


def hosts(addresses: set[str]) -> set[str]:
    return {a.rsplit(":", 1)[0] for a in addresses}


def test_serve_listens_on_loopback_by_default(tmp_path):
    db = tmp_path / "tnu.sqlite"
    connect(db).close()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command("serve", "--db", str(db), "--images-dir", str(tmp_path / "images"), "--port", "0"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while " on http://" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        addresses = listening(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert addresses and hosts(addresses) == {"127.0.0.1"}, addresses
    assert "on http://127.0.0.1:" in log.read_text()


def test_demo_serves_its_replica_on_loopback_only(tmp_path):
    proc = subprocess.Popen(
        command(
            "demo",
            "--db",
            str(tmp_path / "demo.sqlite"),
            "--images-dir",
            str(tmp_path / "images"),
            "--set",
            "LOG_LEVEL=WARNING",
        ),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    seen: set[str] = set()
    try:
        # the site and its "other host" (localhost); stopped once both listen, the crawl is not the point
        deadline = time.monotonic() + 60
        while proc.poll() is None and len(seen) < 2 and time.monotonic() < deadline:
            seen |= listening(proc.pid)
            time.sleep(0.02)
        seen |= listening(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert len(seen) >= 2 and hosts(seen) == {"127.0.0.1"}, seen


def test_a_crawl_listens_on_nothing(tmp_path):
    # a one-page site: the crawl's engine, middlewares and extensions start, and it ends quickly
    (tmp_path / "site" / "www").mkdir(parents=True)
    (tmp_path / "site" / "www" / "index.html").write_text("<html><body><p>trống</p></body></html>", encoding="utf-8")
    with ReplicaServer(tmp_path / "site") as site:
        proc = subprocess.Popen(
            command(
                "crawl",
                "--start-url",
                site.url,
                "--db",
                str(tmp_path / "tnu.sqlite"),
                "--images-dir",
                str(tmp_path / "images"),
                *FAST,
            ),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(tmp_path / "home")},
        )
        try:
            seen = watch(proc, time.monotonic() + 120)
        finally:
            if proc.poll() is None:
                proc.kill()
            stderr = proc.communicate(timeout=30)[1].decode(errors="replace")
        # it did crawl: robots.txt, the page, and the conventional /sitemap.xml (robots.txt
        # names none; docs/discovery.md)
        assert sorted(r.path for r in site.requests) == ["/", "/robots.txt", "/sitemap.xml"]
    assert proc.returncode == EXIT_DRIFT, stderr[-2000:]  # documented: no article link found
    assert seen == set()
    assert not (tmp_path / "home").exists()  # no job file, no state directory

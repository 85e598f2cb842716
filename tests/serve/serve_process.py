"""Running the real `tnu-archive serve` for tests: start it on a free loopback port, talk to it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from serve_archive import TestArchive

START_TIMEOUT = 30.0  # seconds for the server to print its address (Datasette starts in ~1 s)


@dataclass
class Server:
    url: str  # "http://127.0.0.1:PORT", no trailing slash
    archive: TestArchive
    process: subprocess.Popen
    log: Path

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of GET url+path; HTTP errors are answers, not exceptions."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path: str) -> object:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)

    def text(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return body.decode("utf-8")


def serve_command(*args: str) -> list[str]:
    """The `tnu-archive` command of this checkout, run by this interpreter."""
    return [sys.executable, "-m", "crawler", *args]


def start_server(archive: TestArchive, log: Path) -> Server:
    """Run `tnu-archive serve --port 0` and wait for the address it prints."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(
                "serve",
                "--db",
                str(archive.db_path),
                "--images-dir",
                str(archive.images_dir),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if " on http://" in line:
                url = line.rsplit(" on ", 1)[1].strip().rstrip("/")
                return Server(url, archive, process, log)
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"serve printed no address within {START_TIMEOUT}s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()

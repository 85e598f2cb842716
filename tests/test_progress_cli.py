"""What `tnu-archive crawl`, `reparse` and `export` print on stderr, as cron and a person at a
terminal see it: real crawls of the replica in subprocesses (stderr a pipe, or a pseudo-terminal),
run side by side to keep the suite fast."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.replica.server import ReplicaServer

FAST = set_options(LOOPBACK_SETTINGS)
SUMMARY = re.compile(
    r"^run 1 ok: \d+ pages, articles (\d+) new / 0 changed / 0 unchanged, images \d+ new / \d+ failed, \d+ errors$"
)
PROGRESS = re.compile(
    r"^crawl \d+:\d\d:\d\d: (\d+) of (\d+) queued article pages done; listing pages \d+, "
    r"articles \d+ new / \d+ changed / \d+ unchanged, images \d+ new / \d+ failed, errors \d+.*; "
    r"[\d.]+ article pages/(s|min)$"
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but \t and \n


@dataclass
class Crawl:
    db: Path
    images: Path
    returncode: int
    stderr: str


def _command(server: ReplicaServer, folder: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        "--start-url",
        server.url,
        "--db",
        str(folder / "tnu.sqlite"),
        "--images-dir",
        str(folder / "images"),
        *FAST,
        *extra,
    ]


def _drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the terminal's other side closed
            return
        if not data:
            return
        chunks.append(data)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory) -> dict[str, Crawl]:
    """Three crawls of the replica at once: stderr a pipe (cron), a pipe with --quiet, a terminal."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TERM": "xterm"}
    env.pop("TNU_PROGRESS_INTERVAL", None)
    folders = {name: tmp_path_factory.mktemp(name) for name in ("plain", "quiet", "live")}
    servers = {name: ReplicaServer().start() for name in folders}
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    terminal: list[bytes] = []
    try:
        procs = {
            "plain": subprocess.Popen(
                _command(servers["plain"], folders["plain"], "--set", "TNU_PROGRESS_INTERVAL=0.2"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            ),
            "quiet": subprocess.Popen(
                _command(servers["quiet"], folders["quiet"], "--quiet"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**env, "TNU_PROGRESS_INTERVAL": "0.2"},
            ),
            "live": subprocess.Popen(
                _command(servers["live"], folders["live"]),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=slave,
                env=env,
            ),
        }
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master, terminal), daemon=True)
        reader.start()
        errs = {name: proc.communicate(timeout=120)[1] for name, proc in procs.items() if name != "live"}
        procs["live"].wait(timeout=120)
        reader.join(10)
    finally:
        os.close(master)
        for server in servers.values():
            server.stop()
    errs["live"] = b"".join(terminal)
    return {
        name: Crawl(
            folders[name] / "tnu.sqlite",
            folders[name] / "images",
            procs[name].returncode,
            errs[name].decode("utf-8", "replace"),
        )
        for name in folders
    }


def test_cron_log_has_plain_progress_lines_then_the_summary(crawls):
    crawl = crawls["plain"]
    assert crawl.returncode == 0, crawl.stderr
    assert not CONTROL.search(crawl.stderr), "no escape sequences or carriage returns in a log"
    lines = crawl.stderr.splitlines()
    assert SUMMARY.match(lines[-1]), lines[-1]
    progress = [m for line in lines if (m := PROGRESS.match(line))]
    assert progress, crawl.stderr
    assert all(int(m[1]) <= int(m[2]) for m in progress)  # done never passes what was queued
    assert not [line for line in lines if line.startswith("crawl ") and not PROGRESS.match(line)]


def test_quiet_crawl_prints_only_the_summary(crawls):
    crawl = crawls["quiet"]
    assert crawl.returncode == 0, crawl.stderr
    lines = crawl.stderr.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), crawl.stderr


def test_terminal_gets_a_live_display_and_the_summary(crawls):
    crawl = crawls["live"]
    assert crawl.returncode == 0, crawl.stderr
    assert "\x1b[" in crawl.stderr  # drawn and redrawn in place
    assert "queued article pages done" in crawl.stderr
    assert "listing pages" in crawl.stderr
    assert "INFO" not in crawl.stderr  # Scrapy's chatter is held back while the display runs
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", crawl.stderr).replace("\r", "\n")
    last = [line for line in text.splitlines() if line.strip()][-1]
    assert SUMMARY.match(last), last
    articles = int(SUMMARY.match(last)[1])
    assert f"articles {articles} new / 0 changed / 0 unchanged" in text  # the last frame is the end


# -- reparse and export of the crawled archive (in-process: their stderr is not a terminal) ---


def _invoke(*args: str, interval: str = "0.001"):
    result = CliRunner().invoke(cli, list(args), env={"TNU_PROGRESS_INTERVAL": interval})
    return result


def test_reparse_prints_progress_lines_with_eta_and_quiet_only_the_summary(crawls):
    crawl = crawls["quiet"]
    where = ("--db", str(crawl.db), "--images-dir", str(crawl.images))
    result = _invoke("reparse", *where)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert re.match(r"^reparsed (\d+) articles: ", lines[-1])
    total = re.match(r"^reparsed (\d+) articles", lines[-1])[1]
    progress = [line for line in lines[:-1]]
    assert progress and all(
        re.match(
            rf"^reparse \d+:\d\d:\d\d: \d+/{total} articles \(\d+%\); changed \d+, unchanged \d+, set aside \d+, "
            r"without a stored page \d+, failed \d+, timed out \d+; [\d.]+ articles/(s|min)(, ETA \d+:\d\d:\d\d)?$",
            line,
        )
        for line in progress
    ), lines
    assert not CONTROL.search(result.stderr)

    quiet = _invoke("reparse", *where, "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr.splitlines() == [lines[-1]]


def test_export_prints_progress_lines_and_quiet_only_the_summary(crawls, tmp_path):
    crawl = crawls["plain"]
    where = ("--db", str(crawl.db), "--images-dir", str(crawl.images))
    result = _invoke("export", "--out", str(tmp_path / "out"), *where)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Exported ")
    assert lines[:-1] and all(
        re.match(r"^export \d+:\d\d:\d\d: \d+/\d+ steps \(\d+%\); rows \d+, image files \d+, checksums \d+; ", line)
        for line in lines[:-1]
    ), lines
    assert not CONTROL.search(result.stderr)

    quiet = _invoke("export", "--out", str(tmp_path / "out"), *where, "-q")
    assert quiet.exit_code == 0 and quiet.stderr.splitlines() == [lines[-1]]


def test_a_bad_interval_is_a_usage_error(crawls):
    result = _invoke("reparse", "--db", str(crawls["quiet"].db), interval="soon")
    assert result.exit_code == 2
    assert "TNU_PROGRESS_INTERVAL must be a number of seconds, got 'soon'" in result.stderr

"""The README's cron line logs the crawl's real exit code, under bash and under sh.

The line is read from the README itself, so what is tested is what operators copy. It is run
as cron runs it: `%` unescaped the way cron does, a bare environment, the shell given by the
crontab's SHELL (sh by default, bash when the operator sets it). The network is unreachable:
the crawl's start URL is a loopback port that is bound but not listening, so every connection
is refused and the crawl exits non-zero, the case the old line logged as `exit 0` under bash.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.operations.loopback import LOOPBACK_SETTINGS, set_options
from crawler.replica.server import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
# Where the README says the project lives; the test puts a folder of its own in its place.
INSTALL_DIR = "/srv/tnu-archive"
LOGGED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ exit (\d+)$")
# The line the README gave before: `$?` read after `$(date …)` ran.
OLD_LINE = (
    "cd /srv/tnu-archive && .venv/bin/tnu-archive crawl >> data/crawl.log 2>&1; "
    'echo "$(date -u +\\%FT\\%TZ) exit $?" >> data/crawl.log'
)


def cron_blocks(text: str) -> list[str]:
    return re.findall(r"^```cron\n(.*?)^```", text, flags=re.S | re.M)


def crawl_entries(text: str) -> list[str]:
    """The command part of every crontab entry that runs a crawl."""
    entries = []
    for block in cron_blocks(text):
        for line in block.splitlines():
            if line.strip() and not line.lstrip().startswith("#") and "tnu-archive crawl" in line:
                entries.append(line.split(None, 5)[5])
    return entries


def readme_cron_command() -> str:
    (command,) = crawl_entries(README.read_text(encoding="utf-8"))
    return command


def cron_unescape(command: str) -> tuple[str, str]:
    """What cron hands the shell: `\\%` becomes `%`; the first bare `%` ends the command, and
    what follows it (other bare `%` as newlines) becomes the command's stdin (crontab(5))."""
    out, i = [], 0
    while i < len(command):
        char = command[i]
        if char == "\\" and command[i + 1 : i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if char == "%":
            stdin = command[i + 1 :].replace("\\%", "\0").replace("%", "\n").replace("\0", "%")
            return "".join(out), stdin
        out.append(char)
        i += 1
    return "".join(out), ""


def test_cron_unescape_is_crons():
    assert cron_unescape(r"date +\%F") == ("date +%F", "")
    assert cron_unescape("cat%a%b") == ("cat", "a\nb")


def test_every_documented_crawl_entry_is_the_readme_one():
    command = readme_cron_command()
    for doc in sorted(DOCS.glob("*.md")):
        for entry in crawl_entries(doc.read_text(encoding="utf-8")):
            assert entry == command, f"{doc.name} has another cron line than the README"


@pytest.fixture
def refused_port():
    # Bound, never listening: connections are refused, and no other process can take the port.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def install(tmp_path: Path, port: int) -> tuple[Path, Path]:
    """A folder shaped like the README's install: .venv/bin/tnu-archive and data/. The
    tnu-archive there is the real one, pointed at the unreachable port, and notes its exit code."""
    home = tmp_path / "tnu-archive"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / "data").mkdir()
    real_exit = tmp_path / "real-exit"
    real = Path(sys.executable).parent / "tnu-archive"
    wrapper = home / ".venv" / "bin" / "tnu-archive"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'"{real}" "$@" --start-url "http://127.0.0.1:{port}/" --set RETRY_TIMES=0\n'
        "rc=$?\n"
        f'echo "$rc" > "{real_exit}"\n'
        'exit "$rc"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return home, real_exit


def run_as_cron(shell: str, command: str, home: Path) -> None:
    command, stdin = cron_unescape(command.replace(INSTALL_DIR, str(home)))
    # cron's environment: little more than PATH, HOME and SHELL.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home.parent), "SHELL": shell, "LANG": "C.UTF-8"}
    subprocess.run([shell, "-c", command], input=stdin, text=True, env=env, cwd=home.parent, timeout=300, check=False)


def logged_codes(home: Path) -> list[int]:
    log = (home / "data" / "crawl.log").read_text(encoding="utf-8", errors="replace")
    return [int(m.group(1)) for line in log.splitlines() if (m := LOGGED.match(line))]


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_the_cron_line_logs_the_real_exit_code(shell, tmp_path, refused_port):
    if shutil.which(shell) is None:
        pytest.skip(f"no {shell} on this machine")
    command = readme_cron_command()
    assert INSTALL_DIR in command
    home, real_exit = install(tmp_path, refused_port)
    run_as_cron(shutil.which(shell), command, home)
    real = int(real_exit.read_text())
    assert real != 0, "a crawl with nothing reachable must not exit 0"
    assert logged_codes(home) == [real]


def test_the_old_line_logged_dates_status_under_bash(tmp_path, refused_port):
    """The harness tells right from wrong: the line the README used to give fails under bash."""
    if shutil.which("bash") is None:
        pytest.skip("no bash on this machine")
    home, real_exit = install(tmp_path, refused_port)
    run_as_cron(shutil.which("bash"), OLD_LINE, home)
    assert int(real_exit.read_text()) != 0
    assert logged_codes(home) == [0]


def install_on_replica(tmp_path: Path, url: str) -> Path:
    """The README's install shape again, its tnu-archive pointed at the replica on loopback."""
    home = tmp_path / "tnu-archive"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / "data").mkdir()
    real = Path(sys.executable).parent / "tnu-archive"
    fast = " ".join(f'"{arg}"' for arg in set_options(LOOPBACK_SETTINGS))
    wrapper = home / ".venv" / "bin" / "tnu-archive"
    wrapper.write_text(f'#!/bin/sh\nexec "{real}" "$@" --start-url "{url}" {fast}\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return home


def test_a_night_logs_its_failures_and_summary_not_scrapys_settings(tmp_path):
    """Issue 25: the cron line logged ~110 lines a night, Scrapy's versions, settings, middlewares
    and statistics. Run as cron runs it (no terminal, a bare environment), a crawl of the replica
    (one image answers 404 there, on purpose) logs one line per kind of failure, its summary, and
    the cron line's own exit line."""
    with ReplicaServer() as replica:
        home = install_on_replica(tmp_path, replica.url)
        run_as_cron("/bin/sh", readme_cron_command(), home)
    lines = (home / "data" / "crawl.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3, "\n".join(lines[:20])
    failure, summary, logged = lines
    assert failure.startswith("tnu-archive: 1 × http_404 (") and failure.endswith("/tntn-he-2020-2.jpg")
    assert summary.startswith("run 1 ok: ") and summary.endswith("images 17 new / 1 failed, 1 errors")
    assert LOGGED.match(logged).group(1) == "0"
    # reading the run's failures back for those lines leaves no -wal or -shm file behind
    assert sorted(p.name for p in (home / "data").glob("tnu.sqlite*")) == ["tnu.sqlite", "tnu.sqlite.lock"]

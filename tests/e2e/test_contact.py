"""The operator's contact in the User-Agent (crawler/fetching/contact.py): from `--set CONTACT=…` or the
config file beside the database, on every request the replica sees (robots.txt and images of
both hosts included); a crawl of a site off this machine without one is warned about."""

from __future__ import annotations

import json
import socket

import pytest
import sqlite_utils
from cron_support import IMAGE_PATHS
from e2e_support import FAST, crawl, run_cli

from archive import __version__
from archive.outcome import EXIT_FAILED
from crawler.fetching.contact import is_loopback, missing_contact_warning, user_agent

WARNING = "tnu-archive: warning: no contact in the User-Agent"


def test_every_request_carries_the_contact_set_on_the_command_line(replica, tmp_path):
    replica.reset_log()
    result = crawl(replica, tmp_path / "tnu.sqlite", tmp_path / "images", "--set", "CONTACT=mailto:ops@example.org")
    assert result.returncode == 0, result.stderr[-2000:]
    requests = list(replica.requests)
    assert {r.server for r in requests} == {"site", "other"}
    assert any(r.path in IMAGE_PATHS for r in requests) and any(r.path == "/robots.txt" for r in requests)
    assert {r.user_agent for r in requests} == {f"tnu-archive/{__version__} (+mailto:ops@example.org)"}
    assert WARNING not in result.stderr  # loopback: no site's admins to reach
    (recorded,) = sqlite_utils.Database(tmp_path / "tnu.sqlite").execute("SELECT settings FROM crawl_runs").fetchone()
    assert json.loads(recorded)["USER_AGENT"] == f"tnu-archive/{__version__} (+mailto:ops@example.org)"


def test_the_config_file_beside_the_database_gives_the_contact(replica, tmp_path):
    (tmp_path / "tnu-archive.toml").write_text('contact = "https://example.org/archive-team"\n', encoding="utf-8")
    replica.reset_log()
    result = crawl(replica, tmp_path / "tnu.sqlite", tmp_path / "images")
    assert result.returncode == 0, result.stderr[-2000:]
    agents = {r.user_agent for r in replica.requests}
    assert agents == {f"tnu-archive/{__version__} (+https://example.org/archive-team)"}


def test_a_crawl_off_this_machine_without_a_contact_is_warned_about(tmp_path):
    args = ("crawl", "--start-url", "http://nonexistent.invalid/", "--db", str(tmp_path / "tnu.sqlite"), *FAST)
    without = run_cli(*args)
    assert without.stderr.splitlines()[0].startswith(WARNING), without.stderr
    assert "--set CONTACT=mailto:" in without.stderr and "tnu-archive.toml" in without.stderr
    with_contact = run_cli(*args, "--set", "CONTACT=mailto:ops@example.org")
    assert WARNING not in with_contact.stderr
    (tmp_path / "tnu-archive.toml").write_text('contact = "mailto:ops@example.org"\n', encoding="utf-8")
    assert WARNING not in run_cli(*args).stderr
    # either way the night is recorded (no network here: .invalid never resolves)
    assert sqlite_utils.Database(tmp_path / "tnu.sqlite")["crawl_runs"].count == 3


def test_a_loopback_crawl_without_a_contact_is_not_warned_about(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        result = run_cli(
            "crawl",
            "--start-url",
            f"http://127.0.0.1:{sock.getsockname()[1]}/",
            "--db",
            str(tmp_path / "tnu.sqlite"),
            *FAST,
            "--set",
            "RETRY_TIMES=0",
        )
    finally:
        sock.close()
    assert result.returncode == 1 and WARNING not in result.stderr


@pytest.mark.parametrize(
    ("config", "sets", "says"),
    [
        (None, ("--set", "CONTACT=ops@example.org"), "(e.g. mailto:ops@example.org)"),
        ('contact = "call me"\n', (), "tnu-archive.toml: the contact must be a mailto: or http(s) URL"),
        ("contact = [1\n", (), "is not valid TOML"),
        ("contact = 5\n", (), "contact must be a string"),
    ],
)
def test_an_unusable_contact_is_one_clear_line_and_no_run(tmp_path, config, sets, says):
    if config is not None:
        (tmp_path / "tnu-archive.toml").write_text(config, encoding="utf-8")
    db = tmp_path / "tnu.sqlite"
    result = run_cli("crawl", "--start-url", "http://nonexistent.invalid/", "--db", str(db), *sets)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr, result.stderr
    assert not db.exists()


def test_user_agent_and_loopback_rules():
    assert user_agent(None) == f"tnu-archive/{__version__}"
    assert user_agent("mailto:a@b.org") == f"tnu-archive/{__version__} (+mailto:a@b.org)"
    assert [
        is_loopback(u)
        for u in (
            "http://127.0.0.1:8000/",
            "http://[::1]/",
            "http://localhost/",
            "https://tnu.edu.vn/",
            "http://10.0.0.1/",
        )
    ] == [True, True, True, False, False]
    assert missing_contact_warning(["http://127.0.0.1/"], None) is None
    assert missing_contact_warning(["https://tnu.edu.vn/"], "mailto:a@b.org") is None
    assert missing_contact_warning(["https://tnu.edu.vn/"], None) is not None


def test_scrapy_crawl_news_is_warned_too_and_a_name_failing_in_the_crawl_is_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    scrapy = Path(sys.executable).parent / "scrapy"
    db = tmp_path / "tnu.sqlite"
    proc = subprocess.run(
        [
            str(scrapy),
            "crawl",
            "news",
            "-a",
            "start_url=http://nonexistent.invalid/",
            "-s",
            f"ARCHIVE_DB={db}",
            "-s",
            f"IMAGES_STORE={tmp_path / 'images'}",
            "-s",
            "LOG_LEVEL=WARNING",
            "-s",
            "RETRY_TIMES=1",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stderr.count("no contact in the User-Agent") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Gave up retrying" not in proc.stderr
    # As `tnu-archive crawl` says it (the same run: crawler/commands/crawl.py), and the run's
    # exit code is the process's, not Scrapy's 0.
    assert proc.stderr.count("cannot resolve nonexistent.invalid") == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("run 1 failed: 0 pages")
    assert proc.returncode == EXIT_FAILED
    row = sqlite_utils.Database(db).execute("SELECT status, pages, errors FROM crawl_runs").fetchone()
    assert row == ("failed", 0, '{"dns": 1}')

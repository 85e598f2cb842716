"""Every SQL example docs/access.md gives archivists runs, and returns rows, on a real archive;
every command the README tells a newcomer to try after `make demo` works on what the demo wrote
(issue 25: they pointed at data/tnu.sqlite, where `sqlite-utils` then made an empty file)."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from access_archive import build_archive

from archive.search import open_readonly

ACCESS_DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def archivist_sql_blocks() -> list[str]:
    text = ACCESS_DOC.read_text(encoding="utf-8")
    section = text.split("<!-- archivists:start -->", 1)[1].split("<!-- archivists:end -->", 1)[0]
    return re.findall(r"^```sql\n(.*?)^```", section, flags=re.S | re.M)


BLOCKS = archivist_sql_blocks()


def test_the_access_doc_has_the_examples_archivists_need():
    joined = "\n".join(BLOCKS)
    assert len(BLOCKS) >= 5
    for needle in ("GROUP BY month", "ORDER BY views DESC", "view_counts", "credit", "article_search_fts MATCH"):
        assert needle in joined


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    db_path, _ = build_archive(tmp_path_factory.mktemp("readme"))
    connection = open_readonly(db_path)
    yield connection
    connection.close()


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"example{n}" for n in range(1, len(BLOCKS) + 1)])
def test_example_returns_rows(conn: sqlite3.Connection, sql: str):
    rows = conn.execute(sql).fetchall()
    assert rows, sql


def test_folded_search_example_finds_the_accented_text(conn):
    (search_sql,) = [sql for sql in BLOCKS if 'MATCH \'"dai" "hoc"\'' in sql]
    titles = [row[1] for row in conn.execute(search_sql)]
    assert "Đại học Thái Nguyên trao bằng tốt nghiệp năm 2021" in titles
    assert all(title for title in titles)


def test_view_growth_example_shows_the_gain(conn):
    (growth_sql,) = [sql for sql in BLOCKS if "lag(" in sql]
    assert conn.execute(growth_sql).fetchall() == [
        ("2026-01-05T02:00:00Z", 500, None),
        ("2026-02-05T02:00:00Z", 530, 30),
        ("2026-03-05T02:00:00Z", 550, 20),
    ]


# --- the README's first contact: what it tells a newcomer to try after `make demo` -------------

README = ACCESS_DOC.parents[1] / "README.md"


def readme_reading_commands() -> list[str]:
    """The command lines of the README's "Reading the archive" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Reading the archive", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M):
        for line in block.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return commands


def readme_inline_demo_commands() -> list[str]:
    """The commands the README's demo paragraph suggests (inline code naming data/demo/)."""
    text = README.read_text(encoding="utf-8")
    return re.findall(r"`(\.venv/bin/tnu-archive [^`]*data/demo/[^`]*)`", text)


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory) -> Path:
    """A folder shaped like a checkout after `make demo`: .venv/ (this environment) and data/demo/,
    written by the real `tnu-archive demo` run there."""
    home = tmp_path_factory.mktemp("checkout")
    (home / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    demo = subprocess.run(
        [".venv/bin/tnu-archive", "demo", "--port", "0"], cwd=home, capture_output=True, text=True, timeout=300
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    return home


def test_the_readme_gives_reading_examples_for_the_demo():
    commands = readme_reading_commands()
    assert [c.split()[0] for c in commands] == [".venv/bin/sqlite-utils", ".venv/bin/tnu-archive"]
    assert all("data/demo/tnu.sqlite" in c for c in commands)
    inline = readme_inline_demo_commands()
    assert {c.split()[1] for c in inline} == {"search", "serve"}


@pytest.mark.parametrize(
    "command", readme_reading_commands() + [c for c in readme_inline_demo_commands() if " serve " not in c]
)
def test_each_reading_example_works_after_the_demo(after_demo, command):
    result = subprocess.run(command, shell=True, cwd=after_demo, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # A title of the demo's archive is in what it printed: it read the archive the demo wrote.
    titles = [
        row[0] for row in sqlite3.connect(after_demo / "data/demo/tnu.sqlite").execute("SELECT title FROM articles")
    ]
    assert any(title in result.stdout for title in titles), result.stdout[:1000]
    # ...and made no other (empty) archive on the way
    assert not (after_demo / "data" / "tnu.sqlite").exists()


def test_the_serve_example_serves_the_demo(after_demo):
    (command,) = [c for c in readme_inline_demo_commands() if " serve " in c]
    args = shlex.split(command) + ["--port", "0"]
    log = after_demo / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=after_demo, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a bound on starting, not a measurement
        while "on http://" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()
        assert "on http://" in text, text
        assert "warning" not in text  # the images folder it names exists
        url = text.split(" on ", 1)[1].split()[0].rstrip("/")
        with urllib.request.urlopen(url + "/tnu/articles.json?_shape=array&_size=1", timeout=10) as response:
            assert json.loads(response.read())
    finally:
        process.terminate()
        process.wait(timeout=10)

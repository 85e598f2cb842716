"""A TMPDIR too deep for the helpers' socket is one clear line, not a traceback from inside
multiprocessing (the forkserver listens on a UNIX socket under TMPDIR, at most 107 bytes)."""

from __future__ import annotations

import os
import subprocess
import sys

from crawler.operations.helpers import SOCKET_PATH_MAX, socket_folder_problem
from crawler.replica.server import ReplicaServer


def test_a_usual_temporary_folder_has_room():
    assert socket_folder_problem("/tmp") is None
    assert socket_folder_problem("/" + "d" * (SOCKET_PATH_MAX - 33)) is None  # the longest that fits


def test_a_deeper_one_is_named_with_what_to_do():
    deep = "/" + "d" * (SOCKET_PATH_MAX - 32)
    problem = socket_folder_problem(deep)
    assert problem and deep in problem and "TMPDIR" in problem and "\n" not in problem


def test_a_crawl_under_a_deep_tmpdir_is_refused_in_one_line(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    with ReplicaServer() as server:
        proc = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "--start-url", server.url, "--db", str(tmp_path / "t.sqlite")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TMPDIR": str(deep)},
        )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert proc.stderr.strip().splitlines() == [f"tnu-archive: {socket_folder_problem(str(deep))}"], proc.stderr[-3000:]
    assert not (tmp_path / "t.sqlite").exists()  # refused before the archive is opened

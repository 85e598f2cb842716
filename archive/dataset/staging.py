"""Where an export is written before it takes its place: a staging folder of its own, removed
whatever ends the export, and the ones an export that could not clean up (killed, the machine
down) left behind, removed by the next export of the same folder.

A staging folder is known by its exact name and what is in it, never by a guess: it is named after
the folder it is for, the host and the process that made it (`.<name>.partial-<host>-<pid>-<n>`
beside a new folder, `.partial-<host>-<pid>-<n>` inside an existing one), and holds nothing but
what an export writes. One of those whose process is gone from this host is a leftover; a folder
of any other name, of another host, of a live process, or holding anything else is not touched.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import threading
from pathlib import Path

from archive.dataset.card import MANIFEST
from archive.lifeline import process_alive

# What an export writes at the top of its folder (archive/export.py): a staging folder holding
# anything else is not one this code left.
EXPORT_ENTRIES = frozenset(
    {"csv", "jsonl", "data", "images", "README.md", "croissant.json", "datapackage.json", MANIFEST, f"{MANIFEST}.union"}
)
_ATTEMPTS = 100


class StagingError(Exception):
    """No staging folder could be made; the message is meant for the user."""


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "host"


def _prefix(parent: Path, out_dir: Path) -> str:
    """The name of a staging folder of `out_dir` in `parent`, up to its host."""
    return ".partial" if parent == out_dir else f".{out_dir.name}.partial"


def new_staging(out_dir: Path) -> tuple[Path, bool]:
    """(a new staging folder for `out_dir`, whether it is inside `out_dir`). An existing folder
    is kept (it can be the shell's working folder, or a mount point) and its files are swapped:
    staged inside it; a new one is staged beside its final place and renamed."""
    in_place = out_dir.is_dir()
    parent = out_dir if in_place else out_dir.parent
    if not in_place:
        parent.mkdir(parents=True, exist_ok=True)
    stem = f"{_prefix(parent, out_dir)}-{_host()}-{os.getpid()}"
    for attempt in range(_ATTEMPTS):
        folder = parent / f"{stem}-{attempt}"
        try:
            folder.mkdir()
        except FileExistsError:  # someone's: never reused
            continue
        return folder, in_place
    raise StagingError(f"cannot find a free name for a staging folder in {parent}")


def discard(staging: Path) -> None:
    """Remove a staging folder, Ctrl-C and SIGTERM held back meanwhile (a second one would leave
    it half removed); they take effect once it is gone."""
    held = {signal.SIGINT, signal.SIGTERM}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        shutil.rmtree(staging, ignore_errors=True)
    finally:
        if in_main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def leftovers(out_dir: Path) -> list[Path]:
    """The staging folders of `out_dir` that an export on this host left behind: named as
    new_staging names them, made by a process no longer running, holding only what an export
    writes, and no symbolic link."""
    found = []
    for parent in (out_dir.parent, out_dir):
        if parent.is_symlink() or not parent.is_dir():
            continue
        name = re.compile(re.escape(f"{_prefix(parent, out_dir)}-{_host()}-") + r"([0-9]+)-([0-9]+)")
        try:
            entries = list(os.scandir(parent))
        except OSError:
            continue
        for entry in entries:
            match = name.fullmatch(entry.name)
            if not match or int(match[2]) >= _ATTEMPTS or not entry.is_dir(follow_symlinks=False):
                continue
            pid = int(match[1])
            if pid == os.getpid() or process_alive(pid):
                continue  # an export still writing it
            try:
                inside = set(os.listdir(entry.path))
            except OSError:
                continue
            if inside <= EXPORT_ENTRIES:
                found.append(Path(entry.path))
    return sorted(found)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove what leftovers() finds; the folders removed."""
    removed = leftovers(out_dir)
    for folder in removed:
        discard(folder)
    return removed

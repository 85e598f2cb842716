"""One run at a time per data folder: an advisory lock beside the database.

`flock` is released by the kernel when its holder dies, so a lock left by a killed run (SIGKILL,
reboot) is taken over by the next run without anyone cleaning up; the file records the holder's
pid and start time for the message the second run prints.

A process may take the same lock more than once (`tnu-archive crawl` takes it before Scrapy
starts, the run's extension again when the spider opens, so that `scrapy crawl news` is held to
one run at a time too): `flock` would refuse the second descriptor, so the process's first
holder keeps the descriptor and the others only count.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path


class Locked(Exception):
    """Another live process holds the lock; the message names it."""


# lock file (resolved) -> [descriptor, holders] of the locks this process holds
_held: dict[Path, list[int]] = {}


class RunLock:
    def __init__(self, db_path: str | Path):
        # From the database's real path: a symlink to the database (or to its folder) must lead
        # to the same lock, or two runs write one archive.
        db_path = Path(db_path).resolve()
        self.path = db_path.with_name(db_path.name + ".lock")
        self._key: Path | None = None

    def acquire(self) -> None:
        if self._key is not None:
            raise RuntimeError(f"{self.path} is already held by this RunLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = self.path.resolve()
        if key in _held:
            _held[key][1] += 1
            self._key = key
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise Locked(f"another run is in progress ({holder}); lock: {self.path}") from None
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} since {started}\n".encode(), 0)
        _held[key] = [fd, 1]
        self._key = key

    def release(self) -> None:
        key, self._key = self._key, None
        if key is None:
            return
        held = _held[key]
        held[1] -= 1
        if held[1] == 0:
            fd = held[0]
            del _held[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

"""The replica server for benchmarks: crawler.replica's server with a listen backlog that holds a
crawler's bursts of new connections.

    python -m benchmarks.serve --site-dir DIR

socketserver listens with a backlog of 5. A crawl opening a few dozen connections at once on
a busy machine overflows it; Linux then drops the handshake's last packet, the client believes
it is connected and waits for an answer that never comes until DOWNLOAD_TIMEOUT (30 s): a
300-article crawl took 51 s instead of 21 s that way (the kernel's ListenOverflows counter
grew). The backlog is widened on the listening sockets themselves (listen() again), so every
byte served is still decided by crawler.replica.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.replica import ReplicaServer, serve_until_interrupted

BACKLOG = 1024


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (Linux)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


def widen_backlog(server: ReplicaServer, backlog: int = BACKLOG) -> None:
    for listening in server._servers:  # noqa: SLF001 — the sockets ReplicaServer listens on
        listening.socket.listen(backlog)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--site-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    with ReplicaServer(args.site_dir) as server:
        widen_backlog(server)
        serve_until_interrupted(server)


if __name__ == "__main__":
    main()

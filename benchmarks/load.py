"""How fast the replica server answers on its own: keep-alive GETs from many threads.

    python -m benchmarks.load URLS_FILE [--seconds 3] [--connections 16]

Prints one JSON object: requests, bytes, seconds, requests_per_s, mb_per_s. The client is
Python too, so this is a lower bound of what the server can do; the runner compares it with the
bare Scrapy spider's rate (and watches the server's CPU during the crawls) to show that the
server is not what limits a crawl.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit


def hammer(urls: list[str], seconds: float, connections: int) -> dict[str, float]:
    deadline = time.perf_counter() + seconds
    counts = [0] * connections
    sizes = [0] * connections
    errors = [0] * connections
    slowest = [0.0] * connections

    def worker(n: int) -> None:
        mine = urls[n::connections] or urls
        parts = urlsplit(mine[0])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        i = 0
        while time.perf_counter() < deadline:
            target = urlsplit(mine[i % len(mine)])
            i += 1
            sent = time.perf_counter()
            try:
                conn.request("GET", target.path + (f"?{target.query}" if target.query else ""))
                body = conn.getresponse().read()
                slowest[n] = max(slowest[n], time.perf_counter() - sent)
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            counts[n] += 1
            sizes[n] += len(body)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": sum(counts),
        "errors": sum(errors),
        "bytes": sum(sizes),
        "seconds": round(elapsed, 3),
        "requests_per_s": round(sum(counts) / elapsed, 1),
        "mb_per_s": round(sum(sizes) / elapsed / 1e6, 1),
        "connections": connections,
        "slowest_s": round(max(slowest), 3),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    ap.add_argument("urls_file", type=Path)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args(argv)
    urls = [u for u in args.urls_file.read_text(encoding="utf-8").splitlines() if u.strip()]
    print(json.dumps(hammer(urls, args.seconds, args.connections)))


if __name__ == "__main__":
    main()

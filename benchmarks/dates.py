"""How long reading an article's date takes, in ms per page, beside htmldate's own time.

    .venv/bin/python -m benchmarks.dates DIR [DIR ...] [--limit N] [--json]

Every *.html page under the folders is extracted once; the time spent in the date step
(crawler/extract/published.py: the order of sources and its guards, htmldate included where it
is reached) is measured around that step alone, and so is `htmldate.find_date` on the whole page
with the settings our fallback uses, for scale. Also counted: which rule dated each page, and
pages whose extraction raised (there should be none). Timings, not correctness: this folder's
pages carry no date labels, and nothing here is tuned on any.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.extract import article as article_module
from crawler.extract import published


def _pages(folders: list[Path], limit: int | None) -> list[Path]:
    pages = sorted(p for folder in folders for p in folder.rglob("*.html") if p.is_file())
    return pages[:limit] if limit else pages


def measure(folders: list[Path], limit: int | None = None) -> dict[str, Any]:
    import htmldate

    pages = _pages(folders, limit)
    ours: list[float] = []
    theirs: list[float] = []
    rules: Counter[str] = Counter()
    crashes: list[str] = []
    original = published.read_date

    def timed(**kwargs):
        start = time.perf_counter()
        found = original(**kwargs)
        ours.append((time.perf_counter() - start) * 1000)
        rules[found.rule or "none"] += 1
        return found

    article_module.published.read_date = timed
    try:
        for page in pages:
            data = page.read_bytes()
            url = f"https://example.org/{page.stem}"
            try:
                article_module.read_article(data, url)
            except Exception as exc:  # counted, never fatal: the point is to find them
                crashes.append(f"{page.name}: {type(exc).__name__}: {exc}")
            start = time.perf_counter()
            with contextlib.suppress(Exception):  # its failures are not what is timed
                htmldate.find_date(data, extensive_search=False, original_date=True, url=url)
            theirs.append((time.perf_counter() - start) * 1000)
    finally:
        article_module.published.read_date = original

    def stats(values: list[float]) -> dict[str, float]:
        if not values:
            return {"median": 0.0, "mean": 0.0, "p95": 0.0}
        ordered = sorted(values)
        return {
            "median": round(statistics.median(ordered), 3),
            "mean": round(statistics.fmean(ordered), 3),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        }

    ours_stats, theirs_stats = stats(ours), stats(theirs)
    return {
        "pages": len(pages),
        "ours_ms": ours_stats,
        "htmldate_whole_page_ms": theirs_stats,
        "ratio_mean": round(ours_stats["mean"] / theirs_stats["mean"], 2) if theirs_stats["mean"] else None,
        "rules": dict(rules.most_common()),
        "crashes": crashes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        print(f"not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = measure(args.folders, args.limit)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    o, h = result["ours_ms"], result["htmldate_whole_page_ms"]
    print(f"pages: {result['pages']}, crashes: {len(result['crashes'])}")
    print(f"date step, ours:           median {o['median']} ms, mean {o['mean']} ms, p95 {o['p95']} ms")
    print(f"htmldate on the whole page: median {h['median']} ms, mean {h['mean']} ms, p95 {h['p95']} ms")
    print(f"ratio (means): {result['ratio_mean']}")
    print("dated by: " + ", ".join(f"{rule} {count}" for rule, count in result["rules"].items()))
    for crash in result["crashes"]:
        print(f"crash: {crash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

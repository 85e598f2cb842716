"""A run's failures in a few lines: one per kind of error, with how many and an example URL.

What an unattended run logs (a cron log, a mail): the kinds tell the operator what went wrong,
the example where to look, and the counts whether it matters; every failure itself is in
`fetch_log` and `image_sources`.
"""

from __future__ import annotations

import json
import sqlite3

from archive.error_kinds import ERROR_KINDS, HTTP, HTTP_PREFIX


def explain(kind: str) -> str:
    """What an error kind means, in words (archive/error_kinds.py)."""
    return ERROR_KINDS.get(HTTP if kind.startswith(HTTP_PREFIX) else kind, "")


def failure_lines(conn: sqlite3.Connection, run_id: int) -> list[str]:
    """One line per kind of error the run counted, most frequent first; empty when none."""
    row = conn.execute("SELECT errors FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    try:
        errors = json.loads(row[0]) if row and row[0] else {}
    except (TypeError, ValueError):
        return []
    lines = []
    for kind, count in sorted(errors.items(), key=lambda item: (-int(item[1] or 0), item[0])):
        if not count:
            continue
        # The run's last request that failed so: after its retries, the one that counted.
        example = conn.execute(
            "SELECT url FROM fetch_log WHERE run_id = ? AND error = ? ORDER BY id DESC LIMIT 1", [run_id, kind]
        ).fetchone()
        meaning = explain(kind)
        lines.append(
            f"{count} × {kind}" + (f" ({meaning})" if meaning else "") + (f", e.g. {example[0]}" if example else "")
        )
    return lines

"""What `tnu-archive runs` tells the operator: the run table, with the fill rates that fell and
the problems of each run, and the one-line morning check (`runs --check`).

Pure functions over `crawl_runs` rows (as archive.storage.runs decodes them); the command reads the rows
and prints what these return.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from archive.lifeline import process_alive
from archive.outcome import (
    ALARM_STATUSES,
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_OK,
    FAILED,
    fallen_fields,
)
from archive.storage.runs import generic_share, summary_line

# The morning check's default: one run a night, plus two hours of slack for a slow night.
DEFAULT_MAX_AGE_HOURS = 26.0

HEADER = (
    f"{'run':>4}  {'started (UTC)':20}  {'status':11}  {'exit':>4}  {'pages':>5}  "
    f"{'new':>4}  {'chg':>4}  {'same':>4}  {'img+':>4}  {'img!':>4}  {'generic':>7}  errors"
)


def _count(row: Mapping, name: str) -> int | str:
    value = row.get(name)
    return "-" if value is None else value


def run_lines(row: Mapping, earlier: Sequence[Mapping]) -> list[str]:
    """The run's line of the table, then one indented line for its fallen fill rates and one
    per problem."""
    errors = ", ".join(f"{k} {v}" for k, v in sorted((row.get("errors") or {}).items())) or "-"
    exit_code = row["exit_code"] if row.get("exit_code") is not None else "-"
    lines = [
        f"{row['id']:>4}  {row['started_at']:20}  {row['status']:11}  {exit_code:>4}  "
        f"{row.get('pages') or 0:>5}  {row.get('articles_new') or 0:>4}  {row.get('articles_changed') or 0:>4}  "
        f"{row.get('articles_unchanged') or 0:>4}  {_count(row, 'images_new'):>4}  "
        f"{_count(row, 'images_failed'):>4}  "
        f"{generic_share(row):>7}  {errors}"
    ]
    if row.get("kind") not in (None, "crawl"):
        lines.append(f"      kind: {row['kind']}")  # a recovery from a web archive, not a crawl
    fallen = fallen_fields(row, earlier)
    if fallen:
        lines.append(
            "      fill rates fell: "
            + ", ".join(f"{name} {rate:.0%} (baseline {base:.0%})" for name, rate, base in fallen)
        )
    lines += [f"      problem: {problem}" for problem in row.get("problems") or []]
    return lines


def _hours_since(moment: str, now: datetime) -> float:
    started = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return (now - started).total_seconds() / 3600


def still_alive(row: Mapping) -> bool:
    """Whether a "running" row's process still runs (on another host it cannot be told: yes)."""
    if row.get("pid") is None:
        return False
    if row.get("host") != socket.gethostname():
        return True
    return process_alive(int(row["pid"]))


def morning_check(
    latest: Mapping | None,
    *,
    now: datetime,
    max_age_hours: float = DEFAULT_MAX_AGE_HOURS,
    alive: Callable[[Mapping], bool] = still_alive,
    sites: Sequence[Mapping] = (),
) -> tuple[int, str]:
    """(exit code, one line) on the latest run: 0 when it ended `ok` within `max_age_hours` (or is
    still running within them). Otherwise the run's own exit code when it ended badly (1 failed,
    3 drift or empty, 6 interrupted), else 1 (too old, killed, no run at all). A run both too old
    and ended badly is named for both: the age alone hid why the last run failed. `sites`: the
    run's outcome per site (run_sites rows): the line names each site that did not end ok."""
    if latest is None:
        return EXIT_FAILED, "ALERT: no crawl run is recorded in this archive"
    run_id, status = latest["id"], latest["status"]
    age = _hours_since(latest["started_at"], now)
    when = f"started {latest['started_at']} ({age:.1f} h ago)"
    too_old = age > max_age_hours
    if status == "running":
        if not alive(latest):
            return EXIT_FAILED, f"ALERT: run {run_id} was killed: {when}, its process is gone"
        if too_old:
            return EXIT_FAILED, f"ALERT: run {run_id} is still running, {when}, more than {max_age_hours:g} h"
        return EXIT_OK, f"OK: run {run_id} is running, {when}"
    stale = f"more than {max_age_hours:g} h; is cron running?"
    if status == "ok":
        if too_old:
            return EXIT_FAILED, f"ALERT: the latest run, {run_id} ({status}), {when}: {stale}"
        summary = summary_line(run_id, status, latest, sum((latest.get("errors") or {}).values()))
        return EXIT_OK, f"OK: {summary}; {when}"
    summary = summary_line(run_id, status, latest, sum((latest.get("errors") or {}).values()))
    problems = "; ".join(latest.get("problems") or [])
    code = latest.get("exit_code") or (EXIT_DRIFT if status in ALARM_STATUSES else EXIT_FAILED)
    what = "drift alarm: " if status in ALARM_STATUSES else ""
    # a site's own failure or alarm (a stopped run stopped every site: that is the run's)
    bad = [f"site {site['site']} {site['status']}" for site in sites if site.get("status") in (FAILED, *ALARM_STATUSES)]
    named = "; " + ", ".join(bad) if bad else ""
    return int(code), (
        f"ALERT: {what}{summary}{named}; {when}{': ' + stale if too_old else ''}{'; ' + problems if problems else ''}"
    )


def site_row(row: Mapping) -> dict:
    """A site's outcome in a run (a run_sites row, with its run's start, as archive.storage.sites.site_runs
    gives it) in the shape of a crawl_runs row, for run_lines and morning_check: `runs --site`."""
    # images are the run's, shared by its sites: none of a site's own (run_lines shows "-")
    return {**row, "id": row["run_id"], "images_new": None, "images_failed": None, "pid": None}


def table(rows: Sequence[Mapping], earlier_runs: Callable[[int], Sequence[Mapping]]) -> list[str]:
    """The whole listing: header, then run_lines of each row; `earlier_runs(id)` gives the
    finished runs before that one, newest first (Archive.finished_runs)."""
    lines = [HEADER]
    for row in rows:
        lines += run_lines(row, earlier_runs(row["id"]))
    return lines

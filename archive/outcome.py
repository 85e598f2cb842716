"""How a run ended: its status and exit code, and the layout-drift alarm.

Pure functions over the run's figures and the history of earlier runs, so the rules are
tested without crawling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Exit codes of `tnu-archive` (the README's table; tests/test_exit_codes_doc.py keeps the two in step).
EXIT_OK = 0  # the run finished; failures of single pages/images are recorded, not fatal
EXIT_FAILED = 1  # could not run: bad argument, unreachable site, unreadable database, nothing fetched
EXIT_USAGE = 2  # a bad command line (click's own code)
EXIT_DRIFT = 3  # finished, but the layout seems to have changed: fill rates fell, or no article found
EXIT_LOCKED = 4  # another run holds the data folder's lock
EXIT_VERIFY = 5  # verify found missing or corrupt files
EXIT_INTERRUPTED = 6  # a run, export or reparse stopped (SIGINT/SIGTERM) before it finished; run it again
EXIT_HELD_BACK = 7  # reparse finished, but set nothing aside: too many rows no longer read as articles

# The statuses of a run (crawl_runs.status), with what each means; the data dictionary lists them
# from here. `decide` gives the ones a run ends with; archive/storage/runs.py the other two.
RUNNING, OK, DRIFT, EMPTY, FAILED, INTERRUPTED, KILLED = (
    "running",
    "ok",
    "drift",
    "empty",
    "failed",
    "interrupted",
    "killed",
)
RUN_STATUSES: dict[str, str] = {
    RUNNING: "the run is going on",
    OK: "finished",
    DRIFT: "finished, but a field's fill rate fell far below earlier runs, or most article pages "
    "showed neither a date nor a counter",
    EMPTY: "finished, but the listings yielded no article",
    FAILED: "no page could be fetched",
    INTERRUPTED: "stopped before the end by SIGINT or SIGTERM, the next run resumes",
    KILLED: "its process died without closing the run, as a later run found",
}

# Fields whose fill rate is watched from run to run (a drop means the layout changed).
WATCHED_FIELDS = ("title", "published_at", "views", "body_text", "images")

# A field is drifting when its fill rate falls below this share of its trailing baseline...
DRIFT_RATIO = 0.5
# ...and the baseline is the median of up to this many earlier finished runs.
BASELINE_RUNS = 5
# Too few articles fetched say nothing about fill rates: a retry run after an outage may fetch
# a handful of articles that happen to have no picture.
MIN_ARTICLES_FOR_DRIFT = 10
# Runs that raised the alarm themselves stay out of the baseline: otherwise two runs after a
# layout change the baseline has sunk to the broken rates and the alarm falls silent.
ALARM_STATUSES = (DRIFT, EMPTY)


# How bad an outcome is, for a run of several sites (its status is its worst site's): a site
# that could not be fetched at all outweighs one whose layout drifted.
SEVERITY = {OK: 0, DRIFT: 1, EMPTY: 1, FAILED: 2, INTERRUPTED: 3}


def worst(outcomes: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """The worst (status, exit code) of several sites' (the first of equals); ok for none."""
    return max(outcomes, key=lambda outcome: SEVERITY.get(outcome[0], 2), default=(OK, EXIT_OK))


def worst_recovered(outcomes: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """A recovery's (status, exit code): the worst of its sites', as a crawl's, but a site the web
    archive held no article capture of (`empty`: most member sites, for a young archive) counts
    only when every site is: a recovery is empty when it found nothing at all."""
    found = [outcome for outcome in outcomes if outcome[0] != EMPTY]
    return worst(found or outcomes)


def baseline_history(runs: Sequence[Mapping]) -> list[Mapping[str, float]]:
    """Fill rates of earlier runs (rows of crawl_runs, newest first) that make the baseline."""
    usable = [r["fill_rates"] for r in runs if r.get("status") not in ALARM_STATUSES and r.get("fill_rates")]
    return usable[:BASELINE_RUNS]


def baseline(previous: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Median fill rate per field over earlier runs (most recent first, at most BASELINE_RUNS)."""
    recent = [rates for rates in previous if rates][:BASELINE_RUNS]
    fields = {name for rates in recent for name in rates}
    result = {}
    for name in fields:
        values = sorted(rates[name] for rates in recent if name in rates)
        mid = len(values) // 2
        result[name] = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    return result


def drifting_fields(
    fill_rates: Mapping[str, float], previous: Sequence[Mapping[str, float]], articles_fetched: int
) -> list[str]:
    if articles_fetched < MIN_ARTICLES_FOR_DRIFT:
        return []
    base = baseline(previous)
    return sorted(
        name for name, rate in fill_rates.items() if base.get(name, 0) > 0 and rate < base[name] * DRIFT_RATIO
    )


def decide(
    *,
    close_reason: str,
    pages_ok: int,
    article_links_seen: int,
    articles_fetched: int,
    fill_rates: Mapping[str, float],
    previous_fill_rates: Sequence[Mapping[str, float]],
    not_articles: int = 0,
    errors: Mapping[str, int] | None = None,
) -> tuple[str, int, list[str]]:
    """(status, exit code, problems) of a run that has ended.

    `not_articles`: pages at article URLs that showed neither a date nor a counter. A few are
    static pages; most of what the listings lead to means the article layout changed.
    `errors`: error kind -> count of the run, named in the problem when nothing was fetched.
    """
    if close_reason == "start_error":  # the spider's start raised (e.g. a setting it cannot read)
        return "failed", EXIT_FAILED, ["the crawl could not start its requests"]
    if close_reason not in ("finished",):
        return INTERRUPTED, EXIT_INTERRUPTED, [f"run stopped before the end ({close_reason})"]
    if pages_ok == 0:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted((errors or {}).items(), key=lambda kv: (-kv[1], kv[0])))
        return (
            FAILED,
            EXIT_FAILED,
            [f"no page could be fetched ({kinds or 'no response'}): is the site up, is the network up?"],
        )
    if article_links_seen == 0:
        return EMPTY, EXIT_DRIFT, ["the listings yielded no article link: has the layout changed?"]
    if not_articles >= MIN_ARTICLES_FOR_DRIFT and not_articles > articles_fetched:
        return (
            DRIFT,
            EXIT_DRIFT,
            [
                f"{not_articles} pages at article URLs showed neither a date nor a view counter "
                f"({articles_fetched} articles did): has the layout changed?"
            ],
        )
    drifting = drifting_fields(fill_rates, previous_fill_rates, articles_fetched)
    if drifting:
        base = baseline(previous_fill_rates)
        problems = [
            f"fill rate of {name} fell to {fill_rates[name]:.0%} (baseline {base[name]:.0%}): has the layout changed?"
            for name in drifting
        ]
        return DRIFT, EXIT_DRIFT, problems
    return OK, EXIT_OK, []


# A field's fill rate is shown as fallen when it is this much (in share of articles, 0.10 = ten
# points) below its baseline, the median of earlier runs; the drift alarm itself needs a fall
# below half of it (DRIFT_RATIO, above). Smaller runs than the alarm judges are not compared.
FELL_BY = 0.10


def articles_saved(row: Mapping) -> int:
    return sum(int(row.get(name) or 0) for name in ("articles_new", "articles_changed", "articles_unchanged"))


def fallen_fields(row: Mapping, earlier: Sequence[Mapping]) -> list[tuple[str, float, float]]:
    """(field, rate, baseline) of the fields whose fill rate fell at least FELL_BY below the
    median of the earlier runs (newest first, as finished_runs returns them), worst first."""
    rates = row.get("fill_rates") or {}
    if not rates or articles_saved(row) < MIN_ARTICLES_FOR_DRIFT:
        return []
    base = baseline(baseline_history(earlier))
    fallen = [(name, rate, base[name]) for name, rate in rates.items() if name in base and rate <= base[name] - FELL_BY]
    return sorted(fallen, key=lambda f: (f[1] - f[2], f[0]))

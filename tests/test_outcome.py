"""How a run ends (archive/outcome.py): status, exit code and the layout-drift alarm."""

from __future__ import annotations

import pytest

from archive import outcome
from archive.outcome import (
    BASELINE_RUNS,
    DRIFT_RATIO,
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFY,
    MIN_ARTICLES_FOR_DRIFT,
    baseline,
    baseline_history,
    decide,
)

FULL = {"title": 1.0, "published_at": 1.0, "views": 0.9, "body_text": 1.0, "images": 0.8}


def run(**overrides):
    figures = dict(
        close_reason="finished",
        pages_ok=30,
        article_links_seen=40,
        articles_fetched=15,
        fill_rates=FULL,
        previous_fill_rates=[FULL, FULL],
    )
    return decide(**(figures | overrides))


def test_exit_codes_are_distinct():
    codes = [EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DRIFT, EXIT_LOCKED, EXIT_VERIFY, EXIT_INTERRUPTED]
    assert len(set(codes)) == len(codes)
    assert EXIT_OK == 0 and EXIT_USAGE == 2  # click's own code for a bad command line


def test_normal_run_is_ok():
    assert run() == ("ok", EXIT_OK, [])


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "closespider_timeout"])
def test_a_run_stopped_before_the_end_is_interrupted(reason):
    status, code, problems = run(close_reason=reason)
    assert (status, code) == ("interrupted", EXIT_INTERRUPTED)
    assert reason in problems[0]


def test_nothing_fetched_is_a_failure():
    assert run(pages_ok=0, article_links_seen=0, articles_fetched=0, fill_rates={})[:2] == ("failed", EXIT_FAILED)


def test_nothing_fetched_names_the_kinds_of_errors_most_frequent_first():
    _, _, problems = run(
        pages_ok=0, article_links_seen=0, articles_fetched=0, fill_rates={}, errors={"timeout": 1, "dns": 2}
    )
    assert problems == ["no page could be fetched (dns 2, timeout 1): is the site up, is the network up?"]


def test_a_start_that_raised_is_a_failure_not_an_interruption():
    assert run(close_reason="start_error", pages_ok=0)[:2] == ("failed", EXIT_FAILED)


def test_listings_without_article_links_are_empty():
    status, code, problems = run(article_links_seen=0, articles_fetched=0, fill_rates={})
    assert (status, code) == ("empty", EXIT_DRIFT)
    assert "no article link" in problems[0]


def test_interrupted_wins_over_every_other_finding():
    assert run(close_reason="shutdown", pages_ok=0)[0] == "interrupted"


def test_a_field_falling_below_half_its_baseline_is_drift_and_named():
    status, code, problems = run(fill_rates=FULL | {"published_at": 0.0, "views": 0.4})
    assert (status, code) == ("drift", EXIT_DRIFT)
    assert problems == [
        "fill rate of published_at fell to 0% (baseline 100%): has the layout changed?",
        "fill rate of views fell to 40% (baseline 90%): has the layout changed?",
    ]


def test_a_fall_to_exactly_half_is_not_drift():
    assert run(fill_rates=FULL | {"views": 0.9 * DRIFT_RATIO})[0] == "ok"
    assert run(fill_rates=FULL | {"views": 0.9 * DRIFT_RATIO - 0.01})[0] == "drift"


def test_too_few_articles_say_nothing_about_fill_rates():
    low = FULL | {"title": 0.0}
    assert run(articles_fetched=MIN_ARTICLES_FOR_DRIFT - 1, fill_rates=low)[0] == "ok"
    assert run(articles_fetched=MIN_ARTICLES_FOR_DRIFT, fill_rates=low)[0] == "drift"


def test_first_run_has_no_baseline_and_is_ok():
    assert run(previous_fill_rates=[], fill_rates=FULL | {"views": 0.0})[0] == "ok"


def test_a_field_never_filled_before_cannot_drift():
    assert run(previous_fill_rates=[FULL | {"views": 0.0}], fill_rates=FULL | {"views": 0.0})[0] == "ok"


def test_a_field_new_to_the_history_cannot_drift():
    old = {k: v for k, v in FULL.items() if k != "images"}
    assert run(previous_fill_rates=[old], fill_rates=FULL | {"images": 0.0})[0] == "ok"


def test_article_urls_without_date_or_counter_are_drift_even_without_baseline():
    status, code, problems = run(previous_fill_rates=[], articles_fetched=0, fill_rates={}, not_articles=16)
    assert (status, code) == ("drift", EXIT_DRIFT)
    assert problems == [
        "16 pages at article URLs showed neither a date nor a view counter (0 articles did): has the layout changed?"
    ]


def test_a_few_static_pages_among_articles_are_normal():
    assert run(not_articles=1)[0] == "ok"  # the history page of a first crawl
    assert run(not_articles=MIN_ARTICLES_FOR_DRIFT, articles_fetched=200)[0] == "ok"
    assert run(not_articles=MIN_ARTICLES_FOR_DRIFT - 1, articles_fetched=0, fill_rates={})[0] == "ok"


# --- baseline ---------------------------------------------------------------------------------


def test_baseline_is_the_median_per_field():
    assert baseline([{"views": 0.9}, {"views": 0.1}, {"views": 0.5}]) == {"views": 0.5}
    assert baseline([{"views": 0.9}, {"views": 0.1}]) == {"views": 0.5}


def test_one_bad_run_does_not_move_the_baseline():
    history = [{"title": 0.0}, {"title": 1.0}, {"title": 1.0}]
    assert baseline(history) == {"title": 1.0}
    assert run(previous_fill_rates=[{"title": 0.0}, FULL, FULL], fill_rates=FULL | {"title": 0.0})[0] == "drift"


def test_baseline_uses_only_the_most_recent_runs():
    recent = [{"title": 0.2}] * BASELINE_RUNS
    assert baseline(recent + [{"title": 1.0}] * 10) == {"title": 0.2}


def test_runs_without_fetched_articles_are_left_out_of_the_baseline():
    assert baseline([{}, {}, {"title": 1.0}]) == {"title": 1.0}
    assert baseline([{}] * BASELINE_RUNS + [{"title": 1.0}]) == {"title": 1.0}
    assert baseline([]) == {}


def test_fields_missing_from_some_runs_use_the_runs_that_have_them():
    assert baseline([{"title": 1.0}, {"title": 0.8, "views": 0.6}]) == {"title": 0.9, "views": 0.6}


def test_drifting_fields_sorted_by_name():
    assert outcome.drifting_fields({"views": 0.0, "body_text": 0.0, "title": 1.0}, [FULL], 10) == ["body_text", "views"]


# --- which earlier runs make the baseline --------------------------------------------------------


def row(status: str, rates: dict) -> dict:
    return {"status": status, "fill_rates": rates}


def test_runs_that_raised_the_alarm_stay_out_of_the_baseline():
    broken = FULL | {"published_at": 0.0}
    history = [row("drift", broken), row("drift", broken), row("ok", FULL)]  # newest first
    assert baseline_history(history) == [FULL]
    # Third run on the broken layout: still drift (a baseline of all three would be 0% and silent).
    assert run(previous_fill_rates=baseline_history(history), fill_rates=broken)[0] == "drift"
    assert run(previous_fill_rates=[r["fill_rates"] for r in history], fill_rates=broken)[0] == "ok"


def test_baseline_history_skips_empty_runs_and_keeps_the_newest():
    history = [row("empty", {}), row("failed", {}), row("interrupted", {"title": 0.9})]
    history += [row("ok", {"title": 1.0 - i / 100}) for i in range(BASELINE_RUNS + 3)]
    kept = baseline_history(history)
    assert len(kept) == BASELINE_RUNS
    assert kept[0] == {"title": 0.9} and kept[1] == {"title": 1.0}


def test_every_run_status_has_its_colour_on_the_dashboard():
    from archive.browse.metadata import STATUS_COLOURS

    assert set(STATUS_COLOURS) == set(outcome.RUN_STATUSES)

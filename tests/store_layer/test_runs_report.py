"""`tnu-archive runs` and the morning check `runs --check`, on real archives in temp folders."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.storage.runs import finish_run, start_run
from archive.store import Archive

FULL = {"title": 1.0, "published_at": 1.0, "views": 0.9, "body_text": 1.0, "images": 0.8}
COUNTS = {
    "pages": 30,
    "articles_new": 2,
    "articles_changed": 0,
    "articles_unchanged": 18,
    "images_new": 3,
    "images_failed": 1,
}


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_run(
    archive: Archive,
    status: str,
    exit_code: int | None,
    *,
    started_hours_ago: float = 3,
    fill_rates=FULL,
    problems=(),
    errors=None,
) -> int:
    run_id = start_run(archive.db, ["https://tnu.edu.vn/"], {}, started_at=hours_ago(started_hours_ago))
    if status != "running":
        finish_run(
            archive.db,
            run_id,
            status=status,
            exit_code=exit_code if exit_code is not None else 1,
            counts=COUNTS,
            errors=errors or {},
            fill_rates=fill_rates,
            problems=list(problems),
        )
        if exit_code is None:  # a killed run never wrote its exit code
            archive.db.execute("UPDATE crawl_runs SET exit_code = NULL WHERE id = ?", [run_id])
    return run_id


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "tnu.sqlite"


@pytest.fixture
def archive(db_path):
    archive = Archive(db_path, db_path.parent / "images")
    yield archive
    archive.close()


def runs(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["runs", "--db", str(db_path), *args], prog_name="tnu-archive")


def test_the_table_shows_status_exit_counts_fallen_fill_rates_and_problems(archive, db_path):
    for _ in range(3):
        add_run(archive, "ok", 0, started_hours_ago=50)
    drift = {**FULL, "images": 0.05, "views": 0.75}
    problem = "fill rate of images fell to 5% (baseline 80%): has the layout changed?"
    add_run(archive, "drift", 3, fill_rates=drift, problems=[problem], errors={"http_404": 2})
    result = runs(db_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["run", "started", "(UTC)", "status", "exit", "pages"]
    assert lines[1].split()[0:1] == ["4"] and lines[1].split()[2:10] == ["drift", "3", "30", "2", "0", "18", "3", "1"]
    assert lines[1].endswith("http_404 2")
    # images fell far, views by 15 points; body and title did not move
    assert lines[2] == "      fill rates fell: images 5% (baseline 80%), views 75% (baseline 90%)"
    assert lines[3] == f"      problem: {problem}"
    assert [line.split()[2] for line in lines[4:]] == ["ok", "ok", "ok"]  # nothing fell in the ok runs


def test_small_runs_show_no_fallen_fill_rates(archive, db_path):
    add_run(archive, "ok", 0)
    small = add_run(archive, "ok", 0, fill_rates={**FULL, "images": 0.0})
    archive.db.execute("UPDATE crawl_runs SET articles_new = 1, articles_unchanged = 2 WHERE id = ?", [small])
    assert "fell" not in runs(db_path).output


@pytest.mark.parametrize(
    ("setup", "args", "code", "starts"),
    [
        ([("ok", 0, 3)], (), 0, "OK: run 1 ok: 30 pages, articles 2 new / 0 changed / 18 unchanged"),
        ([("ok", 0, 30)], (), 1, "ALERT: the latest run, 1 (ok), started"),
        ([("ok", 0, 30)], ("--max-age", "48"), 0, "OK: run 1 ok"),
        ([("ok", 0, 3)], ("--max-age", "2"), 1, "ALERT: the latest run, 1 (ok)"),
        ([("ok", 0, 27), ("failed", 1, 3)], (), 1, "ALERT: run 2 failed: 30 pages"),
        ([("ok", 0, 27), ("drift", 3, 3)], (), 3, "ALERT: drift alarm: run 2 drift:"),
        ([("empty", 3, 3)], (), 3, "ALERT: drift alarm: run 1 empty:"),
        ([("interrupted", 6, 3)], (), 6, "ALERT: run 1 interrupted:"),
        ([("killed", None, 3)], (), 1, "ALERT: run 1 killed:"),
        ([("failed", 1, 30), ("ok", 0, 2)], (), 0, "OK: run 2 ok"),
        # too old and failed: both named (the age alone hid the failure), the run's own code
        ([("failed", 1, 30)], (), 1, "ALERT: run 1 failed: 30 pages"),
        ([("drift", 3, 30)], (), 3, "ALERT: drift alarm: run 1 drift:"),
        ([("interrupted", 6, 30)], (), 6, "ALERT: run 1 interrupted:"),
    ],
)
def test_the_morning_check_judges_the_latest_run(archive, db_path, setup, args, code, starts):
    for status, exit_code, age in setup:
        add_run(
            archive,
            status,
            exit_code,
            started_hours_ago=age,
            problems=["no page could be fetched (dns 1)"] if status == "failed" else [],
        )
    result = runs(db_path, "--check", *args)
    assert result.exit_code == code, result.output
    assert result.stdout.count("\n") == 1 and result.stdout.startswith(starts), result.stdout
    if setup[-1][0] == "failed":
        assert result.stdout.rstrip().endswith("; no page could be fetched (dns 1)")
    too_old = setup[-1][2] > float(args[-1] if args else 26)
    assert ("more than" in result.stdout) == too_old, result.stdout


def test_a_run_still_going_passes_and_one_whose_process_died_does_not(archive, db_path):
    running = add_run(archive, "running", None, started_hours_ago=1)  # this test's own process: alive
    result = runs(db_path, "--check")
    assert (result.exit_code, result.stdout.split(",")[0]) == (0, f"OK: run {running} is running")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    archive.db.execute("UPDATE crawl_runs SET pid = ? WHERE id = ?", [child.pid, running])
    result = runs(db_path, "--check")
    assert result.exit_code == 1 and result.stdout.startswith(f"ALERT: run {running} was killed")


def test_an_archive_without_runs_fails_the_check(archive, db_path):
    result = runs(db_path, "--check")
    assert (result.exit_code, result.stdout) == (1, "ALERT: no crawl run is recorded in this archive\n")


def test_max_age_needs_check_and_a_positive_number(archive, db_path):
    assert runs(db_path, "--max-age", "3").exit_code == 2
    assert runs(db_path, "--check", "--max-age", "0").exit_code == 2

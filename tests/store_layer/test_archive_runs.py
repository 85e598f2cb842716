"""archive/storage/runs.py: the crawl_runs rows a run leaves, and stale runs of dead processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from archive import __version__
from archive.lifeline import process_alive
from archive.storage.runs import finished_runs, list_runs, mark_stale_runs_killed, utc_iso


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running_row(archive, pid, host) -> int:
    return archive.db.execute(
        "INSERT INTO crawl_runs (started_at, status, pid, host) VALUES ('2026-11-01T00:00:00Z', 'running', ?, ?)",
        [pid, host],
    ).lastrowid


def test_start_and_finish_fill_the_run_row(archive):
    run_id = archive.start_run(["https://tnu.edu.vn/tin-tuc-su-kien.html"], {"DOWNLOAD_DELAY": 1.0, "X": object})
    row = list_runs(archive.db)[0]
    assert (row["id"], row["status"], row["ended_at"], row["pid"], row["host"]) == (
        run_id,
        "running",
        None,
        os.getpid(),
        socket.gethostname(),
    )
    assert row["start_urls"] == ["https://tnu.edu.vn/tin-tuc-su-kien.html"]
    assert row["settings"]["DOWNLOAD_DELAY"] == 1.0 and row["started_at"].endswith("Z")
    archive.finish_run(
        run_id,
        status="drift",
        exit_code=3,
        counts={
            "pages": 12,
            "articles_new": 3,
            "articles_changed": 1,
            "articles_unchanged": 5,
            "images_new": 7,
            "images_failed": 2,
        },
        errors={"http_404": 2},
        fill_rates={"title": 1.0, "views": 0.2},
        problems=["fill rate of views fell to 20% (baseline 100%): has the layout changed?"],
    )
    row = list_runs(archive.db)[0]
    assert (row["status"], row["exit_code"], row["crawler_version"]) == ("drift", 3, __version__)
    assert (
        row["pages"],
        row["articles_new"],
        row["articles_changed"],
        row["articles_unchanged"],
        row["images_new"],
        row["images_failed"],
    ) == (12, 3, 1, 5, 7, 2)
    assert row["errors"] == {"http_404": 2} and row["fill_rates"] == {"title": 1.0, "views": 0.2}
    assert row["problems"][0].startswith("fill rate of views") and row["ended_at"] >= row["started_at"]


def test_counts_left_out_come_from_what_the_archive_saw(archive, make_article, image_bytes):
    run_id = archive.start_run([], {})
    archive.save_article(make_article(), run_id=run_id, fetched_at="2026-11-20T00:00:00Z", raw_html=None, encoding=None)
    archive.save_article(make_article(), run_id=run_id, fetched_at="2026-11-21T00:00:00Z", raw_html=None, encoding=None)
    archive.store_image(run_id, "http://x/a.png", image_bytes(), status=200, fetched_at="2026-11-21T00:00:00Z")
    archive.finish_run(run_id, status="ok", exit_code=0, counts={"pages": 4}, errors={}, fill_rates={}, problems=[])
    row = list_runs(archive.db)[0]
    assert (row["pages"], row["articles_new"], row["articles_unchanged"], row["images_new"]) == (4, 1, 1, 1)


def test_finish_refuses_unknown_counts_and_a_running_status(archive):
    run_id = archive.start_run([], {})
    with pytest.raises(ValueError):
        archive.finish_run(
            run_id, status="ok", exit_code=0, counts={"articels_new": 1}, errors={}, fill_rates={}, problems=[]
        )
    with pytest.raises(ValueError):
        archive.finish_run(run_id, status="running", exit_code=0, counts={}, errors={}, fill_rates={}, problems=[])
    archive.finish_run(run_id, status="interrupted", exit_code=6, counts={}, errors={}, fill_rates={}, problems=[])
    assert list_runs(archive.db)[0]["status"] == "interrupted"


def test_runs_of_dead_processes_are_marked_killed(archive):
    host = socket.gethostname()
    dead = _running_row(archive, _dead_pid(), host)
    alive = _running_row(archive, os.getppid(), host)
    elsewhere = _running_row(archive, 1234, "another-host")
    legacy = _running_row(archive, None, None)
    assert sorted(mark_stale_runs_killed(archive.db)) == [dead, legacy]
    status = {r["id"]: (r["status"], r["ended_at"]) for r in list_runs(archive.db)}
    assert status[dead] == ("killed", None) and status[alive][0] == status[elsewhere][0] == "running"
    # Holding the data folder's lock proves every other run dead, wherever it ran.
    assert sorted(mark_stale_runs_killed(archive.db, lock_held=True)) == [alive, elsewhere]


def test_a_new_run_marks_the_dead_one_killed(archive):
    dead = _running_row(archive, _dead_pid(), socket.gethostname())
    archive.start_run([], {})
    assert {r["id"]: r["status"] for r in list_runs(archive.db)}[dead] == "killed"


def test_list_and_finished_runs_newest_first(archive):
    ids = [archive.start_run([], {}) for _ in range(4)]
    for run_id, status in zip(ids[:3], ("ok", "drift", "failed"), strict=True):
        archive.finish_run(
            run_id, status=status, exit_code=0, counts={}, errors={}, fill_rates={"title": 1.0}, problems=[]
        )
    assert [r["id"] for r in list_runs(archive.db, limit=3)] == ids[::-1][:3]
    assert [r["id"] for r in finished_runs(archive.db, limit=5, before=ids[3])] == ids[2::-1]
    assert [r["id"] for r in archive.finished_runs(limit=1, before=ids[2])] == [ids[1]]
    assert archive.finished_runs(before=ids[3])[0]["fill_rates"] == {"title": 1.0}


@pytest.mark.parametrize(
    "given, stored",
    [
        ("2026-11-26T05:40:00Z", "2026-11-26T05:40:00Z"),
        ("2026-11-26T05:40:00+00:00", "2026-11-26T05:40:00Z"),
        ("2026-11-26T12:40:00.5+07:00", "2026-11-26T05:40:00Z"),
        ("2026-11-26T05:40:00", "2026-11-26T05:40:00Z"),
    ],
)
def test_every_iso_time_becomes_utc_z(given, stored):
    assert utc_iso(given) == stored


def test_a_zombie_is_not_alive():
    # A killed crawl's helper can stay a zombie (exited, not yet reaped): its temporary files and
    # its run are abandoned all the same.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, still unreaped
    try:
        assert not process_alive(child.pid)
    finally:
        child.wait()
    assert process_alive(os.getpid())


def test_a_run_records_how_many_articles_generic_rules_read(archive):
    from archive.storage.runs import generic_share

    run_id = archive.start_run(["https://tnu.edu.vn/"], {})
    counts = {"pages": 12, "articles_new": 6, "articles_changed": 1, "articles_unchanged": 1, "articles_generic": 6}
    archive.finish_run(run_id, status="ok", exit_code=0, counts=counts, errors={}, fill_rates={}, problems=[])
    row = list_runs(archive.db)[0]
    assert row["articles_generic"] == 6
    assert generic_share(row) == "75%"  # a new layout arriving: most articles read by generic rules


def test_the_generic_share_of_runs_that_predate_it_or_archived_nothing_is_unknown():
    from archive.storage.runs import generic_share

    assert generic_share({"articles_new": 3, "articles_generic": None}) == "-"
    assert (
        generic_share({"articles_new": 0, "articles_changed": 0, "articles_unchanged": 0, "articles_generic": 0}) == "-"
    )

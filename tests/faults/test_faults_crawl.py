"""Hostile and broken input, end to end (issue 5.2): two real crawls of the fault site, the first
while the server misbehaves, the second once it behaves again.

For every fault: the run finishes with its documented exit code (0), the fault is in fetch_log
(or on the image's row) with its kind, every good article is archived complete, nothing is
written outside the data folder, and the next run retries what failed and archives it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from fault_site import (
    BIG_LISTING,
    HTML_UNDER_IMAGE,
    IMG,
    LOOP_PARTNER,
    PARAS,
    RETRY_AFTER,
    RETRY_TIMES,
    SQL_TITLE,
    P,
    bomb_png,
    corrupt_jpeg,
)
from lxml import html as lxml_html

from archive.outcome import EXIT_OK
from crawler.cli import cli
from crawler.replica.server import file_for

FIELDS = ("title", "published_at", "published_text", "views", "author", "category", "body_text")
ATTEMPTS = RETRY_TIMES + 1


# --- helpers -------------------------------------------------------------------------------------


def article_row(db, origin: str, path: str) -> dict | None:
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [origin + path]))
    assert len(rows) <= 1
    return rows[0] if rows else None


def image_rows(db, article_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM article_images WHERE article_id = ? ORDER BY position", [article_id]))


def fetches(db, url: str, run_id: int | None = None) -> list[dict]:
    sql = "SELECT * FROM fetch_log WHERE url = ?" + (" AND run_id = ?" if run_id else "") + " ORDER BY id"
    return list(db.query(sql, [url] + ([run_id] if run_id else [])))


def paragraphs(body_text: str) -> list[str]:
    return [p for p in body_text.split("\n\n") if p]


def assert_complete(scenario, which: str, path: str, *, body: bool = True) -> dict:
    """The article is archived with every field of the ground truth and every picture's bytes."""
    db = scenario.db(which)
    want = scenario.site.expected["articles"][path]
    row = article_row(db, scenario.origin, path)
    assert row is not None, f"{path} not archived by the {which} run"
    for name in FIELDS:
        if name == "body_text":
            if body:
                assert paragraphs(row[name]) == paragraphs(want[name]), path
        else:
            assert row[name] == want[name], (path, name)
    images = image_rows(db, row["id"])
    assert [r["src_url"] for r in images] == [scenario.origin + im["src"] for im in want["images"]], path
    for r, im in zip(images, want["images"], strict=True):
        assert (r["caption"], r["alt"], r["credit"]) == (im["caption"], im["alt"], im["credit"]), path
        assert r["image_sha256"] is not None, f"{path}: {r['src_url']} not downloaded"
        stored = db.execute("SELECT path FROM images WHERE sha256 = ?", [r["image_sha256"]]).fetchone()
        data = (scenario.sandbox.images / stored[0]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["image_sha256"]
    return row


def served_file(scenario, src: str) -> bytes:
    """An image's file as write_site drew it (under its src, literally)."""
    return (scenario.site.root / "www" / src.lstrip("/")).read_bytes()


def requested_paths(requests) -> Counter:
    return Counter(unquote(r.path) for r in requests if r.server == "site")


# --- the runs ------------------------------------------------------------------------------------


def test_both_runs_finish_with_exit_0_and_an_ok_status(scenario):
    for run in (scenario.first, scenario.second):
        assert run.returncode == EXIT_OK, run.stderr[-3000:]
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
    runs = list(scenario.db().query("SELECT id, status, exit_code, errors FROM crawl_runs ORDER BY id"))
    assert [(r["status"], r["exit_code"]) for r in runs] == [("ok", 0), ("ok", 0)]
    print(
        f"\nfaulty run: {scenario.first.seconds:.1f}s, peak RSS {scenario.first.max_rss_mb:.0f} MB; "
        f"errors {runs[0]['errors']}"
    )
    print(
        f"healed run: {scenario.second.seconds:.1f}s, peak RSS {scenario.second.max_rss_mb:.0f} MB; "
        f"errors {runs[1]['errors']}"
    )


def test_every_fault_was_served(scenario):
    served = {name for _, name in scenario.applied}
    assert served >= {"truncate", "reset", "slow", "status_429", "status_503", "redirect", "oversize", "header", "body"}
    assert not any(r.path for r in scenario.second_requests if r.status in (429, 503))


# --- each fault in fetch_log ---------------------------------------------------------------------

PAGE_FAULTS = {  # role -> (error kind of every attempt in the faulty run, number of attempts)
    "truncated": ("truncated", ATTEMPTS),
    "reset": ("connection_lost", ATTEMPTS),
    "slow": ("timeout", ATTEMPTS),
    "busy": ("http_503", ATTEMPTS),
    "oversize": ("too_large", 1),
    "oversize_stream": ("too_large", 1),
    "other_host": ("redirect_offsite", 1),
}


@pytest.mark.parametrize("role", sorted(PAGE_FAULTS))
def test_page_fault_is_in_fetch_log_with_its_kind(scenario, role):
    kind, attempts = PAGE_FAULTS[role]
    rows = fetches(scenario.db(), scenario.origin + P[role], run_id=1)
    assert [r["error"] for r in rows] == [kind] * attempts
    assert all(r["kind"] == "page" for r in rows)
    if kind.startswith("http_") or kind.startswith("redirect"):
        assert all(r["status"] for r in rows)
    else:
        assert all(r["status"] is None and r["bytes"] is None for r in rows)


def test_redirect_loop_is_logged_as_a_loop(scenario):
    first = fetches(scenario.db(), scenario.origin + P["loop"], run_id=1)
    back = fetches(scenario.db(), scenario.origin + LOOP_PARTNER, run_id=1)
    assert [(r["status"], r["error"]) for r in first] == [(301, None)]
    assert [(r["status"], r["error"]) for r in back] == [(301, "redirect_loop")]


def test_redirect_to_another_host_is_never_followed(scenario):
    # nothing of the site lives on the other host: not even its robots.txt is needed
    assert [r.path for r in scenario.first_requests + scenario.second_requests if r.server == "other"] == []


@pytest.mark.parametrize(("role", "status", "failures"), [("too_many", 429, 1), ("busy_short", 503, 2)])
def test_short_outage_is_absorbed_by_the_retries_of_the_same_run(scenario, role, status, failures):
    rows = fetches(scenario.db(), scenario.origin + P[role], run_id=1)
    assert [r["status"] for r in rows] == [status] * failures + [200]
    assert rows[0]["error"] == f"http_{status}" and rows[-1]["error"] is None
    assert_complete(scenario, "first", P[role])


def test_wait_after_429_with_retry_after(scenario):
    """The retry of a `429 Retry-After: N` comes N seconds later (crawler/fetching/retry_after.py)."""
    hits = [(t, status) for t, path, status in scenario.timeline if path == P["too_many"]]
    assert [status for _, status in hits] == [429, 200]
    waited = hits[1][0] - hits[0][0]
    print(f"\n429 (Retry-After: {RETRY_AFTER}) then 200 after {waited:.3f}s")
    assert waited >= RETRY_AFTER - 0.05


def test_run_counts_each_failure_kind(scenario):
    errors = json.loads(next(scenario.db().query("SELECT errors FROM crawl_runs WHERE id = 1"))["errors"])
    for kind in (
        "truncated",
        "connection_lost",
        "timeout",
        "http_503",
        "too_large",
        "redirect_loop",
        "redirect_offsite",
        "not_an_image",
    ):
        assert errors.get(kind, 0) >= 1, (kind, errors)


# --- what the faulty run archived ----------------------------------------------------------------


def test_good_articles_archived_complete_by_the_faulty_run(scenario):
    for path in scenario.site.good:
        assert_complete(scenario, "first", path)


def test_outage_articles_are_pending_after_the_faulty_run(scenario):
    db = scenario.db("first")
    pending = {row[0] for row in db.execute("SELECT url FROM article_links WHERE article_id IS NULL")}
    for path in scenario.site.outage:
        assert article_row(db, scenario.origin, path) is None, path
        assert scenario.origin + path in pending, path


# --- the next run ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(PAGE_FAULTS) + ["loop"])
def test_next_run_archives_what_failed(scenario, role):
    assert_complete(scenario, "second", P[role])
    assert not [r for r in fetches(scenario.db(), scenario.origin + P[role], run_id=2) if r["error"]]


def test_next_run_fetches_only_what_failed(scenario):
    again = requested_paths(scenario.second_requests)
    for path in scenario.site.good + list(scenario.site.recovered):
        assert again[unquote(path)] == 0, path
    for path in scenario.site.outage:
        assert again[unquote(path)] == 1, path
    assert again[IMG["html"]] == again[IMG["cut"]] == 1  # the two images that failed
    assert again[IMG["corrupt"]] == again[IMG["bomb"]] == 0  # kept as bytes: not failures


def test_every_article_archived_once_after_both_runs(scenario):
    urls = [r["url"] for r in scenario.db().query("SELECT url FROM articles")]
    assert sorted(urls) == sorted(scenario.origin + p for p in scenario.site.expected["articles"])


# --- images ------------------------------------------------------------------------------------------


def image_source(db, origin: str, src: str) -> dict:
    rows = list(db.query("SELECT * FROM image_sources WHERE src_url = ?", [origin + src]))
    assert len(rows) == 1, src
    return rows[0]


def test_html_under_an_image_url_is_refused_then_retried(scenario):
    first = image_source(scenario.db("first"), scenario.origin, IMG["html"])
    assert (first["status"], first["error"], first["image_sha256"]) == (200, "not_an_image", None)
    rows = fetches(scenario.db(), scenario.origin + IMG["html"], run_id=1)
    assert [(r["kind"], r["status"], r["bytes"]) for r in rows] == [("image", 200, len(HTML_UNDER_IMAGE))]
    second = image_source(scenario.db(), scenario.origin, IMG["html"])
    assert second["error"] is None and second["attempts"] == 2
    assert second["image_sha256"] == hashlib.sha256(served_file(scenario, IMG["html"])).hexdigest()
    assert_complete(scenario, "second", P["image_outage"])


def test_truncated_image_is_recorded_then_retried(scenario):
    first = image_source(scenario.db("first"), scenario.origin, IMG["cut"])
    assert (first["status"], first["error"], first["image_sha256"]) == (None, "truncated", None)
    rows = fetches(scenario.db(), scenario.origin + IMG["cut"], run_id=1)
    assert [(r["kind"], r["error"]) for r in rows] == [("image", "truncated")] * ATTEMPTS
    second = image_source(scenario.db(), scenario.origin, IMG["cut"])
    assert second["image_sha256"] == hashlib.sha256(served_file(scenario, IMG["cut"])).hexdigest()


def stored_image(scenario, src: str) -> tuple[dict, bytes]:
    db = scenario.db("first")
    sha = image_source(db, scenario.origin, src)["image_sha256"]
    assert sha is not None, src
    row = next(db.query("SELECT * FROM images WHERE sha256 = ?", [sha]))
    return row, (scenario.sandbox.images / row["path"]).read_bytes()


def test_corrupt_image_kept_as_bytes_with_unknown_dimensions(scenario):
    row, data = stored_image(scenario, IMG["corrupt"])
    assert data == corrupt_jpeg()
    assert (row["mime"], row["width"], row["height"], row["bytes"]) == ("image/jpeg", None, None, len(data))


def test_decompression_bomb_kept_as_bytes_never_decoded(scenario):
    row, data = stored_image(scenario, IMG["bomb"])
    assert data == bomb_png()
    assert (row["mime"], row["width"], row["height"]) == ("image/png", None, None)
    # 100000 x 100000 RGB decoded would need 30 GB; the crawl stays a small process. Its own
    # peak is ~110 MB on a quiet machine, but rises with load (~300 MB seen on a busy one: the
    # bodies waiting for a slowed writer are held meanwhile), so the bound is set against the
    # bomb, not against the machine's spell.
    assert scenario.first.max_rss_mb < 1024, scenario.first.max_rss_mb
    assert_complete(scenario, "first", P["image_bad"])


@pytest.mark.parametrize("role", ["traversal", "vietnamese", "mixed"])
def test_odd_image_paths_stored_by_content_only(scenario, role):
    row, data = stored_image(scenario, IMG[role])
    assert row["path"] == f"{row['sha256'][:2]}/{row['sha256']}.jpg"
    assert hashlib.sha256(data).hexdigest() == row["sha256"]


def test_odd_image_paths_article_complete(scenario):
    assert_complete(scenario, "first", P["image_paths"])


# --- nothing written astray --------------------------------------------------------------------------


def test_nothing_written_outside_the_data_folder(scenario):
    assert scenario.sandbox.stray_files() == []
    # `..%2F` decoded by a careless writer would land in a parent of the images folder
    names = {"thoat-ra-ngoai.jpg", "ảnh 2.jpg", "thư mục"}
    for parent in (scenario.sandbox.images, *scenario.sandbox.images.parents):
        try:
            entries = {p.name for p in parent.iterdir()}
        except OSError:
            continue
        assert not entries & names, parent


def test_every_image_file_is_named_by_its_content(scenario):
    files = [p for p in scenario.sandbox.images.rglob("*") if p.is_file()]
    count = scenario.db().execute("SELECT count(*) FROM images").fetchone()[0]
    assert len(files) == count
    for f in files:
        assert f.stem == hashlib.sha256(f.read_bytes()).hexdigest()
        assert f.parent.name == f.stem[:2]


# --- hostile pages, archived safely by the faulty run ------------------------------------------------


def test_windows_1258_page_comes_out_as_nfc_vietnamese(scenario):
    row = assert_complete(scenario, "first", P["cp1258"])
    assert row["title"] == "Hội thảo ngôn ngữ học: tiếng Việt – những điều kỳ diệu của dấu thanh"
    for text in (row["title"], row["body_text"], row["body_html"]):
        assert unicodedata.is_normalized("NFC", text)
    assert "“khuỷu”, “nghiêng”, “giường”, “người”, “thuở”, “Nguyễn”" in row["body_text"]
    raw = (scenario.site.root / "www" / file_for(P["cp1258"])).read_bytes()
    assert "Nguyễn".encode() not in raw and b"Nguy\xea\xde" in raw  # really cp1258, tone mark apart


def test_broken_html_page_archived_complete(scenario):
    assert_complete(scenario, "first", P["broken"])


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "a",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "figure",
    "figcaption",
    "img",
}


def assert_inert(fragment: str) -> None:
    tree = lxml_html.fragment_fromstring(fragment or "<i></i>", create_parent="div")
    for el in tree.iterdescendants():
        assert el.tag in ALLOWED_TAGS, el.tag
        for name, value in el.attrib.items():
            assert name in {"href", "src", "alt", "width", "height", "colspan", "rowspan"}, name
            if name in ("href", "src"):
                assert value.startswith(("http://", "https://")), value
    lowered = fragment.lower()
    for needle in (
        "javascript",
        "data:",
        "onerror",
        "onload",
        "onclick",
        "<script",
        "<iframe",
        "<style",
        "<object",
        "<embed",
        "<svg",
        "<form",
        "<meta",
        "expression(",
    ):
        assert needle not in lowered, needle


def test_stored_html_of_the_xss_article_is_inert(scenario):
    row = article_row(scenario.db("first"), scenario.origin, P["xss"])
    assert row is not None
    assert_inert(row["body_html"])
    assert PARAS[0] in row["body_html"] and PARAS[1] in row["body_html"]
    assert "alert" not in row["body_text"]


def test_data_and_javascript_urls_are_never_requested(scenario):
    for r in scenario.first_requests + scenario.second_requests:
        assert "javascript" not in r.path.lower() and "data:" not in unquote(r.path).lower(), r.path
    urls = [r["url"] for r in scenario.db().query("SELECT url FROM fetch_log")]
    assert all(u.startswith("http://") for u in urls)
    row = assert_complete(scenario, "first", P["data_js"])
    assert_inert(row["body_html"])


def test_sql_in_a_title_and_a_url_is_stored_as_text(scenario):
    db = scenario.db()
    row = article_row(db, scenario.origin, P["sql"])
    assert row["title"] == SQL_TITLE and row["url"].endswith("&id=1%27%3B--")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "images", "article_images", "fetch_log", "crawl_runs"} <= tables
    result = CliRunner().invoke(cli, ["search", SQL_TITLE, "--db", str(scenario.sandbox.db), "--json"])
    assert result.exit_code == 0, result.output
    assert [hit["url"] for hit in json.loads(result.stdout)] == [scenario.origin + P["sql"]]


# --- the listing with thousands of links ---------------------------------------------------------------


def test_listing_with_thousands_of_links(scenario):
    listing = (scenario.site.root / "www" / BIG_LISTING.lstrip("/")).read_text(encoding="utf-8")
    assert listing.count("<a ") > 3000
    seen = requested_paths(scenario.first_requests)
    assert seen[BIG_LISTING] == 1
    # every article once, however many times the listing links it (retried ones once per attempt)
    for path in scenario.site.good + list(scenario.site.hostile):
        assert seen[unquote(path)] == 1, path
    assert seen[unquote(P["too_many"])] == 2 and seen[unquote(P["busy_short"])] == 3
    # the private area never (robots.txt); the /gioi-thieu/ pages are links no URL rule knows:
    # discovery looks at each at most once (docs/discovery.md), and they are no articles
    assert not [p for p in seen if p.startswith("/account/")]
    assert [p for p, n in seen.items() if p.startswith("/gioi-thieu/") and n > 1] == []
    # article-shaped links on another host are not the site's: never requested, never pending
    links = {r["url"] for r in scenario.db().query("SELECT url FROM article_links")}
    assert {u for u in links if "/gioi-thieu/" not in u} == {
        scenario.origin + p for p in scenario.site.expected["articles"]
    }
    archived = {r["url"] for r in scenario.db().query("SELECT url FROM articles")}
    assert not [u for u in archived if "/gioi-thieu/" in u]
    print(
        f"\nbig listing: {listing.count('<a ')} links; article requests in the faulty run: "
        f"{sum(v for p, v in seen.items() if p in map(unquote, scenario.site.expected['articles']))}"
    )

"""archive/storage/set_aside.py and reparse's use of it: a row a newer extractor no longer reads as an
article leaves `articles` whole and reversibly; a set-aside row read as an article comes back
under its id with everything that belonged to it."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from archive.operations import recovery
from archive.operations.reparse import brake_holds as reparse_brake
from archive.operations.reparse import reparse
from archive.record import Article
from archive.search import search
from archive.storage import aliases, frontier, set_aside

STATIC_URL = "http://tnu.edu.vn/lich-su-dn45.html"
STATIC_PAGE = """<html><body><h1>Lịch sử phát triển</h1>
<p>Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.</p>
<p>Trải qua hơn 30 năm xây dựng và phát triển, Đại học Thái Nguyên đã trở thành đại học vùng.</p></body></html>"""


def old_reading(body: bytes, url: str, encoding: str | None) -> Article:
    """What earlier extractors made of the history page: the day in its first line as its date."""
    html = body.decode(encoding or "utf-8")
    paragraphs = re.findall(r"<p>(.*?)</p>", html)
    return Article(
        url=url,
        title=re.search(r"<h1>(.*?)</h1>", html).group(1),
        published_at="1994-04-04",
        published_text="Ngày 04/4/1994",
        body_text="\n\n".join(paragraphs),
    )


def new_reading(body: bytes, url: str, encoding: str | None) -> Article:
    """The judgement of today: no date outside the running text, so no date."""
    return replace(old_reading(body, url, encoding), published_at=None, published_text=None)


def tables(archive) -> dict[str, list]:
    """Every row of every table that can name an article, sorted: the archive's state."""
    names = [
        "articles",
        "article_images",
        "view_counts",
        "article_versions",
        "article_aliases",
        "article_links",
        "recovered_captures",
        "article_search",
    ]
    return {name: sorted(map(tuple, archive.db.execute(f"SELECT * FROM {name}"))) for name in names}


@pytest.fixture
def stored(archive, make_article):
    """The history page stored as an article the old way (with an image, counts, a version, an
    alias, a frontier link and a recovered capture), between two real articles."""
    first = archive.save_article(
        make_article(url="http://tnu.edu.vn/a-dn1.html"), run_id=None, fetched_at="2026-11-01T00:00:00Z"
    )
    body = STATIC_PAGE.encode()
    history = make_article(
        url=STATIC_URL,
        title="Lịch sử phát triển",
        published_at="1994-04-04",
        published_text="Ngày 04/4/1994",
        body_text="Ngày 04/4/1994, Đại học Thái Nguyên được thành lập.",
    )
    saved = archive.save_article(
        history, run_id=None, fetched_at="2026-11-02T00:00:00Z", raw_html=body, encoding="utf-8"
    )
    edited = replace(history, views=600, body_text=history.body_text + "\n\nTrải qua hơn 30 năm.")
    archive.save_article(edited, run_id=None, fetched_at="2026-11-03T00:00:00Z", raw_html=body, encoding="utf-8")
    with archive.db.atomic():
        aliases.record(archive.db, ["http://tnu.edu.vn/gioi-thieu/lich-su"], saved.article_id, "2026-11-02T00:00:00Z")
        frontier.link_archived(
            archive.db, "http://tnu.edu.vn/lich-su-dn45.html?ref=menu", saved.article_id, "2026-11-02T00:00:00Z"
        )
        recovery.capture_recovered(
            archive.db,
            {"url": STATIC_URL, "timestamp": "20200101000000", "raw_url": "http://wb/20200101000000id_/" + STATIC_URL},
            "new",
            saved.article_id,
            None,
        )
    return first.article_id, saved.article_id


def test_set_aside_moves_the_row_and_what_belongs_to_it_out_and_restore_puts_all_back(archive, stored):
    _, history_id = stored
    before = tables(archive)
    assert search(archive.db, "thanh lap")
    with archive.db.atomic():
        set_aside.set_aside(archive.db, history_id, "no_date", "2026-12-01T00:00:00Z")
    after = tables(archive)
    assert [r for r in after["articles"] if r[0] == history_id] == []
    for table in ("article_images", "view_counts", "article_versions", "article_aliases", "article_search"):
        assert not [r for r in after[table] if history_id in r], table
    assert search(archive.db, "thanh lap") == []
    # the frontier: its URL and the links to it are a static page now (rechecked, not refetched every run)
    links = {r[0]: r for r in archive.db.execute("SELECT url, article_id, not_article_at FROM article_links")}
    assert links[STATIC_URL] == (STATIC_URL, None, "2026-12-01T00:00:00Z")
    assert links[STATIC_URL + "?ref=menu"] == (STATIC_URL + "?ref=menu", None, "2026-12-01T00:00:00Z")
    assert archive.db.execute("SELECT article_id FROM recovered_captures").fetchone() == (None,)
    # kept whole: the row as it was, its raw page still there
    aside = next(archive.db.query("SELECT * FROM set_aside_articles"))
    assert (aside["article_id"], aside["url"], aside["reason"]) == (history_id, STATIC_URL, "no_date")
    row = json.loads(aside["row"])
    assert row["published_at"] == "1994-04-04" and archive.raw_page(row["raw_sha256"]) is not None
    related = json.loads(aside["related"])
    assert len(related["article_images"]) == 2 and len(related["view_counts"]) == 2
    assert len(related["article_versions"]) == 1 and related["article_aliases"][0]["url"].endswith(
        "/gioi-thieu/lich-su"
    )

    with archive.db.atomic():
        assert set_aside.restore(archive.db, history_id)
    restored = tables(archive)
    assert {k: v for k, v in restored.items() if k != "article_search"} == {
        k: v for k, v in before.items() if k != "article_search"
    }
    assert archive.db.execute("SELECT count(*) FROM set_aside_articles").fetchone() == (0,)


def test_an_id_set_aside_is_never_given_to_another_article(archive, stored, make_article):
    _, history_id = stored  # the highest id
    with archive.db.atomic():
        set_aside.set_aside(archive.db, history_id, "no_date", "2026-12-01T00:00:00Z")
    new = archive.save_article(
        make_article(url="http://tnu.edu.vn/b-dn2.html"), run_id=None, fetched_at="2026-12-02T00:00:00Z"
    )
    assert new.article_id == history_id + 1
    assert archive.db.execute(
        "SELECT count(*) FROM article_images WHERE article_id = ?", [new.article_id]
    ).fetchone() == (2,)


def test_restore_gives_way_when_the_url_was_archived_again(archive, stored, make_article):
    _, history_id = stored
    with archive.db.atomic():
        set_aside.set_aside(archive.db, history_id, "no_date", "2026-12-01T00:00:00Z")
    archive.save_article(make_article(url=STATIC_URL), run_id=None, fetched_at="2026-12-02T00:00:00Z")
    with archive.db.atomic():
        assert not set_aside.restore(archive.db, history_id)
    assert archive.db.execute("SELECT count(*) FROM set_aside_articles").fetchone() == (1,)


def test_reparse_sets_aside_what_no_longer_reads_as_an_article_and_puts_it_back_when_it_does(archive, stored):
    first_id, history_id = stored
    counts = reparse(archive, new_reading)
    # the real article has no raw page here (saved without one); the history page is set aside
    assert (counts["articles"], counts["set_aside"], counts["missing_raw"], counts["restored"]) == (2, 1, 1, 0)
    assert [r[0] for r in archive.db.execute("SELECT id FROM articles")] == [first_id]
    assert archive.db.execute("SELECT article_id, reason FROM set_aside_articles").fetchall() == [
        (history_id, "no_date")
    ]
    # a second pass: still not an article, nothing moves
    again = reparse(archive, new_reading)
    assert (again["articles"], again["set_aside"], again["restored"]) == (2, 0, 0)
    # an extractor that reads it as an article again: back under its id, its history intact
    back = reparse(archive, old_reading)
    assert (back["restored"], back["set_aside"]) == (1, 0)
    row = next(archive.db.query("SELECT * FROM articles WHERE id = ?", [history_id]))
    assert row["url"] == STATIC_URL and row["published_at"] == "1994-04-04"
    assert archive.db.execute("SELECT count(*) FROM view_counts WHERE article_id = ?", [history_id]).fetchone() == (2,)
    assert search(archive.db, "thanh lap")[0]["url"] == STATIC_URL


@pytest.mark.parametrize(
    "reading, reason",
    [
        (Article(url="u", title="t", published_at="2020-01-01", listing=True), "listing"),
        (Article(url="u", title=None, published_at="2020-01-01"), "no_title"),
        (Article(url="u", title="t", views=5), "no_date"),
        (Article(url="u", title="t", published_at="2020-01-01"), None),
    ],
)
def test_reason_for_is_the_judgement_of_is_article(reading, reason):
    assert set_aside.reason_for(reading.title, reading.published_at, reading.listing) == reason
    assert (reason is None) == reading.is_article


def test_a_version_number_taken_meanwhile_gives_the_restored_version_a_new_one(archive, stored, make_article):
    first_id, history_id = stored
    with archive.db.atomic():
        set_aside.set_aside(archive.db, history_id, "no_date", "2026-12-01T00:00:00Z")
    # another article's edit takes version number 1, which the history page's version had
    edited = make_article(url="http://tnu.edu.vn/a-dn1.html", body_text="Nội dung đã sửa.")
    archive.save_article(edited, run_id=None, fetched_at="2026-12-02T00:00:00Z")
    assert archive.db.execute("SELECT id, article_id FROM article_versions").fetchall() == [(1, first_id)]
    with archive.db.atomic():
        assert set_aside.restore(archive.db, history_id)
    assert archive.db.execute("SELECT id, article_id FROM article_versions ORDER BY id").fetchall() == [
        (1, first_id),
        (2, history_id),
    ]


def _store_pages(archive, articles: int, static: int) -> None:
    """`articles` pages with a date line and `static` history pages, each stored as an article."""
    for n in range(articles):
        page = STATIC_PAGE.replace("<h1>Lịch sử phát triển</h1>", f"<h1>Tin {n}</h1><p>Đăng ngày: 15-07-2020</p>")
        article = replace(old_reading(page.encode(), f"http://tnu.edu.vn/tin-dn{n}.html", "utf-8"), title=f"Tin {n}")
        archive.save_article(
            article, run_id=None, fetched_at="2026-11-01T00:00:00Z", raw_html=page.encode(), encoding="utf-8"
        )
    for n in range(static):
        page = STATIC_PAGE.replace("Lịch sử phát triển", f"Lịch sử phát triển {n}").encode()
        article = old_reading(page, f"http://tnu.edu.vn/lich-su-dn{100 + n}.html", "utf-8")
        archive.save_article(article, run_id=None, fetched_at="2026-11-01T00:00:00Z", raw_html=page, encoding="utf-8")


def dated_line_reading(body: bytes, url: str, encoding: str | None) -> Article:
    """Today's judgement, for _store_pages: a page with a `Đăng ngày` line is dated by it, any other
    has no date outside its running text."""
    reading = new_reading(body, url, encoding)
    if "Đăng ngày: 15-07-2020" in body.decode(encoding or "utf-8"):
        return replace(reading, published_at="2020-07-15")
    return reading


def broken_reading(body: bytes, url: str, encoding: str | None) -> Article:
    """A regression: no page has a title any more."""
    return replace(dated_line_reading(body, url, encoding), title=None)


@pytest.mark.parametrize(
    "to_set_aside, read, holds",
    [
        (11, 20, True),
        (10, 20, False),
        (19, 19, False),
        (20, 20, True),
        (0, 0, False),
        (500, 999, True),
        (499, 999, False),
    ],
)
def test_the_brake_holds_past_half_of_at_least_20_rows_read(to_set_aside, read, holds):
    assert reparse_brake(to_set_aside, read) is holds


def test_a_broken_extractor_sets_nothing_aside_and_the_rows_stay_as_they_were(archive):
    _store_pages(archive, articles=15, static=10)
    before = tables(archive)
    counts = reparse(archive, broken_reading)
    assert (counts["articles"], counts["set_aside"], counts["held_back"]) == (25, 0, 25)
    assert tables(archive) == before
    assert archive.db.execute("SELECT count(*) FROM set_aside_articles").fetchone() == (0,)
    # asked for on purpose, the same pass sets them all aside
    counts = reparse(archive, broken_reading, allow_mass_set_aside=True)
    assert (counts["set_aside"], counts["held_back"]) == (25, 0)
    assert archive.db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    # nothing was lost: the next extractor puts them back
    assert reparse(archive, dated_line_reading)["restored"] == 15


@pytest.mark.parametrize("articles, static, set_aside_, held_back", [(11, 10, 10, 0), (10, 11, 0, 11)])
def test_the_brake_lets_nearly_half_through_and_holds_more(archive, articles, static, set_aside_, held_back):
    """Nearly half of the rows being tag and static pages is an archive whose earlier versions
    stored many of them: set aside; more than half is held back."""
    _store_pages(archive, articles=articles, static=static)
    counts = reparse(archive, dated_line_reading)
    assert (counts["unchanged"] + counts["changed"], counts["set_aside"], counts["held_back"]) == (
        articles,
        set_aside_,
        held_back,
    )
    assert archive.db.execute("SELECT count(*) FROM articles").fetchone() == (articles + static - set_aside_,)


def test_a_small_archive_has_no_brake(archive):
    _store_pages(archive, articles=4, static=15)
    counts = reparse(archive, dated_line_reading)
    assert (counts["set_aside"], counts["held_back"]) == (15, 0)

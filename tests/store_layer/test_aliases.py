"""archive/storage/aliases.py on a real archive: one article, one row, whatever URL it is reached under."""

from __future__ import annotations

from archive.db import connect
from archive.storage import aliases
from archive.storage.aliases import Naming

ORIGIN = "https://tnu.edu.vn"


def archive_with(tmp_path, url: str, title: str):
    db = connect(tmp_path / "tnu.sqlite")
    db["articles"].insert(
        {"url": url, "title": title, "first_seen_at": "2026-01-01T00:00:00Z", "last_seen_at": "2026-01-01T00:00:00Z"}
    )
    return db, db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]


def test_a_new_page_is_stored_under_its_canonical_url_and_keeps_the_url_it_was_fetched_at(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    naming = aliases.key_for(db, f"{ORIGIN}/?p=1", f"{ORIGIN}/?p=1", f"{ORIGIN}/bai-viet/a-1", [], "A")
    assert naming == Naming(f"{ORIGIN}/bai-viet/a-1", [f"{ORIGIN}/?p=1"])


def test_an_archived_article_keeps_its_url_whatever_the_page_names_canonical(tmp_path):
    # stored URLs stay valid: a layout that starts announcing another canonical URL adds an alias
    stored = f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=1"
    db, article_id = archive_with(tmp_path, stored, "A")
    key, names, claimed = aliases.key_for(db, stored, stored, f"{ORIGIN}/tin-tuc-su-kien/a.html", [], "A")
    assert (key, names, claimed) == (stored, [f"{ORIGIN}/tin-tuc-su-kien/a.html"], False)
    aliases.record(db, names, article_id, "2026-01-02T00:00:00Z")
    # reached later under a second category, canonical pointing to the alias, the same text: the
    # same row, which that page only claims to be (it is tied to it, not written: test below)
    other = f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=3"
    assert aliases.key_for(db, other, other, f"{ORIGIN}/tin-tuc-su-kien/a.html", [], "A") == Naming(stored, [], True)


def test_a_canonical_url_naming_an_article_with_another_title_is_not_believed(tmp_path):
    # a CMS that names its first article canonical for every page must not merge them all
    db, _ = archive_with(tmp_path, f"{ORIGIN}/bai-viet/a-1", "A")
    page = f"{ORIGIN}/bai-viet/b-2"
    assert aliases.key_for(db, page, page, f"{ORIGIN}/bai-viet/a-1", [], "B") == Naming(page, [])


def test_recorded_aliases_are_known_to_the_frontier(tmp_path):
    from archive.storage import frontier

    db, article_id = archive_with(tmp_path, f"{ORIGIN}/bai-viet/a-1", "A")
    aliases.record(db, [f"{ORIGIN}/?p=1"], article_id, "2026-01-02T00:00:00Z")
    assert frontier.known_article(db, f"{ORIGIN}/?p=1")[0]
    assert frontier.is_archived(db, f"{ORIGIN}/?p=1")
    db.execute("INSERT INTO article_links(url, first_seen_at, last_seen_at) VALUES (?, 'x', 'x')", [f"{ORIGIN}/?p=1"])
    assert f"{ORIGIN}/?p=1" not in frontier.pending_links(db)


def test_the_same_article_under_a_second_category_is_one_row(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    first = f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=1"
    db["articles"].insert(
        {
            "url": first,
            "title": "Tuyển sinh 2026",
            "published_at": "2026-02-23T09:15:00+07:00",
            "first_seen_at": "x",
            "last_seen_at": "x",
        }
    )
    second = f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=3"
    assert aliases.key_for(db, second, second, None, [], "Tuyển sinh 2026", "2026-02-23T09:15:00+07:00") == Naming(
        first, [second]
    )
    # another title, or another date, at the same path: another article
    assert aliases.key_for(db, second, second, None, [], "Tuyển sinh 2027", "2026-02-23T09:15:00+07:00").key == second
    assert aliases.key_for(db, second, second, None, [], "Tuyển sinh 2026", "2026-03-01") == Naming(second, [])
    # a path that merely begins like it is not the same path
    longer = f"{ORIGIN}/tin-tuc-su-kien/a.html2?categoryId=3"
    assert aliases.key_for(db, longer, longer, None, [], "Tuyển sinh 2026", "2026-02-23T09:15:00+07:00") == Naming(
        longer, []
    )

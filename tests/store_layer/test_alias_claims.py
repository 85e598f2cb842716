"""A page that names an archived article as its canonical URL is only believed when it shows
that article, and never replaces its text: the writer's save_article on a real archive."""

from __future__ import annotations

import unicodedata

import pytest

from archive.record import Article
from archive.storage import aliases, frontier
from archive.storage.aliases import Naming
from archive.store import Archive
from archive.writer import Writes

ORIGIN = "https://tnu.edu.vn"
ARTICLE = f"{ORIGIN}/tin-tuc-su-kien/tuyen-sinh-2026.html"
TITLE = "Thông báo tuyển sinh đại học chính quy năm 2026"
BODY = "Đại học Thái Nguyên thông báo tuyển sinh năm 2026.\n\nHồ sơ nộp trước ngày 30/6/2026."
PLANTED = "Đại học Thái Nguyên ngừng tuyển sinh năm 2026.\n\nMọi hồ sơ đã nộp bị hủy."
AT, LATER = "2026-03-01T08:00:00Z", "2026-03-02T08:00:00Z"


def page(url: str, body: str = BODY, title: str = TITLE, views: int = 10) -> Article:
    return Article(url=url, title=title, published_at="2026-02-23", views=views, body_text=body, body_html=None)


@pytest.fixture
def writes(tmp_path):
    """The writer's own logic (in this process) on a real archive holding the article."""
    archive = Archive(tmp_path / "tnu.sqlite", tmp_path / "images")
    run_id = archive.start_run([ORIGIN + "/"], {})
    w = Writes(archive, run_id)
    assert w.save_article(ARTICLE, page(ARTICLE), AT, None) == "new"
    yield w
    archive.close()


def stored(w: Writes, url: str = ARTICLE) -> tuple:
    return w.db.execute("SELECT id, title, body_text, views FROM articles WHERE url = ?", [url]).fetchone()


def versions(w: Writes) -> int:
    return w.db.execute("SELECT count(*) FROM article_versions").fetchone()[0]


def test_a_page_copying_the_title_with_its_canonical_at_the_article_does_not_replace_its_text(writes):
    fake = f"{ORIGIN}/goc-chia-se/bai-dang-1234.html"
    before = stored(writes)
    assert writes.save_article(fake, page(fake, PLANTED), LATER, None, canonical=ARTICLE) == "new"
    assert stored(writes) == before and versions(writes) == 0
    # it is kept as what it is: a page of its own, under its own URL, naming nothing else
    assert stored(writes, fake)[2] == PLANTED
    assert aliases.find(writes.db, [ARTICLE]) == (ARTICLE, TITLE)
    assert writes.db.execute("SELECT count(*) FROM article_aliases").fetchone()[0] == 0


def test_og_url_and_short_links_are_no_way_in_either(writes):
    fake = f"{ORIGIN}/goc-chia-se/bai-dang-1235.html"
    before = stored(writes)
    writes.save_article(fake, page(fake, PLANTED), LATER, None, canonical=None, others=[ARTICLE])
    assert stored(writes) == before and stored(writes, fake)[2] == PLANTED


def test_from_a_subdomain_even_the_same_text_names_nothing(writes):
    # anyone may run a subdomain (a faculty's blog): its canonical links name nothing here
    for fake in ("https://blog.tnu.edu.vn/bai-1.html", "https://tnu.edu.vn.example/bai-1.html"):
        naming = aliases.key_for(writes.db, fake, fake, ARTICLE, [], TITLE, "2026-02-23", BODY)
        assert naming == Naming(fake, [])
    fake = "https://blog.tnu.edu.vn/bai-2.html"
    before = stored(writes)
    writes.save_article(fake, page(fake, PLANTED), LATER, None, canonical=ARTICLE)
    assert stored(writes) == before and versions(writes) == 0
    # nor does another port of the same host name
    other_port = "https://tnu.edu.vn:8443/bai-3.html"
    assert aliases.key_for(writes.db, other_port, other_port, ARTICLE, [], TITLE, None, BODY) == Naming(other_port, [])


def test_the_same_text_under_another_url_is_tied_to_the_article_and_written_nowhere(writes):
    copy = f"{ORIGIN}/tin-tuc-su-kien/tuyen-sinh-2026.html?categoryId=3"
    before = stored(writes)
    # the same words: other case, other spacing, decomposed accents
    same = unicodedata.normalize("NFD", BODY.upper().replace("\n\n", "\n \n"))
    assert writes.save_article(copy, page(copy, same, views=99999), LATER, None, canonical=ARTICLE) == "unchanged"
    assert stored(writes) == before  # not even its counter: a claim is no source
    assert stored(writes, copy) is None
    assert writes.db.execute("SELECT article_id FROM article_links WHERE url = ?", [copy]).fetchone()[0] == before[0]
    assert frontier.known_article(writes.db, copy)[0]
    # tied by a link, not made an alias: the link is a claim again at every fetch...
    assert writes.db.execute("SELECT count(*) FROM article_aliases").fetchone()[0] == 0
    # ...so changing its text later (without any canonical link now) takes nothing over either
    assert writes.save_article(copy, page(copy, PLANTED), LATER, None) == "new"
    assert stored(writes) == before and versions(writes) == 0
    assert stored(writes, copy)[2] == PLANTED


def test_last_years_notice_in_the_same_template_is_another_article(writes):
    notice = f"{ORIGIN}/tin-tuc-su-kien/tuyen-sinh-2025.html"
    last_year = BODY.replace("2026", "2025")
    naming = aliases.key_for(writes.db, notice, notice, ARTICLE, [], TITLE, "2025-02-20", last_year)
    assert naming == Naming(notice, [])


def test_the_article_fetched_at_its_own_url_is_still_its_new_reading(writes):
    # what the site itself shows at the article's URL replaces its text, as before
    edited = BODY + "\n\nBổ sung: hạn nộp hồ sơ kéo dài đến 15/7/2026."
    assert writes.save_article(ARTICLE, page(ARTICLE, edited), LATER, None) == "changed"
    assert stored(writes)[2] == edited and versions(writes) == 1

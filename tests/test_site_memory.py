"""A site's template learned from its pages (crawler/operations/extract_pool.py SiteMemory): what it
remembers, its bounds, and that the extraction worker keeps it between the pages of a crawl."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.article import read_on_site
from crawler.extract.furniture import Observed, line_key
from crawler.operations.extract_pool import ExtractPool, SiteMemory, site_of
from crawler.replica.server import file_for

ROOT = Path(__file__).resolve().parent.parent
VARIANT = ROOT / "tests" / "site_variants" / "2019-untitled" / "www"
ORIGIN, OTHER_ORIGIN = "http://127.0.0.1:8000", "http://localhost:8001"
SLOGAN = "Đoàn kết – trung thực – sáng tạo – hiệu quả - chất lượng"
FOOTER = "Chịu trách nhiệm nội dung: Ban Truyền thông và Quan hệ công chúng"


def seen(*lines: str, body: str | None = None, agreed: bool | None = None) -> Observed:
    return Observed(frozenset(line_key(x) for x in lines), body, agreed)


def test_a_line_printed_outside_the_article_on_three_pages_is_furniture():
    memory = SiteMemory()
    for n in range(1, 4):
        memory.learn("a.example", seen("Trang chủ", SLOGAN, f"Tin số {n}"))
        assert (SLOGAN in memory.known("a.example")) == (n >= 3)
    assert "Tin số 1" not in memory.known("a.example")
    assert SLOGAN not in memory.known("b.example")  # per site


def test_a_body_block_trafilatura_confirmed_needs_no_second_opinion_but_one_page_in_ten():
    memory = SiteMemory(confirm_pages=2, recheck_every=10)
    memory.learn("a.example", seen(body="div.c", agreed=True))
    assert not memory.known("a.example").confirmed("div.c")
    memory.learn("a.example", seen(body="div.c", agreed=True))
    confirmed = []
    for _ in range(20):
        confirmed.append(memory.known("a.example").confirmed("div.c"))
        memory.learn("a.example", None)  # a page a site selector read
    assert confirmed.count(False) == 2  # rechecked on one page in ten
    memory.learn("a.example", seen(body="div.c", agreed=False))
    memory.learn("a.example", seen(body="div.c", agreed=False))
    assert not any(memory.known("a.example").confirmed("div.c") for _ in range(1))


def test_the_memory_is_bounded():
    memory = SiteMemory(max_sites=4, max_lines=100)
    for n in range(10):
        memory.learn(f"site{n}.example", seen("x"))
    assert len(memory) == 4
    assert not memory.known("site0.example") and memory._sites.keys() == {f"site{n}.example" for n in range(6, 10)}
    for page in range(50):
        memory.learn("big.example", seen(*(f"{page}-{i}" for i in range(30)), SLOGAN))
    site = memory._sites["big.example"]
    assert len(site.lines) <= 100
    assert SLOGAN in memory.known("big.example")  # what recurs survives the forgetting


def test_site_of():
    assert site_of("http://127.0.0.1:8000/a.html?x=1") == "127.0.0.1:8000"
    assert site_of("https://TNU.edu.vn/tin/a") == "tnu.edu.vn"


def untitled(path: str) -> bytes:
    """A page of the untitled 2019 variant without its title block: nothing anchors the body
    on it, trafilatura reads the whole page and takes the site's footer for the article."""
    page = (VARIANT / file_for(path)).read_text(encoding="utf-8")
    page = re.sub(r'<div class="detail-heading">.*?</div>', "", page)
    return page.replace("{{ORIGIN}}", ORIGIN).replace("{{OTHER_ORIGIN}}", OTHER_ORIGIN).encode()


PATHS = sorted("/" + str(p.relative_to(VARIANT)) for p in VARIANT.glob("*.html"))


def original_body(path: str) -> str:
    page = (ROOT / "tests" / "site" / "www" / file_for(path)).read_bytes()
    return extract_article(page.replace(b"{{ORIGIN}}", ORIGIN.encode()), ORIGIN + path).body_text


def test_what_the_sites_pages_taught_keeps_its_footer_out_of_a_body_nothing_else_anchors():
    memory = SiteMemory()
    alone, learned = [], []
    for path in PATHS:
        body = read_on_site(untitled(path), ORIGIN + path)[0].article.body_text
        (article, _), observed = read_on_site(untitled(path), ORIGIN + path, known=memory.known("site"), learn=True)
        memory.learn("site", observed)
        alone.append(body == original_body(path))
        learned.append(article.body_text == original_body(path))
    assert not any(alone)  # read alone, no page reads right: trafilatura brings the footer, the related list
    assert learned[3:] == [True] * (len(PATHS) - 3)  # from the fourth page on, every page does


@pytest.fixture
def pool():
    pool = ExtractPool(workers=1)
    yield pool
    pool.close()


def test_the_extraction_worker_keeps_a_sites_memory_between_pages(pool):
    async def crawl() -> list[str]:
        return [(await pool.extract(untitled(p), ORIGIN + p, "utf-8"))[0].body_text for p in PATHS]

    bodies = asyncio.run(crawl())
    assert FOOTER in bodies[0]
    assert not any(FOOTER in b or SLOGAN in b for b in bodies[3:])

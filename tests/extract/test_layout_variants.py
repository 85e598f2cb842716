"""The known layouts with selectors that miss (tests/site_variants/: classes renamed, wrappers
reordered, the title in a plain block, more furniture: dated related lists, a rating line, the
motto in the footer) read exactly as the layouts' selectors read the originals, field for field,
by the generic rules alone: on a page read alone (the first page of a site), and page after page
with the site's memory (crawler/operations/extract_pool.py) as a crawl reads them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from crawler.extract.article import read_article, read_on_site
from crawler.operations.extract_pool import SiteMemory
from crawler.replica.server import file_for

from .conftest import ARTICLE_PATHS, ORIGIN, OTHER_ORIGIN, extracted, page_url

VARIANTS = Path(__file__).resolve().parents[1] / "site_variants"


def _load_build():
    # by its path, under a name of its own: every replica folder has a build.py, and a bare
    # `import build` takes whichever one a test collected earlier put in sys.modules
    spec = importlib.util.spec_from_file_location("_site_variants_build", VARIANTS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()

FIELDS = (
    "title",
    "published_at",
    "published_text",
    "views",
    "author",
    "category",
    "body_text",
    "body_html",
    "images",
    "listing",
)
PAGES = [
    (variant, path)
    for variant in sorted(build.VARIANTS)
    for path in ARTICLE_PATHS
    if (VARIANTS / variant / "www" / file_for(path)).is_file()
]


def variant_bytes(variant: str, path: str) -> bytes:
    data = (VARIANTS / variant / "www" / file_for(path)).read_bytes()
    return data.replace(b"{{ORIGIN}}", ORIGIN.encode()).replace(b"{{OTHER_ORIGIN}}", OTHER_ORIGIN.encode())


def test_every_known_layout_has_variants_of_every_article():
    layouts = build.article_layouts()
    for variant, (kinds, _) in build.VARIANTS.items():
        assert sorted(p for v, p in PAGES if v == variant) == sorted(p for p, k in layouts.items() if k in kinds)
    assert {k for kinds, _ in build.VARIANTS.values() for k in kinds} == set(layouts.values())


@pytest.mark.parametrize(("variant", "path"), PAGES)
def test_a_variant_read_alone_reads_as_its_layout(variant, path):
    article, sources = read_article(variant_bytes(variant, path), page_url(path))
    original = extracted(path)
    assert {f: getattr(article, f) for f in FIELDS} == {f: getattr(original, f) for f in FIELDS}
    assert all(rule.startswith("generic:") for rule in sources.values()), sources


@pytest.mark.parametrize(("variant", "path"), PAGES)
def test_no_furniture_in_a_variants_body(variant, path):
    """What the variants add around the article never reaches its body: the related lists'
    headlines and headings, the rating line, the motto."""
    body = read_article(variant_bytes(variant, path), page_url(path)).article.body_text
    page = variant_bytes(variant, path).decode()
    related = re.findall(r'<div class="(?:more-box|news-more)">(.*?)</ul></div>', page, re.S)
    assert related
    for block in related:
        for headline in re.findall(r"<a [^>]*>(.*?)</a>", block):
            assert headline not in body
    for furniture in ("Tin khác", "Tin cùng chuyên mục", "Những tin", "Đánh giá bài viết", "lượt đánh giá"):
        assert furniture not in body
    assert build.layouts.SLOGAN not in body


@pytest.mark.parametrize("variant", sorted(build.VARIANTS))
def test_a_variant_read_page_after_page_with_the_sites_memory_reads_as_its_layout(variant):
    memory = SiteMemory()
    paths = [p for v, p in PAGES if v == variant]
    rules = []
    for _ in range(2):  # the second round reads with the template learned
        for path in paths:
            (article, sources), observed = read_on_site(
                variant_bytes(variant, path), page_url(path), known=memory.known("variant"), learn=True
            )
            memory.learn("variant", observed)
            original = extracted(path)
            assert {f: getattr(article, f) for f in FIELDS} == {f: getattr(original, f) for f in FIELDS}, path
            rules.append(sources["body_text"])
    # the block of the site's bodies was confirmed by trafilatura: later pages need no second opinion
    assert any(rule.endswith("confirmed by trafilatura on the site's earlier pages") for rule in rules), rules

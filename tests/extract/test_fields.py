"""One test per field, over every article of the replica site (web-poet style: saved page in,
one field out, compared with tests/site/expected.json)."""

from __future__ import annotations

import unicodedata

import pytest
from lxml import html as lxml_html

from .conftest import ARTICLE_PATHS, EXPECTED, NOT_ARTICLE_PATHS, expected_src, extracted

pages = pytest.mark.parametrize("path", ARTICLE_PATHS)


def truth(path: str) -> dict:
    return EXPECTED["articles"][path]


@pages
def test_title(path):
    assert extracted(path).title == truth(path)["title"]


@pages
def test_published_at(path):
    assert extracted(path).published_at == truth(path)["published_at"]


@pages
def test_published_text(path):
    assert extracted(path).published_text == truth(path)["published_text"]


@pages
def test_views(path):
    assert extracted(path).views == truth(path)["views"]


@pages
def test_author(path):
    assert extracted(path).author == truth(path)["author"]


@pages
def test_category(path):
    assert extracted(path).category == truth(path)["category"]


@pages
def test_body_text(path):
    assert extracted(path).body_text == truth(path)["body_text"]


@pages
def test_image_sources(path):
    assert [i.src_url for i in extracted(path).images] == [expected_src(path, i["src"]) for i in truth(path)["images"]]


@pages
def test_image_captions(path):
    assert [i.caption for i in extracted(path).images] == [i["caption"] for i in truth(path)["images"]]


@pages
def test_image_alts(path):
    assert [i.alt for i in extracted(path).images] == [i["alt"] for i in truth(path)["images"]]


@pages
def test_image_credits(path):
    assert [i.credit for i in extracted(path).images] == [i["credit"] for i in truth(path)["images"]]


@pages
def test_image_positions_follow_page_order(path):
    assert [i.position for i in extracted(path).images] == list(range(len(truth(path)["images"])))


@pages
def test_is_article(path):
    assert extracted(path).is_article


@pages
def test_body_html_keeps_the_content_and_nothing_active(path):
    article = extracted(path)
    tree = lxml_html.fragment_fromstring(article.body_html, create_parent="div")
    assert {el.tag for el in tree.iterdescendants()} <= {
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
    assert not any(name.startswith("on") for el in tree.iter() for name in el.attrib)
    # every content image is in the HTML under its real (absolute, non-placeholder) source
    assert [img.get("src") for img in tree.iter("img")] == [i.src_url for i in article.images]
    # the paragraphs are all there
    html_text = " ".join(tree.text_content().split())
    for paragraph in (article.body_text or "").split("\n\n"):
        assert paragraph in html_text


@pages
def test_every_text_field_is_nfc(path):
    article = extracted(path)
    texts = [
        article.title,
        article.published_text,
        article.body_text,
        article.body_html,
        article.author,
        article.category,
    ]
    texts += [t for i in article.images for t in (i.caption, i.alt, i.credit)]
    for text in texts:
        if text is not None:
            assert unicodedata.is_normalized("NFC", text), text[:80]


@pytest.mark.parametrize("path", NOT_ARTICLE_PATHS)
def test_static_pages_are_not_articles(path):
    assert not extracted(path).is_article


def test_the_history_page_is_not_an_article():
    # a -dn page like the articles, with a title and text but neither date nor counter
    assert "/lich-su-dn45.html" in NOT_ARTICLE_PATHS
    page = extracted("/lich-su-dn45.html")
    assert page.title and page.body_text
    assert (page.published_at, page.views, page.is_article) == (None, None, False)


@pages
def test_generic_rules_alone_read_the_page(path):
    """Without any site selector (the site changed its layout again), the generic rules —
    Open Graph, labels, breadcrumb, <article>, the largest text block, figure/figcaption,
    caption paragraphs, the set-apart last line — still read every field."""
    from crawler.extract import extract_article

    from .conftest import page_bytes, page_url, without_selectors

    article = extract_article(page_bytes(path), page_url(path), site=without_selectors(page_url(path)))
    want = truth(path)
    for name in ("title", "published_at", "published_text", "views", "author", "category", "body_text"):
        assert getattr(article, name) == want[name], name
    assert [(i.src_url, i.caption, i.alt, i.credit) for i in article.images] == [
        (expected_src(path, i["src"]), i["caption"], i["alt"], i["credit"]) for i in want["images"]
    ]

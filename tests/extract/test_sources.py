"""Which rules read each field: a site selector ("site:<layout>") or a generic rule."""

from __future__ import annotations

from dataclasses import replace

from crawler.extract import extract_article
from crawler.extract.article import read_article

from .conftest import ARTICLE_PATHS, page_bytes, page_url, without_selectors


def _first_with(prefix: str) -> str:
    return next(p for p in ARTICLE_PATHS if p.startswith(prefix))


def test_a_known_layout_is_read_by_its_selectors():
    path = _first_with("/tin-tuc-su-kien/")
    article, sources = read_article(page_bytes(path), page_url(path))
    assert article == extract_article(page_bytes(path), page_url(path))
    assert sources["body_text"] == sources["title"] == sources["published_at"] == "site:2026"
    assert sources["views"] == "site:2026"


def test_without_selectors_every_field_names_its_generic_rule():
    path = _first_with("/tin-tuc-su-kien/")
    article, sources = read_article(page_bytes(path), page_url(path), site=without_selectors(page_url(path)))
    assert article.body_text and article.title and article.published_at
    assert all(rule.startswith("generic:") for rule in sources.values()), sources
    assert {"title", "published_at", "body_text"} <= set(sources)
    assert "trafilatura" in sources["body_text"]  # the generic body is checked against trafilatura


def test_fields_the_page_lacks_have_no_source():
    page = b"<html><head><title>x</title></head><body><h1>Tieu de</h1><p>" + b"chu " * 40 + b"</p></body></html>"
    article, sources = read_article(page, "http://127.0.0.1/x")
    assert article.views is None and "views" not in sources
    assert article.published_at is None and "published_at" not in sources


def test_a_layout_is_tried_when_the_page_holds_what_one_of_its_selectors_needs():
    # the page's text is searched for the selector's class names and ids before libxml2 runs it:
    # an alternative (a comma) or a :not() must not make a matching layout look absent
    page = (
        b"<html><body><div id='main'><div class='post x-body'><h1>Tieu de bai viet</h1>"
        b"<p>" + b"noi dung " * 20 + b"</p></div></div></body></html>"
    )
    url = "http://127.0.0.1/tin/a.html"
    base = without_selectors(url)
    for body in ("#main .x-body:not(.draft)", "article.post-detail .post-content, div#main > div.x-body"):
        site = replace(base, selectors=({"layout": "t", "body": body, "title": "h1"},))
        assert read_article(page, url, site=site).sources["body_text"] == "site:t", body
    absent = replace(base, selectors=({"layout": "t", "body": ".post-content", "title": "h1"},))
    assert read_article(page, url, site=absent).sources["body_text"].startswith("generic:")

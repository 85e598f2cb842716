"""Which rules read each field: a site selector ("site:<layout>") or a generic rule."""

from __future__ import annotations

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

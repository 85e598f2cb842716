"""Saved replica pages and their ground truth (tests/site/expected.json), read from disk only."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

from crawler.extract import Article, extract_article
from crawler.replica.server import file_for
from crawler.sites import Site, packaged

SITE = Path(__file__).resolve().parents[1] / "site"
# What the replica server would substitute; any two loopback origins do for pure extraction.
ORIGIN = "http://127.0.0.1:8000"
OTHER_ORIGIN = "http://localhost:8001"

EXPECTED: dict = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
ARTICLE_PATHS: list[str] = sorted(EXPECTED["articles"])
NOT_ARTICLE_PATHS: list[str] = sorted(EXPECTED.get("not_articles", []))


def substitute(text: str) -> str:
    return text.replace("{{ORIGIN}}", ORIGIN).replace("{{OTHER_ORIGIN}}", OTHER_ORIGIN)


def page_bytes(path: str) -> bytes:
    """The page as the server sends it: raw bytes (any encoding), placeholders filled in."""
    data = (SITE / "www" / file_for(path)).read_bytes()
    return data.replace(b"{{ORIGIN}}", ORIGIN.encode()).replace(b"{{OTHER_ORIGIN}}", OTHER_ORIGIN.encode())


def page_url(path: str) -> str:
    return ORIGIN + path


def without_selectors(url: str) -> Site:
    """The site of `url` with no selectors: the layout changed again, only generic rules read it."""
    return replace(packaged().of(url), selectors=())


def expected_src(path: str, src: str) -> str:
    return urljoin(page_url(path), substitute(src))


_cache: dict[str, Article] = {}


def extracted(path: str) -> Article:
    """Each page is extracted once per session; the field tests only read the record."""
    if path not in _cache:
        _cache[path] = extract_article(page_bytes(path), page_url(path))
    return _cache[path]

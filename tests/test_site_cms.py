"""The CMS replicas (tests/site_wordpress, tests/site_nukeviet, tests/site_dnn): their committed
files are what their generators write today, and each saved page reads as its ground truth
through the extractor alone (no crawl: tests/e2e/test_crawl_cms.py crawls them)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from crawler.extract.article import read_article
from crawler.replica.server import read_page

TESTS = Path(__file__).resolve().parent
SITES = {name: TESTS / f"site_{name}" for name in ("wordpress", "nukeviet", "dnn")}
TRUTH = {name: json.loads((site / "expected.json").read_text(encoding="utf-8")) for name, site in SITES.items()}
ORIGIN = "http://127.0.0.9:8000"
FIELDS = ("title", "published_at", "published_text", "views", "author", "category", "body_text")
IMAGES = (".jpg", ".jpeg", ".png", ".gif")


def _build(name: str):
    spec = importlib.util.spec_from_file_location(f"_{name}_build", SITES[name] / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(name: str, path: str):
    return read_article(read_page(path, ORIGIN, "http://localhost:1", SITES[name]), ORIGIN + path).article


@pytest.mark.parametrize("name", SITES)
def test_committed_files_are_what_build_writes(tmp_path, name):
    site = SITES[name]
    # pictures are copied in first: the generator keeps existing image files (their bytes are fixtures)
    for image in (site / "www").rglob("*"):
        if image.is_file() and image.suffix in IMAGES:
            target = tmp_path / "www" / image.relative_to(site / "www")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(image.read_bytes())
    expected = _build(name).write_site(tmp_path)
    assert expected == TRUTH[name]
    for extra in ("routes.json", "README.md"):
        assert (tmp_path / extra).read_text(encoding="utf-8") == (site / extra).read_text(encoding="utf-8")
    built = {p.relative_to(tmp_path / "www"): p.read_bytes() for p in (tmp_path / "www").rglob("*") if p.is_file()}
    committed = {p.relative_to(site / "www"): p.read_bytes() for p in (site / "www").rglob("*") if p.is_file()}
    assert built.keys() == committed.keys()
    assert [str(k) for k in built if built[k] != committed[k]] == [], f"run: .venv/bin/python {site}/build.py"


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, t in TRUTH.items() for p in sorted(t["articles"])])
def test_article_page_reads_as_its_ground_truth(name, path):
    article = _read(name, path)
    want = TRUTH[name]["articles"][path]
    assert {f: getattr(article, f) for f in FIELDS} == {f: want[f] for f in FIELDS}
    images = [
        {"src": i.src_url.removeprefix(ORIGIN), "caption": i.caption, "alt": i.alt, "credit": i.credit}
        for i in article.images
    ]
    assert images == want["images"]
    assert article.is_article


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, t in TRUTH.items() for p in t["not_articles"]])
def test_other_pages_are_no_articles(name, path):
    article = _read(name, path)
    assert not article.is_article, (article.published_at, article.views, article.listing)


@pytest.mark.parametrize("name", SITES)
def test_pages_print_their_ground_truth(name):
    """What the ground truth says is printed on the page (a generator that drifted from its
    truth fails here, not in the extractor's tests)."""
    for path, a in TRUTH[name]["articles"].items():
        page = read_page(path, ORIGIN, "http://localhost:1", SITES[name])
        for value in (a["title"], a["published_text"], a["category"], a["author"]):
            if value is not None:
                assert value.replace("&", "&amp;") in page, (path, value)
        for image in a["images"]:
            assert image["src"] in page and (SITES[name] / "www" / image["src"].lstrip("/")).is_file()

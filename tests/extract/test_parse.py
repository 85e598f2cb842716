"""Pages are parsed as a browser parses them (WHATWG), whatever their mis-nesting."""

from __future__ import annotations

from pathlib import Path

from crawler.extract import extract_article
from crawler.extract.parse import parse_html

PAGES = Path(__file__).parent / "pages"


def test_a_heading_closed_by_the_wrong_end_tag_ends_where_a_browser_ends_it():
    article = extract_article((PAGES / "misnested-heading.html").read_bytes(), "http://127.0.0.1/hoi-thao")
    assert article.title == "Hội thảo khoa học về chuyển đổi số trong giáo dục"
    assert article.published_at == "2025-03-12T08:30:00+07:00"
    assert article.body_text.startswith("Sáng ngày 12/3, Trường Đại học tổ chức hội thảo")
    assert "Số đại biểu" in article.body_text


def test_the_tree_is_the_one_a_browser_builds():
    root = parse_html("<div><h1>A</h2><p>b</p><span>c</span></div><table><tr><td>d</td></tr></table>")
    h1 = root.find(".//h1")
    assert "".join(h1.itertext()) == "A"
    assert root.find(".//table/tbody/tr/td") is not None  # the tbody a browser inserts


def test_a_well_formed_page_is_read_by_libxml2_alone():
    # no tbody: libxml2 kept the tree (it reported nothing wrong), lexbor never ran
    root = parse_html("<table><tr><td>d</td></tr></table><p>x</p>")
    assert root.find(".//table/tr/td") is not None

"""Generate variants of the replica's two known layouts whose site selectors miss.

    .venv/bin/python tests/site_variants/build.py

The university's next template change may rename a class or move a wrapper and nothing else:
then no selector set of crawler/sites.py matches, the generic rules read the page, and they
must read it exactly as the layout's selectors do. Each variant here is every article page of
one known layout of tests/site/, rewritten: the classes and ids the selectors (and the generic
furniture rules) know renamed to words nobody wrote rules for, wrappers reordered, and more of
the furniture such templates carry (dated "Tin khác" / "Tin liên quan" / "Những tin mới hơn" /
"Những tin cũ hơn" / "Tin cùng chuyên mục" lists of linked headlines, the motto in the footer,
a rating line). Nothing of the article itself changes: tests/site_variants/ must read as
tests/site/ reads, field for field (tests/extract/test_layout_variants.py).

Writes (committed): <variant>/www/<file of the article's path> for each variant, README.md.
Pages are rewritten from the committed replica pages, so run tests/site/build.py first when
the replica changes; every rewrite must apply (a replica that changes shape fails here loudly).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE.parent / "site"
sys.path.insert(0, str(SITE))
import layouts  # noqa: E402

from crawler.replica.server import file_for  # noqa: E402

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))


def _replace(page: str, old: str, new: str, count: int = -1) -> str:
    if old not in page:
        raise ValueError(f"the replica page no longer has {old!r}: update tests/site_variants/build.py")
    return page.replace(old, new, count)


# What not every article prints (a view counter, a byline, a share bar): renamed where present.
OPTIONAL = frozenset({'class="post-views"', 'class="author"', 'class="date-view"'})


def _renamed(page: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        page = page.replace(old, new) if old in OPTIONAL else _replace(page, old, new)
    return page


def _sub(page: str, pattern: str, repl: str | Callable[[re.Match[str]], str], flags: int = re.S) -> str:
    page, n = re.subn(pattern, repl, page, count=1, flags=flags)
    if n != 1:
        raise ValueError(f"the replica page no longer matches {pattern!r}: update tests/site_variants/build.py")
    return page


def _dated_items(items_html: str, date_format: Callable[[str], str]) -> str:
    """The related list's items, each headline followed by its article's date, as such lists print it."""

    def dated(match: re.Match[str]) -> str:
        href, title = match.group(1), match.group(2)
        path = href.replace("{{ORIGIN}}", "")
        date = EXPECTED["articles"][path]["published_at"][:10]
        return f'<li><a href="{href}">{title}</a> <span class="time">{date_format(date)}</span></li>'

    return re.sub(r'<li><a href="([^"]+)">(.*?)</a></li>', dated, items_html)


def _old_date(iso: str) -> str:
    return f"({layouts.old_date(iso)})"


def _new_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


RATING = (
    '<div class="vote-line">Đánh giá bài viết: <span class="stars">★★★★☆</span> (12 lượt đánh giá)'
    ' <a href="javascript:void(0);">Bình chọn</a></div>'
)
MOTTO = f'<div class="bottom-motto">{layouts.SLOGAN}</div>'

# --- 2019–2021 (-dn) layout -------------------------------------------------------------------

OLD_NAMES = {
    'class="content-detail"': 'class="detail-wrap"',
    'class="title-detail"': 'class="detail-heading"',
    'class="tool-detail"': 'class="detail-info"',
    'class="date-view"': 'class="info-line"',
    'class="news-content"': 'class="detail-text"',
    'class="share"': 'class="buttons"',
    'class="other-news"': 'class="more-box"',
    'class="comment-box"': 'class="feedback"',
    'class="sidebar"': 'class="col-right"',
    'class="footer"': 'class="site-bottom"',
    'class="menu"': 'class="top-links"',
}


def old_renamed(page: str) -> str:
    """Classes renamed; the "Tin khác" headlines dated; a rating line under the body; the motto
    in the footer."""
    page = _renamed(page, OLD_NAMES)
    page = _sub(
        page,
        r'(<div class="more-box"><h3>Tin khác</h3><ul>)(.*?)(</ul></div>)',
        lambda m: m.group(1) + _dated_items(m.group(2), _old_date) + m.group(3),
    )
    page = _replace(page, '</div>\n</div>\n<div class="more-box">', f'</div>\n{RATING}\n</div>\n<div class="more-box">')
    return _replace(page, '<div class="site-bottom">', f'<div class="site-bottom">{MOTTO}')


def old_reordered(page: str) -> str:
    """Classes renamed; the sidebar before the content; the body one wrapper deeper; the
    related headlines split into "Những tin mới hơn" and "Những tin cũ hơn", dated, inside the
    article's wrapper after the body; the info line under the title moved below the body."""
    page = _renamed(page, OLD_NAMES)
    page = _sub(
        page, r'(<div class="main">)(<div class="content">.*?)(<div class="col-right">.*?</div></div>)\n', r"\1\3\2\n"
    )
    page = _replace(page, '<div class="detail-text">', '<div class="detail-text"><div class="text-inner">')
    related = re.search(r'<div class="more-box"><h3>Tin khác</h3><ul>(.*?)</ul></div>\n', page, re.S)
    if related is None:
        raise ValueError("the replica's old layout has no 'Tin khác' block: update tests/site_variants/build.py")
    items = re.findall(r"<li>.*?</li>", _dated_items(related.group(1), _old_date))
    lists = (
        f'<div class="more-box"><div class="more-title">Những tin mới hơn</div><ul>{"".join(items[:1])}</ul></div>'
        f'<div class="more-box"><div class="more-title">Những tin cũ hơn</div><ul>{"".join(items[1:])}</ul></div>'
    )
    page = page.replace(related.group(0), "")
    info = re.search(r'<div class="detail-info">.*?</span></div>\n', page, re.S)
    if info is None:
        raise ValueError("the replica's old layout has no info line: update tests/site_variants/build.py")
    page = page.replace(info.group(0), "")
    # the body's end: close the inner wrapper, then the info line and the related lists
    page = _sub(
        page, r"\n</div>\n</div>\n(<div class=\"feedback\">)", f"\n</div></div>\n{info.group(0)}{lists}\n</div>\n\\1"
    )
    return _replace(page, '<div class="site-bottom">', f'<div class="site-bottom">{MOTTO}')


def old_untitled(page: str) -> str:
    """Classes renamed; the title printed in a plain block, not a heading (no <h1> on the page);
    the "Tin khác" headlines dated; a rating line under the body; the motto in the footer."""
    page = old_renamed(page)
    return _sub(page, r'<h1 class="detail-heading">(.*?)</h1>', r'<div class="detail-heading">\1</div>')


# --- 2026 layout --------------------------------------------------------------------------------

NEW_NAMES = {
    'class="post-detail"': 'class="news-item"',
    'class="post-title"': 'class="news-heading"',
    'class="post-meta"': 'class="news-info"',
    'class="post-date"': 'class="news-time"',
    'class="post-views"': 'class="news-count"',
    'class="post-share"': 'class="news-buttons"',
    'class="post-content"': 'class="news-text"',
    'class="author"': 'class="sign"',
    'class="related-posts"': 'class="news-more"',
    'class="sidebar"': 'class="col-right"',
    'class="menu"': 'class="top-links"',
}


def _new_related(page: str) -> tuple[str, str]:
    """(the page without its related block, the block's dated items)."""
    related = re.search(
        r'<div class="news-more"><h3>(?:Tin liên quan|Related news)</h3><ul>(.*?)</ul></div>\n', page, re.S
    )
    if related is None:
        raise ValueError("the replica's 2026 layout has no related block: update tests/site_variants/build.py")
    return page.replace(related.group(0), ""), _dated_items(related.group(1), _new_date)


def new_renamed(page: str) -> str:
    """Classes renamed; the related headlines dated, under "Tin cùng chuyên mục" (in the
    English edition too), after a rating line; <footer> a plain block with the motto."""
    page = _renamed(page, NEW_NAMES)
    page, items = _new_related(page)
    page = _replace(
        page,
        "</article>",
        f'{RATING}\n<div class="news-more"><h3>Tin cùng chuyên mục</h3><ul>{items}</ul></div>\n</article>',
    )
    page = _replace(page, '<footer class="footer">', f'<div class="site-bottom">{MOTTO}')
    return _replace(page, "</footer>", "</div>")


def new_reordered(page: str) -> str:
    """Classes renamed; no <article> element (a plain block); the sidebar before the content;
    the body one wrapper deeper; the dated related headlines after the article's block, under
    "Tin khác"; the motto in a plain footer block."""
    page = _renamed(page, NEW_NAMES)
    page, items = _new_related(page)
    page = _sub(
        page, r'(<main class="main">)(<div class="content">.*?)(<aside class="col-right">.*?</aside>)', r"\1\3\2"
    )
    page = _replace(page, '<article class="news-item">', '<div class="news-item">')
    page = _replace(page, '<div class="news-text">', '<div class="news-text"><div class="text-inner">')
    page = _sub(page, r"\n</div>\n</article>", "\n</div></div>\n</div>")
    page = _sub(
        page,
        r"(\n</div></div>\n</div>)",
        rf'\1\n<div class="news-more"><div class="more-title">Tin khác</div><ul>{items}</ul></div>',
    )
    page = _replace(page, '<footer class="footer">', f'<div class="site-bottom">{MOTTO}')
    return _replace(page, "</footer>", "</div>")


# variant name: (the layouts of tests/site it rewrites, the rewrite)
VARIANTS: dict[str, tuple[frozenset[str], Callable[[str], str]]] = {
    "2019-renamed": (frozenset({"old"}), old_renamed),
    "2019-reordered": (frozenset({"old"}), old_reordered),
    "2019-untitled": (frozenset({"old"}), old_untitled),
    "2026-renamed": (frozenset({"new", "new_en"}), new_renamed),
    "2026-reordered": (frozenset({"new", "new_en"}), new_reordered),
}


def article_layouts() -> dict[str, str]:
    """{article path: its layout} of tests/site, read from the pages (the selectors' body class)."""
    out = {}
    for path in EXPECTED["articles"]:
        page = (SITE / "www" / file_for(path)).read_text(encoding="utf-8")
        if 'class="news-content"' in page:
            out[path] = "old"
        elif 'class="post-content"' in page:
            out[path] = "new_en" if path.startswith("/en/") else "new"
        else:
            raise ValueError(f"{path}: neither known layout; update tests/site_variants/build.py")
    return out


def variant_pages() -> dict[str, dict[str, str]]:
    """{variant: {article path: rewritten page}}."""
    out: dict[str, dict[str, str]] = {}
    for path, layout in sorted(article_layouts().items()):
        page = (SITE / "www" / file_for(path)).read_text(encoding="utf-8")
        for name, (kinds, rewrite) in VARIANTS.items():
            if layout in kinds:
                out.setdefault(name, {})[path] = rewrite(page)
    return out


def write_variants(out: Path) -> dict[str, dict[str, str]]:
    pages = variant_pages()
    for name, by_path in pages.items():
        if (out / name).exists():
            shutil.rmtree(out / name)
        for path, page in by_path.items():
            target = out / name / "www" / file_for(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
    lines = [
        "# Variants of the two known layouts whose site selectors miss (generated by build.py)",
        "",
        "Each folder holds every article page of one known layout of `tests/site/`, rewritten so",
        "that no selector set of `crawler/sites.py` matches; the generic rules must read each page",
        "exactly as the layout's selectors read the original (`tests/extract/test_layout_variants.py`).",
        "",
        "| variant | pages | rewrite |",
        "| --- | ---: | --- |",
    ]
    for name, (_, rewrite) in VARIANTS.items():
        doc = " ".join((rewrite.__doc__ or "").split())
        lines.append(f"| `{name}/` | {len(pages.get(name, {}))} | {doc} |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pages


if __name__ == "__main__":
    written = write_variants(HERE)
    print("build: " + ", ".join(f"{name} {len(p)} pages" for name, p in written.items()))

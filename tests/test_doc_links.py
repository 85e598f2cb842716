"""Every relative link of the README and of docs/*.md leads somewhere: the file exists, and a
`#fragment` names a heading of that file (GitHub's anchors)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~)")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def links(text: str) -> list[str]:
    found = []
    for line in prose_lines(text):
        line = re.sub(r"`[^`]*`", "", line)  # no links inside code spans
        found.extend(m.group(1) for m in LINK.finditer(line))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces
    to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in prose_lines(text):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I) and not target.startswith("//")


def test_slugs_are_githubs():
    assert slug("Replaying the captures (pywb)") == "replaying-the-captures-pywb"
    assert slug("Browsing the archive: `tnu-archive serve`") == "browsing-the-archive-tnu-archive-serve"
    assert slug("Load: 5,000 articles through the fault suite") == "load-5000-articles-through-the-fault-suite"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_links_are_found_outside_code_only():
    text = '[a](x.md) and `[b](y.md)` and [c](https://e.org)\n```\n[d](z.md)\n```\n![i](img/p.png "t")'
    assert links(text) == ["x.md", "https://e.org", "img/p.png"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS])
def test_every_relative_link_resolves(document: Path):
    text = document.read_text(encoding="utf-8")
    broken = []
    for target in links(text):
        if not relative(target):
            continue
        path_part, _, fragment = target.partition("#")
        path = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not path.exists():
            broken.append(f"{target}: no such file")
            continue
        if fragment and path.suffix == ".md" and fragment not in anchors(path.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading #{fragment} in {path.relative_to(ROOT)}")
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_readme_links_every_document_of_docs():
    readme = ROOT / "README.md"
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in links(readme.read_text(encoding="utf-8")) if relative(t)}
    unlinked = [d.name for d in DOCUMENTS[1:] if d.resolve() not in linked]
    assert not unlinked, f"docs/ files the README does not link: {unlinked}"

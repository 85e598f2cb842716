"""A second opinion on a body found by generic rules: trafilatura's.

On pages of a layout nobody wrote selectors for, our generic rules (itemprop, <article>, the
densest text block) read the body; on real pages from other sites they miss or overreach more
often than trafilatura, whose cascade (its own rules, then readability/justext comparisons,
then a baseline) is the best open extractor we measured (benchmarks/quality.py). So its text
decides which paragraphs are the body: where ours covers what it found, our paragraphs are kept
(our paragraphing, our byline and caption rules) less those it left out; where ours misses
part of it, its text is the body. Known layouts (a site selector matched) never come here.

Pure: trafilatura parses the page text it is given and fetches nothing.
"""

from __future__ import annotations

import re

from .text import clean

# trafilatura's evaluation settings: no comments, tables kept, plain text.
_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
}
# Ours stands when it holds this share of the words trafilatura found (measured on its
# evaluation set: 0.98 keeps F1 at or above trafilatura's alone, lower costs recall).
COVER = 0.98
# Lines that point to other articles, in the languages met: "Xem thêm: …", "Read more: …".
# Shorter lines of trafilatura's text need not be in ours (measured as COVER).
PARAGRAPH = 40
_RELATED_LINE = re.compile(
    r"^(?:xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|mời\s+(?:bạn\s+)?xem|read\s+more|see\s+also|related"
    r"|also\s+read|lea(?:\s+también|\s+más)?|mire|le\s+puede\s+interesar|lesen\s+sie\s+auch"
    r"|mehr\s+zum\s+thema|lire\s+aussi|à\s+lire\s+aussi)\s*:",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def reference_text(page: str, url: str) -> str | None:
    """trafilatura's main text of the page, or None when it finds none (or fails on it)."""
    from trafilatura import extract  # imported on the first generic page only: known layouts never pay

    try:
        return extract(page, url=url, **_OPTIONS)
    except Exception:  # a bad page must cost its body check, never the article
        return None


def _norm(text: str) -> str:
    return " ".join(text.split())


def checked_body(
    page: str, url: str, ours: list[str], rule: str, not_body: set[str], date_text: str | None = None
) -> tuple[list[str], str]:
    """(paragraphs, rule): our generic body checked against trafilatura's text.

    `not_body` holds texts read as other fields (title, byline, captions) and `date_text` the
    printed date: trafilatura's text may include them and the date line, the body never does."""
    reference = reference_text(page, url)
    if not reference:
        return ours, rule
    theirs = [
        # table cells come as "| a | b |"
        line
        for line in (clean(x.strip("| ")) for x in reference.splitlines())
        if _WORD.search(line)
        and line not in not_body
        and not _RELATED_LINE.match(line)
        and not (date_text and date_text in line and len(line) <= 120)
    ]
    found = " ".join(theirs)
    placed = _placed(ours, found)
    kept = [paragraph for _, paragraph in placed]
    if len(ours) >= 2 and any(
        ours[0] in line and all(p in line for p in ours) and any(t in line for t in not_body) for line in theirs
    ):
        # trafilatura's last resort on a short page (its baseline) runs a whole block into one
        # line: the title, date, byline and captions with all our paragraphs. It confirms ours.
        return ours, f"{rule}+checked by trafilatura"
    # what ours must cover: trafilatura's paragraphs, not its short lines (counters, labels)
    wanted = set(_WORD.findall(" ".join(line for line in theirs if len(line) >= PARAGRAPH).lower()))
    covered = set(_WORD.findall(" ".join(kept).lower()))
    if kept and len(wanted & covered) >= COVER * len(wanted):
        return _merged(placed, theirs), f"{rule}+checked by trafilatura"
    if not any(len(line) >= PARAGRAPH for line in theirs):
        return ours, rule  # a few short lines ("Loading…", a caption) are no article's body
    return theirs, "generic:trafilatura"


def _placed(ours: list[str], found: str) -> list[tuple[int, str]]:
    """(where in `found`, paragraph) of each of our paragraphs that is part of trafilatura's text,
    in our order. Each is looked for from where the last one ended (both texts are in page order:
    one pass over `found` for a body it shares), and from the start only when not found after it;
    asking `p in found` of every paragraph scanned the whole text each time."""
    out = []
    at = 0
    for paragraph in ours:
        start = found.find(paragraph, at)
        if start < 0:
            start = found.find(paragraph, 0, at + len(paragraph))
            if start < 0:
                continue
        else:
            at = start + len(paragraph)
        out.append((start, paragraph))
    return out


def _merged(placed: list[tuple[int, str]], theirs: list[str]) -> list[str]:
    """Our paragraphs (`placed` in trafilatura's text, see _placed), with trafilatura's lines
    that fall between them (subheadings in another block) and its long lines before the first
    (a lead/sapo printed outside the content block). Its lines after our last paragraph are left
    out: there it reaches into boilerplate."""
    spans = sorted((start, start + len(paragraph)) for start, paragraph in placed)
    first, last = spans[0][0], max(end for _, end in spans)
    out = [(start, paragraph) for start, paragraph in placed]
    # trafilatura's lines come in order: one sweep over our spans sorted by start, keeping the
    # furthest end of those starting before the line ends, tells whether any overlaps the line
    reach, i = -1, 0
    offset = 0
    for line in theirs:
        start, end = offset, offset + len(line)
        offset = end + 1
        while i < len(spans) and spans[i][0] < end:
            reach = max(reach, spans[i][1])
            i += 1
        if reach > start:
            continue  # ours has it
        if (first <= start and end <= last) or (end <= first and len(line) >= PARAGRAPH):
            out.append((start, line))
    return [text for _, text in sorted(out, key=lambda p: p[0])]

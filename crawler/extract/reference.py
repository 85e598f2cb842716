"""A second opinion on a body found by generic rules: trafilatura's.

On pages of a layout nobody wrote selectors for, our generic rules (itemprop, <article>, the
densest text block) read the body; on real pages from other sites they miss or overreach more
often than trafilatura, whose cascade (its own rules, then readability/justext comparisons,
then a baseline) is the best open extractor we measured (benchmarks/quality.py). So its text
decides which paragraphs are the body: where ours covers what it found, our paragraphs are kept
(our paragraphing, our byline and caption rules) less those it left out; where ours misses part
of it, its text is the body. Known layouts (a site selector matched) never come here, nor a
body whose block trafilatura confirmed on the site's earlier pages (article.py decides).

trafilatura is no judge of page furniture: on a template it does not know it takes the footer,
the related-news list, the motto for the article. So it is handed the page's tree (parsed once,
parse.py), a copy without what we know is furniture (related blocks and rating lines by their
shape: furniture.py) and without what it would throw away first (scripts, menus, sidebars,
footers); when our body sits under the page's own title, only the article's part of the page
(its area), which is also far less to read; otherwise the whole page, and its lines the site
prints page after page (the site's memory, crawler/operations/extract_pool.py) do not count.

Pure: trafilatura reads the copy it is given and fetches nothing.
"""

from __future__ import annotations

import re
import threading
from copy import deepcopy

from lxml import etree

from .furniture import READ_ALSO_LINE
from .text import clean

Element = etree._Element

# trafilatura's evaluation settings: no comments, tables kept, plain text (its Extractor's names).
_OPTIONS = {
    "output_format": "txt",
    "comments": False,
    "tables": True,
    "formatting": False,
    "images": False,
    "links": False,
    "dedup": False,
}
_local = threading.local()
# What trafilatura throws away first anyway (code, styles, drawings, menus, sidebars, footers,
# form controls: its tree_cleaning), taken out before it copies the tree half a dozen times
# over; JSON-LD stays (it tells a forum thread by it).
# (scripts but JSON-LD; libxml2's walk matching tag names, cheaper than an XPath of them)
_NEVER_TEXT_TAGS = (
    "script", "style", "svg", "noscript", "template", "iframe", "select", "button", "input", "textarea",
    "nav", "aside", "footer",
)  # fmt: skip
# Ours stands when it holds this share of the words trafilatura found (measured on its
# evaluation set: 0.98 keeps F1 at or above trafilatura's alone, lower costs recall).
COVER = 0.98
# Shorter lines of trafilatura's text need not be in ours (measured as COVER).
PARAGRAPH = 40
_WORD = re.compile(r"\w+")


def reference_text(root: Element, url: str, not_body: list[Element] = (), part: Element | None = None) -> str | None:
    """trafilatura's main text of the page's tree without the `not_body` elements, or None when
    it finds none (or fails on it); of `part` of the page only when given. `root` itself is
    left as it was."""
    from trafilatura import extract  # imported on the first doubtful page only: known layouts never pay

    part = part if part is not None else root.find("body")
    work, top, copied = _page_of(root, part)
    # each element is found in the copy by its place under the copied part (in page order, as
    # a drop moves its tail text onto what precedes it), not by a walk of the whole copy
    found = []
    for path in sorted({p for p in (_path(e, top) for e in not_body) if p is not None}):
        element = copied
        for index in path:
            element = element[index]
        found.append(element)
    for element in found:  # all found before any is dropped: a drop moves the places after it
        _drop(element)
    for element in [e for e in work.iter(*_NEVER_TEXT_TAGS) if e.tag != "script" or _not_json_ld(e)]:
        _drop(element)
    try:
        return extract(work, options=_options(url))
    except Exception:  # a bad page must cost its body check, never the article
        return None


def _options(url: str):
    """trafilatura's options for a page of `url`: made once a thread (its constructor reads its
    configuration anew each time, a few percent of a check), the page's address set on each call
    as trafilatura's own command line does."""
    options = getattr(_local, "options", None)
    if options is None:
        from trafilatura.settings import Extractor

        options = _local.options = Extractor(**_OPTIONS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _page_of(root: Element, part: Element | None) -> tuple[Element, Element, Element]:
    """A copy of `part` of the page (its <body>, or the article's area) as a page of its own,
    with the page's JSON-LD (trafilatura tells a forum thread by it) and no other <head>: the
    styles and scripts there are often most of a page's weight, and none of its text. The area
    sits in empty shells of the blocks around it on the page (their tags and attributes, no
    other content): trafilatura knows an article's container by its class names
    (`entry-content`, `post`, `article`…), often on a block above the area, and the area alone
    read as a page without one (its last resort keeps no subheading). With what was copied and
    its copy."""
    if part is None or part is root:
        page = deepcopy(root)
        return page, root, page
    page = root.makeelement("html", dict(root.attrib))
    head = page.makeelement("head", {})
    page.append(head)
    for script in root.iter("script"):  # libxml2's walk by tag name: cheaper than an XPath of the type
        if not _not_json_ld(script):
            head.append(deepcopy(script))
    if part.tag == "body":
        page.append(deepcopy(part))
        return page, part, page[-1]
    holder = page.makeelement("body", {})
    page.append(holder)
    for block in reversed([a for a in part.iterancestors() if a.tag not in ("html", "body")]):
        holder.append(page.makeelement(block.tag, dict(block.attrib)))
        holder = holder[-1]
    holder.append(deepcopy(part))
    holder[-1].tail = None
    return page, part, holder[-1]


def _path(element: Element, top: Element) -> tuple[int, ...] | None:
    """The child indexes leading from `top` down to `element`; None when it is not under `top`."""
    path = []
    while element is not top:
        parent = element.getparent()
        if parent is None:
            return None
        path.append(parent.index(element))
        element = parent
    return tuple(reversed(path))


def _not_json_ld(script: Element) -> bool:
    return script.get("type") != "application/ld+json"


def _drop(element: Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


# Shorter lines are not looked up in the site's furniture (a word may be anywhere).
KNOWN_MIN_CHARS = 8


def _known(line: str, known: str) -> bool:
    if not known:
        return False
    flat = _flat(line)
    return len(flat) >= KNOWN_MIN_CHARS and flat in known


def _flat(text: str) -> str:
    """Text without any whitespace: trafilatura and the page's markup space lines differently
    (a <br>, an inline tag), the characters are the same."""
    return "".join(text.split())


def checked_body(
    root: Element,
    url: str,
    ours: list[str],
    rule: str,
    not_body: set[str],
    date_text: str | None = None,
    *,
    furniture: list[Element] = (),
    area: Element | None = None,
    known: str = "",
) -> tuple[list[str], str]:
    """(paragraphs, rule): our generic body checked against trafilatura's text.

    `not_body` holds texts read as other fields (title, byline, captions) and `date_text` the
    printed date: trafilatura's text may include them and the date line, the body never does.
    `furniture` are elements of the page trafilatura must not see; `area`, when given, the
    article's part of the page under its title: trafilatura reads that part only, what lies
    outside it is not the article;
    `known` is the page's lines the site prints page after page (furniture.known_text)."""
    reference = reference_text(root, url, list(furniture), part=area)
    if not reference:
        return ours, rule
    theirs = [
        # table cells come as "| a | b |", list items as "- a"
        line
        for line in (clean(x.strip("| ").removeprefix("- ")) for x in reference.splitlines())
        if _WORD.search(line)
        and line not in not_body
        and not READ_ALSO_LINE.match(line)
        and not (date_text and date_text in line and len(line) <= 120)
        and not _known(line, known)
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

"""Page furniture: what a page prints around its article and is never its body.

Two ways to know it:
- by its shape, on any page, even the first of a site: a heading that introduces other
  articles ("Tin khác", "Tin liên quan", "Những tin mới hơn", "Related news"…) and the list after
  it; a list of linked headlines each printed with a date (a related-news block, headed or not);
  a rating line ("Đánh giá bài viết: ★★★★☆ (12 lượt đánh giá)"); a line that only points to
  another article ("Xem thêm: …", "Read more: …", a paragraph that is one link);
- by recurrence, across the pages of one site: a line the site prints outside the article on
  page after page (menus, mottos, footers, the related lists' headlines) is template. The pages
  seen so far are remembered per site beside the extraction worker (crawler/operations/extract_pool.py);
  extraction gets what is known as a `Furniture` and gives back the page's own template lines
  (`template_keys`) for the memory to learn from. Nothing here keeps state between pages.

Pure functions over one page's tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from itertools import islice
from typing import NamedTuple

from lxml import etree

from .text import SILENT_TAGS, clean, element_text, paragraphs

Element = etree._Element

# Headings that open a block of links to other articles (Vietnamese first: the sites archived
# here; then the languages of the other news pages the generic rules are measured on).
RELATED_HEADING = re.compile(
    r"^(?:(?:các|những)\s+)?(?:tin(?:\s+tức|\s+bài)?|bài(?:\s+viết)?)\s+"
    r"(?:khác|liên\s+quan|cùng\s+(?:chuyên\s+mục|danh\s+mục|chủ\s+đề|loại)|mới\s+hơn|cũ\s+hơn|đã\s+đưa"
    r"|mới\s+nhất|xem\s+nhiều(?:\s+nhất)?|đọc\s+nhiều(?:\s+nhất)?|nổi\s+bật)"
    r"|^(?:xem|đọc)\s+(?:thêm|nhiều(?:\s+nhất)?)|^có\s+thể\s+bạn\s+quan\s+tâm"
    r"|^(?:related|other|more|latest|recent|similar)\s+(?:news|posts?|articles?|stories|items|reading)"
    r"|^(?:read|see)\s+(?:more|also)|^you\s+(?:may|might)\s+also\s+like|^more\s+from\b"
    r"|^(?:ähnliche|verwandte|weitere)\s+(?:beiträge|artikel|nachrichten|themen)|^mehr\s+zum\s+thema"
    r"|^(?:à|a)\s+lire\s+aussi|^sur\s+le\s+même\s+sujet|^noticias\s+relacionadas|^te\s+puede\s+interesar",
    re.IGNORECASE,
)
# Lines that only point to another article: "Xem thêm: …", "Read more: …", "Lea también: …".
READ_ALSO_LINE = re.compile(
    r"^(?:xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|mời\s+(?:bạn\s+)?xem|read\s+more|see\s+also|related"
    r"|also\s+read|lea(?:\s+también|\s+más)?|mire|le\s+puede\s+interesar|lesen\s+sie\s+auch"
    r"|mehr\s+zum\s+thema|lire\s+aussi|à\s+lire\s+aussi)\s*[:»›>]",
    re.IGNORECASE,
)
# A rating widget's line: "Đánh giá bài viết: ★★★★☆ (12 lượt đánh giá)", "(Noch keine Bewertungen)".
RATING_LINE = re.compile(
    r"[★☆✩✪✫✬✭✮✯]|lượt\s+(?:đánh\s+giá|bình\s+chọn)|đánh\s+giá\s+bài\s+viết|bình\s+chọn\s*:"
    r"|\b(?:votes?|ratings?|bewertungen|valoraciones|votos)\s*\)?$|^\(?noch\s+keine\s+bewertung",
    re.IGNORECASE,
)
RATING_MAX_CHARS = 120
# A headline is a few words at least ("Trang 2", "Xem thêm" or a tag are not headlines).
HEADLINE_MIN_CHARS = 15
HEADLINE_MIN_WORDS = 3
# What a related list prints beside each headline: a date (and maybe a time, a counter).
_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+tháng\s+\d{1,2}")
DATE_NOTE_MAX_CHARS = 40
# A related list is a few items of a headline and a date each.
LIST_MAX_ITEMS = 40
ITEM_MAX_CHARS = 300
# A paragraph that is one link and nothing else points elsewhere; a sentence with a link in it
# is text. Files (a decision, a form) linked from an announcement are its content.
LINK_LINE_MAX_CHARS = 160
_DOCUMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|odt|ods)(?:$|[?#])", re.IGNORECASE)


def _link_text(element: Element) -> tuple[int, list[Element]]:
    anchors = [a for a in element.iter("a")]
    return sum(len(clean("".join(a.itertext()))) for a in anchors), anchors


def is_related_heading(text: str) -> bool:
    return 0 < len(text) <= 60 and bool(RELATED_HEADING.match(text))


def is_rating_line(text: str) -> bool:
    return 0 < len(text) <= RATING_MAX_CHARS and bool(RATING_LINE.search(text))


def is_link_line(element: Element, text: str | None = None) -> bool:
    """A short block whose text is one link (a "Xem thêm" label and a date beside it allowed):
    it points to another page; a document link (PDF, Word…) is content and stays."""
    text = element_text(element) if text is None else text
    if not text or len(text) > LINK_LINE_MAX_CHARS or element.find(".//img") is not None:
        return False
    linked, anchors = _link_text(element)
    if len(anchors) != 1 or _DOCUMENT.search(anchors[0].get("href") or ""):
        return False
    rest = len(text) - linked
    return linked >= HEADLINE_MIN_CHARS and (
        rest <= 3 or bool(READ_ALSO_LINE.match(text)) or _is_date_note(text, linked)
    )


def _is_date_note(text: str, linked: int) -> bool:
    return len(text) - linked <= DATE_NOTE_MAX_CHARS and bool(_DATE.search(text))


def _headline_item(item: Element) -> bool:
    """One item of a related list: a linked headline and a date beside it, nothing more."""
    text = element_text(item)
    if not text or len(text) > ITEM_MAX_CHARS:
        return False
    linked, anchors = _link_text(item)
    if not anchors or linked < HEADLINE_MIN_CHARS:
        return False
    headline = max((element_text(a) for a in anchors), key=len)
    if len(headline.split()) < HEADLINE_MIN_WORDS:
        return False
    rest = text.replace(headline, " ", 1)
    return len(clean(rest)) <= DATE_NOTE_MAX_CHARS and bool(_DATE.search(rest))


# Candidates found by libxml2 itself (XPath, in C): links as long as a headline, elements whose
# whole text is short enough to be a heading or a rating line. Python then reads only those.
_HEADLINE_LINKS = etree.XPath(f".//a[string-length(normalize-space()) >= {HEADLINE_MIN_CHARS}]")
_SHORT_HEADINGS = etree.XPath(
    ".//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::p or self::div or self::span"
    " or self::strong or self::b or self::header][count(*) <= 2][string-length(normalize-space()) <= 60]"
    "[string-length(normalize-space()) >= 3]"
)
_SHORT_TEXTS = etree.XPath(
    ".//text()[string-length(normalize-space()) >= 3][string-length(normalize-space()) <= 60]", smart_strings=False
)
# The same tests over many short texts joined by newlines, in one search each.
_RELATED_LINE_START = re.compile(
    r"^\s*(?:" + RELATED_HEADING.pattern.replace("|^", "|").removeprefix("^") + ")", re.I | re.M
)
_RATING_ANYWHERE = re.compile(RATING_LINE.pattern, re.I | re.M)
_SHORT_LINES = etree.XPath(
    f".//*[self::p or self::div or self::li or self::span][string-length(normalize-space()) <= {RATING_MAX_CHARS}]"
    "[string-length(normalize-space()) >= 3]"
)


def dated_headline_lists(scope: Element, lists: dict[Element, bool] | None = None) -> list[Element]:
    """Blocks of `scope` that list at least two linked headlines, each with its date, and
    nothing else: related-news blocks, whatever their class or heading. `lists` remembers
    which blocks are such lists, for another scope of the same page (the area, then the page)."""
    out: list[Element] = []
    seen: set[Element] = set()
    lists = {} if lists is None else lists
    for anchor in _HEADLINE_LINKS(scope):
        # the item is the anchor's block: the anchor itself or up to two levels above it
        item = anchor.getparent()
        for _ in range(2):
            if item is None or item.tag in ("li", "p", "div", "article", "tr", "dd", "dt"):
                break
            item = item.getparent()
        if item is None or item is scope:
            continue
        container = item.getparent()
        if container is None or container in seen:
            continue
        seen.add(container)
        listed = lists.get(container)
        if listed is None:
            listed = lists[container] = _headline_list(container)
        if listed:
            out.append(container)
    return outermost(out)


def _headline_list(container: Element) -> bool:
    # each item prints a date: fewer dates than items, and it is no such list (cheap, in C)
    if not 2 <= len(container) <= LIST_MAX_ITEMS:
        return False
    text = _text_of(container)
    if len(text) > ITEM_MAX_CHARS * len(container) or len(list(islice(_DATE.finditer(text), 2))) < 2:
        return False
    items = [c for c in container if isinstance(c.tag, str) and c.tag not in SILENT_TAGS and element_text(c)]
    return len(items) >= 2 and all(_headline_item(c) for c in items)


def _text_of(element: Element) -> str:
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def short_texts(scope: Element) -> str:
    """The short texts of `scope` (3 to 60 characters), one a line: what related_blocks and
    rating_lines search first, to pass over a page that prints no related heading or rating."""
    return "\n".join(_SHORT_TEXTS(scope))


def related_blocks(scope: Element, short: str | None = None, lists: dict[Element, bool] | None = None) -> list[Element]:
    """Related-news blocks of `scope`: a related heading with the list (or links) after it, the
    heading's own block when the list is in it, and dated headline lists without a heading.
    `short` is short_texts(scope) when the caller has it already; `lists` as dated_headline_lists."""
    found = dated_headline_lists(scope, lists)
    # most pages print no such heading at all: their short texts say so (one search of them all)
    if not _RELATED_LINE_START.search(short_texts(scope) if short is None else short):
        return outermost(found)
    for element in _SHORT_HEADINGS(scope):
        if not is_related_heading(element_text(element)):
            continue
        block = [element]
        sibling = element.getnext()
        while sibling is not None and (sibling.tag in ("ul", "ol") or _mostly_links(sibling)):
            block.append(sibling)
            sibling = sibling.getnext()
        parent = element.getparent()
        if len(block) == 1 and parent is not None and parent is not scope and _headed_list(parent, element):
            block = [parent]
        if len(block) > 1 or block[0] is not element:
            found.extend(block)
    return outermost(found)


_ONE_LINK_LINES = etree.XPath(
    ".//*[self::p or self::div or self::li or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
    f"[count(.//a) = 1][not(.//img)][string-length(normalize-space()) <= {LINK_LINE_MAX_CHARS}]"
)


def link_lines(scope: Element) -> list[Element]:
    """The blocks of `scope` that are one link to another page and nothing more (is_link_line)."""
    return outermost(e for e in _ONE_LINK_LINES(scope) if is_link_line(e))


def rating_lines(scope: Element, short: str | None = None) -> list[Element]:
    """The lines (short blocks) of `scope` that are a rating widget's, whole (`short`: as
    related_blocks)."""
    if not _RATING_ANYWHERE.search(short_texts(scope) if short is None else short):
        return []  # most pages rate nothing: their short texts say so
    return outermost(e for e in _SHORT_LINES(scope) if is_rating_line(element_text(e)))


def _headed_list(parent: Element, heading: Element) -> bool:
    """The heading opens its own block, and the rest of the block is links."""
    rest = [c for c in parent if c is not heading and isinstance(c.tag, str)]
    return bool(rest) and all(c.tag in ("ul", "ol") or _mostly_links(c) for c in rest if element_text(c))


def _mostly_links(element: Element) -> bool:
    text = element_text(element)
    if not text:
        return False
    linked, _ = _link_text(element)
    return linked >= 0.8 * len(text)


def outermost(elements: Iterable[Element]) -> list[Element]:
    """The elements none of which is inside another of them, in their first order."""
    chosen = list(dict.fromkeys(elements))
    members = set(chosen)
    return [e for e in chosen if not any(a in members for a in e.iterancestors())]


# --- a site's template -----------------------------------------------------------------------


def line_key(text: str) -> int:
    """The key a line is remembered by (its text; the memory keeps keys, not lines)."""
    return hash(text)


class Furniture:
    """What a site's pages seen so far say of its template (read-only here: the memory lives
    beside the extraction worker, crawler/operations/extract_pool.py): the lines it prints outside its
    articles page after page, and the blocks its article bodies sit in that trafilatura read as
    we did on earlier pages (a page whose body sits in such a block needs no second opinion)."""

    __slots__ = ("_lines", "_bodies")

    def __init__(self, lines: Set[int] = frozenset(), bodies: Set[str] = frozenset()):
        self._lines = lines
        self._bodies = bodies

    def __contains__(self, line: object) -> bool:
        return isinstance(line, str) and line_key(line) in self._lines

    def __bool__(self) -> bool:
        return bool(self._lines or self._bodies)

    def confirmed(self, body: str) -> bool:
        return body in self._bodies


NO_FURNITURE = Furniture()


class Observed(NamedTuple):
    """What one page shows of its site's template, for the memory to learn from."""

    # keys of the page's lines outside its article's area (menus, mottos, footers, sidebars)
    template: frozenset[int]
    # the generic body's block (body_signature), None when a site selector read the page
    body: str | None
    # whether trafilatura read the same body as we did; None when it was not asked
    agreed: bool | None


def outside_lines(root: Element, area: Element) -> list[str]:
    """The page's lines outside its article's area, in reading order: what a site's template
    repeats and its articles do not."""
    return paragraphs(root, (area,)) if area is not root else []


def template_keys(lines: list[str]) -> frozenset[int]:
    return frozenset(line_key(line) for line in lines)


def known_text(lines: list[str], known: Furniture) -> str:
    """The page's known furniture as one text without spaces, runs of known lines joined and
    others left out (a separator in their place): trafilatura's lines, spaced and cut otherwise
    than ours (a <br>, an inline tag), are furniture when they are found in it."""
    return "".join("".join(line.split()) if line in known else "\x00" for line in lines)


def body_signature(body: Element) -> str:
    """The block a body sits in, as a template names it: its tag, class and id and those of its
    three nearest ancestors (the same on every article page of one template)."""
    parts = []
    for element in (body, *body.iterancestors()):
        parts.append(f"{element.tag}.{element.get('class') or ''}#{element.get('id') or ''}")
        if len(parts) == 4:
            break
    return "<".join(parts)

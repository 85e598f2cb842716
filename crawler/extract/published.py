"""When was the article published? The order of the sources and the guards, in one place.

1. The site's own date element (the profile's `date` selector of a known layout).
2. Structured data the page gives about itself: JSON-LD `datePublished` of an Article node
   (@graph included), `article:published_time`, a `<time datetime>` in the article's header,
   then DC.date / pubdate / date meta and `itemprop=datePublished`.
3. The date lines printed around the article: a labelled line (`Đăng ngày: …`, `Cập nhật lúc
   …`) anywhere around the body, else a dated line of the article's header.
4. A /yyyy/mm/dd/ in the article's URL (its address, canonical link or og:url).
5. htmldate, shown only the page's head and the article's header lines.

Guards, for every source: never a date of the running text (a header or lead line that is a
sentence — "Ngày 04/4/1994, nhà trường được thành lập…" — is not a date line, and
htmldate never sees the body), never a date after now (dates.FUTURE_GRACE), never one before
the web (dates.EARLIEST). A page with no date outside its running text is not an article
(archive/record.py). When structured data gives the date, the printed line that agrees with it
still supplies `published_text` (and the time, when only the structured value lacks one).

A time printed without an offset, or a machine-readable one without its own, is on the site's
clock (`zone`, its profile's `timezone`); the slow path reads wordings in the site's `language`
first (dates.py).

Pure: the tree in, a DateFound out; nothing fetches, stores or logs.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import NamedTuple

from lxml import etree

from . import dates
from .listing import ARTICLE_TYPES, self_names
from .text import clean, element_text

Element = etree._Element
Line = tuple[str, Element]
Plausible = Callable[[str | None], bool]
Reader = Callable[[str], str | None]  # a machine-readable value -> ISO 8601 on the site's clock
Finder = Callable[[str], tuple[str, str] | None]  # printed text -> (ISO 8601, as printed), on the site's clock

# Rules whose date is the page's own statement about itself, never an item's: the listing test
# trusts them (a category page prints its items' dates, not these).
PAGE_LEVEL_RULES = frozenset({"generic:jsonld", "generic:meta", "generic:itemprop"})

# đăng ngày, đăng lúc, ngày đăng, ngày xuất bản, cập nhật, posted, published: every line around
# the body is searched, so the words share their openings, and the lookahead (the first letters)
# lets the search skip the positions where none can start.
_DATE_LABEL = re.compile(
    r"(?=[đncp])(?:đăng\s*(?:ngày|lúc)|ngày\s*(?:đăng|xuất\s*bản)|cập\s*nhật|p(?:osted|ublished))",
    re.IGNORECASE,
)
# Meta names of a publication date, after article:published_time, most specific first. Names of a
# modification date are not here: the first edit is not the publication.
_META_NAMES = (
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "article.published",
    "og:published_time",
    "date",
)
# A <time> or meta that holds a modification date, not the publication.
_MODIFIED = re.compile(r"modif|updat|revis|edited", re.IGNORECASE)
# A <time> marked as the publication (WordPress entry-date, hAtom `published`, pubdate).
_PUBLISHED_MARK = re.compile(r"publish|entry-date|post-date|posted|created", re.IGNORECASE)
# Bounds on what htmldate is shown: a header line is short, a header has a few of them.
_HTMLDATE_LINE_CHARS = 200
_HTMLDATE_LINES = 40
_MAX_PRINTED_LINE = 200
# Every itemprop of the page, each a string whose getparent() is its element, in page order:
# libxml2 walks the tree for them (ElementPath's `.//*[@itemprop=…]` asks every element in Python).
_ITEMPROPS = etree.XPath("descendant::*/@itemprop")


class DateFound(NamedTuple):
    iso: str | None  # published_at
    text: str | None  # published_text: the date as printed, when a printed line gave or confirmed it
    line: Element | None  # the element printing it (kept out of the body text; evidence for the listing test)
    rule: str  # where published_at came from ("" when nowhere)
    text_rule: str  # where published_text came from ("" when nowhere)


NOTHING = DateFound(None, None, None, "", "")


def read_date(
    *,
    root: Element,
    url: str,
    selector_node: Element | None,
    lines: list[Line],
    header: list[Line],
    area: Element,
    body: Element | None,
    ld_objects: list[dict],
    title_node: Element | None = None,
    now: datetime | None = None,
    zone: tzinfo,
    language: str,
) -> DateFound:
    """The article's publication date. `lines`: the text lines around the body (header, lead
    and after); `header`: those above it (and a generic body's lead lines); `area`: the part of
    the page that is the article; `ld_objects`: the page's JSON-LD objects, flattened; `zone`
    and `language`: the site's clock and language (its Site's `zone` and `language`)."""

    def ok(iso: str | None) -> bool:
        return iso is not None and dates.plausible(iso, now)

    def find(text: str) -> tuple[str, str] | None:
        return dates.find_date(text, zone)

    def slow(text: str) -> tuple[str, str] | None:
        return dates.parse_date_fallback(text, zone, language)

    if selector_node is not None:
        text = element_text(selector_node)
        found = find(dates.strip_label(text)) or find(text) or slow(text)
        if found and ok(found[0]):
            return DateFound(found[0], found[1], selector_node, "site", "site")

    structured = _structured(root, area, body, header, ld_objects, ok, lambda value: dates.parse_iso(value, zone))
    if structured is not None:
        iso, rule, node = structured
        printed = _printed(lines, header, ok, find, None)
        if printed is not None and dates.same_day(iso, printed.iso, zone):
            # the printed line confirms it: its wording, and its time when the structured value has none
            better = printed.iso if "T" not in iso and "T" in printed.iso else iso
            return DateFound(better, printed.text, printed.line, rule, printed.text_rule)
        text = (clean(" ".join(node.itertext())) or None) if node is not None else None
        # a date line that disagrees is still a date line, not body text: its element is returned
        line = node if node is not None else printed.line if printed is not None else None
        return DateFound(iso, text, line, rule, rule if text else "")
    printed = _printed(lines, header, ok, find, slow)
    if printed is not None:
        return printed
    for candidate in _own_urls(root, url):
        iso = dates.url_date(candidate)
        if ok(iso):
            return DateFound(iso, None, None, "generic:url", "")
    iso = _htmldate(root, header, title_node)
    if ok(iso):
        return DateFound(iso, None, None, "generic:htmldate", "")
    return NOTHING


# --- the printed lines ------------------------------------------------------------------------


def _printed(
    lines: list[Line], header: list[Line], ok: Plausible, find: Finder, slow: Finder | None
) -> DateFound | None:
    """The first printed date line: labelled, else of the header; with `slow` (dateparser), its reading last."""
    labelled = [(t, el) for t, el in lines if len(t) <= _MAX_PRINTED_LINE and _DATE_LABEL.search(t)]
    for text, element in labelled:
        found = find(dates.strip_label(text)) or find(text)
        if found and ok(found[0]) and dates.is_date_line(text, found[1]):
            return DateFound(found[0], found[1], element, "generic:labelled date line", "generic:labelled date line")
    for text, element in header:
        if len(text) <= 120:
            found = find(text)
            if found and ok(found[0]) and dates.is_date_line(text, found[1]):
                return DateFound(found[0], found[1], element, "generic:dated header line", "generic:dated header line")
    for text, element in labelled if slow is not None else ():
        found = slow(text)
        if found and ok(found[0]) and dates.is_date_line(text, found[1]):
            return DateFound(found[0], found[1], element, "generic:labelled date line", "generic:labelled date line")
    return None


# --- structured data --------------------------------------------------------------------------


def _structured(
    root: Element,
    area: Element,
    body: Element | None,
    header: list[Line],
    ld_objects: list[dict],
    ok: Plausible,
    parse: Reader,
) -> tuple[str, str, Element | None] | None:
    """(ISO date, rule, the <time> element when one gave it) from what the page says of itself."""
    for value in _jsonld_published(ld_objects):
        iso = parse(value)
        if ok(iso):
            return iso, "generic:jsonld", None
    metas = _metas(root)
    iso = _first_ok(metas.get("article:published_time", ()), ok, parse)
    if iso:
        return iso, "generic:meta", None
    for node in _header_times(area, body, header):
        iso = parse(node.get("datetime") or "")
        if ok(iso):
            return iso, "generic:time", node
    for name in _META_NAMES:
        iso = _first_ok(metas.get(name, ()), ok, parse)
        if iso:
            return iso, "generic:meta", None
    for itemprop in _ITEMPROPS(root):
        if itemprop != "datePublished":
            continue
        node = itemprop.getparent()
        if node.tag == "meta":
            continue  # read with the metas above
        iso = parse(node.get("content") or node.get("datetime") or "")
        if ok(iso):
            return iso, "generic:itemprop", None
    return None


def _first_ok(values: Iterable[str], ok: Plausible, parse: Reader) -> str | None:
    for value in values:
        iso = parse(value)
        if ok(iso):
            return iso
    return None


def _jsonld_published(objects: list[dict]) -> list[str]:
    """datePublished of the page's Article nodes. A WebPage's datePublished is not asked: WordPress
    SEO plugins print it on every static page ("Giới thiệu", contacts) as the page's creation."""
    out = []
    for obj in objects:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
            continue
        value = obj.get("datePublished")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if isinstance(value, str) and value.strip():
            out.append(value)
    return out


def _metas(root: Element) -> dict[str, list[str]]:
    """Every <meta> with content, by its lower-cased name, property or itemprop."""
    out: dict[str, list[str]] = {}
    for node in root.iter("meta"):
        content = node.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            key = node.get(attribute)
            if key and (key := key.strip().lower()):
                out.setdefault(key, []).append(content)
    if "datepublished" in out:
        out.setdefault("dc.date.issued", []).extend(out["datepublished"])
    return out


def _header_times(area: Element, body: Element | None, header: list[Line]) -> list[Element]:
    """The <time datetime> elements of the article's header: above the body in the article's part
    of the page, or in the lines a generic body opens with; marked publication times first, and
    never one marked as a modification. Times below the body belong to related items or comments."""
    found: list[Element] = []
    if body is not None:
        # the walk stops at the body: libxml2 hands over only <time>s and elements of its tag
        for element in area.iter("time", body.tag):
            if element is body:
                break
            if element.tag == "time":
                found.append(element)
        for _, element in header:
            if body in element.iterancestors():
                found.extend(element.iter("time"))
    else:
        found = list(area.iter("time"))
    usable = [t for t in found if t.get("datetime") and not _MODIFIED.search(_marks(t))]
    marked = [t for t in usable if t.get("pubdate") is not None or _PUBLISHED_MARK.search(_marks(t))]
    return marked + [t for t in usable if t not in marked]


def _marks(node: Element) -> str:
    return " ".join(node.get(a) or "" for a in ("class", "id", "itemprop"))


# --- the URL and htmldate ---------------------------------------------------------------------


def _own_urls(root: Element, url: str) -> list[str]:
    out = [url]
    for node in self_names(root):
        value = (node.get("href") or node.get("content") or "").strip()
        if value and value not in out:
            out.append(value)
    return out


def _htmldate(root: Element, header: list[Line], title_node: Element | None) -> str | None:
    """htmldate's reading of the page's head (no modification dates, no scripts) and of the
    article's header lines, each inside its ancestors' tags so their class names still say
    `date` or `meta`: what it finds there is never running text, a sidebar or a footer."""
    parts = ["<html><head>"]
    head = root.find("head")
    if head is not None:
        for meta in head.iter("meta"):
            names = " ".join(meta.get(a) or "" for a in ("name", "property", "itemprop", "http-equiv"))
            if meta.get("content") and not _MODIFIED.search(names):
                parts.append(etree.tostring(meta, method="html", encoding="unicode", with_tail=False))
    parts.append("</head><body>")
    shown = 0
    opening: dict[Element, str] = {}  # each ancestor's opening tag: header lines share their ancestors
    for text, element in header:
        if shown >= _HTMLDATE_LINES:
            break
        if len(text) > _HTMLDATE_LINE_CHARS or element is title_node or element.tag in ("h1", "title"):
            continue
        found = dates.find_date(text)
        if found and not dates.is_date_line(text, found[1]):
            continue  # a sentence that happens to hold a date
        parts.append(_with_ancestors(element, opening))
        shown += 1
    parts.append("</body></html>")
    if shown == 0 and head is None:
        return None
    import htmldate  # imported here: only pages no other rule could date pay for it

    try:
        return htmldate.find_date(
            "".join(parts),
            extensive_search=False,
            original_date=True,
            min_date=dates.EARLIEST.isoformat(),
        )
    except Exception:  # a library's failure on one odd page is no date, not a failed extraction
        return None


def _with_ancestors(element: Element, opening_tags: dict[Element, str]) -> str:
    """The element's own text inside its ancestors' opening tags (their class and id only);
    `opening_tags`: those written so far, by element."""
    chain = [a for a in element.iterancestors() if a.tag not in ("html", "body")][:6]
    for a in chain:
        if a not in opening_tags:
            opening_tags[a] = f"<{a.tag}{_attrs(a)}>"
    opening = "".join(opening_tags[a] for a in reversed(chain))
    closing = "".join(f"</{a.tag}>" for a in chain)
    own = html_lib.escape(element_text(element), quote=False)
    return f"{opening}<{element.tag}{_attrs(element)}>{own}</{element.tag}>{closing}"


def _attrs(node: Element) -> str:
    out = ""
    for name in ("class", "id", "itemprop", "datetime", "title"):
        value = node.get(name)
        if value:
            out += f' {name}="{html_lib.escape(value)}"'
    return out

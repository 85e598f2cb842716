"""One article page -> one `Article`: site selectors first, generic rules as the fallback.

The page is parsed once, as a browser would (parse.py); every field is read from that one tree.
Nothing here fetches, stores or logs. `read_article` also says which rule read each field.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import NamedTuple

import cssselect
from lxml import etree
from lxml.cssselect import CSSSelector

from archive.record import Article, ImageRef
from crawler.sites import Site, packaged

from . import dates, furniture, listing, published, reference
from .images import FoundImage, find_images, image_source, is_furniture_image, looks_like_name
from .parse import parse_html
from .text import (
    BLOCK_TAGS,
    SILENT_TAGS,
    absolutize_links,
    clean,
    decode_page,
    element_text,
    forget_texts,
    paragraphs,
    remembered_texts,
    sanitize,
)

# Plain lxml elements: lxml.html's element classes cost a Python lookup per node touched.
Element = etree._Element

# Class or id words of page furniture that sits inside an article: share bars, related links,
# comments, tags, print buttons, ads.
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|related|tin-?khac|tin-?lien-?quan|other-news|comments?"
    r"|binh-?luan|y-?kien|tags?|print|breadcrumbs?|banner|adv|advert|ads|quang-?cao|rating|toolbar"
    r"|pager|pagination|nav|navbar|menu|footer|sidebar|widget|subscribe)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Headings that open a block of links to other articles (inside a body of a known layout too;
# a generic body is also checked against furniture.py's wider list).
_RELATED_HEADING = re.compile(
    r"^(?:các\s+|những\s+)?(?:tin|bài(?:\s+viết)?)\s+(?:khác|liên\s+quan|cùng\s+chuyên\s+mục|mới\s+hơn|cũ\s+hơn)"
    r"|^(?:xem\s+thêm|related\s+(?:news|posts|articles)|other\s+news|read\s+more)\s*:?$",
    re.IGNORECASE,
)
# "Tác giả: …", NukeViet's "Tác giả bài viết: …", portals' "Người đăng: …".
_AUTHOR_LABEL = re.compile(
    r"^\s*(?:tác\s*giả(?:\s*bài\s*viết)?|người\s*(?:viết|đăng)|đăng\s*bởi|author|(?:posted\s*)?by)\s*:\s*(.+)$",
    re.IGNORECASE,
)
# A byline block's unlabelled prefix: WordPress's entry meta prints "bởi <a>Name</a>" ("by Name").
_BYLINE_PREFIX = re.compile(r"^\s*(?:(?:đăng|viết)\s+)?(?:bởi|by)\s+(?=\S)", re.IGNORECASE)
# A byline may name its role: "Tin, ảnh: Thanh Loan", "Bài và ảnh: …", "Theo …", "Nguồn: …".
_BYLINE_LABEL = re.compile(
    r"^(?:(?:tin|bài|ảnh|video)(?:\s*(?:,|và|&|-)\s*(?:tin|bài|ảnh|video))*\s*:|theo\s|nguồn\s*:)",
    re.IGNORECASE,
)
_HOME_CRUMBS = frozenset({"trang chủ", "home", "trang chu", "homepage"})
_ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "blogposting", "reportagenewsarticle", "scholarlyarticle", "webpage"}
)


@cache
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def _select(root: Element, selector: str | None) -> list[Element]:
    if not selector:
        return []
    try:
        return _css(selector)(root)
    except Exception:  # a malformed selector in a profile must not take the extractor down
        return []


def _first(root: Element, selector: str | None) -> Element | None:
    found = _select(root, selector)
    return found[0] if found else None


def _near(scope: Element, root: Element, selector: str | None) -> list[Element]:
    """Matches around the article body first (a small subtree, so fast), else in the whole page."""
    if not selector:
        return []
    return _select(scope, selector) or (_select(root, selector) if scope is not root else [])


def _scope(body: Element | None, root: Element) -> Element:
    # two levels above the body hold the title, the date line and the breadcrumb in every layout
    # seen so far; anything not found there is looked for in the whole page
    scope = body if body is not None else root
    for _ in range(2):
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    return scope


def _meta(root: Element, *names: str) -> str | None:
    for name in names:
        for node in root.iterfind(f".//meta[@property='{name}']"):
            if clean(node.get("content")):
                return clean(node.get("content"))
        for node in root.iterfind(f".//meta[@name='{name}']"):
            if clean(node.get("content")):
                return clean(node.get("content"))
    return None


class _JsonLd:
    """The page's JSON-LD objects, read on first use only (most pages of this site have none)."""

    def __init__(self, root: Element) -> None:
        self._root = root
        self._objects: list[dict] | None = None

    @property
    def objects(self) -> list[dict]:
        if self._objects is None:
            self._objects = []
            for script in self._root.iterfind(".//script[@type='application/ld+json']"):
                try:
                    data = json.loads(script.text or "")
                except (ValueError, TypeError):
                    continue
                self._flatten(data)
        return self._objects

    def _flatten(self, data) -> None:
        if isinstance(data, list):
            for item in data:
                self._flatten(item)
        elif isinstance(data, dict):
            self._objects.append(data)
            if "@graph" in data:
                self._flatten(data["@graph"])

    def _typed(self, types: frozenset[str]):
        for obj in self.objects:
            kinds = obj.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in types for k in kinds):
                yield obj

    def article_value(self, key: str) -> str | None:
        for obj in self._typed(_ARTICLE_TYPES):
            value = obj.get(key)
            if isinstance(value, str) and clean(value):
                return clean(value)
        return None

    def crumbs(self) -> list[str]:
        for obj in self._typed(frozenset({"breadcrumblist"})):
            items = obj.get("itemListElement") or []
            items = sorted((i for i in items if isinstance(i, dict)), key=lambda i: i.get("position") or 0)
            names = []
            for item in items:
                name = item.get("name")
                if not name and isinstance(item.get("item"), dict):
                    name = item["item"].get("name")
                if isinstance(name, str) and clean(name):
                    names.append(clean(name))
            if names:
                return names
        return []


# --- the pieces of the page -----------------------------------------------------------------


def _layout(root: Element, site: Site, page: str) -> tuple[dict[str, str], Element | None]:
    for selectors in site.selectors:
        if not _may_match(selectors.get("body"), page):
            continue  # a class or id the selector needs is nowhere in the page: no match
        body = _first(root, selectors.get("body"))
        if body is not None:
            return selectors, body
    return {}, None


def _may_match(selector: str | None, page: str) -> bool:
    """Whether the page's text holds every class name and id one of the selector's alternatives
    needs: a search of the page text, against libxml2 evaluating the selector over every element
    (a site's selectors are tried on every page of the site, most of them not of its layout)."""
    needs = _needs(selector) if selector else None
    return needs is None or any(all(token in page for token in tokens) for tokens in needs)


@cache
def _needs(selector: str) -> tuple[tuple[str, ...], ...] | None:
    """The class names and ids each alternative of a selector requires (of the elements it
    matches and of their ancestors; not those inside :not() or :has()), None when it does not
    parse. Written in the page, they appear as they are (class names spelled with character
    references would escape this, and no template writes them so)."""
    try:
        alternatives = cssselect.parse(selector)
    except Exception:
        return None
    out = []
    for alternative in alternatives:
        tokens, stack = [], [alternative.parsed_tree]
        while stack:
            node = stack.pop()
            if isinstance(node, cssselect.parser.Class):
                tokens.append(node.class_name)
            elif isinstance(node, cssselect.parser.Hash):
                tokens.append(node.id)
            if isinstance(node, cssselect.parser.CombinedSelector):
                stack.append(node.subselector)
            if hasattr(node, "selector"):
                stack.append(node.selector)
        out.append(tuple(tokens))
    return tuple(out)


def _generic_body(root: Element, page: str) -> tuple[Element | None, str]:
    """Microdata or <article> first; else the block holding the most paragraph text.
    With the rule that found it (for the record's provenance). `page`: the page's text."""
    # (the page's text is searched first: lxml looks for an attribute value element by element)
    marked = root.find(".//*[@itemprop='articleBody']") if "articleBody" in page else None
    if marked is not None:
        return marked, "generic:itemprop=articleBody"
    scores: dict[Element, float] = {}
    is_furniture = _furniture_memo()  # a block's paragraphs ask about it once
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is None or is_furniture(parent):
            continue
        text = element_text(p)
        if len(text) < 25:
            continue
        links = sum(len(clean("".join(a.itertext()))) for a in p.iter("a"))
        scores[parent] = scores.get(parent, 0) + len(text) - 2 * links
    # blocks with a <br> of their own, in one walk of the <br>s (asking each block is a call a block)
    broken = {br.getparent() for br in root.iter("br")}
    for block in root.iter("div", "td", "section", "article", "blockquote", "center"):
        # paragraphs written straight into a block, parted by <br> (a body pasted without any
        # <p>, met in NukeViet and portal editors): the block is their parent
        if block in broken and not _is_furniture(block):
            runs, links = _loose_runs(block)
            text = [run for run in runs if len(run) >= 25]
            if len(text) >= 2:
                scores[block] = scores.get(block, 0) + sum(map(len, text)) - 2 * links
    articles = list(root.iter("article"))
    if len(articles) == 1:
        # one <article>: the body is in it, whatever the sidebar holds
        inner = {el: v for el, v in scores.items() if el is articles[0] or articles[0] in el.iterancestors()}
        if not inner:
            return articles[0], "generic:<article>"
        scores = inner
    if scores:
        best = max(scores, key=scores.__getitem__)
        if scores[best] > 0:
            return best, "generic:densest text block" + (" in <article>" if len(articles) == 1 else "")
    return (articles[0], "generic:<article>") if articles else (None, "")


def _loose_runs(block: Element) -> tuple[list[str], int]:
    """(the lines of a block's own text, parted by its <br>s, outside its block children; how
    much of that text is link text)."""
    runs, parts, links = [], [block.text or ""], 0
    for child in block:
        if child.tag == "br" or child.tag in BLOCK_TAGS:
            runs.append(clean("".join(parts)))
            parts = []
        elif isinstance(child.tag, str) and child.tag not in SILENT_TAGS:
            parts.append(f" {element_text(child)} ")
            links += sum(len(element_text(a)) for a in child.iter("a"))
        parts.append(child.tail or "")
    runs.append(clean("".join(parts)))
    return [run for run in runs if run], links


# Elements that may be furniture by their tag or their class/id words (found by libxml2 itself).
_FURNITURE_CANDIDATES = etree.XPath(".//*[@class or @id or self::nav or self::aside or self::footer or self::form]")


def _is_furniture(element: Element) -> bool:
    tag = element.tag
    if tag in ("nav", "aside", "footer", "form"):
        return True
    return _furniture_ident(f"{element.get('class') or ''} {element.get('id') or ''}")


def _furniture_memo() -> Callable[[Element], bool]:
    """_is_furniture remembering its answer per element (for one page: the item cards of a
    listing ask about the same ancestors card after card)."""
    seen: dict[Element, bool] = {}

    def is_furniture(element: Element) -> bool:
        answer = seen.get(element)
        if answer is None:
            answer = seen[element] = _is_furniture(element)
        return answer

    return is_furniture


@lru_cache(maxsize=4096)
def _furniture_ident(ident: str) -> bool:
    # a page repeats its class names on element after element (and a site on page after page)
    return bool(ident.strip()) and bool(_FURNITURE_CLASS.search(ident))


def _furniture_in(body: Element, selector: str | None, shaped: list[Element] | None = None) -> list[Element]:
    """Elements inside the article body that are page furniture, outermost only. A body found
    by generic rules is also rid of what only its shape gives away (furniture.py): `shaped`, the
    related lists and rating lines found around it, and lines that are one link to another page."""
    marked = set(_select(body, selector)) if selector else set()
    found: list[Element] = []
    for element in body.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        if element in marked or _is_furniture(element):
            found.append(element)
            continue
        if element.tag in ("h2", "h3", "h4", "h5", "p", "div", "strong", "b") and len(element) <= 2:
            own = element.text
            if own and len(own) >= 40 and len(" ".join(own.split())) >= 40:
                continue  # a paragraph's text, not a heading's (no need to read it whole)
            text = element_text(element)
            if text and len(text) < 40 and _RELATED_HEADING.match(text):
                found.append(element)
                # the list of links that follows the heading goes with it
                sibling = element.getnext()
                while sibling is not None and (sibling.tag in ("ul", "ol") or _mostly_links(sibling)):
                    found.append(sibling)
                    sibling = sibling.getnext()
    if shaped is not None:
        found.extend(f for f in shaped if any(a is body for a in f.iterancestors()))
        found.extend(furniture.link_lines(body))
    return furniture.outermost(found)


def _mostly_links(element: Element) -> bool:
    text = element_text(element)
    if not text:
        return False
    links = sum(len(clean("".join(a.itertext()))) for a in element.iter("a"))
    return links >= 0.8 * len(text)


def _common_ancestor(a: Element, b: Element) -> Element | None:
    ancestors = {id(x): x for x in a.iterancestors()}
    ancestors[id(a)] = a
    if id(b) in ancestors:
        return b
    for node in b.iterancestors():
        if id(node) in ancestors:
            return node
    return None


def _strip_site_name(title: str, site: Site) -> str:
    if not site.title_names:
        return title
    names = "|".join(re.escape(n) for n in site.title_names)
    return re.sub(rf"\s+[-|–—:]\s+(?:{names})(?:\s+[-|–—]\s+.*)?$", "", title).strip()


def _title(
    root: Element, scope: Element, selectors: dict, ld: _JsonLd, site: Site
) -> tuple[str | None, Element | None, str]:
    for node in _near(scope, root, selectors.get("title"))[:1]:
        if element_text(node):
            return element_text(node), node, "site"
    og = _meta(root, "og:title")
    if og:
        return _strip_site_name(og, site), None, "generic:og:title"
    headline = ld.article_value("headline")
    if headline:
        return headline, None, "generic:json-ld headline"
    for h1 in root.iter("h1"):
        if element_text(h1):
            return element_text(h1), h1, "generic:<h1>"
    title = root.find(".//title")
    if title is not None and clean(title.text):
        return _strip_site_name(clean(title.text), site) or None, None, "generic:<title>"
    return None, None, ""


Line = tuple[str, Element]


def _lines(area: Element, skip: set, body: Element | None = None) -> tuple[list[Line], list[Line]]:
    """(text, element) of each element of `area` with text of its own, outside `skip`: those
    before `body` in reading order (the article's header) and those after it."""
    before: list[Line] = []
    after: list[Line] = []
    out = before
    hidden: set = set()
    for element in skip:
        hidden.update(element.iter())
    for element in area.iter():
        if element is body:
            out = after
        if element in hidden or not isinstance(element.tag, str) or element.tag in SILENT_TAGS:
            continue
        text = element.text
        if (text and not text.isspace()) or any(c.tail and not c.tail.isspace() for c in element):
            line = element_text(element)
            if line:
                out.append((line, element))
    return before, after


def _lead_lines(body: Element) -> list[tuple[str, Element]]:
    """The short lines a generic body (an <article>) opens with, before its first real paragraph:
    where such layouts print the date and the counter. None for a body of one paragraph: that is
    a teaser in a listing (title, date, summary), not an article."""
    paragraphs_seen = 0
    for p in body.iter("p"):
        if len(element_text(p)) >= 25:
            paragraphs_seen += 1
            if paragraphs_seen == 2:
                break
    else:
        return []
    out = []
    for text, element in _own_lines(body):
        if len(text) > 120 or len(out) >= 6:
            break
        out.append((text, element))
    return out


_LEAD_MARK = re.compile(
    r"(?:^|[\s_-])(?:sapo|hometext|lead|lede|summary|excerpt|intro|chapeau|description|tom-?tat|trich-?dan)(?:$|[\s_-])",
    re.IGNORECASE,
)
LEAD_MIN_CHARS = 40  # a sentence: shorter marked lines are labels and captions
LEAD_MAX_CHARS = 1000


def _own_lines(area: Element):
    """_lines of `area` with nothing skipped, one at a time (a caller may stop early)."""
    for element in area.iter():
        if not isinstance(element.tag, str) or element.tag in SILENT_TAGS:
            continue
        text = element.text
        if (text and not text.isspace()) or any(c.tail and not c.tail.isspace() for c in element):
            line = element_text(element)
            if line:
                yield line, element


Found = tuple[str | None, str | None, Element | None, str]


def _lead(root: Element, area: Element, body: Element, title: str | None) -> str | None:
    """The lead (sapo) a layout prints between the title and the body block, outside it
    (NukeViet's `.hometext`, a theme's `p.sapo`): the first element before the body, in the
    article's part of the page, marked as one (class `sapo`, `hometext`, `lead`, `summary`,
    `excerpt`, `description`…, itemprop=description) or whose text is the page's own
    description (og:description / meta description); a sentence at least, not a list of links."""
    described = _meta(root, "og:description") or next(
        (clean(m.get("content")) for m in root.iter("meta") if (m.get("name") or "").lower() == "description"), None
    )
    holders = set(body.iterancestors())  # they hold the body: never its lead
    for element in area.iter():
        if element is body:
            return None
        if element in holders or not isinstance(element.tag, str) or element.tag in SILENT_TAGS:
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''}"
        marked = element.get("itemprop") == "description" or (marks.strip() and _LEAD_MARK.search(marks))
        if not (marked or described) or _is_furniture(element):
            continue
        text = element_text(element)
        if (
            (marked or text == described)
            and LEAD_MIN_CHARS <= len(text) <= LEAD_MAX_CHARS
            and text != title
            and not _mostly_links(element)
            and element.find(".//h1") is None
        ):
            return text
    return None


def _paragraphs_at_least(body: Element, count: int) -> bool:
    """Whether the body holds `count` <p>s of a sentence's length (read until it is known)."""
    for p in body.iter("p"):
        if len(element_text(p)) >= 25:
            count -= 1
            if count == 0:
                return True
    return False


def _tail_lines(body: Element) -> list[Line]:
    """The short blocks a generic body ends with, after its last real paragraph, last first:
    where a views plugin prints its counter (WordPress's Post Views Counter: "Đã xem: 1.234"
    after the content). Whole blocks, so that the counter's label goes with its number."""
    if not _paragraphs_at_least(body, 2):
        return []
    out: list[Line] = []
    for element in reversed(list(body.iter(*BLOCK_TAGS))):
        if element is body or not isinstance(element.tag, str):
            continue
        text = element_text(element)
        if not text:
            continue
        if len(text) > 120 or len(out) >= 6:
            break
        out.append((text, element))
    return out


def _views(selector_node: Element | None, lines: list[tuple[str, Element]]) -> tuple[int | None, Element | None, str]:
    candidates = [(element_text(selector_node), selector_node)] if selector_node is not None else []
    for text, element in candidates + lines:
        if len(text) <= 200:
            views = dates.find_views(text)
            if views is not None:
                return views, element, "site" if element is selector_node else "generic:counter line"
    for text, element in lines:
        # a bare number marked as the counter by a class, id or title, or drawn beside an eye icon
        if _BARE_NUMBER.fullmatch(text) and _names_views(element):
            return int(re.sub(r"[.,\s]", "", text)), element, "generic:counter marked by class or icon"
    return None, None, ""


_BARE_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{3})+|\d+")
_VIEWS_MARK = re.compile(
    r"(?:^|[\s_-])(?:views?|view-?count|post-?views|luot-?xem|luotxem|lan-?doc|hits?|reads?|eye|fa-eye|bi-eye)"
    r"(?:$|[\s_-])|lượt\s*xem|lần\s*đọc|lượt\s*đọc",
    re.IGNORECASE,
)


def _names_views(element: Element) -> bool:
    """The element, or an icon inside it, says it holds the view counter."""
    for node in (element, *element.iterchildren()):
        if not isinstance(node.tag, str):
            continue
        marks = " ".join(node.get(a) or "" for a in ("class", "id", "title", "aria-label", "alt", "src"))
        if marks.strip() and _VIEWS_MARK.search(marks):
            return True
    return False


_CRUMBS = re.compile(r"breadcrumb|(?:^|\s)crumbs?(?:$|\s)", re.I)


def _category(
    root: Element, scope: Element, selectors: dict, title: str | None, ld: _JsonLd, page: str
) -> tuple[str | None, str]:
    crumbs = [element_text(a) for a in _near(scope, root, selectors.get("breadcrumb"))]
    rule = "site" if crumbs else "generic:breadcrumb"
    if not crumbs:
        trail = None
        if "BreadcrumbList" in page:  # searched first: lxml looks for the value element by element
            trail = root.find(".//*[@itemtype='https://schema.org/BreadcrumbList']")
        if trail is None:
            trail = next(
                (
                    el
                    for el in root.iter("nav", "div", "ol", "ul", "p")
                    if _CRUMBS.search(f"{el.get('class') or ''} {el.get('id') or ''} {el.get('aria-label') or ''}")
                ),
                None,
            )
        if trail is not None:
            items = list(trail.iter("a")) or list(trail.iter("li", "span"))
            crumbs = [element_text(i) for i in items]
    if not crumbs:
        crumbs, rule = ld.crumbs(), "generic:json-ld breadcrumb"
    crumbs = [c for c in crumbs if c and c.lower() not in _HOME_CRUMBS]
    if crumbs and title and crumbs[-1] == title:
        crumbs.pop()
    if crumbs:
        return crumbs[-1], rule
    # no breadcrumb: WordPress links the post's category with rel="category tag" (the_category())
    tagged = next((element_text(a) for a in _select(scope, 'a[rel~="category"]') if element_text(a)), None)
    if tagged:
        return tagged, "generic:rel=category link"
    section = _meta(root, "article:section") or ld.article_value("articleSection")
    return section, "generic:article section" if section else ""


def _is_right_or_bold(element: Element, text: str) -> bool:
    nodes = [element] + [n for n in element.iterdescendants() if isinstance(n.tag, str)][:3]
    for node in nodes:
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or (node.get("align") or "").lower() == "right":
            return True
        if re.search(r"author|byline|tac-?gia|signature", node.get("class") or "", re.I):
            return True
    bold = "".join(element_text(n) for n in element.iter("strong", "b"))
    return bool(bold) and len(clean(bold)) >= 0.9 * len(text)


def _byline(body: Element, skip: set, last_line: str) -> Element | None:
    """The last line of the article when it reads as a byline; None unless it clearly does.

    A byline is short, is not a sentence, names people or a unit (`Thanh Loan – TNU Media`,
    `Ban Đào tạo`, `Tin, ảnh: …`, `Theo …`), and is set apart: right-aligned, bold, or marked
    as the author. A plain last paragraph is body text, however short.
    """
    text = last_line
    if len(text) > 80 or len(text.split()) > 12:
        return None
    if text.endswith((".", "!", "?", ":", ";", ",")) and not text.endswith("/."):
        return None
    if not (looks_like_name(text.rstrip("/.")) or _BYLINE_LABEL.match(text)):
        return None
    for element in reversed(list(body.iter(*BLOCK_TAGS))):
        if element is body or element in skip or any(a in skip for a in element.iterancestors()):
            continue
        if not element_text(element):
            continue
        # the last block must be exactly the last line: loose text after it means no clean line
        if element_text(element) != text or element.find(".//img") is not None:
            return None
        return element if _is_right_or_bold(element, text) else None
    return None


_BYLINE_MARK = re.compile(r"(?:^|[\s_-])(?:author|byline|tac-?gia|nguoi-?viet|writer)(?:$|[\s_-])", re.IGNORECASE)


def _marked_byline(area: Element, furniture: list[Element]) -> Element | None:
    """A byline in a block of its own, marked as such (class/id `author`, `byline`, `tac-gia`,
    itemprop or rel `author`), printed in the article's part of the page."""
    for element in area.iter():
        if not isinstance(element.tag, str) or element.tag in SILENT_TAGS:
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''}"
        if not (
            element.get("itemprop") == "author"
            or element.get("rel") == "author"
            or (marks.strip() and _BYLINE_MARK.search(marks))
        ):
            continue
        if any(f is element or f in element.iterancestors() for f in furniture):
            continue
        text = element_text(element)
        if text and len(text) <= 80 and not dates.find_date(text):
            return element
    return None


def _labelled_line(lines: list[Line]) -> Element | None:
    """The first short `Tác giả bài viết: …` / `Người đăng: …` line around the body (NukeViet
    prints it below the body block, portals in the article's info line)."""
    for text, element in lines:
        if len(text) <= 100 and _AUTHOR_LABEL.match(text):
            return element
    return None


def _byline_name(text: str) -> str | None:
    """A byline block's name without its label ("Tác giả: X") or its "bởi"/"by" prefix."""
    labelled = _AUTHOR_LABEL.match(text)
    if labelled:
        return clean(labelled.group(1)) or None
    return clean(_BYLINE_PREFIX.sub("", text)) or None


def _labelled_author(body: Element, skip: set) -> Element | None:
    """The smallest element holding a `Tác giả: …` line."""
    for element in reversed(list(body.iter("p", "div", "span", "strong", "em", "b", "i"))):
        if element in skip:
            continue
        text = element_text(element)
        if len(text) <= 100 and _AUTHOR_LABEL.match(text):
            return element
    return None


def _drop(element: Element) -> None:
    """Remove an element, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    forget_texts()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _inner_html(body: Element) -> str:
    parts = [html_lib.escape(body.text or "", quote=False)]
    parts.extend(etree.tostring(child, method="html", encoding="unicode") for child in body)
    return "".join(parts)


def _body_html(body: Element, furniture: list[Element], found: list[FoundImage], url: str) -> str:
    """The article's HTML with real image sources and absolute links, then allow-list sanitized."""
    for element in furniture:
        _drop(element)
    content = {id(f.element): f.src_url for f in found}
    for img in list(body.iter("img")):
        src = content.get(id(img))
        if src is None:
            src = image_source(img, url)
            if src is None or is_furniture_image(img, src):
                _drop(img)
                continue
        img.set("src", src)
    absolutize_links(body, url)
    return sanitize(_inner_html(body))


def _area(root: Element, body: Element | None, title_node: Element | None) -> Element:
    """The part of the page that is the article: title, date line, body (not the sidebar)."""
    if body is None:
        return root
    if title_node is not None:
        common = _common_ancestor(title_node, body)
        area = common if common is not None else root
    else:
        area = body.getparent() if body.getparent() is not None else body
    if area.tag in ("html", "body") and body.getparent() is not None:
        area = body.getparent()
    return area


def _title_heading(root: Element, body: Element | None, title: str | None) -> Element | None:
    """The page's heading that prints the title read from its metadata (og:title, JSON-LD,
    <title>): the same words, or most of them (metadata adds the site's name or a date, the
    heading a place; dashes and quotes differ)."""
    if body is None or not title:
        return None
    wanted = set(_WORDS.findall(title.casefold()))
    for tag in ("h1", "h2"):
        for heading in root.iter(tag):
            words = set(_WORDS.findall(element_text(heading).casefold()))
            shared = len(words & wanted)
            if words == wanted or (
                shared >= TITLE_MIN_SHARED_WORDS and shared >= TITLE_SHARED_SHARE * min(len(words), len(wanted))
            ):
                return heading
    if len(title) < TITLE_PART_MIN_CHARS:
        return None
    # a template that prints its title in a plain block (<div class="title">): the innermost
    # block whose whole text is the title (libxml2 compares, only blocks without blocks inside)
    found = _TITLE_BLOCK(root, title=title)
    return found[-1] if found else None


# A heading is the title's when it shares this many of its words (and this share of the
# shorter of the two): "Enterprise 2.0" or a site's name in a heading are not a title.
TITLE_MIN_SHARED_WORDS = 3
TITLE_SHARED_SHARE = 0.7
_WORDS = re.compile(r"\w+")
# A title this short is not looked for in plain blocks.
TITLE_PART_MIN_CHARS = 15
_TITLE_BLOCK = etree.XPath(
    "(//body//*[self::div or self::p or self::span or self::strong or self::b or self::h3 or self::td]"
    "[not(*[self::div or self::p or self::ul or self::ol or self::table or self::li])]"
    "[normalize-space() = $title])[1]"
)


def _precedes(heading: Element, body: Element) -> bool:
    """The heading comes before the body on the page, outside it: the body sits under the title."""
    if any(a is body for a in heading.iterancestors()):
        return False
    common = _common_ancestor(heading, body)
    if common is None or common is heading:
        return False
    branch = {}
    for node in (heading, body):
        while node.getparent() is not common:
            node = node.getparent()
        branch[len(branch)] = node
    return common.index(branch[0]) < common.index(branch[1])


# A body sits under its title when little text separates them: a date line, a counter, a lead.
UNDER_TITLE_MAX_CHARS = 1000


def _between(heading: Element, body: Element, before: list[Line]) -> list[Line] | None:
    """The lines between the page's title heading and the body, when the heading comes first."""
    if not _precedes(heading, body):
        return None
    for i, (_, element) in enumerate(before):
        if element is heading or any(a is heading for a in element.iterancestors()):
            return before[i + 1 :]
    return None


def _under_title(between: list[Line] | None) -> bool:
    """The body follows the page's title heading closely (what lies between them in the
    article's area is a few short lines): it is the article the title announces."""
    return between is not None and sum(len(text) for text, _ in between) <= UNDER_TITLE_MAX_CHARS


# A body that stands on its own: paragraphs of a few sentences, not a caption or a teaser.
SUBSTANTIAL_PARAGRAPHS = 2
SUBSTANTIAL_CHARS = 80


def _substantial(lines: list[str]) -> bool:
    return sum(1 for line in lines if len(line) >= SUBSTANTIAL_CHARS) >= SUBSTANTIAL_PARAGRAPHS


def _author_and_text(body: Element, skip: set, selectors: dict) -> tuple[str | None, list[str], str]:
    """The byline (the site's element, a `Tác giả:` line, or a last line that clearly is one)
    and the body's paragraphs without it. Adds the byline's element to `skip`."""
    lines = paragraphs(body, skip)
    node, rule = _first(body, selectors.get("author")), "site"
    if node is None or not element_text(node):
        node, rule = None, "generic:labelled byline"
        if any(_AUTHOR_LABEL.match(line) for line in lines if len(line) <= 100):
            node = _labelled_author(body, skip)
        if node is None and lines:
            node, rule = _byline(body, skip, lines[-1]), "generic:last line set apart"
    if node is None:
        return None, lines, ""
    text = element_text(node)
    labelled = _AUTHOR_LABEL.match(text)
    skip.add(node)
    if lines and lines[-1] == text:
        lines.pop()  # the usual case, the byline is the last line: no second pass
    else:
        lines = paragraphs(body, skip)
    return (clean(labelled.group(1)) if labelled else text), lines, rule


# --- the whole page -------------------------------------------------------------------------


class Reading(NamedTuple):
    """An article and where each of its fields came from: "site:<layout>" (a selector of the
    site's profile, crawler/sites/) or "generic:<rule>"; fields the page does not show are left out."""

    article: Article
    sources: dict[str, str]


def extract_article(html: str | bytes, url: str, *, encoding: str | None = None, site: Site | None = None) -> Article:
    """Read one article page. `url` is the page's final URL (links and images resolve against it).
    `site`: whose selectors read it first (None: the shipped profile claiming the URL's host).

    Bytes are decoded with `encoding`, else the page's declared charset, else UTF-8; all text
    comes out NFC. Fields the page does not show are None (never guessed).
    """
    return read_article(html, url, encoding=encoding, site=site).article


def read_article(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    site: Site | None = None,
    known: furniture.Furniture = furniture.NO_FURNITURE,
) -> Reading:
    """extract_article with the provenance of each field (`probe` shows it; runs count it).
    `known` is what the site's pages seen so far say of its template (crawler/operations/extract_pool.py)."""
    return read_on_site(html, url, encoding=encoding, site=site, known=known)[0]


# each call its own memory of texts: the tree is the page's own until its body's HTML is made
# (_drop forgets)
@remembered_texts()
def read_on_site(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    site: Site | None = None,
    known: furniture.Furniture = furniture.NO_FURNITURE,
    learn: bool = False,
) -> tuple[Reading, furniture.Observed | None]:
    """read_article, and (with `learn`) what the page shows of its site's template for the
    site's memory to learn from: None for a page a site selector read, or without a body."""
    site = site or packaged().of(url)
    page, utf8 = decode_page(html, encoding)
    if not page.strip():
        return Reading(Article(url=url), {}), None
    root = parse_html(page, utf8)
    if root is None:
        return Reading(Article(url=url), {}), None
    ld = _JsonLd(root)
    selectors, body = _layout(root, site, page)
    layout = f"site:{selectors.get('layout', '?')}"
    body_rule = layout
    if body is None:
        body, body_rule = _generic_body(root, page)

    scope = _scope(body, root)
    title, title_node, title_rule = _title(root, scope, selectors, ld, site)
    date_node = next(iter(_near(scope, root, selectors.get("date"))), None)
    views_node = next(iter(_near(scope, root, selectors.get("views"))), None)

    # the heading that prints the title, when the title was read elsewhere (og:title, JSON-LD)
    heading = title_node if title_node is not None else _title_heading(root, body, title)
    area = _area(root, body, heading)
    header_skip = {body} if body is not None else set()
    header_skip.update(el for el in _FURNITURE_CANDIDATES(area) if _is_furniture(el))
    before, after = _lines(area, header_skip, body)
    # a generic body may open with the date line itself; a site body never does
    lead = _lead_lines(body) if body is not None and not selectors else []
    header = before + lead

    dated = published.read_date(
        root=root,
        url=url,
        selector_node=date_node,
        lines=before + lead + after,
        header=header,
        area=area,
        body=body,
        ld_objects=ld.objects,
        title_node=title_node,
        zone=site.zone,
        language=site.language,
    )
    published_at, published_text, date_node = dated.iso, dated.text, dated.line
    tail = _tail_lines(body) if body is not None and not selectors else []
    views, views_node, views_rule = _views(views_node, before + lead + after + tail)
    # As printed: the archive keeps what the page says; the profile's names are the dataset's
    # (`export`: category, with category_printed beside it).
    category, category_rule = _category(root, scope, selectors, title, ld, page)
    rules = {
        "title": title_rule,
        "published_at": dated.rule,
        "published_text": dated.text_rule,
        "views": views_rule,
        "category": category_rule,
    }

    if body is None:
        # no block of paragraphs: trafilatura may still find the text (a page of <div>s and <br>s)
        lines, body_rule = reference.checked_body(
            root, url, [], "", {title} - {None}, published_text, furniture=furniture.related_blocks(root)
        )
        is_listing, rules["listing"] = _listing(
            root, url, ld, selectors, title_node, date_node, views_node, dated.rule, lines
        )
        article = Article(
            url=url,
            title=title,
            published_at=published_at,
            published_text=published_text,
            views=views,
            category=category,
            body_text="\n\n".join(lines) or None,
            listing=is_listing,
        )
        return Reading(article, _sources(article, rules | {"body_text": body_rule}, layout)), None

    # what only its shape says is furniture, around a generic body (known layouts say it themselves)
    shaped = None
    lists: dict = {}  # the headline lists found in the area, known when the whole page is read
    if not selectors:
        short = furniture.short_texts(area)  # read once for both
        shaped = furniture.related_blocks(area, short, lists) + furniture.rating_lines(area, short)
    inner_furniture = _furniture_in(body, selectors.get("furniture"), shaped)
    found = find_images(body, url, skip=set(inner_furniture))
    skip: set = set(inner_furniture)
    for item in found:
        skip.update(item.caption_elements)
        skip.update(a for a in item.element.iterancestors("figure") if body in a.iterancestors())
    # in a generic body (<article>) the title and the date line sit inside it: not body text
    for node in (title_node, date_node, views_node):
        if node is not None and any(a is body for a in node.iterancestors()):
            skip.add(node)
    if title_node is None:
        skip.update(h for h in body.iter("h1") if element_text(h) == title)

    author, lines_of_body, author_rule = _author_and_text(body, skip, selectors)
    byline = author
    if author is None and not selectors:  # a known layout's byline is its selector's or none
        marked, author_rule = _marked_byline(area, inner_furniture), "generic:byline block"
        if marked is None:
            marked, author_rule = _labelled_line(before + after), "generic:labelled byline near the body"
        if marked is not None:
            byline = element_text(marked)
            author = _byline_name(byline)
            if any(a is body for a in marked.iterancestors()):
                skip.add(marked)
                lines_of_body = paragraphs(body, skip)
    # a lead printed above the body block is the article's first paragraph
    sapo = _lead(root, area, body, title) if not selectors else None
    if sapo is not None and sapo not in lines_of_body:
        lines_of_body = [sapo, *lines_of_body]
    observed = None
    if not selectors:
        # no site selector: the body found by our generic rules is checked against trafilatura's,
        # unless trafilatura read the bodies of this block as we did on the site's earlier pages
        signature = furniture.body_signature(body)
        agreed = None
        outside = furniture.outside_lines(root, area) if learn or known else []
        if known.confirmed(signature) and _substantial(lines_of_body):
            body_rule += "+confirmed by trafilatura on the site's earlier pages"
        else:
            not_body = {title, author, byline, *(f.caption for f in found)} - {None}
            # a list of links our rules took out of the body (a "Tin cùng chuyên mục" list) is no
            # body text trafilatura may bring back (it prints list items as "- …")
            for element in inner_furniture:
                listed = element.tag in ("ul", "ol") or _mostly_links(element)
                if listed or _RELATED_HEADING.match(element_text(element)):
                    not_body.update(f"{marker}{line}" for line in paragraphs(element) for marker in ("", "- "))
            between = _between(heading, body, before) if heading is not None else None
            # the article's part of the page: the body under its title, or a body block that
            # holds its own title (an <article> opening with its heading) and is its area
            anchored = _substantial(lines_of_body) and (
                _under_title(between) or (heading is not None and any(a is body for a in heading.iterancestors()))
            )
            ours = lines_of_body
            lines_of_body, body_rule = reference.checked_body(
                root,
                url,
                lines_of_body,
                body_rule,
                not_body,
                published_text,
                furniture=shaped
                if anchored
                else furniture.outermost(shaped + furniture.related_blocks(root, lists=lists)),
                area=area if anchored else None,
                # the article's area holds no template line: what recurs there is the site's prose
                known="" if anchored or not known else furniture.known_text(outside, known),
            )
            agreed = lines_of_body == ours
        if learn:
            observed = furniture.Observed(furniture.template_keys(outside), signature, agreed)
        if sapo is not None and sapo not in lines_of_body:
            lines_of_body = [sapo, *lines_of_body]  # trafilatura may leave out what sits outside the body block
    body_text = "\n\n".join(lines_of_body) or None
    # before _body_html, which takes the furniture out of the tree; a lead is no listing's own text
    is_listing, rules["listing"] = _listing(
        root,
        url,
        ld,
        selectors,
        title_node,
        date_node,
        views_node,
        dated.rule,
        [x for x in lines_of_body if x != sapo],
    )
    # the date line and the counter a generic body holds (a views plugin's block closing it) are
    # no more its HTML than its text
    fields = [n for n in (date_node, views_node) if n is not None and any(a is body for a in n.iterancestors())]
    body_html = _body_html(body, inner_furniture + fields, found, url) or None
    if sapo is not None and html_lib.escape(sapo, quote=False) not in (body_html or ""):
        body_html = f"<p>{html_lib.escape(sapo, quote=False)}</p>" + (body_html or "")
    article = Article(
        url=url,
        title=title,
        published_at=published_at,
        published_text=published_text,
        views=views,
        body_text=body_text,
        body_html=body_html,
        author=author,
        category=category,
        images=tuple(
            ImageRef(position=i, src_url=f.src_url, caption=f.caption, alt=f.alt, credit=f.credit)
            for i, f in enumerate(found)
        ),
        listing=is_listing,
    )
    rules |= {
        "author": author_rule,
        "body_text": body_rule,
        "body_html": body_rule.split("+")[0],
        "images": body_rule.split("+")[0],
    }
    return Reading(article, _sources(article, rules, layout)), observed


def _listing(
    root: Element,
    url: str,
    ld: _JsonLd,
    selectors: dict,
    title_node: Element | None,
    date_node: Element | None,
    views_node: Element | None,
    published_rule: str,
    body_lines: list[str],
) -> tuple[bool, str]:
    """(whether the page is a listing, the rule that says so): see listing.py. A page read by a
    site selector is that site's article layout, and pays nothing for the question."""
    if selectors:
        return False, ""
    kinds = [
        k
        for obj in ld.objects
        for k in (obj.get("@type") if isinstance(obj.get("@type"), list) else [obj.get("@type")])
        if isinstance(k, str)
    ]
    heading = title_node if title_node is not None else root.find(".//h1")
    verdict = listing.structured_verdict(kinds)
    if verdict is None:
        machine_date = published_rule in published.PAGE_LEVEL_RULES
        # a date of the page's own keeps it an article whatever its cards: they are not looked for
        cards = [] if machine_date else listing.item_cards(root, url, heading, _furniture_memo())
        og_article = (_meta(root, "og:type") or "").lower() == "article"
        verdict = listing.content_verdict(cards, (date_node, views_node), machine_date, body_lines, og_article)
    # recorded only when it refuses the page: the provenance lists what the record holds
    return verdict.listing, verdict.rule if verdict.listing else ""


def _sources(article: Article, rules: dict[str, str], site: str) -> dict[str, str]:
    """Each field the article has, with the rule that read it ("site" names the layout)."""
    out = {}
    for name, rule in rules.items():
        value = getattr(article, name)
        if value in (None, "", ()) or not rule:
            continue
        out[name] = site if rule == "site" else rule
    return out

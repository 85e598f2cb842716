"""Content images: the real source of each, its caption as printed, and the photographer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .text import BLOCK_TAGS, clean, element_text

# Lazy-loading scripts keep the real address here and a placeholder in `src`.
LAZY_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-echo")
LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset")

_SRCSET_ITEM = re.compile(r"\s*(\S+?)(?:\s+(\d+(?:\.\d+)?)([wxh]))?\s*(?:,|$)")
_FURNITURE_NAME = re.compile(
    r"(?:^|[/_.-])(?:pixel|spacer|blank|tracking|tracker|beacon|1x1|transparent|loading|lazy"
    r"|placeholder|icon|icons|emoji|smiley|logo|avatar|banner|btn|button|share|facebook|zalo"
    r"|twitter|print)(?:[/_.-]|\d|$)",
    re.IGNORECASE,
)


def widest_srcset(value: str | None) -> str | None:
    """The widest candidate of a `srcset` (by `w`, else by density `x`); the first when unmarked."""
    if not value:
        return None
    best: tuple[float, str] | None = None
    for match in _SRCSET_ITEM.finditer(value):
        url = match.group(1).rstrip(",")
        if not url or url.startswith("data:"):
            continue
        size = float(match.group(2)) if match.group(2) else 1.0
        if best is None or size > best[0]:
            best = (size, url)
    return best[1] if best else None


def _absolute(url: str | None, base_url: str) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url or url.lower().startswith(("data:", "javascript:", "blob:", "about:")):
        return None
    try:
        absolute = urljoin(base_url, url)
    except ValueError:
        return None
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def image_source(img: etree._Element, base_url: str) -> str | None:
    """The address of the picture a reader actually sees, absolute; None for data: URIs.

    A lazy image's `data-src` wins over the placeholder in `src`; a `srcset` gives its widest
    candidate, because the archive wants the best copy of the photograph.
    """
    for attr in LAZY_SRCSET_ATTRS:
        url = _absolute(widest_srcset(img.get(attr)), base_url)
        if url:
            return url
    srcset = widest_srcset(img.get("srcset"))
    picture = img.getparent()
    while picture is not None and picture.tag == "source":
        picture = picture.getparent()
    if picture is not None and picture.tag == "picture":
        # <picture>: its <source> elements offer the same photograph in other sizes and formats;
        # the widest of all (the <img>'s own srcset included) is the best copy. (libxml2 nests
        # the <source> elements, which are void in HTML5, around the <img>: hence the climb.)
        # A <source> with `media` is a copy for another screen (often smaller): it competes only
        # with a default copy whose width is known.
        width = _dimension(img.get("width"))
        own = _absolute(img.get("src"), base_url)
        offers = [img.get("srcset") or ""] + [
            source.get(attr) or ""
            for source in picture.iter("source")
            if width or own is None or not source.get("media")
            for attr in ("srcset", *LAZY_SRCSET_ATTRS)
        ]
        if own and width:
            offers.append(f"{img.get('src').strip()} {width}w")
        srcset = widest_srcset(", ".join(o for o in offers if o.strip())) or srcset
    candidates = [img.get(attr) for attr in LAZY_SRC_ATTRS] + [srcset, img.get("src")]
    for candidate in candidates:
        url = _absolute(candidate, base_url)
        if url:
            return url
    return None


def _dimension(value: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else None


def is_furniture_image(img: etree._Element, src: str) -> bool:
    """Tracking pixels, spacers, icons and buttons: never content, wherever they sit."""
    width, height = _dimension(img.get("width")), _dimension(img.get("height"))
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    small = width is not None and height is not None and width <= 48 and height <= 48
    name = urlsplit(src).path.rsplit("/", 1)[-1]
    return small or bool(_FURNITURE_NAME.search(name)) or name.lower().endswith(".ico")


# --- credits and captions -------------------------------------------------------------------

_PHOTO_WORD = r"(?:ảnh|photo|photos|nguồn\s*ảnh|ảnh\s*minh\s*họa|photo\s*credit)"
_CREDIT_IN_PARENS = re.compile(rf"\(\s*{_PHOTO_WORD}\s*:\s*([^()]+?)\s*\)", re.IGNORECASE)
_CREDIT_LABEL = re.compile(rf"(?:^|[.!?)\]]\s+|[–—-]\s*){_PHOTO_WORD}\s*:\s*(.+?)\s*\.?$", re.IGNORECASE)
_CAPTION_START = re.compile(rf"^\(?\s*{_PHOTO_WORD}\s*:", re.IGNORECASE)


def looks_like_name(text: str) -> bool:
    """Reads as a person or a unit: a few words, the first and at least half of them capitalized.

    Vietnamese unit names keep lower-case words (`Ban Đào tạo`, `Đại học Kyushu`) while a
    sentence capitalizes its first word only (`Toàn cảnh hội nghị`). Digits point to a date or
    a sentence, never to a byline.
    """
    words = [w for w in re.split(r"[\s–—/&,()-]+", text) if w]
    if not 0 < len(words) <= 8 or not words[0][0].isupper() or any(c.isdigit() for c in text):
        return False
    return sum(w[0].isupper() for w in words) * 2 >= len(words)


def parse_credit(caption: str | None) -> str | None:
    """The photographer named in a caption: `(ảnh: Nguyễn Thanh Hà)`, `… Ảnh: Minh Hằng`, `Photo: …`.

    Parentheses mark a credit explicitly; a bare `Ảnh: …` counts only when what follows reads
    as a name, since `Ảnh: Toàn cảnh hội nghị` describes the picture.
    """
    if not caption:
        return None
    found = _CREDIT_IN_PARENS.findall(caption)
    if found:
        return clean(found[-1]) or None
    match = _CREDIT_LABEL.search(caption)
    if match:
        name = clean(match.group(1)).rstrip(".")
        if looks_like_name(name):
            return name
    return None


def _style(element) -> str:
    return (element.get("style") or "").replace(" ", "").lower()


def _is_centered(element) -> bool:
    return (
        "text-align:center" in _style(element)
        or (element.get("align") or "").lower() == "center"
        or element.tag == "center"
        or bool(re.search(r"center|caption|chu-?thich|desc|image-title", element.get("class") or "", re.I))
    )


def _is_italic(element, text: str) -> bool:
    """All of the element's text sits in <em>/<i> (or the element is styled italic)."""
    if "font-style:italic" in _style(element):
        return True
    italic = "".join(element_text(node) for node in element.iter("em", "i"))
    return bool(italic) and len(clean(italic)) >= len(text) * 0.9


def looks_like_caption(element: etree._Element, text: str) -> bool:
    """A short line set apart as a caption: centered or italic, or an `Ảnh:`/`(ảnh: …)` credit line.

    A plain paragraph after a picture is text, not a caption: the old editor put captions in
    centered italic paragraphs, the 2026 one writes `Ảnh: …` / `Photo: …` lines.
    """
    if not text or len(text) > 400 or element.find(".//img") is not None:
        return False
    if _CAPTION_START.match(text) or _CREDIT_IN_PARENS.search(text):
        return True
    nodes = [element] + [el for el in element.iterdescendants() if isinstance(el.tag, str)]
    return any(_is_centered(node) for node in nodes[:4]) or any(_is_italic(node, text) for node in nodes[:2])


@dataclass
class FoundImage:
    """One content image and the elements that printed its caption (left out of the body text)."""

    element: etree._Element
    src_url: str
    caption: str | None = None
    alt: str | None = None
    credit: str | None = None
    caption_elements: list = field(default_factory=list)


def _holder(img, body):
    """The highest element around `img` that holds nothing else: the image's own paragraph."""
    node = img
    while True:
        parent = node.getparent()
        if parent is None or parent is body:
            return node
        others = [c for c in parent if c is not node and isinstance(c.tag, str) and c.tag != "br"]
        if (
            clean(parent.text)
            or any(clean(c.tail) for c in parent)
            or any(clean(element_text(c)) or c.find(".//img") is not None or c.tag == "img" for c in others)
        ):
            return node
        node = parent


def _next_block(node, body):
    """The next element after `node` in reading order that has text or an image, climbing out."""
    while node is not None and node is not body:
        sibling = node.getnext()
        while sibling is not None:
            if clean(node.tail):  # loose text between: that is the next thing read
                return None
            if isinstance(sibling.tag, str) and (
                clean(element_text(sibling)) or sibling.find(".//img") is not None or sibling.tag == "img"
            ):
                return sibling
            node, sibling = sibling, sibling.getnext()
        if clean(node.tail):
            return None
        node = node.getparent()
        if node is not None and node is not body and (clean(node.tail) or node.tag in ("td", "th", "li")):
            return None
    return None


def _caption_after_break(img, body):
    """`<p><img><br><em>caption</em></p>` or `<p><img><br>Ảnh: …</p>`: the caption shares the
    picture's paragraph after a line break. The caption is wrapped in a <span> of its own (the
    tree is ours) so that the body text can leave it out like any other caption element."""
    block = img.getparent()
    br = img.getnext()
    if block is None or block is body or block.tag not in BLOCK_TAGS or br is None or br.tag != "br":
        return None
    if clean(img.tail):
        return None  # running text continues after the picture: not a caption
    rest = list(br.itersiblings())
    if any(n.tag in ("img", "br") or n.tag in BLOCK_TAGS or n.find(".//img") is not None for n in rest):
        return None
    span = etree.Element("span")
    span.text, br.tail = br.tail, None
    for node in rest:
        span.append(node)  # moves the node with its tail
    br.addnext(span)
    text = element_text(span)
    if (
        text
        and len(text) <= 400
        and (_is_centered(block) or looks_like_caption(span, text) or _CAPTION_START.match(text))
    ):
        return span
    # not a caption: put the paragraph back as it was
    br.tail = span.text
    for node in list(span):
        span.addprevious(node)
    block.remove(span)
    return None


def _caption_of(img, body, taken: set) -> tuple[str | None, list]:
    # <figure> … <figcaption>
    for ancestor in img.iterancestors():
        if ancestor is body:
            break
        if ancestor.tag == "figure":
            caption = ancestor.find(".//figcaption")
            if caption is not None and caption not in taken:
                return element_text(caption) or None, [caption]
            return None, []
    # a caption table: the picture alone in one row, one cell of text in the next (a data
    # table that happens to hold a picture has more rows or more filled cells)
    cell = next(img.iterancestors("td", "th"), None)
    table = next(img.iterancestors("table"), None)
    if cell is not None and table is not None:
        rows = [r for r in table.iter("tr") if clean(element_text(r)) or r.find(".//img") is not None]
        row = cell.getparent()
        if len(rows) <= 3 and len(table.findall(".//img")) == 1 and row in rows and not element_text(row):
            following = rows[rows.index(row) + 1] if rows.index(row) + 1 < len(rows) else None
            if following is not None and following not in taken:
                filled = [c for c in following if isinstance(c.tag, str) and element_text(c)]
                text = element_text(following)
                if len(filled) == 1 and len(text) <= 400:
                    return text, [following]
            return None, []
    holder = _holder(img, body)
    if holder is img:
        inline = _caption_after_break(img, body)
        if inline is not None:
            return element_text(inline), [inline]
    nxt = _next_block(holder, body)
    if nxt is not None and nxt not in taken:
        text = element_text(nxt)
        if looks_like_caption(nxt, text):
            return text, [nxt]
    return None, []


def find_images(body: etree._Element, base_url: str, skip=frozenset()) -> list[FoundImage]:
    """Every content image under `body` in page order, with its caption and credit."""
    found: list[FoundImage] = []
    taken: set = set()
    for img in body.iter("img"):
        if any(a in skip for a in img.iterancestors()) or img in skip:
            continue
        src = image_source(img, base_url)
        if src is None or is_furniture_image(img, src):
            continue
        caption, elements = _caption_of(img, body, taken)
        taken.update(elements)
        found.append(
            FoundImage(
                element=img,
                src_url=src,
                caption=caption,
                alt=clean(img.get("alt")) or None,
                credit=parse_credit(caption),
                caption_elements=elements,
            )
        )
    return found

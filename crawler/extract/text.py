"""Text at the boundary: decoding, Unicode NFC, whitespace, paragraphs, and sanitized HTML."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urljoin

from bs4.dammit import EncodingDetector, UnicodeDammit
from lxml import etree

from archive.browse.sanitize import clean_html

# --- decoding -------------------------------------------------------------------------------
# Charset detection is Beautiful Soup's (UnicodeDammit/EncodingDetector): byte-order marks,
# `<meta charset>` and http-equiv declarations, statistical detection, and UTF-8 pages with
# stray windows-1252 bytes (detwingle). Only the order of trust is ours.


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_utf8(encoding: str | None) -> bool:
    return encoding is None or _canonical(encoding) == "utf-8"


def _mixed_utf8(data: bytes) -> str | None:
    """A UTF-8 page with some windows-1252 bytes pasted in (a mixed page): its smart quotes and
    dashes repaired (detwingle), any other stray byte replaced, the UTF-8 text kept. None when
    much of its non-ASCII is not UTF-8 (then the page is in another encoding)."""
    loose = data.decode("utf-8", errors="replace")
    broken = loose.count("\ufffd")
    foreign = sum(1 for ch in loose if ord(ch) > 127)
    if broken * 4 > foreign:
        return None
    return UnicodeDammit.detwingle(data).decode("utf-8", errors="replace")


def decode(data: str | bytes, encoding: str | None = None) -> str:
    """The page as NFC text (see decode_page)."""
    return decode_page(data, encoding)[0]


def decode_page(data: str | bytes, encoding: str | None = None) -> tuple[str, bytes | None]:
    """The page as NFC text: the given encoding, else the declared one, else UTF-8; and the
    text's UTF-8 bytes when they are `data` itself (a UTF-8 page, already NFC, without a byte
    order mark), which the parser then reads as they are instead of an encoded copy.

    When the bytes are not valid in the encoding tried (a server that says UTF-8 for a
    windows-1258 page), the page's own declaration, wherever it sits, gets its turn, then a
    mixed UTF-8/windows-1252 repair, then detection; undecodable bytes are replaced last.
    windows-1258 spells Vietnamese with combining tone marks, so decoding alone is not enough:
    the result is composed to NFC here, once, for the whole page.
    """
    raw = None
    if isinstance(data, bytes):
        # the common case costs one strict decode and a look at the page's head
        first = encoding or EncodingDetector.find_declared_encoding(data, is_html=True) or "utf-8"
        text = _strict(data, first)
        if text is not None and _canonical(first) == "utf-8":
            raw = data
        if text is None:
            declared = EncodingDetector.find_declared_encoding(data, is_html=True, search_entire_document=True)
            if declared is not None and not _known(declared):
                declared = None
            if declared is not None and _canonical(declared) != _canonical(first):
                text = _strict(data, declared)
            if text is None and _is_utf8(declared) and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                text = _mixed_utf8(data)
            if text is None:
                text = UnicodeDammit(data, user_encodings=[declared] if declared else [], is_html=True).unicode_markup
            if text is None:
                text = data.decode("utf-8", errors="replace")
        if text.startswith("\ufeff"):
            text, raw = text[1:], None
    elif isinstance(data, str):
        text = data
    else:
        raise TypeError(f"a page is bytes or str, not {type(data).__name__}")
    composed = nfc(text)
    return composed, raw if composed is text else None


def _canonical(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _known(encoding: str) -> bool:
    return _canonical(encoding) is not None


# --- normalization --------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def nfc(text: str) -> str:
    # ASCII is NFC (isascii reads a flag of the string); is_normalized is a fast scan, and most
    # pages are already NFC.
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def clean(text: str | None) -> str:
    """NFC, invisible characters dropped, runs of whitespace collapsed to one space, stripped."""
    if not text:
        return ""
    if not text.isascii():  # NFC and the invisible characters concern non-ASCII text only
        text = nfc(text)
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    # str.split() splits on every Unicode space (no-break, thin, ideographic), several times
    # faster than a regular expression on this hot path
    return " ".join(text.split())


def clean_or_none(text: str | None) -> str | None:
    return clean(text) or None


# --- paragraphs -----------------------------------------------------------------------------

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Never text: their content is code, media or controls.
SILENT_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "video",
        "audio",
        "select",
        "button",
        "input",
        "textarea",
        "img",
        "map",
        "head",
        "title",
        "meta",
        "link",
    ]
)


# Marks a paragraph break while text is collected; newlines in the source are only whitespace.
_BREAK = "\x1e"


# The texts read so far of the page being read (remembered_texts), by element.
_texts: ContextVar[dict | None] = ContextVar("texts", default=None)


@contextmanager
def remembered_texts() -> Iterator[None]:
    """Within it, element_text reads each element's text once: the rules of one page ask for
    the same blocks' texts again and again (the body's paragraphs, the title's area, the
    listing's cards). A change to the tree that alters a text must call forget_texts().
    `@remembered_texts()` on a function gives each of its calls a memory of its own."""
    token = _texts.set({})
    try:
        yield
    finally:
        _texts.reset(token)


def forget_texts() -> None:
    """The page's tree changed: the texts remembered so far may no longer be its."""
    texts = _texts.get()
    if texts is not None:
        texts.clear()


def element_text(element: etree._Element) -> str:
    """The visible text of one element, cleaned (scripts and styles left out)."""
    texts = _texts.get()
    if texts is None:
        return _read_text(element)
    text = texts.get(element)
    if text is None:
        text = texts[element] = _read_text(element)
    return text


def _read_text(element: etree._Element) -> str:
    parts: list[str] = []
    _collect(element, parts, frozenset(), top=True)
    return clean("".join(parts).replace(_BREAK, " "))


def _collect(node, parts: list[str], skip: Collection, top: bool = False) -> None:
    tag = node.tag if isinstance(node.tag, str) else None
    if tag is not None and not top and (node in skip or tag in SILENT_TAGS):
        return
    if tag is not None:
        if tag == "br" or tag in BLOCK_TAGS:
            parts.append(_BREAK)
        if node.text:
            parts.append(node.text)
        for child in node:
            _collect(child, parts, skip)
            if child.tail:
                parts.append(child.tail)
        if tag in BLOCK_TAGS:
            parts.append(_BREAK)


def paragraphs(element: etree._Element, skip: Collection = frozenset()) -> list[str]:
    """The element's text as paragraphs, in reading order, leaving out the `skip` elements.

    Block elements separate paragraphs; a single `<br>` inside a paragraph breaks the paragraph
    too, because the old editor used `<br>` where it meant a new paragraph.
    """
    parts: list[str] = []
    _collect(element, parts, skip, top=True)
    out = []
    for chunk in "".join(parts).split(_BREAK):
        text = clean(chunk)
        if text:
            out.append(text)
    return out


# --- sanitizing -----------------------------------------------------------------------------
# The allow-list lives in archive/browse/sanitize.py: `serve` applies the same one when it shows a body.


def absolutize_links(element: etree._Element, base_url: str) -> None:
    """Resolve every `a[href]` under `element` against the page URL, in place."""
    for anchor in element.iter("a"):
        href = anchor.get("href")
        if href is not None:
            href = href.strip()
            try:
                anchor.set("href", urljoin(base_url, href) if href else "")
            except ValueError:  # a malformed URL (bad IPv6 literal) is not a link worth keeping
                del anchor.attrib["href"]


def sanitize(fragment: str) -> str:
    """Allow-list sanitizing (nh3): the structure of an article, never script, style or frames."""
    return nfc(clean_html(fragment)).strip()

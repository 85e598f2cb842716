"""One page -> one lxml tree shaped as a browser would build it.

libxml2's HTML parser (lxml) is fast but is not the WHATWG algorithm: `<h1>Tiêu đề</h2>` leaves
the h1 open over the rest of the page, so the title would swallow the date line and the body.
lexbor (selectolax) follows the WHATWG algorithm and parses faster than libxml2, but the whole
extractor (CSS selectors of sites.py, the generic rules) works on lxml trees. So libxml2 parses
first, and reports where it had to guess; only a page with mis-nested tags (a third of real news
pages, none of the known layouts) is parsed by lexbor and its well-formed serialization read by
libxml2. The page keeps one tree either way, and the known layouts pay nothing.

Its elements are lxml.html's HtmlElement, set by a C-level default class lookup that costs next
to nothing (lxml.html's own parser looks each element's class up in Python): trafilatura, the
second opinion on a doubtful generic body (reference.py), takes such a tree as it is, so the
page is not parsed a second time.
"""

from __future__ import annotations

import threading

from lxml import etree
from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser

Element = etree._Element

# libxml2's errors that mean its tree differs from a browser's (an end tag closing the wrong
# element, content where the structure forbids it); DTD and encoding notices do not.
_TREE_ERRORS = frozenset({"ERR_TAG_NAME_MISMATCH", "HTML_STRUCURE_ERROR"})

_local = threading.local()


def _parser() -> etree.HTMLParser:
    # lxml parsers must not be shared between threads.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.HTMLParser(encoding="utf-8", remove_comments=True)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=HtmlElement))
    return parser


def _misread(parser: etree.HTMLParser) -> bool:
    return any(error.type_name in _TREE_ERRORS for error in parser.error_log)


def parse_html(page: str, utf8: bytes | None = None) -> Element | None:
    """The page's tree as a browser builds it, or None when nothing could be parsed. `utf8` is
    the page's UTF-8 encoding when the caller has it (text.decode_page): not encoded again."""
    parser = _parser()
    data = page.encode("utf-8", "replace") if utf8 is None else utf8
    try:
        root = etree.fromstring(data, parser=parser)
        if root is not None and _misread(parser):
            # lexbor reads UTF-8: the bytes at hand, not the text it would encode again
            root = etree.fromstring(LexborHTMLParser(data).html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root

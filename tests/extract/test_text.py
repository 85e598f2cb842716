"""Decoding, NFC, whitespace, paragraphs and the allow-list sanitizer."""

from __future__ import annotations

import unicodedata

import pytest
from lxml import html as lxml_html

from crawler.extract.text import (
    clean,
    decode,
    decode_page,
    element_text,
    forget_texts,
    paragraphs,
    remembered_texts,
    sanitize,
)

VI = "Đại học Thái Nguyên: Phương pháp đổi mới, kiểm định chất lượng"


def cp1258(text: str) -> bytes:
    """Text as windows-1258 writes it: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append((base + "".join(c for c in parts if c in tones)).encode("cp1258"))
    return b"".join(out)


def test_windows_1258_page_comes_out_as_nfc():
    page = b'<html><head><meta charset="windows-1258"></head><body><p>' + cp1258(VI) + b"</p></body></html>"
    text = decode(page)
    assert VI in text
    assert unicodedata.is_normalized("NFC", text)


def test_meta_http_equiv_charset_is_read():
    page = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">' + cp1258(VI)
    assert VI in decode(page)


def test_the_given_encoding_wins_over_the_declared_one():
    page = b'<meta charset="utf-8"><p>' + cp1258(VI) + b"</p>"
    assert VI in decode(page, "windows-1258")


def test_utf8_is_the_default_and_a_bom_is_dropped():
    assert decode("\ufeff".encode() + VI.encode()) == VI
    assert decode(VI.encode()) == VI


def test_an_unknown_declared_charset_falls_back_to_utf8():
    assert decode(b'<meta charset="x-no-such">' + VI.encode()).endswith(VI)


def test_nfd_text_is_composed():
    assert decode(unicodedata.normalize("NFD", VI)) == VI
    assert clean(unicodedata.normalize("NFD", VI)) == VI


def test_the_parser_is_handed_the_pages_own_bytes_only_when_they_are_its_utf8_nfc_text():
    utf8 = f"<html><body><p>{VI}</p></body></html>".encode()
    assert decode_page(utf8) == (utf8.decode(), utf8)
    nfd = unicodedata.normalize("NFD", utf8.decode()).encode()
    assert decode_page(nfd) == (utf8.decode(), None)  # composed: the bytes are no longer its text
    assert decode_page(b"\xef\xbb\xbf" + utf8) == (utf8.decode(), None)  # the byte order mark is not text
    assert decode_page(cp1258(VI), "windows-1258") == (VI, None)
    assert decode_page(VI) == (VI, None)


def test_a_page_that_is_neither_bytes_nor_text_is_a_type_error():
    with pytest.raises(TypeError, match="bytes or str"):
        decode(12345)  # type: ignore[arg-type]


def test_clean_collapses_whitespace_and_invisible_characters():
    assert clean("  Đại\u00a0 học\u200b\n\tThái\u202fNguyên  ") == "Đại học Thái Nguyên"
    assert clean(None) == ""


def test_entities_and_numeric_nfd_entities_come_out_as_nfc():
    tree = lxml_html.fragment_fromstring(
        "<div><p>Ph&aacute;p quy</p><p>Nguye&#770;&#771;n</p><p>&#272;&#7841;i</p></div>"
    )
    assert paragraphs(tree) == ["Pháp quy", "Nguyễn", "Đại"]


def test_paragraphs_follow_blocks_and_breaks_and_skip_scripts():
    tree = lxml_html.fragment_fromstring(
        "<div>lead text<p>one <b>bold</b>\n  word</p><div><p>two</p>tail</div>"
        "<p>three<br>four</p><script>var x = 1;</script><p>\u00a0</p><style>p{}</style></div>"
    )
    assert paragraphs(tree) == ["lead text", "one bold word", "two", "tail", "three", "four"]


def test_paragraphs_leave_out_skipped_elements_but_keep_their_tail():
    tree = lxml_html.fragment_fromstring("<div><p>keep</p><p class='x'>drop</p><p>also</p></div>")
    skip = {tree.find_class("x")[0]}
    assert paragraphs(tree, skip) == ["keep", "also"]


def test_texts_remembered_while_a_page_is_read_are_its_texts():
    tree = lxml_html.fromstring("<div><p>Một <b>hai</b></p><p>ba<script>x()</script></p></div>")
    first, second = tree
    with remembered_texts():
        assert element_text(tree) == "Một hai ba"
        assert element_text(first) == "Một hai"
        assert element_text(tree) == "Một hai ba"  # asked again: the same answer
    assert element_text(second) == "ba"


def test_a_change_to_the_tree_is_not_answered_with_a_text_remembered_before_it():
    from crawler.extract.article import _drop

    tree = lxml_html.fromstring("<div><p>một</p><p>hai</p></div>")
    with remembered_texts():
        assert element_text(tree) == "một hai"
        _drop(tree[1])  # the body's furniture taken out for its HTML
        assert element_text(tree) == "một"
    forget_texts()  # outside a page's reading: nothing to forget, no error


# --- sanitizing -----------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="http://ok/x.jpg" onload="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="http://evil/"></iframe>',
    '<object data="http://evil/x.swf"></object><embed src="http://evil/x.swf">',
    "<style>@import 'http://evil/x.css';</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<svg onload=alert(1)><circle></circle></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<details open ontoggle=alert(1)>x</details>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<body onload=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<video><source onerror="alert(1)"></video>',
    '<input autofocus onfocus="alert(1)">',
    '<p><a href="http://ok/" onclick="alert(1)" target="_blank">fine</a></p>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="&#x01;javascript:alert(1)">x</a>',
    '<img src="http://ok/a.jpg" data-src="javascript:alert(1)" srcset="javascript:alert(1) 2x">',
    '<img src="http://ok/a.jpg" alt="&quot;><script>alert(1)</script>">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="http://ok/" style="position:fixed;top:0">overlay</a>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<table background="javascript:alert(1)"><tr><td background="javascript:alert(1)">t</td></tr></table>',
    '<img src="https://ok/a.jpg" width="1" height="1" onmouseover="alert(1)">',
    # entity-encoded schemes: hex, zero-padded decimal without semicolons, the named &colon;
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    (
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
        '&#0000058alert(1)">x</a>'
    ),
    '<a href="javascript&colon;alert(1)">x</a>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<link rel="stylesheet" href="http://evil/x.css"><p><button formaction="javascript:alert(1)">b</button></p>',
]


def assert_inert(output: str) -> None:
    tree = lxml_html.fragment_fromstring(output or "<i></i>", create_parent="div")
    for el in tree.iterdescendants():
        assert el.tag in {
            "p",
            "br",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "a",
            "ul",
            "ol",
            "li",
            "h2",
            "h3",
            "h4",
            "blockquote",
            "table",
            "tr",
            "td",
            "th",
            "tbody",
            "thead",
            "figure",
            "figcaption",
            "img",
        }, output
        for name, value in el.attrib.items():
            assert name in {"href", "src", "alt", "width", "height", "colspan", "rowspan"}, output
            if name in ("href", "src"):
                assert value.startswith(("http://", "https://")), output
    lowered = output.lower()
    for needle in ("javascript", "vbscript", "data:", "onerror", "onload", "<script", "<iframe", "<style"):
        assert needle not in lowered, output


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_come_out_inert(payload):
    assert_inert(sanitize(f"<p>before</p>{payload}<p>after</p>"))


def test_sanitize_keeps_the_allowed_structure():
    kept = (
        '<p>a <strong>b</strong> <em>c</em> <u>d</u> <a href="http://x/y">e</a><br></p>'
        "<h2>h</h2><blockquote>q</blockquote><ul><li>l</li></ul>"
        '<table><tbody><tr><td colspan="2">t</td></tr></tbody></table>'
        '<figure><img src="https://x/i.jpg" alt="a" width="1" height="2"><figcaption>c</figcaption></figure>'
    )
    assert sanitize(kept) == kept


def test_sanitize_drops_relative_urls_it_cannot_resolve_and_unwraps_unknown_tags():
    assert sanitize('<p><a href="/x">x</a><span class="c">y</span><font>z</font></p>') == "<p><a>x</a>yz</p>"


def test_a_wrong_utf8_claim_gives_way_to_the_pages_own_declaration():
    # the server says UTF-8, the bytes are windows-1258 and say so in a late <meta>
    page = b"<html><head>" + b" " * 5000 + b'<meta charset="windows-1258"></head><p>' + cp1258(VI) + b"</p>"
    assert VI in decode(page, "utf-8")


def test_an_unknown_encoding_name_does_not_raise():
    assert decode(VI.encode(), "x-no-such") == VI
    assert decode(b"\xff\xfe-", "x-no-such")  # undecodable, replaced, still text


def test_a_utf8_page_with_stray_windows_1252_bytes_keeps_its_utf8():
    # a mixed page: UTF-8 throughout, one quotation pasted from a windows-1252 editor
    page = b"<p>" + VI.encode() + b" \x93tr\xc3\xadch\x94 caf\xe9 </p>"
    text = decode(page, "utf-8")
    assert VI in text  # not the whole page guessed anew as windows-1252
    assert "\u201ctrích\u201d caf" in text


def test_an_undeclared_windows_1258_page_is_not_read_as_mixed_utf8():
    text = decode(b"<p>" + cp1258(VI) + b"</p>", "utf-8")
    assert "\ufffd" not in text

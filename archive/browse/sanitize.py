"""The HTML an article's body may keep: one allow-list (nh3), applied where the body is stored
(the extractor, crawler/extract/text.py) and again where it is shown (`serve`'s article page).

Sanitizing again at render time is not redundant: an archive written by an older version, by
another tool or by hand holds whatever its body_html says, and the page shows it on the
archive's own origin.
"""

from __future__ import annotations

import nh3

WEB_SCHEMES = frozenset({"http", "https"})

ALLOWED_TAGS = frozenset(
    [
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
    ]
)
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    # Without spans a caption table or a data table falls apart; plain integers, no script reach.
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed together with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = frozenset(
    [
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "noscript",
        "template",
        "textarea",
        "select",
        "button",
        "form",
        "svg",
        "math",
        "frame",
        "frameset",
        "applet",
        "head",
        "title",
    ]
)


def _cleaner(url_relative: object) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(WEB_SCHEMES),
        url_relative=url_relative,
        link_rel=None,
        strip_comments=True,
    )


# The extractor makes URLs absolute before cleaning; anything still relative is not a link we
# understand.
_STORAGE = _cleaner("deny")


def is_web_url(url: object) -> bool:
    """Whether `url` is an absolute http(s) URL: the only kind worth a live link."""
    if not isinstance(url, str):
        return False
    scheme, sep, rest = url.strip().partition(":")
    return bool(sep) and scheme.lower() in WEB_SCHEMES and rest.startswith("//") and len(rest) > 2


def clean_html(fragment: str, base_url: str | None = None) -> str:
    """`fragment` with only the allowed tags, attributes and http(s) URLs left.

    Without `base_url` relative URLs are dropped (what is stored); with an http(s) `base_url`
    they are resolved against it (an older archive's body may still hold some).
    """
    if base_url is None or not is_web_url(base_url):
        return _STORAGE.clean(fragment)
    return _cleaner(("rewrite_with_base", base_url.strip())).clean(fragment)

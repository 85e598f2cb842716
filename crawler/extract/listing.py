"""Does a page read as a list of other pages (a category, tag, search or archive page) rather
than one article? Pure functions over the page's tree; nothing here fetches or stores.

The extractor recognises an article by its content: a title and a date or a counter. A tag page
has a title (its heading) and prints dates, but they are its items' dates: each sits in an
*item card* — a title link to another page of the site, with that item's date or excerpt. So a
page is a listing when what it says about itself (structured data) says so, or else when its
cards carry its only date and counter and it has next to no text of its own. An article with
related-article cards, a "most read" sidebar, a "Xem thêm" list or several captioned images has
its own date outside those cards and a body of its own, and stays an article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import NamedTuple
from urllib.parse import SplitResult, urljoin, urlsplit

from lxml import etree

from . import dates
from .text import clean, paragraphs

Element = etree._Element

# Types a page uses to say it is one piece of writing (schema.org Article and its kinds) ...
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "liveblogposting",
    }
)
# ... or a list of other pages.
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})

# A title link: a heading's link of a few words at least ("Trang 2", "Xem thêm", a tag are not
# titles), or a plain link as long as a news title, longer than a section's name ("Hoạt động Đảng,
# Đoàn thể") so that a date line naming the article's category is not taken for a teaser.
TITLE_MIN_CHARS = 15
TITLE_MIN_WORDS = 3
PLAIN_TITLE_MIN_CHARS = 25
PLAIN_TITLE_MIN_WORDS = 6
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# An item card holds a title, a date, a counter and an excerpt; more text than this is a page
# section (an article body with one link in it), not a card.
CARD_MAX_CHARS = 1200
# Text outside the card's links this long is an excerpt (shorter lines are dates, counters, labels).
EXCERPT_MIN_CHARS = 40
# A listing shows several items.
MIN_CARDS = 2
# Body text of the page's own (outside every card) below which the page has no body to speak of:
# a category's one-line description, a footer line. A short notice article still prints its
# own date outside the cards, which keeps it an article whatever its length.
OWN_TEXT_MAX = 200
# Characters own_text_over may scan, as a multiple of the cards' text: one pass for the lines of a
# listing in page order, one per character of OWN_TEXT_MAX (each line found in no card costs a
# pass, and counts at least one), and room for a hundred lines found only far behind.
SCAN_BUDGET = 2 * OWN_TEXT_MAX + 64


class Verdict(NamedTuple):
    listing: bool
    rule: str  # why, for the record's provenance ("" when nothing was looked at)


def structured_verdict(ld_types: Iterable[str]) -> Verdict | None:
    """What the page says of itself in JSON-LD, when it says anything: an Article kind wins
    over CollectionPage/ItemList (an article page may carry a list of related items). None
    when it says nothing either way. og:type is weaker (WordPress SEO plugins print `article`
    on category pages too): content_verdict weighs it."""
    kinds = {k.lower() for k in ld_types}
    if kinds & ARTICLE_TYPES:
        return Verdict(False, "generic:json-ld article type")
    if kinds & LISTING_TYPES:
        found = sorted(kinds & LISTING_TYPES)[0]
        return Verdict(True, f"generic:json-ld {found}")
    # Microdata is not asked: themes mark up sidebar teasers and text blocks as Article or
    # BlogPosting items (3 of 884 real pages of trafilatura's evaluation set, articles all).
    return None


def _host(hostname: str | None) -> str:
    host = (hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _normalized(url: str) -> str:
    parts = urlsplit(url)
    return _page_key(_host(parts.hostname), parts)


def _page_key(host: str, parts: SplitResult) -> str:
    return f"{host}{parts.path.rstrip('/') or '/'}?{parts.query}"


def _raw_text(element: Element) -> str:
    """The element's text as `"".join(element.itertext())` gives it, gathered by libxml2 in one
    call (comments are not in the tree: parse.py drops them): the listing test reads the text of
    every link of a page."""
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def _names_page(node: Element) -> bool:
    """Whether a <link> or <meta> gives the page's own URL: a canonical link or og:url."""
    if node.tag == "link":
        return node.get("rel") == "canonical"
    return node.get("property") == "og:url"


def self_names(root: Element) -> list[Element]:
    """The page's canonical <link>s, then its og:url <meta>s, each in page order: what
    `.//link[@rel='canonical']` and `.//meta[@property='og:url']` find, in one walk of the tree."""
    found = [node for node in root.iterdescendants("link", "meta") if _names_page(node)]
    return [node for node in found if node.tag == "link"] + [node for node in found if node.tag == "meta"]


def _own_names(nodes: Iterable[Element], url: str) -> set[str]:
    """The page's URL and the names it gives itself (`nodes`: its canonical links and og:url): a
    title linked to any of them is the page's own, not an item's."""
    names = {_normalized(url)}
    for node in nodes:
        href = (node.get("href") or node.get("content") or "").strip()
        if href:
            with suppress(ValueError):  # a malformed URL names nothing
                names.add(_normalized(urljoin(url, href)))
    return names


def _title_links(root: Element, url: str, title_node: Element | None) -> list[tuple[Element, str, str]]:
    """(link, its text, target) of each link whose text reads as a title and that leads to another
    page of the same site (not this page, not an anchor on it)."""
    host = _host(urlsplit(url).hostname)
    names: list[Element] = []
    out = []
    # the page's own names are gathered in the walk over its links: a walk of the whole tree
    # costs about as much as the checks of all its links
    for anchor in root.iter("a", "link", "meta"):
        if anchor.tag != "a":
            if anchor is not root and _names_page(anchor):
                names.append(anchor)
            continue
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = clean(_raw_text(anchor))
        if len(text) < TITLE_MIN_CHARS or len(text.split()) < TITLE_MIN_WORDS:
            continue
        if (len(text) < PLAIN_TITLE_MIN_CHARS or _words(text) < PLAIN_TITLE_MIN_WORDS) and not _in_heading(anchor):
            continue
        try:
            target = urljoin(url, href)
            parts = urlsplit(target)
            hostname = parts.hostname
        except ValueError:  # a malformed URL is nobody's item
            continue
        if parts.scheme not in ("http", "https") or _host(hostname) != host:
            continue
        if title_node is not None and (anchor is title_node or title_node in anchor.iterancestors()):
            continue
        # _normalized(target), from the parts at hand: its host is the page's
        out.append((anchor, text, _page_key(host, parts)))
    own = _own_names(names, url)
    # a theme that links the article's own title to itself
    return [link for link in out if link[2] not in own]


_WORD = re.compile(r"[^\W_]+")
_NOT_LETTERS = re.compile(r"[\W_]+")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _in_heading(anchor: Element) -> bool:
    """`<h3><a>…</a></h3>` (or a few levels down, `<h2><span><a>`) or `<a><h3>…</h3></a>`."""
    for depth, ancestor in enumerate(anchor.iterancestors()):
        if ancestor.tag in _HEADINGS:
            return True
        if depth == 2:
            break
    # most links hold their text alone: no child, nothing to walk
    return len(anchor) > 0 and next(anchor.iterdescendants(*_HEADINGS), None) is not None


def item_cards(
    root: Element, url: str, title_node: Element | None, is_furniture: Callable[[Element], bool]
) -> list[Element]:
    """The page's item cards, in page order: for each title link, the largest block around it that
    leads nowhere else (thumbnail, heading and "read more" may all link the same page) and does
    not hold the page's own heading, when that block is small, says something besides its links
    (a date, an excerpt) after its title, and is not page furniture (a sidebar, a related-links
    box, a menu)."""
    links = _title_links(root, url, title_node)
    if not links:
        return []
    # the distinct targets under each ancestor of a title link (two are enough to know)
    targets: dict[Element, set[str]] = {}
    for anchor, _, target in links:
        for ancestor in anchor.iterancestors():
            seen = targets.setdefault(ancestor, set())
            if len(seen) < 2:
                seen.add(target)
    stops = {"body", "html"}
    above_heading = set(title_node.iterancestors()) if title_node is not None else set()
    cards: list[Element] = []
    done: set[Element] = set()
    for anchor, title, _ in links:
        card = anchor
        for ancestor in anchor.iterancestors():
            if ancestor.tag in stops or ancestor in above_heading or len(targets[ancestor]) > 1:
                break
            card = ancestor
        if card in done:
            continue
        done.add(card)
        if _is_item_card(card, title) and not _in_furniture(card, is_furniture):
            cards.append(card)
    return cards


def _in_furniture(card: Element, is_furniture: Callable[[Element], bool]) -> bool:
    for element in (card, *card.iterancestors()):
        if element.tag in ("body", "html"):
            return False  # the page's own classes say what kind of page it is (WordPress: "archive tag")
        if is_furniture(element):
            return True
    return False


def _is_item_card(card: Element, title: str) -> bool:
    """`title`: the text of the card's title link."""
    text = _raw_text(card)
    if len(text) > 3 * CARD_MAX_CHARS:
        return False  # cheap bound before the exact count: a page section, not a card
    if len(clean(text)) > CARD_MAX_CHARS:
        return False
    if next(card.iterdescendants("time"), None) is not None:
        return True
    lines = paragraphs(card)
    at = next((i for i, line in enumerate(lines) if title in line), len(lines))
    if any(len(line) >= EXCERPT_MIN_CHARS for line in lines[:at]):
        # prose before the link: a paragraph that links somewhere ("Xem thêm: …"), not a teaser,
        # which opens with its title (at most a date or a label before it)
        return False
    links = {clean(_raw_text(a)) for a in card.iter("a")}
    # what the card says besides its links: the lines after its title, the rest of the title's
    # own line (`Tiêu đề (12/10/2026)`), and a date printed above the title
    rest = [line for line in lines[at + 1 :] if line not in links]
    if at < len(lines):
        rest.append(lines[at].replace(title, " "))
    return any(len(line) >= EXCERPT_MIN_CHARS or dates.find_date(line) for line in rest) or any(
        dates.find_date(line) for line in lines[:at]
    )


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text)


def _inside(node: Element, cards: set[Element]) -> bool:
    return node in cards or any(a in cards for a in node.iterancestors())


def content_verdict(
    cards: list[Element],
    evidence: Iterable[Element | None],
    machine_date: bool,
    body_lines: list[str],
    og_article: bool = False,
) -> Verdict:
    """A listing by what it holds: several item cards, the page's date and counter (`evidence`,
    the elements that printed them) printed only inside them, no machine-readable date of the
    page's own, and next to no body text outside them — none at all when the page calls itself
    an article (og:type)."""
    if not cards:
        return Verdict(False, "")
    if machine_date:
        return Verdict(False, "")
    cardset = set(cards)
    if any(node is not None and not _inside(node, cardset) for node in evidence):
        return Verdict(False, "")
    # one card alone (a tag that names one article) is a listing only with no text of its own
    if own_text_over(body_lines, cards, 0 if og_article or len(cards) < MIN_CARDS else OWN_TEXT_MAX):
        return Verdict(False, "")
    return Verdict(True, f"generic:item cards ({len(cards)}), no date or body of its own")


def own_text_over(body_lines: list[str], cards: list[Element], limit: int) -> bool:
    """Whether the body lines found in no card hold more than `limit` characters: the page's own
    text. A line is a card's when its letters and digits are part of that card's (a body reader may
    join a card's cells with " | ").

    In time linear in the page: asking every card for every line was 100 s on a 1 MB page of cards.
    The cards' texts are joined once, and each line is looked for from where the previous one was
    found (body lines and cards are both in page order, so a listing's lines cost one pass over its
    cards), a line met before costs nothing, and the count stops once past `limit`. What is scanned
    is bounded too: past SCAN_BUDGET times the cards' text (lines that match only cards far behind,
    by the hundred: a made page) the page counts as having text of its own, so a page too costly to
    judge is kept as an article, never refused."""
    # "\0" is no letter: a line's letters never match across two cards
    joined = "\0".join(_letters(_raw_text(card)) for card in cards)
    budget = SCAN_BUDGET * (len(joined) + 1)
    found_before: set[str] = set()
    own = 0
    at = 0  # where the last line found ends
    for line in body_lines:
        needle = _letters(line)
        if needle in found_before:
            continue
        found = joined.find(needle, at)
        budget -= (found if found >= 0 else len(joined)) - at + len(needle)
        if found < 0:  # behind: starting before `at`
            found = joined.find(needle, 0, at + len(needle))
            budget -= (found if found >= 0 else at) + len(needle)
        if found >= 0:
            at = found + len(needle)
            found_before.add(needle)
        else:
            own += len(line)
        if own > limit or budget < 0:
            return True
    return False

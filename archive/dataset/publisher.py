"""Who the dataset is of: its title, its authors, the owners its licence names, its keywords, the
authors it is cited by and the languages it declares, all derived from the sites it holds (the
`sites` rows the crawl writes from each site's profile: title, title_en, home, language,
member_of; dataset/facts.py reads them). No site is named here: a site no profile claims is named
by its host, and an export of one site names that site alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

# How many sites the title names before it says how many more it holds.
TITLE_SITES = 3


def home(site: dict) -> str | None:
    """The site's home page: its profile's, else the first origin its articles were found on."""
    return site.get("home") or next(iter(site.get("origins") or ()), None)


def homepage(sites: list[dict]) -> str | None:
    """The dataset's home page: its institution's (institution()), else the largest site's."""
    head = institution(sites)
    first = [head] if head is not None else []
    return next(filter(None, (home(site) for site in [*first, *ordered(sites)])), None)


def institution(sites: list[dict]) -> dict | None:
    """The site every other one belongs to (their profiles' `member_of`), when the dataset holds
    it and at least one of its members: the university, in a dataset of the university's sites."""
    for site in ordered(sites):
        others = [other for other in sites if other is not site]
        if others and all(other.get("member_of") == site["name"] for other in others):
            return site
    return None


def host(site: dict) -> str:
    """The host (and port) a reader knows the site by: its home page's, else its name."""
    page = home(site)
    return (urlsplit(page).netloc.lower() or site["name"]) if page else site["name"]


def label(site: dict) -> str:
    """A site's owner as the metadata names it: `English name (own name)`, either alone, or, for
    a site no profile names (an ad-hoc site, an archive older than sites), its host."""
    title, english = site.get("title"), site.get("title_en")
    if title and english and english != title:
        return f"{english} ({title})"
    return english or title or host(site)


def named(site: dict) -> str:
    """The owner with the site's host: `English name (own name, host)`, `name (host)`, or the host."""
    title, english, where = site.get("title"), site.get("title_en"), host(site)
    if title and english and english != title:
        return f"{english} ({title}, {where})"
    name = english or title
    return f"{name} ({where})" if name else where


def _titled(site: dict) -> bool:
    return bool(site.get("title") or site.get("title_en"))


def ordered(sites: list[dict]) -> list[dict]:
    """Largest first (then by name): the order the title and the authors name them in."""
    return sorted(sites, key=lambda s: (-s.get("articles", 0), s["name"]))


def languages(sites: list[dict]) -> list[str]:
    """The languages the dataset declares (the card's `language`, Croissant's `inLanguage`): each
    site's as its profile gives it, the largest site's first, each once. A site whose language is
    unknown (a host no profile claims, a row written before the column) adds none: with no site's
    known, the dataset declares no language rather than a guess."""
    return list(dict.fromkeys(site["language"] for site in ordered(sites) if site.get("language")))


def language_name(tag: str) -> str:
    """The English name of a language tag's language (vi: Vietnamese, en-GB: English), from the
    Unicode CLDR data Babel carries; the tag itself for a language it does not know."""
    try:
        return Locale.parse(tag, sep="-").get_language_name("en") or tag
    except (UnknownLocaleError, ValueError):
        return tag


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def title(sites: list[dict]) -> str:
    """`News of <site> (<host>), archived`; several sites by name up to TITLE_SITES, then the
    institution they belong to and how many of its members (institution()), or else the largest
    and how many others."""
    if not sites:
        return "News archived with tnu-archive"
    names = [named(site) for site in ordered(sites)]
    if len(names) > TITLE_SITES:
        head = institution(sites)
        if head is not None:
            return f"News of {named(head)} and {len(names) - 1} of its member sites, archived"
        names = [names[0], f"{len(names) - 1} other sites"]
    return f"News of {_listed(names)}, archived"


def sites_phrase(sites: list[dict]) -> str:
    """Every site, named with its host, for the prose."""
    return _listed([named(site) for site in ordered(sites)]) if sites else "no site"


def owners(sites: list[dict]) -> str:
    """Who the articles belong to: each site's owner, or the owner of a host no profile names."""
    names = [label(site) if _titled(site) else f"the owner of {host(site)}" for site in ordered(sites)]
    return _listed(names) if names else "the sites' owners"


def authors(sites: list[dict]) -> list[dict]:
    """The sites' owners as authors: name and home page (where known)."""
    out = []
    for site in ordered(sites):
        author = {"name": label(site)}
        if home(site):
            author["url"] = home(site)
        out.append(author)
    return out


def keywords(sites: list[dict]) -> list[str]:
    """Each site's names (or host), then what the dataset is: news, in which languages, archived."""
    names = []
    for site in ordered(sites):
        names += [name for name in (site.get("title_en"), site.get("title")) if name] or [host(site)]
    return list(dict.fromkeys([*names, "news", *map(language_name, languages(sites)), "web archive"]))


def rights(sites: list[dict]) -> str:
    """The licence line: the dataset's licence, and whose the articles and photographs are."""
    return (
        "The dataset (its selection, structure, metadata and derived fields) is published under "
        f"CC BY 4.0. The articles' text and photographs belong to {owners(sites)} and the "
        "photographers credited in the captions; they are included for archival and research use, "
        "and reusing them beyond that needs the rights holders' consent."
    )


def bibtex(text: str) -> str:
    """Text inside a BibTeX field: braces made parentheses, & % # $ _ escaped."""
    text = text.replace("{", "(").replace("}", ")")
    for char in "&%#$_":
        text = text.replace(char, "\\" + char)
    return text


def bibtex_authors(sites: list[dict]) -> str:
    """The owners as BibTeX corporate authors (each in braces, joined by `and`)."""
    return " and ".join(f"{{{bibtex(label(site))}}}" for site in ordered(sites)) or "{tnu-archive}"

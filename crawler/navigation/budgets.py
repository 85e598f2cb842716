"""Per-run budgets of the requests a crawl makes to find pages (docs/discovery.md, "Bounds").

A site can be endless to a crawler that follows everything: a pager whose every page links one
more, a chain of sitemap indexes, a feed announced under a new name on every page. Each kind of
navigation request has a budget per run (a setting of crawler/settings.py); a request past it
is not made, the run goes on with what it has, and its summary says which budget was met and
how much was left out. A pager walk that stops bringing anything new stops before its budget
(ListingWalks). The run still ends `ok`: a budget met is a notice, not a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from crawler import settings as defaults

# Setting -> what its notice counts: the requests (or entries) it left out.
BUDGETS: dict[str, str] = {
    "MAX_LISTING_PAGES": "listing pages not fetched",
    "MAX_SITEMAP_REQUESTS": "sitemaps not fetched",
    "MAX_FEED_REQUESTS": "feeds not fetched",
}
# Bounds that are not spent request by request, with what their notices count.
BOUNDS: dict[str, str] = {
    "MAX_SITEMAP_ENTRIES": "sitemaps or feeds read only in part",
    "MAX_DISCOVERY_BACKLOG": "links not held for later",
    "MAX_DISCOVERY_PAGES": "discovery requests not made",
    "RECOVER_MAX_CANDIDATES": "candidate URLs not fetched",
    "LISTING_STALE_PAGES": "listing walks stopped, their last pages linking nothing new",
}
# The defaults are crawler/settings.py's, documented there.
DEFAULTS: dict[str, int] = {name: getattr(defaults, name) for name in (*BUDGETS, *BOUNDS)}


class RunBudgets:
    """What one run may still spend of each budget; what it refused is counted in `refused`
    (the run's tally: RunTally.capped), setting by setting."""

    def __init__(self, limits: Mapping[str, int], refused: Counter) -> None:
        self.limits = {name: max(int(limits.get(name, DEFAULTS[name])), 0) for name in BUDGETS}
        self.spent: Counter = Counter()
        self.refused = refused

    @classmethod
    def from_settings(cls, settings, refused: Counter) -> RunBudgets:
        return cls({name: settings.getint(name, DEFAULTS[name]) for name in BUDGETS}, refused)

    def take(self, name: str) -> bool:
        """Spend one request of budget `name`: False (and counted as refused) once it is spent."""
        if self.spent[name] >= self.limits[name]:
            self.refused[name] += 1
            return False
        self.spent[name] += 1
        return True


class ListingWalks:
    """The pager walks of one run, and the bound LISTING_STALE_PAGES on each: a walk whose last
    `limit` pages in a row linked nothing its earlier pages had not (a site that prints page N+1
    for any N, every page showing the same items) stops there, counted in `refused` (the run's
    tally). A real archive brings new items on every page and is walked to its end (or to
    MAX_LISTING_PAGES). A walk's memory is the links of its pages, dropped when it ends."""

    def __init__(self, limit: int, refused: Counter) -> None:
        self.limit = max(int(limit), 0)  # 0: no walk is stopped for it
        self.refused = refused
        self._seen: dict[str, set[str]] = {}
        self._stale: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings, refused: Counter) -> ListingWalks:
        return cls(settings.getint("LISTING_STALE_PAGES", DEFAULTS["LISTING_STALE_PAGES"]), refused)

    def goes_on(self, listing: str, page: int, links: Iterable[str]) -> bool:
        """Page `page` of `listing` is read and holds `links` (its own pager's aside): whether the
        walk may go on to the next page. Page 1 starts the walk afresh."""
        seen = self._seen.get(listing)
        if page <= 1 or seen is None:
            self._seen[listing] = set(links)
            self._stale[listing] = 0
            return True
        before = len(seen)
        seen.update(links)
        self._stale[listing] = 0 if len(seen) > before else self._stale[listing] + 1
        if self.limit and self._stale[listing] >= self.limit:
            self.refused["LISTING_STALE_PAGES"] += 1
            self.end(listing)
            return False
        return True

    def end(self, listing: str) -> None:
        """The walk of `listing` goes no further this run (its last page, a budget, nothing wanted)."""
        self._seen.pop(listing, None)
        self._stale.pop(listing, None)


def notices(refused: Mapping[str, int], limits: Mapping[str, int]) -> list[str]:
    """One line per budget or bound the run met, e.g. `MAX_LISTING_PAGES (5000) met; listing pages
    not fetched: 12`. What a bound left out is not remembered: the next run finds it again where
    a page, sitemap or feed links it."""
    words = {**BUDGETS, **BOUNDS}
    return [
        f"{name} ({limits.get(name, DEFAULTS[name])}) met; {words[name]}: {refused[name]}"
        for name in words
        if refused.get(name)
    ]

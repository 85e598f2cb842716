"""crawler/navigation/budgets.py: the budgets of one run, their notices, and their documentation (issue 25)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from crawler.navigation.budgets import BOUNDS, BUDGETS, DEFAULTS, ListingWalks, RunBudgets, notices

ROOT = Path(__file__).resolve().parent.parent


def test_a_budget_refuses_past_its_limit_and_counts_what_it_refused():
    refused: Counter = Counter()
    budgets = RunBudgets({"MAX_LISTING_PAGES": 2, "MAX_SITEMAP_REQUESTS": 0}, refused)
    assert [budgets.take("MAX_LISTING_PAGES") for _ in range(4)] == [True, True, False, False]
    assert budgets.take("MAX_SITEMAP_REQUESTS") is False
    assert budgets.take("MAX_FEED_REQUESTS") is True  # the default, crawler/settings.py's
    assert refused == Counter({"MAX_LISTING_PAGES": 2, "MAX_SITEMAP_REQUESTS": 1})


def test_each_budget_met_is_one_notice_naming_its_setting_and_limit():
    refused = Counter({"MAX_LISTING_PAGES": 12, "MAX_DISCOVERY_PAGES": 3})
    assert notices(refused, {"MAX_LISTING_PAGES": 60}) == [
        "MAX_LISTING_PAGES (60) met; listing pages not fetched: 12",
        f"MAX_DISCOVERY_PAGES ({DEFAULTS['MAX_DISCOVERY_PAGES']}) met; discovery requests not made: 3",
    ]
    assert notices(Counter(), {}) == []


def test_every_bound_is_a_setting_documented_at_its_line_and_in_the_discovery_docs():
    settings = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8").splitlines()
    docs = (ROOT / "docs" / "discovery.md").read_text(encoding="utf-8")
    for name in (*BUDGETS, *BOUNDS, "MAX_PENDING_LINKS"):
        line = next(i for i, text in enumerate(settings) if re.match(rf"{name} = ", text))
        assert settings[line - 1].startswith("#"), f"{name}: no comment above its default"
        assert f"`{name}`" in docs, f"{name} is not in docs/discovery.md"
        assert DEFAULTS.get(name, 1) > 0


def test_a_walk_stops_after_its_limit_of_pages_in_a_row_that_link_nothing_new():
    refused: Counter = Counter()
    walks = ListingWalks(3, refused)
    items = ["/a-1001.html", "/b-1002.html", "/news/"]
    # an endless pager, every page showing the same items: pages 2, 3 and 4 bring nothing new
    assert [walks.goes_on("/cat", n, items) for n in range(1, 5)] == [True, True, True, False]
    assert refused == Counter({"LISTING_STALE_PAGES": 1})
    # a page with one item not seen before on the walk starts the count again
    pages = [["/a"], ["/a"], ["/a"], ["/a", "/b"], ["/b"], ["/a"], ["/a", "/b"]]
    assert [walks.goes_on("/other", n, shown) for n, shown in enumerate(pages, 1)] == [True] * 6 + [False]
    assert refused == Counter({"LISTING_STALE_PAGES": 2})


def test_a_real_archive_is_walked_whole_and_each_walk_is_its_own():
    refused: Counter = Counter()
    walks = ListingWalks(3, refused)
    # 30 pages of distinct items, two listings walked at once, one showing the other's items
    for n in range(1, 31):
        assert walks.goes_on("/cat", n, [f"/item-{n}-{i}" for i in range(10)] + ["/menu"])
        assert walks.goes_on("/tag", n, [f"/item-{n}-{i}" for i in range(10)] + ["/menu"])
    # a walk started again at its first page forgets what its earlier walk saw
    walks.end("/cat")
    assert [walks.goes_on("/cat", n, ["/item-1-0"]) for n in (1, 2, 3)] == [True, True, True]
    assert refused == Counter()
    # 0: no walk is stopped this way
    never = ListingWalks(0, refused)
    assert all(never.goes_on("/cat", n, ["/a"]) for n in range(1, 100)) and refused == Counter()

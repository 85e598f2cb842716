"""crawler/navigation/budgets.py: the budgets of one run, their notices, and their documentation (issue 25)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from crawler.navigation.budgets import BOUNDS, BUDGETS, DEFAULTS, RunBudgets, notices

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

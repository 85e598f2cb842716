"""Category names across a site's layouts: `Khoa học - Công nghệ` (2019) and `Khoa học và
Công nghệ` (2026) are one category printed two ways.

Which printed names are one category is site knowledge: each site's profile owns its mapping
(printed name -> the name the dataset uses) and the crawler hands it to the export; this module
only applies it. Without a mapping a category is its printed name, tidied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# site name -> printed category -> normalised category; under OTHER_SITES, the names of the
# sites no profile claims (a mirror, the replica on loopback), read by shared rules.
CategoryNames = Mapping[str, Mapping[str, str]]
OTHER_SITES = "*"

_SPACES = re.compile(r"\s+")


def tidy(printed: str) -> str:
    """The printed name in NFC with its white space collapsed (a non-breaking space or a line
    break inside a breadcrumb is layout, not a different category)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", printed)).strip()


def normalised(printed: str | None, names: Mapping[str, str]) -> str | None:
    """The dataset's name for a category printed `printed` on a site whose mapping is `names`."""
    if printed is None:
        return None
    name = tidy(printed)
    if not name:
        return None
    return names.get(name, name)


def names_for(site: str, categories: CategoryNames) -> dict[str, str]:
    """The tidied mapping of `site`: its own when it has one (even empty), else that of the sites
    no profile claims."""
    names = categories[site] if site in categories else categories.get(OTHER_SITES, {})
    return {tidy(printed): tidy(name) for printed, name in names.items()}

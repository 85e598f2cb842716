"""The sites tnu-archive crawls, as data: one profile per site (profiles/*.toml: hosts, start
URLs, timezone, optional URL rules, selectors, politeness, category names) and the `Site` type
every module that needs site knowledge takes. Never a gate: a host no profile claims is a site
of its own, read by the generic rules (docs/development.md, "Adding a site")."""

from crawler.sites.registry import PROFILES_DIR, Sites, download_slots, load, packaged
from crawler.sites.site import Site, SiteError

__all__ = ["PROFILES_DIR", "Site", "SiteError", "Sites", "download_slots", "load", "packaged"]

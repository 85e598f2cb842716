"""Who runs this crawler: the operator's contact in the User-Agent of every request.

A site's admins who see the crawler in their logs should be able to write to whoever runs it
(to ask for a slower pace, or another hour) instead of blocking it. The contact is the operator's
own, never a default: the `CONTACT` setting (`--set CONTACT=mailto:you@example.org`), else
`contact = "…"` in `tnu-archive.toml` beside the database. The User-Agent is then
`tnu-archive/<version> (+<contact>)`; without one, `tnu-archive/<version>`, and a crawl of a
site off this machine is warned about.

`ContactAddon` (a Scrapy add-on, crawler/settings.py ADDONS) builds the User-Agent before the
settings are frozen, so `scrapy crawl news -s CONTACT=…` gets it too; Scrapy's user-agent
middleware puts it on every request, robots.txt and images included.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from archive import __version__
from crawler.sites.config import CONFIG_NAME, ConfigError, config_path, read_config

_CONTACT = re.compile(r"^(?:mailto:[^@\s()]+@[^@\s()]+|https?://[^\s()]+)$")


class ContactError(ValueError):
    """A contact (or the file giving it) that cannot be used; the message is one line."""


def config_contact(db_path: str | Path) -> str | None:
    """`contact` of the config file beside the database; None when there is no file or no key."""
    try:
        config, path = read_config(db_path)
    except ConfigError as exc:
        raise ContactError(str(exc)) from None
    value = config.get("contact")
    if value is not None and not isinstance(value, str):
        raise ContactError(f'{path}: contact must be a string, e.g. contact = "mailto:you@example.org"')
    return value


def checked(contact: str | None, source: str) -> str | None:
    """The contact stripped, None when empty; ContactError when it is no mailto: or http(s) URL."""
    contact = (contact or "").strip()
    if not contact:
        return None
    if not _CONTACT.match(contact):
        hint = f"mailto:{contact}" if "@" in contact and ":" not in contact else "mailto:you@example.org"
        raise ContactError(f"{source}: the contact must be a mailto: or http(s) URL (e.g. {hint}), got {contact!r}")
    return contact


def resolve_contact(setting: str | None, db_path: str | Path) -> str | None:
    """The operator's contact: the CONTACT setting, else the config file beside the database."""
    if setting not in (None, ""):
        return checked(setting, "CONTACT")
    return checked(config_contact(db_path), str(config_path(db_path)))


def user_agent(contact: str | None) -> str:
    return f"tnu-archive/{__version__} (+{contact})" if contact else f"tnu-archive/{__version__}"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def missing_contact_warning(start_urls: Sequence[str], contact: str | None) -> str | None:
    """A line for the operator when a site off this machine is crawled without a contact."""
    if contact or all(is_loopback(url) for url in start_urls):
        return None
    return (
        "no contact in the User-Agent: the site's admins cannot reach whoever runs this crawler; "
        'set one with --set CONTACT=mailto:you@example.org, or contact = "mailto:you@example.org" '
        f"in {CONFIG_NAME} beside the database"
    )


# Set once the warning was printed (by `tnu-archive crawl`, before the run), so that the run's
# extension, which warns `scrapy crawl news` users, does not say it twice.
WARNED_SETTING = "TNU_CONTACT_WARNED"


def warning_once(settings, start_urls: Sequence[str]) -> str | None:
    """missing_contact_warning for these settings, None when it was given already; marks it
    given when the settings can still change (before the crawl's own copy is frozen)."""
    if settings.getbool(WARNED_SETTING):
        return None
    warning = missing_contact_warning(start_urls, settings.get("CONTACT"))
    if warning and not getattr(settings, "frozen", False):
        settings.set(WARNED_SETTING, True, priority="cmdline")
    return warning


class ContactAddon:
    """Resolves CONTACT and builds USER_AGENT from it, unless USER_AGENT was set explicitly."""

    def update_settings(self, settings) -> None:
        contact = resolve_contact(settings.get("CONTACT"), settings.get("ARCHIVE_DB"))
        settings.set("CONTACT", contact, priority=max(settings.getpriority("CONTACT") or 0, 20))
        if (settings.getpriority("USER_AGENT") or 0) <= 20:  # not given with --set / -s
            settings.set("USER_AGENT", user_agent(contact), priority="project")

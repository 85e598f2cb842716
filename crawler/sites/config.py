"""tnu-archive.toml, the operator's file beside the database: the contact for the User-Agent
(crawler/fetching/contact.py) and the sites an operator adds or adjusts (crawler/sites/registry.py).

    contact = "mailto:you@example.org"

    [sites.myschool]
    start_urls = ["https://myschool.edu.vn/"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

CONFIG_NAME = "tnu-archive.toml"  # beside the database: data/tnu-archive.toml


class ConfigError(ValueError):
    """The file cannot be read; the message is one line naming it."""


def config_path(db_path: str | Path) -> Path:
    return Path(db_path).parent / CONFIG_NAME


def read_config(db_path: str | Path) -> tuple[dict[str, Any], Path]:
    """(the file's tables, its path); empty when there is no file."""
    path = config_path(db_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, path
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text), path
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None

"""Where an archive lives by default: the one place these paths are written down.

Every command and the Scrapy settings take their defaults from here; `--db`, `--images-dir`
and `--warc-dir` (or ARCHIVE_DB, IMAGES_STORE and WARC_DIR) move them.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path("data/tnu.sqlite")
DEFAULT_IMAGES = Path("data/images")

# `tnu-archive demo` keeps its archive of the bundled replica apart from the real one.
DEMO_DB = Path("data/demo/tnu.sqlite")
DEMO_IMAGES = Path("data/demo/images")

WARC_FOLDER = "warc"


def default_warc_dir(db_path: str | Path) -> Path:
    """The WARC captures' folder: `warc/` beside the database (`data/tnu.sqlite` -> `data/warc/`)."""
    return Path(db_path).parent / WARC_FOLDER

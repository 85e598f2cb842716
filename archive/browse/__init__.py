"""The archive in Datasette: metadata (the data dictionary), dashboard, article view, search.

`archive.serve` assembles these into one Datasette app; nothing here writes to the archive.
"""

from __future__ import annotations

from pathlib import Path

# The archive's name inside Datasette, fixed whatever the file is called, so that URLs
# (/tnu/articles, /tnu/search) and the dashboard's queries do not depend on --db.
DB_NAME = "tnu"
# URL prefix under which the images folder is served: /images/<path of images.path>.
IMAGES_MOUNT = "images"
TEMPLATES_DIR = Path(__file__).parent / "templates"


def article_page_path(article_id: int) -> str:
    """Path of an article's page in `tnu-archive serve` (what `search` prints beside each hit)."""
    return f"/article/{int(article_id)}"


def archived_page_path(article_id: int) -> str:
    """Path of the stored copy of the page an article was extracted from, as it was fetched."""
    return f"{article_page_path(article_id)}/page"

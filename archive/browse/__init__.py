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

"""The data dictionary as Markdown, from archive/db.py's column descriptions.

The data dictionary of docs/schema.md is this text (a test keeps the two identical); regenerate it with
`python -m archive.storage.dictionary`.
"""

from __future__ import annotations

from archive.db import COLUMNS, TABLE_DESCRIPTIONS

# Tables archivists read first; the rest follow in schema order.
ORDER = ("articles", "article_images", "images", "view_counts", "article_versions", "crawl_runs", "fetch_log")

# An article's site, as the dataset describes it (the archive's description gives its history).
SITE_COLUMN = (
    "The site the article belongs to (sites.name: its profile's name, or the host, with its port, of a host no "
    "profile names); each site is its own configuration of the dataset"
)
# The dataset's own columns (`tnu-archive export`): derived from the archive's, for readers who
# should not have to parse what the archive keeps as printed. Each follows the column it comes from.
DATASET_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    # table -> column of the dataset -> (the archive's column it follows, description)
    "articles": {
        "published_date": (
            "published_at",
            "Publication day, as published_at gives it (the page's clock); NULL when no date was found",
        ),
        "published_timestamp": (
            "published_at",
            "Publication time as a UTC instant, when the page prints a time; NULL when it prints the day only",
        ),
        "category_printed": ("category", "Category exactly as the page prints it (its breadcrumb or section)"),
        "site": (
            "",
            SITE_COLUMN,
        ),
    },
}
# Columns whose meaning in the dataset differs from the archive's.
DATASET_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "articles": {
        # worded for any dataset: one of a site no profile names, or of one member site, too
        "site": SITE_COLUMN,
        "category": "Category, one name for each category across the site's layouts (its profile maps the "
        "printed names, e.g. 'Khoa học - Công nghệ' and 'Khoa học và Công nghệ' are one); category_printed "
        "keeps the page's own",
    },
}
# A run's figures in a dataset: the whole run's, or in one site's (`export --site`) that site's own.
_ONE_SITE = (
    "; in a dataset of one site (`export --site`) the site's own (its run_sites row), NULL where the run did not "
    "count it apart (a recovery)"
)
DATASET_DESCRIPTIONS["crawl_runs"] = {
    **{
        name: f"{COLUMNS['crawl_runs'][name]}: all the run's sites'{_ONE_SITE}"
        for name in ("pages", "articles_new", "articles_changed", "articles_unchanged")
    },
    "errors": f"The run's failures, of all its sites{_ONE_SITE}. {COLUMNS['crawl_runs']['errors']}",
    "status": f"{COLUMNS['crawl_runs']['status']}. The run's, the worst of its sites'; in a dataset of one site "
    "the site's own outcome where the run crawled it",
    **{
        name: f"{COLUMNS['crawl_runs'][name]}: the run's, shared by its sites' articles; NULL in a dataset of one "
        "site (`export --site`)"
        for name in ("images_new", "images_failed")
    },
}
# The tables of the dataset that the archive does not have in every schema version.
DATASET_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "sites": (
        "One row per site of the dataset",
        {
            "name": "The site's name (tnu, …)",
            "title": "The site's name as its profile gives it; NULL when unknown",
            "hosts": "JSON list of the site's hosts",
        },
    ),
}


def dataset_column(table: str, column: str) -> str:
    """What a column of the exported dataset holds, from the dictionary (never restated): the
    dataset's own meaning, else the archive's, else the derived column's."""
    if column in DATASET_DESCRIPTIONS.get(table, {}):
        return DATASET_DESCRIPTIONS[table][column]
    if column in COLUMNS.get(table, {}):
        return COLUMNS[table][column]
    if column in DATASET_COLUMNS.get(table, {}):
        return DATASET_COLUMNS[table][column][1]
    return DATASET_TABLES.get(table, ("", {}))[1].get(column, "")


def dataset_table(table: str) -> str:
    """What a table of the exported dataset holds."""
    return TABLE_DESCRIPTIONS.get(table) or DATASET_TABLES.get(table, ("", {}))[0]


def markdown() -> str:
    names = [t for t in ORDER if t in COLUMNS] + [t for t in COLUMNS if t not in ORDER]
    parts = []
    for table in names:
        parts.append(f"#### `{table}`\n\n{TABLE_DESCRIPTIONS.get(table, '')}\n\n| column | meaning |\n| --- | --- |")
        parts.extend(f"| `{column}` | {text.replace('|', '/')} |" for column, text in COLUMNS[table].items())
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")

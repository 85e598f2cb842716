"""The data dictionary as Markdown, from archive/db.py's column descriptions.

The data dictionary of docs/schema.md is this text (a test keeps the two identical); regenerate it with
`python -m archive.dictionary`.
"""

from __future__ import annotations

from archive.db import COLUMNS, TABLE_DESCRIPTIONS

# Tables archivists read first; the rest follow in schema order.
ORDER = ("articles", "article_images", "images", "view_counts", "article_versions", "crawl_runs", "fetch_log")


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

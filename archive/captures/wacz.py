"""Packaging WARC files as one WACZ (Web Archive Collection Zipped, format 1.1.1).

A WACZ is what web-archive players (ReplayWeb.page, pywb) open directly: the WARC files under
`archive/`, a compressed CDXJ index under `indexes/`, the list of archived pages in
`pages/pages.jsonl`, and a `datapackage.json` with the sha256 of every file (plus
`datapackage-digest.json`, the sha256 of that). The `wacz` package (Webrecorder's reference
writer) builds it; this module feeds it the archive's own page list. Never imports Scrapy.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from wacz.main import main as wacz_main


class WaczError(RuntimeError):
    """The WACZ could not be written; the message carries the writer's output."""


PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "tnu-archive: archived articles"}


def write_wacz(
    warc_files: Iterable[str | Path],
    pages: list[dict],
    out_path: str | Path,
    *,
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Write a WACZ of the WARC files; returns its path.

    `pages` are the entry points a player lists: dicts with `url` and optionally `title` (and
    `ts`, an ISO 8601 time matching the capture to show, to the second). Each page must have
    been captured in one of the files; pages that were not are left out of `pages.jsonl` (the
    writer cannot point a player at bytes it does not have).
    """
    warc_files = [str(Path(f)) for f in warc_files]
    if not warc_files:
        raise WaczError("no WARC files to package")
    names = [Path(f).name for f in warc_files]
    if len(set(names)) != len(names):
        raise WaczError("two WARC files share a name; a WACZ keeps them side by side in archive/")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with open(pages_file, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(PAGES_HEADER) + "\n")
            for page in pages:
                entry = {key: value for key, value in page.items() if value is not None}
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        partial = out_path.with_name(out_path.name + ".partial")
        args = ["create", "-o", str(partial), "-p", str(pages_file)]
        if title:
            args += ["--title", title]
        if description:
            args += ["--desc", description]
        output = io.StringIO()
        # The writer narrates on stdout; keep it for the error message instead.
        with contextlib.redirect_stdout(output):
            code = wacz_main(args + warc_files)
        if code != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            raise WaczError(f"wacz create failed ({code}): {output.getvalue().strip()}")
        partial.replace(out_path)
    return out_path

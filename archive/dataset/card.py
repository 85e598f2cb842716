"""The dataset card: README.md with the Hugging Face YAML front matter (licence, language, size,
one configuration per site and per table) and, in prose, what was collected, how and when,
counts per site and year, fill rates, known gaps, the tables and how to cite.
"""

from __future__ import annotations

import json
from collections import Counter

from archive.dataset import publisher
from archive.dataset.files import SPREADSHEET_TRIGGERS
from archive.dataset.metadata import FORMATS, about, span
from archive.dataset.tables import TABLES, Column

MANIFEST = "manifest-sha256.txt"
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
_TYPE_NAMES = {
    "text": "string",
    "integer": "integer",
    "number": "float",
    "date": "date",
    "time": "timestamp (UTC)",
}


def size_category(articles: int) -> str:
    for bound, name in _SIZES:
        if articles < bound:
            return name
    return "1M<n<10M" if articles < 10_000_000 else "10M<n<100M"


def _yaml(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def configs(info: dict) -> list[tuple[str, str]]:
    """(configuration name, Parquet files) of the card: all articles (the default), each site's
    articles, then each other table."""
    tables = [t.name for t in TABLES if t.name != "articles"]
    out = [("articles", "data/articles/*.parquet")]
    for site in info["sites"]:
        name = site["stem"] if site["stem"] not in tables and site["stem"] != "articles" else f"articles-{site['stem']}"
        out.append((name, f"data/articles/{site['stem']}.parquet"))
    out += [(table, f"data/{table}/*.parquet") for table in tables]
    return out


def front_matter(info: dict) -> list[str]:
    articles = sum(site["articles"] for site in info["sites"])
    tags = publisher.languages(info["sites"])
    lines = [
        "---",
        "license: cc-by-4.0",
        *(["language:", *(f"- {_yaml(tag)}" for tag in tags)] if tags else []),
        f"pretty_name: {_yaml(publisher.title(info['sites']))}",
        "size_categories:",
        f"- {size_category(articles)}",
        "task_categories:",
        "- text-classification",
        "- text-generation",
        "tags:",
        "- news",
        "- web-archive",
        *(f"- {_yaml(publisher.language_name(tag).lower())}" for tag in tags),
        "configs:",
    ]
    for index, (name, path) in enumerate(configs(info)):
        lines += [f"- config_name: {_yaml(name)}", "  data_files:", "  - split: train", f"    path: {_yaml(path)}"]
        if index == 0:
            lines.append("  default: true")
    return lines + ["---"]


def citation(info: dict, version: str) -> tuple[str, str]:
    """(the citation as text, as BibTeX)."""
    crawled, published = info["crawled"], info["published"]
    origins = ", ".join(o for site in info["sites"] for o in site["origins"])
    day = (crawled["to"] or "")[:10]
    sites = info["sites"]
    title = publisher.title(sites)
    text = (
        f"{title} (tnu-archive), version {version}, articles published "
        f"{span(published, '–')}, crawled {span({k: (v or '')[:10] for k, v in crawled.items()}, '–')} from "
        f"{origins}. Licence: CC BY 4.0 (dataset); content © {publisher.owners(sites)}."
    )
    bibtex = "\n".join(
        [
            f"@misc{{tnu_news_archive_{day.replace('-', '')},",
            f"  title = {{{{{publisher.bibtex(title)}}}}},",
            f"  author = {{{publisher.bibtex_authors(sites)}}},",
            f"  year = {{{day[:4]}}},",
            f"  version = {{{version}}},",
            f"  note = {{Articles published {span(published, '--')}; crawled with tnu-archive. CC BY 4.0}},",
            f"  howpublished = {{{origins}}}",
            "}",
        ]
    )
    return text, bibtex


def card(
    info: dict,
    version: str,
    rows: dict[str, int],
    images: int,
    columns: dict[str, list[Column]],
    fill: dict[str, dict[str, tuple[int, int]]],
    categories: list[tuple[str, str, int]],
) -> str:
    """The README.md. `fill`: site (None: all) -> column -> (rows with it, rows); `categories`:
    (category, printed, articles)."""
    published, crawled = info["published"], info["crawled"]
    cite, bibtex = citation(info, version)
    lines = front_matter(info) + [
        "",
        f"# {publisher.title(info['sites'])}",
        "",
        about(info),
        "",
        f"- Version: `{version}`",
        f"- Articles published: {span(published)}",
        f"- Crawled: {span(crawled)} (UTC)",
        "- Sites: " + ", ".join(_site_label(site) for site in info["sites"]),
        _languages_line(info["sites"]),
        f"- Counts: {rows['articles']} articles, {rows['article_images']} article images, {images} image files, "
        f"{rows['view_counts']} view-count observations, {rows['article_versions']} earlier versions, "
        f"{rows['article_aliases']} other URLs of articles, {rows['crawl_runs']} runs",
        "",
        "## What was collected",
        "",
        "Every news article the crawler found on the sites below: headline, publication date as printed "
        "and as ISO 8601, byline, category, text (plain and sanitized HTML), the view counter the page "
        "shows, and each photograph with its caption and credit. Each crawl fetches the listings again: an "
        "article edited since keeps its earlier content as a version (`article_versions`), each counter "
        "read is an observation (`view_counts`), and every other URL an article was reached under is kept "
        "(`article_aliases`).",
        "",
        *_how(info),
        "",
        "## Counts per site and year",
        "",
        *_years_table(info),
        "",
        "## Fill rate of each field",
        "",
        "Share of articles where the field has a value (neither NULL nor empty):",
        "",
        *_fill_table(info, columns["articles"], fill),
        "",
        "## Categories",
        "",
        "A category printed differently by the sites' layouts is one category: `category` is the name the "
        "site's profile maps its printed names to, `category_printed` what the page printed.",
        "",
        "| category | printed as | articles |",
        "| --- | --- | --- |",
        *[f"| {_cell(c)} | {_cell(p)} | {n} |" for c, p, n in categories],
        "",
        "## Known gaps",
        "",
        *_gaps(info),
        "",
        "## Files",
        "",
        *_files(),
        "",
        "## Reading it",
        "",
        "```python",
        "import pandas as pd",
        'articles = pd.read_parquet("data/articles", dtype_backend="numpy_nullable")  # every site',
        "```",
        "",
        "```sh",
        "duckdb -c \"SELECT site, year(published_date) AS year, count(*) FROM 'data/articles/*.parquet' GROUP BY ALL\"",
        "```",
        "",
        "```python",
        "from datasets import load_dataset",
        'articles = load_dataset("parquet", data_dir="data/articles", split="train")',
        "```",
        "",
        "## Tables and fields",
    ]
    for table in TABLES:
        from archive.storage.dictionary import dataset_table  # noqa: PLC0415

        lines += [
            "",
            f"### {table.name}",
            "",
            f"{dataset_table(table.name)}. `data/{table.name}/`, `csv/{table.name}.csv`, `jsonl/{table.name}.jsonl`; "
            f"{rows[table.name]} rows.",
            "",
            "| field | type | description |",
            "| --- | --- | --- |",
        ]
        for column in columns[table.name]:
            lines.append(f"| `{column.name}` | {_TYPE_NAMES[column.kind]} | {_cell(column.description)} |")
    lines += [
        "",
        "## Licence",
        "",
        publisher.rights(info["sites"]),
        "",
        "## How to cite",
        "",
        cite,
        "",
        "```bibtex",
        bibtex,
        "```",
        "",
        "Keywords: " + ", ".join(publisher.keywords(info["sites"])) + ".",
        "",
    ]
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    """Text in a Markdown table cell: pipes and angle brackets escaped (`<url>` is no HTML tag),
    line breaks as spaces."""
    if text is None:
        return "(none)"
    cell = " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return cell or "(empty)"


def _site_label(site: dict) -> str:
    where = ", ".join(site["origins"]) or "no URL"
    titled = site.get("title") or site.get("title_en")
    return f"`{site['name']}`" + (f" ({publisher.label(site)}, {where})" if titled else f" ({where})")


def _languages_line(sites: list[dict]) -> str:
    tags = publisher.languages(sites)
    if not tags:
        return (
            "- Language: not recorded (no site's row holds its profile's language: a host no profile claims has "
            "none, and a site last crawled before tnu-archive recorded it gets it from its next crawl)"
        )
    named = ", ".join(f"{publisher.language_name(tag)} (`{tag}`)" for tag in tags)
    return f"- Language{'s' if len(tags) > 1 else ''}: {named}"


def _how(info: dict) -> list[str]:
    runs = info["runs"]
    lines = ["## How it was collected", ""]
    if not runs:
        lines.append("The archive records no run of the crawler (the rows were written directly).")
    else:
        kinds = Counter(run["kind"] for run in runs)
        lines.append(
            f"{len(runs)} runs of tnu-archive ("
            + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
            + f") from {runs[0]['started_at']} to {runs[-1]['ended_at'] or runs[-1]['started_at']} (UTC), "
            "listed in `crawl_runs`. A crawl walks the sites' listings and sitemaps and fetches each article "
            "page; a recovery reads the captures a web archive (the Wayback Machine or any CDX server) holds of "
            "the sites' pages, for articles the live sites no longer show."
        )
        months: dict[str, list[int]] = {}
        for run in runs:
            month = months.setdefault((run["started_at"] or "")[:7] or "unknown", [0, 0, 0, 0])
            month[0] += 1
            month[1] += run["pages"]
            month[2] += run["articles_new"]
            month[3] += run["articles_changed"]
        lines += [
            "",
            *_table(
                ["month", "runs", "pages fetched", "new articles", "changed articles"],
                [[m, *counts] for m, counts in sorted(months.items())],
            ),
        ]
    lines += ["", "Politeness, as the crawls recorded their settings (`crawl_runs.settings`):", ""]
    politeness = info["politeness"]
    if politeness:
        lines += [f"- `{name}`: {', '.join(f'`{v}`' for v in values)}" for name, values in politeness.items()]
    else:
        lines.append("- no crawl recorded its settings")
    lines += [
        "- each value is the one a crawl recorded (the crawler's defaults: robots.txt obeyed, two requests "
        "at a time per host, about half a second between them, slowing down when the server does); every "
        "address is checked before connecting.",
        "",
    ]
    recovered = info["recovered"]
    if recovered["articles"] or recovered["versions"]:
        lines.append(
            f"Recovered from web archives: {recovered['articles']} articles' current content and "
            f"{recovered['versions']} earlier versions, from captures made "
            f"{span(recovered['captured'])} (`articles.recovered_from`, `articles.captured_at`, "
            "`article_versions.recovered_from` name the capture each was read from)."
        )
    else:
        lines.append("No article of this dataset was recovered from a web archive: all were read on the live sites.")
    return lines


def _table(header: list[str], body: list[list[object]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)] + [
        "| " + " | ".join(map(str, row)) + " |" for row in body
    ]


def _years_table(info: dict) -> list[str]:
    sites = info["sites"]
    years = sorted({year for site in sites for year in site["years"]}, key=lambda y: (y == "unknown", y))
    body: list[list[object]] = []
    for year in years:
        counts = [site["years"].get(year, 0) for site in sites]
        body.append([year, *counts, sum(counts)])
    totals = [site["articles"] for site in sites]
    body.append(["all", *totals, sum(totals)])
    return _table(["year", *(f"`{s['name']}`" for s in sites), "all"], body)


def _fill_table(info: dict, columns: list[Column], fill: dict) -> list[str]:
    sites = [s["name"] for s in info["sites"]] if len(info["sites"]) > 1 else []
    body = [[f"`{c.name}`", _rate(*fill[None][c.name]), *(_rate(*fill[s][c.name]) for s in sites)] for c in columns]
    return _table(["field", "all", *(f"`{s}`" for s in sites)], body)


def _rate(have: int, total: int) -> str:
    return "–" if not total else f"{100 * have / total:.1f}%"


def _gaps(info: dict) -> list[str]:
    gaps = info["gaps"]
    return [
        f"- {gaps['no_date']} articles show no publication date (`published_at` NULL); "
        f"{gaps['day_only']} print the day only (`published_timestamp` NULL, `published_date` set).",
        f"- {gaps['no_views']} articles show no view counter (`views` NULL). A counter is the site's own, "
        "read only when a crawl fetched the page: between two observations nothing is known.",
        f"- {gaps['no_author']} articles have no byline; {gaps['no_category']} no category.",
        f"- {gaps['images_missing']} article images could not be downloaded (`article_images.image_sha256` NULL; "
        "`src_url` says where they were).",
        f"- {gaps['runs_unfinished']} runs failed, were interrupted or died (`crawl_runs.status`); the next run "
        "resumed where they stopped.",
        "- Articles deleted from a site before the first crawl, and never captured by a web archive, are not here. "
        "An edit made and undone between two crawls is not seen.",
        "- Not in the dataset, kept in the archive: the raw pages, the WARC captures (`tnu-archive export --wacz`), "
        "the fetch log and the crawl frontier.",
    ]


def _files() -> list[str]:
    triggers = " ".join(f"`{t}`" for t in SPREADSHEET_TRIGGERS if t.isprintable()) + ", a tab or a carriage return"
    return [
        f"- `data/<table>/*.parquet` ({FORMATS['parquet'][1]}): the tables, typed: integers as int64, "
        "`published_date` as a date, times (`…_at`, `seen_from`, `seen_until`, `published_timestamp`) as "
        "UTC timestamps; `published_at` stays the ISO 8601 text the archive keeps (`2020-07-15` when only "
        "the day is printed, `2026-02-23T09:15:00+07:00` when the time is). Articles: one file per site. "
        "Each field's description is in the file's schema too.",
        "- `csv/<table>.csv`: the same rows for spreadsheets, UTF-8; an empty cell is NULL. A text cell that "
        f"begins with {triggers} is written with a `'` in front, so that a spreadsheet shows it as text and "
        "never runs it as a formula; drop the first character of a cell that begins with `'` to get the exact "
        "text.",
        "- `jsonl/<table>.jsonl`: the same rows as JSON Lines, exact text; `null` apart from the empty string.",
        "- `images/<first two hex>/<sha256>.<ext>`: the image files, byte for byte as downloaded; "
        "`images.path` and `article_images.image_sha256` point at them. They are untrusted: "
        "they are whatever the site (or anyone it linked to) served, and an SVG file (`.svg`) is "
        "a document that can carry script. Do not publish them on, or open them from, a web "
        "origin you care about; serve them with `Content-Security-Policy: sandbox` as "
        "`tnu-archive serve` does.",
        "- `croissant.json`: Croissant (JSON-LD) metadata of every file and field.",
        "- `datapackage.json`: Frictionless Data Package metadata: schemas, sha256 and size of every file.",
        f"- `{MANIFEST}`: checksums of every file.",
        "",
        "Rows are in key order. The version is the day of the latest crawl and a digest of the JSON Lines "
        "and image files: the same archive always gives the same version and the same bytes.",
        "",
        "Check the copy you have:",
        "",
        "```sh",
        f"sha256sum -c {MANIFEST}",
        # Plain `frictionless` lacks the JSON Lines reader and reports the .jsonl files invalid.
        "pip install 'frictionless[json]' mlcroissant",
        "frictionless validate datapackage.json",
        "mlcroissant validate --jsonld croissant.json",
        "```",
    ]

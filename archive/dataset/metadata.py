"""The dataset described for machines: `datapackage.json` (Frictionless Data Package) and
`croissant.json` (MLCommons Croissant 1.0, JSON-LD). Both are built from the same list of files
and the same column descriptions (archive/storage/dictionary.py), never typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive import __version__
from archive.dataset import publisher
from archive.dataset.tables import TABLES, Column, Table, foreign_keys, stem, unique_columns

# The package's name is the tool's (export.py knows its own folder by it); the title, authors,
# licence line and keywords name the sites the dataset holds (archive/dataset/publisher.py).
PACKAGE_NAME = "tnu-news-archive"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}

_FRICTIONLESS_TYPES = {"text": "string", "integer": "integer", "number": "number", "date": "date", "time": "datetime"}
_CROISSANT_TYPES = {
    "text": "sc:Text",
    "integer": "sc:Integer",
    "number": "sc:Float",
    "date": "sc:Date",
    "time": "sc:DateTime",
}
FORMATS = {
    "csv": ("text/csv", "CSV"),
    "jsonl": ("application/jsonl", "JSON Lines"),
    "parquet": ("application/vnd.apache.parquet", "Parquet"),
}
# Croissant names media types its own way (mlcroissant reads files by these).
_CROISSANT_MEDIA = {"csv": "text/csv", "jsonl": "application/jsonlines", "parquet": "application/x-parquet"}


@dataclass(frozen=True)
class DataFile:
    """A file of the dataset: a table (or one site's part of it) in one format."""

    table: Table
    columns: list[Column]
    fmt: str
    path: str
    part: str | None  # the site of an articles part, None for a whole table
    sha256: str
    size: int
    rows: int


# -- Frictionless ------------------------------------------------------------------------------


def _resource_name(data: DataFile) -> str:
    name = data.table.name if data.fmt == "csv" else f"{data.table.name}-{data.fmt}"
    if data.part is not None:
        name += f"-{stem(data.part).lower()}"  # a resource name allows [-a-z0-9._/] only
    return name


def _schema(data: DataFile) -> dict:
    unique = unique_columns(data.table)
    fields = []
    for column in data.columns:
        field: dict = {"name": column.name, "type": _FRICTIONLESS_TYPES[column.kind]}
        if column.description:
            field["description"] = column.description
        constraints = {}
        if column.required:
            constraints["required"] = True
        if column.name in unique:
            constraints["unique"] = True
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict = {"fields": fields}
    key = [c.name for c in sorted(data.columns, key=lambda c: c.primary) if c.primary]
    if key:
        schema["primaryKey"] = key
    if data.fmt == "csv":  # the links are checked once, between the CSV tables (the same rows)
        links = [
            {"fields": source, "reference": {"resource": target, "fields": target_fields}}
            for source, target, target_fields in foreign_keys(data.table)
        ]
        if links:
            schema["foreignKeys"] = links
    return schema


def table_resource(data: DataFile) -> dict:
    mediatype, label = FORMATS[data.fmt]
    resource = {
        "name": _resource_name(data),
        "path": data.path,
        "title": f"{data.table.name}{f' of {data.part}' if data.part else ''} ({label})",
        "description": _table_description(data.table.name),
        "format": data.fmt,
        "mediatype": mediatype,
        "encoding": "utf-8",
        "profile": "tabular-data-resource",
    }
    if data.fmt == "parquet" or (data.fmt == "jsonl" and data.rows == 0):
        # A plain file to the validator: it reads Parquet only with pandas installed, and fails on a
        # JSON Lines file without a line (frictionless 5); the same rows are validated as CSV, and
        # the schema still documents the columns.
        resource.update(type="file", profile="data-resource")
        if data.fmt == "parquet":
            del resource["encoding"]
    resource.update(hash=f"sha256:{data.sha256}", bytes=data.size, schema=_schema(data))
    return resource


def _table_description(table: str) -> str:
    from archive.storage.dictionary import dataset_table  # noqa: PLC0415

    return dataset_table(table)


def about(info: dict) -> str:
    crawled, published = info["crawled"], info["published"]
    return (
        f"News articles of {publisher.sites_phrase(info['sites'])}, as archived by tnu-archive: "
        "text, publication dates, categories, view "
        "counters observed over time, the articles' photographs with their captions and credits, "
        "and their earlier versions. "
        f"Published {span(published)}; crawled {span(crawled)}."
    )


def span(dates: dict, joiner: str = " to ") -> str:
    if not dates["from"]:
        return "(dates unknown)"
    return f"{dates['from']}{joiner}{dates['to']}"


def package(info: dict, version: str, resources: list[dict]) -> dict:
    sites = info["sites"]
    origins = [origin for site in sites for origin in site["origins"]]
    homepage = publisher.homepage(sites)
    rights = publisher.rights(sites)
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": publisher.title(sites),
        "description": f"{about(info)} {rights}",
        "version": version,
        # The archive's latest observation, not the time of export: re-exporting the same
        # archive must give the same bytes.
        "created": info["crawled"]["to"],
        **({"homepage": homepage} if homepage else {}),
        "keywords": publisher.keywords(sites),
        "licenses": [LICENSE],
        "rights": rights,
        "sources": [{"title": f"News pages of {origin}", "path": origin} for origin in origins],
        "contributors": [
            *(
                {"title": author["name"], **({"path": author["url"]} if "url" in author else {}), "role": "author"}
                for author in publisher.authors(sites)
            ),
            {"title": f"tnu-archive {__version__}", "role": "contributor"},
        ],
        "crawled": info["crawled"],
        "published": info["published"],
        "schema_version": info["schema_version"],
        "resources": resources,
    }


# -- Croissant ---------------------------------------------------------------------------------

# The standard Croissant 1.0 @context (as mlcroissant and the specification's examples write it).
CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def croissant(info: dict, version: str, files: list[DataFile], image_types: dict[str, str], cite: str) -> dict:
    """Croissant metadata: every data file (with its sha256), the image files as file sets, and
    one record set per table read from its Parquet file(s), each field described. `image_types`:
    the image files' extensions and the media type of each."""
    distribution: list[dict] = []
    for data in files:
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": data.path,
                "name": data.path,
                "description": f"{_table_description(data.table.name)}"
                + (f" (site {data.part})" if data.part else "")
                + f", as {FORMATS[data.fmt][1]}",
                "contentUrl": data.path,
                "encodingFormat": _CROISSANT_MEDIA[data.fmt],
                "contentSize": f"{data.size} B",
                "sha256": data.sha256,
            }
        )
    parquet_sets = {}
    for table in TABLES:
        parts = [d for d in files if d.table.name == table.name and d.fmt == "parquet"]
        if table.name == "articles":
            # The sites' parts read as one record set.
            parquet_sets[table.name] = {"fileSet": {"@id": "parquet/articles"}}
            distribution.append(
                {
                    "@type": "cr:FileSet",
                    "@id": "parquet/articles",
                    "name": "parquet/articles",
                    "description": "The articles of every site, one Parquet file per site",
                    "encodingFormat": _CROISSANT_MEDIA["parquet"],
                    "includes": "data/articles/*.parquet",
                }
            )
        elif parts:
            parquet_sets[table.name] = {"fileObject": {"@id": parts[0].path}}
    for extension, mime in sorted(image_types.items()):
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": f"images/{extension}",
                "name": f"images/{extension}",
                "description": "Image files of the articles, byte for byte as downloaded, named by their sha256 "
                "(images.path)",
                "encodingFormat": mime,
                "includes": f"images/*/*.{extension}",
            }
        )
    record_sets = []
    for table in TABLES:
        data = next(d for d in files if d.table.name == table.name)
        fields = []
        for column in data.columns:
            fields.append(
                {
                    "@type": "cr:Field",
                    "@id": f"{table.name}/{column.name}",
                    "name": column.name,
                    "description": column.description or column.name,
                    "dataType": _CROISSANT_TYPES[column.kind],
                    "source": {**parquet_sets[table.name], "extract": {"column": column.name}},
                }
            )
        record_set = {
            "@type": "cr:RecordSet",
            "@id": table.name,
            "name": table.name,
            "description": _table_description(table.name),
            "field": fields,
        }
        key = [c for c in sorted(data.columns, key=lambda c: c.primary) if c.primary]
        if key:
            record_set["key"] = [{"@id": f"{table.name}/{c.name}"} for c in key]
        record_sets.append(record_set)
    sites = info["sites"]
    homepage = publisher.homepage(sites)
    tags = publisher.languages(sites)
    creators = [{"@type": "sc:Organization", **author} for author in publisher.authors(sites)]
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": PACKAGE_NAME,
        "alternateName": publisher.title(sites),
        "description": about(info),
        "license": LICENSE["path"],
        **({"url": homepage} if homepage else {}),
        "version": version,
        "datePublished": (info["crawled"]["to"] or "")[:10] or None,
        # one language as a text, several as a list, none unsaid (schema.org takes either)
        **({"inLanguage": tags[0] if len(tags) == 1 else tags} if tags else {}),
        "keywords": publisher.keywords(sites),
        "citeAs": cite,
        "creator": creators[0] if len(creators) == 1 else creators,
        # the sites published the news; the tool only gathered it
        "publisher": creators[0] if len(creators) == 1 else creators,
        "contributor": {"@type": "sc:SoftwareApplication", "name": f"tnu-archive {__version__}"},
        "copyrightNotice": publisher.rights(sites),
        "isAccessibleForFree": True,
        "distribution": distribution,
        "recordSet": record_sets,
    }

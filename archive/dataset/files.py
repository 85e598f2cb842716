"""Writing a table of the dataset: Parquet (typed), CSV (for spreadsheets) and JSON Lines (exact).

Every byte depends on the rows alone: rows arrive in key order, the Parquet schema is declared
(never inferred from the values), row groups hold a fixed number of rows, and pyarrow is pinned
(pyproject.toml: it writes its version into every file's `created_by`).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive.dataset.tables import Column, ExportError, parse_time

ROW_GROUP = 1000  # rows per Parquet row group: a large archive is never held in memory at once
# Parquet writer options, fixed here: the defaults of another pyarrow would be other bytes.
PARQUET_OPTIONS = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
    "store_schema": True,
}

# A cell a spreadsheet would read as a formula (or whose first character it would eat) begins
# with one of these; CSV writes it after a `'`, which spreadsheets show as text. `'` is in the
# list so that the rule reverses exactly: drop the first character of a cell that begins with `'`.
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(SPREADSHEET_TRIGGERS) else text


def arrow_type(column: Column) -> pa.DataType:
    return {
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.date32(),
        "time": pa.timestamp("us", tz="UTC"),
    }.get(column.kind, pa.string())


def arrow_schema(columns: list[Column]) -> pa.Schema:
    # Each field carries its description: a Parquet file read alone still says what it holds.
    return pa.schema(
        [
            pa.field(c.name, arrow_type(c), nullable=not c.required, metadata={"description": c.description})
            for c in columns
        ]
    )


class TableFiles:
    """One table as `csv/<table>.csv`, `jsonl/<table>.jsonl` and Parquet parts
    `data/<table>/<part>.parquet` (articles: one part per site; other tables: one)."""

    def __init__(self, root: Path, table: str, columns: list[Column]):
        self.root, self.table, self.columns = root, table, columns
        self.names = [c.name for c in columns]
        self.schema = arrow_schema(columns)
        for folder in ("csv", "jsonl", f"data/{table}"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self._csv_file = open(root / self.csv_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._jsonl = open(root / self.jsonl_path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        # CRLF, as RFC 4180 has it: the writer then quotes a field holding a lone CR too (with "\n"
        # alone it would not, and the CR would end the row for every reader).
        self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
        self._csv.writerow(self.names)
        self._parts: dict[str, tuple[pq.ParquetWriter, list[list]]] = {}
        self.rows: dict[str, int] = {}

    @property
    def csv_path(self) -> str:
        return f"csv/{self.table}.csv"

    @property
    def jsonl_path(self) -> str:
        return f"jsonl/{self.table}.jsonl"

    def parquet_path(self, part: str) -> str:
        return f"data/{self.table}/{part}.parquet"

    def add(self, row: list, part: str) -> None:
        self._csv.writerow(["" if v is None else spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
        self._jsonl.write(json.dumps(dict(zip(self.names, row, strict=True)), ensure_ascii=False) + "\n")
        writer, batch = self._part(part)
        batch.append(row)
        self.rows[part] += 1
        if len(batch) == ROW_GROUP:
            self._flush(writer, batch)

    def open_part(self, part: str) -> None:
        """A part written even if no row comes (an empty table is still a file with its schema)."""
        self._part(part)

    def _part(self, part: str) -> tuple[pq.ParquetWriter, list[list]]:
        if part not in self._parts:
            writer = pq.ParquetWriter(self.root / self.parquet_path(part), self.schema, **PARQUET_OPTIONS)
            self._parts[part] = (writer, [])
            self.rows[part] = 0
        return self._parts[part]

    def _flush(self, writer: pq.ParquetWriter, batch: list[list]) -> None:
        arrays = []
        for index, column in enumerate(self.columns):
            values = [row[index] for row in batch]
            if column.kind == "time":
                values = [self._time(column, v) for v in values]
            elif column.kind == "date":
                values = [None if v is None else date.fromisoformat(v) for v in values]
            arrays.append(pa.array(values, type=self.schema.field(index).type))
        writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        batch.clear()

    def _time(self, column: Column, value: str | None):
        if value is None:
            return None
        try:
            return parse_time(value)
        except ValueError:
            raise ExportError(
                f"{self.table}.{column.name} holds {value!r}, not an ISO 8601 time: the archive does not follow "
                "its schema (run `tnu-archive verify`)"
            ) from None

    def close(self) -> None:
        try:
            for writer, batch in self._parts.values():
                if batch:
                    self._flush(writer, batch)
                writer.close()
        finally:
            self._csv_file.close()
            self._jsonl.close()

    def paths(self) -> list[str]:
        return [self.csv_path, self.jsonl_path] + [self.parquet_path(p) for p in sorted(self._parts)]

"""The bundle's metadata tables: one row per version, as JSONL, CSV and Parquet.

All three are written row by row to temporary files while the bundle is built, with stable
serialisation: fixed column order, ISO 8601 dates, UTF-8 (the CSV with a byte-order mark so that
spreadsheet programs show Chinese correctly, CRLF line ends), Parquet in fixed-size row groups.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive.timeutil import as_utc

ROW_GROUP_SIZE = 2_048
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# (column, Arrow type); JSONL rows add "attachments" (a list of objects) at the end.
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("report_id", pa.int64()),
    ("version", pa.int64()),
    ("version_id", pa.int64()),
    ("source", pa.string()),
    ("source_title", pa.string()),
    ("region", pa.string()),
    ("level", pa.string()),
    ("title", pa.string()),
    ("publisher", pa.string()),
    ("pub_date", pa.date32()),
    ("written_date", pa.date32()),
    ("report_year", pa.int64()),
    ("division_code", pa.string()),
    ("publisher_kind", pa.string()),
    ("department", pa.string()),
    ("index_no", pa.string()),
    ("doc_no", pa.string()),
    ("validity", pa.string()),
    ("site_name", pa.string()),
    ("column", pa.string()),
    ("url", pa.string()),
    ("canonical_url", pa.string()),
    ("status", pa.string()),
    ("first_seen", UTC_TIMESTAMP),
    ("captured_at", UTC_TIMESTAMP),
    ("content_type", pa.string()),
    ("text_path", pa.string()),
    ("text_sha256", pa.string()),
    ("text_bytes", pa.int64()),
    ("raw_path", pa.string()),
    ("raw_sha256", pa.string()),
    ("attachment_count", pa.int64()),
    ("text_source", pa.string()),  # html / text_layer / ocr / converter
    ("ocr_confidence", pa.float64()),  # OCR text: Tesseract's mean word confidence, 0–100
)

COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
SCHEMA = pa.schema([pa.field(name, kind) for name, kind in COLUMNS])
REMOVED_COLUMNS = ("report_id", "source", "canonical_url", "title", "removed_at")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    return str(_json_value(value))


def dumps_line(document: dict[str, Any]) -> bytes:
    """One JSONL line: UTF-8, Chinese unescaped, no trailing spaces."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_json_value) + "\n").encode(
        "utf-8"
    )


def _arrow_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("first_seen", "captured_at"):
        return as_utc(value)
    return value


class MetadataTables:
    """Collects rows into ``reports.jsonl``, ``reports.csv`` and ``reports.parquet`` (temporary files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jsonl_path = folder / "reports.jsonl"
        self.csv_path = folder / "reports.csv"
        self.parquet_path = folder / "reports.parquet"
        self._jsonl = self.jsonl_path.open("wb")
        self._csv_file = self.csv_path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
        self._csv.writerow(COLUMN_NAMES)
        self._parquet = pq.ParquetWriter(
            str(self.parquet_path),
            SCHEMA,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
        )
        self._batch: list[dict[str, Any]] = []
        self.rows = 0

    def add(self, row: dict[str, Any], attachments: list[dict[str, Any]]) -> None:
        """Add one version's row (keys: :data:`COLUMN_NAMES`) and its attachments (JSONL only)."""
        ordered = {name: row.get(name) for name in COLUMN_NAMES}
        self._jsonl.write(dumps_line({**ordered, "attachments": attachments}))
        self._csv.writerow([_csv_value(ordered[name]) for name in COLUMN_NAMES])
        self._batch.append(ordered)
        self.rows += 1
        if len(self._batch) >= ROW_GROUP_SIZE:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        columns = {
            name: pa.array([_arrow_value(name, r[name]) for r in self._batch], type=kind) for name, kind in COLUMNS
        }
        self._parquet.write_table(pa.table(columns, schema=SCHEMA), row_group_size=ROW_GROUP_SIZE)
        self._batch = []

    def close(self) -> list[tuple[str, Path]]:
        """Finish the files; return (bag path, file) pairs in bag order."""
        self._flush()
        self._parquet.close()
        self._jsonl.close()
        self._csv_file.close()
        return [
            ("metadata/reports.csv", self.csv_path),
            ("metadata/reports.jsonl", self.jsonl_path),
            ("metadata/reports.parquet", self.parquet_path),
        ]

    def abort(self) -> None:
        for closer in (self._parquet.close, self._jsonl.close, self._csv_file.close):
            with contextlib.suppress(Exception):  # already failing; the temporary folder goes anyway
                closer()


def write_removed(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write ``removed.jsonl`` for a delta (one object per report removed in its window); return the count."""
    count = 0
    with path.open("wb") as out:
        for row in rows:
            out.write(dumps_line({name: row.get(name) for name in REMOVED_COLUMNS}))
            count += 1
    return count

"""The one CSV form of every published file: UTF-8, LF, minimal quoting, V1 number formatting."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from lib.files import atomic_write_bytes


def csv_row_count(path: Path) -> int:
    """Data rows of a CSV file (its header excluded), quoting-aware; a byte that is not UTF-8 does not stop the
    count (the parse in scripts/staged.py reports it)."""
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # what V1's pandas to_csv wrote: 100.0, 45.67
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, columns: list[str], rows) -> None:
    """A staged or published CSV (`render_csv`), written atomically."""
    atomic_write_bytes(Path(path), render_csv(columns, rows))


def render_csv(columns: list[str], rows) -> bytes:
    """The one CSV form of every published file: UTF-8, LF, minimal quoting, V1 number formatting.

    Latest files and replays both go through here, so a replay is byte-identical to what was published.
    """
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:  # a sequence in column order, or a mapping by column name
        values = [row[c] for c in columns] if isinstance(row, Mapping) else row
        writer.writerow([_csv_text(v) for v in values])
    return out.getvalue().encode("utf-8")

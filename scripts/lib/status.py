"""A staged source's `_source_status.json`: written by its extractor, checked by every later step."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

from lib import PipelineError
from lib.contracts import schema_errors
from lib.csvfmt import csv_row_count
from lib.files import read_json, sha256_file, write_json
from lib.log import redact
from lib.settings import iso_utc, utc_now, window_for

STATUSES = ("ok", "partial", "failed")


def write_source_status(
    staging_dir: Path,
    *,
    source: str,
    status: str,
    run_date: dt.date,
    files: list[str],
    requests: int = 0,
    retries: int = 0,
    waited_seconds: float = 0.0,
    warnings: list[str] = (),
    errors: list[str] = (),
) -> dict:
    """Write `_source_status.json` for the staged `files` (names inside `staging_dir`).

    Row counts and SHA-256 are read from the files as written; messages are redacted.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    start, end = window_for(run_date)
    doc = {
        "source": source,
        "status": status,
        "run_date": run_date.isoformat(),
        "window_start_utc": iso_utc(start),
        "window_end_utc": iso_utc(end),
        "generated_at_utc": utc_now(),
        "files": {
            name: {"rows": csv_row_count(staging_dir / name), "sha256": sha256_file(staging_dir / name)}
            for name in files
        },
        "requests": requests,
        "retries": retries,
        "waited_seconds": round(waited_seconds, 3),
        "warnings": [redact(w) for w in warnings],
        "errors": [redact(e) for e in errors],
    }
    problems = schema_errors(doc, "source_status.schema.json")
    if problems:
        raise ValueError("source status does not match its schema: " + "; ".join(problems))
    write_json(Path(staging_dir) / "_source_status.json", doc)
    return doc


def check_source(staging_dir: Path) -> tuple[dict | None, list[str]]:
    """Read a staged source and say why it cannot be trusted.

    Returns (status document or None, problems). No problems means the status file is valid and
    every file it lists exists with the recorded SHA-256.
    """
    path = Path(staging_dir) / "_source_status.json"
    if path.is_symlink():
        return None, [f"{path} is a symbolic link: a source status must be a regular file in its staging folder"]
    try:
        doc = read_json(path, "source status")
    except PipelineError as exc:
        return None, [str(exc)]
    problems = schema_errors(doc, "source_status.schema.json")
    if problems:
        return None, [f"{path}: {p}" for p in problems]
    for name, meta in doc["files"].items():
        outside = staged_name_problem(name)
        if outside:
            problems.append(f"{path} names {name!r}: {outside}")
            continue
        file = Path(staging_dir) / name
        if file.is_symlink():
            problems.append(f"{file} is a symbolic link: a staged file must be a regular file in its folder")
        elif not file.is_file():
            problems.append(f"{file} is missing")
        else:
            digest, rows = _digest_and_rows(file)
            if digest != meta["sha256"]:
                problems.append(f"{file} does not match its recorded SHA-256 (changed or corrupt)")
            elif rows != meta["rows"]:
                problems.append(f"{file} has {rows} data rows, its status says {meta['rows']}: re-run its extractor")
    return doc, problems


def staged_name_problem(name: str) -> str | None:
    """Why `name` is not a plain file name inside its staging folder (None when it is)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return "a staged file must be a plain file name inside its folder (no path, no '..')"
    if name.startswith(".") or name == "_source_status.json":
        return "hidden files and the status file itself are not staged data"
    return None


def _digest_and_rows(path: Path) -> tuple[str, int]:
    """SHA-256 and data rows of a CSV in one read; a file with quotes or CRs is re-counted by the csv module."""
    digest = hashlib.sha256()
    newlines, quoted, last = 0, False, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            newlines += block.count(b"\n")
            quoted = quoted or b'"' in block or b"\r" in block
            last = block[-1:]
    if quoted:
        try:
            return digest.hexdigest(), csv_row_count(path)
        except (UnicodeDecodeError, csv.Error):
            return digest.hexdigest(), -1
    lines = newlines + (0 if last == b"\n" else 1)
    return digest.hexdigest(), max(lines - 1, 0)

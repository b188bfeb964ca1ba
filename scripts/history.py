"""The committed history: which runs published, and where each dataset's snapshot of each run lives.

Readers of history (publish, the bridge export, replay, the gate's drift check, compaction, cutover) go through
this module and nothing else: a Parquet file that no committed run record lists is not data. A run record is
`<datos>/metadata/runs/<run_id>.json`; it is committed when it says `"published": true`.

A snapshot is one dataset's rows as one run published them. There is at most one snapshot per dataset per
date: when two committed runs share a run date, the later one (by its record's `generated_at_utc`) is the
snapshot of that date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from common import PipelineError, read_json, sql_literal

RUNS_DIR = Path("metadata") / "runs"
COMPACTION_DIR = Path("metadata") / "compaction"


@dataclass(frozen=True)
class Snapshot:
    dataset: str  # contract logical name
    run_id: str
    date: dt.date  # the run date (snapshot_date of its rows)
    path: Path  # the Parquet file holding the rows (relative paths are resolved against the data folder)
    sha256: str | None  # of that file, as the run recorded it (None where the record has none)


def run_records(datos: Path) -> list[dict]:
    """Every run record, oldest first (by run date, then generation time); unreadable records are an error."""
    records = [read_json(p, "run record") for p in sorted((Path(datos) / RUNS_DIR).glob("*.json"))]
    return sorted(records, key=lambda r: (r.get("run_date") or "", r.get("generated_at_utc") or ""))


def committed_runs(datos: Path) -> list[dict]:
    """The run records that committed (published), oldest first."""
    return [r for r in run_records(datos) if r.get("published") is True]


def snapshots(datos: Path, dataset: str) -> list[Snapshot]:
    """`dataset`'s committed snapshots, oldest first, one per date (the last committed run of that date)."""
    by_date: dict[dt.date, Snapshot] = {}
    for record in committed_runs(datos):
        for entry in record["datasets"]:
            if entry["dataset_logical_name"] != dataset or not entry.get("history_path"):
                continue
            day = dt.date.fromisoformat(record["run_date"])
            by_date[day] = Snapshot(
                dataset, record["run_id"], day, Path(datos) / entry["history_path"], entry.get("history_sha256")
            )
    resolved = [resolve(datos, by_date[day]) for day in sorted(by_date)]
    return [snap for snap in resolved if snap is not None]


def compaction_record_path(datos: Path, dataset: str, year: int, month: int) -> Path:
    """Where the compaction record of one dataset's month lives: metadata/compaction/<dataset>/<YYYY-MM>.json."""
    return Path(datos) / COMPACTION_DIR / dataset / f"{year:04d}-{month:02d}.json"


def resolve(datos: Path, snap: Snapshot) -> Snapshot | None:
    """Where `snap`'s rows are now: its daily file while it exists, else the monthly file that compaction merged
    it into (the month's compaction record lists the run, with the file's sha256); None when retention deleted
    it (the record says expired). Each snapshot resolves to exactly one file, so a month caught between
    compaction steps is never read twice."""
    if snap.path.is_file():
        return snap
    record_path = compaction_record_path(datos, snap.dataset, snap.date.year, snap.date.month)
    if not record_path.is_file():
        return snap
    record = read_json(record_path, "compaction record")
    for merged in record.get("snapshots", []):
        if merged.get("run_id") == snap.run_id and merged.get("snapshot_date") == snap.date.isoformat():
            if record.get("status") == "expired":
                return None
            if record.get("status") == "compacted":
                expected = f"history/{snap.dataset}/year={snap.date:%Y}/month={snap.date:%m}/day=all/part-0000.parquet"
                if record.get("monthly_path") != expected:  # a record never sends a reader elsewhere
                    raise PipelineError(f"history: {record_path} names {record.get('monthly_path')!r}, not {expected}")
                return replace(snap, path=Path(datos) / record["monthly_path"], sha256=record["monthly_sha256"])
    return snap


def read_snapshot(con, snap: Snapshot):
    """A DuckDB relation of the snapshot's rows (contract columns, then run_id and snapshot_date)."""
    if not snap.path.is_file():
        raise PipelineError(
            f"history: {snap.dataset} snapshot of {snap.date} (run {snap.run_id}): {snap.path} is missing"
        )
    return con.sql(
        f"select * from read_parquet({sql_literal(snap.path)}, hive_partitioning = false) "
        f"where run_id = {sql_literal(snap.run_id)}"
    )

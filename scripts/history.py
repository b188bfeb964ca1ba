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


def snapshots(datos: Path, dataset: str, runs: list[dict] | None = None) -> list[Snapshot]:
    """`dataset`'s committed snapshots, oldest first, one per date (the last committed run of that date).

    `runs`: the committed run records, when the caller already read them (`committed_runs(datos)`)."""
    by_date: dict[dt.date, Snapshot] = {}
    for record in committed_runs(datos) if runs is None else runs:
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


def load_snapshots(con, snaps: list[Snapshot], table: str | None) -> dict[int, int]:
    """Materialize several snapshots of one dataset as DuckDB temp table `table`, in one Parquet read, and
    return each snapshot's row count by position (`table` None: only count the rows).

    The table has the snapshots' columns plus `snap_index` (the snapshot's position in `snaps`, 0 = first).
    Only the rows of the run each snapshot names are kept. A missing file, one whose SHA-256 differs from what
    its run recorded, or one DuckDB cannot read is a PipelineError naming the dataset, the date and the file.
    """
    import duckdb

    from common import quote_ident, sha256_file

    if not snaps:
        raise ValueError("load_snapshots needs at least one snapshot")
    for snap in snaps:
        if not snap.path.is_file():
            raise PipelineError(
                f"history: {snap.dataset} snapshot of {snap.date} (run {snap.run_id}): {snap.path} is missing; "
                "restore it (or remove its run record) before exporting"
            )
        if snap.sha256 and sha256_file(snap.path) != snap.sha256:
            raise PipelineError(
                f"history: {snap.dataset} snapshot of {snap.date}: {snap.path} differs from what run "
                f"{snap.run_id} recorded (corrupt or edited); restore it before exporting"
            )
    # a compacted month holds several snapshots in one file: read each file once (the join picks each run's rows)
    files = ", ".join(dict.fromkeys(sql_literal(str(s.path)) for s in snaps))
    index = ", ".join(f"({i}, {sql_literal(str(s.path))}, {sql_literal(s.run_id)})" for i, s in enumerate(snaps))
    rows = (
        f"select data.* exclude (filename), snaps.snap_index "
        f"from read_parquet([{files}], hive_partitioning = false, filename = true) as data "
        f"join (values {index}) as snaps(snap_index, file, run) "
        "on data.filename = snaps.file and data.run_id = snaps.run"
    )
    try:
        if table is None:
            counts = con.sql(f"select snap_index, count(*) from ({rows}) group by snap_index").fetchall()
        else:
            con.execute(f"create or replace temp table {quote_ident(table)} as {rows}")
            counts = con.sql(f"select snap_index, count(*) from {quote_ident(table)} group by snap_index").fetchall()
        return {int(i): int(n) for i, n in counts}
    except duckdb.Error as exc:
        for snap in snaps:  # say which file: read them one at a time (only on this failure path)
            try:
                con.sql(f"select count(*) from read_parquet({sql_literal(str(snap.path))})").fetchall()
            except duckdb.Error as one:
                raise PipelineError(
                    f"history: {snap.dataset} snapshot of {snap.date}: {snap.path} is unreadable "
                    f"({type(one).__name__}); restore it before exporting"
                ) from None
        raise PipelineError(f"history: cannot read the {snaps[0].dataset} snapshots ({exc})") from None

"""The committed history: which runs published, and where each dataset's snapshot of each run lives.

Readers of history (publish, the bridge export, replay, the gate's drift check, compaction, cutover) go through
this module and nothing else: a Parquet file that no committed run record lists is not data. A run record is
`<datos>/metadata/runs/<run_id>.json`; it is committed when it says `"published": true`.

Runs are ordered by the order they committed (`commit_seq`, given under the data lock by scripts/aggregate.py;
records from before it count as 0, then their `generated_at_utc`). A snapshot is one dataset's rows as one run
published them. There is at most one snapshot per dataset per date: when two committed runs share a run date,
the one that committed later owns that date's partition (it replaced the file; docs/commit.md).

`read_snapshot` verifies before it reads: the file is inside the data folder (no symlink), has the SHA-256 its
run recorded, and has the contract's schema. Anything else is a PipelineError naming the file, never data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from lib import PipelineError
from lib.contracts import HISTORY_EXTRA_COLUMNS, Column, load_contracts, schema_hash
from lib.duck import DUCKDB_TYPES, sql_literal
from lib.files import read_json, sha256_file
from lib.log import get_logger

RUNS_DIR = Path("metadata") / "runs"
COMPACTION_DIR = Path("metadata") / "compaction"
CANONICAL_TYPES = {duck: canonical for canonical, duck in DUCKDB_TYPES.items()}
_PARTITION = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/part-0000\.parquet")


@dataclass(frozen=True)
class Snapshot:
    dataset: str  # contract logical name
    run_id: str
    date: dt.date  # the run date (snapshot_date of its rows)
    path: Path  # the Parquet file holding the rows (relative paths are resolved against the data folder)
    sha256: str | None  # of that file, as the run recorded it (None where the record has none)
    datos: Path | None = None  # the data folder the record belongs to (reads never leave it)
    history_path: str | None = None  # where the run's record says it wrote the snapshot (stays so after compaction)
    # the monthly file a re-compaction is replacing, while it may still be in place (see `resolve`)
    previous_sha256: str | None = None

    def matches(self, path: Path) -> bool:
        """Whether `path` has a SHA-256 this snapshot accepts (any, when its record has none)."""
        return not self.sha256 or sha256_file(path) in {self.sha256, self.previous_sha256}


def run_records(datos: Path) -> list[dict]:
    """Every run record, in commit order (then run date and generation time); unreadable records are an error."""
    records = [read_json(p, "run record") for p in sorted((Path(datos) / RUNS_DIR).glob("*.json"))]
    return sorted(records, key=_order)


def _order(record: dict) -> tuple:
    return (record.get("commit_seq") or 0, record.get("generated_at_utc") or "", record.get("run_date") or "")


def committed_runs(datos: Path) -> list[dict]:
    """The run records that committed (published), in the order they committed."""
    return [r for r in run_records(datos) if r.get("published") is True]


def latest_committed(datos: Path) -> dict | None:
    """The record of the run whose set is the published one (the last to commit), or None."""
    runs = committed_runs(datos)
    return runs[-1] if runs else None


def next_commit_seq(datos: Path) -> int:
    """The commit sequence number of the next commit (call it under the data lock)."""
    return 1 + max((r.get("commit_seq") or 0 for r in run_records(datos)), default=0)


def _snapshot(datos: Path, record: dict, entry: dict) -> Snapshot:
    return Snapshot(
        entry["dataset_logical_name"],
        record["run_id"],
        dt.date.fromisoformat(record["run_date"]),
        Path(datos) / entry["history_path"],
        entry.get("history_sha256"),
        Path(datos),
        entry["history_path"],
    )


def snapshots(datos: Path, dataset: str, runs: list[dict] | None = None) -> list[Snapshot]:
    """`dataset`'s committed snapshots, oldest first, one per date (the last run of that date to commit), each
    where its rows are now (`resolve`: daily file, or the monthly file compaction merged it into).

    `runs`: the committed run records, when the caller already read them (`committed_runs(datos)`)."""
    by_date: dict[dt.date, Snapshot] = {}
    for record in committed_runs(datos) if runs is None else runs:
        for entry in record["datasets"]:
            if entry["dataset_logical_name"] == dataset and entry.get("history_path"):
                snap = _snapshot(datos, record, entry)
                by_date[snap.date] = snap
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
                return replace(
                    snap,
                    path=Path(datos) / record["monthly_path"],
                    sha256=record["monthly_sha256"],
                    previous_sha256=_replaced_file(datos, record),
                )
    return snap


def _replaced_file(datos: Path, record: dict) -> str | None:
    """The SHA-256 of the monthly file a re-compaction is replacing, while that file may still be in place.

    A re-compaction (a snapshot committed after its month was compacted) writes its record first, naming the old
    file in `previous_sha256`, then renames the new file over it, then removes the merged dailies. Until the
    rename the old file, which holds every snapshot merged before, is what is there; a snapshot read from it has
    its daily file gone, and the late snapshots are still read from theirs. Once no merged daily is left the
    rename is long done, and only the new file is accepted."""
    if not record.get("previous_sha256"):
        return None
    pending = any((Path(datos) / s["daily_path"]).is_file() for s in record["snapshots"] if s.get("daily_path"))
    return record["previous_sha256"] if pending else None


def snapshot_of_run(datos: Path, record: dict, dataset: str) -> Snapshot:
    """The snapshot `record`'s run wrote for `dataset`; a PipelineError when it wrote none or lost it to a later
    run of the same date."""
    entry = next((e for e in record["datasets"] if e["dataset_logical_name"] == dataset), None)
    if entry is None or not entry.get("history_path"):
        raise PipelineError(f"history: run {record['run_id']} wrote no history for {dataset} (history writes off?)")
    snap = _snapshot(datos, record, entry)
    owner = next((s for s in snapshots(datos, dataset) if s.date == snap.date), None)
    if owner is None:
        raise PipelineError(
            f"history: {dataset} snapshot of {snap.date} (run {snap.run_id}) is gone: retention deleted its month"
        )
    if owner.run_id != snap.run_id:
        raise PipelineError(
            f"history: {dataset} partition {snap.path} of {snap.date} now holds run {owner.run_id}, not "
            f"{snap.run_id}: a later run on the same day replaced that partition"
        )
    return resolve(datos, snap) or owner  # as `record` describes it, found where compaction moved it


def _why_changed(snap: Snapshot) -> str:
    """Why a snapshot's file no longer has the SHA-256 its run recorded: a later run of the same date rewrote the
    partition (the history this snapshot belonged to is gone), or the file was damaged or edited."""
    owner = next((s for s in snapshots(snap.datos, snap.dataset) if s.date == snap.date), None) if snap.datos else None
    if owner is not None and owner.run_id != snap.run_id and owner.path == snap.path and owner.matches(snap.path):
        return (
            f"now holds run {owner.run_id}, a later run of the same date, not run {snap.run_id}: what was built "
            "from the earlier history cannot be rebuilt byte for byte; replay a later run"
        )
    return f"differs from what run {snap.run_id} recorded (corrupt or edited); restore it before exporting"


def verify(snap: Snapshot) -> None:
    """A PipelineError unless the snapshot's file is a regular file inside the data folder with its recorded
    SHA-256 (missing, symlinked, truncated or replaced partitions are named, never read)."""
    what = f"history: {snap.dataset} snapshot of {snap.date} (run {snap.run_id})"
    if snap.datos is not None:
        root = Path(snap.datos).resolve()
        if snap.path.is_symlink() or not snap.path.resolve().is_relative_to(root):
            raise PipelineError(f"{what}: {snap.path} is a symlink or outside {snap.datos}: not read")
    if not snap.path.is_file():
        raise PipelineError(f"{what}: {snap.path} is missing")
    if not snap.matches(snap.path):
        raise PipelineError(
            f"{what}: {snap.path} does not match the SHA-256 its run recorded (truncated, replaced or edited): "
            "not read; `make replay` of a later run or a rerun rewrites it"
        )


def parquet_schema_hash(con, relation: str, dataset: str) -> str:
    """schema_hash of a relation's columns (names and types as DuckDB sees them, nullability from the contract;
    the run_id and snapshot_date columns are left out). A column outside the contract is a PipelineError."""
    contract = load_contracts()[dataset]
    critical = {c.name: c.critical for c in contract.columns}
    columns = []
    for name, duck_type, *_ in con.sql(f"describe {relation}").fetchall():
        if name in HISTORY_EXTRA_COLUMNS:
            continue
        if name not in critical or duck_type not in CANONICAL_TYPES:
            raise PipelineError(f"{dataset}: column {name!r} ({duck_type}) is not in the contract")
        columns.append(Column(name, CANONICAL_TYPES[duck_type], True, critical[name], "", None))
    return schema_hash(columns)


def read_snapshot(con, snap: Snapshot):
    """A DuckDB relation of the snapshot's rows (contract columns, then run_id and snapshot_date), verified first:
    checksum (`verify`), readable Parquet, the contract's schema and the run's rows only."""
    import duckdb

    verify(snap)
    what = f"history: {snap.dataset} snapshot of {snap.date} (run {snap.run_id})"
    try:
        rel = con.sql(f"select * from read_parquet({sql_literal(snap.path)}, hive_partitioning = false)")
        columns = rel.columns
    except duckdb.Error as exc:
        raise PipelineError(f"{what}: {snap.path} is unreadable (corrupt or truncated): {exc}") from None
    contract = load_contracts().get(snap.dataset)
    if contract is None:
        raise PipelineError(f"{what}: no contract named {snap.dataset!r}: not read")
    expected = [*contract.column_names, *HISTORY_EXTRA_COLUMNS]
    if columns != expected:
        raise PipelineError(f"{what}: {snap.path} has columns {columns}, the contract says {expected}: not read")
    view = f"snapshot_check_{abs(hash(snap.path)) % 10**9}"
    con.register(view, rel)
    try:
        found = parquet_schema_hash(con, view, snap.dataset)
    except PipelineError as exc:
        raise PipelineError(f"{what}: {snap.path}: {exc}: not read") from None
    finally:
        con.unregister(view)
    if found != contract.schema_hash:
        raise PipelineError(f"{what}: {snap.path} has a foreign schema (hash {found[:12]}…): not read")
    return con.sql(
        f"select * from read_parquet({sql_literal(snap.path)}, hive_partitioning = false) "
        f"where run_id = {sql_literal(snap.run_id)}"
    )


def previous(con, datos: Path, dataset: str, before: dt.date):
    """(snapshot, relation) of `dataset`'s newest committed snapshot dated strictly before `before` that reads
    back verified, or None. A bad snapshot is logged by name and skipped (it does not block later runs); when
    every earlier snapshot is bad the PipelineError of the newest is raised."""
    first_error = None
    for snap in reversed([s for s in snapshots(datos, dataset) if s.date < before]):
        try:
            return snap, read_snapshot(con, snap)
        except PipelineError as exc:
            get_logger("history").warning("%s (skipped)", exc)
            first_error = first_error or exc
    if first_error:
        raise first_error
    return None


def audit(datos: Path) -> tuple[dict[str, str], list[str]]:
    """Every file under `<datos>/history/`: (partition path -> owning run id, problems).

    A partition is owned by the last committed run listing it, and only while its SHA-256 is the one that run
    recorded. Problems name each file no committed run owns (a stray `day=16.bak`, `month=13`, a leftover of a
    run that never committed) and each listed partition that is missing or does not match its checksum.
    """
    datos = Path(datos)
    owners: dict[str, str] = {}
    problems: list[str] = []
    listed: dict[str, tuple[str, Snapshot]] = {}
    for record in committed_runs(datos):
        for entry in record["datasets"]:
            if entry.get("history_path"):
                snap = resolve(datos, _snapshot(datos, record, entry))
                if snap is not None:  # None: retention deleted it, as its compaction record says
                    listed[snap.path.relative_to(datos).as_posix()] = (record["run_id"], snap)
    for rel, (run_id, snap) in sorted(listed.items()):
        path = datos / rel
        if not path.is_file() or path.is_symlink():
            problems.append(f"{rel}: listed by run {run_id} but missing")
        elif not snap.matches(path):
            problems.append(f"{rel}: does not match the SHA-256 run {run_id} recorded")
        else:
            owners[rel] = run_id
    history = datos / "history"
    if history.is_dir():
        for path in sorted(history.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(datos).as_posix()
            if rel not in listed:
                dataset_rel = path.relative_to(history).as_posix().split("/", 1)
                shape = len(dataset_rel) == 2 and _PARTITION.fullmatch(dataset_rel[1])
                why = "no committed run lists it" if shape else "not a partition of the history layout"
                problems.append(f"{rel}: {why}: not data")
    return owners, problems


def load_snapshots(con, snaps: list[Snapshot], table: str | None) -> dict[int, int]:
    """Materialize several snapshots of one dataset as DuckDB temp table `table`, in one Parquet read, and
    return each snapshot's row count by position (`table` None: only count the rows).

    The table has the snapshots' columns plus `snap_index` (the snapshot's position in `snaps`, 0 = first).
    Only the rows of the run each snapshot names are kept. A missing file, one whose SHA-256 differs from what
    its run recorded, or one DuckDB cannot read is a PipelineError naming the dataset, the date and the file.
    """
    import duckdb

    from lib.duck import quote_ident

    if not snaps:
        raise ValueError("load_snapshots needs at least one snapshot")
    for snap in snaps:
        if not snap.path.is_file():
            raise PipelineError(
                f"history: {snap.dataset} snapshot of {snap.date} (run {snap.run_id}): {snap.path} is missing; "
                "restore it (or remove its run record) before exporting"
            )
        if not snap.matches(snap.path):
            raise PipelineError(f"history: {snap.dataset} snapshot of {snap.date}: {snap.path} {_why_changed(snap)}")
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


def main(argv: list[str] | None = None) -> int:
    """`make history-check`: list every history file no committed run owns or that fails its checksum."""
    import argparse

    from lib.cli import run_cli
    from lib.settings import settings

    def run(args_list):
        parser = argparse.ArgumentParser(description="check the history against the committed run records")
        parser.parse_args(args_list)
        datos = settings().datos
        owners, problems = audit(datos)
        for line in problems:
            print(f"history: {line}")
        print(f"history: {len(owners)} partitions owned by committed runs, {len(problems)} problem(s) in {datos}")
        return 1 if problems else 0

    return run_cli(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())

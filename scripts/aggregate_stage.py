"""The commit step's staging (docs/commit.md): the run's whole set written in $DATOS/work/<run_id>/ (latest set,
history partitions, bridge files, the datasets it carries forward) and validated there before scripts/aggregate.py
commits it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import history
from lib import SOURCES, PipelineError
from lib.contracts import Contract, load_contracts, manifest_errors
from lib.duck import copy_csv, duckdb_connect, run_sql_file, sql_literal
from lib.files import crash_point, sha256_file
from lib.settings import Settings, iso_utc, utc_now
from lib.status import check_source
from staged import read_typed_csv


def input_path(datos: Path, meta: dict) -> Path:
    """Where a file the quality report judged is (its path is relative to the data folder, or absolute)."""
    return Path(datos) / meta["path"]


def dataset_inputs(contracts: dict[str, Contract], staging: Path, work: Path) -> dict[str, Path]:
    """Where each dataset's file is before publishing: staging/<source>/ for source datasets, work/ for those the
    aggregate step computes (source "aggregate": the trend score and any other relation built from staged data)."""
    return {
        name: work / c.v1_file if c.source == "aggregate" else staging / c.source / c.v1_file
        for name, c in contracts.items()
    }


def bridge_files(datos: Path, work: Path, record: dict, pending: dict[str, history.Snapshot]) -> dict[str, bytes]:
    """The run's bridge JSON files (scripts/bridge.py, compact), built from the committed history plus the run being
    committed (`pending`: dataset -> its snapshot in the work folder, replacing a committed one of the same date).

    They join the run's latest set, so the record lists them (with SHA-256) under `dashboard_files` and publish
    copies exactly them. Sets `record["bridge"]`: whether the dashboard folder this run would publish (its CSVs,
    these files and the public run_manifest.json) passes the dashboard's asset policy, integrity minima and size
    budgets — publish refuses a set that does not. BRIDGE_EXPORT=0: no files, and the record says the export was off.
    """
    import bridge

    if not bridge.enabled():
        record["bridge"] = {"valid": False, "problems": ["bridge export off (BRIDGE_EXPORT=0)"]}
        return {}
    runs = history.committed_runs(datos)
    snapshots = bridge.committed_snapshots(datos)
    for name, snap in pending.items():
        kept = [s for s in snapshots.get(name, []) if s.date != snap.date]
        snapshots[name] = sorted([*kept, snap], key=lambda s: s.date)
    con = duckdb_connect()
    files = bridge.build(snapshots, record, "compact", con)
    folder = {p.name: p.read_bytes() for p in (work / "latest").iterdir() if p.name in bridge.CSV_FILES}
    folder.update(files)
    folder["run_manifest.json"] = bridge.render(bridge.public_manifest(record, snapshots, con))
    problems = bridge.check_integrity(folder, bridge.expects_previous(runs, record)) + bridge.check_budgets(folder)
    record["bridge"] = {"valid": not problems, "problems": problems}
    return files


def source_docs(staging: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    source_status, sources_doc = {}, {}
    for source in SOURCES:
        doc, problems = check_source(staging / source)
        if doc is not None:
            source_status[source] = doc
        sources_doc[source] = {"status": doc["status"] if doc else "missing", "problems": problems}
    return source_status, sources_doc


def source_window(source_status: dict[str, dict], cfg) -> tuple[str, str]:
    windows = {(d["window_start_utc"], d["window_end_utc"]) for d in source_status.values()}
    if len(windows) > 1:
        raise PipelineError(f"staged sources disagree on the window: {sorted(windows)}; re-run the extractions")
    if windows:
        return windows.pop()
    start, end = cfg.window
    return iso_utc(start), iso_utc(end)


def stage_run(cfg: Settings, report: dict, work: Path, history_on: bool, timings: dict) -> tuple[list[dict], list[str]]:
    """Write the run's latest CSVs and history partitions into `work` (the run folder). Returns the dataset
    entries of the record and the partitions (paths relative to the data folder)."""
    contracts = load_contracts()
    con = duckdb_connect()
    datasets, partitions = [], []
    generated = utc_now()
    for name, meta in report["inputs"].items():
        clock = time.perf_counter()
        contract = contracts[name]
        read_typed_csv(con, input_path(cfg.datos, meta), contract).create("dataset")
        snapshot = run_sql_file(
            con, "history_snapshot.sql", {"run_id": cfg.run_id, "snapshot_date": cfg.run_date.isoformat()}
        )
        snapshot.create_view("snapshot")
        latest = work / "latest" / contract.v1_file
        latest.parent.mkdir(parents=True, exist_ok=True)
        writer = copy_csv(con, "dataset", contract.columns, latest)
        entry = {
            "dataset_logical_name": name,
            "version_semver": contract.version,
            "generated_at_utc": generated,
            "source_run_id": cfg.run_id,
            "schema_hash": history.parquet_schema_hash(con, "snapshot", name),
            "row_count": con.sql("select count(*) from dataset").fetchall()[0][0],
            "quality_status": report["datasets"].get(name, "fail"),
            "latest_path": contract.raw["latest_path"],
            "sha256": sha256_file(latest),
            "csv_writer": writer,  # duckdb, or python where DuckDB would quote differently (lib.duck.copy_csv)
            "history_path": None,
        }
        if history_on:
            rel = contract.history_path(cfg.datos, cfg.run_date).relative_to(cfg.datos).as_posix()
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"copy snapshot to {sql_literal(target)} (format parquet, compression zstd, compression_level 1)"
            )
            entry["history_path"] = rel
            entry["history_sha256"] = sha256_file(target)
            partitions.append(rel)
        datasets.append(entry)
        con.execute("drop view snapshot")
        con.execute("drop table dataset")
        timings[f"stage_{name}"] = round(time.perf_counter() - clock, 3)
    con.close()
    crash_point("after_staging")
    return datasets, partitions


def carry_forward(datos: Path, work: Path, produced: set[str]) -> list[dict]:
    """The previous published set's files for datasets this run did not produce (their source unavailable):
    copied into the run's latest set, checked against the checksum the previous run recorded."""
    previous = history.latest_committed(datos)
    if previous is None:
        return []
    carried = []
    entries = [
        {**e, "from_run_id": previous["run_id"]}
        for e in previous["datasets"]
        if e.get("latest_path") and e.get("sha256")
    ]
    entries += previous.get("carried_forward", [])
    for entry in entries:
        name = Path(entry["latest_path"]).name
        if entry["dataset_logical_name"] in produced or (work / "latest" / name).exists():
            continue
        source = datos / entry["latest_path"]
        if not source.is_file() or source.is_symlink() or sha256_file(source) != entry["sha256"]:
            raise PipelineError(
                f"aggregate: {source} (kept from run {entry['from_run_id']}) differs from what that run recorded: "
                f"restore it with `make replay RUN_ID={entry['from_run_id']}`, or re-run with every source"
            )
        shutil.copyfile(source, work / "latest" / name)
        carried.append(
            {
                "dataset_logical_name": entry["dataset_logical_name"],
                "from_run_id": entry["from_run_id"],
                "latest_path": entry["latest_path"],
                "sha256": entry["sha256"],
            }
        )
    return carried


def validate(cfg: Settings, work: Path, record: dict) -> None:
    """Re-read everything staged in `work` as a reader will: each latest CSV with its contract types (row count,
    checksum), each partition through history.read_snapshot (checksum, columns, schema hash, the run's rows)."""
    import duckdb

    contracts = load_contracts()
    con = duckdb_connect()
    for entry in record["datasets"]:
        name = entry["dataset_logical_name"]
        latest = work / "latest" / Path(entry["latest_path"]).name
        problems = []
        if sha256_file(latest) != entry["sha256"]:
            problems.append(f"{latest} changed after it was written")
        try:
            rows = read_typed_csv(con, latest, contracts[name]).count("*").fetchall()[0][0]
        except duckdb.Error as exc:
            raise PipelineError(
                f"aggregate: {name}: {latest} does not read back with its contract types: {exc}"
            ) from None
        if rows != entry["row_count"]:
            problems.append(f"{latest} reads back {rows} rows, not {entry['row_count']}")
        if entry["schema_hash"] != contracts[name].schema_hash:
            problems.append(f"schema hash {entry['schema_hash'][:12]}… is not the contract's")
        if entry["history_path"]:
            snap = history.Snapshot(
                name, cfg.run_id, cfg.run_date, work / entry["history_path"], entry["history_sha256"], work
            )
            stored = history.read_snapshot(con, snap).count("*").fetchall()[0][0]
            if stored != entry["row_count"]:
                problems.append(f"{snap.path} holds {stored} rows of this run, not {entry['row_count']}")
        if problems:
            raise PipelineError(f"aggregate: {name} failed validation in {work}: " + "; ".join(problems))
    for name, sha in record["dashboard_files"].items():
        if sha256_file(work / "latest" / name) != sha:
            raise PipelineError(f"aggregate: {work / 'latest' / name} changed after it was written")
    problems = manifest_errors(record)
    if problems:
        raise PipelineError("run record does not match contracts/run_manifest.schema.json: " + "; ".join(problems))
    con.close()

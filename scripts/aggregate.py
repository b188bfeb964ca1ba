"""Aggregate a run: staged sources + trend score -> quality gate -> dual write -> run manifest.

Reads datos/staging/<source>/ (trusted only where _source_status.json checksums match), the degradation
decision and the computed trend score from datos/work/, runs the quality gate, and only if publishing is
allowed writes, in this order:

  1. history   datos/history/<dataset>/year=YYYY/month=MM/day=DD/part-0000.parquet  (HISTORY_WRITES=0 skips)
  2. latest    datos/latest/<V1 file>.csv, switched as one directory
  3. V1 copies datos/<V1 file>.csv                                               (LEGACY_V1_COPIES=0 skips)
  4. manifest  datos/metadata/runs/<run_id>.json, then datos/metadata/run_manifest.json

Every run, published or not, leaves datos/metadata/runs/<run_id>.json and datos/metadata/quality/<run_id>.json.
Exit 0 when the run published, 1 when it did not (quality gate or degradation said fail).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import time
from pathlib import Path

import quality_gate
import staged
from common import (
    HISTORY_EXTRA_COLUMNS,
    ROOT,
    SOURCES,
    Column,
    Contract,
    PipelineError,
    Settings,
    atomic_path,
    atomic_write_bytes,
    check_source,
    crash_point,
    csv_row_count,
    duckdb_connect,
    get_logger,
    iso_utc,
    load_contracts,
    manifest_errors,
    quote_ident,
    read_json,
    recover_dir,
    render_csv,
    run_cli,
    run_sql_file,
    schema_hash,
    settings,
    sha256_file,
    sql_literal,
    switch_dir,
    utc_now,
    write_json,
)

log = get_logger("aggregate")

DUCKDB_TO_CANONICAL = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "DOUBLE": "float",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def flag(name: str, default: bool = True) -> bool:
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise PipelineError(f"{name}={value!r}: use 1 or 0")


def git_identity() -> tuple[str, str]:
    """(sha, branch) from CI variables, else from git, else 'unknown'."""

    def git(*args: str) -> str:
        with contextlib.suppress(OSError):
            result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
            if result.returncode == 0:
                return result.stdout.strip()
        return ""

    sha = os.environ.get("GITHUB_SHA") or git("rev-parse", "HEAD") or "unknown"
    branch = os.environ.get("GITHUB_REF_NAME") or git("rev-parse", "--abbrev-ref", "HEAD") or "unknown"
    return sha, ("detached" if branch == "HEAD" else branch)


def dataset_inputs(contracts: dict[str, Contract], staging: Path, work: Path) -> dict[str, Path]:
    """Where each dataset's file is before publishing: staging/<source>/ for source datasets, work/ for those the
    aggregate step computes (source "aggregate": the trend score and any other relation built from staged data)."""
    return {
        name: work / c.v1_file if c.source == "aggregate" else staging / c.source / c.v1_file
        for name, c in contracts.items()
    }


def file_schema_hash(con, relation_name: str, contract: Contract) -> str:
    """schema_hash of what is being written: names and types as DuckDB sees them, nullability from the contract
    (files cannot say it: every Parquet column DuckDB writes is optional)."""
    critical = {c.name: c.critical for c in contract.columns}
    described = con.sql(f"describe {relation_name}").fetchall()
    columns = []
    for name, duck_type, *_ in described:
        if name in HISTORY_EXTRA_COLUMNS:
            continue
        if name not in critical or duck_type not in DUCKDB_TO_CANONICAL:
            raise PipelineError(f"{contract.name}: column {name!r} ({duck_type}) is not in the contract")
        columns.append(Column(name, DUCKDB_TO_CANONICAL[duck_type], True, critical[name], "", None))
    return schema_hash(columns)


# --------------------------------------------------------------------------- the run


def aggregate(cfg: Settings, staging: Path, trend_score: Path, degradation_file: Path) -> int:
    import duckdb

    datos = cfg.datos
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = round(now - clock, 3)
        clock = now

    recover_dir(datos / "latest")
    contracts = load_contracts()
    history_on = flag("HISTORY_WRITES")
    legacy_on = flag("LEGACY_V1_COPIES")

    source_status: dict[str, dict] = {}
    sources_doc: dict[str, dict] = {}
    for source in SOURCES:
        doc, problems = check_source(staging / source)
        if doc is not None:
            source_status[source] = doc
        sources_doc[source] = {"status": doc["status"] if doc else "missing", "problems": problems}
    degradation = read_json(degradation_file, "degradation decision")
    available = set(degradation["available"])
    lap("read_inputs")

    inputs = dataset_inputs(contracts, staging, trend_score.parent)
    checked = {
        name: path
        for name, path in inputs.items()
        if contracts[name].source == "aggregate" or contracts[name].source in available
    }
    if degradation["decision"] == "fail":
        checked = {}
    parsed = staged.load_all(contracts, checked)  # parsed once: the gate judges and the writer writes these tables
    report = quality_gate.evaluate(
        parsed, datos=datos, run_date=cfg.run_date, source_status=source_status, degradation=degradation, now=cfg.as_of
    )
    write_json(datos / "metadata" / "quality" / f"{cfg.run_id}.json", report)
    for line in quality_gate.summary_lines(report):
        log.info("gate: %s", line)
    lap("quality_gate")

    publish = report["status"] != "fail" and degradation["decision"] != "fail"
    con = duckdb_connect()
    datasets = []
    latest_files: dict[str, bytes] = {}
    generated = utc_now()
    for name, path in checked.items():
        contract = contracts[name]
        entry = {
            "dataset_logical_name": name,
            "version_semver": contract.version,
            "generated_at_utc": generated,
            "source_run_id": cfg.run_id,
            "schema_hash": contract.schema_hash,
            "row_count": csv_row_count(path) if path.is_file() else 0,
            "quality_status": report["datasets"].get(name, "fail"),
            "latest_path": None,
            "history_path": None,
        }
        datasets.append(entry)
        if not publish:
            continue
        con.register("dataset", parsed[name].table)
        snapshot = (
            run_sql_file(con, "history_snapshot.sql", {"run_id": cfg.run_id, "snapshot_date": cfg.run_date.isoformat()})
            .arrow()
            .read_all()
        )
        con.register("snapshot", snapshot)
        entry["schema_hash"] = file_schema_hash(con, "snapshot", contract)
        rows = con.sql(f"select {', '.join(quote_ident(c) for c in contract.column_names)} from snapshot").fetchall()
        latest_files[contract.v1_file] = render_csv(contract.column_names, rows)
        entry["latest_path"] = contract.raw["latest_path"]
        if history_on:
            target = contract.history_path(datos, cfg.run_date)
            with atomic_path(target) as tmp:
                con.execute(f"copy snapshot to {sql_literal(tmp)} (format parquet, compression zstd)")
            entry["history_path"] = target.relative_to(datos).as_posix()
            crash_point("after_history_partition")
        con.unregister("dataset")
        con.unregister("snapshot")
    lap("history" if history_on else "prepare")

    if publish:
        switch_dir(datos / "latest", latest_files, cfg.run_id)
        # the written files are what the manifest describes
        for entry in datasets:
            written = datos / entry["latest_path"]
            entry["row_count"] = csv_row_count(written)
            entry["sha256"] = sha256_file(written)
        lap("latest")
        crash_point("after_latest")
        if legacy_on:
            for v1_file, data in latest_files.items():
                atomic_write_bytes(datos / v1_file, data)
        lap("v1_copies")

    start, end = _window({s: d for s, d in source_status.items() if s in available}, cfg)
    sha, branch = git_identity()
    manifest = {
        "run_id": cfg.run_id,
        "run_date": cfg.run_date.isoformat(),
        "generated_at_utc": utc_now(),
        "git_sha": sha,
        "branch": branch,
        "source_window_start_utc": start,
        "source_window_end_utc": end,
        "quality_gate_status": report["status"] if degradation["decision"] != "fail" else "fail",
        "published": publish,
        "datasets": datasets,
        "sources": sources_doc,
        "degradation": {k: degradation[k] for k in ("available", "unavailable", "weights", "decision", "reason")},
        "flags": {"history_writes": history_on, "legacy_v1_copies": legacy_on},
        "quality_report": f"metadata/quality/{cfg.run_id}.json",
        "duckdb_version": duckdb.__version__,
        "durations_seconds": timings,
    }
    problems = manifest_errors(manifest)
    if problems:
        raise PipelineError("run manifest does not match contracts/run_manifest.schema.json: " + "; ".join(problems))
    write_json(datos / "metadata" / "runs" / f"{cfg.run_id}.json", manifest)
    if publish:
        write_json(datos / "metadata" / "run_manifest.json", manifest)
        print(
            f"aggregate: run {cfg.run_id} published {len(datasets)} datasets "
            f"({manifest['quality_gate_status']}) to {datos}/latest"
        )
        return 0
    why = degradation["reason"] if degradation["decision"] == "fail" else "the quality gate failed"
    print(
        f"aggregate: run {cfg.run_id} did NOT publish ({why}); the latest data is as it was; "
        f"see {datos}/metadata/runs/{cfg.run_id}.json"
    )
    return 1


def _window(source_status: dict[str, dict], cfg) -> tuple[str, str]:
    windows = {(d["window_start_utc"], d["window_end_utc"]) for d in source_status.values()}
    if len(windows) > 1:
        raise PipelineError(f"staged sources disagree on the window: {sorted(windows)}; re-run the extractions")
    if windows:
        return windows.pop()
    start, end = cfg.window
    return iso_utc(start), iso_utc(end)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staging", type=Path, help="staged sources (default $DATOS/staging)")
    parser.add_argument("--trend-score", type=Path, help="computed trend score (default $DATOS/work/trend_score.csv)")
    parser.add_argument("--degradation", type=Path, help="decision (default $DATOS/work/degradation.json)")
    args = parser.parse_args(argv)
    cfg = settings()
    work = cfg.datos / "work"
    return aggregate(
        cfg,
        args.staging or cfg.datos / "staging",
        args.trend_score or work / "trend_score.csv",
        args.degradation or work / "degradation.json",
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

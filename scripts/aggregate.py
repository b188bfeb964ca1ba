"""Aggregate a run in two Make-visible steps: the quality report, then the commit (docs/commit.md).

  aggregate.py quality --output $DATOS/work/quality.json
      the quality gate on the staged sources + trend score the degradation decision lets in, with the SHA-256
      of every file it judged (the report `make gate` shows and the commit step checks).
  aggregate.py commit --quality $DATOS/work/quality.json
      holding the data lock: recover what an interrupted writer left; if the gate and the decision allow it,
      stage the whole run in $DATOS/work/<run_id>/ (latest set, history partitions, record), validate it there
      (every file re-read with its contract types, schema hash, row counts, checksums), and commit it with one
      commit point, the run record metadata/runs/<run_id>.json (scripts/commit.py). Then latest/ holds exactly
      the run's set, the V1 copies and metadata/run_manifest.json follow.
  aggregate.py gate --quality $DATOS/work/quality.json [--report FILE]
      `make gate`: print the report's summary (exit 1 when it fails).
  aggregate.py
      quality then commit, in one process (tests, a person at the prompt).

Every run, published or not, leaves metadata/runs/<run_id>.json and metadata/quality/<run_id>.json.
Exit 0 when the run published, 1 when it did not (quality gate or degradation said fail), 2 on an error.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import ci_runtime
import commit
import history
import quality_gate
import staged
import trend_engine
from lib import SOURCES, PipelineError
from lib.cli import git_identity, run_cli
from lib.contracts import Contract, load_contracts, manifest_errors
from lib.duck import copy_csv, duckdb_connect, run_sql_file, sql_literal
from lib.files import crash_point, data_lock, dumps_json, read_json, sha256_file, write_json
from lib.log import get_logger
from lib.settings import Settings, iso_utc, read, settings, utc_now
from lib.status import check_source
from staged import read_typed_csv

log = get_logger("aggregate")


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


# --------------------------------------------------------------------------- step 1: the quality report


def quality_report(cfg: Settings, staging: Path, trend_score: Path, degradation_file: Path) -> dict:
    """The run's quality report: the gate on the files the degradation decision lets in, plus `inputs` (each
    judged file's path and SHA-256) and the decision itself, so the commit step can check it judges the same."""
    clock = time.perf_counter()
    contracts = load_contracts()
    source_status = {}
    for source in SOURCES:
        doc, _problems = check_source(staging / source)
        if doc is not None:
            source_status[source] = doc
    degradation = read_json(degradation_file, "degradation decision")
    available = set(degradation["available"])
    inputs = dataset_inputs(contracts, staging, trend_score.parent)
    checked = {
        name: path
        for name, path in inputs.items()
        if degradation["decision"] != "fail"
        and (contracts[name].source == "aggregate" or contracts[name].source in available)
    }
    # parsed once with the contract's types: the gate judges these tables, and the commit step re-reads the same
    # bytes (their SHA-256 is in the report) through the same parser (staged.read_typed_csv -> staged.load)
    parsed = staged.load_all(contracts, checked)
    report = quality_gate.evaluate(
        parsed,
        datos=cfg.datos,
        run_date=cfg.run_date,
        source_status=source_status,
        degradation=degradation,
        now=cfg.as_of,
    )
    report = quality_gate.apply_mode(report, quality_gate.configured_mode())  # QUALITY_GATE=warn-only: none blocks
    report["trend_engine"] = trend_engine.recorded_engine(trend_score)  # TREND_ENGINE: which engine scored, v2/v1
    report["inputs"] = {
        name: {"path": _shown(cfg.datos, path), "sha256": sha256_file(path) if path.is_file() else None}
        for name, path in checked.items()
    }
    report["degradation"] = degradation
    report["run_date"] = cfg.run_date.isoformat()
    report["duration_seconds"] = round(time.perf_counter() - clock, 3)
    return report


def _shown(datos: Path, path: Path) -> str:
    """A judged file's path as the report keeps it: relative to the data folder when inside it."""
    try:
        return Path(path).relative_to(datos).as_posix()
    except ValueError:
        return str(path)


def input_path(datos: Path, meta: dict) -> Path:
    """Where a file the quality report judged is (its path is relative to the data folder, or absolute)."""
    return Path(datos) / meta["path"]


def _check_report_is_current(report: dict, cfg: Settings, quality_file: Path) -> None:
    stale = []
    for name, meta in report["inputs"].items():
        path = input_path(cfg.datos, meta)
        if (sha256_file(path) if path.is_file() else None) != meta["sha256"]:
            stale.append(name)
    if report.get("run_date") != cfg.run_date.isoformat():
        stale.append(f"run date {report.get('run_date')}")
    if stale:
        raise PipelineError(
            f"aggregate: the quality report {quality_file} judged other files than are staged now "
            f"({', '.join(stale)}): rebuild it (`make gate`, or `make aggregate` does it)"
        )


# --------------------------------------------------------------------------- step 2: stage, validate, commit


def _source_docs(staging: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    source_status, sources_doc = {}, {}
    for source in SOURCES:
        doc, problems = check_source(staging / source)
        if doc is not None:
            source_status[source] = doc
        sources_doc[source] = {"status": doc["status"] if doc else "missing", "problems": problems}
    return source_status, sources_doc


def _window(source_status: dict[str, dict], cfg) -> tuple[str, str]:
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


def commit_run(cfg: Settings, staging: Path, report: dict, quality_file: Path | None) -> int:
    import duckdb

    datos = cfg.datos
    timings: dict[str, float] = {"quality_gate": report.get("duration_seconds", 0.0)}
    clock = time.perf_counter()
    history_on = read("HISTORY_WRITES")
    legacy_on = read("LEGACY_V1_COPIES")
    with data_lock(datos, f"aggregate run {cfg.run_id}"):
        for line in commit.recover(datos):
            print(f"aggregate: recovery: {line}")
        existing = commit.record_path(datos, cfg.run_id)
        if existing.is_file() and read_json(existing, "run record").get("published") is True:
            raise PipelineError(
                f"aggregate: run {cfg.run_id} is already committed ({existing}): a new run needs a new RUN_ID "
                "(leave RUN_ID unset to get one)"
            )
        if quality_file is not None:
            _check_report_is_current(report, cfg, quality_file)
        degradation = report["degradation"]
        write_json(datos / "metadata" / "quality" / f"{cfg.run_id}.json", report)
        for line in _summary(report):
            log.info("gate: %s", line)
        source_status, sources_doc = _source_docs(staging)
        available = set(degradation["available"])
        publish = report["status"] != "fail" and degradation["decision"] != "fail"
        timings["checks"] = round(time.perf_counter() - clock, 3)
        work = commit.run_dir(datos, cfg.run_id)
        try:
            shutil.rmtree(work, ignore_errors=True)
            datasets, partitions, carried, pending = [], [], [], {}
            if publish:
                datasets, partitions = stage_run(cfg, report, work, history_on, timings)
                carried = carry_forward(datos, work, {d["dataset_logical_name"] for d in datasets})
                pending = {
                    d["dataset_logical_name"]: history.Snapshot(
                        d["dataset_logical_name"],
                        cfg.run_id,
                        cfg.run_date,
                        work / d["history_path"],
                        d["history_sha256"],
                        work,
                        d["history_path"],
                    )
                    for d in datasets
                    if d["history_path"]
                }
            else:
                contracts = load_contracts()
                for name in report["inputs"]:
                    datasets.append(
                        {
                            "dataset_logical_name": name,
                            "version_semver": contracts[name].version,
                            "generated_at_utc": utc_now(),
                            "source_run_id": cfg.run_id,
                            "schema_hash": contracts[name].schema_hash,
                            "row_count": 0,
                            "quality_status": report["datasets"].get(name, "fail"),
                            "latest_path": None,
                            "history_path": None,
                        }
                    )
            start, end = _window({s: d for s, d in source_status.items() if s in available}, cfg)
            sha, branch = git_identity()
            record = {
                "run_id": cfg.run_id,
                "run_date": cfg.run_date.isoformat(),
                "generated_at_utc": utc_now(),
                "git_sha": sha,
                "branch": branch,
                "source_window_start_utc": start,
                "source_window_end_utc": end,
                "quality_gate_status": report["status"] if degradation["decision"] != "fail" else "fail",
                **quality_gate.record_fields(
                    report
                ),  # the gate mode, loudly: warn-only and the status it would have had
                "trend_engine": report.get("trend_engine"),
                "published": publish,
                "datasets": datasets,
                "carried_forward": carried,
                "dashboard_files": {},
                "sources": sources_doc,
                "degradation": {
                    k: degradation[k] for k in ("available", "unavailable", "weights", "decision", "reason")
                },
                "flags": {"history_writes": history_on, "legacy_v1_copies": legacy_on},
                "quality_report": f"metadata/quality/{cfg.run_id}.json",
                "duckdb_version": duckdb.__version__,
                "durations_seconds": timings,
            }
            record.update(ci_runtime.attach(datos, cfg.run_id))  # in the workflow: the run's job timings (docs/ci.md)
            if not publish:
                problems = manifest_errors(record)
                if problems:
                    raise PipelineError(
                        "run record does not match contracts/run_manifest.schema.json: " + "; ".join(problems)
                    )
                write_json(commit.record_path(datos, cfg.run_id), record)
                why = degradation["reason"] if degradation["decision"] == "fail" else "the quality gate failed"
                print(
                    f"aggregate: run {cfg.run_id} did NOT publish ({why}); the latest data is as it was; "
                    f"see {datos}/metadata/runs/{cfg.run_id}.json"
                )
                return 1
            extra = bridge_files(datos, work, record, pending)
            for name, data in extra.items():
                if (work / "latest" / name).exists() or "/" in name:
                    raise PipelineError(f"aggregate: bridge file {name!r} clashes with the run's set")
                (work / "latest" / name).write_bytes(data)
            record["dashboard_files"] = {name: sha256_file(work / "latest" / name) for name in sorted(extra)}
            record["commit_seq"] = history.next_commit_seq(datos)
            clock = time.perf_counter()
            validate(cfg, work, record)
            timings["validate"] = round(time.perf_counter() - clock, 3)
            v1_files = sorted(
                Path(e["latest_path"]).name for e in [*record["datasets"], *record["carried_forward"]] if legacy_on
            )
            commit.commit(datos, cfg.run_id, dumps_json(record).encode("utf-8"), partitions, v1_files)
        except BaseException:
            commit.discard_unjournaled(datos, cfg.run_id)  # a journaled commit is the next recovery's to finish
            raise
    print(
        f"aggregate: run {cfg.run_id} published {len(datasets)} datasets "
        f"({record['quality_gate_status']}) to {datos}/latest"
    )
    return 0


def _summary(report: dict) -> list[str]:
    return quality_gate.summary_lines(report)


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "step", nargs="?", choices=("quality", "commit", "gate"), help="one step (default: quality then commit)"
    )
    parser.add_argument("--staging", type=Path, help="staged sources (default $DATOS/staging)")
    parser.add_argument("--trend-score", type=Path, help="computed trend score (default $DATOS/work/trend_score.csv)")
    parser.add_argument("--degradation", type=Path, help="decision (default $DATOS/work/degradation.json)")
    parser.add_argument("--output", type=Path, help="quality: where the report goes (default $DATOS/work/quality.json)")
    parser.add_argument("--quality", type=Path, help="commit: the quality report (default $DATOS/work/quality.json)")
    parser.add_argument("--report", type=Path, help="gate: also copy the report here")
    args = parser.parse_args(argv)
    cfg = settings()
    work = cfg.datos / "work"
    staging = args.staging or cfg.datos / "staging"
    trend = args.trend_score or work / "trend_score.csv"
    decision = args.degradation or work / "degradation.json"
    if args.step == "quality":
        report = quality_report(cfg, staging, trend, decision)
        output = args.output or work / "quality.json"
        write_json(output, report)
        log.info("quality report %s: %s", output, report["status"])
        return 0
    if args.step == "gate":  # `make gate`: show the report the run commits by; exit 1 when it fails
        report = read_json(args.quality or work / "quality.json", "quality report")
        print("\n".join(_summary(report)))
        if args.report:
            write_json(args.report, report)
        return 1 if report["status"] == "fail" or report["degradation"]["decision"] == "fail" else 0
    if args.step == "commit":
        quality_file = args.quality or work / "quality.json"
        report = read_json(quality_file, "quality report")
        return commit_run(cfg, staging, report, quality_file)
    return commit_run(cfg, staging, quality_report(cfg, staging, trend, decision), None)


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

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
The run's staging in work/<run_id>/ and its validation there are scripts/aggregate_stage.py.
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
from aggregate_stage import (
    bridge_files,
    carry_forward,
    dataset_inputs,
    input_path,
    source_docs,
    source_window,
    stage_run,
    validate,
)
from lib import SOURCES, PipelineError
from lib.cli import git_identity, run_cli
from lib.contracts import load_contracts, manifest_errors
from lib.files import data_lock, dumps_json, read_json, sha256_file, write_json
from lib.log import get_logger
from lib.settings import Settings, read, settings, utc_now
from lib.status import check_source

log = get_logger("aggregate")


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
        source_status, sources_doc = source_docs(staging)
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
            start, end = source_window({s: d for s, d in source_status.items() if s in available}, cfg)
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

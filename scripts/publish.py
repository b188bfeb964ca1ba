"""Publish the latest published run to the dashboard folder: the V1 CSVs, the run manifest, and JSON for charts.

Reads datos/metadata/run_manifest.json (written only by runs that the quality gate let publish), checks every
latest file against the SHA-256 the run recorded, and switches the dashboard folder in one step:
  <V1 file>.csv        the latest CSVs, unchanged (V1 readers keep working)
  run_manifest.json    what run produced them and how it went
  trend_score.json     the latest trend score as records
  trend_history.json   every trend score snapshot in the history, oldest first
"""

from __future__ import annotations

import argparse
from pathlib import Path

import history
from common import (
    PipelineError,
    duckdb_connect,
    dumps_json,
    load_contract,
    read_json,
    read_typed_csv,
    recover_dir,
    run_cli,
    run_sql_file,
    settings,
    sha256_file,
    sql_literal,
    switch_dir,
)


def records(rel) -> list[dict]:
    columns = rel.columns
    return [dict(zip(columns, [_jsonable(v) for v in row], strict=True)) for row in rel.fetchall()]


def _jsonable(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def dashboard_files(datos: Path) -> dict[str, bytes]:
    manifest_path = datos / "metadata" / "run_manifest.json"
    if not manifest_path.is_file():
        raise PipelineError(f"publish: {manifest_path} does not exist: no run has published yet (run `make aggregate`)")
    manifest = read_json(manifest_path, "run manifest")
    if not manifest.get("published") or manifest["quality_gate_status"] == "fail":
        raise PipelineError(f"publish: run {manifest['run_id']} was not allowed to publish")
    files: dict[str, bytes] = {}
    latest = datos / "latest"
    for dataset in manifest["datasets"]:
        path = datos / dataset["latest_path"]
        if not path.is_file() or sha256_file(path) != dataset["sha256"]:
            raise PipelineError(
                f"publish: {path} is missing or differs from what run {manifest['run_id']} wrote; "
                "re-run `make aggregate` (or `make replay`)"
            )
    for path in sorted(latest.glob("*.csv")):
        files[path.name] = path.read_bytes()
    files["run_manifest.json"] = manifest_path.read_bytes()

    con = duckdb_connect()
    trend = read_typed_csv(con, latest / "trend_score.csv", load_contract("trend_score"))
    files["trend_score.json"] = dumps_json(
        {
            "run_id": manifest["run_id"],
            "run_date": manifest.get("run_date"),
            "quality_gate_status": manifest["quality_gate_status"],
            "rows": records(trend),
        }
    ).encode("utf-8")
    # the committed snapshots, each from its daily file or from the monthly file compaction merged it into
    committed = history.snapshots(datos, "trend_score")
    snapshots: dict[str, dict] = {}
    if committed:
        parquet_files = sorted({snap.path for snap in committed})
        con.sql(
            "create view trend_history as select * from read_parquet("
            f"[{', '.join(sql_literal(p) for p in parquet_files)}], hive_partitioning = false) "
            f"where run_id in ({', '.join(sql_literal(snap.run_id) for snap in committed)})"
        )
        for row in records(run_sql_file(con, "trend_history.sql")):
            # the arguments are evaluated for every row: each row loses its snapshot_date and run_id here
            snap = snapshots.setdefault(row.pop("snapshot_date"), {"run_id": row.pop("run_id"), "rows": []})
            snap["rows"].append(row)
    files["trend_history.json"] = dumps_json(
        {"snapshots": [{"date": date, **snap} for date, snap in sorted(snapshots.items())]}
    ).encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="dashboard data folder (frontend/assets/data)")
    args = parser.parse_args(argv)
    datos = settings().datos
    files = dashboard_files(datos)
    recover_dir(args.out)
    switch_dir(args.out, files, "publish")
    print(f"publish: {len(files)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""Rebuild the latest CSVs exactly as a past run published them, from its manifest and history partitions.

Each file is rendered by the same writer the aggregate step used and checked against the SHA-256 the run
recorded, so a replay either matches byte for byte or says which file differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from pathlib import Path

import history
from common import (
    HISTORY_EXTRA_COLUMNS,
    PipelineError,
    atomic_write_bytes,
    duckdb_connect,
    parse_run_id,
    read_json,
    render_csv,
    run_cli,
    settings,
    sql_literal,
)


def replay(datos: Path, run_id: str, out: Path) -> list[Path]:
    import duckdb

    manifest_path = datos / "metadata" / "runs" / f"{run_id}.json"
    if not manifest_path.is_file():
        known = sorted(p.stem for p in (datos / "metadata" / "runs").glob("*.json"))
        hint = f"known runs: {', '.join(known[-5:])}" if known else "no run has been recorded yet"
        raise PipelineError(f"replay: unknown run id {run_id} (no {manifest_path}); {hint}")
    manifest = read_json(manifest_path, "run manifest")
    if not manifest.get("published"):
        raise PipelineError(
            f"replay: run {run_id} did not publish (quality gate {manifest['quality_gate_status']}): nothing to replay"
        )
    con = duckdb_connect()
    rebuilt: dict[Path, bytes] = {}
    for dataset in manifest["datasets"]:
        name = dataset["dataset_logical_name"]
        if not dataset["history_path"]:
            raise PipelineError(f"replay: run {run_id} wrote no history for {name} (history writes were off)")
        snap = history.resolve(  # the daily partition, or the monthly file compaction merged it into
            datos,
            history.Snapshot(
                name,
                run_id,
                dt.date.fromisoformat(manifest["run_date"]),
                datos / dataset["history_path"],
                dataset.get("history_sha256"),
            ),
        )
        if snap is None:
            raise PipelineError(f"replay: {name}: run {run_id}'s snapshot was deleted by retention (make compact)")
        partition = snap.path
        if not partition.is_file():
            raise PipelineError(f"replay: {name}: history partition {partition} is missing")
        try:
            columns = con.sql(
                f"select * from read_parquet({sql_literal(partition)}, hive_partitioning = false)"
            ).columns
            stored = history.read_snapshot(con, snap).fetchall()
            if not stored and partition == datos / dataset["history_path"]:  # a daily file of another run: whose?
                stored = con.sql(f"select * from read_parquet({sql_literal(partition)}, hive_partitioning = false)")
                stored = stored.fetchall()
        except duckdb.Error as exc:
            raise PipelineError(f"replay: {name}: {partition} is unreadable (corrupt or truncated): {exc}") from None
        if columns[-len(HISTORY_EXTRA_COLUMNS) :] != list(HISTORY_EXTRA_COLUMNS):
            raise PipelineError(f"replay: {name}: {partition} lacks the run_id and snapshot_date columns")
        width = len(columns) - len(HISTORY_EXTRA_COLUMNS)
        runs = {str(row[width]) for row in stored}
        if runs != {run_id}:
            raise PipelineError(
                f"replay: {name}: {partition} now holds run {', '.join(sorted(runs))}, "
                f"not {run_id}: a later run on the same day replaced that partition"
            )
        data = render_csv(columns[:width], [row[:width] for row in stored])
        if hashlib.sha256(data).hexdigest() != dataset.get("sha256"):
            raise PipelineError(f"replay: {name}: rebuilt file differs from what run {run_id} published")
        rebuilt[out / Path(dataset["latest_path"]).name] = data
    for target, data in rebuilt.items():  # only once every file is proven identical
        atomic_write_bytes(target, data)
    return list(rebuilt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-id", required=True, help="the run to rebuild (a uuid from datos/metadata/runs/)")
    parser.add_argument("--out", type=Path, help="output folder (default $DATOS/replay/<run id>)")
    args = parser.parse_args(argv)
    run_id = parse_run_id(args.run_id)
    datos = settings().datos
    out = args.out or datos / "replay" / run_id
    written = replay(datos, run_id, out)
    print(f"replay: rebuilt {len(written)} files of run {run_id} in {out}, identical to what it published")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

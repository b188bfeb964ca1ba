"""Rebuild the latest files exactly as a past committed run published them, from its record and history.

Only committed run records count (scripts/history.py); each partition is verified as it is read (checksum,
schema, the run's rows), each file rendered by the writer the aggregate step used and checked against the
SHA-256 the run recorded, so a replay either matches byte for byte or says which file differs and why. Files
the run kept from an earlier run (its source was unavailable) are rebuilt from that run's history, and its bridge
JSON files from the history as it stood when it committed.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

import commit
import history
from lib import PipelineError
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.duck import copy_csv, duckdb_connect
from lib.files import atomic_write_bytes, data_lock, read_json
from lib.settings import parse_run_id, settings


def _record(datos: Path, run_id: str) -> dict:
    path = commit.record_path(datos, run_id)
    if not path.is_file():
        known = sorted(p.stem for p in (datos / "metadata" / "runs").glob("*.json"))
        hint = f"known runs: {', '.join(known[-5:])}" if known else "no run has been recorded yet"
        raise PipelineError(f"replay: unknown run id {run_id} (no {path}); {hint}")
    record = read_json(path, "run record")
    if record.get("published") is not True:
        raise PipelineError(
            f"replay: run {run_id} did not publish (quality gate {record['quality_gate_status']}): nothing to replay"
        )
    return record


def rebuild(datos: Path, record: dict, dataset: str, expected_sha: str, con) -> bytes:
    """One latest file of `record`'s run, rebuilt from its history partition and checked against `expected_sha`."""
    snap = history.snapshot_of_run(datos, record, dataset)
    try:
        rel = history.read_snapshot(con, snap)
    except PipelineError as exc:
        raise PipelineError(f"replay: {dataset}: {exc}") from None
    contract = load_contracts()[dataset]
    view = f"replayed_{dataset}"
    rel.create_view(view)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "replayed.csv"
        copy_csv(con, view, contract.columns, target)  # the writer the aggregate step used
        data = target.read_bytes()
    con.execute(f"drop view {view}")
    if hashlib.sha256(data).hexdigest() != expected_sha:
        raise PipelineError(f"replay: {dataset}: rebuilt file differs from what run {record['run_id']} published")
    return data


def rebuild_bridge(datos: Path, record: dict, con) -> dict[str, bytes]:
    """The bridge JSON files `record`'s run added to its latest set, rebuilt from the history as it stood when the
    run committed (the committed runs up to it) and checked against the SHA-256 the run recorded."""
    wanted = record.get("dashboard_files") or {}
    if not wanted:
        return {}
    import bridge

    seq = record.get("commit_seq") or 0
    runs = [r for r in history.committed_runs(datos) if (r.get("commit_seq") or 0) <= seq]
    files = bridge.build(bridge.committed_snapshots(datos, runs), record, "compact", con)
    for name, sha in sorted(wanted.items()):
        if name not in files or hashlib.sha256(files[name]).hexdigest() != sha:
            raise PipelineError(
                f"replay: bridge file {name} rebuilt differs from what run {record['run_id']} published: the history "
                "it was built from changed since (a later run on the same day, or retention deleted a month)"
            )
    return {name: files[name] for name in wanted}


def replay(datos: Path, run_id: str, out: Path) -> list[Path]:
    record = _record(datos, run_id)
    con = duckdb_connect()
    rebuilt: dict[Path, bytes] = {}
    for entry in record["datasets"]:
        name = entry["dataset_logical_name"]
        try:
            data = rebuild(datos, record, name, entry["sha256"], con)
        except PipelineError as exc:
            raise PipelineError(str(exc) if str(exc).startswith("replay:") else f"replay: {exc}") from None
        rebuilt[out / Path(entry["latest_path"]).name] = data
    for entry in record.get("carried_forward", []):
        origin = _record(datos, entry["from_run_id"])
        data = rebuild(datos, origin, entry["dataset_logical_name"], entry["sha256"], con)
        rebuilt[out / Path(entry["latest_path"]).name] = data
    for name, data in rebuild_bridge(datos, record, con).items():
        rebuilt[out / name] = data
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
    with data_lock(datos, f"replay of run {run_id}"):
        commit.recover(datos)
        written = replay(datos, run_id, out)
    print(f"replay: rebuilt {len(written)} files of run {run_id} in {out}, identical to what it published")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""Publish the last committed run to the dashboard folder: exactly the files it wrote, checked by checksum.

The run is the last committed run record (scripts/history.py), never a file that merely exists. The dashboard
folder (PUBLISH_DIR) afterwards holds exactly, and only:
  <V1 file>.csv        the run's latest CSVs of the dashboard's ten V1 files (DASHBOARD_CSVS), byte for byte
  <name>.json          every file the run's record lists under `dashboard_files` (the bridge's JSON)
  run_manifest.json    `dashboard_manifest(datos, record)`: the public form (scripts/bridge.py)
Every file is checked against the SHA-256 the record holds before anything changes; the folder is then
switched in one step (lib.files.switch_dir: no file of the previous set survives).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bridge
import commit
import history
from lib import PipelineError
from lib.cli import run_cli
from lib.files import data_lock, recover_dir, sha256_file, switch_dir
from lib.settings import settings

DASHBOARD_CSVS = bridge.CSV_FILES  # the existing dashboard's ten V1 CSVs (its 24-file contract, docs/bridge.md)


def dashboard_manifest(datos: Path, record: dict) -> bytes:
    """The dashboard's run_manifest.json for a committed run: the bridge's public form of its record (the same
    bytes for the same record), with the warn-only note when the gate did not block (QUALITY_GATE=warn-only)."""
    return bridge.render(bridge.public_manifest(record, bridge.committed_snapshots(datos)))


def dashboard_files(datos: Path) -> dict[str, Path | bytes]:
    """What the dashboard folder must hold for the last committed run (name -> file to copy, or bytes), every
    file checked against its recorded SHA-256. A PipelineError when nothing committed or a file differs."""
    record = history.latest_committed(datos)
    if record is None:
        raise PipelineError(f"publish: no run has published yet in {datos} (run `make aggregate`)")
    run_id = record["run_id"]
    wanted: dict[str, str] = {}
    for entry in [*record["datasets"], *record.get("carried_forward", [])]:
        name = Path(entry["latest_path"] or "").name
        if name in DASHBOARD_CSVS:
            wanted[name] = entry["sha256"]
    for name, sha in record.get("dashboard_files", {}).items():
        wanted[name] = sha
    files: dict[str, Path | bytes] = {}
    for name, sha in sorted(wanted.items()):
        path = datos / "latest" / name
        if path.is_symlink() or not path.is_file() or sha256_file(path) != sha:
            raise PipelineError(
                f"publish: {path} is missing or differs from what run {run_id} wrote; "
                f"re-run `make aggregate` (or `make replay RUN_ID={run_id}` to inspect it)"
            )
        files[name] = path
    files["run_manifest.json"] = dashboard_manifest(datos, record)
    if record.get("dashboard_files"):  # the bridge's set: the dashboard's asset policy, minima and size budgets
        folder = {name: f if isinstance(f, bytes) else f.read_bytes() for name, f in files.items()}
        expect_previous = bridge.expects_previous(history.committed_runs(datos), record)
        problems = bridge.check_integrity(folder, expect_previous) + bridge.check_budgets(folder)
        if problems:
            raise PipelineError(
                f"publish: the dashboard folder for run {run_id} fails its checks, nothing was published: "
                + "; ".join(problems)
            )
    return files


def publish(datos: Path, out: Path) -> dict[str, Path | bytes]:
    with data_lock(datos, f"publish to {out}"):
        for line in commit.recover(datos):
            print(f"publish: recovery: {line}")
        files = dashboard_files(datos)
        switch_dir(out, files, "publish")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="dashboard data folder (frontend/assets/data)")
    args = parser.parse_args(argv)
    datos = settings().datos
    recover_dir(args.out)
    files = publish(datos, args.out)
    print(f"publish: {len(files)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""The bridge export: the existing dashboard's 13 JSON files, built from the committed history (docs/bridge.md).

DuckDB computes every number (sql/bridge_*.sql over the history's Parquet snapshots; sql/bridge_deltas.sql is
the one "latest with previous and delta" shape); the modules only bind the inputs, round as the contract says,
assemble the documents in the contract's key order and write them. Same snapshots and run record -> same bytes.
The export is split by concern; this module is its command line and its public names:

  bridge_core.py      the file lists, rounding, History (the snapshots in DuckDB) and each dataset's reading
  bridge_trend.py     history_index, trend_score_history, technology_profiles
  bridge_github.py    github_lenguajes_public, github_frameworks_history, github_correlacion_history
  bridge_so.py        so_volumen_history, so_aceptacion_history, so_tendencias_history
  bridge_reddit.py    reddit_sentimiento_public, reddit_temas_history, reddit_interseccion_history
  bridge_home.py      home_highlights (from the other twelve)
  bridge_build.py     build(snapshots, record, mode) -> {file name: bytes}, and the compact mode
  bridge_manifest.py  public_manifest(record, ...) -> the public run_manifest.json
  bridge_checks.py    check_budgets(files), check_integrity(files, expect_previous), expects_previous(runs, record)

  enabled(env)        -> False when BRIDGE_EXPORT=0 (the rollback switch)

CLI: bridge.py --out DIR [--mode compact|full] [--check] exports the committed history of $DATOS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

import history
from bridge_build import build
from bridge_checks import check_budgets, check_integrity, expects_previous
from bridge_core import ALLOWLIST, BRIDGE_DATASETS, BRIDGE_FILES, CSV_FILES, MODES, render
from bridge_manifest import public_manifest
from lib import SOURCES, PipelineError
from lib.contracts import load_contracts
from lib.duck import duckdb_connect
from lib.files import data_lock, switch_dir
from lib.settings import read, settings

# the names other modules and the tests use as bridge.<name>
__all__ = [
    "ALLOWLIST",
    "BRIDGE_FILES",
    "CSV_FILES",
    "MODES",
    "SOURCES",
    "build",
    "check_budgets",
    "check_integrity",
    "committed_snapshots",
    "enabled",
    "expects_previous",
    "export",
    "main",
    "public_manifest",
    "render",
]


def enabled(env: Mapping[str, str] | None = None) -> bool:
    """BRIDGE_EXPORT: 1 (default) exports the bridge files; 0 turns the export off (the CSVs are published anyway)."""
    return read("BRIDGE_EXPORT", env)


def committed_snapshots(datos: Path, runs: list[dict] | None = None) -> dict[str, list[history.Snapshot]]:
    """Every bridge dataset's committed snapshots (contracts that exist in this checkout, plus the index's names);
    `runs`: only these committed records (e.g. the history as it stood when one run committed)."""
    names = sorted(set(BRIDGE_DATASETS) | set(load_contracts()))
    runs = history.committed_runs(datos) if runs is None else runs
    return {name: history.snapshots(datos, name, runs) for name in names}


def export(datos: Path, out: Path, mode: str, check: bool) -> list[str]:
    """Build the bridge of `datos`'s last committed run into `out` (13 files + the public run_manifest.json), as one
    switch of the folder. With `check`, the folder's budgets (compact mode) and integrity are checked first and
    nothing is written when they fail. Returns the problems (empty: written)."""
    runs = history.committed_runs(datos)
    if not runs:
        raise PipelineError(f"bridge: {datos} has no committed run: run `make aggregate` (or `make demo`) first")
    record = runs[-1]
    snapshots = committed_snapshots(datos)
    con = duckdb_connect()
    files = build(snapshots, record, mode, con)
    files["run_manifest.json"] = render(public_manifest(record, snapshots, con))
    if check:
        folder = {p.name: p.read_bytes() for p in sorted(Path(out).glob("*")) if p.is_file()} if out.is_dir() else {}
        folder.update(files)
        problems = check_integrity(folder, expects_previous(runs, record))
        if mode == "compact":
            problems += check_budgets(folder)
        if problems:
            return problems
    switch_dir(out, files, record["run_id"])
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the bridge files (created if absent)")
    parser.add_argument("--mode", choices=MODES, default="compact", help="compact (bundled, budgeted) or full")
    parser.add_argument(
        "--check", action="store_true", help="check the resulting folder (24-file policy, minima, budgets) first"
    )
    args = parser.parse_args(argv)
    if not enabled():
        print("bridge: BRIDGE_EXPORT=0, export off: nothing written (the CSVs are published as usual)")
        return 0
    datos = settings().datos
    with data_lock(datos, "bridge export"):
        problems = export(datos, args.out, args.mode, args.check)
    if problems:
        for problem in problems:
            print(f"bridge: {problem}", file=sys.stderr)
        print(f"bridge: {len(problems)} problem(s): nothing written to {args.out}", file=sys.stderr)
        return 1
    print(f"bridge: wrote {len(BRIDGE_FILES)} bridge files and run_manifest.json ({args.mode}) to {args.out}")
    return 0

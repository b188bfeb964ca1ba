"""Build the GitHub vs Reddit intersection (interseccion_github_reddit.csv) of a run, in SQL.

Reads the degradation decision and the staged files of the two sources (typed by their contracts): the GitHub
repository sample and framework activity, the Reddit topics. DuckDB runs sql/interseccion_github_reddit.sql.

When GitHub or Reddit is unavailable this run (the degradation decision says so), the file is written with its
header only: one side's ranks alone would read as "not found" for every technology, which is not what happened.
The quality gate then warns (row_count_positive) and the dashboard shows the comparison as unavailable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib import PipelineError
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.csvfmt import write_csv
from lib.duck import duckdb_connect, run_sql_file
from lib.files import read_json
from lib.log import get_logger
from lib.settings import settings
from staged import read_typed_csv

NEEDED = ("github", "reddit")
INPUTS = {  # view -> (source, contract)
    "github_repos": ("github", "github_repos"),
    "github_frameworks": ("github", "github_commits"),
    "reddit_temas": ("reddit", "reddit_temas"),
}


def build(staging: Path, degradation: dict) -> tuple[list[tuple], str]:
    """(rows, why empty or '') of the intersection for the staged sources."""
    missing = [s for s in NEEDED if s not in degradation["available"]]
    if degradation["decision"] == "fail" or missing:
        why = f"{', '.join(missing)} unavailable" if missing else "the run's degradation decision is fail"
        return [], why
    contracts = load_contracts()
    con = duckdb_connect()
    for view, (source, name) in INPUTS.items():
        contract = contracts[name]
        path = staging / source / contract.v1_file
        if not path.is_file():
            if view == "github_frameworks":  # V1: without the framework file, its fixed order is used
                con.execute("create table github_frameworks (framework varchar, ranking bigint)")
                continue
            raise PipelineError(f"intersection: {path} is missing although {source} is available: re-run its job")
        con.register(view, read_typed_csv(con, path, contract).arrow().read_all())
    return run_sql_file(con, "interseccion_github_reddit.sql").fetchall(), ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staging", type=Path, help="staging root (default $DATOS/staging)")
    parser.add_argument("--degradation", type=Path, help="decision (default $DATOS/work/degradation.json)")
    parser.add_argument("--output", type=Path, help="default $DATOS/work/interseccion_github_reddit.csv")
    args = parser.parse_args(argv)
    cfg = settings()
    contract = load_contracts()["interseccion"]
    staging = args.staging or cfg.datos / "staging"
    output = args.output or cfg.datos / "work" / contract.v1_file
    degradation = read_json(args.degradation or cfg.datos / "work" / "degradation.json", "degradation decision")
    rows, why = build(staging, degradation)
    write_csv(output, contract.column_names, rows)
    if why:
        get_logger("intersection").warning("intersection: %s: wrote %s with its header only", why, output)
    else:
        print(f"intersection: wrote {output} ({len(rows)} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

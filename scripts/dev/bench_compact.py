"""Benchmark monthly compaction: two years of daily history for every dataset, compacted once, then again.

Generates, in a temporary data folder, one committed run per day for DAYS days (every dataset's partition with
contract-typed rows, plus the run record that commits it, as the aggregate step writes them), then runs
`scripts/compact.py` as `make compact` does and prints time, files and bytes of history/ before and after, the
snapshots every reader still sees, and a second (no-op) run. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import history
from lib import ROOT
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.duck import quote_ident, sql_literal
from lib.files import sha256_file

VALUES = {  # a contract type -> a DuckDB expression of the row number i and the day number d
    "string": "'v' || (i * 7 + d) % 997",
    "integer": "(i * 31 + d) % 100000",
    "float": "round(((i * 13 + d) % 10000) / 7.0, 2)",
    "date": "date '2024-01-01' + cast((i + d) % 700 as integer)",
    "timestamp": "timestamp '2024-01-01 00:00:00' + to_seconds(cast((i * 3600 + d) % 60000000 as bigint))",
}


def generate(datos: Path, end: dt.date, days: int, rows: dict[str, int]) -> None:
    """One committed run per day in [end - days, end): every dataset's daily partition, then its run record."""
    import duckdb

    con = duckdb.connect()
    contracts = load_contracts()
    for n in range(days, 0, -1):
        day = end - dt.timedelta(days=n)
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-run/{day}"))
        entries = []
        for name, contract in contracts.items():
            target = contract.history_path(datos, day)
            target.parent.mkdir(parents=True, exist_ok=True)
            columns = ", ".join(f"{VALUES[c.type]} as {quote_ident(c.name)}" for c in contract.columns)
            con.execute(
                f"copy (select {columns}, {sql_literal(run_id)} as run_id, date {sql_literal(day.isoformat())} "
                f"as snapshot_date from (select range as i, {day.toordinal()} as d from range({rows[name]}))) "
                f"to {sql_literal(target)} (format parquet, compression zstd)"
            )
            entries.append(
                {
                    "dataset_logical_name": name,
                    "history_path": target.relative_to(datos).as_posix(),
                    "history_sha256": sha256_file(target),
                }
            )
        record = {"run_id": run_id, "run_date": day.isoformat(), "generated_at_utc": f"{day}T06:00:00Z"}
        record.update(published=True, datasets=entries)
        runs = datos / "metadata" / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        (runs / f"{run_id}.json").write_text(json.dumps(record), encoding="utf-8")


def footprint(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def compact(datos: Path, today: dt.date) -> tuple[float, str]:
    env = {**os.environ, "DATOS": str(datos), "RUN_DATE": today.isoformat()}
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compact.py")], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"compact failed ({run.returncode}): {run.stderr[-2000:]}")
    return seconds, run.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=730, help="days of daily history (default two years)")
    parser.add_argument("--rows", type=int, default=50, help="rows per snapshot of every dataset but github_repos")
    parser.add_argument("--repo-rows", type=int, default=1000, help="rows per snapshot of github_repos")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 23), help="the run date")
    args = parser.parse_args(argv)
    rows = {name: args.repo_rows if name == "github_repos" else args.rows for name in load_contracts()}
    with tempfile.TemporaryDirectory() as tmp:
        datos = Path(tmp) / "datos"
        start = time.perf_counter()
        generate(datos, args.end, args.days, rows)
        print(f"generated {args.days} days x {len(rows)} datasets in {time.perf_counter() - start:.1f} s")
        seen_before = {name: len(history.snapshots(datos, name)) for name in rows}
        files_before, bytes_before = footprint(datos / "history")
        first, summary = compact(datos, args.end)
        files_after, bytes_after = footprint(datos / "history")
        seen_after = {name: len(history.snapshots(datos, name)) for name in rows}
        second, again = compact(datos, args.end)
        records, _ = footprint(datos / "metadata" / "compaction")
        print(f"history before: {files_before:6d} files {bytes_before / 1e6:8.2f} MB")
        print(f"history after:  {files_after:6d} files {bytes_after / 1e6:8.2f} MB   (+ {records} compaction records)")
        print(f"compact:        {first:6.1f} s   ({summary.removeprefix('compact: ')})")
        print(f"compact again:  {second:6.1f} s   ({again.removeprefix('compact: ')})")
        print(
            "snapshots readers see, before -> after: "
            + ", ".join(f"{n} {seen_before[n]}->{seen_after[n]}" for n in sorted(rows))
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""Benchmark monthly compaction: two years of daily history for every dataset, compacted once, then again.

Generates, in a temporary data folder, one committed run per day for DAYS days (every dataset's partition with
contract-typed rows, plus the run record that commits it, as the aggregate step writes them), then runs
`scripts/compact.py` as `make compact` does and prints time, files and bytes of history/ before and after, the
snapshots every reader still sees, and a second (no-op) run. Not a test; `make bench` runs it.

The floor, run first in the same kind of process (a Python process started for it, wall time): DuckDB reading
every daily file the compaction will merge (its plan, made before anything changes) and writing each month's
rows once as one Parquet file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import compact as compaction
import history
from dev.bench_lib import Part, part, print_table, process
from lib import ROOT
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.duck import quote_ident, sql_literal
from lib.files import sha256_file

FLOOR = """
import json, sys
import duckdb
con = duckdb.connect()
for target, files in json.load(open(sys.argv[1])).items():
    con.execute(f"copy (select * from read_parquet($files)) to '{target}' (format parquet, compression zstd)",
                {"files": files})
"""
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


def floor(datos: Path, today: dt.date, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of the floor: the months compaction would merge, each read and written once."""
    months, _problems = compaction.plan_all(datos, today)
    merges = {
        str(out / f"{m.dataset}-{m.year:04d}-{m.month:02d}.parquet"): [str(s.path) for s in m.dailies]
        for m in months
        if m.action == "compact"
    }
    (out / "merges.json").write_text(json.dumps(merges), encoding="utf-8")
    wall, rss, _ = process([sys.executable, "-c", FLOOR, str(out / "merges.json")])
    return wall, rss


def compact(datos: Path, today: dt.date) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, its summary line) of one `scripts/compact.py` run."""
    env = {**os.environ, "DATOS": str(datos), "RUN_DATE": today.isoformat()}
    wall, rss, out = process([sys.executable, str(ROOT / "scripts" / "compact.py")], env)
    return wall, rss, out.strip().splitlines()[-1]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=730, help="days of daily history (default two years)")
    parser.add_argument("--rows", type=int, default=50, help="rows per snapshot of every dataset but github_repos")
    parser.add_argument("--repo-rows", type=int, default=1000, help="rows per snapshot of github_repos")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 23), help="the run date")
    return parser


def run(args: argparse.Namespace) -> list[Part]:
    """Generate, measure once (a compaction changes what it measures), print the detail lines; the parts."""
    rows = {name: args.repo_rows if name == "github_repos" else args.rows for name in load_contracts()}
    with tempfile.TemporaryDirectory(prefix="bench_compact_") as tmp:
        datos = Path(tmp) / "datos"
        start = time.perf_counter()
        generate(datos, args.end, args.days, rows)
        print(f"compact: generated {args.days} days x {len(rows)} datasets in {time.perf_counter() - start:.1f} s")
        seen_before = {name: len(history.snapshots(datos, name)) for name in rows}
        files_before, bytes_before = footprint(datos / "history")
        (Path(tmp) / "floor").mkdir()
        base = floor(datos, args.end, Path(tmp) / "floor")
        first = compact(datos, args.end)
        files_after, bytes_after = footprint(datos / "history")
        seen_after = {name: len(history.snapshots(datos, name)) for name in rows}
        second = compact(datos, args.end)
        records, _ = footprint(datos / "metadata" / "compaction")
    print(f"compact: history before {files_before} files {bytes_before / 1e6:.2f} MB, after {files_after} files "
          f"{bytes_after / 1e6:.2f} MB (+ {records} compaction records)")  # fmt: skip
    print(f"compact: first run {first[2].removeprefix('compact: ')}; again {second[2].removeprefix('compact: ')}")
    print(
        "compact: snapshots readers see, before -> after: "
        + ", ".join(f"{n} {seen_before[n]}->{seen_after[n]}" for n in sorted(rows))
    )
    return [
        part(f"compact.py, {args.days} days of history", [base[0]], [first[0]], [first[1]]),
        part("compact.py again (nothing to do)", [base[0]], [second[0]], [second[1]]),
    ]


def main(argv: list[str] | None = None) -> int:
    print_table(run(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""Monthly compaction: merge old daily history partitions into one verified monthly Parquet file per dataset.

For every dataset (contracts/datasets/*.json, its class in contracts/retention_classes.json), as of RUN_DATE:
  - a month whose last day is younger than `daily_days` stays daily (so a month straddling the window waits);
  - an older month's daily partitions, exactly those committed run records list, are merged by
    sql/compact_month.sql into history/<dataset>/year=YYYY/month=MM/day=all/part-0000.parquet; the file is
    checked against the dailies (row count, schema, order-independent row checksum, per run), the result goes
    into metadata/compaction/<dataset>/<YYYY-MM>.json, and only then are the dailies removed;
  - a month `monthly_months` or more months old is deleted (its record stays, marked expired).
A month holding anything else (a stray or corrupt partition, a symlink, a missing snapshot) is reported and left
exactly as it is. Holds the data folder's lock; a crash at any step is finished by the next run; a second run
changes nothing. `--dry-run` lists what it would do. Docs: docs/compaction.md.
The plan (the rule, the folder walk, each month's action) is scripts/compact_plan.py; this module does the work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import history
from compact_plan import Month, plan_all
from lib import PipelineError
from lib.cli import run_cli
from lib.contracts import HISTORY_EXTRA_COLUMNS, Contract, load_contracts
from lib.duck import DUCKDB_TYPES, duckdb_connect, run_sql_file, sql_literal
from lib.files import atomic_path, crash_point, data_lock, sha256_file, write_json
from lib.settings import settings, utc_now

# --------------------------------------------------------------------------- checks in DuckDB


def expected_schema(contract: Contract) -> list[tuple[str, str]]:
    """The columns (name, DuckDB type) of every history file of `contract`'s dataset, in order."""
    columns = [(c.name, DUCKDB_TYPES[c.type]) for c in contract.columns]
    return [*columns, (HISTORY_EXTRA_COLUMNS[0], "VARCHAR"), (HISTORY_EXTRA_COLUMNS[1], "DATE")]


def schema_sha256(schema: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(schema, separators=(",", ":")).encode("ascii")).hexdigest()


def file_problems(con, snap: history.Snapshot, contract: Contract) -> tuple[str | None, list[str]]:
    """(sha256, problems) of one daily file: the run's recorded checksum, readability, schema, and that it holds
    exactly that run's snapshot."""
    import duckdb

    digest = sha256_file(snap.path)
    where = f"{snap.dataset} snapshot of {snap.date} (run {snap.run_id}), {snap.path}"
    if snap.sha256 and digest != snap.sha256:
        return digest, [f"{where}: sha256 differs from its run record (changed or corrupt): not merged"]
    try:
        rel = con.sql(f"select * from read_parquet({sql_literal(snap.path)}, hive_partitioning = false)")
        schema = list(zip(rel.columns, [str(t) for t in rel.types], strict=True))
        if schema != expected_schema(contract):
            return digest, [f"{where}: schema {schema} is not the contract's: not merged"]
        held = con.sql(
            f"select distinct run_id, snapshot_date from read_parquet({sql_literal(snap.path)}, "
            "hive_partitioning = false)"
        ).fetchall()
    except duckdb.Error as exc:
        return digest, [f"{where}: unreadable (corrupt or truncated: {str(exc).splitlines()[0]}): not merged"]
    if held and held != [(snap.run_id, snap.date)]:
        return digest, [f"{where}: holds {held}, not that run's rows: not merged"]
    return digest, []


def checksum(con, query: str) -> dict:
    """Row count, order-independent row checksums and per-run figures of the history rows `query` selects."""
    con.execute(f"create or replace view checked_rows as {query}")
    row_count, hash_sum, hash_xor, per_run = run_sql_file(con, "compact_checksum.sql").fetchall()[0]
    return {
        "row_count": row_count,
        "row_hash_sum": hash_sum,
        "row_hash_xor": hash_xor,
        "runs": [
            {
                "run_id": run["run_id"],
                "snapshot_date": run["snapshot_date"].isoformat(),
                "row_count": run["row_count"],
                "row_hash_sum": str(run["row_hash_sum"]),
            }
            for run in per_run or []
        ],
    }


def relation_schema(con, path: Path) -> list[tuple[str, str]]:
    rel = con.sql(f"select * from read_parquet({sql_literal(path)}, hive_partitioning = false)")
    return list(zip(rel.columns, [str(t) for t in rel.types], strict=True))


# --------------------------------------------------------------------------- one month


def remove_daily(path: Path) -> None:
    path.unlink()
    folder = path.parent
    if not any(folder.iterdir()):
        folder.rmdir()


def remove_empty(folder: Path, stop: Path) -> None:
    """Remove `folder` and its parents up to (not including) `stop` while they are empty."""
    while folder != stop and folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def compact_month(con, datos: Path, month: Month, contract: Contract, retention_class: str, today: dt.date) -> str:
    """Merge, verify, record, then remove the dailies. A month compacted before is merged again with the daily
    snapshots committed since (its monthly file is one of the inputs). Returns the line to print; bad input
    blocks the month, and a written file that does not verify is a PipelineError (nothing removed)."""
    dailies = month.dailies
    previous = month.record if month.record and month.record.get("status") == "compacted" else None
    shas = {}
    for snap in dailies:
        shas[snap.run_id], problems = file_problems(con, snap, contract)
        month.problems += problems
    if month.problems:
        month.action = "blocked"
        return ""
    target = month.monthly_path
    files = [s.path for s in dailies] + ([target] if previous else [])
    keep = ", ".join(sql_literal(s.run_id) for s in month.snapshots)  # only committed snapshots' rows
    listed = ", ".join(sql_literal(f) for f in files)
    source = f"read_parquet([{listed}], hive_partitioning = false, file_row_number = true) where run_id in ({keep})"
    con.execute(f"create or replace view daily_rows as select * from {source}")
    before = checksum(con, "select * exclude (file_row_number) from daily_rows")
    merged_before = {(s["run_id"], s["snapshot_date"]): s for s in previous["snapshots"]} if previous else {}
    for run in before["runs"]:
        old = merged_before.get((run["run_id"], run["snapshot_date"]))
        if old and (old["row_count"], old["row_hash_sum"]) != (run["row_count"], run["row_hash_sum"]):
            raise PipelineError(f"compact: {month.label}: {target} no longer holds what run {run['run_id']} merged")
    runs = {(r["run_id"], r["snapshot_date"]): r for r in before["runs"]}
    with atomic_path(target) as tmp:
        run_sql_file(con, "compact_month.sql").create_view("monthly_rows", replace=True)
        con.execute(f"copy monthly_rows to {sql_literal(tmp)} (format parquet, compression zstd)")
        crash_point("compact_monthly_written")
        after = checksum(con, f"select * from read_parquet({sql_literal(tmp)}, hive_partitioning = false)")
        schema = relation_schema(con, tmp)
        if after != before or schema != expected_schema(contract):
            raise PipelineError(
                f"compact: {month.label}: the monthly file does not match its inputs "
                f"(rows {after['row_count']} vs {before['row_count']}); nothing was removed: report this bug"
            )
        new_entries = [
            {
                "run_id": s.run_id,
                "snapshot_date": s.date.isoformat(),
                "daily_path": s.path.relative_to(datos).as_posix(),
                "daily_sha256": shas[s.run_id],
                "daily_bytes": s.path.stat().st_size,
                "row_count": runs.get((s.run_id, s.date.isoformat()), {}).get("row_count", 0),
                "row_hash_sum": runs.get((s.run_id, s.date.isoformat()), {}).get("row_hash_sum", "0"),
            }
            for s in dailies
        ]
        kept = [merged_before[(s.run_id, s.date.isoformat())] for s in month.snapshots if s not in dailies]
        record = {
            "dataset": month.dataset,
            "month": f"{month.year:04d}-{month.month:02d}",
            "status": "compacted",
            "retention_class": retention_class,
            "compacted_as_of": today.isoformat(),
            "compacted_at_utc": utc_now(),
            "monthly_path": target.relative_to(datos).as_posix(),
            "monthly_sha256": sha256_file(tmp),
            "monthly_bytes": tmp.stat().st_size,
            "previous_sha256": sha256_file(target) if previous else None,  # the file this one replaces
            "schema_hash": contract.schema_hash,
            "file_schema_sha256": schema_sha256(schema),
            "row_count": after["row_count"],
            "row_hash_sum": after["row_hash_sum"],
            "row_hash_xor": after["row_hash_xor"],
            "verified": {"row_count": True, "schema": True, "row_checksum": True, "per_run": True},
            "duckdb_version": con.sql("select version()").fetchall()[0][0],
            "snapshots": sorted([*kept, *new_entries], key=lambda e: (e["snapshot_date"], e["run_id"])),
        }
        record_path = history.compaction_record_path(datos, month.dataset, month.year, month.month)
        if previous:  # the new record first: until the rename, `previous_sha256` names the file still in place
            write_json(record_path, record)
            crash_point("compact_recompaction_recorded")
    crash_point("compact_after_monthly_file")
    if not previous:  # the commit point of a first compaction: the record that lists the monthly file
        write_json(record_path, record)
    crash_point("compact_after_record")
    month.record = record
    removed = finish_month(month)
    verb = "merged again with" if previous else "merged"
    return (
        f"{verb} {len(dailies)} daily snapshots ({record['row_count']} rows in all) into {record['monthly_path']}, "
        f"verified; removed {removed} daily files"
    )


def finish_month(month: Month) -> int:
    """Remove the dailies a verified, recorded monthly file holds (also what an interrupted run left)."""
    record = month.record
    if sha256_file(month.monthly_path) != record["monthly_sha256"]:
        month.problems.append(f"{month.monthly_path}: sha256 differs from its compaction record: nothing removed")
        month.action = "blocked"
        return 0
    recorded = {(s["run_id"], s["snapshot_date"]): s["daily_sha256"] for s in record["snapshots"]}
    dailies = month.dailies
    for snap in dailies:
        if sha256_file(snap.path) != recorded[(snap.run_id, snap.date.isoformat())]:
            month.problems.append(f"{snap.path}: differs from the file compaction merged: nothing removed")
            month.action = "blocked"
            return 0
    for i, snap in enumerate(dailies):
        remove_daily(snap.path)
        if i == 0:
            crash_point("compact_between_daily_removals")
    return len(dailies)


def expire_month(datos: Path, month: Month, retention_class: str, today: dt.date) -> str:
    """Delete a month past its retention; its record stays, marked expired, saying what was deleted."""
    previous = month.record if month.record and month.record.get("status") == "compacted" else {}
    merged = previous.get("snapshots", [])
    known = {(s["run_id"], s["snapshot_date"]) for s in merged}
    daily = [
        {"run_id": s.run_id, "snapshot_date": s.date.isoformat(), "daily_path": s.path.relative_to(datos).as_posix()}
        for s in month.dailies
        if (s.run_id, s.date.isoformat()) not in known
    ]
    record = {
        "dataset": month.dataset,
        "month": f"{month.year:04d}-{month.month:02d}",
        "status": "expired",
        "retention_class": retention_class,
        "expired_as_of": today.isoformat(),
        "expired_at_utc": utc_now(),
        "monthly_path": previous.get("monthly_path"),
        "monthly_sha256": previous.get("monthly_sha256"),
        "snapshots": sorted([*merged, *daily], key=lambda s: (s["snapshot_date"], s["run_id"])),
    }
    write_json(history.compaction_record_path(datos, month.dataset, month.year, month.month), record)
    crash_point("compact_before_expiry_delete")
    files = [*month.scan.days.values(), *([month.scan.monthly] if month.scan.monthly else [])]
    for file in files:
        remove_daily(file)
    return f"deleted {len(files)} files ({len(record['snapshots'])} snapshots) past the {retention_class} retention"


# --------------------------------------------------------------------------- the whole history


def compact(datos: Path, today: dt.date, dry_run: bool = False) -> tuple[int, list[str], list[str]]:
    """Run (or, with dry_run, only describe) compaction as of `today`.

    Returns (months changed or to change, lines saying what, problems)."""
    months, problems = plan_all(datos, today)
    contracts = load_contracts()
    classes = {name: c.raw["retention_class"] for name, c in contracts.items()}
    lines = []
    changed = 0
    con = None if dry_run else duckdb_connect()
    for month in months:
        if month.action in ("none", "blocked"):
            problems += month.problems
            continue
        for leftover in month.scan.leftovers:
            if dry_run:
                lines.append(f"{month.label}: would remove {leftover} (left by an interrupted writer)")
            elif leftover.is_dir():
                remove_empty(leftover, month.folder)
            else:
                leftover.unlink(missing_ok=True)
        if dry_run:
            lines.append(f"{month.label}: would {describe(month)}")
            changed += 1
            continue
        if month.action == "compact":
            line = compact_month(con, datos, month, contracts[month.dataset], classes[month.dataset], today)
        elif month.action == "finish":
            line = f"finished an interrupted compaction: removed {finish_month(month)} merged daily files"
        else:
            line = expire_month(datos, month, classes[month.dataset], today)
        if month.action == "blocked":
            problems += month.problems
            continue
        remove_empty(month.folder, Path(datos) / "history" / month.dataset)
        lines.append(f"{month.label}: {line}")
        changed += 1
    return changed, lines, problems


def describe(month: Month) -> str:
    if month.action == "compact":
        return f"merge {len(month.dailies)} daily snapshots into {month.monthly_path}, verify, remove the dailies"
    if month.action == "finish":
        return f"remove {len(month.dailies)} daily files already merged into {month.monthly_path}"
    return "delete the month (past its retention), keeping its record marked expired"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="list what would be done, change nothing")
    args = parser.parse_args(argv)
    cfg = settings()
    if args.dry_run:
        changed, lines, problems = compact(cfg.datos, cfg.run_date, dry_run=True)
    else:
        with data_lock(cfg.datos, f"compact as of {cfg.run_date}"):
            changed, lines, problems = compact(cfg.datos, cfg.run_date)
    for line in lines:
        print(f"compact: {line}")
    for problem in problems:
        print(f"compact: NOT DONE: {problem}", file=sys.stderr)
    verb = "would change" if args.dry_run else "changed"
    print(
        f"compact: {verb} {changed} months in "
        f"{cfg.datos / 'history'} (retention as of {cfg.run_date}); {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

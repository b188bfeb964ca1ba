"""Apply each dataset's retention class to its history: daily snapshots while recent, then one per month.

For every dataset (contracts/datasets/*.json, class in contracts/retention_classes.json), relative to RUN_DATE:
  - a snapshot younger than `daily_days` days is kept;
  - an older one is kept only if it is the last snapshot of its calendar month, and only while that month is
    younger than `monthly_months` months;
  - everything else is deleted (and emptied partition folders with it).
The layout stays year=/month=/day=, so every reader keeps working. Only deletes: a run stopped half way leaves
fewer files, never a broken one, and the next run finishes the job. Run monthly (`make compact`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
from pathlib import Path

from common import CONTRACTS_DIR, load_contracts, read_json, run_cli, settings

PARTITION = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})")


def snapshots(dataset_dir: Path) -> dict[dt.date, Path]:
    """The day partitions of one dataset's history, by date."""
    found = {}
    for part in dataset_dir.glob("year=*/month=*/day=*"):
        match = PARTITION.search(part.as_posix())
        if match and part.is_dir():
            found[dt.date(*map(int, match.groups()))] = part
    return found


def to_delete(days: list[dt.date], today: dt.date, daily_days: int, monthly_months: int) -> list[dt.date]:
    """The snapshot dates the retention rule drops (pure: the rule, without the filesystem)."""
    last_of_month: dict[tuple[int, int], dt.date] = {}
    for day in days:
        key = (day.year, day.month)
        last_of_month[key] = max(day, last_of_month.get(key, day))
    drop = []
    for day in sorted(days):
        if (today - day).days < daily_days:
            continue
        months_old = (today.year * 12 + today.month) - (day.year * 12 + day.month)
        if last_of_month[(day.year, day.month)] != day or months_old >= monthly_months:
            drop.append(day)
    return drop


def compact(datos: Path, today: dt.date, dry_run: bool = False) -> dict[str, list[dt.date]]:
    classes = read_json(CONTRACTS_DIR / "retention_classes.json", "retention classes")
    dropped = {}
    for name, contract in load_contracts().items():
        spec = classes[contract.raw["retention_class"]]
        found = snapshots(datos / "history" / name)
        dropped[name] = to_delete(list(found), today, spec["daily_days"], spec["monthly_months"])
        if dry_run:
            continue
        for day in dropped[name]:
            shutil.rmtree(found[day])
            for parent in (found[day].parent, found[day].parent.parent):  # month=, then year=, once empty
                if parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
    return dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    cfg = settings()
    dropped = compact(cfg.datos, cfg.run_date, args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for name, days in dropped.items():
        if days:
            print(f"compact: {name}: {verb} {len(days)} snapshots ({days[0]} .. {days[-1]})")
    total = sum(map(len, dropped.values()))
    print(f"compact: {verb} {total} snapshots in {cfg.datos / 'history'} (retention as of {cfg.run_date})")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

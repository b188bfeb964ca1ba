"""Monthly compaction, the planning half: which months of the history are due, what each holds on disk (walked
without following a symlink), and the action each gets (no change on disk). scripts/compact.py does the work.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import history
from lib import CONTRACTS_DIR
from lib.contracts import load_contracts
from lib.files import read_json, sha256_file

PART = "part-0000.parquet"


MONTHLY_DAY = "day=all"  # the monthly file sits at the dailies' depth: DuckDB's hive reader cannot mix depths


YEAR_DIR = re.compile(r"year=(\d{4})")


MONTH_DIR = re.compile(r"month=(0[1-9]|1[0-2])")


DAY_DIR = re.compile(r"day=(0[1-9]|[12]\d|3[01])")


TEMP_FILE = re.compile(r"\..+\.\d+\.tmp")  # what lib.files.atomic_path leaves when its process is killed


def month_stage(today: dt.date, year: int, month: int, daily_days: int, monthly_months: int) -> str:
    """'daily', 'monthly' or 'expired': where a calendar month is in its retention class as of `today`.

    A month becomes monthly once its LAST day is `daily_days` old, so no snapshot leaves the daily layout
    before its time; it expires when it is `monthly_months` calendar months old."""
    months_old = (today.year * 12 + today.month) - (year * 12 + month)
    if months_old >= monthly_months:
        return "expired"
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = next_month - dt.timedelta(days=1)
    return "daily" if (today - last_day).days < daily_days else "monthly"


@dataclass
class MonthScan:
    """What one month folder holds, found without following any symlink."""

    days: dict[int, Path] = field(default_factory=dict)  # day of month -> its daily file
    monthly: Path | None = None
    leftovers: list[Path] = field(default_factory=list)  # temporary files of a killed writer, and emptied folders
    problems: list[str] = field(default_factory=list)


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def scan_partition(folder: Path, scan: MonthScan) -> Path | None:
    """The data file of one day=/ folder (or day=all/), its leftovers and anything odd in it."""
    found = None
    for entry in _entries(folder):
        path = Path(entry.path)
        if entry.is_symlink():
            scan.problems.append(f"{path} is a symlink: not followed, left alone")
        elif entry.name == PART and entry.is_file(follow_symlinks=False):
            found = path
        elif TEMP_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            scan.leftovers.append(path)
        else:
            scan.problems.append(f"{path} is not a history file (stray): move it away, then compact again")
    if found is None and not scan.problems:
        scan.leftovers.append(folder)  # an empty partition folder (or one holding only a killed writer's temp file)
    return found


def scan_month(folder: Path) -> MonthScan:
    scan = MonthScan()
    for entry in _entries(folder):
        path = Path(entry.path)
        day = DAY_DIR.fullmatch(entry.name)
        if entry.is_symlink():
            scan.problems.append(f"{path} is a symlink: not followed, left alone")
        elif not entry.is_dir(follow_symlinks=False):
            if TEMP_FILE.fullmatch(entry.name):
                scan.leftovers.append(path)
            else:
                scan.problems.append(f"{path} is not a history partition (stray): move it away, then compact again")
        elif entry.name == MONTHLY_DAY:
            scan.monthly = scan_partition(path, scan)
        elif day:
            file = scan_partition(path, scan)
            if file:
                scan.days[int(day.group(1))] = file
        else:
            scan.problems.append(f"{path} is not a day=DD partition (stray): move it away, then compact again")
    return scan


def through_symlink(path: Path, stop: Path) -> bool:
    """Whether `path` or any folder between it and `stop` is a symlink."""
    while path != stop and path != path.parent:
        if path.is_symlink():
            return True
        path = path.parent
    return False


def month_folders(dataset_dir: Path, problems: list[str]) -> dict[tuple[int, int], Path]:
    """The year=YYYY/month=MM folders of one dataset's history; symlinks and stray names are reported."""
    months: dict[tuple[int, int], Path] = {}
    if dataset_dir.is_symlink():
        problems.append(f"{dataset_dir} is a symlink: not followed, left alone")
        return months
    if not dataset_dir.is_dir():
        return months
    for year_entry in _entries(dataset_dir):
        year = YEAR_DIR.fullmatch(year_entry.name)
        if year_entry.is_symlink() or not year_entry.is_dir(follow_symlinks=False) or not year:
            problems.append(f"{year_entry.path} is not a year=YYYY folder (or is a symlink): left alone")
            continue
        for month_entry in _entries(Path(year_entry.path)):
            month = MONTH_DIR.fullmatch(month_entry.name)
            if month_entry.is_symlink() or not month_entry.is_dir(follow_symlinks=False) or not month:
                problems.append(f"{month_entry.path} is not a month=MM folder (or is a symlink): left alone")
                continue
            months[(int(year.group(1)), int(month.group(1)))] = Path(month_entry.path)
    return months


@dataclass
class Month:
    dataset: str
    year: int
    month: int
    folder: Path
    stage: str
    snapshots: list[history.Snapshot]
    scan: MonthScan
    record: dict | None
    action: str = "none"  # none | compact | finish | expire | blocked
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.dataset} {self.year:04d}-{self.month:02d}"

    @property
    def monthly_path(self) -> Path:
        return self.folder / MONTHLY_DAY / PART

    @property
    def dailies(self) -> list[history.Snapshot]:
        """The committed snapshots still read from their daily file."""
        return [s for s in self.snapshots if s.path.parent.name != MONTHLY_DAY]


def _snapshot_problems(month: Month) -> list[str]:
    """Each recorded snapshot of the month where it should be, and each daily partition recorded by a run."""
    problems = []
    listed_days = set()
    for snap in month.snapshots:
        if snap.path.parent.name == MONTHLY_DAY:
            if not snap.path.is_file():
                problems.append(f"{month.label}: monthly file {snap.path} (run {snap.run_id}) is missing")
            continue
        expected = month.folder / f"day={snap.date.day:02d}" / PART
        if snap.path != expected:
            problems.append(f"{month.label}: run {snap.run_id} records {snap.path}, not {expected}: left alone")
        elif not snap.path.is_file() and month.stage != "expired":  # an expired month may be half deleted
            problems.append(f"{month.label}: {snap.path} (run {snap.run_id}) is missing: nothing merged")
        listed_days.add(snap.date.day)
    problems += [
        f"{path}: no committed run record lists it (stray partition): not merged"
        for day, path in sorted(month.scan.days.items())
        if day not in listed_days
    ]
    return problems


def _monthly_problems(month: Month, record: dict | None) -> tuple[list[str], bool]:
    """The monthly file against its compaction record: the problems, and whether a re-compaction was interrupted
    (it recorded its new file, then stopped before renaming it into place)."""
    monthly = month.scan.monthly
    if monthly and not record and not month.dailies:
        return [f"{monthly}: no compaction record lists it (stray): left alone"], False
    if record and not monthly and month.stage != "expired":
        return [f"{month.label}: its compaction record lists {record['monthly_path']}, which is missing"], False
    if not (record and monthly):
        return [], False
    digest = sha256_file(monthly)
    if digest == record["monthly_sha256"]:
        return [], False
    if digest == record.get("previous_sha256"):
        return [], True
    return [
        f"{monthly}: sha256 differs from its compaction record (changed or corrupt): "
        "restore it from git; nothing of the month is changed"
    ], False


def _action(month: Month, record: dict | None, interrupted: bool) -> str:
    if month.problems:
        return "blocked"
    if month.stage == "expired":
        return "expire" if month.scan.days or month.scan.monthly else "none"
    if not month.dailies:
        return "none"
    if not record or interrupted:
        return "compact"
    merged = {(s["run_id"], s["snapshot_date"]) for s in record["snapshots"]}
    new = [s for s in month.dailies if (s.run_id, s.date.isoformat()) not in merged]
    # new: snapshots committed after the month was compacted (a backfill), merged into a new monthly file;
    # none: an earlier run wrote and recorded the monthly file, then stopped before removing every daily
    return "compact" if new else "finish"


def plan(month: Month) -> Month:
    """Decide what to do with one month (no change on disk): the action and, when blocked, why."""
    record = month.record if month.record and month.record.get("status") == "compacted" else None
    monthly_problems, interrupted = _monthly_problems(month, record)
    month.problems = [*month.scan.problems, *_snapshot_problems(month), *monthly_problems]
    month.action = _action(month, record, interrupted)
    return month


def plan_all(datos: Path, today: dt.date) -> tuple[list[Month], list[str]]:
    """Every past-window month of every dataset with its planned action, and the problems outside any month."""
    classes = read_json(CONTRACTS_DIR / "retention_classes.json", "retention classes")
    root = Path(datos) / "history"
    problems: list[str] = []
    months: list[Month] = []
    if root.is_symlink():
        return months, [f"{root} is a symlink: not followed, nothing compacted"]
    contracts = load_contracts()
    if root.is_dir():
        for entry in _entries(root):
            if entry.name not in contracts:
                problems.append(f"{entry.path}: no dataset contract of that name: left alone")
    for name, contract in contracts.items():
        spec = classes[contract.raw["retention_class"]]
        folders = month_folders(root / name, problems)
        by_month: dict[tuple[int, int], list[history.Snapshot]] = {}
        for snap in history.snapshots(datos, name):
            by_month.setdefault((snap.date.year, snap.date.month), []).append(snap)
        for year, month in sorted(set(folders) | set(by_month)):
            stage = month_stage(today, year, month, spec["daily_days"], spec["monthly_months"])
            if stage == "daily":
                continue
            folder = folders.get((year, month), root / name / f"year={year:04d}" / f"month={month:02d}")
            if (year, month) not in folders and through_symlink(folder, root):
                continue  # reported by the walk: never followed
            record_path = history.compaction_record_path(datos, name, year, month)
            record = read_json(record_path, "compaction record") if record_path.is_file() else None
            scan = scan_month(folder) if folder.is_dir() else MonthScan()
            snaps = by_month.get((year, month), [])
            months.append(plan(Month(name, year, month, folder, stage, snaps, scan, record)))
    return months, problems

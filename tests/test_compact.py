"""Retention: daily snapshots while recent, then the last one of each month, then nothing (`make compact`)."""

from __future__ import annotations

import datetime as dt

import duckdb

from compact import to_delete
from staged_run import run_script

D = dt.date
TODAY = D(2026, 11, 23)
DAYS = [
    D(2026, 11, 16),  # a week old: daily
    D(2026, 6, 1),  # 175 days: daily
    D(2026, 5, 31),  # 176 days: daily
    D(2026, 5, 20),  # 187 days, not the last of May: dropped
    D(2026, 3, 2),  # old, not the last of March: dropped
    D(2026, 3, 30),  # old, the last of March: monthly
    D(2024, 12, 31),  # 23 months old: monthly in both classes
    D(2024, 11, 30),  # 24 months old: past `heavy`'s 24 months, inside `core`'s 60
    D(2021, 11, 30),  # 60 months old: past `core` too
]


def test_core_keeps_180_days_daily_then_one_per_month_for_5_years():
    assert to_delete(DAYS, TODAY, 180, 60) == [D(2021, 11, 30), D(2026, 3, 2), D(2026, 5, 20)]


def test_heavy_keeps_90_days_daily_then_one_per_month_for_24_months():
    # 2026-05-31 and 2026-06-01 are past 90 days but each the last of its month: kept as monthly snapshots
    assert to_delete(DAYS, TODAY, 90, 24) == [D(2021, 11, 30), D(2024, 11, 30), D(2026, 3, 2), D(2026, 5, 20)]


def test_nothing_is_dropped_inside_the_daily_window():
    recent = [TODAY - dt.timedelta(days=n) for n in range(180)]
    assert to_delete(recent, TODAY, 180, 60) == []


def write_partition(datos, name: str, day: dt.date) -> None:
    folder = datos / f"history/{name}/year={day.year:04d}/month={day.month:02d}/day={day.day:02d}"
    folder.mkdir(parents=True)
    duckdb.sql(
        f"copy (select '{day}'::date as snapshot_date, 'r-{day}' as run_id) to '{folder}/part-0000.parquet' "
        "(format parquet)"
    )


def test_make_compact_applies_each_datasets_class_and_is_idempotent(tmp_path):
    datos = tmp_path / "datos"
    for name in ("trend_score", "github_repos"):  # core and heavy
        for day in DAYS:
            write_partition(datos, name, day)
    dry = run_script("compact.py", datos, "--dry-run", RUN_DATE=TODAY.isoformat())
    assert dry.returncode == 0, dry.stderr
    assert "would delete 7 snapshots" in dry.stdout
    assert len(list(datos.glob("history/*/*/*/*/part-0000.parquet"))) == 2 * len(DAYS)

    run = run_script("compact.py", datos, RUN_DATE=TODAY.isoformat())
    assert run.returncode == 0, run.stderr
    assert "compact: trend_score: deleted 3 snapshots (2021-11-30 .. 2026-05-20)" in run.stdout
    assert "compact: github_repos: deleted 4 snapshots" in run.stdout
    kept = duckdb.sql(
        f"select snapshot_date, year, month, day from read_parquet('{datos}/history/trend_score/**/*.parquet', "
        "hive_partitioning = true) order by 1"
    ).fetchall()
    assert [d for d, *_ in kept] == sorted(set(DAYS) - {D(2021, 11, 30), D(2026, 3, 2), D(2026, 5, 20)})
    assert not (datos / "history/trend_score/year=2021").exists()  # emptied folders go too
    assert not (datos / "history/github_repos/year=2026/month=05/day=20").exists()

    again = run_script("compact.py", datos, RUN_DATE=TODAY.isoformat())
    assert "deleted 0 snapshots" in again.stdout

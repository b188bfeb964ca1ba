"""Monthly compaction (`make compact`): merge, verify, record, remove; retention; crashes; replay; bad partitions.

Over 400 lines on purpose: every scenario starts from the one committed-history template below (a split would copy it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pytest

import history
from compact_plan import month_stage
from lib import CONTRACTS_DIR
from lib.contracts import load_contracts
from lib.files import sha256_file
from staged_run import RUN_DATE, TREND_SCORE, run_script, stage

pytestmark = pytest.mark.slow  # each test starts from a committed multi-week history and compacts it

D = dt.date
TODAY = D(2026, 11, 23)
CONTRACTS = load_contracts()
CORE = "trend_score"
HEAVY = "github_repos"
assert CONTRACTS[CORE].raw["retention_class"] == "core" and CONTRACTS[HEAVY].raw["retention_class"] == "heavy"

DATES = [
    D(2021, 11, 30),  # 60 months old: expired in both classes
    D(2024, 11, 30),  # 24 months: expired for heavy, monthly for core
    D(2026, 3, 2),  # an old month, three snapshots: monthly in both classes
    D(2026, 3, 9),
    D(2026, 3, 16),
    D(2026, 5, 20),  # May straddles core's 180 days (May 31 is 176 days old): daily; heavy (90 days): monthly
    D(2026, 5, 27),
    D(2026, 11, 16),  # recent: daily
]


def run_id_for(day: dt.date) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"trend-run/{day}"))


# --------------------------------------------------------------------------- the rule


def test_core_class_months():
    stage_of = lambda y, m: month_stage(TODAY, y, m, 180, 60)  # noqa: E731
    assert stage_of(2026, 11) == "daily"
    assert stage_of(2026, 5) == "daily"  # straddles the window: its last day is 176 days old
    assert stage_of(2026, 4) == "monthly"  # April 30 is 207 days old
    assert stage_of(2021, 12) == "monthly"  # 59 months old
    assert stage_of(2021, 11) == "expired"  # 60 months old


def test_heavy_class_months():
    stage_of = lambda y, m: month_stage(TODAY, y, m, 90, 24)  # noqa: E731
    assert stage_of(2026, 8) == "daily"  # August 31 is 84 days old
    assert stage_of(2026, 7) == "monthly"  # July 31 is 115 days old
    assert stage_of(2026, 5) == "monthly"
    assert stage_of(2024, 12) == "monthly"  # 23 months old
    assert stage_of(2024, 11) == "expired"  # 24 months old


# --------------------------------------------------------------------------- test histories


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A data folder after one real aggregate run: its partitions and run record are the pattern of every day."""
    datos = tmp_path_factory.mktemp("template") / "datos"
    stage(datos)
    run = run_script("aggregate.py", datos, run_id=run_id_for(RUN_DATE))
    assert run.returncode == 0, run.stderr
    return datos


def write_day(datos: Path, template: Path, day: dt.date) -> str:
    """One committed run of `day`, written as the aggregate step writes it: every dataset's partition (the
    template's rows with this run's run_id and snapshot_date), then the run record that commits them."""
    record = json.loads((template / "metadata/runs" / f"{run_id_for(RUN_DATE)}.json").read_text())
    run_id = run_id_for(day)
    for entry in record["datasets"]:
        contract = CONTRACTS[entry["dataset_logical_name"]]
        target = contract.history_path(datos, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        duckdb.sql(
            f"copy (select * replace ('{run_id}' as run_id, date '{day}' as snapshot_date) "
            f"from read_parquet('{template / entry['history_path']}', hive_partitioning = false)) to '{target}' (format parquet, compression zstd)"
        )
        entry["history_path"] = target.relative_to(datos).as_posix()
        entry["history_sha256"] = sha256_file(target)
        entry["source_run_id"] = run_id
    record.update(run_id=run_id, run_date=day.isoformat(), generated_at_utc=f"{day}T06:00:00Z")
    runs = datos / "metadata/runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{run_id}.json").write_text(json.dumps(record))
    return run_id


@pytest.fixture
def datos(tmp_path, template) -> Path:
    folder = tmp_path / "datos"
    for day in DATES:
        write_day(folder, template, day)
    return folder


def rows_by_snapshot(datos: Path) -> dict[tuple[str, str, str], list[tuple]]:
    """Every committed snapshot's rows, read the way every reader reads history."""
    con = duckdb.connect()
    return {
        (name, snap.run_id, snap.date.isoformat()): history.read_snapshot(con, snap).fetchall()
        for name in CONTRACTS
        for snap in history.snapshots(datos, name)
    }


def tree(datos: Path) -> dict[str, str]:
    return {
        p.relative_to(datos).as_posix(): sha256_file(p)
        for p in sorted(datos.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != ".lock"
    }


def compact(datos: Path, *args: str, **env: str):
    return run_script("compact.py", datos, *args, RUN_DATE=TODAY.isoformat(), **env)


def month_files(datos: Path, name: str, year: int, month: int) -> list[str]:
    folder = datos / f"history/{name}/year={year:04d}/month={month:02d}"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --------------------------------------------------------------------------- the run


def test_compaction_merges_verifies_applies_both_classes_and_keeps_one_history(datos):
    before = rows_by_snapshot(datos)
    run = compact(datos)
    assert run.returncode == 0, run.stderr

    # core: March and 2024-11 merged, May (straddling) and November still daily, 2021-11 expired
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]
    assert month_files(datos, CORE, 2024, 11) == ["day=all/part-0000.parquet"]
    assert month_files(datos, CORE, 2026, 5) == ["day=20/part-0000.parquet", "day=27/part-0000.parquet"]
    assert month_files(datos, CORE, 2026, 11) == ["day=16/part-0000.parquet"]
    assert not (datos / f"history/{CORE}/year=2021").exists()
    # heavy: May merged too (past 90 days), 2024-11 expired
    assert month_files(datos, HEAVY, 2026, 5) == ["day=all/part-0000.parquet"]
    assert not (datos / f"history/{HEAVY}/year=2024").exists()

    # the record says what was merged and how it was checked
    record = json.loads((datos / f"metadata/compaction/{CORE}/2026-03.json").read_text())
    assert record["status"] == "compacted" and record["verified"] == {
        "row_count": True,
        "schema": True,
        "row_checksum": True,
        "per_run": True,
    }
    assert [s["snapshot_date"] for s in record["snapshots"]] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert record["monthly_sha256"] == sha256_file(datos / record["monthly_path"])
    assert record["schema_hash"] == CONTRACTS[CORE].schema_hash
    per_snapshot = len(before[(CORE, run_id_for(D(2026, 3, 2)), "2026-03-02")])
    assert record["row_count"] == 3 * per_snapshot == sum(s["row_count"] for s in record["snapshots"])
    expired = json.loads((datos / f"metadata/compaction/{CORE}/2021-11.json").read_text())
    assert expired["status"] == "expired" and expired["snapshots"][0]["snapshot_date"] == "2021-11-30"

    # one history: every reader sees each kept snapshot once, with the same rows in the same order
    after = rows_by_snapshot(datos)
    gone = {k for k in before if k[2] == "2021-11-30" or (k[0] == HEAVY and k[2] == "2024-11-30")}
    assert set(after) == set(before) - gone
    assert all(after[k] == before[k] for k in after)
    # a hive-partitioned read of a dataset still sees one table, without duplicates
    counts = duckdb.sql(
        f"select snapshot_date, count(*) from read_parquet('{datos}/history/{CORE}/**/*.parquet', "
        "hive_partitioning = true) group by all order by 1"
    ).fetchall()
    assert [str(d) for d, _ in counts] == [str(d) for d in DATES[1:]]
    assert {n for _, n in counts} == {per_snapshot}

    # idempotent: a second run changes nothing
    state = tree(datos)
    again = compact(datos)
    assert again.returncode == 0, again.stderr
    assert "changed 0 months" in again.stdout
    assert tree(datos) == state


def test_dry_run_lists_and_changes_nothing(datos):
    state = tree(datos)
    run = compact(datos, "--dry-run")
    assert run.returncode == 0, run.stderr
    assert f"{CORE} 2026-03: would merge 3 daily snapshots" in run.stdout
    assert f"{CORE} 2021-11: would delete the month" in run.stdout
    assert f"{CORE} 2026-05" not in run.stdout  # the straddling month is not touched
    assert tree(datos) == state and not (datos / ".lock").exists()


# --------------------------------------------------------------------------- crashes


@pytest.mark.parametrize(
    "point",
    [
        "compact_monthly_written",
        "compact_after_monthly_file",
        "compact_after_record",
        "compact_between_daily_removals",
        "compact_before_expiry_delete",
    ],
)
def test_a_crash_loses_or_doubles_nothing_and_the_next_run_finishes(datos, tmp_path, template, point):
    clean = tmp_path / "clean"
    for day in DATES:
        write_day(clean, template, day)
    assert compact(clean).returncode == 0
    before = rows_by_snapshot(datos)

    crashed = compact(datos, TRENDS_CRASH_AT=point)
    assert crashed.returncode == 99, crashed.stderr
    # while the crash's leftovers are there, every snapshot is still read once, whole
    during = rows_by_snapshot(datos)
    assert all(during[k] == before[k] for k in during)
    assert set(before) - set(during) <= {k for k in before if k[2] in ("2021-11-30", "2024-11-30")}

    run = compact(datos)
    assert run.returncode == 0, run.stderr
    assert rows_by_snapshot(datos) == rows_by_snapshot(clean)
    assert sorted(tree(datos)) == sorted(tree(clean))  # the same files, no temporary file left
    assert not [p for p in datos.rglob(".*") if p.name != ".lock"]


# --------------------------------------------------------------------------- replay


def test_replay_and_publish_after_compaction(tmp_path):
    datos = tmp_path / "datos"
    runs = {}
    for day in (D(2026, 3, 2), D(2026, 3, 9)):
        stage(datos, run_date=day)
        run_id = run_id_for(day)
        run = run_script("aggregate.py", datos, run_id=run_id, RUN_DATE=day.isoformat())
        assert run.returncode == 0, run.stderr
        runs[run_id] = {p.name: p.read_bytes() for p in (datos / "latest").iterdir()}
    run = compact(datos)
    assert run.returncode == 0, run.stderr
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]
    for run_id, published in runs.items():
        out = tmp_path / f"replay-{run_id}"
        replay = run_script("replay.py", datos, "--run-id", run_id, "--out", str(out))
        assert replay.returncode == 0, replay.stderr
        assert {p.name: p.read_bytes() for p in out.iterdir()} == published  # byte for byte
    # the dashboard's trend history (the bridge file of the run publish puts out, which replay has just rebuilt
    # byte for byte from the monthly file) still holds both snapshots, whole
    site = tmp_path / "site"
    publish = run_script("publish.py", datos, "--out", str(site))
    assert publish.returncode == 0, publish.stderr
    published = (site / "trend_score_history.json").read_bytes()
    assert published == runs[run_id_for(D(2026, 3, 9))]["trend_score_history.json"]
    snapshots = json.loads(published)["snapshots"]
    assert [(s["date"], s["row_count"], len(s["top_10"])) for s in snapshots] == [
        (day.isoformat(), len(TREND_SCORE) - 1, min(10, len(TREND_SCORE) - 1)) for day in (D(2026, 3, 2), D(2026, 3, 9))
    ]


# --------------------------------------------------------------------------- bad partitions


def march(datos: Path, name: str = CORE) -> Path:
    return datos / f"history/{name}/year=2026/month=03"


def assert_march_untouched(datos: Path, state: dict[str, str], name: str = CORE) -> None:
    assert not (datos / f"metadata/compaction/{name}/2026-03.json").exists()
    prefix = f"history/{name}/year=2026/month=03/"
    assert {k: v for k, v in tree(datos).items() if k.startswith(prefix)} == {
        k: v for k, v in state.items() if k.startswith(prefix)
    }


def test_a_corrupt_daily_partition_is_reported_not_merged_and_nothing_of_its_month_is_deleted(datos):
    partition = march(datos) / "day=09/part-0000.parquet"
    data = partition.read_bytes()
    partition.write_bytes(data[: len(data) // 2])
    state = tree(datos)
    run = compact(datos)
    assert run.returncode == 1
    assert str(partition) in run.stderr and "sha256 differs from its run record" in run.stderr
    assert_march_untouched(datos, state)
    assert month_files(datos, HEAVY, 2026, 3) == ["day=all/part-0000.parquet"]  # other datasets go on


def test_an_unreadable_partition_without_recorded_checksum_is_reported(datos):
    record_path = datos / "metadata/runs" / f"{run_id_for(D(2026, 3, 9))}.json"
    record = json.loads(record_path.read_text())
    for entry in record["datasets"]:
        entry.pop("history_sha256")  # a run record from before checksums were recorded
    record_path.write_text(json.dumps(record))
    partition = march(datos) / "day=09/part-0000.parquet"
    partition.write_bytes(partition.read_bytes()[:100])
    state = tree(datos)
    run = compact(datos)
    assert run.returncode == 1 and "unreadable" in run.stderr and str(partition) in run.stderr
    assert "Traceback" not in run.stderr
    assert_march_untouched(datos, state)


def test_a_stray_partition_is_reported_and_blocks_its_month(datos):
    stray = march(datos) / "day=20"
    shutil.copytree(march(datos) / "day=16", stray)  # no committed run record lists day 20
    state = tree(datos)
    run = compact(datos)
    assert run.returncode == 1
    assert f"{stray / 'part-0000.parquet'}: no committed run record lists it" in run.stderr
    assert_march_untouched(datos, state)


def test_symlinks_are_reported_and_never_followed(datos, tmp_path):
    outside = tmp_path / "outside"
    shutil.copytree(march(datos) / "day=16", outside / "day=16")
    shutil.copytree(march(datos, HEAVY) / "day=16", outside / "heavy")
    os.symlink(outside / "day=16", march(datos) / "day=21")  # a symlinked day folder
    heavy_file = march(datos, HEAVY) / "day=02/part-0000.parquet"
    heavy_file.unlink()
    os.symlink(outside / "heavy/part-0000.parquet", heavy_file)  # a symlinked daily file
    state = tree(datos)
    run = compact(datos)
    assert run.returncode == 1
    assert f"{march(datos) / 'day=21'} is a symlink: not followed" in run.stderr
    assert f"{heavy_file} is a symlink: not followed" in run.stderr
    assert_march_untouched(datos, state)
    assert_march_untouched(datos, state, HEAVY)
    assert (march(datos) / "day=21").is_symlink() and heavy_file.is_symlink()
    assert sorted(p.name for p in outside.rglob("*")) == ["day=16", "heavy", "part-0000.parquet", "part-0000.parquet"]


def test_a_changed_monthly_file_is_reported_and_its_month_left_alone(datos):
    assert compact(datos).returncode == 0
    monthly = march(datos) / "day=all/part-0000.parquet"
    monthly.write_bytes(monthly.read_bytes()[:-10])
    state = tree(datos)
    run = compact(datos)
    assert run.returncode == 1 and f"{monthly}: sha256 differs from its compaction record" in run.stderr
    assert tree(datos) == state


def test_a_snapshot_committed_after_its_month_was_compacted_is_merged_in(datos, template):
    assert compact(datos).returncode == 0
    first = json.loads((datos / f"metadata/compaction/{CORE}/2026-03.json").read_text())
    late = write_day(datos, template, D(2026, 3, 23))  # e.g. a backfill run committed later
    before = rows_by_snapshot(datos)
    assert (CORE, late, "2026-03-23") in before  # read from its daily file meanwhile
    run = compact(datos)
    assert run.returncode == 0, run.stderr
    assert f"{CORE} 2026-03: merged again with 1 daily snapshots" in run.stdout
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]
    record = json.loads((datos / f"metadata/compaction/{CORE}/2026-03.json").read_text())
    assert record["previous_sha256"] == first["monthly_sha256"] != record["monthly_sha256"]
    assert [s["snapshot_date"] for s in record["snapshots"]] == ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]
    assert rows_by_snapshot(datos) == before


@pytest.mark.parametrize(
    "point",
    [
        "compact_monthly_written",
        "compact_recompaction_recorded",
        "compact_after_monthly_file",
        "compact_between_daily_removals",
    ],
)
def test_a_crash_while_merging_a_late_snapshot_loses_nothing(datos, template, point):
    assert compact(datos).returncode == 0
    write_day(datos, template, D(2026, 3, 23))
    write_day(datos, template, D(2026, 3, 30))
    before = rows_by_snapshot(datos)
    crashed = compact(datos, TRENDS_CRASH_AT=point)
    assert crashed.returncode == 99, crashed.stderr
    assert rows_by_snapshot(datos) == before
    run = compact(datos)
    assert run.returncode == 0, run.stderr
    assert rows_by_snapshot(datos) == before
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]
    record = json.loads((datos / f"metadata/compaction/{CORE}/2026-03.json").read_text())
    assert record["monthly_sha256"] == sha256_file(datos / record["monthly_path"]) and len(record["snapshots"]) == 5


def test_the_replaced_monthly_file_is_refused_once_the_late_merge_is_done(datos, template):
    assert compact(datos).returncode == 0
    monthly = march(datos) / "day=all/part-0000.parquet"
    old = monthly.read_bytes()
    late = write_day(datos, template, D(2026, 3, 23))
    assert compact(datos).returncode == 0
    monthly.write_bytes(old)  # the file before the late snapshot was merged in, put back by hand
    snap = next(s for s in history.snapshots(datos, CORE) if s.run_id == late)
    with pytest.raises(history.PipelineError, match="does not match the SHA-256 its run recorded"):
        history.read_snapshot(duckdb.connect(), snap)


def test_compaction_holds_the_data_folder_lock(datos):
    from lib.files import data_lock

    state = tree(datos)
    with data_lock(datos, "aggregate run test"):
        run = compact(datos)
    assert run.returncode == 2 and "is locked by aggregate run test" in run.stderr
    assert tree(datos) == state


def test_a_symlinked_year_folder_is_never_followed(datos, tmp_path):
    year = datos / f"history/{CORE}/year=2024"
    outside = tmp_path / "outside-year"
    shutil.move(year, outside)
    os.symlink(outside, year)  # the committed run of 2024-11-30 now points through a link out of the data folder
    before = sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*"))
    run = compact(datos)
    assert run.returncode == 1 and f"{year} is not a year=YYYY folder (or is a symlink)" in run.stderr
    assert sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*")) == before
    assert not (datos / f"metadata/compaction/{CORE}/2024-11.json").exists()
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]  # the rest is compacted


def test_a_compaction_record_cannot_send_readers_outside_the_history(datos):
    assert compact(datos).returncode == 0
    record_path = datos / f"metadata/compaction/{CORE}/2026-03.json"
    record = json.loads(record_path.read_text())
    record["monthly_path"] = "../../outside.parquet"
    record_path.write_text(json.dumps(record))
    with pytest.raises(history.PipelineError, match=r"names '\.\./\.\./outside\.parquet'"):
        history.snapshots(datos, CORE)


def test_make_compact_is_the_verb_a_person_types(datos):
    """`make compact` (compact is a verb that writes no settings file, so it runs in the project itself)."""
    import subprocess

    from lib import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.update(DATOS=str(datos), RUN_DATE=TODAY.isoformat())
    # every dataset's months of DATES that leave the daily layout (merged or expired) as of TODAY
    classes = json.loads((CONTRACTS_DIR / "retention_classes.json").read_text())
    months = {(day.year, day.month) for day in DATES}
    stages = [
        month_stage(TODAY, year, month, spec["daily_days"], spec["monthly_months"])
        for spec in (classes[contract.raw["retention_class"]] for contract in CONTRACTS.values())
        for year, month in months
    ]
    changed = len(stages) - stages.count("daily")  # 10 core datasets x 3 months + heavy 4 = 34 as of this writing
    state = tree(datos)
    dry = subprocess.run(["make", "compact", "DRY_RUN=1"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert f"would change {changed} months" in dry.stdout and tree(datos) == state
    run = subprocess.run(["make", "compact"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert f"changed {changed} months" in run.stdout
    assert month_files(datos, CORE, 2026, 3) == ["day=all/part-0000.parquet"]

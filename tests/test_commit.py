"""The commit protocol: a crash at every named step, recovery by the next writer, stray and bad partitions,
same-day reruns, the record of a run that failed early, and publish copying exactly the committed set."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import commit
import history
import publish
from commit_checks import assert_consistent, files
from lib.contracts import load_contracts, manifest_errors
from lib.duck import duckdb_connect
from lib.files import data_lock, sha256_file
from staged_run import RUN_DATE, TREND_SCORE, run_script, stage, write_csv

RUN_A = "aaaaaaaa-0000-4000-8000-000000000001"
RUN_B = "bbbbbbbb-0000-4000-8000-000000000002"
RUN_C = "cccccccc-0000-4000-8000-000000000003"
DASHBOARD_CSVS = sorted(c.v1_file for c in load_contracts().values() if c.v1_file != "github_repos_2025.csv")

# every named step of the commit, in order (scripts/commit.py, lib.files.switch_dir)
BEFORE_COMMIT = ["after_staging", "after_journal", "after_history_move", "before_record"]
AFTER_COMMIT = [
    "after_record",
    "before_switch",
    "after_switch",
    "after_latest",
    "after_v1_copies",
    "after_run_manifest",
]


def aggregate(datos: Path, run_id: str, **env: str):
    return run_script("aggregate.py", datos, run_id=run_id, **env)


def commit_b(datos: Path, run_id: str, **env: str):
    """The commit step alone, with the quality report already built for the staged run (as Make runs it)."""
    return run_script(
        "aggregate.py", datos, "commit", "--quality", str(datos / "work/quality.json"), run_id=run_id, **env
    )


def _template(folder: Path, first_date: dt.date) -> Path:
    """Run A committed on `first_date`; then run B's inputs staged for 2026-11-23 with its quality report."""
    stage(folder, run_date=first_date)
    assert aggregate(folder, RUN_A, RUN_DATE=first_date.isoformat()).returncode == 0
    stage(folder)
    write_csv(folder / "work/trend_score.csv", TREND_SCORE[:3])  # run B scores one technology fewer
    quality = run_script("aggregate.py", folder, "quality", run_id=RUN_B)
    assert quality.returncode == 0, quality.stderr
    return folder


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("templates")
    return {
        "next_week": _template(base / "next_week", dt.date(2026, 11, 16)),
        "same_day": _template(base / "same_day", RUN_DATE),
    }


@pytest.fixture
def datos(templates, tmp_path) -> Path:
    folder = tmp_path / "datos"
    shutil.copytree(templates["same_day"], folder)
    return folder


CASES = [("next_week", p) for p in BEFORE_COMMIT + AFTER_COMMIT] + [
    ("same_day", p) for p in ("after_journal", "before_record", "after_record", "after_history_replace", "after_latest")
]


@pytest.mark.slow
@pytest.mark.parametrize(("template", "point"), CASES)
def test_a_crash_at_every_step_of_the_commit_is_recovered(templates, tmp_path, template, point):
    datos = tmp_path / "datos"
    shutil.copytree(templates[template], datos)
    before = {"latest": files(datos / "latest"), "record": history.latest_committed(datos)}
    crashed = commit_b(datos, RUN_B, TRENDS_CRASH_AT=point)
    assert crashed.returncode == 99, crashed.stdout + crashed.stderr
    # without any recovery, a reader still sees one committed run: A before the commit point, B after it
    last = history.latest_committed(datos)
    if point in BEFORE_COMMIT or point in ("after_journal", "before_record"):
        assert last == before["record"]
        assert files(datos / "latest") == before["latest"]  # the previous committed state, untouched
        con = duckdb_connect()
        for entry in last["datasets"]:
            history.read_snapshot(con, history.snapshot_of_run(datos, last, entry["dataset_logical_name"])).fetchall()
        committed = False
    else:
        assert last["run_id"] == RUN_B
        committed = True
    # the next writer recovers by itself, and the next run succeeds
    run = commit_b(datos, RUN_C)
    assert run.returncode == 0, run.stderr
    if committed:
        assert f"rolled forward run {RUN_B}" in run.stdout
    elif point != "after_staging":
        assert f"rolled back run {RUN_B}" in run.stdout
    else:
        assert f"removed the staged folder of run {RUN_B}" in run.stdout
    last = assert_consistent(datos, tmp_path)
    assert last["run_id"] == RUN_C
    expected = [RUN_A, RUN_B, RUN_C] if committed else [RUN_A, RUN_C]
    assert [r["run_id"] for r in history.committed_runs(datos)] == expected


@pytest.mark.slow
def test_publish_finishes_a_committed_run_before_copying(datos, tmp_path):
    assert aggregate(datos, RUN_B, TRENDS_CRASH_AT="after_record").returncode == 99
    site = tmp_path / "site"
    run = run_script("publish.py", datos, "--out", str(site))
    assert run.returncode == 0, run.stderr
    assert f"rolled forward run {RUN_B}" in run.stdout
    assert (site / "run_manifest.json").read_bytes() == publish.dashboard_manifest(
        datos, history.latest_committed(datos)
    )
    assert assert_consistent(datos, tmp_path)["run_id"] == RUN_B


@pytest.mark.slow
def test_same_day_rerun_owns_the_partition_and_the_earlier_run_says_so(datos, tmp_path):
    assert aggregate(datos, RUN_B).returncode == 0
    last = assert_consistent(datos, tmp_path)
    assert last["run_id"] == RUN_B and last["commit_seq"] == 2
    replaced = run_script("replay.py", datos, "--run-id", RUN_A, "--out", str(tmp_path / "a"))
    assert replaced.returncode == 2 and f"now holds run {RUN_B}" in replaced.stderr
    assert [s.run_id for s in history.snapshots(datos, "trend_score")] == [RUN_B]


@pytest.mark.slow
def test_stray_truncated_and_foreign_partitions_are_reported_and_never_read(datos, tmp_path):
    assert aggregate(datos, RUN_B).returncode == 0
    base = datos / "history/so_volumen/year=2026"
    (base / "month=11/day=16.bak").mkdir()
    (base / "month=11/day=16.bak/part-0000.parquet").write_bytes(b"junk")
    (base / "month=13/day=01").mkdir(parents=True)
    (base / "month=13/day=01/part-0000.parquet").write_bytes(b"junk")
    _owners, problems = history.audit(datos)
    assert any("day=16.bak" in p and "not a partition of the history layout" in p for p in problems)
    assert any("month=13" in p for p in problems)
    check = run_script("history.py", datos)  # `make history-check`
    assert check.returncode == 1 and "day=16.bak" in check.stdout and "2 problem(s)" in check.stdout
    # a truncated partition of the committed run: named, not read, and the next run still publishes
    partition = datos / "history/so_volumen/year=2026/month=11/day=23/part-0000.parquet"
    partition.write_bytes(partition.read_bytes()[:64])
    _owners, problems = history.audit(datos)
    assert any("so_volumen" in p and f"does not match the SHA-256 run {RUN_B} recorded" in p for p in problems)
    snap = history.snapshot_of_run(datos, history.latest_committed(datos), "so_volumen")
    with pytest.raises(Exception, match="does not match the SHA-256"):
        history.read_snapshot(duckdb_connect(), snap)
    assert aggregate(datos, RUN_C).returncode == 0
    # a foreign-schema partition listed with its true checksum is still refused (its columns are not the contract's)
    foreign = datos / "history/so_volumen/year=2026/month=11/day=23/part-0000.parquet"
    duckdb.sql(f"copy (select 1 as x, 'r' as run_id, date '2026-11-23' as snapshot_date) to '{foreign}'")
    record = json.loads(commit.record_path(datos, RUN_C).read_text())
    for entry in record["datasets"]:
        if entry["dataset_logical_name"] == "so_volumen":
            entry["history_sha256"] = sha256_file(foreign)
    snap = history.snapshot_of_run(datos, record, "so_volumen")
    with pytest.raises(Exception, match="the contract says"):
        history.read_snapshot(duckdb_connect(), snap)


@pytest.mark.slow
def test_a_symlinked_partition_is_not_read(datos, tmp_path):
    record = history.latest_committed(datos)
    snap = history.snapshot_of_run(datos, record, "trend_score")
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(snap.path.read_bytes())
    snap.path.unlink()
    snap.path.symlink_to(outside)
    with pytest.raises(Exception, match="symlink or outside"):
        history.read_snapshot(duckdb_connect(), snap)


@pytest.mark.slow
def test_a_run_that_fails_before_aggregation_leaves_a_record_with_the_reason(tmp_path):
    datos = tmp_path / "datos"
    stage(datos)
    args = ("--staging", str(datos / "nowhere"), "--output", str(datos / "work/x.csv"))
    run = run_script("trend_engine.py", datos, *args, run_id=RUN_B)
    assert run.returncode == 2
    record = json.loads(commit.record_path(datos, RUN_B).read_text())
    assert record["published"] is False and record["quality_gate_status"] == "fail"
    assert record["failure"]["step"] == "trend score" and "does not exist" in record["failure"]["reason"]
    assert manifest_errors(record) == []
    # a committed run's record is never overwritten by a later failure with the same id
    assert aggregate(datos, RUN_A).returncode == 0
    committed = commit.record_path(datos, RUN_A).read_bytes()
    assert run_script("trend_engine.py", datos, *args, run_id=RUN_A).returncode == 2
    assert commit.record_path(datos, RUN_A).read_bytes() == committed


@pytest.mark.slow
def test_a_stale_quality_report_is_refused(tmp_path):
    datos = tmp_path / "datos"
    stage(datos)
    report = datos / "work/quality.json"
    assert run_script("aggregate.py", datos, "quality", "--output", str(report), run_id=RUN_A).returncode == 0
    write_csv(datos / "work/trend_score.csv", TREND_SCORE[:2])  # changed after the gate judged it
    run = run_script("aggregate.py", datos, "commit", "--quality", str(report), run_id=RUN_A)
    assert run.returncode == 2 and "judged other files than are staged now (trend_score)" in run.stderr
    assert history.latest_committed(datos) is None


@pytest.mark.slow
def test_a_held_lock_refuses_a_second_writer_clearly(datos):
    before = files(datos / "latest")
    with data_lock(datos, "a test holding the lock"):
        run = aggregate(datos, RUN_B)
        site = run_script("publish.py", datos, "--out", str(datos.parent / "site"))
    assert run.returncode == 2 and "is locked by a test holding the lock" in run.stderr
    assert site.returncode == 2 and "is locked by" in site.stderr
    assert files(datos / "latest") == before and history.latest_committed(datos)["run_id"] == RUN_A


@pytest.mark.slow
def test_publish_holds_exactly_the_committed_set_and_no_stale_file(datos, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "trend_history.json").write_text("{}")  # a file of an older publish
    (site / "extra.csv").write_text("x\n")
    run = run_script("publish.py", datos, "--out", str(site))
    assert run.returncode == 0, run.stderr
    record = history.latest_committed(datos)
    bridge_files = sorted(record["dashboard_files"])
    assert len(bridge_files) == 13
    assert sorted(p.name for p in site.iterdir()) == sorted([*DASHBOARD_CSVS, *bridge_files, "run_manifest.json"])
    assert not [p for p in site.iterdir() if p.is_symlink()]
    for name in bridge_files:
        assert sha256_file(site / name) == record["dashboard_files"][name]
    for entry in record["datasets"]:
        name = Path(entry["latest_path"]).name
        if name in DASHBOARD_CSVS:
            assert sha256_file(site / name) == entry["sha256"]


@pytest.mark.parametrize(
    "text",
    [" lead", "trail ", "a,b", 'q"x', "nl\nx", "ñ ünï", "'", "\\", "\t", None, "cr\rx", "#hash", "", "  "],
)
def test_duckdb_renders_every_csv_byte_as_render_csv(tmp_path, text):
    """copy_csv (DuckDB COPY, Python only where DuckDB would quote differently) == render_csv, the V1 format."""
    from lib.contracts import Column
    from lib.csvfmt import render_csv
    from lib.duck import copy_csv

    floats = [100.0, 45.67, 0.1, 1 / 3, 1e15, 1e16, 1e-4, 1e-5, -0.0, 0.0, 1e300, 5e-324, float("nan"), float("inf")]
    con = duckdb.connect()
    con.execute("create table t (s varchar, f double, i bigint, d date, ts timestamp)")
    rows = [
        (text, f, i, dt.date(2026, 1, 2) if i % 2 else None, dt.datetime(2026, 3, 2, 10, 11, 12, 500) if i else None)
        for i, f in enumerate(floats)
    ]
    con.executemany("insert into t values (?, ?, ?, ?, ?)", [*rows, (None, None, None, None, None)])
    columns = [Column(n, t, True, False, "") for n, t in (("s", "string"), ("f", "float"), ("i", "integer"))]
    columns += [Column("d", "date", True, False, ""), Column("ts", "timestamp", True, False, "")]
    writer = copy_csv(con, "t", columns, tmp_path / "out.csv")
    expected = render_csv([c.name for c in columns], con.sql("select * from t").fetchall())
    assert (tmp_path / "out.csv").read_bytes() == expected
    assert writer == ("python" if text in ("cr\rx", "#hash", "") else "duckdb")


@pytest.mark.slow
def test_a_carried_file_that_changed_stops_the_run_and_leaves_no_run_folder(datos):
    stage(datos, statuses={"reddit": "failed"})  # reddit unavailable: its previous files are carried forward
    (datos / "latest/reddit_temas_emergentes.csv").write_text("tema,menciones\nhand-edited,1\n")
    before = files(datos / "latest")
    run = aggregate(datos, RUN_B)
    assert run.returncode == 2 and "differs from what that run recorded" in run.stderr
    assert f"make replay RUN_ID={RUN_A}" in run.stderr
    assert not (datos / "work" / RUN_B).exists()
    assert files(datos / "latest") == before and history.latest_committed(datos)["run_id"] == RUN_A

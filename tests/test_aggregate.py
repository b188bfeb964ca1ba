"""Aggregate: dual write (latest CSV + Parquet history), run manifests, idempotency, crashes, replay."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import bridge
from commit_checks import committed_set
from lib.contracts import load_contracts, manifest_errors
from lib.csvfmt import csv_row_count
from lib.files import sha256_file
from lib.status import write_source_status
from staged_run import RUN_DATE, TREND_SCORE, decide, run_script, stage, write_csv

pytestmark = pytest.mark.slow  # each test runs the whole aggregate step (gate, commit, publish) one or more times

RUN_A = "11111111-1111-4111-8111-111111111111"
RUN_B = "22222222-2222-4222-8222-222222222222"
RUN_C = "33333333-3333-4333-8333-333333333333"
V1_FILES = sorted(c.v1_file for c in load_contracts().values())


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> SHA-256)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def published_state(datos: Path) -> dict[str, dict[str, str]]:
    return {
        "latest": snapshot(datos / "latest"),
        "history": snapshot(datos / "history"),
        "v1": {name: sha256_file(datos / name) for name in V1_FILES if (datos / name).exists()},
        "run_manifest": snapshot(datos / "metadata").get("run_manifest.json"),
    }


def aggregate(datos: Path, run_id: str, **env: str):
    return run_script("aggregate.py", datos, run_id=run_id, **env)


@pytest.fixture
def datos(tmp_path) -> Path:
    folder = tmp_path / "datos"
    stage(folder)
    return folder


def test_publishes_the_fixed_layout(datos):
    run = aggregate(datos, RUN_A)
    assert run.returncode == 0, run.stderr
    assert f"run {RUN_A} published 11 datasets" in run.stdout
    assert sorted(p.name for p in (datos / "latest").iterdir()) == sorted([*V1_FILES, *bridge.BRIDGE_FILES])
    for contract in load_contracts().values():
        partition = datos / f"history/{contract.name}/year=2026/month=11/day=23/part-0000.parquet"
        assert partition.is_file(), partition
        assert (datos / contract.v1_file).read_bytes() == (datos / "latest" / contract.v1_file).read_bytes()
    assert (datos / "metadata/runs" / f"{RUN_A}.json").is_file()
    assert (datos / "metadata/quality" / f"{RUN_A}.json").is_file()
    # the latest trend score is the computed one, byte for byte (V1 number formatting kept)
    assert (datos / "latest/trend_score.csv").read_bytes() == (datos / "work/trend_score.csv").read_bytes()
    # no temporary or half-built files left behind (the data folder's lock file stays), no run folder in work/
    assert not [p for p in datos.rglob("*") if p.name.startswith(".") and p != datos / ".lock"]
    assert not (datos / "work" / RUN_A).exists()


def test_history_rows_carry_run_id_and_snapshot_date(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    rows = duckdb.sql(
        f"select distinct run_id, snapshot_date from read_parquet('{datos}/history/*/*/*/*/*.parquet')"
    ).fetchall()
    assert [(r, d.isoformat()) for r, d in rows] == [(RUN_A, "2026-11-23")]
    repos = duckdb.sql(
        f"select repo_name, stars, created_at from read_parquet('{datos}/history/github_repos/**/*.parquet') "
        "order by stars desc limit 1"
    ).fetchall()
    assert repos[0][0] == "acme/rocket" and repos[0][1] == 9100 and repos[0][2].isoformat() == "2026-03-02T10:11:12"


def test_manifest_is_valid_and_matches_the_written_files(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert manifest == json.loads((datos / "metadata/runs" / f"{RUN_A}.json").read_text())
    assert manifest_errors(manifest) == []
    assert manifest["quality_gate_status"] == "pass" and manifest["published"] is True
    assert manifest["source_window_start_utc"] == "2025-11-23T00:00:00Z"
    assert manifest["source_window_end_utc"] == "2026-11-23T00:00:00Z"
    assert manifest["degradation"]["weights"] == {"github": 0.4, "stackoverflow": 0.35, "reddit": 0.25}
    assert set(manifest["durations_seconds"]) >= {"quality_gate", "validate", "stage_trend_score"}
    assert manifest["duckdb_version"] == duckdb.__version__
    contracts = load_contracts()
    assert {d["dataset_logical_name"] for d in manifest["datasets"]} == set(contracts)
    for entry in manifest["datasets"]:
        written = datos / entry["latest_path"]
        assert entry["row_count"] == csv_row_count(written)
        assert entry["sha256"] == sha256_file(written)
        assert entry["schema_hash"] == contracts[entry["dataset_logical_name"]].schema_hash
        parquet_rows = duckdb.sql(f"select count(*) from read_parquet('{datos / entry['history_path']}')").fetchall()[0]
        assert parquet_rows[0] == entry["row_count"]
        assert entry["history_sha256"] == sha256_file(datos / entry["history_path"])


def test_a_committed_run_id_cannot_commit_again(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    first = published_state(datos)
    files_first = sorted(p.relative_to(datos).as_posix() for p in datos.rglob("*") if p.is_file())
    again = aggregate(datos, RUN_A)
    assert again.returncode == 2 and f"run {RUN_A} is already committed" in again.stderr
    assert published_state(datos) == first
    assert sorted(p.relative_to(datos).as_posix() for p in datos.rglob("*") if p.is_file()) == files_first


def test_a_second_run_the_same_day_replaces_the_partition_and_keeps_both_manifests(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    write_csv(datos / "work/trend_score.csv", TREND_SCORE[:3])  # the new run scores fewer technologies
    assert aggregate(datos, RUN_B).returncode == 0
    assert sorted(p.stem for p in (datos / "metadata/runs").glob("*.json")) == sorted([RUN_A, RUN_B])
    per_day = duckdb.sql(
        f"select dataset, year, month, day, count(distinct run_id) as runs, min(run_id) as run_id "
        f"from (select *, split_part(filename, '/history/', 2).split('/')[1] as dataset "
        f"from read_parquet('{datos}/history/**/*.parquet', hive_partitioning = true, filename = true)) "
        "group by all order by all"
    ).fetchall()
    assert len(per_day) == 11
    assert all(runs == 1 and run_id == RUN_B for *_, runs, run_id in per_day)
    assert csv_row_count(datos / "latest/trend_score.csv") == 2


def test_history_across_days_reads_back_as_one_snapshot_per_dataset_per_day(tmp_path):
    datos = tmp_path / "datos"
    for day, run_id in (("2026-11-16", RUN_A), ("2026-11-23", RUN_B)):
        stage(datos, run_date=dt.date.fromisoformat(day))
        assert run_script("aggregate.py", datos, run_id=run_id, RUN_DATE=day).returncode == 0
        manifest = json.loads((datos / "metadata/runs" / f"{run_id}.json").read_text())
        assert manifest["source_window_end_utc"] == f"{day}T00:00:00Z"
    rows = duckdb.sql(
        f"select snapshot_date, year, month, day, count(distinct run_id) "
        f"from read_parquet('{datos}/history/trend_score/**/*.parquet', hive_partitioning = true) "
        "group by all order by all"
    ).fetchall()
    assert [(str(d), y, m, dd, n) for d, y, m, dd, n in rows] == [
        ("2026-11-16", 2026, 11, 16, 1),
        ("2026-11-23", 2026, 11, 23, 1),
    ]


@pytest.mark.parametrize("crash_at", ["after_journal", "before_switch", "after_switch", "after_latest"])
def test_a_crash_at_any_point_leaves_a_complete_readable_latest_set(datos, crash_at):
    assert aggregate(datos, RUN_A).returncode == 0
    before = snapshot(datos / "latest")
    write_csv(datos / "work/trend_score.csv", TREND_SCORE[:2])
    crashed = aggregate(datos, RUN_B, TRENDS_CRASH_AT=crash_at)
    assert crashed.returncode == 99
    after = snapshot(datos / "latest")
    new_trend = hashlib.sha256(Path(datos / "work/trend_score.csv").read_bytes()).hexdigest()
    # the set is either the previous one or the new run's committed set, never a mix or a partial file
    record_b = datos / "metadata/runs" / f"{RUN_B}.json"
    new_set = committed_set(json.loads(record_b.read_text())) if record_b.is_file() else None
    assert after in (before, new_set)
    for name in after:
        if name.endswith(".csv"):
            assert csv_row_count(datos / "latest" / name) >= 1
    # the next run recovers (rolls the crashed run forward or back) and cleans up
    assert aggregate(datos, RUN_C).returncode == 0
    assert snapshot(datos / "latest")["trend_score.csv"] == new_trend
    assert not [p for p in datos.rglob(".*") if p != datos / ".lock"]


def test_a_crash_between_the_fallback_renames_is_recovered(datos, monkeypatch):
    """Where the filesystem cannot exchange directories, the old set is moved aside and restored after a crash."""
    import lib.files
    from lib.files import recover_dir, switch_dir

    assert aggregate(datos, RUN_A).returncode == 0
    before = snapshot(datos / "latest")
    monkeypatch.setattr(lib.files, "_exchange", lambda a, b: False)

    def crash_at(point):
        def crash_point(name):
            if name == point:
                raise SystemExit(name)

        return crash_point

    monkeypatch.setattr(lib.files, "crash_point", crash_at("before_switch"))
    with pytest.raises(SystemExit, match="before_switch"):
        switch_dir(datos / "latest", {"trend_score.csv": b"x\n"}, RUN_B)
    assert snapshot(datos / "latest") == before
    monkeypatch.setattr(lib.files, "crash_point", crash_at("between_switch_renames"))
    with pytest.raises(SystemExit, match="between_switch_renames"):
        switch_dir(datos / "latest", {"trend_score.csv": b"x\n"}, RUN_B)
    assert not (datos / "latest").exists()  # the window the crash hit
    recover_dir(datos / "latest")
    assert snapshot(datos / "latest") == before
    assert not [p for p in datos.iterdir() if p.name.startswith(".latest")]


def test_flags_turn_history_and_v1_copies_off(datos):
    run = aggregate(datos, RUN_A, HISTORY_WRITES="0", LEGACY_V1_COPIES="0")
    assert run.returncode == 0, run.stderr
    assert not (datos / "history").exists()
    assert not any((datos / name).exists() for name in V1_FILES)
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert {d["history_path"] for d in manifest["datasets"]} == {None}
    assert manifest["flags"] == {"history_writes": False, "legacy_v1_copies": False}
    bad = aggregate(datos, RUN_B, HISTORY_WRITES="maybe")
    assert bad.returncode == 2 and "HISTORY_WRITES='maybe': use 1 or 0" in bad.stderr


def test_one_source_left_fails_the_run_and_publishes_nothing(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    before = published_state(datos)
    stage(datos, statuses={"github": "failed", "reddit": "failed"})
    run = aggregate(datos, RUN_B)
    assert run.returncode == 1
    assert "did NOT publish" in run.stdout
    assert published_state(datos) == before
    failed = json.loads((datos / "metadata/runs" / f"{RUN_B}.json").read_text())
    assert failed["quality_gate_status"] == "fail" and failed["published"] is False
    assert manifest_errors(failed) == []
    assert json.loads((datos / "metadata/run_manifest.json").read_text())["run_id"] == RUN_A


def test_two_sources_publish_with_warnings_and_keep_the_missing_sources_files(datos):
    assert aggregate(datos, RUN_A).returncode == 0
    old_reddit = (datos / "latest/reddit_temas_emergentes.csv").read_bytes()
    stage(datos)
    (datos / "staging/reddit/reddit_temas_emergentes.csv").write_text("tema,menciones\ncorrupt,1\n")
    assert decide(datos)["decision"] == "publish_with_warning"
    run = aggregate(datos, RUN_B)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert manifest["quality_gate_status"] == "pass_with_warnings"
    assert "reddit" in manifest["degradation"]["unavailable"]
    assert not {"reddit_temas", "reddit_sentimiento"} & {d["dataset_logical_name"] for d in manifest["datasets"]}
    assert (datos / "latest/reddit_temas_emergentes.csv").read_bytes() == old_reddit
    # kept from run A, and said so in run B's record: the latest set is exactly what B's record lists
    carried = {c["dataset_logical_name"]: c["from_run_id"] for c in manifest["carried_forward"]}
    assert carried == {"reddit_temas": RUN_A, "reddit_sentimiento": RUN_A}
    assert committed_set(manifest) == snapshot(datos / "latest")
    out = datos.parent / "replayed"
    replayed = run_script("replay.py", datos, "--run-id", RUN_B, "--out", str(out))
    assert replayed.returncode == 0, replayed.stderr
    assert snapshot(out) == snapshot(datos / "latest")


def test_replay_rebuilds_exactly_what_was_published(datos, tmp_path):
    assert aggregate(datos, RUN_A).returncode == 0
    published = snapshot(datos / "latest")
    out = tmp_path / "replayed"
    run = run_script("replay.py", datos, "--run-id", RUN_A, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert snapshot(out) == published


def test_replay_errors_are_clear(datos, tmp_path):
    assert aggregate(datos, RUN_A).returncode == 0
    unknown = run_script("replay.py", datos, "--run-id", RUN_B)
    assert unknown.returncode == 2
    assert f"unknown run id {RUN_B}" in unknown.stderr and RUN_A in unknown.stderr
    assert "is not a uuid" in run_script("replay.py", datos, "--run-id", "../etc").stderr

    partition = datos / "history/so_volumen/year=2026/month=11/day=23/part-0000.parquet"
    data = partition.read_bytes()
    partition.write_bytes(data[: len(data) // 2])
    corrupt = run_script("replay.py", datos, "--run-id", RUN_A)
    assert corrupt.returncode == 2 and "so_volumen" in corrupt.stderr and "does not match the SHA-256" in corrupt.stderr
    partition.unlink()
    missing = run_script("replay.py", datos, "--run-id", RUN_A)
    assert missing.returncode == 2 and "is missing" in missing.stderr

    shutil.rmtree(datos / "history")
    assert aggregate(datos, RUN_B).returncode == 0
    assert aggregate(datos, RUN_C).returncode == 0
    replaced = run_script("replay.py", datos, "--run-id", RUN_B)
    assert replaced.returncode == 2 and "a later run on the same day replaced" in replaced.stderr
    assert not (datos / "replay" / RUN_B).exists()


def restage(datos: Path, source: str, name: str, rows: list[list[str]]) -> None:
    """Replace one staged file and record it in its source's status (a source that staged bad data honestly)."""
    folder = datos / "staging" / source
    write_csv(folder / name, rows)
    status = json.loads((folder / "_source_status.json").read_text())
    write_source_status(folder, source=source, status="ok", run_date=RUN_DATE, files=list(status["files"]))
    decide(datos)


@pytest.mark.parametrize(
    ("source", "name", "rows", "expected"),
    [
        (
            "aggregate",
            "trend_score.csv",
            [TREND_SCORE[0], TREND_SCORE[1], ["2", "", "1.0", "0.0", "0.0", "0.4", "1"]],
            "trend_score",
        ),
        ("aggregate", "trend_score.csv", [TREND_SCORE[0], TREND_SCORE[1], ["1", *TREND_SCORE[2][1:]]], "trend_score"),
        ("stackoverflow", "so_volumen_preguntas.csv", [["lenguaje"], ["python"], ["go"]], "so_volumen"),
    ],
    ids=["null-in-critical-column", "duplicate-ranking", "missing-required-column"],
)
def test_a_critical_violation_publishes_nothing(datos, source, name, rows, expected):
    assert aggregate(datos, RUN_A).returncode == 0
    before = published_state(datos)
    if source == "aggregate":
        write_csv(datos / "work" / name, rows)
    else:
        restage(datos, source, name, rows)
    run = aggregate(datos, RUN_B)
    assert run.returncode == 1
    assert "did NOT publish (the quality gate failed)" in run.stdout
    assert expected in run.stderr  # the gate's summary names the dataset
    assert published_state(datos) == before
    failed = json.loads((datos / "metadata/runs" / f"{RUN_B}.json").read_text())
    assert failed["quality_gate_status"] == "fail" and failed["published"] is False
    assert {d["dataset_logical_name"]: d["quality_status"] for d in failed["datasets"]}[expected] == "fail"
    report = json.loads((datos / "metadata/quality" / f"{RUN_B}.json").read_text())
    assert any(c["dataset"] == expected and c["severity"] == "critical" and not c["passed"] for c in report["checks"])


def test_stale_data_publishes_with_the_warning_flag(datos):
    run = aggregate(datos, RUN_A, AS_OF="2026-12-20T06:00:00Z")  # four weeks after the window ended
    assert run.returncode == 0, run.stderr
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert manifest["quality_gate_status"] == "pass_with_warnings" and manifest["published"] is True
    assert "warning" in {d["quality_status"] for d in manifest["datasets"]}
    assert (datos / "latest/trend_score.csv").is_file()


def test_publish_mirrors_the_published_run_and_refuses_a_tampered_latest(datos, tmp_path):
    site = tmp_path / "site"
    nothing = run_script("publish.py", datos, "--out", str(site))
    assert nothing.returncode == 2 and "no run has published yet" in nothing.stderr
    assert aggregate(datos, RUN_A).returncode == 0
    run = run_script("publish.py", datos, "--out", str(site))
    assert run.returncode == 0, run.stderr
    published = sorted([*(name for name in V1_FILES if name != "github_repos_2025.csv"), *bridge.BRIDGE_FILES])
    assert sorted(p.name for p in site.iterdir()) == sorted([*published, "run_manifest.json"])
    record = json.loads((datos / "metadata/runs" / f"{RUN_A}.json").read_text())
    manifest = json.loads((site / "run_manifest.json").read_text())  # the public form, of run A
    assert manifest["generated_at_utc"] == record["generated_at_utc"] and "run_id" not in manifest
    assert manifest["quality_gate_status"] == record["quality_gate_status"]
    for name in published:
        assert (site / name).read_bytes() == (datos / "latest" / name).read_bytes()
    before = snapshot(site)
    (datos / "latest/trend_score.csv").write_text("ranking,tecnologia\n1,Hand-edited\n")
    tampered = run_script("publish.py", datos, "--out", str(site))
    assert tampered.returncode == 2 and "differs from what run" in tampered.stderr
    assert snapshot(site) == before

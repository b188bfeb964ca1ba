"""The bridge's failure modes and checks: missing or corrupt history, missing datasets, the public manifest,
the size budgets and the integrity rules on a realistic 6-week history, and the BRIDGE_EXPORT switch."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

import bridge
from dev.bench_bridge import week_tables, write_run
from lib import PipelineError
from lib.duck import duckdb_connect

FIRST = dt.date(2030, 1, 7)


def six_weeks(datos, weeks: int = 6) -> list[dict]:
    rng = random.Random(7)
    con = duckdb_connect()
    days = [FIRST + dt.timedelta(weeks=k) for k in range(weeks)]
    return [write_run(con, datos, day, week_tables(rng, day, repos=300)) for day in days]


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    datos = tmp_path_factory.mktemp("bridge6") / "datos"
    records = six_weeks(datos)
    snaps = bridge.committed_snapshots(datos)
    files = bridge.build(snaps, records[-1], "compact")
    files["run_manifest.json"] = bridge.render(bridge.public_manifest(records[-1], snaps))
    for name in bridge.CSV_FILES:  # the CSVs beside the bridge: small stand-ins, a header and one row
        files[name] = b"col_a,col_b\n1,2\n"
    return datos, records, files


def test_realistic_folder_passes_integrity_and_budgets(realistic):
    _, _, files = realistic
    assert bridge.check_integrity(files, expect_previous=True) == []
    assert bridge.check_budgets(files) == []
    assert sorted(files) == sorted(bridge.ALLOWLIST)


def test_oversized_folder_fails_with_sizes(realistic):
    _, _, files = realistic
    big = dict(files)
    big["github_correlacion_history.json"] = b"{" + b" " * (151 * 1024) + b"}"
    big["trend_score.csv"] = b"x" * (249 * 1024)
    problems = bridge.check_budgets(big)
    assert any(p.startswith("github_correlacion_history.json is 154626 bytes (151.0 KiB)") for p in problems)
    assert any(p.startswith("the critical files (trend_score.csv, history_index.json, ") and
               p.endswith("over the budget of 250 KiB") for p in problems)  # fmt: skip
    total = dict(files)
    for k in range(5):
        total[f"trend_score.csv{k}"] = b"x" * (140 * 1024)
    assert any("over the budget of 600 KiB" in p for p in bridge.check_budgets(total))


def test_incomplete_or_extra_files_fail(realistic):
    _, _, files = realistic
    broken = dict(files)
    del broken["so_volumen_history.json"]
    broken["notes.txt"] = b"hello"
    broken["home_highlights.json"] = b"[1, 2]"
    problems = bridge.check_integrity(broken, expect_previous=True)
    assert "so_volumen_history.json is missing (required by the dashboard)" in problems
    assert "notes.txt is not allowlisted: the dashboard folder holds only its 24 files" in problems
    assert "home_highlights.json: the root must be an object, not list" in problems


def test_one_week_history_fails_when_a_previous_run_is_expected(tmp_path):
    datos = tmp_path / "datos"
    records = six_weeks(datos, weeks=1)
    files = bridge.build(bridge.committed_snapshots(datos), records[-1], "compact")
    assert bridge.check_integrity({**files}, expect_previous=False) == [
        f"{name} is missing (required by the dashboard)" for name in sorted(bridge.ALLOWLIST - set(files))
    ]
    problems = bridge.check_integrity(files, expect_previous=True)
    assert "trend_score_history.json: snapshot_count is 1, needs >= 2" in problems
    assert "so_volumen_history.json: previous_snapshot_date is empty but a previous run exists" in problems


def test_datasets_without_history_give_missing_files_that_parse(tmp_path):
    datos = tmp_path / "datos"
    con = duckdb_connect()
    rows = week_tables(random.Random(1), FIRST, repos=10)
    record = write_run(con, datos, FIRST, {"trend_score": rows["trend_score"], "so_volumen": rows["so_volumen"]})
    files = bridge.build(bridge.committed_snapshots(datos), record, "compact")
    docs = {name: json.loads(data) for name, data in files.items()}
    assert docs["reddit_temas_history.json"]["source_mode"] == "missing"
    assert docs["reddit_temas_history.json"]["latest_topics"] == []
    assert docs["github_lenguajes_public.json"]["source_mode"] == "missing"
    assert docs["so_tendencias_history.json"]["months"] == []
    assert docs["reddit_interseccion_history.json"]["summary"]["closest_alignment"] is None
    assert docs["so_volumen_history.json"]["source_mode"] == "history"
    assert len(docs["home_highlights.json"]["highlights"]) == 1  # only the Stack Overflow leader exists
    problems = bridge.check_integrity(files, expect_previous=False)
    assert "history_index.json: datasets lack github_commits, github_correlacion, github_lenguajes, so_aceptacion, " \
        "so_tendencias, reddit_temas, interseccion" in problems  # fmt: skip
    assert "reddit_temas_history.json: source_mode is 'missing' (no history for it)" in problems


def _history(tmp_path):
    datos = tmp_path / "datos"
    records = six_weeks(datos, weeks=2)
    return datos, records


def test_missing_partition_is_a_clear_error_and_nothing_is_written(tmp_path):
    datos, records = _history(tmp_path)
    gone = datos / records[0]["datasets"][0]["history_path"]
    gone.unlink()
    out = tmp_path / "site"
    out.mkdir()
    (out / "trend_score_history.json").write_text('{"old": true}\n')
    with pytest.raises(PipelineError, match=r"trend_score snapshot of 2030-01-07 .*part-0000.parquet is missing"):
        bridge.export(datos, out, "compact", check=False)
    assert sorted(p.name for p in out.iterdir()) == ["trend_score_history.json"]
    assert (out / "trend_score_history.json").read_text() == '{"old": true}\n'


def test_corrupt_partition_is_a_clear_error(tmp_path):
    datos, records = _history(tmp_path)
    entry = next(e for e in records[1]["datasets"] if e["dataset_logical_name"] == "so_volumen")
    path = datos / entry["history_path"]
    path.write_bytes(path.read_bytes()[:100])
    out = tmp_path / "site"
    with pytest.raises(PipelineError, match=r"so_volumen snapshot of 2030-01-14: .* differs from what run"):
        bridge.export(datos, out, "full", check=False)
    assert not out.exists()
    # without a recorded checksum, DuckDB's read fails and the message still names the file
    record_path = datos / "metadata" / "runs" / f"{records[1]['run_id']}.json"
    record = json.loads(record_path.read_text())
    for e in record["datasets"]:
        e.pop("history_sha256")
    record_path.write_text(json.dumps(record))
    with pytest.raises(PipelineError, match=r"so_volumen snapshot of 2030-01-14: .*part-0000.parquet is unreadable"):
        bridge.export(datos, out, "full", check=False)
    assert not out.exists()


def test_export_writes_the_set_and_refuses_a_failing_check(tmp_path):
    datos, _ = _history(tmp_path)
    out = tmp_path / "remote"
    assert bridge.export(datos, out, "full", check=False) == []
    assert sorted(p.name for p in out.iterdir()) == sorted((*bridge.BRIDGE_FILES, "run_manifest.json"))
    site = tmp_path / "site"
    problems = bridge.export(datos, site, "compact", check=True)  # no CSVs in the folder: incomplete
    assert "trend_score.csv is missing (required by the dashboard)" in problems
    assert not site.exists()


def test_public_manifest_of_a_degraded_run(tmp_path):
    datos = tmp_path / "datos"
    con = duckdb_connect()
    rows = week_tables(random.Random(3), FIRST, repos=50)
    rows["github_repos"] = [("a/b", "Python", 1, 1, dt.datetime(2029, 5, 1), ""), ("c/d", "Sin especificar", 1, 1,
                            dt.datetime(2029, 5, 1), ""), ("e/f", "AI", 2, 0, dt.datetime(2029, 5, 1), "")]  # fmt: skip
    tables = {k: v for k, v in rows.items() if not k.startswith("reddit_")}
    record = write_run(con, datos, FIRST, tables, available=("github", "stackoverflow"))
    doc = bridge.public_manifest(record, bridge.committed_snapshots(datos))
    assert list(doc) == [
        "manifest_version",
        "generated_at_utc",
        "source_window_start_utc",
        "source_window_end_utc",
        "quality_gate_status",
        "degraded_mode",
        "available_sources",
        "dataset_summaries",
        "total_repos_extraidos",
        "total_repos_clasificables",
        "so_languages_count",
        "notes",
    ]
    assert (doc["quality_gate_status"], doc["degraded_mode"], doc["available_sources"]) == (
        "pass_with_warnings",
        True,
        ["github", "stackoverflow"],
    )
    assert doc["notes"] == "Sources unavailable in this run: reddit"
    assert (doc["total_repos_extraidos"], doc["total_repos_clasificables"], doc["so_languages_count"]) == (3, 1, 10)
    assert doc["generated_at_utc"] == record["generated_at_utc"]
    names = [s["dataset"] for s in doc["dataset_summaries"]]
    assert names == sorted(names) and "github_repos_2025" in names and "so_volumen_preguntas" in names
    bad = dict(record, quality_gate_status="ok")
    with pytest.raises(PipelineError, match=r"public run_manifest\.json .* is invalid: quality_gate_status"):
        bridge.public_manifest(bad)


def test_bridge_export_switch(tmp_path, monkeypatch, capsys):
    assert bridge.enabled({}) is True
    assert bridge.enabled({"BRIDGE_EXPORT": "1"}) is True
    assert bridge.enabled({"BRIDGE_EXPORT": "0"}) is False
    with pytest.raises(PipelineError, match="BRIDGE_EXPORT='maybe'"):
        bridge.enabled({"BRIDGE_EXPORT": "maybe"})
    monkeypatch.setenv("BRIDGE_EXPORT", "0")
    monkeypatch.setenv("DATOS", str(tmp_path / "datos"))
    assert bridge.main(["--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out").exists()
    assert "export off" in capsys.readouterr().out


def test_two_spellings_of_one_tag_are_one_item(tmp_path):
    datos = tmp_path / "datos"
    record = write_run(duckdb_connect(), datos, FIRST, {"so_volumen": [("csharp", 10), ("C#", 5), ("cpp", 3)]})
    doc = json.loads(bridge.build(bridge.committed_snapshots(datos), record, "full")["so_volumen_history.json"])
    assert [(x["lenguaje"], x["preguntas"], x["share_pct"]) for x in doc["latest_items"]] == [
        ("c#", 15, 83.33),
        ("c++", 3, 16.67),
    ]


def test_a_snapshot_without_the_contract_columns_is_a_clear_error(tmp_path):
    import history

    path = tmp_path / "part-0000.parquet"
    run_id = "00000000-0000-4000-8000-000000000001"
    duckdb_connect().execute(
        f"copy (select 'python' as tag, 3 as questions, '{run_id}' as run_id, date '2030-01-07' as snapshot_date) "
        f"to '{path}' (format parquet)"
    )
    snaps = {"so_volumen": [history.Snapshot("so_volumen", run_id, FIRST, path, None)]}
    record = {"run_id": run_id, "generated_at_utc": "2030-01-07T09:00:00Z", "datasets": []}
    with pytest.raises(PipelineError, match=r"cannot build so_volumen_history\.json from the history \(Binder"):
        bridge.build(snaps, record, "compact")


def test_history_replaced_by_a_rerun_of_its_date_is_named_not_called_corrupt(tmp_path):
    """A later run of an earlier date rewrites that date's partitions: the history as it stood when a later week
    committed cannot be read back, and the error says which run replaced it (not "corrupt or edited")."""
    datos = tmp_path / "datos"
    rng = random.Random(11)
    con = duckdb_connect()
    days = [FIRST, FIRST + dt.timedelta(weeks=1)]
    records = [write_run(con, datos, day, week_tables(rng, day, repos=50)) for day in days]
    rerun = write_run(
        con,
        datos,
        FIRST,
        week_tables(rng, FIRST, repos=60),
        run_id="0" * 8 + "-0000-4000-8000-" + "0" * 12,
        generated_at=f"{days[1].isoformat()}T10:00:00Z",
    )
    as_it_stood = bridge.committed_snapshots(datos, runs=records)
    with pytest.raises(PipelineError) as caught:
        bridge.build(as_it_stood, records[-1], "compact")
    assert f"now holds run {rerun['run_id']}, a later run of the same date" in str(caught.value)
    assert "corrupt" not in str(caught.value)

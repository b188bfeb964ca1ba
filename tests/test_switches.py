"""Rollback switches TREND_ENGINE=v1 and QUALITY_GATE=warn-only: with the switch on the run does what the plan says
and records it; with it off again the normal path is back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import trend_engine
import v1_oracle
from lib import ROOT
from lib.status import write_source_status
from project import copy_built, make_env
from staged_run import RUN_DATE, TREND_SCORE, decide, run_script, stage, write_csv

RUN_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
RUN_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
RUN_C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"

# 16 GitHub languages with one repository each: the top-15 cut falls inside a tie. V1 keeps the first 15 in the
# order pandas counts them (first seen first), V2 the first 15 by name. So "Zig" (listed first) is V1's and "Ada"
# (listed last) is V2's: the two engines give different, recognisable outputs on the same staged data.
TIED_LANGUAGES = ["Zig", "Go", "Rust", "Java", "Kotlin", "Swift", "Ruby", "PHP", "Scala", "Perl", "Lua", "Haskell"]
TIED_LANGUAGES += ["Elixir", "Erlang", "Julia", "Ada"]


def stage_tied_github(datos: Path) -> None:
    stage(datos)
    folder = datos / "staging" / "github"
    header = ["repo_name", "language", "stars", "forks", "created_at", "description"]
    rows = [[f"o/r{i}", lang, "10", "1", "2026-03-02T10:11:12Z", ""] for i, lang in enumerate(TIED_LANGUAGES)]
    write_csv(folder / "github_repos_2025.csv", [header, *rows])
    files = [p.name for p in folder.glob("*.csv")]
    write_source_status(folder, source="github", status="ok", run_date=RUN_DATE, files=files)
    decide(datos)


def score(datos: Path, **env: str):
    work = datos / "work"
    return run_script(
        "trend_engine.py",
        datos,
        "--staging",
        str(datos / "staging"),
        "--degradation",
        str(work / "degradation.json"),
        "--output",
        str(work / "trend_score.csv"),
        **env,
    )


def names(path: Path) -> set[str]:
    return {line.split(",")[1] for line in path.read_text().splitlines()[1:]}


# --------------------------------------------------------------------------- TREND_ENGINE


def test_trend_engine_v1_scores_with_the_v1_engine_and_says_so(tmp_path):
    datos = tmp_path / "datos"
    stage_tied_github(datos)
    out, record = datos / "work/trend_score.csv", datos / "work/trend_engine.json"

    v1 = score(datos, TREND_ENGINE="v1")
    assert v1.returncode == 0, v1.stderr
    assert "engine v1" in v1.stderr
    assert json.loads(record.read_text())["engine"] == "v1"
    assert "Zig" in names(out) and "Ada" not in names(out)
    # V1's own numbers, in the trend_score contract's form (one row per technology, ties by name)
    inputs = {s: datos / "staging" / s / f for s, f in trend_engine.INPUT_FILES.items()}
    expected = v1_oracle.publishable_rows(v1_oracle.score_inputs(inputs, trend_engine.DEFAULT_WEIGHTS))
    assert out.read_text() == trend_engine.csv_text(expected)
    assert out.read_text().splitlines()[0] == ",".join(trend_engine.contract_columns())

    back = score(datos)  # the switch off again: the DuckDB SQL engine
    assert back.returncode == 0, back.stderr
    assert json.loads(record.read_text())["engine"] == "v2"
    assert "Ada" in names(out) and "Zig" not in names(out)


def test_trend_engine_v1_follows_the_degradation_decision(tmp_path):
    datos = tmp_path / "datos"
    stage(datos, {"reddit": "failed"})
    run = score(datos, TREND_ENGINE="v1")
    assert run.returncode == 0, run.stderr
    recorded = json.loads((datos / "work/trend_engine.json").read_text())
    assert recorded["weights"]["reddit"] == 0 and abs(recorded["weights"]["github"] - 0.40 / 0.75) < 1e-9
    scored = (datos / "work/trend_score.csv").read_text()
    assert "AI/ML" not in scored and "Python" in scored  # the Reddit-only technology is gone
    assert score(datos).returncode == 0
    assert (datos / "work/trend_score.csv").read_text() == scored  # here both engines agree to the byte


def test_a_bad_trend_engine_is_refused_naming_the_choices(tmp_path):
    datos = tmp_path / "datos"
    stage(datos)
    run = score(datos, TREND_ENGINE="v3")
    assert run.returncode == 2
    assert "TREND_ENGINE='v3': use v2" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_trend_engine_v1_names_input_it_cannot_score(tmp_path):
    """Outside a run, a clear error naming the switch; in a run, no score and the quality gate's report."""
    datos = tmp_path / "datos"
    stage(datos)
    folder = datos / "staging/stackoverflow"
    write_csv(folder / "so_volumen_preguntas.csv", [["lenguaje", "preguntas_nuevas_2025"], ["python", "many"]])
    files = [p.name for p in folder.glob("*.csv")]
    write_source_status(folder, source="stackoverflow", status="ok", run_date=RUN_DATE, files=files)
    decide(datos)
    outside = ["--staging", str(datos / "staging"), "--output", str(tmp_path / "t.csv")]  # no --degradation
    alone = run_script("trend_engine.py", datos, *outside, TREND_ENGINE="v1")
    assert alone.returncode == 2 and "Traceback" not in alone.stderr
    assert "TREND_ENGINE=v1" in alone.stderr and "many" in alone.stderr
    assert not (tmp_path / "t.csv").exists()

    run = score(datos, TREND_ENGINE="v1")  # in a run (--degradation): no score, the gate reports the fault
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "TREND_ENGINE=v1" in run.stderr and "many" in run.stderr and "see the quality gate" in run.stderr
    assert not (datos / "work/trend_score.csv").exists() and not (datos / "work/trend_engine.json").exists()
    commit = run_script("aggregate.py", datos, run_id=RUN_A, TREND_ENGINE="v1")
    assert commit.returncode == 1 and "did NOT publish" in commit.stdout
    assert json.loads((datos / f"metadata/runs/{RUN_A}.json").read_text())["published"] is False
    report = json.loads((datos / f"metadata/quality/{RUN_A}.json").read_text())
    found = [
        c for c in report["checks"] if (c["dataset"], c["rule"], c["passed"]) == ("so_volumen", "types_valid", False)
    ]
    assert [case["value"] for c in found for case in c["failure_cases"]] == ["many"]


@pytest.mark.slow
def test_the_run_record_says_which_engine_scored(tmp_path):
    datos = tmp_path / "datos"
    stage_tied_github(datos)
    assert score(datos, TREND_ENGINE="v1").returncode == 0
    run = run_script("aggregate.py", datos, run_id=RUN_A, TREND_ENGINE="v1")
    assert run.returncode == 0, run.stderr
    record = json.loads((datos / f"metadata/runs/{RUN_A}.json").read_text())
    assert record["trend_engine"] == "v1" and record["published"] is True
    assert "Zig" in names(datos / "latest/trend_score.csv")

    assert score(datos).returncode == 0
    assert run_script("aggregate.py", datos, run_id=RUN_B).returncode == 0
    record = json.loads((datos / f"metadata/runs/{RUN_B}.json").read_text())
    assert record["trend_engine"] == "v2"
    assert "Ada" in names(datos / "latest/trend_score.csv")


# --------------------------------------------------------------------------- QUALITY_GATE

DUPLICATE_RANKING = [TREND_SCORE[0], TREND_SCORE[1], ["1", *TREND_SCORE[2][1:]]]  # a critical violation


@pytest.mark.slow
def test_warn_only_publishes_despite_a_critical_finding_and_flags_it_loudly(tmp_path):
    datos = tmp_path / "datos"
    stage(datos)
    write_csv(datos / "work/trend_score.csv", DUPLICATE_RANKING)

    blocked = run_script("aggregate.py", datos, run_id=RUN_A)
    assert blocked.returncode == 1 and "did NOT publish" in blocked.stdout
    assert not (datos / "latest").exists()
    record = json.loads((datos / f"metadata/runs/{RUN_A}.json").read_text())
    assert record["quality_gate_mode"] == "enforce" and record["quality_gate_would_have_been"] == "fail"

    bypass = run_script("aggregate.py", datos, run_id=RUN_B, QUALITY_GATE="warn-only")
    assert bypass.returncode == 0, bypass.stderr
    assert "WARN-ONLY MODE" in bypass.stderr and "would say fail" in bypass.stderr
    assert (datos / "latest/trend_score.csv").read_text().count("\n1,") == 2  # the findings did not block
    record = json.loads((datos / f"metadata/runs/{RUN_B}.json").read_text())
    assert record["published"] is True
    assert record["quality_gate_mode"] == "warn-only" and record["quality_gate_would_have_been"] == "fail"
    assert record["quality_gate_status"] == "pass_with_warnings"
    assert {d["dataset_logical_name"]: d["quality_status"] for d in record["datasets"]}["trend_score"] == "fail"
    report = json.loads((datos / f"metadata/quality/{RUN_B}.json").read_text())
    assert report["mode"] == "warn-only" and report["would_have_been"] == "fail"
    assert any(c["rule"] == "ranking_unique" and not c["passed"] for c in report["checks"])

    published = (datos / "latest/trend_score.csv").read_bytes()
    enforced = run_script("aggregate.py", datos, run_id=RUN_C)  # switch off: the gate blocks again
    assert enforced.returncode == 1
    assert (datos / "latest/trend_score.csv").read_bytes() == published
    assert json.loads((datos / "metadata/run_manifest.json").read_text())["run_id"] == RUN_B


def test_warn_only_does_not_publish_a_run_without_a_score(tmp_path):
    """The switch bypasses the gate, not the degradation policy: with one source left there is nothing to publish."""
    datos = tmp_path / "datos"
    stage(datos, {"reddit": "failed", "stackoverflow": "failed"})
    (datos / "work/trend_score.csv").unlink()
    run = run_script("aggregate.py", datos, run_id=RUN_A, QUALITY_GATE="warn-only")
    assert run.returncode == 1
    record = json.loads((datos / f"metadata/runs/{RUN_A}.json").read_text())
    assert record["published"] is False and record["quality_gate_status"] == "fail"
    assert record["quality_gate_mode"] == "warn-only"


@pytest.mark.slow
def test_make_gate_in_warn_only_mode_reports_but_does_not_fail(tmp_path):
    datos = tmp_path / "datos"
    stage(datos)
    write_csv(datos / "work/trend_score.csv", DUPLICATE_RANKING)
    enforced = run_script("quality_gate.py", datos)
    assert enforced.returncode == 1 and "quality gate: fail" in enforced.stdout
    warn = run_script("quality_gate.py", datos, QUALITY_GATE="warn-only")
    assert warn.returncode == 0
    assert "quality gate: pass_with_warnings" in warn.stdout and "WARN-ONLY MODE" in warn.stdout
    assert "ranking_unique" in warn.stdout
    bad = run_script("quality_gate.py", datos, QUALITY_GATE="off")
    assert bad.returncode == 2 and "QUALITY_GATE='off'" in bad.stderr


def test_the_dashboard_note_exists_only_for_warn_only_runs():
    import quality_gate

    note = quality_gate.dashboard_note({"quality_gate_mode": "warn-only", "quality_gate_would_have_been": "fail"})
    assert "warn-only" in note and "fail" in note
    assert quality_gate.dashboard_note({"quality_gate_mode": "enforce"}) is None


# --------------------------------------------------------------------------- the switches through make


@pytest.fixture(scope="module")
def project(demo_project, tmp_path_factory) -> Path:
    """A copy of the session's built demo project (conftest.demo_project), for the switches to change."""
    return copy_built(demo_project.repo, tmp_path_factory.mktemp("switches") / "repo")


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = make_env()
    env.pop("TREND_ENGINE", None)
    env.pop("QUALITY_GATE", None)
    return subprocess.run(["make", *args], cwd=project, env=env, capture_output=True, text=True)


def last_record(datos: Path) -> dict:
    return json.loads((datos / "metadata/run_manifest.json").read_text())


@pytest.mark.slow
def test_make_demo_with_trend_engine_v1_rescores_without_extracting_and_switches_back(project):
    datos = project / "demo/datos"
    first = make(project, "demo", "TREND_ENGINE=v1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "trend_engine.py" in first.stdout and "extract_" not in first.stdout
    assert last_record(datos)["trend_engine"] == "v1"
    assert (datos / "work/settings/TREND_ENGINE").read_text().strip() == "v1"
    staged = {p: p.stat().st_mtime_ns for p in (datos / "staging").rglob("*")}

    back = make(project, "demo")  # the default again: rescored with the SQL engine, nothing re-extracted
    assert back.returncode == 0, back.stdout + back.stderr
    assert "trend_engine.py" in back.stdout and "extract_" not in back.stdout
    assert {p: p.stat().st_mtime_ns for p in (datos / "staging").rglob("*")} == staged
    assert last_record(datos)["trend_engine"] == "v2"
    assert last_record(datos)["quality_gate_mode"] == "enforce"

    warn = make(project, "demo", "QUALITY_GATE=warn-only")  # a gate switch re-runs the aggregate, not the score
    assert warn.returncode == 0, warn.stdout + warn.stderr
    assert "aggregate.py" in warn.stdout and "trend_engine.py" not in warn.stdout
    assert last_record(datos)["quality_gate_mode"] == "warn-only"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("TREND_ENGINE=v3", "TREND_ENGINE must be v2"),
        ("TREND_ENGINE=$(shell touch canary)", "TREND_ENGINE must be v2"),
        ("QUALITY_GATE=off", "QUALITY_GATE must be enforce"),
        ("QUALITY_GATE=warn-only;touch canary", "QUALITY_GATE must be enforce"),
    ],
)
@pytest.mark.slow
def test_make_refuses_a_bad_switch_before_running_anything(project, setting, message):
    run = make(project, "aggregate", "DATOS=refused", setting)
    assert run.returncode != 0 and message in run.stderr
    assert not (project / "canary").exists() and not (project / "refused").exists()


@pytest.mark.parametrize("case", sorted(p.name for p in (ROOT / "tests/fixtures/equivalence").iterdir() if p.is_dir()))
def test_the_v1_engine_publishes_the_same_bytes_as_v2_on_every_baseline_case(case):
    """docs/trend_engine.md says so: the rollback engine changes nothing where V1 was well defined."""
    from lib.duck import duckdb_connect

    folder = ROOT / "tests/fixtures/equivalence" / case
    inputs = {s: folder / f for s, f in trend_engine.INPUT_FILES.items()}
    weights = trend_engine.DEFAULT_WEIGHTS
    v1 = trend_engine.csv_text(v1_oracle.publishable_rows(v1_oracle.score_inputs(inputs, weights)))
    v2 = trend_engine.csv_text(trend_engine.score(duckdb_connect(), inputs, weights))
    assert v1 == v2

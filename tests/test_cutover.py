"""make cutover-status over sequences of real run records: weekly runs made by the real aggregate step, then a
record dropped, failed or edited where a test needs one (the bridge check result, the publication time)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lib import ROOT
from lib.status import write_source_status
from project import once_per_session
from staged_run import TREND_SCORE, decide, run_script, stage, write_csv

pytestmark = pytest.mark.slow  # the tests read four committed weekly runs, built by the aggregate step

MONDAYS = [dt.date(2026, 10, 26) + dt.timedelta(weeks=i) for i in range(5)]  # ... 2026-11-23
AS_OF = "2026-11-24T09:00:00Z"
DUPLICATE_RANKING = [TREND_SCORE[0], TREND_SCORE[1], ["1", *TREND_SCORE[2][1:]]]


def run_id(week: int, variant: int = 0) -> str:
    return f"{week:08d}-0000-4000-8000-{variant:012d}"


def weekly_run(
    datos: Path, day: dt.date, rid: str, statuses: dict | None = None, trend=None, github=None, **env: str
) -> dict:
    """One weekly run as the pipeline makes it: staged sources, decision, score, then the real aggregate step.
    The record then gets what the lead's wiring and the schedule would give it: the bridge check and a Monday
    06:30 UTC publication time."""
    stage(datos, statuses, run_date=day)
    if github:  # other staged GitHub repositories
        folder = datos / "staging/github"
        write_csv(folder / "github_repos_2025.csv", github)
        files = [p.name for p in folder.glob("*.csv")]
        write_source_status(folder, source="github", status="ok", run_date=day, files=files)
        decide(datos, day)
    score = run_script(
        "trend_engine.py",
        datos,
        "--staging",
        str(datos / "staging"),
        "--degradation",
        str(datos / "work/degradation.json"),
        "--output",
        str(datos / "work/trend_score.csv"),
        RUN_DATE=day.isoformat(),
    )
    assert score.returncode == 0, score.stderr
    if trend:
        write_csv(datos / "work/trend_score.csv", trend)
    run = run_script("aggregate.py", datos, run_id=rid, RUN_DATE=day.isoformat(), **env)
    assert run.returncode in (0, 1), run.stderr
    path = datos / f"metadata/runs/{rid}.json"
    record = json.loads(path.read_text())
    record["bridge"] = {"valid": True, "problems": []}
    record["generated_at_utc"] = f"{day.isoformat()}T06:30:00Z"
    path.write_text(json.dumps(record, indent=2))
    return record


@pytest.fixture(scope="session")
def runs(tmp_path_factory, worker_id) -> dict[str, Path]:
    """base: five clean weekly runs, the last one degraded (Reddit failed: published with warnings);
    side: a failed run and a warn-only run of the week of MONDAYS[2]; tied: one run whose GitHub languages tie at
    the top-15 cut, where the V1 and V2 engines really differ. Built once per session (read them, or copy them)."""
    with once_per_session(tmp_path_factory, worker_id, "cutover-runs") as root:
        folders = {name: root / name for name in ("base", "side", "tied")}
        if not (root / "built").exists():
            build_runs(**folders)
            (root / "built").touch()
    return folders


def build_runs(base: Path, side: Path, tied: Path) -> None:
    for week, day in enumerate(MONDAYS):
        statuses = {"reddit": "failed"} if week == 4 else None
        record = weekly_run(base, day, run_id(week), statuses)
        assert record["published"] is True
    weekly_run(side, MONDAYS[2], run_id(2, 1), trend=DUPLICATE_RANKING)
    weekly_run(side, MONDAYS[2], run_id(2, 2), trend=DUPLICATE_RANKING, QUALITY_GATE="warn-only")
    header = ["repo_name", "language", "stars", "forks", "created_at", "description"]
    languages = ["Zig", "Go", "Rust", "Java", "Kotlin", "Swift", "Ruby", "PHP", "Scala", "Perl", "Lua", "Haskell"]
    languages += ["Elixir", "Erlang", "Julia", "Ada"]
    rows = [[f"o/r{i}", lang, "10", "1", "2026-03-02T10:11:12Z", ""] for i, lang in enumerate(languages)]
    weekly_run(tied, MONDAYS[4], run_id(9), github=[header, *rows])


@pytest.fixture
def datos(runs, tmp_path) -> Path:
    copy = tmp_path / "datos"
    shutil.copytree(runs["base"], copy)
    return copy


def record_path(datos: Path, week: int, variant: int = 0) -> Path:
    return datos / f"metadata/runs/{run_id(week, variant)}.json"


def edit(datos: Path, week: int, **changes) -> None:
    path = record_path(datos, week)
    record = json.loads(path.read_text())
    record.update(changes)
    path.write_text(json.dumps(record))


def cutover(datos: Path, *args: str, as_of: str = AS_OF) -> subprocess.CompletedProcess:
    return run_script("cutover_status.py", datos, *args, AS_OF=as_of)


def test_four_clean_weekly_runs_are_eligible(datos):
    record_path(datos, 4).unlink()  # the last four: weeks 0-3, all gate pass
    run = cutover(datos, as_of="2026-11-17T09:00:00Z")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("cutover: ELIGIBLE")
    for day in MONDAYS[:4]:
        assert f"week of {day}: ok" in run.stdout
    assert "equivalence max |score diff| 0.0000, top-10 overlap 100%" in run.stdout
    assert "it does not take it" in run.stdout


def test_a_warning_only_run_is_still_clean(datos, runs):
    record = json.loads(record_path(datos, 4).read_text())
    assert record["quality_gate_status"] == "pass_with_warnings" and record["degradation"]["available"] == [
        "github",
        "stackoverflow",
    ]
    run = cutover(datos)  # weeks 1-4, week 4 degraded: equivalence on the two sources it published
    assert run.returncode == 0, run.stdout
    assert f"week of {MONDAYS[4]}: ok" in run.stdout and "gate pass_with_warnings" in run.stdout


def test_a_critical_failure_in_the_middle_is_not_eligible(datos, runs):
    failed = runs["side"] / f"metadata/runs/{run_id(2, 1)}.json"
    assert json.loads(failed.read_text())["published"] is False
    shutil.copy(failed, datos / "metadata/runs")  # week 2 also had a run that failed the gate
    run = cutover(datos)
    assert run.returncode == 1
    assert run.stdout.startswith("cutover: NOT ELIGIBLE")
    assert f"week of {MONDAYS[2]}: run {run_id(2, 1)} did not publish (quality gate fail)" in run.stdout
    assert f"week of {MONDAYS[3]}: ok" in run.stdout


def test_a_run_that_passed_only_through_warn_only_is_a_critical_failure(datos, runs):
    bypassed = runs["side"] / f"metadata/runs/{run_id(2, 2)}.json"
    record = json.loads(bypassed.read_text())
    assert record["published"] is True and record["quality_gate_would_have_been"] == "fail"
    record_path(datos, 2).unlink()
    shutil.copy(bypassed, datos / "metadata/runs")
    run = cutover(datos)
    assert run.returncode == 1
    assert "QUALITY_GATE=warn-only bypassed a failing gate" in run.stdout


def test_a_missing_week_is_a_gap(datos):
    record_path(datos, 3).unlink()
    run = cutover(datos)
    assert run.returncode == 1
    assert f"week of {MONDAYS[3]}: no run recorded: a gap in the weekly cadence" in run.stdout


def test_fewer_than_n_runs_is_not_eligible_and_n_is_settable(datos):
    for week in (0, 1):
        record_path(datos, week).unlink()
    run = cutover(datos)  # weeks 2-4 only
    assert run.returncode == 1
    assert f"fewer than 4 weekly runs: the records start in the week of {MONDAYS[2]} (3 weeks)" in run.stdout
    assert cutover(datos, "--weeks", "3").returncode == 0


def test_no_records_is_not_eligible(tmp_path):
    run = cutover(tmp_path / "empty")
    assert run.returncode == 1 and "no run records yet" in run.stdout


def test_an_invalid_or_unchecked_bridge_is_not_eligible(datos):
    edit(datos, 3, bridge={"valid": False, "problems": ["trend_score_history.json is 160 KiB > 150 KiB"]})
    edit(datos, 2, bridge=None)
    run = cutover(datos)
    assert run.returncode == 1
    assert "bridge invalid (trend_score_history.json is 160 KiB > 150 KiB)" in run.stdout
    assert f"week of {MONDAYS[2]}: no bridge check in the run record" in run.stdout


def test_slos_late_publication_runtime_and_freshness(datos):
    edit(datos, 3, generated_at_utc=f"{MONDAYS[3]}T13:05:00Z", durations_seconds={"quality_gate": 700.0})
    run = cutover(datos, as_of="2026-12-05T09:00:00Z")
    assert run.returncode == 1
    assert f"after the deadline {MONDAYS[3]}T12:00:00Z" in run.stdout
    assert "runtime 700 s over the 600 s budget" in run.stdout
    assert "the newest published run is 12 days old (more than 8): not fresh" in run.stdout


def test_equivalence_runs_on_each_runs_real_snapshots(runs, tmp_path):
    tied = runs["tied"]
    run = cutover(tied, "--weeks", "1")  # V1 keeps Zig at the tied top-15 cut, V2 keeps Ada
    assert run.returncode == 1
    assert "equivalence breach: only in V1: Zig" in run.stdout and "only in V2: Ada" in run.stdout
    copy = tmp_path / "tied"
    shutil.copytree(tied, copy)
    for part in (copy / "history/github_repos").rglob("*.parquet"):
        part.unlink()
    gone = cutover(copy, "--weeks", "1")
    assert gone.returncode == 1 and "equivalence not checked" in gone.stdout and "github_repos" in gone.stdout


def test_make_cutover_status_validates_n(tmp_path):
    bad = subprocess.run(["make", "cutover-status", "N=4;touch canary"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "N must be a whole number of weeks" in bad.stderr
    assert not (ROOT / "canary").exists()
    run = subprocess.run(
        ["make", "cutover-status", "N=2", f"DATOS={tmp_path}/none"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode != 0 and "cutover: NOT ELIGIBLE" in run.stdout and "no run records yet" in run.stdout


def test_an_unreadable_run_record_is_a_clear_error(tmp_path):
    runs = tmp_path / "datos/metadata/runs"
    runs.mkdir(parents=True)
    (runs / "broken.json").write_text("{not json")
    run = cutover(tmp_path / "datos")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "run record" in run.stderr and "broken.json is not valid JSON" in run.stderr

"""Workflow settings (scripts/ci_env.py) and the runtime budget (scripts/ci_runtime.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ci_env
import ci_runtime
from lib import ROOT, PipelineError
from staged_run import run_in_process

TODAY = dt.date(2026, 11, 30)
GITHUB = {"GITHUB_REPOSITORY": "octo/trends", "GITHUB_RUN_ID": "123456", "GITHUB_RUN_ATTEMPT": "1"}


def test_run_date_defaults_to_today_and_takes_a_valid_input():
    assert ci_env.run_date({}, TODAY) == TODAY
    assert ci_env.run_date({"INPUT_RUN_DATE": " 2026-11-23 "}, TODAY) == dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-23; rm -rf /", "is not YYYY-MM-DD"),
        ("$(id)", "is not YYYY-MM-DD"),
        ("20261123", "is not YYYY-MM-DD"),
        ("2026-11-23\nRUN_ID=x", "is not YYYY-MM-DD"),
        ("2026-02-30", "is not a date"),
        ("2026-12-25", "is in the future"),
    ],
)
def test_a_bad_dispatch_input_is_refused_by_name(value, message):
    with pytest.raises(PipelineError, match=message) as info:
        ci_env.run_date({"INPUT_RUN_DATE": value}, TODAY)
    assert "run_date" in str(info.value) or "RUN_DATE" in str(info.value)


def test_a_later_job_takes_the_earliest_date_the_source_jobs_reported():
    assert ci_env.run_date({"JOB_RUN_DATES": "2026-11-30  2026-11-29 "}, TODAY) == dt.date(2026, 11, 29)
    with pytest.raises(PipelineError, match="JOB_RUN_DATES"):
        ci_env.run_date({"JOB_RUN_DATES": "2026-11-30 x"}, TODAY)


def test_run_id_is_one_uuid_per_run_attempt():
    first = ci_env.run_id(GITHUB)
    assert first == ci_env.run_id(dict(GITHUB))
    assert first != ci_env.run_id({**GITHUB, "GITHUB_RUN_ATTEMPT": "2"})
    with pytest.raises(PipelineError, match="GITHUB_RUN_ID"):
        ci_env.run_id({**GITHUB, "GITHUB_RUN_ID": "12; echo"})


def test_mask_lines_cover_each_secret_and_the_reddit_basic_pair():
    env = {"REDDIT_CLIENT_ID": "id-0000", "REDDIT_CLIENT_SECRET": "secret-0000", "GH_PAT": "not-this-job"}
    lines = ci_env.mask_lines(["REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"], env)
    assert lines == ["::add-mask::id-0000", "::add-mask::secret-0000", "::add-mask::aWQtMDAwMDpzZWNyZXQtMDAwMA=="]
    with pytest.raises(PipelineError, match="not secrets"):
        ci_env.mask_lines(["HOME"], env)


def test_mask_never_prints_outside_actions():
    env = {"GH_PAT": "ghp_sentinel_value_0000", "PATH": "/usr/bin:/bin"}
    run = run_in_process([str(ROOT / "scripts/ci_env.py"), "mask", "GH_PAT"], env)
    assert run.returncode == 2 and "only runs inside GitHub Actions" in run.stderr
    assert "ghp_sentinel" not in run.stdout + run.stderr


def test_start_writes_validated_outputs(tmp_path):
    out = tmp_path / "out"
    env = {**GITHUB, "GITHUB_OUTPUT": str(out), "INPUT_RUN_DATE": "2026-11-23", "PATH": "/usr/bin:/bin"}
    run = run_in_process([str(ROOT / "scripts/ci_env.py"), "start"], env)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert lines["run_date"] == "2026-11-23" and lines["run_id"] == ci_env.run_id(GITHUB)
    assert ci_runtime.STAMP.fullmatch(lines["started_at"])


# --------------------------------------------------------------------------- runtime budget


def needs(**jobs: tuple[str, str]) -> str:
    return json.dumps(
        {
            name: {"result": "success", "outputs": {"started_at": start, "finished_at": end}}
            for name, (start, end) in jobs.items()
        }
    )


@pytest.mark.parametrize(
    ("end", "level"),
    [("2026-11-30T05:45:00Z", "ok"), ("2026-11-30T06:03:00Z", "warning"), ("2026-11-30T06:18:00Z", "critical")],
)
def test_total_levels_follow_the_budget(end, level):
    jobs = ci_runtime.jobs_from_needs(
        needs(job_github=("2026-11-30T05:17:00Z", "2026-11-30T05:30:00Z"), job_aggregate=("2026-11-30T05:31:00Z", end))
    )
    doc = ci_runtime.summarize(jobs)
    assert doc["level"] == level
    assert doc["jobs"]["job_github"]["seconds"] == 13 * 60
    assert doc["total_seconds"] == int((ci_runtime._parse(end) - ci_runtime._parse("2026-11-30T05:17:00Z")).seconds)


def test_a_job_without_times_has_no_duration_and_bad_times_are_refused():
    doc = ci_runtime.summarize(ci_runtime.jobs_from_needs(json.dumps({"job_reddit": {"result": "failure"}})))
    assert doc["jobs"]["job_reddit"]["seconds"] is None and doc["total_seconds"] == 0
    with pytest.raises(PipelineError, match="not a UTC time"):
        ci_runtime.jobs_from_needs(needs(job_github=("yesterday", "2026-11-30T05:30:00Z")))
    with pytest.raises(PipelineError, match="not JSON"):
        ci_runtime.jobs_from_needs("{")


def test_attach_writes_the_runtime_file_only_in_the_workflow(tmp_path):
    run_id = "6f1c7d52-3f0b-4a3e-9a55-0a4d8c2b7e11"
    assert ci_runtime.attach(tmp_path, run_id, {}) == {}
    assert not (tmp_path / "metadata").exists()
    env = {
        "CI_NEEDS": needs(job_github=("2026-11-30T05:17:00Z", "2026-11-30T05:30:00Z")),
        "CI_JOB": "job_aggregate",
        "JOB_STARTED_AT": "2026-11-30T05:31:00Z",
    }
    assert ci_runtime.attach(tmp_path, run_id, env) == {"runtime_record": f"metadata/runtime/{run_id}.json"}
    doc = json.loads((tmp_path / f"metadata/runtime/{run_id}.json").read_text())
    assert sorted(doc["jobs"]) == ["job_aggregate", "job_github"]
    assert doc["jobs"]["job_aggregate"]["started_at"] == "2026-11-30T05:31:00Z"


def test_summary_markdown_names_each_job_and_the_level():
    doc = ci_runtime.summarize(
        ci_runtime.jobs_from_needs(needs(job_github=("2026-11-30T05:17:00Z", "2026-11-30T06:20:00Z")))
    )
    text = ci_runtime.summary_markdown(doc)
    assert "63.0 min in total (critical" in text and "| job_github | success | 3780 |" in text

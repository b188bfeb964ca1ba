"""The workflows' structure, read as YAML (never grepped): jobs, needs, timeouts, permissions, conditions, pinning."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest
import yaml

from ci_env import PUBLISHABLE
from lib import ROOT, SECRET_NAMES, SOURCES
from staged_run import run_in_process

WORKFLOWS = ROOT / ".github" / "workflows"
SOURCE_JOBS = {f"job_{s}": s for s in SOURCES}
OWN_SECRETS = {
    "job_github": {"GH_PAT"},
    "job_stackoverflow": {"STACKOVERFLOW_KEY"},
    "job_reddit": {"REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"},
}
SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_]+)\s*\}\}")
PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


@pytest.fixture(scope="module")
def weekly() -> dict:
    return load("etl_semanal.yml")


def steps(job: dict) -> list[dict]:
    return job["steps"]


def uses(job: dict, action: str) -> list[dict]:
    return [s for s in steps(job) if s.get("uses", "").startswith(action + "@")]


def runs(job: dict) -> list[str]:
    return [s["run"] for s in steps(job) if "run" in s]


def all_workflows():
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_plan_workflow_replaces_the_old_one():
    assert all_workflows() == ["compact.yml", "etl_semanal.yml", "pr.yml", "weekly_sequential.yml"]


def test_triggers_concurrency_and_top_level_permissions(weekly):
    assert [c["cron"] for c in weekly["on"]["schedule"]] == ["17 5 * * 1"]
    assert set(weekly["on"]["workflow_dispatch"]["inputs"]) == {"run_date"}
    assert weekly["permissions"] == {"contents": "read"}
    assert weekly["concurrency"]["cancel-in-progress"] is False
    assert load("compact.yml")["concurrency"]["group"] == weekly["concurrency"]["group"]


def test_five_jobs_with_their_needs_and_timeouts(weekly):
    jobs = weekly["jobs"]
    assert list(jobs) == ["job_github", "job_stackoverflow", "job_reddit", "job_aggregate", "job_publish"]
    timeouts = {name: job["timeout-minutes"] for name, job in jobs.items()}
    assert timeouts == {**dict.fromkeys(SOURCE_JOBS, 20), "job_aggregate": 15, "job_publish": 10}
    for name in SOURCE_JOBS:
        assert "needs" not in jobs[name]
    assert jobs["job_aggregate"]["needs"] == list(SOURCE_JOBS)
    assert jobs["job_publish"]["needs"] == ["job_aggregate"]
    critical_path = max(timeouts[j] for j in SOURCE_JOBS) + timeouts["job_aggregate"] + timeouts["job_publish"]
    assert critical_path <= 60  # the plan's total budget holds even if every job runs to its timeout


def test_only_the_publish_job_may_write(weekly):
    for name, job in weekly["jobs"].items():
        if name == "job_publish":
            assert job["permissions"] == {"contents": "write"}
        else:
            assert "permissions" not in job, f"{name} must inherit contents: read"


def test_the_aggregate_job_runs_when_a_source_failed_and_exposes_the_gate_status(weekly):
    job = weekly["jobs"]["job_aggregate"]
    assert job["if"] == "${{ !cancelled() }}"
    assert job["outputs"]["quality_gate_status"] == "${{ steps.gate.outputs.quality_gate_status }}"
    gate = next(s for s in steps(job) if s.get("id") == "gate")
    assert gate["run"] == "python3 scripts/ci_env.py gate-status" and gate["if"] == "${{ !cancelled() }}"
    (download,) = uses(job, "actions/download-artifact")
    assert download["with"] == {"pattern": "staging-*", "path": "artifacts/", "skip-decompress": True}
    order = runs(job)
    place = order.index(".venv/bin/python scripts/ci_artifacts.py place-staging --artifacts artifacts")
    assert order.index("make aggregate EXTRACT=0") == place + 1  # nothing unvalidated reaches make aggregate
    upload = next(s for s in uses(job, "actions/upload-artifact") if s["with"]["name"] == "committed-run")
    assert upload["if"] == publish_condition("steps.gate.outputs.quality_gate_status")


def publish_condition(expression: str) -> str:
    return "${{ " + " || ".join(f"{expression} == '{status}'" for status in PUBLISHABLE) + " }}"


def test_the_publish_job_runs_only_on_a_passing_gate(weekly):
    job = weekly["jobs"]["job_publish"]
    assert PUBLISHABLE == ("pass", "pass_with_warnings")
    assert job["if"] == publish_condition("needs.job_aggregate.outputs.quality_gate_status")
    order = runs(job)
    assert ".venv/bin/python scripts/ci_artifacts.py place-run --artifacts artifacts" in order
    assert "make publish AGGREGATE=0" in order
    commit = order[-1]
    assert commit.startswith('.venv/bin/python scripts/ci_commit.py --push "$GITHUB_REF_NAME"')


def test_source_jobs_extract_upload_and_fail_soft(weekly):
    for name, source in SOURCE_JOBS.items():
        job = weekly["jobs"][name]
        extract = next(s for s in steps(job) if s.get("run") == f"make extract-{source}")
        assert extract["continue-on-error"] is True
        assert extract["env"]["RUN_DATE"] == "${{ steps.run.outputs.run_date }}"
        assert extract["env"]["RUN_ID"] == "${{ steps.run.outputs.run_id }}"
        (upload,) = uses(job, "actions/upload-artifact")
        assert upload["if"] == "${{ !cancelled() }}"
        assert upload["with"]["name"] == f"staging-{source}"
        assert upload["with"]["path"] == f"datos/staging/{source}/"
        assert steps(job)[-1]["if"] == "${{ always() }}"  # finish time, even after a failure


def test_each_source_job_gets_and_masks_only_its_own_secrets(weekly):
    for name, job in weekly["jobs"].items():
        found = set()
        for step in steps(job):
            for value in (step.get("env") or {}).values():
                found |= set(SECRET_REF.findall(str(value)))
        assert "env" not in job, f"{name}: no job-wide environment (secrets stay on the steps that need them)"
        assert found == OWN_SECRETS.get(name, set()), name
        if name in OWN_SECRETS:
            mask = next(s for s in steps(job) if s.get("run", "").startswith("python3 scripts/ci_env.py mask"))
            assert set(mask["run"].split()[3:]) == OWN_SECRETS[name]
    assert set().union(*OWN_SECRETS.values()) == set(SECRET_NAMES)


def test_dispatch_input_reaches_scripts_only_through_validated_env(weekly):
    for workflow in all_workflows():
        for name, job in load(workflow)["jobs"].items():
            for step in steps(job):
                assert "${{" not in step.get("run", ""), f"{workflow} {name}: an expression inside a run script"
                for key, value in (step.get("env") or {}).items():
                    if "inputs." in str(value):
                        assert key == "INPUT_RUN_DATE" and step["run"] == "python3 scripts/ci_env.py start"


def test_every_action_is_pinned_by_commit_sha():
    seen = set()
    for workflow in all_workflows():
        for job in load(workflow)["jobs"].values():
            for step in steps(job):
                if "uses" in step:
                    assert PINNED.fullmatch(step["uses"]), f"{workflow}: {step['uses']} is not pinned by SHA"
                    seen.add(step["uses"].split("@")[0])
    assert seen == {"actions/checkout", "actions/setup-python", "actions/upload-artifact", "actions/download-artifact"}


def test_credentials_persist_only_where_a_job_pushes():
    for workflow in all_workflows():
        for name, job in load(workflow)["jobs"].items():
            for checkout in uses(job, "actions/checkout"):
                writes = (job.get("permissions") or {}).get("contents") == "write"
                assert checkout["with"]["persist-credentials"] is writes, f"{workflow} {name}"
                if writes:
                    assert not uses(job, "actions/upload-artifact"), f"{workflow} {name}: no upload beside a token"


def test_the_pull_request_workflow_runs_ci_equivalence_and_contract_check():
    pr = load("pr.yml")
    assert list(pr["on"]) == ["pull_request"] and pr["permissions"] == {"contents": "read"}
    (job,) = pr["jobs"].values()
    assert runs(job) == ["bash .ci/run", "make equivalence", 'make contract-check BASE="$PR_BASE_SHA"']
    step = steps(job)[-1]
    assert step["env"]["PR_BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert uses(job, "actions/checkout")[0]["with"]["fetch-depth"] == 0


def test_the_sequential_rollback_runs_make_weekly_and_commits_like_publish(weekly):
    sequential = load("weekly_sequential.yml")
    assert list(sequential["on"]) == ["workflow_dispatch"]  # manual until the schedule is moved to it (docs/ci.md)
    assert sequential["concurrency"]["group"] == weekly["concurrency"]["group"]
    (job,) = sequential["jobs"].values()
    order = runs(job)
    assert "make weekly" in order
    assert order[-1] == runs(weekly["jobs"]["job_publish"])[-1]


@pytest.mark.slow
@pytest.mark.parametrize(("aggregate", "rebuilds"), [("0", False), ("1", True)])
def test_make_publish_with_aggregate_0_only_publishes_the_placed_run(tmp_path, aggregate, rebuilds):
    """What the publish job runs: with the committed run placed, AGGREGATE=0 publishes it and never re-aggregates."""
    manifest = tmp_path / "datos" / "metadata" / "run_manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    run = subprocess.run(
        ["make", "-n", "publish", f"AGGREGATE={aggregate}", "EXTRACT=0", f"DATOS={tmp_path / 'datos'}",
         f"PUBLISH_DIR={tmp_path / 'site'}", "RUN_DATE=2026-11-23"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "scripts/publish.py --out" in run.stdout
    assert ("scripts/aggregate.py" in run.stdout) is rebuilds


@pytest.mark.slow
def test_every_command_in_the_workflows_exists():
    """Each `run:` names a make verb that `make help` lists (or the venv stamp) or a project script subcommand
    whose -h works: a typo in the YAML fails here, not on Monday morning."""
    help_text = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    verbs = {line.split()[1] for line in help_text.splitlines() if line.startswith("  make ")}
    checked = 0
    for workflow in all_workflows():
        for job in load(workflow)["jobs"].values():
            for script in runs(job):
                words = shlex.split(script)
                if words[0] == "make":
                    assert words[1] in verbs | {".venv/.installed"}, f"{workflow}: {script}"
                elif words[0] in ("python3", ".venv/bin/python"):
                    path = ROOT / words[1]
                    sub = [w for w in words[2:3] if not w.startswith("-")]
                    run = run_in_process([str(path), *sub, "-h"], dict(os.environ))
                    assert run.returncode == 0, f"{workflow}: {script}: {run.stderr}"
                else:
                    assert words[:2] == ["bash", ".ci/run"], f"{workflow}: {script}"
                checked += 1
    assert checked >= 30

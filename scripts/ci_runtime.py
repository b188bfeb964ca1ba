"""The weekly workflow's runtime budget: each job's duration and the run's total, kept beside the run record.

The plan gives the run 60 minutes: a total over 45 minutes is a warning, over 60 critical. The run record points at
`metadata/runtime/<run_id>.json` (field `runtime_record`), which holds:

  {"jobs": {"job_github": {"started_at", "finished_at", "seconds", "result"}, ...},
   "total_seconds": <first job start to last job end>, "level": "ok" | "warning" | "critical", ...}

Job times come from the jobs themselves: each job's first step (`ci_env.py start`) and last step (`ci_env.py finish`)
set outputs `started_at` / `finished_at`, and a later job receives them as CI_NEEDS (the `needs` context as JSON).

  aggregate.py calls attach() while it writes the run record (the source jobs and the aggregate job so far);
  ci_runtime.py finish --job NAME     adds the calling job (finished now), rewrites the file, writes the job
                                      summary ($GITHUB_STEP_SUMMARY) and a warning or error annotation over budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from lib import PipelineError
from lib.cli import run_cli
from lib.files import data_lock, read_json, write_json
from lib.settings import declared_environment, iso_utc, settings

WARNING_SECONDS = 45 * 60
CRITICAL_SECONDS = 60 * 60
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
JOB_NAME = re.compile(r"job_[a-z]+")


def runtime_path(run_id: str) -> str:
    return f"metadata/runtime/{run_id}.json"


def _stamp(value: object, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not STAMP.fullmatch(value):
        raise PipelineError(f"ci_runtime: {where} is {value!r}, not a UTC time like 2026-11-23T05:17:00Z")
    return value


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def jobs_from_needs(text: str) -> dict[str, dict]:
    """The jobs a job depends on, from the `needs` context as JSON: their times and results."""
    if not text.strip():
        return {}
    try:
        needs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PipelineError(f"ci_runtime: CI_NEEDS is not JSON ({exc}): set it to ${{{{ toJSON(needs) }}}}") from None
    if not isinstance(needs, dict):
        raise PipelineError("ci_runtime: CI_NEEDS must be a JSON object of jobs")
    jobs = {}
    for name, job in needs.items():
        if not JOB_NAME.fullmatch(name) or not isinstance(job, dict):
            raise PipelineError(f"ci_runtime: CI_NEEDS has an unexpected entry {name!r}")
        outputs = job.get("outputs") or {}
        jobs[name] = {
            "started_at": _stamp(outputs.get("started_at"), f"{name}.started_at"),
            "finished_at": _stamp(outputs.get("finished_at"), f"{name}.finished_at"),
            "result": str(job.get("result", "unknown")),
        }
    return jobs


def summarize(jobs: Mapping[str, dict]) -> dict:
    """Durations per job, the total (first start to last end) and its level against the budget."""
    out, starts, ends = {}, [], []
    for name in sorted(jobs):
        job = dict(jobs[name])
        if job.get("started_at") and job.get("finished_at"):
            start, end = _parse(job["started_at"]), _parse(job["finished_at"])
            job["seconds"] = max(int((end - start).total_seconds()), 0)
            starts.append(start)
            ends.append(end)
        else:
            job["seconds"] = None
        out[name] = job
    total = int((max(ends) - min(starts)).total_seconds()) if starts else 0
    level = "critical" if total > CRITICAL_SECONDS else "warning" if total > WARNING_SECONDS else "ok"
    return {
        "jobs": out,
        "total_seconds": total,
        "level": level,
        "warning_seconds": WARNING_SECONDS,
        "critical_seconds": CRITICAL_SECONDS,
    }


def summary_markdown(doc: dict) -> str:
    rows = "".join(
        f"| {name} | {job.get('result', '')} | {'' if job['seconds'] is None else job['seconds']} |\n"
        for name, job in doc["jobs"].items()
    )
    minutes = doc["total_seconds"] / 60
    return (
        f"### Runtime: {minutes:.1f} min in total ({doc['level']}; warning over "
        f"{WARNING_SECONDS // 60}, critical over {CRITICAL_SECONDS // 60})\n\n"
        f"| job | result | seconds |\n|---|---|---|\n{rows}\n"
    )


def current_jobs(datos: Path, run_id: str, env: Mapping[str, str], job: str | None, now: dt.datetime) -> dict:
    """The jobs known so far: those already in the runtime file, those in CI_NEEDS, and `job` (running now)."""
    path = datos / runtime_path(run_id)
    jobs = dict(read_json(path, "runtime record")["jobs"]) if path.is_file() else {}
    jobs.update(jobs_from_needs(env.get("CI_NEEDS", "")))
    if job:
        if not JOB_NAME.fullmatch(job):
            raise PipelineError(f"ci_runtime: job name {job!r} must look like job_<name>")
        jobs[job] = {
            "started_at": _stamp(env.get("JOB_STARTED_AT"), "JOB_STARTED_AT"),
            "finished_at": iso_utc(now),
            "result": env.get("JOB_RESULT", "running"),
        }
    return jobs


def attach(datos: Path, run_id: str, env: Mapping[str, str] | None = None) -> dict:
    """The run record's pointer to its runtime file, written now; {} outside the workflow (no CI_NEEDS).

    Called by aggregate.py inside its data lock, just before it writes the run record."""
    env = declared_environment() if env is None else env
    if "CI_NEEDS" not in env:
        return {}
    doc = summarize(current_jobs(Path(datos), run_id, env, env.get("CI_JOB"), dt.datetime.now(dt.UTC)))
    write_json(Path(datos) / runtime_path(run_id), doc)
    return {"runtime_record": runtime_path(run_id)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("finish").add_argument("--job", required=True, help="the calling job, e.g. job_aggregate")
    args = parser.parse_args(argv)
    env = declared_environment()
    if not env.get("RUN_ID"):
        raise PipelineError("ci_runtime: RUN_ID is not set: pass the run id from `ci_env.py start`")
    cfg = settings()
    with data_lock(cfg.datos, f"ci_runtime {args.job}"):
        doc = summarize(current_jobs(cfg.datos, cfg.run_id, env, args.job, dt.datetime.now(dt.UTC)))
        write_json(cfg.datos / runtime_path(cfg.run_id), doc)
    text = summary_markdown(doc)
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(text)
    minutes = doc["total_seconds"] / 60
    if doc["level"] != "ok" and env.get("GITHUB_ACTIONS") == "true":
        kind = "error" if doc["level"] == "critical" else "warning"
        print(f"::{kind} title=runtime budget::the run took {minutes:.1f} min ({doc['level']})")
    print(f"ci_runtime: {args.job} recorded; total {minutes:.1f} min ({doc['level']}) in {runtime_path(cfg.run_id)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

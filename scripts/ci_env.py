"""The workflow's settings, validated: every value a job hands to make comes out of here, never from raw YAML.

  ci_env.py start     -> $GITHUB_OUTPUT run_date, run_id, started_at
       run_date: the dispatch input INPUT_RUN_DATE (YYYY-MM-DD, not in the future) if given; else, in a job that
                 follows the source jobs, the earliest run date they reported (JOB_RUN_DATES, space separated);
                 else today (UTC).
       run_id:   one uuid per workflow run attempt, the same in every job without any hand-over
                 (derived from GITHUB_REPOSITORY, GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT).
  ci_env.py finish    -> $GITHUB_OUTPUT finished_at
  ci_env.py mask NAME...   masks the named secrets' values (and derived forms) in the job's log
  ci_env.py gate-status -> $GITHUB_OUTPUT quality_gate_status of run RUN_ID's record in DATOS (`missing` without one)

Outside Actions (no GITHUB_OUTPUT) the outputs are printed, one `name=value` a line.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import re
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

from lib import SECRET_NAMES, PipelineError
from lib.cli import run_cli
from lib.files import read_json
from lib.settings import declared_environment, iso_utc, parse_run_date, settings

GATE_STATUSES = ("pass", "pass_with_warnings", "fail")
PUBLISHABLE = ("pass", "pass_with_warnings")  # job_publish runs only for these (its `if:` says the same)
RUN_ID_NAMESPACE = uuid.UUID("8d5f0c52-9a43-4d0e-b0a8-8a3f5c1e6b27")  # this project's runs; never change it


def run_date(env: Mapping[str, str], today: dt.date) -> dt.date:
    """The run's date from the dispatch input, the source jobs' dates, or today (see the module doc)."""
    text = env.get("INPUT_RUN_DATE", "").strip()
    if text:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise PipelineError(
                f"workflow input run_date={text!r} is not YYYY-MM-DD: run it again with e.g. 2026-11-23"
            )
        day = parse_run_date(text)
        if day > today:
            raise PipelineError(f"workflow input run_date={text} is in the future (today is {today}): leave it empty")
        return day
    reported = []
    for text in env.get("JOB_RUN_DATES", "").split():
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise PipelineError(f"JOB_RUN_DATES: {text!r} from a source job is not a date")
        reported.append(parse_run_date(text))
    return min(reported) if reported else today


def run_id(env: Mapping[str, str]) -> str:
    """One uuid per workflow run attempt (RUN_ID_NAMESPACE, repository, run id, attempt)."""
    repo = env.get("GITHUB_REPOSITORY", "")
    number = env.get("GITHUB_RUN_ID", "")
    attempt = env.get("GITHUB_RUN_ATTEMPT", "1")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo) or not number.isdigit() or not attempt.isdigit():
        raise PipelineError(
            "ci_env: GITHUB_REPOSITORY, GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT must be set as GitHub Actions sets them "
            f"(got {repo!r}, {number!r}, {attempt!r}); outside Actions use `make weekly`"
        )
    return str(uuid.uuid5(RUN_ID_NAMESPACE, f"{repo}/actions/runs/{number}/attempts/{attempt}"))


def mask_lines(names: list[str], env: Mapping[str, str]) -> list[str]:
    """`::add-mask::` commands for each named secret's value, and the HTTP Basic form of the Reddit pair."""
    unknown = sorted(set(names) - set(SECRET_NAMES))
    if unknown:
        raise PipelineError(
            f"ci_env mask: {', '.join(unknown)} not secrets of this project ({', '.join(SECRET_NAMES)})"
        )
    values = [env[name] for name in names if env.get(name)]
    if env.get("REDDIT_CLIENT_ID") and env.get("REDDIT_CLIENT_SECRET") and "REDDIT_CLIENT_SECRET" in names:
        pair = f"{env['REDDIT_CLIENT_ID']}:{env['REDDIT_CLIENT_SECRET']}".encode()
        values.append(base64.b64encode(pair).decode())
    return [f"::add-mask::{value}" for value in values if "\n" not in value]


def gate_status(datos: Path, run: str) -> str:
    """The quality gate status run `run` recorded (what decides whether the publish job runs), or `missing`."""
    path = datos / "metadata" / "runs" / f"{run}.json"
    if not path.is_file():
        return "missing"
    status = read_json(path, "run record").get("quality_gate_status")
    if status not in GATE_STATUSES:
        raise PipelineError(f"{path}: quality_gate_status {status!r} is not one of {', '.join(GATE_STATUSES)}")
    return status


def emit(outputs: dict[str, str], env: Mapping[str, str]) -> None:
    for key, value in outputs.items():
        if "\n" in value or "\r" in value:
            raise PipelineError(f"ci_env: output {key} holds a line break")
    text = "".join(f"{k}={v}\n" for k, v in outputs.items())
    target = env.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text)
    print(text, end="")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start")
    sub.add_parser("finish")
    sub.add_parser("mask").add_argument("names", nargs="+")
    sub.add_parser("gate-status")
    args = parser.parse_args(argv)
    env = declared_environment()
    now = dt.datetime.now(dt.UTC)
    if args.command == "start":
        emit(
            {"run_date": run_date(env, now.date()).isoformat(), "run_id": run_id(env), "started_at": iso_utc(now)}, env
        )
    elif args.command == "finish":
        emit({"finished_at": iso_utc(now)}, env)
    elif args.command == "gate-status":
        if not env.get("RUN_ID"):
            raise PipelineError("ci_env gate-status needs RUN_ID: the run id from `ci_env.py start`")
        cfg = settings()
        emit({"quality_gate_status": gate_status(cfg.datos, cfg.run_id)}, env)
    else:
        lines = mask_lines(args.names, env)
        if env.get("GITHUB_ACTIONS") != "true":  # only the Actions runner reads these commands: never print values
            raise PipelineError("ci_env mask only runs inside GitHub Actions (GITHUB_ACTIONS=true)")
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        print(f"ci_env: {len(lines)} secret value(s) masked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

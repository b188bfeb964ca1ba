"""A script's command line: its parser, its exit codes, and the record a failed pipeline step leaves."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path

from lib import ROOT, PipelineError
from lib.files import write_json
from lib.log import redact
from lib.settings import declared_environment, iso_utc, parse_run_id, read, utc_now, window_for


def source_parser(description: str, epilog: str | None = None, offline_help: str | None = None):
    """The command line every source job shares: its description, settings help and --offline."""
    import argparse

    parser = argparse.ArgumentParser(
        description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help=offline_help or "never touch the network: transform the saved raw responses only",
    )
    return parser


# the scripts whose failure is the failure of the run (`run_cli` records it): script file stem -> step name
PIPELINE_STEPS = {"degradation": "degradation", "trend_engine": "trend score", "aggregate": "aggregate"}


def run_cli(main_fn, argv: list[str] | None = None) -> int:
    """Run a script's main; a PipelineError (or any crash) becomes one redacted line and exit code 2.

    When the script is a pipeline step (PIPELINE_STEPS) and Make gave the run a RUN_ID, a failure also leaves
    the run's record (`record_failure`), so every run is recorded, including one that never reached aggregate.
    """
    try:
        return main_fn(argv)
    except PipelineError as exc:
        print(f"error: {redact(exc)}", file=sys.stderr)
        _record_step_failure(str(exc))
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say where, without leaking secrets through the message
        print(f"error: unexpected {type(exc).__name__}: {redact(exc)}", file=sys.stderr)
        _record_step_failure(f"unexpected {type(exc).__name__}: {exc}")
        return 3


def _record_step_failure(reason: str) -> None:
    step = PIPELINE_STEPS.get(Path(sys.argv[0]).stem)
    run_id = declared_environment().get("RUN_ID", "")
    if not step or not run_id:
        return
    try:
        path = record_failure(read("DATOS"), parse_run_id(run_id), step, reason)
    except (PipelineError, OSError) as exc:
        print(f"error: the failure of run {run_id} could not be recorded: {redact(exc)}", file=sys.stderr)
        return
    if path:
        print(f"error: recorded in {path}", file=sys.stderr)


def git_identity() -> tuple[str, str]:
    """(sha, branch) from CI variables, else from git, else 'unknown'."""
    import subprocess

    def git(*args: str) -> str:
        with contextlib.suppress(OSError):
            result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
            if result.returncode == 0:
                return result.stdout.strip()
        return ""

    sha = read("GITHUB_SHA") or git("rev-parse", "HEAD") or "unknown"
    branch = read("GITHUB_REF_NAME") or git("rev-parse", "--abbrev-ref", "HEAD") or "unknown"
    return sha, ("detached" if branch == "HEAD" else branch)


def record_failure(datos: Path, run_id: str, step: str, reason: str) -> Path | None:
    """Leave the record of a run that failed at `step` (before or during aggregation), with the reason in words.

    Writes `<datos>/metadata/runs/<run_id>.json` (`published: false`, valid against the run manifest schema)
    unless a record of that run already exists: a committed run's record is never overwritten, and the first
    failure of a run is the one that explains it. Returns the path written, or None.
    """
    path = Path(datos) / "metadata" / "runs" / f"{parse_run_id(run_id)}.json"
    if path.exists():
        return None
    run_date = None
    with contextlib.suppress(PipelineError):
        run_date = read("RUN_DATE") or dt.datetime.now(dt.UTC).date()
    start, end = window_for(run_date or dt.datetime.now(dt.UTC).date())
    sha, branch = git_identity()
    doc = {
        "run_id": path.stem,
        "generated_at_utc": utc_now(),
        "git_sha": sha,
        "branch": branch,
        "source_window_start_utc": iso_utc(start),
        "source_window_end_utc": iso_utc(end),
        "quality_gate_status": "fail",
        "published": False,
        "datasets": [],
        "failure": {"step": step, "reason": redact(reason)},
    }
    if run_date:
        doc["run_date"] = run_date.isoformat()
    write_json(path, doc)
    return path

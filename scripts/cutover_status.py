"""The cutover verdict (`make cutover-status [N=4]`): may the CSV-only path be retired? Read from the run records.

Eligible when the last N weekly runs (N consecutive calendar weeks, Monday to Sunday, ending with the newest week
that has a run record) each:
  - had no critical failure (no run of the week failed to publish, failed the gate, or passed only because the gate
    was in warn-only mode), and published;
  - recorded a valid bridge export (`bridge: {"valid": true, "problems": []}` in the record);
  - kept the V1 and V2 engines equivalent on that run's own published snapshots (github_repos, so_volumen,
    reddit_temas, read through scripts/history.py) within the thresholds of scripts/equivalence.py;
  - met the SLOs of docs/cutover.md (published by Monday 12:00 UTC, runtime budget, source window of the run date);
and the newest published run is fresh. Exit 0 when eligible, 1 when not, 2 on unreadable records.
It informs the decision to retire the CSV path; it does not take it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import history
from lib import SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import load_contract
from lib.csvfmt import render_csv
from lib.duck import duckdb_connect, quote_ident
from lib.files import atomic_write_bytes
from lib.settings import iso_utc, settings

PUBLISH_DEADLINE = dt.time(12, 0)  # UTC, on the Monday of the run's week
RUNTIME_BUDGET_SECONDS = 600.0  # the record's durations_seconds, summed
MAX_AGE = dt.timedelta(days=8)  # the newest published run's date, at the time of the check
EQUIVALENCE_DATASETS = {"github": "github_repos", "stackoverflow": "so_volumen", "reddit": "reddit_temas"}


@dataclass
class WeekResult:
    monday: dt.date
    run: dict | None = None  # the week's published run (the last one), if any
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.problems:
            return f"week of {self.monday}: NOT OK — " + "; ".join(self.problems)
        return f"week of {self.monday}: ok — " + "; ".join(self.notes)


@dataclass
class Verdict:
    eligible: bool
    weeks: list[WeekResult]
    reasons: list[str]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _run_date(record: dict) -> dt.date | None:
    text = record.get("run_date") or (record.get("generated_at_utc") or "")[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _moment(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def critical_failure(record: dict) -> str | None:
    """Why `record` is a critical failure for the cutover, or None. A warning-only run is clean."""
    run = f"run {record.get('run_id', '?')}"
    decision = (record.get("degradation") or {}).get("decision")
    if record.get("published") is not True:
        why = (record.get("degradation") or {}).get("reason") if decision == "fail" else None
        why = why or record.get("reason") or f"quality gate {record.get('quality_gate_status', 'not run')}"
        return f"{run} did not publish ({why})"
    if record.get("quality_gate_status") == "fail" or decision == "fail":
        return f"{run} recorded a failure (gate {record.get('quality_gate_status')}, degradation {decision})"
    if record.get("quality_gate_would_have_been") == "fail":
        return f"{run} published only because QUALITY_GATE=warn-only bypassed a failing gate"
    return None


def bridge_problems(record: dict) -> list[str]:
    """The bridge export check the run recorded (`bridge: {"valid": bool, "problems": [...]}`)."""
    bridge = record.get("bridge")
    if not isinstance(bridge, dict) or "valid" not in bridge:
        return ["no bridge check in the run record"]
    if bridge["valid"] is not True:
        found = "; ".join(map(str, bridge.get("problems") or [])) or "no reason given"
        return [f"bridge invalid ({found})"]
    return []


def slo_problems(record: dict) -> list[str]:
    """The SLOs of docs/cutover.md, checked from one published run record."""
    problems = []
    day = _run_date(record)
    generated = _moment(record.get("generated_at_utc"))
    if day is None or generated is None:
        return ["the record has no readable run_date / generated_at_utc"]
    deadline = dt.datetime.combine(monday_of(day), PUBLISH_DEADLINE, dt.UTC)
    if generated > deadline:
        problems.append(f"published {iso_utc(generated)}, after the deadline {iso_utc(deadline)}")
    durations = record.get("durations_seconds")
    if not isinstance(durations, dict) or not durations:
        problems.append("no durations_seconds in the record")
    else:
        total = sum(float(v) for v in durations.values())
        if total > RUNTIME_BUDGET_SECONDS:
            problems.append(f"runtime {total:.0f} s over the {RUNTIME_BUDGET_SECONDS:.0f} s budget")
    window_end = _moment(record.get("source_window_end_utc"))
    if window_end is None or window_end.date() != day:
        problems.append(f"source window ends {record.get('source_window_end_utc')}, not at the run date {day}")
    return problems


def _week_result(
    monday: dt.date, week_records: list[dict], equivalence: Callable[[dict], tuple[list[str], str]]
) -> WeekResult:
    """One week of the window: its runs' critical failures, then its newest published run's checks."""
    result = WeekResult(monday)
    if not week_records:
        result.problems.append("no run recorded: a gap in the weekly cadence")
        return result
    result.problems += [why for why in map(critical_failure, week_records) if why]
    published = [r for r in week_records if r.get("published") is True]
    if not published:
        result.problems.append("no published run")
        return result
    run = result.run = max(published, key=lambda r: r.get("generated_at_utc") or "")
    result.notes.append(f"run {run.get('run_id')} published {run.get('generated_at_utc')}")
    result.notes.append(f"gate {run.get('quality_gate_status')}")
    if run.get("quality_gate_mode") == "warn-only":
        result.notes.append("gate in warn-only mode (nothing would have failed)")
    result.problems += bridge_problems(run)
    result.problems += slo_problems(run)
    problems, summary = equivalence(run)
    result.problems += problems
    result.notes += ["bridge valid", f"equivalence {summary}", "SLOs met"]
    return result


def assess(
    records: list[dict], *, weeks: int, now: dt.datetime, equivalence: Callable[[dict], tuple[list[str], str]]
) -> Verdict:
    """The verdict over `records` (oldest first). `equivalence(record)` gives (problems, summary) for a published run."""
    if weeks < 1:
        raise PipelineError(f"cutover: N={weeks}: the number of weeks must be at least 1")
    by_week: dict[dt.date, list[dict]] = {}
    for record in records:
        day = _run_date(record)
        if day is not None:
            by_week.setdefault(monday_of(day), []).append(record)
    if not by_week:
        return Verdict(False, [], ["no run records yet"])
    newest, oldest = max(by_week), min(by_week)
    window = [newest - dt.timedelta(weeks=i) for i in reversed(range(weeks))]
    reasons = []
    have = len([m for m in window if m >= oldest])
    if have < len(window):
        reasons.append(f"fewer than {weeks} weekly runs: the records start in the week of {oldest} ({have} weeks)")
    results = [_week_result(m, by_week.get(m, []), equivalence) for m in window if m >= oldest]
    reasons += [f"week of {r.monday}: {p}" for r in results for p in r.problems]
    latest = [r.run for r in results if r.run]
    if latest:
        age = now.date() - _run_date(latest[-1])
        if age > MAX_AGE:
            reasons.append(f"the newest published run is {age.days} days old (more than {MAX_AGE.days}): not fresh")
    return Verdict(not reasons, results, reasons)


# --------------------------------------------------------------------------- equivalence on a run's snapshots


def run_equivalence(datos: Path, record: dict) -> tuple[list[str], str]:
    """V1 oracle vs V2 engine on the snapshots `record` published (scripts/equivalence.py's comparison)."""
    import duckdb

    import equivalence
    import trend_engine
    import v1_oracle

    run_id = record.get("run_id")
    degradation = record.get("degradation") or {}
    available = set(degradation.get("available") or SOURCES)
    weights = {s: float((degradation.get("weights") or trend_engine.DEFAULT_WEIGHTS)[s]) for s in SOURCES}
    con = duckdb_connect()
    with tempfile.TemporaryDirectory(prefix="cutover-") as tmp:
        inputs: dict[str, Path | None] = {}
        for source, dataset in EQUIVALENCE_DATASETS.items():
            if source not in available:
                inputs[source] = None
                continue
            snap = next((s for s in history.snapshots(datos, dataset) if s.run_id == run_id), None)
            if snap is None:
                return [f"equivalence not checked: no committed history snapshot of {dataset} for run {run_id}"], ""
            contract = load_contract(dataset)
            names = ", ".join(quote_ident(c) for c in contract.column_names)
            try:
                table = history.read_snapshot(con, snap).project(names).fetchall()
            except (PipelineError, duckdb.Error) as exc:
                return [f"equivalence not checked: {dataset} snapshot of run {run_id} unreadable ({exc})"], ""
            path = Path(tmp) / trend_engine.INPUT_FILES[source]
            atomic_write_bytes(path, render_csv(contract.column_names, table))
            inputs[source] = path
        v1 = v1_oracle.score_inputs(inputs, weights)
        v2 = trend_engine.score(con, inputs, weights).df()
    result = equivalence.compare(str(run_id), v1, v2)
    summary = (
        f"max |score diff| {result.max_score_diff:.4f}, top-10 overlap {result.top10_overlap:.0%}, "
        f"rank stable {result.rank_stable_share:.0%}"
    )
    return [f"equivalence breach: {b}" for b in result.breaches], summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=4, help="N: how many consecutive weekly runs (default 4)")
    parser.add_argument("--datos", type=Path, help="the data folder (default $DATOS)")
    args = parser.parse_args(argv)
    cfg = settings()
    datos = args.datos or cfg.datos
    records = history.run_records(datos)
    verdict = assess(records, weeks=args.weeks, now=cfg.as_of, equivalence=lambda r: run_equivalence(datos, r))
    state = "ELIGIBLE" if verdict.eligible else "NOT ELIGIBLE"
    print(f"cutover: {state} (last {args.weeks} weekly runs of {datos}, checked as of {iso_utc(cfg.as_of)})")
    for week in verdict.weeks:
        print(f"  {week.line()}")
    if verdict.reasons:
        print("why not:")
        for reason in verdict.reasons:
            print(f"  - {reason}")
    print("This verdict informs the decision to retire the CSV path (docs/cutover.md); it does not take it.")
    return 0 if verdict.eligible else 1


if __name__ == "__main__":
    sys.exit(run_cli(main))

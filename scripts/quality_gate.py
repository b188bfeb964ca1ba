"""Quality gate: check staged datasets against their contracts and decide whether the run may publish.

The rules live in each contract's `quality_rules` (check kind, severity, thresholds); the Pandera schemas are
generated from the contract columns. Severity decides the action (docs/quality_gate.md):
critical -> `fail` (nothing is published), warning -> `pass_with_warnings`, info -> recorded only.
The gate is three modules: this one (the gate, its QUALITY_GATE mode, summary and CLI), scripts/quality_schema.py
(the Pandera schema and its results) and scripts/quality_checks.py (the dataset-level checks).

Library: `evaluate(datasets, datos=, run_date=, source_status=, degradation=, now=)` judges the files parsed by
`staged.load_all` (the same tables the writer writes) and returns the report; it writes nothing;
`summary_lines(report)` gives the readable summary. The aggregate step calls both.

CLI (developers, `make gate`): runs the gate on `$DATOS/staging/<source>/` (+ the trend score file when it
exists), prints the summary, writes the report with `--report FILE`; exit 0 for pass / pass_with_warnings,
1 for fail, 2 for bad settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import degradation
import staged
from lib import SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import Contract, load_contracts
from lib.files import write_json
from lib.log import get_logger
from lib.settings import settings
from lib.status import check_source
from quality_checks import CheckContext, result, run_dataset_check
from quality_schema import PANDERA_CHECKS, pandera_failures, pandera_result
from staged import ParsedDataset

SEVERITIES = ("critical", "warning", "info")


# Files are parsed once by scripts/staged.py (contract types, DuckDB); the gate judges that parsed table and the
# writer writes the same table, so nothing the gate passes can fail later.


# --------------------------------------------------------------------------- the gate


def contract_problems(contract: Contract) -> list[str]:
    """What the JSON Schema cannot say: unique rule ids, one rule per Pandera built-in, params naming real columns."""
    problems = []
    ids = [r["id"] for r in contract.quality_rules]
    problems += [f"rule id {i!r} appears more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for kind in ("required_columns", "not_null"):
        if sum(r["check"] == kind for r in contract.quality_rules) > 1:
            problems.append(f"more than one {kind} rule")
    names = set(contract.column_names)
    for rule in contract.quality_rules:
        params = rule.get("params", {})
        named = [params[k] for k in ("column", "key", "value") if k in params] + list(params.get("columns", []))
        problems += [f"rule {rule['id']!r} names unknown column {n!r}" for n in named if n not in names]
    problems += [f"key {k!r} is not a column" for k in contract.raw["keys"] if k not in names]
    return problems


def _types_result(parsed: ParsedDataset, rule: dict) -> dict:
    n = parsed.cell_problem_count
    cases = [{"column": p.column, "row": p.row, "value": p.value, "check": p.check} for p in parsed.cell_problems]
    where = ", ".join(sorted({p.column for p in parsed.cell_problems}))
    return result(
        parsed.contract.name,
        rule,
        n == 0,
        n,
        "0 malformed values",
        f"{n} value(s) do not parse as their column's type or pattern in {where}" if n else "every value parses",
        cases,
    )


def _unreadable_result(parsed: ParsedDataset) -> dict:
    rule = {"id": "file_readable", "check": "file_readable", "severity": "critical"}
    problems = parsed.unreadable
    message = "; ".join(p.message for p in problems[:3]) + (
        f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    )
    cases = [{"column": p.column, "row": p.line, "value": None, "check": p.check} for p in problems]
    return result(parsed.contract.name, rule, False, message, "a UTF-8 CSV of the contract's columns", message, cases)


def _not_null_cases(parsed: ParsedDataset, cases: list[dict]) -> list[dict]:
    """A value that did not parse is a types_valid failure, not also a null (when the sample covers them all)."""
    if parsed.cell_problem_count and len(parsed.cell_problems) == parsed.cell_problem_count:
        bad = {(p.column, p.row) for p in parsed.cell_problems}
        return [c for c in cases if (c["column"], c["row"]) not in bad]
    return cases


def check_dataset(parsed: ParsedDataset, contract: Contract | None = None, **context) -> list[dict]:
    """Every rule of the contract on one parsed file; an unreadable file is one critical failure."""
    contract = contract or parsed.contract
    if not parsed.readable:
        return [_unreadable_result(parsed)]
    frame = parsed.frame()
    ctx = CheckContext(contract, frame, **context)
    failures = pandera_failures(contract, frame)
    out = []
    for problem in parsed.column_problems:
        rule = {"id": "columns_known", "check": "columns_known", "severity": "critical"}
        out.append(result(contract.name, rule, False, problem.message, "only the contract's columns", problem.message))
    for rule in contract.quality_rules:
        if rule["check"] == "types_valid":
            out.append(_types_result(parsed, rule))
        elif rule["check"] == "not_null":
            out.append(pandera_result(contract, rule, frame, _not_null_cases(parsed, failures.get(rule["id"], []))))
        elif rule["check"] in PANDERA_CHECKS:
            out.append(pandera_result(contract, rule, frame, failures.get(rule["id"], [])))
        elif rule["check"] != "sources_available":  # run for every contract by evaluate()
            out.append(run_dataset_check(rule, ctx))
    return out


def evaluate(
    datasets: Mapping[str, ParsedDataset | None],
    *,
    datos: Path,
    run_date: dt.date,
    source_status: dict[str, dict],
    degradation: dict | None = None,
    now: dt.datetime | None = None,
    contracts: dict[str, Contract] | None = None,
) -> dict:
    """Run the gate on `datasets` (logical name -> the file parsed by `staged.load`, None for a name without a
    contract) and return the report. Writes nothing.

    `contracts` defaults to contracts/datasets/. The degradation rules (`sources_available`) run even when
    their dataset's file (trend_score) is missing or not in `datasets`: a 1/3 run fails although no score was
    computed.
    """
    contracts = load_contracts() if contracts is None else contracts
    now = now or dt.datetime.now(dt.UTC)
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    context = {
        "datos": Path(datos),
        "run_date": run_date,
        "source_status": source_status or {},
        "degradation": degradation,
        "now": now,
    }
    checks: list[dict] = []
    for name, parsed in datasets.items():
        contract = contracts.get(name)
        if contract is None or parsed is None:
            rule = {"id": "contract_known", "check": "contract_known", "severity": "critical"}
            message = f"no contract for dataset {name!r}: known are {', '.join(sorted(contracts))}"
            checks.append(result(name, rule, False, name, "a contract in contracts/datasets/", message))
            continue
        problems = contract_problems(contract)
        if problems:
            rule = {"id": "contract_valid", "check": "contract_valid", "severity": "critical"}
            checks.append(result(name, rule, False, problems, "a consistent contract", "; ".join(problems)))
            continue
        checks += check_dataset(parsed, contract, **context)
    # the degradation rules judge the run, not a file: given a decision, they run whether or not the dataset's
    # file was checked (without one, only for the datasets in `datasets`, where they record "not evaluated")
    for contract in contracts.values():
        if degradation is None and contract.name not in datasets:
            continue
        ctx = CheckContext(contract, None, **context)
        checks += [run_dataset_check(r, ctx) for r in contract.quality_rules if r["check"] == "sources_available"]
    return _roll_up(checks)


def _roll_up(checks: list[dict]) -> dict:
    failed = {s: sum(1 for c in checks if not c["passed"] and c["severity"] == s) for s in SEVERITIES}
    status = "fail" if failed["critical"] else "pass_with_warnings" if failed["warning"] else "pass"
    datasets: dict[str, str] = {}
    for check in checks:
        current = datasets.setdefault(check["dataset"], "pass")
        if not check["passed"] and check["severity"] == "critical":
            datasets[check["dataset"]] = "fail"
        elif not check["passed"] and check["severity"] == "warning" and current == "pass":
            datasets[check["dataset"]] = "warning"
    return {
        "status": status,
        "datasets": dict(sorted(datasets.items())),
        "checks": checks,
        "counts": {
            "datasets": len(datasets),
            "checks": len(checks),
            "passed": sum(c["passed"] for c in checks),
            "failed_critical": failed["critical"],
            "failed_warning": failed["warning"],
            "failed_info": failed["info"],
        },
    }


# --------------------------------------------------------------------------- QUALITY_GATE (rollback switch)


def configured_mode(env: dict[str, str] | None = None) -> str:
    """QUALITY_GATE: `enforce` (default: a critical failure blocks the run) or `warn-only` (the rollback)."""
    from lib.settings import read

    return read("QUALITY_GATE", env)


def apply_mode(report: dict, mode: str) -> dict:
    """The report under the gate mode: every finding stays; with `warn-only` none blocks (a `fail` becomes
    `pass_with_warnings`). The report says the mode and the status it would have had (`would_have_been`)."""
    out = {**report, "mode": mode, "would_have_been": report["status"]}
    if mode == "warn-only" and report["status"] == "fail":
        out["status"] = "pass_with_warnings"
    return out


def record_fields(report: dict) -> dict:
    """What the run record says about the gate mode (keys `quality_gate_mode`, `quality_gate_would_have_been`)."""
    return {
        "quality_gate_mode": report.get("mode", "enforce"),
        "quality_gate_would_have_been": report.get("would_have_been", report["status"]),
    }


def dashboard_note(record: dict) -> str | None:
    """The line the public manifest's `notes` must carry for a run published with the gate in warn-only mode."""
    if record.get("quality_gate_mode") != "warn-only":
        return None
    return (
        "Quality gate in warn-only mode (rollback switch QUALITY_GATE=warn-only): its findings did not block this "
        f"run; with the gate enforced it would have been {record.get('quality_gate_would_have_been')}."
    )


def summary_lines(report: dict) -> list[str]:
    """Short readable lines: the verdict, then each failed check (severity, dataset, rule, why, examples)."""
    counts = report["counts"]
    lines = [
        f"quality gate: {report['status']} ({counts['checks']} checks on {counts['datasets']} datasets; failed: "
        f"{counts['failed_critical']} critical, {counts['failed_warning']} warning, {counts['failed_info']} info)"
    ]
    if report.get("mode") == "warn-only":
        lines.append(
            f"  WARN-ONLY MODE (QUALITY_GATE=warn-only): no finding blocks; enforced, the gate would say "
            f"{report['would_have_been']}"
        )
    order = {s: i for i, s in enumerate(SEVERITIES)}
    for check in sorted((c for c in report["checks"] if not c["passed"]), key=lambda c: order[c["severity"]]):
        line = f"  {check['severity'].upper():8} {check['dataset']}.{check['rule']}: {check['message']}"
        examples = [_case_text(case) for case in check["failure_cases"][:3]]
        if examples and check["check"] in PANDERA_CHECKS:
            line += " — e.g. " + "; ".join(examples)
        lines.append(line)
    flagged = {n: s for n, s in report["datasets"].items() if s != "pass"}
    if flagged:
        lines.append("  datasets: " + ", ".join(f"{n}={s}" for n, s in flagged.items()))
    return lines


def _case_text(case: dict) -> str:
    where = f"row {case['row']} " if case.get("row") else ""
    value = f"={case['value']!r}" if case.get("value") is not None else ""
    return f"{where}{case.get('column')}{value} ({case.get('check')})"


# --------------------------------------------------------------------------- CLI


def staged_inputs(
    staging: Path, contracts: dict[str, Contract], run_date: dt.date
) -> tuple[dict[str, Path], dict[str, dict], dict]:
    """Files and source status documents read from a staging folder, with the degradation decision for them
    (scripts/degradation.py, the same policy the pipeline applies).

    A source's datasets are checked whenever its status document does not say `failed`, so a file that no longer
    matches its recorded SHA-256 is still checked and shown.
    """
    files, status = {}, {}
    for source in SOURCES:
        folder = Path(staging) / source
        doc, _problems = check_source(folder)
        if doc is not None:
            status[source] = doc
            if doc["status"] != "failed":
                files.update({c.name: folder / c.v1_file for c in contracts.values() if c.source == source})
    return files, status, degradation.decide(staging, run_date)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staging", type=Path, help="staging folder (default $DATOS/staging)")
    parser.add_argument(
        "--trend-score", type=Path, help="trend score CSV (default $DATOS/work/trend_score.csv if present)"
    )
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    cfg = settings()
    staging = args.staging or cfg.datos / "staging"
    if not staging.is_dir():
        raise PipelineError(
            f"quality gate: staging folder {staging} does not exist: run an extractor or `make demo` first"
        )
    contracts = load_contracts()
    files, status, degradation = staged_inputs(staging, contracts, cfg.run_date)
    trend = args.trend_score or cfg.datos / "work" / "trend_score.csv"
    if args.trend_score or trend.exists():
        files["trend_score"] = trend
    for contract in contracts.values():  # the other relations the aggregate step builds (the intersection)
        built = cfg.datos / "work" / contract.v1_file
        if contract.source == "aggregate" and contract.name != "trend_score" and built.exists():
            files[contract.name] = built
    log = get_logger("quality_gate")  # created here, not at import: the handler binds the stderr of the run
    log.info("checking %d datasets from %s (run date %s)", len(files), staging, cfg.run_date)
    report = evaluate(
        staged.load_all(contracts, files),
        datos=cfg.datos,
        run_date=cfg.run_date,
        source_status=status,
        degradation=degradation,
        now=cfg.as_of,
    )
    report = apply_mode(report, configured_mode())
    print("\n".join(summary_lines(report)))
    if args.report:
        write_json(args.report, report)
        log.info("wrote %s", args.report)
    return 1 if report["status"] == "fail" else 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

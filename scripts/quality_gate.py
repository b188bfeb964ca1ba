"""Quality gate: check staged datasets against their contracts and decide whether the run may publish.

The rules live in each contract's `quality_rules` (check kind, severity, thresholds); the Pandera schemas are
generated from the contract columns. Severity decides the action (docs/quality_gate.md):
critical -> `fail` (nothing is published), warning -> `pass_with_warnings`, info -> recorded only.

Library: `evaluate(datasets, datos=, run_date=, source_status=, degradation=, now=)` judges the files parsed by
`staged.load_all` (the same tables the writer writes) and returns the report; it writes nothing; `summary_lines(report)` gives the readable summary. The aggregate step calls both.

CLI (developers, `make gate`): runs the gate on `$DATOS/staging/<source>/` (+ the trend score file when it
exists), prints the summary, writes the report with `--report FILE`; exit 0 for pass / pass_with_warnings,
1 for fail, 2 for bad settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable, Mapping
from pathlib import Path

import degradation
import staged
from lib import SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import Contract, load_contracts
from lib.duck import duckdb_connect
from lib.files import write_json
from lib.log import get_logger
from lib.settings import settings
from lib.status import check_source
from staged import ParsedDataset

SEVERITIES = ("critical", "warning", "info")
MAX_FAILURE_CASES = 5
# check kinds validated by the generated Pandera schema; the others are dataset-level checks below
PANDERA_CHECKS = ("required_columns", "types_valid", "not_null", "min_value", "value_range", "unique")
# Pandera's own check names for the properties the schema sets directly
_BUILTIN = {"column_in_dataframe": "required_columns", "not_nullable": "not_null"}


class _NotComputed(Exception):
    """A check could not be computed (e.g. an unreadable history snapshot): reported as its failure."""


# --------------------------------------------------------------------------- reading
# Files are parsed once by scripts/staged.py (contract types, DuckDB); the gate judges that parsed table and the
# writer writes the same table, so nothing the gate passes can fail later.


def previous_snapshot(datos: Path, contract: Contract, run_date: dt.date):
    """(date, frame) of the newest committed snapshot dated strictly before `run_date`, or None.

    Read through scripts/history.py: only committed runs' partitions, each verified (checksum, schema) as it is
    read; a bad one is skipped with a warning naming it, so one bad partition does not block later runs.
    """
    import history

    con = duckdb_connect()
    try:
        found = history.previous(con, datos, contract.name, run_date)
        if found is None:
            return None
        snap, rel = found
        return snap.date, rel.df()
    except PipelineError as exc:  # every earlier snapshot is bad: the check reports it, the gate does not crash
        raise _NotComputed(f"previous snapshot is unreadable: {exc}") from None
    finally:
        con.close()


# --------------------------------------------------------------------------- the Pandera schema


def _numeric(series):
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("float64")


def _bound_check(kind: str, bound: float) -> Callable:
    if kind == "min":
        return lambda s: (s >= bound).fillna(True).astype(bool)
    return lambda s: (s <= bound).fillna(True).astype(bool)


def build_schema(contract: Contract):
    """The Pandera schema generated from the contract's columns and its Pandera-level rules, for the typed frame
    of scripts/staged.py (types are enforced by that parse; `types_valid` reports its cell problems).

    Every custom check is named `<rule id>:<what>` so a failure maps back to its rule; `required` and
    `nullable` come from the `required_columns` and `not_null` rules (at most one of each per contract).
    """
    import pandera.pandas as pa

    rules = {kind: [r for r in contract.quality_rules if r["check"] == kind] for kind in PANDERA_CHECKS}
    columns = {}
    for col in contract.columns:
        checks = []
        for rule in rules["min_value"]:
            if rule["params"]["column"] == col.name:
                checks.append(pa.Check(_bound_check("min", rule["params"]["min"]), name=f"{rule['id']}:min"))
        for rule in rules["value_range"]:
            if col.name in rule["params"]["columns"]:
                for what in ("min", "max"):
                    if what in rule["params"]:
                        checks.append(pa.Check(_bound_check(what, rule["params"][what]), name=f"{rule['id']}:{what}"))
        for rule in rules["unique"]:
            if rule["params"]["column"] == col.name:
                checks.append(pa.Check(_not_duplicated, name=f"{rule['id']}:unique"))
        columns[col.name] = pa.Column(
            checks=checks,
            required=bool(rules["required_columns"]) and col.required,
            nullable=not (rules["not_null"] and col.critical),
        )
    return pa.DataFrameSchema(columns, strict=False, name=contract.name)


def _not_duplicated(series):
    return (series.isna() | ~series.duplicated(keep=False)).astype(bool)


def pandera_failures(contract: Contract, frame) -> dict[str, list[dict]]:
    """Validate lazily; every failure case as {column, row, value, check}, grouped by rule id."""
    import pandera.pandas as pa

    ids = {kind: [r["id"] for r in contract.quality_rules if r["check"] == kind] for kind in PANDERA_CHECKS}
    integers = {c.name for c in contract.columns if c.type == "integer"}
    out: dict[str, list[dict]] = {}
    try:
        build_schema(contract).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.to_dict("records"):
            check = str(case["check"])
            if check in _BUILTIN:
                rule_id, what = ids[_BUILTIN[check]][0], check
            else:
                rule_id, _, what = check.partition(":")
            index = case.get("index")
            missing_column = check == "column_in_dataframe"
            out.setdefault(rule_id, []).append(
                {
                    "column": case["failure_case"] if missing_column else case["column"],
                    "row": None if missing_column or _isnull(index) else int(index) + 1,
                    "value": None if missing_column or _isnull(case["failure_case"]) else _shown(case, integers),
                    "check": what,
                }
            )
    return out


def _shown(case: dict, integers: set[str]) -> str:
    """A failing value as text; Pandera reports nullable integers as floats, shown here as the integers they are."""
    value = case["failure_case"]
    if case.get("column") in integers and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _isnull(value) -> bool:
    import pandas as pd

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


# --------------------------------------------------------------------------- results


def _result(dataset, rule, passed, observed, threshold, message, failure_cases=()):
    return {
        "dataset": dataset,
        "rule": rule["id"],
        "check": rule["check"],
        "severity": rule["severity"],
        "passed": bool(passed),
        "observed": observed,
        "threshold": threshold,
        "message": message,
        "failure_cases": list(failure_cases)[:MAX_FAILURE_CASES],
    }


def _pandera_result(contract: Contract, rule: dict, frame, cases: list[dict]) -> dict:
    kind, params, n = rule["check"], rule.get("params", {}), len(cases)
    columns = {c["column"] for c in cases}
    where = ", ".join(sorted(map(str, columns)))
    if kind == "required_columns":
        required = [c.name for c in contract.columns if c.required]
        return _result(
            contract.name,
            rule,
            n == 0,
            f"missing: {where}" if n else f"all {len(required)} present",
            "every required column present",
            f"required column(s) missing: {where}" if n else "every required column is present",
            cases,
        )
    if kind == "types_valid":
        return _result(
            contract.name,
            rule,
            n == 0,
            n,
            "0 malformed values",
            f"{n} value(s) do not parse as their column's type or pattern in {where}" if n else "every value parses",
            cases,
        )
    if kind == "not_null":
        return _result(
            contract.name,
            rule,
            n == 0,
            n,
            "0 null or empty values in critical columns",
            f"{n} null or empty value(s) in critical column(s) {where}" if n else "no null in critical columns",
            cases,
        )
    if kind == "min_value":
        column, low = params["column"], params["min"]
        present = column in frame.columns
        return _result(
            contract.name,
            rule,
            n == 0,
            n if present else f"column {column} missing",
            f"{column} >= {low}",
            f"{n} value(s) of {column} below {low}" if n else f"every {column} >= {low}",
            cases,
        )
    if kind == "value_range":
        low, high = params.get("min"), params.get("max")
        bounds = " and ".join(
            b for b in (f">= {low}" if low is not None else "", f"<= {high}" if high is not None else "") if b
        )
        names = ", ".join(params["columns"])
        return _result(
            contract.name,
            rule,
            n == 0,
            n,
            f"{names} {bounds}",
            f"{n} value(s) out of range ({bounds}) in {where}" if n else f"every value of {names} is {bounds}",
            cases,
        )
    column = params["column"]  # unique
    return _result(
        contract.name,
        rule,
        n == 0,
        n,
        f"{column} unique",
        f"{n} row(s) share a {column} value" if n else f"every {column} is unique",
        cases,
    )


# --------------------------------------------------------------------------- dataset-level checks


class _Context:
    def __init__(self, contract, frame, *, datos, run_date, source_status, degradation, now):
        self.contract, self.frame = contract, frame
        self.datos, self.run_date, self.now = datos, run_date, now
        self.source_status, self.degradation = source_status, degradation
        self._previous = ...

    @property
    def previous(self):
        if self._previous is ...:
            try:
                self._previous = previous_snapshot(self.datos, self.contract, self.run_date)
            except _NotComputed as exc:
                self._previous = exc
        if isinstance(self._previous, _NotComputed):
            raise self._previous
        return self._previous


def _row_count_positive(rule, ctx):
    rows = len(ctx.frame)
    return _result(
        ctx.contract.name, rule, rows > 0, rows, "> 0 rows", "the file has no data row" if rows == 0 else f"{rows} rows"
    )


def _parse_utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _freshness(rule, ctx):
    params = rule["params"]
    threshold = {k: params[k] for k in ("max_window_age_hours", "max_staged_age_hours")}
    sources = SOURCES if ctx.contract.source == "aggregate" else (ctx.contract.source,)
    docs = {s: ctx.source_status[s] for s in sources if isinstance(ctx.source_status.get(s), dict)}
    if not docs:
        return _result(
            ctx.contract.name,
            rule,
            False,
            None,
            threshold,
            f"no _source_status.json for {'/'.join(sources)}: the data's age is unknown",
        )
    try:
        window_end = max(_parse_utc(d["window_end_utc"]) for d in docs.values())
        staged = max(_parse_utc(d["generated_at_utc"]) for d in docs.values())
    except (KeyError, TypeError, ValueError) as exc:
        return _result(ctx.contract.name, rule, False, None, threshold, f"source status has no usable time: {exc}")
    window_age = round((ctx.now - window_end).total_seconds() / 3600, 1)
    staged_age = round((ctx.now - staged).total_seconds() / 3600, 1)
    observed = {
        "window_end_utc": window_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window_age_hours": window_age,
        "staged_at_utc": staged.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "staged_age_hours": staged_age,
    }
    stale = []
    if window_age > params["max_window_age_hours"]:
        stale.append(f"window ended {window_age} h ago (max {params['max_window_age_hours']} h)")
    if staged_age > params["max_staged_age_hours"]:
        stale.append(f"staged {staged_age} h ago (max {params['max_staged_age_hours']} h)")
    message = (
        "stale data: " + "; ".join(stale) if stale else f"window ended {window_age} h ago, staged {staged_age} h ago"
    )
    return _result(ctx.contract.name, rule, not stale, observed, threshold, message)


def _no_previous(rule, ctx, threshold):
    return _result(ctx.contract.name, rule, True, "no previous snapshot", threshold, "no previous snapshot to compare")


def _drift_rank(rule, ctx):
    """Spearman rank correlation of `value` between this run and the previous snapshot, over the union of
    both snapshots' top-N `key`s (a key absent from one snapshot counts as value 0 there)."""
    import numpy as np
    import pandas as pd

    key, value, top_n, low = (rule["params"][k] for k in ("key", "value", "top_n", "min_spearman"))
    threshold = f"Spearman >= {low} over the top {top_n}"
    prev = ctx.previous
    if prev is None:
        return _no_previous(rule, ctx, threshold)
    day, before = prev
    series = {}
    for label, frame in (("current", ctx.frame), ("previous", before)):
        if key not in frame.columns or value not in frame.columns:
            return _result(
                ctx.contract.name, rule, True, "not computed", threshold, f"{label} snapshot lacks {key} or {value}"
            )
        pairs = frame[[key, value]].dropna()
        values = pd.Series(_numeric(pairs[value]).to_numpy(), index=pairs[key].astype(str).str.strip())
        series[label] = values[values.notna()].groupby(level=0).sum()
    top = set()
    for values in series.values():
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        top.update(k for k, _ in ordered[:top_n])
    keys = sorted(top)
    cur = series["current"].reindex(keys, fill_value=0).rank()
    old = series["previous"].reindex(keys, fill_value=0).rank()
    if len(keys) < 3 or cur.nunique() < 2 or old.nunique() < 2:
        return _result(
            ctx.contract.name,
            rule,
            True,
            "not computed",
            threshold,
            f"too few distinct values to rank against the snapshot of {day} ({len(keys)} {key})",
        )
    rho = round(float(np.corrcoef(cur.to_numpy(), old.to_numpy())[0, 1]), 4)
    passed = rho >= low
    moved = sorted(keys, key=lambda k: -abs(cur[k] - old[k]))[:MAX_FAILURE_CASES] if not passed else []
    cases = [
        {
            "column": key,
            "value": k,
            "check": f"{value} {series['previous'].get(k, 0)} -> {series['current'].get(k, 0)}",
            "row": None,
        }
        for k in moved
    ]
    message = (
        f"ranking of {value} moved against the snapshot of {day}: Spearman {rho} < {low}"
        if not passed
        else f"Spearman {rho} against the snapshot of {day}"
    )
    return _result(ctx.contract.name, rule, passed, rho, threshold, message, cases)


def _relative_change(before: float, after: float) -> float:
    if before == after:
        return 0.0
    if before == 0:
        return math.inf
    return abs(after - before) / abs(before)


def _show(change: float) -> float | str:
    return "from 0" if math.isinf(change) else round(change, 4)


def _drift_total(rule, ctx):
    columns, bound = rule["params"]["columns"], rule["params"]["max_relative_change"]
    threshold = f"relative change of each column total <= {bound}"
    prev = ctx.previous
    if prev is None:
        return _no_previous(rule, ctx, threshold)
    day, before = prev
    changes, cases = {}, []
    for column in columns:
        if column not in ctx.frame.columns or column not in before.columns:
            continue
        old, new = float(_numeric(before[column]).sum()), float(_numeric(ctx.frame[column]).sum())
        changes[column] = _relative_change(old, new)
        if changes[column] > bound:
            cases.append({"column": column, "row": None, "value": f"{old:g} -> {new:g}", "check": "total"})
    if not changes:
        return _result(ctx.contract.name, rule, True, "not computed", threshold, f"none of {columns} in both snapshots")
    worst = max(changes.values())
    observed = {c: _show(v) for c, v in changes.items()}
    passed = not cases
    message = (
        f"column total moved past {bound} against the snapshot of {day}: "
        + ", ".join(f"{c['column']} {c['value']}" for c in cases)
        if not passed
        else f"largest relative change {_show(worst)} against the snapshot of {day}"
    )
    return _result(ctx.contract.name, rule, passed, observed, threshold, message, cases)


def _row_count_change(rule, ctx):
    bound = rule["params"]["max_relative_change"]
    threshold = f"relative row count change <= {bound}"
    prev = ctx.previous
    if prev is None:
        return _no_previous(rule, ctx, threshold)
    day, before = prev
    old, new = len(before), len(ctx.frame)
    change = _relative_change(old, new)
    observed = {"previous_rows": old, "rows": new, "relative_change": _show(change)}
    passed = change <= bound
    message = f"row count {old} -> {new} against the snapshot of {day} (relative change {_show(change)})"
    return _result(ctx.contract.name, rule, passed, observed, threshold, message)


def _optional_columns(rule, ctx):
    optional = [c.name for c in ctx.contract.columns if not c.required]
    missing = [name for name in optional if name not in ctx.frame.columns]
    if not optional:
        return _result(ctx.contract.name, rule, True, "no optional columns declared", "optional columns present", "ok")
    return _result(
        ctx.contract.name,
        rule,
        not missing,
        f"missing: {', '.join(missing)}" if missing else f"all {len(optional)} present",
        "optional columns present",
        f"optional column(s) not in the file: {', '.join(missing)}" if missing else "every optional column present",
        [{"column": m, "row": None, "value": None, "check": "optional_column"} for m in missing],
    )


def _sources_available(rule, ctx):
    need = rule["params"]["min_sources"]
    threshold = f">= {need} of {len(SOURCES)} sources"
    decision = ctx.degradation
    if decision is None:
        return _result(ctx.contract.name, rule, True, "no degradation decision given", threshold, "not evaluated")
    available = list(decision.get("available") or [])
    unavailable = decision.get("unavailable") or {}
    if not isinstance(unavailable, dict):  # a plain list of source names
        unavailable = dict.fromkeys(map(str, unavailable), "unavailable")
    verdict = decision.get("decision")
    # the decision's own verdict counts too: `fail` trips the critical rule, `publish_with_warning` the warning
    escalated = (verdict == "fail" and rule["severity"] == "critical") or (
        verdict == "publish_with_warning" and rule["severity"] != "critical"
    )
    passed = len(available) >= need and not escalated
    observed = f"{len(available)}/{len(SOURCES)} ({', '.join(available) or 'none'}); decision {verdict}"
    why = "; ".join(f"{s}: {r}" for s, r in sorted(unavailable.items())) or decision.get("reason") or ""
    message = f"{len(available)}/{len(SOURCES)} sources available" + (f" ({why})" if why else "")
    cases = [{"column": None, "row": None, "value": s, "check": str(r)} for s, r in sorted(unavailable.items())]
    return _result(ctx.contract.name, rule, passed, observed, threshold, message, cases if not passed else [])


def _keys_unique(rule, ctx):
    """The contract's keys identify a row: never null, never repeated (compared as typed values)."""
    keys = [k for k in ctx.contract.raw["keys"] if k in ctx.frame.columns]
    threshold = f"({', '.join(ctx.contract.raw['keys'])}) unique and not null"
    if len(keys) < len(ctx.contract.raw["keys"]):
        return _result(
            ctx.contract.name, rule, False, "key column missing", threshold, "a key column is not in the file"
        )
    values = ctx.frame[keys]
    null = values.isna().any(axis=1)
    repeated = values.duplicated(keep=False) & ~null
    bad = values[null | repeated]
    cases = [
        {
            "column": ", ".join(keys),
            "row": int(index) + 1,
            "value": " | ".join("" if _isnull(v) else str(v) for v in row),
            "check": "null key" if null[index] else "repeated key",
        }
        for index, row in bad.head(MAX_FAILURE_CASES).iterrows()
    ]
    n_null, n_repeated = int(null.sum()), int(repeated.sum())
    message = (
        f"{n_repeated} row(s) repeat a key, {n_null} have a null key ({', '.join(keys)})"
        if n_null or n_repeated
        else f"every row has its own ({', '.join(keys)})"
    )
    return _result(ctx.contract.name, rule, not (n_null or n_repeated), n_null + n_repeated, threshold, message, cases)


DATASET_CHECKS = {
    "keys_unique": _keys_unique,
    "row_count_positive": _row_count_positive,
    "freshness": _freshness,
    "drift_rank": _drift_rank,
    "drift_total": _drift_total,
    "optional_columns": _optional_columns,
    "row_count_change": _row_count_change,
    "sources_available": _sources_available,
}


def _run_dataset_check(rule, ctx):
    try:
        return DATASET_CHECKS[rule["check"]](rule, ctx)
    except _NotComputed as exc:
        return _result(ctx.contract.name, rule, False, "not computed", None, str(exc))


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
    return _result(
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
    return _result(parsed.contract.name, rule, False, message, "a UTF-8 CSV of the contract's columns", message, cases)


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
    ctx = _Context(contract, frame, **context)
    failures = pandera_failures(contract, frame)
    out = []
    for problem in parsed.column_problems:
        rule = {"id": "columns_known", "check": "columns_known", "severity": "critical"}
        out.append(_result(contract.name, rule, False, problem.message, "only the contract's columns", problem.message))
    for rule in contract.quality_rules:
        if rule["check"] == "types_valid":
            out.append(_types_result(parsed, rule))
        elif rule["check"] == "not_null":
            out.append(_pandera_result(contract, rule, frame, _not_null_cases(parsed, failures.get(rule["id"], []))))
        elif rule["check"] in PANDERA_CHECKS:
            out.append(_pandera_result(contract, rule, frame, failures.get(rule["id"], [])))
        elif rule["check"] != "sources_available":  # run for every contract by evaluate()
            out.append(_run_dataset_check(rule, ctx))
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
            checks.append(_result(name, rule, False, name, "a contract in contracts/datasets/", message))
            continue
        problems = contract_problems(contract)
        if problems:
            rule = {"id": "contract_valid", "check": "contract_valid", "severity": "critical"}
            checks.append(_result(name, rule, False, problems, "a consistent contract", "; ".join(problems)))
            continue
        checks += check_dataset(parsed, contract, **context)
    # the degradation rules judge the run, not a file: given a decision, they run whether or not the dataset's
    # file was checked (without one, only for the datasets in `datasets`, where they record "not evaluated")
    for contract in contracts.values():
        if degradation is None and contract.name not in datasets:
            continue
        ctx = _Context(contract, None, **context)
        checks += [_run_dataset_check(r, ctx) for r in contract.quality_rules if r["check"] == "sources_available"]
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

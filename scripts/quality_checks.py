"""The quality gate's dataset-level checks (freshness, drift, row counts, keys, sources) and the one result shape.

Each check kind of a contract's `quality_rules` that Pandera does not express is a function here,
`check(rule, ctx) -> result`, listed in DATASET_CHECKS; scripts/quality_gate.py runs them (docs/quality_gate.md).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from lib import SOURCES, PipelineError
from lib.contracts import Contract
from lib.duck import duckdb_connect

MAX_FAILURE_CASES = 5


class NotComputed(Exception):
    """A check could not be computed (e.g. an unreadable history snapshot): reported as its failure."""


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
        raise NotComputed(f"previous snapshot is unreadable: {exc}") from None
    finally:
        con.close()


def numeric(series):
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("float64")


def isnull(value) -> bool:
    import pandas as pd

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def result(dataset, rule, passed, observed, threshold, message, failure_cases=()):
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


class CheckContext:
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
            except NotComputed as exc:
                self._previous = exc
        if isinstance(self._previous, NotComputed):
            raise self._previous
        return self._previous


def _row_count_positive(rule, ctx):
    rows = len(ctx.frame)
    return result(
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
        return result(
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
        return result(ctx.contract.name, rule, False, None, threshold, f"source status has no usable time: {exc}")
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
    return result(ctx.contract.name, rule, not stale, observed, threshold, message)


def _no_previous(rule, ctx, threshold):
    return result(ctx.contract.name, rule, True, "no previous snapshot", threshold, "no previous snapshot to compare")


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
            return result(
                ctx.contract.name, rule, True, "not computed", threshold, f"{label} snapshot lacks {key} or {value}"
            )
        pairs = frame[[key, value]].dropna()
        values = pd.Series(numeric(pairs[value]).to_numpy(), index=pairs[key].astype(str).str.strip())
        series[label] = values[values.notna()].groupby(level=0).sum()
    top = set()
    for values in series.values():
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        top.update(k for k, _ in ordered[:top_n])
    keys = sorted(top)
    cur = series["current"].reindex(keys, fill_value=0).rank()
    old = series["previous"].reindex(keys, fill_value=0).rank()
    if len(keys) < 3 or cur.nunique() < 2 or old.nunique() < 2:
        return result(
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
    return result(ctx.contract.name, rule, passed, rho, threshold, message, cases)


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
        old, new = float(numeric(before[column]).sum()), float(numeric(ctx.frame[column]).sum())
        changes[column] = _relative_change(old, new)
        if changes[column] > bound:
            cases.append({"column": column, "row": None, "value": f"{old:g} -> {new:g}", "check": "total"})
    if not changes:
        return result(ctx.contract.name, rule, True, "not computed", threshold, f"none of {columns} in both snapshots")
    worst = max(changes.values())
    observed = {c: _show(v) for c, v in changes.items()}
    passed = not cases
    message = (
        f"column total moved past {bound} against the snapshot of {day}: "
        + ", ".join(f"{c['column']} {c['value']}" for c in cases)
        if not passed
        else f"largest relative change {_show(worst)} against the snapshot of {day}"
    )
    return result(ctx.contract.name, rule, passed, observed, threshold, message, cases)


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
    return result(ctx.contract.name, rule, passed, observed, threshold, message)


def _optional_columns(rule, ctx):
    optional = [c.name for c in ctx.contract.columns if not c.required]
    missing = [name for name in optional if name not in ctx.frame.columns]
    if not optional:
        return result(ctx.contract.name, rule, True, "no optional columns declared", "optional columns present", "ok")
    return result(
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
        return result(ctx.contract.name, rule, True, "no degradation decision given", threshold, "not evaluated")
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
    return result(ctx.contract.name, rule, passed, observed, threshold, message, cases if not passed else [])


def _keys_unique(rule, ctx):
    """The contract's keys identify a row: never null, never repeated (compared as typed values)."""
    keys = [k for k in ctx.contract.raw["keys"] if k in ctx.frame.columns]
    threshold = f"({', '.join(ctx.contract.raw['keys'])}) unique and not null"
    if len(keys) < len(ctx.contract.raw["keys"]):
        return result(
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
            "value": " | ".join("" if isnull(v) else str(v) for v in row),
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
    return result(ctx.contract.name, rule, not (n_null or n_repeated), n_null + n_repeated, threshold, message, cases)


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


def run_dataset_check(rule, ctx):
    try:
        return DATASET_CHECKS[rule["check"]](rule, ctx)
    except NotComputed as exc:
        return result(ctx.contract.name, rule, False, "not computed", None, str(exc))

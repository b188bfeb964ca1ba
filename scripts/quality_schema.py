"""The quality gate's Pandera part: the schema generated from a contract's columns and its Pandera-level rules,
the failure cases grouped by rule, and their results (docs/quality_gate.md)."""

from __future__ import annotations

from collections.abc import Callable

from lib.contracts import Contract
from quality_checks import isnull, result

# check kinds validated by the generated Pandera schema; the others are dataset-level checks below
PANDERA_CHECKS = ("required_columns", "types_valid", "not_null", "min_value", "value_range", "unique")


# Pandera's own check names for the properties the schema sets directly
_BUILTIN = {"column_in_dataframe": "required_columns", "not_nullable": "not_null"}


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
                    "row": None if missing_column or isnull(index) else int(index) + 1,
                    "value": None if missing_column or isnull(case["failure_case"]) else _shown(case, integers),
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


def pandera_result(contract: Contract, rule: dict, frame, cases: list[dict]) -> dict:
    kind, params, n = rule["check"], rule.get("params", {}), len(cases)
    columns = {c["column"] for c in cases}
    where = ", ".join(sorted(map(str, columns)))
    if kind == "required_columns":
        required = [c.name for c in contract.columns if c.required]
        return result(
            contract.name,
            rule,
            n == 0,
            f"missing: {where}" if n else f"all {len(required)} present",
            "every required column present",
            f"required column(s) missing: {where}" if n else "every required column is present",
            cases,
        )
    if kind == "types_valid":
        return result(
            contract.name,
            rule,
            n == 0,
            n,
            "0 malformed values",
            f"{n} value(s) do not parse as their column's type or pattern in {where}" if n else "every value parses",
            cases,
        )
    if kind == "not_null":
        return result(
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
        return result(
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
        return result(
            contract.name,
            rule,
            n == 0,
            n,
            f"{names} {bounds}",
            f"{n} value(s) out of range ({bounds}) in {where}" if n else f"every value of {names} is {bounds}",
            cases,
        )
    column = params["column"]  # unique
    return result(
        contract.name,
        rule,
        n == 0,
        n,
        f"{column} unique",
        f"{n} row(s) share a {column} value" if n else f"every {column} is unique",
        cases,
    )

"""Print docs/data_contract.md, rendered from contracts/ (run `make docs`; a test keeps it in sync)."""

from __future__ import annotations

import argparse
import json

from lib import CONTRACTS_DIR
from lib.cli import run_cli
from lib.contracts import load_contracts

INTRO = """\
# Data contract

Generated from `contracts/` by `make docs`; do not edit by hand (a test fails when this page and the
contracts disagree). The contracts are the single source of truth: the quality gate, the manifests and the
writers read them.

## Datasets at a glance

Paths are relative to the data folder (`datos/` by default). `{{year}}/{{month}}/{{day}}` are the run date,
zero-padded. Every history row also carries `run_id` and `snapshot_date`.

| dataset | V1 file | version | source | grain | retention |
|---|---|---|---|---|---|
{rows}

Retention classes ({retention_file}):
{retention}

## Schema hash

`schema_hash` is the SHA-256 (64 lower-case hex digits) of this canonical text:

1. take every column as the triple `[name, canonical type, nullable]`, where the canonical type is one of
   `string`, `integer`, `float`, `date`, `timestamp`, and `nullable` is `true` unless the column is critical;
2. sort the triples (by name, then type, then nullability);
3. write them as compact JSON (`separators=(",", ":")`, ASCII escapes, no spaces, no trailing newline),
   e.g. `[["lenguaje","string",false],["preguntas_nuevas_2025","integer",false]]`.

Column order, descriptions, units, whitespace and key order in the contract file do not change the hash; a
renamed column, a new type or a change of nullability does. The same schema hashes the same on every machine.

## Versions (SemVer), enforced by `make contract-check`

`make contract-check [BASE=<git ref>]` compares each contract with the same file at the ref (default the last
commit) and fails, naming the dataset and the change, when the version bump is smaller than required:

| change | bump |
|---|---|
| required column removed or renamed; required column added; incompatible type change; nullability tightened (a column becomes critical); a column no longer required; unit changed; column order changed; keys, V1 file or paths changed | MAJOR |
| optional column added or removed; type widened (`integer` → `float`); nullability relaxed; a column's pattern, the quality rules, the retention class or the source changed | MINOR |
| descriptions and grain wording | PATCH |

A dataset removed from `contracts/datasets/` is reported as breaking. A version may never go down.

## Run manifest

`datos/metadata/run_manifest.json` (the latest run) and `datos/metadata/runs/<run_id>.json` (every run, kept)
follow `contracts/run_manifest.schema.json` (JSON Schema 2020-12), checked with the `jsonschema` library before
they are written. Beyond the schema, every dataset's `source_run_id` must equal the run's `run_id`.

## Datasets
"""


def render() -> str:
    contracts = load_contracts()
    retention = json.loads((CONTRACTS_DIR / "retention_classes.json").read_text(encoding="utf-8"))
    rows = "\n".join(
        f"| `{c.name}` | `{c.v1_file}` | {c.version} | {c.source} | {c.raw['grain']} | {c.raw['retention_class']} |"
        for c in contracts.values()
    )
    parts = [
        INTRO.format(
            rows=rows,
            retention_file="`contracts/retention_classes.json`",
            retention="\n".join(f"- `{name}`: {spec['description']}." for name, spec in retention.items()),
        )
    ]
    for c in contracts.values():
        parts.append(f"\n### `{c.name}` — `{c.v1_file}` (v{c.version})\n\n{c.raw['description']}\n")
        parts.append(
            f"- grain: {c.raw['grain']}\n- keys: {', '.join(f'`{k}`' for k in c.raw['keys'])}\n"
            f"- latest: `{c.raw['latest_path']}`\n- history: `{c.raw['history_path']}`\n"
            f"- schema_hash: `{c.schema_hash}`\n\n"
            "| column | type | required | critical | unit | description |\n|---|---|---|---|---|---|\n"
        )
        for col in c.columns:
            unit = col.unit or ""
            if col.pattern:
                unit = f"{unit} (pattern `{col.pattern}`)".strip()
            parts.append(
                f"| `{col.name}` | {col.type} | {'yes' if col.required else 'no'} | "
                f"{'yes' if col.critical else 'no'} | {unit} | {col.description} |\n"
            )
        if c.quality_rules:
            parts.append(
                "\nQuality rules ([docs/quality_gate.md](quality_gate.md)):\n\n"
                "| id | check | severity | params | description |\n|---|---|---|---|---|\n"
            )
            for rule in c.quality_rules:
                params = ", ".join(
                    f"`{k}={json.dumps(v, ensure_ascii=False)}`" for k, v in rule.get("params", {}).items()
                )
                parts.append(
                    f"| `{rule['id']}` | `{rule['check']}` | {rule['severity']} | {params} | "
                    f"{rule.get('description', '')} |\n"
                )
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

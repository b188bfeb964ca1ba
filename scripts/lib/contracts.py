"""Dataset contracts (contracts/datasets/*.json): loading, validation and the schema hash."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from lib import CONTRACTS_DIR, PipelineError
from lib.files import read_json

CANONICAL_TYPES = ("string", "integer", "float", "date", "timestamp")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    critical: bool
    description: str
    unit: str | None = None
    pattern: str | None = None

    @property
    def nullable(self) -> bool:
        return not self.critical


@dataclass(frozen=True)
class Contract:
    raw: dict

    @property
    def name(self) -> str:
        return self.raw["logical_name"]

    @property
    def v1_file(self) -> str:
        return self.raw["v1_file"]

    @property
    def version(self) -> str:
        return self.raw["version_semver"]

    @property
    def source(self) -> str:
        return self.raw["source"]

    @property
    def columns(self) -> list[Column]:
        return [Column(**col) for col in self.raw["columns"]]

    @property
    def column_names(self) -> list[str]:
        return [col["name"] for col in self.raw["columns"]]

    @property
    def quality_rules(self) -> list[dict]:
        return self.raw["quality_rules"]

    @property
    def schema_hash(self) -> str:
        return schema_hash(self.columns)

    def latest_path(self, datos: Path) -> Path:
        return Path(datos) / self.raw["latest_path"]

    def history_path(self, datos: Path, day: dt.date) -> Path:
        pattern = self.raw["history_path"]
        return Path(datos) / pattern.format(year=f"{day.year:04d}", month=f"{day.month:02d}", day=f"{day.day:02d}")


def schema_canonical_form(columns: list[Column]) -> str:
    """The exact text `schema_hash` digests (documented in docs/data_contract.md).

    Columns sorted by name; each as [name, canonical type, nullable]; compact JSON, ASCII.
    """
    rows = sorted([col.name, col.type, col.nullable] for col in columns)
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=True)


def schema_hash(columns: list[Column]) -> str:
    return hashlib.sha256(schema_canonical_form(columns).encode("ascii")).hexdigest()


@functools.cache
def _validator(schema_file: str):
    import jsonschema

    schema = json.loads((CONTRACTS_DIR / schema_file).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(doc: object, schema_file: str) -> list[str]:
    """Every JSON Schema violation of `doc`, as 'path: message' lines (empty when valid)."""
    errors = sorted(_validator(schema_file).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def parse_contract(doc: object, origin: str) -> Contract:
    problems = schema_errors(doc, "dataset_contract.schema.json")
    if problems:
        raise PipelineError(f"contract {origin} is invalid: " + "; ".join(problems))
    return Contract(doc)


@functools.cache
def load_contracts(directory: Path | None = None) -> dict[str, Contract]:
    """Every dataset contract, by logical name, validated against the contract schema (once per process:
    callers must not modify what it returns)."""
    directory = Path(directory or CONTRACTS_DIR / "datasets")
    contracts = {}
    for path in sorted(directory.glob("*.json")):
        contract = parse_contract(read_json(path, "contract"), str(path))
        if contract.name != path.stem:
            raise PipelineError(f"contract {path}: logical_name {contract.name!r} must match the file name")
        contracts[contract.name] = contract
    return contracts


def load_contract(name: str) -> Contract:
    contracts = load_contracts()
    if name not in contracts:
        raise PipelineError(f"no contract named {name!r}: known are {', '.join(contracts)}")
    return contracts[name]


def manifest_errors(doc: object) -> list[str]:
    """Violations of contracts/run_manifest.schema.json, plus the one rule JSON Schema cannot say:
    every dataset's source_run_id is the run's run_id."""
    problems = schema_errors(doc, "run_manifest.schema.json")
    if not problems and isinstance(doc, dict):
        for i, dataset in enumerate(doc["datasets"]):
            if dataset["source_run_id"] != doc["run_id"]:
                problems.append(f"datasets/{i}/source_run_id: {dataset['source_run_id']!r} is not the run_id")
    return problems


def read_name_map() -> dict[str, str]:
    """contracts/tech_names.csv: lower-cased raw name -> display name (shared with sql/)."""
    with open(CONTRACTS_DIR / "tech_names.csv", newline="", encoding="utf-8") as fh:
        return {row["raw_name"]: row["display_name"] for row in csv.DictReader(fh)}


HISTORY_EXTRA_COLUMNS = ("run_id", "snapshot_date")  # every history row carries these after the contract columns

"""Check that every dataset contract's version bump is at least as large as its change requires.

Compares contracts/datasets/*.json in the working tree with the same files at a git ref (default HEAD).
SemVer rules (docs/data_contract.md): MAJOR when a reader or existing data can break, MINOR for
backward-compatible additions, PATCH for wording only.
"""

from __future__ import annotations

import argparse
import json
import subprocess

from lib import CONTRACTS_DIR, ROOT, PipelineError
from lib.cli import run_cli
from lib.contracts import load_contracts, parse_contract

LEVELS = ("none", "patch", "minor", "major")
# top-level fields whose change breaks readers, adds compatibly, or only rewords
_MAJOR_FIELDS = ("v1_file", "latest_path", "history_path", "keys")
_MINOR_FIELDS = ("source", "retention_class", "quality_rules")
_PATCH_FIELDS = ("description", "grain")
_WIDENING = {("integer", "float")}


def _column_change(name: str, before: dict, col: dict) -> list[tuple[str, str]]:
    """The (level, reason) of each change of one column kept from old to new."""
    reasons = []
    if before["type"] != col["type"]:
        widening = (before["type"], col["type"]) in _WIDENING
        reasons.append(("minor" if widening else "major", f"column {name!r} type {before['type']} -> {col['type']}"))
    if before["critical"] != col["critical"]:
        tightened = col["critical"]
        reasons.append(
            (
                "major" if tightened else "minor",
                f"column {name!r} nullability {'tightened' if tightened else 'relaxed'}",
            )
        )
    if before["required"] != col["required"]:
        reasons.append(("major", f"column {name!r} {'now required' if col['required'] else 'no longer required'}"))
    if before.get("unit") != col.get("unit"):
        reasons.append(("major", f"column {name!r} unit {before.get('unit')!r} -> {col.get('unit')!r}"))
    if before.get("pattern") != col.get("pattern"):
        reasons.append(("minor", f"column {name!r} pattern changed"))
    if before["description"] != col["description"]:
        reasons.append(("patch", f"column {name!r} description changed"))
    return reasons


def _presence(col: dict, what: str) -> tuple[str, str]:
    """A column removed or added: major when it is required, minor when optional."""
    kind = "required" if col["required"] else "optional"
    return ("major" if col["required"] else "minor", f"{kind} column {col['name']!r} {what}")


def required_bump(old: dict, new: dict) -> tuple[str, list[str]]:
    """The smallest SemVer bump that the change old -> new requires, with the reasons."""
    reasons: list[tuple[str, str]] = [
        (level, f"{field} changed")
        for level, fields in (("major", _MAJOR_FIELDS), ("minor", _MINOR_FIELDS), ("patch", _PATCH_FIELDS))
        for field in fields
        if old.get(field) != new.get(field)
    ]
    old_cols = {c["name"]: c for c in old["columns"]}
    new_cols = {c["name"]: c for c in new["columns"]}
    reasons += [_presence(col, "removed or renamed") for name, col in old_cols.items() if name not in new_cols]
    for name, col in new_cols.items():
        if name in old_cols:
            reasons += _column_change(name, old_cols[name], col)
        else:
            reasons.append(_presence(col, "added"))
    shared_old = [n for n in old_cols if n in new_cols]
    shared_new = [n for n in new_cols if n in old_cols]
    if shared_old != shared_new:
        reasons.append(("major", "column order changed (V1 readers may read by position)"))

    level = max((lvl for lvl, _ in reasons), key=LEVELS.index, default="none")
    return level, [f"{why} ({lvl})" for lvl, why in reasons]


def parse_version(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def actual_bump(old_version: str, new_version: str) -> str:
    """'major', 'minor', 'patch', 'none', or 'downgrade'."""
    old, new = parse_version(old_version), parse_version(new_version)
    if new < old:
        return "downgrade"
    if new[0] > old[0]:
        return "major"
    if new[1] > old[1]:
        return "minor"
    if new[2] > old[2]:
        return "patch"
    return "none"


def check(old_contracts: dict[str, dict], new_contracts: dict[str, dict]) -> list[str]:
    """Problems, one line each, naming the dataset and the change; empty when every bump suffices."""
    problems = []
    for name in sorted(old_contracts.keys() - new_contracts.keys()):
        problems.append(f"{name}: dataset removed: a breaking change for every reader; deprecate it instead")
    for name in sorted(new_contracts.keys() & old_contracts.keys()):
        old, new = old_contracts[name], new_contracts[name]
        needed, reasons = required_bump(old, new)
        got = actual_bump(old["version_semver"], new["version_semver"])
        if got == "downgrade":
            problems.append(f"{name}: version went down {old['version_semver']} -> {new['version_semver']}")
        elif LEVELS.index(got) < LEVELS.index(needed):
            problems.append(
                f"{name}: needs a {needed} bump but {old['version_semver']} -> {new['version_semver']} is "
                f"{'no bump' if got == 'none' else 'a ' + got + ' bump'}: " + "; ".join(reasons)
            )
    return problems


def contracts_at(ref: str) -> dict[str, dict]:
    """Contracts as they are at a git ref (empty when the ref has no contracts folder yet)."""
    folder = (CONTRACTS_DIR / "datasets").relative_to(ROOT).as_posix()

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            raise PipelineError(f"contract-check: git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT).returncode:
        raise PipelineError(f"contract-check: {ref!r} is not a git commit here: give BASE=<ref>")
    out = {}
    for path in git("ls-tree", "--name-only", ref, f"{folder}/").splitlines():
        if path.endswith(".json"):
            doc = json.loads(git("show", f"{ref}:{path}"))
            out[doc["logical_name"]] = parse_contract(doc, f"{ref}:{path}").raw
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="HEAD", help="git ref to compare with (default: HEAD)")
    args = parser.parse_args(argv)
    new = {name: contract.raw for name, contract in load_contracts().items()}
    old = contracts_at(args.base)
    problems = check(old, new)
    for line in problems:
        print(f"contract-check: {line}")
    if problems:
        return 1
    print(f"contract-check: {len(new)} contracts, every version bump matches its change (base {args.base})")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

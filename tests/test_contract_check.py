"""SemVer rules for contract changes, and `make contract-check` against a real git base."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest

from dev.contract_check import actual_bump, check, required_bump
from lib import ROOT


def base() -> dict:
    doc = json.loads((ROOT / "contracts/datasets/so_volumen.json").read_text())
    doc["version_semver"] = "1.0.0"  # the cases below are written against 1.0.0, whatever the live version is
    return doc


def changed(fn) -> dict:
    doc = copy.deepcopy(base())
    fn(doc)
    return doc


def add_optional(doc):
    doc["columns"].append(
        {"name": "nota", "type": "string", "required": False, "critical": False, "description": "x", "unit": None}
    )


def add_required(doc):
    doc["columns"].append(
        {"name": "nota", "type": "string", "required": True, "critical": False, "description": "x", "unit": None}
    )


@pytest.mark.parametrize(
    ("change", "level"),
    [
        (lambda d: d["columns"].pop(1), "major"),  # remove a required column
        (lambda d: d["columns"][0].update(name="tag"), "major"),  # rename
        (lambda d: d["columns"][1].update(type="string"), "major"),  # incompatible type
        (lambda d: d["columns"][1].update(type="float"), "minor"),  # widening
        (add_required, "major"),
        (add_optional, "minor"),
        (lambda d: d["columns"].reverse(), "major"),  # V1 column order
        (
            lambda d: d["quality_rules"].append({"id": "r", "check": "row_count_positive", "severity": "warning"}),
            "minor",
        ),
        (lambda d: d["columns"][0].update(description="Stack Overflow tag, lower case"), "patch"),
        (lambda d: d.update(description="Reworded."), "patch"),
        (lambda d: None, "none"),
    ],
)
def test_required_bump(change, level):
    got, reasons = required_bump(base(), changed(change))
    assert got == level, reasons
    assert bool(reasons) == (level != "none")


def test_tightening_nullability_is_major_and_relaxing_is_minor():
    loose = changed(lambda d: d["columns"][1].update(critical=False))
    assert required_bump(base(), loose)[0] == "minor"
    assert required_bump(loose, base())[0] == "major"


@pytest.mark.parametrize(
    ("old", "new", "bump"),
    [
        ("1.2.3", "2.0.0", "major"),
        ("1.2.3", "1.3.0", "minor"),
        ("1.2.3", "1.2.4", "patch"),
        ("1.2.3", "1.2.3", "none"),
        ("1.2.3", "1.2.2", "downgrade"),
        ("1.9.0", "1.10.0", "minor"),
    ],
)
def test_actual_bump(old, new, bump):
    assert actual_bump(old, new) == bump


def test_check_accepts_sufficient_bumps_and_names_too_small_ones():
    old = {"so_volumen": base()}
    removed = changed(lambda d: d["columns"].pop(1))
    assert check(old, {"so_volumen": {**removed, "version_semver": "2.0.0"}}) == []
    problems = check(old, {"so_volumen": {**removed, "version_semver": "1.1.0"}})
    assert len(problems) == 1
    assert problems[0].startswith("so_volumen: needs a major bump but 1.0.0 -> 1.1.0 is a minor bump")
    assert "'preguntas_nuevas_2025' removed" in problems[0]
    doc_fix = changed(lambda d: d.update(description="Reworded."))
    assert check(old, {"so_volumen": doc_fix})[0].startswith(
        "so_volumen: needs a patch bump but 1.0.0 -> 1.0.0 is no bump"
    )
    assert check(old, {"so_volumen": {**doc_fix, "version_semver": "1.0.1"}}) == []
    assert "dataset removed" in check(old, {})[0]


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow
def test_make_contract_check_against_a_git_base(tmp_path):
    """The real verb, in a throw-away repository holding a copy of the project."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".git", "datos", ".venv", "*cache*"))
    (repo / ".venv").symlink_to(ROOT / ".venv")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    contract = repo / "contracts/datasets/github_lenguajes.json"
    doc = json.loads(contract.read_text())
    doc["columns"] = [c for c in doc["columns"] if c["name"] != "porcentaje"]
    before = doc["version_semver"]
    major, minor, _ = (int(part) for part in before.split("."))
    doc["version_semver"] = f"{major}.{minor + 1}.0"  # a minor bump where a major one is needed
    contract.write_text(json.dumps(doc, indent=2))

    run = subprocess.run(["make", "-s", "contract-check"], cwd=repo, capture_output=True, text=True)
    assert run.returncode != 0
    assert f"github_lenguajes: needs a major bump but {before} -> {doc['version_semver']}" in run.stdout
    assert "'porcentaje' removed" in run.stdout

    doc["version_semver"] = "2.0.0"
    contract.write_text(json.dumps(doc, indent=2))
    run = subprocess.run(["make", "-s", "contract-check", "BASE=HEAD"], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every version bump matches its change" in run.stdout

    run = subprocess.run(["make", "-s", "contract-check", "BASE=nope"], cwd=repo, capture_output=True, text=True)
    assert run.returncode != 0
    assert "'nope' is not a git commit" in run.stderr

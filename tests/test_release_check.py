"""make release-check: each kind of criterion really runs (files, make help, pytest, make verbs, the cutover verdict,
earlier checkpoints), against a small checkout made for the purpose; the real table is listed and its tags checked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import release_check
from lib import ROOT
from release_check import Checker, Criterion
from staged_run import run_in_process

MAKEFILE = """\
help:
\t@echo "  make demo                   the demo"
\t@echo "  make ok                     succeeds"
good:
\t@echo all good
bad:
\t@echo "it broke" >&2; exit 1
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    root = tmp_path / "checkout"
    (root / "tests").mkdir(parents=True)
    (root / "Makefile").write_text(MAKEFILE)
    (root / "present.txt").write_text("x")
    (root / "tests/test_pass.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    (root / "tests/test_fail.py").write_text("def test_broken():\n    assert 1 + 1 == 3\n")
    return root


def check(root: Path, *criteria: tuple[str, str], datos: Path | None = None) -> tuple[bool, list[str]]:
    lines: list[str] = []
    table = {"t": ("a test tag", [Criterion(kind, arg, "why") for kind, arg in criteria])}
    ok = Checker(root, datos or root / "datos", table, echo=lines.append).holds("t")
    return ok, lines


def test_files_and_globs(checkout):
    assert check(checkout, ("file", "present.txt"), ("file", "tests/test_*.py"))[0]
    ok, lines = check(checkout, ("file", "present.txt"), ("file", "missing.txt"))
    assert not ok
    assert "FAIL file missing.txt — why: missing.txt does not exist" in lines[1]
    assert lines[-1] == "t (a test tag): does NOT hold"


@pytest.mark.slow
def test_verbs_come_from_make_help(checkout):
    assert check(checkout, ("verb", "demo"), ("verb", "ok"))[0]
    ok, lines = check(checkout, ("verb", "bridge"))
    assert not ok and "make help does not list `make bridge`" in lines[0]


@pytest.mark.slow
def test_tests_run_and_a_failing_or_missing_test_fails(checkout):
    assert check(checkout, ("tests", "tests/test_pass.py"))[0]
    ok, lines = check(checkout, ("tests", "tests/test_pass.py tests/test_fail.py"))
    assert not ok and "1 failed, 1 passed" in lines[0]
    ok, lines = check(checkout, ("tests", "tests/test_bridge*.py"))
    assert not ok and "no test file matches tests/test_bridge*.py" in lines[0]


@pytest.mark.slow
def test_make_verbs_must_succeed(checkout):
    assert check(checkout, ("make", "good"))[0]
    ok, lines = check(checkout, ("make", "bad"))
    assert not ok and "Error 1" in lines[0]


def test_a_checkpoint_includes_an_earlier_one_and_each_is_checked_once(checkout):
    lines: list[str] = []
    table = {
        "rc1": ("first", [Criterion("file", "missing.txt", "needed")]),
        "rc2": ("second", [Criterion("checkpoint", "rc1", "builds on"), Criterion("checkpoint", "rc1", "again")]),
    }
    assert not Checker(checkout, checkout, table, echo=lines.append).holds("rc2")
    assert sum("missing.txt does not exist" in line for line in lines) == 1
    assert "rc2: FAIL checkpoint rc1 — builds on: rc1 does not hold (above)" in "\n".join(lines)


def test_the_cutover_criterion_reads_the_verdict(tmp_path):
    ok, lines = check(ROOT, ("cutover", "4"), datos=tmp_path / "no-runs")
    assert not ok and "cutover: NOT ELIGIBLE" in lines[0]


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_in_process([str(ROOT / "scripts/release_check.py"), *args], dict(os.environ))


def test_every_tag_is_listed_with_criteria_that_name_real_kinds():
    kinds = {"file", "verb", "tests", "make", "cutover", "checkpoint"}
    for tag, (_summary, criteria) in release_check.CHECKPOINTS.items():
        assert criteria and {c.kind for c in criteria} <= kinds, tag
        for c in criteria:
            assert c.kind != "checkpoint" or c.arg in release_check.CHECKPOINTS
    listed = cli("--tag", "v2.0.0", "--list")
    assert listed.returncode == 0
    assert "checkpoint v2.0.0-rc4" in listed.stdout and "cutover 4" in listed.stdout


@pytest.mark.slow
def test_an_unknown_tag_is_refused_by_the_script_and_by_make():
    bad = cli("--tag", "v3")
    assert bad.returncode == 2 and "unknown tag 'v3'" in bad.stderr
    run = subprocess.run(
        ["make", "release-check", "TAG=v2.0.0-rc1;touch canary"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode != 0 and "TAG must be one of v2.0.0-rc1" in run.stderr
    assert not (ROOT / "canary").exists()

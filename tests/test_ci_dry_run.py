"""`make ci-dry-run` itself: the five workflow jobs played locally with zip artifacts, every scenario as expected."""

from __future__ import annotations

import os
import subprocess

import pytest

from lib import ROOT, SECRET_NAMES

pytestmark = pytest.mark.slow  # runs make ci-dry-run


def test_make_ci_dry_run_plays_every_scenario_without_a_surprise():
    env = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES and not k.startswith("MAKE")}
    run = subprocess.run(["make", "-s", "ci-dry-run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith(("ok ", "FAIL"))]
    assert len(lines) == 10 and all(line.startswith("ok ") for line in lines), run.stdout
    assert "ci-dry-run: 0 surprise(s)" in run.stdout

"""Shared fixtures: the replay HTTP server, a clean environment without real secrets, and one built demo.

Test tiers (pyproject.toml markers): `make test-fast` runs every test marked neither `slow` nor `browser` (in-process:
no make, no subprocess per case); `make test` runs them all. Both run in parallel (pytest-xdist, JOBS=). A test is
in exactly one tier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib import ROOT, SECRET_NAMES
from project import copy_project, make, once_per_session
from replay_server import ReplayServer

TIER_MARKERS = ("slow", "browser")


def pytest_collection_modifyitems(items):
    both = [item.nodeid for item in items if all(item.get_closest_marker(m) for m in TIER_MARKERS)]
    if both:
        raise pytest.UsageError(f"a test is in one tier, slow or browser, not both: {', '.join(both)}")


@pytest.fixture
def replay():
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_ambient_secrets(monkeypatch):
    """Tests never see the developer's real credentials; a test sets sentinels when it needs them."""
    for name in SECRET_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rest_run(tmp_path, monkeypatch):
    """A GitHub / Stack Exchange run on 2026-11-23 in a tmp data folder, with fast HTTP settings."""
    for name, value in {
        "DATOS": str(tmp_path / "datos"),
        "RUN_DATE": "2026-11-23",
        "HTTP_TIMEOUT": "0.5",
        "HTTP_MAX_RETRIES": "2",
        "HTTP_BACKOFF_BASE": "0.01",
        "HTTP_WAIT_BUDGET": "5",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "datos"


@dataclass(frozen=True)
class Demo:
    repo: Path  # a project copy in which `make demo` ran: read it, or copy it (project.copy_built) to change it
    stdout: str  # what that `make demo` printed


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory, worker_id) -> Demo:
    """`make demo` in a copy of the project, run once per test session for all xdist workers."""
    with once_per_session(tmp_path_factory, worker_id, "demo-project") as folder:
        result = folder / "make-demo.json"
        if not result.exists():
            repo = copy_project(folder / "repo")
            run = make(repo, "demo")
            result.write_text(json.dumps({"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}))
    run = json.loads(result.read_text())
    assert run["returncode"] == 0, run["stdout"] + run["stderr"]
    return Demo(folder / "repo", run["stdout"])


@pytest.fixture(scope="session")
def built_app(tmp_path_factory, worker_id) -> Path:
    """build/dashboard/ as `make serve` serves it, built (npm ci + vendoring) by `make dashboard` in the checkout:
    once per session, under a lock, so two workers never build it at the same time."""
    with once_per_session(tmp_path_factory, worker_id, "dashboard-build"):
        run = make(ROOT, "-s", "dashboard")
    assert run.returncode == 0, f"make dashboard failed:\n{run.stdout}\n{run.stderr}"
    build = ROOT / "build" / "dashboard"
    assert (build / "vendor" / "chart.umd.min.js").is_file()
    return build

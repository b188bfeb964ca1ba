"""Shared fixtures: the replay HTTP server and a clean environment without real secrets."""

from __future__ import annotations

import pytest

from lib import SECRET_NAMES
from replay_server import ReplayServer


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

"""Shared fixtures: the replay HTTP server and a clean environment without real secrets."""

from __future__ import annotations

import pytest

from common import SECRET_NAMES
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

"""The publish job's commit (scripts/ci_commit.py) against real git repositories in tmp_path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ci_commit import commit_published
from lib import PipelineError

pytestmark = pytest.mark.slow  # git clones and pushes per case

ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def clones(tmp_path, monkeypatch):
    """A bare origin with one commit, and two clones of it (the publish job's, and someone else's)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "--quiet", str(origin), str(seed))
    (seed / ".gitignore").write_text("datos/work/\n")
    git(seed, "add", ".gitignore")
    git(seed, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "--quiet", "-m", "seed")
    git(seed, "push", "--quiet", "origin", "HEAD:main")
    job = tmp_path / "job"
    git(tmp_path, "clone", "--quiet", str(origin), str(job))
    return origin, seed, job


def test_commits_only_when_something_changed(clones):
    _, _, job = clones
    (job / "datos/latest").mkdir(parents=True)
    (job / "datos/latest/a.csv").write_text("a\n1\n")
    (job / "datos/work").mkdir()
    (job / "datos/work/scratch.csv").write_text("x\n")
    assert commit_published(job, ["datos/latest", "datos/work", "datos/missing.csv"], "data: run").startswith(
        "committed"
    )
    assert git(job, "show", "--name-only", "--format=", "HEAD") == "datos/latest/a.csv"  # ignored files stay out
    assert commit_published(job, ["datos/latest"], "data: run") == "nothing changed: no commit"


def test_rebases_onto_a_branch_that_moved_and_pushes(clones):
    origin, seed, job = clones
    (seed / "README").write_text("someone else\n")
    git(seed, "add", "README")
    git(seed, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "--quiet", "-m", "meanwhile")
    git(seed, "push", "--quiet", "origin", "HEAD:main")
    (job / "datos/latest").mkdir(parents=True)
    (job / "datos/latest/a.csv").write_text("a\n1\n")
    line = commit_published(job, ["datos/latest"], "data: run", push_branch="main")
    assert line.startswith("committed") and line.endswith("pushed to main")
    assert git(origin, "log", "--format=%s", "main").splitlines() == ["data: run", "meanwhile", "seed"]


def test_no_published_path_is_an_error_naming_them(clones):
    _, _, job = clones
    with pytest.raises(PipelineError, match="did the publish step run"):
        commit_published(job, ["datos/latest"], "data: run")

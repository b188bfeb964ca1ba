"""Copies of the project for the tests that run real make targets, the environment those makes get, and the
lock under which the xdist workers of a session share one expensive build."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from lib import ROOT, SECRET_NAMES

# what a copy of the checkout leaves out: git, the venv (linked instead), the data a run or a build makes
# (demo/, datos/{raw,staging,work}, build/, node_modules/, screenshots) and caches
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "demo", "raw", "staging", "work", "build", "node_modules", "test-artifacts", ".*_cache",
    "__pycache__",
)  # fmt: skip


def make_env(**env: str) -> dict[str, str]:
    """The environment of a make a test starts: no secret, no outer make's jobserver or flags, plus `env`."""
    environment = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES and not k.startswith("MAKE")}
    environment.update(env)
    return environment


def copy_project(dest: Path) -> Path:
    """A copy of the checkout at `dest`, sharing the built .venv, so touching its files cannot disturb the real one."""
    shutil.copytree(ROOT, dest, ignore=_NOT_COPIED)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def copy_built(source: Path, dest: Path) -> Path:
    """A copy of a project copy with what it built, mtimes kept: to Make the copy is exactly as up to date."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def make(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", *args], cwd=project, env=make_env(**env), capture_output=True, text=True)


@contextlib.contextmanager
def once_per_session(tmp_path_factory, worker_id: str, name: str) -> Iterator[Path]:
    """A folder for `name` that every xdist worker of this session shares, held under a lock: the first worker in
    builds what is missing in it, the others wait and then find it built (the pytest-xdist docs' recipe)."""
    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent  # the folder every worker's base temp folder is in
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield base / name

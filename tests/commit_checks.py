"""The commit's promise, checked as a reader sees it (shared by tests/test_commit.py and tests/test_commit_kill.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import commit
import history
from lib.files import sha256_file
from staged_run import run_script


def files(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> SHA-256)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def committed_set(record: dict) -> dict[str, str]:
    """The latest set a committed record lists (file name -> SHA-256): its CSVs, carried files and bridge files."""
    listed = {Path(e["latest_path"]).name: e["sha256"] for e in [*record["datasets"], *record["carried_forward"]]}
    listed.update(record.get("dashboard_files", {}))
    return listed


def assert_consistent(datos: Path, tmp_path: Path) -> dict:
    """The promise, checked as a reader sees it after recovery: the last committed run's set is latest/, its
    record is run_manifest.json, it replays byte for byte, and every history file belongs to exactly one run."""
    replay_out = tmp_path / "replay-check"
    shutil.rmtree(replay_out, ignore_errors=True)
    last = history.latest_committed(datos)
    assert last is not None
    listed = committed_set(last)
    run = run_script("replay.py", datos, "--run-id", last["run_id"], "--out", str(replay_out))
    assert run.returncode == 0, run.stderr
    assert files(replay_out) == listed == files(datos / "latest")
    assert (datos / "metadata/run_manifest.json").read_bytes() == commit.record_path(datos, last["run_id"]).read_bytes()
    owners, problems = history.audit(datos)
    assert problems == []
    assert sorted(owners) == sorted(f"history/{p}" for p in files(datos / "history"))
    assert not [p for p in (datos / "work").iterdir() if commit.UUID.fullmatch(p.name)]
    assert not [p for p in datos.rglob("*.tmp")]
    assert not [p for p in datos.iterdir() if p.name.startswith(".latest")]
    return last

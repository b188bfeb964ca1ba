"""The commit protocol of a run: a staged run folder, a write-ahead journal, one commit point, recovery.

A run that may publish is built whole in `<datos>/work/<run_id>/` (scripts/aggregate.py):

  latest/<file>            the run's complete latest set (CSVs, and any JSON the bridge adds)
  history/<dataset>/...    its history partitions, at the paths they take under <datos>/
  record.json              its run record, `"published": true`, with every file's SHA-256

and validated there. Then, holding the data lock:

  1. journal.json          written atomically: the record's SHA-256 and every move to make
  2. new partitions        each partition whose path is free renamed into <datos>/history/ (not data yet:
                           no committed record lists it)
  3. the commit point      metadata/runs/<run_id>.json written atomically: the record, byte for byte
  4. roll forward          the partitions that replace an earlier same-day run's, latest/ switched to exactly
                           the run's set, V1 copies, metadata/run_manifest.json
  5. cleanup               work/<run_id>/ removed

`recover(datos)` runs first in every writer (aggregate, publish, replay) under the lock: a journal whose record
is committed (metadata/runs/<run_id>.json has the journal's SHA-256) is rolled forward; any other is rolled back
(the partitions it moved in removed); then the run folder, stale `.tmp` files and
half-switched folders are removed. A crash at any instant thus leaves either the previous committed state or
the new one, and the next writer finishes the job. Crash points (lib.files.crash_point) name every step.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from lib import PipelineError
from lib.files import (
    atomic_path,
    atomic_write_bytes,
    crash_point,
    fsync_dir,
    read_json,
    recover_dir,
    sha256_file,
    sweep_tmp,
    switch_dir,
    write_json,
)
from lib.log import get_logger

log = get_logger("commit")

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def run_dir(datos: Path, run_id: str) -> Path:
    return Path(datos) / "work" / run_id


def record_path(datos: Path, run_id: str) -> Path:
    return Path(datos) / "metadata" / "runs" / f"{run_id}.json"


def commit(datos: Path, run_id: str, record_bytes: bytes, partitions: list[str], v1_files: list[str]) -> None:
    """Commit the run staged in work/<run_id>/ (call under the data lock, after validation).

    `partitions` are the history files (paths relative to the data folder, staged at the same relative path
    in the run folder); `v1_files` the latest files also copied to the data folder (LEGACY_V1_COPIES).
    """
    work = run_dir(datos, run_id)
    atomic_write_bytes(work / "record.json", record_bytes)
    moves = [{"path": rel, "had_old": (Path(datos) / rel).exists()} for rel in partitions]
    journal = {
        "run_id": run_id,
        "record_sha256": sha256_file(work / "record.json"),
        "moves": moves,
        "latest": sorted(p.name for p in (work / "latest").iterdir()),
        "v1_files": v1_files,
    }
    write_json(work / "journal.json", journal)
    crash_point("after_journal")
    for move in moves:  # new paths only: a file no committed record lists is not data, so this changes nothing
        if not move["had_old"]:
            _move_in(datos, work, move)
            crash_point("after_history_move")
    crash_point("before_record")
    atomic_write_bytes(record_path(datos, run_id), record_bytes)  # THE commit point
    fsync_dir(record_path(datos, run_id).parent)
    crash_point("after_record")
    roll_forward(datos, journal)


def _move_in(datos: Path, work: Path, move: dict) -> None:
    dest, staged = Path(datos) / move["path"], work / move["path"]
    if staged.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, dest)
        fsync_dir(dest.parent)


def roll_forward(datos: Path, journal: dict) -> None:
    """Finish a committed run: replace the same-day partitions of an earlier run, switch latest/ to its set,
    write the V1 copies and run_manifest.json, clean up.

    Every step is idempotent, so a crash inside it is finished by the next `recover`.
    """
    run_id = journal["run_id"]
    work = run_dir(datos, run_id)
    for move in journal["moves"]:  # an earlier run's partition of the same date stays until the commit point
        _move_in(datos, work, move)
        crash_point("after_history_replace" if move["had_old"] else "after_history_move")
    latest = {name: work / "latest" / name for name in journal["latest"]}
    recover_dir(Path(datos) / "latest")
    switch_dir(Path(datos) / "latest", latest, run_id)
    crash_point("after_latest")
    for name in journal["v1_files"]:
        with atomic_path(Path(datos) / name) as tmp:
            shutil.copyfile(latest[name], tmp)
    crash_point("after_v1_copies")
    with atomic_path(Path(datos) / "metadata" / "run_manifest.json") as tmp:
        shutil.copyfile(record_path(datos, run_id), tmp)
    crash_point("after_run_manifest")
    shutil.rmtree(work)


def roll_back(datos: Path, journal: dict) -> None:
    """Undo the history moves of a run that did not reach its commit point: the new paths it moved in are
    removed (an earlier run's same-day partition was never touched before the commit point)."""
    work = run_dir(datos, journal["run_id"])
    for move in reversed(journal["moves"]):
        dest, staged = Path(datos) / move["path"], work / move["path"]
        if not move["had_old"] and not staged.exists() and dest.exists():
            dest.unlink()


def discard_unjournaled(datos: Path, run_id: str) -> None:
    """Remove a run folder whose commit never started (no journal): what a failed validation leaves."""
    work = run_dir(datos, run_id)
    if work.is_dir() and not (work / "journal.json").exists():
        shutil.rmtree(work, ignore_errors=True)


def committed(datos: Path, journal: dict) -> bool:
    path = record_path(datos, journal["run_id"])
    return path.is_file() and sha256_file(path) == journal["record_sha256"]


def _recover_staged(datos: Path, folder: Path) -> str:
    """Finish or undo one staged run folder of work/ by its journal; what it did, in words."""
    journal_path = folder / "journal.json"
    if not journal_path.is_file():
        return f"removed the staged folder of run {folder.name} (interrupted before its journal)"
    journal = read_json(journal_path, "commit journal")
    if journal.get("run_id") != folder.name:
        raise PipelineError(f"commit journal {journal_path} names run {journal.get('run_id')!r}")
    if committed(datos, journal):
        roll_forward(datos, journal)
        return f"rolled forward run {folder.name} (committed, not yet switched in)"
    roll_back(datos, journal)
    return f"rolled back run {folder.name} (interrupted before its commit point)"


def _staged_folders(datos: Path) -> list[Path]:
    """The run folders of work/ (named by a run id, real folders, not links)."""
    work = datos / "work"
    if not work.is_dir():
        return []
    return [f for f in sorted(work.iterdir()) if f.is_dir() and not f.is_symlink() and UUID.fullmatch(f.name)]


def _remove_temporaries(datos: Path) -> list[Path]:
    """The temporary files of interrupted writes (under history/, latest/, metadata/ and at the top), removed."""
    removed = [p for sub in ("history", "latest", "metadata") for p in sweep_tmp(datos / sub)]
    for path in datos.glob(".*.tmp"):
        if path.is_file() and re.fullmatch(r"\..+\.\d+\.tmp", path.name):
            path.unlink()
            removed.append(path)
    return removed


def recover(datos: Path) -> list[str]:
    """Finish or undo whatever an interrupted writer left in `datos` (call under the data lock). Returns what
    it did, in words (also logged)."""
    datos = Path(datos)
    done: list[str] = []
    for folder in _staged_folders(datos):
        done.append(_recover_staged(datos, folder))
        shutil.rmtree(folder, ignore_errors=True)
    target = datos / "latest"
    if any(target.parent.glob(f".{target.name}-*")):
        recover_dir(target)
        done.append(f"cleaned an interrupted switch of {target}")
    removed = _remove_temporaries(datos)
    if removed:
        done.append(f"removed {len(removed)} temporary file(s) of interrupted writes")
    _remove_empty_dirs(datos / "history")
    for line in done:
        log.warning("recovery: %s", line)
    return done


def _remove_empty_dirs(folder: Path) -> None:
    """Remove the empty folders a rolled-back partition leaves (bottom up, never through a symlink)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for root, _dirs, _files in os.walk(folder, topdown=False, followlinks=False):
        path = Path(root)
        if path != folder and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()

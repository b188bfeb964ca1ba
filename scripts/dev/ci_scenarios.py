"""The scenarios of `make ci-dry-run` (scripts/dev/ci_dry_run.py): how each changes the source jobs' artifacts
(a missing, corrupt, hostile or oversized zip; data that fails the gate) and what it expects, and the zip helpers
the dry run uses to hand artifacts between jobs, as Actions does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lib.status import write_source_status


def zip_dir(folder: Path, out: Path, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """What upload-artifact makes of a folder: its files, relative to it, in one zip."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", method) as zf:
        for entry in sorted(folder.rglob("*")):
            if entry.is_file():
                zf.write(entry, entry.relative_to(folder).as_posix())
    return out


def unzip_dir(path: Path, dest: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        zf.extractall(dest)  # only for the dry run's own, trusted artifacts (mutating them)


def _rewrite(
    store: Path, source: str, change: Callable[[Path], None], tmp: Path, method: int = zipfile.ZIP_DEFLATED
) -> None:
    """Unzip a source's artifact, let `change` edit the folder, zip it again."""
    folder = tmp / f"edit-{source}"
    shutil.rmtree(folder, ignore_errors=True)
    unzip_dir(store / f"staging-{source}.zip", folder)
    change(folder)
    zip_dir(folder, store / f"staging-{source}.zip", method)


def _restamp(folder: Path) -> None:
    """Rewrite the status file for the changed files (SHA-256, rows), as the source job would have."""
    doc = json.loads((folder / "_source_status.json").read_text(encoding="utf-8"))
    write_source_status(
        folder,
        source=doc["source"],
        status=doc["status"],
        run_date=dt.date.fromisoformat(doc["run_date"]),
        files=sorted(doc["files"]),
        requests=doc["requests"],
        retries=doc["retries"],
        waited_seconds=doc["waited_seconds"],
        warnings=doc["warnings"],
        errors=doc["errors"],
    )


def _first_csv(folder: Path) -> str:
    status = json.loads((folder / "_source_status.json").read_text(encoding="utf-8"))
    return sorted(status["files"])[0]


def _add_member(store: Path, source: str, info: zipfile.ZipInfo, data: bytes) -> None:
    with zipfile.ZipFile(store / f"staging-{source}.zip", "a") as zf:
        zf.writestr(info, data)


def m_missing(store: Path, tmp: Path) -> None:
    (store / "staging-reddit.zip").unlink()


def m_bad_checksum(store: Path, tmp: Path) -> None:
    def change(folder: Path) -> None:
        path = folder / "github_repos_2025.csv"
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))

    _rewrite(store, "github", change, tmp)


def m_truncated(store: Path, tmp: Path) -> None:
    path = store / "staging-stackoverflow.zip"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def m_traversal(store: Path, tmp: Path) -> None:
    _add_member(store, "reddit", zipfile.ZipInfo("../../escape.csv"), b"owned\n")


def m_absolute(store: Path, tmp: Path) -> None:
    _add_member(store, "reddit", zipfile.ZipInfo(str(tmp / "escape.csv")), b"owned\n")


def m_symlink(store: Path, tmp: Path) -> None:
    """A staged CSV replaced by a symbolic link to /etc/passwd."""
    folder = tmp / "edit-stackoverflow"
    unzip_dir(store / "staging-stackoverflow.zip", folder)
    name = _first_csv(folder)
    (folder / name).unlink()
    zip_dir(folder, store / "staging-stackoverflow.zip")
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    _add_member(store, "stackoverflow", info, b"/etc/passwd")


def m_zip_bomb(store: Path, tmp: Path) -> None:
    """github_lenguajes.csv replaced by 200 MB of zeros (about 200 KB compressed)."""
    path = store / "staging-github.zip"
    bomb = tmp / "bomb.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "github_lenguajes.csv":
                dst.writestr(info, src.read(info))
        with dst.open("github_lenguajes.csv", "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(200):
                out.write(block)
    os.replace(bomb, path)


def m_over_budget(store: Path, tmp: Path) -> None:
    """Two valid artifacts of 55 MB each (CSV rows padded, status files restamped, stored uncompressed as
    upload-artifact does with compression-level 0): 110 MB in total."""
    for source in ("github", "stackoverflow"):

        def change(folder: Path) -> None:
            name = _first_csv(folder)
            with open(folder / name, "ab") as fh:
                line = b"#" * 99 + b"\n"
                fh.write(line * 550_000)
            _restamp(folder)

        _rewrite(store, source, change, tmp, zipfile.ZIP_STORED)


def m_failed_gate(store: Path, tmp: Path) -> None:
    """github_repos_2025.csv with one empty `stars` value (a critical column), its status file restamped."""

    def change(folder: Path) -> None:
        path = folder / "github_repos_2025.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].rstrip("\n").split(",")
        cells = lines[1].rstrip("\n").split(",")
        cells[header.index("stars")] = ""
        lines[1] = ",".join(cells) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        _restamp(folder)

    _rewrite(store, "github", change, tmp)


@dataclass
class Scenario:
    name: str
    mutate: Callable[[Path, Path], None] | None
    rejected: dict[str, str] = field(default_factory=dict)  # source -> a phrase its refusal must contain
    placing_fails: bool = False
    gate_fails: bool = False


SCENARIOS = [
    Scenario("all_ok", None),
    Scenario("missing", m_missing, {"reddit": "missing"}),
    Scenario("bad_checksum", m_bad_checksum, {"github": "does not match its recorded SHA-256"}),
    Scenario("truncated_zip", m_truncated, {"stackoverflow": "not a readable zip"}),
    Scenario("path_traversal", m_traversal, {"reddit": "climbs out"}),
    Scenario("absolute_path", m_absolute, {"reddit": "absolute"}),
    Scenario("symlink", m_symlink, {"stackoverflow": "symbolic link"}),
    Scenario("zip_bomb", m_zip_bomb, {"github": "zip bomb"}),
    Scenario("over_budget", m_over_budget, placing_fails=True),
    Scenario("failed_gate", m_failed_gate, gate_fails=True),
]

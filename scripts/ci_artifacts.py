"""Validate the artifacts the weekly workflow's jobs hand each other, then place them in the data folder.

Two hand-overs (docs/ci.md):

  staging   each source job uploads datos/staging/<source>/ as `staging-<source>`; the aggregate job places it back
            only if it is a readable zip (or folder) of the source's expected files, flat, without links, within the
            size budget, and every file matches the SHA-256 its `_source_status.json` recorded.
  run       the aggregate job uploads the files its committed run record lists (`pack-run`); the publish job places
            them only if they are exactly those files, with the SHA-256 the record gives.

A rejected staging artifact is left out (the degradation policy then sees the source as unavailable) and said so;
over the total budget (100 MB by default, a warning from 75 MB) nothing is placed and the step fails.

  ci_artifacts.py place-staging --artifacts DIR      (exit 0: placed what was valid; 1: over budget)
  ci_artifacts.py pack-run --out DIR                 (RUN_ID's committed run -> DIR, laid out as in the data folder)
  ci_artifacts.py place-run --artifacts DIR          (exit 0: placed; 1: rejected)
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lib import SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.files import data_lock, read_json, sha256_file
from lib.settings import read, settings
from lib.status import check_source

MB = 1_000_000
WARN_BYTES = 75 * MB
MAX_BYTES = 100 * MB
BOMB_RATIO = 100  # a member this many times bigger than its compressed form (and over BOMB_MIN_BYTES) is refused
BOMB_MIN_BYTES = 1 * MB
STATUS_FILE = "_source_status.json"
RUN_ARTIFACT = "committed-run"


class ArtifactError(Exception):
    """Why one artifact cannot be used (the message names the artifact and the rule it broke)."""


@dataclass
class Verdict:
    name: str
    ok: bool
    size: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.ok:
            return f"{self.name}: ok ({self.size} bytes)"
        return f"{self.name}: REJECTED: {'; '.join(self.problems)}"


def expected_files(source: str) -> set[str]:
    """The file names a source job may stage: its contracts' V1 files and the status file."""
    return {c.v1_file for c in load_contracts().values() if c.source == source} | {STATUS_FILE}


# --------------------------------------------------------------------------- zip and folder checks (pure, no placing)


def member_problem(info: zipfile.ZipInfo, flat: bool) -> str | None:
    """Why a zip member may not be extracted: a link, an absolute or climbing path, a folder where none is allowed."""
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return f"{name!r} is a symbolic link"
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"{name!r} is an absolute or non-POSIX path"
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in parts) or not parts:
        return f"{name!r} climbs out of the artifact"
    if info.is_dir() or (flat and len(parts) > 1):
        return f"{name!r} is a subfolder (an artifact of a source job is flat)"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: written without a file type (Python's writestr)
        return f"{name!r} is not a regular file"
    return None


def read_zip_index(path: Path, allowed, flat: bool, max_bytes: int) -> tuple[list[zipfile.ZipInfo], int]:
    """The members of zip `path`, checked before anything is extracted; (members, declared uncompressed bytes)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArtifactError(f"{path.name} is not a readable zip (truncated or corrupt: {exc})") from None
    seen: set[str] = set()
    total = 0
    for info in members:
        problem = member_problem(info, flat)
        if problem is None and not allowed(info.filename):
            problem = f"{info.filename!r} is not an expected file name"
        if problem is None and info.filename in seen:
            problem = f"{info.filename!r} appears twice"
        if (
            problem is None
            and info.file_size > BOMB_MIN_BYTES
            and info.file_size > BOMB_RATIO * max(info.compress_size, 1)
        ):
            problem = (
                f"{info.filename!r} expands {info.compress_size} bytes to {info.file_size} (a zip bomb: more than "
                f"{BOMB_RATIO}x)"
            )
        if problem:
            raise ArtifactError(problem)
        seen.add(info.filename)
        total += info.file_size
    if total > max_bytes:
        raise ArtifactError(f"{path.name} declares {total} bytes, over the {max_bytes}-byte budget")
    return members, total


def extract_zip(path: Path, dest: Path, members: list[zipfile.ZipInfo], max_bytes: int) -> int:
    """Extract the checked `members` into `dest`. zipfile yields no more than each member's declared size, so a
    header that understates a size ends the member early and fails its CRC: corruption, like any CRC error.
    Writing also stops at `max_bytes` in all, whatever the headers say. Returns the bytes written."""
    written = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in members:
                target = dest / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    while block := src.read(1 << 20):
                        written += len(block)
                        if written > max_bytes:
                            raise ArtifactError(f"{path.name} holds more than {max_bytes} bytes")
                        out.write(block)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArtifactError(f"{path.name} is corrupt while extracting ({exc})") from None
    return written


def check_folder(folder: Path, allowed, flat: bool) -> int:
    """A folder as an artifact: only regular files with allowed names, no links, (if `flat`) no subfolders.
    Returns the total bytes."""
    total = 0
    for entry in sorted(folder.rglob("*")):
        rel = entry.relative_to(folder).as_posix()
        info = entry.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise ArtifactError(f"{rel!r} is a symbolic link")
        if stat.S_ISDIR(info.st_mode):
            if flat:
                raise ArtifactError(f"{rel!r} is a subfolder (an artifact of a source job is flat)")
            continue
        if not stat.S_ISREG(info.st_mode):
            raise ArtifactError(f"{rel!r} is not a regular file")
        if not allowed(rel):
            raise ArtifactError(f"{rel!r} is not an expected file name")
        total += info.st_size
    return total


def unpack(artifact: Path, dest: Path, allowed, flat: bool, max_bytes: int) -> int:
    """Copy artifact `artifact` (a .zip, or a folder holding exactly one .zip, or a folder of files as
    download-artifact leaves it when it decompresses) into the empty folder `dest`, checked. Returns its bytes."""
    if artifact.is_dir() and not artifact.is_symlink():
        zips = [p for p in artifact.iterdir() if p.suffix == ".zip"]
        if len(zips) == 1 and len(list(artifact.iterdir())) == 1:
            artifact = zips[0]
        else:
            check_folder(artifact, allowed, flat)
            for entry in artifact.rglob("*"):
                if entry.is_file():
                    target = dest / entry.relative_to(artifact)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(entry, target)
            return check_folder(dest, allowed, flat)
    if artifact.is_symlink() or not artifact.is_file():
        raise ArtifactError(f"{artifact.name} is neither a zip file nor a folder")
    members, _ = read_zip_index(artifact, allowed, flat, max_bytes)
    extract_zip(artifact, dest, members, max_bytes)
    return check_folder(dest, allowed, flat)


# --------------------------------------------------------------------------- staging: source job -> aggregate job


def find_artifact(root: Path, name: str) -> Path | None:
    """`name` under the download folder: `<name>.zip` or a folder `<name>/`."""
    for candidate in (root / f"{name}.zip", root / name):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return None


def check_staging(source: str, artifact: Path | None, dest: Path, max_bytes: int = MAX_BYTES) -> Verdict:
    """Unpack one source's staging artifact into `dest` (created) and check it against its status file."""
    name = f"staging-{source}"
    if artifact is None:
        return Verdict(name, False, problems=["missing (the source job uploaded nothing)"])
    allowed_names = expected_files(source)
    dest.mkdir(parents=True)
    try:
        size = unpack(artifact, dest, allowed_names.__contains__, True, max_bytes)
    except ArtifactError as exc:
        return Verdict(name, False, problems=[str(exc)])
    doc, problems = check_source(dest)
    if doc is not None and doc["source"] != source:
        problems.append(f"its status file is for {doc['source']!r}")
    if doc is not None:
        unlisted = sorted(p.name for p in dest.iterdir() if p.name != STATUS_FILE and p.name not in doc["files"])
        problems += [f"{n!r} is not listed in {STATUS_FILE}, so its checksum cannot be checked" for n in unlisted]
    problems = [p.replace(str(dest) + "/", "") for p in problems]
    return Verdict(name, not problems, size, problems)


def place_staging(
    artifacts: Path, datos: Path, warn_bytes: int = WARN_BYTES, max_bytes: int = MAX_BYTES
) -> tuple[int, list[str]]:
    """Check every source's staging artifact and place the valid ones in `<datos>/staging/<source>/`.

    Returns (exit code, report lines). Over `max_bytes` in total nothing is placed (exit 1)."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".artifacts-", dir=datos) as tmp:
        verdicts = {
            s: check_staging(s, find_artifact(artifacts, f"staging-{s}"), Path(tmp) / s, max_bytes) for s in SOURCES
        }
        lines += [v.line() for v in verdicts.values()]
        total = sum(v.size for v in verdicts.values() if v.ok)
        if total > max_bytes:
            lines.append(f"total {total} bytes is over the {max_bytes}-byte budget: nothing placed")
            return 1, lines
        if total > warn_bytes:
            lines.append(f"warning: total {total} bytes is over the {warn_bytes}-byte warning level")
        staging = datos / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        for source, verdict in verdicts.items():
            target = staging / source
            shutil.rmtree(target, ignore_errors=True)  # never mix a rejected artifact with an older staging
            if verdict.ok:
                os.rename(Path(tmp) / source, target)
        placed = [s for s, v in verdicts.items() if v.ok]
        lines.append(f"placed {len(placed)} of {len(SOURCES)} sources ({', '.join(placed) or 'none'}), {total} bytes")
    return 0, lines


# --------------------------------------------------------------------------- the committed run: aggregate -> publish


def run_files(datos: Path, run_id: str) -> dict[str, str | None]:
    """What a committed run wrote, relative to the data folder -> its SHA-256 (None where the record has none)."""
    record_path = datos / "metadata" / "runs" / f"{run_id}.json"
    record = read_json(record_path, "run record")
    if record.get("published") is not True:
        raise PipelineError(f"pack-run: run {run_id} did not publish ({record_path}): there is nothing to hand over")
    files: dict[str, str | None] = {
        f"metadata/runs/{run_id}.json": None,
        "metadata/run_manifest.json": None,
        record["quality_report"]: None,
    }
    if record.get("runtime_record"):  # the workflow's job timings (scripts/ci_runtime.py)
        files[record["runtime_record"]] = None
    contracts = {c.name: c for c in load_contracts().values()}
    for entry in record["datasets"]:
        if entry.get("latest_path"):
            files[entry["latest_path"]] = entry["sha256"]
            if record["flags"].get("legacy_v1_copies"):
                files[contracts[entry["dataset_logical_name"]].v1_file] = entry["sha256"]
        if entry.get("history_path"):
            files[entry["history_path"]] = entry.get("history_sha256")
    for entry in record.get("carried_forward", []):  # kept from an earlier run: part of this run's latest set
        files[entry["latest_path"]] = entry["sha256"]
    for name, sha in record.get("dashboard_files", {}).items():  # the run's bridge JSON files
        files[f"latest/{name}"] = sha
    return files


def pack_run(datos: Path, run_id: str, out: Path) -> list[str]:
    """Copy the committed run's files into `out` (laid out as in the data folder), for upload-artifact."""
    files = run_files(datos, run_id)
    shutil.rmtree(out, ignore_errors=True)
    for rel in files:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(datos / rel, target)
    return sorted(files)


def place_run(artifact: Path | None, datos: Path, run_id: str, max_bytes: int = MAX_BYTES) -> Verdict:
    """Check the committed-run artifact against the run record it carries, then copy it into `datos`."""
    verdict = Verdict(RUN_ARTIFACT, False)
    if artifact is None:
        verdict.problems.append("missing (the aggregate job uploaded nothing)")
        return verdict
    record_name = f"metadata/runs/{run_id}.json"
    with tempfile.TemporaryDirectory(prefix=".artifacts-", dir=datos) as tmp:
        dest = Path(tmp) / "run"
        dest.mkdir()
        try:
            verdict.size = unpack(artifact, dest, lambda _name: True, False, max_bytes)
            if not (dest / record_name).is_file():
                raise ArtifactError(f"it holds no {record_name}")
            expected = run_files(dest, run_id)
            present = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
            if present != set(expected):
                extra, lacking = sorted(present - set(expected)), sorted(set(expected) - present)
                raise ArtifactError(f"its files are not the run's: unexpected {extra}, missing {lacking}")
            for rel, digest in expected.items():
                if digest and sha256_file(dest / rel) != digest:
                    raise ArtifactError(f"{rel} does not match the SHA-256 the run record gives")
            if (dest / "metadata/run_manifest.json").read_bytes() != (dest / record_name).read_bytes():
                raise ArtifactError("metadata/run_manifest.json is not the run record")
        except (ArtifactError, PipelineError) as exc:
            verdict.problems.append(str(exc))
            return verdict
        for rel in sorted(present):
            target = datos / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(dest / rel, target)
    verdict.ok = True
    return verdict


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("place-staging", "place-run"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--artifacts", type=Path, required=True, help="where download-artifact put them")
    sub.add_parser("pack-run").add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command != "place-staging" and not read("RUN_ID"):
        raise PipelineError(f"{args.command} needs RUN_ID: the run id the aggregate job committed")
    cfg = settings()
    datos = cfg.datos
    datos.mkdir(parents=True, exist_ok=True)
    with data_lock(datos, f"ci_artifacts {args.command}"):
        if args.command == "place-staging":
            code, lines = place_staging(args.artifacts, datos)
        elif args.command == "pack-run":
            names = pack_run(datos, cfg.run_id, args.out)
            code, lines = 0, [f"{RUN_ARTIFACT}: {len(names)} files of run {cfg.run_id} packed into {args.out}"]
        else:
            verdict = place_run(find_artifact(args.artifacts, RUN_ARTIFACT), datos, cfg.run_id)
            code, lines = (0 if verdict.ok else 1), [verdict.line()]
    for line in lines:
        print(f"artifacts: {line}")
    summary = read("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(f"### Artifacts ({args.command})\n\n" + "".join(f"- {line}\n" for line in lines) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(run_cli(main))

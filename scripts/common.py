"""Shared helpers for every pipeline script: settings, logging with secret redaction,
atomic writes, contract loading and hashing, source status files, and the DuckDB runner.

Scripts import this module; nothing here is copied elsewhere.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = ROOT / "contracts"
SQL_DIR = ROOT / "sql"

SECRET_NAMES = ("GH_PAT", "STACKOVERFLOW_KEY", "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
SOURCES = ("github", "stackoverflow", "reddit")
WINDOW_DAYS = 365


class PipelineError(Exception):
    """An error a user can act on: the message names the source, the step and the fix."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    datos: Path
    run_date: dt.date
    run_id: str
    as_of: dt.datetime  # the clock freshness is judged by: now, unless AS_OF says otherwise (the demo)

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return window_for(self.run_date)

    def raw_dir(self, source: str) -> Path:
        """Where a source keeps this run date's API responses: one file per response."""
        return self.datos / "raw" / source / self.run_date.isoformat()

    def staging_dir(self, source: str) -> Path:
        return self.datos / "staging" / source


def parse_run_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PipelineError(f"RUN_DATE={text!r} is not a date: use YYYY-MM-DD") from None


def parse_run_id(text: str) -> str:
    """A run id in its one canonical spelling (lower-case 8-4-4-4-12).

    Other spellings of a uuid (`{...}`, `urn:uuid:...`, upper case, no hyphens) are refused, not normalised: a run's
    record is named by its id, so a second spelling must never reach (and overwrite) an existing run's record.
    """
    try:
        value = str(uuid.UUID(text))
    except ValueError:
        raise PipelineError(f"RUN_ID={text!r} is not a uuid: leave it unset to get a new one") from None
    if value != text:
        raise PipelineError(
            f"RUN_ID={text!r} is not in canonical form: write it as {value} (or leave it unset to get a new one)"
        )
    return value


def parse_as_of(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PipelineError(f"AS_OF={text!r} is not a date-time: use e.g. 2026-11-23T06:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (Make exports DATOS, RUN_DATE, RUN_ID and AS_OF)."""
    env = os.environ if env is None else env
    now = dt.datetime.now(dt.UTC)
    return Settings(
        datos=Path(env.get("DATOS") or ROOT / "datos"),
        run_date=parse_run_date(env.get("RUN_DATE") or now.date().isoformat()),
        run_id=parse_run_id(env.get("RUN_ID") or str(uuid.uuid4())),
        as_of=parse_as_of(env["AS_OF"]) if env.get("AS_OF") else now,
    )


def window_for(run_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The shared source window: [run date 00:00 UTC - 365 days, run date 00:00 UTC)."""
    end = dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC)
    return end - dt.timedelta(days=WINDOW_DAYS), end


def iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return iso_utc(dt.datetime.now(dt.UTC))


def source_parser(description: str, epilog: str | None = None, offline_help: str | None = None):
    """The command line every source job shares: its description, settings help and --offline."""
    import argparse

    parser = argparse.ArgumentParser(
        description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help=offline_help or "never touch the network: transform the saved raw responses only",
    )
    return parser


def require_secrets(names: tuple[str, ...], env: Mapping[str, str] | None = None) -> None:
    """Fail before any request when a secret is missing, naming it (never its value)."""
    env = os.environ if env is None else env
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise PipelineError(
            f"missing secret(s): {', '.join(missing)}: export them, or run `make demo` to use the bundled recorded data"
        )


# --------------------------------------------------------------------------- logging and redaction

REDACTED = "***"
_SECRET_PATTERNS = (
    # query parameters that carry credentials (Stack Exchange `key`, OAuth tokens)
    re.compile(r"(?i)([?&](?:key|access_token|client_secret)=)[^&#\s'\"]+"),
    # bearer / token credentials, as in an Authorization header
    re.compile(r"(?i)\b((?:bearer|token)\s+)[A-Za-z0-9_.~+/=-]{16,}"),
    # credentials inside JSON (an OAuth token response)
    re.compile(r"(?i)(\"(?:access_token|refresh_token|client_secret)\"\s*:\s*\")[^\"]+"),
)


def redact(text: object, env: Mapping[str, str] | None = None) -> str:
    """`text` as a string with every secret value and credential-shaped substring masked."""
    env = os.environ if env is None else env
    out = str(text)
    for name in SECRET_NAMES:
        value = env.get(name)
        if value and len(value) >= 4:
            out = out.replace(value, REDACTED)
    for pattern in _SECRET_PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + REDACTED, out)
    return out


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of the call (tests capture it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def get_logger(name: str) -> logging.Logger:
    """A stderr logger whose every line (tracebacks included) passes through `redact`."""
    logger = logging.getLogger(f"trends.{name}")
    root = logging.getLogger("trends")
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):  # pytest may add capture handlers first
        handler = _StderrHandler()
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        root.addHandler(handler)
        root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
        root.propagate = False
    return logger


# the scripts whose failure is the failure of the run (`run_cli` records it): script file stem -> step name
PIPELINE_STEPS = {"degradation": "degradation", "trend_engine": "trend score", "aggregate": "aggregate"}


def run_cli(main_fn, argv: list[str] | None = None) -> int:
    """Run a script's main; a PipelineError (or any crash) becomes one redacted line and exit code 2.

    When the script is a pipeline step (PIPELINE_STEPS) and Make gave the run a RUN_ID, a failure also leaves
    the run's record (`record_failure`), so every run is recorded, including one that never reached aggregate.
    """
    try:
        return main_fn(argv)
    except PipelineError as exc:
        print(f"error: {redact(exc)}", file=sys.stderr)
        _record_step_failure(str(exc))
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say where, without leaking secrets through the message
        print(f"error: unexpected {type(exc).__name__}: {redact(exc)}", file=sys.stderr)
        _record_step_failure(f"unexpected {type(exc).__name__}: {exc}")
        return 3


def _record_step_failure(reason: str) -> None:
    step = PIPELINE_STEPS.get(Path(sys.argv[0]).stem)
    run_id = os.environ.get("RUN_ID", "")
    if not step or not run_id:
        return
    try:
        run_id = parse_run_id(run_id)
        datos = Path(os.environ.get("DATOS") or ROOT / "datos")
        path = record_failure(datos, run_id, step, reason)
    except (PipelineError, OSError) as exc:
        print(f"error: the failure of run {run_id} could not be recorded: {redact(exc)}", file=sys.stderr)
        return
    if path:
        print(f"error: recorded in {path}", file=sys.stderr)


def git_identity() -> tuple[str, str]:
    """(sha, branch) from CI variables, else from git, else 'unknown'."""
    import subprocess

    def git(*args: str) -> str:
        with contextlib.suppress(OSError):
            result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
            if result.returncode == 0:
                return result.stdout.strip()
        return ""

    sha = os.environ.get("GITHUB_SHA") or git("rev-parse", "HEAD") or "unknown"
    branch = os.environ.get("GITHUB_REF_NAME") or git("rev-parse", "--abbrev-ref", "HEAD") or "unknown"
    return sha, ("detached" if branch == "HEAD" else branch)


def record_failure(datos: Path, run_id: str, step: str, reason: str) -> Path | None:
    """Leave the record of a run that failed at `step` (before or during aggregation), with the reason in words.

    Writes `<datos>/metadata/runs/<run_id>.json` (`published: false`, valid against the run manifest schema)
    unless a record of that run already exists: a committed run's record is never overwritten, and the first
    failure of a run is the one that explains it. Returns the path written, or None.
    """
    path = Path(datos) / "metadata" / "runs" / f"{parse_run_id(run_id)}.json"
    if path.exists():
        return None
    run_date = None
    with contextlib.suppress(PipelineError):
        run_date = parse_run_date(os.environ.get("RUN_DATE") or dt.datetime.now(dt.UTC).date().isoformat())
    start, end = window_for(run_date or dt.datetime.now(dt.UTC).date())
    sha, branch = git_identity()
    doc = {
        "run_id": path.stem,
        "generated_at_utc": utc_now(),
        "git_sha": sha,
        "branch": branch,
        "source_window_start_utc": iso_utc(start),
        "source_window_end_utc": iso_utc(end),
        "quality_gate_status": "fail",
        "published": False,
        "datasets": [],
        "failure": {"step": step, "reason": redact(reason)},
    }
    if run_date:
        doc["run_date"] = run_date.isoformat()
    write_json(path, doc)
    return path


# --------------------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success fsync it and rename it into place.

    A crash or an exception leaves `path` as it was (and removes the temporary file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def data_lock(datos: Path, holder: str, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the data folder's writer lock (`<datos>/.lock`, flock) for `holder` (e.g. "aggregate run <id>").

    Every writer of published data (aggregate, publish, compact, replay --out) takes it, so two never interleave.
    A second writer waits up to `wait_seconds` (default LOCK_WAIT, else 0: do not wait) and then stops with a
    PipelineError naming who holds the lock. The lock is released when the process exits, even by kill -9.
    """
    import fcntl
    import time

    if wait_seconds is None:
        text = os.environ.get("LOCK_WAIT", "") or "0"
        try:
            wait_seconds = float(text)
        except ValueError:
            raise PipelineError(f"LOCK_WAIT={text!r} is not a number of seconds") from None
    datos = Path(datos)
    datos.mkdir(parents=True, exist_ok=True)
    path = datos / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    other = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
                    raise PipelineError(
                        f"{datos} is locked by {other}: wait for it to finish (or set LOCK_WAIT=<seconds> to wait)"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} (pid {os.getpid()})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def crash_point(name: str) -> None:
    """Fault injection for the crash tests: TRENDS_CRASH_AT=<name> kills the process here, like a power cut."""
    if os.environ.get("TRENDS_CRASH_AT") == name:
        os._exit(99)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE). False where unsupported."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this filesystem cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(a))


def recover_dir(target: Path) -> None:
    """Undo what an interrupted `switch_dir` left: a half-built new set is dropped, a set moved aside restored."""
    target = Path(target)
    for leftover in sorted(target.parent.glob(f".{target.name}-old-*")):
        if not target.exists():
            get_logger("switch").warning("restoring %s from an interrupted switch", target)
            os.rename(leftover, target)
        else:
            shutil.rmtree(leftover)
    for leftover in target.parent.glob(f".{target.name}-new-*"):
        shutil.rmtree(leftover)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def switch_dir(target: Path, files: Mapping[str, bytes | Path], tag: str) -> None:
    """Replace directory `target` by one holding exactly `files` (name -> bytes, or a file to copy), as one switch.

    Nothing of the previous set survives unless `files` names it. The new set is built beside the target and
    swapped in with one atomic exchange: a crash before the exchange leaves the previous set, a crash after it
    the new one. Where the filesystem cannot exchange, the old set is moved aside and `recover_dir` restores it
    if the process dies between the two renames.
    """
    target = Path(target)
    new = target.parent / f".{target.name}-new-{tag}"
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    for name, data in files.items():
        if "/" in name or name.startswith("."):
            raise PipelineError(f"switch {target}: {name!r} is not a plain file name")
        if isinstance(data, bytes):
            atomic_write_bytes(new / name, data)
        else:
            with atomic_path(new / name) as tmp:
                shutil.copyfile(data, tmp, follow_symlinks=False)
    _fsync_dir(new)
    crash_point("before_switch")
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        crash_point("after_switch")
        shutil.rmtree(new)
    else:
        aside = target.parent / f".{target.name}-old-{tag}"
        os.rename(target, aside)
        crash_point("between_switch_renames")
        os.rename(new, target)
        shutil.rmtree(aside)
    _fsync_dir(target.parent)


_TMP_NAME = re.compile(r"\..+\.\d+\.tmp")


def sweep_tmp(folder: Path) -> list[Path]:
    """Remove the temporary files (`.<name>.<pid>.tmp`, from `atomic_path`) a killed writer left under `folder`.

    Call it only while holding the data lock: no live writer of that folder can own them. Symlinks are never
    followed (a link is not descended into, and is removed only if its own name is a temporary name).
    """
    removed = []
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return removed
    for root, _dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            if _TMP_NAME.fullmatch(name):
                path = Path(root) / name
                path.unlink()
                removed.append(path)
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(doc: object) -> str:
    """Stable, diff-friendly JSON: sorted keys, two-space indent, LF, trailing newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: Path, doc: object) -> None:
    atomic_write_text(path, dumps_json(doc))


def read_json(path: Path, what: str) -> object:
    """Parse a JSON file or raise a PipelineError naming `what` and the path."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(f"{what}: {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{what}: {path} is not valid JSON ({exc})") from None
    except IsADirectoryError:
        raise PipelineError(f"{what}: {path} is a directory, not a JSON file") from None
    except OSError as exc:
        raise PipelineError(f"{what}: {path} cannot be read ({exc.strerror})") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def csv_row_count(path: Path) -> int:
    """Data rows of a CSV file (its header excluded), quoting-aware; a byte that is not UTF-8 does not stop the
    count (the parse in scripts/staged.py reports it)."""
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


# --------------------------------------------------------------------------- contracts

CANONICAL_TYPES = ("string", "integer", "float", "date", "timestamp")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    critical: bool
    description: str
    unit: str | None = None
    pattern: str | None = None

    @property
    def nullable(self) -> bool:
        return not self.critical


@dataclass(frozen=True)
class Contract:
    raw: dict

    @property
    def name(self) -> str:
        return self.raw["logical_name"]

    @property
    def v1_file(self) -> str:
        return self.raw["v1_file"]

    @property
    def version(self) -> str:
        return self.raw["version_semver"]

    @property
    def source(self) -> str:
        return self.raw["source"]

    @property
    def columns(self) -> list[Column]:
        return [Column(**col) for col in self.raw["columns"]]

    @property
    def column_names(self) -> list[str]:
        return [col["name"] for col in self.raw["columns"]]

    @property
    def quality_rules(self) -> list[dict]:
        return self.raw["quality_rules"]

    @property
    def schema_hash(self) -> str:
        return schema_hash(self.columns)

    def latest_path(self, datos: Path) -> Path:
        return Path(datos) / self.raw["latest_path"]

    def history_path(self, datos: Path, day: dt.date) -> Path:
        pattern = self.raw["history_path"]
        return Path(datos) / pattern.format(year=f"{day.year:04d}", month=f"{day.month:02d}", day=f"{day.day:02d}")


def schema_canonical_form(columns: list[Column]) -> str:
    """The exact text `schema_hash` digests (documented in docs/data_contract.md).

    Columns sorted by name; each as [name, canonical type, nullable]; compact JSON, ASCII.
    """
    rows = sorted([col.name, col.type, col.nullable] for col in columns)
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=True)


def schema_hash(columns: list[Column]) -> str:
    return hashlib.sha256(schema_canonical_form(columns).encode("ascii")).hexdigest()


@functools.cache
def _validator(schema_file: str):
    import jsonschema

    schema = json.loads((CONTRACTS_DIR / schema_file).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(doc: object, schema_file: str) -> list[str]:
    """Every JSON Schema violation of `doc`, as 'path: message' lines (empty when valid)."""
    errors = sorted(_validator(schema_file).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def parse_contract(doc: object, origin: str) -> Contract:
    problems = schema_errors(doc, "dataset_contract.schema.json")
    if problems:
        raise PipelineError(f"contract {origin} is invalid: " + "; ".join(problems))
    return Contract(doc)


@functools.cache
def load_contracts(directory: Path | None = None) -> dict[str, Contract]:
    """Every dataset contract, by logical name, validated against the contract schema (once per process:
    callers must not modify what it returns)."""
    directory = Path(directory or CONTRACTS_DIR / "datasets")
    contracts = {}
    for path in sorted(directory.glob("*.json")):
        contract = parse_contract(read_json(path, "contract"), str(path))
        if contract.name != path.stem:
            raise PipelineError(f"contract {path}: logical_name {contract.name!r} must match the file name")
        contracts[contract.name] = contract
    return contracts


def load_contract(name: str) -> Contract:
    contracts = load_contracts()
    if name not in contracts:
        raise PipelineError(f"no contract named {name!r}: known are {', '.join(contracts)}")
    return contracts[name]


def manifest_errors(doc: object) -> list[str]:
    """Violations of contracts/run_manifest.schema.json, plus the one rule JSON Schema cannot say:
    every dataset's source_run_id is the run's run_id."""
    problems = schema_errors(doc, "run_manifest.schema.json")
    if not problems and isinstance(doc, dict):
        for i, dataset in enumerate(doc["datasets"]):
            if dataset["source_run_id"] != doc["run_id"]:
                problems.append(f"datasets/{i}/source_run_id: {dataset['source_run_id']!r} is not the run_id")
    return problems


def read_name_map() -> dict[str, str]:
    """contracts/tech_names.csv: lower-cased raw name -> display name (shared with sql/)."""
    with open(CONTRACTS_DIR / "tech_names.csv", newline="", encoding="utf-8") as fh:
        return {row["raw_name"]: row["display_name"] for row in csv.DictReader(fh)}


# --------------------------------------------------------------------------- source status

STATUSES = ("ok", "partial", "failed")


def write_source_status(
    staging_dir: Path,
    *,
    source: str,
    status: str,
    run_date: dt.date,
    files: list[str],
    requests: int = 0,
    retries: int = 0,
    waited_seconds: float = 0.0,
    warnings: list[str] = (),
    errors: list[str] = (),
) -> dict:
    """Write `_source_status.json` for the staged `files` (names inside `staging_dir`).

    Row counts and SHA-256 are read from the files as written; messages are redacted.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    start, end = window_for(run_date)
    doc = {
        "source": source,
        "status": status,
        "run_date": run_date.isoformat(),
        "window_start_utc": iso_utc(start),
        "window_end_utc": iso_utc(end),
        "generated_at_utc": utc_now(),
        "files": {
            name: {"rows": csv_row_count(staging_dir / name), "sha256": sha256_file(staging_dir / name)}
            for name in files
        },
        "requests": requests,
        "retries": retries,
        "waited_seconds": round(waited_seconds, 3),
        "warnings": [redact(w) for w in warnings],
        "errors": [redact(e) for e in errors],
    }
    problems = schema_errors(doc, "source_status.schema.json")
    if problems:
        raise ValueError("source status does not match its schema: " + "; ".join(problems))
    write_json(Path(staging_dir) / "_source_status.json", doc)
    return doc


def check_source(staging_dir: Path) -> tuple[dict | None, list[str]]:
    """Read a staged source and say why it cannot be trusted.

    Returns (status document or None, problems). No problems means the status file is valid and
    every file it lists exists with the recorded SHA-256.
    """
    path = Path(staging_dir) / "_source_status.json"
    if path.is_symlink():
        return None, [f"{path} is a symbolic link: a source status must be a regular file in its staging folder"]
    try:
        doc = read_json(path, "source status")
    except PipelineError as exc:
        return None, [str(exc)]
    problems = schema_errors(doc, "source_status.schema.json")
    if problems:
        return None, [f"{path}: {p}" for p in problems]
    for name, meta in doc["files"].items():
        outside = staged_name_problem(name)
        if outside:
            problems.append(f"{path} names {name!r}: {outside}")
            continue
        file = Path(staging_dir) / name
        if file.is_symlink():
            problems.append(f"{file} is a symbolic link: a staged file must be a regular file in its folder")
        elif not file.is_file():
            problems.append(f"{file} is missing")
        else:
            digest, rows = _digest_and_rows(file)
            if digest != meta["sha256"]:
                problems.append(f"{file} does not match its recorded SHA-256 (changed or corrupt)")
            elif rows != meta["rows"]:
                problems.append(f"{file} has {rows} data rows, its status says {meta['rows']}: re-run its extractor")
    return doc, problems


def staged_name_problem(name: str) -> str | None:
    """Why `name` is not a plain file name inside its staging folder (None when it is)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return "a staged file must be a plain file name inside its folder (no path, no '..')"
    if name.startswith(".") or name == "_source_status.json":
        return "hidden files and the status file itself are not staged data"
    return None


def _digest_and_rows(path: Path) -> tuple[str, int]:
    """SHA-256 and data rows of a CSV in one read; a file with quotes or CRs is re-counted by the csv module."""
    digest = hashlib.sha256()
    newlines, quoted, last = 0, False, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            newlines += block.count(b"\n")
            quoted = quoted or b'"' in block or b"\r" in block
            last = block[-1:]
    if quoted:
        try:
            return digest.hexdigest(), csv_row_count(path)
        except (UnicodeDecodeError, csv.Error):
            return digest.hexdigest(), -1
    lines = newlines + (0 if last == b"\n" else 1)
    return digest.hexdigest(), max(lines - 1, 0)


# --------------------------------------------------------------------------- DuckDB runner


def duckdb_connect(threads: int | None = None):
    import duckdb

    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def sql_literal(value: object) -> str:
    """A value (or a path) as a DuckDB SQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_sql_file(con, sql_name: str, variables: Mapping[str, object] | None = None):
    """Bind `variables` (DuckDB `SET VARIABLE`, read in SQL with getvariable()) and run sql/<sql_name>.

    The SQL file holds no paths: callers bind input files as variables or create views first.
    Returns the DuckDB relation of the file's final statement.
    """
    for key, value in (variables or {}).items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            raise ValueError(f"bad SQL variable name {key!r}")
        con.execute(f"set variable {key} = {sql_literal(value)}")
    path = SQL_DIR / sql_name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"SQL file {path} does not exist") from None
    return con.sql(text)


# --------------------------------------------------------------------------- raw responses


RAW_MAX_BYTES = 64 << 20  # a saved response larger than this once decoded is refused (a gzip bomb in raw/)


def save_raw(path: Path, body: bytes, secrets: tuple[str, ...] = ()) -> None:
    """Keep one API response body as deterministic gzip (no file name, mtime 0), atomically.

    `secrets`, and the value of every secret setting in the environment (SECRET_NAMES), are masked first: no raw
    file of any source (Reddit's included) can keep a credential.
    """
    import gzip

    known = [os.environ.get(name, "") for name in SECRET_NAMES]
    for secret in sorted({s for s in (*secrets, *known) if s and len(s) >= 4}, key=len, reverse=True):
        body = body.replace(secret.encode(), REDACTED.encode())
    atomic_write_bytes(Path(path), gzip.compress(body, compresslevel=6, mtime=0))


def load_raw(path: Path, limit: int = RAW_MAX_BYTES) -> object:
    """A saved response, parsed; an unreadable or oversized one is a PipelineError saying how to get it again."""
    import gzip

    try:
        with gzip.open(Path(path), "rb") as fh:
            body = fh.read(limit + 1)
        if len(body) > limit:
            raise PipelineError(
                f"raw response {path} is larger than {limit:,} bytes once decoded: delete it to fetch it again"
            )
        return json.loads(body)
    except (OSError, EOFError, ValueError) as exc:
        raise PipelineError(
            f"raw response {path} is unreadable ({type(exc).__name__}): delete it to fetch it again"
        ) from None


# --------------------------------------------------------------------------- published CSVs

HISTORY_EXTRA_COLUMNS = ("run_id", "snapshot_date")  # every history row carries these after the contract columns
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "float": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMP"}


def read_typed_csv(con, path: Path, contract: Contract):
    """A CSV as a DuckDB relation typed by its contract, through the one parser (scripts/staged.py).

    Anything the quality gate would refuse (a header that is not the contract's, a value that does not fit its
    type, a malformed file) is a PipelineError naming the file, the line and the column.
    """
    import staged

    parsed = staged.load(contract, Path(path), con)
    problems = parsed.unreadable + parsed.column_problems + parsed.cell_problems
    if parsed.missing_columns:
        problems.append(f"{path} lacks column(s) {', '.join(parsed.missing_columns)}")
    if problems or parsed.header != contract.column_names:
        first = "; ".join(getattr(p, "message", str(p)) for p in problems[:3]) or (
            f"{path} has columns {parsed.header}, the contract says {contract.column_names}"
        )
        raise PipelineError(f"{contract.name}: {first}")
    return con.from_arrow(parsed.table)


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # what V1's pandas to_csv wrote: 100.0, 45.67
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, columns: list[str], rows) -> None:
    """A staged or published CSV (`render_csv`), written atomically."""
    atomic_write_bytes(Path(path), render_csv(columns, rows))


def render_csv(columns: list[str], rows) -> bytes:
    """The one CSV form of every published file: UTF-8, LF, minimal quoting, V1 number formatting.

    Latest files and replays both go through here, so a replay is byte-identical to what was published.
    """
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:  # a sequence in column order, or a mapping by column name
        values = [row[c] for c in columns] if isinstance(row, Mapping) else row
        writer.writerow([_csv_text(v) for v in values])
    return out.getvalue().encode("utf-8")


# DuckDB's CSV writer quotes these where Python's csv module (render_csv) does not: a carriage return, a leading
# '#', an empty string. A dataset holding any of them is rendered by render_csv instead (tests/test_commit.py
# checks that both give the same bytes for everything else).
_DUCKDB_QUOTES_DIFFERENTLY = "contains(%s, chr(13)) or starts_with(%s, '#') or %s = ''"


def copy_csv(con, relation: str, columns: list[Column], path: Path) -> str:
    """Write `relation`'s `columns` (contract columns, in order) to `path` as exactly the bytes `render_csv` gives,
    rendered by DuckDB (COPY … TO) in one pass; a dataset DuckDB would quote differently goes through render_csv.

    Returns which writer was used ("duckdb" or "python"). The caller makes the write atomic (`atomic_path`).
    """
    names = [c.name for c in columns]
    strings = [quote_ident(c.name) for c in columns if c.type == "string"]
    if strings:
        test = " or ".join(_DUCKDB_QUOTES_DIFFERENTLY % (q, q, q) for q in strings)
        (odd,) = con.sql(f"select coalesce(bool_or({test}), false) from {relation}").fetchall()[0]
        if odd:
            rows = con.sql(f"select {', '.join(quote_ident(n) for n in names)} from {relation}").fetchall()
            Path(path).write_bytes(render_csv(names, rows))
            return "python"
    selected = ", ".join(quote_ident(n) for n in names)
    con.execute(
        f"copy (select {selected} from {relation}) to {sql_literal(str(path))} (format csv, header true, "
        "delimiter ',', quote '\"', escape '\"', nullstr '', timestampformat '%Y-%m-%dT%H:%M:%SZ')"
    )
    return "duckdb"

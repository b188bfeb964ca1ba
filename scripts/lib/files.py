"""Files that are whole or absent: atomic writes, the data folder's writer lock, directory switches,
JSON files and saved API responses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from lib import PipelineError
from lib.log import REDACTED, get_logger
from lib.settings import read, secret_values


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
        wait_seconds = read("LOCK_WAIT")
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
    if read("TRENDS_CRASH_AT") == name:
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


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
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
    fsync_dir(new)
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
    fsync_dir(target.parent)


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


RAW_MAX_BYTES = 64 << 20  # a saved response larger than this once decoded is refused (a gzip bomb in raw/)


def save_raw(path: Path, body: bytes, secrets: tuple[str, ...] = ()) -> None:
    """Keep one API response body as deterministic gzip (no file name, mtime 0), atomically.

    `secrets`, and the value of every secret setting in the environment (SECRET_NAMES), are masked first: no raw
    file of any source (Reddit's included) can keep a credential.
    """
    import gzip

    for secret in sorted({s for s in (*secrets, *secret_values()) if s and len(s) >= 4}, key=len, reverse=True):
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

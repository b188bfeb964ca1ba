"""The dashboard folder's checks: its asset policy (exactly the 24 allowlisted files), the bridge integrity minima
and the size budgets (docs/bridge.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bridge_core import ALLOWLIST, BRIDGE_FILES, INDEX_REQUIRED
from lib.contracts import schema_errors

CRITICAL_FILES = ("trend_score.csv", "history_index.json", "trend_score_history.json", "run_manifest.json")

KIB = 1024

BUDGET_FILE_KIB, BUDGET_TOTAL_KIB, BUDGET_CRITICAL_KIB = 150, 600, 250


def check_budgets(
    files: Mapping[str, bytes],
    file_kib: int = BUDGET_FILE_KIB,
    total_kib: int = BUDGET_TOTAL_KIB,
    critical_kib: int = BUDGET_CRITICAL_KIB,
) -> list[str]:
    """The dashboard folder's size budgets (a violation is strictly more than limit x 1024 bytes)."""
    problems = []
    for name in sorted(files):
        size = len(files[name])
        if size > file_kib * KIB:
            problems.append(
                f"{name} is {size} bytes ({size / KIB:.1f} KiB), over the per-file budget of {file_kib} KiB"
            )
    total = sum(len(data) for data in files.values())
    if total > total_kib * KIB:
        problems.append(f"the folder totals {total} bytes ({total / KIB:.1f} KiB), over the budget of {total_kib} KiB")
    critical = sum(len(files[name]) for name in CRITICAL_FILES if name in files)
    if critical > critical_kib * KIB:
        problems.append(
            f"the critical files ({', '.join(CRITICAL_FILES)}) total {critical} bytes ({critical / KIB:.1f} KiB), "
            f"over the budget of {critical_kib} KiB"
        )
    return problems


HISTORY_FILES = (
    "github_frameworks_history.json",
    "github_correlacion_history.json",
    "so_volumen_history.json",
    "so_aceptacion_history.json",
    "reddit_temas_history.json",
    "reddit_interseccion_history.json",
)


def _source_mode_ok(doc: dict) -> bool:
    return str(doc.get("source_mode") or "").strip().lower() not in ("", "missing", "none")


def _read_documents(files: Mapping[str, bytes]) -> tuple[dict[str, dict], list[str]]:
    """The JSON files of the folder parsed (each root an object), and the problems of those that are not."""
    docs: dict[str, dict] = {}
    problems = []
    for name in (*BRIDGE_FILES, "run_manifest.json"):
        if name not in files:
            continue
        try:
            doc = json.loads(files[name].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{name} is not valid JSON ({exc})")
            continue
        if not isinstance(doc, dict):
            problems.append(f"{name}: the root must be an object, not {type(doc).__name__}")
            continue
        docs[name] = doc
    return docs, problems


# The integrity minima, one check per document: check(name, doc, expect_previous) -> problems. `need` is how many
# snapshots a history must show: 2 when a previous run exists, else 1.


def _need(expect_previous: bool) -> int:
    return 2 if expect_previous else 1


def _manifest_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    return [f"{name}: {p}" for p in schema_errors(doc, "public_run_manifest.schema.json")]


def _index_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    names = {d.get("dataset") for d in doc.get("datasets") or [] if isinstance(d, dict)}
    missing = [n for n in INDEX_REQUIRED if n not in names]
    return [f"{name}: datasets lack {', '.join(missing)}"] if missing else []


def _trend_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    need = _need(expect_previous)
    if isinstance(doc.get("snapshot_count"), int) and doc["snapshot_count"] >= need:
        return []
    return [f"{name}: snapshot_count is {doc.get('snapshot_count')!r}, needs >= {need}"]


def _profiles_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    problems = []
    if not doc.get("latest_snapshot_date"):
        problems.append(f"{name}: latest_snapshot_date is empty")
    if not (isinstance(doc.get("profile_count"), int) and doc["profile_count"] > 0):
        problems.append(f"{name}: profile_count is {doc.get('profile_count')!r}, needs > 0")
    if expect_previous and not doc.get("previous_snapshot_date"):
        problems.append(f"{name}: previous_snapshot_date is empty but a previous run exists")
    return problems


def _highlights_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    count, need = len(doc.get("highlights") or []), _need(expect_previous) + 1
    return [f"{name}: {count} highlights, needs >= {need}"] if count < need else []


def _history_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    problems = []
    if not _source_mode_ok(doc):
        problems.append(f"{name}: source_mode is {doc.get('source_mode')!r} (no history for it)")
    if not doc.get("latest_snapshot_date"):
        problems.append(f"{name}: latest_snapshot_date is empty")
    if expect_previous and not doc.get("previous_snapshot_date"):
        problems.append(f"{name}: previous_snapshot_date is empty but a previous run exists")
    return problems


def _tendencias_minima(name: str, doc: dict, expect_previous: bool) -> list[str]:
    problems = []
    need = _need(expect_previous)
    if not _source_mode_ok(doc):
        problems.append(f"{name}: source_mode is {doc.get('source_mode')!r}")
    months = doc.get("months")
    if not (isinstance(months, list) and len(months) >= need):
        problems.append(f"{name}: months has {len(months or [])} entries, needs >= {need}")
    if not (isinstance(doc.get("series"), list) and doc["series"]):
        problems.append(f"{name}: series is empty")
    return problems


MINIMA = {
    "run_manifest.json": _manifest_minima,
    "history_index.json": _index_minima,
    "trend_score_history.json": _trend_minima,
    "technology_profiles.json": _profiles_minima,
    "home_highlights.json": _highlights_minima,
    **dict.fromkeys(HISTORY_FILES, _history_minima),
    "so_tendencias_history.json": _tendencias_minima,
}


def check_integrity(files: Mapping[str, bytes], expect_previous: bool) -> list[str]:
    """The dashboard folder's asset policy (exactly the 24 allowlisted files) and the bridge integrity minima.

    `expect_previous`: a committed run before this one exists, so every history must show a previous snapshot.
    """
    problems = [f"{name} is missing (required by the dashboard)" for name in sorted(ALLOWLIST - set(files))]
    problems += [
        f"{name} is not allowlisted: the dashboard folder holds only its 24 files"
        for name in sorted(set(files) - ALLOWLIST)
    ]
    docs, unreadable = _read_documents(files)
    problems += unreadable
    for name, check in MINIMA.items():
        if name in docs:
            problems += check(name, docs[name], expect_previous)
    return problems


def expects_previous(runs: list[dict], record: dict) -> bool:
    """Whether the integrity minima must see a previous snapshot for `record`'s run (V1's "a previous history was
    restored"): some other committed run has an earlier run date. A same-day rerun alone is not a previous week."""
    return any(r["run_id"] != record["run_id"] and r["run_date"] < record["run_date"] for r in runs)

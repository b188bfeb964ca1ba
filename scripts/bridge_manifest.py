"""The dashboard's public run_manifest.json (contracts/public_run_manifest.schema.json) of the run being committed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import history
import quality_gate
from lib import SOURCES, PipelineError
from lib.contracts import schema_errors
from lib.duck import duckdb_connect

MANIFEST_VERSION = "1.0.0"

NON_CLASSIFIABLE = ("sin especificar", "llms/ai", "ai/ml", "ai", "llm", "genai", "artificial intelligence")


def _classifiable_repos(con, snapshots: Mapping[str, list[history.Snapshot]], run_id: str) -> int | None:
    """Repositories of this run's sample whose language is classifiable (None when the run has no sample)."""
    snaps = snapshots.get("github_repos") or []
    if not snaps or snaps[-1].run_id != run_id:
        return None
    history.load_snapshots(con, snaps[-1:], "manifest_repos")
    excluded = ", ".join(f"'{x}'" for x in NON_CLASSIFIABLE)
    return int(
        con.sql(
            f"select count(*) from manifest_repos where lower(trim(coalesce(language, ''))) not in ({excluded})"
        ).fetchall()[0][0]
    )


def _estimate_classifiable(con, snapshots: Mapping[str, list[history.Snapshot]], run_id: str) -> int:
    """Without the sample: the median of repos_count x 100 / porcentaje over this run's github_lenguajes rows."""
    snaps = snapshots.get("github_lenguajes") or []
    if not snaps or snaps[-1].run_id != run_id:
        return 0
    history.load_snapshots(con, snaps[-1:], "manifest_lenguajes")
    value = con.sql(
        "select median(repos_count * 100.0 / porcentaje), sum(repos_count) from manifest_lenguajes"
    ).fetchall()[0]
    estimate = value[0] if value[0] is not None else value[1]
    return round(float(estimate)) if estimate is not None else 0


def public_manifest(record: dict, snapshots: Mapping[str, list[history.Snapshot]] | None = None, con=None) -> dict:
    """The dashboard's run_manifest.json (public form) for the run record being committed.

    `snapshots` (as for build) supplies this run's repository sample for total_repos_clasificables; without it
    the total is estimated from github_lenguajes, else copied from total_repos_extraidos. Validated against
    contracts/public_run_manifest.schema.json: an invalid manifest is a PipelineError.
    """
    snapshots = snapshots or {}
    con = con or duckdb_connect()
    degradation = record.get("degradation") or {}
    available = [s for s in SOURCES if s in (degradation.get("available") or [])]
    unavailable = [s for s in SOURCES if s not in available]
    entries = {e["dataset_logical_name"]: e for e in record.get("datasets", [])}
    summaries = sorted(
        (
            {
                "dataset": Path(e["latest_path"]).stem,
                "row_count": int(e["row_count"]),
                "quality_status": e["quality_status"],
                "updated_at_utc": e["generated_at_utc"],
            }
            for e in record.get("datasets", [])
            if e.get("latest_path")
        ),
        key=lambda s: s["dataset"],
    )
    extracted = int(entries["github_repos"]["row_count"]) if "github_repos" in entries else 0
    classifiable = _classifiable_repos(con, snapshots, record["run_id"])
    if classifiable is None:
        classifiable = _estimate_classifiable(con, snapshots, record["run_id"])
    extracted, classifiable = extracted or classifiable, classifiable or extracted
    notes = [f"Sources unavailable in this run: {', '.join(unavailable)}"] if unavailable else []
    warn_only = quality_gate.dashboard_note(record)  # QUALITY_GATE=warn-only: said where the dashboard shows notes
    if warn_only:
        notes.append(warn_only)
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "generated_at_utc": record["generated_at_utc"],
        "source_window_start_utc": record["source_window_start_utc"],
        "source_window_end_utc": record["source_window_end_utc"],
        "quality_gate_status": record["quality_gate_status"],
        "degraded_mode": len(available) < len(SOURCES),
        "available_sources": available,
        "dataset_summaries": summaries,
        "total_repos_extraidos": extracted,
        "total_repos_clasificables": classifiable,
        "so_languages_count": int(entries["so_volumen"]["row_count"]) if "so_volumen" in entries else 0,
        "notes": "; ".join(notes) or None,
    }
    problems = schema_errors(doc, "public_run_manifest.schema.json")
    if problems:
        raise PipelineError(
            f"bridge: the public run_manifest.json of run {record.get('run_id')} is invalid: " + "; ".join(problems)
        )
    return doc

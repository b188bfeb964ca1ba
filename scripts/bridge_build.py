"""build(): the 13 bridge files from the snapshots and the run record, and the compact (bundled) mode."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

import history
from bridge_core import BRIDGE_FILES, MODES, History, render
from bridge_github import github_correlacion_history, github_frameworks_history, github_lenguajes_public
from bridge_home import home_highlights
from bridge_reddit import reddit_interseccion_history, reddit_sentimiento_public, reddit_temas_history
from bridge_so import so_aceptacion_history, so_tendencias_history, so_volumen_history
from bridge_trend import history_index, technology_profiles, trend_rows, trend_score_history
from lib import PipelineError
from lib.duck import duckdb_connect

# (counter, the list it counts): a counter kept beside a trimmed list is recounted
COUNTERS = (
    ("snapshot_count", "snapshots"),
    ("history_snapshot_count", "snapshots"),
    ("dataset_count", "datasets"),
    ("profile_count", "profiles"),
    ("item_count", "latest_items"),
    ("topic_count", "latest_topics"),
)


def _trim(obj: dict, tendencias: bool) -> None:
    """Keep the last two snapshots, points and source_history entries (so_tendencias keeps its monthly points)."""
    if isinstance(obj.get("snapshots"), list):
        obj["snapshots"] = obj["snapshots"][-2:]
    for key in ("points", "source_history"):
        if isinstance(obj.get(key), list) and not (key == "points" and tendencias):
            obj[key] = obj[key][-2:]


def _recount(obj: dict, tendencias: bool) -> None:
    for counter, listed in COUNTERS:
        if counter in obj and isinstance(obj.get(listed), list):
            obj[counter] = len(obj[listed])
    if tendencias and isinstance(obj.get("snapshot_count"), int):
        obj["snapshot_count"] = min(obj["snapshot_count"], 2)


def _redate(obj: dict) -> None:
    """The dates and series of an object whose snapshots were trimmed, made to agree with the snapshots kept."""
    kept = obj.get("snapshots")
    if not (isinstance(kept, list) and kept):
        return
    obj["latest_snapshot_date"] = kept[-1]["date"]
    if "previous_snapshot_date" in obj:
        obj["previous_snapshot_date"] = kept[-2]["date"] if len(kept) >= 2 else None
    if "has_historical_comparison" in obj:
        obj["has_historical_comparison"] = len(kept) >= 2
    if isinstance(obj.get("series"), list):
        dates = {s["date"] for s in kept}
        series = []
        for s in obj["series"]:
            points = [p for p in s.get("points", []) if isinstance(p, dict) and p.get("date") in dates]
            if points:
                series.append({**s, "points": points})
        obj["series"] = series


def compact(doc: dict, file_name: str) -> dict:
    """The bundled form of a bridge document: the transformations of docs/bridge.md "Compact mode", recursively
    (children first, then the object: trim, recount, redate).

    Works in place (the documents of one build are made for it); returns `doc`."""
    tendencias = file_name == "so_tendencias_history.json"

    def walk(obj):
        if isinstance(obj, list):
            return [walk(x) for x in obj]
        if not isinstance(obj, dict):
            return obj
        for key in list(obj):
            obj[key] = walk(obj[key])
        _trim(obj, tendencias)
        _recount(obj, tendencias)
        _redate(obj)
        return obj

    return walk(doc)


def build(
    snapshots: Mapping[str, list[history.Snapshot]], record: dict, mode: str = "compact", con=None
) -> dict[str, bytes]:
    """All 13 bridge files from the given snapshots (each dataset's, oldest first) and the run record being
    committed. Deterministic: generated_at_utc is the record's. A dataset without snapshots gives files with
    source_mode "missing" that still parse."""
    if mode not in MODES:
        raise PipelineError(f"bridge: mode {mode!r} is not one of {', '.join(MODES)}")
    generated = record["generated_at_utc"]
    con = con or duckdb_connect()
    h = History(con, snapshots)
    builders = {
        "history_index.json": lambda: history_index(h, record, generated),
        "trend_score_history.json": lambda: trend_score_history(*trend, generated),
        "technology_profiles.json": lambda: technology_profiles(*trend, generated),
        "github_lenguajes_public.json": lambda: github_lenguajes_public(h, record, generated),
        "github_frameworks_history.json": lambda: github_frameworks_history(h, generated),
        "github_correlacion_history.json": lambda: github_correlacion_history(h, generated),
        "so_volumen_history.json": lambda: so_volumen_history(h, generated),
        "so_aceptacion_history.json": lambda: so_aceptacion_history(h, generated),
        "so_tendencias_history.json": lambda: so_tendencias_history(h, generated),
        "reddit_sentimiento_public.json": lambda: reddit_sentimiento_public(h, record, generated),
        "reddit_temas_history.json": lambda: reddit_temas_history(h, generated),
        "reddit_interseccion_history.json": lambda: reddit_interseccion_history(h, generated),
    }
    docs = {}
    current = "trend_score_history.json"
    try:
        trend = trend_rows(h)
        for current, builder in builders.items():
            docs[current] = builder()
    except duckdb.Error as exc:
        raise PipelineError(
            f"bridge: cannot build {current} from the history ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "its snapshots must have the dataset contract's columns"
        ) from None
    docs["home_highlights.json"] = home_highlights(docs, generated)
    if mode == "compact":
        docs = {name: compact(doc, name) for name, doc in docs.items()}
    return {name: render(docs[name], mode) for name in BRIDGE_FILES}

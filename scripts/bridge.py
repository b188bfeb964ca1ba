"""The bridge export: the existing dashboard's 13 JSON files, built from the committed history (docs/bridge.md).

DuckDB computes every number (sql/bridge_*.sql over the history's Parquet snapshots; sql/bridge_deltas.sql is
the one "latest with previous and delta" shape); this module only binds the inputs, rounds as the contract says,
assembles the documents in the contract's key order and writes them. Same snapshots and run record -> same bytes.

  build(snapshots, record, mode)    -> {file name: bytes} for the 13 bridge files
  public_manifest(record, ...)      -> the public run_manifest.json (contracts/public_run_manifest.schema.json)
  check_budgets(files)              -> problems with the dashboard's size budgets
  check_integrity(files, expect_previous) -> problems with its asset policy and bridge integrity minima
  enabled(env)                      -> False when BRIDGE_EXPORT=0 (the rollback switch)

CLI: bridge.py --out DIR [--mode compact|full] [--check] exports the committed history of $DATOS.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import duckdb

import history
import quality_gate
from lib import SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import load_contracts, schema_errors
from lib.duck import duckdb_connect, run_sql_file
from lib.files import data_lock, switch_dir
from lib.log import get_logger
from lib.settings import read, settings

log = get_logger("bridge")

MODES = ("compact", "full")
BRIDGE_FILES = (
    "history_index.json",
    "trend_score_history.json",
    "technology_profiles.json",
    "home_highlights.json",
    "github_lenguajes_public.json",
    "github_frameworks_history.json",
    "github_correlacion_history.json",
    "so_volumen_history.json",
    "so_aceptacion_history.json",
    "so_tendencias_history.json",
    "reddit_sentimiento_public.json",
    "reddit_temas_history.json",
    "reddit_interseccion_history.json",
)
CSV_FILES = (
    "trend_score.csv",
    "github_lenguajes.csv",
    "github_commits_frameworks.csv",
    "github_correlacion.csv",
    "so_volumen_preguntas.csv",
    "so_tasa_aceptacion.csv",
    "so_tendencias_mensuales.csv",
    "reddit_sentimiento_frameworks.csv",
    "reddit_temas_emergentes.csv",
    "interseccion_github_reddit.csv",
)
ALLOWLIST = frozenset(CSV_FILES + BRIDGE_FILES + ("run_manifest.json",))
CRITICAL_FILES = ("trend_score.csv", "history_index.json", "trend_score_history.json", "run_manifest.json")
KIB = 1024
BUDGET_FILE_KIB, BUDGET_TOTAL_KIB, BUDGET_CRITICAL_KIB = 150, 600, 250
# the dataset names the integrity gate requires in history_index.json
INDEX_REQUIRED = (
    "trend_score",
    "github_commits",
    "github_correlacion",
    "github_lenguajes",
    "so_volumen",
    "so_aceptacion",
    "so_tendencias",
    "reddit_temas",
    "interseccion",
)
# the datasets the bridge reads (logical names); github_repos feeds only the index and the manifest
BRIDGE_DATASETS = (*INDEX_REQUIRED, "reddit_sentimiento", "github_repos")
NON_CLASSIFIABLE = ("sin especificar", "llms/ai", "ai/ml", "ai", "llm", "genai", "artificial intelligence")
SOURCE_NAMES = {"github": "GitHub", "stackoverflow": "StackOverflow", "reddit": "Reddit"}
SOURCE_CODES = {"github": "GH", "stackoverflow": "SO", "reddit": "RD"}
SCORE_COLUMNS = {"github": "github_score", "stackoverflow": "so_score", "reddit": "reddit_score"}
MANIFEST_VERSION = "1.0.0"
COUNT_ONLY = frozenset({"github_repos"})


# --------------------------------------------------------------------------- small pure helpers


def rnd(value: object, digits: int) -> float | None:
    """The contract's rN: Python's round (half-even on the binary value), as V1 wrote it; NaN/inf -> None."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def num(value: object) -> int | None:
    """An integer metric as a JSON integer (DuckDB hands the generic deltas back as doubles)."""
    return None if value is None else round(float(value))


def direction(delta: object) -> str | None:
    if delta is None:
        return None
    return "creciendo" if delta > 0 else "cayendo" if delta < 0 else "estable"


def entity_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def pick(items: list[dict], key) -> dict | None:
    """The first item by `key` (a sort key: smallest first), or None for no items."""
    return min(items, key=key) if items else None


class Desc:
    """Sort key wrapper that reverses the order of a string (for "ties -> the alphabetically greater name")."""

    def __init__(self, value: str):
        self.value = value

    def __lt__(self, other: Desc) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.value == other.value


def render(doc: dict, mode: str = "compact") -> bytes:
    """Keys in the order written (the contract's), UTF-8 unescaped, LF. Compact (bundled) files keep V1's 2-space
    indent; full files are minified (the app accepts both; full files are large and served remotely)."""
    if mode == "full":
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    else:
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def enabled(env: Mapping[str, str] | None = None) -> bool:
    """BRIDGE_EXPORT: 1 (default) exports the bridge files; 0 turns the export off (the CSVs are published anyway)."""
    return read("BRIDGE_EXPORT", env)


# --------------------------------------------------------------------------- reading the history


class History:
    """The snapshots of every dataset, loaded once into DuckDB temp tables `snap_<dataset>`."""

    def __init__(self, con, snapshots: Mapping[str, list[history.Snapshot]]):
        self.con = con
        self.snaps = {name: list(snaps) for name, snaps in snapshots.items()}
        self.row_counts: dict[str, dict[int, int]] = {}
        # the path each run recorded (a compacted snapshot keeps it), so the files do not change with compaction
        self.paths = {
            name: [s.history_path or relative_path(s.path) for s in snaps] for name, snaps in self.snaps.items()
        }
        for name, snaps in sorted(self.snaps.items()):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise PipelineError(f"bridge: {name!r} is not a dataset logical name")
            if not snaps:
                continue
            dates = [s.date for s in snaps]
            if dates != sorted(dates) or len(set(dates)) != len(dates):
                raise PipelineError(f"bridge: the {name} snapshots must be oldest first, one per date")
            # a dataset no document reads rows of (the repository sample) is only counted, not materialized
            table = None if name in COUNT_ONLY else f"snap_{name}"
            self.row_counts[name] = history.load_snapshots(con, snaps, table)

    def has(self, name: str) -> bool:
        return bool(self.snaps.get(name))

    def meta(self, name: str) -> list[dict]:
        """date, path, source_type, row_count of each snapshot of `name`, oldest first."""
        return [
            {
                "date": snap.date.isoformat(),
                "path": self.paths[name][i],
                "source_type": "history",
                "row_count": self.row_counts[name].get(i, 0),
            }
            for i, snap in enumerate(self.snaps.get(name, []))
        ]

    def view(self, view: str, name: str) -> None:
        self.con.execute(f"create or replace temp view {view} as select * from snap_{name}")

    def rows(self, sql_name: str) -> list[dict]:
        rel = run_sql_file(self.con, sql_name)
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]

    def deltas(self, wide_select: str) -> dict[tuple[int, str], dict[str, dict]]:
        """sql/bridge_deltas.sql over `wide_select` (snap_index, item_key, one column per metric)."""
        self.con.execute(f"create or replace temp view bridge_wide as {wide_select}")
        out: dict[tuple[int, str], dict[str, dict]] = {}
        for row in self.rows("bridge_deltas.sql"):
            out.setdefault((row["snap_index"], row["item_key"]), {})[row["metric"]] = row
        return out


def relative_path(path: Path) -> str:
    """A snapshot file's path inside the data folder (history/...), the same wherever the folder lives."""
    text = Path(path).as_posix()
    at = text.rfind("/history/")
    return text[at + 1 :] if at >= 0 else (text if text.startswith("history/") else Path(path).name)


def by_snapshot(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for row in rows:
        out.setdefault(row["snap_index"], []).append(row)
    return out


def dates_of(meta: list[dict]) -> tuple[str | None, str | None]:
    latest = meta[-1]["date"] if meta else None
    previous = meta[-2]["date"] if len(meta) >= 2 else None
    return latest, previous


# --------------------------------------------------------------------------- the documents


def history_index(h: History, record: dict, generated: str) -> dict:
    entries = {e["dataset_logical_name"]: e for e in record.get("datasets", [])}
    datasets = []
    for name in sorted(n for n in h.snaps if h.has(n)):
        meta = h.meta(name)
        entry = entries.get(name, {})
        datasets.append(
            {
                "dataset": name,
                "latest_path": entry.get("latest_path"),
                "latest_row_count": entry.get("row_count") if entry.get("latest_path") else None,
                "history_snapshot_count": len(meta),
                "snapshots": [{"date": m["date"], "path": m["path"], "row_count": m["row_count"]} for m in meta],
            }
        )
    return {"generated_at_utc": generated, "dataset_count": len(datasets), "datasets": datasets}


TREND_POINT_KEYS = ("ranking", "github_score", "so_score", "reddit_score", "trend_score", "fuentes")


def trend_rows(h: History) -> tuple[dict[int, list[dict]], dict]:
    """The prepared trend rows by snapshot, and their deltas by (snap_index, slug)."""
    if not h.has("trend_score"):
        return {}, {}
    h.view("trend_rows", "trend_score")
    h.con.execute("drop table if exists bridge_trend_prepared")
    run_sql_file(h.con, "bridge_trend.sql").create("bridge_trend_prepared")
    rel = h.con.sql("select * from bridge_trend_prepared order by snap_index, ranking, tecnologia")
    rows = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    deltas = h.deltas(
        "select snap_index, slug as item_key, trend_score, ranking::double as ranking, github_score, so_score, "
        "reddit_score from bridge_trend_prepared"
    )
    return by_snapshot(rows), deltas


def trend_point(row: dict) -> dict:
    return {
        "ranking": int(row["ranking"]),
        "github_score": rnd(row["github_score"], 2),
        "so_score": rnd(row["so_score"], 2),
        "reddit_score": rnd(row["reddit_score"], 2),
        "trend_score": rnd(row["trend_score"], 2),
        "fuentes": int(row["fuentes"]),
        "available_source_codes": list(row["available_source_codes"]),
    }


def trend_with_deltas(row: dict, d: dict) -> dict:
    """A top_10 item: the row's point with its slug and name, and its deltas against the previous snapshot."""
    prev_score = rnd(d["trend_score"]["prev_value"], 2) if "trend_score" in d else None
    prev_rank = num(d["ranking"]["prev_value"]) if "ranking" in d else None
    point = trend_point(row)
    return {
        "ranking": point.pop("ranking"),
        "tecnologia": row["tecnologia"],
        "slug": row["slug"],
        **point,
        "score_prev": prev_score,
        "delta_score": rnd(point["trend_score"] - prev_score, 2) if prev_score is not None else None,
        "ranking_prev": prev_rank,
        "delta_ranking": prev_rank - row["ranking"] if prev_rank is not None and row["ranking"] > 0 else None,
    }


def trend_score_history(h: History, rows: dict[int, list[dict]], deltas: dict, generated: str) -> dict:
    meta = h.meta("trend_score")
    snapshots = []
    for i, m in enumerate(meta):
        snap_rows = rows.get(i, [])
        snapshots.append(
            {
                **m,
                "top_10": [trend_with_deltas(r, deltas.get((i, r["slug"]), {})) for r in snap_rows[:10]],
            }
        )
    series: dict[str, dict] = {}
    for i in range(len(meta)):
        for r in rows.get(i, []):
            s = series.setdefault(r["slug"], {"tecnologia": r["tecnologia"], "slug": r["slug"], "points": []})
            s["tecnologia"] = r["tecnologia"]
            s["points"].append({"date": meta[i]["date"], **trend_point(r)})
    ordered = sorted(series.values(), key=lambda s: (s["points"][-1]["ranking"], s["tecnologia"]))
    return {"generated_at_utc": generated, "snapshot_count": len(snapshots), "snapshots": snapshots, "series": ordered}


def _coverage_label(present: list[str]) -> str:
    names = [SOURCE_NAMES[s] for s in present]
    if not names:
        return "Sin señal activa en las fuentes principales."
    if len(names) == 1:
        return f"Señal disponible en {names[0]}."
    return f"Señal combinada en {', '.join(names[:-1])} y {names[-1]}."


def _momentum_label(name: str, rank: int, prev_rank: int | None, delta_score: float | None) -> str:
    if prev_rank is None:
        return "Sin corrida previa comparable para medir movimiento."
    if prev_rank > rank:
        return f"{name} sube {prev_rank - rank} posición(es) frente a la corrida previa."
    if prev_rank < rank:
        return f"{name} cae {rank - prev_rank} posición(es) frente a la corrida previa."
    if delta_score is None or abs(delta_score) < 0.01:
        return f"{name} se mantiene estable frente a la corrida previa."
    verb = "gana" if delta_score > 0 else "pierde"
    return f"{name} mantiene posición frente a la corrida previa y {verb} {abs(delta_score):.2f} puntos."


def technology_profiles(h: History, rows: dict[int, list[dict]], deltas: dict, generated: str) -> dict:
    meta = h.meta("trend_score")
    latest_date, previous_date = dates_of(meta)
    if not meta:
        return {
            "generated_at_utc": generated,
            "dataset": "technology_profiles",
            "source_mode": "missing",
            "latest_snapshot_date": None,
            "previous_snapshot_date": None,
            "profile_count": 0,
            "profiles": [],
        }
    last = len(meta) - 1
    by_slug = [{r["slug"]: r for r in rows.get(i, [])} for i in range(len(meta))]
    profiles = []
    for row in sorted(rows.get(last, []), key=lambda r: (r["ranking"], r["tecnologia"])):
        d = deltas.get((last, row["slug"]), {})
        item = trend_with_deltas(row, d)
        present = [s for s in SOURCES if row[SCORE_COLUMNS[s]] > 0]
        summaries = {}
        for source in SOURCES:
            column = SCORE_COLUMNS[source]
            actual = rnd(row[column], 2)
            prev = rnd(d[column]["prev_value"], 2) if column in d else None
            summaries[f"{source}_summary"] = {
                "source": source,
                "display_name": SOURCE_NAMES[source],
                "available": actual > 0,
                "score_actual": actual,
                "score_prev": prev,
                "delta_score": rnd(actual - prev, 2) if prev is not None else None,
            }
        history_points = []
        for i, m in enumerate(meta):
            r = by_slug[i].get(row["slug"])
            point = trend_point(r) if r else None
            history_points.append(
                {
                    "date": m["date"],
                    "trend_score": point["trend_score"] if point else 0.0,
                    "github_score": point["github_score"] if point else 0.0,
                    "so_score": point["so_score"] if point else 0.0,
                    "reddit_score": point["reddit_score"] if point else 0.0,
                    "ranking": point["ranking"] if point else None,
                    "fuentes": point["fuentes"] if point else 0,
                    "available_source_codes": point["available_source_codes"] if point else [],
                }
            )
        dominant = None
        best = max((row[SCORE_COLUMNS[s]] for s in SOURCES), default=0.0)
        if best > 0:
            source = next(s for s in SOURCES if row[SCORE_COLUMNS[s]] == best)  # ties: GH, SO, RD order
            dominant = {
                "source": source,
                "display_name": SOURCE_NAMES[source],
                "score": rnd(best, 2),
                "label": f"{SOURCE_NAMES[source]} aporta la mayor parte del score actual.",
            }
        profiles.append(
            {
                "slug": row["slug"],
                "display_name": row["tecnologia"],
                "trend_score_actual": item["trend_score"],
                "trend_score_prev": item["score_prev"],
                "delta_score": item["delta_score"],
                "ranking_actual": item["ranking"],
                "ranking_prev": item["ranking_prev"],
                "delta_ranking": item["delta_ranking"],
                "sources_present": present,
                **summaries,
                "source_history": history_points,
                "summary_insights": {
                    "dominant_source": dominant,
                    "coverage": {
                        "source_count": len(present),
                        "sources_present": present,
                        "label": _coverage_label(present),
                    },
                    "momentum": {
                        "ranking_actual": item["ranking"],
                        "ranking_prev": item["ranking_prev"],
                        "delta_ranking": item["delta_ranking"],
                        "score_actual": item["trend_score"],
                        "score_prev": item["score_prev"],
                        "label": _momentum_label(
                            row["tecnologia"], item["ranking"], item["ranking_prev"], item["delta_score"]
                        ),
                    },
                },
            }
        )
    return {
        "generated_at_utc": generated,
        "dataset": "technology_profiles",
        "source_mode": "trend_score_history",
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "profile_count": len(profiles),
        "profiles": profiles,
    }


def _mode(h: History, name: str) -> str:
    return "history" if h.has(name) else "missing"


def _table_rows(h: History, name: str, view: str, sql_name: str, table: str) -> list[dict]:
    """Run a per-dataset bridge SQL over `name`'s snapshots into temp table `table`; its rows (none when missing)."""
    if not h.has(name):
        return []
    h.view(view, name)
    h.con.execute(f"drop table if exists {table}")
    run_sql_file(h.con, sql_name).create(table)
    rel = h.con.sql(f"select * from {table}")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def _source_updated(h: History, name: str, record: dict) -> str | None:
    """When the run that wrote the latest snapshot published it (known only for the run being committed)."""
    snaps = h.snaps.get(name) or []
    if not snaps or snaps[-1].run_id != record.get("run_id"):
        return None
    entry = next((e for e in record.get("datasets", []) if e["dataset_logical_name"] == name), None)
    return entry["generated_at_utc"] if entry else None


def github_lenguajes_public(h: History, record: dict, generated: str) -> dict:
    rows = _table_rows(h, "github_lenguajes", "lenguajes_rows", "bridge_lenguajes.sql", "bridge_lenguajes")
    languages = [
        {"lenguaje": r["lenguaje"], "repos_count": int(r["repos_count"]), "share_pct": rnd(r["share_pct"], 2)}
        for r in rows
    ]
    leader = languages[0] if languages else None
    runner = languages[1] if len(languages) > 1 else None
    meta = h.meta("github_lenguajes")
    return {
        "generated_at_utc": generated,
        "dataset": "github_lenguajes",
        "source_mode": "latest" if languages else "missing",
        "source_path": meta[-1]["path"] if meta else None,
        "source_updated_at_utc": _source_updated(h, "github_lenguajes", record),
        "language_count": len(languages),
        "languages": languages,
        "summary": {
            "leader": leader,
            "runner_up": runner,
            "language_count": len(languages),
            "total_classifiable_repos": sum(x["repos_count"] for x in languages),
            "leader_gap_repos": leader["repos_count"] - runner["repos_count"] if runner else None,
            "leader_gap_share_pct": rnd(leader["share_pct"] - runner["share_pct"], 2) if runner else None,
        },
    }


FRAMEWORK_METRICS = ("active_contributors", "merged_prs", "closed_issues", "releases_count")
FRAMEWORK_CSV_KEYS = (
    "framework",
    "repo",
    "ranking",
    "commits_2025",
    *FRAMEWORK_METRICS,
    "commits_prev",
    "delta_commits",
    "growth_pct",
    "trend_direction",
)


def _framework_order(item: dict):
    return (item["ranking"] is None, item["ranking"] or 0, -item["commits_2025"], item["framework"])


def _framework_csv_item(r: dict) -> dict:
    return {
        "framework": (r["framework"] or "").strip(),
        "repo": r["repo"],
        "ranking": r["ranking"],
        "commits_2025": int(r["commits_2025"] or 0),
        **{m: r[m] for m in FRAMEWORK_METRICS},
        "commits_prev": r["commits_prev"],
        "delta_commits": r["delta_commits"],
        "growth_pct": rnd(r["growth_pct"], 2),
        "trend_direction": (r["trend_direction"] or "").strip() or None,
    }


def github_frameworks_history(h: History, generated: str) -> dict:
    name = "github_commits"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    rows: list[dict] = []
    deltas: dict = {}
    if h.has(name):
        h.view("frameworks_rows", name)
        rel = h.con.sql("select * from frameworks_rows")
        rows = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
        metrics = ", ".join(f"{m}::double as {m}" for m in ("commits_2025", *FRAMEWORK_METRICS))
        deltas = h.deltas(f"select snap_index, lower(trim(framework)) as item_key, {metrics} from frameworks_rows")
    snaps = by_snapshot(rows)
    last = len(meta) - 1
    latest = []
    for r in snaps.get(last, []):
        item = _framework_csv_item(r)
        d = deltas.get((last, item["framework"].lower()), {})
        commits = d.get("commits_2025", {})
        if item["commits_prev"] is None:
            item["commits_prev"] = num(commits.get("prev_value"))
        if item["delta_commits"] is None and item["commits_prev"] is not None:
            item["delta_commits"] = item["commits_2025"] - item["commits_prev"]
        if item["growth_pct"] is None and item["commits_prev"]:
            item["growth_pct"] = rnd(item["delta_commits"] / item["commits_prev"] * 100, 2)
        if item["trend_direction"] is None:
            item["trend_direction"] = direction(item["delta_commits"])
        for m in FRAMEWORK_METRICS:
            dm = d.get(m, {})
            item[f"{m}_prev"] = num(dm.get("prev_value"))
            item[f"delta_{m}"] = num(dm.get("delta"))
            item[f"growth_{m}_pct"] = rnd(dm.get("growth_pct"), 2)
        latest.append(item)
    latest.sort(key=_framework_order)

    def short(item: dict | None) -> dict | None:
        keys = ("framework", "repo", "ranking", "commits_2025", "delta_commits", "growth_pct", "trend_direction")
        return {k: item[k] for k in keys} if item else None

    leader = pick(latest, lambda x: (-x["commits_2025"], Desc(x["framework"])))
    others = sorted((x for x in latest if x is not leader), key=lambda x: (-x["commits_2025"], x["framework"]))
    runner = others[0] if others else None
    total = sum(x["commits_2025"] for x in latest)
    with_delta = [x for x in latest if x["delta_commits"] is not None]
    growth = pick(
        [x for x in with_delta if x["delta_commits"] > 0],
        lambda x: (-x["delta_commits"], -x["commits_2025"], x["framework"]),
    )
    drop = pick(
        [x for x in with_delta if x["delta_commits"] < 0],
        lambda x: (x["delta_commits"], -x["commits_2025"], x["framework"]),
    )
    max_growth = pick(with_delta, lambda x: (-x["delta_commits"], -x["commits_2025"], x["framework"]))
    max_drop = pick(with_delta, lambda x: (x["delta_commits"], -x["commits_2025"], x["framework"]))
    return {
        "generated_at_utc": generated,
        "dataset": "github_commits_frameworks",
        "scope_label": "repos oficiales frontend",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "snapshot_date": latest_date,
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "item_count": len(latest),
        "has_historical_comparison": previous_date is not None,
        "latest_frameworks": latest,
        "summary": {
            "leader": short(leader),
            "runner_up": short(runner),
            "leader_share_pct": (rnd(leader["commits_2025"] / total * 100, 2) if total else 0.0) if leader else None,
            "leader_gap_commits": leader["commits_2025"] - runner["commits_2025"] if runner else None,
            "highest_growth": short(growth),
            "largest_drop": short(drop),
            "total_commits": total,
            "leader_framework": leader["framework"] if leader else None,
            "leader_commits": leader["commits_2025"] if leader else None,
            "max_growth_framework": max_growth["framework"] if max_growth else None,
            "max_growth_delta": max_growth["delta_commits"] if max_growth else None,
            "max_drop_framework": max_drop["framework"] if max_drop else None,
            "max_drop_delta": max_drop["delta_commits"] if max_drop else None,
            "missing_metrics_frameworks": sum(
                1 for x in latest if any(x[m] is None for m in ("commits_2025", *FRAMEWORK_METRICS))
            ),
        },
        "snapshots": [
            {
                **m,
                "framework_count": len(snaps.get(i, [])),
                "items": sorted((_framework_csv_item(r) for r in snaps.get(i, [])), key=_framework_order),
            }
            for i, m in enumerate(meta)
        ],
        "series": [],
    }


CORRELATION_SUMMARY_KEYS = (
    "repo_name",
    "stars",
    "contributors",
    "language",
    "engagement_ratio",
    "contributors_per_1k_stars",
    "outlier_score",
    "trend_bucket",
)


def _correlation_item(r: dict, date: str) -> dict:
    return {
        "repo_name": r["repo_name"],
        "stars": int(r["stars"]),
        "contributors": int(r["contributors"]),
        "language": r["language"],
        "engagement_ratio": rnd(r["engagement_ratio"], 6),
        "contributors_per_1k_stars": rnd(r["contributors_per_1k_stars"], 3),
        "expected_contributors": rnd(r["expected_contributors"], 3),
        "contributors_delta_vs_trend": rnd(r["contributors_delta_vs_trend"], 3),
        "outlier_score": rnd(r["outlier_score"], 6),
        "trend_bucket": r["trend_bucket"],
        "snapshot_date_utc": date,
    }


def github_correlacion_history(h: History, generated: str) -> dict:
    name = "github_correlacion"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    snaps = by_snapshot(_table_rows(h, name, "correlacion_rows", "bridge_correlacion.sql", "bridge_correlacion"))
    items_by = {i: [_correlation_item(r, m["date"]) for r in snaps.get(i, [])] for i, m in enumerate(meta)}
    corr_by = {i: (rnd(rows[0]["correlation_value"], 4) if rows else None) for i, rows in snaps.items()}
    last = len(meta) - 1
    latest = items_by.get(last, [])

    def short(item: dict | None) -> dict | None:
        return {k: item[k] for k in CORRELATION_SUMMARY_KEYS} if item else None

    return {
        "generated_at_utc": generated,
        "dataset": "github_correlacion",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "item_count": len(latest),
        "has_historical_comparison": previous_date is not None,
        "summary": {
            "correlation_value": corr_by.get(last),
            "top_stars_repo": short(pick(latest, lambda x: (-x["stars"], Desc(x["repo_name"])))),
            "top_contributors_repo": short(pick(latest, lambda x: (-x["contributors"], Desc(x["repo_name"])))),
            "top_engagement_repo": short(pick(latest, lambda x: (-x["engagement_ratio"], Desc(x["repo_name"])))),
            "positive_outlier_repo": short(pick(latest, lambda x: (-x["outlier_score"], Desc(x["repo_name"])))),
            "negative_outlier_repo": short(pick(latest, lambda x: (x["outlier_score"], x["repo_name"]))),
            "item_count": len(latest),
            "latest_snapshot_date": latest_date,
            "previous_snapshot_date": previous_date,
        },
        "latest_items": latest,
        "snapshots": [
            {**m, "item_count": len(items_by[i]), "correlation_value": corr_by.get(i), "items": items_by[i]}
            for i, m in enumerate(meta)
        ],
    }


SO_TAG_KEY = "case lower(trim(lenguaje)) when 'csharp' then 'c#' when 'cpp' then 'c++' else lower(trim(lenguaje)) end"


def so_volumen_history(h: History, generated: str) -> dict:
    name = "so_volumen"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    deltas = {}
    if h.has(name):
        h.view("volumen_rows", name)
        deltas = h.deltas(  # two spellings of one tag (csharp, c#) are one item
            f"select snap_index, {SO_TAG_KEY} as item_key, sum(preguntas_nuevas_2025)::double as preguntas "
            "from volumen_rows where trim(coalesce(lenguaje, '')) != '' group by all"
        )
    per_snap: dict[int, list[dict]] = {}
    for (i, key), metrics in deltas.items():
        d = metrics["preguntas"]
        prev = num(d["prev_value"]) or 0
        value = num(d["metric_value"])
        per_snap.setdefault(i, []).append(
            {
                "lenguaje": key,
                "preguntas": value,
                "preguntas_prev": prev,
                "delta_preguntas": value - prev,
                "growth_pct": rnd(d["growth_pct"], 2) if prev > 0 else 0.0,
                "trend_direction": direction(value - prev),
                "share_pct": rnd(d["share_pct"], 2),
            }
        )
    for items in per_snap.values():
        items.sort(key=lambda x: (-x["preguntas"], x["lenguaje"]))
    last = len(meta) - 1
    latest = per_snap.get(last, [])
    compared = [x for x in latest if x["preguntas_prev"] > 0]
    return {
        "generated_at_utc": generated,
        "dataset": "so_volumen_preguntas",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "has_historical_comparison": previous_date is not None,
        "item_count": len(latest),
        "summary": {
            "leader": pick(latest, lambda x: (-x["preguntas"], Desc(x["lenguaje"]))),
            "highest_growth": pick(
                [x for x in compared if x["delta_preguntas"] > 0], lambda x: (-x["delta_preguntas"], x["lenguaje"])
            ),
            "largest_drop": pick(
                [x for x in compared if x["delta_preguntas"] < 0], lambda x: (x["delta_preguntas"], x["lenguaje"])
            ),
            "total_questions": sum(x["preguntas"] for x in latest),
        },
        "latest_items": latest,
        "snapshots": [
            {
                **m,
                "item_count": len(per_snap.get(i, [])),
                "total_questions": sum(x["preguntas"] for x in per_snap.get(i, [])),
                "items": [
                    {"lenguaje": x["lenguaje"], "preguntas": x["preguntas"], "share_pct": x["share_pct"]}
                    for x in per_snap.get(i, [])
                ],
            }
            for i, m in enumerate(meta)
        ],
    }


ACCEPTANCE_SNAPSHOT_KEYS = (
    "tecnologia",
    "total_preguntas",
    "respuestas_aceptadas",
    "tasa_aceptacion_pct",
    "sample_bucket",
    "confidence_score",
    "raw_rank",
    "confidence_rank",
)


def so_aceptacion_history(h: History, generated: str) -> dict:
    name = "so_aceptacion"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    rows = _table_rows(h, name, "aceptacion_rows", "bridge_aceptacion.sql", "bridge_aceptacion")
    deltas = {}
    if rows:
        deltas = h.deltas(
            "select snap_index, lower(tecnologia) as item_key, total_preguntas::double as total_preguntas, "
            "respuestas_aceptadas::double as respuestas_aceptadas, tasa_aceptacion_pct from bridge_aceptacion"
        )
    snaps = by_snapshot(rows)
    per_snap: dict[int, list[dict]] = {}
    for i, snap_rows in snaps.items():
        for r in sorted(snap_rows, key=lambda r: r["raw_rank"]):
            d = deltas.get((i, r["tecnologia"].lower()), {})
            rate = rnd(r["tasa_aceptacion_pct"], 2)
            prev_total = num(d.get("total_preguntas", {}).get("prev_value")) or 0
            prev_rate = rnd(d.get("tasa_aceptacion_pct", {}).get("prev_value"), 2) or 0.0
            total = int(r["total_preguntas"])
            per_snap.setdefault(i, []).append(
                {
                    "tecnologia": r["tecnologia"],
                    "total_preguntas": total,
                    "respuestas_aceptadas": int(r["respuestas_aceptadas"]),
                    "tasa_aceptacion_pct": rate,
                    "total_preguntas_prev": prev_total,
                    "respuestas_aceptadas_prev": num(d.get("respuestas_aceptadas", {}).get("prev_value")) or 0,
                    "tasa_aceptacion_prev_pct": prev_rate,
                    "delta_tasa_pct": rnd(rate - prev_rate, 2),
                    "delta_preguntas": total - prev_total,
                    "sample_bucket": r["sample_bucket"],
                    "confidence_score": rnd(r["confidence_score"], 6),
                    "raw_rank": int(r["raw_rank"]),
                    "confidence_rank": int(r["confidence_rank"]),
                }
            )
    last = len(meta) - 1
    latest = per_snap.get(last, [])
    compared = [x for x in latest if x["total_preguntas_prev"] > 0]
    return {
        "generated_at_utc": generated,
        "dataset": "so_tasa_aceptacion",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "has_historical_comparison": previous_date is not None,
        "item_count": len(latest),
        "summary": {
            "raw_leader": pick(latest, lambda x: x["raw_rank"]),
            "confidence_leader": pick(latest, lambda x: x["confidence_rank"]),
            "highest_improvement": pick(
                [x for x in compared if x["delta_tasa_pct"] > 0],
                lambda x: (-x["delta_tasa_pct"], -x["total_preguntas"], x["raw_rank"]),
            ),
            "largest_drop": pick(
                [x for x in compared if x["delta_tasa_pct"] < 0],
                lambda x: (x["delta_tasa_pct"], -x["total_preguntas"], x["raw_rank"]),
            ),
            "largest_sample": pick(latest, lambda x: (-x["total_preguntas"], x["raw_rank"])),
        },
        "latest_items": latest,
        "snapshots": [
            {
                **m,
                "item_count": len(per_snap.get(i, [])),
                "items": [{k: x[k] for k in ACCEPTANCE_SNAPSHOT_KEYS} for x in per_snap.get(i, [])],
            }
            for i, m in enumerate(meta)
        ],
    }


def so_tendencias_history(h: History, generated: str) -> dict:
    name = "so_tendencias"
    meta = h.meta(name)
    rows = _table_rows(h, name, "tendencias_rows", "bridge_tendencias.sql", "bridge_tendencias")
    series = [
        {
            "tecnologia": r["tecnologia"],
            "points": [int(p) for p in r["points"]],
            "start_value": int(r["start_value"]),
            "end_value": int(r["end_value"]),
            "abs_delta": int(r["abs_delta"]),
            "pct_delta": rnd(r["pct_delta"], 2),
            "retention_pct": rnd(r["retention_pct"], 2),
            "peak_month": r["peak_month"],
            "peak_value": int(r["peak_value"]),
            "latest_rank": int(r["latest_rank"]),
        }
        for r in rows
    ]
    months = list(rows[0]["months"]) if rows else []

    def short(item: dict | None) -> dict | None:
        return {k: v for k, v in item.items() if k != "points"} if item else None

    return {
        "generated_at_utc": generated,
        "dataset": "so_tendencias_mensuales",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "months": months,
        "series": series,
        "summary": {
            "current_leader": short(pick(series, lambda x: x["latest_rank"])),
            "best_retention": short(
                pick(series, lambda x: (-x["retention_pct"], -x["end_value"], x["tecnologia"].lower()))
            ),
            "largest_relative_drop": short(
                pick([x for x in series if x["pct_delta"] < 0], lambda x: (x["pct_delta"], x["latest_rank"]))
            ),
            "largest_absolute_drop": short(
                pick([x for x in series if x["abs_delta"] < 0], lambda x: (x["abs_delta"], x["latest_rank"]))
            ),
        },
    }


def reddit_sentimiento_public(h: History, record: dict, generated: str) -> dict:
    name = "reddit_sentimiento"
    rows = _table_rows(h, name, "sentimiento_rows", "bridge_sentimiento.sql", "bridge_sentimiento")
    frameworks = [
        {
            "framework": r["framework"],
            "total_menciones": int(r["total_menciones"]),
            "positivos": int(r["positivos"]),
            "neutros": int(r["neutros"]),
            "negativos": int(r["negativos"]),
            "porcentaje_positivo": rnd(r["porcentaje_positivo"], 2),
            "porcentaje_neutro": rnd(r["porcentaje_neutro"], 2),
            "porcentaje_negativo": rnd(r["porcentaje_negativo"], 2),
        }
        for r in rows
    ]
    meta = h.meta(name)
    return {
        "generated_at_utc": generated,
        "dataset": "reddit_sentimiento_frameworks",
        "source_mode": "latest" if frameworks else "missing",
        "source_path": meta[-1]["path"] if meta else None,
        "source_updated_at_utc": _source_updated(h, name, record),
        "framework_count": len(frameworks),
        "frameworks": frameworks,
        "summary": {
            "positive_leader": pick(
                frameworks, lambda x: (-x["porcentaje_positivo"], -x["total_menciones"], Desc(x["framework"]))
            ),
            "largest_sample": pick(
                frameworks, lambda x: (-x["total_menciones"], -x["porcentaje_positivo"], Desc(x["framework"]))
            ),
            "negative_leader": pick(
                frameworks, lambda x: (-x["porcentaje_negativo"], -x["total_menciones"], Desc(x["framework"]))
            ),
            "framework_count": len(frameworks),
            "total_menciones": sum(x["total_menciones"] for x in frameworks),
        },
    }


def reddit_temas_history(h: History, generated: str) -> dict:
    name = "reddit_temas"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    deltas = {}
    if h.has(name):
        h.view("temas_rows", name)
        deltas = h.deltas(
            "select snap_index, trim(tema) as item_key, menciones::double as menciones "
            "from temas_rows where trim(coalesce(tema, '')) != ''"
        )
    per_snap: dict[int, list[dict]] = {}
    for (i, key), metrics in deltas.items():
        d = metrics["menciones"]
        per_snap.setdefault(i, []).append(
            {
                "tema": key,
                "menciones": num(d["metric_value"]),
                "menciones_previas": num(d["prev_value"]),
                "delta_menciones": num(d["delta"]),
                "growth_pct": rnd(d["growth_pct"], 2),
                "trend_direction": d["trend_direction"],
                "participacion_pct": rnd(d["share_pct"], 2),
            }
        )
    for items in per_snap.values():
        items.sort(key=lambda x: (-x["menciones"], x["tema"]))
    last = len(meta) - 1

    def topic(x: dict | None) -> dict | None:
        keys = ("tema", "menciones", "menciones_previas", "delta_menciones", "growth_pct", "trend_direction")
        return {k: x[k] for k in keys} if x else None

    latest = [topic(x) for x in per_snap.get(last, [])]
    compared = [x for x in latest if (x["menciones_previas"] or 0) > 0]
    series: dict[str, dict] = {}
    for i, m in enumerate(meta):
        for x in per_snap.get(i, []):
            series.setdefault(x["tema"], {"tema": x["tema"], "points": []})["points"].append(
                {"date": m["date"], "menciones": x["menciones"], "participacion_pct": x["participacion_pct"]}
            )
    return {
        "generated_at_utc": generated,
        "dataset": "reddit_temas_emergentes",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "topic_count": len(latest),
        "summary": {
            "leader_topic": pick(latest, lambda x: (-x["menciones"], Desc(x["tema"]))),
            "highest_growth_topic": pick(
                [x for x in compared if x["delta_menciones"] > 0],
                lambda x: (-x["delta_menciones"], -x["menciones"], x["tema"]),
            ),
            "largest_drop_topic": pick(
                [x for x in compared if x["delta_menciones"] < 0],
                lambda x: (x["delta_menciones"], -x["menciones"], x["tema"]),
            ),
            "total_menciones": sum(x["menciones"] for x in latest),
            "topic_count": len(latest),
        },
        "latest_topics": latest,
        "snapshots": [
            {
                **m,
                "total_menciones": sum(x["menciones"] for x in per_snap.get(i, [])),
                "top_topics": [
                    {"tema": x["tema"], "menciones": x["menciones"], "participacion_pct": x["participacion_pct"]}
                    for x in per_snap.get(i, [])[:10]
                ],
            }
            for i, m in enumerate(meta)
        ],
        "series": sorted(series.values(), key=lambda s: (-s["points"][-1]["menciones"], s["tema"])),
    }


INTERSECTION_KEYS = (
    "tecnologia",
    "tipo",
    "ranking_github",
    "ranking_reddit",
    "brecha_abs",
    "promedio_rank",
    "direccion",
)


def reddit_interseccion_history(h: History, generated: str) -> dict:
    name = "interseccion"
    meta = h.meta(name)
    latest_date, previous_date = dates_of(meta)
    rows = _table_rows(h, name, "interseccion_rows", "bridge_interseccion.sql", "bridge_interseccion")
    deltas = {}
    if rows:
        deltas = h.deltas(
            "select snap_index, lower(tecnologia) as item_key, ranking_github::double as ranking_github, "
            "ranking_reddit::double as ranking_reddit, brecha_abs::double as brecha_abs from bridge_interseccion"
        )
    snaps = by_snapshot(rows)
    per_snap: dict[int, list[dict]] = {}
    for i, snap_rows in snaps.items():
        for r in snap_rows:
            d = deltas.get((i, r["tecnologia"].lower()), {})
            gap = num(r["brecha_abs"])
            prev_gap = num(d.get("brecha_abs", {}).get("prev_value"))
            delta_gap = gap - prev_gap if gap is not None and prev_gap is not None else None
            per_snap.setdefault(i, []).append(
                {
                    "tecnologia": r["tecnologia"],
                    "tipo": r["tipo"],
                    "ranking_github": num(r["ranking_github"]),
                    "ranking_reddit": num(r["ranking_reddit"]),
                    "brecha_abs": gap,
                    "promedio_rank": rnd(r["promedio_rank"], 2),
                    "direccion": r["direccion"],
                    "rank_github_prev": num(d.get("ranking_github", {}).get("prev_value")),
                    "rank_reddit_prev": num(d.get("ranking_reddit", {}).get("prev_value")),
                    "delta_gap": delta_gap,
                    "trend_direction": None
                    if delta_gap is None
                    else "disminuyendo"
                    if delta_gap < 0
                    else "aumentando"
                    if delta_gap > 0
                    else "estable",
                }
            )

    def coverage(items: list[dict]) -> tuple[int, float]:
        comparable = sum(1 for x in items if x["brecha_abs"] is not None)
        return comparable, rnd(comparable / len(items) * 100, 2) if items else 0.0

    def short(x: dict | None) -> dict | None:
        return {k: v for k, v in x.items() if k not in ("rank_github_prev", "rank_reddit_prev")} if x else None

    last = len(meta) - 1
    latest = per_snap.get(last, [])
    comparable_count, coverage_pct = coverage(latest)
    comparable = [x for x in latest if x["brecha_abs"] is not None]
    largest = pick(comparable, lambda x: (-x["brecha_abs"], Desc(x["tecnologia"])))
    return {
        "generated_at_utc": generated,
        "dataset": "interseccion_github_reddit",
        "source_mode": _mode(h, name),
        "snapshot_count": len(meta),
        "latest_snapshot_date": latest_date,
        "previous_snapshot_date": previous_date,
        "coverage_pct": coverage_pct,
        "comparable_count": comparable_count,
        "item_count": len(latest),
        "latest_items": latest,
        "summary": {
            "consenso_count": sum(1 for x in comparable if x["brecha_abs"] == 0),
            "divergente_count": sum(1 for x in comparable if x["brecha_abs"] > 0),
            "comparable_count": comparable_count,
            "coverage_pct": coverage_pct,
            "closest_alignment": short(
                pick(comparable, lambda x: (x["brecha_abs"], x["promedio_rank"], x["tecnologia"]))
            ),
            "largest_gap_item": short(largest),
            "max_brecha_tecnologia": largest["tecnologia"] if largest else None,
            "max_brecha_abs": largest["brecha_abs"] if largest else None,
        },
        "snapshots": [
            {
                **m,
                "comparable_count": coverage(per_snap.get(i, []))[0],
                "coverage_pct": coverage(per_snap.get(i, []))[1],
                "items": [{k: x[k] for k in INTERSECTION_KEYS} for x in per_snap.get(i, [])],
            }
            for i, m in enumerate(meta)
        ],
    }


# --------------------------------------------------------------------------- home highlights

# (dashboard, graph, signal, bridge file, summary key, entity key in the payload)
SIGNALS = (
    ("github", 1, "leader", "github_lenguajes_public.json", "leader", "lenguaje"),
    ("github", 2, "leader", "github_frameworks_history.json", "leader", "framework"),
    ("github", 3, "positive_outlier_repo", "github_correlacion_history.json", "positive_outlier_repo", "repo_name"),
    ("reddit", 1, "positive_leader", "reddit_sentimiento_public.json", "positive_leader", "framework"),
    ("reddit", 2, "leader_topic", "reddit_temas_history.json", "leader_topic", "tema"),
    ("reddit", 3, "closest_alignment", "reddit_interseccion_history.json", "closest_alignment", "tecnologia"),
    ("stackoverflow", 1, "leader", "so_volumen_history.json", "leader", "lenguaje"),
    ("stackoverflow", 2, "confidence_leader", "so_aceptacion_history.json", "confidence_leader", "tecnologia"),
    ("stackoverflow", 3, "largest_relative_drop", "so_tendencias_history.json", "largest_relative_drop", "tecnologia"),
)


def _n(value: object, missing: float = 0.0) -> float:
    return missing if value is None else float(value)


def highlight_score(dashboard: str, graph: int, payload: dict, summary: dict) -> float:
    """The ranking score of a candidate highlight (the V1 formulas, docs/bridge.md)."""
    p = payload
    if (dashboard, graph) == ("github", 1):
        return (
            _n(p.get("share_pct")) * 4
            + min(_n(p.get("repos_count")) / 5, 80)
            + max(_n(summary.get("leader_gap_repos")), 0) / 10
        )
    if (dashboard, graph) == ("github", 2):
        return (
            _n(summary.get("leader_share_pct")) * 4
            + min(_n(p.get("commits_2025")) / 100, 80)
            + max(_n(summary.get("leader_gap_commits")), 0) / 20
        )
    if (dashboard, graph) == ("github", 3):
        return max(_n(p.get("outlier_score")), 0) * 8 + _n(p.get("contributors_per_1k_stars")) / 2
    if (dashboard, graph) == ("reddit", 1):
        return _n(p.get("porcentaje_positivo")) * min(_n(p.get("total_menciones")), 25) / 25
    if (dashboard, graph) == ("reddit", 2):
        return _n(p.get("menciones")) + max(_n(p.get("delta_menciones")), 0) * 3
    if (dashboard, graph) == ("reddit", 3):
        return max(0.0, 100 - _n(p.get("brecha_abs"), 999) * 15) + max(0.0, 30 - _n(p.get("promedio_rank"), 999) * 3)
    if (dashboard, graph) == ("stackoverflow", 1):
        return _n(p.get("share_pct")) * 4 + min(_n(p.get("preguntas")) / 100, 120)
    if (dashboard, graph) == ("stackoverflow", 2):
        return _n(p.get("confidence_score")) * 300 + min(_n(p.get("total_preguntas")) / 50, 60)
    return abs(min(_n(p.get("pct_delta")), 0))


def home_highlights(docs: dict[str, dict], generated: str) -> dict:
    signals: dict[str, dict] = {"github": {}, "reddit": {}, "stackoverflow": {}}
    candidates = []
    for dashboard, graph, signal, file, key, entity_field in SIGNALS:
        summary = docs[file]["summary"]
        payload = summary.get(key)
        source = f"{file.removesuffix('.json')}.summary.{key}"
        signals[dashboard][f"graph_{graph}"] = {
            "signal": signal,
            "source": source,
            "payload": payload,
            "summary": summary,
        }
        if payload is None:
            continue
        entity = str(payload.get(entity_field) or "")
        candidates.append(
            {
                "dashboard": dashboard,
                "graph": graph,
                "signal": signal,
                "source": source,
                "entity": entity,
                "entity_key": entity_key(entity),
                "score": rnd(highlight_score(dashboard, graph, payload, summary), 2),
                "payload": payload,
            }
        )
    candidates.sort(key=lambda c: (-c["score"], c["dashboard"], c["graph"], c["entity"]))
    chosen: list[dict] = []
    taken: set[str] = set()
    for c in candidates:
        if len(chosen) == 3:
            break
        if c["entity_key"] and c["entity_key"] in taken:
            continue
        chosen.append(c)
        taken.add(c["entity_key"])
    for c in candidates:  # second pass: duplicates allowed, up to 3
        if len(chosen) == 3:
            break
        if not any(c is x for x in chosen):
            chosen.append(c)
    return {
        "generated_at_utc": generated,
        "dataset": "home_highlights",
        "source_mode": "bridges",
        "candidate_count": len(candidates),
        "dashboard_signals": signals,
        "highlights": chosen,
    }


# --------------------------------------------------------------------------- compact mode


def compact(doc: dict, file_name: str) -> dict:
    """The bundled form of a bridge document: the transformations of docs/bridge.md "Compact mode", recursively.

    Works in place (the documents of one build are made for it); returns `doc`."""
    tendencias = file_name == "so_tendencias_history.json"

    def walk(obj):
        if isinstance(obj, list):
            return [walk(x) for x in obj]
        if not isinstance(obj, dict):
            return obj
        for key in list(obj):
            obj[key] = walk(obj[key])
        if isinstance(obj.get("snapshots"), list):
            obj["snapshots"] = obj["snapshots"][-2:]
        for key in ("points", "source_history"):
            if isinstance(obj.get(key), list) and not (key == "points" and tendencias):
                obj[key] = obj[key][-2:]
        for counter, listed in (
            ("snapshot_count", "snapshots"),
            ("history_snapshot_count", "snapshots"),
            ("dataset_count", "datasets"),
            ("profile_count", "profiles"),
            ("item_count", "latest_items"),
            ("topic_count", "latest_topics"),
        ):
            if counter in obj and isinstance(obj.get(listed), list):
                obj[counter] = len(obj[listed])
        if tendencias and isinstance(obj.get("snapshot_count"), int):
            obj["snapshot_count"] = min(obj["snapshot_count"], 2)
        if isinstance(obj.get("snapshots"), list) and obj["snapshots"]:
            kept = obj["snapshots"]
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
        return obj

    return walk(doc)


# --------------------------------------------------------------------------- build


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
        "trend_score_history.json": lambda: trend_score_history(h, *trend, generated),
        "technology_profiles.json": lambda: technology_profiles(h, *trend, generated),
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


# --------------------------------------------------------------------------- the public run manifest


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


# --------------------------------------------------------------------------- checks


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


def check_integrity(files: Mapping[str, bytes], expect_previous: bool) -> list[str]:
    """The dashboard folder's asset policy (exactly the 24 allowlisted files) and the bridge integrity minima.

    `expect_previous`: a committed run before this one exists, so every history must show a previous snapshot.
    """
    problems = [f"{name} is missing (required by the dashboard)" for name in sorted(ALLOWLIST - set(files))]
    problems += [
        f"{name} is not allowlisted: the dashboard folder holds only its 24 files"
        for name in sorted(set(files) - ALLOWLIST)
    ]
    docs: dict[str, dict] = {}
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
    if "run_manifest.json" in docs:
        problems += [
            f"run_manifest.json: {p}"
            for p in schema_errors(docs["run_manifest.json"], "public_run_manifest.schema.json")
        ]
    need = 2 if expect_previous else 1
    doc = docs.get("history_index.json")
    if doc is not None:
        names = {d.get("dataset") for d in doc.get("datasets") or [] if isinstance(d, dict)}
        missing = [n for n in INDEX_REQUIRED if n not in names]
        if missing:
            problems.append(f"history_index.json: datasets lack {', '.join(missing)}")
    doc = docs.get("trend_score_history.json")
    if doc is not None and not (isinstance(doc.get("snapshot_count"), int) and doc["snapshot_count"] >= need):
        problems.append(f"trend_score_history.json: snapshot_count is {doc.get('snapshot_count')!r}, needs >= {need}")
    doc = docs.get("technology_profiles.json")
    if doc is not None:
        if not doc.get("latest_snapshot_date"):
            problems.append("technology_profiles.json: latest_snapshot_date is empty")
        if not (isinstance(doc.get("profile_count"), int) and doc["profile_count"] > 0):
            problems.append(f"technology_profiles.json: profile_count is {doc.get('profile_count')!r}, needs > 0")
        if expect_previous and not doc.get("previous_snapshot_date"):
            problems.append("technology_profiles.json: previous_snapshot_date is empty but a previous run exists")
    doc = docs.get("home_highlights.json")
    if doc is not None:
        count = len(doc.get("highlights") or [])
        if count < need + 1:
            problems.append(f"home_highlights.json: {count} highlights, needs >= {need + 1}")
    for name in HISTORY_FILES:
        doc = docs.get(name)
        if doc is None:
            continue
        if not _source_mode_ok(doc):
            problems.append(f"{name}: source_mode is {doc.get('source_mode')!r} (no history for it)")
        if not doc.get("latest_snapshot_date"):
            problems.append(f"{name}: latest_snapshot_date is empty")
        if expect_previous and not doc.get("previous_snapshot_date"):
            problems.append(f"{name}: previous_snapshot_date is empty but a previous run exists")
    doc = docs.get("so_tendencias_history.json")
    if doc is not None:
        if not _source_mode_ok(doc):
            problems.append(f"so_tendencias_history.json: source_mode is {doc.get('source_mode')!r}")
        months = doc.get("months")
        if not (isinstance(months, list) and len(months) >= need):
            problems.append(f"so_tendencias_history.json: months has {len(months or [])} entries, needs >= {need}")
        if not (isinstance(doc.get("series"), list) and doc["series"]):
            problems.append("so_tendencias_history.json: series is empty")
    return problems


def expects_previous(runs: list[dict], record: dict) -> bool:
    """Whether the integrity minima must see a previous snapshot for `record`'s run (V1's "a previous history was
    restored"): some other committed run has an earlier run date. A same-day rerun alone is not a previous week."""
    return any(r["run_id"] != record["run_id"] and r["run_date"] < record["run_date"] for r in runs)


# --------------------------------------------------------------------------- CLI


def committed_snapshots(datos: Path, runs: list[dict] | None = None) -> dict[str, list[history.Snapshot]]:
    """Every bridge dataset's committed snapshots (contracts that exist in this checkout, plus the index's names);
    `runs`: only these committed records (e.g. the history as it stood when one run committed)."""
    names = sorted(set(BRIDGE_DATASETS) | set(load_contracts()))
    runs = history.committed_runs(datos) if runs is None else runs
    return {name: history.snapshots(datos, name, runs) for name in names}


def export(datos: Path, out: Path, mode: str, check: bool) -> list[str]:
    """Build the bridge of `datos`'s last committed run into `out` (13 files + the public run_manifest.json), as one
    switch of the folder. With `check`, the folder's budgets (compact mode) and integrity are checked first and
    nothing is written when they fail. Returns the problems (empty: written)."""
    runs = history.committed_runs(datos)
    if not runs:
        raise PipelineError(f"bridge: {datos} has no committed run: run `make aggregate` (or `make demo`) first")
    record = runs[-1]
    snapshots = committed_snapshots(datos)
    con = duckdb_connect()
    files = build(snapshots, record, mode, con)
    files["run_manifest.json"] = render(public_manifest(record, snapshots, con))
    if check:
        folder = {p.name: p.read_bytes() for p in sorted(Path(out).glob("*")) if p.is_file()} if out.is_dir() else {}
        folder.update(files)
        problems = check_integrity(folder, expects_previous(runs, record))
        if mode == "compact":
            problems += check_budgets(folder)
        if problems:
            return problems
    switch_dir(out, files, record["run_id"])
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the bridge files (created if absent)")
    parser.add_argument("--mode", choices=MODES, default="compact", help="compact (bundled, budgeted) or full")
    parser.add_argument(
        "--check", action="store_true", help="check the resulting folder (24-file policy, minima, budgets) first"
    )
    args = parser.parse_args(argv)
    if not enabled():
        print("bridge: BRIDGE_EXPORT=0, export off: nothing written (the CSVs are published as usual)")
        return 0
    datos = settings().datos
    with data_lock(datos, "bridge export"):
        problems = export(datos, args.out, args.mode, args.check)
    if problems:
        for problem in problems:
            print(f"bridge: {problem}", file=sys.stderr)
        print(f"bridge: {len(problems)} problem(s): nothing written to {args.out}", file=sys.stderr)
        return 1
    print(f"bridge: wrote {len(BRIDGE_FILES)} bridge files and run_manifest.json ({args.mode}) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

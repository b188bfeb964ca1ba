"""The trend documents: history_index.json, trend_score_history.json, technology_profiles.json."""

from __future__ import annotations

from bridge_core import SCORE_COLUMNS, SOURCE_NAMES, Dataset, History, by_snapshot, num, read_dataset, rnd
from lib import SOURCES


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


def trend_rows(h: History) -> tuple[Dataset, dict[int, list[dict]], dict]:
    """The trend_score dataset, its prepared rows (sql/bridge_trend.sql) by snapshot, and their deltas by
    (snap_index, slug)."""
    ds = read_dataset(h, "trend_score", "trend", order="snap_index, ranking, tecnologia")
    deltas = {}
    if ds.meta:
        deltas = h.deltas(
            "select snap_index, slug as item_key, trend_score, ranking::double as ranking, github_score, so_score, "
            "reddit_score from bridge_trend"
        )
    return ds, by_snapshot(ds.rows), deltas


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


def trend_score_history(ds: Dataset, rows: dict[int, list[dict]], deltas: dict, generated: str) -> dict:
    snapshots = []
    for i, m in enumerate(ds.meta):
        snap_rows = rows.get(i, [])
        snapshots.append(
            {
                **m,
                "top_10": [trend_with_deltas(r, deltas.get((i, r["slug"]), {})) for r in snap_rows[:10]],
            }
        )
    series: dict[str, dict] = {}
    for i in range(len(ds.meta)):
        for r in rows.get(i, []):
            s = series.setdefault(r["slug"], {"tecnologia": r["tecnologia"], "slug": r["slug"], "points": []})
            s["tecnologia"] = r["tecnologia"]
            s["points"].append({"date": ds.meta[i]["date"], **trend_point(r)})
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


def technology_profiles(ds: Dataset, rows: dict[int, list[dict]], deltas: dict, generated: str) -> dict:
    if not ds.meta:
        return {
            "generated_at_utc": generated,
            "dataset": "technology_profiles",
            "source_mode": "missing",
            "latest_snapshot_date": None,
            "previous_snapshot_date": None,
            "profile_count": 0,
            "profiles": [],
        }
    by_slug = [{r["slug"]: r for r in rows.get(i, [])} for i in range(len(ds.meta))]
    profiles = []
    for row in sorted(rows.get(ds.last, []), key=lambda r: (r["ranking"], r["tecnologia"])):
        d = deltas.get((ds.last, row["slug"]), {})
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
        for i, m in enumerate(ds.meta):
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
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
        "profile_count": len(profiles),
        "profiles": profiles,
    }

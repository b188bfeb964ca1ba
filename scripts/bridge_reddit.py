"""The Reddit documents: reddit_sentimiento_public.json, reddit_temas_history.json,
reddit_interseccion_history.json."""

from __future__ import annotations

from bridge_core import (
    Desc,
    History,
    by_snapshot,
    num,
    pick,
    read_dataset,
    rnd,
    source_updated,
)


def reddit_sentimiento_public(h: History, record: dict, generated: str) -> dict:
    name = "reddit_sentimiento"
    ds = read_dataset(h, name, "sentimiento")
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
        for r in ds.rows
    ]
    return {
        "generated_at_utc": generated,
        "dataset": "reddit_sentimiento_frameworks",
        "source_mode": "latest" if frameworks else "missing",
        "source_path": ds.meta[-1]["path"] if ds.meta else None,
        "source_updated_at_utc": source_updated(h, name, record),
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
    ds = read_dataset(h, name, "temas", rows="none")
    deltas = {}
    if ds.meta:
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

    def topic(x: dict | None) -> dict | None:
        keys = ("tema", "menciones", "menciones_previas", "delta_menciones", "growth_pct", "trend_direction")
        return {k: x[k] for k in keys} if x else None

    latest = [topic(x) for x in per_snap.get(ds.last, [])]
    compared = [x for x in latest if (x["menciones_previas"] or 0) > 0]
    series: dict[str, dict] = {}
    for i, m in enumerate(ds.meta):
        for x in per_snap.get(i, []):
            series.setdefault(x["tema"], {"tema": x["tema"], "points": []})["points"].append(
                {"date": m["date"], "menciones": x["menciones"], "participacion_pct": x["participacion_pct"]}
            )
    return {
        "generated_at_utc": generated,
        "dataset": "reddit_temas_emergentes",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
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
            for i, m in enumerate(ds.meta)
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
    ds = read_dataset(h, name, "interseccion")
    deltas = {}
    if ds.rows:
        deltas = h.deltas(
            "select snap_index, lower(tecnologia) as item_key, ranking_github::double as ranking_github, "
            "ranking_reddit::double as ranking_reddit, brecha_abs::double as brecha_abs from bridge_interseccion"
        )
    snaps = by_snapshot(ds.rows)
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

    latest = per_snap.get(ds.last, [])
    comparable_count, coverage_pct = coverage(latest)
    comparable = [x for x in latest if x["brecha_abs"] is not None]
    largest = pick(comparable, lambda x: (-x["brecha_abs"], Desc(x["tecnologia"])))
    return {
        "generated_at_utc": generated,
        "dataset": "interseccion_github_reddit",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
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
            for i, m in enumerate(ds.meta)
        ],
    }

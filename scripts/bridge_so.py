"""The Stack Overflow documents: so_volumen_history.json, so_aceptacion_history.json, so_tendencias_history.json."""

from __future__ import annotations

from bridge_core import (
    Desc,
    History,
    by_snapshot,
    direction,
    num,
    pick,
    read_dataset,
    rnd,
)

SO_TAG_KEY = "case lower(trim(lenguaje)) when 'csharp' then 'c#' when 'cpp' then 'c++' else lower(trim(lenguaje)) end"


def so_volumen_history(h: History, generated: str) -> dict:
    name = "so_volumen"
    ds = read_dataset(h, name, "volumen", rows="none")
    deltas = {}
    if ds.meta:
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
    latest = per_snap.get(ds.last, [])
    compared = [x for x in latest if x["preguntas_prev"] > 0]
    return {
        "generated_at_utc": generated,
        "dataset": "so_volumen_preguntas",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
        "has_historical_comparison": ds.previous_date is not None,
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
            for i, m in enumerate(ds.meta)
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
    ds = read_dataset(h, name, "aceptacion")
    deltas = {}
    if ds.rows:
        deltas = h.deltas(
            "select snap_index, lower(tecnologia) as item_key, total_preguntas::double as total_preguntas, "
            "respuestas_aceptadas::double as respuestas_aceptadas, tasa_aceptacion_pct from bridge_aceptacion"
        )
    snaps = by_snapshot(ds.rows)
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
    latest = per_snap.get(ds.last, [])
    compared = [x for x in latest if x["total_preguntas_prev"] > 0]
    return {
        "generated_at_utc": generated,
        "dataset": "so_tasa_aceptacion",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
        "has_historical_comparison": ds.previous_date is not None,
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
            for i, m in enumerate(ds.meta)
        ],
    }


def so_tendencias_history(h: History, generated: str) -> dict:
    name = "so_tendencias"
    ds = read_dataset(h, name, "tendencias")
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
        for r in ds.rows
    ]
    months = list(ds.rows[0]["months"]) if ds.rows else []

    def short(item: dict | None) -> dict | None:
        return {k: v for k, v in item.items() if k != "points"} if item else None

    return {
        "generated_at_utc": generated,
        "dataset": "so_tendencias_mensuales",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
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

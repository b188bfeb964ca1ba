"""home_highlights.json: the three highlights of the home page, chosen from the other bridge documents' summaries
(the V1 ranking formulas, docs/bridge.md)."""

from __future__ import annotations

from bridge_core import rnd

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


def entity_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _n(value: object, missing: float = 0.0) -> float:
    return missing if value is None else float(value)


# The ranking score of a candidate highlight, by (dashboard, graph): score(payload, summary) (the V1 formulas,
# docs/bridge.md)
SCORES = {
    ("github", 1): lambda p, s: (
        _n(p.get("share_pct")) * 4 + min(_n(p.get("repos_count")) / 5, 80) + max(_n(s.get("leader_gap_repos")), 0) / 10
    ),
    ("github", 2): lambda p, s: (
        _n(s.get("leader_share_pct")) * 4
        + min(_n(p.get("commits_2025")) / 100, 80)
        + max(_n(s.get("leader_gap_commits")), 0) / 20
    ),
    ("github", 3): lambda p, s: max(_n(p.get("outlier_score")), 0) * 8 + _n(p.get("contributors_per_1k_stars")) / 2,
    ("reddit", 1): lambda p, s: _n(p.get("porcentaje_positivo")) * min(_n(p.get("total_menciones")), 25) / 25,
    ("reddit", 2): lambda p, s: _n(p.get("menciones")) + max(_n(p.get("delta_menciones")), 0) * 3,
    ("reddit", 3): lambda p, s: (
        max(0.0, 100 - _n(p.get("brecha_abs"), 999) * 15) + max(0.0, 30 - _n(p.get("promedio_rank"), 999) * 3)
    ),
    ("stackoverflow", 1): lambda p, s: _n(p.get("share_pct")) * 4 + min(_n(p.get("preguntas")) / 100, 120),
    ("stackoverflow", 2): lambda p, s: _n(p.get("confidence_score")) * 300 + min(_n(p.get("total_preguntas")) / 50, 60),
    ("stackoverflow", 3): lambda p, s: abs(min(_n(p.get("pct_delta")), 0)),
}


def highlight_score(dashboard: str, graph: int, payload: dict, summary: dict) -> float:
    """The ranking score of a candidate highlight (SCORES)."""
    return SCORES[(dashboard, graph)](payload, summary)


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

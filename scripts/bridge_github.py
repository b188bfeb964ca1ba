"""The GitHub documents: github_lenguajes_public.json, github_frameworks_history.json,
github_correlacion_history.json."""

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
    source_updated,
)


def github_lenguajes_public(h: History, record: dict, generated: str) -> dict:
    ds = read_dataset(h, "github_lenguajes", "lenguajes")
    languages = [
        {"lenguaje": r["lenguaje"], "repos_count": int(r["repos_count"]), "share_pct": rnd(r["share_pct"], 2)}
        for r in ds.rows
    ]
    leader = languages[0] if languages else None
    runner = languages[1] if len(languages) > 1 else None
    return {
        "generated_at_utc": generated,
        "dataset": "github_lenguajes",
        "source_mode": "latest" if languages else "missing",
        "source_path": ds.meta[-1]["path"] if ds.meta else None,
        "source_updated_at_utc": source_updated(h, ds.name, record),
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
    ds = read_dataset(h, name, "frameworks", rows="view")
    deltas: dict = {}
    if ds.meta:
        metrics = ", ".join(f"{m}::double as {m}" for m in ("commits_2025", *FRAMEWORK_METRICS))
        deltas = h.deltas(f"select snap_index, lower(trim(framework)) as item_key, {metrics} from frameworks_rows")
    snaps = by_snapshot(ds.rows)
    latest = []
    for r in snaps.get(ds.last, []):
        item = _framework_csv_item(r)
        d = deltas.get((ds.last, item["framework"].lower()), {})
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
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "snapshot_date": ds.latest_date,
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
        "item_count": len(latest),
        "has_historical_comparison": ds.previous_date is not None,
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
            for i, m in enumerate(ds.meta)
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
    ds = read_dataset(h, name, "correlacion")
    snaps = by_snapshot(ds.rows)
    items_by = {i: [_correlation_item(r, m["date"]) for r in snaps.get(i, [])] for i, m in enumerate(ds.meta)}
    corr_by = {i: (rnd(rows[0]["correlation_value"], 4) if rows else None) for i, rows in snaps.items()}
    latest = items_by.get(ds.last, [])

    def short(item: dict | None) -> dict | None:
        return {k: item[k] for k in CORRELATION_SUMMARY_KEYS} if item else None

    return {
        "generated_at_utc": generated,
        "dataset": "github_correlacion",
        "source_mode": ds.mode,
        "snapshot_count": len(ds.meta),
        "latest_snapshot_date": ds.latest_date,
        "previous_snapshot_date": ds.previous_date,
        "item_count": len(latest),
        "has_historical_comparison": ds.previous_date is not None,
        "summary": {
            "correlation_value": corr_by.get(ds.last),
            "top_stars_repo": short(pick(latest, lambda x: (-x["stars"], Desc(x["repo_name"])))),
            "top_contributors_repo": short(pick(latest, lambda x: (-x["contributors"], Desc(x["repo_name"])))),
            "top_engagement_repo": short(pick(latest, lambda x: (-x["engagement_ratio"], Desc(x["repo_name"])))),
            "positive_outlier_repo": short(pick(latest, lambda x: (-x["outlier_score"], Desc(x["repo_name"])))),
            "negative_outlier_repo": short(pick(latest, lambda x: (x["outlier_score"], x["repo_name"]))),
            "item_count": len(latest),
            "latest_snapshot_date": ds.latest_date,
            "previous_snapshot_date": ds.previous_date,
        },
        "latest_items": latest,
        "snapshots": [
            {**m, "item_count": len(items_by[i]), "correlation_value": corr_by.get(i), "items": items_by[i]}
            for i, m in enumerate(ds.meta)
        ],
    }

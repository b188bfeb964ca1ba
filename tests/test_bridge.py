"""The bridge export on a small 3-week history, compared with values computed by hand (docs/bridge.md).

Weeks 2030-01-07, 01-14 and 01-21. Week 2 is degraded (Reddit unavailable: no Reddit snapshot that week, Reddit
scores 0). Go leaves the trend ranking in week 3, Rust enters it; python and go tie in Stack Overflow volume.
Over 400 lines on purpose: the hand-computed expectations of all 13 bridge files on that one shared history.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import bridge
from dev.bench_bridge import write_run
from lib.duck import duckdb_connect

W1, W2, W3 = dt.date(2030, 1, 7), dt.date(2030, 1, 14), dt.date(2030, 1, 21)

TREND = {
    W1: [
        (1, "Python", 90.0, 80.0, 40.0, 74.0, 3),
        (2, "Go", 50.0, 20.0, 0.0, 27.0, 2),
        (3, "C#", 8.0, 57.6, 0.0, 23.36, 2),
    ],
    W2: [
        (1, "Python", 92.0, 78.0, 0.0, 64.1, 2),
        (2, "C#", 10.0, 55.0, 0.0, 23.25, 2),
        (3, "Go", 20.0, 20.0, 0.0, 15.0, 2),
    ],
    W3: [
        (1, "Python", 92.0, 78.0, 44.0, 75.1, 3),
        (2, "Rust", 30.0, 20.0, 60.0, 34.0, 3),
        (3, "C#", 10.0, 60.0, 0.0, 25.0, 2),
    ],
}
VOLUMEN = {
    W1: [("python", 400), ("go", 200)],
    W2: [("python", 450), ("go", 250), ("rust", 50)],
    W3: [("python", 500), ("go", 500), ("csharp", 100)],
}
ACEPTACION = {
    W1: [("astro", 300, 80, 26.67), ("htmx", 100, 30, 30.0)],
    W2: [("astro", 380, 110, 28.95), ("htmx", 190, 50, 26.32)],
    W3: [("astro", 400, 120, 30.0), ("htmx", 200, 50, 25.0)],
}
TENDENCIAS = [("2029-10", 900, 100, 0), ("2029-11", 700, 130, 5), ("2029-12", 450, 90, 5)]
TEMAS = {W1: [("Cloud", 100), ("Testing", 50)], W3: [("Cloud", 120), ("Testing", 40), ("Rust", 10)]}
SENTIMIENTO = [
    ("Express", 40, 24, 8, 8, 60.0, 20.0, 20.0),
    ("FastAPI", 20, 15, 3, 2, 75.0, 15.0, 10.0),
]
LENGUAJES = [("Go", 650, 32.5), ("Python", 800, 40.0)]
COMMITS = {
    W2: [("Solid", "solidjs/solid", 1000, 40, 250, None, 0, None, None, None, None, 1)],
    W3: [("Solid", "solidjs/solid", 1200, 40, 300, 210, 12, None, None, None, None, 1)],
}
CORRELACION = [
    ("acme/rocket", 50000, 400, "Rust"),
    ("acme/comet", 20000, 60, " "),
    ("acme/nova", 10000, 140, "Go"),
]
INTERSECCION = {
    W1: [
        ("Python", "Lenguaje", 1, "2", "1"),
        ("TypeScript", "Lenguaje", 2, "2", "0"),  # a tie on the Reddit side: raised to 3
        ("React", "Framework Frontend", 1, "No encontrado", "-"),
    ],
    W2: [
        ("Python", "Lenguaje", 1, "3", "2"),
        ("TypeScript", "Lenguaje", 2, "1", "1"),
        ("React", "Framework Frontend", 1, "No encontrado", "-"),
    ],
    W3: [
        ("Python", "Lenguaje", 1, "2", "1"),
        ("TypeScript", "Lenguaje", 2, "1", "1"),
        ("React", "Framework Frontend", 1, "No encontrado", "-"),
    ],
}


TOP_10_KEYS = [
    "ranking",
    "tecnologia",
    "slug",
    "github_score",
    "so_score",
    "reddit_score",
    "trend_score",
    "fuentes",
    "available_source_codes",
    "score_prev",
    "delta_score",
    "ranking_prev",
    "delta_ranking",
]


def correlacion_rows(day: dt.date) -> list[tuple]:
    # derived columns deliberately wrong: the bridge recomputes them from stars and contributors
    return [(r, s, c, lang, 9.0, 9.0, 9.0, 9.0, 9.0, "x", day) for r, s, c, lang in CORRELACION]


def week(day: dt.date) -> dict[str, list[tuple]]:
    tables = {
        "trend_score": TREND[day],
        "so_volumen": VOLUMEN[day],
        "so_aceptacion": ACEPTACION[day],
        "so_tendencias": TENDENCIAS,
        "github_lenguajes": LENGUAJES,
        "github_correlacion": correlacion_rows(day),
        "interseccion": INTERSECCION[day],
    }
    if day in COMMITS:
        tables["github_commits"] = COMMITS[day]
    if day in TEMAS:
        tables["reddit_temas"] = TEMAS[day]
        tables["reddit_sentimiento"] = SENTIMIENTO
    return tables


@pytest.fixture(scope="module")
def history3(tmp_path_factory):
    datos = tmp_path_factory.mktemp("bridge3") / "datos"
    con = duckdb_connect()
    records = [
        write_run(con, datos, day, week(day), available=("github", "stackoverflow") if day == W2 else bridge.SOURCES)
        for day in (W1, W2, W3)
    ]
    return datos, records


def export(history3, mode: str) -> dict[str, dict]:
    datos, records = history3
    files = bridge.build(bridge.committed_snapshots(datos), records[-1], mode)
    assert sorted(files) == sorted(bridge.BRIDGE_FILES)
    return {name: json.loads(data) for name, data in files.items()}


@pytest.fixture(scope="module")
def full(history3):
    return export(history3, "full")


@pytest.fixture(scope="module")
def compact(history3):
    return export(history3, "compact")


def test_trend_latest_top_10_with_deltas_new_and_gone(full):
    doc = full["trend_score_history.json"]
    assert doc["snapshot_count"] == 3
    assert [s["date"] for s in doc["snapshots"]] == ["2030-01-07", "2030-01-14", "2030-01-21"]
    latest = doc["snapshots"][-1]
    assert latest["row_count"] == 3 and latest["source_type"] == "history"
    assert latest["path"] == "history/trend_score/year=2030/month=01/day=21/part-0000.parquet"
    python, rust, csharp = latest["top_10"]
    assert python == {
        "ranking": 1,
        "tecnologia": "Python",
        "slug": "python",
        "github_score": 92.0,
        "so_score": 78.0,
        "reddit_score": 44.0,
        "trend_score": 75.1,
        "fuentes": 3,
        "available_source_codes": ["GH", "SO", "RD"],
        "score_prev": 64.1,
        "delta_score": 11.0,
        "ranking_prev": 1,
        "delta_ranking": 0,
    }
    assert list(python) == TOP_10_KEYS  # the contract's key order
    assert (rust["slug"], rust["score_prev"], rust["delta_score"], rust["ranking_prev"], rust["delta_ranking"]) == (
        "rust",
        None,
        None,
        None,
        None,
    )
    assert (csharp["slug"], csharp["score_prev"], csharp["delta_score"]) == ("c-sharp", 23.25, 1.75)
    assert (csharp["ranking_prev"], csharp["delta_ranking"], csharp["available_source_codes"]) == (2, -1, ["GH", "SO"])
    first = doc["snapshots"][0]["top_10"][0]
    assert (first["score_prev"], first["delta_score"], first["ranking_prev"], first["delta_ranking"]) == (None,) * 4
    # series: every technology ever seen, by the ranking of its own last point, then name; Go keeps its old points
    assert [(s["slug"], len(s["points"])) for s in doc["series"]] == [
        ("python", 3),
        ("rust", 1),
        ("c-sharp", 3),
        ("go", 2),
    ]


def test_trend_compact_keeps_two_snapshots_and_filters_series(compact):
    doc = compact["trend_score_history.json"]
    assert list(doc) == ["generated_at_utc", "snapshot_count", "snapshots", "series", "latest_snapshot_date"]
    assert doc["snapshot_count"] == 2 and doc["latest_snapshot_date"] == "2030-01-21"
    assert [s["date"] for s in doc["snapshots"]] == ["2030-01-14", "2030-01-21"]
    # the oldest kept snapshot keeps its deltas against the dropped week 1
    assert doc["snapshots"][0]["top_10"][0]["score_prev"] == 74.0
    assert [(s["slug"], [p["date"] for p in s["points"]]) for s in doc["series"]] == [
        ("python", ["2030-01-14", "2030-01-21"]),
        ("rust", ["2030-01-21"]),
        ("c-sharp", ["2030-01-14", "2030-01-21"]),
        ("go", ["2030-01-14"]),
    ]


def test_technology_profiles(full, compact):
    doc = full["technology_profiles.json"]
    assert (doc["source_mode"], doc["latest_snapshot_date"], doc["previous_snapshot_date"]) == (
        "trend_score_history",
        "2030-01-21",
        "2030-01-14",
    )
    assert [p["slug"] for p in doc["profiles"]] == ["python", "rust", "c-sharp"]  # Go left: no profile
    csharp = doc["profiles"][2]
    assert (csharp["trend_score_actual"], csharp["trend_score_prev"], csharp["delta_score"]) == (25.0, 23.25, 1.75)
    assert (csharp["ranking_actual"], csharp["ranking_prev"], csharp["delta_ranking"]) == (3, 2, -1)
    assert csharp["sources_present"] == ["github", "stackoverflow"]
    assert csharp["stackoverflow_summary"] == {
        "source": "stackoverflow",
        "display_name": "StackOverflow",
        "available": True,
        "score_actual": 60.0,
        "score_prev": 55.0,
        "delta_score": 5.0,
    }
    assert csharp["reddit_summary"]["available"] is False
    assert (csharp["reddit_summary"]["score_prev"], csharp["reddit_summary"]["delta_score"]) == (0.0, 0.0)
    insights = csharp["summary_insights"]
    assert insights["dominant_source"]["source"] == "stackoverflow" and insights["dominant_source"]["score"] == 60.0
    assert insights["coverage"]["label"] == "Señal combinada en GitHub y StackOverflow."
    assert insights["momentum"]["label"] == "C# cae 1 posición(es) frente a la corrida previa."
    rust = doc["profiles"][1]
    assert rust["summary_insights"]["momentum"]["label"] == "Sin corrida previa comparable para medir movimiento."
    assert rust["github_summary"]["score_prev"] is None
    # a snapshot without the technology is still a point, all zeros
    assert rust["source_history"][0] == {
        "date": "2030-01-07",
        "trend_score": 0.0,
        "github_score": 0.0,
        "so_score": 0.0,
        "reddit_score": 0.0,
        "ranking": None,
        "fuentes": 0,
        "available_source_codes": [],
    }
    python = doc["profiles"][0]
    assert python["summary_insights"]["momentum"]["label"] == (
        "Python mantiene posición frente a la corrida previa y gana 11.00 puntos."
    )
    assert [len(p["source_history"]) for p in compact["technology_profiles.json"]["profiles"]] == [2, 2, 2]


def test_so_volumen_ties_new_tag_and_shares(full):
    doc = full["so_volumen_history.json"]
    assert (doc["latest_snapshot_date"], doc["previous_snapshot_date"], doc["has_historical_comparison"]) == (
        "2030-01-21",
        "2030-01-14",
        True,
    )
    go, python, csharp = doc["latest_items"]
    assert go == {
        "lenguaje": "go",
        "preguntas": 500,
        "preguntas_prev": 250,
        "delta_preguntas": 250,
        "growth_pct": 100.0,
        "trend_direction": "creciendo",
        "share_pct": 45.45,
    }
    assert (python["lenguaje"], python["preguntas_prev"], python["growth_pct"]) == ("python", 450, 11.11)
    # a new tag: previous is 0 (not null), the delta is the whole count, growth 0.0
    assert (csharp["lenguaje"], csharp["preguntas_prev"], csharp["delta_preguntas"], csharp["growth_pct"]) == (
        "c#",
        0,
        100,
        0.0,
    )
    assert doc["summary"]["leader"]["lenguaje"] == "python"  # tie at 500: the alphabetically greater tag
    assert doc["summary"]["highest_growth"]["lenguaje"] == "go"
    assert doc["summary"]["largest_drop"] is None
    assert doc["summary"]["total_questions"] == 1100
    first = doc["snapshots"][0]
    assert first["items"] == [
        {"lenguaje": "python", "preguntas": 400, "share_pct": 66.67},
        {"lenguaje": "go", "preguntas": 200, "share_pct": 33.33},
    ]


def test_so_aceptacion_wilson_ranks_and_deltas(full):
    doc = full["so_aceptacion_history.json"]
    astro, htmx = doc["latest_items"]
    assert astro == {
        "tecnologia": "astro",
        "total_preguntas": 400,
        "respuestas_aceptadas": 120,
        "tasa_aceptacion_pct": 30.0,
        "total_preguntas_prev": 380,
        "respuestas_aceptadas_prev": 110,
        "tasa_aceptacion_prev_pct": 28.95,
        "delta_tasa_pct": 1.05,
        "delta_preguntas": 20,
        "sample_bucket": "media",
        "confidence_score": 0.257167,
        "raw_rank": 1,
        "confidence_rank": 1,
    }
    assert (htmx["delta_tasa_pct"], htmx["confidence_score"], htmx["sample_bucket"]) == (-1.32, 0.195081, "baja")
    summary = doc["summary"]
    assert list(summary) == ["raw_leader", "confidence_leader", "highest_improvement", "largest_drop", "largest_sample"]
    assert summary["highest_improvement"]["tecnologia"] == "astro"
    assert summary["largest_drop"]["tecnologia"] == "htmx"


def test_so_tendencias_series(full, compact):
    doc = full["so_tendencias_history.json"]
    assert doc["months"] == ["2029-10", "2029-11", "2029-12"]
    assert "latest_snapshot_date" not in doc and "snapshots" not in doc
    python, javascript, typescript = doc["series"]
    assert python == {
        "tecnologia": "Python",
        "points": [900, 700, 450],
        "start_value": 900,
        "end_value": 450,
        "abs_delta": -450,
        "pct_delta": -50.0,
        "retention_pct": 50.0,
        "peak_month": "2029-10",
        "peak_value": 900,
        "latest_rank": 1,
    }
    assert (javascript["tecnologia"], javascript["retention_pct"], javascript["peak_month"]) == (
        "JavaScript",
        90.0,
        "2029-11",
    )
    assert (typescript["pct_delta"], typescript["retention_pct"], typescript["peak_month"]) == (0.0, 0.0, "2029-11")
    assert doc["summary"]["best_retention"]["tecnologia"] == "JavaScript"
    assert doc["summary"]["largest_relative_drop"]["tecnologia"] == "Python"
    assert "points" not in doc["summary"]["current_leader"]
    assert full["so_tendencias_history.json"]["snapshot_count"] == 3
    assert compact["so_tendencias_history.json"]["snapshot_count"] == 2
    assert len(compact["so_tendencias_history.json"]["series"][0]["points"]) == 3  # never cut in compact mode


def test_reddit_temas_after_a_degraded_week(full):
    doc = full["reddit_temas_history.json"]
    # week 2 published no Reddit snapshot: week 3 compares with week 1
    assert (doc["snapshot_count"], doc["previous_snapshot_date"]) == (2, "2030-01-07")
    assert doc["latest_topics"] == [
        {"tema": "Cloud", "menciones": 120, "menciones_previas": 100, "delta_menciones": 20, "growth_pct": 20.0,
         "trend_direction": "creciendo"},
        {"tema": "Testing", "menciones": 40, "menciones_previas": 50, "delta_menciones": -10, "growth_pct": -20.0,
         "trend_direction": "cayendo"},
        {"tema": "Rust", "menciones": 10, "menciones_previas": None, "delta_menciones": None, "growth_pct": None,
         "trend_direction": None},
    ]  # fmt: skip
    assert doc["summary"]["leader_topic"]["tema"] == "Cloud"
    assert doc["summary"]["largest_drop_topic"]["tema"] == "Testing"
    assert doc["snapshots"][-1]["top_topics"][0] == {"tema": "Cloud", "menciones": 120, "participacion_pct": 70.59}
    assert [s["tema"] for s in doc["series"]] == ["Cloud", "Testing", "Rust"]


def test_reddit_interseccion(full):
    doc = full["reddit_interseccion_history.json"]
    assert (doc["coverage_pct"], doc["comparable_count"], doc["item_count"]) == (66.67, 2, 3)
    python, typescript, react = doc["latest_items"]
    assert python == {
        "tecnologia": "Python",
        "tipo": "Lenguaje",
        "ranking_github": 1,
        "ranking_reddit": 2,
        "brecha_abs": 1,
        "promedio_rank": 1.5,
        "direccion": "github_favorece",
        "rank_github_prev": 1,
        "rank_reddit_prev": 3,
        "delta_gap": -1,
        "trend_direction": "disminuyendo",
    }
    assert (typescript["direccion"], typescript["delta_gap"], typescript["trend_direction"]) == (
        "reddit_favorece",
        0,
        "estable",
    )
    assert (react["ranking_reddit"], react["brecha_abs"], react["direccion"], react["delta_gap"]) == (
        None,
        None,
        "incompleto",
        None,
    )
    summary = doc["summary"]
    assert summary["closest_alignment"]["tecnologia"] == "Python"
    assert summary["largest_gap_item"]["tecnologia"] == "TypeScript"  # tie at 1: the greater name
    assert len(summary["closest_alignment"]) == 9
    # week 1: the Reddit tie (2, 2) among comparable items becomes (2, 3)
    first = {x["tecnologia"]: x for x in doc["snapshots"][0]["items"]}
    assert (first["TypeScript"]["ranking_reddit"], first["TypeScript"]["brecha_abs"]) == (3, 1)


def test_github_correlacion_recomputed(full):
    doc = full["github_correlacion_history.json"]
    assert doc["summary"]["correlation_value"] == 0.8918
    rocket, comet, nova = doc["latest_items"]
    assert rocket == {
        "repo_name": "acme/rocket",
        "stars": 50000,
        "contributors": 400,
        "language": "Rust",
        "engagement_ratio": 0.008,
        "contributors_per_1k_stars": 8.0,
        "expected_contributors": 377.692,
        "contributors_delta_vs_trend": 22.308,
        "outlier_score": 0.339683,
        "trend_bucket": "near_trend",
        "snapshot_date_utc": "2030-01-21",
    }
    assert (comet["language"], comet["outlier_score"], comet["trend_bucket"]) == (
        "Sin especificar",
        -1.358732,
        "below_trend",
    )
    assert (nova["expected_contributors"], nova["trend_bucket"]) == (73.077, "above_trend")
    assert doc["summary"]["positive_outlier_repo"]["repo_name"] == "acme/nova"
    assert doc["summary"]["negative_outlier_repo"]["repo_name"] == "acme/comet"
    assert len(doc["summary"]["top_stars_repo"]) == 8


def test_github_frameworks_and_lenguajes(full):
    doc = full["github_frameworks_history.json"]
    (solid,) = doc["latest_frameworks"]
    assert (solid["commits_prev"], solid["delta_commits"], solid["growth_pct"], solid["trend_direction"]) == (
        1000,
        200,
        20.0,
        "creciendo",
    )
    assert (solid["closed_issues_prev"], solid["delta_closed_issues"], solid["growth_closed_issues_pct"]) == (None,) * 3
    assert (solid["releases_count_prev"], solid["delta_releases_count"], solid["growth_releases_count_pct"]) == (
        0,
        12,
        None,
    )
    assert doc["summary"]["leader_share_pct"] == 100.0 and doc["summary"]["runner_up"] is None
    assert doc["series"] == [] and doc["snapshots"][0]["items"][0]["commits_prev"] is None
    assert doc["snapshot_count"] == 2  # no github_commits snapshot in week 1
    lang = full["github_lenguajes_public.json"]
    assert lang["summary"] == {
        "leader": {"lenguaje": "Python", "repos_count": 800, "share_pct": 40.0},
        "runner_up": {"lenguaje": "Go", "repos_count": 650, "share_pct": 32.5},
        "language_count": 2,
        "total_classifiable_repos": 1450,
        "leader_gap_repos": 150,
        "leader_gap_share_pct": 7.5,
    }


def test_reddit_sentimiento_public(full):
    doc = full["reddit_sentimiento_public.json"]
    assert [f["framework"] for f in doc["frameworks"]] == ["FastAPI", "Express"]
    assert doc["summary"]["largest_sample"]["framework"] == "Express"
    assert doc["summary"]["total_menciones"] == 60


def test_home_highlights_scores_and_selection(full):
    doc = full["home_highlights.json"]
    assert doc["candidate_count"] == 9
    assert list(doc["dashboard_signals"]) == ["github", "reddit", "stackoverflow"]
    got = [(h["dashboard"], h["graph"], h["entity"], h["entity_key"], h["score"]) for h in doc["highlights"]]
    # Solid 100*4 + 12 = 412; Python 160 + 80 + 15 = 255; stackoverflow's python (186.8) repeats the entity
    # key "python" and is skipped; Cloud 120 + 20*3 = 180
    assert got == [
        ("github", 2, "Solid", "solid", 412.0),
        ("github", 1, "Python", "python", 255.0),
        ("reddit", 2, "Cloud", "cloud", 180.0),
    ]
    assert doc["dashboard_signals"]["stackoverflow"]["graph_1"]["summary"]["total_questions"] == 1100


def test_history_index(full, compact):
    doc = full["history_index.json"]
    names = [d["dataset"] for d in doc["datasets"]]
    assert names == sorted(names) and doc["dataset_count"] == len(names)
    temas = next(d for d in doc["datasets"] if d["dataset"] == "reddit_temas")
    assert [s["date"] for s in temas["snapshots"]] == ["2030-01-07", "2030-01-21"]
    assert temas["latest_path"] == "latest/reddit_temas_emergentes.csv" and temas["latest_row_count"] == 3
    small = next(d for d in compact["history_index.json"]["datasets"] if d["dataset"] == "trend_score")
    assert (small["history_snapshot_count"], small["latest_snapshot_date"]) == (2, "2030-01-21")


def test_deterministic_bytes(history3):
    datos, records = history3
    snaps = bridge.committed_snapshots(datos)
    assert bridge.build(snaps, records[-1], "compact") == bridge.build(snaps, records[-1], "compact")


def test_integers_are_integers(full):
    def walk(obj, path):
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{path}/{k}")
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, f"{path}/{i}")
        elif isinstance(obj, float):
            name = path.rsplit("/", 1)[-1]
            if name != "promedio_rank":
                assert not name.endswith(("_count", "ranking", "_rank", "preguntas", "menciones")), path

    for name, doc in full.items():
        walk(doc, name)
    text = bridge.render(full["trend_score_history.json"])
    assert b'"ranking": 1,' in text and b"NaN" not in text


TOP_LEVEL_KEYS = {
    "history_index.json": ["generated_at_utc", "dataset_count", "datasets"],
    "trend_score_history.json": ["generated_at_utc", "snapshot_count", "snapshots", "series"],
    "technology_profiles.json": [
        "generated_at_utc", "dataset", "source_mode", "latest_snapshot_date", "previous_snapshot_date",
        "profile_count", "profiles",
    ],
    "home_highlights.json": [
        "generated_at_utc", "dataset", "source_mode", "candidate_count", "dashboard_signals", "highlights",
    ],
    "github_lenguajes_public.json": [
        "generated_at_utc", "dataset", "source_mode", "source_path", "source_updated_at_utc", "language_count",
        "languages", "summary",
    ],
    "github_frameworks_history.json": [
        "generated_at_utc", "dataset", "scope_label", "source_mode", "snapshot_count", "snapshot_date",
        "latest_snapshot_date", "previous_snapshot_date", "item_count", "has_historical_comparison",
        "latest_frameworks", "summary", "snapshots", "series",
    ],
    "github_correlacion_history.json": [
        "generated_at_utc", "dataset", "source_mode", "snapshot_count", "latest_snapshot_date",
        "previous_snapshot_date", "item_count", "has_historical_comparison", "summary", "latest_items", "snapshots",
    ],
    "so_volumen_history.json": [
        "generated_at_utc", "dataset", "source_mode", "snapshot_count", "latest_snapshot_date",
        "previous_snapshot_date", "has_historical_comparison", "item_count", "summary", "latest_items", "snapshots",
    ],
    "so_tendencias_history.json": [
        "generated_at_utc", "dataset", "source_mode", "snapshot_count", "months", "series", "summary",
    ],
    "reddit_sentimiento_public.json": [
        "generated_at_utc", "dataset", "source_mode", "source_path", "source_updated_at_utc", "framework_count",
        "frameworks", "summary",
    ],
    "reddit_temas_history.json": [
        "generated_at_utc", "dataset", "source_mode", "snapshot_count", "latest_snapshot_date",
        "previous_snapshot_date", "topic_count", "summary", "latest_topics", "snapshots", "series",
    ],
    "reddit_interseccion_history.json": [
        "generated_at_utc", "dataset", "source_mode", "snapshot_count", "latest_snapshot_date",
        "previous_snapshot_date", "coverage_pct", "comparable_count", "item_count", "latest_items", "summary",
        "snapshots",
    ],
}  # fmt: skip
TOP_LEVEL_KEYS["so_aceptacion_history.json"] = TOP_LEVEL_KEYS["so_volumen_history.json"]
FRAMEWORK_ITEM_KEYS = [
    "framework", "repo", "ranking", "commits_2025", "active_contributors", "merged_prs", "closed_issues",
    "releases_count", "commits_prev", "delta_commits", "growth_pct", "trend_direction", "active_contributors_prev",
    "delta_active_contributors", "growth_active_contributors_pct", "merged_prs_prev", "delta_merged_prs",
    "growth_merged_prs_pct", "closed_issues_prev", "delta_closed_issues", "growth_closed_issues_pct",
    "releases_count_prev", "delta_releases_count", "growth_releases_count_pct",
]  # fmt: skip
PROFILE_KEYS = [
    "slug", "display_name", "trend_score_actual", "trend_score_prev", "delta_score", "ranking_actual",
    "ranking_prev", "delta_ranking", "sources_present", "github_summary", "stackoverflow_summary",
    "reddit_summary", "source_history", "summary_insights",
]  # fmt: skip


def test_key_order_follows_the_contract(full):
    for name, keys in TOP_LEVEL_KEYS.items():
        assert list(full[name]) == keys, name
    assert list(full["github_frameworks_history.json"]["latest_frameworks"][0]) == FRAMEWORK_ITEM_KEYS
    assert list(full["technology_profiles.json"]["profiles"][0]) == PROFILE_KEYS
    assert list(full["technology_profiles.json"]["profiles"][0]["summary_insights"]) == [
        "dominant_source",
        "coverage",
        "momentum",
    ]
    assert list(full["home_highlights.json"]["highlights"][0]) == [
        "dashboard", "graph", "signal", "source", "entity", "entity_key", "score", "payload",
    ]  # fmt: skip
    assert list(full["home_highlights.json"]["dashboard_signals"]["github"]) == ["graph_1", "graph_2", "graph_3"]
    assert list(full["so_volumen_history.json"]["snapshots"][0]) == [
        "date", "path", "source_type", "row_count", "item_count", "total_questions", "items",
    ]  # fmt: skip
    assert list(full["reddit_interseccion_history.json"]["snapshots"][0]) == [
        "date", "path", "source_type", "row_count", "comparable_count", "coverage_pct", "items",
    ]  # fmt: skip
    assert list(full["github_correlacion_history.json"]["snapshots"][0]) == [
        "date", "path", "source_type", "row_count", "item_count", "correlation_value", "items",
    ]  # fmt: skip


def test_missing_files_keep_the_same_keys(tmp_path):
    datos = tmp_path / "datos"
    record = write_run(duckdb_connect(), datos, W1, {"trend_score": TREND[W1]})
    docs = {n: json.loads(b) for n, b in bridge.build(bridge.committed_snapshots(datos), record, "full").items()}
    for name, keys in TOP_LEVEL_KEYS.items():
        assert list(docs[name]) == keys, name
    assert docs["so_aceptacion_history.json"]["source_mode"] == "missing"
    assert docs["so_aceptacion_history.json"]["summary"]["raw_leader"] is None


def test_compact_recomputes_counters_and_dates(full, compact):
    doc = compact["so_volumen_history.json"]
    assert [s["date"] for s in doc["snapshots"]] == ["2030-01-14", "2030-01-21"]
    assert (doc["snapshot_count"], doc["latest_snapshot_date"], doc["previous_snapshot_date"]) == (
        2,
        "2030-01-21",
        "2030-01-14",
    )
    assert doc["latest_items"] == full["so_volumen_history.json"]["latest_items"]  # kept in full
    temas = compact["reddit_temas_history.json"]
    assert temas["snapshot_count"] == 2 and temas["topic_count"] == 3
    assert [(s["tema"], len(s["points"])) for s in temas["series"]] == [("Cloud", 2), ("Testing", 2), ("Rust", 1)]
    assert compact["github_correlacion_history.json"]["has_historical_comparison"] is True
    assert full["github_correlacion_history.json"]["snapshot_count"] == 3
    assert compact["github_correlacion_history.json"]["snapshot_count"] == 2
    assert compact["home_highlights.json"] == full["home_highlights.json"]

"""Contract V2: every dataset has a valid contract with V1's columns, and schema_hash is canonical."""

from __future__ import annotations

import json
import random

import pytest

from lib import ROOT, PipelineError
from lib.contracts import Column, load_contracts, parse_contract, schema_canonical_form, schema_hash

V1_COLUMNS = {
    "trend_score": ["ranking", "tecnologia", "github_score", "so_score", "reddit_score", "trend_score", "fuentes"],
    "so_volumen": ["lenguaje", "preguntas_nuevas_2025"],
    "so_tendencias": ["mes", "python", "javascript", "typescript"],
    "reddit_temas": ["tema", "menciones"],
    "github_lenguajes": ["lenguaje", "repos_count", "porcentaje"],
    "github_repos": ["repo_name", "language", "stars", "forks", "created_at", "description"],
    "so_aceptacion": ["tecnologia", "total_preguntas", "respuestas_aceptadas", "tasa_aceptacion_pct"],
    "reddit_sentimiento": [
        "framework",
        "total_menciones",
        "positivos",
        "neutros",
        "negativos",
        "% positivo",
        "% neutro",
        "% negativo",
    ],
    "github_commits": [
        "framework",
        "repo",
        "commits_2025",
        "active_contributors",
        "merged_prs",
        "closed_issues",
        "releases_count",
        "commits_prev",
        "delta_commits",
        "growth_pct",
        "trend_direction",
        "ranking",
    ],
    "github_correlacion": [
        "repo_name",
        "stars",
        "contributors",
        "language",
        "engagement_ratio",
        "contributors_per_1k_stars",
        "expected_contributors",
        "contributors_delta_vs_trend",
        "outlier_score",
        "trend_bucket",
        "snapshot_date_utc",
    ],
    "interseccion": ["tecnologia", "tipo", "ranking_github", "ranking_reddit", "diferencia"],
}
V1_FILES = {
    "trend_score": "trend_score.csv",
    "so_volumen": "so_volumen_preguntas.csv",
    "so_tendencias": "so_tendencias_mensuales.csv",
    "reddit_temas": "reddit_temas_emergentes.csv",
    "github_lenguajes": "github_lenguajes.csv",
    "github_repos": "github_repos_2025.csv",
    "so_aceptacion": "so_tasa_aceptacion.csv",
    "reddit_sentimiento": "reddit_sentimiento_frameworks.csv",
    "github_commits": "github_commits_frameworks.csv",
    "github_correlacion": "github_correlacion.csv",
    "interseccion": "interseccion_github_reddit.csv",
}


def test_every_dataset_has_a_contract_with_v1_columns_in_order():
    contracts = load_contracts()
    assert set(contracts) == set(V1_COLUMNS)
    for name, contract in contracts.items():
        assert contract.column_names == V1_COLUMNS[name], name
        assert contract.v1_file == V1_FILES[name]
        assert contract.raw["latest_path"] == f"latest/{V1_FILES[name]}"


def test_retention_classes():
    contracts = load_contracts()
    assert contracts["github_repos"].raw["retention_class"] == "heavy"
    assert {c.raw["retention_class"] for n, c in contracts.items() if n != "github_repos"} == {"core"}


def test_history_path_is_zero_padded():
    import datetime as dt

    contract = load_contracts()["trend_score"]
    path = contract.history_path(ROOT / "datos", dt.date(2026, 2, 3))
    assert path.relative_to(ROOT / "datos").as_posix() == (
        "history/trend_score/year=2026/month=02/day=03/part-0000.parquet"
    )


def test_a_contract_that_breaks_the_contract_schema_is_refused():
    doc = json.loads((ROOT / "contracts/datasets/so_volumen.json").read_text())
    doc["columns"][0]["type"] = "varchar"
    with pytest.raises(PipelineError, match=r"columns/0/type"):
        parse_contract(doc, "so_volumen.json")


COLS = [
    Column("lenguaje", "string", True, True, "tag"),
    Column("preguntas_nuevas_2025", "integer", True, True, "count"),
    Column("nota", "string", False, False, "free text"),
]


def test_schema_hash_golden_value():
    # pinned: a change here changes every published manifest's schema_hash
    assert schema_canonical_form(COLS) == (
        '[["lenguaje","string",false],["nota","string",true],["preguntas_nuevas_2025","integer",false]]'
    )
    assert schema_hash(COLS) == "0430adfc842c698f9b77a41015198a40bd9072002c9aa342885fdecc2d2f52b1"


def test_schema_hash_ignores_order_descriptions_and_formatting():
    shuffled = COLS[:]
    random.Random(7).shuffle(shuffled)
    reworded = [Column(c.name, c.type, c.required, c.critical, "other words", unit="u") for c in shuffled]
    assert schema_hash(shuffled) == schema_hash(COLS) == schema_hash(reworded)
    # the same contract file reformatted (indentation, key order) hashes the same
    doc = json.loads((ROOT / "contracts/datasets/trend_score.json").read_text())
    compact = json.loads(json.dumps(doc, separators=(",", ":"), sort_keys=True))
    assert parse_contract(compact, "x").schema_hash == parse_contract(doc, "y").schema_hash


@pytest.mark.parametrize(
    "changed",
    [
        [Column("lengua", "string", True, True, "tag"), *COLS[1:]],  # renamed
        [COLS[0], Column("preguntas_nuevas_2025", "float", True, True, "count"), COLS[2]],  # type
        [Column("lenguaje", "string", True, False, "tag"), *COLS[1:]],  # nullability
        COLS[:2],  # column dropped
    ],
)
def test_schema_hash_changes_with_names_types_and_nullability(changed):
    assert schema_hash(changed) != schema_hash(COLS)

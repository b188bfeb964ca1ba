"""Build a small, valid staged run (the three sources + degradation decision + trend score) under a data folder,
and run pipeline scripts on it as Make does (`python scripts/x.py` with DATOS, RUN_DATE, RUN_ID in the environment):
in this process, or in a process of its own when the run is to be killed at a crash point."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import runpy
import subprocess
import sys
import traceback
from pathlib import Path

from lib import ROOT
from lib.status import write_source_status

RUN_DATE = dt.date(2026, 11, 23)

ROWS = {
    "github": {
        "github_repos_2025.csv": [
            ["repo_name", "language", "stars", "forks", "created_at", "description"],
            ["acme/rocket", "Rust", "9100", "310", "2026-03-02T10:11:12Z", 'Fast, safe "rockets"'],
            ["octo/snake", "Python", "8000", "120", "2025-12-24T08:00:00Z", ""],
            ["web/kit", "TypeScript", "5000", "77", "2026-07-01T00:00:00Z", "UI kit"],
            ["misc/notes", "Sin especificar", "100", "1", "2026-01-05T23:59:59Z", "notes"],
        ],
        "github_lenguajes.csv": [
            ["lenguaje", "repos_count", "porcentaje"],
            ["Rust", "1", "33.33"],
            ["Python", "1", "33.33"],
            ["TypeScript", "1", "33.33"],
        ],
        "github_commits_frameworks.csv": [
            [
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
            ["React", "react/react", "300", "25", "120", "140", "12", "", "", "", "", "1"],
            ["Svelte", "sveltejs/svelte", "150", "12", "", "60", "9", "", "", "", "", "2"],
        ],
        "github_correlacion.csv": [
            [
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
            [
                "acme/rocket",
                "9100",
                "40",
                "Rust",
                "0.004396",
                "4.396",
                "40.0",
                "0.0",
                "0.0",
                "near_trend",
                "2026-11-23",
            ],
        ],
    },
    "stackoverflow": {
        "so_volumen_preguntas.csv": [
            ["lenguaje", "preguntas_nuevas_2025"],
            ["python", "120000"],
            ["javascript", "95000"],
            ["rust", "9000"],
        ],
        "so_tendencias_mensuales.csv": [
            ["mes", "python", "javascript", "typescript"],
            ["2026-09", "10000", "8000", "4000"],
            ["2026-10", "9800", "7900", "4100"],
        ],
        "so_tasa_aceptacion.csv": [
            ["tecnologia", "total_preguntas", "respuestas_aceptadas", "tasa_aceptacion_pct"],
            ["reactjs", "30000", "9000", "30.0"],
            ["svelte", "0", "0", "0.0"],
        ],
    },
    "reddit": {
        "reddit_temas_emergentes.csv": [["tema", "menciones"], ["IA/Machine Learning", "40"], ["Python", "12"]],
        "reddit_sentimiento_frameworks.csv": [
            [
                "framework",
                "total_menciones",
                "positivos",
                "neutros",
                "negativos",
                "% positivo",
                "% neutro",
                "% negativo",
            ],
            ["Django", "4", "2", "1", "1", "50.0", "25.0", "25.0"],
        ],
    },
}

TREND_SCORE = [
    ["ranking", "tecnologia", "github_score", "so_score", "reddit_score", "trend_score", "fuentes"],
    ["1", "Python", "100.0", "100.0", "0.0", "75.0", "2"],
    ["2", "Rust", "100.0", "0.0", "0.0", "40.0", "1"],
    ["3", "AI/ML", "0.0", "0.0", "100.0", "25.0", "1"],
]

INTERSECTION = [
    ["tecnologia", "tipo", "ranking_github", "ranking_reddit", "diferencia"],
    ["Rust", "Lenguaje", "1", "No encontrado", "-"],
    ["Python", "Lenguaje", "2", "2", "0"],
    ["React", "Framework Frontend", "1", "No encontrado", "-"],
]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def stage(datos: Path, statuses: dict[str, str] | None = None, run_date: dt.date = RUN_DATE) -> None:
    """Stage every source (status `ok` unless `statuses` says otherwise) and the aggregate's inputs."""
    statuses = statuses or {}
    for source, files in ROWS.items():
        folder = datos / "staging" / source
        for name, rows in files.items():
            write_csv(folder / name, rows)
        write_source_status(
            folder, source=source, status=statuses.get(source, "ok"), run_date=run_date, files=list(files)
        )
    write_csv(datos / "work" / "trend_score.csv", TREND_SCORE)
    write_csv(datos / "work" / "interseccion_github_reddit.csv", INTERSECTION)
    decide(datos, run_date)


def decide(datos: Path, run_date: dt.date = RUN_DATE) -> dict:
    """The degradation decision for what is staged, as the pipeline makes it."""
    run = run_script("degradation.py", datos, RUN_DATE=run_date.isoformat())
    assert run.returncode == 0, run.stderr
    return json.loads((datos / "work" / "degradation.json").read_text())


def run_script(script: str, datos: Path, *args: str, run_id: str | None = None, **env: str):
    """Run `scripts/<script>` as Make runs it; a CompletedProcess with its exit code, stdout and stderr.

    The script's `__main__` block runs in this process (no interpreter start, no re-import of pandas and DuckDB),
    with exactly the environment and argv a subprocess would get. TRENDS_CRASH_AT kills the process at a crash
    point (lib.files.crash_point), so a run given one gets a process of its own.
    """
    environment = {
        **os.environ,
        "DATOS": str(datos),
        "RUN_DATE": RUN_DATE.isoformat(),
        "AS_OF": f"{env.get('RUN_DATE', RUN_DATE.isoformat())}T06:00:00Z",  # a run on the morning of its date
        **env,
    }
    if run_id:
        environment["RUN_ID"] = run_id
    argv = [str(ROOT / "scripts" / script), *args]
    if "TRENDS_CRASH_AT" in environment:
        return subprocess.run([sys.executable, *argv], env=environment, capture_output=True, text=True)
    return run_in_process(argv, environment)


def run_in_process(argv: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    """`python <argv...>` with `environment`, run here: os.environ, sys.argv and the standard streams are the
    script's while it runs and are restored after; an uncaught exception exits 1 with its traceback, like Python."""
    from lib.log import get_logger

    saved_env, saved_argv = dict(os.environ), sys.argv
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(environment)
    sys.argv = list(argv)
    try:
        get_logger("tests")  # the stderr handler is in place even if a test took it away
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_path(argv[0], run_name="__main__")
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if not isinstance(exc.code, int | None):
                    print(exc.code, file=sys.stderr)
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())

"""Benchmark the aggregate step at scale: N staged GitHub repositories (default 1,000,000). Not a test.

Stages a synthetic run in a temporary data folder (the small datasets as in the demo, github_repos_2025.csv with
N rows, and the steps Make runs before the aggregate step), then times, each in its own process (wall time and
peak RSS from wait4), interleaved:
  floor     one DuckDB pass over the same data: every staged CSV read with its contract types, written once as
            Parquet (COPY … TO)
  quality   `aggregate.py quality` (the gate: its speed is the input-hardening work's)
  commit    `aggregate.py commit` (stage, render, hash, validate, commit)
and prints each against the floor measured in the same run. `make bench` runs it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from dev.bench_lib import Part, part, print_table, process
from lib import ROOT
from lib.cli import run_cli
from lib.csvfmt import write_csv
from lib.duck import duckdb_connect, sql_literal
from lib.files import read_json
from lib.status import write_source_status

RUN_DATE = "2026-11-23"
SMALL = {
    "stackoverflow": {
        "so_volumen_preguntas.csv": [["lenguaje", "preguntas_nuevas_2025"], ["python", 120000], ["rust", 9000]],
        "so_tendencias_mensuales.csv": [["mes", "python", "javascript", "typescript"], ["2026-10", 9800, 7900, 4100]],
        "so_tasa_aceptacion.csv": [
            ["tecnologia", "total_preguntas", "respuestas_aceptadas", "tasa_aceptacion_pct"],
            ["reactjs", 30000, 9000, 30.0],
        ],
    },
    "reddit": {
        "reddit_temas_emergentes.csv": [["tema", "menciones"], ["IA/Machine Learning", 40], ["Python", 12]],
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
            ["Django", 4, 2, 1, 1, 50.0, 25.0, 25.0],
        ],
    },
}
SMALL_GITHUB = {  # the GitHub job's two small activity files, beside the million repositories
    "github_commits_frameworks.csv": [
        ["framework", "repo", "commits_2025", "active_contributors", "merged_prs", "closed_issues", "releases_count",
         "commits_prev", "delta_commits", "growth_pct", "trend_direction", "ranking"],
        ["Next.js", "vercel/next.js", 716, 65, 1099, 833, 48, 703, 13, 1.85, "creciendo", 1],
        ["Angular", "angular/angular", 473, 43, 738, 590, 35, 476, -3, -0.63, "cayendo", 2],
    ],
    "github_correlacion.csv": [
        ["repo_name", "stars", "contributors", "language", "engagement_ratio", "contributors_per_1k_stars",
         "expected_contributors", "contributors_delta_vs_trend", "outlier_score", "trend_bucket", "snapshot_date_utc"],
        ["acme/rocket", 50000, 400, "Rust", 0.008, 8.0, 377.692, 22.308, 0.339683, "near_trend", RUN_DATE],
        ["acme/nova", 10000, 140, "Go", 0.014, 14.0, 73.077, 66.923, 1.019049, "above_trend", RUN_DATE],
    ],
}  # fmt: skip
LANGUAGES = ["Python", "JavaScript", "TypeScript", "Rust", "Go", "Java", "C#", "C++", "PHP", "Ruby", "Kotlin", "Swift"]

FLOOR = """
import sys
sys.path.insert(0, {scripts!r})
from pathlib import Path
import aggregate, staged
from lib.contracts import load_contracts
from lib.duck import duckdb_connect, sql_literal
from lib.settings import settings
cfg = settings()
con = duckdb_connect()
contracts = load_contracts()
inputs = aggregate.dataset_inputs(contracts, cfg.datos / "staging", cfg.datos / "work")
for name, path in inputs.items():
    staged.read_typed_csv(con, path, contracts[name]).create("t")
    con.execute(f"copy t to {{sql_literal(str(cfg.datos / 'floor' / (name + '.parquet')))}} (format parquet)")
    con.execute("drop table t")
"""


def stage(datos: Path, repos: int) -> None:
    github = datos / "staging" / "github"
    github.mkdir(parents=True)
    con = duckdb_connect()
    languages = "[" + ", ".join(sql_literal(x) for x in LANGUAGES) + "]"
    con.execute(
        f"copy (select 'owner' || (i % 9973) || '/repo-' || i as repo_name, "
        f"{languages}[1 + (i % {len(LANGUAGES)})] as language, (i * 7919) % 100000 as stars, (i * 31) % 5000 as forks, "
        "strftime(timestamp '2025-11-24 00:00:00' + to_seconds(i * 29), '%Y-%m-%dT%H:%M:%SZ') as created_at, "
        "'a synthetic repository, number ' || i as description "
        f"from range({int(repos)}) t(i)) to {sql_literal(str(github / 'github_repos_2025.csv'))} (header)"
    )
    counts = con.sql(
        f"select language, count(*) from read_csv({sql_literal(str(github / 'github_repos_2025.csv'))}) group by 1"
    ).fetchall()
    write_csv(
        github / "github_lenguajes.csv",
        ["lenguaje", "repos_count", "porcentaje"],
        [[lang, n, round(100 * n / repos, 2)] for lang, n in sorted(counts)],
    )
    for name, rows in SMALL_GITHUB.items():
        write_csv(github / name, rows[0], rows[1:])
    write_source_status(
        github,
        source="github",
        status="ok",
        run_date=_date(),
        files=["github_repos_2025.csv", "github_lenguajes.csv", *SMALL_GITHUB],
    )
    for source, files in SMALL.items():
        folder = datos / "staging" / source
        for name, rows in files.items():
            write_csv(folder / name, rows[0], rows[1:])
        write_source_status(folder, source=source, status="ok", run_date=_date(), files=list(files))
    (datos / "floor").mkdir()


def _date():
    import datetime as dt

    return dt.date.fromisoformat(RUN_DATE)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=1_000_000, help="staged GitHub repositories")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and each step (medians shown)")
    return parser


def run(args: argparse.Namespace) -> list[Part]:
    """Stage, measure, print the detail lines; the parts for the summary table."""
    with tempfile.TemporaryDirectory(prefix="bench_aggregate_") as tmp:
        datos = Path(tmp) / "datos"
        env = {**os.environ, "DATOS": str(datos), "RUN_DATE": RUN_DATE, "AS_OF": f"{RUN_DATE}T06:00:00Z"}
        stage(datos, args.repos)
        py, scripts = sys.executable, ROOT / "scripts"
        work = datos / "work"
        steps = (  # what Make runs before the aggregate step
            ["degradation.py", "--output", str(work / "degradation.json")],
            ["trend_engine.py", "--staging", str(datos / "staging"), "--degradation", str(work / "degradation.json"),
             "--output", str(work / "trend_score.csv")],
            ["intersection.py", "--output", str(work / "interseccion_github_reddit.csv")],
        )  # fmt: skip
        for step in steps:
            process([py, str(scripts / step[0]), *step[1:]], {**env, "RUN_ID": run_id(0)})
        runs: dict[str, list[tuple[float, float, str]]] = {"floor": [], "quality": [], "commit": []}
        for i in range(args.repeat):  # interleaved, so a change of the machine's load hits all alike
            run_env = {**env, "RUN_ID": run_id(i + 1)}
            runs["floor"].append(process([py, "-c", FLOOR.format(scripts=str(scripts))], run_env))
            runs["quality"].append(process([py, str(scripts / "aggregate.py"), "quality"], run_env))
            runs["commit"].append(process([py, str(scripts / "aggregate.py"), "commit"], run_env))
        record = read_json(datos / "metadata" / "runs" / f"{run_id(1)}.json", "run record")
    slowest = sorted(record["durations_seconds"].items(), key=lambda kv: -kv[1])[:6]
    print("aggregate: commit's slowest steps (its run record): " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest))
    floors = [r[0] for r in runs["floor"]]
    label = f"{args.repos:,} staged repos"
    parts = [part(f"aggregate.py {step}, {label}", floors, [r[0] for r in runs[step]], (r[1] for r in runs[step]))
             for step in ("quality", "commit")]  # fmt: skip
    both = [q[0] + c[0] for q, c in zip(runs["quality"], runs["commit"], strict=True)]
    peaks = (r[1] for step in ("quality", "commit") for r in runs[step])
    return [*parts, part(f"make aggregate (quality + commit), {label}", floors, both, peaks)]


def run_id(i: int) -> str:
    return f"bbbbbbbb-0000-4000-8000-{i:012d}"


def main(argv: list[str] | None = None) -> int:
    print_table(run(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

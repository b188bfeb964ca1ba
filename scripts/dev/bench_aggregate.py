"""Benchmark the aggregate step at scale: N staged GitHub repositories (default 1,000,000). Not a test.

Stages a synthetic run in a temporary data folder (the small datasets as in the demo, github_repos_2025.csv with
N rows), then times, each in its own process (wall time and peak RSS from wait4):
  floor     one DuckDB pass over the same data: every staged CSV read with its contract types, written once as
            Parquet (COPY … TO)
  quality   `aggregate.py quality` (the gate: its speed is the input-hardening work's)
  commit    `aggregate.py commit` (stage, render, hash, validate, commit)
and prints each against the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {code}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, code


def _median(samples: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """The sample of median wall time (its peak RSS with it); the largest peak RSS is reported separately."""
    return sorted(samples)[len(samples) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=1_000_000, help="staged GitHub repositories")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and the commit (medians shown)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        datos = Path(tmp) / "datos"
        env = {
            **os.environ,
            "DATOS": str(datos),
            "RUN_DATE": RUN_DATE,
            "RUN_ID": "bbbbbbbb-0000-4000-8000-000000000001",
            "AS_OF": f"{RUN_DATE}T06:00:00Z",
        }
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
            subprocess.run([py, str(scripts / step[0]), *step[1:]], env=env, check=True, capture_output=True)
        floors, commits = [], []
        quality = measure([py, str(scripts / "aggregate.py"), "quality"], env)
        for i in range(args.repeat):  # interleaved, so a change of machine load hits both alike
            floors.append(measure([py, "-c", FLOOR.format(scripts=str(scripts))], env))
            run_env = {**env, "RUN_ID": f"bbbbbbbb-0000-4000-8000-{i + 1:012d}"}
            commits.append(measure([py, str(scripts / "aggregate.py"), "commit"], run_env))
        floor, commit = _median(floors), _median(commits)
        ratios = sorted(c[0] / f[0] for c, f in zip(commits, floors, strict=True))
        print(f"aggregate at {args.repos:,} staged repositories (median of {args.repeat}; wall time, peak RSS)")
        print(f"  floor   one DuckDB pass     {floor[0]:7.2f} s  {floor[1]:7.0f} MB")
        for name, (wall, rss, _) in (("quality", quality), ("commit", commit)):
            print(f"  {name:<7} aggregate.py {name:<7}{wall:7.2f} s  {rss:7.0f} MB   {wall / floor[0]:5.2f}x the floor")
        print(
            f"  commit / floor per run: {', '.join(f'{r:.2f}x' for r in ratios)}; "
            f"largest commit peak RSS {max(c[1] for c in commits):.0f} MB"
        )
        record = read_json(datos / "metadata" / "runs" / "bbbbbbbb-0000-4000-8000-000000000001.json", "run record")
        steps = sorted(record["durations_seconds"].items(), key=lambda kv: -kv[1])[:6]
        print("  commit's slowest steps (its record): " + ", ".join(f"{k} {v:.2f} s" for k, v in steps))
        total = quality[0] + commit[0]
        print(f"  make aggregate (quality + commit)  {total:7.2f} s   {total / floor[0]:5.2f}x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

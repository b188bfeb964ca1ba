"""Benchmark the trend engine against its floor on 1,000,000 generated repositories. Not a test.

Generates the three V1 input files into a temporary folder, then runs, each in its own process (libraries imported
before the clock starts; timed from reading the inputs to the written CSV; peak memory from VmHWM), interleaved:
  floor   DuckDB reading the same three CSVs as the engine binds them (`trend_engine.bind_input`) and doing the one
          group-by the score needs (repositories per language), written as a CSV
  v2      the V2 engine (`trend_engine.score`, sql/trend_score.sql)
  v1      the V1 oracle in pandas (`v1_oracle.score`, the TREND_ENGINE=v1 rollback), as context
checks the two engines' outputs are identical, and prints each against the floor. `make bench` runs it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from dev.bench_lib import Part, part, print_table, process, report, timed_child
from lib import PipelineError
from lib.cli import run_cli
from lib.duck import duckdb_connect

REPOS = 1_000_000
ENGINES = ("floor", "v2", "v1")
# language -> relative frequency, roughly the shape of a real week (labels and empty languages included)
LANGUAGES = {
    "Python": 240, "TypeScript": 180, "JavaScript": 95, "": 80, "Go": 50, "Rust": 48, "Jupyter Notebook": 33,
    "C++": 30, "Java": 28, "HTML": 21, "C#": 19, "Shell": 17, "C": 15, "PHP": 11, "Kotlin": 9, "Swift": 8,
    "Vue": 8, "Dart": 7, "Ruby": 6, "Lua": 5, "Zig": 4, "Dockerfile": 4, "CSS": 4, "Objective-C": 3, "AI": 3,
    "Vim Script": 3, "Svelte": 3, "Elixir": 2, "Scala": 2, "F#": 2, "MDX": 2, "Nix": 2, "Haskell": 1, "OCaml": 1,
    "Julia": 1, "Solidity": 1, "R": 1, "Astro": 1, "Makefile": 1, "TeX": 1,
}  # fmt: skip
SO = {"python": 98412, "javascript": 71230, "typescript": 40112, "java": 38760, "go": 9021, "c#": 30544,
      "php": 17873, "c++": 21330, "ruby": 3520, "kotlin": 6120}  # fmt: skip
REDDIT = {"IA/Machine Learning": 187, "Python": 96, "Cloud": 74, "Performance": 51, "DevOps": 44, "Seguridad": 39,
          "TypeScript": 33, "Testing": 27, "Microservicios": 12, "Web3/Blockchain": 9}  # fmt: skip


def generate(folder: Path, repos: int = REPOS) -> None:
    """Write the three V1 input files (github_repos_2025.csv with `repos` rows) into `folder`."""
    con = duckdb_connect()
    pool = [name for name, weight in LANGUAGES.items() for _ in range(weight)]
    con.execute("set variable pool = $1", [pool])
    con.execute("set variable repos = $1", [repos])
    con.sql(
        """
        select
            'owner' || (i % 50000) || '/project-' || i as repo_name,
            getvariable('pool')[(1 + hash(i) % len(getvariable('pool')))::bigint] as language,
            (200000 / (i + 1))::bigint + 10 as stars,
            (20000 / (i + 1))::bigint as forks,
            strftime(timestamp '2025-11-23' + to_seconds((hash(i * 7) % 31536000)::bigint), '%Y-%m-%dT%H:%M:%SZ')
                as created_at,
            left(repeat('A tool, written in a weekend; ', 1 + (i % 4)), 100) as description,
        from range(getvariable('repos')) as t(i)
        order by i
        """
    ).write_csv(str(folder / "github_repos_2025.csv"), header=True)
    (folder / "so_volumen_preguntas.csv").write_text(
        "lenguaje,preguntas_nuevas_2025\n" + "".join(f"{k},{v}\n" for k, v in SO.items()), encoding="utf-8"
    )
    (folder / "reddit_temas_emergentes.csv").write_text(
        "tema,menciones\n" + "".join(f"{k},{v}\n" for k, v in REDDIT.items()), encoding="utf-8"
    )


def run_floor(folder: Path, output: Path) -> float:
    """The floor: the three inputs bound as the engine binds them (same read_csv, every column text), a row count of
    the two small ones and the repositories per language, written out."""
    import duckdb  # noqa: F401  (imported before the clock starts)

    import trend_engine

    start = time.perf_counter()
    con = duckdb_connect()
    for source, name in trend_engine.INPUT_FILES.items():
        trend_engine.bind_input(con, source, folder / name)
    views = {source: view for source, (view, _columns) in trend_engine.INPUT_VIEWS.items()}
    con.sql(f"select count(*) from {views['stackoverflow']}").fetchall()
    con.sql(f"select count(*) from {views['reddit']}").fetchall()
    con.sql(f"select language, count(*) as repos from {views['github']} group by language order by language").write_csv(
        str(output), header=True
    )
    return time.perf_counter() - start


def run_engine(engine: str, folder: Path, output: Path) -> float:
    """Score `folder` with one engine in this process, libraries already imported."""
    if engine == "floor":
        return run_floor(folder, output)
    if engine == "v2":
        import duckdb  # noqa: F401  (imported before the clock starts, as pandas is for V1)

        import trend_engine

        start = time.perf_counter()
        inputs = {s: folder / name for s, name in trend_engine.INPUT_FILES.items()}
        trend_engine.write_csv(trend_engine.score(duckdb_connect(), inputs, trend_engine.DEFAULT_WEIGHTS), output)
    else:
        import pandas as pd  # noqa: F401

        import v1_oracle

        start = time.perf_counter()
        v1_oracle.score(folder).to_csv(output, index=False, lineterminator="\n")
    return time.perf_counter() - start


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=REPOS, help="generated repositories (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and each engine (medians shown)")
    parser.add_argument("--run", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--input-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    return parser


def run(args: argparse.Namespace) -> list[Part]:
    """Generate, measure, print the detail lines; the parts for the summary table."""
    with tempfile.TemporaryDirectory(prefix="bench_trend_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        # generated in a child process, so the measured processes start small
        process([sys.executable, __file__, "--generate", "--repos", str(args.repos), "--input-dir", tmp])
        size_mb = (folder / "github_repos_2025.csv").stat().st_size / 1e6
        print(
            f"trend: generated {args.repos:,} repositories ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        runs: dict[str, list[dict]] = {e: [] for e in ENGINES}
        for _ in range(args.repeat):  # interleaved, so a change of the machine's load hits all alike
            for engine in ENGINES:
                runs[engine].append(timed_child([sys.executable, __file__, "--run", engine, "--input-dir", tmp]))
        identical = (folder / "trend_score_v1.csv").read_bytes() == (folder / "trend_score_v2.csv").read_bytes()
    if not identical:
        raise PipelineError("bench trend: the V1 oracle and the V2 engine wrote different scores: run make equivalence")
    floors = [r["seconds"] for r in runs["floor"]]
    print(
        f"trend: V1 and V2 outputs identical; median of {args.repeat}, floor peak {max(r['peak_mb'] for r in runs['floor']):.0f} MB"
    )
    labels = {"v2": "trend engine V2 (DuckDB)", "v1": "trend engine V1 oracle (pandas)"}
    return [
        part(
            f"{labels[e]}, {args.repos:,} repos",
            floors,
            [r["seconds"] for r in runs[e]],
            (r["peak_mb"] for r in runs[e]),
        )
        for e in ("v2", "v1")
    ]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.generate:
        generate(args.input_dir, args.repos)
        return 0
    if args.run:  # the child process: one engine, one JSON line
        report(run_engine(args.run, args.input_dir, args.input_dir / f"trend_score_{args.run}.csv"))
        return 0
    print_table(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

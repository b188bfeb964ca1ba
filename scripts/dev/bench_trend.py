"""Benchmark the V2 engine (DuckDB) against the V1 oracle (pandas) on 1,000,000 generated repositories.

Generates the three V1 input files into a temporary folder, scores them with each engine in its own subprocess
(so peak memory is that engine's alone), checks both outputs agree, and prints times, their ratio and peak memory.
A make target (`make bench`), not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from lib import PipelineError
from lib.cli import run_cli
from lib.duck import duckdb_connect

REPOS = 1_000_000
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


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not inherit the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_engine(engine: str, folder: Path, output: Path) -> dict:
    """Score `folder` with one engine in this process, libraries already imported; time it from reading the inputs
    to the written CSV."""
    if engine == "v2":
        import duckdb  # noqa: F401  (imported before the clock starts, as pandas is for V1)

        import trend_engine

        start = time.perf_counter()
        inputs = {s: folder / name for s, name in trend_engine.INPUT_FILES.items()}
        trend_engine.write_csv(trend_engine.score(duckdb_connect(), inputs, trend_engine.DEFAULT_WEIGHTS), output)
    else:
        import pandas as pd

        import v1_oracle

        if engine == "v1-object":  # strings as Python objects, the default before pandas 3.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pd.set_option("future.infer_string", False)
        start = time.perf_counter()
        v1_oracle.score(folder).to_csv(output, index=False, lineterminator="\n")
    seconds = time.perf_counter() - start
    return {"engine": engine, "seconds": seconds, "peak_mb": peak_mb()}


def measure(engine: str, folder: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--run", engine, "--input-dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise PipelineError(f"bench: the {engine} run failed: {proc.stderr.strip()[-500:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=REPOS, help="generated repositories (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine; the fastest counts (default 3)")
    parser.add_argument("--run", choices=["v1", "v2", "v1-object"], help=argparse.SUPPRESS)
    parser.add_argument("--input-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        generate(args.input_dir, args.repos)
        return 0
    if args.run:  # the child process: one engine, one JSON line
        print(json.dumps(run_engine(args.run, args.input_dir, args.input_dir / f"trend_score_{args.run}.csv")))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_trend_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        # generated in a child process, so the engines' processes start small
        subprocess.run(
            [sys.executable, __file__, "--generate", "--repos", str(args.repos), "--input-dir", tmp], check=True
        )
        size_mb = (folder / "github_repos_2025.csv").stat().st_size / 1e6
        print(f"generated {args.repos:,} repositories ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
        engines = ("v2", "v1", "v1-object")
        runs = [measure(engine, folder) for _ in range(args.repeat) for engine in engines]
        best = {e: min((r for r in runs if r["engine"] == e), key=lambda r: r["seconds"]) for e in engines}
        outputs = {(folder / f"trend_score_{e}.csv").read_bytes() for e in engines}
    labels = {
        "v2": "V2 DuckDB",
        "v1": "V1 oracle (pandas 3 defaults)",
        "v1-object": "V1 oracle (object strings, pandas < 3 default)",
    }
    for engine, r in best.items():
        print(
            f"{labels[engine]:52} {r['seconds']:6.2f} s scoring, best of {args.repeat} "
            f"({r['process_seconds']:.2f} s whole process), peak memory {r['peak_mb']:.0f} MB"
        )
    v1, v2 = best["v1"]["seconds"], best["v2"]["seconds"]
    print(f"outputs identical: {len(outputs) == 1}")
    print(f"V2 vs V1 oracle: {v1 / v2:.1f}x (vs object strings: {best['v1-object']['seconds'] / v2:.1f}x)")
    met = v1 >= 5 * v2 and v2 < 2
    print(f"aim (V2 >= 5x faster than the oracle and under 2 s): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

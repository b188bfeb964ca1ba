"""Benchmark the bridge export at scale: 5 years of weekly committed history, generated in a temporary folder.

Times `bridge.build` (full and compact) against its floor, one plain DuckDB pass that reads the same Parquet
partitions into memory, each in its own process (libraries imported before the clock starts; peak memory from
VmHWM), interleaved, and prints each against the floor. Not a test; `make bench` runs it. The history writer here
(`write_run`) is also what tests/test_bridge*.py use to build their fixtures: Parquet partitions with the
contract columns plus run_id and snapshot_date, and a committed run record per run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import bridge
import history
from dev.bench_lib import Part, part, print_table, report, timed_child
from lib import SOURCES
from lib.cli import run_cli
from lib.contracts import load_contracts
from lib.duck import DUCKDB_TYPES, duckdb_connect
from lib.files import atomic_path, sha256_file, write_json

# Columns of the datasets whose contracts another branch adds (V1's columns, the dashboard contract 2.3, 2.4, 2.10);
# a contract in contracts/datasets/ takes precedence.
FALLBACK_COLUMNS = {
    "github_commits": [
        ("framework", "VARCHAR"),
        ("repo", "VARCHAR"),
        ("commits_2025", "BIGINT"),
        ("active_contributors", "BIGINT"),
        ("merged_prs", "BIGINT"),
        ("closed_issues", "BIGINT"),
        ("releases_count", "BIGINT"),
        ("commits_prev", "BIGINT"),
        ("delta_commits", "BIGINT"),
        ("growth_pct", "DOUBLE"),
        ("trend_direction", "VARCHAR"),
        ("ranking", "BIGINT"),
    ],
    "github_correlacion": [
        ("repo_name", "VARCHAR"),
        ("stars", "BIGINT"),
        ("contributors", "BIGINT"),
        ("language", "VARCHAR"),
        ("engagement_ratio", "DOUBLE"),
        ("contributors_per_1k_stars", "DOUBLE"),
        ("expected_contributors", "DOUBLE"),
        ("contributors_delta_vs_trend", "DOUBLE"),
        ("outlier_score", "DOUBLE"),
        ("trend_bucket", "VARCHAR"),
        ("snapshot_date_utc", "DATE"),
    ],
    "interseccion": [
        ("tecnologia", "VARCHAR"),
        ("tipo", "VARCHAR"),
        ("ranking_github", "BIGINT"),
        ("ranking_reddit", "VARCHAR"),
        ("diferencia", "VARCHAR"),
    ],
}
SOURCE_OF = {
    "trend_score": None,
    "interseccion": None,
    "github_commits": "github",
    "github_correlacion": "github",
    "github_lenguajes": "github",
    "github_repos": "github",
    "so_volumen": "stackoverflow",
    "so_aceptacion": "stackoverflow",
    "so_tendencias": "stackoverflow",
    "reddit_temas": "reddit",
    "reddit_sentimiento": "reddit",
}
KINDS = ("floor", "full", "compact")
V1_FILES = {
    "github_commits": "github_commits_frameworks.csv",
    "github_correlacion": "github_correlacion.csv",
    "interseccion": "interseccion_github_reddit.csv",
}


def dataset_columns(name: str) -> list[tuple[str, str]]:
    contracts = load_contracts()
    if name in contracts:
        return [(c.name, DUCKDB_TYPES[c.type]) for c in contracts[name].columns]
    return FALLBACK_COLUMNS[name]


def _v1_file(name: str) -> str:
    contracts = load_contracts()
    return contracts[name].v1_file if name in contracts else V1_FILES[name]


def write_partition(con, datos: Path, name: str, day: dt.date, run_id: str, rows: list[tuple] | str) -> Path:
    """One history partition: `rows` (tuples in column order, or a SQL select of the columns) + run_id +
    snapshot_date, written atomically."""
    import pyarrow as pa

    if isinstance(rows, str):
        source = f"({rows})"
    else:
        arrow_types = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "DATE": pa.date32()}
        arrow_types["TIMESTAMP"] = pa.timestamp("us")
        columns = dataset_columns(name)
        data = {col: [row[i] for row in rows] for i, (col, _) in enumerate(columns)}
        schema = pa.schema([(col, arrow_types.get(t, pa.string())) for col, t in columns])
        con.register("bench_rows", pa.Table.from_pydict(data, schema=schema))
        source = "bench_rows"
    target = (
        Path(datos) / "history" / name / f"year={day:%Y}" / f"month={day:%m}" / f"day={day:%d}" / "part-0000.parquet"
    )
    with atomic_path(target) as tmp:
        con.execute(
            f"copy (select *, '{run_id}'::varchar as run_id, '{day.isoformat()}'::date as snapshot_date "
            f"from {source}) to '{tmp}' (format parquet, compression zstd)"
        )
    if source == "bench_rows":
        con.unregister("bench_rows")
    return target


def repos_sql(week: int, repos: int) -> str:
    """A week's repository sample as SQL (fast enough for 5 years of 3,000-repository weeks)."""
    languages = ", ".join(f"'{t}'" for t in [*TECHS[:12], "Sin especificar"])
    return (
        f"select 'owner' || i || '/repo' || i as repo_name, ([{languages}])[1 + (hash(i, {week}) % 13)::int] as language, "
        f"(hash(i, {week}, 1) % 90000)::bigint as stars, (hash(i, {week}, 2) % 9000)::bigint as forks, "
        "timestamp '2025-12-01' + i * interval 1 minute as created_at, '' as description from range("
        + str(repos)
        + ") t(i)"
    )


def write_run(
    con,
    datos: Path,
    day: dt.date,
    tables: dict[str, list[tuple]],
    *,
    available: tuple[str, ...] = SOURCES,
    run_id: str | None = None,
    generated_at: str | None = None,
) -> dict:
    """A committed run: one partition per dataset in `tables`, and its run record (metadata/runs/<run_id>.json)."""
    run_id = run_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-bridge/{day.isoformat()}"))
    generated_at = generated_at or f"{day.isoformat()}T09:00:00Z"
    datasets = []
    for name, rows in tables.items():
        path = write_partition(con, datos, name, day, run_id, rows)
        count = (
            con.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
            if isinstance(rows, str)
            else len(rows)
        )
        datasets.append(
            {
                "dataset_logical_name": name,
                "version_semver": "1.0.0",
                "generated_at_utc": generated_at,
                "source_run_id": run_id,
                "schema_hash": "0" * 64,
                "row_count": count,
                "quality_status": "pass",
                "latest_path": f"latest/{_v1_file(name)}",
                "history_path": path.relative_to(datos).as_posix(),
                "history_sha256": sha256_file(path),
            }
        )
    start = dt.datetime.combine(day - dt.timedelta(days=365), dt.time(), dt.UTC)
    record = {
        "run_id": run_id,
        "run_date": day.isoformat(),
        "generated_at_utc": generated_at,
        "git_sha": "unknown",
        "branch": "bench",
        "source_window_start_utc": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source_window_end_utc": f"{day.isoformat()}T00:00:00Z",
        "quality_gate_status": "pass" if len(available) == 3 else "pass_with_warnings",
        "published": True,
        "datasets": datasets,
        "degradation": {
            "available": list(available),
            "unavailable": [s for s in SOURCES if s not in available],
            "decision": "publish" if len(available) == 3 else "publish_with_warning",
        },
    }
    write_json(Path(datos) / history.RUNS_DIR / f"{run_id}.json", record)
    return record


# --------------------------------------------------------------------------- a realistic week, generated

TECHS = ["Python", "JavaScript", "TypeScript", "Java", "Go", "Rust", "C#", "C++", "Ruby", "PHP", "Swift", "Kotlin"]
TECHS += ["React", "Vue.js", "Angular", "Next.js", "Svelte", "Django", "FastAPI", "Express", "Spring", "Laravel"]
TAGS = ["python", "javascript", "typescript", "java", "go", "c#", "php", "c++", "ruby", "kotlin"]
FRAMEWORKS = [("React", "react/react"), ("Vue 3", "vuejs/core"), ("Angular", "angular/angular")]
FRAMEWORKS += [("Svelte", "sveltejs/svelte"), ("Next.js", "vercel/next.js")]
TOPICS = ["IA/Machine Learning", "Cloud", "Web3/Blockchain", "DevOps", "Microservicios", "Testing", "Performance"]
TOPICS += ["Seguridad", "TypeScript", "Python"]


def week_tables(rng: random.Random, day: dt.date, repos: int | str = 3000, correlated: int = 100) -> dict[str, list]:
    """One week of every bridge dataset, with realistic sizes (3,000 repositories, 100 correlated)."""
    scores = sorted(((rng.uniform(1, 100), t) for t in TECHS), reverse=True)
    trend = []
    for rank, (score, tech) in enumerate(scores, start=1):
        gh, so, rd = rng.uniform(0, 100), rng.uniform(0, 100), rng.choice([0.0, rng.uniform(0, 100)])
        trend.append((rank, tech, round(gh, 2), round(so, 2), round(rd, 2), round(score, 2), 3 if rd else 2))
    languages = [(t, rng.randint(50, 900)) for t in TECHS[:10]]
    total = sum(n for _, n in languages)
    months = [(day.replace(day=1) - dt.timedelta(days=31 * k)).strftime("%Y-%m") for k in range(12, 0, -1)]
    stars = sorted((rng.randint(1000, 200000) for _ in range(correlated)), reverse=True)
    return {
        "trend_score": trend,
        "github_lenguajes": [(t, n, round(n / total * 100, 2)) for t, n in languages],
        "github_repos": repos
        if isinstance(repos, str)
        else [
            (
                f"owner{i}/repo{i}",
                rng.choice([*TECHS[:12], "Sin especificar"]),
                rng.randint(10, 90000),
                rng.randint(0, 9000),
                dt.datetime(day.year - 1, 12, 1) + dt.timedelta(minutes=i),
                "",
            )
            for i in range(repos)
        ],
        "github_commits": [
            (
                f,
                r,
                rng.randint(500, 5000),
                rng.randint(20, 400),
                rng.randint(50, 900),
                rng.randint(50, 900),
                rng.randint(0, 40),
                None,
                None,
                None,
                None,
                i + 1,
            )
            for i, (f, r) in enumerate(FRAMEWORKS)
        ],
        "github_correlacion": [
            (
                f"owner{i}/top{i}",
                s,
                rng.randint(1, 2000),
                rng.choice(TECHS[:12]),
                None,
                None,
                None,
                None,
                None,
                None,
                day,
            )
            for i, s in enumerate(stars)
        ],
        "so_volumen": [(t, rng.randint(1000, 90000)) for t in TAGS],
        "so_aceptacion": [
            (t, n, rng.randint(0, n), 0.0)
            for t, n in (
                ("reactjs", rng.randint(300, 5000)),
                ("vue.js", rng.randint(100, 900)),
                ("angular", rng.randint(300, 3000)),
                ("next.js", rng.randint(200, 2000)),
                ("svelte", rng.randint(50, 500)),
            )
        ],
        "so_tendencias": [
            (m, rng.randint(1000, 4000), rng.randint(1000, 3000), rng.randint(500, 2000)) for m in months
        ],
        "reddit_temas": [(t, rng.randint(1, 120)) for t in TOPICS],
        "reddit_sentimiento": [
            (f, 20, 10, 6, 4, 50.0, 30.0, 20.0) for f in ("Django", "FastAPI", "Express", "Spring", "Laravel")
        ],
        "interseccion": [
            (
                t,
                "Lenguaje" if i < 5 else "Framework Frontend",
                i % 5 + 1,
                rng.choice([str(rng.randint(1, 10)), "No encontrado"]),
                "-",
            )
            for i, t in enumerate([*TECHS[:5], "React", "Angular", "Vue 3", "Svelte", "Next.js"])
        ],
    }


def generate(datos: Path, weeks: int, seed: int = 13) -> None:
    rng = random.Random(seed)
    con = duckdb_connect()
    first = dt.date(2026, 11, 23) - dt.timedelta(weeks=weeks - 1)
    for k in range(weeks):
        day = first + dt.timedelta(weeks=k)
        write_run(con, datos, day, week_tables(rng, day, repos=repos_sql(k, 3000)))


def one_pass(datos: Path) -> float:
    """The floor: one DuckDB pass reading every partition of the same datasets into memory (the file lists
    are made before the clock starts; the export's time includes finding its snapshots)."""
    runs = history.committed_runs(datos)
    lists = [[str(s.path) for s in history.snapshots(datos, name, runs)] for name in SOURCE_OF]
    start = time.perf_counter()
    con = duckdb_connect()
    for k, files in enumerate(lists):
        if files:
            con.execute(f"create temp table t_{k} as select * from read_parquet({files!r})")
    return time.perf_counter() - start


def timed_build(datos: Path, mode: str) -> tuple[float, int]:
    start = time.perf_counter()
    record = history.committed_runs(datos)[-1]
    files = bridge.build(bridge.committed_snapshots(datos), record, mode)
    return time.perf_counter() - start, sum(len(v) for v in files.values())


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=5 * 52)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and each mode (medians shown)")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temporary one")
    parser.add_argument("--run", choices=KINDS, help=argparse.SUPPRESS)
    return parser


def run(args: argparse.Namespace) -> list[Part]:
    """Generate (unless kept), measure, print the detail lines; the parts for the summary table."""
    with tempfile.TemporaryDirectory(prefix="bench_bridge_") as tmp:
        datos = args.keep or Path(tmp) / "datos"
        if not (datos / history.RUNS_DIR).is_dir():
            start = time.perf_counter()
            generate(datos, args.weeks)
            print(f"bridge: generated {args.weeks} weekly runs in {time.perf_counter() - start:.1f} s")
        runs: dict[str, list[dict]] = {k: [] for k in KINDS}
        for _ in range(args.repeat):  # interleaved, so a change of the machine's load hits all alike
            for kind in KINDS:
                runs[kind].append(timed_child([sys.executable, __file__, "--run", kind, "--keep", str(datos)]))
    floors = [r["seconds"] for r in runs["floor"]]
    print(
        "bridge: files written "
        + ", ".join(f"{mode} {runs[mode][0]['bytes'] / 1024:.0f} KiB" for mode in ("full", "compact"))
    )
    return [
        part(f"bridge.build {mode}, {args.weeks} weeks", floors, [r["seconds"] for r in runs[mode]],
             (r["peak_mb"] for r in runs[mode]))
        for mode in ("full", "compact")
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.run == "floor":  # a child process: one measurement, one JSON line
        report(one_pass(args.keep))
    elif args.run:
        report(*timed_build(args.keep, args.run))
    else:
        print_table(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

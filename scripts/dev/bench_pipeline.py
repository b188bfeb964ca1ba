"""Benchmark the whole pipeline: a cold `make demo` (venv ready, empty demo folder) and a no-op rerun. Not a test.

Runs each case REPEAT times in a fresh temporary folder, interleaved with the floor: for each recorded week, one
Python process in which DuckDB reads every recorded response of the week (datos/recorded/<source>/<date>/, as
JSON values, no schema work) and writes them once as one Parquet file per source. Wall times of the whole
command, peak RSS of its largest process (wait4). `make bench` runs it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dev.bench_lib import Part, part, print_table, process
from lib import ROOT, SOURCES
from lib.cli import run_cli

RECORDED = ROOT / "datos" / "recorded"
FLOOR = """
import sys
from pathlib import Path
import duckdb
recorded, week, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
con = duckdb.connect()
for source in {sources!r}:
    files = sorted(str(p) for p in (recorded / source / week).glob("*.json.gz"))
    con.execute(
        "copy (select * from read_json_objects($files, filename = true)) to '" + str(out / f"{{source}}-{{week}}.parquet")
        + "' (format parquet)",
        {{"files": files}},
    )
"""


def weeks() -> list[str]:
    """The recorded weeks (the demo's DEMO_WEEKS): every date folder of the first source."""
    return sorted(p.name for p in (RECORDED / SOURCES[0]).iterdir() if p.is_dir())


def floor(out: Path) -> tuple[float, float]:
    """(seconds, largest peak RSS in MB) of one floor pass over every recorded week."""
    runs = [
        process([sys.executable, "-c", FLOOR.format(sources=list(SOURCES)), str(RECORDED), week, str(out)])
        for week in weeks()
    ]
    return sum(r[0] for r in runs), max(r[1] for r in runs)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and each case (medians shown)")
    return parser


def run(args: argparse.Namespace) -> list[Part]:
    """Measure; the parts for the summary table."""
    runs: dict[str, list[tuple[float, float]]] = {"floor": [], "cold": [], "no-op": []}
    for _ in range(args.repeat):  # interleaved, so a change of the machine's load hits all alike
        with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
            (Path(tmp) / "floor").mkdir()
            runs["floor"].append(floor(Path(tmp) / "floor"))
            demo = ["make", "demo", f"DEMO_DIR={Path(tmp) / 'demo'}"]
            runs["cold"].append(process(demo)[:2])
            runs["no-op"].append(process(demo)[:2])
    print(f"pipeline: {len(weeks())} recorded weeks; the floor reads and writes each week's responses once")
    floors = [r[0] for r in runs["floor"]]
    return [
        part(f"{case} make demo", floors, [r[0] for r in runs[case]], (r[1] for r in runs[case]))
        for case in ("cold", "no-op")
    ]


def main(argv: list[str] | None = None) -> int:
    print_table(run(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""`make bench`: every benchmark, each part against its floor measured in the same run, then one summary table.

The parts, in order: the trend engine (bench_trend), the aggregate step (bench_aggregate), the whole demo
(bench_pipeline), the bridge export (bench_bridge), monthly compaction (bench_compact). Each module's docstring
says what its floor is; each runs alone too (`python scripts/dev/bench_trend.py --help`). Benchmarks, not tests:
the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import sys

from dev import bench_aggregate, bench_bridge, bench_compact, bench_pipeline, bench_trend
from dev.bench_lib import print_table
from lib.cli import run_cli

BENCHES = {
    "trend": bench_trend,
    "aggregate": bench_aggregate,
    "pipeline": bench_pipeline,
    "bridge": bench_bridge,
    "compact": bench_compact,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only this benchmark (repeatable)")
    args = parser.parse_args(argv)
    parts = []
    for name in args.only or BENCHES:
        print(f"== {name}", flush=True)
        parts += BENCHES[name].run(BENCHES[name].parser().parse_args([]))
    print_table(parts)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

"""Benchmark the whole pipeline: a cold `make demo` (venv ready, empty demo folder) and a no-op rerun.

Runs each case REPEAT times in a fresh temporary folder and prints the median and the spread. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lib import ROOT
from lib.cli import run_cli


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cold, noop = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            demo = ["make", "demo", f"DEMO_DIR={Path(tmp) / 'demo'}"]
            cold.append(timed(demo))
            noop.append(timed(demo))
    for name, samples in (("cold make demo", cold), ("no-op make demo", noop)):
        print(
            f"{name:<18} median {statistics.median(samples):6.2f} s   "
            f"min {min(samples):6.2f} s   max {max(samples):6.2f} s   (n={len(samples)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

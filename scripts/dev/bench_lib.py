"""What every benchmark shares: a part timed against its floor, measured in the same run, and the summary table.

The floor of a part is a bare DuckDB pass over the same data (read what the part reads, do the one operation its
output needs, write the result), run in the same kind of process as the part: a ratio of 3.0x means the part
costs three bare passes. Times are wall seconds on whatever else the machine runs, so interleave a part's runs with
its floor's and compare ratios, not seconds. Peak memory is the part's own process's (VmHWM or wait4's ru_maxrss).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lib import ROOT, PipelineError


@dataclass(frozen=True)
class Part:
    """One line of the summary table: a part's time (the median of its runs) against its floor's."""

    name: str
    floor_s: float
    time_s: float
    peak_mb: float

    @property
    def ratio(self) -> float:
        return self.time_s / self.floor_s


def peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: unlike ru_maxrss it does not inherit the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise PipelineError("bench: /proc/self/status has no VmHWM line: the benchmarks need Linux")


def process(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run one child process from the repository root: (wall seconds, peak RSS in MB, its stdout).

    The child's exit code is checked: a failed part stops the benchmark with the end of its stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen, so it never waits again
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            tail = err.read().decode(errors="replace").strip()[-2000:]
            raise PipelineError(f"bench: `{' '.join(map(str, cmd))}` exited {proc.returncode}: {tail}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def timed_child(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a child that times its own work (libraries imported before its clock starts) and prints one JSON line
    {"seconds": ..., "peak_mb": ...} last."""
    _wall, _rss, out = process(cmd, env)
    return json.loads(out.strip().splitlines()[-1])


def report(seconds: float, written_bytes: int | None = None) -> None:
    """The last line of a timed child (see timed_child), with the size of what it wrote when it says."""
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "bytes": written_bytes}))


def part(name: str, floors: list[float], times: list[float], peaks: Iterable[float]) -> Part:
    """A part from its interleaved runs: median times, the largest peak memory."""
    return Part(name, statistics.median(floors), statistics.median(times), max(peaks))


def print_table(parts: list[Part], title: str = "benchmarks against the floor (a bare DuckDB pass, same run)") -> None:
    width = max(len(p.name) for p in parts)
    print(f"\n{title}")
    print(f"  {'part':<{width}}  {'floor s':>8}  {'time s':>8}  {'ratio':>7}  {'peak MB':>8}")
    for p in parts:
        print(f"  {p.name:<{width}}  {p.floor_s:8.2f}  {p.time_s:8.2f}  {p.ratio:6.2f}x  {p.peak_mb:8.0f}")
    sys.stdout.flush()

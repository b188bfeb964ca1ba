"""The benchmarks run at a tiny size and print every part against its floor. They are not timed tests: nothing
here asserts a time, only that each part has a floor, a time, a ratio and a peak memory, in the summary table."""

from __future__ import annotations

import re

import pytest

from dev import bench_aggregate, bench_bridge, bench_compact, bench_trend
from lib import ROOT

pytestmark = pytest.mark.slow  # each benchmark starts its own processes (floor and part, as make bench does)

TINY = {
    bench_trend: ["--repos", "2000", "--repeat", "1"],
    bench_aggregate: ["--repos", "500", "--repeat", "1"],
    bench_bridge: ["--weeks", "3", "--repeat", "1"],
    bench_compact: ["--days", "70", "--rows", "3", "--repo-rows", "5", "--end", "2026-11-23"],
}
ROW = re.compile(
    r"^  (?P<part>.+?)\s+(?P<floor>\d+\.\d\d)\s+(?P<time>\d+\.\d\d)\s+(?P<ratio>\d+\.\d\d)x\s+(?P<peak>\d+)$"
)


def table_rows(out: str) -> list[re.Match]:
    assert "benchmarks against the floor" in out
    return [m for line in out.splitlines() if (m := ROW.match(line))]


@pytest.mark.parametrize("module", list(TINY), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_benchmark_prints_its_parts_as_ratios_to_the_floor(module, monkeypatch, capsys):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "scripts"))  # the benchmarks' own child processes, as Make runs them
    assert module.main(TINY[module]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert len(rows) >= 2
    for row in rows:
        floor, time = float(row["floor"]), float(row["time"])
        assert floor > 0 and time > 0 and int(row["peak"]) > 0
        # the ratio is of the unrounded times: allow for the table's rounding to 2 decimals
        slack = time / floor * (0.005 / floor + 0.005 / time) + 0.005
        assert float(row["ratio"]) == pytest.approx(time / floor, abs=slack)

"""Check the V2 engine against the V1 oracle on the baseline cases (or on one V1 folder) and exit 1 on any breach.

Per case it prints the largest absolute score difference, the top-10 overlap and the share of shared technologies
whose rank moved by at most 1. The thresholds are V1's; docs/trend_engine.md states them and says how ties and
V1's duplicate rows are treated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import trend_engine
import v1_oracle
from lib import ROOT, PipelineError
from lib.cli import run_cli
from lib.duck import duckdb_connect

CASES_DIR = ROOT / "tests" / "fixtures" / "equivalence"
MAX_SCORE_DIFF = 0.01
MIN_TOP10_OVERLAP = 0.90
MIN_RANK_STABLE_SHARE = 0.90
TIE_DELTA = 0.01
EPS = 1e-9  # float slack on the 0.01 comparisons
SCORES = ["github_score", "so_score", "reddit_score", "trend_score"]


@dataclass
class Result:
    case: str
    max_score_diff: float
    top10_overlap: float
    rank_stable_share: float
    shared: int
    v1_duplicates: int
    breaches: list[str] = field(default_factory=list)

    def line(self) -> str:
        verdict = "ok" if not self.breaches else "BREACH: " + "; ".join(self.breaches)
        return (
            f"{self.case}: max |score diff| {self.max_score_diff:.4f}, top-10 overlap {self.top10_overlap:.0%}, "
            f"rank moved <= 1 {self.rank_stable_share:.0%} of {self.shared} shared, "
            f"V1 duplicate rows merged {self.v1_duplicates} -> {verdict}"
        )


def merge_v1_duplicates(v1: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """V1 gave one row per raw-name combination when two raw names share a display name; V2 keeps the best.

    Keep V1's highest-scoring row per display name (the one V2 reproduces) and number the ranking again.
    """
    ordered = v1.sort_values("ranking")
    merged = ordered.drop_duplicates("tecnologia", keep="first").reset_index(drop=True)
    merged["ranking"] = range(1, len(merged) + 1)
    return merged, len(v1) - len(merged)


def _tie_span(scores: pd.Series, score: float) -> tuple[int, int]:
    """The ranks a technology could hold if scores within TIE_DELTA of its own were ordered either way."""
    higher = int((scores > score + TIE_DELTA + EPS).sum())
    not_lower = int((scores >= score - TIE_DELTA - EPS).sum())
    return higher + 1, not_lower


def compare(case: str, v1: pd.DataFrame, v2: pd.DataFrame) -> Result:
    """Compare two trend_score tables (V1 duplicates merged first)."""
    v1, duplicates = merge_v1_duplicates(v1)
    a = v1.set_index("tecnologia")
    b = v2.set_index("tecnologia")
    shared = a.index.intersection(b.index)
    breaches = []

    diffs = (a.loc[shared, SCORES].astype(float) - b.loc[shared, SCORES].astype(float)).abs()
    max_diff = float(diffs.to_numpy().max()) if len(shared) else 0.0
    if max_diff > MAX_SCORE_DIFF + EPS:
        worst = diffs.max(axis=1).idxmax()
        breaches.append(f"score differs by {max_diff:.2f} (worst: {worst})")

    # a technology in one output only is a breach unless it sat on the > 0 boundary (score <= 0.01); such
    # boundary rows are the last ones, so they are left out of the top-10 and rank comparisons
    for name, side, other in ((a, "V1", b), (b, "V2", a)):
        only = name.index.difference(other.index)
        real = [t for t in only if name.loc[t, "trend_score"] > TIE_DELTA + EPS]
        if real:
            breaches.append(f"only in {side}: {', '.join(map(str, real[:5]))}")
    v1 = v1[v1["tecnologia"].isin(shared) | (v1["trend_score"] > TIE_DELTA + EPS)]
    v2 = v2[v2["tecnologia"].isin(shared) | (v2["trend_score"] > TIE_DELTA + EPS)]

    # top-10 overlap; a V1 top-10 technology tied (within 0.01) with V2's 10th score counts as overlapping
    top_a = list(v1["tecnologia"][:10])
    top_b = set(v2["tecnologia"][:10])
    tenth = float(v2["trend_score"].iloc[min(10, len(v2)) - 1]) if len(v2) else 0.0
    matched = sum(
        1 for t in top_a if t in top_b or (t in b.index and b.loc[t, "trend_score"] >= tenth - TIE_DELTA - EPS)
    )
    denominator = max(len(top_a), len(top_b))
    overlap = matched / denominator if denominator else 1.0
    if overlap < MIN_TOP10_OVERLAP - EPS:
        breaches.append(f"top-10 overlap {overlap:.0%} < {MIN_TOP10_OVERLAP:.0%}")

    # rank moved by at most 1, measured from V1's rank to V2's tie span
    stable = 0
    for tech in shared:
        low, high = _tie_span(v2["trend_score"], float(b.loc[tech, "trend_score"]))
        rank = int(a.loc[tech, "ranking"])
        if max(0, low - rank, rank - high) <= 1:
            stable += 1
    share = stable / len(shared) if len(shared) else 1.0
    if share < MIN_RANK_STABLE_SHARE - EPS:
        breaches.append(f"rank moved by more than 1 for {1 - share:.0%} of shared technologies")

    return Result(case, max_diff, overlap, share, len(shared), duplicates, breaches)


def v2_table(input_dir: Path, weights: Mapping[str, float]) -> pd.DataFrame:
    """V2 through the same runner `make trend-score` uses."""
    con = duckdb_connect()
    inputs = {s: Path(input_dir) / name for s, name in trend_engine.INPUT_FILES.items()}
    return trend_engine.score(con, inputs, weights).df()


def check_case(input_dir: Path, weights: Mapping[str, float] = trend_engine.DEFAULT_WEIGHTS) -> Result:
    return compare(Path(input_dir).name, v1_oracle.score(input_dir), v2_table(input_dir, weights))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-dir", type=Path, help="one flat V1 folder (default: every baseline case)")
    parser.add_argument("--cases-dir", type=Path, default=CASES_DIR, help="folder of baseline case folders")
    parser.add_argument(
        "--v2-weights",
        type=lambda text: trend_engine.parse_weights(text, "--v2-weights"),
        help="weights for V2 only, e.g. github=0.25,reddit=0.40 (to see a breach)",
    )
    args = parser.parse_args(argv)
    weights = args.v2_weights or trend_engine.DEFAULT_WEIGHTS
    if args.input_dir:
        cases = [args.input_dir]
    else:
        cases = sorted(p for p in args.cases_dir.iterdir() if p.is_dir())
        if not cases:
            raise PipelineError(f"equivalence: no case folders in {args.cases_dir}")
    for case in cases:
        missing = [n for n in trend_engine.INPUT_FILES.values() if not (case / n).is_file()]
        if missing:
            raise PipelineError(f"equivalence: {case} lacks {', '.join(missing)}: it is not a V1 folder")
    results = [check_case(case, weights) for case in cases]
    for result in results:
        print(result.line())
    failed = [r.case for r in results if r.breaches]
    print(f"equivalence: {len(results) - len(failed)}/{len(results)} cases within the V1 thresholds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

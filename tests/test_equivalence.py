"""The V1-vs-V2 equivalence check: it passes on the baseline cases and catches a broken engine."""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

import equivalence
from lib import ROOT

CASES = sorted(p.name for p in equivalence.CASES_DIR.iterdir() if p.is_dir())
REQUIRED_CASES = {
    "realistic_week", "exact_ties", "duplicate_display_name", "one_source_empty", "all_equal_values",
    "rounding_edge", "non_language_labels", "many_github_languages",
}  # fmt: skip
SWAPPED = "github=0.25,reddit=0.40"


def table(rows):
    return pd.DataFrame(rows, columns=equivalence.v1_oracle.COLUMNS)


def test_every_baseline_case_is_there_with_its_three_files():
    assert set(CASES) >= REQUIRED_CASES
    for case in CASES:
        for name in equivalence.trend_engine.INPUT_FILES.values():
            assert (equivalence.CASES_DIR / case / name).is_file()


@pytest.mark.slow
def test_make_equivalence_passes_and_reports_every_case(tmp_path):
    proc = subprocess.run(
        ["make", "equivalence"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATOS": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for case in CASES:
        line = next(line for line in proc.stdout.splitlines() if line.startswith(f"{case}:"))
        assert "max |score diff|" in line and "top-10 overlap" in line and "rank moved <= 1" in line
        assert line.endswith("-> ok")
    assert f"{len(CASES)}/{len(CASES)} cases within the V1 thresholds" in proc.stdout


@pytest.mark.parametrize("case", CASES)
def test_v2_matches_v1_exactly_on_each_case(case):
    result = equivalence.check_case(equivalence.CASES_DIR / case)
    assert result.breaches == []
    assert result.max_score_diff == 0.0  # V2 reproduces numpy's rounding, so not even 0.01 apart
    assert result.top10_overlap == 1.0 and result.rank_stable_share == 1.0


def test_swapped_weights_break_the_check(capsys):
    assert equivalence.main(["--v2-weights", SWAPPED]) == 1
    out = capsys.readouterr().out
    assert "BREACH: score differs" in out
    assert "0/" in out.splitlines()[-1]


def test_the_duplicate_case_merges_v1_rows_and_says_so():
    result = equivalence.check_case(equivalence.CASES_DIR / "duplicate_display_name")
    assert result.v1_duplicates > 0 and not result.breaches


@pytest.mark.slow
def test_make_equivalence_on_a_v1_folder(tmp_path):
    folder = tmp_path / "v1"
    shutil.copytree(equivalence.CASES_DIR / "realistic_week", folder)
    proc = subprocess.run(["make", "equivalence", f"INPUT_DIR={folder}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2].startswith("v1: max |score diff| 0.0000")
    (folder / "so_volumen_preguntas.csv").unlink()
    proc = subprocess.run(["make", "equivalence", f"INPUT_DIR={folder}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and "lacks so_volumen_preguntas.csv" in proc.stderr


# --------------------------------------------------------------------------- the comparison rules


def ranked(names_scores):
    return table([(i + 1, name, 0.0, 0.0, score, score, 1) for i, (name, score) in enumerate(names_scores)])


def test_tied_scores_may_come_in_any_order():
    names = [f"T{i}" for i in range(8)]
    v2 = ranked([(n, 10.0) for n in names] + [("Low", 1.0)])
    v1 = ranked([(n, 10.0) for n in reversed(names)] + [("Low", 1.0)])  # ranks move by up to 7, all tied
    assert equivalence.compare("ties", v1, v2).breaches == []


def test_rank_moves_beyond_one_without_a_tie_are_a_breach():
    v2 = ranked([(f"T{i}", 100.0 - i) for i in range(10)])
    v1 = ranked([(f"T{i}", 100.0 - i) for i in [5, 6, 7, 8, 9, 0, 1, 2, 3, 4]])
    result = equivalence.compare("moved", v1, v2)
    assert any("rank moved by more than 1" in b for b in result.breaches)


def test_a_different_top_10_is_a_breach():
    v2 = ranked([(f"A{i}", 100.0 - i) for i in range(10)] + [(f"B{i}", 50.0 - i) for i in range(10)])
    v1 = ranked([(f"B{i}", 100.0 - i) for i in range(10)] + [(f"A{i}", 50.0 - i) for i in range(10)])
    breaches = " ".join(equivalence.compare("top", v1, v2).breaches)
    assert "top-10 overlap 0%" in breaches


def test_a_technology_missing_from_one_side_is_a_breach_unless_it_sat_on_the_zero_boundary():
    v2 = ranked([("Go", 50.0), ("Rust", 20.0)])
    assert "only in V1: Zig" in " ".join(
        equivalence.compare("x", ranked([("Go", 50.0), ("Rust", 20.0), ("Zig", 5.0)]), v2).breaches
    )
    assert equivalence.compare("x", ranked([("Go", 50.0), ("Rust", 20.0), ("Zig", 0.01)]), v2).breaches == []


def test_v1_duplicate_rows_keep_the_best_and_rerank():
    v1 = ranked([("React", 40.0), ("Go", 30.0), ("React", 20.0), ("Rust", 10.0)])
    merged, dropped = equivalence.merge_v1_duplicates(v1)
    assert dropped == 1
    assert list(merged["tecnologia"]) == ["React", "Go", "Rust"] and list(merged["ranking"]) == [1, 2, 3]

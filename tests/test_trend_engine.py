"""sql/trend_score.sql given/expect, through the runner Make uses (scripts/trend_engine.py), and the make rules."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import trend_engine
import v1_oracle
from lib import ROOT, SOURCES
from lib.contracts import load_contract, read_name_map
from lib.duck import duckdb_connect
from lib.files import write_json
from lib.status import write_source_status
from staged_run import run_in_process

CASES = ROOT / "tests" / "fixtures" / "equivalence"
ALL = trend_engine.DEFAULT_WEIGHTS


def v1_folder(folder: Path, github=(), so=(), reddit=()) -> Path:
    """A flat V1 folder: `github` is a list of (language, repos), `so` and `reddit` lists of (name, count)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "github_repos_2025.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["repo_name", "language", "stars", "forks", "created_at", "description"])
        i = 0
        for language, repos in github:
            for _ in range(repos):
                i += 1
                writer.writerow([f"o/r{i}", language, 10, 1, "2026-01-01T00:00:00Z", "a tool"])
    for name, header, rows in (
        ("so_volumen_preguntas.csv", ["lenguaje", "preguntas_nuevas_2025"], so),
        ("reddit_temas_emergentes.csv", ["tema", "menciones"], reddit),
    ):
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def inputs_of(folder: Path) -> dict:
    return {s: folder / name for s, name in trend_engine.INPUT_FILES.items()}


def run(folder: Path, weights=ALL, drop=()) -> list[tuple]:
    inputs = inputs_of(folder)
    for source in drop:
        inputs[source] = None
    return trend_engine.score(duckdb_connect(), inputs, weights).fetchall()


def by_name(rows) -> dict:
    return {row[1]: row for row in rows}


# --------------------------------------------------------------------------- the formula, hand-computed


def test_a_small_week_scores_as_computed_by_hand(tmp_path):
    folder = v1_folder(
        tmp_path,
        github=[("Python", 2), ("Jupyter Notebook", 1), ("TypeScript", 3), ("", 1), ("AI", 5)],
        so=[("python", 1000), ("javascript", 500), ("go", 100)],
        reddit=[("IA/Machine Learning", 40), ("Python", 20), ("Cloud", 10)],
    )
    # GitHub 1..3 repos: TypeScript 100, Python 50, Jupyter 0; SO 100..1000: python 100, javascript 400/900;
    # Reddit 10..40: AI/ML 100, Python 10/30. Python = 0.4*50 + 0.35*100 + 0.25*33.33 = 63.3325 -> 63.33
    assert run(folder) == [
        (1, "Python", 50.0, 100.0, 33.33, 63.33, 3),
        (2, "TypeScript", 100.0, 0.0, 0.0, 40.0, 1),
        (3, "AI/ML", 0.0, 0.0, 100.0, 25.0, 1),
        (4, "JavaScript", 0.0, 44.44, 0.0, 15.55, 1),
    ]


def test_labels_that_are_not_languages_and_empty_languages_are_dropped(tmp_path):
    folder = v1_folder(
        tmp_path,
        github=[("Sin especificar", 9), ("", 9), ("LLMs/AI", 9), ("ai/ml", 9), (" GenAI ", 9), ("Artificial Intelligence", 9),
                ("LLM", 9), ("AI", 9), ("Go", 3), ("Rust", 1)],
        so=[("go", 5)],
    )  # fmt: skip
    rows = run(folder)
    # Go (3 repos) and Rust (1) are the only languages: the labels never counted, so Go is the maximum
    assert rows == [(1, "Go", 100.0, 50.0, 0.0, 57.5, 2)]


def test_only_the_15_most_frequent_github_languages_count(tmp_path):
    languages = [(f"Lang{i:02d}", 40 - i) for i in range(20)]  # Lang00 40 repos ... Lang19 21 repos
    rows = by_name(run(v1_folder(tmp_path, github=languages, so=[("x", 1)])))
    assert "Lang15" not in rows and "Lang19" not in rows
    assert rows["Lang00"][2] == 100.0
    # the 15th (Lang14, 26 repos) is the minimum and scores 0; Lang13 is 1/14 of the range
    assert "Lang14" not in rows and rows["Lang13"][2] == 7.14


def test_ties_at_the_top_15_cut_keep_names_in_ascending_order(tmp_path):
    # 16 languages with 5 repos each: 15 are kept (all scoring 50.0) and the last by name is left out
    languages = [(name, 5) for name in ["Zig", "Ada", "Go", "Rust", "C", "Dart", "Elm", "Fortran", "Haskell", "Java",
                                        "Kotlin", "Lua", "Nim", "OCaml", "Perl", "Scala"]]  # fmt: skip
    rows = by_name(run(v1_folder(tmp_path, github=languages)))
    assert "Zig" not in rows
    assert len(rows) == 15 and {r[2] for r in rows.values()} == {50.0}


def test_a_source_whose_values_are_all_equal_scores_50(tmp_path):
    folder = v1_folder(tmp_path, github=[("Go", 4), ("Rust", 4)], so=[("go", 7), ("java", 7)], reddit=[("Cloud", 3)])
    rows = by_name(run(folder))
    assert rows["Go"][2:5] == (50.0, 50.0, 0.0) and rows["Go"][5] == 37.5
    assert rows["Java"][2:] == (0.0, 50.0, 0.0, 17.5, 1)
    assert rows["Cloud"][2:] == (0.0, 0.0, 50.0, 12.5, 1)


def test_rounding_follows_numpy_at_the_xx5_edge(tmp_path):
    # 1/800*100 = 0.125 exactly; numpy (V1) rounds half to even -> 0.12, DuckDB's round() would give 0.13
    folder = v1_folder(tmp_path, github=[("C", 100), ("Go", 101), ("Zig", 105), ("Rust", 900)], so=[("x", 1)])
    rows = by_name(run(folder))
    assert rows["Go"][2] == 0.12
    assert rows["Zig"][2] == 0.62  # 0.625 -> 0.62
    expected = v1_oracle.score(folder).set_index("tecnologia")
    assert rows["Go"][5] == expected.loc["Go", "trend_score"]


def test_the_rounding_macro_equals_numpy_on_random_scores(tmp_path):
    import numpy as np
    import pandas as pd

    con = duckdb_connect()
    trend_engine.score(con, inputs_of(v1_folder(tmp_path, so=[("go", 1)])), ALL).fetchall()  # defines the macro
    rng = np.random.default_rng(5)
    low = rng.integers(0, 5000, 200_000)
    span = rng.integers(1, 5000, 200_000)
    values = pd.DataFrame({"x": low + rng.integers(0, span + 1), "low": low, "high": low + span})
    scores = (values["x"] - values["low"]) / (values["high"] - values["low"]) * 100
    weighted = pd.DataFrame({"g": scores.round(2), "s": scores.round(2).sample(frac=1, random_state=1).to_numpy()})
    got = con.sql("select round2_like_numpy((x - low)::double / (high - low) * 100) as score from values").fetchnumpy()[
        "score"
    ]
    assert (got == scores.round(2).to_numpy()).all()
    got = con.sql("select round2_like_numpy(0.40 * g + 0.35 * s) as t from weighted").fetchnumpy()["t"]
    assert (got == (0.40 * weighted["g"] + 0.35 * weighted["s"]).round(2).to_numpy()).all()


def test_two_raw_names_with_one_display_name_keep_the_higher_score(tmp_path):
    folder = v1_folder(
        tmp_path, github=[("Go", 1), ("Rust", 2)], so=[("python", 1000), ("react", 300), ("reactjs", 400), ("go", 100)]
    )
    rows = run(folder)
    names = [r[1] for r in rows]
    assert names.count("React") == 1
    assert by_name(rows)["React"][3] == 33.33  # reactjs 300/900, not react 200/900, nor their sum


def test_exact_ties_are_ranked_by_name(tmp_path):
    folder = v1_folder(tmp_path, so=[("zig", 5), ("go", 5), ("rust", 5), ("c", 1)])
    rows = run(folder)
    assert [(r[0], r[1]) for r in rows] == [(1, "Go"), (2, "Rust"), (3, "Zig")]


def test_an_unavailable_source_scores_zero_and_its_weight_is_not_used(tmp_path):
    folder = v1_folder(
        tmp_path, github=[("Python", 3), ("Go", 1)], so=[("python", 10), ("go", 2)], reddit=[("Cloud", 9), ("Go", 1)]
    )
    weights = {"github": 0.40 / 0.75, "stackoverflow": 0.35 / 0.75, "reddit": 0.0}
    (folder / "reddit_temas_emergentes.csv").unlink()  # an unavailable source need not exist
    rows = run(folder, weights, drop=("reddit",))
    assert rows == [(1, "Python", 100.0, 100.0, 0.0, 100.0, 2)]


def test_an_empty_source_contributes_nothing(tmp_path):
    folder = v1_folder(tmp_path, github=[("Python", 3), ("Go", 1)], so=[("python", 10), ("go", 2)])
    assert run(folder) == [(1, "Python", 100.0, 100.0, 0.0, 75.0, 2)]


# Python's str.title() on realistic GitHub language names (none of these is in contracts/tech_names.csv)
GITHUB_NAMES = [
    "Jupyter Notebook", "C", "HTML", "Objective-C", "F#", "Vim Script", "Objective-C++", "1C Enterprise",
    "Ren'Py", "Cap'n Proto", "Visual Basic .NET", "Emacs Lisp", "Q#", "F*", "ASP.NET", "HTML+ERB", "C2hs Haskell",
    "mIRC Script", "eC", "nesC", "xBase", "m4sugar", "PLpgSQL", "GDScript", "Graphviz (DOT)", "Rich Text Format",
    "Game Maker Language", "Common Workflow Language", "ShaderLab", "MoonBit", "Nushell", "SystemVerilog", "VHDL",
    "Standard ML", "Roff Manpage", "Pawn", "Mojo", "Gleam", "Zig", "R", "TeX", "Dockerfile", "Makefile", "CMake",
    "Jsonnet", "Starlark", "HCL", "PowerShell", "Batchfile", "Shell", "Lua", "Luau", "OCaml", "D", "V", "Vue",
    "MDX", "Svelte ", "Astro", "Typst", "Ballerina", "Wolfram Language", "GLSL", "Cuda", "Assembly", "Solidity",
    "WebAssembly", "Pkl", "KCL", "CUE", "Dhall", "Élixir", "Ñandú", "Straße", "X10", "GAP", "Groovy", "Gherkin",
]  # fmt: skip


def test_fallback_names_are_title_cased_exactly_like_python(tmp_path):
    so = [(name, 100 + i) for i, name in enumerate(GITHUB_NAMES)] + [("zz-min", 1)]
    rows = run(v1_folder(tmp_path, so=so))
    name_map = read_name_map()
    expected = {name_map.get(n.strip().lower(), n.strip().lower().title()) for n in GITHUB_NAMES}
    assert {r[1] for r in rows} == expected
    assert {"Jupyter Notebook", "C", "Html", "Objective-C", "F#", "Vim Script", "Ren'Py", "1C Enterprise"} <= expected


def test_mapped_names_come_from_the_shared_table(tmp_path):
    so = [(raw.upper(), 100 + i) for i, raw in enumerate(read_name_map())] + [("zz-min", 1)]
    rows = run(v1_folder(tmp_path, so=so))
    assert {r[1] for r in rows} == set(read_name_map().values())


def test_quoted_commas_quotes_and_newlines_in_descriptions_are_read(tmp_path):
    folder = v1_folder(tmp_path, so=[("go", 1)])
    (folder / "github_repos_2025.csv").write_text(
        "repo_name,language,stars,forks,created_at,description\n"
        'a/1,Go,1,1,2026-01-01T00:00:00Z,"line one\nline two, with ""quotes"""\n'
        "a/2,Go,1,1,2026-01-01T00:00:00Z,\n"
        "a/3,Rust,1,1,2026-01-01T00:00:00Z,plain\n",
        encoding="utf-8",
    )
    assert by_name(run(folder))["Go"][2] == 100.0


# --------------------------------------------------------------------------- the CSV a V1 reader sees


def test_written_csv_is_byte_identical_to_what_v1_pandas_wrote(tmp_path):
    case = CASES / "realistic_week"
    out = tmp_path / "v2.csv"
    trend_engine.write_csv(trend_engine.score(duckdb_connect(), inputs_of(case), ALL), out)
    v1 = tmp_path / "v1.csv"
    v1_oracle.score(case).to_csv(v1, index=False, lineterminator="\n")
    assert out.read_bytes() == v1.read_bytes()
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(load_contract("trend_score").column_names)
    assert "\r" not in text and ",100.0," in text


def test_written_csv_is_byte_stable(tmp_path):
    case = CASES / "exact_ties"
    for name in ("a.csv", "b.csv"):
        trend_engine.write_csv(trend_engine.score(duckdb_connect(), inputs_of(case), ALL), tmp_path / name)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_write_csv_accepts_rows_and_formats_floats_like_pandas(tmp_path):
    out = tmp_path / "t.csv"
    rows = trend_engine.write_csv([(1, "Go, the language", 100.0, 45.67, 0.0, 51.98, 2)], out)
    assert rows == 1
    assert out.read_text(encoding="utf-8").splitlines()[1] == '1,"Go, the language",100.0,45.67,0.0,51.98,2'


# --------------------------------------------------------------------------- CLI and make


def cli(*args, env=None):
    """`python scripts/trend_engine.py ARGS` (in this process, staged_run.run_in_process)."""
    return run_in_process([str(ROOT / "scripts/trend_engine.py"), *map(str, args)], env or dict(os.environ))


def test_cli_names_a_missing_input_file(tmp_path):
    folder = v1_folder(tmp_path / "v1", so=[("go", 1)])
    (folder / "reddit_temas_emergentes.csv").unlink()
    proc = cli("--input-dir", folder, "--output", tmp_path / "out.csv")
    assert proc.returncode == 2
    assert "reddit input" in proc.stderr and "reddit_temas_emergentes.csv does not exist" in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_cli_names_a_missing_column(tmp_path):
    folder = v1_folder(tmp_path / "v1", so=[("go", 1)])
    (folder / "so_volumen_preguntas.csv").write_text("tag,questions\ngo,1\n", encoding="utf-8")
    proc = cli("--input-dir", folder, "--output", tmp_path / "out.csv")
    assert proc.returncode == 2
    assert "lacks column(s) lenguaje, preguntas_nuevas_2025" in proc.stderr


def test_cli_with_a_degradation_decision_reads_only_the_available_sources(tmp_path):
    folder = v1_folder(tmp_path / "v1", github=[("Python", 3), ("Go", 1)], so=[("python", 10), ("go", 2)])
    (folder / "reddit_temas_emergentes.csv").unlink()
    decision = tmp_path / "degradation.json"
    write_json(
        decision,
        {
            "available": ["github", "stackoverflow"],
            "decision": "publish_with_warning",
            "weights": {"github": 0.40 / 0.75, "stackoverflow": 0.35 / 0.75, "reddit": 0.0},
        },
    )
    proc = cli("--input-dir", folder, "--output", tmp_path / "out.csv", "--degradation", decision)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[1] == "1,Python,100.0,100.0,0.0,100.0,2"


def test_cli_scores_nothing_for_a_failed_decision_and_removes_an_older_score(tmp_path):
    folder = v1_folder(tmp_path / "v1", so=[("go", 1)])
    decision = tmp_path / "degradation.json"
    write_json(decision, {"available": ["github"], "decision": "fail", "reason": "only github available"})
    (tmp_path / "out.csv").write_text("an older run's score\n")
    proc = cli("--input-dir", folder, "--output", tmp_path / "out.csv", "--degradation", decision)
    assert proc.returncode == 0  # the run goes on to the aggregate step, which records the failure
    assert "not computed, the degradation decision is fail (only github available)" in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def make(*args, datos: Path):
    """Make on data staged by the test itself (EXTRACT=0: take the staging as it is, as CI's aggregate job does)."""
    env = {**os.environ, "DATOS": str(datos), "RUN_DATE": "2026-11-23"}  # the date stage_run stages for
    return subprocess.run(["make", "EXTRACT=0", *args], cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_make_trend_score_rescored_a_v1_folder_outside_the_repo(tmp_path):
    folder = tmp_path / "old_v1_datos"
    shutil.copytree(CASES / "realistic_week", folder)
    out = tmp_path / "rescored" / "trend_score.csv"
    proc = make("trend-score", f"INPUT_DIR={folder}", f"OUTPUT={out}", datos=tmp_path / "datos")
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ranking,tecnologia,github_score,so_score,reddit_score,trend_score,fuentes"
    assert lines[1].startswith("1,Python,")
    assert not (tmp_path / "datos").exists()  # nothing of the run folder was touched


@pytest.mark.slow
def test_make_trend_score_with_input_dir_but_no_output_says_what_is_missing(tmp_path):
    proc = make("trend-score", f"INPUT_DIR={CASES / 'realistic_week'}", datos=tmp_path)
    assert proc.returncode != 0
    assert "set OUTPUT=<file.csv>" in proc.stderr


def stage_run(datos: Path, sources=SOURCES):
    case = CASES / "realistic_week"
    for source in sources:
        folder = datos / "staging" / source
        folder.mkdir(parents=True, exist_ok=True)
        name = trend_engine.INPUT_FILES[source]
        shutil.copy(case / name, folder / name)
        write_source_status(folder, source=source, status="ok", run_date=dt.date(2026, 11, 23), files=[name])


@pytest.mark.slow
def test_make_trend_score_scores_the_staged_run_and_follows_the_degradation_decision(tmp_path):
    stage_run(tmp_path)
    proc = make("trend-score", datos=tmp_path)
    assert proc.returncode == 0, proc.stderr
    score = tmp_path / "work" / "trend_score.csv"
    expected = tmp_path / "v1.csv"
    v1_oracle.score(CASES / "realistic_week").to_csv(expected, index=False, lineterminator="\n")
    assert score.read_bytes() == expected.read_bytes()
    assert json.loads((tmp_path / "work" / "degradation.json").read_text(encoding="utf-8"))["decision"] == "publish"

    again = make("trend-score", datos=tmp_path)
    assert "scripts/trend_engine.py" not in again.stdout  # up to date: nothing rescored

    shutil.rmtree(tmp_path / "staging" / "reddit")  # a lost source is a degradation case, not a make error
    proc = make("trend-score", datos=tmp_path)
    assert proc.returncode == 0, proc.stderr
    decision = json.loads((tmp_path / "work" / "degradation.json").read_text(encoding="utf-8"))
    assert decision["decision"] == "publish_with_warning" and decision["available"] == ["github", "stackoverflow"]
    rows = list(csv.DictReader(score.open(encoding="utf-8")))
    assert all(row["reddit_score"] == "0.0" for row in rows)
    assert not list((tmp_path / "work").glob("*.tmp")) and not list((tmp_path / "work").glob("*.inputs"))


@pytest.mark.slow
@pytest.mark.parametrize("sources", [("github",), ()])
def test_make_trend_score_scores_nothing_when_the_decision_is_fail(tmp_path, sources):
    stage_run(tmp_path, sources)
    proc = make("trend-score", datos=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "not computed, the degradation decision is fail" in proc.stderr
    assert not (tmp_path / "work" / "trend_score.csv").exists()
    assert json.loads((tmp_path / "work" / "degradation.json").read_text(encoding="utf-8"))["decision"] == "fail"

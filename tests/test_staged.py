"""scripts/staged.py: each staged file is parsed once with its contract's types; every bad input is a problem
naming file, line and column, and what the gate passes is exactly the typed table the writer writes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

import quality_gate as gate
import staged
from lib.contracts import load_contracts
from lib.duck import duckdb_connect

CONTRACTS = load_contracts()
FIXTURES = Path(__file__).parent / "fixtures" / "gate" / "staging"
HEADER = "repo_name,language,stars,forks,created_at,description\n"
GOOD = "acme/a,Python,10,2,2026-01-14T09:12:44Z,first\n"


def parse(tmp_path, body: bytes | str, name="github_repos"):
    path = tmp_path / "file.csv"
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    return staged.load(CONTRACTS[name], path)


def gate_status(parsed) -> tuple[str, set[str]]:
    now = dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC)
    report = gate.evaluate(
        {parsed.contract.name: parsed},
        datos=parsed.path.parent,
        run_date=now.date(),
        source_status={},
        degradation=None,
        now=now,
        contracts=CONTRACTS,
    )
    return report["datasets"][parsed.contract.name], {
        c["rule"] for c in report["checks"] if not c["passed"] and c["severity"] == "critical"
    }


def test_a_good_file_is_typed_by_its_contract(tmp_path):
    parsed = parse(
        tmp_path, HEADER + GOOD + "acme/b,Go,7,0,2025-12-01T00:00:00Z,\n" + "acme/c,Go,1,0,2025-12-01,a\tb\n"
    )
    assert parsed.ok and parsed.rows == 3  # a tab inside a value is fine
    assert [str(t) for t in parsed.table.schema.types] == [
        "string",
        "string",
        "int64",
        "int64",
        "timestamp[us]",
        "string",
    ]
    assert parsed.table.column("stars").to_pylist() == [10, 7, 1]
    assert parsed.table.column("description").to_pylist() == ["first", None, "a\tb"]  # empty is null
    assert gate_status(parsed)[1] == set()  # no critical failure (freshness warns: no status given)


def test_a_byte_order_mark_is_tolerated_and_never_reaches_a_column_name(tmp_path):
    parsed = parse(tmp_path, b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    assert parsed.ok and parsed.header[0] == "repo_name"
    assert parsed.table.column_names[0] == "repo_name"


@pytest.mark.parametrize(
    ("row", "column", "check"),
    [
        ("acme/z,Python,99999999999999999999,2,2026-01-14T09:12:44Z,x\n", "stars", "integer"),  # overflows int64
        ("acme/z,Python,1.5,2,2026-01-14T09:12:44Z,x\n", "stars", "integer"),  # DuckDB alone would round it
        ("acme/z,Python,1e3,2,2026-01-14T09:12:44Z,x\n", "stars", "integer"),
        ("acme/z,Python,10,2,2026-02-30T00:00:00Z,x\n", "created_at", "timestamp"),
        ('acme/z,Python,10,2,2026-01-14T09:12:44Z,"two\nlines"\n', "description", "line_break"),
        ('acme/z,Python,10,2,2026-01-14T09:12:44Z,"carriage\rreturn"\n', "description", "line_break"),
        ("acme/z,Python,10,2,2026-01-14T09:12:44Z,nul\x00byte\n", "description", "control"),
        ("acme/z,Python,10,2,2026-01-14T09:12:44Z,\x1b[31mred\n", "description", "control"),
    ],
)
def test_a_bad_cell_is_a_critical_type_problem_naming_line_and_column(tmp_path, row, column, check):
    parsed = parse(tmp_path, HEADER + GOOD + row)
    assert parsed.readable and not parsed.ok
    (problem,) = parsed.cell_problems
    assert (problem.line, problem.column, problem.check) == (3, column, check)
    assert str(parsed.path) in problem.message and "line 3" in problem.message
    assert gate_status(parsed) == ("fail", {"types_valid"})


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "1e400"])
def test_a_number_that_is_not_finite_is_refused(tmp_path, value):
    parsed = parse(tmp_path, f"lenguaje,repos_count,porcentaje\nPython,10,{value}\n", "github_lenguajes")
    assert not parsed.ok
    assert {p.check for p in parsed.cell_problems} & {"finite", "float"}
    assert parsed.table.column("porcentaje").to_pylist() == [None]  # never an inf in the typed table
    assert gate_status(parsed)[0] == "fail"


@pytest.mark.parametrize(
    ("body", "check", "words"),
    [
        (HEADER + GOOD + "acme/b,Go,7\n", "ragged", "line 3: a ragged row: 3 fields where the header has 6"),
        (HEADER + GOOD + "acme/b,Go,7,0,2025-12-01T00:00:00Z,x,extra\n", "ragged", "7 fields where the header has 6"),
        ((HEADER + GOOD).encode() + b"acme/\xe9,Go,7,0,2025-12-01T00:00:00Z,x\n", "encoding", "not UTF-8"),
        (b"repo_name,lan\xffguage\n", "encoding", "is not UTF-8"),
        ("", "empty", "is empty"),
        ("\n\n", "empty", "is empty"),
        ("repo_name,repo_name,stars\n", "header", "header repeats repo_name"),
        (HEADER + 'acme/b,Go,7,0,2025-12-01T00:00:00Z,"unterminated\n', "quoting", "line 2: a broken quote"),
        (HEADER + "acme/b,Go,7,0,2025-12-01T00:00:00Z," + "x" * (3 << 20) + "\n", "line_size", "line 2: a line longer"),
    ],
)
def test_a_malformed_file_is_unreadable_with_words_not_a_traceback(tmp_path, body, check, words):
    parsed = parse(tmp_path, body)
    assert not parsed.readable and parsed.table is None
    assert parsed.unreadable[0].check == check
    assert words in parsed.unreadable[0].message and str(parsed.path) in parsed.unreadable[0].message
    assert gate_status(parsed) == ("fail", {"file_readable"})


def test_a_missing_file_a_directory_and_a_symlink_are_refused(tmp_path):
    contract = CONTRACTS["github_repos"]
    assert staged.load(contract, tmp_path / "none.csv").unreadable[0].check == "missing"
    (tmp_path / "dir.csv").mkdir()
    assert staged.load(contract, tmp_path / "dir.csv").unreadable[0].check == "not_a_file"
    outside = tmp_path / "outside.csv"
    outside.write_text(HEADER + GOOD)
    (tmp_path / "link.csv").symlink_to(outside)
    parsed = staged.load(contract, tmp_path / "link.csv")
    assert parsed.unreadable[0].check == "symlink" and "symbolic link" in parsed.unreadable[0].message


def test_an_extra_column_fails_the_gate_instead_of_being_dropped_by_the_writer(tmp_path):
    parsed = parse(tmp_path, HEADER.rstrip("\n") + ",secret\n" + GOOD.rstrip("\n") + ",x\n")
    assert parsed.readable and not parsed.ok
    assert "'secret'" in parsed.column_problems[0].message
    assert gate_status(parsed) == ("fail", {"columns_known"})


def test_a_missing_required_column_fails_and_the_table_still_has_every_contract_column(tmp_path):
    parsed = parse(tmp_path, "repo_name,language,stars,created_at,description\nacme/a,Python,1,2026-01-01,x\n")
    assert parsed.missing_columns == ["forks"]
    assert parsed.table.column_names == CONTRACTS["github_repos"].column_names
    assert gate_status(parsed) == ("fail", {"required_columns"})


def test_problem_counts_are_complete_while_the_sample_is_capped(tmp_path):
    rows = "".join(f"acme/{i},Python,many,2,2026-01-14T09:12:44Z,x\n" for i in range(staged.MAX_SAMPLES + 20))
    parsed = parse(tmp_path, HEADER + rows)
    assert parsed.cell_problem_count == staged.MAX_SAMPLES + 20
    assert len(parsed.cell_problems) == staged.MAX_SAMPLES


def test_every_fixture_parses_clean_and_the_gate_passes_exactly_what_the_writer_gets(tmp_path):
    for name, contract in CONTRACTS.items():
        if contract.source == "aggregate":
            continue
        path = FIXTURES / contract.source / contract.v1_file
        parsed = staged.load(contract, path)
        assert parsed.ok, (name, parsed.unreadable, parsed.cell_problems)
        copy = tmp_path / contract.v1_file
        shutil.copy(path, copy)
        again = staged.load(contract, copy)
        assert again.table.equals(parsed.table)  # deterministic: same bytes, same typed table


def test_one_connection_parses_many_files_without_leaking_rejects(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "acme/b,Go,7\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    parsed = staged.load_all({"github_repos": CONTRACTS["github_repos"]}, {"github_repos": bad})
    assert not parsed["github_repos"].readable
    con = duckdb_connect()
    assert not staged.load(CONTRACTS["github_repos"], bad, con).readable
    assert staged.load(CONTRACTS["github_repos"], good, con).ok  # the earlier file's rejects are gone
    assert staged.load_all(CONTRACTS, {"unknown": good}) == {"unknown": None}


def test_line_numbers_and_row_order_hold_in_a_file_read_in_parallel(tmp_path):
    rows = [f"acme/{i},Python,{i},2,2026-01-14T09:12:44Z,x\n" for i in range(120_000)]
    rows[97_531] = "acme/bad,Python,lots,2,2026-01-14T09:12:44Z,x\n"
    parsed = parse(tmp_path, HEADER + "".join(rows))
    assert [(p.line, p.value) for p in parsed.cell_problems] == [(97_533, "lots")]  # header is line 1
    stars = parsed.table.column("stars").to_pylist()
    assert stars[:3] == [0, 1, 2] and stars[-1] == 119_999 and stars[97_531] is None


def test_a_header_only_file_is_readable_with_no_rows(tmp_path):
    parsed = parse(tmp_path, HEADER)
    assert parsed.ok and parsed.rows == 0 and parsed.cell_problem_count == 0


# --------------------------------------------------------------------------- contract bounds and keys on the typed table


def failed_rules(tmp_path, name: str, body: str) -> dict[str, dict]:
    parsed = parse(tmp_path, body, name)
    now = dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC)
    report = gate.evaluate(
        {name: parsed}, datos=tmp_path, run_date=now.date(), source_status={}, degradation=None, now=now
    )
    return {c["rule"]: c for c in report["checks"] if not c["passed"] and c["severity"] == "critical"}


def test_a_repeated_or_null_key_is_critical(tmp_path):
    head = "lenguaje,repos_count,porcentaje\n"
    found = failed_rules(tmp_path, "github_lenguajes", head + "Python,3,50.0\nGo,3,50.0\nPython,1,0\n")
    assert set(found) == {"keys_unique"}
    assert {c["row"] for c in found["keys_unique"]["failure_cases"]} == {1, 3}
    found = failed_rules(tmp_path, "github_lenguajes", head + "Python,3,50.0\n  ,3,50.0\n")
    assert "keys_unique" in found and found["keys_unique"]["failure_cases"][0]["check"] == "null key"


def test_a_negative_count_and_a_percentage_past_100_are_critical(tmp_path):
    head = "tecnologia,total_preguntas,respuestas_aceptadas,tasa_aceptacion_pct\n"
    found = failed_rules(tmp_path, "so_aceptacion", head + "reactjs,10,-1,-10.0\nvue.js,10,5,100.01\n")
    assert set(found) == {"counts_non_negative", "percent_in_range"}
    assert found["counts_non_negative"]["failure_cases"][0]["value"] == "-1"
    assert {c["value"] for c in found["percent_in_range"]["failure_cases"]} == {"-10.0", "100.01"}
    assert failed_rules(tmp_path, "so_aceptacion", head + "reactjs,10,0,0.0\nvue.js,10,10,100.0\n") == {}


def test_read_typed_csv_goes_through_the_same_parser_and_refuses_what_the_gate_refuses(tmp_path):
    from lib import PipelineError
    from lib.duck import duckdb_connect
    from staged import read_typed_csv

    con = duckdb_connect()
    contract = CONTRACTS["github_repos"]
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    assert con_rows(read_typed_csv(con, good, contract)) == [("acme/a", "Python", 10, 2)]
    for body, words in [
        (HEADER + "acme/a,Python,inf,2,2026-01-14T09:12:44Z,x\n", "line 2, stars='inf'"),
        (
            HEADER.replace(",description", "") + "acme/a,Python,1,2,2026-01-14T09:12:44Z\n",
            "lacks column(s) description",
        ),
        (HEADER + "acme/a,Python\n", "a ragged row"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        with pytest.raises(PipelineError, match=re.escape(words)):
            read_typed_csv(con, bad, contract)


def con_rows(relation) -> list[tuple]:
    return [row[:4] for row in relation.fetchall()]

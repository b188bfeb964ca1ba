"""The quality gate: each rule triggers on bad data and stays quiet on good data, and severity routes the run
(critical -> fail, warning -> pass_with_warnings, info -> pass with the finding recorded).

Over 400 lines on purpose: one test per rule and severity, all on the one good staged fixture defined here."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import quality_gate as gate
import staged
from lib import ROOT, PipelineError
from lib.cli import run_cli as common_run_cli
from lib.contracts import load_contracts, parse_contract
from lib.settings import iso_utc
from lib.status import write_source_status

FIXTURES = Path(__file__).parent / "fixtures" / "gate"
RUN_DATE = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
CONTRACTS = load_contracts()
ALL_SOURCES = {"decision": "publish", "available": ["github", "stackoverflow", "reddit"], "unavailable": {}}


# --------------------------------------------------------------------------- helpers


def status_doc(source, *, window_end=dt.datetime(2026, 11, 23, tzinfo=dt.UTC), staged=NOW - dt.timedelta(hours=1)):
    return {
        "source": source,
        "status": "ok",
        "run_date": window_end.date().isoformat(),
        "window_start_utc": iso_utc(window_end - dt.timedelta(days=365)),
        "window_end_utc": iso_utc(window_end),
        "generated_at_utc": iso_utc(staged),
        "files": {},
        "requests": 1,
        "retries": 0,
        "waited_seconds": 0.0,
        "warnings": [],
        "errors": [],
    }


@pytest.fixture
def datos(tmp_path):
    """A data folder with the good staged fixtures and the computed trend score in work/."""
    folder = tmp_path / "datos"
    shutil.copytree(FIXTURES / "staging", folder / "staging")
    (folder / "work").mkdir()
    shutil.copy(FIXTURES / "trend_score.csv", folder / "work" / "trend_score.csv")
    shutil.copy(FIXTURES / "interseccion_github_reddit.csv", folder / "work" / "interseccion_github_reddit.csv")
    return folder


def files_in(datos: Path) -> dict[str, Path]:
    out = {}
    for name, contract in CONTRACTS.items():
        if contract.source == "aggregate":
            out[name] = datos / "work" / contract.v1_file
        else:
            out[name] = datos / "staging" / contract.source / contract.v1_file
    return out


def run(datos, files=None, *, status=None, degradation=ALL_SOURCES, now=NOW, contracts=None):
    contracts = contracts if contracts is not None else CONTRACTS
    report = gate.evaluate(
        staged.load_all(contracts, files if files is not None else files_in(datos)),
        datos=datos,
        run_date=RUN_DATE,
        source_status=status
        if status is not None
        else {s: status_doc(s) for s in ("github", "stackoverflow", "reddit")},
        degradation=degradation,
        now=now,
        contracts=contracts,
    )
    json.dumps(report, allow_nan=False)  # every report is plain JSON
    return report


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture {path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(report, dataset, rule):
    found = [c for c in report["checks"] if c["dataset"] == dataset and c["rule"] == rule]
    assert len(found) == 1, f"{dataset}.{rule}: {found}"
    return found[0]


def failed(report):
    return {(c["dataset"], c["rule"]) for c in report["checks"] if not c["passed"]}


def write_snapshot(datos: Path, name: str, day: dt.date, csv_path: Path, edit=None) -> Path:
    """A history partition as the aggregate step commits it: contract columns typed, + run_id, snapshot_date,
    listed with its SHA-256 in a committed run record of that day (readers trust nothing else)."""
    import hashlib
    import uuid

    import duckdb
    import pandas as pd

    from lib.duck import DUCKDB_TYPES, quote_ident

    contract = CONTRACTS[name]
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    for col in contract.columns:
        if col.type == "integer":
            frame[col.name] = frame[col.name].astype("int64")
        elif col.type == "float":
            frame[col.name] = frame[col.name].astype("float64")
    if edit:
        frame = edit(frame)
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"snapshot-{day}"))
    path = contract.history_path(datos, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.register("frame", frame)
    typed = ", ".join(
        f"cast(nullif(cast({quote_ident(c.name)} as varchar), '') as {DUCKDB_TYPES[c.type]}) as {quote_ident(c.name)}"
        for c in contract.columns
    )
    con.execute(
        f"copy (select {typed}, '{run_id}' as run_id, date '{day}' as snapshot_date from frame) "
        f"to '{path}' (format parquet)"
    )
    record_path = datos / "metadata/runs" / f"{run_id}.json"
    record = (
        json.loads(record_path.read_text())
        if record_path.exists()
        else {"run_id": run_id, "run_date": day.isoformat(), "published": True, "datasets": []}
    )
    record["datasets"] = [e for e in record["datasets"] if e["dataset_logical_name"] != name]
    record["datasets"].append(
        {
            "dataset_logical_name": name,
            "history_path": path.relative_to(datos).as_posix(),
            "history_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    )
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record))
    return path


# --------------------------------------------------------------------------- the good run: nothing triggers


def test_good_data_passes_every_rule_of_every_dataset(datos):
    report = run(datos)
    assert failed(report) == set()
    assert report["status"] == "pass"
    assert report["datasets"] == dict.fromkeys(sorted(CONTRACTS), "pass")
    expected = sum(len(c.quality_rules) for c in CONTRACTS.values())
    assert report["counts"]["checks"] == expected == report["counts"]["passed"]
    json.dumps(report, allow_nan=False)  # the report is plain JSON


def test_every_contract_declares_the_ten_rules_and_is_consistent():
    for name, contract in CONTRACTS.items():
        assert gate.contract_problems(contract) == [], name
        kinds = {r["check"] for r in contract.quality_rules}
        assert {"required_columns", "types_valid", "not_null", "row_count_positive", "freshness"} <= kinds
        assert {"optional_columns", "row_count_change"} <= kinds
        assert kinds & {"drift_rank", "drift_total"}, name
    trend = {r["check"]: r for r in CONTRACTS["trend_score"].quality_rules}
    assert trend["min_value"]["params"] == {"column": "trend_score", "min": 0}
    assert trend["unique"]["params"] == {"column": "ranking"}


# --------------------------------------------------------------------------- critical rules -> fail


def test_missing_required_column_fails_the_run_and_names_the_column(datos):
    path = datos / "staging/stackoverflow/so_volumen_preguntas.csv"
    edit_csv(path, "lenguaje,preguntas_nuevas_2025", "lenguaje,preguntas")
    report = run(datos)
    assert report["status"] == "fail"
    assert report["datasets"]["so_volumen"] == "fail"
    assert report["datasets"]["trend_score"] == "pass"
    result = check(report, "so_volumen", "required_columns")
    assert result["severity"] == "critical" and not result["passed"]
    assert result["failure_cases"][0]["column"] == "preguntas_nuevas_2025"
    assert "preguntas_nuevas_2025" in result["message"]


def test_malformed_values_are_all_reported_as_type_failures(datos):
    repos = datos / "staging/github/github_repos_2025.csv"
    edit_csv(repos, ",48210,", ",48k,")  # integer
    edit_csv(repos, "2025-12-02T17:40:03Z", "2025-13-02T17:40:03Z")  # not a real month
    edit_csv(repos, "2026-03-30T08:00:00Z", "yesterday")
    edit_csv(datos / "staging/github/github_lenguajes.csv", ",31.54", ",31.54%")  # float
    edit_csv(datos / "staging/stackoverflow/so_tendencias_mensuales.csv", "2026-10,", "2026-13,")  # pattern
    report = run(datos)
    assert report["status"] == "fail"
    repos_types = check(report, "github_repos", "types_valid")
    assert repos_types["observed"] == 3
    cases = {(c["column"], c["row"], c["value"]) for c in repos_types["failure_cases"]}
    assert cases == {("stars", 1, "48k"), ("created_at", 2, "2025-13-02T17:40:03Z"), ("created_at", 3, "yesterday")}
    assert not check(report, "github_lenguajes", "types_valid")["passed"]
    pattern = check(report, "so_tendencias", "types_valid")
    assert pattern["failure_cases"] == [{"column": "mes", "row": 12, "value": "2026-13", "check": "pattern"}]
    assert {n for n, s in report["datasets"].items() if s == "fail"} == {
        "github_repos",
        "github_lenguajes",
        "so_tendencias",
    }


def test_null_or_blank_in_a_critical_column_fails_but_an_empty_optional_value_does_not(datos):
    edit_csv(datos / "work/trend_score.csv", "3,TypeScript,", "3,   ,")
    edit_csv(datos / "staging/reddit/reddit_temas_emergentes.csv", "Cloud,190", "Cloud,")
    report = run(datos)
    assert report["status"] == "fail"
    trend = check(report, "trend_score", "critical_not_null")
    assert trend["failure_cases"] == [{"column": "tecnologia", "row": 3, "value": None, "check": "not_nullable"}]
    assert check(report, "reddit_temas", "critical_not_null")["failure_cases"][0]["column"] == "menciones"
    assert check(report, "reddit_temas", "types_valid")["passed"]  # a null is reported once, as a null
    # github_repos.description is not critical: the fixture's empty description is fine
    assert check(report, "github_repos", "critical_not_null")["passed"]


def test_negative_trend_score_fails_and_zero_passes(datos):
    path = datos / "work/trend_score.csv"
    edit_csv(path, ",1.1,2", ",0.0,2")
    assert check(run(datos), "trend_score", "trend_score_non_negative")["passed"]
    edit_csv(path, ",3.85,1", ",-0.01,1")
    report = run(datos)
    result = check(report, "trend_score", "trend_score_non_negative")
    assert not result["passed"] and result["threshold"] == "trend_score >= 0"
    assert result["failure_cases"][0]["value"] == "-0.01"
    assert report["status"] == "fail" and report["datasets"]["trend_score"] == "fail"


def test_duplicate_ranking_fails_even_when_written_differently(datos):
    edit_csv(datos / "work/trend_score.csv", "\n12,PHP", "\n011,PHP")  # 011 is ranking 11 again
    report = run(datos)
    result = check(report, "trend_score", "ranking_unique")
    assert not result["passed"] and report["status"] == "fail"
    assert {c["row"] for c in result["failure_cases"]} == {11, 12}


def test_failure_cases_are_capped_at_five_but_the_count_is_complete(datos):
    path = datos / "staging/stackoverflow/so_volumen_preguntas.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0]] + [line.split(",")[0] + ",n/a" for line in lines[1:]]) + "\n")
    result = check(run(datos), "so_volumen", "types_valid")
    assert result["observed"] == 12
    assert len(result["failure_cases"]) == 5


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"lenguaje,preguntas_nuevas_2025\npython,1,extra\n", "line 2: a ragged row: 3 fields where the header has 2"),
        (b"lenguaje,preguntas_nuevas_2025\npython\n", "line 2: a ragged row: 1 fields where the header has 2"),
        (b"lenguaje,preguntas_nuevas_2025\nc\xe9,1\n", "not UTF-8"),
        (b"", "is empty"),
        (None, "does not exist"),
    ],
)
def test_unreadable_file_is_a_clear_critical_failure_not_a_crash(datos, content, why):
    path = datos / "staging/stackoverflow/so_volumen_preguntas.csv"
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    report = run(datos)
    assert report["status"] == "fail"
    assert report["datasets"]["so_volumen"] == "fail"
    result = check(report, "so_volumen", "file_readable")
    assert result["severity"] == "critical" and why in result["message"] and str(path) in result["message"]
    assert report["datasets"]["so_aceptacion"] == "pass"  # the other datasets are still checked
    assert any("so_volumen.file_readable" in line and why in line for line in gate.summary_lines(report))


def test_a_dataset_without_a_contract_fails(datos):
    files = {"so_volumne": datos / "staging/stackoverflow/so_volumen_preguntas.csv"}
    report = run(datos, files, degradation=None)
    assert report["status"] == "fail"
    assert "no contract for dataset 'so_volumne'" in check(report, "so_volumne", "contract_known")["message"]


# --------------------------------------------------------------------------- warning rules -> pass_with_warnings


def test_empty_core_dataset_is_a_warning(datos):
    (datos / "staging/reddit/reddit_temas_emergentes.csv").write_text("tema,menciones\n")
    report = run(datos)
    result = check(report, "reddit_temas", "row_count_positive")
    assert (result["passed"], result["observed"], result["severity"]) == (False, 0, "warning")
    assert report["status"] == "pass_with_warnings"
    assert report["datasets"]["reddit_temas"] == "warning"


def test_stale_window_end_is_a_warning(datos):
    status = {s: status_doc(s) for s in ("github", "stackoverflow", "reddit")}
    status["github"] = status_doc("github", window_end=dt.datetime(2026, 11, 16, tzinfo=dt.UTC))
    report = run(datos, status=status)
    assert report["status"] == "pass_with_warnings"
    assert failed(report) == {
        (n, "freshness") for n in ("github_lenguajes", "github_repos", "github_commits", "github_correlacion")
    }
    result = check(report, "github_repos", "freshness")
    assert result["observed"]["window_age_hours"] == 174.0
    assert "window ended 174.0 h ago (max 48 h)" in result["message"]
    # trend_score takes the newest source: still fresh
    assert check(report, "trend_score", "freshness")["passed"]
    assert report["datasets"]["github_repos"] == "warning"


def test_old_staging_is_a_warning_and_trend_score_uses_the_newest_source(datos):
    old = NOW - dt.timedelta(hours=72)
    status = {s: status_doc(s, staged=old) for s in ("github", "stackoverflow", "reddit")}
    report = run(datos, status=status)
    assert {rule for _, rule in failed(report)} == {"freshness"}
    assert "staged 72.0 h ago (max 48 h)" in check(report, "trend_score", "freshness")["message"]
    status["reddit"] = status_doc("reddit")  # one fresh source makes the aggregate fresh
    report = run(datos, status=status)
    assert check(report, "trend_score", "freshness")["passed"]
    assert not check(report, "so_volumen", "freshness")["passed"]


def test_freshness_without_a_source_status_is_a_warning(datos):
    status = {s: status_doc(s) for s in ("github", "stackoverflow")}
    report = run(datos, status=status)
    result = check(report, "reddit_temas", "freshness")
    assert not result["passed"] and "no _source_status.json for reddit" in result["message"]
    assert report["status"] == "pass_with_warnings"


def test_rank_drift_against_the_previous_snapshot_is_a_warning(datos):
    trend = datos / "work/trend_score.csv"
    # a snapshot one week earlier where the ranking was upside down
    write_snapshot(
        datos,
        "trend_score",
        dt.date(2026, 11, 16),
        trend,
        edit=lambda f: f.assign(trend_score=f["trend_score"].iloc[::-1].to_numpy()),
    )
    report = run(datos)
    result = check(report, "trend_score", "distribution_drift")
    assert not result["passed"] and result["observed"] < 0.5
    assert "snapshot of 2026-11-16" in result["message"]
    assert result["failure_cases"]  # the technologies that moved most
    assert report["status"] == "pass_with_warnings" and report["datasets"]["trend_score"] == "warning"


def test_a_similar_previous_snapshot_passes_and_only_the_latest_earlier_one_counts(datos):
    trend = datos / "work/trend_score.csv"
    reversed_scores = lambda f: f.assign(trend_score=f["trend_score"].iloc[::-1].to_numpy())  # noqa: E731
    write_snapshot(datos, "trend_score", dt.date(2026, 11, 2), trend, edit=reversed_scores)  # older: ignored
    write_snapshot(datos, "trend_score", dt.date(2026, 11, 23), trend, edit=reversed_scores)  # same day: ignored
    write_snapshot(
        datos,
        "trend_score",
        dt.date(2026, 11, 16),
        trend,
        edit=lambda f: f.assign(trend_score=f["trend_score"] * 1.1),  # everything up 10 %, same order
    )
    result = check(run(datos), "trend_score", "distribution_drift")
    assert result["passed"] and result["observed"] == 1.0
    assert "snapshot of 2026-11-16" in result["message"]


def test_no_previous_snapshot_passes_drift_and_cardinality(datos):
    report = run(datos)
    for rule in ("distribution_drift", "cardinality_variation", "cardinality_drift"):
        result = check(report, "so_volumen", rule)
        assert result["passed"] and result["observed"] == "no previous snapshot"


def test_total_drift_is_a_warning(datos):
    stars = datos / "staging/github/github_repos_2025.csv"
    write_snapshot(datos, "github_repos", dt.date(2026, 11, 16), stars, edit=lambda f: f.assign(stars=f["stars"] * 3))
    report = run(datos)
    result = check(report, "github_repos", "distribution_drift")
    assert not result["passed"]
    assert result["observed"] == {"stars": 0.6667, "forks": 0.0}
    assert result["failure_cases"][0]["column"] == "stars"
    assert report["status"] == "pass_with_warnings"
    # a total that moved by less than the bound passes
    write_snapshot(datos, "github_repos", dt.date(2026, 11, 17), stars, edit=lambda f: f.assign(stars=f["stars"] + 10))
    assert check(run(datos), "github_repos", "distribution_drift")["passed"]


def test_unreadable_history_snapshot_is_reported_not_a_crash(datos):
    path = write_snapshot(
        datos, "so_volumen", dt.date(2026, 11, 16), datos / "staging/stackoverflow/so_volumen_preguntas.csv"
    )
    path.write_bytes(b"not parquet")
    report = run(datos)
    result = check(report, "so_volumen", "distribution_drift")
    assert (
        not result["passed"] and "unreadable" in result["message"] and "does not match the SHA-256" in result["message"]
    )
    assert report["status"] == "pass_with_warnings"


def test_a_bad_snapshot_is_skipped_for_the_one_before_it_and_unlisted_files_are_not_data(datos):
    volumen = datos / "staging/stackoverflow/so_volumen_preguntas.csv"
    write_snapshot(datos, "so_volumen", dt.date(2026, 11, 9), volumen)
    bad = write_snapshot(datos, "so_volumen", dt.date(2026, 11, 16), volumen)
    bad.write_bytes(bad.read_bytes()[:100])  # truncated
    stray = datos / "history/so_volumen/year=2026/month=11/day=22.bak/part-0000.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"junk")  # no record lists it: never read
    result = check(run(datos), "so_volumen", "distribution_drift")
    assert result["passed"] and "snapshot of 2026-11-09" in result["message"]


# --------------------------------------------------------------------------- cardinality: info within bounds, warning past


def test_minor_row_count_change_is_recorded_as_info_and_the_run_passes(datos):
    import pandas as pd

    languages = datos / "staging/github/github_lenguajes.csv"
    # last week had one language more (11 rows; 10 now: change 0.09 <= 0.2)
    write_snapshot(
        datos,
        "github_lenguajes",
        dt.date(2026, 11, 16),
        languages,
        edit=lambda f: pd.concat([f, pd.DataFrame([{"lenguaje": "Ruby", "repos_count": 40, "porcentaje": 1.5}])]),
    )
    report = run(datos)
    info = check(report, "github_lenguajes", "cardinality_variation")
    assert (info["passed"], info["severity"]) == (False, "info")
    assert info["observed"] == {"previous_rows": 11, "rows": 10, "relative_change": 0.0909}
    assert check(report, "github_lenguajes", "cardinality_drift")["passed"]
    assert report["status"] == "pass" and report["datasets"]["github_lenguajes"] == "pass"
    assert report["counts"]["failed_info"] == 1
    assert any(
        "INFO" in line and "github_lenguajes.cardinality_variation" in line for line in gate.summary_lines(report)
    )


def test_row_count_change_past_the_bound_is_a_warning(datos):
    languages = datos / "staging/github/github_lenguajes.csv"
    write_snapshot(datos, "github_lenguajes", dt.date(2026, 11, 16), languages, edit=lambda f: f.head(5))
    report = run(datos)
    assert not check(report, "github_lenguajes", "cardinality_drift")["passed"]
    assert report["status"] == "pass_with_warnings"


# --------------------------------------------------------------------------- optional columns (info)


def contract_with_optional_column():
    doc = copy.deepcopy(CONTRACTS["reddit_temas"].raw)
    doc["columns"].append(
        {"name": "subreddit", "type": "string", "required": False, "critical": False, "description": "x", "unit": None}
    )
    return {"reddit_temas": parse_contract(doc, "test")}


def test_missing_optional_column_is_an_info_finding_and_the_run_passes(datos):
    files = {"reddit_temas": datos / "staging/reddit/reddit_temas_emergentes.csv"}
    report = run(datos, files, degradation=None, contracts=contract_with_optional_column())
    result = check(report, "reddit_temas", "optional_columns_present")
    assert (result["passed"], result["severity"]) == (False, "info")
    assert result["failure_cases"][0]["column"] == "subreddit"
    assert report["status"] == "pass" and report["datasets"] == {"reddit_temas": "pass"}
    assert report["counts"]["failed_info"] == 1


def test_present_optional_column_passes_and_a_missing_one_is_not_a_required_failure(datos, tmp_path):
    path = tmp_path / "temas.csv"
    path.write_text("tema,menciones,subreddit\nCloud,3,r/devops\nDevOps,2,\n")
    report = run(datos, {"reddit_temas": path}, degradation=None, contracts=contract_with_optional_column())
    assert check(report, "reddit_temas", "optional_columns_present")["passed"]
    assert check(report, "reddit_temas", "required_columns")["passed"]


# --------------------------------------------------------------------------- degradation


def test_two_of_three_sources_is_a_warning_on_trend_score(datos):
    degraded = {
        "decision": "publish_with_warning",
        "available": ["github", "stackoverflow"],
        "unavailable": {"reddit": "HTTP 503 after 3 retries"},
        "reason": "2/3 sources",
    }
    files = {k: v for k, v in files_in(datos).items() if CONTRACTS[k].source != "reddit"}
    report = run(datos, files, degradation=degraded)
    assert report["status"] == "pass_with_warnings"
    assert report["datasets"]["trend_score"] == "warning"
    result = check(report, "trend_score", "sources_degraded")
    assert "reddit: HTTP 503 after 3 retries" in result["message"]
    assert check(report, "trend_score", "sources_too_few")["passed"]


@pytest.mark.parametrize("available", [["github"], []])
def test_one_or_zero_sources_fails_even_without_a_trend_score_file(datos, available):
    unavailable = {s: "status failed" for s in ("github", "stackoverflow", "reddit") if s not in available}
    decision = {"decision": "fail", "available": available, "unavailable": unavailable, "reason": "too few"}
    files = {k: v for k, v in files_in(datos).items() if CONTRACTS[k].source in available}
    report = run(datos, files, degradation=decision)
    assert report["status"] == "fail"
    assert report["datasets"]["trend_score"] == "fail"
    assert not check(report, "trend_score", "sources_too_few")["passed"]


def test_no_degradation_decision_means_the_degradation_rules_are_not_evaluated(datos):
    report = run(datos, degradation=None)
    assert report["status"] == "pass"
    assert check(report, "trend_score", "sources_degraded")["observed"] == "no degradation decision given"
    staged_only = {k: v for k, v in files_in(datos).items() if k != "trend_score"}
    assert "trend_score" not in run(datos, staged_only, degradation=None)["datasets"]


# --------------------------------------------------------------------------- the library writes nothing; summary; CLI


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def test_evaluate_writes_nothing(datos):
    write_snapshot(datos, "so_volumen", dt.date(2026, 11, 16), datos / "staging/stackoverflow/so_volumen_preguntas.csv")
    edit_csv(datos / "work/trend_score.csv", "\n12,PHP", "\n11,PHP")  # a critical failure too
    before, cwd_before = tree(datos.parent), tree(ROOT / "datos") if (ROOT / "datos").exists() else {}
    report = run(datos)
    assert report["status"] == "fail"
    assert tree(datos.parent) == before
    assert (tree(ROOT / "datos") if (ROOT / "datos").exists() else {}) == cwd_before


def test_summary_lines_say_what_failed_where_and_why(datos):
    edit_csv(datos / "work/trend_score.csv", "\n12,PHP", "\n11,PHP")
    (datos / "staging/reddit/reddit_temas_emergentes.csv").write_text("tema,menciones\n")
    lines = gate.summary_lines(run(datos))
    assert lines[0].startswith("quality gate: fail (")
    assert "1 critical, 1 warning, 0 info" in lines[0]
    assert lines[1].startswith("  CRITICAL trend_score.ranking_unique: 2 row(s) share a ranking value")
    assert "row 11 ranking='11'" in lines[1]
    assert lines[2].startswith("  WARNING  reddit_temas.row_count_positive: the file has no data row")
    assert lines[-1] == "  datasets: reddit_temas=warning, trend_score=fail"


def test_rule_schema_refuses_unknown_checks_and_missing_thresholds():
    doc = copy.deepcopy(CONTRACTS["trend_score"].raw)
    doc["quality_rules"].append({"id": "x", "check": "row_count_between", "severity": "warning"})
    with pytest.raises(PipelineError, match="row_count_between"):
        parse_contract(doc, "t")
    doc = copy.deepcopy(CONTRACTS["trend_score"].raw)
    doc["quality_rules"].append({"id": "x", "check": "freshness", "severity": "warning"})
    with pytest.raises(PipelineError, match="'params' is a required property"):
        parse_contract(doc, "t")
    doc = copy.deepcopy(CONTRACTS["trend_score"].raw)
    doc["quality_rules"].append(
        {"id": "types_valid", "check": "unique", "severity": "critical", "params": {"column": "rank"}}
    )
    problems = gate.contract_problems(parse_contract(doc, "t"))
    assert problems == [
        "rule id 'types_valid' appears more than once",
        "rule 'types_valid' names unknown column 'rank'",
    ]


def test_thresholds_come_from_the_contract(datos):
    contracts = dict(CONTRACTS)
    doc = copy.deepcopy(CONTRACTS["so_volumen"].raw)
    for rule in doc["quality_rules"]:
        if rule["id"] == "freshness":
            rule["params"] = {"max_window_age_hours": 2, "max_staged_age_hours": 48}
    contracts["so_volumen"] = parse_contract(doc, "t")
    report = run(datos, contracts=contracts)
    assert failed(report) == {("so_volumen", "freshness")}
    assert check(report, "so_volumen", "freshness")["threshold"]["max_window_age_hours"] == 2


@pytest.fixture
def cli(monkeypatch, capsys):
    """main() in-process (fast), through the same run_cli wrapper the script uses."""

    def call(datos: Path, *args: str, run_date: dt.date):
        monkeypatch.setenv("DATOS", str(datos))
        monkeypatch.setenv("RUN_DATE", run_date.isoformat())
        code = common_run_cli(gate.main, list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def stage_status(datos: Path, run_date: dt.date) -> None:
    for source in ("github", "stackoverflow", "reddit"):
        folder = datos / "staging" / source
        names = sorted(p.name for p in folder.glob("*.csv"))
        write_source_status(folder, source=source, status="ok", run_date=run_date, files=names)


@pytest.mark.slow
def test_make_gate_passes_on_good_staging_and_writes_the_report(datos, tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    stage_status(datos, today)
    report_path = tmp_path / "report.json"
    out = subprocess.run(
        # EXTRACT=0: judge what is staged (the report the run's commit step would use), never re-extract
        ["make", "-s", "gate", f"DATOS={datos}", f"RUN_DATE={today}", f"GATE_REPORT={report_path}", "EXTRACT=0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("quality gate: pass (")
    report = json.loads(report_path.read_text())
    assert set(report["datasets"]) == set(CONTRACTS)  # work/trend_score.csv picked up by default
    assert report["status"] == "pass"


def test_cli_exits_1_on_a_critical_failure_and_0_on_warnings(datos, cli):
    today = dt.datetime.now(dt.UTC).date()
    stage_status(datos, today)
    # reddit failed: its extractor wrote an honest `failed` status and no CSV -> 2/3 sources, a warning
    shutil.rmtree(datos / "staging/reddit")
    write_source_status(
        datos / "staging/reddit", source="reddit", status="failed", run_date=today, files=[], errors=["HTTP 503"]
    )
    code, out, _ = cli(datos, run_date=today)
    assert code == 0, out
    assert out.startswith("quality gate: pass_with_warnings")
    assert "trend_score.sources_degraded: 2/3 sources available" in out
    edit_csv(datos / "work/trend_score.csv", "\n12,PHP", "\n11,PHP")
    code, out, _ = cli(datos, run_date=today)
    assert code == 1
    assert "CRITICAL trend_score.ranking_unique" in out


def test_cli_flags_a_staged_file_that_no_longer_matches_its_status(datos, cli, tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    stage_status(datos, today)
    edit_csv(datos / "staging/github/github_lenguajes.csv", "Shell,50", "Shell,51")
    code, out, _ = cli(datos, "--trend-score", str(tmp_path / "missing.csv"), run_date=today)
    assert code == 1
    assert "WARNING  trend_score.sources_degraded" in out and "does not match its recorded SHA-256" in out
    assert "CRITICAL trend_score.file_readable" in out and "missing.csv does not exist" in out


def test_cli_without_staging_folder_says_what_to_do(tmp_path, cli):
    code, _, err = cli(tmp_path / "nowhere", run_date=RUN_DATE)
    assert code == 2
    assert "staging folder" in err and "make demo" in err
    with pytest.raises(SystemExit) as exc:
        gate.main(["-h"])
    assert exc.value.code == 0


def test_the_gate_doc_names_every_rule_and_check_kind():
    doc = (ROOT / "docs/quality_gate.md").read_text(encoding="utf-8")
    for contract in CONTRACTS.values():
        for rule in contract.quality_rules:
            assert f"`{rule['id']}`" in doc and f"`{rule['check']}`" in doc, rule


def test_an_inconsistent_contract_fails_its_dataset_with_the_reason(datos):
    doc = copy.deepcopy(CONTRACTS["so_volumen"].raw)
    doc["quality_rules"].append(
        {"id": "lang_unique", "check": "unique", "severity": "critical", "params": {"column": "language"}}
    )
    contracts = {**CONTRACTS, "so_volumen": parse_contract(doc, "t")}
    report = run(datos, contracts=contracts)
    assert report["status"] == "fail" and report["datasets"]["so_volumen"] == "fail"
    assert (
        "rule 'lang_unique' names unknown column 'language'" in check(report, "so_volumen", "contract_valid")["message"]
    )

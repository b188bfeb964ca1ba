"""The degradation policy: which staged sources the trend score may use, and with which weights."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import pytest

import degradation
from lib import ROOT, SOURCES, PipelineError
from lib.status import write_source_status
from staged_run import run_in_process
from trend_engine import DEFAULT_WEIGHTS, INPUT_FILES

CASE = ROOT / "tests" / "fixtures" / "equivalence" / "realistic_week"
RUN_DATE = dt.date(2026, 11, 23)


def stage(root, source, status="ok"):
    """Stage `source` as its extractor would: the V1 file plus an honest _source_status.json."""
    folder = root / source
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CASE / INPUT_FILES[source], folder / INPUT_FILES[source])
    errors = ["HTTP 503 after 4 attempts"] if status == "failed" else []
    write_source_status(
        folder, source=source, status=status, run_date=RUN_DATE, files=[INPUT_FILES[source]], errors=errors
    )
    return folder


def test_three_sources_publish_with_the_default_weights(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    doc = degradation.decide(tmp_path)
    assert doc["decision"] == "publish"
    assert doc["available"] == ["github", "stackoverflow", "reddit"]
    assert doc["unavailable"] == {}
    assert doc["weights"] == DEFAULT_WEIGHTS


@pytest.mark.parametrize("missing", SOURCES)
def test_two_sources_publish_with_a_warning_and_renormalised_weights(tmp_path, missing):
    for source in SOURCES:
        if source != missing:
            stage(tmp_path, source)
    doc = degradation.decide(tmp_path)
    assert doc["decision"] == "publish_with_warning"
    assert missing in doc["unavailable"] and missing in doc["reason"]
    assert doc["weights"][missing] == 0
    assert math.isclose(sum(doc["weights"].values()), 1.0)
    kept = [s for s in SOURCES if s != missing]
    total = sum(DEFAULT_WEIGHTS[s] for s in kept)
    for source in kept:
        assert math.isclose(doc["weights"][source], DEFAULT_WEIGHTS[source] / total)


def test_no_reddit_gives_the_weights_of_the_v1_table(tmp_path):
    stage(tmp_path, "github")
    stage(tmp_path, "stackoverflow")
    weights = degradation.decide(tmp_path)["weights"]
    assert weights["github"] == pytest.approx(0.40 / 0.75) and weights["stackoverflow"] == pytest.approx(0.35 / 0.75)


@pytest.mark.parametrize("only", SOURCES)
def test_one_source_fails(tmp_path, only):
    stage(tmp_path, only)
    doc = degradation.decide(tmp_path)
    assert doc["decision"] == "fail"
    assert doc["available"] == [only]
    assert f"only {only} available" in doc["reason"]


def test_no_source_fails(tmp_path):
    doc = degradation.decide(tmp_path)
    assert doc["decision"] == "fail"
    assert doc["available"] == []
    assert doc["weights"] == {"github": 0.0, "stackoverflow": 0.0, "reddit": 0.0}
    assert set(doc["unavailable"]) == set(SOURCES)


def test_a_staged_file_changed_after_its_status_was_written_is_unavailable(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    staged = tmp_path / "stackoverflow" / INPUT_FILES["stackoverflow"]
    staged.write_text(staged.read_text(encoding="utf-8") + "rust,99999\n", encoding="utf-8")
    doc = degradation.decide(tmp_path)
    assert doc["decision"] == "publish_with_warning"
    assert "stackoverflow" not in doc["available"]
    assert "SHA-256" in doc["unavailable"]["stackoverflow"]


def test_missing_status_file_is_unavailable(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    (tmp_path / "github" / "_source_status.json").unlink()
    doc = degradation.decide(tmp_path)
    assert "github" not in doc["available"]
    assert doc["sources"]["github"]["status"] == "missing"
    assert "does not exist" in doc["unavailable"]["github"]


def test_an_unreadable_status_file_is_unavailable(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    (tmp_path / "reddit" / "_source_status.json").write_text('{"status": "ok"', encoding="utf-8")
    doc = degradation.decide(tmp_path)
    assert doc["sources"]["reddit"]["status"] == "invalid"
    assert "not valid JSON" in doc["unavailable"]["reddit"]


def test_failed_status_is_unavailable_and_partial_is_available(tmp_path):
    stage(tmp_path, "github", status="failed")
    stage(tmp_path, "stackoverflow", status="partial")
    stage(tmp_path, "reddit")
    doc = degradation.decide(tmp_path)
    assert doc["available"] == ["stackoverflow", "reddit"]
    assert doc["unavailable"]["github"].startswith("status is failed: HTTP 503")
    assert doc["sources"]["stackoverflow"]["status"] == "partial"


def test_a_status_that_does_not_list_the_trend_input_is_unavailable(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    folder = tmp_path / "reddit"
    (folder / "other.csv").write_text("a\n1\n", encoding="utf-8")
    write_source_status(folder, source="reddit", status="ok", run_date=RUN_DATE, files=["other.csv"])
    doc = degradation.decide(tmp_path)
    assert "reddit_temas_emergentes.csv is not among the staged files" in doc["unavailable"]["reddit"]


def test_cli_writes_the_decision_and_exits_0_even_when_it_is_fail(tmp_path):
    stage(tmp_path / "staging", "github")
    out = tmp_path / "work" / "degradation.json"
    proc = run_in_process(
        [str(ROOT / "scripts/degradation.py"), "--staging", str(tmp_path / "staging"), "--output", str(out)],
        {"PATH": "/usr/bin:/bin", "DATOS": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["decision"] == "fail"
    assert proc.stderr.strip().splitlines()[-1].startswith(f"wrote {out}: fail")


def test_cli_defaults_to_the_run_folder(tmp_path):
    for source in SOURCES:
        stage(tmp_path / "staging", source)
    proc = run_in_process(
        [str(ROOT / "scripts/degradation.py")],
        {"PATH": "/usr/bin:/bin", "DATOS": str(tmp_path), "RUN_DATE": RUN_DATE.isoformat()},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "work" / "degradation.json").read_text(encoding="utf-8"))["decision"] == "publish"


def test_configured_weights_are_renormalised_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setenv("TREND_WEIGHTS", "github=0.5,stackoverflow=0.3,reddit=0.2")
    for source in ("github", "stackoverflow"):
        stage(tmp_path, source)
    weights = degradation.decide(tmp_path)["weights"]
    assert math.isclose(weights["github"], 0.5 / 0.8) and math.isclose(weights["stackoverflow"], 0.3 / 0.8)
    stage(tmp_path, "reddit")
    assert degradation.decide(tmp_path)["weights"] == {"github": 0.5, "stackoverflow": 0.3, "reddit": 0.2}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("github=0.5,stackoverflow=0.5,reddit=0.5", "adds up to 1.5, not 1"),
        ("gitlab=1", "unknown source 'gitlab'"),
        ("github=lots", "github='lots' is not a number"),
        ("github=-0.1,stackoverflow=0.85,reddit=0.25", "must be a number >= 0"),
    ],
)
def test_bad_configured_weights_are_named(tmp_path, monkeypatch, value, message):
    monkeypatch.setenv("TREND_WEIGHTS", value)
    stage(tmp_path, "github")
    with pytest.raises(PipelineError, match=message):
        degradation.decide(tmp_path)


def test_a_source_staged_for_another_run_date_is_unavailable(tmp_path):
    for source in SOURCES:
        stage(tmp_path, source)
    write_source_status(
        tmp_path / "reddit",
        source="reddit",
        status="ok",
        run_date=dt.date(2026, 11, 16),
        files=[INPUT_FILES["reddit"]],
    )
    assert degradation.decide(tmp_path)["decision"] == "publish"  # without a run date, nothing to compare
    doc = degradation.decide(tmp_path, RUN_DATE)
    assert doc["decision"] == "publish_with_warning"
    assert doc["unavailable"]["reddit"] == "staged for 2026-11-16, not for this run's 2026-11-23"

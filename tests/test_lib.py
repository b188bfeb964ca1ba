"""The shared module: settings, redaction, atomic writes, source status files, the SQL runner."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

import lib.duck
from lib import ROOT, PipelineError
from lib.cli import run_cli
from lib.duck import duckdb_connect, run_sql_file
from lib.files import atomic_path, atomic_write_text, read_json
from lib.log import get_logger, redact
from lib.settings import iso_utc, require_secrets, settings, window_for
from lib.status import check_source, write_source_status

SENTINEL = "sk-SENTINEL-0123456789abcdef"


def test_window_is_365_days_before_the_run_date():
    start, end = window_for(dt.date(2026, 11, 23))
    assert iso_utc(end) == "2026-11-23T00:00:00Z"
    assert iso_utc(start) == "2025-11-23T00:00:00Z"


def test_settings_reject_bad_run_date_and_run_id():
    with pytest.raises(PipelineError, match="RUN_DATE='2026-13-01' is not a date"):
        settings({"RUN_DATE": "2026-13-01"})
    with pytest.raises(PipelineError, match="RUN_ID='x' is not a uuid"):
        settings({"RUN_DATE": "2026-11-23", "RUN_ID": "x"})
    s = settings({"RUN_DATE": "2026-11-23", "RUN_ID": "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"})
    assert s.run_id == "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
    with pytest.raises(PipelineError, match="not in canonical form: write it as 3f2b8c1e-4d5a"):
        settings({"RUN_DATE": "2026-11-23", "RUN_ID": "3F2B8C1E-4D5A-4B6C-8D7E-9F0A1B2C3D4E"})


def test_require_secrets_names_the_missing_ones_only():
    with pytest.raises(PipelineError) as err:
        require_secrets(("GH_PAT", "STACKOVERFLOW_KEY"), {"GH_PAT": SENTINEL})
    assert "STACKOVERFLOW_KEY" in str(err.value)
    assert "GH_PAT" not in str(err.value)
    assert "make demo" in str(err.value)


def test_redact_masks_secret_values_and_credential_shapes(monkeypatch):
    monkeypatch.setenv("STACKOVERFLOW_KEY", SENTINEL)
    text = (
        f"GET https://api.stackexchange.com/2.3/search/advanced?site=stackoverflow&key={SENTINEL}&tagged=go failed; "
        "headers {'Authorization': 'Bearer ghp_abcdefghijklmnopqrstuvwxyz0123'} "
        '{"access_token": "eyJhbGciOi.token.value", "token_type": "bearer"} value ' + SENTINEL
    )
    out = redact(text)
    assert SENTINEL not in out
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123" not in out
    assert "eyJhbGciOi" not in out
    assert "key=***&tagged=go" in out
    assert redact("the token expired") == "the token expired"


def test_logger_redacts_messages_and_tracebacks(monkeypatch, capsys):
    monkeypatch.setenv("GH_PAT", SENTINEL)
    log = get_logger("test")
    try:
        raise RuntimeError(f"boom with {SENTINEL}")
    except RuntimeError:
        log.exception("request failed for token %s", SENTINEL)
    err = capsys.readouterr().err
    assert "request failed" in err and "boom with ***" in err
    assert SENTINEL not in err


def test_run_cli_turns_errors_into_one_redacted_line(monkeypatch, capsys):
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", SENTINEL)

    def main(argv):
        raise PipelineError(f"reddit: token request failed ({SENTINEL})")

    assert run_cli(main, []) == 2
    assert capsys.readouterr().err == "error: reddit: token request failed (***)\n"


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out" / "file.csv"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in target.parent.iterdir()] == ["file.csv"]


def test_read_json_errors_name_the_file(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(PipelineError, match=r"manifest: .*x\.json is not valid JSON"):
        read_json(bad, "manifest")
    with pytest.raises(PipelineError, match=r"manifest: .*missing\.json does not exist"):
        read_json(tmp_path / "missing.json", "manifest")


def test_source_status_round_trip_and_checksum_mismatch(tmp_path, monkeypatch):
    monkeypatch.setenv("GH_PAT", SENTINEL)
    (tmp_path / "a.csv").write_text('x,y\n1,"two\nlines"\n3,4\n')
    doc = write_source_status(
        tmp_path,
        source="github",
        status="partial",
        run_date=dt.date(2026, 11, 23),
        files=["a.csv"],
        requests=5,
        retries=1,
        warnings=[f"slow answer with {SENTINEL}"],
    )
    assert doc["files"]["a.csv"]["rows"] == 2
    assert doc["window_start_utc"] == "2025-11-23T00:00:00Z"
    written = (tmp_path / "_source_status.json").read_text()
    assert SENTINEL not in written
    status, problems = check_source(tmp_path)
    assert problems == [] and status["status"] == "partial"

    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    _, problems = check_source(tmp_path)
    assert len(problems) == 1 and "does not match its recorded SHA-256" in problems[0]
    (tmp_path / "a.csv").unlink()
    assert "is missing" in check_source(tmp_path)[1][0]
    (tmp_path / "_source_status.json").write_text(json.dumps({"source": "github"}))
    assert "'status' is a required property" in " ".join(check_source(tmp_path)[1])


def test_run_sql_file_binds_variables(tmp_path, monkeypatch):
    (tmp_path / "probe.sql").write_text("select getvariable('who') as who, getvariable('n') + 1 as n\n")
    monkeypatch.setattr(lib.duck, "SQL_DIR", tmp_path)
    con = duckdb_connect()
    assert run_sql_file(con, "probe.sql", {"who": "it's", "n": 41}).fetchall() == [("it's", 42)]
    with pytest.raises(PipelineError, match="does not exist"):
        run_sql_file(con, "missing.sql")


@pytest.mark.slow
def test_make_prints_help_with_every_verb():
    out = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    verbs = subprocess.run(["make", "-pRrq", "-f", "Makefile", ":"], cwd=ROOT, capture_output=True, text=True).stdout
    phony = next(line for line in verbs.splitlines() if line.startswith(".PHONY:")).split(":", 1)[1].split()
    assert phony
    for verb in phony:
        assert f"make {verb} " in out, f"`make {verb}` has no ## description in `make help`"


def test_data_contract_doc_is_rendered_from_the_contracts():
    from dev.contract_doc import render

    assert (ROOT / "docs/data_contract.md").read_text(encoding="utf-8") == render(), "run `make docs`"

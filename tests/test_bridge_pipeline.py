"""The bridge in the run's commit and in publish: the 24-file set, the record's verdict, and BRIDGE_EXPORT=0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bridge
import history
from lib.files import sha256_file
from staged_run import RUN_DATE, run_script, stage

pytestmark = pytest.mark.slow  # each test runs the aggregate step and publish

RUN_A = "aaaaaaaa-1111-4111-8111-111111111111"
RUN_B = "bbbbbbbb-2222-4222-8222-222222222222"


def aggregate(datos: Path, run_id: str, **env: str):
    run = run_script("aggregate.py", datos, run_id=run_id, **env)
    assert run.returncode == 0, run.stderr
    return json.loads((datos / "metadata/runs" / f"{run_id}.json").read_text())


def publish(datos: Path, site: Path, **env: str):
    return run_script("publish.py", datos, "--out", str(site), **env)


@pytest.fixture
def datos(tmp_path) -> Path:
    folder = tmp_path / "datos"
    stage(folder)
    return folder


def test_a_run_commits_its_bridge_files_and_publish_copies_exactly_them(datos, tmp_path):
    record = aggregate(datos, RUN_A)
    assert sorted(record["dashboard_files"]) == sorted(bridge.BRIDGE_FILES)
    assert record["bridge"] == {"valid": True, "problems": []}
    for name, sha in record["dashboard_files"].items():
        assert sha256_file(datos / "latest" / name) == sha
    site = tmp_path / "site"
    assert publish(datos, site).returncode == 0
    files = {p.name: p.read_bytes() for p in site.iterdir()}
    assert sorted(files) == sorted(bridge.ALLOWLIST)
    assert bridge.check_integrity(files, expect_previous=False) == [] and bridge.check_budgets(files) == []
    # history_index.json and trend_score_history.json are the run's own files in latest/, byte for byte
    for name in ("history_index.json", "trend_score_history.json"):
        assert files[name] == (datos / "latest" / name).read_bytes()


def test_bridge_export_off_publishes_the_csvs_only_and_on_again_restores_the_set(datos, tmp_path):
    site = tmp_path / "site"
    aggregate(datos, RUN_A)
    assert publish(datos, site).returncode == 0
    off = aggregate(datos, RUN_B, BRIDGE_EXPORT="0", RUN_DATE=(RUN_DATE.replace(day=30)).isoformat())
    assert off["dashboard_files"] == {}
    assert off["bridge"] == {"valid": False, "problems": ["bridge export off (BRIDGE_EXPORT=0)"]}
    assert not list((datos / "latest").glob("*.json"))
    assert publish(datos, site).returncode == 0
    # the previous publish's bridge files are gone: the dashboard falls back to its CSVs
    assert sorted(p.name for p in site.iterdir()) == sorted([*bridge.CSV_FILES, "run_manifest.json"])
    on = aggregate(datos, "cccccccc-3333-4333-8333-333333333333", RUN_DATE=(RUN_DATE.replace(day=30)).isoformat())
    assert sorted(on["dashboard_files"]) == sorted(bridge.BRIDGE_FILES) and on["bridge"]["valid"] is True
    assert publish(datos, site).returncode == 0
    assert sorted(p.name for p in site.iterdir()) == sorted(bridge.ALLOWLIST)
    history_doc = json.loads((site / "trend_score_history.json").read_text())
    assert [s["date"] for s in history_doc["snapshots"]] == [RUN_DATE.isoformat(), "2026-11-30"]


def test_publish_refuses_a_set_that_breaks_the_dashboards_budgets(datos, tmp_path):
    record = aggregate(datos, RUN_A)
    site = tmp_path / "site"
    assert publish(datos, site).returncode == 0
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    # a committed bridge file grown past the 150 KiB per-file budget (its record updated to match): refused
    big = datos / "latest/technology_profiles.json"
    big.write_bytes(big.read_bytes() + b" " * 160 * 1024)
    record["dashboard_files"]["technology_profiles.json"] = sha256_file(big)
    path = datos / "metadata/runs" / f"{RUN_A}.json"
    path.write_text(json.dumps(record))
    run = publish(datos, site)
    assert run.returncode == 2 and "technology_profiles.json" in run.stderr and "nothing was published" in run.stderr
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before
    assert history.latest_committed(datos)["run_id"] == RUN_A

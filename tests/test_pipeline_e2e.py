"""End to end: the real make targets on the bundled recorded data, in a temporary copy of the project.

One `make demo` per session (conftest.demo_project); a test that changes the project works on its own copy of it."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

import bridge
import history
import publish
from commit_checks import committed_set
from lib import SECRET_NAMES
from lib.contracts import load_contracts
from lib.files import sha256_file
from project import copy_built, make

DEMO_DATE = "2026-11-23"
V1_FILES = sorted(c.v1_file for c in load_contracts().values())

pytestmark = pytest.mark.slow


@pytest.fixture
def project(demo_project) -> Path:
    """The project copy the demo ran in; tests that only read it, or send their data elsewhere, share it."""
    return demo_project.repo


@pytest.fixture
def own_demo(demo_project, tmp_path) -> Path:
    """A copy of the built demo project that this test may change (Make sees it exactly as up to date)."""
    return copy_built(demo_project.repo, tmp_path / "repo")


def state(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


DEMO_VARS = (
    "DATOS=demo/datos",
    "PUBLISH_DIR=demo/site",
    f"RUN_DATE={DEMO_DATE}",
    "OFFLINE=1",
    f"AS_OF={DEMO_DATE}T06:00:00Z",
)


def test_demo_produces_the_full_published_layout(project, demo_project):
    datos = project / "demo/datos"
    assert sorted(p.name for p in (datos / "latest").iterdir()) == sorted([*V1_FILES, *bridge.BRIDGE_FILES])
    for contract in load_contracts().values():
        assert (datos / f"history/{contract.name}/year=2026/month=11/day=23/part-0000.parquet").is_file()
        assert (datos / contract.v1_file).is_file()
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert manifest["run_date"] == DEMO_DATE and manifest["published"] is True
    assert (datos / "metadata/runs" / f"{manifest['run_id']}.json").is_file()
    site = {p.name: p.read_bytes() for p in (project / "demo/site").iterdir()}
    # the existing dashboard's 24-file contract, nothing else: its asset policy, integrity minima with a previous
    # week present, and size budgets
    assert sorted(site) == sorted(bridge.ALLOWLIST) and len(site) == 24
    assert bridge.check_integrity(site, expect_previous=True) == []
    assert bridge.check_budgets(site) == []
    assert "quality gate" in demo_project.stdout and "top 10 technologies" in demo_project.stdout
    assert "Python" in demo_project.stdout
    # six recorded weeks, replayed in order: each dataset has one committed snapshot per week
    from history import snapshots

    weeks = ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", DEMO_DATE]
    for contract in load_contracts().values():
        assert [s.date.isoformat() for s in snapshots(datos, contract.name)] == weeks, contract.name
    with open(datos / "latest/github_commits_frameworks.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["framework"] for r in rows] == ["Next.js", "Angular", "React", "Svelte", "Vue 3"]  # swapped on 11-16
    assert all(r["commits_prev"] and r["trend_direction"] for r in rows)  # the week before is in the history


def test_a_second_demo_rewrites_nothing(own_demo):
    project = own_demo
    before = state(project / "demo")
    time.sleep(0.05)  # so that any rewrite would show in the mtimes
    again = make(project, "demo")
    assert again.returncode == 0, again.stderr
    assert state(project / "demo") == before
    assert "extract_" not in again.stdout and "aggregate.py" not in again.stdout
    assert make(project, "-q", "demo/site/run_manifest.json", *DEMO_VARS).returncode == 0
    assert make(project, "-q", f"demo/weeks/{DEMO_DATE}.done").returncode == 0  # the weeks do not rebuild each other


def test_touching_the_trend_sql_rebuilds_trend_and_downstream_only(own_demo):
    project = own_demo
    datos = project / "demo/datos"
    staged = state(datos / "staging")
    trend = (datos / "work/trend_score.csv").stat().st_mtime_ns
    time.sleep(0.05)
    (project / "sql/trend_score.sql").touch()
    # the last week's own build (`make demo` would replay every week: each depends on the code)
    run = make(project, "demo/site/run_manifest.json", *DEMO_VARS)
    assert run.returncode == 0, run.stderr
    assert "extract_" not in run.stdout and "degradation.py" not in run.stdout
    assert "trend_engine.py" in run.stdout and "aggregate.py" in run.stdout and "publish.py" in run.stdout
    assert state(datos / "staging") == staged
    assert (datos / "work/trend_score.csv").stat().st_mtime_ns > trend
    assert len(list((datos / "metadata/runs").glob("*.json"))) == 7  # six weeks, then this rerun


def test_a_corrupted_staged_file_makes_its_source_unavailable(own_demo):
    project = own_demo
    datos = project / "demo/datos"
    staged = datos / "staging/reddit/reddit_temas_emergentes.csv"
    staged.write_text(staged.read_text().replace("\n", "\n#", 1))
    run = make(project, "demo/site/run_manifest.json", *DEMO_VARS)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((datos / "metadata/run_manifest.json").read_text())
    assert manifest["quality_gate_status"] == "pass_with_warnings"
    assert manifest["degradation"]["available"] == ["github", "stackoverflow"]
    assert "reddit" in manifest["degradation"]["unavailable"]
    weights = manifest["degradation"]["weights"]
    assert weights["reddit"] == 0 and abs(weights["github"] + weights["stackoverflow"] - 1) < 1e-9
    assert abs(weights["github"] - 0.40 / 0.75) < 1e-9
    assert "pass_with_warnings" in run.stdout


def test_weekly_without_secrets_fails_in_preflight_naming_them(project, tmp_path):
    run = make(project, "weekly", f"DATOS={tmp_path}/datos", "PUBLISH_DIR=" + str(tmp_path / "site"))
    assert run.returncode != 0
    for name in SECRET_NAMES:
        assert name in run.stderr
    assert "make demo" in run.stderr
    assert not (tmp_path / "datos/raw").exists() and not (tmp_path / "datos/staging").exists()
    partial = make(project, "weekly", f"DATOS={tmp_path}/datos", GH_PAT="x" * 20, REDDIT_CLIENT_ID="y" * 20)
    assert partial.returncode != 0
    assert "STACKOVERFLOW_KEY, REDDIT_CLIENT_SECRET" in partial.stderr
    assert "GH_PAT" not in partial.stderr.split("missing secret(s):")[1]


def test_the_dashboard_data_matches_what_was_published(project, demo_project):
    """The dashboard folder holds the committed run's files byte for byte, and its manifest names that run."""
    site = project / "demo/site"
    datos = project / "demo/datos"
    record = history.latest_committed(datos)
    assert (site / "run_manifest.json").read_bytes() == publish.dashboard_manifest(datos, record)
    for name, sha in committed_set(record).items():
        if name in bridge.ALLOWLIST:
            assert sha256_file(site / name) == sha == sha256_file(datos / "latest" / name)
    assert (site / "trend_score.csv").read_bytes() == (project / "demo/datos/latest/trend_score.csv").read_bytes()


def test_a_live_weekly_run_against_the_replay_server(project, tmp_path, replay):
    """`make weekly` with every source live (real HTTP to a local server), then again: the second run asks nothing."""
    from test_extract_github import serve_recorded as serve_github
    from test_extract_reddit import ACCESS_TOKEN, python_posts
    from test_extract_reddit import serve as serve_reddit
    from test_extract_stackoverflow import serve_recorded as serve_stackexchange

    serve_github(replay)
    serve_stackexchange(replay)
    serve_reddit(replay, {"python": python_posts(5)})
    secrets = {
        "GH_PAT": "ghp_SENTINEL0github0token0123456789",
        "STACKOVERFLOW_KEY": "so-SENTINEL-key-0123456789",
        "REDDIT_CLIENT_ID": "cid-SENTINEL-5e6f7a8b",
        "REDDIT_CLIENT_SECRET": "sk-SENTINEL-reddit-secret-0123456789",
    }
    settings = {
        "DATOS": str(tmp_path / "datos"),
        "PUBLISH_DIR": str(tmp_path / "site"),
        "RUN_DATE": DEMO_DATE,  # the recorded responses' date; AS_OF is left to the real clock
        "GITHUB_API_URL": replay.url,
        "STACKEXCHANGE_API_URL": replay.url,
        "REDDIT_OAUTH_URL": replay.url,
        "REDDIT_URL": replay.url,
        "REDDIT_SUBREDDITS": "python",
        "REDDIT_MAX_POSTS": "5",
        "HTTP_TIMEOUT": "2",
        "HTTP_BACKOFF_BASE": "0.01",
        "LOG_LEVEL": "DEBUG",
    }
    run = make(project, "weekly", **secrets, **settings)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    requests = len(replay.requests)
    assert len(replay.hits("/search/repositories")) == 65 and replay.hits("/r/python/new")
    statuses = {
        s: json.loads((tmp_path / f"datos/staging/{s}/_source_status.json").read_text())["status"]
        for s in ("github", "stackoverflow", "reddit")
    }
    assert statuses == {"github": "ok", "stackoverflow": "ok", "reddit": "ok"}
    manifest = history.latest_committed(tmp_path / "datos")
    assert manifest["published"] is True
    # judged by today's clock the recorded week is days old: published, flagged stale, nothing else wrong
    assert manifest["quality_gate_status"] == "pass_with_warnings"
    public = json.loads((tmp_path / "site/run_manifest.json").read_text())
    assert (
        public["quality_gate_status"] == "pass_with_warnings"
        and public["generated_at_utc"] == manifest["generated_at_utc"]
    )
    report = json.loads((tmp_path / "datos" / manifest["quality_report"]).read_text())
    assert {c["rule"] for c in report["checks"] if not c["passed"]} == {"freshness"}

    again = make(project, "weekly", **secrets, **settings)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(replay.requests) == requests  # nothing asked twice

    leaked = [*secrets.values(), ACCESS_TOKEN]
    for text in (run.stdout, run.stderr, again.stdout, again.stderr):
        assert not [s for s in leaked if s in text]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = __import__("gzip").decompress(data)
            assert not [s for s in leaked if s.encode() in data], path


def test_changing_the_weights_rescores_without_re_extracting(own_demo):
    project = own_demo
    weights = "TREND_WEIGHTS=github=0.5,stackoverflow=0.3,reddit=0.2"
    run = make(project, "demo/site/run_manifest.json", *DEMO_VARS, weights)
    assert run.returncode == 0, run.stderr
    assert "extract_" not in run.stdout
    assert "degradation.py" in run.stdout and "trend_engine.py" in run.stdout and "publish.py" in run.stdout
    decision = json.loads((project / "demo/datos/work/degradation.json").read_text())
    assert abs(decision["weights"]["github"] / decision["weights"]["stackoverflow"] - 0.5 / 0.3) < 1e-9
    assert make(project, "-q", "demo/site/run_manifest.json", *DEMO_VARS, weights).returncode == 0

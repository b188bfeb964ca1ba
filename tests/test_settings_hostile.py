"""Hostile make settings: each is refused by the Makefile's validation (make functions, no shell) before any recipe
or $(shell ...) runs it. Real `make` in a temporary copy of the project, with a canary file that any executed
command would create, and a snapshot proving nothing was written anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lib import ROOT
from project import copy_project

pytestmark = pytest.mark.slow  # a real make per case

SETTINGS = (
    "RUN_DATE",
    "RUN_ID",
    "AS_OF",
    "TREND_WEIGHTS",
    "HISTORY_WRITES",
    "LEGACY_V1_COPIES",
    "DATOS",
    "PUBLISH_DIR",
    "DEMO_DIR",
    "OUT",
    "INPUT_DIR",
    "OUTPUT",
    "GATE_REPORT",
    "PORT",
    "BASE",
    "EXTRACT",
    "OFFLINE",
    "DRY_RUN",
    "DEMO_AS_OF",
    "PYTHON",
    "JOBS",
)


def hostile_values(canary: Path) -> list[str]:
    return [
        f"$(shell touch {canary})",
        f";touch {canary}",
        f"`touch {canary}`",
        f"$$(touch {canary})",
        f"x\ntouch {canary}",
        f"x&&touch {canary}",
        f"x' ; touch {canary} ; '",
        f'x" ; touch {canary} ; "',
        f"x|touch {canary}",
        "$(error injected)",
        "a" * 1100,
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The Makefile in a temporary project folder (it needs nothing else to refuse a setting)."""
    folder = tmp_path_factory.mktemp("hostile") / "project"
    folder.mkdir()
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    return folder


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def make(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS and not k.startswith("MAKE")}
    environment.update(env or {})
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=project, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_refuses_every_hostile_value_and_runs_nothing(project, setting):
    canary = project.parent / f"canary-{setting}"
    before = tree(project.parent)
    for value in hostile_values(canary):
        for how in ("command line", "environment"):
            if how == "command line":
                run = make(project, "aggregate", f"{setting}={value}")
            else:
                run = make(project, "aggregate", env={setting: value})
            assert run.returncode == 2, (setting, value, how, run.stdout, run.stderr)
            assert f"*** {setting} " in run.stderr and "injected" not in run.stderr, (setting, value, run.stderr)
            assert run.stdout == "", (setting, value, run.stdout)
            assert not canary.exists(), (setting, value, how)
    assert tree(project.parent) == before  # nothing written: no data folder, no settings files, no canary


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["DATOS="], "DATOS is empty"),
        (["DATOS=/"], "would be the whole file system"),
        (["DATOS=."], "is the repository"),
        (["DATOS=./"], "is the repository"),
        (["DATOS=.."], "climbs out with '..'"),
        (["DATOS=../../etc"], "climbs out with '..'"),
        (["DATOS=datos/../../x"], "climbs out with '..'"),
        (["PUBLISH_DIR=../../etc"], "climbs out with '..'"),
        (["DEMO_DIR="], "DEMO_DIR is empty"),
        (["RUN_ID={3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e}"], "RUN_ID has a character that is not allowed"),
        (["RUN_ID=urn:uuid:3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"], "RUN_ID has a character"),
        (["RUN_ID=3F2B8C1E-4D5A-4B6C-8D7E-9F0A1B2C3D4E"], "RUN_ID has a character"),
        (["RUN_DATE=2026-1123"], "is not a date"),
        (["HISTORY_WRITES=2"], "HISTORY_WRITES must be one of"),
        (["EXTRACT=yes please"], "EXTRACT must be one"),
        (["DATOS=datos/x/.."], "climbs out with '..'"),
        (["OUT=a/../../b"], "climbs out with '..'"),
        (["JOBS="], "JOBS must be a number of test workers or auto"),
        (["JOBS=-1"], "JOBS must be a number of test workers or auto"),
    ],
)
def test_odd_values_are_refused_with_the_setting_and_the_fix(project, args, words):
    before = tree(project.parent)
    run = make(project, "aggregate", *args)
    assert run.returncode == 2 and words in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert tree(project.parent) == before


def test_the_data_folder_may_not_hold_the_repository(project):
    run = make(project, "aggregate", f"DATOS={project.parent}")
    assert run.returncode == 2 and "is the repository (or holds it)" in run.stderr


def test_one_run_id_per_make_invocation_is_generated_and_exported(project):
    (project / "Makefile.ids").write_text(
        "include Makefile\n"
        ".PHONY: ids inner\n"
        "ids:\n\t@echo outer=$$RUN_ID\n\t@$(MAKE) -f Makefile.ids inner\n"
        "inner:\n\t@echo inner=$$RUN_ID\n"
    )
    try:
        first = make(project, "-f", "Makefile.ids", "ids")
        second = make(project, "-f", "Makefile.ids", "ids")
        given = make(project, "-f", "Makefile.ids", "ids", "RUN_ID=3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e")
    finally:
        (project / "Makefile.ids").unlink()
    ids = dict(line.split("=", 1) for line in first.stdout.split())
    assert ids["outer"] == ids["inner"] and len(ids["outer"]) == 36  # the sub-make shares the run's id
    assert ids["outer"] not in second.stdout  # a new invocation, a new run
    assert given.stdout.split() == [
        "outer=3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e",
        "inner=3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e",
    ]


def test_good_values_still_pass_the_validation(project):
    run = make(
        project,
        "help",
        "RUN_DATE=2026-11-23",
        "RUN_ID=3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e",
        "AS_OF=2026-11-23T06:00:00Z",
        "TREND_WEIGHTS=github=0.5,stackoverflow=0.3,reddit=0.2",
        "HISTORY_WRITES=0",
        "LEGACY_V1_COPIES=false",
        f"DATOS={project}/datos",
        "PUBLISH_DIR=frontend/assets/data",
        "OUT=out/replay",
        "PORT=8000",
        "BASE=origin/main~1",
        "JOBS=2",
    )
    assert run.returncode == 0, run.stderr
    assert "make demo" in run.stdout


@pytest.fixture(scope="module")
def full_project(tmp_path_factory) -> Path:
    """A whole copy of the project (sharing the built .venv), as the end-to-end tests make it."""
    return copy_project(tmp_path_factory.mktemp("hostile-full") / "repo")


@pytest.mark.parametrize(
    ("goal", "setting"),
    [
        ("demo", "DEMO_DIR"),
        ("weekly", "DATOS"),
        ("aggregate", "RUN_ID"),
        ("publish", "PUBLISH_DIR"),
        ("gate", "GATE_REPORT"),
        ("replay", "OUT"),
        ("trend-score", "INPUT_DIR"),
        ("compact", "DRY_RUN"),
    ],
)
def test_in_a_whole_project_copy_a_hostile_setting_stops_every_verb_before_it_runs(full_project, goal, setting):
    canary = full_project.parent / "canary"
    before = tree(full_project.parent)
    for value in (f"$(shell touch {canary})", f"x;touch {canary}", "../../escape"):
        run = make(full_project, goal, f"{setting}={value}")
        assert run.returncode == 2 and f"*** {setting}" in run.stderr, (goal, value, run.stderr)
        assert not canary.exists()
    assert tree(full_project.parent) == before  # no data folder, no settings file, nothing

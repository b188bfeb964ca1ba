"""kill -9 of the real `make aggregate` at random moments, and two concurrent `make aggregate` on one folder."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import history
from commit_checks import assert_consistent
from lib import ROOT, SECRET_NAMES
from staged_run import RUN_DATE, stage

pytestmark = pytest.mark.slow  # make aggregate processes killed with SIGKILL

KILLS = 20


def make_aggregate(datos: Path, run_id: str, force: bool = True, **env: str) -> subprocess.Popen:
    """`make aggregate` on the staged folder as CI's aggregate job runs it (EXTRACT=0), its commit step forced
    (-W: the quality report counts as new, so the run commits again without re-judging unchanged inputs)."""
    environment = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES and not k.startswith("MAKE")}
    environment.update(env)
    args = [
        "make",
        "-s",
        "aggregate",
        f"DATOS={datos}",
        f"RUN_DATE={RUN_DATE}",
        f"AS_OF={RUN_DATE}T06:00:00Z",
        f"RUN_ID={run_id}",
        "EXTRACT=0",
        *(["-W", f"{datos}/work/quality.json"] if force else []),
    ]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _where(datos: Path, run_id: str) -> str:
    """How far a killed run got: its record committed, its journal written, its folder staged, or none of it."""
    record = datos / "metadata/runs" / f"{run_id}.json"
    if record.exists() and json.loads(record.read_text()).get("published") is True:
        return "committed"
    if (datos / "work" / run_id / "journal.json").exists():
        return "journal"
    return "staging" if (datos / "work" / run_id).exists() else "before_staging"


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


@pytest.fixture
def datos(tmp_path) -> Path:
    folder = tmp_path / "datos"
    stage(folder)
    first = make_aggregate(folder, str(uuid.uuid4()), force=False)
    code, out, err = finish(first)
    assert code == 0, out + err
    return folder


def test_kill_9_at_random_moments_never_breaks_the_published_run(datos, tmp_path):
    rng = random.Random(11)
    start = time.monotonic()
    probe = make_aggregate(datos, str(uuid.uuid4()))
    assert finish(probe)[0] == 0
    duration = time.monotonic() - start  # one whole commit under the current load
    outcomes = {"finished": 0, "before_staging": 0, "staging": 0, "journal": 0, "committed": 0}
    kills = attempts = 0
    while kills < KILLS and attempts < 2 * KILLS:  # bounded: at most 40 runs
        attempts += 1
        run_id = str(uuid.uuid4())
        proc = make_aggregate(datos, run_id)
        # half the kills anywhere, half in the last 40 % (where the staging and the commit are)
        time.sleep(rng.uniform(0.0, duration) if attempts % 2 else rng.uniform(0.6 * duration, 1.1 * duration))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            outcomes[_where(datos, run_id)] += 1
            kills += 1
        else:  # this run was quicker than the probe: aim the next kills earlier
            outcomes["finished"] += 1
            duration *= 0.85
        proc.communicate(timeout=300)
        # at every instant a reader finds committed records that parse and one last committed run
        assert history.latest_committed(datos) is not None
    assert kills == KILLS, outcomes
    # the next run recovers by itself and succeeds; then the promise holds
    code, out, err = finish(make_aggregate(datos, str(uuid.uuid4())))
    assert code == 0, out + err
    committed = len(history.committed_runs(datos))
    print(f"kill -9: {outcomes} in {time.monotonic() - start:.1f} s; {committed} runs committed; last recovery: {out}")
    last = assert_consistent(datos, tmp_path)
    seqs = [r["commit_seq"] for r in history.committed_runs(datos)]
    assert seqs == sorted(set(seqs)) and seqs[-1] == last["commit_seq"]


def test_two_concurrent_make_aggregate_one_refuses_and_nothing_mixes(datos, tmp_path):
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    procs = [make_aggregate(datos, run_id, LOCK_WAIT="0") for run_id in ids]
    results = [finish(p) for p in procs]
    codes = sorted(code for code, *_ in results)
    assert codes in ([0, 0], [0, 2]), results  # both in turn (they did not overlap), or one refused
    for (code, _out, err), run_id in zip(results, ids, strict=True):
        if code == 2:
            assert "is locked by aggregate run" in err
            refused = json.loads((datos / "metadata/runs" / f"{run_id}.json").read_text())
            assert refused["published"] is False and "is locked by" in refused["failure"]["reason"]
    assert_consistent(datos, tmp_path)


def test_two_concurrent_make_aggregate_with_a_wait_commit_one_after_the_other(datos, tmp_path):
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    procs = [make_aggregate(datos, run_id, LOCK_WAIT="240") for run_id in ids]
    results = [finish(p) for p in procs]
    assert [code for code, *_ in results] == [0, 0], results
    runs = {r["run_id"]: r["commit_seq"] for r in history.committed_runs(datos)}
    assert set(ids) <= set(runs) and runs[ids[0]] != runs[ids[1]]
    last = assert_consistent(datos, tmp_path)
    assert last["run_id"] == max(ids, key=runs.get)

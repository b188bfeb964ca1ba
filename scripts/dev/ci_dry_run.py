"""Play the weekly workflow (.github/workflows/etl_semanal.yml) locally, offline, on the bundled recorded data.

Each job runs in a temporary folder of its own, with the same commands as its workflow steps (ci_env.py, the make
targets, ci_artifacts.py, ci_runtime.py, ci_commit.py), and jobs hand each other artifacts as zip files, as
Actions does. The three source jobs run once; every scenario then plays the aggregate and publish jobs as one
workflow run of its own, on a copy of their artifacts changed the scenario's way:

  all_ok           the three artifacts as uploaded: published, committed, a second commit finds nothing to do
  missing          no staging-reddit artifact: degraded to two sources, still published
  bad_checksum     a staged CSV changed after its status file: that artifact is refused
  truncated_zip    a zip cut short: refused
  path_traversal   a `../` member: refused, nothing written outside
  absolute_path    a member with an absolute path: refused
  symlink          a member that is a symbolic link: refused
  zip_bomb         a member expanding more than 100 times: refused before extraction
  over_budget      valid artifacts of more than 100 MB in total: nothing placed, the aggregate job fails
  failed_gate      valid artifacts whose data fails a critical quality rule: the run does not publish, publish skipped

It prints one line per scenario and exits 1 when any scenario did not go as expected (2 on a setup error).
The scenarios (how each changes the artifacts, what it expects) are scripts/dev/ci_scenarios.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ci_env import PUBLISHABLE
from dev.ci_scenarios import SCENARIOS, Scenario, zip_dir
from lib import ROOT, SECRET_NAMES, SOURCES, PipelineError
from lib.cli import run_cli

DEMO_DATE = "2026-11-23"  # the bundled recorded responses' run date (as `make demo`)
# the recorded weeks before: what the repository holds when the workflow starts (two, so every dataset already has
# a previous snapshot, as in any week after the second)
PREVIOUS_DATES = ("2026-11-09", "2026-11-16")
PUBLISHED = ("latest", "history", "metadata")  # the data the publish job commits, so the next run checks it out
AS_OF = f"{DEMO_DATE}T06:00:00Z"
PY = str(ROOT / ".venv" / "bin" / "python")
SCRIPTS = ROOT / "scripts"


# --------------------------------------------------------------------------- one job = one folder, real commands


class Job:
    """A workflow job played in its own folder: its own data folder, GITHUB_OUTPUT and step summary."""

    def __init__(self, root: Path, name: str, run_number: int, extra_env: dict[str, str] | None = None):
        self.name = name
        self.dir = root / name
        self.dir.mkdir(parents=True)
        self.datos = self.dir / "datos"
        self.log = self.dir / "log.txt"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in SECRET_NAMES and not k.startswith(("MAKE", "GITHUB_", "RUN_", "CI_", "JOB_"))
            and k not in ("DATOS", "AS_OF", "OFFLINE", "MFLAGS", "INPUT_RUN_DATE", "PUBLISH_DIR")
        }  # fmt: skip
        if extra_env and "DATOS" in extra_env:
            self.datos = Path(extra_env["DATOS"])
        env.update(
            DATOS=str(self.datos),
            OFFLINE="1",
            AS_OF=AS_OF,
            INPUT_RUN_DATE=DEMO_DATE,
            GITHUB_REPOSITORY="local/ci-dry-run",
            GITHUB_RUN_ID=str(run_number),
            GITHUB_RUN_ATTEMPT="1",
            GITHUB_OUTPUT=str(self.dir / "github_output"),
            GITHUB_STEP_SUMMARY=str(self.dir / "summary.md"),
        )
        env.update({k: v for k, v in (extra_env or {}).items() if k != "DATOS"})
        self.env = env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        run = subprocess.run(list(args), cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True)
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(args)}  -> {run.returncode}\n{run.stdout}{run.stderr}\n")
        return run

    def script(self, name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.run(PY, str(SCRIPTS / name), *args, **env)

    def make(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.run("make", "--no-print-directory", *args, **env)

    @property
    def outputs(self) -> dict[str, str]:
        path = self.dir / "github_output"
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        return dict(line.split("=", 1) for line in lines if "=" in line)


def needs_json(jobs: dict[str, Job], results: dict[str, str]) -> str:
    """The `needs` context as the workflow passes it to CI_NEEDS."""
    return json.dumps({name: {"result": results[name], "outputs": job.outputs} for name, job in jobs.items()})


def source_jobs(root: Path) -> tuple[dict[str, Job], Path]:
    """The three source jobs, once: make extract-<source> offline, their staging zipped into the artifact store."""
    store = root / "artifacts"
    jobs = {}
    for source in SOURCES:
        job = Job(root, f"job_{source}", 1)
        job.script("ci_env.py", "start")
        run = job.make(f"extract-{source}", f"RUN_DATE={DEMO_DATE}", "OFFLINE=1", f"RUN_ID={job.outputs['run_id']}")
        if run.returncode != 0:
            raise PipelineError(
                f"ci-dry-run: make extract-{source} failed offline (see {job.log}): {run.stderr[-400:]}"
            )
        zip_dir(job.datos / "staging" / source, store / f"staging-{source}.zip")
        job.script("ci_env.py", "finish")
        jobs[job.name] = job
    return jobs, store


def previous_week(root: Path) -> Path:
    """The published data folder as the last scheduled runs left it in git: the recorded weeks before, played once
    through the real pipeline. Every job starts from a checkout holding it (carried files, previous snapshots)."""
    job = Job(root, "previous_weeks", 1)
    for day in PREVIOUS_DATES:
        site = job.dir / "site"
        run = job.make("publish", f"RUN_DATE={day}", "OFFLINE=1", f"PUBLISH_DIR={site}", AS_OF=f"{day}T06:00:00Z")
        if run.returncode != 0:
            raise PipelineError(f"ci-dry-run: the week {day} failed offline (see {job.log}): {run.stderr[-400:]}")
    return job.datos


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def checkout_data(previous: Path, datos: Path) -> None:
    """A job's data folder as its checkout of the repository has it: the committed published data, no work files."""
    for name in PUBLISHED:
        shutil.copytree(previous / name, datos / name)
    for csv_copy in previous.glob("*.csv"):  # the V1 compatibility copies
        shutil.copyfile(csv_copy, datos / csv_copy.name)


# --------------------------------------------------------------------------- aggregate + publish, one workflow run


def placing_surprises(scenario: Scenario, placing: subprocess.CompletedProcess, root: Path, agg: Job) -> list[str]:
    """What went otherwise than the scenario expects when the aggregate job placed the staging artifacts."""
    report = placing.stdout
    placed = [s for s in SOURCES if f"staging-{s}: ok" in report]
    surprises = []
    for source in SOURCES:
        phrase = scenario.rejected.get(source)
        if phrase and (f"staging-{source}: REJECTED" not in report or phrase not in report):
            surprises.append(f"staging-{source} was not refused for {phrase!r}")
        if not phrase and not scenario.placing_fails and source not in placed:
            surprises.append(f"staging-{source} was refused: {report.strip()}")
    if any(root.rglob("escape*")) or (root.parent / "escape.csv").exists():
        surprises.append("a hostile member was written to disk")
    if not scenario.placing_fails:
        if placing.returncode != 0:
            surprises.append(f"placing failed: {placing.stderr.strip() or report.strip()}")
    elif placing.returncode != 1 or "nothing placed" not in report:
        surprises.append(f"placing should fail over budget, exit {placing.returncode}: {report.strip()}")
    elif (agg.datos / "staging").exists():
        surprises.append("something was placed although the budget failed")
    return surprises


def failed_gate_surprises(agg: Job, run_id: str, gate: str, exit_code: int, previous: Path) -> list[str]:
    """A run whose gate fails: recorded unpublished, latest/ untouched, publish not run."""
    record = agg.datos / "metadata" / "runs" / f"{run_id}.json"
    published = json.loads(record.read_text())["published"] if record.is_file() else None
    surprises = []
    if gate != "fail" or exit_code == 0 or published is not False:
        surprises.append(f"the gate should fail: status {gate}, make exit {exit_code}")
    if _tree(agg.datos / "latest") != _tree(previous / "latest"):
        surprises.append("a failed run changed latest/")
    if gate in PUBLISHABLE:
        surprises.append("publish would run")
    return surprises


def play(
    scenario: Scenario, number: int, sources: dict[str, Job], base_store: Path, root: Path, previous: Path
) -> tuple[bool, str]:
    """Play the aggregate and publish jobs of one workflow run; (as expected?, what happened)."""
    run_root = root / scenario.name
    store = run_root / "artifacts"
    shutil.copytree(base_store, store)
    if scenario.mutate:
        scenario.mutate(store, run_root)

    agg = Job(run_root, "job_aggregate", number)
    checkout_data(previous, agg.datos)
    dates = " ".join(job.outputs["run_date"] for job in sources.values())
    agg.script("ci_env.py", "start", JOB_RUN_DATES=dates)
    run_id = agg.outputs["run_id"]
    ci = {
        "RUN_DATE": agg.outputs["run_date"],
        "RUN_ID": run_id,
        "CI_NEEDS": needs_json(sources, dict.fromkeys(sources, "success")),
        "JOB_STARTED_AT": agg.outputs["started_at"],
    }
    placing = agg.script("ci_artifacts.py", "place-staging", "--artifacts", str(store))
    placed = [s for s in SOURCES if f"staging-{s}: ok" in placing.stdout]
    said = [f"{len(placed)}/3 artifacts valid"]
    surprises = placing_surprises(scenario, placing, root, agg)
    if scenario.placing_fails and not surprises:
        said.append("over budget: aggregate job failed before make aggregate; publish skipped")
    if scenario.placing_fails or placing.returncode != 0:
        return not surprises, "; ".join(said + surprises)

    aggregate = agg.make(
        "aggregate", "EXTRACT=0", f"RUN_DATE={ci['RUN_DATE']}", "OFFLINE=1", **ci, CI_JOB="job_aggregate"
    )
    agg.script("ci_env.py", "gate-status", RUN_ID=run_id)
    gate = agg.outputs.get("quality_gate_status", "?")
    said.append(f"gate {gate}")
    result = "success" if aggregate.returncode == 0 else "failure"
    agg.script("ci_runtime.py", "finish", "--job", "job_aggregate", **ci, JOB_RESULT=result)
    if scenario.gate_fails:
        surprises += failed_gate_surprises(agg, run_id, gate, aggregate.returncode, previous)
        if gate not in PUBLISHABLE:
            said.append("publish skipped")
        return not surprises, "; ".join(said + surprises)
    if aggregate.returncode != 0 or gate not in PUBLISHABLE:
        surprises.append(f"make aggregate exit {aggregate.returncode}, gate {gate} (see {agg.log})")
        return False, "; ".join(said + surprises)
    packed = agg.script("ci_artifacts.py", "pack-run", "--out", str(agg.dir / "committed-run"), RUN_ID=run_id)
    if packed.returncode != 0:
        return False, "; ".join([*said, f"pack-run failed: {packed.stderr.strip()}"])
    zip_dir(agg.dir / "committed-run", store / "committed-run.zip")
    agg.script("ci_env.py", "finish")
    if "### Runtime:" not in (agg.dir / "summary.md").read_text(encoding="utf-8"):
        surprises.append("the aggregate job summary has no runtime budget")

    ok, line = publish_job(run_root, number, agg, store, run_id, previous)
    said.append(line)
    return ok and not surprises, "; ".join(said + surprises)


def seeded_checkout(run_root: Path, previous: Path) -> Path:
    """A clone of a fresh 'origin' holding the project's .gitignore and the previous week's published data: where
    the publish job commits and pushes."""
    origin = run_root / "origin.git"
    seed = run_root / "seed"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str, cwd: Path = run_root) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git("init", "--quiet", "--initial-branch=main", str(seed))
    shutil.copyfile(ROOT / ".gitignore", seed / ".gitignore")
    checkout_data(previous, seed / "datos")
    git("add", ".gitignore", "datos", cwd=seed)
    git("-c", "user.name=dry run", "-c", "user.email=dry-run@localhost", "commit", "--quiet", "-m", "seed", cwd=seed)
    git("push", "--quiet", str(origin), "main", cwd=seed)
    checkout = run_root / "job_publish" / "checkout"
    git("clone", "--quiet", str(origin), str(checkout))
    return checkout


def publish_job(run_root: Path, number: int, agg: Job, store: Path, run_id: str, previous: Path) -> tuple[bool, str]:
    checkout = seeded_checkout(run_root, previous)
    pub = Job(run_root, "job_publish/job", number, {"DATOS": str(checkout / "datos")})
    pub.script("ci_env.py", "start", JOB_RUN_DATES=agg.outputs["run_date"])
    site = checkout / "frontend" / "assets" / "data"
    env = {"RUN_ID": run_id, "RUN_DATE": pub.outputs["run_date"]}
    placed = pub.script("ci_artifacts.py", "place-run", "--artifacts", str(store), **env)
    if placed.returncode != 0:
        return False, f"place-run refused the committed run: {placed.stdout.strip()} {placed.stderr.strip()}"
    published = pub.make("publish", "AGGREGATE=0", f"PUBLISH_DIR={site}", f"RUN_DATE={env['RUN_DATE']}", **env)
    if published.returncode != 0:
        return False, f"make publish AGGREGATE=0 failed (see {pub.log})"
    manifest = json.loads((site / "run_manifest.json").read_text(encoding="utf-8"))  # the public form
    record = json.loads((checkout / "datos" / "metadata" / "runs" / f"{run_id}.json").read_text(encoding="utf-8"))
    if manifest["generated_at_utc"] != record["generated_at_utc"]:
        return False, f"the dashboard's manifest is of a run generated {manifest['generated_at_utc']}, not run {run_id}"
    if len(list(site.iterdir())) != 24:
        return False, f"the dashboard folder holds {len(list(site.iterdir()))} files, not the contract's 24"
    needs = json.dumps({"job_aggregate": {"result": "success", "outputs": agg.outputs}})
    pub.script("ci_runtime.py", "finish", "--job", "job_publish", CI_NEEDS=needs,
               JOB_STARTED_AT=pub.outputs["started_at"], JOB_RESULT="success", **env)  # fmt: skip
    runtime = json.loads((checkout / "datos" / "metadata" / "runtime" / f"{run_id}.json").read_text())
    jobs = sorted(runtime["jobs"])
    if jobs != sorted(["job_github", "job_stackoverflow", "job_reddit", "job_aggregate", "job_publish"]):
        return False, f"the runtime record lists {jobs}"
    paths = ["datos/latest", "datos/history", "datos/metadata", "frontend/assets/data"]
    paths += sorted(p.relative_to(checkout).as_posix() for p in (checkout / "datos").glob("*.csv"))
    args = ["--repo", str(checkout), "--push", "main", "--message", f"data: weekly run {env['RUN_DATE']} ({run_id})"]
    first = pub.script("ci_commit.py", *args, *paths)
    second = pub.script("ci_commit.py", *args, *paths)
    if "pushed to main" not in first.stdout or "nothing changed" not in second.stdout:
        return False, f"commit: {first.stdout.strip() or first.stderr.strip()} / then {second.stdout.strip()}"
    files = len(list(site.iterdir()))
    return (
        True,
        f"published {files} dashboard files of run {run_id[:8]}; committed and pushed once, then nothing to commit",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="play in this (new) folder and keep it, for reading the job logs")
    parser.add_argument("--only", action="append", choices=[s.name for s in SCENARIOS], help="run these scenarios")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True)
        root_ctx = None
        root = args.keep.resolve()
    else:
        root_ctx = tempfile.TemporaryDirectory(prefix="ci-dry-run-")
        root = Path(root_ctx.name)
    try:
        started = time.monotonic()
        previous = previous_week(root)
        sources, store = source_jobs(root)
        print(
            f"ci-dry-run: 3 source jobs played offline ({DEMO_DATE}), artifacts: {', '.join(sorted(p.name for p in store.iterdir()))}"
        )
        failures = 0
        for number, scenario in enumerate(SCENARIOS, start=2):
            if args.only and scenario.name not in args.only:
                continue
            ok, line = play(scenario, number, sources, store, root, previous)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'}  {scenario.name:<15} {line}", flush=True)
        print(
            f"ci-dry-run: {failures} surprise(s) in {time.monotonic() - started:.0f} s"
            + (f"; kept in {root}" if args.keep else "")
        )
        return 1 if failures else 0
    finally:
        if root_ctx:
            root_ctx.cleanup()


if __name__ == "__main__":
    sys.exit(run_cli(main))

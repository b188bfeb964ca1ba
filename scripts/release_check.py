"""Release checkpoints (`make release-check TAG=...`): do a tag's criteria hold in this checkout? docs/releases.md
says what each tag means; CHECKPOINTS below is the same table as checks that run.

Kinds of criterion: `file` (a path or glob exists), `verb` (`make help` lists it), `tests` (pytest passes on
these test files; a glob that matches none fails), `make` (the verb succeeds), `cutover` (`make cutover-status`
says eligible for the data folder), `checkpoint` (an earlier tag's criteria hold). Every criterion is checked and
printed; exit 0 when all hold, 1 when one does not, 2 for an unknown tag. `--list` prints the criteria only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lib import ROOT, PipelineError
from lib.cli import run_cli
from lib.log import redact
from lib.settings import settings


@dataclass(frozen=True)
class Criterion:
    kind: str  # file | verb | tests | make | cutover | checkpoint
    arg: str  # a path or glob, a verb, space-separated test files or globs, a tag
    why: str


def criteria(*rows: tuple[str, str, str]) -> list[Criterion]:
    """A checkpoint's criteria from its table rows (kind, arg, why)."""
    return [Criterion(*row) for row in rows]


CHECKPOINTS: dict[str, tuple[str, list[Criterion]]] = {
    "v2.0.0-rc1": (
        "core pipeline: three source jobs, degradation, the trend score in DuckDB SQL, equivalent to V1",
        criteria(
            ("file", "scripts/extract_github.py", "GitHub source job"),
            ("file", "scripts/extract_stackoverflow.py", "Stack Exchange source job"),
            ("file", "scripts/extract_reddit.py", "Reddit source job"),
            ("file", "sql/trend_score.sql", "the trend score in SQL"),
            ("file", "contracts/datasets/trend_score.json", "the trend score's contract"),
            ("verb", "demo", "the offline demo"),
            ("verb", "weekly", "the live weekly run"),
            ("verb", "equivalence", "V1 oracle vs V2 engine"),
            ("make", "equivalence", "V2 within V1's thresholds on every baseline case"),
            ("tests", "tests/test_trend_engine.py tests/test_equivalence.py tests/test_degradation.py", "engine"),
        ),
    ),
    "v2.0.0-rc2": (
        "dual write + quality gate: Parquet history beside the CSVs, the Pandera gate, one-commit runs, replay",
        criteria(
            ("checkpoint", "v2.0.0-rc1", "builds on the core pipeline"),
            ("file", "scripts/quality_gate.py", "the quality gate"),
            ("file", "scripts/history.py", "the one reader of history"),
            ("file", "sql/history_snapshot.sql", "history snapshots"),
            ("file", "docs/commit.md", "the commit protocol (issue 11)"),
            ("verb", "gate", "the gate alone"),
            ("verb", "replay", "rebuild a past run"),
            ("verb", "compact", "monthly retention"),
            ("tests", "tests/test_quality_gate.py tests/test_aggregate.py tests/test_compact.py", "gate, write"),
        ),
    ),
    "v2.0.0-rc3": (
        "bridge + dashboard: the dashboard's 24-file contract, bridge JSON from history, the web dashboard",
        criteria(
            ("checkpoint", "v2.0.0-rc2", "builds on dual write + gate"),
            ("file", "scripts/bridge.py", "the bridge export (issue 13)"),
            ("file", "docs/bridge.md", "the bridge's description"),
            ("file", "contracts/datasets/github_commits.json", "framework activity dataset (issue 12)"),
            ("file", "contracts/datasets/interseccion.json", "GitHub vs Reddit dataset (issue 12)"),
            ("file", "frontend/index.html", "the web dashboard (issue 14)"),
            ("verb", "serve", "serve the dashboard"),
            ("tests", "tests/test_bridge*.py", "bridge files against hand-computed values"),
        ),
    ),
    "v2.0.0-rc4": (
        "operations: the plan's CI, a rollback switch per step, the cutover verdict, release checkpoints",
        criteria(
            ("checkpoint", "v2.0.0-rc3", "builds on bridge + dashboard"),
            ("file", ".github/workflows/etl_semanal.yml", "the plan's weekly workflow (issue 15)"),
            ("verb", "ci-dry-run", "the workflow jobs played locally (issue 15)"),
            ("verb", "cutover-status", "the cutover verdict"),
            ("verb", "release-check", "these checkpoints"),
            ("file", "docs/cutover.md", "the cutover rule and SLOs"),
            ("file", "docs/releases.md", "the checkpoints"),
            ("tests", "tests/test_switches.py tests/test_cutover.py tests/test_release_check.py", "switches"),
        ),
    ),
    "v2.0.0": (
        "cutover: every checkpoint holds and the last 4 weekly runs make the cutover eligible",
        criteria(
            ("checkpoint", "v2.0.0-rc4", "every release candidate's criteria"),
            ("cutover", "4", "4 clean weekly runs, bridge valid, equivalence stable, SLOs met"),
        ),
    ),
}


@dataclass
class Outcome:
    criterion: Criterion
    ok: bool
    detail: str


class Checker:
    """Runs criteria against a checkout (`root`) and a data folder; `make help` and checkpoints are run once."""

    def __init__(self, root: Path, datos: Path, checkpoints=CHECKPOINTS, echo: Callable[[str], None] | None = None):
        self.root, self.datos, self.checkpoints = Path(root), Path(datos), checkpoints
        self.echo = echo or (lambda line: None)
        self._help: str | None = None
        self._done: dict[str, bool] = {}

    def _run(self, *cmd: str, **env: str) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        environment.update(env)
        return subprocess.run(cmd, cwd=self.root, env=environment, capture_output=True, text=True)

    def _tail(self, run: subprocess.CompletedProcess) -> str:
        lines = (run.stdout + run.stderr).strip().splitlines()
        return redact(lines[-1]) if lines else f"exit {run.returncode}"

    def check(self, c: Criterion) -> Outcome:
        kinds = {
            "file": self._file,
            "verb": self._verb,
            "tests": self._tests,
            "make": self._make,
            "cutover": self._cutover,
            "checkpoint": self._checkpoint,
        }
        if c.kind not in kinds:
            raise PipelineError(f"release check: unknown criterion kind {c.kind!r} ({c.arg})")
        return kinds[c.kind](c)

    def _file(self, c: Criterion) -> Outcome:
        found = sorted(self.root.glob(c.arg))
        return Outcome(c, bool(found), "present" if found else f"{c.arg} does not exist")

    def _verb(self, c: Criterion) -> Outcome:
        if self._help is None:
            self._help = self._run("make", "--no-print-directory", "help").stdout
        ok = f"make {c.arg} " in self._help
        return Outcome(c, ok, "listed by make help" if ok else f"make help does not list `make {c.arg}`")

    def _tests(self, c: Criterion) -> Outcome:
        files = sorted({p for pattern in c.arg.split() for p in self.root.glob(pattern)})
        if not files:
            return Outcome(c, False, f"no test file matches {c.arg}")
        rel = [str(p.relative_to(self.root)) for p in files]
        run = self._run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *rel)
        return Outcome(c, run.returncode == 0, self._tail(run))

    def _make(self, c: Criterion) -> Outcome:
        run = self._run("make", "--no-print-directory", c.arg)
        return Outcome(c, run.returncode == 0, self._tail(run))

    def _cutover(self, c: Criterion) -> Outcome:
        script = self.root / "scripts" / "cutover_status.py"
        run = self._run(sys.executable, str(script), "--weeks", c.arg, "--datos", str(self.datos))
        verdict = run.stdout.splitlines()[0] if run.stdout else self._tail(run)
        return Outcome(c, run.returncode == 0, verdict)

    def _checkpoint(self, c: Criterion) -> Outcome:
        ok = self.holds(c.arg)
        return Outcome(c, ok, "holds" if ok else f"{c.arg} does not hold (above)")

    def holds(self, tag: str) -> bool:
        """Check every criterion of `tag` (printing each), once per tag; True when all hold."""
        if tag in self._done:
            return self._done[tag]
        if tag not in self.checkpoints:
            raise PipelineError(f"release check: unknown tag {tag!r}: use one of {', '.join(self.checkpoints)}")
        summary, criteria = self.checkpoints[tag]
        outcomes = []
        for criterion in criteria:
            outcome = self.check(criterion)
            outcomes.append(outcome)
            mark = "ok  " if outcome.ok else "FAIL"
            self.echo(f"  {tag}: {mark} {criterion.kind} {criterion.arg} — {criterion.why}: {outcome.detail}")
        self._done[tag] = all(o.ok for o in outcomes)
        state = "holds" if self._done[tag] else "does NOT hold"
        self.echo(f"{tag} ({summary}): {state}")
        return self._done[tag]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", required=True, help=f"one of {', '.join(CHECKPOINTS)}")
    parser.add_argument("--list", action="store_true", help="print the tag's criteria without checking them")
    args = parser.parse_args(argv)
    if args.tag not in CHECKPOINTS:
        raise PipelineError(f"release check: unknown tag {args.tag!r}: use one of {', '.join(CHECKPOINTS)}")
    if args.list:
        summary, criteria = CHECKPOINTS[args.tag]
        print(f"{args.tag}: {summary}")
        for c in criteria:
            print(f"  {c.kind} {c.arg} — {c.why}")
        return 0
    checker = Checker(ROOT, settings().datos, echo=print)
    return 0 if checker.holds(args.tag) else 1


if __name__ == "__main__":
    sys.exit(run_cli(main))

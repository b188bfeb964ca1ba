"""Commit what the publish job published, only when something changed; then rebase onto the branch and push.

  ci_commit.py --message TEXT [--push BRANCH] PATH...

Stages PATH... (the published folders; git-ignored working files such as raw/, staging/ and work/ stay out), and
if the staged tree differs from HEAD commits it. With --push it rebases the commit onto origin/BRANCH (a data
commit made meanwhile by someone else stays) and pushes. Prints one line: `nothing changed` or what it committed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from lib import PipelineError
from lib.cli import run_cli

BOT_NAME = "trend-platform bot"
BOT_EMAIL = "trend-platform-bot@users.noreply.github.com"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    run = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and run.returncode != 0:
        raise PipelineError(
            f"publish commit: `git {' '.join(args)}` failed: {run.stderr.strip() or run.stdout.strip()}"
        )
    return run


def commit_published(repo: Path, paths: list[str], message: str, push_branch: str | None = None) -> str:
    """Commit `paths` in `repo` if they changed (and push); returns the line to print."""
    present = [p for p in paths if (repo / p).exists()]
    present = [p for p in present if git(repo, "check-ignore", "--quiet", p, check=False).returncode != 0]
    if not present:
        raise PipelineError(f"publish commit: none of {paths} exists in {repo}: did the publish step run?")
    git(repo, "add", "--all", "--", *present)
    if git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return "nothing changed: no commit"
    git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "commit", "--quiet", "-m", message)
    sha = git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
    if push_branch:
        git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "pull", "--rebase", "--quiet",
            "origin", push_branch)  # fmt: skip
        git(repo, "push", "--quiet", "origin", f"HEAD:refs/heads/{push_branch}")
        sha = git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
        return f"committed {sha} and pushed to {push_branch}"
    return f"committed {sha}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--message", required=True)
    parser.add_argument("--push", metavar="BRANCH", help="rebase onto origin/BRANCH and push")
    parser.add_argument("--repo", type=Path, default=Path.cwd())
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    print(f"ci_commit: {commit_published(args.repo, args.paths, args.message, args.push)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

"""The pre-commit hooks run exactly the commands of `make lint`, with the project's own tools (no download)."""

from __future__ import annotations

import re
import shlex

import yaml

from lib import ROOT


def make_lint_commands() -> list[list[str]]:
    """The commands of the Makefile's lint recipe, in order ($(VENV) as .venv, `a && b` as two commands)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lint:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.MULTILINE)
    assert recipe, "the Makefile has no lint recipe"
    commands = []
    for line in recipe.group(1).splitlines():
        for command in line.strip().split(" && "):
            commands.append(shlex.split(command.replace("$(VENV)", ".venv")))
    return commands


def hooks() -> list[dict]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def hook_command(hook: dict) -> list[str]:
    """A hook's command; `bash -c '<command>'` (for a shell glob) counts as the command it runs."""
    words = shlex.split(hook["entry"])
    return shlex.split(words[2]) if words[:2] == ["bash", "-c"] else words


def test_the_hooks_run_the_make_lint_commands_in_order():
    assert [hook_command(h) for h in hooks()] == make_lint_commands()


def test_every_hook_is_local_and_lints_the_whole_tree():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    for hook in hooks():
        assert hook["language"] == "system", hook["id"]  # runs an installed tool, never an environment it downloads
        assert hook["pass_filenames"] is False, hook["id"]  # the whole tree, as make lint
        tool = hook_command(hook)[0]
        assert tool == "node" or tool.startswith(".venv/bin/"), f"{hook['id']} runs {tool}, not the venv's tool"

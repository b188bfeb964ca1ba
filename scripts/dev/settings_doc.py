"""Print docs/settings.md, rendered from the declarations in scripts/lib/settings.py (run `make docs`; a test keeps
it in sync)."""

from __future__ import annotations

import argparse

from lib.cli import run_cli
from lib.settings import DECLARED, GROUPS

INTRO = """\
# Settings

Generated from the declarations in `scripts/lib/settings.py` by `make docs`; do not edit by hand (a test fails
when this page and the declarations disagree). Every script reads its settings there and nowhere else. A setting
is a make variable or an environment variable; unset or empty means its default. A bad value stops the script
with the setting's name, the value (never a secret's) and the fix. The Makefile also checks the raw text of the
settings it is given before any recipe runs ([faults](faults.md)).
"""

GROUP_TITLES = {
    "run": "The run",
    "http": "HTTP (the REST sources: GitHub, Stack Exchange)",
    "github": "GitHub",
    "stackoverflow": "Stack Overflow",
    "reddit": "Reddit",
    "switches": "Switches (recorded in the run: Make rebuilds what a change affects; [runbook](runbook.md))",
    "operation": "Operation",
    "serve": "The dashboard server (`make serve`)",
    "ci": "CI (set by GitHub Actions and the workflows)",
    "testing": "Testing",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    parts = [INTRO]
    for group in GROUPS:
        parts.append(f"\n## {GROUP_TITLES[group]}\n\n| setting | values | default | what |\n|---|---|---|---|\n")
        for s in DECLARED.values():
            if s.group != group:
                continue
            default = "(secret: no default)" if s.secret else s.shown_default or "(empty)"
            parts.append(f"| `{s.name}` | {_cell(s.allowed)} | {_cell(default)} | {_cell(s.help)} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

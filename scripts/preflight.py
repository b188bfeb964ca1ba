"""Check, before any request, that every secret a live run needs is set. Prints names only, never values."""

from __future__ import annotations

import argparse

from lib import SECRET_NAMES
from lib.cli import run_cli
from lib.settings import require_secrets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(SECRET_NAMES), help=f"default: {' '.join(SECRET_NAMES)}")
    args = parser.parse_args(argv)
    require_secrets(tuple(args.names))
    print(f"preflight: {', '.join(args.names)} set")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""The project's shared code, one module per concern, and the few names every module shares:
the repository's folders, the sources, the secret settings and PipelineError.

- settings: every environment setting, parsed and typed in one place
- cli: a script's command line, its exit codes and the record of a failed step
- log: logging with secret redaction
- files: atomic writes, the data folder's lock, directory switches, JSON and raw responses
- contracts: dataset contracts, schema hashes and JSON Schema validation
- status: a staged source's _source_status.json, written and checked
- duck: the DuckDB runner (connections, literals, sql/ files, CSV export)
- csvfmt: the one CSV form of every published file
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: scripts/lib/ is two levels down
CONTRACTS_DIR = ROOT / "contracts"
SQL_DIR = ROOT / "sql"

SECRET_NAMES = ("GH_PAT", "STACKOVERFLOW_KEY", "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
SOURCES = ("github", "stackoverflow", "reddit")


class PipelineError(Exception):
    """An error a user can act on: the message names the source, the step and the fix."""

"""Decide which sources the trend score may use this run, and with which weights (the degradation policy).

A source is available only if its `_source_status.json` is valid, says `ok` or `partial`, lists the file the
trend score reads with at least one data row, and every staged file still has its recorded SHA-256 and row count
and is a plain file inside its folder. Then:
3/3 publish with the default weights; 2/3 publish with a warning, the two weights renormalised to sum to 1;
1/3 and 0/3 fail (no new latest). The decision is written for the aggregate and manifest steps; this script exits
0 even when the decision is fail, because acting on it is theirs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from lib import SOURCES
from lib.cli import run_cli
from lib.files import write_json
from lib.settings import settings
from lib.status import check_source
from policy import MIN_SOURCES_TO_PUBLISH, USABLE_STATUSES, renormalised
from policy import SCORED_FILES as INPUT_FILES


def source_problems(source: str, doc: dict | None, problems: list[str], run_date: dt.date | None = None) -> list[str]:
    """Why a staged source cannot be used (empty when it can); with `run_date`, staging of another date is stale."""
    if doc is None:
        return problems or ["no readable _source_status.json"]
    found = list(problems)
    if doc["source"] != source:
        found.append(f"_source_status.json is for {doc['source']!r}, not {source!r}")
    if doc["status"] not in USABLE_STATUSES:
        detail = f": {doc['errors'][0]}" if doc["errors"] else ""
        found.insert(0, f"status is {doc['status']}{detail}")
    if run_date and doc["run_date"] != run_date.isoformat():
        found.append(f"staged for {doc['run_date']}, not for this run's {run_date}")
    scored = doc["files"].get(INPUT_FILES[source])
    if scored is None:
        found.append(f"{INPUT_FILES[source]} is not among the staged files")
    elif scored["rows"] == 0:  # checked against the file by check_source
        found.append(f"{INPUT_FILES[source]} has no data rows: nothing to score, so not available at full weight")
    return found


def decide(staging_root: Path, run_date: dt.date | None = None) -> dict:
    """The degradation decision for the sources staged under `staging_root/<source>/` (for `run_date`, if given)."""
    sources, unavailable, available = {}, {}, []
    for source in SOURCES:
        doc, problems = check_source(Path(staging_root) / source)
        found = source_problems(source, doc, problems, run_date)
        if doc:
            status = doc["status"]
        else:
            status = "invalid" if (Path(staging_root) / source / "_source_status.json").exists() else "missing"
        sources[source] = {"status": status, "problems": found}
        if found:
            unavailable[source] = "; ".join(found)
        else:
            available.append(source)
    weights = renormalised(available)
    if len(available) == len(SOURCES):
        decision, reason = "publish", "all three sources available: default weights"
    elif len(available) >= MIN_SOURCES_TO_PUBLISH:
        (missing,) = unavailable
        shares = ", ".join(f"{s} {weights[s]:.4f}" for s in available)
        decision = "publish_with_warning"
        reason = f"{missing} unavailable ({unavailable[missing]}): weights renormalised to {shares}"
    else:
        decision = "fail"
        have = f"only {available[0]} available" if available else "no source available"
        reason = f"{have}: at least two sources are needed to publish a new latest"
    return {
        "available": available,
        "unavailable": unavailable,
        "sources": sources,
        "weights": weights,
        "decision": decision,
        "reason": reason,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staging", type=Path, help="staging root (default: $DATOS/staging)")
    parser.add_argument("--output", type=Path, help="decision file (default: $DATOS/work/degradation.json)")
    args = parser.parse_args(argv)
    cfg = settings()
    staging = args.staging or cfg.datos / "staging"
    output = args.output or cfg.datos / "work" / "degradation.json"
    doc = decide(staging, cfg.run_date)
    write_json(output, doc)
    print(f"wrote {output}: {doc['decision']} ({doc['reason']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

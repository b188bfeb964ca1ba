"""Print a short summary of a finished run: where the files are, the top technologies, the gate status."""

from __future__ import annotations

import argparse
from pathlib import Path

from lib import PipelineError
from lib.cli import run_cli
from lib.files import read_json


def _trend_rows(path: Path) -> list[dict]:
    """The published trend score CSV (the dashboard's copy), numbers as numbers."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"summary: dashboard trend score {path} is unreadable: {exc}") from None
    numeric = ("github_score", "so_score", "reddit_score", "trend_score")
    return [{**row, **{k: float(row[k]) for k in numeric}} for row in rows]


def summary(datos: Path, site: Path, top: int = 10) -> list[str]:
    manifest = read_json(datos / "metadata" / "run_manifest.json", "run manifest")
    trend = {"rows": _trend_rows(site / "trend_score.csv")}
    degradation = manifest["degradation"]
    lines = [
        f"run {manifest['run_id']} for {manifest['run_date']}: quality gate {manifest['quality_gate_status']}, "
        f"sources {', '.join(degradation['available'])} ({degradation['reason']})",
        "",
        f"top {min(top, len(trend['rows']))} technologies:",
    ]
    for row in trend["rows"][:top]:
        lines.append(
            f"  {row['ranking']:>3}. {row['tecnologia']:<22} {row['trend_score']:>6.2f}"
            f"   (github {row['github_score']:.2f}, so {row['so_score']:.2f}, reddit {row['reddit_score']:.2f})"
        )
    serve_args = "" if site == Path("demo/site") else f" DEMO_DIR={site.parent}"  # make serve finds DEMO_DIR/site
    lines += [
        "",
        f"latest CSVs (V1 names):  {datos / 'latest'}/",
        f"history (Parquet):       {datos / 'history'}/<dataset>/year=YYYY/month=MM/day=DD/part-0000.parquet",
        f"run manifest:            {datos / 'metadata' / 'runs' / (manifest['run_id'] + '.json')}",
        f"quality report:          {datos / manifest['quality_report']}",
        f"dashboard data:          {site}/",
        "look at them: column -s, -t < " + str(datos / "latest" / "trend_score.csv") + " | head",
        f"the dashboard: make serve{serve_args}, then open http://127.0.0.1:8000/",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datos", type=Path, required=True, help="the run's data folder")
    parser.add_argument("--site", type=Path, required=True, help="the published dashboard data folder")
    args = parser.parse_args(argv)
    print("\n".join(summary(args.datos, args.site)))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""The bridge's shared parts: the file lists, the contract's rounding and JSON form, the history in DuckDB.

History(con, snapshots)        every dataset's snapshots loaded once into temp tables `snap_<dataset>`
read_dataset(h, name, stem)    the preamble of every document: view, rows, meta and dates (a Dataset)
rnd, num, direction, pick, Desc, render   rounding, sort keys and the written form
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import history
from lib import PipelineError
from lib.duck import run_sql_file

MODES = ("compact", "full")

BRIDGE_FILES = (
    "history_index.json",
    "trend_score_history.json",
    "technology_profiles.json",
    "home_highlights.json",
    "github_lenguajes_public.json",
    "github_frameworks_history.json",
    "github_correlacion_history.json",
    "so_volumen_history.json",
    "so_aceptacion_history.json",
    "so_tendencias_history.json",
    "reddit_sentimiento_public.json",
    "reddit_temas_history.json",
    "reddit_interseccion_history.json",
)

CSV_FILES = (
    "trend_score.csv",
    "github_lenguajes.csv",
    "github_commits_frameworks.csv",
    "github_correlacion.csv",
    "so_volumen_preguntas.csv",
    "so_tasa_aceptacion.csv",
    "so_tendencias_mensuales.csv",
    "reddit_sentimiento_frameworks.csv",
    "reddit_temas_emergentes.csv",
    "interseccion_github_reddit.csv",
)

ALLOWLIST = frozenset(CSV_FILES + BRIDGE_FILES + ("run_manifest.json",))

# the dataset names the integrity gate requires in history_index.json
INDEX_REQUIRED = (
    "trend_score",
    "github_commits",
    "github_correlacion",
    "github_lenguajes",
    "so_volumen",
    "so_aceptacion",
    "so_tendencias",
    "reddit_temas",
    "interseccion",
)

# the datasets the bridge reads (logical names); github_repos feeds only the index and the manifest
BRIDGE_DATASETS = (*INDEX_REQUIRED, "reddit_sentimiento", "github_repos")

SOURCE_NAMES = {"github": "GitHub", "stackoverflow": "StackOverflow", "reddit": "Reddit"}

SCORE_COLUMNS = {"github": "github_score", "stackoverflow": "so_score", "reddit": "reddit_score"}

COUNT_ONLY = frozenset({"github_repos"})


def rnd(value: object, digits: int) -> float | None:
    """The contract's rN: Python's round (half-even on the binary value), as V1 wrote it; NaN/inf -> None."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def num(value: object) -> int | None:
    """An integer metric as a JSON integer (DuckDB hands the generic deltas back as doubles)."""
    return None if value is None else round(float(value))


def direction(delta: object) -> str | None:
    if delta is None:
        return None
    return "creciendo" if delta > 0 else "cayendo" if delta < 0 else "estable"


def pick(items: list[dict], key) -> dict | None:
    """The first item by `key` (a sort key: smallest first), or None for no items."""
    return min(items, key=key) if items else None


class Desc:
    """Sort key wrapper that reverses the order of a string (for "ties -> the alphabetically greater name")."""

    def __init__(self, value: str):
        self.value = value

    def __lt__(self, other: Desc) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.value == other.value


def render(doc: dict, mode: str = "compact") -> bytes:
    """Keys in the order written (the contract's), UTF-8 unescaped, LF. Compact (bundled) files keep V1's 2-space
    indent; full files are minified (the app accepts both; full files are large and served remotely)."""
    if mode == "full":
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    else:
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


class History:
    """The snapshots of every dataset, loaded once into DuckDB temp tables `snap_<dataset>`."""

    def __init__(self, con, snapshots: Mapping[str, list[history.Snapshot]]):
        self.con = con
        self.snaps = {name: list(snaps) for name, snaps in snapshots.items()}
        self.row_counts: dict[str, dict[int, int]] = {}
        # the path each run recorded (a compacted snapshot keeps it), so the files do not change with compaction
        self.paths = {
            name: [s.history_path or relative_path(s.path) for s in snaps] for name, snaps in self.snaps.items()
        }
        for name, snaps in sorted(self.snaps.items()):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise PipelineError(f"bridge: {name!r} is not a dataset logical name")
            if not snaps:
                continue
            dates = [s.date for s in snaps]
            if dates != sorted(dates) or len(set(dates)) != len(dates):
                raise PipelineError(f"bridge: the {name} snapshots must be oldest first, one per date")
            # a dataset no document reads rows of (the repository sample) is only counted, not materialized
            table = None if name in COUNT_ONLY else f"snap_{name}"
            self.row_counts[name] = history.load_snapshots(con, snaps, table)

    def has(self, name: str) -> bool:
        return bool(self.snaps.get(name))

    def meta(self, name: str) -> list[dict]:
        """date, path, source_type, row_count of each snapshot of `name`, oldest first."""
        return [
            {
                "date": snap.date.isoformat(),
                "path": self.paths[name][i],
                "source_type": "history",
                "row_count": self.row_counts[name].get(i, 0),
            }
            for i, snap in enumerate(self.snaps.get(name, []))
        ]

    def view(self, view: str, name: str) -> None:
        self.con.execute(f"create or replace temp view {view} as select * from snap_{name}")

    def rows(self, sql_name: str) -> list[dict]:
        rel = run_sql_file(self.con, sql_name)
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]

    def deltas(self, wide_select: str) -> dict[tuple[int, str], dict[str, dict]]:
        """sql/bridge_deltas.sql over `wide_select` (snap_index, item_key, one column per metric)."""
        self.con.execute(f"create or replace temp view bridge_wide as {wide_select}")
        out: dict[tuple[int, str], dict[str, dict]] = {}
        for row in self.rows("bridge_deltas.sql"):
            out.setdefault((row["snap_index"], row["item_key"]), {})[row["metric"]] = row
        return out


def relative_path(path: Path) -> str:
    """A snapshot file's path inside the data folder (history/...), the same wherever the folder lives."""
    text = Path(path).as_posix()
    at = text.rfind("/history/")
    return text[at + 1 :] if at >= 0 else (text if text.startswith("history/") else Path(path).name)


def by_snapshot(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for row in rows:
        out.setdefault(row["snap_index"], []).append(row)
    return out


@dataclass
class Dataset:
    """One dataset as a document reads it: its snapshots (meta, oldest first), their rows, and the dates the
    documents name. `mode` is the documents' source_mode: "history", or "missing" when it has no snapshot."""

    name: str
    meta: list[dict]
    rows: list[dict]

    @property
    def mode(self) -> str:
        return "history" if self.meta else "missing"

    @property
    def last(self) -> int:
        """The index of the latest snapshot (-1 when there is none)."""
        return len(self.meta) - 1

    @property
    def latest_date(self) -> str | None:
        return self.meta[-1]["date"] if self.meta else None

    @property
    def previous_date(self) -> str | None:
        return self.meta[-2]["date"] if len(self.meta) >= 2 else None


def read_dataset(h: History, name: str, stem: str, rows: str = "sql", order: str = "") -> Dataset:
    """The one preamble of every document: `name`'s snapshots as view `<stem>_rows` (what sql/bridge_<stem>.sql
    reads), and its rows: rows="sql" runs sql/bridge_<stem>.sql into temp table `bridge_<stem>` (ordered by
    `order` when given), "view" reads the view as it is, "none" reads no rows (the document takes only deltas).
    A dataset without snapshots has no view and no rows."""
    found: list[dict] = []
    if h.has(name):
        h.view(f"{stem}_rows", name)
        if rows == "sql":
            table = f"bridge_{stem}"
            h.con.execute(f"drop table if exists {table}")
            run_sql_file(h.con, f"bridge_{stem}.sql").create(table)
            rel = h.con.sql(f"select * from {table}" + (f" order by {order}" if order else ""))
        elif rows == "view":
            rel = h.con.sql(f"select * from {stem}_rows")
        if rows in ("sql", "view"):
            found = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    return Dataset(name, h.meta(name), found)


def source_updated(h: History, name: str, record: dict) -> str | None:
    """When the run that wrote the latest snapshot published it (known only for the run being committed)."""
    snaps = h.snaps.get(name) or []
    if not snaps or snaps[-1].run_id != record.get("run_id"):
        return None
    entry = next((e for e in record.get("datasets", []) if e["dataset_logical_name"] == name), None)
    return entry["generated_at_utc"] if entry else None

"""Score technologies with the V2 engine (sql/trend_score.sql on DuckDB) and write trend_score.csv.

Reads a flat folder with the three V1 input files (a V1 `datos/` folder, or the run's staged files) and writes
the V1 `trend_score.csv` text. With --degradation, the weights and the sources to use come from the decision
file written by scripts/degradation.py; without it all three sources are read with the default weights.
"""

from __future__ import annotations

import argparse
import csv
import functools
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from lib import CONTRACTS_DIR, SOURCES, PipelineError
from lib.cli import run_cli
from lib.contracts import Contract, read_name_map
from lib.csvfmt import render_csv
from lib.duck import duckdb_connect, run_sql_file, sql_literal
from lib.files import atomic_write_text, read_json, write_json
from lib.settings import read
from policy import DEFAULT_WEIGHTS, configured_weights, parse_weights  # noqa: F401 (the weights live in policy)
from policy import SCORED_FILES as INPUT_FILES

# the view each input becomes, and the V1 columns the SQL reads from it
INPUT_VIEWS = {
    "github": ("github_repos", ("language",)),
    "stackoverflow": ("so_volumen", ("lenguaje", "preguntas_nuevas_2025")),
    "reddit": ("reddit_temas", ("tema", "menciones")),
}
SQL_FILE = "trend_score.sql"
ENGINE_FILE = "trend_engine.json"  # written beside the score: which engine scored it (the run record copies it)


def configured_engine(env: Mapping[str, str] | None = None) -> str:
    """TREND_ENGINE: `v2` (default) or `v1`, the rollback to the V1 engine."""
    return read("TREND_ENGINE", env)


def recorded_engine(trend_score: Path) -> str | None:
    """Which engine scored the run's `trend_score` file (for the run record): None when there is no score."""
    if not Path(trend_score).is_file():
        return None
    path = Path(trend_score).parent / ENGINE_FILE
    if not path.is_file():
        return "unknown"
    return str(read_json(path, "trend engine record").get("engine", "unknown"))


def engine_rows(engine: str, con, inputs: Mapping[str, Path | None], weights: Mapping[str, float]):
    """The trend_score rows (contract columns, by ranking) from the chosen engine; both give the same contract."""
    if engine == "v1":
        import v1_oracle

        try:
            return v1_oracle.publishable_rows(v1_oracle.score_inputs(inputs, weights))
        except (ValueError, TypeError) as exc:  # e.g. a count that is not a number
            raise PipelineError(
                f"trend score (TREND_ENGINE=v1): the V1 engine cannot score these inputs ({exc}): "
                "fix the staged source, or score with TREND_ENGINE=v2"
            ) from None
    return score(con, inputs, weights)


def bind_input(con, source: str, path: Path | None) -> None:
    """Create the view sql/trend_score.sql reads for `source`: the CSV, or an empty view when unavailable."""
    view, columns = INPUT_VIEWS[source]
    if path is None:
        empty = ", ".join(f"null::varchar as {col}" for col in columns)
        con.execute(f"create or replace temp view {view} as select {empty} limit 0")
        return
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"trend score: {source} input {path} does not exist: pass a folder with {path.name}")
    header = _header(path)
    missing = [col for col in columns if col not in header]
    if missing:
        raise PipelineError(
            f"trend score: {path} lacks column(s) {', '.join(missing)}: is it the V1 {INPUT_FILES[source]}?"
        )
    # V1 files are plain pandas CSVs: stating the dialect skips DuckDB's sniffer; every column is read as text
    # and the SQL casts what it uses
    types = "{" + ", ".join(f"{sql_literal(col)}: 'varchar'" for col in header) + "}"
    con.execute(
        f"create or replace temp view {view} as select * from read_csv({sql_literal(path)}, auto_detect = false, "
        f"header = true, delim = ',', quote = '\"', escape = '\"', columns = {types})"
    )


def _header(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(f"trend score: {path} is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    header = next(csv.reader([first]), None)
    if not header:
        raise PipelineError(f"trend score: {path} is empty: a V1 CSV starts with its header line")
    return header


def _bind_name_map(con) -> None:
    con.execute("create or replace temp table tech_names (raw_name varchar primary key, display_name varchar)")
    con.executemany("insert into tech_names values (?, ?)", sorted(read_name_map().items()))


def score(con, inputs: Mapping[str, Path | None], weights: Mapping[str, float]):
    """The trend_score relation (contract columns, ordered by ranking) for `inputs`.

    `inputs[source] is None` marks an unavailable source: it scores 0 for every technology (give it weight 0).
    Creates (or replaces) in `con` the temp views github_repos, so_volumen, reddit_temas, the temp table tech_names,
    the variables weight_<source> and the macro round2_like_numpy. The relation is lazy: read it before scoring
    other inputs on the same connection.
    """
    if set(inputs) != set(SOURCES) or set(weights) != set(SOURCES):
        raise ValueError(f"inputs and weights need exactly the sources {SOURCES}")
    for source in SOURCES:
        bind_input(con, source, inputs[source])
        # a prepared statement keeps the weight an exact double (a literal would become a DECIMAL)
        con.execute(f"set variable weight_{source} = $1", [float(weights[source])])
    _bind_name_map(con)
    return run_sql_file(con, SQL_FILE)


@functools.cache
def contract_columns() -> list[str]:
    """The trend_score columns in contract order (read straight from the contract: its schema is tested elsewhere,
    and validating every contract would cost more than scoring)."""
    path = CONTRACTS_DIR / "datasets" / "trend_score.json"
    return Contract(read_json(path, "trend_score contract")).column_names


def csv_text(rel_or_rows) -> str:
    """The trend_score CSV text: contract header, LF endings, V1 float text (render_csv)."""
    columns = contract_columns()
    rows: Iterable = rel_or_rows.fetchall() if hasattr(rel_or_rows, "fetchall") else rel_or_rows
    values = [[row[col] for col in columns] if isinstance(row, Mapping) else list(row) for row in rows]
    for row in values:
        if len(row) != len(columns):
            raise ValueError(f"a trend_score row has {len(row)} values, the contract has {len(columns)} columns")
    return render_csv(columns, values).decode("utf-8")


def write_csv(rel_or_rows, path: Path) -> int:
    """Write the trend_score CSV atomically (UTF-8, LF); returns the number of data rows."""
    text = csv_text(rel_or_rows)
    atomic_write_text(Path(path), text)
    return text.count("\n") - 1


def plan_from_decision(paths: Mapping[str, Path], decision: Mapping) -> tuple[dict[str, Path | None], dict[str, float]]:
    """Inputs and weights from a degradation decision (scripts/degradation.py); the decision must not be fail."""
    available = set(decision["available"])
    inputs = {s: (paths[s] if s in available else None) for s in SOURCES}
    weights = {s: float(decision["weights"][s]) if s in available else 0.0 for s in SOURCES}
    return inputs, weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--input-dir", type=Path, help="flat folder with the three V1 input CSVs (a V1 datos/)")
    where.add_argument("--staging", type=Path, help="the run's staging folder (<source>/<V1 file>)")
    parser.add_argument("--output", type=Path, required=True, help="the trend_score.csv to write")
    parser.add_argument("--degradation", type=Path, help="decision file from scripts/degradation.py (weights, sources)")
    args = parser.parse_args(argv)

    if args.staging:
        paths = {s: args.staging / s / name for s, name in INPUT_FILES.items()}
    else:
        paths = {s: args.input_dir / name for s, name in INPUT_FILES.items()}
    inputs, weights = paths, configured_weights()
    engine = configured_engine()
    engine_file = args.output.parent / ENGINE_FILE
    if args.degradation:
        decision = read_json(args.degradation, "degradation decision")
        if decision["decision"] == "fail":
            args.output.unlink(missing_ok=True)  # a failed run has no score: never leave an older one looking current
            if args.staging:
                engine_file.unlink(missing_ok=True)
            print(
                f"trend score: not computed, the degradation decision is fail ({decision['reason']})", file=sys.stderr
            )
            return 0
        inputs, weights = plan_from_decision(paths, decision)
    import duckdb

    con = duckdb_connect()
    try:
        rows = write_csv(engine_rows(engine, con, inputs, weights), args.output)
    except (PipelineError, duckdb.Error) as exc:
        why = str(exc).splitlines()[0]
        if not args.degradation:
            raise PipelineError(f"trend score: an input cannot be read: {why}") from None
        # in a run, an unreadable staged input is the quality gate's to report (file, line, column) and the
        # aggregate step's to record: no score, like a fail decision
        args.output.unlink(missing_ok=True)
        engine_file.unlink(missing_ok=True)
        print(
            f"trend score: not computed, a staged input cannot be read ({why}): see the quality gate", file=sys.stderr
        )
        return 0
    if args.staging:  # the run's score: say which engine made it (a rescored V1 folder gets no extra file)
        write_json(engine_file, {"engine": engine, "weights": {s: weights[s] for s in SOURCES}})
    used = ", ".join(f"{s} {weights[s]:.4g}" for s in SOURCES if inputs[s] is not None)
    print(f"wrote {args.output}: {rows} technologies, engine {engine} (weights {used})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

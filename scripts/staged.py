"""Parse a staged CSV once, with its contract's types and bounds: the one table both the gate and the writer use.

`load(contract, path)` returns a `ParsedDataset`: the typed pyarrow table (contract columns in contract order,
DuckDB types VARCHAR/BIGINT/DOUBLE/DATE/TIMESTAMP) plus every problem found while parsing, each naming the
file, the line and the column. Nothing the gate passes can fail later, because the writer never reads the file
again: it writes `ParsedDataset.table`.

What counts as a problem (the gate reports each as a critical failure):
  file level  missing, a directory or a symlink, empty, no header, a repeated or unknown header column,
              a byte that is not UTF-8, a ragged row (too few or too many fields), a broken quote, a line too long
  cell level  a value that does not parse as its column's type (an integer that does not fit 64 bits included),
              `inf`/`nan` in a number, a line break or a control character (NUL, ESC, ...; a tab is fine) inside
              a value, a value that misses its column's pattern

A UTF-8 byte-order mark is tolerated (DuckDB skips it; the header is compared without it). Blank or
whitespace-only fields are nulls. Parsing is DuckDB `read_csv` with every column as text (strict, rejects
recorded), then one vectorised `try_cast` per column: no Python per cell. The query is built here rather than in
sql/ because its column list comes from the contract and the file's header.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lib import PipelineError
from lib.contracts import Contract
from lib.duck import DUCKDB_TYPES, duckdb_connect, quote_ident, sql_literal

HEADER_BYTES = 1 << 16  # the header must fit in the first 64 KiB
MAX_SAMPLES = 50  # problems kept per file (the counts stay complete)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a staged file: where (file, line, column) and why."""

    file: str
    line: int | None  # 1-based line of the file (the header is line 1); None for a file-level problem
    column: str | None
    value: str | None
    check: str  # the column type that failed, "pattern", "finite", "line_break", or a file-level kind
    message: str

    @property
    def row(self) -> int | None:
        """The data row (1-based); valid because a file with a multi-line value is itself a problem."""
        return None if self.line is None else self.line - 1


@dataclass
class ParsedDataset:
    contract: Contract
    path: Path
    table: object | None = None  # pyarrow.Table, None when the file is unreadable
    header: list[str] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)  # file-level: nothing in the table can be trusted
    column_problems: list[Problem] = field(default_factory=list)  # header columns the contract does not declare
    cell_problems: list[Problem] = field(default_factory=list)  # a sample, at most MAX_SAMPLES
    cell_problem_count: int = 0

    @property
    def readable(self) -> bool:
        return not self.unreadable

    @property
    def ok(self) -> bool:
        """Nothing wrong at all: the writer may write `table` as it is."""
        return self.readable and not self.column_problems and not self.missing_columns and not self.cell_problem_count

    @property
    def rows(self) -> int:
        return 0 if self.table is None else self.table.num_rows

    @property
    def missing_columns(self) -> list[str]:
        return [c for c in self.contract.column_names if c not in self.header] if self.readable else []

    def frame(self):
        """The typed table as pandas (nullable integers stay integers), for the Pandera schema."""
        import pandas as pd

        mapping = {"int64": pd.Int64Dtype(), "double": pd.Float64Dtype()}
        frame = self.table.to_pandas(types_mapper=lambda t: mapping.get(str(t)))
        return frame[[c for c in self.contract.column_names if c in self.header]]


def _file_problem(path: Path, check: str, message: str, line: int | None = None) -> Problem:
    return Problem(str(path), line, None, None, check, f"{path} {message}")


def read_header(path: Path) -> tuple[list[str] | None, Problem | None]:
    """The header row (a BOM stripped), or the file-level problem that stops parsing."""
    try:
        if path.is_symlink():
            return None, _file_problem(
                path, "symlink", "is a symbolic link: a staged file must be a regular file inside its folder"
            )
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
    except FileNotFoundError:
        return None, _file_problem(path, "missing", "does not exist")
    except IsADirectoryError:
        return None, _file_problem(path, "not_a_file", "is a directory, not a CSV file")
    except OSError as exc:
        return None, _file_problem(path, "unreadable", f"cannot be read ({exc.strerror})")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, _file_problem(path, "encoding", f"is not UTF-8 ({exc.reason} at byte {exc.start})", 1)
    if not text.strip():
        return None, _file_problem(path, "empty", "is empty (no header row)", 1)
    if b"\n" not in head and len(head) == HEADER_BYTES:
        return None, _file_problem(path, "header", f"has no header line in its first {HEADER_BYTES} bytes", 1)
    try:
        header = next(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        return None, _file_problem(path, "header", f"has a malformed header ({exc})", 1)
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        return None, _file_problem(
            path, "header", f"is not a well-formed CSV: its header repeats {', '.join(repeated)}", 1
        )
    return header, None


def _typed_expr(column, present: bool) -> str:
    duck = DUCKDB_TYPES[column.type]
    name = quote_ident(column.name)
    if not present:
        return f"cast(null as {duck}) as {name}"
    blank_null = f"nullif(trim({name}), '')"
    if column.type == "string":
        return f"case when {blank_null} is null then null else {name} end as {name}"
    if column.type == "float":
        value = f"try_cast({blank_null} as double)"
        return f"case when isfinite({value}) then {value} end as {name}"
    if column.type == "integer":  # DuckDB would round '1.5' to 2: only digits are an integer
        return f"case when regexp_full_match({blank_null}, '[+-]?[0-9]+') then try_cast({blank_null} as bigint) end as {name}"
    return f"try_cast({blank_null} as {duck}) as {name}"


def _problem_queries(contract: Contract, header: list[str]) -> list[tuple[str, str]]:
    """(select, condition) per (column, check): the rows whose text value the typed table cannot hold."""
    out = []
    for column in contract.columns:
        if column.name not in header:
            continue
        name = quote_ident(column.name)
        text = f"nullif(trim({name}), '')"

        def select(check: str, condition: str, name=name, column=column) -> tuple[str, str]:
            return (
                f"select _row, {sql_literal(column.name)} as col, {name} as val, {sql_literal(check)} as chk "
                f"from _raw where {condition}",
                condition,
            )

        out.append(select("line_break", f"contains({name}, chr(10)) or contains({name}, chr(13))"))
        out.append(select("control", f"regexp_matches({name}, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]')"))
        if column.type != "string":
            duck = DUCKDB_TYPES[column.type]
            cast = f"try_cast({text} as {duck}) is null"
            if column.type == "integer":
                cast = f"(not regexp_full_match({text}, '[+-]?[0-9]+') or {cast})"
            out.append(select(column.type, f"{text} is not null and {cast}"))
            if column.type == "float":
                out.append(select("finite", f"not isfinite(try_cast({text} as double))"))
        if column.pattern:
            out.append(
                select("pattern", f"{text} is not null and not regexp_matches({name}, {sql_literal(column.pattern)})")
            )
    return out


_REJECT_KINDS = {
    "MISSING COLUMNS": "ragged",
    "TOO MANY COLUMNS": "ragged",
    "INVALID ENCODING": "encoding",
    "INVALID UNICODE": "encoding",
    "UNQUOTED VALUE": "quoting",
    "LINE SIZE OVER MAXIMUM": "line_size",
}


def load(contract: Contract, path: Path, con=None) -> ParsedDataset:
    """Parse `path` with `contract`'s types; never raises for a bad file (its problems say what is wrong)."""
    path = Path(path)
    parsed = ParsedDataset(contract, path)
    header, problem = read_header(path)
    if problem:
        parsed.unreadable.append(problem)
        return parsed
    parsed.header = header
    unknown = [h for h in header if h not in contract.column_names]
    if unknown:
        parsed.column_problems.append(
            _file_problem(
                path,
                "extra_column",
                f"has column(s) {', '.join(map(repr, unknown))} that the contract {contract.name} "
                f"({contract.version}) does not declare: the writer would drop them; fix the extractor or the contract",
                1,
            )
        )
    con = con or duckdb_connect()
    columns = ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in header)
    for table in ("_raw", "_rejects", "_reject_scans"):
        con.execute(f"drop table if exists {table}")
    source = (
        f"read_csv({sql_literal(os.fspath(path))}, header = true, auto_detect = false, columns = {{{columns}}}, "
        "quote = '\"', escape = '\"', nullstr = '', strict_mode = true, store_rejects = true, "
        "rejects_table = '_rejects', rejects_scan = '_reject_scans')"
    )
    queries = _problem_queries(contract, header)
    # one pass: the typed columns and, per row, whether any of its cells has a problem
    flag = " or ".join(f"coalesce({condition}, false)" for _select, condition in queries) or "false"
    typed = ", ".join(_typed_expr(c, c.name in header) for c in contract.columns)
    table = con.sql(f"select {typed}, ({flag}) as _bad from {source}").arrow().read_all()  # file order
    rejects = con.execute(
        "select line, column_name, error_type, error_message from _rejects order by line limit ?", [MAX_SAMPLES]
    ).fetchall()
    if rejects:
        total = con.execute("select count(*) from _rejects").fetchall()[0][0]
        for line, column, kind, message in rejects:
            parsed.unreadable.append(
                Problem(
                    str(path),
                    line,
                    column,
                    None,
                    _REJECT_KINDS.get(kind, "malformed"),
                    f"{path}: line {line}: {_reject_text(kind, message, len(header))}",
                )
            )
        if total > len(rejects):
            parsed.unreadable.append(_file_problem(path, "malformed", f"and {total - len(rejects)} more bad line(s)"))
        return parsed
    import pyarrow.compute as pc

    if pc.any(table.column("_bad")).as_py():  # rare: read the text again to count and list each problem cell
        con.execute(f"create temp table _raw as select row_number() over () + 1 as _row, * from {source}")
        counts = ", ".join(f"count_if({condition})" for _select, condition in queries)
        parsed.cell_problem_count = sum(n or 0 for n in con.execute(f"select {counts} from _raw").fetchall()[0])
        union = " union all ".join(select for select, _condition in queries)
        sample = con.execute(f"select * from ({union}) order by _row, col limit {MAX_SAMPLES}").fetchall()
        parsed.cell_problems = [_cell_problem(path, *row) for row in sample]
        con.execute("drop table _raw")
    parsed.table = table.drop_columns(["_bad"])
    return parsed


def _reject_text(kind: str, message: str, width: int) -> str:
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = message.rsplit("Found:", 1)[-1].strip()
        return f"a ragged row: {found} fields where the header has {width}"
    if kind in ("INVALID ENCODING", "INVALID UNICODE"):
        return "a byte that is not UTF-8 (the file is not UTF-8 encoded)"
    if kind == "UNQUOTED VALUE":
        return "a broken quote (a value with a quote character must be quoted whole)"
    if kind == "LINE SIZE OVER MAXIMUM":
        return "a line longer than the CSV reader's maximum"
    return f"malformed CSV ({message})"


_CELL_TEXT = {
    "integer": "is not an integer that fits 64 bits",
    "float": "is not a number",
    "date": "is not a date (YYYY-MM-DD)",
    "timestamp": "is not a timestamp (ISO 8601)",
    "finite": "is not a finite number (inf/nan)",
    "line_break": "holds a line break",
    "control": "holds a control character (NUL, escape, ...)",
    "pattern": "does not match the column's pattern",
}


def _cell_problem(path: Path, line: int, column: str, value: str, check: str) -> Problem:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return Problem(
        str(path), line, column, value, check, f"{path}: line {line}, {column}={shown!r} {_CELL_TEXT[check]}"
    )


def load_all(contracts: Mapping[str, Contract], files: Mapping[str, Path]) -> dict[str, ParsedDataset | None]:
    """Every named file parsed with its contract (one DuckDB connection); a name without a contract maps to None
    (the gate reports it)."""
    con = duckdb_connect()
    return {name: load(contracts[name], path, con) if name in contracts else None for name, path in files.items()}


def read_typed_csv(con, path: Path, contract: Contract):
    """A CSV as a DuckDB relation typed by its contract, through the one parser (scripts/staged.py).

    Anything the quality gate would refuse (a header that is not the contract's, a value that does not fit its
    type, a malformed file) is a PipelineError naming the file, the line and the column.
    """
    parsed = load(contract, Path(path), con)
    problems = parsed.unreadable + parsed.column_problems + parsed.cell_problems
    if parsed.missing_columns:
        problems.append(f"{path} lacks column(s) {', '.join(parsed.missing_columns)}")
    if problems or parsed.header != contract.column_names:
        first = "; ".join(getattr(p, "message", str(p)) for p in problems[:3]) or (
            f"{path} has columns {parsed.header}, the contract says {contract.column_names}"
        )
        raise PipelineError(f"{contract.name}: {first}")
    return con.from_arrow(parsed.table)

"""The DuckDB runner: connections, SQL literals, the versioned sql/ files, and CSV export in the V1 form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from lib import SQL_DIR, PipelineError
from lib.contracts import Column
from lib.csvfmt import render_csv


def duckdb_connect(threads: int | None = None):
    import duckdb

    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def sql_literal(value: object) -> str:
    """A value (or a path) as a DuckDB SQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_sql_file(con, sql_name: str, variables: Mapping[str, object] | None = None):
    """Bind `variables` (DuckDB `SET VARIABLE`, read in SQL with getvariable()) and run sql/<sql_name>.

    The SQL file holds no paths: callers bind input files as variables or create views first.
    Returns the DuckDB relation of the file's final statement.
    """
    for key, value in (variables or {}).items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            raise ValueError(f"bad SQL variable name {key!r}")
        con.execute(f"set variable {key} = {sql_literal(value)}")
    path = SQL_DIR / sql_name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"SQL file {path} does not exist") from None
    return con.sql(text)


DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "float": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMP"}


# DuckDB's CSV writer quotes these where Python's csv module (render_csv) does not: a carriage return, a leading
# '#', an empty string. A dataset holding any of them is rendered by render_csv instead (tests/test_commit.py
# checks that both give the same bytes for everything else).
_DUCKDB_QUOTES_DIFFERENTLY = "contains(%s, chr(13)) or starts_with(%s, '#') or %s = ''"


def copy_csv(con, relation: str, columns: list[Column], path: Path) -> str:
    """Write `relation`'s `columns` (contract columns, in order) to `path` as exactly the bytes `render_csv` gives,
    rendered by DuckDB (COPY … TO) in one pass; a dataset DuckDB would quote differently goes through render_csv.

    Returns which writer was used ("duckdb" or "python"). The caller makes the write atomic (`atomic_path`).
    """
    names = [c.name for c in columns]
    strings = [quote_ident(c.name) for c in columns if c.type == "string"]
    if strings:
        test = " or ".join(_DUCKDB_QUOTES_DIFFERENTLY % (q, q, q) for q in strings)
        (odd,) = con.sql(f"select coalesce(bool_or({test}), false) from {relation}").fetchall()[0]
        if odd:
            rows = con.sql(f"select {', '.join(quote_ident(n) for n in names)} from {relation}").fetchall()
            Path(path).write_bytes(render_csv(names, rows))
            return "python"
    selected = ", ".join(quote_ident(n) for n in names)
    con.execute(
        f"copy (select {selected} from {relation}) to {sql_literal(str(path))} (format csv, header true, "
        "delimiter ',', quote '\"', escape '\"', nullstr '', timestampformat '%Y-%m-%dT%H:%M:%SZ')"
    )
    return "duckdb"

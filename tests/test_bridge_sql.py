"""Given/expect tests of the generic sql/bridge_deltas.sql, through the runner the bridge uses."""

from __future__ import annotations

from lib.duck import duckdb_connect, run_sql_file


def deltas(rows: list[tuple]) -> dict[tuple[int, str, str], tuple]:
    con = duckdb_connect()
    values = ", ".join(
        f"({i}, '{k}', {'null' if a is None else a}, {'null' if b is None else b})" for i, k, a, b in rows
    )
    con.execute(f"create view bridge_wide as select * from (values {values}) as t(snap_index, item_key, hits, misses)")
    rel = run_sql_file(con, "bridge_deltas.sql")
    out = {}
    for row in rel.fetchall():
        record = dict(zip(rel.columns, row, strict=True))
        out[(record["snap_index"], record["item_key"], record["metric"])] = (
            record["metric_value"],
            record["prev_value"],
            record["delta"],
            record["growth_pct"],
            record["trend_direction"],
            record["share_pct"],
        )
    return out


def test_previous_is_the_immediately_previous_snapshot_only():
    got = deltas(
        [
            (0, "a", 10.0, 1.0),
            (0, "b", 30.0, 2.0),
            (1, "a", 15.0, None),  # a null metric has no row and is no previous value
            (1, "c", 5.0, 1.0),  # new item
            (2, "a", 15.0, 4.0),
            (2, "b", 20.0, 4.0),  # back after a snapshot away: not compared with snapshot 0
        ]
    )
    assert got[(0, "a", "hits")] == (10.0, None, None, None, None, 25.0)
    assert got[(1, "a", "hits")] == (15.0, 10.0, 5.0, 50.0, "creciendo", 75.0)
    assert got[(1, "c", "hits")][1:5] == (None, None, None, None)
    assert (1, "a", "misses") not in got
    assert got[(2, "a", "hits")][1:5] == (15.0, 0.0, 0.0, "estable")
    assert got[(2, "a", "misses")][1:5] == (None, None, None, None)  # snapshot 1 had no value
    assert got[(2, "b", "hits")][1:5] == (None, None, None, None)
    assert got[(2, "b", "misses")][5] == 50.0


def test_growth_needs_a_positive_previous_and_shares_of_an_empty_total_are_zero():
    got = deltas([(0, "a", 0.0, 0.0), (1, "a", 4.0, 0.0)])
    assert got[(1, "a", "hits")][1:5] == (0.0, 4.0, None, "creciendo")
    assert got[(0, "a", "hits")][5] == 0.0
    assert got[(1, "a", "misses")][4] == "estable"

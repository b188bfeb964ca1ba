-- Compaction checksum: what a set of history rows is, independent of row order and of file boundaries.
-- Grain: one row for the whole input.
-- Inputs, bound by scripts/compact.py: view `checked_rows` (history rows: contract columns, run_id,
-- snapshot_date), either the daily files to merge or the monthly file written from them.
-- row_hash_sum / row_hash_xor combine DuckDB's hash of each whole row; they are compared within one run of
-- compaction (one DuckDB version), and recorded with that version.

with hashed as (
    select
        checked_rows.run_id,
        checked_rows.snapshot_date,
        hash(checked_rows) as row_hash
    from checked_rows
),

per_run as (
    select
        hashed.run_id,
        hashed.snapshot_date,
        count(*) as row_count,
        sum(hashed.row_hash::hugeint) as row_hash_sum
    from hashed
    group by hashed.run_id, hashed.snapshot_date
),

totals as (
    select
        count(*) as row_count,
        coalesce(sum(hashed.row_hash::hugeint), 0) as row_hash_sum,
        coalesce(bit_xor(hashed.row_hash), 0) as row_hash_xor
    from hashed
),

runs as (
    select
        list(
            {
                'run_id': per_run.run_id,
                'snapshot_date': per_run.snapshot_date,
                'row_count': per_run.row_count,
                'row_hash_sum': per_run.row_hash_sum
            }
            order by per_run.snapshot_date, per_run.run_id
        ) as per_run
    from per_run
)

select
    totals.row_count,
    totals.row_hash_sum::varchar as row_hash_sum,
    totals.row_hash_xor::varchar as row_hash_xor,
    runs.per_run
from totals
cross join runs

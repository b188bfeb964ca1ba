-- Monthly history file: one dataset's daily snapshots of one calendar month, merged into one relation.
-- Grain: one row per row of each merged daily snapshot (rows keep run_id and snapshot_date).
-- Inputs, bound by scripts/compact.py: view `daily_rows` (the month's verified daily files, read with
-- file_row_number = true and without hive columns). Rows are ordered by snapshot date, then by their position
-- in the daily file, so a run's rows read back in the order it wrote them (replay stays byte for byte).

with merged as (
    select daily_rows.*  -- noqa: AM04
    from daily_rows
)

-- every column the daily files have, in their order, without the reader's row position
select merged.* exclude (file_row_number)  -- noqa: AM04, RF03
from merged
order by merged.snapshot_date, merged.file_row_number

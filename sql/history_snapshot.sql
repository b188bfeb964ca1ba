-- History snapshot: one published dataset's rows for one run, tagged with the run that wrote them.
-- Grain: one row per row of the dataset's latest file, per run (partitioned by the run date).
-- Inputs, bound by scripts/aggregate.py: view `dataset` (the rows typed by the dataset's contract, in contract
-- column order); variables `run_id` (uuid text) and `snapshot_date` (the run date, YYYY-MM-DD).

-- `dataset.*` is deliberate: every contract column, in contract order.
select
    dataset.*,  -- noqa: AM04
    cast(getvariable('run_id') as varchar) as run_id,
    cast(getvariable('snapshot_date') as date) as snapshot_date
from dataset

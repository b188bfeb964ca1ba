-- bridge_deltas: the one "latest with previous and delta" shape every bridge file uses.
-- Grain: one row per snapshot, item and metric (an item missing from a snapshot has no row there).
-- Inputs, bound by scripts/bridge_core.py: view `bridge_wide` with columns snap_index (0 = oldest snapshot), item_key
-- (the matching key: a slug, a lower-cased tag, a topic's exact text) and one numeric column per metric.
-- The previous value is the same item's value in the immediately previous snapshot (snap_index - 1): null for a
-- new item, an item that was not there last time, and every item of the first snapshot. Values are exact
-- doubles: the contract's rounding is applied once, when the documents are written.

with

long_values as (
    -- a null metric has no row: its delta is unknown, and it is no previous value for the next snapshot
    unpivot bridge_wide
    on columns(* exclude (snap_index, item_key))
    into name metric value metric_value
),

ordered as (
    select
        snap_index,
        item_key,
        metric,
        metric_value,
        lag(snap_index) over by_item as lag_index,
        lag(metric_value) over by_item as lag_value,
        sum(metric_value) over by_snapshot as snapshot_total
    from long_values
    window
        by_item as (partition by item_key, metric order by snap_index),
        by_snapshot as (partition by snap_index, metric)
),

with_previous as (
    select
        snap_index,
        item_key,
        metric,
        metric_value,
        snapshot_total,
        case when lag_index = snap_index - 1 then lag_value end as prev_value
    from ordered
)

select
    snap_index,
    item_key,
    metric,
    metric_value,
    prev_value,
    snapshot_total,
    metric_value - prev_value as delta,
    case when prev_value > 0 then (metric_value - prev_value) / prev_value * 100 end as growth_pct,
    case
        when metric_value > prev_value then 'creciendo'
        when metric_value < prev_value then 'cayendo'
        when metric_value = prev_value then 'estable'
    end as trend_direction,
    case when snapshot_total > 0 then metric_value / snapshot_total * 100 else 0.0 end as share_pct
from with_previous
order by snap_index, metric, item_key

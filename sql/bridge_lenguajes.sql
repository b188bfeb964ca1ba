-- bridge_lenguajes: the latest github_lenguajes snapshot for github_lenguajes_public.json.
-- Grain: one row per language of the latest snapshot (empty names dropped).
-- Inputs, bound by scripts/bridge_core.py: view `lenguajes_rows` (github_lenguajes contract columns, run_id,
-- snapshot_date, snap_index).

with

latest as (
    select
        repos_count,
        trim(lenguaje) as lenguaje,
        least(greatest(porcentaje, 0.0), 100.0) as share_pct
    from lenguajes_rows
    where
        snap_index = (select max(l.snap_index) from lenguajes_rows as l)
        and trim(coalesce(lenguaje, '')) != ''
)

select
    lenguaje,
    repos_count,
    share_pct
from latest
order by repos_count desc, share_pct desc, lower(lenguaje) asc

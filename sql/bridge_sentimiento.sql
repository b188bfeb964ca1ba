-- bridge_sentimiento: the latest reddit_sentimiento snapshot for reddit_sentimiento_public.json.
-- Grain: one row per framework of the latest snapshot (empty names dropped).
-- Inputs, bound by scripts/bridge_core.py: view `sentimiento_rows` (reddit_sentimiento contract columns, run_id,
-- snapshot_date, snap_index).

with

latest as (
    select
        total_menciones,
        positivos,
        neutros,
        negativos,
        trim(framework) as framework,
        least(greatest("% positivo", 0.0), 100.0) as porcentaje_positivo,
        least(greatest("% neutro", 0.0), 100.0) as porcentaje_neutro,
        least(greatest("% negativo", 0.0), 100.0) as porcentaje_negativo
    from sentimiento_rows
    where
        snap_index = (select max(s.snap_index) from sentimiento_rows as s)
        and trim(coalesce(framework, '')) != ''
)

select
    framework,
    total_menciones,
    positivos,
    neutros,
    negativos,
    porcentaje_positivo,
    porcentaje_neutro,
    porcentaje_negativo
from latest
order by porcentaje_positivo desc, total_menciones desc, lower(framework) asc

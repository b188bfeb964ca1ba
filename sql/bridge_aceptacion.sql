-- bridge_aceptacion: accepted-answer rate per tag per snapshot, with a sample bucket, the Wilson lower bound at
-- 95 % and two rankings (raw rate, confidence).
-- Grain: one row per tag per snapshot.
-- Inputs, bound by scripts/bridge_core.py: view `aceptacion_rows` (so_aceptacion contract columns, run_id,
-- snapshot_date, snap_index).

with

normalized as (
    -- the rate is recomputed from the counts; accepted answers are clamped to [0, total]
    select
        snap_index,
        total_preguntas,
        trim(tecnologia) as tecnologia,
        least(greatest(respuestas_aceptadas, 0), total_preguntas) as respuestas_aceptadas
    from aceptacion_rows
    where trim(coalesce(tecnologia, '')) != ''
),

rated as (
    select
        *,
        case when total_preguntas > 0 then respuestas_aceptadas / total_preguntas * 100 else 0.0 end
            as tasa_aceptacion_pct,
        case
            when total_preguntas < 300 then 'baja'
            when total_preguntas < 1000 then 'media'
            else 'alta'
        end as sample_bucket,
        case
            when total_preguntas > 0
                then (
                    respuestas_aceptadas / total_preguntas + 1.96 ^ 2 / (2 * total_preguntas)
                    - 1.96 * sqrt(
                        (
                            respuestas_aceptadas / total_preguntas * (1 - respuestas_aceptadas / total_preguntas)
                            + 1.96 ^ 2 / (4 * total_preguntas)
                        ) / total_preguntas
                    )
                ) / (1 + 1.96 ^ 2 / total_preguntas)
            else 0.0
        end as confidence_score
    from normalized
)

select
    snap_index,
    tecnologia,
    total_preguntas,
    respuestas_aceptadas,
    tasa_aceptacion_pct,
    sample_bucket,
    confidence_score,
    row_number() over (
        partition by snap_index
        order by tasa_aceptacion_pct desc, total_preguntas desc, tecnologia asc
    ) as raw_rank,
    row_number() over (
        partition by snap_index
        order by confidence_score desc, total_preguntas desc, tasa_aceptacion_pct desc, tecnologia asc
    ) as confidence_rank
from rated
order by snap_index, raw_rank

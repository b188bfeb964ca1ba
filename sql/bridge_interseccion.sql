-- bridge_interseccion: GitHub rank vs Reddit rank per technology per snapshot, with unique ranks among the
-- comparable items (both ranks known), gap, average rank and direction.
-- Grain: one row per technology per snapshot.
-- Inputs, bound by scripts/bridge_core.py: view `interseccion_rows` (interseccion contract columns, run_id,
-- snapshot_date, snap_index). A rank that is not a number (`No encontrado`, `n/a`, blank) is unknown.

with

parsed as (
    select
        snap_index,
        trim(tecnologia) as tecnologia,
        trim(tipo) as tipo,
        try_cast(trim(ranking_github::varchar) as bigint) as github_raw,
        try_cast(trim(ranking_reddit::varchar) as bigint) as reddit_raw
    from interseccion_rows
    where trim(coalesce(tecnologia, '')) != ''
),

flagged as (
    select
        *,
        github_raw is not null and reddit_raw is not null as comparable
    from parsed
),

positioned as (
    -- position among the comparable items of the snapshot, per side, by (rank, name case-insensitive)
    select
        *,
        row_number() over (
            partition by snap_index, comparable order by github_raw, lower(tecnologia)
        ) as github_position,
        row_number() over (
            partition by snap_index, comparable order by reddit_raw, lower(tecnologia)
        ) as reddit_position
    from flagged
),

unique_ranks as (
    -- each rank raised to at least the previous one + 1: position + running max of (rank - position)
    select
        *,
        case
            when comparable
                then github_position + max(github_raw - github_position) over (
                    partition by snap_index, comparable order by github_position
                    rows between unbounded preceding and current row
                )
            else github_raw
        end as ranking_github,
        case
            when comparable
                then reddit_position + max(reddit_raw - reddit_position) over (
                    partition by snap_index, comparable order by reddit_position
                    rows between unbounded preceding and current row
                )
            else reddit_raw
        end as ranking_reddit
    from positioned
)

select
    snap_index,
    tecnologia,
    tipo,
    ranking_github,
    ranking_reddit,
    comparable,
    abs(ranking_github - ranking_reddit) as brecha_abs,
    (ranking_github + ranking_reddit) / 2 as promedio_rank,
    case
        when not comparable then 'incompleto'
        when ranking_github = ranking_reddit then 'consenso'
        when ranking_github < ranking_reddit then 'github_favorece'
        else 'reddit_favorece'
    end as direccion
from unique_ranks
order by snap_index asc, promedio_rank asc nulls last, tecnologia asc

-- bridge_trend: every trend score snapshot's rows, prepared for the dashboard (names, slugs, ranking, codes).
-- Grain: one row per technology per snapshot.
-- Inputs, bound by scripts/bridge_core.py: view `trend_rows` (trend_score contract columns, run_id, snapshot_date,
-- snap_index: the snapshot's position, 0 = oldest).

-- The slug rule: lower-case; ai/ml, c# and c++ have fixed slugs; any other run outside a-z0-9 becomes one '-'.
create or replace temp macro bridge_slug(name) as (
    case lower(trim(name))
        when 'ai/ml' then 'ai-ml'
        when 'c#' then 'c-sharp'
        when 'c++' then 'c-plus-plus'
        else trim(regexp_replace(lower(trim(name)), '[^a-z0-9]+', '-', 'g'), '-')
    end
);

with

named as (
    select
        snap_index,
        snapshot_date,
        ranking,
        trend_score,
        trim(tecnologia) as tecnologia,
        coalesce(github_score, 0.0) as github_score,
        coalesce(so_score, 0.0) as so_score,
        coalesce(reddit_score, 0.0) as reddit_score,
        bridge_slug(tecnologia) as slug
    from trend_rows
    where trim(coalesce(tecnologia, '')) != '' and trend_score is not null
),

ranked as (
    -- a ranking <= 0 (or missing) goes after the snapshot's largest ranking, by score
    select
        *,
        max(ranking) filter (where ranking > 0) over (partition by snap_index) as max_ranking,
        row_number() over (
            partition by snap_index, coalesce(ranking, 0) > 0
            order by trend_score desc, tecnologia asc
        ) as fallback_position
    from named
)

select
    snap_index,
    snapshot_date,
    tecnologia,
    slug,
    github_score,
    so_score,
    reddit_score,
    trend_score,
    case
        when ranking > 0 then ranking
        else coalesce(max_ranking, 0) + fallback_position
    end as ranking,
    (github_score > 0)::integer + (so_score > 0)::integer + (reddit_score > 0)::integer as fuentes,
    list_concat(
        case when github_score > 0 then ['GH'] else []::varchar[] end,
        case when so_score > 0 then ['SO'] else []::varchar[] end,
        case when reddit_score > 0 then ['RD'] else []::varchar[] end
    ) as available_source_codes
from ranked
order by snap_index, ranking, tecnologia

-- bridge_correlacion: stars vs contributors per snapshot, every derived column recomputed from stars and
-- contributors (a least-squares line with population moments; the CSV's own derived columns are not trusted).
-- Grain: one row per repository per snapshot.
-- Inputs, bound by scripts/bridge_core.py: view `correlacion_rows` (github_correlacion contract columns, run_id,
-- snapshot_date, snap_index).

with

base as (
    select
        snap_index,
        snapshot_date,
        repo_name,
        stars::double as x,
        contributors::double as y,
        stars,
        contributors,
        coalesce(nullif(trim(language), ''), 'Sin especificar') as repo_language
    from correlacion_rows
),

moments as (
    select
        *,
        avg(x) over by_snapshot as mean_x,
        avg(y) over by_snapshot as mean_y,
        var_pop(x) over by_snapshot as var_x,
        covar_pop(y, x) over by_snapshot as cov_xy,
        corr(y, x) over by_snapshot as pearson_r,
        count(*) over by_snapshot as row_count
    from base
    window by_snapshot as (partition by snap_index)
),

fitted as (
    select
        *,
        case
            when var_x = 0 then mean_y
            else greatest(0.0, cov_xy / var_x * x + (mean_y - cov_xy / var_x * mean_x))
        end as expected_contributors
    from moments
),

residuals as (
    select
        *,
        y - expected_contributors as residual,
        stddev_pop(y - expected_contributors) over (partition by snap_index) as residual_sd
    from fitted
),

scored as (
    select
        *,
        case when residual_sd > 0 then residual / residual_sd else 0.0 end as outlier_score
    from residuals
)

select
    snap_index,
    snapshot_date,
    repo_name,
    stars,
    contributors,
    repo_language as language,  -- noqa: RF04
    expected_contributors,
    outlier_score,
    residual as contributors_delta_vs_trend,
    case when stars > 0 then y / x else 0.0 end as engagement_ratio,
    case when stars > 0 then y / x * 1000 else 0.0 end as contributors_per_1k_stars,
    case
        when outlier_score >= 1.0 then 'above_trend'
        when outlier_score <= -1.0 then 'below_trend'
        else 'near_trend'
    end as trend_bucket,
    case when row_count < 2 then 0.0 when isnan(pearson_r) then null else pearson_r end as correlation_value
from scored
order by snap_index asc, stars desc, contributors desc, lower(repo_name) asc

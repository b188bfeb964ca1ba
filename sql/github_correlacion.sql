-- github_correlacion: stars against contributors for the repositories with most stars, with V1's linear trend.
-- Grain: one row per repository per run, in sample order (stars descending).
-- Inputs (created by scripts/extract_github.py; this file holds no paths):
--   repo_contributors(position, repo_name, stars, language, contributors)   the counted repositories
--   variable snapshot_date (the run date, YYYY-MM-DD)
-- The regression uses population moments: slope = cov(x, y) / var(x), x = stars, y = contributors.

with

moments as (
    select
        covar_pop(contributors, stars) as covariance,
        var_pop(stars) as variance,
        avg(stars) as mean_stars,
        avg(contributors) as mean_contributors
    from repo_contributors
),

expected as (
    select
        repos.position,
        repos.repo_name,
        repos.stars,
        repos.contributors,
        repos.language,
        case
            when moments.variance = 0 then moments.mean_contributors
            else greatest(
                0.0,
                moments.covariance / moments.variance * repos.stars
                + moments.mean_contributors
                - moments.covariance / moments.variance * moments.mean_stars
            )
        end as expected_contributors
    from repo_contributors as repos
    cross join moments
),

residuals as (
    select
        *,
        contributors - expected_contributors as residual,
        stddev_pop(contributors - expected_contributors) over () as residual_sd
    from expected
),

scored as (
    select
        *,
        case when residual_sd > 0 then residual / residual_sd else 0.0 end as outlier_score,
        case when stars > 0 then contributors / stars else 0.0 end as engagement_ratio
    from residuals
)

-- V1's column order, calculations included
select  -- noqa: ST06
    repo_name,
    stars,
    contributors,
    language,
    round(engagement_ratio, 6) as engagement_ratio,
    round(engagement_ratio * 1000, 3) as contributors_per_1k_stars,
    round(expected_contributors, 3) as expected_contributors,
    round(residual, 3) as contributors_delta_vs_trend,
    round(outlier_score, 6) as outlier_score,
    case
        when outlier_score >= 1.0 then 'above_trend'
        when outlier_score <= -1.0 then 'below_trend'
        else 'near_trend'
    end as trend_bucket,
    cast(getvariable('snapshot_date') as date) as snapshot_date_utc
from scored
order by position

-- github_commits: activity of the frameworks V1 tracks over the run's window, with the change against the
-- previous published snapshot.
-- Grain: one row per framework per run, ordered by ranking (commits in the window, most first).
-- Inputs (views created by scripts/extract_github.py; this file holds no paths):
--   framework_activity(position, framework, repo, commits_2025, active_contributors, merged_prs, closed_issues,
--                      releases_count)   the window's counts; a count whose calls failed is null, never 0
--   previous_commits(framework, commits_2025)   the most recent earlier snapshot of this dataset (may be empty)

with

previous as (
    select
        framework,
        commits_2025 as commits_prev
    from previous_commits
    where commits_2025 is not null
),

compared as (
    select
        activity.position,
        activity.framework,
        activity.repo,
        activity.commits_2025,
        activity.active_contributors,
        activity.merged_prs,
        activity.closed_issues,
        activity.releases_count,
        previous.commits_prev,
        activity.commits_2025 - previous.commits_prev as delta_commits
    from framework_activity as activity
    left join previous on activity.framework = previous.framework
),

described as (
    select
        *,
        case
            when commits_prev > 0 then round(delta_commits * 100.0 / commits_prev, 2)
        end as growth_pct,
        case
            when delta_commits > 0 then 'creciendo'
            when delta_commits < 0 then 'cayendo'
            when delta_commits = 0 then 'estable'
        end as trend_direction,
        row_number() over (order by commits_2025 desc nulls last, position asc) as ranking
    from compared
)

select
    framework,
    repo,
    commits_2025,
    active_contributors,
    merged_prs,
    closed_issues,
    releases_count,
    commits_prev,
    delta_commits,
    growth_pct,
    trend_direction,
    ranking
from described
order by ranking

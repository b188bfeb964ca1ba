-- Trend history for the dashboard: every published trend score snapshot, oldest first.
-- Grain: one row per technology per snapshot date (each day's partition holds one run).
-- Inputs, bound by scripts/publish.py: view `trend_history` (every trend_score history partition).

select
    snapshot_date,
    run_id,
    ranking,
    tecnologia,
    trend_score,
    github_score,
    so_score,
    reddit_score,
    fuentes
from trend_history
order by snapshot_date, ranking

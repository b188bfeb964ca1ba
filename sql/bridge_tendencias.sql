-- bridge_tendencias: the latest Stack Overflow monthly snapshot as one series per technology column.
-- Grain: one row per technology (the snapshot's month columns besides `mes`), of the latest snapshot only.
-- Inputs, bound by scripts/bridge_core.py: view `tendencias_rows` (so_tendencias contract columns, run_id,
-- snapshot_date, snap_index).

with

latest as (
    select * exclude (run_id, snapshot_date)
    from tendencias_rows
    where snap_index = (select max(t.snap_index) from tendencias_rows as t)
),

long_points as (
    unpivot (select * exclude (snap_index) from latest)
    on columns(* exclude (mes))
    into name column_name value points_value
),

labelled as (
    select
        mes,
        points_value,
        case lower(column_name)
            when 'python' then 'Python'
            when 'javascript' then 'JavaScript'
            when 'typescript' then 'TypeScript'
            when 'reactjs' then 'ReactJS'
            when 'react.js' then 'ReactJS'
            when 'nextjs' then 'Next.js'
            when 'next.js' then 'Next.js'
            when 'vuejs' then 'Vue.js'
            when 'vue.js' then 'Vue.js'
            when 'nodejs' then 'Node.js'
            when 'node.js' then 'Node.js'
            when 'csharp' then 'C#'
            when 'c#' then 'C#'
            when 'cpp' then 'C++'
            when 'c++' then 'C++'
            when 'php' then 'PHP'
            when 'go' then 'Go'
            when 'ruby' then 'Ruby'
            when 'java' then 'Java'
            when column_name then upper(left(column_name, 1)) || substr(column_name, 2)  -- all lower-case: title it
            else column_name
        end as tecnologia
    from long_points
),

month_list as (
    select list(mes order by mes) as months
    from (select distinct l.mes from latest as l) as distinct_months
),

with_peak as (
    select
        *,
        max(points_value) over (partition by tecnologia) as peak
    from labelled
),

series as (
    select
        tecnologia,
        list(points_value order by mes) as points,
        arg_min(points_value, mes) as start_value,
        arg_max(points_value, mes) as end_value,
        max(points_value) as peak_value,
        min(mes) filter (where points_value = peak) as peak_month
    from with_peak
    group by tecnologia
),

series_with_months as (
    select
        series.*,
        month_list.months
    from series
    cross join month_list
)

select
    tecnologia,
    points,
    start_value,
    end_value,
    peak_month,
    peak_value,
    months,
    end_value - start_value as abs_delta,
    case when start_value > 0 then (end_value - start_value) / start_value * 100 else 0.0 end as pct_delta,
    case when start_value > 0 then end_value / start_value * 100 else 0.0 end as retention_pct,
    row_number() over (order by end_value desc, lower(tecnologia) asc) as latest_rank
from series_with_months
order by latest_rank

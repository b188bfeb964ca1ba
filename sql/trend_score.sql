-- trend_score: the weekly technology trend score (the V1 formula, docs/trend_engine.md).
-- Grain: one row per technology display name whose trend_score is greater than 0, ordered by ranking.
-- Inputs (created by scripts/trend_engine.py, the runner; this file holds no paths):
--   github_repos(language)                           one row per repository (V1 github_repos_2025.csv)
--   so_volumen(lenguaje, preguntas_nuevas_2025)      one row per Stack Overflow tag
--   reddit_temas(tema, menciones)                    one row per Reddit topic
--   tech_names(raw_name, display_name)               contracts/tech_names.csv
--   variables weight_github, weight_stackoverflow, weight_reddit (doubles; 0 for an unavailable source)
-- An unavailable source is an empty input: every technology scores 0 for it.

-- numpy's round(x, 2), which V1 used through pandas: half to even on the binary product x * 100.
-- DuckDB's round() rounds half away from zero, which moves .xx5 edges by 0.01.
create or replace temp macro round2_like_numpy(x) as (
    case
        when x * 100 - floor(x * 100) > 0.5 then floor(x * 100) + 1
        when x * 100 - floor(x * 100) < 0.5 then floor(x * 100)
        when floor(x * 100) % 2 = 0 then floor(x * 100)
        else floor(x * 100) + 1
    end / 100
);

with

github_raw_counts as (
    -- counted before any string work: a million repositories carry a few dozen distinct labels
    select
        language,
        count(*) as repos
    from github_repos
    group by language
),

github_labels as (
    -- an empty language is 'Sin especificar'
    select
        repos,
        coalesce(nullif(trim(language), ''), 'Sin especificar') as raw_name
    from github_raw_counts
),

not_languages as (
    -- GitHub labels that are not programming languages (compared lower-cased)
    select labels.label
    from (
        values
        ('sin especificar'), ('llms/ai'), ('ai/ml'), ('ai'), ('llm'), ('genai'), ('artificial intelligence')
    ) as labels (label)
),

github_languages as (
    -- a join, not a filter: DuckDB would push a filter below the count and run it on every repository
    select
        github_labels.raw_name,
        github_labels.repos
    from github_labels
    anti join not_languages on lower(github_labels.raw_name) = not_languages.label
),

github_top as (
    -- the 15 most frequent languages; V1 left ties at the cut undefined, V2 takes the name ascending
    select
        raw_name,
        sum(repos) as raw_count
    from github_languages
    group by raw_name
    order by raw_count desc, raw_name asc
    limit 15
),

source_counts as (
    select
        'github' as source_name,
        raw_name,
        raw_count::double as raw_count
    from github_top
    union all
    select
        'stackoverflow' as source_name,
        trim(lenguaje) as raw_name,
        try_cast(preguntas_nuevas_2025 as double) as raw_count
    from so_volumen
    union all
    select
        'reddit' as source_name,
        trim(tema) as raw_name,
        try_cast(menciones as double) as raw_count
    from reddit_temas
),

source_ranges as (
    select
        source_name,
        raw_name,
        raw_count,
        min(raw_count) over by_source as count_min,
        max(raw_count) over by_source as count_max
    from source_counts
    where raw_name is not null and raw_count is not null
    window by_source as (partition by source_name)
),

scaled as (
    -- min-max to 0-100, 2 decimals; a source whose counts are all equal scores 50.0 everywhere
    select
        source_name,
        raw_name,
        case
            when count_max = count_min then 50.0
            else round2_like_numpy((raw_count - count_min) / (count_max - count_min) * 100)
        end as score
    from source_ranges
),

name_keys as (
    -- the lookup key of a name: lower-cased (and already trimmed)
    select distinct lower(raw_name) as name_key
    from scaled
),

name_chars as (
    select
        name_key,
        generate_subscripts(string_split(name_key, ''), 1) as char_index,
        unnest(string_split(name_key, '')) as char_text
    from name_keys
),

name_character_pairs as (
    select
        name_key,
        char_index,
        char_text,
        lag(char_text) over (partition by name_key order by char_index) as previous_char
    from name_chars
),

title_cased as (
    -- Python's str.title(): a character after a cased character is lower-cased, any other upper-cased
    select
        name_key,
        string_agg(
            case
                when lower(previous_char) != upper(previous_char) then lower(char_text)
                else upper(char_text)
            end,
            '' order by char_index
        ) as title
    from name_character_pairs
    group by name_key
),

named as (
    select
        scaled.source_name,
        scaled.score,
        coalesce(tech_names.display_name, title_cased.title, '') as tecnologia
    from scaled
    left join tech_names on lower(scaled.raw_name) = tech_names.raw_name
    left join title_cased on lower(scaled.raw_name) = title_cased.name_key
),

by_technology as (
    -- two raw names with one display name (react, reactjs) keep the higher score of that source
    select
        tecnologia,
        coalesce(max(score) filter (where source_name = 'github'), 0.0) as github_score,
        coalesce(max(score) filter (where source_name = 'stackoverflow'), 0.0) as so_score,
        coalesce(max(score) filter (where source_name = 'reddit'), 0.0) as reddit_score
    from named
    group by tecnologia
),

weighted as (
    select
        tecnologia,
        github_score,
        so_score,
        reddit_score,
        round2_like_numpy(
            getvariable('weight_github')::double * github_score
            + getvariable('weight_stackoverflow')::double * so_score
            + getvariable('weight_reddit')::double * reddit_score
        ) as trend_score,
        (github_score > 0)::integer + (so_score > 0)::integer + (reddit_score > 0)::integer as fuentes
    from by_technology
)

-- the contract puts ranking first (ST06 would move it after the plain columns)
select  -- noqa: ST06
    row_number() over (order by trend_score desc, tecnologia asc) as ranking,
    tecnologia,
    github_score,
    so_score,
    reddit_score,
    trend_score,
    fuentes
from weighted
where trend_score > 0
order by ranking

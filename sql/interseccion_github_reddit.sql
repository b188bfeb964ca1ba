-- interseccion: each GitHub-side technology's rank beside the rank of the Reddit topic that names it (V1 rules).
-- Grain: one row per GitHub-side technology per run: the 5 most frequent languages, then the 5 frameworks.
-- Inputs (views created by scripts/intersection.py; this file holds no paths):
--   github_repos(language)              the run's repository sample (every language label, 'Sin especificar' too)
--   github_frameworks(framework, ranking)   the run's framework activity; empty: V1's fixed order is used
--   reddit_temas(tema, menciones)       the run's Reddit topics
-- Matching: names are normalised with V1's alias table (exact alias, then a short alias as a whole token, then a
-- longer alias inside the name); a GitHub row takes the best unused topic whose normalised name equals, contains
-- or is contained in its own (an equal one first, then the best ranked); GitHub rows pick in order.

with recursive

aliases (canonical, alias, alias_order) as (
    values
    ('python', 'python', 1), ('javascript', 'javascript', 2), ('javascript', 'js', 3),
    ('javascript', 'web', 4), ('typescript', 'typescript', 5), ('typescript', 'ts', 6),
    ('go', 'go', 7), ('go', 'golang', 8), ('rust', 'rust', 9), ('react', 'react', 10),
    ('angular', 'angular', 11), ('vue 3', 'vue 3', 12), ('vue 3', 'vue', 13), ('java', 'java', 14),
    ('java', 'spring', 15), ('c#', 'c#', 16), ('c#', 'csharp', 17), ('c#', 'dotnet', 18),
    ('c#', 'asp.net', 19)
),

default_frameworks (framework, ranking) as (
    values ('React', 1), ('Angular', 2), ('Vue 3', 3), ('Svelte', 4), ('Next.js', 5)
),

languages as (
    select
        language as tecnologia,
        count(*) as repos
    from github_repos
    group by language
),

github_side as (
    select
        tecnologia,
        'Lenguaje' as tipo,
        row_number() over (order by repos desc, tecnologia asc) as ranking_github
    from languages
    qualify ranking_github <= 5
    union all
    select
        framework as tecnologia,
        'Framework Frontend' as tipo,
        row_number() over (order by ranking asc) as ranking_github
    from (
        select
            framework,
            ranking
        from github_frameworks
        union all
        select
            framework,
            ranking
        from default_frameworks
        where not exists (select 1 from github_frameworks)
    ) as frameworks
    qualify ranking_github <= 5
),

reddit_side as (
    select
        tema,
        row_number() over (order by menciones desc, tema asc) as ranking_reddit
    from reddit_temas
    qualify ranking_reddit <= 10
),

names as (
    select distinct lower(trim(tecnologia)) as tech_name from github_side
    union
    select distinct lower(trim(tema)) as tech_name from reddit_side
),

alias_hits as (
    -- every way a name can be normalised, best way first (1 exact, 2 short token, 3 substring)
    select
        names.tech_name,
        aliases.canonical,
        aliases.alias_order,
        case
            when names.tech_name = aliases.alias then 1
            when
                length(aliases.alias) <= 2
                and list_contains(regexp_split_to_array(names.tech_name, '[^a-z0-9#+]+'), aliases.alias)
                then 2
            when length(aliases.alias) > 2 and contains(names.tech_name, aliases.alias) then 3
        end as how
    from names
    cross join aliases
),

normalised as (
    select
        names.tech_name,
        coalesce(
            (
                select hits.canonical from alias_hits as hits
                where hits.tech_name = names.tech_name and hits.how is not null
                order by hits.how, hits.alias_order
                limit 1
            ),
            names.tech_name
        ) as norm
    from names
),

github_rows as (
    select
        github_side.tecnologia,
        github_side.tipo,
        github_side.ranking_github,
        normalised.norm,
        row_number() over (order by github_side.tipo = 'Framework Frontend', github_side.ranking_github) as step
    from github_side
    inner join normalised on lower(trim(github_side.tecnologia)) = normalised.tech_name
),

candidates as (
    select
        github_rows.step,
        reddit_side.tema,
        reddit_side.ranking_reddit,
        normalised.norm = github_rows.norm as exact
    from github_rows
    cross join reddit_side
    inner join normalised on lower(trim(reddit_side.tema)) = normalised.tech_name
    where
        normalised.norm = github_rows.norm
        or contains(normalised.norm, github_rows.norm)
        or contains(github_rows.norm, normalised.norm)
),

picks (step, used, tema) as (
    -- GitHub rows in order; each takes its best candidate among the topics not yet used
    select
        0 as step,
        cast([] as varchar[]) as used,
        cast(null as varchar) as tema
    union all
    select
        picks.step + 1 as step,
        case when pick.tema is null then picks.used else list_append(picks.used, pick.tema) end as used,
        pick.tema
    from picks
    left join lateral (
        select candidates.tema from candidates
        where candidates.step = picks.step + 1 and not list_contains(picks.used, candidates.tema)
        order by candidates.exact desc, candidates.ranking_reddit asc
        limit 1
    ) as pick on true
    where picks.step < (select max(github_rows.step) from github_rows)
),

matched as (
    select
        github_rows.tecnologia,
        github_rows.tipo,
        github_rows.ranking_github,
        github_rows.step,
        reddit_side.ranking_reddit
    from github_rows
    left join picks on github_rows.step = picks.step
    left join reddit_side on picks.tema = reddit_side.tema
)

select
    tecnologia,
    tipo,
    ranking_github,
    coalesce(cast(ranking_reddit as varchar), 'No encontrado') as ranking_reddit,
    coalesce(cast(abs(ranking_github - ranking_reddit) as varchar), '-') as diferencia
from matched
order by step

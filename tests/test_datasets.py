"""The three V1 datasets of issue 12: framework activity, stars vs contributors, the GitHub vs Reddit intersection.

Exact rows on the recorded data (expectations computed here in plain Python from the raw answers), the SQL files
on small hand-computed inputs, the previous snapshot read through history.py, and faults through the replay server.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
import shutil

import pytest

import extract_github as gh
import github_activity as act
import intersection
from lib.contracts import load_contract
from lib.duck import DUCKDB_TYPES, duckdb_connect, run_sql_file, sql_literal
from lib.files import write_json
from lib.settings import window_for
from replay_server import Response, json_response
from test_extract_github import RECORDED, SENTINEL, serve_recorded

RUN_DATE = dt.date(2026, 11, 23)


@pytest.fixture
def env(rest_run):
    return rest_run


def raw(datos):
    return datos / "raw" / "github" / RUN_DATE.isoformat()


def staged(datos, name):
    with open(datos / "staging" / "github" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def recorded(name):
    return json.loads(gzip.decompress((RECORDED / name).read_bytes()))


def status(datos):
    return json.loads((datos / "staging" / "github" / "_source_status.json").read_text())


# --------------------------------------------------------------------------- exact rows on the recorded week


def test_framework_activity_on_recorded_data_is_exact(env):
    shutil.copytree(RECORDED, raw(env))
    assert gh.main(["--offline"]) == 0
    start, end = window_for(RUN_DATE)
    expected = []
    for framework, repo in act.FRAMEWORKS:
        s = repo.replace("/", "__")
        commits = [c for p in sorted(RECORDED.glob(f"commits_{s}_p*.json.gz")) for c in recorded(p.name)]
        authors = {(c["author"] or {}).get("login", "").lower() or c["commit"]["author"]["email"] for c in commits}
        releases = [r for p in RECORDED.glob(f"releases_{s}_p*.json.gz") for r in recorded(p.name)]
        in_window = [r for r in releases if start.isoformat()[:10] <= r["published_at"][:10] < end.isoformat()[:10]]
        expected.append(
            [
                framework,
                repo,
                str(len(commits)),
                str(len(authors)),
                str(recorded(f"prs_{s}.json.gz")["total_count"]),
                str(recorded(f"issues_{s}.json.gz")["total_count"]),
                str(len(in_window)),
            ]
        )
    expected.sort(key=lambda row: -int(row[2]))
    rows = staged(env, gh.COMMITS_FILE)
    assert [[r[c] for c in list(r)[:7]] for r in rows] == expected
    # pinned figures of the bundled week (change only with the generator)
    assert expected[0] == ["Next.js", "vercel/next.js", "716", "65", "1099", "833", "48"]
    assert [r["ranking"] for r in rows] == ["1", "2", "3", "4", "5"]
    # no history in this data folder: nothing to compare with, so the comparison columns are empty (not 0)
    assert {r[c] for r in rows for c in ("commits_prev", "delta_commits", "growth_pct", "trend_direction")} == {""}
    assert status(env)["status"] == "ok"


def test_correlation_on_recorded_data_matches_a_plain_python_regression(env):
    shutil.copytree(RECORDED, raw(env))
    assert gh.main(["--offline"]) == 0
    repos = staged(env, gh.REPOS_FILE)[: act.CORRELATION_TOP]
    counts = []
    for repo in repos:
        names = act.raw_names(repo["repo_name"])
        link = recorded(names["contributors_headers"])["link"]
        counts.append(int(link.rsplit("page=", 1)[1].split(">")[0]) if link else len(recorded(names["contributors"])))
    x = [int(r["stars"]) for r in repos]
    n, mx, my = len(x), sum(x) / len(x), sum(counts) / len(counts)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, counts, strict=True)) / sum((a - mx) ** 2 for a in x)
    expected = [max(0.0, slope * a + my - slope * mx) for a in x]
    residuals = [b - e for b, e in zip(counts, expected, strict=True)]
    sd = math.sqrt(sum(r * r for r in residuals) / n - (sum(residuals) / n) ** 2)
    rows = staged(env, gh.CORRELATION_FILE)
    assert [r["repo_name"] for r in rows] == [r["repo_name"] for r in repos]
    assert [int(r["contributors"]) for r in rows] == counts
    for row, e, res, a, b in zip(rows, expected, residuals, x, counts, strict=True):
        assert float(row["expected_contributors"]) == pytest.approx(e, abs=0.0005)
        assert float(row["outlier_score"]) == pytest.approx(res / sd, abs=5e-7)
        assert float(row["engagement_ratio"]) == pytest.approx(b / a, abs=5e-7)
        bucket = "above_trend" if res / sd >= 1 else "below_trend" if res / sd <= -1 else "near_trend"
        assert row["trend_bucket"] == bucket and row["snapshot_date_utc"] == "2026-11-23"
    buckets = [r["trend_bucket"] for r in rows]
    assert (buckets.count("above_trend"), buckets.count("below_trend")) == (19, 10)  # pinned for the bundled week


# --------------------------------------------------------------------------- the SQL files on hand-made input


def run_sql(name, tables, variables=None):
    con = duckdb_connect()
    for view, sql in tables.items():
        con.execute(f"create view {view} as {sql}")
    return run_sql_file(con, name, variables).fetchall()


def test_correlation_sql_on_three_hand_computed_repositories():
    rows = run_sql(
        "github_correlacion.sql",
        {
            "repo_contributors": "select * from (values (1, 'a/x', 300, 'Go', 20), (2, 'b/y', 200, 'Rust', 30), "
            "(3, 'c/z', 100, 'Python', 10)) t(position, repo_name, stars, language, contributors)"
        },
        {"snapshot_date": "2026-11-23"},
    )
    # slope = cov / var = (1000/3) / (20000/3) = 0.05, intercept 10: expected 25, 20, 15; residuals -5, 10, -5;
    # population sd of the residuals = sqrt(50)
    day = dt.date(2026, 11, 23)
    assert rows == [
        ("a/x", 300, 20, "Go", 0.066667, 66.667, 25.0, -5.0, -0.707107, "near_trend", day),
        ("b/y", 200, 30, "Rust", 0.15, 150.0, 20.0, 10.0, 1.414214, "above_trend", day),
        ("c/z", 100, 10, "Python", 0.1, 100.0, 15.0, -5.0, -0.707107, "near_trend", day),
    ]


def test_commits_sql_compares_with_the_previous_snapshot():
    activity = (
        "select * from (values (1, 'React', 'react/react', 120, 9, 5, 6, 2), (2, 'Vue 3', 'vuejs/core', 80, 4, 1, 2, 1),"
        " (3, 'Angular', 'angular/angular', 50, 3, null, 1, 0), (4, 'Svelte', 'sveltejs/svelte', null, null, 3, 3, 1),"
        " (5, 'Next.js', 'vercel/next.js', 80, 7, 9, 9, 3)) t(position, framework, repo, commits_2025, "
        "active_contributors, merged_prs, closed_issues, releases_count)"
    )
    previous = "select * from (values ('React', 100), ('Vue 3', 80), ('Angular', 0), ('Svelte', 10)) t(framework, commits_2025)"
    rows = run_sql("github_commits_frameworks.sql", {"framework_activity": activity, "previous_commits": previous})
    assert rows == [
        ("React", "react/react", 120, 9, 5, 6, 2, 100, 20, 20.0, "creciendo", 1),
        ("Vue 3", "vuejs/core", 80, 4, 1, 2, 1, 80, 0, 0.0, "estable", 2),  # tie with Next.js: V1's order
        ("Next.js", "vercel/next.js", 80, 7, 9, 9, 3, None, None, None, None, 3),  # no previous row
        ("Angular", "angular/angular", 50, 3, None, 1, 0, 0, 50, None, "creciendo", 4),  # growth needs prev > 0
        ("Svelte", "sveltejs/svelte", None, None, 3, 3, 1, 10, None, None, None, 5),  # failed listing: last, empty
    ]


def write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def stage_sides(staging, languages, frameworks, temas):
    repos = [["repo_name", "language", "stars", "forks", "created_at", "description"]]
    repos += [[f"o/r{i}", lang, "10", "1", "2026-01-01T00:00:00Z", ""] for i, lang in enumerate(languages)]
    write(staging / "github" / "github_repos_2025.csv", repos)
    if frameworks is not None:
        header = load_contract("github_commits").column_names
        rows = [
            [name, "o/" + name, "10", "", "", "", "", "", "", "", "", str(i)] for i, name in enumerate(frameworks, 1)
        ]
        write(staging / "github" / "github_commits_frameworks.csv", [header, *rows])
    write(staging / "reddit" / "reddit_temas_emergentes.csv", [["tema", "menciones"], *temas])


AVAILABLE = {"available": ["github", "stackoverflow", "reddit"], "decision": "publish"}


def test_intersection_follows_v1s_alias_and_not_found_rules(tmp_path):
    languages = ["Python"] * 5 + ["TypeScript"] * 4 + ["Sin especificar"] * 3 + ["Go"] * 2 + ["Java", "C++", "Rust"]
    temas = [
        ["IA/Machine Learning", "40"],
        ["Python", "30"],
        ["Web3/Blockchain", "25"],
        ["TypeScript", "12"],
        ["Cloud", "12"],
        ["DevOps", "3"],
    ]
    stage_sides(tmp_path, languages, ["Next.js", "React", "Angular", "Vue 3", "Svelte"], temas)
    rows, why = intersection.build(tmp_path, AVAILABLE)
    assert why == ""
    assert rows == [
        ("Python", "Lenguaje", 1, "2", "1"),
        ("TypeScript", "Lenguaje", 2, "5", "3"),  # Cloud and TypeScript tie at 12: by name, Cloud first
        ("Sin especificar", "Lenguaje", 3, "No encontrado", "-"),
        ("Go", "Lenguaje", 4, "No encontrado", "-"),
        ("C++", "Lenguaje", 5, "No encontrado", "-"),  # C++, Java, Rust tie at 1: by name
        ("Next.js", "Framework Frontend", 1, "3", "2"),  # Next.js -> the short alias js -> javascript <- web(3)
        ("React", "Framework Frontend", 2, "No encontrado", "-"),
        ("Angular", "Framework Frontend", 3, "No encontrado", "-"),
        ("Vue 3", "Framework Frontend", 4, "No encontrado", "-"),
        ("Svelte", "Framework Frontend", 5, "No encontrado", "-"),
    ]


def test_intersection_uses_each_topic_once_and_v1s_framework_order_without_the_file(tmp_path):
    stage_sides(tmp_path, ["JavaScript", "JavaScript", "Python"], None, [["Web3/Blockchain", "9"], ["Python", "3"]])
    rows, _ = intersection.build(tmp_path, AVAILABLE)
    assert rows[:2] == [("JavaScript", "Lenguaje", 1, "1", "0"), ("Python", "Lenguaje", 2, "2", "0")]
    assert [r[0] for r in rows[2:]] == ["React", "Angular", "Vue 3", "Svelte", "Next.js"]
    assert rows[2:] == [(r[0], "Framework Frontend", i, "No encontrado", "-") for i, r in enumerate(rows[2:], 1)]


def test_intersection_is_header_only_when_a_side_is_unavailable(tmp_path, monkeypatch):
    stage_sides(tmp_path / "staging", ["Python"], None, [["Python", "3"]])
    decision = {"available": ["github", "stackoverflow"], "decision": "publish_with_warning"}
    assert intersection.build(tmp_path / "staging", decision) == ([], "reddit unavailable")
    write_json(tmp_path / "work" / "degradation.json", decision)
    monkeypatch.setenv("DATOS", str(tmp_path))
    assert intersection.main([]) == 0
    out = tmp_path / "work" / "interseccion_github_reddit.csv"
    assert out.read_text() == "tecnologia,tipo,ranking_github,ranking_reddit,diferencia\n"


# --------------------------------------------------------------------------- the previous snapshot, through history


def fake_snapshot(datos, run_date, rows, generated="2026-11-20T00:00:00Z"):
    """A committed run record and its github_commits partition, as the aggregate step leaves them."""
    import uuid

    run_id = str(uuid.uuid4())
    contract = load_contract("github_commits")
    target = contract.history_path(datos, run_date)
    target.parent.mkdir(parents=True, exist_ok=True)
    values = ", ".join(f"({sql_literal(f)}, {n})" for f, n in rows)
    # every contract column in order and type (history.read_snapshot refuses any other schema), then the two extras
    given = {"framework": "framework", "commits_2025": "cast(n as bigint)"}
    columns = ", ".join(
        f"{given.get(c.name, f'cast(null as {DUCKDB_TYPES[c.type]})')} as {c.name}" for c in contract.columns
    )
    con = duckdb_connect()
    con.execute(
        f"copy (select {columns}, '{run_id}' as run_id, date '{run_date}' as snapshot_date "
        f"from (values {values}) t(framework, n)) to '{target}' (format parquet)"
    )
    record = {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "generated_at_utc": generated,
        "published": True,
        "datasets": [{"dataset_logical_name": "github_commits", "history_path": str(target.relative_to(datos))}],
    }
    write_json(datos / "metadata" / "runs" / f"{run_id}.json", record)
    return target


def test_commits_prev_is_the_latest_earlier_snapshot(env):
    shutil.copytree(RECORDED, raw(env))
    fake_snapshot(env, dt.date(2026, 11, 9), [("Next.js", 1), ("React", 1)])
    fake_snapshot(env, dt.date(2026, 11, 16), [("Next.js", 700), ("React", 261), ("Svelte", 0)])
    fake_snapshot(env, RUN_DATE, [("Next.js", 5)], generated="2026-11-23T07:00:00Z")  # same date: not "previous"
    assert gh.main(["--offline"]) == 0
    rows = {r["framework"]: r for r in staged(env, gh.COMMITS_FILE)}
    pick = ("commits_2025", "commits_prev", "delta_commits", "growth_pct", "trend_direction")
    assert [rows["Next.js"][c] for c in pick] == ["716", "700", "16", "2.29", "creciendo"]
    assert [rows["React"][c] for c in pick] == ["261", "261", "0", "0.0", "estable"]
    assert [rows["Svelte"][c] for c in pick] == ["170", "0", "170", "", "creciendo"]
    assert [rows["Angular"][c] for c in pick] == ["473", "", "", "", ""]


def test_a_missing_previous_partition_is_named_and_leaves_the_comparison_empty(env):
    shutil.copytree(RECORDED, raw(env))
    fake_snapshot(env, dt.date(2026, 11, 16), [("Next.js", 700)]).unlink()
    assert gh.main(["--offline"]) == 0
    doc = status(env)
    assert doc["status"] == "partial"
    assert any("previous github_commits snapshot unreadable" in w and "is missing" in w for w in doc["warnings"])
    assert {r["commits_prev"] for r in staged(env, gh.COMMITS_FILE)} == {""}


# --------------------------------------------------------------------------- faults through the replay server


def live(monkeypatch, replay):
    monkeypatch.setenv("GH_PAT", SENTINEL)
    monkeypatch.setenv("GITHUB_API_URL", replay.url)
    serve_recorded(replay)


@pytest.mark.slow
def test_failed_activity_calls_are_named_and_left_empty_never_zero(env, replay, monkeypatch):
    live(monkeypatch, replay)
    offline = env.parent / "offline"
    shutil.copytree(RECORDED, offline / "raw" / "github" / RUN_DATE.isoformat())
    monkeypatch.setenv("DATOS", str(offline))
    assert gh.main(["--offline"]) == 0
    ranked = [r["repo_name"] for r in staged(offline, gh.CORRELATION_FILE)]
    monkeypatch.setenv("DATOS", str(env))
    gone, empty = ranked[3], ranked[7]

    replay.inject(
        "GET", "/repos/react/react/commits", json_response({"message": "slow down"}, 429, {"Retry-After": "0"})
    )
    replay.inject("GET", "/search/issues", json_response({"message": "Server Error"}, 502), times=3)  # React PRs
    replay.inject("GET", "/repos/vuejs/core/releases", json_response({"message": "Resource not accessible"}, 403))
    replay.inject("GET", "/repos/sveltejs/svelte/commits", json_response({"message": "Unavailable For Legal Reasons"}, 451))  # fmt: skip
    replay.inject("GET", "/repos/vercel/next.js/commits", Response(200, b"[]", {"Content-Type": "application/json"}))
    replay.inject("GET", f"/repos/{gone}/contributors", json_response({"message": "Not Found"}, 404))
    replay.inject("GET", f"/repos/{empty}/contributors", Response(200, b"[]", {"Content-Type": "application/json"}))
    assert gh.main([]) == 0

    rows = {r["framework"]: r for r in staged(env, gh.COMMITS_FILE)}
    assert rows["React"]["commits_2025"] == "261" and rows["React"]["merged_prs"] == ""  # 429 waited out; 502 x3
    assert rows["Vue 3"]["releases_count"] == "" and rows["Vue 3"]["commits_2025"] == "154"
    assert (
        rows["Svelte"]["commits_2025"] == rows["Svelte"]["active_contributors"] == ""
        and rows["Svelte"]["ranking"] == "5"
    )
    assert rows["Next.js"]["commits_2025"] == "0" and rows["Next.js"]["active_contributors"] == "0"  # a real zero
    corr = {r["repo_name"]: r for r in staged(env, gh.CORRELATION_FILE)}
    assert gone not in corr and len(corr) == 99
    assert corr[empty]["contributors"] == "0"  # an empty list without a Link header: nobody, as V1 counts it

    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["warnings"] == [
        "React merged_prs: call failed; left empty, not 0",
        "Vue 3 releases: call failed; left empty, not 0",
        "Svelte commits: repository gone (HTTP 451); left empty, not 0",
        f"{gone}: repository gone (HTTP 404); left out of github_correlacion",
    ]
    assert any("HTTP 403: Resource not accessible" in e for e in doc["errors"])
    assert any("gave up after 3 attempts: HTTP 502" in e for e in doc["errors"])
    # the trend score's input is the same as offline: the new calls do not touch it
    assert (env / "staging/github/github_repos_2025.csv").read_bytes() == (
        offline / "staging/github/github_repos_2025.csv"
    ).read_bytes()


def test_a_closed_client_names_every_framework_metric_and_counts_the_repositories():
    failed = {f"{f} {m}": "call failed" for f, _ in act.FRAMEWORKS for m in act.METRICS}
    failed |= {f"o/r{i}": "call failed" for i in range(100)}
    warnings = gh.activity_status(failed)
    assert len(warnings) == 20 + 10 + 1
    assert warnings[0] == "React commits: call failed; left empty, not 0"
    assert warnings[20] == "o/r0: call failed; left out of github_correlacion"
    assert warnings[-1] == "and 90 more repositories left out of github_correlacion"

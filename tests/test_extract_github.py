"""GitHub extractor: the transform on the bundled recorded data, live runs against the replay server.

A little over 400 lines on purpose: the live scenarios share the replay server routes built at the top."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import json
import logging
import shutil
from collections import Counter

import pytest

import extract_github as gh
from lib import ROOT
from lib.cli import run_cli
from lib.settings import window_for
from lib.status import check_source
from replay_server import Response, json_response
from staged_run import run_in_process

SENTINEL = "ghp_SENTINEL0123456789abcdefABCDEF"
RUN_DATE = "2026-11-23"
RECORDED = ROOT / "datos" / "recorded" / "github" / RUN_DATE
EXCLUDED = {"sin especificar", "llms/ai", "ai/ml", "ai", "llm", "genai", "artificial intelligence"}


@pytest.fixture
def env(rest_run):
    return rest_run


def raw_dir(datos):
    return datos / "raw" / "github" / RUN_DATE


def staging(datos):
    return datos / "staging" / "github"


def copy_recorded(datos):
    shutil.copytree(RECORDED, raw_dir(datos))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@functools.cache
def recorded_bodies() -> dict[str, bytes]:
    return {p.name: gzip.decompress(p.read_bytes()) for p in sorted(RECORDED.glob("*.json.gz"))}


@functools.cache
def recorded_pages() -> dict[str, dict]:
    """The recorded search pages (the activity answers are recorded beside them)."""
    return {name: json.loads(body) for name, body in recorded_bodies().items() if name.startswith("search_")}


def recorded_answer(headers=None):
    """A responder: /search/repositories from the recorded pages, by the month in `q` and the page number."""
    bodies = recorded_bodies()
    headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {"X-RateLimit-Remaining": "29"})}

    def answer(req):
        first = req.query["q"].removeprefix("created:").split("..")[0]
        name = f"search_{first[:7]}_p{req.query['page']}.json.gz"
        if name not in bodies:
            return json_response({"message": "Validation Failed"}, 422)
        return Response(200, bodies[name], headers)

    return answer


def activity_answer(headers=None):
    """A responder for the framework-activity and contributor calls, from the recorded files by name."""
    bodies = recorded_bodies()
    headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {"X-RateLimit-Remaining": "4000"})}

    def answer(req):
        parts = req.path.strip("/").split("/")
        if parts[:2] == ["search", "issues"]:
            repo = req.query["q"].split()[0].removeprefix("repo:")
            kind = "prs" if "is:pr" in req.query["q"] else "issues"
            name = f"{kind}_{repo.replace('/', '__')}.json.gz"
        else:
            repo, kind = "/".join(parts[1:3]), parts[3]
            page = f"_p{req.query['page']}" if kind in ("commits", "releases") else ""
            name = f"{kind}_{repo.replace('/', '__')}{page}.json.gz"
        if name not in bodies:
            return json_response({"message": "Not Found", "status": "404"}, 404)
        extra = {}
        if kind == "contributors":
            link = json.loads(bodies[name.replace(".json.gz", ".headers.json.gz")])["link"]
            extra = {"Link": link} if link else {}
        return Response(200, bodies[name], {**headers, **extra})

    return answer


ACTIVITY_PATHS = r"/repos/.+/(commits|releases|contributors)|/search/issues"


def serve_recorded(replay, headers=None):
    replay.route("GET", "/search/repositories", recorded_answer(headers))
    replay.route("GET", ACTIVITY_PATHS, activity_answer(headers))


def recorded_calls() -> int:
    """Requests a live run makes on the recorded data: every recorded answer except the kept headers."""
    return sum(1 for name in recorded_bodies() if not name.endswith(".headers.json.gz"))


def live(monkeypatch, replay):
    monkeypatch.setenv("GH_PAT", SENTINEL)
    monkeypatch.setenv("GITHUB_API_URL", replay.url)


# --------------------------------------------------------------------------- window and paging


def test_window_is_split_into_13_clipped_calendar_months():
    months = gh.months_in_window(*window_for(dt.date(2026, 11, 23)))
    assert len(months) == 13
    assert months[0].query == "created:2025-11-23..2025-11-30"
    assert months[1].query == "created:2025-12-01..2025-12-31"
    assert months[3].query == "created:2026-02-01..2026-02-28"
    assert months[-1].query == "created:2026-11-01..2026-11-22"
    days = sum((m.last - m.first).days + 1 for m in months)
    assert days == 365


def test_paging_stops_at_a_short_page_and_at_total_count(env, replay, monkeypatch):
    live(monkeypatch, replay)
    monkeypatch.setenv("GITHUB_TOP_N", "10")

    def answer(req):
        page = int(req.query["page"])
        first = req.query["q"].removeprefix("created:").split("..")[0]
        count = {1: 100, 2: 30}.get(page, 0) if first.startswith("2026-01") else 100
        total = 130 if first.startswith("2026-01") else 200
        items = [
            {
                "full_name": f"o/{first}-{page}-{i}",
                "language": "Go",
                "stargazers_count": 1000 - i,
                "forks_count": 1,
                "created_at": f"{first}T00:00:00Z",
                "description": None,
            }
            for i in range(count)
        ]
        return json_response({"total_count": total, "incomplete_results": False, "items": items})

    replay.route("GET", "/search/repositories", answer)
    assert gh.main([]) == 0
    pages = Counter(r.query["q"][8:15] for r in replay.hits("/search/repositories"))
    assert pages["2026-01"] == 2  # 100 + 30 of 130: the short page ends the month
    assert pages["2026-02"] == 2  # 2 x 100 = total_count 200: no third request
    assert len(replay.hits("/search/repositories")) == 26


# --------------------------------------------------------------------------- transform on recorded data


@functools.cache
def independent_expectation(top_n=3000):
    """The expected CSVs computed from the recorded JSON with plain Python, without the extractor."""
    best = {}
    for doc in recorded_pages().values():
        for item in doc["items"]:
            old = best.get(item["full_name"])
            if old is None or item["stargazers_count"] > old["stargazers_count"]:
                best[item["full_name"]] = item
    ranked = sorted(best.values(), key=lambda it: (-it["stargazers_count"], it["full_name"]))[:top_n]
    langs = Counter()
    for it in ranked:
        lang = (it["language"] or "").strip() or "Sin especificar"
        if lang.lower() not in EXCLUDED:
            langs[lang] += 1
    return best, ranked, langs


def test_transform_on_recorded_data_is_exact(env):
    copy_recorded(env)
    assert gh.main(["--offline"]) == 0
    raw_csv = (staging(env) / "github_repos_2025.csv").read_bytes()
    assert b"\r" not in raw_csv  # LF line ends
    raw_csv.decode("utf-8")
    repos = read_csv(staging(env) / "github_repos_2025.csv")
    languages = read_csv(staging(env) / "github_lenguajes.csv")
    best, ranked, langs = independent_expectation()

    assert repos[0] == ["repo_name", "language", "stars", "forks", "created_at", "description"]
    assert len(repos) == 3001 and len(best) == 6497  # 6,500 items, 3 repositories seen on two pages
    assert [r[0] for r in repos[1:]] == [it["full_name"] for it in ranked]
    top = ranked[0]
    assert repos[1] == [
        top["full_name"],
        top["language"],
        str(top["stargazers_count"]),
        str(top["forks_count"]),
        top["created_at"],
        top["description"].strip()[:100],
    ]
    stars = [int(r[2]) for r in repos[1:]]
    assert stars == sorted(stars, reverse=True)
    # empty language -> Sin especificar; descriptions stripped, cut to 100, None -> empty
    by_name = {r[0]: r for r in repos[1:]}
    no_language = [it for it in ranked if it["language"] is None]
    assert no_language and all(by_name[it["full_name"]][1] == "Sin especificar" for it in no_language)
    long = next(it for it in ranked if it["description"] and len(it["description"].strip()) > 100)
    assert (
        by_name[long["full_name"]][5] == long["description"].strip()[:100] and len(by_name[long["full_name"]][5]) == 100
    )
    padded = next(it for it in ranked if it["description"] and it["description"] != it["description"].strip())
    assert by_name[padded["full_name"]][5] == padded["description"].strip()
    none = next(it for it in ranked if it["description"] is None)
    assert by_name[none["full_name"]][5] == ""

    total = sum(langs.values())
    expected = sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert languages[0] == ["lenguaje", "repos_count", "porcentaje"]
    assert languages[1:] == [[lang, str(n), f"{round(n / total * 100, 2):.2f}"] for lang, n in expected]
    # pinned figures of the bundled data (see the report): change only with the generator
    assert total == 2750
    assert languages[1] == ["Python", "635", "23.09"]
    assert languages[2] == ["TypeScript", "552", "20.07"]

    status, problems = check_source(staging(env))
    assert problems == []
    assert status["status"] == "ok" and status["requests"] == 0 and status["errors"] == []
    assert status["files"]["github_repos_2025.csv"]["rows"] == 3000


def test_coverage_gate_fails_the_source_when_too_few_repositories_are_classifiable():
    pages = list(recorded_pages().values())
    for top_n, status in ((1500, "failed"), (2000, "partial"), (3000, "ok")):
        classifiable = sum(independent_expectation(top_n)[2].values())
        repos, _, counted = gh.transform(pages, top_n)  # the pure transform, called directly
        assert (len(repos), counted) == (top_n, classifiable)
        assert gh.decide_status(counted, {})[0] == status
    assert gh.decide_status(1375, {})[2] == ["coverage gate: 1375 repositories with a classifiable language (< 1500)"]


def test_decide_status_rules():
    assert gh.decide_status(2000, {})[0] == "ok"
    assert gh.decide_status(1999, {})[0] == "partial"
    assert gh.decide_status(1499, {})[0] == "failed"
    status, warnings, _ = gh.decide_status(2500, {"2026-03": "page 3 and later not fetched"})
    assert status == "partial" and "month 2026-03 incomplete" in warnings[0]
    assert gh.decide_status(100, {"2026-03": "x"})[0] == "failed"


# --------------------------------------------------------------------------- live runs (replay server)


def test_live_run_fetches_everything_once_and_matches_offline(env, replay, monkeypatch):
    live(monkeypatch, replay)
    serve_recorded(replay)
    assert gh.main([]) == 0
    assert len(replay.requests) == recorded_calls() == 65 + 135
    first = replay.requests[0]
    assert first.query == {
        "q": "created:2025-11-23..2025-11-30",
        "sort": "stars",
        "order": "desc",
        "per_page": "100",
        "page": "1",
    }
    assert first.headers["Authorization"] == f"Bearer {SENTINEL}"
    # raw holds exactly the recorded layout
    assert sorted(p.name for p in raw_dir(env).iterdir()) == sorted(p.name for p in RECORDED.iterdir())
    doc = json.loads((staging(env) / "_source_status.json").read_text())
    assert doc["status"] == "ok" and doc["requests"] == recorded_calls() and doc["retries"] == 0
    live_csv = (staging(env) / "github_repos_2025.csv").read_bytes()
    live_activity = [(staging(env) / f).read_bytes() for f in (gh.COMMITS_FILE, gh.CORRELATION_FILE)]

    # second run, same date: nothing is fetched again, and the offline answer is the same
    assert gh.main([]) == 0
    assert len(replay.requests) == recorded_calls()
    assert [(staging(env) / f).read_bytes() for f in (gh.COMMITS_FILE, gh.CORRELATION_FILE)] == live_activity
    assert json.loads((staging(env) / "_source_status.json").read_text())["requests"] == 0
    assert (staging(env) / "github_repos_2025.csv").read_bytes() == live_csv


def test_live_run_refetches_only_missing_pages_and_waits_out_a_429(env, replay, monkeypatch):
    copy_recorded(env)
    (raw_dir(env) / "search_2026-04_p2.json.gz").unlink()
    live(monkeypatch, replay)
    serve_recorded(replay)
    replay.inject("GET", "/search/repositories", json_response({"message": "slow down"}, 429, {"Retry-After": "1"}))
    assert gh.main([]) == 0  # a whole second, as GitHub sends it
    assert [(r.query["q"], r.query["page"]) for r in replay.requests] == [("created:2026-04-01..2026-04-30", "2")] * 2
    assert replay.requests[1].at - replay.requests[0].at >= 1.0
    doc = json.loads((staging(env) / "_source_status.json").read_text())
    assert doc["status"] == "ok" and doc["requests"] == 2 and doc["retries"] == 1 and doc["waited_seconds"] >= 1.0


def test_a_month_that_fails_makes_the_source_partial_and_names_it(env, replay, monkeypatch, capsys):
    copy_recorded(env)
    for page in (3, 4, 5):
        (raw_dir(env) / f"search_2026-03_p{page}.json.gz").unlink()
    live(monkeypatch, replay)
    recorded = recorded_answer()

    def answer(req):
        if req.query["q"].startswith("created:2026-03") and req.query["page"] == "3":
            return json_response({"message": "Server Error"}, 502)
        return recorded(req)

    replay.route("GET", "/search/repositories", answer)
    assert gh.main([]) == 0
    doc = json.loads((staging(env) / "_source_status.json").read_text())
    assert doc["status"] == "partial"
    assert doc["warnings"] == [
        "month 2026-03 incomplete: page 3 and later not fetched; its repositories may be missing"
    ]
    assert "gave up after 3 attempts: HTTP 502: Server Error" in doc["errors"][0]
    assert doc["retries"] == 2 and doc["requests"] == 3  # 1 + 2 retries, then the month is given up
    assert not (raw_dir(env) / "search_2026-03_p3.json.gz").exists()  # a failed answer is never saved
    assert "month 2026-03 incomplete" in capsys.readouterr().err


def test_secondary_limit_beyond_the_budget_fails_fast_and_honestly(env, replay, monkeypatch):
    live(monkeypatch, replay)
    serve_recorded(replay)
    replay.inject(
        "GET", "/search/repositories", json_response({"message": "You have exceeded a secondary rate limit."}, 403)
    )
    assert gh.main([]) == 0  # at once: the budget is refused before any sleep (one request, below)
    doc = json.loads((staging(env) / "_source_status.json").read_text())
    assert doc["status"] == "failed"  # nothing could be fetched: the coverage gate fails it
    assert len(replay.requests) == 1
    assert any("secondary rate limit" in e and "wait budget exhausted" in e for e in doc["errors"])
    assert read_csv(staging(env) / "github_repos_2025.csv") == [
        ["repo_name", "language", "stars", "forks", "created_at", "description"]
    ]


def test_sentinel_token_never_leaks(env, replay, monkeypatch, capsys, caplog):
    live(monkeypatch, replay)
    monkeypatch.setenv("GITHUB_MAX_PAGES", "1")  # 13 requests are enough to exercise the faults
    serve_recorded(replay)
    logging.getLogger("trends").addHandler(caplog.handler)  # unformatted records too
    caplog.set_level(logging.DEBUG, logger="trends")
    replay.inject(
        "GET", "/search/repositories", json_response({"message": f"Bad credentials {SENTINEL}"}, 500), times=2
    )
    replay.inject("GET", "/search/repositories", Response(200, b"not json"))
    assert gh.main([]) == 0
    texts = [capsys.readouterr().err, caplog.text, (staging(env) / "_source_status.json").read_text()]
    texts += [gzip.decompress(p.read_bytes()).decode() for p in raw_dir(env).iterdir()]
    texts += [p.read_text() for p in staging(env).glob("*.csv")]
    assert all(SENTINEL not in text for text in texts)
    assert "retry" in caplog.text  # the faults were logged, redacted


def test_missing_token_fails_at_once_naming_it(env, replay, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_API_URL", replay.url)
    assert run_cli(gh.main, []) == 2
    assert "GH_PAT" in capsys.readouterr().err
    assert replay.requests == []


def test_offline_without_raw_or_with_incomplete_raw_fails_clearly(env, capsys):
    assert run_cli(gh.main, ["--offline"]) == 2
    assert "holds no raw responses" in capsys.readouterr().err
    copy_recorded(env)
    (raw_dir(env) / "search_2026-02_p4.json.gz").unlink()
    assert run_cli(gh.main, ["--offline"]) == 2
    assert "1 responses missing, first search_2026-02_p4.json.gz" in capsys.readouterr().err
    assert not (staging(env) / "_source_status.json").exists()


def test_help_works_offline_without_secrets():
    out = run_in_process([str(ROOT / "scripts/extract_github.py"), "-h"], {"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0
    assert "--offline" in out.stdout and "GITHUB_API_URL" in out.stdout


@pytest.mark.slow
def test_bundled_recorded_data_is_what_the_seeded_generator_makes():
    import random

    from dev import gen_recorded_rest as gen

    # the last week is made exactly as before the other weeks existed: the seeded search pages, then Stack Exchange
    rng = random.Random(gen.SEED)
    assert len(gen.github_pages(rng)) == 65 and len(gen.stackoverflow_answers(rng)) == 57
    weeks = gen.all_weeks()
    assert [d.isoformat() for d in weeks] == [
        f"2026-{d}" for d in ("10-19", "10-26", "11-02", "11-09", "11-16", "11-23")
    ]
    for run_date, sources in weeks.items():
        for source, files in sources.items():
            folder = ROOT / "datos" / "recorded" / source / run_date.isoformat()
            assert sorted(p.name for p in folder.iterdir()) == sorted(files), f"run `make recorded` ({folder})"
            for name, answer in files.items():
                body = gzip.decompress((folder / name).read_bytes())
                assert body == gen.body_of(answer), f"{folder}/{name}: run `make recorded`"
    # every earlier week keeps the real shape: 13 months x 5 full pages of 100 repositories
    pages = [doc for name, doc in weeks[dt.date(2026, 10, 19)]["github"].items() if name.startswith("search_")]
    assert len(pages) == 65 and all(len(doc["items"]) == 100 for doc in pages)


def test_incomplete_results_from_github_make_the_source_partial(env):
    copy_recorded(env)
    page = raw_dir(env) / "search_2026-07_p1.json.gz"
    doc = json.loads(gzip.decompress(page.read_bytes()))
    doc["incomplete_results"] = True  # GitHub's search timed out: the page may miss repositories
    page.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert gh.main(["--offline"]) == 0
    status = json.loads((staging(env) / "_source_status.json").read_text())
    assert status["status"] == "partial"
    assert status["warnings"] == [
        "month 2026-07 incomplete: page 1 has incomplete_results=true (GitHub search timed out); "
        "its repositories may be missing"
    ]

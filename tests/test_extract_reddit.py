"""The Reddit extractor: praw against the local replay server over real HTTP, the fair-share reading
plan, every failure made explicit, the pure transform on posts with the traps, the bundled recorded data.

One module over 400 lines on purpose: every scenario shares the replay server, the fake OAuth endpoint and the
listing builders at the top, and reads as one story of the Reddit job."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import pytest

import extract_reddit as er
from dev import gen_recorded_reddit as gen
from lib.cli import run_cli
from lib.contracts import load_contract
from lib.csvfmt import render_csv
from lib.settings import window_for
from replay_server import Request, Response, json_response
from staged_run import run_in_process

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "extract_reddit.py"
RECORDED = ROOT / "datos" / "recorded" / "reddit" / "2026-11-23"
CLIENT_ID = "cid-SENTINEL-5e6f7a8b"
SECRET = "sk-SENTINEL-reddit-secret-0123456789"
WINDOW = window_for(dt.date(2026, 11, 23))

# --------------------------------------------------------------------------- small Reddit listings
# Posts in Reddit's t3 shape and a replay-server responder for GET /r/<sub>/new that pages with `after` and
# `limit` as Reddit does, and checks the bearer token.

ACCESS_TOKEN = "tok-SENTINEL-ACCESS-7f3a9c0d1e2b4a6f"
TOKEN_PATH = "/api/v1/access_token"
RUN_END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC).timestamp()  # window end of RUN_DATE=2026-11-23
HOUR = 3600


def post(pid: str, sub: str, title: str, selftext: str = "", age_hours: float = 1.0) -> dict:
    """A t3 post created `age_hours` before the window end (negative: after it)."""
    return {
        "id": pid,
        "name": f"t3_{pid}",
        "title": title,
        "selftext": selftext,
        "subreddit": sub,
        "author": "tester",
        "created_utc": RUN_END - age_hours * HOUR,
        "score": 1,
        "num_comments": 0,
        "permalink": f"/r/{sub}/comments/{pid}/x/",
        "url": f"https://www.reddit.com/r/{sub}/comments/{pid}/x/",
        "is_self": bool(selftext),
    }


def listing(posts: list[dict], after: str | None) -> dict:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(posts),
            "modhash": None,
            "geo_filter": "",
            "children": [{"kind": "t3", "data": p} for p in posts],
            "before": None,
        },
    }


def token_response(token: str = ACCESS_TOKEN) -> Response:
    return json_response({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def listing_responder(posts: list[dict], token: str = ACCESS_TOKEN):
    """Answer like Reddit's /new: newest first, `limit` (max 100) posts after the `after` fullname."""

    def respond(req: Request) -> Response:
        if req.headers.get("Authorization") != f"bearer {token}":
            return json_response(
                {"message": "Unauthorized", "error": 401},
                401,
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            )
        names = [p["name"] for p in posts]
        start = names.index(req.query["after"]) + 1 if req.query.get("after") else 0
        limit = min(int(req.query.get("limit", 25)), 100)
        chunk = posts[start : start + limit]
        more = start + limit < len(posts)
        return json_response(listing(chunk, chunk[-1]["name"] if chunk and more else None))

    return respond


def serve(replay, listings: dict[str, list[dict]]) -> None:
    """Token endpoint + one /new listing per subreddit on the replay server."""
    replay.route("POST", TOKEN_PATH, token_response())
    for sub, posts in listings.items():
        replay.route("GET", f"/r/{sub}/new", listing_responder(posts))


TEMAS_HEADER = "tema,menciones\n"
SENT_HEADER = "framework,total_menciones,positivos,neutros,negativos,% positivo,% neutro,% negativo\n"


def python_posts(n: int, sub: str = "python") -> list[dict]:
    return [
        post(f"{sub[:2]}{i}", sub, f"Django tip {i}", "Django is great, I love it.", age_hours=i)
        for i in range(1, n + 1)
    ]


@pytest.fixture(autouse=True)
def _fresh_log_handlers():
    """main() installs the redacting stderr handler (bound to the stream of the moment): drop it after each
    test so later tests, here and in other modules, get one on their own captured stderr."""
    yield
    for name in ("trends", "prawcore", "praw"):
        logging.getLogger(name).handlers.clear()


@pytest.fixture
def env(monkeypatch, tmp_path, replay):
    """A live run against the replay server: sentinel secrets and a fast timeout (prawcore's retry pauses are its
    own, 0-2 s then 2-4 s: see scripts/reddit_client.py)."""
    values = {
        "DATOS": str(tmp_path / "datos"),
        "RUN_DATE": "2026-11-23",
        "REDDIT_CLIENT_ID": CLIENT_ID,
        "REDDIT_CLIENT_SECRET": SECRET,
        "REDDIT_OAUTH_URL": replay.url,
        "REDDIT_URL": replay.url,
        "REDDIT_SUBREDDITS": "python,webdev",
        "REDDIT_MAX_POSTS": "6",
        "REDDIT_TIMEOUT": "0.3",
        "REDDIT_MAX_WAIT": "5",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("REDDIT_USER_AGENT", "LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    return values


def staging(env) -> Path:
    return Path(env["DATOS"]) / "staging" / "reddit"


def raw_dir(env) -> Path:
    return Path(env["DATOS"]) / "raw" / "reddit" / "2026-11-23"


def run(*args: str) -> int:
    return run_cli(er.main, list(args))


def status(env) -> dict:
    return json.loads((staging(env) / "_source_status.json").read_text())


def listing_hits(replay, sub: str | None = None):
    return [r for r in replay.requests if r.path != TOKEN_PATH and (sub is None or r.path == f"/r/{sub}/new")]


# --------------------------------------------------------------------------- praw <-> replay server


def test_praw_gets_a_client_credentials_token_and_pages_with_after(env, replay):
    serve(replay, {"python": python_posts(5), "webdev": [post("w1", "webdev", "Our Node.js API", "It is awful.")]})

    assert run() == 0

    token_calls = replay.hits(TOKEN_PATH)
    assert len(token_calls) == 1  # one token, reused for every listing
    assert parse_qs(token_calls[0].body.decode()) == {"grant_type": ["client_credentials"]}
    basic = token_calls[0].headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(basic).decode() == f"{CLIENT_ID}:{SECRET}"
    calls = listing_hits(replay)
    assert [(r.path, r.query.get("after"), r.query["limit"]) for r in calls] == [
        ("/r/python/new", None, "3"),
        ("/r/webdev/new", None, "3"),
        ("/r/python/new", "t3_py3", "2"),  # webdev ran out after 1 post: its share went to python, read with `after`
    ]
    assert all(r.headers["Authorization"] == f"bearer {ACCESS_TOKEN}" for r in calls)
    assert er.DEFAULT_USER_AGENT in calls[0].headers["User-Agent"]

    doc = status(env)
    assert doc["status"] == "ok"
    assert doc["requests"] == 4 and doc["retries"] == 0
    assert doc["files"]["reddit_temas_emergentes.csv"]["rows"] == 1
    assert doc["warnings"] == [
        "r/webdev: its listing ran out after 1 posts in the window; the rest of its share went to the other subreddits"
    ]
    assert (staging(env) / "reddit_temas_emergentes.csv").read_text() == TEMAS_HEADER + "Python,5\n"
    assert (staging(env) / "reddit_sentimiento_frameworks.csv").read_text() == (
        SENT_HEADER + "Django,5,5,0,0,100.0,0.0,0.0\nExpress,1,0,0,1,0.0,0.0,100.0\n"
    )
    saved = sorted(p.name for p in raw_dir(env).iterdir())
    assert saved == [
        "python__after-start__limit-3.json.gz",
        "python__after-t3_py3__limit-2.json.gz",
        "webdev__after-start__limit-3.json.gz",
    ]
    page = json.loads(gzip.decompress((raw_dir(env) / saved[0]).read_bytes()))
    assert page["kind"] == "Listing" and [c["data"]["id"] for c in page["data"]["children"]] == ["py1", "py2", "py3"]


def test_second_run_for_the_same_date_makes_no_request(env, replay):
    serve(replay, {"python": python_posts(5), "webdev": python_posts(5, "webdev")})
    assert run() == 0
    first_csv = (staging(env) / "reddit_sentimiento_frameworks.csv").read_bytes()
    made = len(replay.requests)
    assert made == 3  # the token and one page per subreddit
    assert run() == 0
    assert len(replay.requests) == made  # no token request, no listing request
    assert (staging(env) / "reddit_sentimiento_frameworks.csv").read_bytes() == first_csv
    assert status(env)["requests"] == 0 and status(env)["status"] == "ok"


def test_offline_reads_raw_without_secrets_and_fails_clearly_without_raw(env, replay, monkeypatch, capsys):
    assert run("--offline") == 2
    assert "no raw pages" in capsys.readouterr().err
    serve(replay, {"python": python_posts(5), "webdev": python_posts(5, "webdev")})
    assert run() == 0
    made = len(replay.requests)
    monkeypatch.delenv("REDDIT_CLIENT_ID")
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    assert run("--offline") == 0
    assert len(replay.requests) == made and status(env)["status"] == "ok"
    # a plan that needs a page raw does not hold: offline says which, and never fetches it
    monkeypatch.setenv("REDDIT_MAX_POSTS", "8")
    assert run("--offline") == 2
    assert "raw page python__after-start__limit-4.json.gz is missing" in capsys.readouterr().err
    assert len(replay.requests) == made


def test_live_run_names_missing_secrets_before_any_request(env, replay, monkeypatch, capsys):
    serve(replay, {"python": python_posts(3)})
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    assert run() == 2
    err = capsys.readouterr().err
    assert "REDDIT_CLIENT_SECRET" in err and "REDDIT_CLIENT_ID" not in err
    assert replay.requests == []
    assert not staging(env).exists()


def test_window_bounds_posts_and_stops_paging_at_the_first_older_post(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python")
    monkeypatch.setenv("REDDIT_MAX_POSTS", "3")
    posts = [
        post("new1", "python", "Django posted the morning after the window", age_hours=-2),
        post("end1", "python", "Django posted at the window end exactly", age_hours=0),  # end is exclusive
        post("in1", "python", "Django inside", age_hours=5),
        post("start1", "python", "Flask at the window start exactly", age_hours=8760),  # start is inclusive
        post("old1", "python", "FastAPI from before the window", age_hours=8760.5),
        post("old2", "python", "FastAPI older still", age_hours=9000),
        post("old3", "python", "FastAPI oldest", age_hours=9100),
    ]
    serve(replay, {"python": posts})
    assert run() == 0
    assert (staging(env) / "reddit_temas_emergentes.csv").read_text() == TEMAS_HEADER + "Python,2\n"
    assert (staging(env) / "reddit_sentimiento_frameworks.csv").read_text().startswith(SENT_HEADER + "Django,1,")
    # page 1 (3 posts) counted one; page 2 asked for the 2 missing; the older post ended the listing there
    assert [(r.query.get("after"), r.query["limit"]) for r in listing_hits(replay)] == [(None, "3"), ("t3_in1", "2")]
    assert status(env)["warnings"][0].startswith("r/python: its listing ran out after 2 posts")


# --------------------------------------------------------------------------- failures


def test_invalid_credentials_fail_the_source_before_any_listing(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject("POST", TOKEN_PATH, json_response({"message": "Unauthorized", "error": 401}, 401))
    assert run() == 0  # an honest status file was written
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == [
        "reddit: token endpoint answered HTTP 401: invalid client credentials: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
    ]
    assert doc["files"] == {}
    assert listing_hits(replay) == [] and len(replay.hits(TOKEN_PATH)) == 1
    assert not (staging(env) / "reddit_temas_emergentes.csv").exists()


def test_token_endpoint_oauth_error_in_a_200_is_a_failure(env, replay):
    serve(replay, {"python": python_posts(3)})
    replay.inject("POST", TOKEN_PATH, json_response({"error": "invalid_grant"}))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert "refused the client credentials (invalid_grant)" in doc["errors"][0]


def test_forbidden_subreddit_makes_the_source_partial_and_names_it(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python,secretclub")
    serve(replay, {"python": python_posts(5)})
    replay.route(
        "GET", "/r/secretclub/new", json_response({"message": "Forbidden", "error": 403, "reason": "private"}, 403)
    )
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["errors"] == [
        "r/secretclub: forbidden (HTTP 403): the subreddit is private, quarantined or banned, or this app may not read it; "
        "remove it from REDDIT_SUBREDDITS"
    ]
    assert len(listing_hits(replay, "secretclub")) == 1  # a 403 is not retried
    # the failed subreddit's share is not handed out: the run stays visibly short
    assert (staging(env) / "reddit_temas_emergentes.csv").read_text() == TEMAS_HEADER + "Python,3\n"


RATE_LIMITED = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "100", "x-ratelimit-reset": "{reset}"}


def rate_limited(reset: int) -> Response:
    headers = {k: v.format(reset=reset) for k, v in RATE_LIMITED.items()}
    return json_response({"message": "Too Many Requests", "error": 429}, 429, headers)


def test_rate_limit_with_a_near_reset_is_waited_out(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject("GET", "/r/python/new", rate_limited(reset=1))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "ok" and doc["errors"] == []
    assert doc["waited_seconds"] == 1.0 and doc["retries"] == 1
    python_calls = listing_hits(replay, "python")
    assert len(python_calls) == 2 and python_calls[1].at - python_calls[0].at >= 0.95  # the reset was respected


def test_rate_limit_beyond_the_wait_budget_stops_and_says_so(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject("GET", "/r/webdev/new", rate_limited(reset=300))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "partial"  # python was read: never a success, never "no posts"
    assert doc["errors"] == [
        "r/webdev: rate limited by Reddit (HTTP 429, remaining 0, used 100), resets in 300 s, more than the 5 s left of "
        "REDDIT_MAX_WAIT; stopped reading, run again later (pages already saved are kept)"
    ]
    assert doc["waited_seconds"] == 0
    assert len(listing_hits(replay, "webdev")) == 1


def test_a_spent_rate_limit_budget_stops_before_the_next_request(env, replay):
    serve(replay, {"webdev": python_posts(3, "webdev")})
    spent = {k: v.format(reset=300) for k, v in RATE_LIMITED.items()}
    replay.route("GET", "/r/python/new", lambda req: json_response(listing(python_posts(3), None), headers=spent))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["errors"] == [
        "r/webdev: Reddit's rate limit is used up (X-Ratelimit-Remaining 0), resets in 300 s, more than the 5 s left "
        "of REDDIT_MAX_WAIT; stopped reading, run again later (pages already saved are kept)"
    ]
    assert listing_hits(replay, "webdev") == []  # not sent: prawcore would have slept 300 s first


def test_rate_limited_from_the_first_call_is_failed_not_empty(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python")
    serve(replay, {"python": python_posts(3)})
    replay.inject("GET", "/r/python/new", rate_limited(reset=600))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed" and doc["files"] == {}
    assert "r/python: rate limited by Reddit (HTTP 429" in doc["errors"][0]


def test_rate_limited_again_and_again_gives_up_after_a_few_waits(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python")
    serve(replay, {"python": python_posts(3)})
    replay.inject("GET", "/r/python/new", json_response({"error": 429}, 429, {"Retry-After": "0"}), times=10)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == ["r/python: still rate limited (HTTP 429) after 3 waits; stopped reading"]
    assert len(listing_hits(replay, "python")) == 4


def test_unknown_subreddit_is_named(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python,nosuchsub")
    serve(replay, {"python": python_posts(5)})
    assert run() == 0  # the replay server answers 404 for a path it does not know, as Reddit does here
    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["errors"] == ["r/nosuchsub: not found (HTTP 404): check the name in REDDIT_SUBREDDITS"]


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_token_endpoint_timeouts_stop_the_run(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject("POST", TOKEN_PATH, Response(200, b"{}", delay=0.6), times=3)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == ["reddit: the token endpoint: no answer within REDDIT_TIMEOUT=0.3 s (3 attempts)"]
    assert listing_hits(replay) == []


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_server_errors_are_retried_by_prawcore_then_reported(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject("GET", "/r/python/new", json_response({"message": "busy"}, 503), times=3)
    replay.inject("GET", "/r/webdev/new", json_response({"message": "oops"}, 500), times=1)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["errors"] == ["r/python: Reddit server error (HTTP 503) after 3 attempts"]
    assert len(listing_hits(replay, "python")) == 3  # prawcore's own: one call and two retries
    assert len(listing_hits(replay, "webdev")) == 2  # one 500, then the retry succeeded
    assert doc["retries"] == 3
    assert (staging(env) / "reddit_temas_emergentes.csv").read_text() == TEMAS_HEADER + "Python,3\n"


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_slow_replies_time_out_and_fail_the_subreddit(env, replay, monkeypatch):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python")
    serve(replay, {"python": python_posts(3)})
    replay.inject("GET", "/r/python/new", Response(200, b"{}", delay=0.6), times=3)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == ["r/python: no answer within REDDIT_TIMEOUT=0.3 s (3 attempts)"]


def test_malformed_or_unexpected_bodies_fail_the_subreddit(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    replay.inject(
        "GET", "/r/python/new", Response(200, b'{"kind": "Listing", "data": {', {"Content-Type": "application/json"})
    )
    replay.inject("GET", "/r/webdev/new", json_response({"kind": "Listing", "data": {"after": None}}))
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == [
        "r/python: the answer (HTTP 200) was not valid JSON",
        "r/webdev: the answer has no children list",
    ]
    assert not raw_dir(env).exists() or list(raw_dir(env).iterdir()) == []  # bad answers are not kept as raw


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_an_access_token_rejected_on_listings_stops_the_run(env, replay):
    serve(replay, {"webdev": python_posts(3, "webdev")})
    unauthorized = json_response(
        {"message": "Unauthorized", "error": 401}, 401, {"www-authenticate": 'Bearer error="invalid_token"'}
    )
    replay.route("GET", "/r/python/new", unauthorized)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == ["r/python: Reddit rejected the access token (HTTP 401); stopped reading"]
    assert len(listing_hits(replay, "python")) == 3  # prawcore fetched a new token and retried, twice
    assert listing_hits(replay, "webdev") == []


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_answers_cut_off_midway_fail_the_subreddit(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    cut = json_response(listing(python_posts(3), None))
    cut.truncate = True
    replay.inject("GET", "/r/python/new", cut, times=3)
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "partial"
    assert doc["errors"] == ["r/python: connection failed or answer cut off (3 attempts): ChunkedEncodingError"]
    assert len(listing_hits(replay, "python")) == 3


def test_a_corrupt_raw_page_is_named(env, replay, capsys):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    assert run() == 0
    page = raw_dir(env) / "python__after-start__limit-3.json.gz"
    page.write_bytes(page.read_bytes()[:20])
    assert run("--offline") == 2
    assert f"raw response {page} is unreadable" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([], "is not a Reddit listing"),
        ({"kind": "t3", "data": {}}, "is not a Reddit listing"),
        (listing([post("a1", "python", "x")], "../../escape"), "has an unexpected `after` cursor '../../escape'"),
        (
            {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "a1"}}]}},
            "has post a1 without a numeric created_utc",
        ),
        (listing([post("a1", "python", "x")], "t3_a1"), None),
    ],
)
def test_listing_shape_is_checked_before_anything_is_saved(doc, problem):
    assert er.listing_problem(doc) == problem


def test_zero_posts_from_every_subreddit_is_failed_not_ok(env, replay):
    old = [post("o1", "python", "Django from long ago", age_hours=9000)]
    serve(replay, {"python": old, "webdev": []})
    assert run() == 0
    doc = status(env)
    assert doc["status"] == "failed"
    assert doc["errors"] == ["read 0 posts in the window from every subreddit: nothing to report (not a real zero)"]


def test_a_failed_run_removes_csvs_left_by_an_earlier_run(env, replay):
    serve(replay, {"python": python_posts(3), "webdev": python_posts(3, "webdev")})
    assert run() == 0
    shutil.rmtree(raw_dir(env))
    replay.inject("POST", TOKEN_PATH, json_response({"message": "Unauthorized", "error": 401}, 401))
    assert run() == 0  # each run asks for its own token: this one is refused
    assert status(env)["status"] == "failed"
    assert sorted(p.name for p in staging(env).iterdir()) == ["_source_status.json"]


def test_bad_settings_exit_2_with_the_setting_named(env, monkeypatch, capsys):
    monkeypatch.setenv("REDDIT_MAX_POSTS", "lots")
    assert run() == 2
    assert "REDDIT_MAX_POSTS='lots' is not a whole number" in capsys.readouterr().err
    monkeypatch.setenv("REDDIT_MAX_POSTS", "5")
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python,not a sub")
    assert run() == 2
    assert "'not a sub' is not a subreddit name" in capsys.readouterr().err


# --------------------------------------------------------------------------- secrets and CLI


@pytest.mark.slow  # sleeps through prawcore's own retry pauses (0-2 s, then 2-4 s: not configurable)
def test_secret_and_access_token_never_leak(env, replay, tmp_path):
    serve(replay, {"python": python_posts(5), "webdev": python_posts(2, "webdev")})
    replay.route("GET", "/r/secretclub/new", json_response({"message": "Forbidden"}, 403))
    replay.inject("GET", "/r/webdev/new", json_response({"message": "busy"}, 503), times=3)
    cli_env = {**os.environ, **env, "REDDIT_SUBREDDITS": "python,webdev,secretclub", "LOG_LEVEL": "DEBUG"}
    proc = run_in_process([str(SCRIPT)], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "Retrying due to 503 status" in proc.stderr  # prawcore's own log lines go through our handler
    assert status(env)["status"] == "partial"
    written = [proc.stdout, proc.stderr]
    written += [gzip.decompress(p.read_bytes()).decode() for p in raw_dir(env).iterdir()]
    written += [p.read_text() for p in staging(env).iterdir()]
    for text in written:
        for sentinel in (SECRET, ACCESS_TOKEN, CLIENT_ID):
            assert sentinel not in text


@pytest.mark.slow  # a real make run
def test_make_extract_reddit_names_the_missing_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDDIT_")}
    env |= {"DATOS": str(tmp_path / "datos"), "RUN_DATE": "2026-11-23"}
    proc = subprocess.run(
        ["make", "-s", "extract-reddit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "missing secret(s): REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET" in proc.stderr
    assert not (tmp_path / "datos/raw").exists() and not (tmp_path / "datos/staging").exists()


def test_help_works_offline_without_secrets():
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDDIT_")}
    proc = run_in_process([str(SCRIPT), "-h"], env)
    assert proc.returncode == 0
    assert "--offline" in proc.stdout and "REDDIT_SUBREDDITS" in proc.stdout


# --------------------------------------------------------------------------- reading plan (pure)


def memory_source(listings: dict[str, list[dict]], calls: list):
    def get_page(sub, after, limit):
        calls.append((sub, after, limit))
        posts = listings[sub]
        names = [p["name"] for p in posts]
        start = names.index(after) + 1 if after else 0
        chunk = posts[start : start + limit]
        return listing(chunk, chunk[-1]["name"] if chunk and start + limit < len(posts) else None)

    return get_page


def test_fair_shares_split_evenly_first_ones_get_the_remainder():
    assert er.fair_shares(500, list(er.DEFAULT_SUBREDDITS)) == {
        "programming": 84,
        "webdev": 84,
        "python": 83,
        "javascript": 83,
        "devops": 83,
        "MachineLearning": 83,
    }


def test_leftover_share_of_a_short_listing_goes_to_the_others_evenly():
    listings = {"a": python_posts(2, "a"), "bb": python_posts(20, "bb"), "cc": python_posts(20, "cc")}
    calls = []
    out = er.collect(("a", "bb", "cc"), 12, WINDOW, memory_source(listings, calls))
    assert out.per_subreddit == {"a": 2, "bb": 5, "cc": 5}
    assert calls == [("a", None, 4), ("bb", None, 4), ("cc", None, 4), ("bb", "t3_bb4", 1), ("cc", "t3_cc4", 1)]
    assert out.errors == [] and len(out.posts) == 12


def test_posts_seen_twice_count_once():
    shared = post("dup1", "a", "Django crosspost", "great")
    listings = {"a": [shared, *python_posts(3, "a")], "bb": [shared, *python_posts(3, "bb")]}
    out = er.collect(("a", "bb"), 8, WINDOW, memory_source(listings, []))
    assert list(out.posts).count("dup1") == 1
    assert out.per_subreddit == {"a": 4, "bb": 3}


# --------------------------------------------------------------------------- transform (pure)

TRAP_POSTS = [
    ("Went straight to the docs", "I maintain a small tool and said so in the mail."),  # `ai` inside words: nothing
    ("Kubernetes, kubernetes, KUBERNETES", "Every design review ends with Kubernetes."),  # Cloud, once
    ("Our Node.js API", "We run nodejs with Express and it is great, really happy with it."),  # Express once, +
    ("Django is wonderful", "I love the admin, best framework ever."),  # Django +
    ("FastAPI keeps crashing", "The docs are terrible and I hate the errors."),  # FastAPI -
    ("Moved our CI/CD to GitHub Actions", "Details below."),  # DevOps, once for two keywords
    ("Machine\nlearning with an LLM", "Where do I start?"),  # IA across a line break
    ("Spring Boot or Laravel for a shop?", "We have two developers."),  # Spring, Laravel, neutral
    ("AI-powered search with Django", "It broke in production, awful week."),  # IA, Python; Django -
    ("Express.js middleware order", "Which order do you use?"),  # Express neutral
    ("Django migrations", "How do you squash them?"),  # Django neutral
]


def test_transform_gives_exact_v1_csvs_with_the_traps():
    posts = [{"title": t, "selftext": s} for t, s in TRAP_POSTS]
    temas, frameworks = er.transform(posts, er.load_keywords())
    temas_csv = render_csv(load_contract("reddit_temas").column_names, temas).decode()
    sent_csv = render_csv(load_contract("reddit_sentimiento").column_names, frameworks).decode()
    assert temas_csv == TEMAS_HEADER + "Python,4\nIA/Machine Learning,2\nCloud,1\nDevOps,1\n"
    assert sent_csv == SENT_HEADER + (
        "Django,3,1,1,1,33.33,33.33,33.33\n"
        "Express,2,1,1,0,50.0,50.0,0.0\n"
        "FastAPI,1,0,0,1,0.0,0.0,100.0\n"
        "Laravel,1,0,1,0,0.0,100.0,0.0\n"
        "Spring,1,0,1,0,0.0,100.0,0.0\n"
    )


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("straight, maintain, said, email, Spain", []),
        ("AI is everywhere", ["IA/Machine Learning"]),
        ("mlops and html and aws-cdk", ["Cloud"]),
        ("cryptography is not crypto", ["Web3/Blockchain"]),
        ("deployments and testings", []),
        ("ci/cd with GitLab", ["DevOps"]),
        ("a smart   contract on ethereum", ["Web3/Blockchain"]),
        ("rest apis", []),
    ],
)
def test_keywords_match_whole_words_only(text, topics):
    temas, _ = er.transform([{"title": text, "selftext": ""}], er.load_keywords())
    assert [row["tema"] for row in temas] == topics


def test_keywords_file_holds_v1_lists():
    doc = json.loads((ROOT / "contracts" / "reddit_keywords.json").read_text())
    assert {t["name"]: t["keywords"] for t in doc["topics"]} == {
        "IA/Machine Learning": ["ai", "artificial intelligence", "machine learning", "ml", "chatgpt", "llm", "neural", "gpt", "openai"],
        "Cloud": ["cloud", "aws", "azure", "gcp", "google cloud", "kubernetes", "docker", "containerization"],
        "Web3/Blockchain": ["web3", "blockchain", "cryptocurrency", "crypto", "ethereum", "bitcoin", "nft", "smart contract"],
        "DevOps": ["devops", "ci/cd", "github actions", "gitlab", "jenkins", "deployment", "infrastructure"],
        "Microservicios": ["microservices", "microservice", "rest api", "graphql"],
        "Testing": ["testing", "unit test", "integration test", "e2e", "jest", "pytest"],
        "Performance": ["performance", "optimization", "caching", "cdn", "latency", "speed"],
        "Seguridad": ["security", "encryption", "authentication", "oauth", "jwt"],
        "TypeScript": ["typescript"],
        "Python": ["python", "django", "fastapi", "flask"],
    }  # fmt: skip
    assert {f["name"]: f["keywords"] for f in doc["frameworks"]} == {
        "Django": ["django"],
        "FastAPI": ["fastapi"],
        "Express": ["express", "node.js", "nodejs"],
        "Spring": ["spring boot", "springboot"],
        "Laravel": ["laravel"],
    }


# --------------------------------------------------------------------------- bundled recorded data


def test_generator_is_deterministic_and_matches_the_committed_listings(tmp_path):
    gen.generate(tmp_path / "a")
    gen.generate(tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in RECORDED.iterdir())
    for name in names:
        assert (
            (tmp_path / "a" / name).read_bytes()
            == (tmp_path / "b" / name).read_bytes()
            == (RECORDED / name).read_bytes()
        )


def test_recorded_listings_stage_offline_as_the_demo_will(monkeypatch, tmp_path):
    datos = tmp_path / "datos"
    shutil.copytree(RECORDED, datos / "raw" / "reddit" / "2026-11-23")
    monkeypatch.setenv("DATOS", str(datos))
    monkeypatch.setenv("RUN_DATE", "2026-11-23")
    for key in [k for k in os.environ if k.startswith("REDDIT_")]:
        monkeypatch.delenv(key)
    assert run("--offline") == 0
    doc = json.loads((datos / "staging" / "reddit" / "_source_status.json").read_text())
    assert doc["status"] == "ok" and doc["errors"] == [] and doc["requests"] == 0
    assert doc["files"]["reddit_temas_emergentes.csv"]["rows"] == 10
    assert doc["files"]["reddit_sentimiento_frameworks.csv"]["rows"] == 5

    pages = [json.loads(gzip.decompress(p.read_bytes())) for p in sorted(RECORDED.iterdir())]
    posts = {c["data"]["id"]: c["data"] for page in pages for c in page["data"]["children"]}
    start, end = (m.timestamp() for m in WINDOW)
    inside = {pid: p for pid, p in posts.items() if start <= p["created_utc"] < end}
    assert len(inside) == 500 and len(posts) > 500  # the morning's posts after the window end are in raw, not counted
    # the traps are present in the bundled data and counted right
    keywords = er.load_keywords()
    straight = [p for p in inside.values() if p["title"].startswith("Went straight")]
    assert straight and er.transform(straight, keywords) == ([], [])
    express = [p for p in inside.values() if p["title"].startswith("Node.js vs nodejs vs Express")]
    assert express and er.transform(express, keywords)[1][0]["total_menciones"] == len(express)
    thrice = [p for p in inside.values() if p["title"].startswith("Kubernetes, Kubernetes, Kubernetes")]
    assert thrice and er.transform(thrice, keywords)[0] == [{"tema": "Cloud", "menciones": len(thrice)}]
    temas = (datos / "staging" / "reddit" / "reddit_temas_emergentes.csv").read_text().splitlines()
    counts = [int(line.rsplit(",", 1)[1]) for line in temas[1:]]
    assert counts == sorted(counts, reverse=True) and max(counts) < 500


def test_raw_pages_are_scrubbed_of_the_secrets_like_the_other_sources(env, replay):
    leaky = post("py1", "python", f"my secret is {SECRET}", f"and my id {CLIENT_ID} Django is great")
    serve(replay, {"python": [leaky], "webdev": []})
    assert run() == 0
    for page in raw_dir(env).iterdir():
        text = gzip.decompress(page.read_bytes()).decode()
        assert SECRET not in text and CLIENT_ID not in text, page.name
    assert (
        "my secret is ***"
        in gzip.decompress((raw_dir(env) / "python__after-start__limit-3.json.gz").read_bytes()).decode()
    )


@pytest.mark.parametrize("bomb", [False, True])
def test_an_answer_past_the_size_cap_fails_the_subreddit_and_says_so(env, replay, monkeypatch, bomb):
    monkeypatch.setenv("REDDIT_SUBREDDITS", "python")
    monkeypatch.setenv("HTTP_MAX_BYTES", "65536")
    serve(replay, {"python": python_posts(3)})
    body = json.dumps(listing(python_posts(3), None)).encode()
    big = body[:-1] + b',"pad":"' + b" " * (1 << 20) + b'"}'
    headers = {"Content-Type": "application/json"}
    if bomb:
        big, headers = gzip.compress(big), {**headers, "Content-Encoding": "gzip"}
        assert len(big) < 65536  # small on the wire, 1 MB decoded
    replay.inject("GET", "/r/python/new", Response(200, big, headers), times=3)
    assert run() == 0  # a source job reports its failure in its status file
    doc = status(env)
    assert doc["status"] == "failed"
    assert any("65,536-byte cap" in e and "HTTP_MAX_BYTES" in e for e in doc["errors"]), doc["errors"]
    assert not list(raw_dir(env).glob("python__*"))  # nothing of it saved

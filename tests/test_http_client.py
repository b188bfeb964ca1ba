"""The shared HTTP layer against a real local server: retries, rate limits, backoff, budget, secrets."""

from __future__ import annotations

import gzip
import itertools
import logging
import time

import pytest

from http_client import (
    GitHubClient,
    HttpError,
    HttpSettings,
    StackExchangeClient,
    retry_after,
    summarize,
)
from lib.files import load_raw, save_raw
from replay_server import Response, json_response

SENTINEL = "sk-SENTINEL-0123456789abcdef"
FAST = HttpSettings(timeout=0.5, max_retries=3, wait_budget=5.0, backoff_base=0.01)
OK = {"total_count": 1, "incomplete_results": False, "items": []}
SE_OK = {"total": 42, "has_more": False, "quota_max": 10000, "quota_remaining": 9000}


@pytest.fixture
def logs(caplog):
    """Every record the client logs, unformatted (so the redacting formatter cannot hide a leak)."""
    root = logging.getLogger("trends")
    saved = root.handlers[:]
    root.handlers[:] = [caplog.handler]
    caplog.set_level(logging.DEBUG, logger="trends")
    yield caplog
    root.handlers[:] = saved  # the stderr handler back: later tests in this worker still log to stderr


def github(replay, settings=FAST) -> GitHubClient:
    replay.route("GET", "/search/repositories", json_response(OK))
    return GitHubClient(replay.url, settings, SENTINEL)


def stackexchange(replay, settings=FAST) -> StackExchangeClient:
    replay.route("GET", "/search/advanced", json_response(SE_OK))
    replay.route("GET", "/info", json_response(SE_OK))
    return StackExchangeClient(replay.url, settings, SENTINEL)


def gaps(replay) -> list[float]:
    at = [r.at for r in replay.requests]
    return [b - a for a, b in itertools.pairwise(at)]


def test_github_sends_the_documented_headers(replay):
    client = github(replay)
    reply = client.get("/search/repositories", {"q": "created:2026-01-01..2026-01-31", "page": 1})
    assert reply.data == OK
    headers = replay.requests[0].headers
    assert headers["Authorization"] == f"Bearer {SENTINEL}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["User-Agent"].startswith("tech-trends-pipeline/")
    assert replay.requests[0].query["q"] == "created:2026-01-01..2026-01-31"
    assert (client.requests, client.retries) == (1, 0)


def test_429_waits_for_retry_after_then_succeeds(replay):
    client = github(replay)
    replay.inject("GET", "/search/repositories", json_response({"message": "slow down"}, 429, {"Retry-After": "0.3"}))
    assert client.get("/search/repositories").data == OK
    assert len(replay.requests) == 2
    assert gaps(replay)[0] >= 0.3
    assert client.retries == 1 and client.waited_seconds >= 0.3


def test_403_secondary_rate_limit_is_retried_after_its_retry_after(replay):
    client = github(replay)
    secondary = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
    replay.inject("GET", "/search/repositories", json_response(secondary, 403, {"Retry-After": "0.3"}))
    assert client.get("/search/repositories").data == OK
    assert gaps(replay)[0] >= 0.3


def test_403_secondary_limit_without_a_time_fails_at_once_when_a_minute_does_not_fit_the_budget(replay):
    client = github(replay)
    secondary = {"message": "You have exceeded a secondary rate limit."}
    replay.inject("GET", "/search/repositories", json_response(secondary, 403))
    with pytest.raises(HttpError, match=r"wait budget exhausted .*secondary rate limit.*needs 60\.0s"):
        client.get("/search/repositories")
    assert client.retries == 0  # refused before sleeping: no wall clock needed to tell
    # the client is closed: later calls are not sent
    with pytest.raises(HttpError, match="not sent"):
        client.get("/search/repositories")
    assert len(replay.requests) == 1


def test_403_that_is_not_a_rate_limit_is_not_retried(replay):
    client = github(replay)
    replay.inject("GET", "/search/repositories", json_response({"message": "Resource not accessible"}, 403))
    with pytest.raises(HttpError, match="HTTP 403: Resource not accessible") as err:
        client.get("/search/repositories")
    assert err.value.status == 403 and len(replay.requests) == 1


def test_rate_limit_remaining_zero_pauses_before_the_next_call(replay):
    # Deterministic: the reset is an hour away and the wait budget 5 s, so the client must refuse to send the next
    # request at all (a client that ignored Remaining: 0 would send it and be rejected by GitHub)
    client = github(replay)
    reset = int(time.time()) + 3600
    replay.inject(
        "GET",
        "/search/repositories",
        json_response(OK, 200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}),
    )
    client.get("/search/repositories")
    with pytest.raises(HttpError, match=r"X-RateLimit-Remaining: 0.*reset at"):
        client.get("/search/repositories")
    assert len(replay.requests) == 1
    assert client.retries == 0 and client.waited_seconds == 0


def test_rate_limit_pause_ends_at_the_reset_time(replay):
    # the reset is already past (whole seconds, minus the 1 s margin): the client sends at once, with no pause
    client = github(replay)
    replay.inject(
        "GET",
        "/search/repositories",
        json_response(OK, 200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) - 5)}),
    )
    client.get("/search/repositories")
    client.get("/search/repositories")
    assert len(replay.requests) == 2 and client.waited_seconds == 0


@pytest.mark.parametrize("statuses", [(500,), (502,), (503,), (500, 502, 503)])
def test_5xx_is_retried_then_succeeds(replay, statuses):
    client = github(replay)
    for status in statuses:
        replay.inject("GET", "/search/repositories", json_response({"message": "Server Error"}, status))
    assert client.get("/search/repositories").data == OK
    assert client.requests == len(statuses) + 1 and client.retries == len(statuses)


def test_persistent_5xx_gives_up_within_the_budget_with_a_clear_message(replay):
    client = github(replay)
    replay.inject("GET", "/search/repositories", json_response({"message": "Service Unavailable"}, 503), times=10)
    with pytest.raises(
        HttpError, match=r"github GET /search/repositories: gave up after 4 attempts: HTTP 503: Service Unavailable"
    ):
        client.get("/search/repositories")
    assert client.waited_seconds < FAST.wait_budget
    assert client.requests == 4 and client.retries == 3


def test_exponential_backoff_grows_and_is_jittered():
    client = GitHubClient("http://127.0.0.1:9", HttpSettings(backoff_base=1.0), "t")
    first = [client.backoff(1) for _ in range(200)]
    third = [client.backoff(3) for _ in range(200)]
    assert min(first) >= 0.5 and max(first) < 1.5 and len(set(first)) > 100
    assert min(third) >= 2.0 and max(third) < 6.0


def test_malformed_json_is_retried(replay):
    client = github(replay)
    replay.inject(
        "GET",
        "/search/repositories",
        Response(200, b'{"total_count": 3, "items": [', {"Content-Type": "application/json"}),
    )
    assert client.get("/search/repositories").data == OK
    assert client.retries == 1


def test_malformed_json_every_time_is_an_error_not_data(replay):
    client = github(replay)
    replay.inject("GET", "/search/repositories", Response(200, b"<html>oops</html>"), times=10)
    with pytest.raises(HttpError, match="body that is not JSON"):
        client.get("/search/repositories")


def test_truncated_body_is_retried(replay):
    client = github(replay)
    replay.inject("GET", "/search/repositories", Response(200, b'{"total_count": 1, "items": []}' * 20, truncate=True))
    assert client.get("/search/repositories").data == OK
    assert client.requests == 2 and client.retries == 1


def test_reply_slower_than_the_timeout_is_retried(replay):
    client = github(replay, HttpSettings(timeout=0.3, max_retries=2, wait_budget=5.0, backoff_base=0.01))
    replay.inject("GET", "/search/repositories", Response(200, b"{}", delay=1.0))
    assert client.get("/search/repositories").data == OK  # the retry's answer: the slow {} was not waited for
    assert client.retries == 1 and client.waited_seconds >= 0.3  # time lost counts against the budget


def test_budget_counts_time_lost_in_timeouts(replay):
    client = github(replay, HttpSettings(timeout=0.3, max_retries=10, wait_budget=0.5, backoff_base=0.01))
    replay.inject("GET", "/search/repositories", Response(200, b"{}", delay=1.0), times=10)
    with pytest.raises(HttpError, match="wait budget exhausted"):
        client.get("/search/repositories")
    # each timeout charges at least 0.3 s: the second one overruns the 0.5 s budget, so no third call is sent
    assert client.requests == 2 and len(replay.requests) == 2


def test_stackexchange_backoff_is_honoured_per_method(replay):
    client = stackexchange(replay)
    replay.inject("GET", "/search/advanced", json_response({**SE_OK, "backoff": 0.4}))
    client.get("/search/advanced", {"tagged": "python"})
    client.get("/info")  # another method: no wait
    client.get("/search/advanced", {"tagged": "go"})
    first, other, again = replay.requests
    assert other.at - first.at < 0.2
    assert again.at - first.at >= 0.4
    assert client.retries == 0


def test_stackexchange_throttle_violation_with_a_long_wait_stops_the_client(replay):
    client = stackexchange(replay)
    body = {
        "error_id": 502,
        "error_name": "throttle_violation",
        "error_message": "too many requests from this IP, more requests available in 82107 seconds",
    }
    replay.inject("GET", "/search/advanced", json_response(body, 502))
    with pytest.raises(
        HttpError, match=r"wait budget exhausted .*throttle_violation: too many requests .*82107 seconds"
    ) as err:
        client.get("/search/advanced", {"tagged": "python"})
    assert "error_id 502" in str(err.value)
    with pytest.raises(HttpError, match="not sent"):
        client.get("/search/advanced", {"tagged": "go"})
    assert len(replay.requests) == 1  # never hammered


def test_stackexchange_throttle_violation_with_a_short_wait_is_retried_after_it(replay):
    client = stackexchange(replay)
    body = {
        "error_id": 502,
        "error_name": "throttle_violation",
        "error_message": "more requests available in 1 seconds",
    }
    replay.inject("GET", "/search/advanced", json_response(body, 502))
    assert client.get("/search/advanced").data == SE_OK
    assert gaps(replay)[0] >= 1.0


def test_stackexchange_bad_parameter_is_not_retried_and_names_the_error(replay):
    client = stackexchange(replay)
    body = {"error_id": 400, "error_name": "bad_parameter", "error_message": "tagged"}
    replay.inject("GET", "/search/advanced", json_response(body, 400))
    with pytest.raises(HttpError, match="HTTP 400: error_id 400 bad_parameter: tagged"):
        client.get("/search/advanced", {"tagged": "c++"})
    assert len(replay.requests) == 1


def test_stackexchange_quota_used_up_stops_further_calls(replay):
    client = stackexchange(replay)
    replay.inject("GET", "/search/advanced", json_response({**SE_OK, "quota_remaining": 0}))
    assert client.get("/search/advanced").data["total"] == 42  # the answer itself is good
    with pytest.raises(HttpError, match=r"quota used up \(quota_remaining 0 of 10000\)"):
        client.get("/search/advanced")
    assert len(replay.requests) == 1


def test_the_key_is_sent_but_never_logged_or_raised(replay, logs, monkeypatch):
    monkeypatch.delenv("STACKOVERFLOW_KEY", raising=False)  # the client scrubs its own secrets, env or not
    client = stackexchange(replay)
    client.get("/search/advanced", {"tagged": "python"})
    assert replay.requests[0].query["key"] == SENTINEL
    replay.inject(
        "GET", "/search/advanced", json_response({"error_id": 500, "error_name": "internal_error"}, 500), times=10
    )
    with pytest.raises(HttpError) as err:
        client.get("/search/advanced", {"tagged": "go"})
    dead = StackExchangeClient("http://127.0.0.1:9", FAST, SENTINEL)  # nothing listens: connection refused
    with pytest.raises(HttpError) as refused:
        dead.get("/search/advanced", {"tagged": "go"})
    assert "network error" in str(refused.value)
    for text in (str(err.value), str(refused.value), logs.text):
        assert SENTINEL not in text
    assert "retry 1/3" in logs.text


def test_token_is_never_in_messages(replay, logs):
    client = github(replay)
    replay.inject("GET", "/search/repositories", json_response({"message": f"bad token {SENTINEL}"}, 401))
    with pytest.raises(HttpError) as err:
        client.get("/search/repositories")
    assert SENTINEL not in str(err.value) and "bad token ***" in str(err.value)


def test_raw_files_are_deterministic_gzip_without_secrets(tmp_path):
    body = b'{"total": 5, "echo": "' + SENTINEL.encode() + b'"}'
    save_raw(tmp_path / "a.json.gz", body, (SENTINEL,))
    first = (tmp_path / "a.json.gz").read_bytes()
    assert first[4:8] == b"\0\0\0\0" and first[3] & 0x08 == 0  # gzip header: mtime 0, no file name
    save_raw(tmp_path / "b.json.gz", body, (SENTINEL,))
    assert (tmp_path / "b.json.gz").read_bytes() == first
    assert SENTINEL.encode() not in gzip.decompress(first)
    assert load_raw(tmp_path / "a.json.gz") == {"total": 5, "echo": "***"}


def test_retry_after_accepts_seconds_and_http_dates():
    class Fake:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    assert retry_after(Fake("7")) == 7.0
    assert retry_after(Fake("0.5")) == 0.5
    assert retry_after(Fake("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0
    assert retry_after(Fake("soon")) is None


def test_summarize_keeps_each_message_once_with_a_count():
    assert summarize(["a", "b", "a", "a"]) == ["a (3 calls)", "b"]

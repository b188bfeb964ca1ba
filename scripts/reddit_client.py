"""The Reddit client: praw configured through its public interface only, read-only, with clear failures.

How praw and prawcore behave (praw 8.0.3 and prawcore 4.0.0, the locked versions; read in their sources,
praw/reddit.py and prawcore/sessions.py, requestor.py, rate_limit.py, const.py), and what this module adds:

- Token: `praw.Reddit(client_id=, client_secret=, user_agent=)` with no username, password or refresh token is
  read-only, application-only OAuth (client credentials); each run asks for its own token.
- Retries, the one mechanism: prawcore's Session. A call is tried 3 times (2 retries) on HTTP 500, 502, 503, 504,
  408, 520, 522 and on ConnectionError, ChunkedEncodingError and ReadTimeout, pausing 0-2 s then 2-4 s. praw
  offers no public setting for this schedule (the Session sets it in its constructor; praw builds the Session
  with `authorizer` and `window_size` only), so the pauses are prawcore's own and nothing here retries those
  failures again.
- Timeout: prawcore's Session passes its own TIMEOUT (16 s, or the PRAWCORE_TIMEOUT environment variable read at
  import) to the Requestor on every call, and praw 8's `timeout` setting is an int that praw does not pass on.
  So `BoundedRequestor`, given through praw's documented `requestor_class`/`requestor_kwargs`, applies
  REDDIT_TIMEOUT to every call. It also reads each body bounded by HTTP_MAX_BYTES (decoded size, like the REST
  sources) and counts requests and retries for `_source_status.json`.
- Rate limits: prawcore's RateLimiter sleeps before a call until X-Ratelimit-Reset when X-Ratelimit-Remaining is
  0, however long that is, and a 429 raises TooManyRequests (prawcore does not retry it). This client waits for
  the reset only while REDDIT_MAX_WAIT allows (else stops the run with a clear message, pages kept), and after a
  429 asks again at most RATE_LIMIT_WAITS times: the one case praw leaves to its caller.

Failures come out as `SubredditFailed` (this subreddit cannot be read now; the others can) or `SourceStopped`
(nothing more can be read in this run), each with a message naming the subreddit or endpoint and the fix.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import praw
import prawcore
import requests
from prawcore import exceptions as pex

import http_client
from lib import PipelineError
from lib.settings import RedditSettings

log = logging.getLogger("trends.reddit")
TOKEN_PATH = "/api/v1/access_token"
ATTEMPTS = 3  # prawcore's schedule: one call and 2 retries on 5xx, timeouts and dropped connections
RATE_LIMIT_WAITS = 3  # waits for one request at most, even when Reddit says the reset is 0 s


class SubredditFailed(Exception):
    """This subreddit cannot be read now; the others can."""


class SourceStopped(Exception):
    """Nothing more can be read in this run (credentials refused, rate limit beyond the budget)."""


@dataclasses.dataclass
class HttpStats:
    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    seen: set = dataclasses.field(default_factory=set)
    remaining: float | None = None  # X-Ratelimit-Remaining / -Reset of the last API answer
    reset: float | None = None


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


class BoundedRequestor(prawcore.Requestor):
    """prawcore's Requestor with REDDIT_TIMEOUT on every call, bodies bounded by HTTP_MAX_BYTES, calls counted."""

    def __init__(self, *args, stats: HttpStats, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.stats = stats
        self.max_bytes = max_bytes

    def request(self, *args, timeout=None, **kwargs):
        method, url = args[0], args[1]
        key = (method.upper(), url, json.dumps(kwargs.get("params") or {}, sort_keys=True, default=str))
        self.stats.requests += 1
        if not url.endswith(TOKEN_PATH):  # the same listing call again is one of prawcore's retries
            self.stats.retries += key in self.stats.seen
            self.stats.seen.add(key)
        # prawcore passes its own module-wide timeout on every call; REDDIT_TIMEOUT (self.timeout) is the one that counts
        response = super().request(*args, timeout=self.timeout, stream=True, **kwargs)
        with response:  # the body is read here, bounded like every REST answer (HTTP_MAX_BYTES, decoded size)
            try:
                body = http_client.read_bounded(response, self.max_bytes)
            except http_client.TooLarge as exc:
                raise SubredditFailed(
                    f"reddit {method} {urlsplit(url).path}: {exc}: refused; raise HTTP_MAX_BYTES if Reddit "
                    "really sends this much"
                ) from None
            except requests.RequestException as exc:
                raise prawcore.exceptions.RequestException(exc, args, kwargs) from None
        # requests keeps a streamed body nowhere once read: hand it back where response.json()/.text read it
        response._content = body
        if "x-ratelimit-remaining" in response.headers:
            self.stats.remaining = _header_number(response.headers, "x-ratelimit-remaining")
            self.stats.reset = _header_number(response.headers, "x-ratelimit-reset")
        return response


def connect(cfg: RedditSettings, stats: HttpStats) -> praw.Reddit:
    """A read-only praw.Reddit (client credentials, no user) pointed at cfg's hosts."""
    reddit = praw.Reddit(
        client_id=cfg.client_id.reveal(),
        client_secret=cfg.client_secret.reveal(),
        user_agent=cfg.user_agent,
        oauth_url=cfg.oauth_url,
        reddit_url=cfg.reddit_url,
        username=None,  # read-only: never a user's password or refresh token, whatever praw.ini says
        password=None,
        refresh_token=None,
        check_for_updates=False,
        requestor_class=BoundedRequestor,
        requestor_kwargs={"timeout": cfg.timeout, "stats": stats, "max_bytes": cfg.max_bytes},
    )
    if not reddit.read_only:
        raise PipelineError("reddit: praw did not start read-only: unset praw_username/praw_password")
    return reddit


def route_logs_through(handlers: list[logging.Handler], level: int) -> None:
    """prawcore logs retries (URLs) at WARNING: send praw's and prawcore's logs through our redacting handlers."""
    for name in ("prawcore", "praw"):
        other = logging.getLogger(name)
        other.handlers = list(handlers)
        other.setLevel(level)
        other.propagate = False


# --------------------------------------------------------------------------- failures in words


def _status_of(exc) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def _is_token_call(exc) -> bool:
    url = getattr(getattr(exc, "response", None), "url", None) or ""
    args = getattr(exc, "request_args", ()) or ()
    url = url or (args[1] if len(args) > 1 else "")
    return TOKEN_PATH in str(url)


def _request_failure(exc: pex.RequestException, what: str, cfg: RedditSettings) -> Exception:
    """A call that got no usable answer (timeout, dropped connection), after prawcore's attempts."""
    original = exc.original_exception
    if isinstance(original, requests.Timeout):
        reason = f"no answer within REDDIT_TIMEOUT={cfg.timeout:g} s ({ATTEMPTS} attempts)"
    elif isinstance(original, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        reason = f"connection failed or answer cut off ({ATTEMPTS} attempts): {type(original).__name__}"
    else:
        reason = f"request failed: {type(original).__name__}"
    if _is_token_call(exc):
        return SourceStopped(f"reddit: the token endpoint: {reason}")
    return SubredditFailed(f"{what}: {reason}")


def _token_failure(status: int | None) -> SourceStopped:
    hint = (
        "invalid client credentials: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
        if status in (400, 401, 403)
        else "Reddit could not issue a token; run again later"
    )
    return SourceStopped(f"reddit: token endpoint answered HTTP {status}: {hint}")


# a listing's failed answer, by prawcore exception: (stop the run?, the words after "r/<sub>: ")
_ANSWER_FAILURES = (
    (
        pex.Forbidden,
        False,
        "forbidden (HTTP 403): the subreddit is private, quarantined or banned, or this app may not read it; "
        "remove it from REDDIT_SUBREDDITS",
    ),
    # (prawcore looks a 401 without a www-authenticate header up in a dict: a KeyError)
    ((pex.InvalidToken, pex.InsufficientScope, KeyError), True, "Reddit rejected the access token (HTTP {status});"
     " stopped reading"),
    ((pex.NotFound, pex.Redirect), False, "not found (HTTP {status}): check the name in REDDIT_SUBREDDITS"),
    (pex.ServerError, False, f"Reddit server error (HTTP {{status}}) after {ATTEMPTS} attempts"),
    (pex.BadJSON, False, "the answer (HTTP {status}) was not valid JSON"),
)  # fmt: skip


def failure(exc: Exception, what: str, cfg: RedditSettings) -> Exception:
    """The clear message for a failed praw call: SourceStopped when nothing else can be read, else SubredditFailed."""
    status = _status_of(exc)
    if isinstance(exc, pex.OAuthException):
        return SourceStopped(
            f"reddit: the token endpoint refused the client credentials ({exc.error}): "
            "check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
        )
    if isinstance(exc, pex.RequestException):
        return _request_failure(exc, what, cfg)
    if _is_token_call(exc):
        return _token_failure(status)
    for kinds, stops, words in _ANSWER_FAILURES:
        if isinstance(exc, kinds):
            message = f"{what}: " + words.format(status=status or 401)
            return SourceStopped(message) if stops else SubredditFailed(message)
    return SubredditFailed(f"{what}: unexpected answer HTTP {status} ({type(exc).__name__})")


# --------------------------------------------------------------------------- reading a listing


class Reader:
    """Reads `new` listings through praw's own request machinery (token, retries, rate limiter)."""

    def __init__(self, cfg: RedditSettings, stats: HttpStats) -> None:
        self.cfg, self.stats = cfg, stats
        self.reddit = connect(cfg, stats)

    def listing(self, sub: str, after: str | None, limit: int) -> object:
        """GET /r/<sub>/new as Reddit sent it; every failure is SubredditFailed or SourceStopped, in words."""
        what = f"r/{sub}"
        params = {"limit": limit, **({"after": after} if after else {})}
        for _ in range(RATE_LIMIT_WAITS + 1):
            if self.stats.remaining is not None and self.stats.remaining <= 0:
                # spent: prawcore would sleep until the reset, however long; wait only within REDDIT_MAX_WAIT
                self._wait_or_stop(
                    what, self.stats.reset or 0.0, "Reddit's rate limit is used up (X-Ratelimit-Remaining 0)"
                )
            try:
                return self.reddit.request(method="GET", path=f"/r/{sub}/new", params=params)
            except pex.TooManyRequests as exc:
                headers = exc.response.headers
                reset = _header_number(headers, "x-ratelimit-reset")
                reset = reset if reset is not None else _header_number(headers, "retry-after")
                seen = f"remaining {headers.get('x-ratelimit-remaining', '?')}, used {headers.get('x-ratelimit-used', '?')}"
                self._wait_or_stop(what, reset, f"rate limited by Reddit (HTTP 429, {seen})")
            except (pex.PrawcoreException, KeyError) as exc:
                raise failure(exc, what, self.cfg) from None
        raise SourceStopped(f"{what}: still rate limited (HTTP 429) after {RATE_LIMIT_WAITS} waits; stopped reading")

    def _wait_or_stop(self, what: str, reset: float | None, seen: str) -> None:
        """Wait for the rate-limit reset when REDDIT_MAX_WAIT still allows it; otherwise stop the run."""
        left = self.cfg.max_wait - self.stats.waited_seconds
        if reset is None or reset > left:
            when = (
                "with no reset time"
                if reset is None
                else f"resets in {reset:g} s, more than the {left:g} s left of REDDIT_MAX_WAIT"
            )
            raise SourceStopped(
                f"{what}: {seen}, {when}; stopped reading, run again later (pages already saved are kept)"
            )
        log.warning("%s: %s; waiting %g s for the reset", what, seen, reset)
        time.sleep(reset)
        self.stats.waited_seconds += reset
        self.stats.remaining = None

"""The one HTTP layer of the REST extractors (GitHub, Stack Exchange): polite, bounded, secret-safe.

- One `requests.Session` per API, one request at a time, a timeout on every request.
- Network errors, timeouts, truncated or malformed bodies and 5xx answers are retried, at most
  `HTTP_MAX_RETRIES` times per call, after an exponential backoff with jitter
  (`HTTP_BACKOFF_BASE` x 2^(attempt-1) x a random factor in [0.5, 1.5)); a `Retry-After` header wins.
- GitHub: `X-RateLimit-Remaining: 0` pauses the *next* request until `X-RateLimit-Reset` (so the limit
  is never hit); a 403/429 rate-limit answer waits for `Retry-After`, or the reset, or (secondary
  limit without either) at least one minute, as GitHub's docs ask.
- Stack Exchange: a `backoff: S` field means no further call to that method for S seconds;
  `quota_remaining: 0` stops every further call; `throttle_violation` is never retried blindly.
- A total wait budget (`HTTP_WAIT_BUDGET` seconds, counting sleeps and time lost in failed attempts)
  bounds a whole run: a wait that does not fit raises a clear `HttpError` at once instead of hanging,
  and every later call fails fast with the same reason.
- Secrets (the token header, the `key` query parameter) never reach a log line, an exception message
  or a raw file: messages name the method, path and non-secret parameters only, and pass through
  `lib.log.redact` plus the client's own known secret values.

Raw files: `lib.files.save_raw`/`lib.files.load_raw` keep each API response body as deterministic gzip.
The HTTP_* settings are declared in lib/settings.py (`HttpSettings`, re-exported here for the clients' callers).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import requests

from lib import PipelineError
from lib.log import get_logger, redact
from lib.settings import HttpSettings

USER_AGENT = "tech-trends-pipeline/2 (python-requests; weekly technology trend report)"

CHUNK_BYTES = 1 << 16
RESET_MARGIN = 1.0  # seconds added to a rate-limit reset time (clock skew)
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: "wait at least one minute" when a 403 gives no time


class HttpError(PipelineError):
    """A call that could not be answered; the message is redacted and names the call."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def summarize(messages: list[str]) -> list[str]:
    """Messages in first-seen order, each once, with how many times it occurred when more than once."""
    seen: dict[str, int] = {}
    for message in messages:
        seen[message] = seen.get(message, 0) + 1
    return [m if n == 1 else f"{m} ({n} calls)" for m, n in seen.items()]


# --------------------------------------------------------------------------- the client


@dataclass
class Reply:
    status: int
    data: object  # the parsed JSON body
    body: bytes  # the body as received (what save_raw keeps)
    headers: Mapping[str, str]


@dataclass
class _Verdict:
    """What to do with an answer that is not a usable success."""

    failure: str
    retry: bool
    wait: float | None = None  # None: exponential backoff
    status: int | None = None


class RestClient:
    """Shared retry/wait/budget machinery; subclasses add each API's rate-limit rules."""

    api = "http"

    def __init__(
        self,
        base_url: str,
        settings: HttpSettings,
        *,
        headers: Mapping[str, str] | None = None,
        secret_params: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.secret_params = {k: v for k, v in (secret_params or {}).items() if v}
        # each secret as given and as it appears inside a URL (percent-encoded)
        self.secrets = tuple(dict.fromkeys(v for s in secrets if s for v in (s, quote(s, safe=""), quote_plus(s))))
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
        self.log = get_logger(f"http.{self.api}")
        self.requests = 0
        self.retries = 0
        self.waited_seconds = 0.0
        self.closed: str | None = None  # why no further call is possible

    # -- secret safety
    def scrub(self, text: object) -> str:
        out = str(text)
        for secret in self.secrets:
            out = out.replace(secret, "***")
        return redact(out)

    def describe(self, path: str, params: Mapping[str, object]) -> str:
        shown = " ".join(f"{k}={v}" for k, v in params.items())
        return self.scrub(f"{self.api} GET {path}" + (f" {shown}" if shown else ""))

    # -- waiting
    def sleep(self, seconds: float, reason: str, retrying: str = "") -> None:
        """Wait `seconds` if the budget allows; otherwise close the client and raise at once."""
        seconds = max(float(seconds), 0.0)
        left = self.settings.wait_budget - self.waited_seconds
        if seconds > left:
            self.closed = self.scrub(
                f"{self.api}: wait budget exhausted ({self.settings.wait_budget:g}s, {self.waited_seconds:.1f}s used): "
                f"{reason} needs {seconds:.1f}s more; raise HTTP_WAIT_BUDGET or run again later"
            )
            raise HttpError(self.closed)
        if retrying:  # a failed attempt: say what failed and when it is tried again
            self.log.warning("%s", self.scrub(f"{retrying} in {seconds:.1f}s after: {reason}"))
        elif seconds > 0:
            self.log.info("%s", self.scrub(f"waiting {seconds:.1f}s: {reason}"))
        if seconds > 0:
            time.sleep(seconds)
            self.waited_seconds += seconds

    def charge(self, seconds: float) -> None:
        """Count time lost in a failed attempt against the budget."""
        self.waited_seconds += max(seconds, 0.0)

    def backoff(self, attempt: int) -> float:
        return self.settings.backoff_base * (2 ** (attempt - 1)) * (0.5 + random.random())

    # -- per-API hooks
    def before(self, path: str) -> None:
        """Wait, if the API asked for it, before calling `path`."""

    def observe(self, path: str, response: requests.Response, data: object) -> None:
        """Record rate-limit state from any answer."""

    def judge(self, response: requests.Response, data: object) -> _Verdict | None:
        """A rate-limit or API-specific verdict for a non-2xx answer, or None for the generic rules."""
        return None

    def api_message(self, data: object) -> str:
        if isinstance(data, dict) and data.get("message"):
            return str(data["message"])
        return ""

    # -- the call
    def get(self, path: str, params: Mapping[str, object] | None = None) -> Reply:
        params = dict(params or {})
        what = self.describe(path, params)
        attempt = 0
        while True:
            if self.closed:  # the same words for every call not sent, so a status file can say it once
                raise HttpError(f"call not sent: {self.closed}")
            self.before(path)
            started = time.monotonic()
            self.requests += 1
            verdict = self._attempt(path, params, what)
            if isinstance(verdict, Reply):
                return verdict
            self.charge(time.monotonic() - started)
            if not verdict.retry:
                raise HttpError(f"{what}: {verdict.failure}", verdict.status)
            attempt += 1
            if attempt > self.settings.max_retries:
                raise HttpError(f"{what}: gave up after {attempt} attempts: {verdict.failure}")
            wait = verdict.wait if verdict.wait is not None else self.backoff(attempt)
            try:
                self.sleep(wait, verdict.failure, f"{what}: retry {attempt}/{self.settings.max_retries}")
            except HttpError as exc:
                raise HttpError(f"{what}: {exc}") from None
            self.retries += 1

    def _attempt(self, path: str, params: dict, what: str) -> Reply | _Verdict:
        try:
            response = self.session.get(
                self.base_url + path,
                params={**params, **self.secret_params},
                timeout=self.settings.timeout,
                stream=True,
            )
            with response:
                body = read_bounded(response, self.settings.max_bytes)
        except TooLarge as exc:
            return _Verdict(
                self.scrub(f"{exc}: refused; raise HTTP_MAX_BYTES if the API really sends this much"), False
            )
        except requests.Timeout:
            return _Verdict(f"no answer within {self.settings.timeout:g}s (timeout)", retry=True)
        except requests.RequestException as exc:
            # the exception text can carry the full URL (with the key): keep only a scrubbed summary
            detail = self.scrub(exc)[:200]
            return _Verdict(f"network error ({type(exc).__name__}: {detail})", retry=True)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        self.observe(path, response, data)
        status = response.status_code
        if 200 <= status < 300:
            if data is None:
                return _Verdict(f"HTTP {status} with a body that is not JSON ({len(body)} bytes)", retry=True)
            self.log.debug("%s -> %s", what, status)
            return Reply(status, data, body, response.headers)
        verdict = self.judge(response, data)
        if verdict is not None:
            return verdict
        message = self.api_message(data)
        failure = self.scrub(f"HTTP {status}" + (f": {message}" if message else ""))
        if status >= 500 or status == 429:
            return _Verdict(failure, retry=True, wait=retry_after(response))
        return _Verdict(failure, retry=False, status=status)


class TooLarge(Exception):
    """An answer past the size cap (announced, or counted while reading the decoded body)."""


def read_bounded(response: requests.Response, limit: int) -> bytes:
    """The decoded body, read in chunks and abandoned as soon as it passes `limit` bytes.

    The cap counts decoded bytes, so a small gzip answer that inflates past it (a gzip bomb) is refused
    after reading at most `limit` bytes of it; an announced Content-Length past the cap is refused unread.
    """
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise TooLarge(f"answer of {int(announced):,} bytes is larger than the {limit:,}-byte cap")
    chunks, size = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"answer passed the {limit:,}-byte cap while being read (decoded size)")
        chunks.append(chunk)
    return b"".join(chunks)


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds, leniently fractional, or an HTTP date), or None."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


class GitHubClient(RestClient):
    """GitHub REST: Bearer token, versioned media type, primary and secondary rate limits."""

    api = "github"

    def __init__(self, base_url: str, settings: HttpSettings, token: str) -> None:
        super().__init__(
            base_url,
            settings,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            secrets=(token,),
        )
        self.pause_until: float | None = None  # epoch seconds: the limit is used up until then

    def before(self, path: str) -> None:
        if self.pause_until is None:
            return
        wait = self.pause_until + RESET_MARGIN - time.time()
        reset = dt.datetime.fromtimestamp(self.pause_until, dt.UTC).strftime("%H:%M:%SZ")
        self.pause_until = None
        if wait > 0:
            self.sleep(wait, f"GitHub rate limit used up (X-RateLimit-Remaining: 0), pausing until reset at {reset}")

    def observe(self, path: str, response: requests.Response, data: object) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.strip().isdigit():
            self.pause_until = float(reset)

    def judge(self, response: requests.Response, data: object) -> _Verdict | None:
        if response.status_code not in (403, 429):
            return None
        message = self.api_message(data)
        wait = retry_after(response)
        if wait is not None:
            return _Verdict(
                self.scrub(f"HTTP {response.status_code} rate limited (Retry-After: {wait:g}s): {message}"), True, wait
            )
        if self.pause_until is not None:
            wait = self.pause_until + RESET_MARGIN - time.time()
            self.pause_until = None
            return _Verdict(
                f"HTTP {response.status_code} rate limit used up until X-RateLimit-Reset", True, max(wait, 0.0)
            )
        if response.status_code == 429 or "rate limit" in message.lower():
            return _Verdict(
                self.scrub(f"HTTP {response.status_code} secondary rate limit: {message}"), True, SECONDARY_LIMIT_WAIT
            )
        return None  # a 403 that is not a rate limit (permissions): not retried


_THROTTLE_SECONDS = re.compile(r"(\d+)\s*seconds?", re.IGNORECASE)


class StackExchangeClient(RestClient):
    """Stack Exchange API 2.3: `key` query parameter, per-method `backoff`, daily quota."""

    api = "stackexchange"

    def __init__(self, base_url: str, settings: HttpSettings, key: str) -> None:
        super().__init__(base_url, settings, secret_params={"key": key}, secrets=(key,))
        self.not_before: dict[str, float] = {}  # method path -> monotonic time it may be called again
        self.quota_remaining: int | None = None
        self.quota_max: int | None = None

    def before(self, path: str) -> None:
        wait = self.not_before.pop(path, 0.0) - time.monotonic()
        if wait > 0:
            self.sleep(wait, f"Stack Exchange asked for backoff on {path}")

    def observe(self, path: str, response: requests.Response, data: object) -> None:
        if not isinstance(data, dict):
            return
        backoff = data.get("backoff")
        if isinstance(backoff, int | float) and backoff > 0:
            self.not_before[path] = time.monotonic() + float(backoff)
            self.log.info("Stack Exchange backoff: no call to %s for %ss", path, backoff)
        if isinstance(data.get("quota_max"), int):
            self.quota_max = data["quota_max"]
        if isinstance(data.get("quota_remaining"), int):
            self.quota_remaining = data["quota_remaining"]
            if self.quota_remaining <= 0:
                self.closed = (
                    f"stackexchange: daily quota used up (quota_remaining 0 of {self.quota_max}): "
                    "no further calls until it resets at 00:00 UTC"
                )

    def api_message(self, data: object) -> str:
        if isinstance(data, dict) and "error_id" in data:
            return f"error_id {data.get('error_id')} {data.get('error_name')}: {data.get('error_message')}"
        return super().api_message(data)

    def judge(self, response: requests.Response, data: object) -> _Verdict | None:
        if not (isinstance(data, dict) and data.get("error_name") == "throttle_violation"):
            return None
        message = self.scrub(f"HTTP {response.status_code} {self.api_message(data)}")
        found = _THROTTLE_SECONDS.search(str(data.get("error_message") or ""))
        if not found:
            return _Verdict(message + " (not retried: the API gave no wait time)", retry=False)
        return _Verdict(message, retry=True, wait=float(found.group(1)))

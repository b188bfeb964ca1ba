"""Reddit extractor: recent posts of a few subreddits, through praw (read-only, client-credentials OAuth).

Reads the `new` listing of each subreddit page by page, saves every listing page as it came
($DATOS/raw/reddit/<RUN_DATE>/<subreddit>__after-<cursor>__limit-<n>.json.gz), then a pure transform
turns the posts into the V1 files in $DATOS/staging/reddit/ (reddit_temas_emergentes.csv,
reddit_sentimiento_frameworks.csv) and `_source_status.json`.

Which posts count:
  - only posts created inside the run window [window_start, window_end) (created_utc); the listing is
    newest first, so a subreddit is done at its first post older than the window;
  - REDDIT_MAX_POSTS in all, shared fairly: each subreddit gets an equal share (the first ones in
    REDDIT_SUBREDDITS get one more when it does not divide evenly); when a subreddit's listing runs out
    before its share, the unused posts are shared again, the same way, between the subreddits that still
    have posts. A subreddit that failed keeps its share unused (the status says partial);
  - merged by post id (a post seen twice counts once);
  - self-posts and link posts alike: a post's text is its title + selftext (empty for a link post).

Pages already in raw are never fetched again: a second run for the same date makes no request.
`--offline` reads raw only and fails when a page is missing. Failures are explicit: bad credentials
stop the run, a forbidden/missing subreddit, a server error or a timeout fails that subreddit (prawcore
itself retries 5xx and timeouts twice first), a 429 or a spent X-Ratelimit-Remaining is waited out when
its reset fits in REDDIT_MAX_WAIT and stops the run otherwise. Status: ok (every subreddit read, at least
one post), partial (some subreddit failed or the run stopped, some posts read) or failed (no post).

Environment:
  REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET   secrets (a live run fails at once when one is missing)
  REDDIT_USER_AGENT     default "python:tech-trends-pipeline:v2 (read-only weekly technology trend report)"
  REDDIT_SUBREDDITS     comma-separated, default programming,webdev,python,javascript,devops,MachineLearning
  REDDIT_MAX_POSTS      posts in all, default 500
  REDDIT_TIMEOUT        seconds praw waits for an answer, default 16
  REDDIT_MAX_WAIT       seconds the run may wait in all for rate limits to reset, default 120
  REDDIT_RETRY_BACKOFF  scale of prawcore's own retry pauses (1 = prawcore's 0-2 s then 2-4 s), default 1
  REDDIT_OAUTH_URL, REDDIT_URL   API and token hosts, default https://oauth.reddit.com, https://www.reddit.com
  HTTP_MAX_BYTES        largest answer (decoded bytes) read before refusing it, default 33554432
  DATOS, RUN_DATE       data folder and run date (see scripts/lib/settings.py)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from lib import CONTRACTS_DIR, PipelineError
from lib.cli import run_cli, source_parser
from lib.contracts import load_contracts
from lib.csvfmt import write_csv
from lib.files import load_raw, read_json, save_raw
from lib.log import get_logger, redact
from lib.settings import require_secrets, settings
from lib.status import write_source_status

SOURCE = "reddit"
SECRETS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
DEFAULT_SUBREDDITS = ("programming", "webdev", "python", "javascript", "devops", "MachineLearning")
DEFAULT_MAX_POSTS = 500
DEFAULT_USER_AGENT = "python:tech-trends-pipeline:v2 (read-only weekly technology trend report)"
PAGE_LIMIT = 100  # Reddit's largest listing page
KEYWORDS_FILE = CONTRACTS_DIR / "reddit_keywords.json"
TEMAS_FILE = "reddit_temas_emergentes.csv"
SENTIMENT_FILE = "reddit_sentimiento_frameworks.csv"
SUBREDDIT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}")
FULLNAME_RE = re.compile(r"t3_[0-9a-z]{1,13}")

log = logging.getLogger(f"trends.{SOURCE}")  # configured by lib.log.get_logger in main()


# --------------------------------------------------------------------------- settings


@dataclasses.dataclass(frozen=True)
class RedditSettings:
    subreddits: tuple[str, ...] = DEFAULT_SUBREDDITS
    max_posts: int = DEFAULT_MAX_POSTS
    timeout: float = 16.0
    max_wait: float = 120.0
    retry_backoff: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    max_bytes: int = 32 << 20  # HTTP_MAX_BYTES: the decoded size an answer may have, as for the REST sources


def _number(env: Mapping[str, str], name: str, default: float, kind=float, minimum: float = 0.0):
    text = env.get(name) or ""
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise PipelineError(f"{name}={text!r} is not a {'whole ' if kind is int else ''}number") from None
    if value < minimum or (kind is float and value != value):
        raise PipelineError(f"{name}={text!r} must be at least {minimum}")
    return value


def reddit_settings(env: Mapping[str, str] | None = None) -> RedditSettings:
    env = os.environ if env is None else env
    subreddits = tuple(
        s.strip().removeprefix("r/") for s in (env.get("REDDIT_SUBREDDITS") or "").split(",") if s.strip()
    )
    subreddits = subreddits or DEFAULT_SUBREDDITS
    bad = [s for s in subreddits if not SUBREDDIT_RE.fullmatch(s)]
    if bad:
        raise PipelineError(f"REDDIT_SUBREDDITS: {', '.join(map(repr, bad))} is not a subreddit name")
    if len({s.lower() for s in subreddits}) != len(subreddits):
        raise PipelineError("REDDIT_SUBREDDITS names a subreddit twice")
    user_agent = env.get("REDDIT_USER_AGENT") or DEFAULT_USER_AGENT
    if len(user_agent) < 7:
        raise PipelineError("REDDIT_USER_AGENT must describe the app (Reddit blocks generic user agents)")
    return RedditSettings(
        subreddits=subreddits,
        max_posts=_number(env, "REDDIT_MAX_POSTS", DEFAULT_MAX_POSTS, int, 1),
        timeout=_number(env, "REDDIT_TIMEOUT", 16.0, float, 0.001),
        max_wait=_number(env, "REDDIT_MAX_WAIT", 120.0),
        retry_backoff=_number(env, "REDDIT_RETRY_BACKOFF", 1.0),
        user_agent=user_agent,
        oauth_url=(env.get("REDDIT_OAUTH_URL") or "https://oauth.reddit.com").rstrip("/"),
        reddit_url=(env.get("REDDIT_URL") or "https://www.reddit.com").rstrip("/"),
        max_bytes=_number(env, "HTTP_MAX_BYTES", RedditSettings.max_bytes, int, 1024),
    )


# --------------------------------------------------------------------------- pure transform


@dataclasses.dataclass(frozen=True)
class Keywords:
    topics: dict[str, re.Pattern]
    frameworks: dict[str, re.Pattern]


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern:
    """One case-insensitive regex matching any keyword as a whole word or phrase.

    "Whole" means no letter, digit or underscore right before or after, so `ai` does not match inside
    `straight` while `ci/cd`, `node.js` and `c#` keep their punctuation; a space in a keyword matches
    any run of white space ("machine  learning" across a line break counts).
    """
    parts = [r"\s+".join(re.escape(word) for word in kw.split()) for kw in keywords]
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)


def load_keywords(path: Path = KEYWORDS_FILE) -> Keywords:
    doc = read_json(path, "Reddit keywords")
    try:
        return Keywords(
            topics={t["name"]: keyword_pattern(t["keywords"]) for t in doc["topics"]},
            frameworks={f["name"]: keyword_pattern(f["keywords"]) for f in doc["frameworks"]},
        )
    except (KeyError, TypeError) as exc:
        raise PipelineError(
            f"Reddit keywords: {path} needs topics/frameworks lists of {{name, keywords}} ({exc})"
        ) from None


@functools.cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def post_text(post: Mapping) -> str:
    return f"{post.get('title') or ''}\n{post.get('selftext') or ''}"


def sentiment_label(text: str) -> str:
    """VADER compound >= 0.05 positive, <= -0.05 negative, else neutral."""
    compound = _analyzer().polarity_scores(text)["compound"]
    return "positivo" if compound >= 0.05 else "negativo" if compound <= -0.05 else "neutro"


def _pct(part: int, total: int) -> float:
    return round(part * 100 / total, 2)


def transform(posts: Iterable[Mapping], keywords: Keywords) -> tuple[list[dict], list[dict]]:
    """Posts (title, selftext) -> (topic rows, framework sentiment rows), V1 columns, stable order.

    A post counts at most once per topic or framework. Topics and frameworks without a mention are left out;
    rows go by mentions descending, then name.
    """
    topic_counts = dict.fromkeys(keywords.topics, 0)
    sentiment = {name: {"positivo": 0, "neutro": 0, "negativo": 0} for name in keywords.frameworks}
    for post in posts:
        text = post_text(post)
        for name, pattern in keywords.topics.items():
            if pattern.search(text):
                topic_counts[name] += 1
        label = None
        for name, pattern in keywords.frameworks.items():
            if pattern.search(text):
                label = label or sentiment_label(text)
                sentiment[name][label] += 1

    temas = [{"tema": name, "menciones": n} for name, n in topic_counts.items() if n]
    temas.sort(key=lambda row: (-row["menciones"], row["tema"]))
    frameworks = []
    for name, c in sentiment.items():
        total = c["positivo"] + c["neutro"] + c["negativo"]
        if total:
            frameworks.append(
                {
                    "framework": name,
                    "total_menciones": total,
                    "positivos": c["positivo"],
                    "neutros": c["neutro"],
                    "negativos": c["negativo"],
                    "% positivo": _pct(c["positivo"], total),
                    "% neutro": _pct(c["neutro"], total),
                    "% negativo": _pct(c["negativo"], total),
                }
            )
    frameworks.sort(key=lambda row: (-row["total_menciones"], row["framework"]))
    return temas, frameworks


# --------------------------------------------------------------------------- raw pages


def page_name(subreddit: str, after: str | None, limit: int) -> str:
    """One raw file per listing request: the request's subreddit, cursor and size are its name."""
    return f"{subreddit}__after-{after or 'start'}__limit-{limit}.json.gz"


def page_body(doc: object) -> bytes:
    """A listing page as the compact JSON `save_raw` keeps."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_page(path: Path) -> dict:
    doc = load_raw(path)
    problem = listing_problem(doc)
    if problem:
        raise PipelineError(f"reddit: raw page {path} {problem}: delete it and run again")
    return doc


def listing_problem(doc: object) -> str | None:
    """Why `doc` is not a Reddit listing of posts (None when it is one)."""
    if not isinstance(doc, dict) or doc.get("kind") != "Listing" or not isinstance(doc.get("data"), dict):
        return "is not a Reddit listing"
    children = doc["data"].get("children")
    if not isinstance(children, list):
        return "has no children list"
    after = doc["data"].get("after")
    if after is not None and not (isinstance(after, str) and FULLNAME_RE.fullmatch(after)):
        return f"has an unexpected `after` cursor {after!r}"  # it names the next raw file: keep it a fullname
    for child in children:
        data = child.get("data") if isinstance(child, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return "has a child without data.id"
        if not isinstance(data.get("created_utc"), int | float):
            return f"has post {data['id']} without a numeric created_utc"
    return None


# --------------------------------------------------------------------------- the reading plan


class SubredditFailed(Exception):
    """This subreddit cannot be read now; the others can."""


class SourceStopped(Exception):
    """Nothing more can be read in this run (credentials refused, rate limit beyond the budget)."""


GetPage = Callable[[str, "str | None", int], dict]


def fair_shares(total: int, names: list[str]) -> dict[str, int]:
    """`total` split equally; the first names get one more when it does not divide evenly."""
    base, extra = divmod(total, len(names)) if names else (0, 0)
    return {name: base + (1 if i < extra else 0) for i, name in enumerate(names)}


@dataclasses.dataclass
class Collection:
    posts: dict[str, dict] = dataclasses.field(default_factory=dict)  # id -> post data, in reading order
    per_subreddit: dict[str, int] = dataclasses.field(default_factory=dict)
    pages: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)


def collect(
    subreddits: tuple[str, ...], max_posts: int, window: tuple[dt.datetime, dt.datetime], get_page: GetPage
) -> Collection:
    """Read the `new` listings following the fair-share plan (module docstring) through `get_page`."""
    start, end = (moment.timestamp() for moment in window)
    out = Collection(per_subreddit=dict.fromkeys(subreddits, 0))
    quota = fair_shares(max_posts, list(subreddits))
    cursor: dict[str, str | None] = dict.fromkeys(subreddits)
    ended: set[str] = set()
    failed: set[str] = set()
    short: set[str] = set()
    while True:
        for sub in subreddits:
            while sub not in ended | failed and out.per_subreddit[sub] < quota[sub]:
                limit = min(PAGE_LIMIT, quota[sub] - out.per_subreddit[sub])
                try:
                    page = get_page(sub, cursor[sub], limit)
                except SubredditFailed as exc:
                    failed.add(sub)
                    out.errors.append(str(exc))
                    break
                except SourceStopped as exc:
                    out.errors.append(str(exc))
                    return out
                out.pages += 1
                children = page["data"]["children"]
                for child in children:
                    post = child["data"]
                    created = post["created_utc"]
                    if created >= end:
                        continue  # newer than the window: skipped, older posts follow
                    if created < start:
                        ended.add(sub)  # the listing is newest first: the rest is older still
                        break
                    if post["id"] in out.posts or out.per_subreddit[sub] >= quota[sub]:
                        continue
                    out.posts[post["id"]] = post
                    out.per_subreddit[sub] += 1
                cursor[sub] = page["data"].get("after")
                if not children or not cursor[sub]:
                    ended.add(sub)
        for sub in ended - failed:  # a listing that ran out hands its unused share back; a failed one does not
            if out.per_subreddit[sub] < quota[sub]:
                short.add(sub)
                quota[sub] = out.per_subreddit[sub]
        leftover = max_posts - sum(quota.values())
        still_open = [s for s in subreddits if s not in ended | failed]
        if leftover <= 0 or not still_open:
            break
        for sub, extra in fair_shares(leftover, still_open).items():
            quota[sub] += extra
    for sub in subreddits:
        if sub in short:
            out.warnings.append(
                f"r/{sub}: its listing ran out after {out.per_subreddit[sub]} posts in the window; "
                "the rest of its share went to the other subreddits"
            )
    if not out.errors and len(out.posts) < max_posts:
        out.warnings.append(
            f"read {len(out.posts)} posts, fewer than REDDIT_MAX_POSTS={max_posts}: every listing ran out"
        )
    return out


# --------------------------------------------------------------------------- praw (live)


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


def _make_requestor_class():
    from urllib.parse import urlsplit

    import prawcore
    import requests
    from prawcore import Requestor

    import http_client

    class CountingRequestor(Requestor):
        """prawcore's Requestor with our timeout on every call, counting requests and retries."""

        def __init__(self, *args, stats: HttpStats, max_bytes: int, **kwargs):
            super().__init__(*args, **kwargs)
            self.stats = stats
            self.max_bytes = max_bytes

        def request(self, *args, timeout=None, **kwargs):
            method, url = args[0], args[1]
            key = (method.upper(), url, json.dumps(kwargs.get("params") or {}, sort_keys=True, default=str))
            self.stats.requests += 1
            if not url.endswith("/api/v1/access_token"):
                self.stats.retries += key in self.stats.seen
                self.stats.seen.add(key)
            # prawcore passes its own module-wide timeout; REDDIT_TIMEOUT is the one that counts
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
            response._content = body  # what prawcore reads (response.json(), .text) from here on
            if "x-ratelimit-remaining" in response.headers:
                self.stats.remaining = _header_number(response.headers, "x-ratelimit-remaining")
                self.stats.reset = _header_number(response.headers, "x-ratelimit-reset")
            return response

    return CountingRequestor


def _scaled_retry_strategy(scale: float):
    from prawcore.sessions import FiniteRetryStrategy

    @dataclasses.dataclass(frozen=True)
    class ScaledRetry(FiniteRetryStrategy):
        """prawcore's retry schedule (2 retries on 5xx, timeouts, dropped connections), pauses times `scale`."""

        def _sleep_seconds(self):
            seconds = super()._sleep_seconds()
            return None if seconds is None else seconds * scale

    return ScaledRetry


def praw_client(cfg: RedditSettings, stats: HttpStats, env: Mapping[str, str]):
    """A read-only praw.Reddit (client credentials, no user) pointed at cfg's hosts."""
    import praw

    reddit = praw.Reddit(
        client_id=env["REDDIT_CLIENT_ID"],
        client_secret=env["REDDIT_CLIENT_SECRET"],
        user_agent=cfg.user_agent,
        oauth_url=cfg.oauth_url,
        reddit_url=cfg.reddit_url,
        username=None,  # read-only: never a user's password or refresh token, whatever praw.ini says
        password=None,
        refresh_token=None,
        check_for_updates=False,
        requestor_class=_make_requestor_class(),
        requestor_kwargs={"timeout": cfg.timeout, "stats": stats, "max_bytes": cfg.max_bytes},
    )
    if not reddit.read_only:
        raise PipelineError("reddit: praw did not start read-only: unset praw_username/praw_password")
    # prawcore keeps its retry schedule on the session; scale its pauses (tests use 0)
    reddit._core._retry_strategy_class = _scaled_retry_strategy(cfg.retry_backoff)
    return reddit


def _status_of(exc) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _is_token_call(exc) -> bool:
    response = getattr(exc, "response", None)
    url = getattr(response, "url", None) or ""
    args = getattr(exc, "request_args", ()) or ()
    url = url or (args[1] if len(args) > 1 else "")
    return "/api/v1/access_token" in str(url)


RATE_LIMIT_WAITS = 3  # waits for one request at most, even when Reddit says the reset is 0 s


def _wait_or_stop(what: str, reset: float | None, seen: str, cfg: RedditSettings, stats: HttpStats) -> None:
    """Wait for the rate-limit reset when REDDIT_MAX_WAIT still allows it; otherwise stop the run."""
    left = cfg.max_wait - stats.waited_seconds
    if reset is None or reset > left:
        when = (
            "with no reset time"
            if reset is None
            else f"resets in {reset:g} s, more than the {left:g} s left of REDDIT_MAX_WAIT"
        )
        raise SourceStopped(f"{what}: {seen}, {when}; stopped reading, run again later (pages already saved are kept)")
    log.warning("%s: %s; waiting %g s for the reset", what, seen, reset)
    time.sleep(reset)
    stats.waited_seconds += reset
    stats.remaining = None


def _failure(exc: Exception, what: str, cfg: RedditSettings) -> Exception:
    """The clear message for a failed praw call: SourceStopped when nothing else can be read, else SubredditFailed."""
    import requests
    from prawcore import exceptions as pex

    status = _status_of(exc)
    attempts = 3  # prawcore's own schedule: one call and 2 retries on 5xx, timeouts and dropped connections
    if isinstance(exc, pex.OAuthException):
        return SourceStopped(
            f"reddit: the token endpoint refused the client credentials ({exc.error}): "
            "check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
        )
    if isinstance(exc, pex.RequestException):
        original = exc.original_exception
        if isinstance(original, requests.Timeout):
            reason = f"no answer within REDDIT_TIMEOUT={cfg.timeout:g} s ({attempts} attempts)"
        elif isinstance(original, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
            reason = f"connection failed or answer cut off ({attempts} attempts): {type(original).__name__}"
        else:
            reason = f"request failed: {type(original).__name__}"
        if _is_token_call(exc):
            return SourceStopped(f"reddit: the token endpoint: {reason}")
        return SubredditFailed(f"{what}: {reason}")
    if _is_token_call(exc):
        hint = (
            "invalid client credentials: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
            if status in (400, 401, 403)
            else "Reddit could not issue a token; run again later"
        )
        return SourceStopped(f"reddit: token endpoint answered HTTP {status}: {hint}")
    if isinstance(exc, pex.Forbidden):
        return SubredditFailed(
            f"{what}: forbidden (HTTP 403): the subreddit is private, quarantined or banned, or this app may not "
            "read it; remove it from REDDIT_SUBREDDITS"
        )
    if isinstance(exc, pex.InvalidToken | pex.InsufficientScope | KeyError):
        # (prawcore looks a 401 without a www-authenticate header up in a dict: a KeyError)
        return SourceStopped(f"{what}: Reddit rejected the access token (HTTP {status or 401}); stopped reading")
    if isinstance(exc, pex.NotFound | pex.Redirect):
        return SubredditFailed(f"{what}: not found (HTTP {status}): check the name in REDDIT_SUBREDDITS")
    if isinstance(exc, pex.ServerError):
        return SubredditFailed(f"{what}: Reddit server error (HTTP {status}) after {attempts} attempts")
    if isinstance(exc, pex.BadJSON):
        return SubredditFailed(f"{what}: the answer (HTTP {status}) was not valid JSON")
    return SubredditFailed(f"{what}: unexpected answer HTTP {status} ({type(exc).__name__})")


def fetch_listing(reddit, cfg: RedditSettings, stats: HttpStats, sub: str, after: str | None, limit: int) -> dict:
    """GET /r/<sub>/new through praw's own request machinery (token, retries, rate limiter).

    Returns the listing as Reddit sent it; every failure becomes SubredditFailed or SourceStopped with a clear message.
    """
    from prawcore import exceptions as pex

    what = f"r/{sub}"
    params = {"limit": limit, **({"after": after} if after else {})}
    for _ in range(RATE_LIMIT_WAITS + 1):
        if stats.remaining is not None and stats.remaining <= 0:
            # spent: prawcore would sleep until the reset, however long; wait only within REDDIT_MAX_WAIT
            _wait_or_stop(
                what, stats.reset or 0.0, "Reddit's rate limit is used up (X-Ratelimit-Remaining 0)", cfg, stats
            )
        try:
            doc = reddit.request(method="GET", path=f"/r/{sub}/new", params=params)
        except pex.TooManyRequests as exc:
            headers = exc.response.headers
            reset = _header_number(headers, "x-ratelimit-reset")
            reset = reset if reset is not None else _header_number(headers, "retry-after")
            seen = f"remaining {headers.get('x-ratelimit-remaining', '?')}, used {headers.get('x-ratelimit-used', '?')}"
            _wait_or_stop(what, reset, f"rate limited by Reddit (HTTP 429, {seen})", cfg, stats)
            continue
        except (pex.PrawcoreException, KeyError) as exc:
            raise _failure(exc, what, cfg) from None
        problem = listing_problem(doc)
        if problem:
            raise SubredditFailed(f"{what}: the answer {problem}")
        return doc
    raise SourceStopped(f"{what}: still rate limited (HTTP 429) after {RATE_LIMIT_WAITS} waits; stopped reading")


def page_source(raw_dir: Path, offline: bool, live_fetch: Callable | None) -> GetPage:
    """Pages from raw when saved, else fetched live (and saved before use)."""

    def get_page(sub: str, after: str | None, limit: int) -> dict:
        path = raw_dir / page_name(sub, after, limit)
        if path.is_file():
            return read_page(path)
        if offline or live_fetch is None:
            raise PipelineError(
                f"reddit --offline: raw page {path.name} is missing in {raw_dir}: run without --offline "
                "(needs REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET) or use the bundled data with `make demo`"
            )
        doc = live_fetch(sub, after, limit)
        save_raw(path, page_body(doc))
        return doc

    return get_page


# --------------------------------------------------------------------------- staging


def stage(staging_dir: Path, collection: Collection, keywords: Keywords) -> list[str]:
    """Write the two V1 CSVs from the collected posts; returns their names."""
    temas, frameworks = transform(collection.posts.values(), keywords)
    contracts = load_contracts()
    files = []
    for name, contract_name, rows in (
        (TEMAS_FILE, "reddit_temas", temas),
        (SENTIMENT_FILE, "reddit_sentimiento", frameworks),
    ):
        contract = contracts[contract_name]
        write_csv(staging_dir / name, contract.column_names, rows)
        files.append(name)
    return files


def decide_status(collection: Collection) -> tuple[str, list[str]]:
    errors = list(collection.errors)
    if not collection.posts:
        if not errors:
            errors.append("read 0 posts in the window from every subreddit: nothing to report (not a real zero)")
        return "failed", errors
    return ("partial" if errors else "ok"), errors


def _quiet_praw_logs_through_redaction() -> None:
    """prawcore logs retries (URLs) at WARNING: send them through our redacting handler."""
    ours = logging.getLogger("trends")
    for name in ("prawcore", "praw"):
        other = logging.getLogger(name)
        other.handlers = list(ours.handlers)
        other.setLevel(ours.level)
        other.propagate = False


def main(argv: list[str] | None = None) -> int:
    parser = source_parser(__doc__, offline_help="read raw pages only; never touch the network")
    args = parser.parse_args(argv)
    get_logger(SOURCE)

    run = settings()
    cfg = reddit_settings()
    keywords = load_keywords()
    raw_dir, staging_dir = run.raw_dir(SOURCE), run.staging_dir(SOURCE)
    stats = HttpStats()

    live_fetch = None
    if not args.offline:
        require_secrets(SECRETS)
        _quiet_praw_logs_through_redaction()
        reddit = praw_client(cfg, stats, os.environ)
        live_fetch = functools.partial(fetch_listing, reddit, cfg, stats)
    elif not raw_dir.is_dir():
        raise PipelineError(
            f"reddit --offline: no raw pages in {raw_dir}: run without --offline, or `make demo` for bundled data"
        )

    log.info(
        "reading %s (%d posts in all) for %s, window %s .. %s",
        ", ".join(f"r/{s}" for s in cfg.subreddits),
        cfg.max_posts,
        run.run_date,
        *(m.date() for m in run.window),
    )
    collection = collect(cfg.subreddits, cfg.max_posts, run.window, page_source(raw_dir, args.offline, live_fetch))
    for sub, n in collection.per_subreddit.items():
        log.info("r/%s: %d posts", sub, n)
    for message in collection.errors:
        log.error("%s", redact(message))

    status, errors = decide_status(collection)
    files = []
    if status == "failed":
        for stale in (TEMAS_FILE, SENTIMENT_FILE):  # never leave an older run's CSVs looking current
            (staging_dir / stale).unlink(missing_ok=True)
        staging_dir.mkdir(parents=True, exist_ok=True)
    else:
        files = stage(staging_dir, collection, keywords)
    write_source_status(
        staging_dir,
        source=SOURCE,
        status=status,
        run_date=run.run_date,
        files=files,
        requests=stats.requests,
        retries=stats.retries,
        waited_seconds=stats.waited_seconds,
        warnings=collection.warnings,
        errors=errors,
    )
    log.info(
        "wrote %s (status %s: %d posts from %d pages, %d requests)",
        ", ".join(str(staging_dir / f) for f in [*files, "_source_status.json"]),
        status,
        len(collection.posts),
        collection.pages,
        stats.requests,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

"""Every environment setting a script reads, declared once, parsed into typed, frozen views.

Make exports the settings (and checks their raw text at its top, which guards the shell); the scripts read them
here and nowhere else. `DECLARED` holds one `Setting` per name: its group (who reads it), one line of help, the
values it takes, its default, and whether it is a secret. `read(name)` gives one typed value; the views give a
consumer its group at once: `settings()` (the run), `HttpSettings`, `GithubSettings`, `SoSettings`,
`RedditSettings` (`.from_env()`). A bad value is a PipelineError naming the setting, the value and the fix; a
secret's value is never in a message, and is a `Secret` whose repr is masked. docs/settings.md is generated from
`DECLARED` (scripts/dev/settings_doc.py, `make docs/settings.md`), so the reference cannot drift.

Why a small dataclass layer and not pydantic: pydantic-settings is not in the lock, and plain pydantic's
validation errors are not the one-line "setting, value, fix" messages the project promises (and its tests
check); a table of rows with one parse function each is all the settings need.

Over 400 lines on purpose: the table of every setting is the point of the module (one place to read them all),
and the parsers and views it names sit beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lib import ROOT, SECRET_NAMES, SOURCES, PipelineError

WINDOW_DAYS = 365


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Secret:
    """A secret setting's value: `reveal()` gives it; repr and str never do."""

    value: str = field(default="", repr=False)

    def reveal(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class Setting:
    name: str
    group: str  # who reads it: run, http, github, stackoverflow, reddit, switches, operation, serve, ci, testing
    help: str
    allowed: str  # the values it takes, in words
    parse: Callable[[str], object] = str  # non-empty text -> value (raises PipelineError)
    default: object = ""  # the value when unset or empty
    default_text: str = ""  # the default in words, for the doc ("" = `default`, shown as a value)
    secret: bool = False

    @property
    def default_value(self) -> str:
        """The default as the setting's text (what unsetting it amounts to), or "" when it is given in words."""
        if self.default_text or self.secret:
            return ""
        return ",".join(self.default) if isinstance(self.default, tuple) else str(self.default)

    @property
    def shown_default(self) -> str:
        """The default for a reader: in words, or the value in backticks; "" for none."""
        value = self.default_value
        return self.default_text or (f"`{value}`" if value else "")


def _number(name: str, default: float, minimum: float = 0.0, whole: bool = False, cap: float | None = None):
    def parse(text: str):
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise PipelineError(f"{name}={text!r} is not {kind}: unset it to use {default}") from None
        if math.isnan(value) or value < minimum:
            raise PipelineError(f"{name}={text!r} must be at least {minimum}")
        return value if cap is None else min(value, cap)

    return parse


def _url(name: str, default: str):
    def parse(text: str) -> str:
        url = text.rstrip("/")
        if not re.match(r"https?://[^/\s]+", url):
            raise PipelineError(f"{name}={url!r} is not an http(s) URL: unset it to use {default}")
        return url

    return parse


def _items(name: str, default: str):
    """A comma-separated setting as a tuple of stripped, non-empty, distinct items."""

    def parse(text: str) -> tuple[str, ...]:
        items = [part.strip() for part in text.split(",") if part.strip()]
        if not items:
            raise PipelineError(f"{name}={text!r} names nothing: unset it to use {default!r}")
        if len(set(items)) != len(items):
            raise PipelineError(f"{name}={text!r} repeats an item")
        return tuple(items)

    return parse


def _choice(name: str, choices: tuple[str, ...], fix: str):
    def parse(text: str) -> str:
        if text not in choices:
            raise PipelineError(f"{name}={text!r}: {fix}")
        return text

    return parse


def _flag(name: str, fix: str):
    def parse(text: str) -> bool:
        value = text.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise PipelineError(f"{name}={value!r}: {fix}")

    return parse


def parse_run_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PipelineError(f"RUN_DATE={text!r} is not a date: use YYYY-MM-DD") from None


def parse_run_id(text: str) -> str:
    """A run id in its one canonical spelling (lower-case 8-4-4-4-12).

    Other spellings of a uuid (`{...}`, `urn:uuid:...`, upper case, no hyphens) are refused, not normalised: a run's
    record is named by its id, so a second spelling must never reach (and overwrite) an existing run's record.
    """
    try:
        value = str(uuid.UUID(text))
    except ValueError:
        raise PipelineError(f"RUN_ID={text!r} is not a uuid: leave it unset to get a new one") from None
    if value != text:
        raise PipelineError(
            f"RUN_ID={text!r} is not in canonical form: write it as {value} (or leave it unset to get a new one)"
        )
    return value


def parse_as_of(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PipelineError(f"AS_OF={text!r} is not a date-time: use e.g. 2026-11-23T06:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_port(text: str) -> int:
    """A TCP port a user may bind: digits only, 1024-65535."""
    if not text.isdigit() or not 1024 <= int(text) <= 65535:
        raise PipelineError(f"serve: PORT={text!r} is not a port number from 1024 to 65535: set e.g. PORT=8080")
    return int(text)


def weight_pairs(text: str, what: str = "TREND_WEIGHTS") -> tuple[tuple[str, float], ...]:
    """`github=0.5,reddit=0.2,...` as (source, weight) pairs; each source known, each weight a finite number >= 0."""
    pairs = []
    for part in text.split(","):
        source, _, value = (piece.strip() for piece in part.partition("="))
        if source not in SOURCES:
            raise PipelineError(f"{what}: unknown source {source!r}: use {', '.join(SOURCES)}")
        try:
            weight = float(value)
        except ValueError:
            raise PipelineError(f"{what}: {source}={value!r} is not a number") from None
        if not 0 <= weight < float("inf"):
            raise PipelineError(f"{what}: {source}={value} must be a number >= 0")
        pairs.append((source, weight))
    return tuple(pairs)


def _subreddits(text: str) -> tuple[str, ...]:
    names = tuple(s.strip().removeprefix("r/") for s in text.split(",") if s.strip())
    if not names:
        return DEFAULT_SUBREDDITS
    bad = [s for s in names if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}", s)]
    if bad:
        raise PipelineError(f"REDDIT_SUBREDDITS: {', '.join(map(repr, bad))} is not a subreddit name")
    if len({s.lower() for s in names}) != len(names):
        raise PipelineError("REDDIT_SUBREDDITS names a subreddit twice")
    return names


def _user_agent(text: str) -> str:
    if len(text) < 7:
        raise PipelineError("REDDIT_USER_AGENT must describe the app (Reddit blocks generic user agents)")
    return text


def _lock_wait(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise PipelineError(f"LOCK_WAIT={text!r} is not a number of seconds") from None


def _log_level(text: str) -> str:
    level = text.upper()
    if level not in LOG_LEVELS:
        raise PipelineError(f"LOG_LEVEL={text!r}: use one of {', '.join(LOG_LEVELS)}")
    return level


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_SUBREDDITS = ("programming", "webdev", "python", "javascript", "devops", "MachineLearning")
_ON_OFF = "1 or 0 (also true/false, yes/no, on/off)"
_GITHUB_API = "https://api.github.com"
_SO_API = "https://api.stackexchange.com/2.3"
_SO_TAGS = "python,javascript,typescript,java,go,c#,php,c++,ruby,kotlin"
_SO_TREND_TAGS = "python,javascript,typescript"
_SO_ACCEPT_TAGS = "reactjs,vue.js,angular,next.js,svelte"
SEARCH_PAGES_CAP = 10  # GitHub search returns at most 1,000 results (10 pages of 100) per query


def _text(name: str, group: str, help: str, allowed: str = "text", default: str = "") -> Setting:
    return Setting(name, group, help, allowed, default=default)


def _secret(name: str, group: str, help: str) -> Setting:
    return Setting(name, group, help, "the credential (live runs only)", default=Secret(), secret=True)


_DECLARATIONS = (
    # the run
    Setting("DATOS", "run", "the data folder", "a folder", Path, ROOT / "datos", "`datos`"),
    Setting("RUN_DATE", "run", "the run's date: its raw folder and its 365-day source window", "YYYY-MM-DD",
            parse_run_date, None, "today (UTC)"),
    Setting("RUN_ID", "run", "the run's id: names its record metadata/runs/<run_id>.json",
            "a lower-case uuid 8-4-4-4-12", parse_run_id, None, "a new uuid"),
    Setting("AS_OF", "run", "the clock freshness is judged by (the demo sets it)", "an ISO date-time",
            parse_as_of, None, "now (UTC)"),
    # http: the REST sources (GitHub, Stack Exchange); HTTP_MAX_BYTES also caps Reddit's answers
    Setting("HTTP_TIMEOUT", "http", "seconds per request (connect and read)", "a number >= 0.01",
            _number("HTTP_TIMEOUT", 30.0, minimum=0.01), 30.0),
    Setting("HTTP_MAX_RETRIES", "http", "retries per call after the first attempt", "a whole number >= 0",
            _number("HTTP_MAX_RETRIES", 4, whole=True), 4),
    Setting("HTTP_WAIT_BUDGET", "http", "seconds a whole run may spend waiting (sleeps and failed attempts)",
            "a number >= 0", _number("HTTP_WAIT_BUDGET", 900.0), 900.0),
    Setting("HTTP_BACKOFF_BASE", "http", "seconds the first retry waits (about; then doubling, with jitter)",
            "a number >= 0", _number("HTTP_BACKOFF_BASE", 2.0), 2.0),
    Setting("HTTP_MAX_BYTES", "http", "bytes an answer may hold once decoded (every source, Reddit included)",
            "a whole number >= 1024", _number("HTTP_MAX_BYTES", 32 << 20, minimum=1024, whole=True), 32 << 20),
    # github
    _secret("GH_PAT", "github", "GitHub token"),
    Setting("GITHUB_API_URL", "github", "the GitHub REST API", "an http(s) URL",
            _url("GITHUB_API_URL", _GITHUB_API), _GITHUB_API),
    Setting("GITHUB_MAX_PAGES", "github", "search pages of 100 per month",
            f"a whole number >= 1 (more than {SEARCH_PAGES_CAP} counts as {SEARCH_PAGES_CAP}: the search cap)",
            _number("GITHUB_MAX_PAGES", 5, minimum=1, whole=True, cap=SEARCH_PAGES_CAP), 5),
    Setting("GITHUB_TOP_N", "github", "repositories kept (most stars)", "a whole number >= 1",
            _number("GITHUB_TOP_N", 3000, minimum=1, whole=True), 3000),
    # stackoverflow
    _secret("STACKOVERFLOW_KEY", "stackoverflow", "Stack Apps key, sent as the `key` parameter"),
    Setting("STACKEXCHANGE_API_URL", "stackoverflow", "the Stack Exchange API", "an http(s) URL",
            _url("STACKEXCHANGE_API_URL", _SO_API), _SO_API),
    Setting("SO_TAGS", "stackoverflow", "tags counted in so_volumen_preguntas.csv", "comma-separated tags",
            _items("SO_TAGS", _SO_TAGS), tuple(_SO_TAGS.split(","))),
    Setting("SO_TREND_TAGS", "stackoverflow", "tags of so_tendencias_mensuales.csv",
            "comma-separated tags: the so_tendencias contract's columns", _items("SO_TREND_TAGS", _SO_TREND_TAGS),
            tuple(_SO_TREND_TAGS.split(","))),
    Setting("SO_ACCEPT_TAGS", "stackoverflow", "tags of so_tasa_aceptacion.csv", "comma-separated tags",
            _items("SO_ACCEPT_TAGS", _SO_ACCEPT_TAGS), tuple(_SO_ACCEPT_TAGS.split(","))),
    Setting("SO_FILTER", "stackoverflow", "a filter id; unset: create one with /filters/create", "a filter id",
            str.strip, ""),
    # reddit
    _secret("REDDIT_CLIENT_ID", "reddit", "Reddit app id (client credentials, read-only)"),
    _secret("REDDIT_CLIENT_SECRET", "reddit", "Reddit app secret"),
    Setting("REDDIT_SUBREDDITS", "reddit", "subreddits read (their `new` listing)",
            "comma-separated subreddit names (r/ optional), each once", _subreddits, DEFAULT_SUBREDDITS),
    Setting("REDDIT_MAX_POSTS", "reddit", "posts in all, shared fairly between the subreddits",
            "a whole number >= 1", _number("REDDIT_MAX_POSTS", 500, minimum=1, whole=True), 500),
    Setting("REDDIT_TIMEOUT", "reddit", "seconds praw waits for an answer", "a number >= 0.001",
            _number("REDDIT_TIMEOUT", 16.0, minimum=0.001), 16.0),
    Setting("REDDIT_MAX_WAIT", "reddit", "seconds the run may wait in all for rate limits to reset",
            "a number >= 0", _number("REDDIT_MAX_WAIT", 120.0), 120.0),
    Setting("REDDIT_USER_AGENT", "reddit", "the user agent Reddit sees", "at least 7 characters", _user_agent,
            "python:tech-trends-pipeline:v2 (read-only weekly technology trend report)"),
    Setting("REDDIT_OAUTH_URL", "reddit", "the API host", "an http(s) URL",
            _url("REDDIT_OAUTH_URL", "https://oauth.reddit.com"), "https://oauth.reddit.com"),
    Setting("REDDIT_URL", "reddit", "the token host", "an http(s) URL",
            _url("REDDIT_URL", "https://www.reddit.com"), "https://www.reddit.com"),
    # switches: the rollback switches and the score's weights (recorded settings: Make rebuilds what they affect)
    Setting("TREND_WEIGHTS", "switches", "the score's weights over V1's 0.40/0.35/0.25 (they must add up to 1)",
            "source=weight pairs, e.g. github=0.5,stackoverflow=0.3,reddit=0.2", weight_pairs, (), "V1's weights"),
    Setting("TREND_ENGINE", "switches", "which engine scores", "v2 (sql/trend_score.sql) or v1 (the V1 engine)",
            _choice("TREND_ENGINE", ("v2", "v1"), "use v2 (the DuckDB SQL, default) or v1 (the V1 engine)"), "v2"),
    Setting("QUALITY_GATE", "switches", "whether a critical finding blocks the run", "enforce or warn-only",
            _choice("QUALITY_GATE", ("enforce", "warn-only"), "use enforce (default) or warn-only (findings never block)"),
            "enforce"),
    Setting("BRIDGE_EXPORT", "switches", "export the bridge JSON files (0: CSVs only)", _ON_OFF,
            _flag("BRIDGE_EXPORT", "use 1 (export the bridge files) or 0 (CSVs only)"), True, "`1`"),
    Setting("HISTORY_WRITES", "switches", "write history partitions", _ON_OFF,
            _flag("HISTORY_WRITES", "use 1 or 0"), True, "`1`"),
    Setting("LEGACY_V1_COPIES", "switches", "write the V1 compatibility copies in the data folder", _ON_OFF,
            _flag("LEGACY_V1_COPIES", "use 1 or 0"), True, "`1`"),
    # operation
    Setting("LOCK_WAIT", "operation", "seconds a second writer waits for the data folder's lock", "a number",
            _lock_wait, 0.0, "`0` (do not wait)"),
    Setting("LOG_LEVEL", "operation", "the stderr log level", ", ".join(LOG_LEVELS), _log_level, "INFO"),
    # serve (make serve)
    Setting("PORT", "serve", "the dashboard server's port", "a number from 1024 to 65535", parse_port, 8000),
    Setting("PUBLISH_DIR", "serve", "the dashboard's data folder", "a folder", Path,
            Path("frontend/assets/data")),
    Setting("DEMO_DIR", "serve", "the demo's folder (its site/ is served while PUBLISH_DIR holds no data)",
            "a folder", Path, Path("demo")),
    # ci: set by GitHub Actions or the workflow (.github/workflows/); checked where they are used (ci_*.py)
    _text("GITHUB_ACTIONS", "ci", "`true` inside GitHub Actions"),
    _text("GITHUB_SHA", "ci", "the commit a run records (else git's HEAD)"),
    _text("GITHUB_REF_NAME", "ci", "the branch a run records (else git's)"),
    _text("GITHUB_REPOSITORY", "ci", "owner/name: part of the workflow run's id"),
    _text("GITHUB_RUN_ID", "ci", "the workflow run's number: part of its id"),
    _text("GITHUB_RUN_ATTEMPT", "ci", "the attempt: part of the run's id", default="1"),
    _text("GITHUB_OUTPUT", "ci", "the file a step's outputs are appended to", "a file"),
    _text("GITHUB_STEP_SUMMARY", "ci", "the file a job's summary is appended to", "a file"),
    _text("INPUT_RUN_DATE", "ci", "the dispatch input run_date", "YYYY-MM-DD, not in the future"),
    _text("JOB_RUN_DATES", "ci", "the run dates the source jobs reported", "YYYY-MM-DD dates, space separated"),
    _text("CI_NEEDS", "ci", "the workflow's `needs` context (set: the run records its job times)", "JSON"),
    _text("CI_JOB", "ci", "the job that commits the run", "job_<name>"),
    _text("JOB_STARTED_AT", "ci", "when the calling job started", "an ISO date-time"),
    _text("JOB_RESULT", "ci", "the calling job's result so far", "text", "running"),
    # testing
    _text("TRENDS_CRASH_AT", "testing", "the crash tests' fault injection: kill the process at this point",
          "a crash point name"),
)  # fmt: skip
DECLARED: dict[str, Setting] = {s.name: s for s in _DECLARATIONS}
GROUPS = tuple(dict.fromkeys(s.group for s in _DECLARATIONS))
assert set(SECRET_NAMES) == {s.name for s in _DECLARATIONS if s.secret}, "lib.SECRET_NAMES and the secrets differ"


# --------------------------------------------------------------------------- reading


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def read(name: str, env: Mapping[str, str] | None = None):
    """The typed value of setting `name` (declared in DECLARED) from `env` (default: the process environment)."""
    setting = DECLARED[name]
    text = _environ(env).get(name) or ""
    if setting.secret:
        return Secret(text)
    return setting.default if text == "" else setting.parse(text)


def declared_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The raw text of every declared setting that is set (what the CI scripts' checks are given)."""
    env = _environ(env)
    return {name: env[name] for name in DECLARED if name in env}


def secret_values(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values of the secret settings that are set (for masking)."""
    env = _environ(env)
    return tuple(env[name] for name in SECRET_NAMES if env.get(name))


def require_secrets(names: tuple[str, ...], env: Mapping[str, str] | None = None) -> None:
    """Fail before any request when a secret is missing, naming it (never its value)."""
    missing = [name for name in names if not read(name, env)]
    if missing:
        raise PipelineError(
            f"missing secret(s): {', '.join(missing)}: export them, or run `make demo` to use the bundled recorded data"
        )


def settings_help(*names: str) -> str:
    """A script's `-h` epilog: each named setting (a name ending in `_` stands for every one it begins) with its
    help and default, from the declarations."""
    chosen = [s for n in names for s in _DECLARATIONS if s.name == n or (n.endswith("_") and s.name.startswith(n))]
    lines = ["settings (environment; docs/settings.md has them all):"]
    for s in chosen:
        default = "secret" if s.secret else f"default {s.shown_default or 'empty'}"
        lines.append(f"  {s.name:<22}{s.help} ({default})")
    return "\n".join(lines)


def of(name: str) -> dict:
    """A view field's arguments: `x: int = field(**of("NAME"))` reads setting NAME, its declared default when unset."""
    return {"default": DECLARED[name].default, "metadata": {"setting": name}}


class View:
    """A frozen dataclass whose fields name their settings (`field(**of(...))`): `from_env` reads them all."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None):
        env = _environ(env)
        return cls(**{f.name: read(f.metadata["setting"], env) for f in dataclasses.fields(cls)})


# --------------------------------------------------------------------------- the views


@dataclass(frozen=True)
class Settings:
    """The run: data folder, run date, run id and the clock freshness is judged by."""

    datos: Path
    run_date: dt.date
    run_id: str
    as_of: dt.datetime  # the clock freshness is judged by: now, unless AS_OF says otherwise (the demo)

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return window_for(self.run_date)

    def raw_dir(self, source: str) -> Path:
        """Where a source keeps this run date's API responses: one file per response."""
        return self.datos / "raw" / source / self.run_date.isoformat()

    def staging_dir(self, source: str) -> Path:
        return self.datos / "staging" / source


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The run's settings (Make exports DATOS, RUN_DATE, RUN_ID and AS_OF); unset ones get today, a new id, now."""
    env = _environ(env)
    now = dt.datetime.now(dt.UTC)
    return Settings(
        datos=read("DATOS", env),
        run_date=read("RUN_DATE", env) or now.date(),
        run_id=read("RUN_ID", env) or str(uuid.uuid4()),
        as_of=read("AS_OF", env) or now,
    )


@dataclass(frozen=True)
class HttpSettings(View):
    """The REST sources' HTTP layer (scripts/http_client.py)."""

    timeout: float = field(**of("HTTP_TIMEOUT"))
    max_retries: int = field(**of("HTTP_MAX_RETRIES"))
    wait_budget: float = field(**of("HTTP_WAIT_BUDGET"))
    backoff_base: float = field(**of("HTTP_BACKOFF_BASE"))
    max_bytes: int = field(**of("HTTP_MAX_BYTES"))


@dataclass(frozen=True)
class GithubSettings(View):
    api_url: str = field(**of("GITHUB_API_URL"))
    max_pages: int = field(**of("GITHUB_MAX_PAGES"))
    top_n: int = field(**of("GITHUB_TOP_N"))
    token: Secret = field(**of("GH_PAT"))


@dataclass(frozen=True)
class SoSettings(View):
    api_url: str = field(**of("STACKEXCHANGE_API_URL"))
    tags: tuple[str, ...] = field(**of("SO_TAGS"))
    trend_tags: tuple[str, ...] = field(**of("SO_TREND_TAGS"))
    accept_tags: tuple[str, ...] = field(**of("SO_ACCEPT_TAGS"))
    filter: str = field(**of("SO_FILTER"))
    key: Secret = field(**of("STACKOVERFLOW_KEY"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, trend_columns: list[str] | None = None) -> SoSettings:
        """`trend_columns`: the tag columns of the so_tendencias contract, which SO_TREND_TAGS must match."""
        conf = super().from_env(env)
        if trend_columns is not None and list(conf.trend_tags) != list(trend_columns):
            raise PipelineError(
                f"SO_TREND_TAGS={','.join(conf.trend_tags)!r} must be {','.join(trend_columns)!r}, "
                "the columns of the so_tendencias contract"
            )
        return conf


@dataclass(frozen=True)
class RedditSettings(View):
    subreddits: tuple[str, ...] = field(**of("REDDIT_SUBREDDITS"))
    max_posts: int = field(**of("REDDIT_MAX_POSTS"))
    timeout: float = field(**of("REDDIT_TIMEOUT"))
    max_wait: float = field(**of("REDDIT_MAX_WAIT"))
    user_agent: str = field(**of("REDDIT_USER_AGENT"))
    oauth_url: str = field(**of("REDDIT_OAUTH_URL"))
    reddit_url: str = field(**of("REDDIT_URL"))
    max_bytes: int = field(**of("HTTP_MAX_BYTES"))  # the decoded size an answer may have, as for the REST sources
    client_id: Secret = field(**of("REDDIT_CLIENT_ID"))
    client_secret: Secret = field(**of("REDDIT_CLIENT_SECRET"))


# --------------------------------------------------------------------------- the source window and the clock


def window_for(run_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The shared source window: [run date 00:00 UTC - 365 days, run date 00:00 UTC)."""
    end = dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC)
    return end - dt.timedelta(days=WINDOW_DAYS), end


def iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return iso_utc(dt.datetime.now(dt.UTC))

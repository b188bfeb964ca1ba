"""The settings layer (scripts/lib/settings.py): every declared setting's default, a good value and a bad value's
message; secrets never in a message or a repr; the views; the generated reference; no other reader of the
environment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from lib import ROOT, SECRET_NAMES, PipelineError
from lib.log import redact
from lib.settings import (
    DECLARED,
    GithubSettings,
    HttpSettings,
    RedditSettings,
    Secret,
    SoSettings,
    declared_environment,
    read,
    require_secrets,
    secret_values,
    settings,
    settings_help,
)

UUID = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
NO_CHECK = None  # free text: the consumer checks it (the CI variables, paths the Makefile already checked)

# name: (default, good text, its value, bad text, words of the bad value's message)
CASES = {
    "DATOS": (ROOT / "datos", "some/where", Path("some/where"), NO_CHECK, ""),
    "RUN_DATE": (None, "2026-11-23", dt.date(2026, 11, 23), "2026-13-01", "RUN_DATE='2026-13-01' is not a date: use"),
    "RUN_ID": (None, UUID, UUID, UUID.upper(), "is not in canonical form: write it as " + UUID),
    "AS_OF": (
        None,
        "2026-11-23T06:00:00",
        dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC),
        "soon",
        "AS_OF='soon' is not a date-time",
    ),
    "HTTP_TIMEOUT": (30.0, "0.5", 0.5, "0", "HTTP_TIMEOUT='0' must be at least 0.01"),
    "HTTP_MAX_RETRIES": (4, "2", 2, "1.5", "HTTP_MAX_RETRIES='1.5' is not a whole number: unset it to use 4"),
    "HTTP_WAIT_BUDGET": (900.0, "5", 5.0, "-1", "HTTP_WAIT_BUDGET='-1' must be at least 0.0"),
    "HTTP_BACKOFF_BASE": (2.0, "0.01", 0.01, "nan", "HTTP_BACKOFF_BASE='nan' must be at least"),
    "HTTP_MAX_BYTES": (32 << 20, "2048", 2048, "lots", "HTTP_MAX_BYTES='lots' is not a whole number"),
    "GITHUB_API_URL": (
        "https://api.github.com",
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9",
        "ftp://x",
        "GITHUB_API_URL='ftp://x' is not an http(s) URL: unset it to use https://api.github.com",
    ),
    "GITHUB_MAX_PAGES": (5, "50", 10, "0", "GITHUB_MAX_PAGES='0' must be at least 1"),  # 10: the search cap
    "GITHUB_TOP_N": (3000, "10", 10, "many", "GITHUB_TOP_N='many' is not a whole number"),
    "STACKEXCHANGE_API_URL": (
        "https://api.stackexchange.com/2.3",
        "http://127.0.0.1:9/2.3",
        "http://127.0.0.1:9/2.3",
        "api.stackexchange.com",
        "is not an http(s) URL",
    ),
    "SO_TAGS": (
        ("python", "javascript", "typescript", "java", "go", "c#", "php", "c++", "ruby", "kotlin"),
        " go, rust ",
        ("go", "rust"),
        "go,go",
        "SO_TAGS='go,go' repeats an item",
    ),
    "SO_TREND_TAGS": (
        ("python", "javascript", "typescript"),
        "python,javascript,typescript",
        ("python", "javascript", "typescript"),
        ",,",
        "SO_TREND_TAGS=',,' names nothing",
    ),
    "SO_ACCEPT_TAGS": (
        ("reactjs", "vue.js", "angular", "next.js", "svelte"),
        "svelte",
        ("svelte",),
        " , ",
        "names nothing",
    ),
    "SO_FILTER": ("", " !abc ", "!abc", NO_CHECK, ""),
    "REDDIT_SUBREDDITS": (
        ("programming", "webdev", "python", "javascript", "devops", "MachineLearning"),
        "r/python, webdev",
        ("python", "webdev"),
        "python,not a sub",
        "REDDIT_SUBREDDITS: 'not a sub' is not a subreddit name",
    ),
    "REDDIT_MAX_POSTS": (500, "6", 6, "lots", "REDDIT_MAX_POSTS='lots' is not a whole number"),
    "REDDIT_TIMEOUT": (16.0, "0.3", 0.3, "0", "REDDIT_TIMEOUT='0' must be at least 0.001"),
    "REDDIT_MAX_WAIT": (120.0, "5", 5.0, "-1", "REDDIT_MAX_WAIT='-1' must be at least 0.0"),
    "REDDIT_USER_AGENT": (
        "python:tech-trends-pipeline:v2 (read-only weekly technology trend report)",
        "python:my-app:1.0",
        "python:my-app:1.0",
        "bot",
        "REDDIT_USER_AGENT must describe the app",
    ),
    "REDDIT_OAUTH_URL": ("https://oauth.reddit.com", "http://127.0.0.1:9", "http://127.0.0.1:9", "x", "not an http"),
    "REDDIT_URL": ("https://www.reddit.com", "http://127.0.0.1:9/", "http://127.0.0.1:9", "x", "not an http(s) URL"),
    "TREND_WEIGHTS": (
        (),
        "github=0.5, reddit=0.2",
        (("github", 0.5), ("reddit", 0.2)),
        "gitlab=1",
        "TREND_WEIGHTS: unknown source 'gitlab': use github, stackoverflow, reddit",
    ),
    "TREND_ENGINE": ("v2", "v1", "v1", "v3", "TREND_ENGINE='v3': use v2 (the DuckDB SQL, default) or v1"),
    "QUALITY_GATE": ("enforce", "warn-only", "warn-only", "off", "QUALITY_GATE='off': use enforce (default) or"),
    "BRIDGE_EXPORT": (True, "0", False, "maybe", "BRIDGE_EXPORT='maybe': use 1 (export the bridge files) or 0"),
    "HISTORY_WRITES": (True, "off", False, "2", "HISTORY_WRITES='2': use 1 or 0"),
    "LEGACY_V1_COPIES": (True, "No", False, "nope", "LEGACY_V1_COPIES='nope': use 1 or 0"),
    "LOCK_WAIT": (0.0, "2.5", 2.5, "soon", "LOCK_WAIT='soon' is not a number of seconds"),
    "LOG_LEVEL": ("INFO", "debug", "DEBUG", "loud", "LOG_LEVEL='loud': use one of DEBUG, INFO"),
    "PORT": (8000, "8080", 8080, "80", "PORT='80' is not a port number from 1024 to 65535"),
    "PUBLISH_DIR": (Path("frontend/assets/data"), "site", Path("site"), NO_CHECK, ""),
    "DEMO_DIR": (Path("demo"), "elsewhere", Path("elsewhere"), NO_CHECK, ""),
    "GITHUB_RUN_ATTEMPT": ("1", "2", "2", NO_CHECK, ""),
    "JOB_RESULT": ("running", "success", "success", NO_CHECK, ""),
}
FREE_TEXT = {
    name for name, s in DECLARED.items() if s.group in ("ci", "testing") and name not in CASES
}  # empty by default, taken as given
SECRET = "s3cr3t-sentinel-value-7f1c"


def test_every_declared_setting_has_a_case_here():
    assert set(DECLARED) == set(CASES) | FREE_TEXT | set(SECRET_NAMES)
    assert FREE_TEXT and all(DECLARED[n].default == "" for n in FREE_TEXT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_when_unset_or_empty(name):
    default = CASES[name][0]
    assert read(name, {}) == default
    assert read(name, {name: ""}) == default


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_good_value_is_parsed_and_typed(name):
    _, text, value, _, _ = CASES[name]
    got = read(name, {name: text})
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[3] is not NO_CHECK))
def test_a_bad_value_names_the_setting_the_value_and_the_fix(name):
    _, _, _, bad, words = CASES[name]
    with pytest.raises(PipelineError) as caught:
        read(name, {name: bad})
    assert words in str(caught.value)
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("HTTP_TIMEOUT", "fast", "HTTP_TIMEOUT='fast' is not a number: unset it to use 30.0"),
        ("RUN_ID", "x", "RUN_ID='x' is not a uuid: leave it unset to get a new one"),
        ("REDDIT_SUBREDDITS", "python,Python", "REDDIT_SUBREDDITS names a subreddit twice"),
        ("TREND_WEIGHTS", "github=lots", "TREND_WEIGHTS: github='lots' is not a number"),
        ("TREND_WEIGHTS", "github=-0.1", "TREND_WEIGHTS: github=-0.1 must be a number >= 0"),
        ("PORT", "http", "PORT='http' is not a port number"),
    ],
)
def test_other_bad_values(name, text, words):
    with pytest.raises(PipelineError, match=re.escape(words)):
        read(name, {name: text})


@pytest.mark.parametrize("name", sorted(FREE_TEXT))
def test_free_text_settings_are_given_as_they_are(name):
    assert read(name, {}) == ""
    assert read(name, {name: " as is "}) == " as is "


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_a_secret_is_masked_in_every_repr_and_revealed_only_on_request(name):
    value = read(name, {name: SECRET})
    assert isinstance(value, Secret) and value.reveal() == SECRET and value
    assert SECRET not in repr(value) and SECRET not in str(value) and SECRET not in f"{value}"
    assert not read(name, {}) and read(name, {}).reveal() == ""
    assert DECLARED[name].secret and DECLARED[name].shown_default == ""


def test_views_carry_secrets_masked():
    env = {name: SECRET for name in SECRET_NAMES}
    for view in (GithubSettings.from_env(env), SoSettings.from_env(env), RedditSettings.from_env(env)):
        assert SECRET not in repr(view)
    reddit = RedditSettings.from_env(env)
    assert reddit.client_id.reveal() == reddit.client_secret.reveal() == SECRET
    assert GithubSettings.from_env(env).token.reveal() == SoSettings.from_env(env).key.reveal() == SECRET


def test_no_secret_in_a_message_or_the_help():
    env = {name: SECRET for name in SECRET_NAMES} | {"REDDIT_MAX_POSTS": "lots"}
    with pytest.raises(PipelineError) as caught:
        RedditSettings.from_env(env)
    assert SECRET not in str(caught.value)
    with pytest.raises(PipelineError) as caught:
        require_secrets(SECRET_NAMES, {"GH_PAT": SECRET})
    message = str(caught.value)
    assert "STACKOVERFLOW_KEY, REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET" in message and SECRET not in message
    assert "GH_PAT" not in message
    help_text = settings_help("GH_PAT", "REDDIT_")
    assert "GH_PAT" in help_text and "REDDIT_CLIENT_SECRET" in help_text and "(secret)" in help_text


def test_secret_values_feed_the_redaction():
    env = {"GH_PAT": SECRET, "REDDIT_CLIENT_ID": "", "HTTP_TIMEOUT": "5"}
    assert secret_values(env) == (SECRET,)
    assert redact(f"token {SECRET} in a line", env) == "token *** in a line"


# --------------------------------------------------------------------------- views


def test_the_run_view_fills_unset_values_with_today_a_new_id_and_now():
    before = dt.datetime.now(dt.UTC)
    run = settings({"DATOS": "d"})
    assert run.datos == Path("d") and run.run_date >= before.date() and run.as_of >= before
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", run.run_id)
    given = settings({"RUN_DATE": "2026-11-23", "RUN_ID": UUID, "AS_OF": "2026-11-23T06:00:00+01:00"})
    assert (given.run_date, given.run_id) == (dt.date(2026, 11, 23), UUID)
    assert given.raw_dir("github") == ROOT / "datos" / "raw" / "github" / "2026-11-23"
    assert given.as_of.utcoffset() == dt.timedelta(hours=1)


def test_views_read_their_group_typed_and_frozen():
    http = HttpSettings.from_env({"HTTP_TIMEOUT": "1.5", "HTTP_MAX_RETRIES": "0"})
    assert http == HttpSettings(timeout=1.5, max_retries=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        http.timeout = 3  # type: ignore[misc]
    reddit = RedditSettings.from_env({"HTTP_MAX_BYTES": "4096", "REDDIT_SUBREDDITS": "python"})
    assert (reddit.max_bytes, reddit.subreddits, reddit.max_posts) == (4096, ("python",), 500)


def test_the_stack_overflow_view_checks_the_trend_tags_against_the_contract():
    columns = ["python", "javascript", "typescript"]
    assert SoSettings.from_env({}, columns).trend_tags == tuple(columns)
    with pytest.raises(PipelineError, match="SO_TREND_TAGS='python,go' must be 'python,javascript,typescript'"):
        SoSettings.from_env({"SO_TREND_TAGS": "python,go"}, columns)


def test_declared_environment_holds_only_declared_settings():
    env = {"RUN_ID": UUID, "CI_NEEDS": "", "HOME": "/root", "PATH": "/bin"}
    assert declared_environment(env) == {"RUN_ID": UUID, "CI_NEEDS": ""}  # set but empty still counts as set


# --------------------------------------------------------------------------- the reference and the one reader


def test_the_settings_reference_is_rendered_from_the_declarations():
    from dev.settings_doc import render

    text = render()
    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == text, "run `make docs`"
    for name in DECLARED:
        assert f"| `{name}` |" in text


# files that name os.environ only to hand an environment on to a child process
CHILD_ENVIRONMENTS = {"dev/bench_aggregate.py", "dev/bench_compact.py", "dev/ci_dry_run.py", "release_check.py"}


def test_only_the_settings_layer_reads_the_environment():
    readers = set()
    for path in (ROOT / "scripts").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|getenv\(", text):
            readers.add(str(path.relative_to(ROOT / "scripts")))
    assert readers == {"lib/settings.py", *CHILD_ENVIRONMENTS}
    for name in CHILD_ENVIRONMENTS:
        for line in (ROOT / "scripts" / name).read_text(encoding="utf-8").splitlines():
            if "os.environ" in line:
                assert re.search(r"\*\*os\.environ|os\.environ\.items\(\)", line), (name, line)

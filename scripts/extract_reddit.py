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
`--offline` reads raw only and fails when a page is missing. Failures are explicit (scripts/reddit_client.py,
which talks to Reddit through praw): bad credentials stop the run, a forbidden/missing subreddit, a server error
or a timeout fails that subreddit (after prawcore's own retries), a 429 or a spent X-Ratelimit-Remaining is waited
out when its reset fits in REDDIT_MAX_WAIT and stops the run otherwise. Status: ok (every subreddit read, at
least one post), partial (some subreddit failed or the run stopped, some posts read) or failed (no post).
"""

# A little over 400 lines on purpose: this is the whole extraction of one source (the fair-share reading plan, the
# raw pages, the keyword and sentiment transform, the staging); talking to Reddit is scripts/reddit_client.py.
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import reddit_client
from lib import CONTRACTS_DIR, PipelineError
from lib.cli import run_cli, source_parser
from lib.contracts import load_contracts
from lib.csvfmt import write_csv
from lib.files import load_raw, read_json, save_raw
from lib.log import get_logger, redact
from lib.settings import DECLARED, RedditSettings, require_secrets, settings, settings_help
from lib.status import write_source_status
from reddit_client import SourceStopped, SubredditFailed

SOURCE = "reddit"
DEFAULT_SUBREDDITS = DECLARED["REDDIT_SUBREDDITS"].default
DEFAULT_MAX_POSTS = DECLARED["REDDIT_MAX_POSTS"].default
DEFAULT_USER_AGENT = DECLARED["REDDIT_USER_AGENT"].default
PAGE_LIMIT = 100  # Reddit's largest listing page
KEYWORDS_FILE = CONTRACTS_DIR / "reddit_keywords.json"
TEMAS_FILE = "reddit_temas_emergentes.csv"
SENTIMENT_FILE = "reddit_sentimiento_frameworks.csv"
FULLNAME_RE = re.compile(r"t3_[0-9a-z]{1,13}")

log = logging.getLogger(f"trends.{SOURCE}")  # configured by lib.log.get_logger in main()


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


def _sentiment_row(name: str, counts: dict[str, int]) -> dict:
    total = sum(counts.values())
    row = {"framework": name, "total_menciones": total}
    for label, column in (("positivo", "positivos"), ("neutro", "neutros"), ("negativo", "negativos")):
        row[column] = counts[label]
        row[f"% {label}"] = round(counts[label] * 100 / total, 2)
    return row


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
    frameworks = [_sentiment_row(name, counts) for name, counts in sentiment.items() if sum(counts.values())]
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


@dataclasses.dataclass
class _Plan:
    """One collect's reading plan: each subreddit's share (quota) and cursor, and which listings ended or failed."""

    quota: dict[str, int]
    cursor: dict[str, str | None]
    ended: set[str] = dataclasses.field(default_factory=set)
    failed: set[str] = dataclasses.field(default_factory=set)
    short: set[str] = dataclasses.field(default_factory=set)  # ended before their share: the rest went elsewhere

    def open(self, sub: str) -> bool:
        return sub not in self.ended | self.failed


def collect(
    subreddits: tuple[str, ...], max_posts: int, window: tuple[dt.datetime, dt.datetime], get_page: GetPage
) -> Collection:
    """Read the `new` listings following the fair-share plan (module docstring) through `get_page`."""
    bounds = tuple(moment.timestamp() for moment in window)
    out = Collection(per_subreddit=dict.fromkeys(subreddits, 0))
    plan = _Plan(quota=fair_shares(max_posts, list(subreddits)), cursor=dict.fromkeys(subreddits))
    try:
        while True:
            for sub in subreddits:
                _read_share(sub, plan, out, bounds, get_page)
            if not _share_again(subreddits, max_posts, plan, out):
                break
    except SourceStopped as exc:
        out.errors.append(str(exc))
        return out
    for sub in subreddits:
        if sub in plan.short:
            out.warnings.append(
                f"r/{sub}: its listing ran out after {out.per_subreddit[sub]} posts in the window; "
                "the rest of its share went to the other subreddits"
            )
    if not out.errors and len(out.posts) < max_posts:
        out.warnings.append(
            f"read {len(out.posts)} posts, fewer than REDDIT_MAX_POSTS={max_posts}: every listing ran out"
        )
    return out


def _read_share(sub: str, plan: _Plan, out: Collection, bounds: tuple[float, float], get_page: GetPage) -> None:
    """Read `sub`'s pages until its share is met, its listing ends or it fails (SourceStopped goes up)."""
    while plan.open(sub) and out.per_subreddit[sub] < plan.quota[sub]:
        limit = min(PAGE_LIMIT, plan.quota[sub] - out.per_subreddit[sub])
        try:
            page = get_page(sub, plan.cursor[sub], limit)
        except SubredditFailed as exc:
            plan.failed.add(sub)
            out.errors.append(str(exc))
            return
        out.pages += 1
        children = page["data"]["children"]
        if _take_posts(sub, children, plan.quota[sub], out, bounds):
            plan.ended.add(sub)  # the listing is newest first: the rest is older still
        plan.cursor[sub] = page["data"].get("after")
        if not children or not plan.cursor[sub]:
            plan.ended.add(sub)


def _take_posts(sub: str, children: list, quota: int, out: Collection, bounds: tuple[float, float]) -> bool:
    """Keep the page's posts inside the window, up to `sub`'s quota; True at the first post older than the window."""
    start, end = bounds
    for child in children:
        post = child["data"]
        created = post["created_utc"]
        if created >= end:
            continue  # newer than the window: skipped, older posts follow
        if created < start:
            return True
        if post["id"] in out.posts or out.per_subreddit[sub] >= quota:
            continue
        out.posts[post["id"]] = post
        out.per_subreddit[sub] += 1
    return False


def _share_again(subreddits: tuple[str, ...], max_posts: int, plan: _Plan, out: Collection) -> bool:
    """Hand the unused share of listings that ran out to those still open; False when there is no other round."""
    for sub in plan.ended - plan.failed:  # a listing that ran out hands its unused share back; a failed one does not
        if out.per_subreddit[sub] < plan.quota[sub]:
            plan.short.add(sub)
            plan.quota[sub] = out.per_subreddit[sub]
    leftover = max_posts - sum(plan.quota.values())
    still_open = [s for s in subreddits if plan.open(s)]
    if leftover <= 0 or not still_open:
        return False
    for sub, extra in fair_shares(leftover, still_open).items():
        plan.quota[sub] += extra
    return True


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
        problem = listing_problem(doc)
        if problem:  # a bad answer is never kept as raw
            raise SubredditFailed(f"r/{sub}: the answer {problem}")
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


def main(argv: list[str] | None = None) -> int:
    parser = source_parser(
        __doc__,
        settings_help("DATOS", "RUN_DATE", "REDDIT_", "HTTP_MAX_BYTES"),
        offline_help="read raw pages only; never touch the network",
    )
    args = parser.parse_args(argv)
    get_logger(SOURCE)

    run = settings()
    cfg = RedditSettings.from_env()
    keywords = load_keywords()
    raw_dir, staging_dir = run.raw_dir(SOURCE), run.staging_dir(SOURCE)
    stats = reddit_client.HttpStats()

    live_fetch = None
    if not args.offline:
        require_secrets(("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"))
        ours = logging.getLogger("trends")
        reddit_client.route_logs_through(ours.handlers, ours.level)
        live_fetch = reddit_client.Reader(cfg, stats).listing
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

"""Generate the bundled Reddit listings (datos/recorded/reddit/2026-11-23/) for `make demo`.

Deterministic: a fixed seed, fixed clock and gzip without timestamps, so a rerun is byte-identical.
The text is made from templates (no real posts): titles and bodies that mix the V1 topics and
frameworks with positive, negative and neutral tones, plus the traps the transform must get right
(`ai` inside words like `straight`, `Node.js` + `nodejs` + `Express` in one post, a keyword repeated).

The pages are cut by the extractor's own reading plan (default subreddits, 500 posts), so the folder
holds exactly the raw files an `--offline` run of scripts/extract_reddit.py reads.

The post texts (word lists, templates, the traps) are made by scripts/dev/gen_recorded_reddit_text.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import re
from pathlib import Path

from dev.gen_recorded_reddit_text import make_text
from dev.gen_recorded_rest import WEEKS
from extract_reddit import DEFAULT_MAX_POSTS, DEFAULT_SUBREDDITS, collect, page_body, page_name
from lib import ROOT
from lib.cli import run_cli
from lib.files import save_raw
from lib.log import get_logger
from lib.settings import window_for

RUN_DATE = dt.date(2026, 11, 23)
FETCHED_AT = dt.datetime(
    2026, 11, 23, 7, 40, tzinfo=dt.UTC
)  # listings read that morning: some posts are newer than the window
OUT_DIR = ROOT / "datos" / "recorded" / "reddit" / RUN_DATE.isoformat()
SEED = 20261123
POSTS_PER_SUBREDDIT = 130
FIRST_ID = int("1p0aa00", 36)  # base36 post ids grow with time, as on Reddit

log = logging.getLogger("trends.gen_recorded_reddit")  # configured by lib.log.get_logger in main()

# minutes between two posts, on average, per subreddit (busier subreddits post more often)
PACE = {"programming": 22, "webdev": 18, "python": 20, "javascript": 26, "devops": 35, "MachineLearning": 30}


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "_".join(words[:8]) or "post"


AUTHOR_A = ["quiet", "rusty", "lazy", "brave", "sleepy", "curious", "grumpy", "tidy", "noisy", "humble"]
AUTHOR_B = ["falcon", "otter", "compiler", "packet", "lambda", "kernel", "badger", "pixel", "monad", "socket"]


def build_listings(
    seed: int = SEED, fetched_at: dt.datetime = FETCHED_AT, first_id: int = FIRST_ID
) -> dict[str, list[dict]]:
    """Per subreddit, its `new` listing at `fetched_at`: posts newest first, in Reddit's t3 shape."""
    rng = random.Random(seed)
    drafts = []
    for sub in DEFAULT_SUBREDDITS:
        moment = fetched_at.timestamp()
        for _ in range(POSTS_PER_SUBREDDIT):
            moment -= rng.expovariate(1 / (PACE[sub] * 60))
            title, selftext, is_self = make_text(sub, rng)
            drafts.append((int(moment), sub, title, selftext, is_self, rng.randint(0, 9999)))
    drafts.sort(key=lambda d: (d[0], d[1]))  # ids grow with time across subreddits
    listings: dict[str, list[dict]] = {sub: [] for sub in DEFAULT_SUBREDDITS}
    for i, (created, sub, title, selftext, is_self, noise) in enumerate(drafts):
        pid = base36(first_id + i * 7 + noise % 7)
        permalink = f"/r/{sub}/comments/{pid}/{slug(title)}/"
        author = f"{AUTHOR_A[noise % 10]}_{AUTHOR_B[(noise // 10) % 10]}_{noise % 97}"
        score = int(rng.paretovariate(1.3)) - 1 + rng.randint(0, 3)
        listings[sub].append(
            {
                "subreddit": sub,
                "selftext": selftext,
                "author_fullname": f"t2_{base36(noise * 7919 + 104729)}",
                "title": title,
                "subreddit_name_prefixed": f"r/{sub}",
                "name": f"t3_{pid}",
                "upvote_ratio": round(0.5 + rng.random() / 2, 2),
                "ups": score,
                "score": score,
                "is_self": is_self,
                "domain": f"self.{sub}" if is_self else rng.choice(["github.com", "blog.example.dev", "youtu.be"]),
                "link_flair_text": None,
                "over_18": False,
                "stickied": False,
                "id": pid,
                "author": author,
                "num_comments": rng.randint(0, max(1, score // 2 + 5)),
                "permalink": permalink,
                "url": f"https://www.reddit.com{permalink}" if is_self else f"https://blog.example.dev/{slug(title)}",
                "created_utc": float(created),
            }
        )
    for posts in listings.values():
        posts.reverse()  # newest first, as /new answers
    return listings


def memory_pages(listings: dict[str, list[dict]]):
    """A get_page for extract_reddit.collect that answers like Reddit's /new from `listings`."""
    served: dict[str, dict] = {}

    def get_page(sub: str, after: str | None, limit: int) -> dict:
        posts = listings[sub]
        names = [p["name"] for p in posts]
        start = names.index(after) + 1 if after else 0
        chunk = posts[start : start + limit]
        more = start + limit < len(posts)
        doc = {
            "kind": "Listing",
            "data": {
                "after": chunk[-1]["name"] if chunk and more else None,
                "dist": len(chunk),
                "modhash": None,
                "geo_filter": "",
                "children": [{"kind": "t3", "data": p} for p in chunk],
                "before": None,
            },
        }
        served[page_name(sub, after, limit)] = doc
        return doc

    return get_page, served


def week_listings(run_date: dt.date) -> dict[str, list[dict]]:
    """The listings read on `run_date` morning: the last week as committed, earlier weeks with seeds of their own
    and post ids that are smaller the earlier the week (Reddit's ids grow with time)."""
    if run_date == RUN_DATE:
        return build_listings()
    days = (RUN_DATE - run_date).days
    fetched = dt.datetime.combine(run_date, FETCHED_AT.timetz())
    return build_listings(SEED - days, fetched, FIRST_ID - days * 2600)


def generate(out_dir: Path, run_date: dt.date = RUN_DATE) -> dict[str, dict]:
    """Write the recorded pages of `run_date` into `out_dir` (stale pages removed); returns them by file name."""
    get_page, served = memory_pages(week_listings(run_date))
    collected = collect(DEFAULT_SUBREDDITS, DEFAULT_MAX_POSTS, window_for(run_date), get_page)
    if collected.errors or len(collected.posts) != DEFAULT_MAX_POSTS:
        raise RuntimeError(f"generator bug: {len(collected.posts)} posts, errors {collected.errors}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.json.gz"):
        if stale.name not in served:
            stale.unlink()
    for name, doc in served.items():
        save_raw(out_dir / name, page_body(doc))
    log.info("wrote %d listing pages (%d posts in the window) to %s", len(served), len(collected.posts), out_dir)
    return served


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT_DIR.parent, help=f"output root (default {OUT_DIR.parent})")
    args = parser.parse_args(argv)
    get_logger("gen_recorded_reddit")
    for run_date in WEEKS:
        generate(args.out / run_date.isoformat(), run_date)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

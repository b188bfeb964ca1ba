"""Generate the bundled recorded GitHub and Stack Exchange responses (synthetic, deterministic).

Writes datos/recorded/github/2026-11-23/ and datos/recorded/stackoverflow/2026-11-23/ in exactly the raw
layout the extractors save (one gzip JSON body per API response, named as the extractors name them), so
`make demo` can copy them into $DATOS/raw/ and run the extractors with --offline.

The data is SYNTHETIC: invented repositories and counts with the real APIs' response shapes and a
realistic size and spread (GitHub: 13 clipped months x 5 pages x 100 repositories over dozens of
languages, skewed, some without a language, descriptions null/long/padded/with commas and quotes;
Stack Exchange: every configured tag and month, the wrapper fields the extractor's filter returns).
Same seed -> byte-identical files (fixed gzip header, sorted iteration, a seeded random.Random).

Several weeks: WEEKS are the recorded run dates (six Mondays ending 2026-11-23). The last week is made
exactly as above; each earlier week is derived from it, so the weeks tell one story: the same repositories with
the stars they had that week (younger ones grew faster), the window starting earlier (repositories created
before 2025-11-23 come from a seeded pool of their own), a clipped last month topped up with the repositories
that ranked just below, Stack Overflow's monthly counts extended one month back. The framework-activity and
contributor answers come from scripts/dev/gen_recorded_activity.py; the repositories themselves (vocabularies,
one search-result item) from scripts/dev/gen_recorded_repos.py.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import json
import random
from pathlib import Path

import extract_github as gh
import extract_stackoverflow as so
from dev import gen_recorded_activity as activity
from dev.gen_recorded_repos import repository, unique_name
from lib import ROOT
from lib.cli import run_cli
from lib.files import save_raw
from lib.settings import iso_utc, window_for

RUN_DATE = dt.date(2026, 11, 23)
WEEKS = tuple(RUN_DATE - dt.timedelta(weeks=k) for k in range(5, -1, -1))  # 2026-10-19 .. 2026-11-23
SEED = 20261123
OUT = ROOT / "datos" / "recorded"
PAGES_PER_MONTH = 5


# Stack Overflow: questions per month at 2025-11 and the monthly change (the site keeps shrinking).
SO_MONTHLY = {
    "python": (3450, -0.030), "javascript": (2480, -0.032), "typescript": (1130, -0.018),
    "java": (1290, -0.030), "go": (265, -0.020), "c#": (1160, -0.028), "php": (690, -0.040),
    "c++": (905, -0.025), "ruby": (88, -0.045), "kotlin": (282, -0.022),
    "reactjs": (470, -0.030), "vue.js": (96, -0.035), "angular": (240, -0.030),
    "next.js": (265, -0.010), "svelte": (37, -0.005),
}  # fmt: skip
SO_ACCEPT_RATE = {"reactjs": 0.31, "vue.js": 0.34, "angular": 0.36, "next.js": 0.24, "svelte": 0.38}
FILTER_ID = "!SyntheticWrapperTotalBackoffQuota"  # synthetic: a real id comes from /filters/create


def github_pages(rng: random.Random) -> dict[str, dict]:
    """file name -> search answer, for every month of the 2026-11-23 window."""
    start, end = window_for(RUN_DATE)
    taken: set[str] = set()
    files = {}
    number = 0
    for index, month in enumerate(gh.months_in_window(start, end)):
        days = (month.last - month.first).days + 1
        middle = dt.datetime.combine(month.first, dt.time(), dt.UTC) + dt.timedelta(days=days / 2)
        age = (window_for(RUN_DATE)[1] - middle).days
        scale = (age + 25) * 55 * (min(days, 30) / 30) ** 0.5
        stars = sorted(
            (max(int(scale * rank**-0.55 * rng.uniform(0.9, 1.1)), 5) for rank in range(1, 501)), reverse=True
        )
        repos = []
        for star in stars:
            number += 1
            owner, name = unique_name(rng, taken)
            created = dt.datetime.combine(month.first, dt.time(), dt.UTC) + dt.timedelta(
                seconds=rng.randrange(days * 86400)
            )
            repos.append(repository(rng, number, owner, name, created, star))
        if index % 4 == 1:  # stars moved while paging: the last repository of page 2 shows up again on page 3
            again = dict(repos[199], stargazers_count=repos[199]["stargazers_count"] + 3)
            repos[200] = again
        total = int(4_200_000 * days / 30 * rng.uniform(0.85, 1.15))
        files.update(search_pages(month, total, repos))
    return files


def search_pages(month: gh.Month, total: int, items: list[dict]) -> dict[str, dict]:
    """One month's search answers, as the API pages them: PAGES_PER_MONTH pages of gh.PER_PAGE items each."""
    return {
        gh.raw_name(month, page): {
            "total_count": total,
            "incomplete_results": False,
            "items": items[(page - 1) * gh.PER_PAGE : page * gh.PER_PAGE],
        }
        for page in range(1, PAGES_PER_MONTH + 1)
    }


def month_counts(rng: random.Random) -> dict[str, dict[str, int]]:
    """tag -> YYYY-MM -> questions, for 2025-11 .. 2026-11."""
    out = {}
    for tag in sorted(SO_MONTHLY):
        base, change = SO_MONTHLY[tag]
        year, month, counts = 2025, 11, {}
        for step in range(13):
            counts[f"{year:04d}-{month:02d}"] = int(base * (1 + change) ** step * rng.uniform(0.93, 1.07))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        out[tag] = counts
    return out


def window_count(counts: dict[str, int], start: dt.datetime, end: dt.datetime) -> int:
    """Questions in [start, end): each month's count spread evenly over its days."""
    total = 0.0
    day = start
    while day < end:
        label = f"{day.year:04d}-{day.month:02d}"
        total += counts[label] / calendar.monthrange(day.year, day.month)[1]
        day += dt.timedelta(days=1)
    return round(total)


def stackoverflow_answers(
    rng: random.Random, run_date: dt.date = RUN_DATE, monthly: dict[str, dict[str, int]] | None = None
) -> dict[str, dict]:
    """file name -> Stack Exchange answer, for every count the extractor plans with the default tags."""
    conf = so.SoSettings(
        api_url=so.DEFAULT_API_URL,
        tags=so.DEFAULT_TAGS.split(","),
        trend_tags=so.DEFAULT_TREND_TAGS.split(","),
        accept_tags=so.DEFAULT_ACCEPT_TAGS.split(","),
        filter="",
    )
    monthly = month_counts(rng) if monthly is None else monthly
    quota = 10_000 - 1
    files = {
        so.FILTER_FILE: {
            "items": [{"filter": FILTER_ID, "filter_type": "safe", "included_fields": so.FILTER_FIELDS.split(";")}],
            "has_more": False,
            "quota_max": 10_000,
            "quota_remaining": quota,
        }
    }
    for count in so.plan_counts(conf, run_date, window_for(run_date)).counts:
        total = window_count(monthly[count.tag], count.start, count.end)
        if count.accepted:
            total = round(total * SO_ACCEPT_RATE[count.tag] * rng.uniform(0.95, 1.05))
        quota -= 1
        answer = {"has_more": False, "quota_max": 10_000, "quota_remaining": quota, "total": total}
        files[f"{count.name}.json.gz"] = answer
    return files


# --------------------------------------------------------------------------- the earlier weeks

POOL_START = window_for(WEEKS[0])[0]  # repositories created before the last week's window: a pool of their own


def _stamp_ok(item: dict, run_date: dt.date) -> dict:
    """An item as a search on `run_date` would show it: no update after that morning."""
    cap = iso_utc(dt.datetime.combine(run_date, dt.time(), dt.UTC) - dt.timedelta(hours=1))
    return {**item, "updated_at": min(item["updated_at"], cap), "pushed_at": min(item["pushed_at"], cap)}


def _with_stars(item: dict, stars: int) -> dict:
    forks = int(item["forks_count"] * stars / max(item["stargazers_count"], 1))
    return {**item, "stargazers_count": stars, "watchers_count": stars, "watchers": stars, "forks_count": forks,
            "forks": forks}  # fmt: skip


def early_pool(taken: set[str]) -> list[dict]:
    """Repositories created in [POOL_START, 2025-11-23): 500 per calendar month piece, stars as github_pages."""
    rng = random.Random(SEED + 1)
    end = window_for(RUN_DATE)[0]
    items, number = [], 500_000
    for month in gh.months_in_window(POOL_START, end):
        days = (month.last - month.first).days + 1
        age = (window_for(RUN_DATE)[1] - dt.datetime.combine(month.first, dt.time(), dt.UTC)).days
        scale = (age + 25) * 55 * (min(days, 30) / 30) ** 0.5
        for rank in range(1, 501):
            number += 1
            owner, name = unique_name(rng, taken)
            created = dt.datetime.combine(month.first, dt.time(), dt.UTC) + dt.timedelta(
                seconds=rng.randrange(days * 86400)
            )
            star = max(int(scale * rank**-0.55 * rng.uniform(0.9, 1.1)), 5)
            items.append(repository(rng, number, owner, name, created, star))
    return items


def growth(name: str, created: str) -> float:
    """Weekly star growth of a repository: a few percent, more for young ones (fixed per repository)."""
    noise = int(hashlib.sha1(name.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    age = (window_for(RUN_DATE)[1] - dt.datetime.fromisoformat(created.replace("Z", "+00:00"))).days
    return (0.004 + 0.02 * noise) * (1 + 40 / (age + 10))


def earlier_week_pages(run_date: dt.date, latest: dict[str, dict], pool: list[dict], taken: set[str]) -> dict:
    """file name -> search answer for an earlier recorded week, derived from the last week's repositories."""
    start, end = window_for(run_date)
    weeks_back = (RUN_DATE - run_date).days // 7
    rng = random.Random(f"{SEED} {run_date}")
    best: dict[str, dict] = {}
    for doc in latest.values():
        for item in doc["items"]:
            if item["full_name"] not in best or item["stargazers_count"] > best[item["full_name"]]["stargazers_count"]:
                best[item["full_name"]] = item
    candidates = [*best.values(), *pool]
    files, number = {}, 600_000 + weeks_back * 20_000
    for month in gh.months_in_window(start, end):
        first, last = month.first.isoformat(), (month.last + dt.timedelta(days=1)).isoformat()
        inside = []
        for item in candidates:
            if first <= item["created_at"][:10] < last:
                stars = max(int(item["stargazers_count"] / (1 + growth(item["full_name"], item["created_at"])) ** weeks_back), 5)  # fmt: skip
                inside.append(_with_stars(item, stars))
        inside.sort(key=lambda it: (-it["stargazers_count"], it["full_name"]))
        floor = inside[min(len(inside), 500) - 1]["stargazers_count"] if inside else 60
        days = (month.last - month.first).days + 1
        while len(inside) < 500:  # the repositories that ranked just below: a clipped month still has 5 full pages
            number += 1
            owner, name = unique_name(rng, taken)
            created = dt.datetime.combine(month.first, dt.time(), dt.UTC) + dt.timedelta(
                seconds=rng.randrange(days * 86400)
            )
            floor = max(int(floor * rng.uniform(0.985, 1.0)), 5)
            inside.append(repository(rng, number, owner, name, created, floor))
        inside = [_stamp_ok(it, run_date) for it in inside[:500]]
        total = int(4_200_000 * days / 30 * rng.uniform(0.85, 1.15))
        files.update(search_pages(month, total, inside))
    return files


def extended_months(monthly: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The last week's monthly Stack Overflow counts with 2025-10 added (one month of decline earlier)."""
    rng = random.Random(SEED + 2)
    out = {}
    for tag in sorted(monthly):
        base, change = SO_MONTHLY[tag]
        out[tag] = {"2025-10": int(base / (1 + change) * rng.uniform(0.93, 1.07)), **monthly[tag]}
    return out


def activity_of(pages: dict[str, dict], run_date: dt.date) -> dict[str, bytes]:
    repos, _, _ = gh.transform(list(pages.values()), 3000)
    return activity.activity_files(run_date, repos)


def all_weeks() -> dict[dt.date, dict[str, dict[str, object]]]:
    """run date -> source -> file name -> answer (a dict, or the body bytes), for every recorded week."""
    rng = random.Random(SEED)
    latest = github_pages(rng)
    state = rng.getstate()
    latest_so = stackoverflow_answers(rng)
    rng.setstate(state)
    monthly = extended_months(month_counts(rng))
    taken = {item["full_name"] for doc in latest.values() for item in doc["items"]}
    pool = early_pool(taken)
    weeks = {}
    for run_date in WEEKS:
        if run_date == RUN_DATE:
            github, answers = latest, latest_so
        else:
            github = earlier_week_pages(run_date, latest, pool, taken)
            answers = stackoverflow_answers(random.Random(f"{SEED} so {run_date}"), run_date, monthly)
        weeks[run_date] = {"github": {**github, **activity_of(github, run_date)}, "stackoverflow": answers}
    return weeks


def body_of(answer: object) -> bytes:
    if isinstance(answer, bytes):
        return answer
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(folder: Path, files: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json.gz"):
        if old.name not in files:
            old.unlink()
    for name in sorted(files):
        save_raw(folder / name, body_of(files[name]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"recorded data root (default {OUT})")
    args = parser.parse_args(argv)
    counts = {"github": 0, "stackoverflow": 0}
    for run_date, sources in all_weeks().items():
        for source, files in sources.items():
            write(args.out / source / run_date.isoformat(), files)
            counts[source] += len(files)
    print(
        f"wrote {counts['github']} GitHub and {counts['stackoverflow']} Stack Exchange responses for "
        f"{len(WEEKS)} weeks under {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

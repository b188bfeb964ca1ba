"""Synthetic GitHub framework-activity and contributor answers for the recorded weeks (used by gen_recorded_rest.py).

Deterministic and shared across weeks: each framework has one commit timeline and one release timeline
(2025-10 .. 2026-11), so a later week's window simply slides over the same history; the counts drift, and
Vue 3 (slowing down) and Svelte (speeding up) swap ranks in the middle weeks. Contributor counts grow slowly
with each repository's stars. Every answer has the real API's shape (commits list items, search/issues with
per_page=1, releases, contributors with anon=true and the Link header kept beside it).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import random

import github_activity as act
from lib.settings import iso_utc, window_for

API = "https://api.github.com"
HISTORY_START = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
HISTORY_END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)

# commits per day at HISTORY_START and at HISTORY_END (linear in between), merged PRs and closed issues per day,
# releases per month; the numbers are invented (smaller than the real projects' to keep the bundle small)
PROFILES = {
    "react/react": (0.70, 0.64, 0.9, 1.1, 2),
    "vuejs/core": (0.62, 0.26, 0.55, 0.9, 2),
    "angular/angular": (1.40, 1.26, 2.0, 1.6, 3),
    "sveltejs/svelte": (0.30, 0.72, 0.8, 0.7, 3),
    "vercel/next.js": (1.95, 2.20, 2.9, 2.2, 4),
}
AUTHORS = tuple(
    str.split(
        "gaearon acdlite sebmarkbage rickhanlonii yyx990803 sodatea edison1105 alxhub crisbeto atscott devversion "
        "rich-harris dummdidumm trueadm baseballyama timneutkens ijjk huozhi shuding eps1lon kdy1 styfle "
        "jankaifer mischnic sokra"
    )
)
WORDS = tuple(
    str.split(
        "fix add update remove refactor improve support handle types docs test build deps cache router compiler "
        "runtime hydration server client render effect state hook signal template parser dev tooling release "
        "perf edge case error message warning"
    )
)


def sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def user(login: str) -> dict:
    number = int(sha("user", login)[:7], 16)
    url = f"{API}/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": "MDQ6VXNlcj" + sha("node", login)[:10],
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def commits_per_day(profile: tuple, moment: dt.datetime) -> float:
    share = (moment - HISTORY_START) / (HISTORY_END - HISTORY_START)
    return profile[0] + (profile[1] - profile[0]) * share


@functools.cache
def commit_timeline(repo: str) -> list[dict]:
    """Every commit of `repo` between HISTORY_START and HISTORY_END, newest first, as the commits API lists them."""
    rng = random.Random(f"commits {repo}")
    profile = PROFILES[repo]
    authors = rng.sample(AUTHORS, 9)
    moment, drafts = HISTORY_START, []
    while True:
        moment += dt.timedelta(days=rng.expovariate(commits_per_day(profile, moment)))
        if moment >= HISTORY_END:
            break
        roll = rng.random()
        login = rng.choice(authors[:4]) if roll < 0.7 else rng.choice(authors) if roll < 0.92 else None
        drafts.append((moment.replace(microsecond=0), login, rng.randrange(10_000)))
    items, parent = [], sha(repo, "root")
    for number, (when, login, noise) in enumerate(drafts):
        digest = sha(repo, number)
        name = login or f"contributor {noise % 997}"
        email = f"{login}@users.noreply.github.com" if login else f"dev{noise % 997}@example.com"
        message = f"{WORDS[noise % len(WORDS)]} {WORDS[(noise // 7) % len(WORDS)]} (#{20_000 + number})"
        stamp = iso_utc(when)
        url = f"{API}/repos/{repo}/commits/{digest}"
        items.append(
            {
                "sha": digest,
                "node_id": "C_kwDO" + digest[:18],
                "commit": {
                    "author": {"name": name, "email": email, "date": stamp},
                    "committer": {"name": "GitHub", "email": "noreply@github.com", "date": stamp},
                    "message": message,
                    "tree": {"sha": sha(repo, "tree", number), "url": f"{API}/repos/{repo}/git/trees/{digest}"},
                    "url": f"{API}/repos/{repo}/git/commits/{digest}",
                    "comment_count": 0,
                    "verification": {
                        "verified": False,
                        "reason": "unsigned",
                        "signature": None,
                        "payload": None,
                        "verified_at": None,
                    },
                },
                "url": url,
                "html_url": f"https://github.com/{repo}/commit/{digest}",
                "comments_url": f"{url}/comments",
                "author": user(login) if login else None,
                "committer": {**user("web-flow"), "id": 19864447},
                "parents": [
                    {
                        "sha": parent,
                        "url": f"{API}/repos/{repo}/commits/{parent}",
                        "html_url": f"https://github.com/{repo}/commit/{parent}",
                    }
                ],
            }
        )
        parent = digest
    items.reverse()
    return items


@functools.cache
def release_timeline(repo: str) -> list[dict]:
    """Every release of `repo` since HISTORY_START, newest first."""
    rng = random.Random(f"releases {repo}")
    per_month = PROFILES[repo][4]
    moment, out, minor = HISTORY_START, [], 0
    while True:
        moment += dt.timedelta(days=rng.expovariate(per_month / 30))
        if moment >= HISTORY_END:
            break
        minor += 1
        tag = f"v{19 if 'react' in repo else 5}.{minor // 6}.{minor % 6}"
        number = int(sha(repo, tag)[:8], 16)
        url = f"{API}/repos/{repo}/releases/{number}"
        out.append(
            {
                "url": url,
                "assets_url": f"{url}/assets",
                "upload_url": f"https://uploads.github.com/repos/{repo}/releases/{number}/assets{{?name,label}}",
                "html_url": f"https://github.com/{repo}/releases/tag/{tag}",
                "id": number,
                "author": user(rng.choice(AUTHORS)),
                "node_id": "RE_kwDO" + sha("release", repo, tag)[:14],
                "tag_name": tag,
                "target_commitish": "main",
                "name": tag,
                "draft": False,
                "immutable": False,
                "prerelease": rng.random() < 0.2,
                "created_at": iso_utc(moment.replace(microsecond=0) - dt.timedelta(minutes=20)),
                "updated_at": iso_utc(moment.replace(microsecond=0)),
                "published_at": iso_utc(moment.replace(microsecond=0)),
                "assets": [],
                "tarball_url": f"{API}/repos/{repo}/tarball/{tag}",
                "zipball_url": f"{API}/repos/{repo}/zipball/{tag}",
                "body": f"## What's changed\n\n* {rng.choice(WORDS)} {rng.choice(WORDS)} fixes\n",
            }
        )
    out.reverse()
    return out


def issue_total(repo: str, kind: str, start: dt.datetime, end: dt.datetime) -> dict:
    """A search/issues answer with per_page=1: the window's total and the first matching item."""
    per_day = PROFILES[repo][2 if kind == "pr" else 3]
    days = (end - start).days
    wobble = 1 + 0.04 * math.sin(end.toordinal() / 9 + len(repo))
    total = int(per_day * days * wobble)
    number = 30_000 + int(sha(repo, kind, end.date())[:4], 16) % 5000
    url = f"{API}/repos/{repo}/issues/{number}"
    closed = iso_utc(end - dt.timedelta(hours=5))
    item = {
        "url": url,
        "repository_url": f"{API}/repos/{repo}",
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"https://github.com/{repo}/{'pull' if kind == 'pr' else 'issues'}/{number}",
        "id": 2_000_000_000 + number,
        "node_id": ("PR_kwDO" if kind == "pr" else "I_kwDO") + sha(repo, number)[:14],
        "number": number,
        "title": f"{WORDS[number % len(WORDS)]} {WORDS[(number // 3) % len(WORDS)]}",
        "user": user(AUTHORS[number % len(AUTHORS)]),
        "labels": [],
        "state": "closed",
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": number % 7,
        "created_at": iso_utc(end - dt.timedelta(days=2)),
        "updated_at": closed,
        "closed_at": closed,
        "author_association": "MEMBER",
        "type": None,
        "active_lock_reason": None,
        "draft": False,
        "body": None,
        "reactions": {
            "url": f"{url}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        },
        "timeline_url": f"{url}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if kind == "issue" else None,
        "score": 1.0,
    }
    if kind == "pr":
        item["pull_request"] = {
            "url": f"{API}/repos/{repo}/pulls/{number}",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "diff_url": f"https://github.com/{repo}/pull/{number}.diff",
            "patch_url": f"https://github.com/{repo}/pull/{number}.patch",
            "merged_at": closed,
        }
    return {"total_count": total, "incomplete_results": False, "items": [item]}


def contributors_answer(repo: str, stars: int) -> tuple[list[dict], str | None]:
    """(body, Link header) of GET /repos/{repo}/contributors?per_page=1&anon=true."""
    noise = int(sha("contributors", repo)[:6], 16) / 0xFFFFFF
    count = max(1, int(stars**0.62 * (0.15 + 1.7 * noise**2)))
    owner = repo.split("/")[0]
    body = [{**user(owner), "contributions": 40 + count}]
    if count == 1:
        return body, None
    base = f"{API}/repositories/{int(sha(repo)[:8], 16)}/contributors?per_page=1&anon=true"
    return body, f'<{base}&page=2>; rel="next", <{base}&page={count}>; rel="last"'


def dumps(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def activity_files(run_date: dt.date, top_repos: list[dict]) -> dict[str, bytes]:
    """file name -> body, for every activity call the extractor makes on `run_date` (top_repos: staged rows)."""
    start, end = window_for(run_date)
    files: dict[str, bytes] = {}
    for _framework, repo in act.FRAMEWORKS:
        commits = [c for c in commit_timeline(repo) if start <= dt.datetime.fromisoformat(c["commit"]["author"]["date"].replace("Z", "+00:00")) < end]  # fmt: skip
        for kind, items, limit in (("commits", commits, act.COMMIT_PAGES), ("releases", release_timeline(repo), act.RELEASE_PAGES)):  # fmt: skip
            for page in range(1, limit + 1):
                chunk = items[(page - 1) * act.PER_PAGE : page * act.PER_PAGE]
                files[act.paged_name(kind, repo, page)] = dumps(chunk)
                if len(chunk) < act.PER_PAGE:
                    break
        names = act.raw_names(repo)
        files[names["prs"]] = dumps(issue_total(repo, "pr", start, end))
        files[names["issues"]] = dumps(issue_total(repo, "issue", start, end))
    for row in top_repos[: act.CORRELATION_TOP]:
        names = act.raw_names(row["repo_name"])
        body, link = contributors_answer(row["repo_name"], int(row["stars"]))
        files[names["contributors"]] = dumps(body)
        files[names["contributors_headers"]] = dumps({"link": link})
    return files

"""Synthetic GitHub repositories for the recorded responses (used by scripts/dev/gen_recorded_rest.py): the
vocabularies (languages with a skewed weight, words, topics, licenses, purposes) and one search-result item made
from them with a seeded random.Random, in the shape the GitHub search API returns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from lib.settings import iso_utc

# GitHub primary languages with a skewed weight (None: GitHub reports no language).
LANGUAGES = [
    ("Python", 190), ("TypeScript", 160), ("JavaScript", 85), (None, 75), ("Go", 48), ("Rust", 46),
    ("Java", 30), ("C++", 28), ("Jupyter Notebook", 26), ("HTML", 22), ("C#", 18), ("Shell", 16),
    ("Swift", 14), ("C", 14), ("Kotlin", 11), ("PHP", 10), ("Dart", 10), ("Vue", 9), ("Ruby", 7),
    ("CSS", 7), ("Lua", 6), ("Zig", 6), ("Svelte", 5), ("MDX", 5), ("Astro", 4), ("Scala", 4),
    ("Elixir", 4), ("Nix", 4), ("Dockerfile", 3), ("PowerShell", 3), ("Haskell", 3), ("Objective-C", 3),
    ("R", 3), ("Julia", 2), ("OCaml", 2), ("Clojure", 2), ("Solidity", 2), ("HCL", 2), ("Vim Script", 2),
    ("TeX", 2), ("GDScript", 2), ("Gleam", 2), ("Mojo", 1), ("Perl", 1), ("Assembly", 1), ("Makefile", 1),
    ("Cuda", 2), ("Emacs Lisp", 1), ("F#", 1), ("Erlang", 1), ("Crystal", 1), ("Odin", 1), ("V", 1),
]  # fmt: skip


WORDS = tuple(
    str.split(
        "agent llm rag vector graph fast tiny open local edge cloud data stream query cache auth token "
        "chat code dev ops kit lab forge flow mesh node web app api cli ui db sql lite nano micro mini "
        "hyper meta auto smart deep neural vision voice audio image video pixel shader game engine "
        "router proxy gateway server client sdk bench test lint fmt build deploy infra k8s docker "
        "wasm rust zig go py ts js notes wiki docs blog site home dash panel board admin crm erp "
        "finance trade crypto chain wallet quant bot scraper crawler parser compiler runtime kernel os"
    )
)


TOPICS = tuple(
    str.split(
        "ai llm machine-learning deep-learning rag agents mcp openai claude python typescript javascript "
        "react nextjs vue svelte rust go cli devtools self-hosted docker kubernetes database postgres "
        "sqlite vector-database automation productivity security privacy game-development webassembly "
        "embedded iot blockchain open-source awesome-list tutorial framework library api"
    )
)


LICENSES = [
    ("mit", "MIT License", "MIT", 40), ("apache-2.0", "Apache License 2.0", "Apache-2.0", 18),
    ("gpl-3.0", "GNU General Public License v3.0", "GPL-3.0", 7),
    ("agpl-3.0", "GNU Affero General Public License v3.0", "AGPL-3.0", 3),
    ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause", 2),
    ("mpl-2.0", "Mozilla Public License 2.0", "MPL-2.0", 1), ("other", "Other", "NOASSERTION", 3),
    (None, None, None, 26),
]  # fmt: skip


PURPOSES = [
    "local LLM agents", "retrieval-augmented generation", "type-safe APIs", "terminal productivity",
    "self-hosted photo backups", "real-time collaboration", "browser automation", "game modding",
    "home-lab monitoring", "PDF parsing", "speech-to-text on device", "vector search", "CI pipelines",
    "mobile apps", "data pipelines", "Kubernetes operators", "note taking", "static sites",
]  # fmt: skip


THINGS = ["framework", "library", "CLI", "toolkit", "engine", "server", "template", "SDK", "plugin", "app"]


ADJECTIVES = ["fast", "minimal", "open-source", "blazing fast", "lightweight", "batteries-included", "tiny", "modern"]


def weighted(rng: random.Random, table: list[tuple]) -> tuple:
    return rng.choices(table, weights=[row[-1] for row in table], k=1)[0]


def node_id(prefix: str, number: int) -> str:
    return prefix + hashlib.sha1(str(number).encode()).hexdigest()[:16]


def stamp(moment: dt.datetime) -> str:
    return iso_utc(moment)


def description(rng: random.Random, language: str | None) -> str | None:
    roll = rng.random()
    if roll < 0.11:
        return None
    text = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(THINGS)} for {rng.choice(PURPOSES)}"
    if language and rng.random() < 0.5:
        text += f", written in {language}"
    if roll < 0.14:
        return ""
    if roll < 0.20:
        return f"  \n{text}.  \t"  # padded with whitespace, as some repositories are
    if roll < 0.30:  # long: more than 100 characters
        return text + ". " + " ".join(rng.choice(WORDS) for _ in range(25)) + " — and more."
    if roll < 0.34:
        return f'{text} ("{rng.choice(WORDS)}", {rng.choice(WORDS)}, {rng.choice(WORDS)}) 🚀'
    if roll < 0.36:
        return f"{text}。轻量级的开源工具"
    return text + "."


def repository(rng: random.Random, number: int, owner: str, name: str, created: dt.datetime, stars: int) -> dict:
    """One item of a GitHub /search/repositories answer (the real field set)."""
    language = weighted(rng, LANGUAGES)[0]
    lic = weighted(rng, LICENSES)
    owner_id = 100_000_000 + rng.randrange(150_000_000)
    is_org = rng.random() < 0.3
    pushed = min(created + dt.timedelta(days=rng.uniform(0, 365)), dt.datetime(2026, 11, 22, 23, 0, tzinfo=dt.UTC))
    updated = max(
        pushed, min(pushed + dt.timedelta(hours=rng.uniform(0, 72)), dt.datetime(2026, 11, 22, 23, 59, tzinfo=dt.UTC))
    )
    forks = int(stars * rng.uniform(0.03, 0.18))
    issues = int(stars * rng.uniform(0.0, 0.02))
    full = f"{owner}/{name}"
    api = f"https://api.github.com/repos/{full}"
    user = f"https://api.github.com/users/{owner}"
    return {
        "id": 1_000_000_000 + number,
        "node_id": node_id("R_kgDO", number),
        "name": name,
        "full_name": full,
        "private": False,
        "owner": {
            "login": owner,
            "id": owner_id,
            "node_id": node_id("O_kgDO" if is_org else "U_kgDO", owner_id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{owner_id}?v=4",
            "gravatar_id": "",
            "url": user,
            "html_url": f"https://github.com/{owner}",
            "followers_url": f"{user}/followers",
            "following_url": f"{user}/following{{/other_user}}",
            "gists_url": f"{user}/gists{{/gist_id}}",
            "starred_url": f"{user}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{user}/subscriptions",
            "organizations_url": f"{user}/orgs",
            "repos_url": f"{user}/repos",
            "events_url": f"{user}/events{{/privacy}}",
            "received_events_url": f"{user}/received_events",
            "type": "Organization" if is_org else "User",
            "user_view_type": "public",
            "site_admin": False,
        },
        "html_url": f"https://github.com/{full}",
        "description": description(rng, language),
        "fork": False,
        "url": api,
        "forks_url": f"{api}/forks",
        "keys_url": f"{api}/keys{{/key_id}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "teams_url": f"{api}/teams",
        "hooks_url": f"{api}/hooks",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "events_url": f"{api}/events",
        "assignees_url": f"{api}/assignees{{/user}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "tags_url": f"{api}/tags",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "languages_url": f"{api}/languages",
        "stargazers_url": f"{api}/stargazers",
        "contributors_url": f"{api}/contributors",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "commits_url": f"{api}/commits{{/sha}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "comments_url": f"{api}/comments{{/number}}",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "merges_url": f"{api}/merges",
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{api}/downloads",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "labels_url": f"{api}/labels{{/name}}",
        "releases_url": f"{api}/releases{{/id}}",
        "deployments_url": f"{api}/deployments",
        "created_at": stamp(created),
        "updated_at": stamp(updated),
        "pushed_at": stamp(pushed),
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"https://github.com/{full}.git",
        "svn_url": f"https://github.com/{full}",
        "homepage": f"https://{name}.dev" if rng.random() < 0.25 else ("" if rng.random() < 0.5 else None),
        "size": rng.randrange(20, 250_000),
        "stargazers_count": stars,
        "watchers_count": stars,
        "language": language,
        "has_issues": True,
        "has_projects": rng.random() < 0.8,
        "has_downloads": True,
        "has_wiki": rng.random() < 0.6,
        "has_pages": rng.random() < 0.15,
        "has_discussions": rng.random() < 0.2,
        "forks_count": forks,
        "mirror_url": None,
        "archived": rng.random() < 0.02,
        "disabled": False,
        "open_issues_count": issues,
        "license": None
        if lic[0] is None
        else {
            "key": lic[0],
            "name": lic[1],
            "spdx_id": lic[2],
            "url": None if lic[0] == "other" else f"https://api.github.com/licenses/{lic[0]}",
            "node_id": "MDc6TGljZW5zZTA=",
        },
        "allow_forking": True,
        "is_template": rng.random() < 0.02,
        "web_commit_signoff_required": False,
        "topics": sorted(rng.sample(TOPICS, rng.choice([0, 0, 1, 2, 3, 4, 5, 6]))),
        "visibility": "public",
        "forks": forks,
        "open_issues": issues,
        "watchers": stars,
        "default_branch": "main" if rng.random() < 0.9 else "master",
        "score": 1.0,
    }


def unique_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        owner = rng.choice(WORDS) + rng.choice(["", "-", "_"]) + rng.choice(WORDS) + str(rng.randrange(0, 100) or "")
        name = "-".join(rng.sample(WORDS, rng.choice([1, 2, 2, 3])))
        if f"{owner}/{name}" not in taken:
            taken.add(f"{owner}/{name}")
            return owner, name

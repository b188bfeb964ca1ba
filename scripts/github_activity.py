"""GitHub framework activity and repository contributors: the calls, their raw files, and the pure parts.

Used by scripts/extract_github.py (the GitHub source job). Every answer goes through the same `GitHubClient`
as the search calls (rate limits, retries, wait budget) and is kept under $DATOS/raw/github/<RUN_DATE>/:

  commits_<owner>__<name>_p<N>.json.gz   GET /repos/{repo}/commits?since=&until=&per_page=100&page=N (<= 50 pages)
  prs_<owner>__<name>.json.gz            GET /search/issues?q=repo:{repo} is:pr is:merged merged:A..B&per_page=1
  issues_<owner>__<name>.json.gz         GET /search/issues?q=repo:{repo} is:issue closed:A..B&per_page=1
  releases_<owner>__<name>_p<N>.json.gz  GET /repos/{repo}/releases?per_page=100&page=N (<= 10 pages)
  contributors_<owner>__<name>.json.gz   GET /repos/{repo}/contributors?per_page=1&anon=true
  contributors_<owner>__<name>.headers.json.gz   the one header the count needs: {"link": <Link header or null>}

Failure accounting: a call that fails is recorded by what it was for (framework + metric, or repository); the
value stays empty (None), never 0. A repository GitHub says is gone (404, 451) is named as such. An answer of the
wrong shape is such a failure and is not saved; a saved one of the wrong shape stops the job naming the file to
delete (as a malformed search page does).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from http_client import GitHubClient, HttpError
from lib import PipelineError
from lib.files import load_raw, save_raw

# V1's fixed framework -> official repository map (display names as V1 wrote them)
FRAMEWORKS = (
    ("React", "react/react"),
    ("Vue 3", "vuejs/core"),
    ("Angular", "angular/angular"),
    ("Svelte", "sveltejs/svelte"),
    ("Next.js", "vercel/next.js"),
)
PER_PAGE = 100
COMMIT_PAGES = 50  # V1: at most 50 pages of 100 commits, so a count is capped at 5,000
RELEASE_PAGES = 10
CORRELATION_TOP = 100  # the repositories with most stars whose contributors are counted
GONE = (404, 410, 451)
METRICS = ("commits", "merged_prs", "closed_issues", "releases")


def slug(repo: str) -> str:
    return repo.replace("/", "__")


def raw_names(repo: str) -> dict[str, str]:
    s = slug(repo)
    return {
        "prs": f"prs_{s}.json.gz",
        "issues": f"issues_{s}.json.gz",
        "contributors": f"contributors_{s}.json.gz",
        "contributors_headers": f"contributors_{s}.headers.json.gz",
    }


def paged_name(kind: str, repo: str, page: int) -> str:
    return f"{kind}_{slug(repo)}_p{page}.json.gz"


@dataclass
class Calls:
    """What a run of calls found: failures by subject, and raw files missing offline."""

    client: GitHubClient | None
    raw_dir: Path
    errors: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # "React commits" / "owner/name" -> why
    missing: list[str] = field(default_factory=list)

    def fetch(self, name: str, path: str, params: dict, subject: str, shape: tuple, *, keep_link: str | None = None):
        """The answer saved as `name` (fetched and saved when absent); None when it failed (recorded).

        `shape` is (test, what the answer must be): a saved answer that fails the test is a PipelineError naming
        the file (it would fail every rerun); a fetched one is recorded as a failure and not saved."""
        valid, what = shape
        file = self.raw_dir / name
        if file.exists():
            doc = load_raw(file)
            if not valid(doc):
                raise PipelineError(f"github: raw {file} is not {what}: delete it to fetch it again")
            return doc
        if self.client is None:
            self.missing.append(name)
            return None
        try:
            reply = self.client.get(path, params)
        except HttpError as exc:
            self.errors.append(str(exc))
            gone = exc.status in GONE
            self.failed[subject] = f"repository gone (HTTP {exc.status})" if gone else "call failed"
            return None
        if not valid(reply.data):
            self.shape_error(subject, f"{name} is not {what}")
            return None
        if keep_link is not None:  # the header first: a body without its header would be read wrongly offline
            headers = json.dumps({"link": reply.headers.get("Link")}, separators=(",", ":")).encode()
            save_raw(self.raw_dir / keep_link, headers, self.client.secrets)
        save_raw(file, reply.body, self.client.secrets)
        return reply.data

    def shape_error(self, subject: str, what: str) -> None:
        self.errors.append(f"github {subject}: unexpected answer shape ({what})")
        self.failed[subject] = "answer of the wrong shape"


def _is_list(doc: object) -> bool:
    return isinstance(doc, list) and all(isinstance(item, dict) for item in doc)


def _is_total(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("total_count"), int)


LISTING = (_is_list, "a list of objects")
TOTAL = (_is_total, "a search answer with an integer total_count")


def _paged(calls: Calls, kind: str, repo: str, path: str, params: dict, pages: int, subject: str) -> list | None:
    """All items of a listing, reading pages until a short one (or `pages`); None when a page failed."""
    items: list = []
    for page in range(1, pages + 1):
        params_page = {**params, "per_page": PER_PAGE, "page": page}
        doc = calls.fetch(paged_name(kind, repo, page), path, params_page, subject, LISTING)
        if doc is None:
            return None
        items.extend(doc)
        if len(doc) < PER_PAGE:
            break
    return items


def _total(calls: Calls, name: str, query: str, subject: str) -> int | None:
    doc = calls.fetch(name, "/search/issues", {"q": query, "per_page": 1}, subject, TOTAL)
    if doc is None:
        return None
    if doc.get("incomplete_results"):
        calls.failed[subject] = "incomplete_results=true (GitHub search timed out)"
        return None
    return doc["total_count"]


# --------------------------------------------------------------------------- pure parts


def author_key(item: dict) -> str | None:
    """V1's distinct-author key: the linked login (lower-cased), else the commit author's e-mail + name."""
    author = item.get("author")
    if isinstance(author, dict) and author.get("login"):
        return str(author["login"]).lower()
    meta = (item.get("commit") or {}).get("author") or {}
    key = f"{meta.get('email') or ''} {meta.get('name') or ''}".strip().lower()
    return key or None


def count_releases(releases: list[dict], start: dt.datetime, end: dt.datetime) -> int:
    """Releases published in [start, end) (drafts have no published_at and never count)."""
    count = 0
    for release in releases:
        stamp = release.get("published_at")
        if stamp and start <= dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) < end:
            count += 1
    return count


_LAST_PAGE = re.compile(r"<[^>]*[?&]page=(\d+)[^>]*>;\s*rel=\"last\"")


def contributors_count(items: list, link: str | None) -> int:
    """With per_page=1, the page number of rel="last" is the count; without that link, the items returned."""
    found = _LAST_PAGE.search(link or "")
    return int(found.group(1)) if found else len(items)


# --------------------------------------------------------------------------- the two collections


def framework_activity(calls: Calls, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """One row per V1 framework with its window counts; a failed metric is None and named in calls.failed."""
    since, until = start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")
    first, last = start.date().isoformat(), (end - dt.timedelta(days=1)).date().isoformat()
    rows = []
    for order, (framework, repo) in enumerate(FRAMEWORKS, start=1):
        names = raw_names(repo)
        commits = _paged(
            calls,
            "commits",
            repo,
            f"/repos/{repo}/commits",
            {"since": since, "until": until},
            COMMIT_PAGES,
            f"{framework} commits",
        )
        prs = _total(
            calls, names["prs"], f"repo:{repo} is:pr is:merged merged:{first}..{last}", f"{framework} merged_prs"
        )
        issues = _total(
            calls, names["issues"], f"repo:{repo} is:issue closed:{first}..{last}", f"{framework} closed_issues"
        )
        releases = _paged(
            calls, "releases", repo, f"/repos/{repo}/releases", {}, RELEASE_PAGES, f"{framework} releases"
        )
        authors = {author_key(item) for item in commits or []} - {None}
        rows.append(
            {
                "position": order,
                "framework": framework,
                "repo": repo,
                "commits_2025": None if commits is None else len(commits),
                "active_contributors": None if commits is None else len(authors),
                "merged_prs": prs,
                "closed_issues": issues,
                "releases_count": None if releases is None else count_releases(releases, start, end),
            }
        )
    return rows


def repository_contributors(calls: Calls, repos: list[dict]) -> list[dict]:
    """(repo_name, stars, language, contributors, position) for the CORRELATION_TOP repositories with most stars.

    `repos` are the staged repository rows, stars descending. A repository whose call failed is left out (and
    named in calls.failed): a count of 0 would be a lie and bend the regression.
    """
    rows = []
    for position, repo in enumerate(repos[:CORRELATION_TOP], start=1):
        name = repo["repo_name"]
        names = raw_names(name)
        body, header = calls.raw_dir / names["contributors"], calls.raw_dir / names["contributors_headers"]
        if body.exists() and not header.exists():  # a body saved without its header is read again
            body.unlink()
        items = calls.fetch(
            names["contributors"],
            f"/repos/{name}/contributors",
            {"per_page": 1, "anon": "true"},
            name,
            LISTING,
            keep_link=names["contributors_headers"],
        )
        if items is None:
            continue
        if not header.exists():
            calls.missing.append(header.name)
            continue
        headers = load_raw(header)
        if not isinstance(headers, dict):
            raise PipelineError(f"github: raw {header} is not a header record: delete it to fetch it again")
        rows.append(
            {
                "position": position,
                "repo_name": name,
                "stars": repo["stars"],
                "language": repo["language"],
                "contributors": contributors_count(items, headers.get("link")),
            }
        )
    return rows

"""GitHub source job: search the repositories created in the window, stage the V1 CSVs.

Fetch: the 365-day window is split into calendar months (first and last clipped to the window); for each
month `GET /search/repositories?q=created:A..B&sort=stars&order=desc&per_page=100&page=N`, up to
GITHUB_MAX_PAGES pages (stopping at a short page or at total_count). Every answer is kept as
$DATOS/raw/github/<RUN_DATE>/search_<YYYY-MM>_p<N>.json.gz; a response already there is not fetched again.

Transform (pure, `transform`): de-duplicate by full_name, keep the GITHUB_TOP_N repositories with most
stars (ties by full_name), and write $DATOS/staging/github/github_repos_2025.csv, github_lenguajes.csv and
_source_status.json.

Then (scripts/github_activity.py) the activity of the five frameworks V1 tracks and the contributors of the 100
repositories with most stars; DuckDB runs sql/github_commits_frameworks.sql (with the previous published
snapshot, read through scripts/history.py) and sql/github_correlacion.sql, which write
github_commits_frameworks.csv and github_correlacion.csv.

Status: a month whose pages could not all be fetched makes the source `partial` (a warning names it);
fewer than 1,500 repositories with a classifiable language -> `failed`, fewer than 2,000 -> `partial`.
A framework metric or a repository whose calls failed is named in a warning and makes the source `partial`;
its value stays empty (a framework) or its row is left out (a repository), never 0.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import github_activity as activity
import history
from http_client import GitHubClient, HttpError, summarize
from lib import PipelineError
from lib.cli import run_cli, source_parser
from lib.contracts import load_contracts
from lib.csvfmt import write_csv
from lib.duck import duckdb_connect, run_sql_file
from lib.files import load_raw, save_raw
from lib.log import get_logger
from lib.settings import DECLARED, GithubSettings, HttpSettings, require_secrets, settings, settings_help
from lib.status import write_source_status

SOURCE = "github"
DEFAULT_API_URL = DECLARED["GITHUB_API_URL"].default
PER_PAGE = 100
SEARCH_CAP = 1000  # the search API returns at most 1,000 results per query
UNSPECIFIED = "Sin especificar"
# trend_score_v1.md: labels that are not a programming language
EXCLUDED_LANGUAGES = frozenset({"sin especificar", "llms/ai", "ai/ml", "ai", "llm", "genai", "artificial intelligence"})
FAILED_BELOW = 1500
WARN_BELOW = 2000
TOP_LANGUAGES = 10
REPOS_FILE = "github_repos_2025.csv"
LANGUAGES_FILE = "github_lenguajes.csv"
COMMITS_FILE = "github_commits_frameworks.csv"
CORRELATION_FILE = "github_correlacion.csv"
REPOSITORIES_NAMED = 10

SETTINGS_HELP = settings_help(
    "DATOS", "RUN_DATE", "GH_PAT", "GITHUB_API_URL", "GITHUB_MAX_PAGES", "GITHUB_TOP_N", "HTTP_"
)


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    first: dt.date
    last: dt.date  # inclusive

    @property
    def query(self) -> str:
        return f"created:{self.first.isoformat()}..{self.last.isoformat()}"


def months_in_window(start: dt.datetime, end: dt.datetime) -> list[Month]:
    """Calendar months covering [start, end), the first and last clipped to the window."""
    months = []
    day = start.date()
    last_day = (end - dt.timedelta(seconds=1)).date()
    while day <= last_day:
        next_month = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        months.append(Month(f"{day.year:04d}-{day.month:02d}", day, min(next_month - dt.timedelta(days=1), last_day)))
        day = next_month
    return months


def raw_name(month: Month, page: int) -> str:
    return f"search_{month.label}_p{page}.json.gz"


def has_next_page(doc: dict, page: int, max_pages: int) -> bool:
    items = doc.get("items") or []
    total = min(int(doc.get("total_count") or 0), SEARCH_CAP)
    return page < max_pages and len(items) >= PER_PAGE and page * PER_PAGE < total


def is_search_page(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("items"), list) and isinstance(doc.get("total_count"), int)


@dataclass
class Collected:
    pages: dict[str, list[dict]] = field(default_factory=dict)  # month label -> pages in order
    errors: list[str] = field(default_factory=list)  # failed calls (redacted by the client)
    incomplete: dict[str, str] = field(default_factory=dict)  # month label -> what is missing
    missing: list[str] = field(default_factory=list)  # offline: raw files not there


def collect(raw_dir: Path, months: list[Month], max_pages: int, client: GitHubClient | None) -> Collected:
    """Read each month's pages from raw, fetching (and saving) the missing ones when a client is given."""
    out = Collected()
    for month in months:
        pages = out.pages.setdefault(month.label, [])
        for page in range(1, max_pages + 1):
            path = raw_dir / raw_name(month, page)
            if path.exists():
                doc = load_raw(path)
                if not is_search_page(doc):
                    raise PipelineError(f"github: raw {path} is not a search response: delete it to fetch it again")
            elif client is None:
                out.missing.append(path.name)
                break
            else:
                params = {"q": month.query, "sort": "stars", "order": "desc", "per_page": PER_PAGE, "page": page}
                try:
                    reply = client.get("/search/repositories", params)
                except HttpError as exc:
                    out.errors.append(str(exc))
                    out.incomplete[month.label] = f"page {page} and later not fetched"
                    break
                doc = reply.data
                if not is_search_page(doc):
                    out.errors.append(
                        f"github GET /search/repositories {month.query} page={page}: unexpected answer shape"
                    )
                    out.incomplete[month.label] = f"page {page} and later not fetched"
                    break
                save_raw(path, reply.body, client.secrets)
            pages.append(doc)
            if doc.get("incomplete_results"):
                out.incomplete.setdefault(
                    month.label, f"page {page} has incomplete_results=true (GitHub search timed out)"
                )
            if not has_next_page(doc, page, max_pages):
                break
    return out


# --------------------------------------------------------------------------- pure transform


def language_label(language: object) -> str:
    text = (language or "").strip() if isinstance(language, str) else ""
    return text or UNSPECIFIED


def is_classifiable(language: str) -> bool:
    return language.strip().lower() not in EXCLUDED_LANGUAGES


def repo_row(item: dict) -> dict:
    description = item.get("description")
    return {
        "repo_name": item["full_name"],
        "language": language_label(item.get("language")),
        "stars": int(item["stargazers_count"]),
        "forks": int(item["forks_count"]),
        "created_at": item["created_at"],
        "description": (description or "").strip()[:100],
    }


def transform(pages: list[dict], top_n: int) -> tuple[list[dict], list[dict], int]:
    """Search pages -> (repository rows, top-language rows, classifiable repositories among those kept).

    A repository seen twice (pages shift while stars change) counts once, with its highest star count.
    """
    best: dict[str, dict] = {}
    for doc in pages:
        for item in doc["items"]:
            name = item["full_name"]
            if name not in best or item["stargazers_count"] > best[name]["stargazers_count"]:
                best[name] = item
    kept = sorted(best.values(), key=lambda it: (-int(it["stargazers_count"]), it["full_name"]))[:top_n]
    repos = [repo_row(item) for item in kept]
    counts = Counter(row["language"] for row in repos if is_classifiable(row["language"]))
    classifiable = sum(counts.values())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_LANGUAGES]
    languages = [
        {"lenguaje": lang, "repos_count": n, "porcentaje": f"{round(n * 100 / classifiable, 2):.2f}"} for lang, n in top
    ]
    return repos, languages, classifiable


def decide_status(classifiable: int, incomplete: Mapping[str, str]) -> tuple[str, list[str], list[str]]:
    """(status, warnings, errors) from the coverage gate and the months that could not be read whole."""
    warnings = [
        f"month {label} incomplete: {what}; its repositories may be missing" for label, what in incomplete.items()
    ]
    errors = []
    status = "partial" if incomplete else "ok"
    if classifiable < FAILED_BELOW:
        status = "failed"
        errors.append(f"coverage gate: {classifiable} repositories with a classifiable language (< {FAILED_BELOW})")
    elif classifiable < WARN_BELOW:
        status = "partial"
        warnings.append(f"coverage gate: {classifiable} repositories with a classifiable language (< {WARN_BELOW})")
    return status, warnings, errors


def activity_status(failed: Mapping[str, str]) -> list[str]:
    """One warning per framework metric (its value is left empty) or repository (its row is left out) that failed;
    past REPOSITORIES_NAMED repositories the rest are counted in one line (a closed client fails them all)."""
    frameworks = [f"{subject}: {why}; left empty, not 0" for subject, why in failed.items() if "/" not in subject]
    repos = [f"{subject}: {why}; left out of github_correlacion" for subject, why in failed.items() if "/" in subject]
    if len(repos) > REPOSITORIES_NAMED:
        rest = len(repos) - REPOSITORIES_NAMED
        repos = [*repos[:REPOSITORIES_NAMED], f"and {rest} more repositories left out of github_correlacion"]
    return frameworks + repos


def previous_commits(con, datos: Path, run_date: dt.date, warnings: list[str]):
    """The most recent github_commits snapshot published before `run_date` (an empty relation when none)."""
    earlier = [snap for snap in history.snapshots(datos, "github_commits") if snap.date < run_date]
    empty = "select cast(null as varchar) as framework, cast(null as bigint) as commits_2025 where false"
    if not earlier:
        return con.sql(empty)
    try:
        return history.read_snapshot(con, earlier[-1]).select("framework, commits_2025")
    except PipelineError as exc:
        warnings.append(f"previous github_commits snapshot unreadable ({exc}); commits_prev left empty")
        return con.sql(empty)


ACTIVITY_COLUMNS = {
    "position": "int64",
    "framework": "string",
    "repo": "string",
    "commits_2025": "int64",
    "active_contributors": "int64",
    "merged_prs": "int64",
    "closed_issues": "int64",
    "releases_count": "int64",
}
CONTRIBUTOR_COLUMNS = {"position": "int64", "repo_name": "string", "stars": "int64", "language": "string"}
CONTRIBUTOR_COLUMNS["contributors"] = "int64"


def arrow_table(rows: list[dict], columns: Mapping[str, str]):
    """Rows as an Arrow table with fixed column types (so an empty list is still a typed relation)."""
    import pyarrow as pa

    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in columns.items()])
    return pa.Table.from_pylist(rows, schema=schema)


def derived_rows(run, frameworks: list[dict], contributors: list[dict], warnings: list[str]):
    """(github_commits rows, github_correlacion rows) from the counts, computed by the two SQL files."""
    con = duckdb_connect()
    con.register("framework_activity", arrow_table(frameworks, ACTIVITY_COLUMNS))
    con.register("previous_commits", previous_commits(con, run.datos, run.run_date, warnings).arrow().read_all())
    commits = run_sql_file(con, "github_commits_frameworks.sql").fetchall()
    con.register("repo_contributors", arrow_table(contributors, CONTRIBUTOR_COLUMNS))
    correlation = run_sql_file(con, "github_correlacion.sql", {"snapshot_date": run.run_date.isoformat()}).fetchall()
    return commits, correlation


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = source_parser(
        "GitHub source job: raw search responses -> staged V1 CSVs + _source_status.json.", SETTINGS_HELP
    )
    args = parser.parse_args(argv)

    log = get_logger(SOURCE)
    run = settings()
    conf = GithubSettings.from_env()
    http = HttpSettings.from_env()
    raw_dir, staging = run.raw_dir(SOURCE), run.staging_dir(SOURCE)
    months = months_in_window(*run.window)

    client = None
    if args.offline:
        if not any(raw_dir.glob("*.json.gz")):
            raise PipelineError(
                f"github: --offline but {raw_dir} holds no raw responses: run `make extract-github` (live) or `make demo`"
            )
    else:
        require_secrets(("GH_PAT",))
        client = GitHubClient(conf.api_url, http, conf.token.reveal())

    found = collect(raw_dir, months, conf.max_pages, client)
    if found.missing:
        raise PipelineError(
            f"github: raw for {run.run_date} is incomplete ({len(found.missing)} responses missing, first "
            f"{found.missing[0]}): run without --offline to fetch them"
        )
    call_errors = summarize(found.errors)
    for message in call_errors:
        log.error("%s", message)

    pages = [doc for label in found.pages for doc in found.pages[label]]
    repos, languages, classifiable = transform(pages, conf.top_n)
    status, warnings, errors = decide_status(classifiable, found.incomplete)

    calls = activity.Calls(client, raw_dir)
    frameworks = activity.framework_activity(calls, *run.window)
    contributors = activity.repository_contributors(calls, repos)
    if calls.missing:
        raise PipelineError(
            f"github: raw for {run.run_date} is incomplete ({len(calls.missing)} activity responses missing, first "
            f"{calls.missing[0]}): run without --offline to fetch them"
        )
    for log_line in summarize(calls.errors):
        log.error("%s", log_line)
    call_errors += summarize(calls.errors)
    activity_warnings = activity_status(calls.failed)
    commits_rows, correlation_rows = derived_rows(run, frameworks, contributors, activity_warnings)
    warnings += activity_warnings
    if activity_warnings and status == "ok":
        status = "partial"
    for message in warnings:
        log.warning("%s", message)

    contracts = load_contracts()
    write_csv(staging / REPOS_FILE, contracts["github_repos"].column_names, repos)
    write_csv(staging / LANGUAGES_FILE, contracts["github_lenguajes"].column_names, languages)
    write_csv(staging / COMMITS_FILE, contracts["github_commits"].column_names, commits_rows)
    write_csv(staging / CORRELATION_FILE, contracts["github_correlacion"].column_names, correlation_rows)
    write_source_status(
        staging,
        source=SOURCE,
        status=status,
        run_date=run.run_date,
        files=[REPOS_FILE, LANGUAGES_FILE, COMMITS_FILE, CORRELATION_FILE],
        requests=client.requests if client else 0,
        retries=client.retries if client else 0,
        waited_seconds=client.waited_seconds if client else 0.0,
        warnings=warnings,
        errors=[*call_errors, *errors],
    )
    log.info(
        "github %s: wrote %s (%d repositories, %d classifiable), %s (%d languages), %s (%d frameworks) and %s "
        "(%d repositories) from %d search pages, %d requests",
        status,
        staging / REPOS_FILE,
        len(repos),
        classifiable,
        LANGUAGES_FILE,
        len(languages),
        COMMITS_FILE,
        len(commits_rows),
        CORRELATION_FILE,
        len(correlation_rows),
        len(pages),
        client.requests if client else 0,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

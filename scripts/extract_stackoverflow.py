"""Stack Exchange source job: question counts per tag on Stack Overflow, staged as the V1 CSVs.

Every count is one `GET /search/advanced?site=stackoverflow&tagged=<tag>&fromdate=<epoch>&todate=<epoch>`
(`accepted=True` for accepted counts) read through a filter that returns only the wrapper's `total`,
`backoff`, `quota_max`, `quota_remaining` and `has_more` (no items). Each answer is kept as
$DATOS/raw/stackoverflow/<RUN_DATE>/<count>.json.gz; an answer already there is not fetched again.

Outputs in $DATOS/staging/stackoverflow/ (pure transform, `transform`):
- so_volumen_preguntas.csv     one row per SO_TAGS tag, in that order: questions created in the window;
- so_tendencias_mensuales.csv  one row per each of the last 12 complete UTC months, oldest first, one column
                               per SO_TREND_TAGS tag (the contract's python, javascript, typescript);
- so_tasa_aceptacion.csv       one row per SO_ACCEPT_TAGS tag: window total, accepted, accepted/total x 100.

When some counts fail the source is `partial` and a count that is missing is never written as 0:
so_volumen leaves out the tag's row; so_tendencias leaves out every month row where any trend tag is
missing; so_tasa_aceptacion leaves out a tag whose total or accepted count is missing. The warnings
name every row left out. No volume count at all (the file the trend score reads) -> `failed`.

SO_FILTER: empty (the default) builds the filter once per run date with `/filters/create`
(base `none`, include FILTER_FIELDS; the answer is kept in raw as filters_create.json.gz, so reruns do
not repeat it). The built-in `total` filter cannot be used: it drops `backoff` and `quota_remaining`,
which the client must honour. Set SO_FILTER to the id that call logs to skip it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from http_client import HttpError, StackExchangeClient, summarize
from lib import PipelineError
from lib.cli import run_cli, source_parser
from lib.contracts import load_contracts
from lib.csvfmt import write_csv
from lib.files import load_raw, save_raw
from lib.log import get_logger
from lib.settings import DECLARED, HttpSettings, SoSettings, require_secrets, settings, settings_help
from lib.status import write_source_status

SOURCE = "stackoverflow"
DEFAULT_API_URL = DECLARED["STACKEXCHANGE_API_URL"].default
DEFAULT_TAGS = DECLARED["SO_TAGS"].default_value
DEFAULT_TREND_TAGS = DECLARED["SO_TREND_TAGS"].default_value
DEFAULT_ACCEPT_TAGS = DECLARED["SO_ACCEPT_TAGS"].default_value
FILTER_FIELDS = ".backoff;.error_id;.error_message;.error_name;.has_more;.quota_max;.quota_remaining;.total"
FILTER_FILE = "filters_create.json.gz"
VOLUME_FILE = "so_volumen_preguntas.csv"
TRENDS_FILE = "so_tendencias_mensuales.csv"
ACCEPT_FILE = "so_tasa_aceptacion.csv"

SETTINGS_HELP = settings_help(
    "DATOS", "RUN_DATE", "STACKOVERFLOW_KEY", "STACKEXCHANGE_API_URL", "SO_TAGS", "SO_TREND_TAGS", "SO_ACCEPT_TAGS",
    "SO_FILTER", "HTTP_"
)  # fmt: skip


@dataclass(frozen=True)
class Count:
    """One question count: a tag over [start, end), all questions or only those with an accepted answer."""

    name: str  # raw file stem
    tag: str
    start: dt.datetime
    end: dt.datetime
    accepted: bool = False

    @property
    def params(self) -> dict[str, object]:
        params: dict[str, object] = {
            "site": "stackoverflow",
            "tagged": self.tag,
            "fromdate": int(self.start.timestamp()),
            "todate": int(self.end.timestamp()) - 1,  # todate is inclusive: stop 1 s before the end
        }
        if self.accepted:
            params["accepted"] = "True"
        return params


def tag_slug(tag: str) -> str:
    """A tag as a file-name part, unambiguous (c# -> c%23, c++ -> c%2B%2B)."""
    return quote(tag, safe="")


def last_complete_months(run_date: dt.date, n: int = 12) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The last `n` complete UTC months before the run date, oldest first: (YYYY-MM, start, end)."""
    months = []
    year, month = run_date.year, run_date.month
    for _ in range(n):
        end = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        months.append((f"{year:04d}-{month:02d}", start, end))
    return months[::-1]


@dataclass(frozen=True)
class Plan:
    volume: list[Count]
    trends: dict[str, list[Count]]  # month -> one count per trend tag
    accept: list[tuple[Count, Count]]  # (total, accepted) per tag

    @property
    def counts(self) -> list[Count]:
        trend = [c for month in self.trends.values() for c in month]
        return [*self.volume, *trend, *(c for pair in self.accept for c in pair)]


def plan_counts(conf: SoSettings, run_date: dt.date, window: tuple[dt.datetime, dt.datetime]) -> Plan:
    start, end = window
    volume = [Count(f"volumen_{tag_slug(t)}", t, start, end) for t in conf.tags]
    trends = {
        label: [Count(f"tendencia_{label}_{tag_slug(t)}", t, m_start, m_end) for t in conf.trend_tags]
        for label, m_start, m_end in last_complete_months(run_date)
    }
    accept = [
        (
            Count(f"aceptacion_{tag_slug(t)}_total", t, start, end),
            Count(f"aceptacion_{tag_slug(t)}_accepted", t, start, end, accepted=True),
        )
        for t in conf.accept_tags
    ]
    return Plan(volume, trends, accept)


def total_of(doc: object) -> int | None:
    if isinstance(doc, dict) and isinstance(doc.get("total"), int) and doc["total"] >= 0 and "error_id" not in doc:
        return doc["total"]
    return None


@dataclass
class Collected:
    totals: dict[str, int] = field(default_factory=dict)  # count name -> total
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # offline: raw files not there


class FilterSource:
    """The filter id: SO_FILTER, else the saved /filters/create answer, else one call to create it."""

    def __init__(self, configured: str, raw_dir: Path, client: StackExchangeClient) -> None:
        self.value = configured or None
        self.raw_dir = raw_dir
        self.client = client
        self.error: HttpError | None = None

    def get(self) -> str:
        if self.value:
            return self.value
        if self.error:  # creating the filter failed once: do not repeat the call for every count
            raise self.error
        try:
            return self._resolve()
        except HttpError as exc:
            self.error = exc
            raise

    def _resolve(self) -> str:
        path = self.raw_dir / FILTER_FILE
        if path.exists():
            doc = load_raw(path)
        else:
            reply = self.client.get("/filters/create", {"base": "none", "include": FILTER_FIELDS, "unsafe": "false"})
            doc = reply.data
            if not self._id(doc):
                raise HttpError("stackexchange GET /filters/create: the answer holds no filter id")
            save_raw(path, reply.body, self.client.secrets)
            get_logger(SOURCE).info(
                "created Stack Exchange filter %s: set SO_FILTER to it to skip this call", self._id(doc)
            )
        if not self._id(doc):
            raise PipelineError(f"stackoverflow: raw {path} holds no filter id: delete it to create the filter again")
        self.value = self._id(doc)
        return self.value

    @staticmethod
    def _id(doc: object) -> str | None:
        items = doc.get("items") if isinstance(doc, dict) else None
        if items and isinstance(items[0], dict) and isinstance(items[0].get("filter"), str):
            return items[0]["filter"]
        return None


def collect(raw_dir: Path, counts: list[Count], client: StackExchangeClient | None, filter_id: str) -> Collected:
    out = Collected()
    filters = FilterSource(filter_id, raw_dir, client) if client else None
    for count in counts:
        path = raw_dir / f"{count.name}.json.gz"
        if path.exists():
            total = total_of(load_raw(path))
            if total is None:
                raise PipelineError(f"stackoverflow: raw {path} holds no `total`: delete it to fetch it again")
            out.totals[count.name] = total
            continue
        if filters is None:
            out.missing.append(path.name)
            continue
        try:
            reply = client.get("/search/advanced", {**count.params, "filter": filters.get()})
        except HttpError as exc:
            out.errors.append(str(exc))
            continue
        total = total_of(reply.data)
        if total is None:
            out.errors.append(
                f"stackexchange GET /search/advanced tagged={count.tag}: the answer has no `total` (SO_FILTER must include .total)"
            )
            continue
        save_raw(path, reply.body, client.secrets)
        out.totals[count.name] = total
    return out


# --------------------------------------------------------------------------- pure transform


def transform(plan: Plan, totals: Mapping[str, int]) -> tuple[dict[str, list[dict]], list[str]]:
    """Counts -> rows per staged file, and one warning per row left out because a count is missing."""
    left_out = []
    volume = []
    for count in plan.volume:
        if count.name in totals:
            volume.append({"lenguaje": count.tag, "preguntas_nuevas_2025": totals[count.name]})
        else:
            left_out.append(f"{VOLUME_FILE}: row {count.tag} left out (its count failed)")
    trends = []
    for label, month in plan.trends.items():
        missing = [c.tag for c in month if c.name not in totals]
        if missing:
            left_out.append(f"{TRENDS_FILE}: month {label} left out (count failed for {', '.join(missing)})")
        else:
            trends.append({"mes": label, **{c.tag: totals[c.name] for c in month}})
    accept = []
    for total_count, accepted_count in plan.accept:
        if total_count.name not in totals or accepted_count.name not in totals:
            left_out.append(f"{ACCEPT_FILE}: row {total_count.tag} left out (its total or accepted count failed)")
            continue
        total, accepted = totals[total_count.name], totals[accepted_count.name]
        accept.append(
            {
                "tecnologia": total_count.tag,
                "total_preguntas": total,
                "respuestas_aceptadas": accepted,
                "tasa_aceptacion_pct": f"{round(accepted * 100 / total, 2) if total else 0:.2f}",
            }
        )
    return {VOLUME_FILE: volume, TRENDS_FILE: trends, ACCEPT_FILE: accept}, left_out


def decide_status(rows: Mapping[str, list[dict]], left_out: list[str]) -> str:
    if not rows[VOLUME_FILE]:
        return "failed"
    return "partial" if left_out else "ok"


# --------------------------------------------------------------------------- CLI


CONTRACTS = {VOLUME_FILE: "so_volumen", TRENDS_FILE: "so_tendencias", ACCEPT_FILE: "so_aceptacion"}


def main(argv: list[str] | None = None) -> int:
    parser = source_parser(
        "Stack Exchange source job: raw question counts -> staged V1 CSVs + _source_status.json.", SETTINGS_HELP
    )
    args = parser.parse_args(argv)

    log = get_logger(SOURCE)
    run = settings()
    contracts = load_contracts()
    conf = SoSettings.from_env(trend_columns=contracts["so_tendencias"].column_names[1:])
    http = HttpSettings.from_env()
    raw_dir, staging = run.raw_dir(SOURCE), run.staging_dir(SOURCE)
    plan = plan_counts(conf, run.run_date, run.window)

    client = None
    if args.offline:
        if not any(raw_dir.glob("*.json.gz")):
            raise PipelineError(
                f"stackoverflow: --offline but {raw_dir} holds no raw responses: "
                "run `make extract-stackoverflow` (live) or `make demo`"
            )
    else:
        require_secrets(("STACKOVERFLOW_KEY",))
        client = StackExchangeClient(conf.api_url, http, conf.key.reveal())

    found = collect(raw_dir, plan.counts, client, conf.filter)
    if found.missing:
        raise PipelineError(
            f"stackoverflow: raw for {run.run_date} is incomplete ({len(found.missing)} responses missing, first "
            f"{found.missing[0]}): run without --offline to fetch them"
        )
    errors = summarize(found.errors)
    for message in errors:
        log.error("%s", message)

    rows, left_out = transform(plan, found.totals)
    status = decide_status(rows, left_out)
    for message in left_out:
        log.warning("%s", message)
    if status == "failed":
        errors.append(f"no question volume could be counted for any of {', '.join(conf.tags)}")

    for name, contract in CONTRACTS.items():
        write_csv(staging / name, contracts[contract].column_names, rows[name])
    write_source_status(
        staging,
        source=SOURCE,
        status=status,
        run_date=run.run_date,
        files=list(CONTRACTS),
        requests=client.requests if client else 0,
        retries=client.retries if client else 0,
        waited_seconds=client.waited_seconds if client else 0.0,
        warnings=left_out,
        errors=errors,
    )
    if client and client.quota_remaining is not None:
        log.info("Stack Exchange quota left today: %d of %s", client.quota_remaining, client.quota_max)
    log.info(
        "stackoverflow %s: wrote %s (%s rows) from %d counts, %d requests",
        status,
        ", ".join(str(staging / name) for name in CONTRACTS),
        "/".join(str(len(rows[name])) for name in CONTRACTS),
        len(found.totals),
        client.requests if client else 0,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))

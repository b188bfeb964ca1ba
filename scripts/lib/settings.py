"""Run settings from the environment (Make exports them), parsed and typed, and the source window."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lib import ROOT, PipelineError

WINDOW_DAYS = 365


@dataclass(frozen=True)
class Settings:
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


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (Make exports DATOS, RUN_DATE, RUN_ID and AS_OF)."""
    env = os.environ if env is None else env
    now = dt.datetime.now(dt.UTC)
    return Settings(
        datos=Path(env.get("DATOS") or ROOT / "datos"),
        run_date=parse_run_date(env.get("RUN_DATE") or now.date().isoformat()),
        run_id=parse_run_id(env.get("RUN_ID") or str(uuid.uuid4())),
        as_of=parse_as_of(env["AS_OF"]) if env.get("AS_OF") else now,
    )


def window_for(run_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The shared source window: [run date 00:00 UTC - 365 days, run date 00:00 UTC)."""
    end = dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC)
    return end - dt.timedelta(days=WINDOW_DAYS), end


def iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return iso_utc(dt.datetime.now(dt.UTC))


def require_secrets(names: tuple[str, ...], env: Mapping[str, str] | None = None) -> None:
    """Fail before any request when a secret is missing, naming it (never its value)."""
    env = os.environ if env is None else env
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise PipelineError(
            f"missing secret(s): {', '.join(missing)}: export them, or run `make demo` to use the bundled recorded data"
        )

"""Logging to stderr with every secret value and credential-shaped text masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping

from lib.settings import read, secret_values

REDACTED = "***"


_SECRET_PATTERNS = (
    # query parameters that carry credentials (Stack Exchange `key`, OAuth tokens)
    re.compile(r"(?i)([?&](?:key|access_token|client_secret)=)[^&#\s'\"]+"),
    # bearer / token credentials, as in an Authorization header
    re.compile(r"(?i)\b((?:bearer|token)\s+)[A-Za-z0-9_.~+/=-]{16,}"),
    # credentials inside JSON (an OAuth token response)
    re.compile(r"(?i)(\"(?:access_token|refresh_token|client_secret)\"\s*:\s*\")[^\"]+"),
)


def redact(text: object, env: Mapping[str, str] | None = None) -> str:
    """`text` as a string with every secret value and credential-shaped substring masked."""
    out = str(text)
    for value in secret_values(env):
        if len(value) >= 4:
            out = out.replace(value, REDACTED)
    for pattern in _SECRET_PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + REDACTED, out)
    return out


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of the call (tests capture it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def get_logger(name: str) -> logging.Logger:
    """A stderr logger whose every line (tracebacks included) passes through `redact`."""
    logger = logging.getLogger(f"trends.{name}")
    root = logging.getLogger("trends")
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):  # pytest may add capture handlers first
        handler = _StderrHandler()
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        root.addHandler(handler)
        root.setLevel(read("LOG_LEVEL"))
        root.propagate = False
    return logger

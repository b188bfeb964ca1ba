"""The source-availability policy and the trend score weights, in one place that every step only reads.

- which sources a run may score with: a staged source is usable with one of USABLE_STATUSES and its scored
  file (SCORED_FILES) staged; MIN_SOURCES_TO_PUBLISH of the three are needed for a new latest set
  (scripts/degradation.py applies this and records the decision in work/degradation.json);
- with which weights: V1's DEFAULT_WEIGHTS, or TREND_WEIGHTS (a recorded Make setting); the shares of
  unavailable sources are spread over the available ones (`renormalised`).

scripts/degradation.py decides with these; scripts/trend_engine.py scores with the weights the decision recorded;
the quality gate and the aggregate step read the decision. Nothing else defines a weight or a threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

from lib import PipelineError
from lib.settings import read, weight_pairs

DEFAULT_WEIGHTS = {"github": 0.40, "stackoverflow": 0.35, "reddit": 0.25}  # V1's; TREND_WEIGHTS overrides
SCORED_FILES = {  # the staged file each source's score reads
    "github": "github_repos_2025.csv",
    "stackoverflow": "so_volumen_preguntas.csv",
    "reddit": "reddit_temas_emergentes.csv",
}
USABLE_STATUSES = ("ok", "partial")
MIN_SOURCES_TO_PUBLISH = 2


def parse_weights(text: str, what: str = "TREND_WEIGHTS") -> dict[str, float]:
    """`github=0.5,reddit=0.2,...` over the default weights; each weight a finite number >= 0."""
    return {**DEFAULT_WEIGHTS, **dict(weight_pairs(text, what))}


def configured_weights(env: Mapping[str, str] | None = None) -> dict[str, float]:
    """The weights of a run with all three sources: TREND_WEIGHTS (they must add up to 1), else V1's."""
    pairs = read("TREND_WEIGHTS", env)
    weights = {**DEFAULT_WEIGHTS, **dict(pairs)}
    if abs(sum(weights.values()) - 1) > 1e-9:
        text = ",".join(f"{source}={weight:g}" for source, weight in pairs)
        raise PipelineError(f"TREND_WEIGHTS={text!r} adds up to {sum(weights.values()):g}, not 1")
    return weights


def renormalised(available: list[str]) -> dict[str, float]:
    """The configured weights (TREND_WEIGHTS, else V1's), the unavailable sources' shares spread over the rest."""
    weights = configured_weights()
    if len(available) == len(weights):
        return weights
    total = sum(weights[s] for s in available)
    return {s: (weights[s] / total if s in available and total else 0.0) for s in weights}

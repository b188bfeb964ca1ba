"""The V1 trend score in pandas, written from docs/trend_engine.md's statement of V1: the reference the V2 engine is
checked against (scripts/equivalence.py), and the rollback engine a run publishes with when `TREND_ENGINE=v1`
(through `publishable_rows`, which gives the trend_score contract's one row per technology).

`score` keeps V1's quirks on purpose: two raw names with one display name give two rows, and exact ties come out in
whatever order pandas' sort leaves them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lib import PipelineError
from lib.cli import run_cli
from lib.contracts import read_name_map
from lib.files import atomic_path

V1_WEIGHTS = {"github": 0.40, "stackoverflow": 0.35, "reddit": 0.25}
NOT_LANGUAGES = {"sin especificar", "llms/ai", "ai/ml", "ai", "llm", "genai", "artificial intelligence"}
GITHUB_TOP = 15
COLUMNS = ["ranking", "tecnologia", "github_score", "so_score", "reddit_score", "trend_score", "fuentes"]


def normalise(name: str, name_map: Mapping[str, str]) -> str:
    key = str(name).strip().lower()
    return name_map.get(key, key.title())


def min_max(values: pd.Series) -> pd.Series:
    values = pd.to_numeric(values).astype("float64")
    low, high = values.min(), values.max()
    if high == low:
        return pd.Series(50.0, index=values.index)
    return ((values - low) / (high - low) * 100).round(2)


def github_scores(repos: pd.DataFrame, name_map: Mapping[str, str]) -> pd.DataFrame:
    language = repos["language"].fillna("Sin especificar").astype(str).str.strip()
    language = language.where(language != "", "Sin especificar")
    language = language[~language.str.lower().isin(NOT_LANGUAGES)]
    counts = language.value_counts().head(GITHUB_TOP)
    return pd.DataFrame(
        {
            "tecnologia": [normalise(n, name_map) for n in counts.index],
            "github_score": min_max(pd.Series(counts.to_numpy())).to_numpy(),
        }
    )


def source_scores(frame: pd.DataFrame, name_col: str, count_col: str, score_col: str, name_map) -> pd.DataFrame:
    frame = frame.dropna(subset=[name_col, count_col])
    return pd.DataFrame(
        {
            "tecnologia": [normalise(n, name_map) for n in frame[name_col]],
            score_col: min_max(frame[count_col].reset_index(drop=True)).to_numpy() if len(frame) else [],
        }
    )


INPUTS = {  # source -> (V1 file, the columns V1 reads)
    "github": ("github_repos_2025.csv", ["language"]),
    "stackoverflow": ("so_volumen_preguntas.csv", ["lenguaje", "preguntas_nuevas_2025"]),
    "reddit": ("reddit_temas_emergentes.csv", ["tema", "menciones"]),
}


def _read(source: str, path: Path | None) -> pd.DataFrame:
    """A source's V1 file; an unavailable source (None) is an empty table, so it scores 0 everywhere."""
    name, columns = INPUTS[source]
    if path is None:
        return pd.DataFrame({col: pd.Series([], dtype="object") for col in columns})
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise PipelineError(f"V1 engine: {source} input {path} does not exist: pass a folder with {name}") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PipelineError(f"V1 engine: {path} is not a readable V1 CSV ({exc})") from None
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise PipelineError(f"V1 engine: {path} lacks column(s) {', '.join(missing)}: is it the V1 {name}?")
    return frame


def score(input_dir: Path, weights: Mapping[str, float] = V1_WEIGHTS) -> pd.DataFrame:
    """V1's trend_score table for a flat folder with the three V1 input CSVs."""
    return score_inputs({s: Path(input_dir) / name for s, (name, _) in INPUTS.items()}, weights)


def score_inputs(inputs: Mapping[str, Path | None], weights: Mapping[str, float] = V1_WEIGHTS) -> pd.DataFrame:
    """V1's trend_score table for one file per source (None: the source is unavailable; give it weight 0)."""
    name_map = read_name_map()
    github = github_scores(_read("github", inputs["github"]), name_map)
    so = source_scores(
        _read("stackoverflow", inputs["stackoverflow"]), "lenguaje", "preguntas_nuevas_2025", "so_score", name_map
    )
    reddit = source_scores(_read("reddit", inputs["reddit"]), "tema", "menciones", "reddit_score", name_map)
    df = github.merge(so, on="tecnologia", how="outer").merge(reddit, on="tecnologia", how="outer")
    scores = ["github_score", "so_score", "reddit_score"]
    df[scores] = df[scores].astype("float64").fillna(0.0)
    df["trend_score"] = (
        weights["github"] * df["github_score"]
        + weights["stackoverflow"] * df["so_score"]
        + weights["reddit"] * df["reddit_score"]
    ).round(2)
    df = df[df["trend_score"] > 0].copy()
    df["fuentes"] = (df[scores] > 0).sum(axis=1)
    df = df.sort_values("trend_score", ascending=False).reset_index(drop=True)
    df["ranking"] = range(1, len(df) + 1)
    return df[COLUMNS]


def publishable_rows(table: pd.DataFrame) -> list[list]:
    """V1's table in the trend_score contract's form, for publishing with the V1 engine (`TREND_ENGINE=v1`).

    Two changes, both where V1 was undefined or broke the contract: one row per display name (V1's best-ranked
    one, the row V2 keeps too) and exact ties ordered by `tecnologia` ascending; rankings are numbered again.
    Scores are V1's own numbers.
    """
    best = table.sort_values("ranking").drop_duplicates("tecnologia", keep="first")
    ordered = sorted(best.to_dict("records"), key=lambda row: (-row["trend_score"], row["tecnologia"]))
    return [
        [rank, row["tecnologia"], *(float(row[c]) for c in COLUMNS[2:6]), int(row["fuentes"])]
        for rank, row in enumerate(ordered, start=1)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-dir", type=Path, required=True, help="flat folder with the three V1 input CSVs")
    parser.add_argument("--output", type=Path, required=True, help="where to write V1's trend_score.csv")
    args = parser.parse_args(argv)
    result = score(args.input_dir)
    with atomic_path(args.output) as tmp:
        result.to_csv(tmp, index=False, lineterminator="\n")
    print(f"wrote {args.output}: {len(result)} rows (V1 oracle, reference only)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

"""Foreseeable input faults give words, not tracebacks: a staged input the trend engine cannot read, and a
corrupt file in a run, end with a sentence naming the file (and, in a run, leave the gate to record it)."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

import extract_github
import extract_stackoverflow
import trend_engine
from lib import ROOT
from lib.cli import run_cli
from trend_engine import INPUT_FILES

CASE = ROOT / "tests" / "fixtures" / "equivalence" / "realistic_week"


def flat_inputs(tmp_path):
    folder = tmp_path / "v1"
    folder.mkdir()
    for name in INPUT_FILES.values():
        shutil.copy(CASE / name, folder / name)
    return folder


def test_a_non_utf8_header_is_named_not_a_unicode_traceback(tmp_path, capsys):
    folder = flat_inputs(tmp_path)
    (folder / INPUT_FILES["github"]).write_bytes(b"repo_name,lan\xe9guage\n")
    code = run_cli(trend_engine.main, ["--input-dir", str(folder), "--output", str(tmp_path / "t.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "unexpected" not in err
    assert "is not UTF-8" in err and INPUT_FILES["github"] in err


def test_an_unreadable_staged_input_in_a_run_writes_no_score_and_says_why(tmp_path, capsys):
    staging = tmp_path / "staging"
    for source, name in INPUT_FILES.items():
        (staging / source).mkdir(parents=True)
        shutil.copy(CASE / name, staging / source / name)
    body = (staging / "reddit" / INPUT_FILES["reddit"]).read_bytes()
    (staging / "reddit" / INPUT_FILES["reddit"]).write_bytes(body + b'"unterminated,1\n')
    decision = tmp_path / "degradation.json"
    weights = {"github": 0.4, "stackoverflow": 0.35, "reddit": 0.25}
    decision.write_text(json.dumps({"decision": "publish", "available": list(weights), "weights": weights}))
    output = tmp_path / "work" / "trend_score.csv"
    output.parent.mkdir()
    output.write_text("an older score\n")
    args = ["--staging", str(staging), "--degradation", str(decision), "--output", str(output)]
    code = run_cli(trend_engine.main, args)
    err = capsys.readouterr().err
    assert code == 0 and not output.exists()  # never an older score left looking current
    assert "not computed, a staged input cannot be read" in err and "unexpected" not in err


@pytest.mark.parametrize(
    ("source", "page", "content", "words"),
    [
        ("github", "search_", b"not gzip", "is unreadable (BadGzipFile): delete it to fetch it again"),
        (
            "github",
            "search_",
            gzip.compress(b'{"message": "a foreign answer"}', mtime=0),
            "is not a search response: delete it",
        ),
        (
            "github",
            "commits_",
            gzip.compress(b'{"message": "a foreign answer"}', mtime=0),
            "is not a list of objects: delete",
        ),
        (
            "github",
            "prs_",
            gzip.compress(b'{"items": []}', mtime=0),
            "integer total_count: delete it to fetch it again",
        ),
        ("stackoverflow", "", b"\x1f\x8b\x08 truncated", "delete it to fetch it again"),
        ("stackoverflow", "", gzip.compress(b'{"items": []}', mtime=0), "holds no `total`: delete it"),
    ],
)
def test_a_malformed_cached_raw_page_says_how_to_drop_it(rest_run, capsys, source, page, content, words):
    module = {"github": extract_github, "stackoverflow": extract_stackoverflow}[source]
    raw = rest_run / "raw" / source / "2026-11-23"
    shutil.copytree(ROOT / "datos" / "recorded" / source / "2026-11-23", raw)
    pages = [p for p in raw.iterdir() if p.name.startswith(page) and p.name.endswith(".json.gz")]
    victim = sorted(p for p in pages if "filter" not in p.name)[0]
    victim.write_bytes(content)
    assert run_cli(module.main, ["--offline"]) == 2
    err = capsys.readouterr().err
    assert words in err and victim.name in err and "unexpected" not in err

"""A status file is trusted only for files inside its own folder whose checksum AND row count it states truly;
a wrong-shaped status gives words; a scored source with no data rows is not available at full weight."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

import degradation
from lib import ROOT, SOURCES
from lib.status import check_source, write_source_status
from trend_engine import INPUT_FILES

CASE = ROOT / "tests" / "fixtures" / "equivalence" / "realistic_week"
RUN_DATE = dt.date(2026, 11, 23)


def stage_all(root):
    for source in SOURCES:
        folder = root / source
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(CASE / INPUT_FILES[source], folder / INPUT_FILES[source])
        write_source_status(folder, source=source, status="ok", run_date=RUN_DATE, files=[INPUT_FILES[source]])
    return root


def edit_status(folder, edit):
    path = folder / "_source_status.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("name", ["../github/github_repos_2025.csv", "/etc/passwd", "..", "sub/x.csv", ".hidden.csv"])
def test_a_status_naming_a_file_outside_its_folder_is_refused(tmp_path, name):
    root = stage_all(tmp_path)
    folder = root / "stackoverflow"

    def add(doc):
        doc["files"][name] = {"rows": 1, "sha256": "0" * 64}

    edit_status(folder, add)
    _, problems = check_source(folder)
    assert len(problems) == 1 and repr(name) in problems[0]
    assert "inside its folder" in problems[0] or "hidden files" in problems[0]
    decision = degradation.decide(root, RUN_DATE)
    assert "stackoverflow" in decision["unavailable"]


def test_a_staged_file_that_is_a_symlink_is_refused_even_with_the_right_checksum(tmp_path):
    root = stage_all(tmp_path)
    folder = root / "reddit"
    target = tmp_path / "elsewhere.csv"
    shutil.move(folder / INPUT_FILES["reddit"], target)
    (folder / INPUT_FILES["reddit"]).symlink_to(target)
    _, problems = check_source(folder)
    assert problems and "symbolic link" in problems[0]
    assert "reddit" in degradation.decide(root, RUN_DATE)["unavailable"]


def test_a_status_file_that_is_a_symlink_is_refused(tmp_path):
    root = stage_all(tmp_path)
    folder = root / "github"
    shutil.move(folder / "_source_status.json", tmp_path / "status.json")
    (folder / "_source_status.json").symlink_to(tmp_path / "status.json")
    doc, problems = check_source(folder)
    assert doc is None and "symbolic link" in problems[0]


def test_a_row_count_that_does_not_match_the_file_is_refused(tmp_path):
    root = stage_all(tmp_path)
    folder = root / "github"

    def lie(doc):
        doc["files"][INPUT_FILES["github"]]["rows"] += 1

    edit_status(folder, lie)
    _, problems = check_source(folder)
    assert len(problems) == 1 and "data rows, its status says" in problems[0]
    assert "github" in degradation.decide(root, RUN_DATE)["unavailable"]


def test_row_counts_are_quoting_aware_and_ignore_a_missing_final_newline(tmp_path):
    cases = {
        "plain.csv": b"a,b\n1,2\n3,4\n",
        "no_final_newline.csv": b"a,b\n1,2\n3,4",
        "quoted.csv": b'a,b\n"x\ny",2\n3,4\n',
        "crlf.csv": b"a,b\r\n1,2\r\n",
        "header_only.csv": b"a,b\n",
        "empty.csv": b"",
    }
    for name, body in cases.items():
        (tmp_path / name).write_bytes(body)
    write_source_status(tmp_path, source="github", status="ok", run_date=RUN_DATE, files=sorted(cases))
    doc, problems = check_source(tmp_path)
    assert problems == []
    assert {n: m["rows"] for n, m in doc["files"].items()} == {
        "crlf.csv": 1,
        "empty.csv": 0,
        "header_only.csv": 0,
        "no_final_newline.csv": 2,
        "plain.csv": 2,
        "quoted.csv": 2,
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[1, 2]", "is not of type 'object'"),
        (b"\xff\xfe not json", "is not valid JSON"),
        (b'{"source": "github"', "is not valid JSON"),
        (None, "is a directory"),
    ],
)
def test_a_status_file_of_the_wrong_shape_gives_words_not_a_traceback(tmp_path, content, words):
    folder = stage_all(tmp_path) / "github"
    path = folder / "_source_status.json"
    path.unlink()
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    doc, problems = check_source(folder)
    assert doc is None and any(words in p for p in problems), problems
    decision = degradation.decide(tmp_path, RUN_DATE)
    assert decision["sources"]["github"]["status"] == "invalid" and "github" in decision["unavailable"]


def test_a_scored_source_with_no_data_rows_is_not_available_at_full_weight(tmp_path):
    root = stage_all(tmp_path)
    folder = root / "reddit"
    header = (folder / INPUT_FILES["reddit"]).read_text().splitlines()[0]
    (folder / INPUT_FILES["reddit"]).write_text(header + "\n")
    write_source_status(folder, source="reddit", status="ok", run_date=RUN_DATE, files=[INPUT_FILES["reddit"]])
    decision = degradation.decide(root, RUN_DATE)
    assert decision["decision"] == "publish_with_warning"
    assert "no data rows" in decision["unavailable"]["reddit"]
    assert decision["weights"]["reddit"] == 0.0
    assert sum(decision["weights"].values()) == pytest.approx(1.0)

"""The run manifest schema accepts a real manifest and names what is wrong with a bad one."""

from __future__ import annotations

import copy

import pytest

from lib.contracts import manifest_errors

RUN_ID = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"


def sample() -> dict:
    return {
        "run_id": RUN_ID,
        "generated_at_utc": "2026-11-23T06:00:05Z",
        "git_sha": "0123456789abcdef0123456789abcdef01234567",
        "branch": "main",
        "source_window_start_utc": "2025-11-23T00:00:00Z",
        "source_window_end_utc": "2026-11-23T00:00:00Z",
        "quality_gate_status": "pass",
        "datasets": [
            {
                "dataset_logical_name": "trend_score",
                "version_semver": "1.0.0",
                "generated_at_utc": "2026-11-23T06:00:04Z",
                "source_run_id": RUN_ID,
                "schema_hash": "a" * 64,
                "row_count": 27,
                "quality_status": "pass",
                "latest_path": "latest/trend_score.csv",
                "history_path": "history/trend_score/year=2026/month=11/day=23/part-0000.parquet",
            }
        ],
    }


def test_valid_manifest_has_no_errors():
    assert manifest_errors(sample()) == []


def test_failed_run_without_datasets_is_valid():
    doc = sample()
    doc["quality_gate_status"] = "fail"
    doc["datasets"] = []
    assert manifest_errors(doc) == []


def _broken(path: list, value=None, delete=False) -> dict:
    doc = copy.deepcopy(sample())
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (_broken(["git_sha"], delete=True), r"\(root\): 'git_sha' is a required property"),
        (_broken(["datasets", 0, "row_count"], delete=True), r"datasets/0: 'row_count' is a required property"),
        (_broken(["run_id"], "not-a-uuid"), r"run_id: 'not-a-uuid' does not match"),
        (_broken(["quality_gate_status"], "passed"), r"quality_gate_status: 'passed' is not one of"),
        (_broken(["datasets", 0, "quality_status"], "pass_with_warnings"), r"datasets/0/quality_status"),
        (_broken(["datasets", 0, "schema_hash"], "abc123"), r"datasets/0/schema_hash: 'abc123' does not match"),
        (_broken(["datasets", 0, "schema_hash"], "A" * 64), r"datasets/0/schema_hash"),
        (_broken(["datasets", 0, "row_count"], -1), r"datasets/0/row_count: -1 is less than the minimum"),
        (_broken(["generated_at_utc"], "2026-11-23 06:00"), r"generated_at_utc"),
        (
            _broken(["datasets", 0, "source_run_id"], "11111111-2222-4333-8444-555555555555"),
            r"datasets/0/source_run_id: '11111111-2222-4333-8444-555555555555' is not the run_id",
        ),
    ],
)
def test_invalid_manifests_are_named(doc, expected):
    errors = manifest_errors(doc)
    assert errors, "the broken manifest was accepted"
    assert any(__import__("re").search(expected, e) for e in errors), errors

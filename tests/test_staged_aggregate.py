"""The gate and the writer read the same parse: through the real aggregate step, a tolerated oddity (BOM, CRLF)
publishes exactly what a clean file publishes, and a file the gate refuses publishes nothing and is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.files import sha256_file
from lib.status import write_source_status
from staged_run import ROWS, RUN_DATE, run_script, stage

pytestmark = pytest.mark.slow  # each test runs the whole aggregate step

RUN_CLEAN = "33333333-3333-4333-8333-333333333333"
RUN_ODD = "44444444-4444-4444-8444-444444444444"
NAME = "so_volumen_preguntas.csv"


def restage(datos: Path, body: bytes) -> None:
    folder = datos / "staging" / "stackoverflow"
    (folder / NAME).write_bytes(body)
    write_source_status(
        folder, source="stackoverflow", status="ok", run_date=RUN_DATE, files=list(ROWS["stackoverflow"])
    )


def aggregate(datos: Path, run_id: str):
    return run_script("aggregate.py", datos, run_id=run_id)


def test_a_bom_and_crlf_file_publishes_exactly_what_the_clean_file_publishes(tmp_path):
    clean, odd = tmp_path / "clean", tmp_path / "odd"
    stage(clean)
    stage(odd)
    text = (odd / "staging" / "stackoverflow" / NAME).read_bytes()
    restage(odd, b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
    assert aggregate(clean, RUN_CLEAN).returncode == 0
    run = aggregate(odd, RUN_ODD)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sha256_file(odd / "latest" / NAME) == sha256_file(clean / "latest" / NAME)
    assert (odd / "latest" / NAME).read_bytes().startswith(b"lenguaje,")


@pytest.mark.parametrize(
    ("row", "rule", "words"),
    [
        (b"go,99999999999999999999\n", "types_valid", "99999999999999999999"),
        (b"go,inf\n", "types_valid", "preguntas_nuevas_2025"),
        (b"go,-5\n", "counts_non_negative", "-5"),
        (b"python,7\n", "keys_unique", "repeat a key"),
        (b"go,\xff\n", "file_readable", "line 5"),
        (b"go,1,extra\n", "file_readable", "ragged row"),
    ],
)
def test_a_file_the_gate_refuses_publishes_nothing_and_the_record_names_it(tmp_path, row, rule, words):
    datos = tmp_path / "datos"
    stage(datos)
    path = datos / "staging" / "stackoverflow" / NAME
    restage(datos, path.read_bytes() + row)
    run = aggregate(datos, RUN_ODD)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "did NOT publish" in run.stdout and "unexpected" not in run.stderr
    assert not (datos / "latest").exists() and not (datos / "history").exists()
    report = json.loads((datos / "metadata" / "quality" / f"{RUN_ODD}.json").read_text())
    failed = [c for c in report["checks"] if c["dataset"] == "so_volumen" and not c["passed"]]
    assert rule in {c["rule"] for c in failed}
    assert any(words in json.dumps(c) for c in failed if c["rule"] == rule)
    record = json.loads((datos / "metadata" / "runs" / f"{RUN_ODD}.json").read_text())
    assert record["published"] is False and record["quality_gate_status"] == "fail"

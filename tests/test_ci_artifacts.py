"""The artifact hand-over between workflow jobs: every way an artifact can be refused, one test each."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

import ci_artifacts
from ci_artifacts import check_staging, place_run, place_staging
from lib import SOURCES
from lib.status import write_source_status

RUN_DATE = dt.date(2026, 11, 23)
GOOD_CSV = "github_repos_2025.csv"


def staged_folder(root: Path, source: str) -> Path:
    """A small valid staging folder for `source`: one CSV per expected file, and its status file."""
    folder = root / source
    folder.mkdir(parents=True)
    names = sorted(ci_artifacts.expected_files(source) - {ci_artifacts.STATUS_FILE})
    for i, name in enumerate(names):
        (folder / name).write_text(f"a,b\n{i},{source}\n", encoding="utf-8")
    write_source_status(folder, source=source, status="ok", run_date=RUN_DATE, files=names)
    return folder


def zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in sorted(folder.iterdir()):
            zf.write(entry, entry.name)
    return out


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """A download folder holding the three source artifacts as zip files, as the dry run hands them over."""
    out = tmp_path / "artifacts"
    out.mkdir()
    for source in SOURCES:
        zip_folder(staged_folder(tmp_path / "jobs", source), out / f"staging-{source}.zip")
    return out


def verdict_of(artifact: Path, tmp_path: Path, source: str = "github", **kw):
    return check_staging(source, artifact, tmp_path / "dest", **kw)


def add_member(zip_path: Path, info: zipfile.ZipInfo | str, data: bytes = b"x") -> None:
    with zipfile.ZipFile(zip_path, "a") as zf:
        zf.writestr(info, data)


def test_valid_artifacts_are_all_placed(artifacts, tmp_path):
    datos = tmp_path / "datos"
    datos.mkdir()
    code, lines = place_staging(artifacts, datos)
    assert code == 0, lines
    assert lines[-1].startswith("placed 3 of 3 sources")
    for source in SOURCES:
        assert (datos / "staging" / source / "_source_status.json").is_file()
    assert [p.name for p in datos.iterdir()] == ["staging"]  # the temporary folder is gone


def test_a_folder_artifact_is_checked_like_a_zip(tmp_path):
    folder = staged_folder(tmp_path / "jobs", "github")
    assert verdict_of(folder, tmp_path).ok
    os.symlink("/etc/passwd", folder / GOOD_CSV.replace("repos", "x"))
    verdict = verdict_of(folder, tmp_path / "again")
    assert not verdict.ok and "symbolic link" in verdict.problems[0]


def test_missing_artifact_is_rejected_and_the_others_placed(artifacts, tmp_path):
    (artifacts / "staging-reddit.zip").unlink()
    datos = tmp_path / "datos"
    datos.mkdir()
    code, lines = place_staging(artifacts, datos)
    assert code == 0
    assert "staging-reddit: REJECTED: missing" in "\n".join(lines)
    assert sorted(p.name for p in (datos / "staging").iterdir()) == ["github", "stackoverflow"]


def test_bad_checksum_is_rejected(tmp_path):
    folder = staged_folder(tmp_path / "jobs", "github")
    (folder / GOOD_CSV).write_text("a,b\n9,changed\n", encoding="utf-8")
    verdict = verdict_of(zip_folder(folder, tmp_path / "a.zip"), tmp_path)
    assert not verdict.ok
    assert verdict.problems == [f"{GOOD_CSV} does not match its recorded SHA-256 (changed or corrupt)"]


def test_truncated_zip_is_rejected(artifacts, tmp_path):
    path = artifacts / "staging-github.zip"
    path.write_bytes(path.read_bytes()[:-60])
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok and "not a readable zip" in verdict.problems[0]


def test_a_corrupt_member_fails_its_crc(tmp_path):
    folder = staged_folder(tmp_path / "jobs", "github")
    path = tmp_path / "stored.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for entry in sorted(folder.iterdir()):
            zf.write(entry, entry.name)
    data = bytearray(path.read_bytes())
    at = data.index(b"a,b\n0,github")
    data[at + 4] ^= 0x01  # one flipped bit inside a stored member
    path.write_bytes(bytes(data))
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok and "corrupt" in verdict.problems[0]


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil.csv", "climbs out"),
        ("ok/../../evil.csv", "climbs out"),
        ("/etc/cron.d/evil", "absolute"),
        ("C:/evil.csv", "absolute"),
        ("..\\evil.csv", "absolute or non-POSIX"),
        ("sub/github_repos_2025.csv", "subfolder"),
        ("sub/", "subfolder"),
        ("notes.txt", "not an expected file name"),
    ],
)
def test_hostile_paths_are_rejected(artifacts, tmp_path, member, reason):
    path = artifacts / "staging-github.zip"
    add_member(path, member)
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok
    assert reason in verdict.problems[0]
    assert not any((tmp_path / "dest").rglob("evil*")) and not (tmp_path / "evil.csv").exists()


def test_a_symbolic_link_member_is_rejected(artifacts, tmp_path):
    info = zipfile.ZipInfo(GOOD_CSV.replace("repos", "link"))
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok and "symbolic link" in verdict.problems[0]


def test_a_duplicate_member_is_rejected(artifacts, tmp_path):
    path = artifacts / "staging-github.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        add_member(path, ci_artifacts.STATUS_FILE, b"{}")
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok and "appears twice" in verdict.problems[0]


def test_a_zip_bomb_is_rejected_before_extraction(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(GOOD_CSV, "w") as out:
        for _ in range(20):
            out.write(bytes(1 << 20))
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok and "zip bomb" in verdict.problems[0]
    assert not (tmp_path / "dest" / GOOD_CSV).exists()


def test_a_header_that_understates_sizes_stops_extraction(tmp_path):
    """A member whose central directory claims fewer bytes than it holds: extraction stops at the claim, and the
    member cut short fails its CRC."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(GOOD_CSV, b"A" * 5000)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # uncompressed size in the central directory
    path.write_bytes(bytes(data))
    verdict = verdict_of(path, tmp_path)
    assert not verdict.ok
    assert verdict.problems == [f"liar.zip is corrupt while extracting (Bad CRC-32 for file {GOOD_CSV!r})"]
    assert not (tmp_path / "dest" / GOOD_CSV).exists() or (tmp_path / "dest" / GOOD_CSV).stat().st_size <= 100


def test_over_the_total_budget_nothing_is_placed(artifacts, tmp_path):
    datos = tmp_path / "datos"
    datos.mkdir()
    sizes = [ci_artifacts.unpack(p, d, lambda _n: True, True, 10**9) for p, d in _scratch(artifacts, tmp_path)]
    total = sum(sizes)
    code, lines = place_staging(artifacts, datos, warn_bytes=total // 2, max_bytes=total - 1)
    assert code == 1
    assert "over the" in lines[-1] and "nothing placed" in lines[-1]
    assert not (datos / "staging").exists()


def test_over_the_warning_level_is_placed_with_a_warning(artifacts, tmp_path):
    datos = tmp_path / "datos"
    datos.mkdir()
    code, lines = place_staging(artifacts, datos, warn_bytes=10, max_bytes=10**9)
    assert code == 0
    assert any(line.startswith("warning: total") for line in lines)
    assert len(list((datos / "staging").iterdir())) == 3


def test_one_artifact_over_the_budget_is_refused_from_its_header(tmp_path):
    path = zip_folder(staged_folder(tmp_path / "jobs", "github"), tmp_path / "a.zip")
    verdict = verdict_of(path, tmp_path, max_bytes=10)
    assert not verdict.ok and "over the 10-byte budget" in verdict.problems[0]


def test_a_file_the_status_does_not_list_is_rejected(tmp_path):
    folder = staged_folder(tmp_path / "jobs", "github")
    status = json.loads((folder / "_source_status.json").read_text())
    listed = sorted(status["files"])
    write_source_status(folder, source="github", status="ok", run_date=RUN_DATE, files=listed[:1])
    verdict = verdict_of(zip_folder(folder, tmp_path / "a.zip"), tmp_path)
    assert not verdict.ok and "is not listed in _source_status.json" in verdict.problems[0]


def test_a_status_file_of_another_source_is_rejected(tmp_path):
    folder = staged_folder(tmp_path / "jobs", "github")
    verdict = check_staging("reddit", zip_folder(folder, tmp_path / "a.zip"), tmp_path / "dest")
    assert not verdict.ok  # github's files are not reddit's expected names


def test_a_rejected_artifact_removes_an_older_staging(artifacts, tmp_path):
    datos = tmp_path / "datos"
    old = staged_folder(datos / "staging", "reddit")
    (artifacts / "staging-reddit.zip").write_bytes(b"not a zip")
    code, _ = place_staging(artifacts, datos)
    assert code == 0 and not old.exists()


def _scratch(artifacts: Path, tmp_path: Path):
    for i, path in enumerate(sorted(artifacts.iterdir())):
        dest = tmp_path / f"scratch{i}"
        dest.mkdir()
        yield path, dest


# --------------------------------------------------------------------------- the committed run


def committed_run(datos: Path, run_id: str) -> None:
    """A minimal committed run record with one latest file, its V1 copy and a history partition."""
    latest = datos / "latest" / GOOD_CSV
    latest.parent.mkdir(parents=True)
    latest.write_text("a\n1\n", encoding="utf-8")
    (datos / GOOD_CSV).write_bytes(latest.read_bytes())
    history = datos / "history/github_repos/year=2026/month=11/day=23/part-0000.parquet"
    history.parent.mkdir(parents=True)
    history.write_bytes(b"PAR1")
    record = {
        "run_id": run_id,
        "published": True,
        "quality_report": f"metadata/quality/{run_id}.json",
        "flags": {"legacy_v1_copies": True},
        "datasets": [
            {
                "dataset_logical_name": "github_repos",
                "latest_path": f"latest/{GOOD_CSV}",
                "sha256": ci_artifacts.sha256_file(latest),
                "history_path": history.relative_to(datos).as_posix(),
            }
        ],
    }
    for rel in (f"metadata/runs/{run_id}.json", "metadata/run_manifest.json"):
        (datos / rel).parent.mkdir(parents=True, exist_ok=True)
        (datos / rel).write_text(json.dumps(record), encoding="utf-8")
    (datos / record["quality_report"]).parent.mkdir(parents=True)
    (datos / record["quality_report"]).write_text("{}", encoding="utf-8")


RUN_ID = "6f1c7d52-3f0b-4a3e-9a55-0a4d8c2b7e11"


def pack_and_zip(tmp_path: Path) -> Path:
    source = tmp_path / "aggregate"
    committed_run(source, RUN_ID)
    packed = tmp_path / "packed"
    names = ci_artifacts.pack_run(source, RUN_ID, packed)
    assert len(names) == 6
    out = tmp_path / "artifacts" / "committed-run.zip"
    out.parent.mkdir()
    with zipfile.ZipFile(out, "w") as zf:
        for entry in sorted(packed.rglob("*")):
            if entry.is_file():
                zf.write(entry, entry.relative_to(packed).as_posix())
    return out


def test_the_committed_run_is_placed_whole(tmp_path):
    artifact = pack_and_zip(tmp_path)
    datos = tmp_path / "publish"
    datos.mkdir()
    verdict = place_run(artifact, datos, RUN_ID)
    assert verdict.ok, verdict.problems
    assert (datos / "latest" / GOOD_CSV).read_text() == "a\n1\n"
    assert (datos / "metadata/run_manifest.json").is_file()


def test_a_committed_run_with_an_extra_or_changed_file_is_refused(tmp_path):
    artifact = pack_and_zip(tmp_path)
    datos = tmp_path / "publish"
    datos.mkdir()
    add_member(artifact, "latest/extra.csv", b"x\n")
    verdict = place_run(artifact, datos, RUN_ID)
    assert not verdict.ok and "unexpected ['latest/extra.csv']" in verdict.problems[0]
    assert not (datos / "latest").exists()


def test_a_committed_run_with_a_climbing_path_is_refused(tmp_path):
    artifact = pack_and_zip(tmp_path)
    add_member(artifact, "latest/../../escape.csv")
    verdict = place_run(artifact, tmp_path, RUN_ID)
    assert not verdict.ok and "climbs out" in verdict.problems[0]
    assert not (tmp_path.parent / "escape.csv").exists()


def test_a_run_that_did_not_publish_is_not_packed(tmp_path):
    datos = tmp_path / "aggregate"
    committed_run(datos, RUN_ID)
    record = datos / f"metadata/runs/{RUN_ID}.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "published": False}))
    with pytest.raises(ci_artifacts.PipelineError, match="did not publish"):
        ci_artifacts.pack_run(datos, RUN_ID, tmp_path / "out")

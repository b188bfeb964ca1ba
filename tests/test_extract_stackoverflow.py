"""Stack Exchange extractor: the transform on the bundled recorded data, live runs against the replay server."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import json
import logging
import shutil
from urllib.parse import quote

import pytest

import extract_stackoverflow as so
from lib import ROOT, PipelineError
from lib.cli import run_cli
from lib.settings import window_for
from lib.status import check_source
from replay_server import Response, json_response
from staged_run import run_in_process

SENTINEL = "SENTINELkey0123456789(("
RUN_DATE = "2026-11-23"
RECORDED = ROOT / "datos" / "recorded" / "stackoverflow" / RUN_DATE
TAGS = ["python", "javascript", "typescript", "java", "go", "c#", "php", "c++", "ruby", "kotlin"]
ACCEPT = ["reactjs", "vue.js", "angular", "next.js", "svelte"]
MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
SEARCHES = 10 + 12 * 3 + 5 * 2  # volume + monthly trend + accepted/total counts


@pytest.fixture
def env(rest_run):
    return rest_run


def raw_dir(datos):
    return datos / "raw" / "stackoverflow" / RUN_DATE


def staging(datos):
    return datos / "staging" / "stackoverflow"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def status_doc(datos):
    return json.loads((staging(datos) / "_source_status.json").read_text())


@functools.cache
def recorded() -> dict[str, dict]:
    return {p.name.removesuffix(".json.gz"): json.loads(gzip.decompress(p.read_bytes())) for p in RECORDED.iterdir()}


def epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


def file_for(query: dict[str, str]) -> str:
    """The recorded answer for a /search/advanced query, worked out from its parameters."""
    tag = query["tagged"].replace("#", "%23").replace("+", "%2B")
    start, end = int(query["fromdate"]), int(query["todate"]) + 1
    if (start, end) == (epoch("2025-11-23"), epoch("2026-11-23")):
        if "accepted" in query:
            return f"aceptacion_{tag}_accepted"
        return f"aceptacion_{tag}_total" if query["tagged"] in ACCEPT else f"volumen_{tag}"
    month = dt.datetime.fromtimestamp(start, dt.UTC).strftime("%Y-%m")
    return f"tendencia_{month}_{tag}"


def serve_recorded(replay):
    def search(req):
        name = file_for(req.query)
        if req.query.get("filter") != recorded()["filters_create"]["items"][0]["filter"]:
            return json_response({"error_id": 400, "error_name": "bad_parameter", "error_message": "filter"}, 400)
        if name not in recorded():
            return json_response({"error_id": 404, "error_name": "no_method", "error_message": name}, 404)
        return json_response(recorded()[name])

    replay.route("GET", "/filters/create", json_response(recorded()["filters_create"]))
    replay.route("GET", "/search/advanced", search)


def live(monkeypatch, replay):
    monkeypatch.setenv("STACKOVERFLOW_KEY", SENTINEL)
    monkeypatch.setenv("STACKEXCHANGE_API_URL", replay.url)


def searches(replay):
    return replay.hits("/search/advanced")


# --------------------------------------------------------------------------- plan


def test_last_12_complete_months_oldest_first():
    months = so.last_complete_months(dt.date(2026, 11, 23))
    assert [m[0] for m in months] == MONTHS
    assert months[0][1] == dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    assert months[-1][2] == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    january = so.last_complete_months(dt.date(2027, 1, 1))
    assert january[0][0] == "2026-01" and january[-1][0] == "2026-12"


def test_trend_tags_must_match_the_contract():
    with pytest.raises(PipelineError, match="SO_TREND_TAGS='python,go' must be 'python,javascript,typescript'"):
        so.SoSettings.from_env({"SO_TREND_TAGS": "python,go"}, ["python", "javascript", "typescript"])


# --------------------------------------------------------------------------- transform on recorded data


def test_transform_on_recorded_data_is_exact(env):
    shutil.copytree(RECORDED, raw_dir(env))
    assert so.main(["--offline"]) == 0
    rec = recorded()

    volume = read_csv(staging(env) / "so_volumen_preguntas.csv")
    assert volume[0] == ["lenguaje", "preguntas_nuevas_2025"]
    assert volume[1:] == [[t, str(rec[f"volumen_{t.replace('#', '%23').replace('+', '%2B')}"]["total"])] for t in TAGS]
    assert volume[1] == ["python", "34471"] and volume[6] == ["c#", "11867"]  # pinned: the bundled data

    trends = read_csv(staging(env) / "so_tendencias_mensuales.csv")
    assert trends[0] == ["mes", "python", "javascript", "typescript"]
    assert [row[0] for row in trends[1:]] == MONTHS
    assert trends[1] == [
        "2025-11",
        str(rec["tendencia_2025-11_python"]["total"]),
        str(rec["tendencia_2025-11_javascript"]["total"]),
        str(rec["tendencia_2025-11_typescript"]["total"]),
    ]
    assert trends[-1][1] == str(rec["tendencia_2026-10_python"]["total"])

    accept = read_csv(staging(env) / "so_tasa_aceptacion.csv")
    assert accept[0] == ["tecnologia", "total_preguntas", "respuestas_aceptadas", "tasa_aceptacion_pct"]
    assert [row[0] for row in accept[1:]] == ACCEPT
    total, accepted = rec["aceptacion_reactjs_total"]["total"], rec["aceptacion_reactjs_accepted"]["total"]
    assert accept[1] == ["reactjs", str(total), str(accepted), f"{accepted / total * 100:.2f}"]
    assert accept[1] == ["reactjs", "4636", "1414", "30.50"]  # pinned: 1414 / 4636 = 0.30500...

    doc, problems = check_source(staging(env))
    assert problems == [] and doc["status"] == "ok" and doc["requests"] == 0
    assert {name: meta["rows"] for name, meta in doc["files"].items()} == {
        "so_volumen_preguntas.csv": 10,
        "so_tendencias_mensuales.csv": 12,
        "so_tasa_aceptacion.csv": 5,
    }


def test_acceptance_rate_is_zero_when_there_are_no_questions():
    plan = so.Plan(
        [],
        {},
        [
            (
                so.Count("t", "svelte", *window_for(dt.date(2026, 11, 23))),
                so.Count("a", "svelte", *window_for(dt.date(2026, 11, 23)), True),
            )
        ],
    )
    rows, left_out = so.transform(plan, {"t": 0, "a": 0})
    assert rows[so.ACCEPT_FILE] == [
        {"tecnologia": "svelte", "total_preguntas": 0, "respuestas_aceptadas": 0, "tasa_aceptacion_pct": "0.00"}
    ]
    assert left_out == []


# --------------------------------------------------------------------------- live runs (replay server)


def test_live_run_sends_the_right_queries_then_second_run_fetches_nothing(env, replay, monkeypatch):
    live(monkeypatch, replay)
    serve_recorded(replay)
    assert so.main([]) == 0
    assert len(replay.requests) == 1 + SEARCHES  # the filter is created once, then every count
    create = replay.requests[0]
    assert create.path == "/filters/create" and create.query["base"] == "none"
    assert set(create.query["include"].split(";")) >= {".total", ".backoff", ".quota_remaining"}
    first = searches(replay)[0].query
    assert first == {
        "site": "stackoverflow",
        "tagged": "python",
        "fromdate": str(epoch("2025-11-23")),
        "todate": str(epoch("2026-11-23") - 1),
        "filter": "!SyntheticWrapperTotalBackoffQuota",
        "key": SENTINEL,
    }
    assert sum(1 for r in searches(replay) if r.query.get("accepted") == "True") == 5
    assert sorted(p.name for p in raw_dir(env).iterdir()) == sorted(p.name for p in RECORDED.iterdir())
    assert status_doc(env)["status"] == "ok" and status_doc(env)["requests"] == 1 + SEARCHES
    live_volume = (staging(env) / "so_volumen_preguntas.csv").read_bytes()

    assert so.main([]) == 0
    assert len(replay.requests) == 1 + SEARCHES  # second run, same date: zero requests
    assert status_doc(env)["requests"] == 0
    assert (staging(env) / "so_volumen_preguntas.csv").read_bytes() == live_volume


def test_configured_filter_skips_creating_one(env, replay, monkeypatch):
    live(monkeypatch, replay)
    monkeypatch.setenv("SO_FILTER", "!SyntheticWrapperTotalBackoffQuota")
    monkeypatch.setenv("SO_TAGS", "go")
    serve_recorded(replay)
    shutil.copytree(RECORDED, raw_dir(env))
    (raw_dir(env) / "volumen_go.json.gz").unlink()
    (raw_dir(env) / "filters_create.json.gz").unlink()
    assert so.main([]) == 0
    assert [r.path for r in replay.requests] == ["/search/advanced"]


def test_backoff_is_honoured_between_two_calls(env, replay, monkeypatch):
    shutil.copytree(RECORDED, raw_dir(env))
    for name in ("volumen_java", "volumen_go"):
        (raw_dir(env) / f"{name}.json.gz").unlink()
    live(monkeypatch, replay)
    serve_recorded(replay)
    replay.inject("GET", "/search/advanced", json_response({**recorded()["volumen_java"], "backoff": 1}))
    assert so.main([]) == 0
    first, second = searches(replay)
    assert (first.query["tagged"], second.query["tagged"]) == ("java", "go")
    assert second.at - first.at >= 1.0  # measured by the server
    doc = status_doc(env)
    assert doc["status"] == "ok" and doc["waited_seconds"] > 0.5 and doc["retries"] == 0


def test_throttle_violation_makes_the_source_partial_and_never_writes_zero(env, replay, monkeypatch):
    live(monkeypatch, replay)
    serve_recorded(replay)
    throttled = {
        "error_id": 502,
        "error_name": "throttle_violation",
        "error_message": "too many requests from this IP, more requests available in 80000 seconds",
    }
    ok = [json_response(recorded()[f"volumen_{t}"]) for t in ("python", "javascript")]
    for answer in ok:
        replay.inject("GET", "/search/advanced", answer)
    replay.inject("GET", "/search/advanced", json_response(throttled, 502))
    assert so.main([]) == 0
    assert len(searches(replay)) == 3  # after the throttle nothing more was sent
    doc = status_doc(env)
    assert doc["status"] == "partial"
    assert len(doc["errors"]) == 2
    assert "tagged=typescript" in doc["errors"][0] and "wait budget exhausted" in doc["errors"][0]
    assert "error_id 502 throttle_violation: too many requests from this IP" in doc["errors"][0]
    assert doc["errors"][1].endswith(f"({SEARCHES - 3} calls)")  # the rest: not sent, said once
    assert read_csv(staging(env) / "so_volumen_preguntas.csv")[1:] == [
        ["python", str(recorded()["volumen_python"]["total"])],
        ["javascript", str(recorded()["volumen_javascript"]["total"])],
    ]
    assert read_csv(staging(env) / "so_tendencias_mensuales.csv") == [["mes", "python", "javascript", "typescript"]]
    assert len(read_csv(staging(env) / "so_tasa_aceptacion.csv")) == 1
    assert "so_volumen_preguntas.csv: row typescript left out (its count failed)" in doc["warnings"]
    assert (
        "so_tendencias_mensuales.csv: month 2025-11 left out (count failed for python, javascript, typescript)"
        in doc["warnings"]
    )
    assert "so_tasa_aceptacion.csv: row svelte left out (its total or accepted count failed)" in doc["warnings"]
    assert SENTINEL not in json.dumps(doc)


def test_bad_parameter_for_one_tag_leaves_only_that_row_out(env, replay, monkeypatch):
    shutil.copytree(RECORDED, raw_dir(env))
    (raw_dir(env) / "volumen_c%2B%2B.json.gz").unlink()
    live(monkeypatch, replay)
    serve_recorded(replay)
    bad = {"error_id": 400, "error_name": "bad_parameter", "error_message": "tagged"}
    replay.inject("GET", "/search/advanced", json_response(bad, 400))
    assert so.main([]) == 0
    doc = status_doc(env)
    assert doc["status"] == "partial" and doc["requests"] == 1
    assert doc["errors"] == [
        "stackexchange GET /search/advanced site=stackoverflow tagged=c++ "
        f"fromdate={epoch('2025-11-23')} todate={epoch('2026-11-23') - 1} "
        "filter=!SyntheticWrapperTotalBackoffQuota: HTTP 400: error_id 400 bad_parameter: tagged"
    ]
    volume = read_csv(staging(env) / "so_volumen_preguntas.csv")
    assert [row[0] for row in volume[1:]] == [t for t in TAGS if t != "c++"]
    assert doc["files"]["so_tendencias_mensuales.csv"]["rows"] == 12


def test_nothing_counted_is_failed_with_header_only_files(env, replay, monkeypatch):
    live(monkeypatch, replay)
    serve_recorded(replay)
    monkeypatch.setenv("HTTP_MAX_RETRIES", "0")
    replay.inject("GET", "/search/advanced", Response(503, b"upstream down"), times=SEARCHES)
    assert so.main([]) == 0
    doc = status_doc(env)
    assert doc["status"] == "failed"
    assert doc["errors"][-1].startswith("no question volume could be counted")
    assert all(meta["rows"] == 0 for meta in doc["files"].values())
    assert not list(raw_dir(env).glob("volumen_*"))  # failed answers are never saved


@pytest.mark.parametrize(
    "fault",
    [
        Response(200, b'{"total": 12', {"Content-Type": "application/json"}),  # malformed JSON
        Response(200, b'{"total": 1234, "quota_remaining": 9000}' * 10, truncate=True),  # truncated body
        Response(200, b"{}", delay=1.0),  # slower than the 0.5 s timeout
        Response(500, b'{"error_id": 500, "error_name": "internal_error", "error_message": "oops"}'),
    ],
    ids=["malformed", "truncated", "slow", "500"],
)
def test_transient_faults_are_retried_and_the_run_stays_ok(env, replay, monkeypatch, fault):
    shutil.copytree(RECORDED, raw_dir(env))
    (raw_dir(env) / "volumen_ruby.json.gz").unlink()
    live(monkeypatch, replay)
    serve_recorded(replay)
    replay.inject("GET", "/search/advanced", fault)
    assert so.main([]) == 0
    doc = status_doc(env)
    assert doc["status"] == "ok" and doc["requests"] == 2 and doc["retries"] == 1
    assert ["ruby", str(recorded()["volumen_ruby"]["total"])] in read_csv(staging(env) / "so_volumen_preguntas.csv")


def test_answer_without_total_is_an_error_not_a_zero(env, replay, monkeypatch):
    shutil.copytree(RECORDED, raw_dir(env))
    (raw_dir(env) / "volumen_go.json.gz").unlink()
    live(monkeypatch, replay)
    serve_recorded(replay)
    replay.inject("GET", "/search/advanced", json_response({"items": [], "has_more": False, "quota_remaining": 9}))
    assert so.main([]) == 0
    doc = status_doc(env)
    assert doc["status"] == "partial" and "has no `total`" in doc["errors"][0]
    assert "go" not in [row[0] for row in read_csv(staging(env) / "so_volumen_preguntas.csv")]
    assert not (raw_dir(env) / "volumen_go.json.gz").exists()


def test_sentinel_key_never_leaks(env, replay, monkeypatch, capsys, caplog):
    live(monkeypatch, replay)
    serve_recorded(replay)
    logging.getLogger("trends").addHandler(caplog.handler)  # unformatted records too
    caplog.set_level(logging.DEBUG, logger="trends")
    replay.inject("GET", "/search/advanced", json_response({"error_id": 500, "error_message": SENTINEL}, 500), times=3)
    replay.inject("GET", "/search/advanced", Response(200, b"{}", delay=1.0))
    assert so.main([]) == 0
    assert all(r.query["key"] == SENTINEL for r in searches(replay))  # the key was sent ...
    texts = [capsys.readouterr().err, caplog.text, (staging(env) / "_source_status.json").read_text()]
    texts += [gzip.decompress(p.read_bytes()).decode() for p in raw_dir(env).iterdir()]
    assert all(SENTINEL not in text and quote(SENTINEL) not in text for text in texts)  # ... and is nowhere else
    assert "key=" not in caplog.text  # no request URL is logged at all
    assert status_doc(env)["status"] == "partial"


def test_missing_key_fails_at_once_naming_it(env, replay, monkeypatch, capsys):
    monkeypatch.setenv("STACKEXCHANGE_API_URL", replay.url)
    assert run_cli(so.main, []) == 2
    assert "STACKOVERFLOW_KEY" in capsys.readouterr().err
    assert replay.requests == []


def test_offline_with_incomplete_raw_fails_clearly(env, capsys):
    assert run_cli(so.main, ["--offline"]) == 2
    assert "holds no raw responses" in capsys.readouterr().err
    shutil.copytree(RECORDED, raw_dir(env))
    (raw_dir(env) / "tendencia_2026-02_typescript.json.gz").unlink()
    assert run_cli(so.main, ["--offline"]) == 2
    assert "first tendencia_2026-02_typescript.json.gz" in capsys.readouterr().err


def test_help_works_offline_without_secrets():
    out = run_in_process([str(ROOT / "scripts/extract_stackoverflow.py"), "-h"], {"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0
    assert "--offline" in out.stdout and "SO_FILTER" in out.stdout

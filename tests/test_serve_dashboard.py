"""make serve's server: only the built app and one data folder, on 127.0.0.1; and the dashboard fixtures' shape."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lib import PipelineError
from serve_dashboard import choose_data_dir, main, parse_mount, parse_port, resolve, start

FIXTURES = Path(__file__).parent / "fixtures" / "dashboard"
# The existing dashboard's allowlist: exactly these 24 files in its data folder.
CONTRACT_FILES = {
    "trend_score.csv",
    "github_lenguajes.csv",
    "github_commits_frameworks.csv",
    "github_correlacion.csv",
    "so_volumen_preguntas.csv",
    "so_tasa_aceptacion.csv",
    "so_tendencias_mensuales.csv",
    "reddit_sentimiento_frameworks.csv",
    "reddit_temas_emergentes.csv",
    "interseccion_github_reddit.csv",
    "history_index.json",
    "trend_score_history.json",
    "run_manifest.json",
    "technology_profiles.json",
    "home_highlights.json",
    "github_lenguajes_public.json",
    "github_frameworks_history.json",
    "github_correlacion_history.json",
    "so_volumen_history.json",
    "so_aceptacion_history.json",
    "so_tendencias_history.json",
    "reddit_sentimiento_public.json",
    "reddit_temas_history.json",
    "reddit_interseccion_history.json",
}


@pytest.fixture
def site(tmp_path):
    app = tmp_path / "app"
    data = tmp_path / "data"
    app.mkdir()
    data.mkdir()
    (app / "index.html").write_text("<!doctype html><title>t</title>")
    (app / "app.js").write_text("console.log(1)")
    (data / "trend_score.csv").write_text("ranking,tecnologia\n1,Python\n")
    (tmp_path / "secret.txt").write_text("not for the web")
    server = start({"": app, "assets/data": data})
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], b""


def test_serves_the_app_and_the_data_folder_with_their_types(site):
    base, _ = site
    assert get(base + "/")[:2] == (200, "text/html; charset=utf-8")
    assert get(base + "/app.js")[1] == "text/javascript; charset=utf-8"
    status, ctype, body = get(base + "/assets/data/trend_score.csv")
    assert (status, ctype, body) == (200, "text/csv; charset=utf-8", b"ranking,tecnologia\n1,Python\n")


@pytest.mark.parametrize(
    "path",
    [
        "/secret.txt",
        "/../secret.txt",
        "/assets/data/../../secret.txt",
        "/assets/data/%2e%2e/%2e%2e/secret.txt",
        "/data/",
    ],
)
def test_nothing_outside_the_two_folders_is_reachable(site, path):
    base, _ = site
    assert get(base + path)[0] == 404


def test_resolve_refuses_traversal_and_symlinks_out(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.csv").write_text("a\n")
    (tmp_path / "outside.txt").write_text("x")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    mounts = {"assets/data": root}
    assert resolve(mounts, "/assets/data/ok.csv") == (root / "ok.csv").resolve()
    assert resolve(mounts, "/assets/data/link.txt") is None
    assert resolve(mounts, "/assets/data/../outside.txt") is None
    assert resolve(mounts, "/other/ok.csv") is None


@pytest.mark.parametrize("text", ["", "80", "65536", "8000x", "8 0", "-1", "$(id)"])
def test_a_bad_port_is_refused_with_the_fix(text):
    with pytest.raises(PipelineError, match=r"PORT=.*1024 to 65535"):
        parse_port(text)


def test_a_good_port_and_mount_parse():
    assert parse_port("8080") == 8080
    assert parse_mount("alt/site=/tmp/x") == ("alt/site", Path("/tmp/x"))
    with pytest.raises(PipelineError, match="PREFIX=DIR"):
        parse_mount("../up=/tmp")


def test_the_data_folder_defaults_to_the_demo_site_while_the_dashboard_folder_is_empty(tmp_path):
    publish, demo = tmp_path / "frontend" / "assets" / "data", tmp_path / "demo" / "site"
    publish.mkdir(parents=True)
    demo.mkdir(parents=True)
    assert choose_data_dir(publish, demo) == publish  # neither has data: the app says so
    (demo / "run_manifest.json").write_text("{}")
    assert choose_data_dir(publish, demo) == demo
    (publish / "trend_score.csv").write_text("ranking\n1\n")
    assert choose_data_dir(publish, demo) == publish


def test_main_without_a_build_names_the_make_target(tmp_path, capsys):
    with pytest.raises(PipelineError, match="make dashboard"):
        main(["--app", str(tmp_path / "nothing"), "--port", "8123"])


@pytest.mark.parametrize("folder", ["full", "csv_only"])
def test_fixture_folders_stay_inside_the_contract(folder):
    names = {p.name for p in (FIXTURES / folder).iterdir()}
    if folder == "full":
        assert names == CONTRACT_FILES
    else:
        assert names == {n for n in CONTRACT_FILES if n.endswith(".csv")} | {"run_manifest.json"}
    for path in (FIXTURES / folder).iterdir():
        assert path.stat().st_size <= 150 * 1024, path
        if path.suffix == ".json":
            assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_the_bridge_default_lives_with_the_app_not_in_the_data_folder():
    config = json.loads((Path(__file__).parents[1] / "frontend" / "config.json").read_text())
    assert config == {"bridge": True}


ROOT = Path(__file__).resolve().parents[1]


def make_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_make_serve_prints_the_url_and_serves_the_published_folder(tmp_path, built_app):
    # built_app: build/dashboard/ is built and up to date, so this make serve only serves (no second build at once)
    import os
    import signal
    import subprocess

    publish = tmp_path / "site"
    shutil.copytree(FIXTURES / "csv_only", publish)
    shutil.copytree(FIXTURES / "full", tmp_path / "demo" / "site")
    port = free_port()
    proc = subprocess.Popen(
        ["make", "-s", "serve", f"PORT={port}", f"PUBLISH_DIR={publish}", f"DEMO_DIR={tmp_path / 'demo'}"],
        cwd=ROOT,
        env=make_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so the test stops make and the server it started
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"dashboard: http://127.0.0.1:{port}/  data: {publish}"), line + proc.stderr.read()
        also = proc.stdout.readline()
        assert also.strip() == f"also {tmp_path / 'demo' / 'site'}: http://127.0.0.1:{port}/?data=demo/"
        assert get(f"http://127.0.0.1:{port}/demo/trend_score_history.json")[0] == 200
        status, _, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and b"app.js" in body
        assert get(f"http://127.0.0.1:{port}/vendor/chart.umd.min.js")[0] == 200
        assert (
            get(f"http://127.0.0.1:{port}/assets/data/trend_score.csv")[2] == (publish / "trend_score.csv").read_bytes()
        )
        assert get(f"http://127.0.0.1:{port}/Makefile")[0] == 404
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize("port", ["80a", "1;touch pwned", "$(touch pwned)", ""])
def test_make_serve_refuses_a_port_that_is_not_digits_before_running_anything(port):
    import subprocess

    run = subprocess.run(
        ["make", "-s", "serve", f"PORT={port}"], cwd=ROOT, env=make_env(), capture_output=True, text=True
    )
    assert run.returncode != 0
    assert "PORT must be a number from 1024 to 65535" in run.stderr
    assert not (ROOT / "pwned").exists()

"""The web dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The built app (`make dashboard`) and a data folder are served by scripts/serve_dashboard.py on 127.0.0.1, as
`make serve` does. Each view is checked in JSON (bridge) mode and CSV mode, every fallback case, the phone layout,
keyboard use, contrast and text alternatives. Screenshots go to test-artifacts/dashboard/ (git-ignored).
Over 400 lines on purpose: every view shares the one Chromium session and page helpers defined here.
The app is built once per session (conftest.built_app); each xdist worker drives its own Chromium, and each
screenshot has a name of its own.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from serve_dashboard import start
from test_serve_dashboard import CONTRACT_FILES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "dashboard"
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWS = {
    "home": "#/",
    "github": "#/github",
    "stackoverflow": "#/stackoverflow",
    "reddit": "#/reddit",
    "technology": "#/trends/python",
}
# view -> the files its cards show, in order: (JSON mode, CSV mode)
SOURCES = {
    "home": (
        ["trend_score_history.json", "home_highlights.json", "run_manifest.json"],
        ["trend_score.csv", "CSV files (computed)", "run_manifest.json"],
    ),
    "github": (
        ["github_lenguajes.csv", "github_frameworks_history.json", "github_correlacion_history.json"],
        ["github_lenguajes.csv", "github_commits_frameworks.csv", "github_correlacion.csv"],
    ),
    "stackoverflow": (
        ["so_volumen_history.json", "so_aceptacion_history.json", "so_tendencias_history.json"],
        ["so_volumen_preguntas.csv", "so_tasa_aceptacion.csv", "so_tendencias_mensuales.csv"],
    ),
    "reddit": (
        ["reddit_sentimiento_public.json", "reddit_temas_history.json", "reddit_interseccion_history.json"],
        ["reddit_sentimiento_frameworks.csv", "reddit_temas_emergentes.csv", "interseccion_github_reddit.csv"],
    ),
    "technology": (["technology_profiles.json"], ["trend_score.csv"]),
}
# bridge file -> (view it feeds, the CSV shown instead when it fails)
BRIDGE_FALLBACK = {
    "trend_score_history.json": ("home", "trend_score.csv"),
    "home_highlights.json": ("home", "highlights computed from the CSVs"),
    "github_lenguajes_public.json": ("github", "the leader computed from github_lenguajes.csv"),
    "github_frameworks_history.json": ("github", "github_commits_frameworks.csv"),
    "github_correlacion_history.json": ("github", "github_correlacion.csv"),
    "so_volumen_history.json": ("stackoverflow", "so_volumen_preguntas.csv"),
    "so_aceptacion_history.json": ("stackoverflow", "so_tasa_aceptacion.csv"),
    "so_tendencias_history.json": ("stackoverflow", "so_tendencias_mensuales.csv"),
    "reddit_sentimiento_public.json": ("reddit", "reddit_sentimiento_frameworks.csv"),
    "reddit_temas_history.json": ("reddit", "reddit_temas_emergentes.csv"),
    "reddit_interseccion_history.json": ("reddit", "interseccion_github_reddit.csv"),
    "technology_profiles.json": ("technology", "the history computed from the ranking"),
}
# the list key each bridge file's view needs (emptied for the "wrong shape" case)
GATE_KEY = {
    "trend_score_history.json": "snapshots",
    "home_highlights.json": "highlights",
    "github_lenguajes_public.json": "summary",
    "github_frameworks_history.json": "latest_frameworks",
    "github_correlacion_history.json": "latest_items",
    "so_volumen_history.json": "latest_items",
    "so_aceptacion_history.json": "latest_items",
    "so_tendencias_history.json": "series",
    "reddit_sentimiento_public.json": "frameworks",
    "reddit_temas_history.json": "latest_topics",
    "reddit_interseccion_history.json": "latest_items",
    "technology_profiles.json": "profiles",
}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed: apt-get install -y chromium (.ci/run does this)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Dashboard:
    """One served app + data folder, and a page that records console errors and uncaught exceptions."""

    def __init__(self, browser, mounts: dict[str, Path], width: int = 1100):
        self.server = start(mounts)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[tuple[str, str]] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append((m.text, m.location.get("url", ""))))
        self.page.on("pageerror", lambda e: self.errors.append((f"uncaught: {e}", "")))

    def open(self, route: str = "#/", query: str = "", view: str | None = None):
        self.page.goto(f"{self.base}{query}{route}")
        selector = "body[data-state=ready]" + (f"[data-view={view}]" if view else "")
        self.page.wait_for_selector(selector, timeout=15000)
        return self.page

    def sources(self) -> list[str]:
        return [c.get_attribute("data-source") for c in self.page.query_selector_all("section.card")]

    def notes(self, kind: str = "degraded") -> list[str]:
        return [n.inner_text() for n in self.page.query_selector_all(f".note.{kind}")]

    def unexpected_errors(self, allowed_missing: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """Console errors other than the browser's own 404 line for a file a test removed on purpose."""
        return [
            (text, url)
            for text, url in self.errors
            if not (text.startswith("Failed to load resource") and url.rsplit("/", 1)[-1] in allowed_missing)
        ]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dashboard(browser, built_app):
    opened: list[Dashboard] = []

    def make(data: Path, app: Path | None = None, width: int = 1100, **extra: Path) -> Dashboard:
        board = Dashboard(browser, {"": app or built_app, "assets/data": data, **extra}, width)
        opened.append(board)
        return board

    yield make
    for board in opened:
        board.close()


def copy_fixture(tmp_path: Path, name: str = "full") -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


# ---------------------------------------------------------------- every view, JSON mode and CSV mode


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_in_json_mode_reads_the_bridge_files(dashboard, view):
    board = dashboard(FIXTURES / "full")
    page = board.open(VIEWS[view], view=view)
    assert board.sources() == SOURCES[view][0]
    assert board.notes() == []
    assert page.query_selector_all("canvas"), "every view draws at least one chart"
    assert board.unexpected_errors() == []
    board.screenshot(f"json-{view}")


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_in_csv_mode_reads_only_the_csvs(dashboard, view):
    board = dashboard(FIXTURES / "full")
    page = board.open(VIEWS[view], query="?bridge=0", view=view)
    assert board.sources() == SOURCES[view][1]
    assert board.notes() == []
    info = " ".join(board.notes("info"))
    assert "CSV mode" in info
    assert all(name in info for name, (shown_on, _) in BRIDGE_FALLBACK.items() if shown_on == view)
    assert page.query_selector_all("canvas")
    assert board.unexpected_errors() == []
    board.screenshot(f"csv-{view}")


def test_home_json_mode_shows_movement_highlights_and_data_health(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", view="home")
    rows = [r.inner_text().split("\t") for r in page.query_selector_all("section.card:first-of-type tbody tr")]
    ranking = [r for r in rows if len(r) == 9]
    assert [r[1] for r in ranking] == ["Python", "TypeScript", "JavaScript", "Rust", "Go", "Kotlin"]
    assert ranking[3][7] == "▲ 1" and ranking[4][7] == "▼ 1" and ranking[5][7] == "new"
    assert "Compared (UTC): 2026-11-16 → 2026-11-23" in page.inner_text("main")
    assert len(page.query_selector_all(".highlights li")) == 3
    health = page.inner_text("section.health")
    for text in ("pass", "3/3: GitHub, Stack Overflow, Reddit", "GitHub 0.40", "Stack Overflow 0.35", "Reddit 0.25"):
        assert text in health


def test_csv_mode_ranking_has_no_movement(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", query="?bridge=0", view="home")
    assert "From the CSV: no week-over-week movement." in page.inner_text("main")


def test_the_technology_page_charts_its_score_history(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/trends/typescript", view="technology")
    assert page.inner_text("h1") == "TypeScript"
    history = page.query_selector_all("details table tbody tr")
    assert [r.query_selector("td").text_content() for r in history] == ["2026-11-16", "2026-11-23"]


def test_a_ranking_link_opens_the_technology_page_from_the_keyboard(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", view="home")
    page.focus("a[href='#/trends/rust']")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-state=ready][data-view=technology]")
    assert page.inner_text("h1") == "Rust"
    assert page.evaluate("document.activeElement.tagName") == "H1"


# ---------------------------------------------------------------- the flag: config.json default, URL override


def test_the_config_default_off_is_overridden_by_bridge_1(dashboard, built_app, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(built_app, app)
    (app / "config.json").write_text(json.dumps({"bridge": False}))
    board = dashboard(FIXTURES / "full", app=app)
    board.open("#/reddit", view="reddit")
    assert board.sources() == SOURCES["reddit"][1]
    assert any("config.json" in n for n in board.notes("info"))
    board.open("#/reddit", query="?bridge=1", view="reddit")
    assert board.sources() == SOURCES["reddit"][0]
    assert board.unexpected_errors() == []


# ---------------------------------------------------------------- fallbacks: each way a bridge file can fail


def break_file(folder: Path, name: str, how: str) -> None:
    path = folder / name
    if how == "missing":
        path.unlink()
    elif how == "malformed":
        path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    elif how == "oversized":
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["padding"] = "x" * (2 * 1024 * 1024)
        path.write_text(json.dumps(doc), encoding="utf-8")
    elif how == "array-root":
        path.write_text("[]", encoding="utf-8")
    elif how == "wrong-shape":
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc[GATE_KEY[name]] = {} if name == "github_lenguajes_public.json" else []
        if name == "github_lenguajes_public.json":
            doc["summary"] = "not an object"
        path.write_text(json.dumps(doc), encoding="utf-8")
    elif how == "html":
        path.write_text("<!doctype html><html><body>not found</body></html>", encoding="utf-8")


REASONS = {
    "missing": "missing (HTTP 404)",
    "malformed": "malformed JSON",
    "oversized": "oversized",
    "array-root": "the root is not an object",
    "wrong-shape": "wrong shape",
    "html": "malformed JSON",
}


@pytest.mark.parametrize("how", list(REASONS))
@pytest.mark.parametrize("name", ["trend_score_history.json", "so_volumen_history.json"])
def test_each_failure_falls_back_to_the_csv_with_a_degraded_note(dashboard, tmp_path, name, how):
    data = copy_fixture(tmp_path)
    break_file(data, name, how)
    view, instead = BRIDGE_FALLBACK[name]
    board = dashboard(data)
    page = board.open(VIEWS[view], view=view)
    notes = board.notes()
    assert len(notes) == 1 and name in notes[0] and REASONS[how] in notes[0] and instead in notes[0], notes
    assert instead in board.sources()
    assert page.query_selector_all("canvas")
    assert board.unexpected_errors(allowed_missing=(name,) if how == "missing" else ()) == []
    if name == "so_volumen_history.json":
        board.screenshot(f"fallback-{how}")


@pytest.mark.parametrize("name", list(BRIDGE_FALLBACK))
def test_every_bridge_file_of_the_wrong_shape_falls_back(dashboard, tmp_path, name):
    data = copy_fixture(tmp_path)
    break_file(data, name, "wrong-shape")
    view, instead = BRIDGE_FALLBACK[name]
    board = dashboard(data)
    board.open(VIEWS[view], view=view)
    notes = board.notes()
    assert len(notes) == 1 and name in notes[0] and "wrong shape" in notes[0] and instead in notes[0], notes
    assert board.unexpected_errors() == []


def test_a_missing_csv_behind_a_failed_bridge_leaves_a_message_not_a_blank_page(dashboard, tmp_path):
    data = copy_fixture(tmp_path)
    break_file(data, "trend_score_history.json", "missing")
    (data / "trend_score.csv").unlink()
    board = dashboard(data)
    page = board.open("#/", view="home")
    assert "neither trend_score_history.json nor trend_score.csv is usable" in page.inner_text("main")
    assert len(board.notes()) == 2
    assert page.query_selector_all(".highlights li"), "the rest of the view still renders"
    assert board.unexpected_errors(allowed_missing=("trend_score_history.json", "trend_score.csv")) == []
    board.screenshot("fallback-nothing-left")


def test_a_folder_without_any_data_explains_itself(dashboard, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    board = dashboard(empty)
    for view, route in VIEWS.items():
        page = board.open(route, view=view)
        assert page.inner_text("h1")
        assert (
            "Degraded: run_manifest.json missing (HTTP 404): the run, its period and freshness are unknown."
            in board.notes()
        )
    assert all(text.startswith("Failed to load resource") for text, _ in board.errors)


def test_todays_demo_output_degrades_gracefully(dashboard, tmp_path):
    """The V2 demo as published today: no bridge JSON, three CSVs short, the internal run manifest."""
    data = copy_fixture(tmp_path, "csv_only")
    for name in ("github_commits_frameworks.csv", "github_correlacion.csv", "interseccion_github_reddit.csv"):
        (data / name).unlink()
    internal = {
        "run_id": "7d40b79d-f5e3-4ee9-a9bd-c76f4a8eef66",
        "run_date": "2026-11-23",
        "generated_at_utc": "2026-11-23T06:00:00Z",
        "quality_gate_status": "pass",
        "published": True,
        "source_window_start_utc": "2025-11-23T00:00:00Z",
        "source_window_end_utc": "2026-11-23T00:00:00Z",
        "degradation": {
            "available": ["github", "stackoverflow"],
            "weights": {"github": 0.5333, "stackoverflow": 0.4667, "reddit": 0},
        },
        "datasets": [{"dataset_logical_name": "trend_score", "latest_path": "latest/trend_score.csv"}],
    }
    (data / "run_manifest.json").write_text(json.dumps(internal))
    board = dashboard(data)
    for view, route in VIEWS.items():
        page = board.open(route, view=view)
        assert page.inner_text("h1")
        assert all(n.startswith("Degraded: ") for n in board.notes())
    page = board.open("#/", view="home")
    health = page.inner_text("section.health")
    assert "run 7d40b79d-f5e3-4ee9-a9bd-c76f4a8eef66" in health
    assert "2/3: GitHub, Stack Overflow" in health and "GitHub 0.53" in health and "recorded by the run" in health
    assert [e for e in board.errors if not e[0].startswith("Failed to load resource")] == []
    board.screenshot("todays-demo-home")


# ---------------------------------------------------------------- ?data=<folder>


def test_data_parameter_reads_another_published_folder(dashboard):
    board = dashboard(FIXTURES / "full", alt=FIXTURES / "csv_only")
    board.open("#/stackoverflow", query="?data=alt/", view="stackoverflow")
    assert board.sources() == SOURCES["stackoverflow"][1]
    assert all("/alt/" in url for _, url in board.errors)


@pytest.mark.parametrize("value", ["https://example.org/", "//example.org/x/", "/etc/", "../demo/site/", "a/../../b"])
def test_data_parameter_other_than_a_relative_folder_is_refused(dashboard, value):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", query=f"?data={value}", view="home")
    notes = board.notes()
    assert len(notes) == 1 and "?data=" in notes[0] and "not a relative folder path" in notes[0]
    assert board.sources() == SOURCES["home"][0], "the default folder is read instead"
    assert page.evaluate("performance.getEntriesByType('resource').every(e => e.name.startsWith(location.origin))")


# ---------------------------------------------------------------- accessibility and layout


@pytest.mark.parametrize("view", VIEWS)
def test_phone_layout_has_no_sideways_scroll(dashboard, view):
    board = dashboard(FIXTURES / "full", width=390)
    page = board.open(VIEWS[view], view=view)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert board.unexpected_errors() == []
    board.screenshot(f"phone-{view}")


def test_every_chart_has_a_text_alternative(dashboard):
    board = dashboard(FIXTURES / "full")
    for view, route in VIEWS.items():
        page = board.open(route, view=view)
        charts = page.evaluate(
            """() => [...document.querySelectorAll('canvas')].map(c => ({
                role: c.getAttribute('role'), label: c.getAttribute('aria-label') || '',
                rows: c.closest('.chart').nextElementSibling.querySelectorAll('tbody tr').length}))"""
        )
        assert charts, view
        for chart in charts:
            assert chart["role"] == "img" and len(chart["label"]) > 10 and chart["rows"] > 0, (view, chart)


def test_charts_have_axes_titles_and_show_tooltips(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/stackoverflow", view="stackoverflow")
    titles = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => Object.values(Chart.getChart(c).options.scales)"
        ".map(s => s.title && s.title.display ? s.title.text : null).filter(Boolean))"
    )
    assert all(t for t in titles), titles
    canvas = page.query_selector("canvas")
    box = canvas.bounding_box()
    bar = page.evaluate(
        "(c) => { const e = Chart.getChart(c).getDatasetMeta(0).data[0]; return {x: e.x, y: e.y}; }", canvas
    )
    page.mouse.move(box["x"] + bar["x"] - 5, box["y"] + bar["y"])
    page.wait_for_function("(c) => Chart.getChart(c).tooltip.getActiveElements().length > 0", arg=canvas)
    label = page.evaluate("(c) => Chart.getChart(c).tooltip.body.map((b) => b.lines.join(' ')).join(' ')", canvas)
    assert label == "questions: 4,200"


def test_keyboard_reaches_the_views_through_the_navigation(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", view="home")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for name in ("Home", "GitHub", "Stack Overflow"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == name
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-state=ready][data-view=stackoverflow]")
    assert page.evaluate("document.querySelector('nav a[aria-current=page]').textContent") == "Stack Overflow"


CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!['SCRIPT', 'STYLE', 'CANVAS'].includes(el.tagName) && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
        && el.getClientRects().length) {
      const [a, b] = [lum(getComputedStyle(el).color), lum(bg(el))];
      out.push([el.tagName + '.' + el.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("query", ["", "?bridge=0"])
def test_all_visible_text_meets_wcag_aa_contrast(dashboard, tmp_path, query):
    data = copy_fixture(tmp_path)
    break_file(data, "so_volumen_history.json", "malformed")  # a degraded note is on screen too
    board = dashboard(data)
    for view, route in VIEWS.items():
        page = board.open(route, query=query, view=view)
        low = [(what, round(ratio, 2)) for what, ratio in page.evaluate(CONTRAST) if ratio < 4.5]
        assert low == [], (view, low)


@pytest.mark.parametrize(
    ("content", "reason"),
    [("lenguaje,preguntas_nuevas_2025\n", "empty (header only)"), ("<html>hi</html>", "an HTML page")],
)
def test_an_unusable_csv_is_named_in_csv_mode(dashboard, tmp_path, content, reason):
    data = copy_fixture(tmp_path)
    (data / "so_volumen_preguntas.csv").write_text(content, encoding="utf-8")
    board = dashboard(data)
    page = board.open("#/stackoverflow", query="?bridge=0", view="stackoverflow")
    notes = board.notes()
    assert len(notes) == 1 and "so_volumen_preguntas.csv" in notes[0] and reason in notes[0], notes
    assert "No question volume data." in page.inner_text("main")
    assert len(page.query_selector_all("canvas")) == 2, "the other two cards still chart"
    assert board.unexpected_errors() == []


@pytest.mark.parametrize("failures", [1, 3])
def test_a_server_error_is_retried_before_falling_back(dashboard, failures):
    """HTTP 5xx is retried (3 attempts at most); a 404 never is. The 503s are injected at the browser's network layer."""
    board = dashboard(FIXTURES / "full")
    name = "so_volumen_history.json"
    hits = []

    def flaky(route):
        hits.append(route.request.url)
        if len(hits) <= failures:
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    board.page.route(f"**/{name}", flaky)
    board.open("#/stackoverflow", view="stackoverflow")
    if failures == 1:
        assert len(hits) == 2 and board.notes() == []
        assert board.sources()[0] == name
    else:
        assert len(hits) == 3
        assert board.notes() == [f"Degraded: {name} missing (HTTP 503) — showing so_volumen_preguntas.csv instead."]
    assert board.unexpected_errors(allowed_missing=(name,)) == []


def test_a_missing_file_is_not_retried(dashboard, tmp_path):
    data = copy_fixture(tmp_path)
    break_file(data, "so_volumen_history.json", "missing")
    board = dashboard(data)
    board.open("#/stackoverflow", view="stackoverflow")
    requested = board.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert sum(url.endswith("/so_volumen_history.json") for url in requested) == 1


# ---------------------------------------------------------------- the pure helpers of frontend/data.js, in the browser

PURE_CASES = [
    ("slugify('Next.js')", "next-js"),
    ("slugify('C#')", "c-sharp"),
    ("slugify('c++')", "c-plus-plus"),
    ("slugify('IA/Machine Learning')", "ai-ml"),
    ("slugify(' Jupyter  Notebook ')", "jupyter-notebook"),
    ('parseCsvLine(\'a,"b, ""c""",,d\')', ["a", 'b, "c"', "", "d"]),
    ("parseCsv('\\ufeffx , y\\n\\n1,2\\n3\\n').rows", [{"x": "1", "y": "2"}, {"x": "3", "y": ""}]),
    ("parseCsv('x,y\\n')", None),
    ("int('12.0')", None),
    ("int(' 7 ')", 7),
    ("num('')", None),
    ("num('NaN')", None),
    ("dataFolder('?data=alt').base", "alt/"),
    ("dataFolder('?data=a/b/').base", "a/b/"),
    ("dataFolder('?data=javascript:alert(1)').rejected", "javascript:alert(1)"),
    ("dataFolder('?data=%2F%2Fhost%2Fx').rejected", "//host/x"),
    ("bridgeFlag('?bridge=0', true).on", False),
    ("bridgeFlag('?bridge=1', false).on", True),
    ("bridgeFlag('', false).on", False),
    ("bridgeFlag('?bridge=maybe', undefined).on", True),
]


def test_pure_helpers(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", view="home")
    for expression, expected in PURE_CASES:
        got = page.evaluate(
            f"import('./data.js').then(({{ slugify, parseCsvLine, parseCsv, int, num, dataFolder, bridgeFlag }}) => {expression})"
        )
        assert got == expected, expression


# ---------------------------------------------------------------- the real pipeline output


@pytest.fixture
def demo_site(demo_project) -> Path:
    """The site `make demo` publishes today (the session's one demo build, conftest.demo_project)."""
    return demo_project.repo / "demo" / "site"


@pytest.mark.parametrize("view", VIEWS)
def test_the_demo_site_renders_and_only_absent_files_are_noted(dashboard, demo_site, view):
    """Every degraded note must name a file the pipeline did not publish: a published file that the app refuses fails."""
    board = dashboard(demo_site)
    route = VIEWS[view]
    if view == "technology":
        first = (demo_site / "trend_score.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[1]
        route = f"#/trends/{first.lower()}"
    page = board.open(route, view=view)
    assert page.inner_text("h1")
    present = {p.name for p in demo_site.iterdir()}
    for note in board.notes():
        named = note.removeprefix("Degraded: ").split(" ", 1)[0]
        assert named not in present, f"{named} is published but the dashboard refused it: {note}"
    absent = tuple(n for n in CONTRACT_FILES if n not in present)
    assert board.unexpected_errors(allowed_missing=absent) == []
    board.screenshot(f"demo-{view}")


def test_the_ranking_view_picker_redraws_chart_and_table(dashboard):
    board = dashboard(FIXTURES / "full")
    page = board.open("#/", view="home")
    page.select_option("#rank-view", "top5")
    labels = page.evaluate("Chart.getChart(document.querySelector('section.card canvas')).data.labels")
    assert labels == ["Python", "TypeScript", "JavaScript", "Rust", "Go"]
    assert len(page.query_selector_all("section.card:first-of-type .table-wrap[aria-label^='Ranking'] tbody tr")) == 5
    assert len(page.query_selector_all("canvas")) == 1, "the old chart is gone, not stacked under the new one"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-24T12:00:00Z", "updated 2026-11-23 (1 day ago)"),
        ("2026-12-10T00:00:00Z", "updated 2026-11-23 (16 days ago; stale: the weekly run is overdue)"),
        ("2026-11-01T00:00:00Z", "updated 2026-11-23 (later than this computer's clock)"),
    ],
)
def test_freshness_is_judged_against_the_browser_clock(dashboard, now, expected):
    board = dashboard(FIXTURES / "full")
    board.page.clock.set_fixed_time(now)
    page = board.open("#/", view="home")
    assert expected in page.inner_text("section.health")

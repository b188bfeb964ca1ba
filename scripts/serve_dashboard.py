"""Serve the built web dashboard and one published data folder on 127.0.0.1 (a development tool).

Only two trees are reachable: the built app (`build/dashboard/`, made by `make dashboard`) at `/`, and the data
folder at `/assets/data/` (where the app reads by default). Anything else, the repository included, is a 404.
The data folder is PUBLISH_DIR when it holds published data, else the demo's site (so `make demo && make serve`
shows the demo), else PUBLISH_DIR as it is (the app then says there is no data). When the demo's site has data and
is not that folder, it is also served at `/demo/` (open `?data=demo/`).

    python scripts/serve_dashboard.py [--port 8000] [--app build/dashboard] [--data DIR] [--mount PREFIX=DIR]
"""

from __future__ import annotations

import argparse
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lib import PipelineError
from lib.cli import run_cli
from lib.settings import parse_port, read

HOST = "127.0.0.1"
DATA_PREFIX = "assets/data"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".map": "application/json",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def parse_mount(text: str) -> tuple[str, Path]:
    prefix, sep, folder = text.partition("=")
    prefix = prefix.strip("/")
    if not sep or not prefix or any(part in ("", ".", "..") for part in prefix.split("/")):
        raise PipelineError(f"serve: --mount {text!r} must be PREFIX=DIR with a plain relative URL prefix")
    return prefix, Path(folder)


def has_data(folder: Path) -> bool:
    return (folder / "run_manifest.json").is_file() or any(folder.glob("*.csv"))


def choose_data_dir(publish_dir: Path, demo_site: Path) -> Path:
    """PUBLISH_DIR if it holds data, else the demo's site if that does, else PUBLISH_DIR (empty: the app says so)."""
    if has_data(publish_dir) or not has_data(demo_site):
        return publish_dir
    return demo_site


def resolve(mounts: dict[str, Path], url_path: str) -> Path | None:
    """The file a URL path names inside one of the mounts, or None (never a file outside them)."""
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    if not parts:
        parts = ["index.html"]
    for prefix in sorted(mounts, key=lambda p: -len(p.split("/")) if p else 0):
        pre = prefix.split("/") if prefix else []
        if parts[: len(pre)] != pre:
            continue
        root = mounts[prefix].resolve()
        rest = parts[len(pre) :] or ["index.html"]
        candidate = root.joinpath(*rest).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            return candidate
        return None
    return None


def make_handler(mounts: dict[str, Path], quiet: bool):
    class Handler(BaseHTTPRequestHandler):
        server_version = "dashboard-dev"
        sys_version = ""

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            path = resolve(mounts, urlsplit(self.path).path)
            if path is None:
                self.send_error(HTTPStatus.NOT_FOUND, "not part of the dashboard or its data")
                return
            data = path.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, fmt: str, *args) -> None:
            if not quiet:
                sys.stderr.write(f"serve: {self.address_string()} {fmt % args}\n")

    return Handler


def start(mounts: dict[str, Path], port: int = 0, quiet: bool = True) -> ThreadingHTTPServer:
    """Start a server in a background thread (port 0: any free port); the caller calls shutdown()."""
    server = ThreadingHTTPServer((HOST, port), make_handler(mounts, quiet))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=parse_port, help="TCP port (default $PORT or 8000)")
    parser.add_argument("--app", type=Path, default=Path("build/dashboard"), help="the built app (make dashboard)")
    parser.add_argument(
        "--data", type=Path, help="data folder (default: PUBLISH_DIR if it has data, else DEMO_DIR/site)"
    )
    parser.add_argument("--mount", action="append", default=[], help="also serve DIR at /PREFIX/ (for ?data=PREFIX/)")
    args = parser.parse_args(argv)
    port = args.port or read("PORT")
    if not (args.app / "index.html").is_file():
        raise PipelineError(f"serve: {args.app}/index.html does not exist: build the app with `make dashboard`")
    demo_site = read("DEMO_DIR") / "site"
    data = args.data or choose_data_dir(read("PUBLISH_DIR"), demo_site)
    mounts = {"": args.app, DATA_PREFIX: data}
    if has_data(demo_site) and demo_site.resolve() != data.resolve():
        mounts["demo"] = demo_site  # the demo stays one click away: ?data=demo/
    mounts.update(parse_mount(m) for m in args.mount)
    try:
        server = ThreadingHTTPServer((HOST, port), make_handler(mounts, quiet=False))
    except OSError as exc:
        raise PipelineError(f"serve: cannot listen on {HOST}:{port} ({exc.strerror}): choose another PORT=") from exc
    note = "" if has_data(data) else " (no published data there yet: run `make demo` or `make publish`)"
    print(f"dashboard: http://{HOST}:{port}/  data: {data}{note}  (Ctrl-C stops)", flush=True)
    for prefix, folder in mounts.items():
        if prefix not in ("", DATA_PREFIX):
            print(f"  also {folder}: http://{HOST}:{port}/?data={prefix}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))

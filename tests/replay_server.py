"""A real HTTP server on 127.0.0.1 that replays recorded API responses and injects faults.

Tests register routes (method + path regex -> responder) and queue faults that are served, in order,
before the recorded answer. Every request is logged for assertions. Used with the real client code:
requests for GitHub and Stack Exchange, praw for Reddit.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Response:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a reply slower than the client's timeout)
    truncate: bool = False  # announce the full Content-Length, send half the body, close

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


def json_response(doc: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(doc).encode(), {"Content-Type": "application/json", **(headers or {})})


Responder = Callable[[Request], Response]


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Responder]] = []
        self.faults: list[tuple[str, re.Pattern, Response]] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # a short poll keeps stop() (every test teardown) fast
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, method: str, path_regex: str, responder: Responder | Response) -> None:
        """Answer METHOD requests whose path fully matches `path_regex` (first registered wins)."""
        fn = responder if callable(responder) else (lambda _req, r=responder: r)
        self.routes.append((method.upper(), re.compile(path_regex), fn))

    def inject(self, method: str, path_regex: str, response: Response, times: int = 1) -> None:
        """Serve `response` instead of the route's answer for the next `times` matching requests."""
        with self._lock:
            self.faults.extend([(method.upper(), re.compile(path_regex), response)] * times)

    def hits(self, path_regex: str = ".*") -> list[Request]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if pattern.fullmatch(r.path)]

    def _answer(self, req: Request) -> Response:
        with self._lock:
            self.requests.append(req)
            for i, (method, pattern, response) in enumerate(self.faults):
                if method == req.method and pattern.fullmatch(req.path):
                    del self.faults[i]
                    return response
        for method, pattern, responder in self.routes:
            if method == req.method and pattern.fullmatch(req.path):
                return responder(req)
        return json_response({"message": f"no recorded response for {req.method} {req.path}"}, 404)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                req = Request(self.command, parts.path, query, dict(self.headers.items()), body, time.monotonic())
                response = server._answer(req)
                if response.delay:
                    time.sleep(response.delay)
                payload = response.payload()
                try:
                    self.send_response(response.status)
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    # say so when closing (the client asked, as prawcore's token call does): else the client
                    # may reuse the closed connection and see a spurious "remote end closed connection"
                    if response.truncate or self.close_connection:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2] if response.truncate else payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to do
                if response.truncate:
                    self.close_connection = True

            do_GET = do_POST = _serve

        return Handler

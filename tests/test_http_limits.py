"""Bounded HTTP answers and raw files, through the real local replay server: a page past the size cap (announced
or inflating from gzip) is refused early with words; a cached raw file that is corrupt or a gzip bomb says how
to drop it."""

from __future__ import annotations

import gzip

import pytest

from http_client import GitHubClient, HttpError, HttpSettings, StackExchangeClient
from lib import PipelineError
from lib.files import RAW_MAX_BYTES, load_raw, save_raw
from replay_server import Response, json_response

SENTINEL = "sk-SENTINEL-0123456789abcdef"
FAST = HttpSettings(timeout=5.0, max_retries=2, wait_budget=5.0, backoff_base=0.01)
OK = {"total_count": 1, "incomplete_results": False, "items": []}


def test_a_150_mb_page_is_refused_from_its_announced_size_without_retrying(replay):
    replay.route("GET", "/search/repositories", json_response(OK))
    replay.inject(
        "GET", "/search/repositories", Response(200, b" " * (150 << 20), {"Content-Type": "application/json"})
    )
    client = GitHubClient(replay.url, FAST, SENTINEL)
    with pytest.raises(HttpError) as err:
        client.get("/search/repositories", {"q": "x"})
    message = str(err.value)
    assert "157,286,400 bytes is larger than the 33,554,432-byte cap" in message and "HTTP_MAX_BYTES" in message
    assert SENTINEL not in message
    assert len(replay.hits("/search/repositories")) == 1  # refused, not retried
    assert client.get("/search/repositories", {"q": "x"}).data == OK  # the client still works afterwards


def test_a_gzip_bomb_is_refused_by_its_decoded_size(replay):
    bomb = gzip.compress(b"[" + b"0," * (40 << 20) + b"0]", compresslevel=1)
    assert len(bomb) < 1 << 20  # small on the wire, 80 MB decoded
    replay.route(
        "GET",
        "/search/advanced",
        Response(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
    )
    client = StackExchangeClient(replay.url, FAST, SENTINEL)
    with pytest.raises(HttpError) as err:
        client.get("/search/advanced", {"tagged": "python"})
    assert "passed the 33,554,432-byte cap while being read (decoded size)" in str(err.value)
    assert SENTINEL not in str(err.value)


def test_the_cap_is_a_setting_and_a_page_under_it_is_read_whole(replay):
    replay.route("GET", "/search/repositories", json_response({**OK, "pad": "x" * 5000}))
    small = HttpSettings(timeout=5.0, max_retries=0, wait_budget=1.0, backoff_base=0.01, max_bytes=4096)
    with pytest.raises(HttpError, match="4,096-byte cap"):
        GitHubClient(replay.url, small, SENTINEL).get("/search/repositories")
    assert GitHubClient(replay.url, FAST, SENTINEL).get("/search/repositories").data["pad"] == "x" * 5000
    assert HttpSettings.from_env({"HTTP_MAX_BYTES": "2048"}).max_bytes == 2048
    with pytest.raises(PipelineError, match="HTTP_MAX_BYTES='lots' is not"):
        HttpSettings.from_env({"HTTP_MAX_BYTES": "lots"})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not gzip at all", "is unreadable (BadGzipFile): delete it to fetch it again"),
        (gzip.compress(b"{not json", mtime=0), "is unreadable (JSONDecodeError): delete it to fetch it again"),
        (gzip.compress(b'{"a": 1}', mtime=0)[:-6], "delete it to fetch it again"),
        (gzip.compress(b"\xff\xfe", mtime=0), "delete it to fetch it again"),
    ],
)
def test_a_corrupt_raw_file_says_how_to_drop_it(tmp_path, content, words):
    path = tmp_path / "page.json.gz"
    path.write_bytes(content)
    with pytest.raises(PipelineError) as err:
        load_raw(path)
    assert words in str(err.value) and str(path) in str(err.value)


def test_a_raw_gzip_bomb_is_refused_without_inflating_it_whole(tmp_path):
    path = tmp_path / "page.json.gz"
    path.write_bytes(gzip.compress(b" " * (4 << 20), compresslevel=1))
    with pytest.raises(PipelineError, match="larger than 1,048,576 bytes once decoded: delete it"):
        load_raw(path, limit=1 << 20)
    assert RAW_MAX_BYTES >= 32 << 20  # the default leaves room for any real page


def test_raw_files_are_scrubbed_of_every_secret_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", SENTINEL)
    path = tmp_path / "page.json.gz"
    save_raw(path, f'{{"title": "leak {SENTINEL} here"}}'.encode())
    assert SENTINEL.encode() not in gzip.decompress(path.read_bytes())
    assert load_raw(path) == {"title": "leak *** here"}

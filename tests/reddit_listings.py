"""Small Reddit listings for tests: post dicts in Reddit's shape and a replay-server responder for
`GET /r/<sub>/new` that pages with `after`/`limit` like Reddit does, and checks the bearer token."""

from __future__ import annotations

import datetime as dt

from replay_server import Request, Response, json_response

ACCESS_TOKEN = "tok-SENTINEL-ACCESS-7f3a9c0d1e2b4a6f"
TOKEN_PATH = "/api/v1/access_token"
RUN_END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC).timestamp()  # window end of RUN_DATE=2026-11-23
HOUR = 3600


def post(pid: str, sub: str, title: str, selftext: str = "", age_hours: float = 1.0) -> dict:
    """A t3 post created `age_hours` before the window end (negative: after it)."""
    return {
        "id": pid,
        "name": f"t3_{pid}",
        "title": title,
        "selftext": selftext,
        "subreddit": sub,
        "author": "tester",
        "created_utc": RUN_END - age_hours * HOUR,
        "score": 1,
        "num_comments": 0,
        "permalink": f"/r/{sub}/comments/{pid}/x/",
        "url": f"https://www.reddit.com/r/{sub}/comments/{pid}/x/",
        "is_self": bool(selftext),
    }


def listing(posts: list[dict], after: str | None) -> dict:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(posts),
            "modhash": None,
            "geo_filter": "",
            "children": [{"kind": "t3", "data": p} for p in posts],
            "before": None,
        },
    }


def token_response(token: str = ACCESS_TOKEN) -> Response:
    return json_response({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def listing_responder(posts: list[dict], token: str = ACCESS_TOKEN):
    """Answer like Reddit's /new: newest first, `limit` (max 100) posts after the `after` fullname."""

    def respond(req: Request) -> Response:
        if req.headers.get("Authorization") != f"bearer {token}":
            return json_response(
                {"message": "Unauthorized", "error": 401},
                401,
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            )
        names = [p["name"] for p in posts]
        start = names.index(req.query["after"]) + 1 if req.query.get("after") else 0
        limit = min(int(req.query.get("limit", 25)), 100)
        chunk = posts[start : start + limit]
        more = start + limit < len(posts)
        return json_response(listing(chunk, chunk[-1]["name"] if chunk and more else None))

    return respond


def serve(replay, listings: dict[str, list[dict]]) -> None:
    """Token endpoint + one /new listing per subreddit on the replay server."""
    replay.route("POST", TOKEN_PATH, token_response())
    for sub, posts in listings.items():
        replay.route("GET", f"/r/{sub}/new", listing_responder(posts))

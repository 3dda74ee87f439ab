"""The body cap on its own: declared and streamed bodies, per-prefix limits."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from personvern.web.middleware import BodyLimit, SecurityHeaders


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


def _client() -> TestClient:
    app = Starlette(routes=[Route("/small", echo, methods=["POST"]),
                            Route("/big/x", echo, methods=["POST"])])
    return TestClient(SecurityHeaders(BodyLimit(app, 100, {"/big/": 1000})))


def _stream(size: int) -> Iterator[bytes]:
    for _ in range(size // 10):
        yield b"x" * 10


def test_declared_and_streamed_bodies() -> None:
    client = _client()
    assert client.post("/small", content=b"x" * 100).json() == {"size": 100}
    too_big = client.post("/small", content=b"x" * 101)
    assert too_big.status_code == 413 and too_big.json()["error"]["status"] == 413
    assert too_big.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/small", content=_stream(100)).json() == {"size": 100}
    assert client.post("/small", content=_stream(110)).status_code == 413


def test_a_prefix_may_allow_more() -> None:
    client = _client()
    assert client.post("/big/x", content=b"x" * 1000).json() == {"size": 1000}
    assert client.post("/big/x", content=_stream(1010)).status_code == 413


def test_a_broken_content_length_is_400() -> None:
    client = _client()
    response = client.post("/small", content=b"x", headers={"Content-Length": "-5"})
    assert response.status_code == 400

"""Two small ASGI middlewares: a cap on request bodies, and security headers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/"


def _json_error(status: int, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": {"status": status, "message": message}}).encode()
    start: Message = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]}
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before anything parses them:
    by ``Content-Length`` when given (the server then delivers no more than that), else by
    reading the streamed body, counting, up to the limit and handing it on whole."""

    def __init__(self, app: ASGIApp, limit: int,
                 by_prefix: Mapping[str, int] | None = None) -> None:
        """``by_prefix``: other limits for paths that start with a prefix (longest wins),
        e.g. ``{"/api/v1/consent/": 256 * 1024}`` for bulk consent questions."""
        self.app, self.default = app, limit
        self.by_prefix = sorted((by_prefix or {}).items(), key=lambda item: -len(item[0]))

    def _limit(self, path: str) -> int:
        return next((limit for prefix, limit in self.by_prefix if path.startswith(prefix)),
                    self.default)

    def _too_large(self, limit: int) -> tuple[Message, Message]:
        return _json_error(413, f"the request body is larger than {limit} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(str(scope.get("path", "")))
        declared = next((value for name, value in scope.get("headers", [])
                         if name == b"content-length"), None)
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0 or length > limit:
                start, body = (self._too_large(limit) if length > limit else
                               _json_error(400, "the Content-Length header is not valid"))
                await send(start)
                await send(body)
                return
            await self.app(scope, receive, send)  # the server holds the body to its length
            return
        # Streamed (chunked) body: read it whole first, at most ``limit`` bytes, then replay.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                start, body = self._too_large(limit)
                await send(start)
                await send(body)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_ADDED = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
          (b"x-frame-options", b"DENY")]
_ADDED_ON_API = [*_ADDED, (b"cache-control", b"no-store")]
_REPLACED = frozenset({b"x-content-type-options", b"referrer-policy"})
_REPLACED_ON_API = _REPLACED | {b"cache-control"}


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` on every
    response; ``Cache-Control: no-store`` on the API (its answers are about people)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith(API_PREFIX)
        replaced = _REPLACED_ON_API if api else _REPLACED
        added = _ADDED_ON_API if api else _ADDED

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in replaced]
                message = {**message, "headers": headers + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)

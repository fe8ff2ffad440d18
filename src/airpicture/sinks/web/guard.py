"""The console's front door: access rules, request limits and security headers for every HTTP
request and websocket, before any route runs (the rules are in security.py).

- A request body is at most `max_body` bytes (issue 13, defect 5: 200 MB bodies were parsed on the
  event loop, before the token check): a larger Content-Length is refused at once with 413, and a
  chunked body is cut off with 413 as soon as it passes the limit, without being kept.
- HEAD is answered as GET without the body (FastAPI routes GET only).
- A websocket gets `scope[ABORT]`, to drop a client that never reads (app.py, send timeout).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from fastapi.responses import PlainTextResponse

from airpicture.sinks.web import security

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

#: scope key of a websocket's `abort()`: drop the connection now, unsent data and all (the server's
#: transport when the server exposes it, as uvicorn does; else nothing happens here).
ABORT = "airpicture.abort"

#: Largest request body accepted, bytes (a zone with a detailed polygon is a few kB).
MAX_BODY_BYTES = 1 << 20


class GuardMiddleware:
    """Access rules and security headers for every HTTP request and websocket (see security.py)."""

    def __init__(
        self,
        app: ASGIApp,
        token: str | None,
        loopback_only: bool,
        max_body: int = MAX_BODY_BYTES,
        headers: Callable[[], dict[str, str]] = lambda: security.HEADERS,
    ) -> None:
        self.app = app
        self.headers = headers  # the security headers in force (their CSP names the tile origin)
        self.token = token
        self.loopback_only = loopback_only
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = (scope.get("client") or ("", 0))[0]
        refusal = self._refusal(scope, headers, client)
        if refusal is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": refusal[1]})
                return None
            resp = PlainTextResponse(refusal[1], status_code=refusal[0], headers=self.headers())
            return await resp(scope, receive, send)
        head = scope["type"] == "http" and scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = cut_off = False

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if cut_off:
                return  # the 413 went out; what the app says about its cut body is dropped
            if message["type"] == "http.response.start":
                started = True
                hdrs = list(message.get("headers", []))
                present = {k.lower() for k, _ in hdrs}
                for k, v in self.headers().items():
                    if k.lower().encode() not in present and (
                        k != "Cache-Control" or scope["path"].startswith("/api")
                    ):
                        hdrs.append((k.lower().encode(), v.encode()))
                message["headers"] = hdrs
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        if scope["type"] != "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            abort = getattr(transport, "abort", None)
            scope[ABORT] = abort if callable(abort) else (lambda: None)
            return await self.app(scope, receive, send_with_headers)
        seen = 0

        async def limited() -> dict[str, Any]:
            # counts a streamed body; past the limit, answers 413 and tells the app the client left
            nonlocal seen, cut_off
            message = await receive()
            if message["type"] == "http.request" and not cut_off:
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    if not started:
                        hdrs = {**self.headers(), "Connection": "close"}  # do not read the rest
                        resp = PlainTextResponse(self._too_large(), status_code=413, headers=hdrs)
                        await resp(scope, receive, send)
                    cut_off = True
            return {"type": "http.disconnect"} if cut_off else message

        return await self.app(scope, limited, send_with_headers)

    def _too_large(self) -> str:
        return f"request body over {self.max_body} bytes"

    def _refusal(self, scope: Scope, headers: dict[str, str], client: str) -> tuple[int, str] | None:
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            return 413, self._too_large()
        if self.loopback_only and not security.is_loopback(security.host_name(headers.get("host", ""))):
            return 421, "this console answers only to localhost"
        unsafe = scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD", "OPTIONS")
        if unsafe and not security.origin_ok(headers.get("origin"), headers.get("host")):
            # another site's page in the operator's browser must not ack alerts or move the replay
            return 403, "cross-origin request refused"
        if security.is_loopback(client) and security.is_loopback(security.host_name(headers.get("host", ""))):
            # a loopback client skips the token only when it also names loopback: through a rebound
            # DNS name (Host: attacker.example) a page in the operator's browser is loopback too
            return None
        if not self.token:
            return 403, "remote access needs a token configured on the server"
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            cookies[k] = v
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        if not security.token_ok(self.token, security.presented_token(headers, cookies, query)):
            return 401, "token required"
        return None

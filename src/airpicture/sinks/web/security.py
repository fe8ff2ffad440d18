"""Who may use the console, and the headers that keep the page from being abused.

Rules:
- The server binds 127.0.0.1 unless told otherwise; binding elsewhere needs a token.
- With a token, every request carries it unless it comes from loopback *and* names a loopback host
  (`Host: localhost / 127.0.0.1 / [::1]`): `Authorization: Bearer`, the `ap_token` cookie (set when
  the page is opened as `/?token=...`) or `?token=` (websockets). A loopback request naming another
  host may be a DNS-rebinding page in the operator's browser, so it needs the token too.
- Changing zones always needs the token, even from loopback; with no token set, zones are read-only.
- Loopback-only servers accept only loopback Host headers (a DNS-rebinding page cannot reach them).
- Websockets and every request that changes something (POST, PUT, DELETE) must come from the page's
  own origin when a browser sends one (no cross-site request forgery from another tab).
- Strict headers on every answer: a CSP with no inline script, nosniff, no framing, no referrer.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from airpicture.errors import ConfigError

COOKIE = "ap_token"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cache-Control": "no-store",
}


def headers(tile_url: str | None = None) -> dict[str, str]:
    """HEADERS, with the origin of the operator's online tiles (console.tile_url) allowed for
    images and fetches when there is one: the page loads its tiles from there, nothing else."""
    if not tile_url:
        return HEADERS
    return _with_origin(urlsplit(tile_url)._replace(path="", query="", fragment="").geturl())


@functools.lru_cache(maxsize=4)
def _with_origin(origin: str) -> dict[str, str]:
    csp = CSP.replace("img-src 'self'", f"img-src 'self' {origin}").replace(
        "connect-src 'self'", f"connect-src 'self' {origin}"
    )
    return {**HEADERS, "Content-Security-Policy": csp}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen off loopback without a token."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"binding {host} exposes the console: give --token (or set one in the config)")


def host_name(host_header: str) -> str:
    """The host part of a Host header ('[::1]:8080' -> '::1', 'a.b:80' -> 'a.b')."""
    h = host_header.strip()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def token_ok(token: str | None, given: str | None) -> bool:
    """Constant-time comparison of UTF-8 bytes (compare_digest refuses non-ASCII str)."""
    if not token or given is None:
        return False
    return hmac.compare_digest(token.encode("utf-8"), given.encode("utf-8", "surrogateescape"))


def _utf8(header_value: str) -> str:
    """HTTP header values arrive decoded as Latin-1; a browser sends a non-ASCII token as UTF-8."""
    try:
        return header_value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return header_value


def presented_token(
    headers: Mapping[str, str], cookies: Mapping[str, str], query: Mapping[str, str]
) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return _utf8(auth[7:].strip())
    cookie = cookies.get(COOKIE)
    return _utf8(cookie) if cookie else query.get("token")


def origin_ok(origin: str | None, host_header: str | None) -> bool:
    """A websocket's or a state-changing request's Origin must be this server (browsers send it;
    tools such as curl do not, and need the token anyway when not on loopback)."""
    if origin is None:
        return True
    if not host_header:
        return False
    return origin in (f"http://{host_header}", f"https://{host_header}")


__all__ = [
    "COOKIE",
    "CSP",
    "HEADERS",
    "check_bind",
    "host_name",
    "is_loopback",
    "origin_ok",
    "presented_token",
    "token_ok",
]

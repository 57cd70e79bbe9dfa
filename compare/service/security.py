"""One ASGI middleware for what every answer of the service must do, whatever the endpoint.

- **Allowed hosts.** A request whose ``Host`` is not an allowed name gets 400. A page on another
  site can make a browser send requests to ``127.0.0.1:8000`` by pointing its own domain at that
  address (DNS rebinding); the browser then sends the attacker's domain as ``Host``, and only the
  host check tells those requests apart. By default the names allowed are the bound address and
  the loopback names; ``serve --allow-host`` adds more (a reverse proxy's public name).
- **Security headers** on every answer, errors included: a Content-Security-Policy (no script,
  no framing; the API docs pages run the Swagger UI served here), ``X-Content-Type-Options``,
  ``Referrer-Policy``, ``X-Frame-Options``, ``Cross-Origin-Opener-Policy`` and
  ``Cross-Origin-Resource-Policy``.
- **A damaged database** gives 503 and one log line naming ``sqlite3 FILE ".recover"``, not a
  500 with a traceback per request.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

from compare.service.pages import render_page
from compare.store import damaged_database

__all__ = ["CSP", "DOCS_CSP", "LOOPBACK_NAMES", "SecurityMiddleware", "allowed_hosts_for"]

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
#: The API docs pages run Swagger UI / ReDoc from this server (with one inline start-up script):
#: nothing may come from anywhere else.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_WILDCARDS = ("0.0.0.0", "::", "")


def _bare(host: str) -> str:
    """``Example.COM:8000`` -> ``example.com``; ``[::1]:8000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def allowed_hosts_for(bound: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The host names a server bound to ``bound`` answers: that address, the loopback names and
    ``extra``. A wildcard bind (``0.0.0.0``) adds no name of its own: give them with ``extra``."""
    names = [] if bound in _WILDCARDS else [_bare(bound)]
    names += [*LOOPBACK_NAMES, *(_bare(h) for h in extra)]
    return tuple(dict.fromkeys(n for n in names if n))


class SecurityMiddleware:
    """Host check, security headers and damaged-database answers (see the module docstring)."""

    def __init__(self, app: Any, *, allowed_hosts: Iterable[str], database: str = "the database") -> None:
        self.app = app
        self.allowed = {_bare(h) for h in allowed_hosts}
        self.any_host = "*" in self.allowed
        self.database = database

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        policy = (DOCS_CSP if path.startswith(_DOCS_PATHS) else CSP).encode()
        started = False

        async def send_secured(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                given = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": [*given, *_HEADERS,
                                                  (b"content-security-policy", policy)]}
            await send(message)

        if not self.any_host and _bare(host) not in self.allowed:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})  # policy violation
                return
            await _answer(send_secured, 400, path, f"invalid Host header {host!r}: this server "
                          "answers only its own names (serve --allow-host adds one)")
            return
        try:
            await self.app(scope, receive, send_secured)
        except sqlite3.DatabaseError as exc:
            damage = damaged_database(self.database, exc)
            if damage is None or started:
                raise
            logger.error("%s", damage)
            await _answer(send_secured, 503, path, str(damage))


_NAMES = {name for name, _ in _HEADERS} | {b"content-security-policy"}


async def _answer(send: Any, status: int, path: str, message: str) -> None:
    """A whole answer from the middleware itself: JSON under /api/, an HTML page elsewhere."""
    if path.startswith("/api/"):
        kind = "bad_request" if status == 400 else "unavailable"
        body = json.dumps({"error": kind, "detail": message}).encode()
        content_type = b"application/json"
    else:
        body = render_page("error.html", status=status, message=message).encode()
        content_type = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

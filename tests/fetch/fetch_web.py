"""A scripted multi-host web on 127.0.0.x for the fetcher tests, and a fake clock.

``loopback`` serves three hosts (127.0.0.2, .3, .4, each on its own port) from threads. A test
scripts routes with ``loopback.route(host, path, handler)``; a handler gets the request handler
object and writes whatever bytes it likes, so slow, truncated, gzipped or mislabelled bodies are
easy. Unscripted paths answer 404; ``/robots.txt`` answers 404 (allow all) unless scripted.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]
#: What :func:`public_resolver` answers for every name: a public address that no test ever
#: connects to (the requests go to an ``httpx.MockTransport``).
PUBLIC_ADDRESS = "93.184.215.14"


async def public_resolver(host: str, port: int) -> list[str]:
    """A resolver stub for MockTransport tests: every name is on one public address."""
    return [PUBLIC_ADDRESS]

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")


def send(
    req: BaseHTTPRequestHandler,
    body: bytes = b"",
    *,
    status: int = 200,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    """Write a whole response; ``length`` overrides Content-Length (to lie about it)."""
    req.send_response(status)
    if content_type:
        req.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        req.send_header(name, value)
    req.send_header("Content-Length", str(len(body) if length is None else length))
    req.end_headers()
    req.wfile.write(body)


def html(body: bytes | str, **kwargs: object) -> Handler:
    data = body.encode() if isinstance(body, str) else body
    return lambda req: send(req, data, **kwargs)  # type: ignore[arg-type]


def status(code: int, **kwargs: object) -> Handler:
    return lambda req: send(req, f"<html><body>{code}</body></html>".encode(), status=code,
                            **kwargs)  # type: ignore[arg-type]


def redirect(location: str, code: int = 302) -> Handler:
    return lambda req: send(req, b"", status=code, headers={"Location": location})


def gzipped(body: bytes, content_type: str = "text/html; charset=utf-8") -> Handler:
    data = gzip.compress(body)
    return lambda req: send(req, data, content_type=content_type,
                            headers={"Content-Encoding": "gzip"})


def slow_drip(chunks: int, pause: float) -> Handler:
    """A body that trickles in: each chunk fast enough for a read timeout, too slow in total."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(chunks * 10))
        req.end_headers()
        for _ in range(chunks):
            try:
                req.wfile.write(b"<p>drip</p"[:10])
                req.wfile.flush()
            except OSError:
                return
            time.sleep(pause)

    return handler


def truncated(declared: int, sent: bytes) -> Handler:
    def handler(req: BaseHTTPRequestHandler) -> None:
        send(req, sent, length=declared)
        req.close_connection = True

    return handler


def endless(chunk: int = 65536) -> Handler:
    """A body without Content-Length that never ends (until the client goes away)."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.protocol_version = "HTTP/1.0"
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.end_headers()
        req.close_connection = True
        block = b"x" * chunk
        for _ in range(10_000):
            try:
                req.wfile.write(block)
            except OSError:
                return

    return handler


@dataclass
class Hit:
    host: str
    path: str
    headers: dict[str, str]


@dataclass
class LoopbackWeb:
    """Three scripted hosts on loopback; ``base(i)`` is ``http://127.0.0.x:port``."""

    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self, index: int) -> str:
        host, port = self.servers[index].server_address[:2]
        return f"http://{host}:{port}"

    def url(self, index: int, path: str) -> str:
        return self.base(index) + path

    def route(self, index: int, path: str, handler: Handler) -> str:
        self.routes[(self.base(index), path)] = handler
        return self.url(index, path)

    def count(self, index: int, path: str) -> int:
        base = self.base(index)
        return sum(1 for h in self.hits if h.host == base and h.path == path)


def handler_class(web: LoopbackWeb, base: Callable[[], str]) -> type[BaseHTTPRequestHandler]:
    class Scripted(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with web.lock:
                web.hits.append(Hit(base(), self.path, dict(self.headers.items())))
            handler = web.routes.get((base(), self.path))
            if handler is None:
                send(self, b"not here", status=404, content_type="text/plain")
                return
            handler(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Scripted


def start(web: LoopbackWeb, hosts: Sequence[str]) -> None:
    """Serve ``web`` on each of ``hosts`` (a free port each), from daemon threads."""
    for host in hosts:
        index = len(web.servers)
        server = ThreadingHTTPServer(
            (host, 0), handler_class(web, lambda i=index: web.base(i))  # type: ignore[misc]
        )
        server.daemon_threads = True
        web.servers.append(server)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()


def stop(web: LoopbackWeb) -> None:
    for server in web.servers:
        server.shutdown()
        server.server_close()


class FakeClock:
    """A clock that only moves when the code under test sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        import asyncio

        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

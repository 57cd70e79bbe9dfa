"""The one place an ``httpx.AsyncClient`` is built: limits, timeouts, User-Agent, transport.

A run keeps one client per origin (:class:`Clients`), all built here with the same options.
httpcore's connection pool scans every connection it holds for each request, so a single pool
over fifty hosts spends most of its time choosing a connection (measured: about two thirds of
the CPU of a 50-host run); per-origin pools stay at one or two connections each.

Redirects are not followed by httpx: the fetcher follows them itself, hop by hop, so each hop is
checked against robots.txt, the http/https rule, loop detection and the host's politeness.
Tests pass an ``httpx.MockTransport`` (or point at a loopback server) through ``transport``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from compare.config import DEFAULT_USER_AGENT

__all__ = ["ClientOptions", "Clients", "build_client", "tls_context"]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class ClientOptions:
    """Connection-level settings shared by every request of a run."""

    user_agent: str = DEFAULT_USER_AGENT
    max_connections: int | None = None
    """Open connections per client, idle ones included. ``None``: the fetcher's per-host and
    global semaphores already bound the requests in flight."""
    max_keepalive: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    verify_tls: bool = True
    trust_env: bool = False
    """Honour proxy variables from the environment (off: a run goes where sources.yaml says)."""


def tls_context(options: ClientOptions) -> ssl.SSLContext | bool:
    """The TLS settings of a run's clients: one context, built once (it costs ~20 ms and ~0.5 MB)."""
    if not options.verify_tls:
        return False
    return httpx.create_ssl_context(trust_env=options.trust_env)


def build_client(
    options: ClientOptions | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    verify: ssl.SSLContext | bool | None = None,
) -> httpx.AsyncClient:
    """A new async client. The caller closes it (``async with``).

    ``verify`` is a TLS context to share between clients (see :func:`tls_context`).
    """
    opts = options or ClientOptions()
    timeout = httpx.Timeout(
        connect=opts.connect_timeout,
        read=opts.read_timeout,
        write=opts.read_timeout,
        pool=None,  # waiting for a pooled connection is bounded by our own semaphores
    )
    limits = httpx.Limits(
        max_connections=opts.max_connections,
        max_keepalive_connections=opts.max_keepalive,
        keepalive_expiry=15.0,
    )
    headers = {"User-Agent": opts.user_agent, "Accept": ACCEPT, "Accept-Language": "*"}
    return httpx.AsyncClient(
        headers=headers,
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        verify=opts.verify_tls if verify is None else verify,
        transport=transport,
        trust_env=opts.trust_env,
    )


class Clients:
    """One client per origin (scheme, host, port), built on first use; closed together.

    Use as ``async with Clients(options) as clients: clients.get(url)``. An injected
    ``transport`` (tests: ``httpx.MockTransport``) is shared by every client.
    """

    def __init__(
        self, options: ClientOptions | None = None, *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.options = options or ClientOptions()
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._verify: ssl.SSLContext | bool | None = None

    def get(self, url: str) -> httpx.AsyncClient:
        """The client for the origin of ``url``."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        client = self._clients.get(origin)
        if client is None:
            if self._verify is None and self._transport is None:
                self._verify = tls_context(self.options)
            client = build_client(self.options, transport=self._transport, verify=self._verify)
            self._clients[origin] = client
        return client

    def __len__(self) -> int:
        return len(self._clients)

    async def aclose(self) -> None:
        """Close every client (and its connections)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

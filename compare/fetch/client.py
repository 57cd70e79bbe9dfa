"""The one place an ``httpx.AsyncClient`` is built: limits, timeouts, User-Agent, transport.

A run keeps one client per origin (:class:`Clients`), all built here with the same options.
httpcore's connection pool scans every connection it holds for each request, so a single pool
over fifty hosts spends most of its time choosing a connection (measured: about two thirds of
the CPU of a 50-host run); per-origin pools stay at one or two connections each.

Redirects are not followed by httpx: the fetcher follows them itself, hop by hop, so each hop is
checked against robots.txt, the http/https rule, the address policy, loop detection and the
host's politeness. Without an injected transport, every client connects through a
:class:`~compare.fetch.address.PinningBackend`: only to addresses the run's
:class:`~compare.fetch.address.AddressBook` checked. Tests pass an ``httpx.MockTransport`` (or
point at a loopback server) through ``transport``, and a stub resolver through ``resolver``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpcore
import httpx

from compare.config import DEFAULT_USER_AGENT
from compare.fetch.address import AddressBook, PinningBackend, Resolver

__all__ = ["ClientOptions", "Clients", "build_client", "pinned_transport", "tls_context"]

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


def _limits(opts: ClientOptions) -> httpx.Limits:
    return httpx.Limits(
        max_connections=opts.max_connections,
        max_keepalive_connections=opts.max_keepalive,
        keepalive_expiry=15.0,
    )


def pinned_transport(
    book: AddressBook,
    options: ClientOptions | None = None,
    *,
    verify: ssl.SSLContext | bool | None = None,
    backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, whose connections go only to addresses ``book`` checked.

    httpx does not take a network backend, so the transport's connection pool is replaced by
    one built with the same settings and a :class:`PinningBackend` (``backend`` is what that
    wraps: the real sockets by default, httpcore's mock backend in tests).
    """
    opts = options or ClientOptions()
    limits = _limits(opts)
    context = verify if verify is not None else tls_context(opts)
    ssl_context = context if isinstance(context, ssl.SSLContext) else httpx.create_ssl_context(
        verify=context, trust_env=False)
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinningBackend(book, backend),
    )
    return transport


def build_client(
    options: ClientOptions | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    verify: ssl.SSLContext | bool | None = None,
) -> httpx.AsyncClient:
    """A new async client. The caller closes it (``async with``).

    ``verify`` is a TLS context to share between clients (see :func:`tls_context`). Without a
    ``transport`` the client resolves names itself: :class:`Clients` always passes one.
    """
    opts = options or ClientOptions()
    timeout = httpx.Timeout(
        connect=opts.connect_timeout,
        read=opts.read_timeout,
        write=opts.read_timeout,
        pool=None,  # waiting for a pooled connection is bounded by our own semaphores
    )
    limits = _limits(opts)
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
    ``transport`` (tests: ``httpx.MockTransport``) is shared by every client; otherwise each
    client connects through a :func:`pinned_transport` over :attr:`addresses`, the run's one
    :class:`AddressBook` (``resolver`` is its name resolver; tests pass a stub).
    """

    def __init__(
        self, options: ClientOptions | None = None, *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.options = options or ClientOptions()
        self.addresses = AddressBook(resolver)
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._verify: ssl.SSLContext | bool | None = None

    def get(self, url: str) -> httpx.AsyncClient:
        """The client for the origin of ``url``."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        client = self._clients.get(origin)
        if client is None:
            transport = self._transport
            if transport is None:
                if self._verify is None:
                    self._verify = tls_context(self.options)
                transport = pinned_transport(self.addresses, self.options, verify=self._verify)
            client = build_client(self.options, transport=transport, verify=self._verify)
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

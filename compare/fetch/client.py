"""The one place an ``httpx.AsyncClient`` is built: limits, timeouts, User-Agent, transport.

Redirects are not followed by httpx: the fetcher follows them itself, hop by hop, so each hop is
checked against robots.txt, the http/https rule, loop detection and the host's politeness.
Tests pass an ``httpx.MockTransport`` (or point at a loopback server) through ``transport``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from compare.config import DEFAULT_USER_AGENT

__all__ = ["ClientOptions", "build_client"]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class ClientOptions:
    """Connection-level settings shared by every request of a run."""

    user_agent: str = DEFAULT_USER_AGENT
    max_connections: int = 32
    max_keepalive: int = 64
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    verify_tls: bool = True
    trust_env: bool = False
    """Honour proxy variables from the environment (off: a run goes where sources.yaml says)."""


def build_client(
    options: ClientOptions | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A new async client for one run. The caller closes it (``async with``)."""
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
        verify=opts.verify_tls,
        transport=transport,
        trust_env=opts.trust_env,
    )

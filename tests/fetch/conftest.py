"""Fixtures of the fetcher tests: ``loopback`` (three scripted hosts) and ``clock`` (fake time)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from fetch_web import HOSTS, FakeClock, LoopbackWeb, handler_class


@pytest.fixture
def loopback() -> Iterator[LoopbackWeb]:
    web = LoopbackWeb()
    threads = []
    for host in HOSTS:
        index = len(web.servers)
        server = ThreadingHTTPServer(
            (host, 0), handler_class(web, lambda i=index: web.base(i))  # type: ignore[misc]
        )
        server.daemon_threads = True
        web.servers.append(server)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        threads.append(thread)
    try:
        yield web
    finally:
        for server in web.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

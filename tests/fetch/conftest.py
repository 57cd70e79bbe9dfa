"""Fixtures of the fetcher tests: ``loopback`` (three scripted hosts), ``cms_web`` (outlets
built like real news sites) and ``clock`` (fake time)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cms_web import CmsWeb
from fetch_web import HOSTS, FakeClock, LoopbackWeb, start, stop


@pytest.fixture
def loopback() -> Iterator[LoopbackWeb]:
    web = LoopbackWeb()
    start(web, HOSTS)
    try:
        yield web
    finally:
        stop(web)


@pytest.fixture
def cms_web() -> Iterator[CmsWeb]:
    with CmsWeb() as web:
        yield web


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

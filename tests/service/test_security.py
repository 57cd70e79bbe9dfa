"""The service answers only its own host names, sends its security headers on every answer, and
turns a damaged database into one log line and a 503."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from compare.embed import HashingEmbedder
from compare.service import create_app
from compare.service.security import LOOPBACK_NAMES, allowed_hosts_for

from .conftest import damage_copy

PAGES = ["/", "/outlets", "/runs", "/api/events", "/api/outlets", "/events/999999", "/api/events/999999",
         "/?q=" + "x" * 400, "/docs", "/openapi.json", "/nowhere"]


@pytest.fixture
def app_client(store_path: Path) -> Iterator[TestClient]:
    app = create_app(store_path, embedder=HashingEmbedder(dim=128))  # default: loopback names only
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "testserver", "", "localhost.evil.example"])
def test_other_host_names_are_refused(app_client: TestClient, host: str) -> None:
    for path in ("/", "/api/query?q=convoy"):
        answer = app_client.get(path, headers={"host": host})
        assert answer.status_code == 400, (host, path)
        assert "invalid Host header" in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert app_client.get("/api/events", headers={"host": host}).json()["error"] == "bad_request"


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.1"])
def test_the_loopback_names_are_answered(app_client: TestClient, host: str) -> None:
    assert app_client.get("/api/events", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(app_client: TestClient, path: str) -> None:
    answer = app_client.get(path)
    headers = answer.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    if not path.startswith("/docs"):
        assert "script-src" not in csp  # no script at all on the service's own pages
    assert len(answer.headers.get_list("content-security-policy")) == 1


def test_allowed_hosts_for_a_bind_address() -> None:
    assert set(allowed_hosts_for("127.0.0.1")) == set(LOOPBACK_NAMES)
    assert allowed_hosts_for("192.168.1.5", ["News.Example.org:443"]) == (
        "192.168.1.5", *LOOPBACK_NAMES, "news.example.org")
    assert allowed_hosts_for("0.0.0.0") == LOOPBACK_NAMES  # a wildcard names no host
    assert set(allowed_hosts_for("[::1]")) == set(LOOPBACK_NAMES)


def test_a_damaged_database_is_a_503_and_one_log_line(store_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    damaged = damage_copy(store_path, "events", "runs")
    app = create_app(damaged, embedder=HashingEmbedder(dim=128))  # its schema is still readable
    with caplog.at_level(logging.ERROR), TestClient(app, base_url="http://localhost") as client:
        page = client.get("/runs")
        api = client.get("/api/events")
    assert page.status_code == 503 and api.status_code == 503
    assert 'sqlite3 ' in api.json()["detail"] and '".recover"' in api.json()["detail"]
    assert page.headers["content-security-policy"]
    records = [r for r in caplog.records if "damaged" in r.getMessage()]
    assert records and all(r.exc_info is None for r in records)
